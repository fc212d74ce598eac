"""Energy anomalies out and back: the alert (text, 48 h chart, two buttons) to each person who
answers for the meter, and their decision (a repair ticket on the place, or a false alarm).

Alerts are sent from the stored anomalies not yet marked sent, each message with an
idempotency key, so a restart between sending and marking sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core.i18n import Translator
from bot.core.types import Address
from bot.services.energy.chart import WINDOW_HOURS, render_window, window_end
from bot.services.energy.service import EnergyService
from bot.services.energy.views import alert_reply, anomaly_text, chart_labels
from bot.services.fonts import cjk_font
from models.audit import AuditLog
from models.energy import Anomaly
from models.people import Identity, Person
from models.repairs import Ticket

OUTCOMES = {"t": "ticket", "f": "false_alarm"}
CATEGORY = {"water": "plumbing", "electricity": "electrical"}
PRIORITY = 3


@dataclass
class Decision:
    """The outcome of a press: whether this press decided, and the anomaly as it now is."""

    anomaly: Anomaly
    decided: bool
    ticket: Ticket | None = None
    linked_existing: bool = False

    @property
    def new_ticket(self) -> Ticket | None:
        """The ticket this press filed (to dispatch), if any."""
        return self.ticket if self.decided and not self.linked_existing else None


async def chart(service: EnergyService, translator: Translator, anomaly: Anomaly,
                locale: str | None, now: datetime) -> bytes:
    """The PNG of the meter's last 48 h around the anomaly."""
    end = window_end(anomaly.observed_at.astimezone(UTC), now.astimezone(UTC))
    series = await service.hourly(anomaly.meter, end - timedelta(hours=WINDOW_HOURS), end)
    label_locale = locale if cjk_font() or locale == "en" else "en"
    labels = chart_labels(translator, anomaly.meter, label_locale, WINDOW_HOURS)
    threshold = (anomaly.details or {}).get("threshold")
    return render_window(series, end, anomaly.observed_at.astimezone(UTC), threshold,
                         service.tz, labels)


async def notify_pending(service: EnergyService, now: datetime | None = None) -> int:
    """Send every anomaly not sent yet to the people who answer for its meter; returns how
    many messages were queued."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    queued = 0
    pending = await Anomaly.filter(notified_at=None).order_by("id").prefetch_related(
        "meter__place")
    for anomaly in pending:
        people = await service.recipients(anomaly.meter)
        for person in people:
            queued += await _send(service, anomaly, person, now)
        await Anomaly.filter(id=anomaly.id).update(notified=[p.id for p in people],
                                                    notified_at=now)
    return queued


async def _send(service: EnergyService, anomaly: Anomaly, person: Person,
                now: datetime) -> int:
    translator = service.notifier.translator
    image = await chart(service, translator, anomaly, person.locale, now)
    reply = alert_reply(translator, service, anomaly, person.locale, image)
    identities = await Identity.filter(person_id=person.id)
    for ident in identities:
        await service.notifier.send(Address(ident.platform, ident.chat_id), reply, PRIORITY,
                            idempotency_key=f"energy:{anomaly.id}:{ident.id}")
    return len(identities)


async def decide(service: EnergyService, anomaly_id: int, person: Person,
                 outcome: str, locale: str | None, now: datetime | None = None) -> Decision:
    """Record `outcome` ("ticket" or "false_alarm") unless someone decided first. A ticket is
    filed on the meter's place by `person` (or the place's open ticket of that category is
    linked); the caller dispatches a new ticket (`Decision.new_ticket`) as usual."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    anomaly = await service.get(anomaly_id)
    await service.check_decider(anomaly, person)
    claimed = await Anomaly.filter(id=anomaly.id, state="open").update(
        state=outcome, decided_by_id=person.id, decided_at=now)
    if not claimed:
        return Decision(await service.get(anomaly_id), decided=False)
    ticket, existing = None, False
    if outcome == "ticket":
        try:
            ticket, existing = await _file_ticket(service, anomaly, person, locale, now)
        except Exception:  # no ticket: the anomaly is open again for another try
            await Anomaly.filter(id=anomaly.id).update(state="open", decided_by_id=None,
                                                       decided_at=None)
            raise
    await AuditLog.create(actor=person, action=f"energy.{outcome}", target=anomaly.meter.code,
                          detail={"anomaly": anomaly.id,
                                  "ticket": ticket.number if ticket else None})
    return Decision(await service.get(anomaly_id), True, ticket, existing)


async def _file_ticket(service: EnergyService, anomaly: Anomaly,
                       person: Person, locale: str | None, now: datetime
                       ) -> tuple[Ticket, bool]:
    meter = anomaly.meter
    repairs = service.dispatch.repairs
    category = repairs.categories.or_fallback(CATEGORY[meter.kind])
    ticket = await repairs.open_duplicate(meter.place, category)
    if ticket is not None:  # the same problem is already reported: follow that one
        await Anomaly.filter(id=anomaly.id).update(ticket_id=ticket.id)
        await repairs.follow(ticket.id, person)
        return ticket, True
    description = anomaly_text(service.notifier.translator, service, anomaly, locale)
    ticket = await repairs.create(person, meter.place, category, description, now=now)
    await Anomaly.filter(id=anomaly.id).update(ticket_id=ticket.id)
    return ticket, False
