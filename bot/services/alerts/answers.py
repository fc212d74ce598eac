"""Answering an alert: Received / I'm safe / I need help, and the managers told at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.core.errors import InvalidState, NotFound, ServiceError
from bot.core.types import Button
from bot.delivery.notifier import PRIORITY_REPLY
from bot.services.alerts.views import title
from models.alerts import Alert, AlertRecipient
from models.people import Person

if TYPE_CHECKING:
    from bot.core.i18n import Translator
    from bot.delivery.notifier import Notifier
    from bot.services.alerts.service import AlertService

ANSWER_RANK = {"pending": 0, "received": 1, "safe": 2, "help": 2}
MAX_NOTE = 1000


class AlertAnswers:
    """Recipients' answers (mixed into AlertService)."""

    async def respond(
        self: AlertService, notifier: Notifier, alert_id: int, person: Person, answer: str
    ) -> tuple[Alert, AlertRecipient, bool]:
        """Record "received", "safe" or "help"; a call for help reaches the managers at once.
        Returns the alert, the recipient and whether anything changed."""
        alert, rec = await self._recipient(alert_id, person)
        if answer not in ANSWER_RANK or answer == "pending":
            raise ServiceError("errors.unknown_button")
        if answer in ("safe", "help") and not alert.evacuation:
            answer = "received"
        if alert.status != "open":
            raise InvalidState("alerts.already_closed", number=alert.id)
        previous = rec.status
        if previous == answer or ANSWER_RANK[answer] < ANSWER_RANK[previous]:
            return alert, rec, False
        rec.status, rec.responded_at = answer, datetime.now(UTC)
        await rec.save(update_fields=["status", "responded_at"])
        if answer == "help" or previous == "help":
            key = "alerts.help_notice" if answer == "help" else "alerts.safe_after_help"
            await self._tell_managers(notifier, alert, rec, person, key)
        return alert, rec, True

    async def help_note(
        self: AlertService, notifier: Notifier, alert_id: int, person: Person, text: str
    ) -> AlertRecipient:
        """Forward what a person in need of help says (where exactly, what happened)."""
        alert, rec = await self._recipient(alert_id, person)
        if rec.status != "help":
            raise InvalidState("alerts.help_note_late")
        rec.note = text.strip()[:MAX_NOTE]
        await rec.save(update_fields=["note"])
        await self._tell_managers(notifier, alert, rec, person, "alerts.help_note_notice")
        return rec

    async def _recipient(
        self: AlertService, alert_id: int, person: Person
    ) -> tuple[Alert, AlertRecipient]:
        alert = await Alert.get_or_none(id=alert_id)
        if alert is None:
            raise NotFound("alerts.unknown", number=alert_id)
        rec = await AlertRecipient.get_or_none(alert_id=alert.id, person_id=person.id)
        if rec is None:
            raise NotFound("alerts.not_recipient", number=alert_id)
        return alert, rec

    async def _tell_managers(
        self: AlertService,
        notifier: Notifier,
        alert: Alert,
        rec: AlertRecipient,
        person: Person,
        key: str,
    ) -> None:
        t = notifier.translator
        for manager in await self.managers_of(alert):
            if manager.id == person.id:
                continue
            place = await self.audience.place_label(rec.place, manager.locale)
            await notifier.push(
                manager,
                key,
                priority=PRIORITY_REPLY,
                buttons=self.follow_buttons(t, manager, alert),
                name=person.name,
                phone=person.phone or "-",
                place=place or t(manager.locale, "alerts.place_unknown"),
                note=rec.note or "",
                number=alert.id,
                title=title(t, manager.locale, alert.template),
            )

    def follow_buttons(self, t: Translator, viewer: Person, alert: Alert) -> list[list[Button]]:
        """A button to the alert's live view."""
        return [[Button(t(viewer.locale, "alerts.btn_view"), f"al:v:{alert.id}")]]

    async def managers_of(self: AlertService, alert: Alert) -> list[Person]:
        """Who follows an alert: its sender and every manager (admins included)."""
        people = await self.people.with_role("manager")
        if alert.created_by_id and all(p.id != alert.created_by_id for p in people):
            sender = await Person.get_or_none(id=alert.created_by_id, active=True)
            people = [sender, *people] if sender else people
        return people
