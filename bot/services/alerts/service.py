"""Emergency alerts (应急): broadcast with templates and audiences, acknowledgement, all-clear.

The parts: `alerts_audience` (who), `alerts_render` (what each person reads), `alerts_status`
(live counts, re-push, escalation). Only managers (admins hold every role) may send, follow and
close alerts; a building-management system raises them through the HTTP API (`bot.http_api`).
Every message goes through the notifier's outbox with a key per alert, recipient, identity and
round, so a fan-out interrupted by a restart is simply run again and nobody gets a copy twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.core.types import Address, Reply
from bot.delivery.notifier import PRIORITY_EMERGENCY, Outgoing
from bot.services.alerts.answers import AlertAnswers
from bot.services.alerts.audience import Audience, AudienceResolver, Recipients, ResidentsOf
from bot.services.alerts.status import AlertStatus
from bot.services.alerts.views import alert_buttons, alert_text, all_clear_text, title
from bot.services.people import PeopleService, PlaceService
from models.alerts import ALERT_TEMPLATES, EVACUATION_TEMPLATES, Alert, AlertRecipient
from models.people import Identity, Person

if TYPE_CHECKING:
    from bot.core.i18n import Translator
    from bot.delivery.notifier import Notifier

SENDER_ROLES = ("manager",)
MAX_DETAILS = 1000
ID_CHUNK = 500


def _now() -> datetime:
    return datetime.now(UTC)


def message_key(alert_id: int, tag: str, person_id: int, identity_id: int) -> str:
    """The once-only key of one alert message to one identity ("r0" first send, "r2" second
    re-push, "c" the all-clear)."""
    return f"alert:{alert_id}:{tag}:{person_id}:{identity_id}"


@dataclass
class Preview:
    """What a sender is about to do: how many people, how many reachable in chat."""

    audience: Audience
    people: int
    reachable: int


class AlertService(AlertAnswers, AlertStatus):
    """Emergency broadcasts and their acknowledgement."""

    def __init__(
        self,
        settings: Settings,
        people: PeopleService,
        places: PlaceService,
        residents_of: ResidentsOf | None = None,
    ):
        self.settings = settings
        self.people = people
        self.audience = AudienceResolver(places, residents_of)
        self.repush_interval = timedelta(minutes=settings.alert_repush_minutes)
        self.repush_max = settings.alert_repush_max

    # --- permissions -----------------------------------------------------------------------------

    def can_send(self, person: Person | None) -> bool:
        """True when the person may send, follow and close alerts."""
        return person is not None and person.has_role(*SENDER_ROLES)

    def require_sender(self, person: Person | None) -> None:
        """Raise PermissionDenied unless the person may send alerts."""
        if not self.can_send(person):
            raise PermissionDenied()

    # --- creating and sending --------------------------------------------------------------------

    async def preview(self, sender: Person, audience: Audience) -> Preview:
        """Validate an audience and count it (for the confirm card)."""
        self.require_sender(sender)
        audience = await self.audience.validate(audience)
        found = await self.audience.resolve(audience)
        ids = [p.id for p in found.people]
        reachable = await _reachable(ids)
        return Preview(audience, len(ids), reachable)

    async def create(
        self,
        sender: Person | None,
        template: str,
        details: str,
        audience: Audience,
        *,
        evacuation: bool | None = None,
        source: str = "chat",
    ) -> Alert:
        """Validate and store an alert (not sent yet). `sender` None only for a system."""
        if sender is not None or source == "chat":
            self.require_sender(sender)
        if template not in ALERT_TEMPLATES:
            raise ServiceError("alerts.template_unknown", template=template[:24])
        details = details.strip()
        if len(details) > MAX_DETAILS:
            raise ServiceError("alerts.details_too_long", limit=MAX_DETAILS)
        if template == "custom" and not details:
            raise ServiceError("alerts.custom_needs_text")
        audience = await self.audience.validate(audience)
        evac = template in EVACUATION_TEMPLATES if evacuation is None else bool(evacuation)
        return await Alert.create(
            template=template,
            details=details,
            evacuation=evac,
            audience_kind=audience.kind,
            audience_value=audience.value,
            created_by=sender,
            source=source[:32],
        )

    async def raise_alert(
        self,
        notifier: Notifier,
        sender: Person | None,
        template: str,
        details: str,
        audience: Audience,
        *,
        evacuation: bool | None = None,
        source: str = "chat",
    ) -> tuple[Alert, int]:
        """Create an alert and fan it out; returns it with the number of messages queued."""
        alert = await self.create(
            sender, template, details, audience, evacuation=evacuation, source=source
        )
        queued = await self.fan_out(notifier, alert)
        if sender is None:
            for manager in await self.people.with_role("manager"):
                await notifier.push(
                    manager,
                    "alerts.raised_by_system",
                    priority=PRIORITY_EMERGENCY,
                    number=alert.id,
                    source=alert.source,
                    title=title(notifier.translator, manager.locale, alert.template),
                )
        return alert, queued

    async def fan_out(self, notifier: Notifier, alert: Alert) -> int:
        """Record the recipients and queue their messages; safe to run again after a crash
        (the recipients and messages already queued are skipped)."""
        found = await self.audience.resolve(Audience(alert.audience_kind, alert.audience_value))
        await AlertRecipient.bulk_create(
            [
                AlertRecipient(alert_id=alert.id, person_id=p.id, place=found.places[p.id])
                for p in found.people
            ],
            batch_size=ID_CHUNK,
            ignore_conflicts=True,
        )
        queued = await notifier.enqueue(
            await self.messages(notifier.translator, alert, found.people, "r0")
        )
        total = await AlertRecipient.filter(alert_id=alert.id).count()
        next_at = _now() + self.repush_interval
        await Alert.filter(id=alert.id, fanout_done=False).update(
            fanout_done=True, recipients_total=total, next_repush_at=next_at
        )
        alert.fanout_done, alert.recipients_total, alert.next_repush_at = True, total, next_at
        return queued

    async def resume_fan_outs(self, notifier: Notifier) -> int:
        """Finish fan-outs a restart interrupted; returns how many messages were queued."""
        queued = 0
        for alert in await Alert.filter(status="open", fanout_done=False).order_by("id"):
            queued += await self.fan_out(notifier, alert)
        return queued

    async def messages(
        self, t: Translator, alert: Alert, people: list[Person], tag: str
    ) -> list[Outgoing]:
        """One message per identity of each person, in their language, with a once-only key
        (re-pushes: tag "r<round>", all-clear: tag "c")."""
        idents = await _identities([p.id for p in people])
        replies: dict[str | None, Reply] = {}
        out: list[Outgoing] = []
        round_no = int(tag[1:]) if tag.startswith("r") else 0
        for person in sorted(people, key=lambda p: (p.locale or "", p.id)):
            reply = replies.get(person.locale)
            if reply is None:
                if tag == "c":
                    reply = Reply(all_clear_text(t, person.locale, alert))
                else:
                    text = alert_text(
                        t, person.locale, alert, round_no=round_no, rounds=self.repush_max
                    )
                    reply = Reply(text, alert_buttons(t, person.locale, alert))
                replies[person.locale] = reply
            for ident in idents.get(person.id, []):
                out.append(
                    Outgoing(
                        Address(ident.platform, ident.chat_id),
                        reply,
                        PRIORITY_EMERGENCY,
                        message_key(alert.id, tag, person.id, ident.id),
                    )
                )
        return out

    # --- closing -----------------------------------------------------------------------------

    async def close(
        self, notifier: Notifier, alert_id: int, person: Person, text: str | None
    ) -> tuple[Alert, int]:
        """Close an alert and send everyone on it the all-clear; returns it and messages queued."""
        self.require_sender(person)
        text = (text or "").strip()
        if len(text) > MAX_DETAILS:
            raise ServiceError("alerts.details_too_long", limit=MAX_DETAILS)
        alert = await self.get(alert_id, person)
        closed = await Alert.filter(id=alert.id, status="open").update(
            status="closed",
            closed_at=_now(),
            closed_by_id=person.id,
            all_clear=text or None,
            next_repush_at=None,
        )
        if not closed:
            raise InvalidState("alerts.already_closed", number=alert.id)
        await alert.refresh_from_db()
        ids = await AlertRecipient.filter(alert_id=alert.id).values_list("person_id", flat=True)
        people = await Person.filter(id__in=list(ids))
        queued = await notifier.enqueue(
            await self.messages(notifier.translator, alert, people, "c")
        )
        return alert, queued

    async def get(self, alert_id: int, viewer: Person) -> Alert:
        """An alert by number, for those who may follow alerts."""
        self.require_sender(viewer)
        alert = await Alert.get_or_none(id=alert_id)
        if alert is None:
            raise NotFound("alerts.unknown", number=alert_id)
        return alert


async def _identities(person_ids: list[int]) -> dict[int, list[Identity]]:
    """Identities by person, in chunks (large audiences)."""
    out: dict[int, list[Identity]] = {}
    for start in range(0, len(person_ids), ID_CHUNK):
        chunk = person_ids[start : start + ID_CHUNK]
        for ident in await Identity.filter(person_id__in=chunk).order_by("id"):
            out.setdefault(ident.person_id, []).append(ident)
    return out


async def _reachable(person_ids: list[int]) -> int:
    """How many of these people have at least one chat identity."""
    reachable: set[int] = set()
    for start in range(0, len(person_ids), ID_CHUNK):
        chunk = person_ids[start : start + ID_CHUNK]
        found = await Identity.filter(person_id__in=chunk).values_list("person_id", flat=True)
        reachable.update(int(x) for x in found)
    return len(reachable)


__all__ = ["AlertService", "Audience", "Preview", "Recipients", "message_key"]
