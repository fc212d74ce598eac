"""A reply's video or voice recording as a WeCom message: media/upload (type video, voice or
file), then a message/send body of that type."""

from __future__ import annotations

from typing import Any

from bot.adapters.wecom.api import WeComApi, WeComApiError, delivery_error
from bot.core.types import DeliveryError, Media

PLATFORM = "wecom"
# WeCom plays voice messages only as AMR and videos as MP4; anything else goes as a file.
VOICE_MIMES = ("audio/amr",)
VIDEO_MIMES = ("video/mp4",)


def media_type(media: Media) -> str:
    """The WeCom media/message type for this recording: video, voice or file."""
    mime = (media.mime or "").lower()
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
        name = media.file_name or ("voice.amr" if media.kind == "voice" else "video.mp4")
        try:
            media_id = await api.upload_media(kind, data, name,
                                              media.mime or "application/octet-stream")
        except WeComApiError as exc:
            raise delivery_error(exc) from exc
    return {"msgtype": kind, kind: {"media_id": media_id}}
