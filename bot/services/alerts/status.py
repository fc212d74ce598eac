"""Following an alert: live counts, who has not answered (by building), re-push and escalation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.core.types import Address, Reply
from bot.delivery.notifier import PRIORITY_EMERGENCY
from models.alerts import Alert, AlertRecipient
from models.outbox import OutboxMessage
from models.people import Identity, Person

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier
    from bot.services.alerts.service import AlertService

LIST_PER_PLACE = 30
RECENT_CLOSED = 3


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


@dataclass
class PlaceGroup:
    """People who have not answered, in one building (code or zone; "" when unknown)."""

    place: str
    people: list[Person]


class AlertStatus:
    """Counts, lists and the scheduled follow-up of alerts (mixed into AlertService)."""

    async def counts(self: AlertService, alert: Alert) -> AlertCounts:
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

    async def list_alerts(self: AlertService, viewer: Person) -> list[Alert]:
        """Open alerts, newest first, then the last few closed ones."""
        self.require_sender(viewer)
        opened = await Alert.filter(status="open").order_by("-id").limit(20)
        closed = await Alert.filter(status="closed").order_by("-id").limit(RECENT_CLOSED)
        return [*opened, *closed]

    async def pending_by_place(
        self: AlertService, alert_id: int, viewer: Person
    ) -> list[PlaceGroup]:
        """Who has not answered yet, grouped by building (unknown place last)."""
        alert = await self.get(alert_id, viewer)
        return await self._pending_groups(alert)

    async def _pending_groups(self: AlertService, alert: Alert) -> list[PlaceGroup]:
        recs = await AlertRecipient.filter(alert_id=alert.id, status="pending").prefetch_related(
            "person"
        )
        groups: dict[str, list[Person]] = {}
        for rec in sorted(recs, key=lambda r: r.person.name):
            groups.setdefault(rec.place, []).append(rec.person)
        order = sorted(groups, key=lambda place: (place == "", place))
        return [PlaceGroup(place, groups[place]) for place in order]

    async def render_pending(
        self: AlertService,
        notifier: Notifier,
        viewer: Person,
        alert: Alert,
        groups: list[PlaceGroup],
    ) -> str:
        """The not-answered list as text in the viewer's language."""
        t, loc = notifier.translator, viewer.locale
        if not groups:
            return t(loc, "alerts.pending_none", number=alert.id)
        total = sum(len(g.people) for g in groups)
        lines = [t(loc, "alerts.pending_title", number=alert.id, count=total)]
        for group in groups:
            label = await self.audience.place_label(group.place, loc)
            lines.append(
                t(
                    loc,
                    "alerts.pending_place",
                    place=label or t(loc, "alerts.place_unknown"),
                    count=len(group.people),
                )
            )
            for person in group.people[:LIST_PER_PLACE]:
                lines.append(
                    t(loc, "alerts.pending_person", name=person.name, phone=person.phone or "-")
                )
            if len(group.people) > LIST_PER_PLACE:
                lines.append(t(loc, "alerts.and_more", count=len(group.people) - LIST_PER_PLACE))
        return "\n".join(lines)

    async def follow_up(self: AlertService, notifier: Notifier, now: datetime | None = None) -> int:
        """Re-push due alerts to those who have not answered (up to the configured number of
        times, one interval apart); one interval after the last, the sender gets the list of
        those still silent by building. Returns the number of messages queued."""
        now = now or datetime.now(UTC)
        queued = 0
        due = await Alert.filter(status="open", fanout_done=True, next_repush_at__lte=now)
        for alert in due:
            queued += await self._follow_up_one(notifier, alert, now)
        return queued

    async def _follow_up_one(
        self: AlertService, notifier: Notifier, alert: Alert, now: datetime
    ) -> int:
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
            messages = await self.messages(notifier.translator, alert, people, f"r{round_no}")
            return await notifier.enqueue(messages)
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
            text = await self.render_pending(notifier, manager, alert, groups)
            intro = notifier.translator(
                manager.locale, "alerts.escalation", number=alert.id, rounds=alert.repush_round
            )
            for ident in await Identity.filter(person_id=manager.id):
                reply = Reply(
                    intro + "\n" + text, self.follow_buttons(notifier.translator, manager, alert)
                )
                await notifier.send(
                    Address(ident.platform, ident.chat_id), reply, PRIORITY_EMERGENCY
                )
                sent += 1
        return sent

    async def escalation_targets(self: AlertService, alert: Alert) -> list[Person]:
        """The alert's sender; every manager when a system raised it (or the sender left)."""
        if alert.created_by_id:
            sender = await Person.get_or_none(id=alert.created_by_id, active=True)
            if sender is not None:
                return [sender]
        return await self.people.with_role("manager")
