"""Bounded storage: rows that only record the past (sent or failed outbox rows, idle
conversation states, ended web sessions, spent sign-in links and codes, old attempt counters
and /verify tries) are deleted after `HOUQIN_RETENTION_DAYS`; tickets, ledgers and audit logs
are kept. Media of drafts never submitted (an attachment row and its file) go after a day, but
only when nothing refers to them: a ticket, an inspection answer, a draft still held in a
conversation, or a message waiting in the outbox."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise.expressions import Q

from models.conversation import ConversationState
from models.dorms import DormVerifyAttempt
from models.inspections import InspectionAnswer
from models.outbox import OutboxMessage
from models.people import InviteCode
from models.repairs import Attachment
from models.web_auth import AttemptCounter, ChatSignInCode, SignInLink, WebSession

log = logging.getLogger(__name__)
COUNTER_DAYS = 1  # attempt windows are an hour at most: a day-old counter counts nothing
ORPHAN_MEDIA_AGE = timedelta(days=1)
DRAFT_MEDIA_KEYS = ("photos", "videos", "voices")  # where drafts keep attachment ids


async def prune(
    retention_days: int, now: datetime | None = None, media_root: Path | None = None
) -> dict[str, int]:
    """Delete what is older than `retention_days` (and, with `media_root`, the orphaned
    media older than a day); how many rows of each kind went."""
    now = now or datetime.now(UTC)
    counts = await _prune_rows(retention_days, now)
    if media_root is not None:
        counts["orphan_media"] = await prune_orphan_media(media_root, now)
    return counts


async def _prune_rows(retention_days: int, now: datetime) -> dict[str, int]:
    """The rows that only record the past."""
    cutoff = now - timedelta(days=retention_days)
    counter_cutoff = int((now - timedelta(days=COUNTER_DAYS)).timestamp())
    return {
        "outbox": await OutboxMessage.filter(
            status__in=("sent", "failed"), created_at__lt=cutoff).delete(),
        "conversations": await ConversationState.filter(updated_at__lt=cutoff).delete(),
        "web_sessions": await WebSession.filter(
            Q(revoked_at__lt=cutoff) | Q(last_seen_at__lt=cutoff)).delete(),
        "sign_in_links": await SignInLink.filter(expires_at__lt=cutoff).delete(),
        "chat_codes": await ChatSignInCode.filter(expires_at__lt=cutoff).delete(),
        "invite_codes": await InviteCode.filter(expires_at__lt=cutoff).delete(),
        "attempts": await AttemptCounter.filter(window_start__lt=counter_cutoff).delete(),
        "verify_tries": await DormVerifyAttempt.filter(created_at__lt=cutoff).delete(),
    }


async def prune_orphan_media(media_root: Path, now: datetime | None = None) -> int:
    """Delete ticket-less attachments older than a day that nothing refers to, and their files
    when no other row shares them (files are content-addressed); returns the rows deleted."""
    cutoff = (now or datetime.now(UTC)) - ORPHAN_MEDIA_AGE
    candidates = await Attachment.filter(ticket_id=None, created_at__lt=cutoff).values(
        "id", "path"
    )
    if not candidates:
        return 0
    used_ids, used_paths = await _referenced_media()
    orphans = [c for c in candidates if c["id"] not in used_ids and c["path"] not in used_paths]
    if not orphans:
        return 0
    deleted = await Attachment.filter(id__in=[o["id"] for o in orphans]).delete()
    paths = {o["path"] for o in orphans}
    still_used = set(await Attachment.filter(path__in=list(paths)).values_list("path", flat=True))
    root = media_root.resolve()
    for path in paths - still_used:
        file = Path(path).resolve()
        if not file.is_relative_to(root):  # only ever delete inside the media folder
            log.warning("orphan attachment outside the media folder kept: %s", path)
            continue
        file.unlink(missing_ok=True)
    return deleted


async def _referenced_media() -> tuple[set[int], set[str]]:
    """Attachment ids and file paths something still refers to, besides tickets."""
    ids: set[int] = set()
    for photo_ids in await InspectionAnswer.all().values_list("photo_ids", flat=True):
        ids.update(_ints(photo_ids))
    for data in await ConversationState.all().values_list("data", flat=True):
        ids.update(_draft_ids(data))
    paths: set[str] = set()
    waiting = OutboxMessage.filter(status__in=("pending", "sending"))
    for payload in await waiting.values_list("payload", flat=True):
        media = payload.get("media") if isinstance(payload, dict) else None
        if isinstance(media, dict) and media.get("path"):
            paths.add(str(media["path"]))
    return ids, paths


def _draft_ids(data: Any) -> Iterator[int]:
    """Attachment ids anywhere in a conversation's data (a draft keeps them under "photos",
    "videos" and "voices", at the top or in nested answers)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in DRAFT_MEDIA_KEYS:
                yield from _ints(value)
            else:
                yield from _draft_ids(value)
    elif isinstance(data, list):
        for value in data:
            yield from _draft_ids(value)


def _ints(values: Any) -> Iterator[int]:
    """The integers of a JSON list (anything else ignored)."""
    if isinstance(values, list):
        yield from (v for v in values if isinstance(v, int) and not isinstance(v, bool))
