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


def sniff_audio(data: bytes) -> str | None:
    """The audio MIME type (AMR, Ogg, MP3) by magic bytes, or None when not a known recording."""
    if data.startswith(b"#!AMR"):
        return "audio/amr"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"ID3") or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    return None


AUDIO_SUFFIX = {"audio/amr": "amr", "audio/ogg": "ogg", "audio/mpeg": "mp3"}


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
        return await self._keep(owner, data, "photo", mime, mime.split("/")[1])

    async def store_voice(self, owner: Person, data: bytes) -> Attachment:
        """Keep a voice recording (AMR, Ogg or MP3); refuses other bytes and oversized files."""
        self.check_size(len(data))
        mime = sniff_audio(data)
        if mime is None:
            raise ServiceError("media.not_voice")
        return await self._keep(owner, data, "voice", mime, AUDIO_SUFFIX[mime])

    async def _keep(
        self, owner: Person, data: bytes, kind: str, mime: str, suffix: str
    ) -> Attachment:
        digest = hashlib.sha256(data).hexdigest()
        path = self.root / digest[:2] / f"{digest}.{suffix}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(path)
        return await Attachment.create(
            owner=owner, kind=kind, path=str(path), sha256=digest, size=len(data), mime=mime
        )

    async def read(self, attachment: Attachment) -> bytes:
        """The stored bytes of an attachment."""
        return Path(attachment.path).read_bytes()
