"""Media intake for any flow: photos, videos and voice notes a user sends are size-checked (by
the declared size, before downloading), downloaded, stored and listed in the flow's draft.

A report draft, a ticket note, a worker's completion and a checklist/inspection answer all keep
their files the same way: each kind in its own draft list (`photos`, `videos`, `voices` unless a
flow names them otherwise; "cur.photos" names a list inside the draft's `cur` dict, e.g. the
item being answered). A refused file is answered with the reason; the draft keeps everything
taken before it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.types import DeliveryError, FileRef

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


def held(data: dict, field: str) -> list[int]:
    """The ids in a draft list: `field` is a key of the draft, or "outer.inner" one level down."""
    outer, _, inner = field.partition(".")
    if not inner:
        return list(data.get(outer) or [])
    return list((data.get(outer) or {}).get(inner) or [])


async def _keep_ids(ctx: Context, field: str, ids: list[int]) -> None:
    outer, _, inner = field.partition(".")
    if not inner:
        await ctx.update(**{outer: ids})
        return
    await ctx.update(**{outer: {**(ctx.conv.data.get(outer) or {}), inner: ids}})


async def take(ctx: Context, refs: list[FileRef], intake: Intake) -> list[int]:
    """Check, download and store files into the draft list `intake.field`; returns the ids
    added (files over the limit or refused are answered and left out)."""
    assert ctx.person is not None
    ids = held(ctx.conv.data, intake.field)
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
        await _keep_ids(ctx, intake.field, ids)
    return ids[before:]


async def take_videos(ctx: Context, refs: list[FileRef], intake: Intake = VIDEOS) -> int:
    """Keep videos in the draft and say how many it holds; returns how many were added."""
    added = await take(ctx, refs, intake)
    if added:
        await ctx.say("media.video_added", count=len(held(ctx.conv.data, intake.field)))
    return len(added)


async def take_voices(ctx: Context, refs: list[FileRef], intake: Intake = VOICES) -> int:
    """Keep voice notes in the draft and say how many it holds; returns how many were added."""
    added = await take(ctx, refs, intake)
    if added:
        await ctx.say("report.voice_added", count=len(held(ctx.conv.data, intake.field)))
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


@dataclass(frozen=True)
class ItemMedia:
    """The three lists one answered item keeps inside the draft's `cur` dict (an inspection
    answer, a checklist problem), with the flow's own photo limit and wording."""

    photos: Intake
    videos: Intake
    voices: Intake

    @classmethod
    def within(cls, outer: str, photo_limit: int, too_many_photos_key: str) -> ItemMedia:
        """Lists `outer.photos`, `outer.videos`, `outer.voices` (videos and voice notes keep
        the report's limits)."""
        return cls(Intake("photo", f"{outer}.photos", photo_limit, too_many_photos_key),
                   Intake("video", f"{outer}.videos", VIDEOS.limit, VIDEOS.too_many_key),
                   Intake("voice", f"{outer}.voices", VOICES.limit, VOICES.too_many_key))

    async def take_all(self, ctx: Context) -> bool:
        """Keep every photo, video and voice note of this message; True when it carried any."""
        inc = ctx.incoming
        if inc.photos:
            await take(ctx, inc.photos, self.photos)
        if inc.videos:
            await take_videos(ctx, inc.videos, self.videos)
        if inc.voices:
            await take_voices(ctx, inc.voices, self.voices)
        return bool(inc.photos or inc.videos or inc.voices)

    def counts(self, data: dict) -> tuple[int, int, int]:
        """How many photos, videos and voice notes the item holds."""
        return (len(held(data, self.photos.field)), len(held(data, self.videos.field)),
                len(held(data, self.voices.field)))

    def ids(self, data: dict) -> tuple[list[int], list[int], list[int]]:
        """The item's photo, video and voice-note ids."""
        return (held(data, self.photos.field), held(data, self.videos.field),
                held(data, self.voices.field))


def carries_media(ctx: Context) -> bool:
    """Whether this message brought a photo, a video or a voice note."""
    inc = ctx.incoming
    return bool(inc.photos or inc.videos or inc.voices)


def files_summary(ctx: Context, photos: int, videos: int, voices: int) -> str:
    """E.g. "2 photo(s), 1 video(s)" in the user's words ("0 photo(s)" when there are none)."""
    parts = [ctx.t(key, count=n) for key, n in (("media.n_photos", photos),
                                                ("media.n_videos", videos),
                                                ("media.n_voices", voices)) if n]
    return ctx.t("media.files_sep").join(parts) or ctx.t("media.n_photos", count=0)
