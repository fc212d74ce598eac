"""A ticket's media: counts per kind for the detail view, the result kinds a completion keeps,
and stored photos, videos and voice notes as albums, forwarded to a person (dispatch,
completion) or shown to a reader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.types import ALBUM_LIMIT, Address, Media, Reply
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
# attachment kind -> the kind of media it is sent as
MEDIA_KIND = {"photo": "photo", "result": "photo", "video": "video", "result_video": "video",
              "voice": "voice", "result_voice": "voice"}


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


def as_media(attachment: Attachment) -> Media:
    """A stored file as media to send, by path (the outbox keeps the path, not the bytes)."""
    kind = MEDIA_KIND.get(attachment.kind, "video")
    return Media(kind=kind, path=attachment.path, mime=attachment.mime,
                 file_name=Path(attachment.path).name)


def album_replies(attachments: list[Attachment],
                  caption: Callable[[str], str]) -> list[Reply]:
    """The files as few messages as the platforms allow: photos and videos in albums of up to
    ALBUM_LIMIT, then each voice note, each captioned `caption("i/n")` or `caption("i–j/n")`."""
    visual = [a for a in attachments if MEDIA_KIND.get(a.kind) != "voice"]
    voices = [a for a in attachments if MEDIA_KIND.get(a.kind) == "voice"]
    total = len(attachments)
    replies = []
    for start in range(0, len(visual), ALBUM_LIMIT):
        chunk = visual[start : start + ALBUM_LIMIT]
        first, last = start + 1, start + len(chunk)
        numbers = f"{first}/{total}" if first == last else f"{first}–{last}/{total}"
        replies.append(Reply(text=caption(numbers), album=[as_media(a) for a in chunk]))
    for index, attachment in enumerate(voices, start=len(visual) + 1):
        replies.append(Reply(text=caption(f"{index}/{total}"), media=as_media(attachment)))
    return replies


async def forward(announce: Announcer, person: Person, attachments: list[Attachment],
                  caption: Text, priority: int) -> int:
    """Send the files to every identity of `person` (albums, then voice notes), captioned in
    their language; returns how many messages were queued."""
    identities = await Identity.filter(person_id=person.id)
    label = announce.render(person.locale, caption)
    sent = 0
    for reply in album_replies(attachments, lambda numbers: f"{label} ({numbers})"):
        for ident in identities:
            await announce.notifier.send(Address(ident.platform, ident.chat_id), reply, priority)
            sent += 1
    return sent
