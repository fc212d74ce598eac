"""A reply's photo, video or voice recording as a WeCom message: media/upload (type image,
video, voice or file), then a message/send body of that type; an album as one message each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.adapters.wecom.api import WeComApi, WeComApiError, delivery_error
from bot.core.types import DeliveryError, Media

PLATFORM = "wecom"
# WeCom plays voice messages only as AMR and videos as MP4; anything else goes as a file.
VOICE_MIMES = ("audio/amr",)
VIDEO_MIMES = ("video/mp4",)
DEFAULT_NAMES = {"voice": "voice.amr", "photo": "photo.jpg", "video": "video.mp4"}


def media_type(media: Media) -> str:
    """The WeCom media/message type for this file: image, video, voice or file."""
    mime = (media.mime or "").lower()
    if media.kind == "photo":
        return "image"
    if media.kind == "voice":
        return "voice" if mime in VOICE_MIMES else "file"
    return "video" if mime in VIDEO_MIMES else "file"


async def media_body(api: WeComApi, media: Media) -> dict[str, Any]:
    """Upload the recording (or reuse a WeCom media_id) and return the message body."""
    kind = media_type(media)
    media_id = media.ref_for(PLATFORM)
    if media_id is None:
        try:
            data = media.load()
        except OSError as exc:
            raise DeliveryError(f"media file unavailable: {exc}", permanent=True) from exc
        name = media.file_name or DEFAULT_NAMES.get(media.kind, "video.mp4")
        try:
            media_id = await api.upload_media(kind, data, name, media.mime or _mime_of(media, data))
        except WeComApiError as exc:
            raise delivery_error(exc) from exc
    return {"msgtype": kind, kind: {"media_id": media_id}}


async def album_bodies(api: WeComApi, album: list[Media]) -> list[dict[str, Any]]:
    """One message body per photo or video of an album, leaving out files gone from disk."""
    bodies = []
    for media in album:
        if _on_hand(media):
            bodies.append(await media_body(api, media))
    return bodies


def _on_hand(media: Media) -> bool:
    """True when the file can be sent: a WeCom media id, bytes, or a stored file still there."""
    if media.ref_for(PLATFORM) is not None or media.data is not None:
        return True
    return media.path is not None and Path(media.path).is_file()


def _mime_of(media: Media, data: bytes) -> str:
    """A MIME type for an upload that did not name one (photos: PNG or JPEG by signature)."""
    if media.kind == "photo":
        return "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return "application/octet-stream"
