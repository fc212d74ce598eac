"""Deadline maths: work hours, the night shift, "same day before 22:00, else next morning".

Every function takes the moment it reasons about; nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.repairs.categories import FALLBACK
from bot.services.repairs.sla_config import SAME_DAY, Rule, SlaConfig


@dataclass(frozen=True)
class Deadlines:
    """When a ticket must be accepted (response) and done (resolution), UTC."""

    response: datetime
    resolution: datetime


class SlaPolicy:
    """Answers "when" questions for one SLA configuration and time zone."""

    def __init__(self, config: SlaConfig, timezone: str = "Asia/Shanghai"):
        self.config = config
        self.tz = ZoneInfo(timezone)

    # --- work hours ------------------------------------------------------------------------

    def _at(self, day: date, when: time | None) -> datetime:
        """Local `day` at `when` (None: the midnight ending the day), as UTC."""
        if when is None:
            return datetime.combine(day + timedelta(days=1), time(0), self.tz).astimezone(UTC)
        return datetime.combine(day, when, self.tz).astimezone(UTC)

    def _is_work_day(self, day: date) -> bool:
        return day.isoweekday() in self.config.work_days

    def _next_work_day(self, day: date) -> date:
        """The first work day after `day`."""
        nxt = day + timedelta(days=1)
        while not self._is_work_day(nxt):
            nxt += timedelta(days=1)
        return nxt

    def work_day_length(self) -> timedelta:
        """Hours in one working day."""
        today = date(2026, 1, 5)
        return self._at(today, self.config.work_end) - self._at(today, self.config.work_start)

    def is_work_time(self, moment: datetime) -> bool:
        """True inside work hours on a work day."""
        day = moment.astimezone(self.tz).date()
        return (
            self._is_work_day(day)
            and self._at(day, self.config.work_start)
            <= moment
            < self._at(day, self.config.work_end)
        )

    def next_work_start(self, moment: datetime) -> datetime:
        """`moment` itself inside work hours, else the start of the next work period."""
        if self.is_work_time(moment):
            return moment
        day = moment.astimezone(self.tz).date()
        if self._is_work_day(day) and moment < self._at(day, self.config.work_start):
            return self._at(day, self.config.work_start)
        return self._at(self._next_work_day(day), self.config.work_start)

    def add_work_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when `amount` of work hours have passed since `start`."""
        moment = self.next_work_start(start)
        left = amount
        while True:
            day = moment.astimezone(self.tz).date()
            end = self._at(day, self.config.work_end)
            if left <= end - moment:
                return moment + left
            left -= end - moment
            moment = self.next_work_start(end)

    # --- the night shift -------------------------------------------------------------------

    def round_the_clock(self, urgency: str) -> bool:
        """True when the night shift handles this urgency (dispatch and alerts at any hour)."""
        return urgency in self.config.night_urgencies

    def active_at(self, urgency: str, moment: datetime) -> datetime:
        """When work on a ticket of this urgency may happen: `moment`, or the next work start
        for urgencies the night shift does not handle."""
        return moment if self.round_the_clock(urgency) else self.next_work_start(moment)

    # --- deadlines -------------------------------------------------------------------------

    def rule(self, category: str, urgency: str) -> Rule:
        """The deadline rule of one category and urgency; a category no longer in the
        categories file has the rules of "other"."""
        rules = self.config.rules
        return rules.get((category, urgency)) or rules[(FALLBACK, urgency)]

    def _same_day(self, start: datetime) -> datetime:
        """Filed in work hours up to the intake time: that evening. Filed later in the day:
        the next work day's morning. Filed outside work hours: the morning work resumes."""
        begin = self.next_work_start(start)
        day = begin.astimezone(self.tz).date()
        if begin != start:
            return self._at(day, self.config.next_morning_by)
        if begin.astimezone(self.tz).time() <= self.config.same_day_intake_until:
            evening = self._at(day, self.config.same_day_by)
            return min(evening, self._at(day, self.config.work_end))
        return self._at(self._next_work_day(day), self.config.next_morning_by)

    def _due(self, start: datetime, amount: timedelta | str, clock: str) -> datetime:
        if amount == SAME_DAY:
            return self._same_day(start)
        assert isinstance(amount, timedelta)
        if clock == "always":
            return start + amount
        days, rest = amount.days, amount - timedelta(days=amount.days)
        return self.add_work_time(start, self.work_day_length() * days + rest)

    def deadlines(self, category: str, urgency: str, start: datetime) -> Deadlines:
        """Response and resolution deadlines of a ticket filed (or re-timed) at `start`."""
        rule = self.rule(category, urgency)
        response = self._due(start, rule.response, rule.clock)
        resolution = self._due(start, rule.resolution, rule.clock)
        return Deadlines(response=response, resolution=max(response, resolution))

    def reminder_at(self, category: str, urgency: str, start: datetime, due: datetime
                    ) -> datetime | None:
        """When to remind the worker of a deadline (None when there is no time for it)."""
        moment = due - self.rule(category, urgency).remind_before
        if moment <= start:
            return None
        return min(self.active_at(urgency, moment), due)

    def escalations(self, category: str, urgency: str, due: datetime
                    ) -> tuple[datetime, datetime]:
        """When a missed deadline goes to the zone lead, and when (`manager_after` later, the
        lead having had the time to act) to the managers."""
        lead = self.active_at(urgency, due)
        return lead, self.active_at(urgency, lead + self.rule(category, urgency).manager_after)

    # --- dispatch and follow-up ------------------------------------------------------------

    def offer_expiry(self, urgency: str, offered_at: datetime) -> datetime:
        """When an unanswered offer is passed on to the next candidate too."""
        return self.active_at(urgency, offered_at + self.config.offer_timeout[urgency])

    def offer_valid_until(self, offered_at: datetime) -> datetime:
        """After this an offer can no longer be accepted."""
        return offered_at + self.config.offer_valid_for

    def followup_due(self, asked_at: datetime) -> datetime:
        """When an unanswered follow-up closes the ticket as confirmed."""
        return asked_at + self.config.followup_after
