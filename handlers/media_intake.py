"""Media intake for any flow: photos, videos and voice notes a user sends are size-checked (by
the declared size, before downloading), downloaded, stored and listed in the flow's draft.

A report draft, a ticket note, a worker's completion and a checklist/inspection answer all keep
their files the same way: each kind in its own draft list (`photos`, `videos`, `voices` unless a
flow names them otherwise). A refused file is answered with the reason; the draft keeps
everything taken before it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.context import Context
from bot.core.types import DeliveryError, FileRef
from bot.services.errors import ServiceError

if TYPE_CHECKING:
    from bot.services.media import MediaService
    from models.people import Person
    from models.repairs import Attachment

Store = Callable[["Person", bytes], Awaitable["Attachment"]]


@dataclass(frozen=True)
class Intake:
    """How one kind of file is kept in a draft: the list's field, its limit and the store."""

    kind: str  # "photo", "video" or "voice"
    field: str
    limit: int
    too_many_key: str

    def store(self, media: MediaService) -> Store:
        """The MediaService function that checks and keeps this kind."""
        return {"photo": media.store_photo, "video": media.store_video,
                "voice": media.store_voice}[self.kind]


PHOTOS = Intake("photo", "photos", 9, "report.too_many_photos")
VIDEOS = Intake("video", "videos", 3, "media.too_many_videos")
VOICES = Intake("voice", "voices", 5, "report.too_many_voices")


async def take(ctx: Context, refs: list[FileRef], intake: Intake) -> list[int]:
    """Check, download and store files into the draft list `intake.field`; returns the ids
    added (files over the limit or refused are answered and left out)."""
    assert ctx.person is not None
    ids: list[int] = list(ctx.conv.data.get(intake.field, []))
    before = len(ids)
    store = intake.store(ctx.services.media)
    for ref in refs:
        if len(ids) >= intake.limit:
            await ctx.say(intake.too_many_key, limit=intake.limit)
            break
        try:
            ctx.services.media.check_size(ref.size, intake.kind)
            data = await ctx.fetch_file(ref.ref)
            attachment = await store(ctx.person, data)
        except ServiceError as err:
            await ctx.reply(ctx.t(err.key, **err.fields))
            continue
        except DeliveryError:  # the platform would not hand the file over (e.g. too big)
            await ctx.say("errors.file_unavailable")
            continue
        ids.append(attachment.id)
    if len(ids) > before:
        await ctx.update(**{intake.field: ids})
    return ids[before:]


async def take_videos(ctx: Context, refs: list[FileRef], intake: Intake = VIDEOS) -> int:
    """Keep videos in the draft and say how many it holds; returns how many were added."""
    added = await take(ctx, refs, intake)
    if added:
        await ctx.say("media.video_added", count=len(ctx.conv.data.get(intake.field, [])))
    return len(added)


async def take_voices(ctx: Context, refs: list[FileRef], intake: Intake = VOICES) -> int:
    """Keep voice notes in the draft and say how many it holds; returns how many were added."""
    added = await take(ctx, refs, intake)
    if added:
        await ctx.say("report.voice_added", count=len(ctx.conv.data.get(intake.field, [])))
    return len(added)


async def take_sent_media(ctx: Context) -> bool:
    """Keep the videos and voice notes of this message (photos are each flow's own business);
    True when the message carried any."""
    inc = ctx.incoming
    if inc.videos:
        await take_videos(ctx, inc.videos)
    if inc.voices:
        await take_voices(ctx, inc.voices)
    return bool(inc.videos or inc.voices)


def draft_media_ids(data: dict) -> list[int]:
    """Every attachment id a draft holds (photos, videos, voice notes)."""
    return [*data.get("photos", []), *data.get("videos", []), *data.get("voices", [])]
