"""Media: original bytes of photos, videos and voice notes kept on disk (content-addressed),
rows in `attachment`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.core.errors import ServiceError
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
VIDEO_SUFFIX = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm",
                "video/3gpp": "3gp"}
DEFAULT_MAX_VIDEO_BYTES = 20 * 1024 * 1024  # Telegram's getFile refuses anything larger
LARGE_KINDS = ("video", "video_note", "voice")  # kept within the video limit


def sniff_video(data: bytes) -> str | None:
    """The video MIME type (MP4, QuickTime, 3GP, WebM) by magic bytes, or None."""
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"avif"):
            return None  # still images in the same container
        return "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


class MediaService:
    """Stores and finds attachments."""

    def __init__(self, media_dir: str, max_photo_bytes: int,
                 max_video_bytes: int = DEFAULT_MAX_VIDEO_BYTES):
        self.root = Path(media_dir)
        self.max_photo_bytes = max_photo_bytes
        self.max_video_bytes = max_video_bytes

    def limit_for(self, kind: str) -> int:
        """The size limit of a file kind: videos and voice notes share the video limit."""
        return self.max_video_bytes if kind in LARGE_KINDS else self.max_photo_bytes

    def check_size(self, size: int | None, kind: str = "photo") -> None:
        """Refuse a file over its kind's size limit (before downloading it, by declared size)."""
        limit = self.limit_for(kind)
        if size is not None and size > limit:
            key = "media.video_too_large" if kind in LARGE_KINDS else "media.too_large"
            raise ServiceError(
                key, size_mb=round(size / 1048576, 1), limit_mb=round(limit / 1048576, 1)
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
        self.check_size(len(data), "voice")
        mime = sniff_audio(data)
        if mime is None:
            raise ServiceError("media.not_voice")
        return await self._keep(owner, data, "voice", mime, AUDIO_SUFFIX[mime])

    async def store_video(self, owner: Person, data: bytes) -> Attachment:
        """Keep a short video (MP4, MOV, 3GP, WebM); refuses other bytes and oversized files."""
        self.check_size(len(data), "video")
        mime = sniff_video(data)
        if mime is None:
            raise ServiceError("media.not_video")
        return await self._keep(owner, data, "video", mime, VIDEO_SUFFIX[mime])

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
