"""Invitation cards and the mail-merge CSV of bulk invitations.

Cards are A6 (four to an A4 page, or one PDF each in a folder): the name and department, the
code in large type, and a QR per channel (Telegram deep link, WeCom, web sign-in). fpdf2 writes
the PDF: real text (not a picture of it), fonts embedded and subset, so 4 000 cards stay small,
and it reads the .ttc CJK fonts (NotoSansCJK) through fontTools."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from bot.services.assets import qr_image
from bot.services.csv_format import write_csv

CODES_COLUMNS = ("member_id", "name", "department", "code", "telegram_link", "wecom_link",
                 "web_link", "expires_at")
CARD_W, CARD_H = 105.0, 148.5  # mm: A6, four to an A4 page
MARGIN = 6.0
FONT = "card"


@dataclass(frozen=True)
class CardLink:
    """One way in: the label under its QR and the link."""

    label: str
    url: str


@dataclass(frozen=True)
class Card:
    """What one invitation card shows."""

    member_id: str
    name: str
    department: str
    code: str
    links: dict[str, CardLink]  # channel (telegram, wecom, web) -> its QR, in print order
    title: str
    code_label: str
    expires: str
    hint: str = ""


def _collection_index(font_path: str) -> int:
    """The Simplified Chinese face of a font collection (.ttc), else its first face."""
    if not font_path.lower().endswith(".ttc"):
        return 0
    from fontTools.ttLib import TTCollection

    names = [face["name"].getDebugName(1) or "" for face in TTCollection(font_path).fonts]
    return next((i for i, name in enumerate(names) if name.endswith(" SC")), 0)


class CardPrinter:
    """Lays invitation cards out with one font (CJK when found, else Latin only)."""

    def __init__(self, font_path: str | None):
        self.font_path = font_path

    def _pdf(self, fmt: str | tuple[float, float]) -> FPDF:
        pdf = FPDF(format=fmt, unit="mm")
        pdf.set_auto_page_break(False)
        pdf.set_margin(0)
        if self.font_path:
            pdf.add_font(FONT, fname=self.font_path,
                         collection_font_number=_collection_index(self.font_path))
        return pdf

    def _font(self, pdf: FPDF, size: float) -> None:
        if self.font_path:
            pdf.set_font(FONT, size=size)
        else:
            pdf.set_font("helvetica", size=size)

    def _text(self, value: str) -> str:
        """Latin-1 text only without a CJK font (the core font has no other glyphs)."""
        return value if self.font_path else value.encode("latin-1", "replace").decode("latin-1")

    def _line(self, pdf: FPDF, x: float, y: float, text: str, size: float) -> None:
        self._font(pdf, size)
        text = self._text(text)
        width = CARD_W - 2 * MARGIN
        while text and pdf.get_string_width(text) > width:
            text = text[:-2] + "…" if len(text) > 2 else ""
        pdf.set_xy(x + MARGIN, y)
        pdf.cell(width, size * 0.45, text, align="C")

    def draw(self, pdf: FPDF, card: Card, x: float, y: float) -> None:
        """One card with its top-left corner at (x, y) mm."""
        pdf.set_draw_color(170, 170, 170)
        pdf.rect(x + 2, y + 2, CARD_W - 4, CARD_H - 4)
        self._line(pdf, x, y + 8, card.title, 11)
        self._line(pdf, x, y + 18, card.name, 20)
        if card.department:
            self._line(pdf, x, y + 29, card.department, 12)
        self._line(pdf, x, y + 38, card.code_label, 9)
        self._line(pdf, x, y + 44, card.code, 30)
        count = max(1, len(card.links))
        size = min(42.0, (CARD_W - 2 * MARGIN - 4 * (count - 1)) / count)
        left = x + (CARD_W - count * size - 4 * (count - 1)) / 2
        top = y + 64
        for index, link in enumerate(card.links.values()):
            qx = left + index * (size + 4)
            pdf.image(qr_image(link.url, 600), x=qx, y=top, w=size, h=size)
            self._font(pdf, 9)
            pdf.set_xy(qx, top + size + 1)
            pdf.cell(size, 4, self._text(link.label), align="C")
        if card.hint:
            self._line(pdf, x, top + size + 10, card.hint, 8)
        self._line(pdf, x, y + CARD_H - 14, card.expires, 8)

    def write_pdf(self, cards: Sequence[Card], out: Path) -> Path:
        """Four cards to an A4 page."""
        pdf = self._pdf("A4")
        for index, card in enumerate(cards):
            if index % 4 == 0:
                pdf.add_page()
            col, row = index % 2, (index % 4) // 2
            self.draw(pdf, card, col * CARD_W, row * CARD_H)
        pdf.output(str(out))
        return out

    def write_folder(self, cards: Sequence[Card], out: Path) -> list[Path]:
        """One A6 PDF per card, named after the roster id."""
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        used: set[str] = set()
        for card in cards:
            name = re.sub(r"[^A-Za-z0-9._-]", "_", card.member_id) or "card"
            while name in used:
                name += "_"
            used.add(name)
            pdf = self._pdf((CARD_W, CARD_H))
            pdf.add_page()
            self.draw(pdf, card, 0, 0)
            path = out / f"{name}.pdf"
            pdf.output(str(path))
            written.append(path)
        return written


def write_codes_csv(cards: Sequence[Card], out: Path, expires_at: Sequence[str]) -> int:
    """The codes and links for mail merge (UTF-8 with BOM); the row count."""
    return write_csv(out, CODES_COLUMNS, (
        (c.member_id, c.name, c.department, c.code,
         *(c.links[k].url if k in c.links else "" for k in ("telegram", "wecom", "web")), expiry)
        for c, expiry in zip(cards, expires_at, strict=True)))
