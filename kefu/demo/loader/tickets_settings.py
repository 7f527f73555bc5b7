"""The demo shop's after-sales settings: business calendar with Chinese public holidays, SLA policies, follow-up delay.

Idempotent: rows are found again by their names and dates; running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from kefu.tickets.enums import TicketPriority
from kefu.tickets.models import BusinessCalendar, Holiday, SlaPolicy, TicketSettings

CALENDAR_NAME = "售后工作时间"
# After-sales works office hours: Monday to Friday 09:00-18:00 (make-up Saturdays/Sundays too).
WEEKLY_HOURS = [[["09:00", "18:00"]] for _day in range(5)] + [[], []]

# priority, name, first response (business minutes), resolution (business minutes)
POLICIES = [
    (TicketPriority.URGENT, "紧急工单：30分钟响应，4小时解决", 30, 4 * 60),
    (TicketPriority.HIGH, "高优先级：1小时响应，8小时解决", 60, 8 * 60),
    (TicketPriority.NORMAL, "普通工单：4小时响应，24小时解决", 4 * 60, 24 * 60),
    (TicketPriority.LOW, "低优先级：8小时响应，72小时解决", 8 * 60, 72 * 60),
]
WARN_AT_PERCENT = 80
FOLLOW_UP_DELAY_MINUTES = 3 * 24 * 60


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


def _holiday(name: str, first: tuple[int, int, int], last: tuple[int, int, int], *makeup: tuple[int, int, int]):
    return name, _days(dt.date(*first), dt.date(*last)), [dt.date(*day) for day in makeup]


# 2026: the State Council notice of 4 November 2025 (国务院办公厅关于2026年部分节假日安排的通知).
HOLIDAYS_2026 = [
    _holiday("元旦", (2026, 1, 1), (2026, 1, 3), (2026, 1, 4)),
    _holiday("春节", (2026, 2, 15), (2026, 2, 23), (2026, 2, 14), (2026, 2, 28)),
    _holiday("清明节", (2026, 4, 4), (2026, 4, 6)),
    _holiday("劳动节", (2026, 5, 1), (2026, 5, 5), (2026, 5, 9)),
    _holiday("端午节", (2026, 6, 19), (2026, 6, 21)),
    _holiday("中秋节", (2026, 9, 25), (2026, 9, 27)),
    _holiday("国庆节", (2026, 10, 1), (2026, 10, 7), (2026, 9, 20), (2026, 10, 10)),
]
# 2027: PROVISIONAL. The State Council publishes the year's schedule in November; these dates follow
# the lunar calendar (春节 6 Feb, 清明 5 Apr, 端午 9 Jun, 中秋 15 Sep) and the 2025 rules, and must be
# checked against the official notice (admin: Business calendars → Holidays) once it is out.
HOLIDAYS_2027 = [
    _holiday("元旦", (2027, 1, 1), (2027, 1, 3)),
    _holiday("春节（暂定）", (2027, 2, 5), (2027, 2, 13), (2027, 1, 30), (2027, 2, 20)),
    _holiday("清明节（暂定）", (2027, 4, 3), (2027, 4, 5)),
    _holiday("劳动节（暂定）", (2027, 5, 1), (2027, 5, 5), (2027, 5, 8)),
    _holiday("端午节（暂定）", (2027, 6, 9), (2027, 6, 9)),
    _holiday("中秋节（暂定）", (2027, 9, 15), (2027, 9, 15)),
    _holiday("国庆节（暂定）", (2027, 10, 1), (2027, 10, 7), (2027, 9, 25), (2027, 10, 9)),
]


def tickets_settings_load() -> dict[str, int]:
    """Create the demo's business calendar, holidays, SLA policies and after-sales settings if missing."""
    with transaction.atomic():
        calendar, calendar_created = BusinessCalendar.objects.get_or_create(
            name=CALENDAR_NAME, defaults={"weekly_hours": WEEKLY_HOURS, "time_zone": "Asia/Shanghai"}
        )
        holidays = 0
        for name, days, makeup_days in HOLIDAYS_2026 + HOLIDAYS_2027:
            for day in days:
                holidays += Holiday.objects.get_or_create(calendar=calendar, date=day, defaults={"name": name, "is_workday": False})[1]
            for day in makeup_days:
                holidays += Holiday.objects.get_or_create(
                    calendar=calendar, date=day, defaults={"name": f"{name}调休上班", "is_workday": True}
                )[1]
        policies = 0
        for priority, name, first_response, resolution in POLICIES:
            _policy, created = SlaPolicy.objects.get_or_create(
                priority=priority,
                ticket_type="",
                active=True,
                defaults={
                    "name": name,
                    "first_response_minutes": first_response,
                    "resolution_minutes": resolution,
                    "warn_at_percent": WARN_AT_PERCENT,
                    "calendar": calendar,
                },
            )
            policies += created
        if not TicketSettings.objects.exists():
            TicketSettings.objects.create(follow_up_delay_minutes=FOLLOW_UP_DELAY_MINUTES)
    return {"calendars": int(calendar_created), "holidays": holidays, "sla_policies": policies}


def tickets_settings_delete() -> None:
    """Remove the demo's calendar, holidays, policies and settings row (the clocks go with their tickets first)."""
    SlaPolicy.objects.filter(calendar__name=CALENDAR_NAME).delete()
    BusinessCalendar.objects.filter(name=CALENDAR_NAME).delete()
    TicketSettings.objects.all().delete()
