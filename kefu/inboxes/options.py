"""An inbox's chat options (colours, business hours, holding time), read from its settings JSON with defaults."""

from __future__ import annotations

import dataclasses
import datetime
import math
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS = {day: [["09:00", "22:00"]] for day in WEEKDAYS}


@dataclasses.dataclass(frozen=True)
class InboxOptions:
    """Typed view of ``Inbox.settings``; unknown keys are kept by the inbox, ignored here."""

    color: str = "#1677ff"
    bot_name: str = "小客"
    hours: dict[str, list[list[str]]] = dataclasses.field(default_factory=lambda: dict(DEFAULT_HOURS))
    holding_after_seconds: int = 45
    reply_target_seconds: int = 30
    default_team_id: int | None = None
    # The answer bot: it answers an FAQ match at least this sure, hands over after this many unsure
    # turns in a row, and at once when the customer's emotion reaches this intensity (or is angry).
    bot_answer_confidence: float = 0.75
    bot_unsure_turns: int = 2
    bot_handover_intensity: float = 0.75

    @classmethod
    def of(cls, inbox: Any) -> InboxOptions:
        raw = inbox.settings if isinstance(inbox.settings, dict) else {}
        known = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in raw.items() if key in known})

    def _periods(self, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
        tz = timezone.get_current_timezone()
        periods = []
        for start, end in self.hours.get(WEEKDAYS[day.weekday()], []):
            start_time = datetime.time.fromisoformat(start)
            end_time = datetime.time.fromisoformat(end)
            start_at = datetime.datetime.combine(day, start_time, tzinfo=tz)
            end_at = datetime.datetime.combine(day if end_time > start_time else day + datetime.timedelta(days=1), end_time, tzinfo=tz)
            periods.append((start_at, end_at))
        return periods

    def is_open(self, at: datetime.datetime | None = None) -> bool:
        """Tell whether ``at`` falls inside the business hours, in the shop's time zone."""
        local = timezone.localtime(at or timezone.now())
        days = (local.date() - datetime.timedelta(days=1), local.date())
        return any(start <= local < end for day in days for start, end in self._periods(day))

    def next_opening(self, at: datetime.datetime | None = None) -> datetime.datetime | None:
        """Return when the next business period starts, within a week, or None if never."""
        local = timezone.localtime(at or timezone.now())
        for offset in range(8):
            for start, _end in self._periods(local.date() + datetime.timedelta(days=offset)):
                if start > local:
                    return start
        return None

    def hours_until_open(self, at: datetime.datetime | None = None) -> int:
        opening = self.next_opening(at)
        if opening is None:
            return 0
        return max(1, math.ceil((opening - (at or timezone.now())).total_seconds() / 3600))

    def hours_text(self) -> str:
        """Describe the business hours for customers, e.g. 每天 09:00-22:00."""
        by_day = [tuple(tuple(period) for period in self.hours.get(day, [])) for day in WEEKDAYS]
        if len(set(by_day)) == 1 and by_day[0]:
            return _("Every day %(periods)s") % {"periods": ", ".join(f"{a}-{b}" for a, b in by_day[0])}
        names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
        parts = []
        for name, periods in zip(names, by_day, strict=True):
            parts.append(f"{name} " + (", ".join(f"{a}-{b}" for a, b in periods) if periods else _("closed")))
        return "; ".join(parts)
