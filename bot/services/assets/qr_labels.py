"""Printable QR labels: one per room or asset (the QR, the code, the name in zh and en), as an
A4 PDF of 8 labels a page or as one PNG per label. `qrcode` draws the matrix, Pillow lays out
and saves the pages (Pillow writes multi-page PDFs itself, and opens the .ttc CJK fonts)."""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

DPI = 200
PAGE = (1654, 2339)  # A4 at 200 dpi
COLUMNS, ROWS = 2, 4
LABEL = (PAGE[0] // COLUMNS, PAGE[1] // ROWS)
MARGIN = 36
QR_SIZE = 420
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
FONT_GLOBS = ("/usr/share/fonts/**/NotoSansCJK*.tt[cf]", "/usr/share/fonts/**/*CJK*.tt[cf]",
              "/usr/share/fonts/**/wqy*.tt[cf]")


@dataclass(frozen=True)
class Label:
    """What one label shows: the code, up to two lines in zh and en, and the QR link."""

    code: str
    line_zh: str
    line_en: str
    url: str
    sub_zh: str = ""
    sub_en: str = ""


def find_cjk_font(extra: str | None = None) -> str | None:
    """The path of a font with Chinese glyphs (fonts-noto-cjk on Debian), or None."""
    for path in (extra, *FONT_PATHS):
        if path and Path(path).is_file():
            return path
    for pattern in FONT_GLOBS:
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return found[0]
    return None


class LabelPainter:
    """Draws labels with one font (CJK when available; else Latin only, Chinese left out)."""

    def __init__(self, font_path: str | None):
        self.font_path = font_path
        self.has_cjk = font_path is not None

    def font(self, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        """The label font at `size` pixels."""
        if self.font_path:
            return ImageFont.truetype(self.font_path, size)
        return ImageFont.load_default(size)

    def _fit(self, draw: ImageDraw.ImageDraw, text: str, width: int, size: int
             ) -> tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]:
        """Shrink the font (down to 60%), then cut the text with … until it fits `width`."""
        for step in range(size, int(size * 0.6) - 1, -2):
            font = self.font(step)
            if draw.textlength(text, font=font) <= width:
                return text, font
        while text and draw.textlength(text + "…", font=font) > width:
            text = text[:-1]
        return text + "…", font

    def paint(self, label: Label) -> Image.Image:
        """One label as an RGB image of LABEL size."""
        image = Image.new("RGB", LABEL, "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle((4, 4, LABEL[0] - 5, LABEL[1] - 5), outline=(170, 170, 170), width=2)
        matrix = qr_image(label.url, QR_SIZE)
        top = (LABEL[1] - matrix.height) // 2
        image.paste(matrix, (MARGIN - 10 + (QR_SIZE - matrix.width) // 2, top))
        left = MARGIN + QR_SIZE
        width = LABEL[0] - left - MARGIN
        lines = [(label.code, 64)]
        for zh, en in ((label.line_zh, label.line_en), (label.sub_zh, label.sub_en)):
            if zh and self.has_cjk:
                lines.append((zh, 40))
            if en:
                lines.append((en, 32))
        y = top + 20
        for text, size in lines:
            shown, font = self._fit(draw, text, width, size)
            draw.text((left, y), shown, fill="black", font=font)
            y += int(size * 1.45)
        return image


def qr_image(data: str, size: int = QR_SIZE) -> Image.Image:
    """The QR code of `data` (error correction M, quiet zone of 4) as a black-on-white image
    at most `size` pixels wide, every module the same whole number of pixels."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    scale = max(1, size // image.width)
    return image.resize((image.width * scale, image.height * scale), Image.NEAREST)


def pages_of(images: list[Image.Image]) -> list[Image.Image]:
    """Labels placed 2 × 4 on A4 pages."""
    pages: list[Image.Image] = []
    per_page = COLUMNS * ROWS
    for start in range(0, len(images), per_page):
        page = Image.new("RGB", PAGE, "white")
        for index, image in enumerate(images[start:start + per_page]):
            col, row = index % COLUMNS, index // COLUMNS
            page.paste(image, (col * LABEL[0], row * LABEL[1]))
        pages.append(page)
    return pages


def file_name(code: str) -> str:
    """A safe PNG file name for a code."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", code) or "label"


def write_labels(labels: list[Label], out: str | Path, font_path: str | None) -> list[Path]:
    """Write an A4 PDF (when `out` ends in .pdf) or one PNG per label into the folder `out`."""
    painter = LabelPainter(font_path)
    images = [painter.paint(label) for label in labels]
    out = Path(out)
    if out.suffix.lower() == ".pdf":
        pages = pages_of(images)
        pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=DPI)
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for label, image in zip(labels, images, strict=True):
        name = file_name(label.code)
        while name in used:
            name += "_"
        used.add(name)
        path = out / f"{name}.png"
        image.save(path, "PNG", dpi=(DPI, DPI))
        written.append(path)
    return written
