"""Emergency alerts (应急): broadcast with templates and audiences, acknowledgement, follow-up
and all-clear — the life of an alert, from its creation to its close.

Who gets it is `audience`, how it reads is `views`, the rules that need no database are
`rules`. Only managers (admins hold every role) may send, follow and close alerts; a
building-management system raises them through the HTTP API (`bot.http_api`). Every message
goes through the notifier's outbox with a key per alert, recipient, identity and round, so a
fan-out interrupted by a restart is simply run again and nobody gets a copy twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.core.types import Address, Reply
from bot.delivery.notifier import PRIORITY_EMERGENCY, PRIORITY_REPLY, Outgoing
from bot.services.alerts.audience import Audience, AudienceResolver, DormRoster, Recipients
from bot.services.alerts.rules import (
    ANSWER_RANK,
    MAX_DETAILS,
    MAX_NOTE,
    SENDER_ROLES,
    PlaceGroup,
    effective_answer,
    group_by_place,
    message_key,
    moves_forward,
    round_of,
)
from bot.services.alerts.views import (
    answer_notice_fields,
    broadcast_reply,
    escalation_reply,
    follow_buttons,
    system_raised_fields,
)
from bot.services.people import PeopleService, PlaceService
from models.alerts import ALERT_TEMPLATES, EVACUATION_TEMPLATES, Alert, AlertRecipient
from models.outbox import OutboxMessage
from models.people import Identity, Person

if TYPE_CHECKING:
    from bot.core.i18n import Translator
    from bot.delivery.notifier import Notifier

ID_CHUNK = 500
RECENT_CLOSED = 3


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Preview:
    """What a sender is about to do: how many people, how many reachable in chat."""

    audience: Audience
    people: int
    reachable: int


@dataclass
class AlertCounts:
    """Where an alert stands, in people: on its list, reachable in chat, with a message
    delivered, who answered (received / safe / need help) and who has not."""

    recipients: int = 0
    sent: int = 0
    delivered: int = 0
    acknowledged: int = 0
    safe: int = 0
    help: int = 0
    pending: int = 0


class AlertService:
    """Emergency broadcasts: sending, the recipients' answers, the follow-up and the close."""

    def __init__(
        self,
        settings: Settings,
        people: PeopleService,
        places: PlaceService,
        dorms: DormRoster | None = None,
        *,
        notifier: Notifier,
    ):
        self.settings = settings
        self.notifier = notifier
        self.people = people
        self.audience = AudienceResolver(places, dorms)
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

    async def managers_of(self, alert: Alert) -> list[Person]:
        """Who follows an alert: its sender and every manager (admins included)."""
        people = await self.people.with_role("manager")
        if alert.created_by_id and all(p.id != alert.created_by_id for p in people):
            sender = await Person.get_or_none(id=alert.created_by_id, active=True)
            people = [sender, *people] if sender else people
        return people

    async def escalation_targets(self, alert: Alert) -> list[Person]:
        """The alert's sender; every manager when a system raised it (or the sender left)."""
        if alert.created_by_id:
            sender = await Person.get_or_none(id=alert.created_by_id, active=True)
            if sender is not None:
                return [sender]
        return await self.people.with_role("manager")

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
        if sender is None:  # queued ahead of the broadcast it announces: managers hear first
            t = self.notifier.translator
            for manager in await self.people.with_role("manager"):
                await self.notifier.push(
                    manager,
                    "alerts.raised_by_system",
                    priority=PRIORITY_EMERGENCY,
                    **system_raised_fields(t, manager, alert),
                )
        queued = await self.fan_out(alert)
        return alert, queued

    async def fan_out(self, alert: Alert) -> int:
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
        queued = await self.notifier.enqueue(
            await self.messages(self.notifier.translator, alert, found.people, "r0")
        )
        total = await AlertRecipient.filter(alert_id=alert.id).count()
        next_at = _now() + self.repush_interval
        await Alert.filter(id=alert.id, fanout_done=False).update(
            fanout_done=True, recipients_total=total, next_repush_at=next_at
        )
        alert.fanout_done, alert.recipients_total, alert.next_repush_at = True, total, next_at
        return queued

    async def resume_fan_outs(self) -> int:
        """Finish fan-outs a restart interrupted; returns how many messages were queued."""
        queued = 0
        for alert in await Alert.filter(status="open", fanout_done=False).order_by("id"):
            queued += await self.fan_out(alert)
        return queued

    async def messages(
        self, t: Translator, alert: Alert, people: list[Person], tag: str
    ) -> list[Outgoing]:
        """One message per identity of each person, in their language, with a once-only key
        (re-pushes: tag "r<round>", all-clear: tag "c")."""
        idents = await _identities([p.id for p in people])
        replies: dict[str | None, Reply] = {}
        out: list[Outgoing] = []
        round_no = round_of(tag)
        for person in sorted(people, key=lambda p: (p.locale or "", p.id)):
            reply = replies.get(person.locale)
            if reply is None:
                reply = broadcast_reply(t, person.locale, alert, tag, round_no, self.repush_max)
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

    # --- answers ---------------------------------------------------------------------------------

    async def respond(
        self, alert_id: int, person: Person, answer: str
    ) -> tuple[Alert, AlertRecipient, bool]:
        """Record "received", "safe" or "help"; a call for help reaches the managers at once.
        Returns the alert, the recipient and whether anything changed."""
        alert, rec = await self._recipient(alert_id, person)
        if answer not in ANSWER_RANK or answer == "pending":
            raise ServiceError("errors.unknown_button")
        answer = effective_answer(answer, alert.evacuation)
        if alert.status != "open":
            raise InvalidState("alerts.already_closed", number=alert.id)
        previous = rec.status
        if not moves_forward(previous, answer):
            return alert, rec, False
        rec.status, rec.responded_at = answer, datetime.now(UTC)
        await rec.save(update_fields=["status", "responded_at"])
        if answer == "help" or previous == "help":
            key = "alerts.help_notice" if answer == "help" else "alerts.safe_after_help"
            await self._tell_managers(alert, rec, person, key)
        return alert, rec, True

    async def help_note(
        self, alert_id: int, person: Person, text: str
    ) -> AlertRecipient:
        """Forward what a person in need of help says (where exactly, what happened)."""
        alert, rec = await self._recipient(alert_id, person)
        if rec.status != "help":
            raise InvalidState("alerts.help_note_late")
        rec.note = text.strip()[:MAX_NOTE]
        await rec.save(update_fields=["note"])
        await self._tell_managers(alert, rec, person, "alerts.help_note_notice")
        return rec

    async def _recipient(self, alert_id: int, person: Person) -> tuple[Alert, AlertRecipient]:
        alert = await Alert.get_or_none(id=alert_id)
        if alert is None:
            raise NotFound("alerts.unknown", number=alert_id)
        rec = await AlertRecipient.get_or_none(alert_id=alert.id, person_id=person.id)
        if rec is None:
            raise NotFound("alerts.not_recipient", number=alert_id)
        return alert, rec

    async def _tell_managers(
        self, alert: Alert, rec: AlertRecipient, person: Person, key: str
    ) -> None:
        t = self.notifier.translator
        for manager in await self.managers_of(alert):
            if manager.id == person.id:
                continue
            place = await self.audience.place_label(rec.place, manager.locale)
            await self.notifier.push(
                manager,
                key,
                priority=PRIORITY_REPLY,
                buttons=follow_buttons(t, manager.locale, alert),
                **answer_notice_fields(t, manager, alert, rec, person, place),
            )

    # --- following -------------------------------------------------------------------------------

    async def get(self, alert_id: int, viewer: Person) -> Alert:
        """An alert by number, for those who may follow alerts."""
        self.require_sender(viewer)
        alert = await Alert.get_or_none(id=alert_id)
        if alert is None:
            raise NotFound("alerts.unknown", number=alert_id)
        return alert

    async def list_alerts(self, viewer: Person) -> list[Alert]:
        """Open alerts, newest first, then the last few closed ones."""
        self.require_sender(viewer)
        opened = await Alert.filter(status="open").order_by("-id").limit(20)
        closed = await Alert.filter(status="closed").order_by("-id").limit(RECENT_CLOSED)
        return [*opened, *closed]

    async def counts(self, alert: Alert) -> AlertCounts:
        """Live counts of an alert."""
        c = AlertCounts()
        statuses = await AlertRecipient.filter(alert_id=alert.id).values_list("status", flat=True)
        c.recipients = len(statuses)
        c.pending = sum(1 for s in statuses if s == "pending")
        c.acknowledged = c.recipients - c.pending
        c.safe = sum(1 for s in statuses if s == "safe")
        c.help = sum(1 for s in statuses if s == "help")
        queued, delivered = set(), set()
        rows = await OutboxMessage.filter(
            idempotency_key__startswith=f"alert:{alert.id}:r"
        ).values_list("idempotency_key", "status")
        for key, status in rows:
            person = str(key).split(":")[3]
            queued.add(person)
            if status == "sent":
                delivered.add(person)
        c.sent, c.delivered = len(queued), len(delivered)
        return c

    async def pending_by_place(self, alert_id: int, viewer: Person) -> list[PlaceGroup]:
        """Who has not answered yet, grouped by building (unknown place last)."""
        alert = await self.get(alert_id, viewer)
        return await self._pending_groups(alert)

    async def _pending_groups(self, alert: Alert) -> list[PlaceGroup]:
        recs = await AlertRecipient.filter(alert_id=alert.id, status="pending").prefetch_related(
            "person"
        )
        return group_by_place((rec.place, rec.person) for rec in recs)

    async def place_labels(self, groups: list[PlaceGroup], locale: str | None) -> dict[str, str]:
        """Each group's place in words in `locale` ("" when unknown)."""
        return {g.place: await self.audience.place_label(g.place, locale) for g in groups}

    async def follow_up(self, now: datetime | None = None) -> int:
        """Re-push due alerts to those who have not answered (up to the configured number of
        times, one interval apart); one interval after the last, the sender gets the list of
        those still silent by building. Returns the number of messages queued."""
        now = now or datetime.now(UTC)
        queued = 0
        due = await Alert.filter(status="open", fanout_done=True, next_repush_at__lte=now)
        for alert in due:
            queued += await self._follow_up_one(alert, now)
        return queued

    async def _follow_up_one(self, alert: Alert, now: datetime) -> int:
        pending_ids = await AlertRecipient.filter(alert_id=alert.id, status="pending").values_list(
            "person_id", flat=True
        )
        if alert.repush_round < self.repush_max and pending_ids:
            round_no = alert.repush_round + 1
            taken = await Alert.filter(id=alert.id, repush_round=alert.repush_round).update(
                repush_round=round_no, next_repush_at=now + self.repush_interval
            )
            if not taken:  # another instance did this round
                return 0
            alert.repush_round = round_no
            people = await Person.filter(id__in=list(pending_ids), active=True)
            messages = await self.messages(self.notifier.translator, alert, people, f"r{round_no}")
            return await self.notifier.enqueue(messages)
        if not pending_ids:  # everyone answered: nothing more to do
            await Alert.filter(id=alert.id).update(next_repush_at=None)
            return 0
        taken = await Alert.filter(id=alert.id, escalated_at=None, status="open").update(
            escalated_at=now, next_repush_at=None
        )
        if not taken:
            return 0
        groups = await self._pending_groups(alert)
        sent = 0
        for manager in await self.escalation_targets(alert):
            labels = await self.place_labels(groups, manager.locale)
            reply = escalation_reply(
                self.notifier.translator, manager.locale, alert, groups, labels
            )
            for ident in await Identity.filter(person_id=manager.id):
                await self.notifier.send(
                    Address(ident.platform, ident.chat_id), reply, PRIORITY_EMERGENCY
                )
                sent += 1
        return sent

    # --- closing ---------------------------------------------------------------------------------

    async def close(
        self, alert_id: int, person: Person, text: str | None
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
        queued = await self.notifier.enqueue(
            await self.messages(self.notifier.translator, alert, people, "c")
        )
        return alert, queued


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


__all__ = ["AlertCounts", "AlertService", "Audience", "Preview", "Recipients", "message_key"]
