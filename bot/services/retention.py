"""Bounded storage: rows that only record the past (sent or failed outbox rows, idle
conversation states, ended web sessions, spent sign-in links and codes, old attempt counters
and /verify tries) are deleted after `HOUQIN_RETENTION_DAYS`; tickets, ledgers and audit logs
are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from models.conversation import ConversationState
from models.dorms import DormVerifyAttempt
from models.outbox import OutboxMessage
from models.people import InviteCode
from models.web_auth import AttemptCounter, ChatSignInCode, SignInLink, WebSession

COUNTER_DAYS = 1  # attempt windows are an hour at most: a day-old counter counts nothing


async def prune(retention_days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete what is older than `retention_days`; how many rows of each kind went."""
    now = now or datetime.now(UTC)
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
