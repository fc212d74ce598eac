"""Telegram videos and voice notes: mapping message.video / video_note to FileRefs, and sending
a reply's media with sendVideo / sendVoice (sendAudio or sendDocument for other formats), its
picture with sendPhoto or its album with sendMediaGroup, the text as the caption when it fits."""

from __future__ import annotations

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
)

from bot.adapters.telegram.text import (
    CAPTION_LIMIT,
    Markup,
    keyboard_of,
    send_chunks,
    split_text,
    utf16_len,
)
from bot.core.types import DeliveryError, FileRef, Media, Reply

PLATFORM = "telegram"
# sendVoice plays OGG/Opus (MP3 and M4A too); sendVideo streams MPEG-4. Other formats are sent
# as audio or as a document, which every client can still open.
VOICE_MIMES = ("audio/ogg",)
AUDIO_MIMES = ("audio/mpeg", "audio/mp4", "audio/x-m4a")
VIDEO_MIMES = ("video/mp4",)


def video_refs(message: Message) -> list[FileRef]:
    """The message's video and round video note as FileRefs (declared size, duration, MIME)."""
    refs: list[FileRef] = []
    if message.video is not None:
        video = message.video
        refs.append(FileRef(ref=video.file_id, size=video.file_size,
                            mime=video.mime_type or "video/mp4", file_name=video.file_name,
                            is_image=False, kind="video", duration=_seconds(video.duration)))
    if message.video_note is not None:
        note = message.video_note
        refs.append(FileRef(ref=note.file_id, size=note.file_size, mime="video/mp4",
                            is_image=False, kind="video_note", duration=_seconds(note.duration)))
    return refs


def _seconds(duration: object) -> int | None:
    """PTB 22 gives durations as int or timedelta (depending on a setting): whole seconds."""
    if duration is None:
        return None
    total = getattr(duration, "total_seconds", None)
    return int(total()) if callable(total) else int(duration)  # type: ignore[call-overload]


async def send_captioned(bot: Bot, chat_id: int | str, reply: Reply, markup: Markup) -> None:
    """Send the reply's video/recording or picture, its text as the caption (with the buttons)
    when it fits, otherwise after it as messages of their own."""
    fits = utf16_len(reply.text) <= CAPTION_LIMIT
    if reply.media is not None:
        await send_media(bot, chat_id, reply.media, (reply.text or None) if fits else None,
                         markup if fits else None)
        if not fits:
            await send_chunks(bot, chat_id, split_text(reply.text), keyboard_of(markup))
    elif reply.image is not None:
        if fits:
            await bot.send_photo(
                chat_id, photo=reply.image, caption=reply.text or None, reply_markup=markup
            )
        else:
            await bot.send_photo(chat_id, photo=reply.image)
            await send_chunks(bot, chat_id, split_text(reply.text), keyboard_of(markup))


async def send_album(bot: Bot, chat_id: int | str, reply: Reply, markup: Markup) -> None:
    """Send the reply's photos and videos as one media group, the text as the group's caption
    when it fits and there are no buttons (a group carries none), otherwise after it; files gone
    from disk are left out, and a group of one is sent as a single photo or video."""
    present = [entry for entry in map(_album_source, reply.album) if entry is not None]
    fits = utf16_len(reply.text) <= CAPTION_LIMIT and markup is None
    caption = (reply.text or None) if fits else None
    if len(present) == 1:
        kind, source, name = present[0]
        if kind == "photo":
            await bot.send_photo(chat_id, photo=source, caption=caption, filename=name)
        else:
            await bot.send_video(chat_id, video=source, caption=caption, filename=name,
                                 supports_streaming=True)
    elif present:
        group: list[InputMediaPhoto | InputMediaVideo] = []
        for index, (kind, source, name) in enumerate(present):
            text = caption if index == 0 else None
            group.append(
                InputMediaPhoto(source, caption=text, filename=name) if kind == "photo"
                else InputMediaVideo(source, caption=text, filename=name, supports_streaming=True))
        await bot.send_media_group(chat_id, media=group)
    if not present or not fits:
        await send_chunks(bot, chat_id, split_text(reply.text), keyboard_of(markup))


def _album_source(media: Media) -> tuple[str, str | bytes, str | None] | None:
    """An album entry's kind, source (Telegram file id, or its bytes) and file name; None when
    its stored file is gone."""
    kind = "photo" if media.kind == "photo" else "video"
    ref = media.ref_for(PLATFORM)
    if ref is not None:
        return kind, ref, None
    try:
        data = media.load()
    except OSError:
        return None
    return kind, data, media.file_name or ("photo.jpg" if kind == "photo" else "video.mp4")


async def send_media(bot: Bot, chat_id: int | str, media: Media, caption: str | None,
                     markup: InlineKeyboardMarkup | None) -> None:
    """Send the video or recording (by Telegram file id when it came from Telegram, else the
    bytes), captioned; a stored file that is gone is a permanent DeliveryError."""
    source: str | InputFile
    ref = media.ref_for(PLATFORM)
    if ref is not None:
        source = ref
    else:
        try:
            data = media.load()
        except OSError as exc:
            raise DeliveryError(f"media file unavailable: {exc}", permanent=True) from exc
        source = InputFile(data, filename=media.file_name or _default_name(media))
    mime = (media.mime or "").lower()
    common = {"caption": caption, "reply_markup": markup}
    if media.kind == "voice":
        if mime in VOICE_MIMES or (ref and not mime):
            await bot.send_voice(chat_id, voice=source, **common)
        elif mime in AUDIO_MIMES:
            await bot.send_audio(chat_id, audio=source, **common)
        else:  # e.g. AMR from WeCom: Telegram cannot play it inline
            await bot.send_document(chat_id, document=source, **common)
    elif mime in VIDEO_MIMES or (ref and not mime):
        await bot.send_video(chat_id, video=source, supports_streaming=True, **common)
    else:
        await bot.send_document(chat_id, document=source, **common)


def _default_name(media: Media) -> str:
    return "voice.ogg" if media.kind == "voice" else "video.mp4"
