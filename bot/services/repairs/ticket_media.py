"""A ticket's media: counts per kind for the detail view, the result kinds a completion keeps,
and forwarding stored photos, videos and voice notes to a person (dispatch, completion)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.types import Address, Media, Reply
from models.people import Identity, Person
from models.repairs import Attachment

if TYPE_CHECKING:
    from bot.delivery.announce import Announcer, Text

# What a worker's completion files become on the ticket (kept apart from the reporter's).
RESULT_KINDS = {"photo": "result", "video": "result_video", "voice": "result_voice"}
REPORTER_KINDS = ("photo", "video", "voice")
SHOWN_KINDS = ("photo", "video", "voice", "result", "result_video", "result_voice")
MAX_SHOWN = 10  # per kind, when a reader asks to see a ticket's files
MAX_FORWARDED = 3  # per kind and message: enough to prepare, not a flood


@dataclass
class MediaCounts:
    """How many files of each kind a ticket holds (the reporter's, and the result's)."""

    photos: int = 0
    videos: int = 0
    voices: int = 0
    result_photos: int = 0
    result_videos: int = 0
    result_voices: int = 0


async def media_counts(ticket_id: int) -> MediaCounts:
    """Count a ticket's attachments per kind."""
    kinds = await Attachment.filter(ticket_id=ticket_id).values_list("kind", flat=True)
    return MediaCounts(
        photos=kinds.count("photo"), videos=kinds.count("video"), voices=kinds.count("voice"),
        result_photos=kinds.count("result"), result_videos=kinds.count("result_video"),
        result_voices=kinds.count("result_voice"),
    )


async def ticket_media(ticket_id: int, kinds: tuple[str, ...],
                       limit: int = MAX_FORWARDED) -> list[Attachment]:
    """The ticket's stored files of the given kinds (at most `limit` per kind), oldest first,
    whose bytes are still on disk."""
    found: list[Attachment] = []
    for kind in kinds:
        rows = await Attachment.filter(ticket_id=ticket_id, kind=kind).order_by("id").limit(limit)
        found += [a for a in rows if Path(a.path).exists()]
    return sorted(found, key=lambda a: a.id)


def as_reply(attachment: Attachment, caption: str) -> Reply:
    """A reply carrying one stored file: photos as the image, videos and voice as media (by
    path, so the outbox does not hold the bytes)."""
    if attachment.kind in ("photo", "result"):
        return Reply(text=caption, image=Path(attachment.path).read_bytes())
    kind = "voice" if attachment.kind in ("voice", "result_voice") else "video"
    media = Media(kind=kind, path=attachment.path, mime=attachment.mime,
                  file_name=Path(attachment.path).name)
    return Reply(text=caption, media=media)


async def forward(announce: Announcer, person: Person, attachments: list[Attachment],
                  caption: Text, priority: int) -> int:
    """Send each file to every identity of `person`, captioned "{caption} (i/n)" in their
    language; returns how many messages were queued."""
    identities = await Identity.filter(person_id=person.id)
    label = announce.render(person.locale, caption)
    sent = 0
    for index, attachment in enumerate(attachments, start=1):
        reply = as_reply(attachment, f"{label} ({index}/{len(attachments)})")
        for ident in identities:
            await announce.notifier.send(Address(ident.platform, ident.chat_id), reply, priority)
            sent += 1
    return sent
