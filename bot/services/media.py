"""Media: original bytes of photos kept on disk (content-addressed), rows in `attachment`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.services.errors import ServiceError
from models.people import Person
from models.repairs import Attachment

IMAGE_SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
    b"RIFF": "image/webp",
}


def sniff_image(data: bytes) -> str | None:
    """The image MIME type by magic bytes, or None when the bytes are not a known image."""
    for magic, mime in IMAGE_SIGNATURES.items():
        if data.startswith(magic) and (mime != "image/webp" or data[8:12] == b"WEBP"):
            return mime
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image/heic"
    return None


class MediaService:
    """Stores and finds attachments."""

    def __init__(self, media_dir: str, max_photo_bytes: int):
        self.root = Path(media_dir)
        self.max_photo_bytes = max_photo_bytes

    def check_size(self, size: int | None) -> None:
        """Refuse a file over the photo size limit before downloading it."""
        if size is not None and size > self.max_photo_bytes:
            raise ServiceError(
                "media.too_large", size_mb=round(size / 1048576, 1),
                limit_mb=round(self.max_photo_bytes / 1048576, 1),
            )

    async def store_photo(self, owner: Person, data: bytes) -> Attachment:
        """Keep the original bytes of a photo; refuses non-images and oversized files."""
        self.check_size(len(data))
        mime = sniff_image(data)
        if mime is None:
            raise ServiceError("media.not_image")
        digest = hashlib.sha256(data).hexdigest()
        path = self.root / digest[:2] / f"{digest}.{mime.split('/')[1]}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(path)
        return await Attachment.create(
            owner=owner, kind="photo", path=str(path), sha256=digest, size=len(data), mime=mime
        )

    async def read(self, attachment: Attachment) -> bytes:
        """The stored bytes of an attachment."""
        return Path(attachment.path).read_bytes()
