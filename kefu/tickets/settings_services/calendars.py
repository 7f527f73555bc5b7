"""Business calendars: weekly hours and time zone; holidays and make-up working days, one by one or pasted."""

from __future__ import annotations

import dataclasses
import datetime
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record, field_changes

from ..calendar import time_parse
from ..models import BusinessCalendar, Holiday

CALENDAR_FIELDS = ("name", "weekly_hours", "time_zone")
HOLIDAY_IMPORT_MAX_LINES = 400
HOLIDAY_RANGE_MAX_DAYS = 31
WORKDAY_MARKS = ("调休", "上班", "补班")
_DATE = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
HOLIDAY_LINE = re.compile(rf"^{_DATE}(?:\s*(?:~|～|至|到|--)\s*{_DATE})?(.*)$")


# --- business calendars ---------------------------------------------------------------------------


def _minutes(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":")[:2])
    return hours * 60 + minutes


def _weekly_hours_errors(weekly_hours: Any) -> list[str]:
    """Say what is wrong with seven lists of [start, end] periods, in words, day by day."""
    if not isinstance(weekly_hours, list | tuple) or len(weekly_hours) != 7:
        return [_("Give the opening hours of seven days, Monday first.")]
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    problems = []
    for name, periods in zip(names, weekly_hours, strict=True):
        spans = []
        try:
            for start, end in periods:
                time_parse(start), time_parse(end)
                begin, finish = _minutes(start), _minutes(end) or 24 * 60
                spans.append((begin, finish, f"{start}-{end}"))
        except (AttributeError, TypeError, ValueError):
            problems.append(_("%(day)s: write periods like 09:00-18:00.") % {"day": name})
            continue
        for begin, finish, text in spans:
            if finish <= begin:
                problems.append(
                    _("%(day)s: %(period)s ends before it starts; periods end by midnight (write 00:00 for midnight).")
                    % {"day": name, "period": text}
                )
        spans.sort()
        for (_begin, finish, text), (begin, _finish, following) in zip(spans, spans[1:], strict=False):
            if begin < finish:
                problems.append(_("%(day)s: %(first)s and %(second)s overlap.") % {"day": name, "first": text, "second": following})
    if not problems and not any(weekly_hours):
        problems.append(_("The calendar needs opening hours on at least one day."))
    return problems


def business_calendar_save(
    *, actor: User | None, fields: Mapping[str, Any], calendar: BusinessCalendar | None = None, via: str = ""
) -> BusinessCalendar:
    """Create or change a business calendar's name, weekly hours and time zone.

    Due instants already computed stay as they are; the new hours count from the next
    computation (a new ticket, a pause that ends, a change of priority).
    """
    permission_require(actor, Capability.TICKET_SETTINGS_WRITE)
    unknown = set(fields) - set(CALENDAR_FIELDS)
    if unknown:
        raise ValidationError({name: [ValidationError(_("Unknown field."), "unknown_field")] for name in sorted(unknown)})
    values = dict(fields)
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
    errors: dict[str, list[ValidationError]] = {}
    if "weekly_hours" in values:
        problems = _weekly_hours_errors(values["weekly_hours"])
        if problems:
            errors["weekly_hours"] = [ValidationError(problem, "hours") for problem in problems]
        else:
            values["weekly_hours"] = [[[str(start), str(end)] for start, end in day] for day in values["weekly_hours"]]
    if "time_zone" in values:
        try:
            zoneinfo.ZoneInfo(str(values["time_zone"]).strip())
            values["time_zone"] = str(values["time_zone"]).strip()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = [ValidationError(_("Unknown time zone: %(zone)s. Use a name such as Asia/Shanghai.") % {"zone": values["time_zone"]}, "zone")]
    if errors:
        raise ValidationError(errors)
    creating = calendar is None
    with transaction.atomic():
        target = BusinessCalendar() if creating else BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        changes = field_changes(target, values)
        target.full_clean()  # the name: required, unique
        target.save()
        if changes or creating:
            action = AuditAction.CREATE if creating else AuditAction.UPDATE
            audit_record(actor=actor, action=action, obj=target, changes=changes, via=via)
    return target


# --- holidays ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class HolidayLine:
    """One day read from a pasted holiday list."""

    line: int
    date: datetime.date
    name: str
    is_workday: bool


@dataclasses.dataclass(frozen=True)
class HolidayImport:
    """What an import did to a calendar's days."""

    created: int
    updated: int
    unchanged: int
    removed: int
    years: tuple[int, ...]


def _date(year: str, month: str, day: str) -> datetime.date:
    return datetime.date(int(year), int(month), int(day))


def holidays_parse(text: str) -> list[HolidayLine]:
    """Read lines such as "2027-01-01 元旦" or "2027-02-05~2027-02-13 春节"; "调休" (or 上班, 补班) marks a working day.

    Raise one ValidationError listing every bad line by its number; empty lines and lines
    starting with # are skipped.
    """
    lines = (text or "").splitlines()
    if len(lines) > HOLIDAY_IMPORT_MAX_LINES:
        raise ValidationError(ValidationError(_("Paste at most %(count)s lines at once.") % {"count": HOLIDAY_IMPORT_MAX_LINES}, "too_many_lines"))
    days: list[HolidayLine] = []
    seen: dict[datetime.date, int] = {}
    problems: list[ValidationError] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().replace("\u3000", " ")
        if not line or line.startswith("#"):
            continue
        match = HOLIDAY_LINE.match(line)
        if not match or match.group(7)[:1].isdigit():  # "2027-01-012": a mistyped date, not a name
            problems.append(ValidationError(_("Line %(line)s: write a date such as 2027-01-01, then the name.") % {"line": number}, "format"))
            continue
        try:
            first = _date(*match.group(1, 2, 3))
            last = _date(*match.group(4, 5, 6)) if match.group(4) else first
        except ValueError:
            problems.append(ValidationError(_("Line %(line)s: there is no such date.") % {"line": number}, "date"))
            continue
        name = (match.group(7) or "").strip()
        if last < first:
            problems.append(ValidationError(_("Line %(line)s: the range ends before it starts.") % {"line": number}, "range"))
            continue
        if (last - first).days >= HOLIDAY_RANGE_MAX_DAYS:
            problems.append(ValidationError(_("Line %(line)s: a range covers at most %(days)s days.") % {"line": number, "days": HOLIDAY_RANGE_MAX_DAYS}, "range"))
            continue
        if len(name) > 64:
            problems.append(ValidationError(_("Line %(line)s: the name is longer than 64 characters.") % {"line": number}, "name"))
            continue
        is_workday = any(mark in name for mark in WORKDAY_MARKS)
        day = first
        while day <= last:
            if day in seen:
                problems.append(
                    ValidationError(_("Line %(line)s: %(date)s is already on line %(first)s.") % {"line": number, "date": day, "first": seen[day]}, "twice")
                )
            else:
                seen[day] = number
                days.append(HolidayLine(line=number, date=day, name=name, is_workday=is_workday))
            day += datetime.timedelta(days=1)
    if problems:
        raise ValidationError(problems)
    if not days:
        raise ValidationError(ValidationError(_("The list has no dates."), "empty"))
    return days


def holidays_import(
    *, actor: User | None, calendar: BusinessCalendar, text: str, replace_years: bool = False, via: str = ""
) -> HolidayImport:
    """Add or update the listed days; with ``replace_years``, remove the other days of the years listed.

    All or nothing: one bad line refuses the whole list, with every bad line named.
    """
    permission_require(actor, Capability.TICKET_SETTINGS_WRITE)
    days = holidays_parse(text)
    years = tuple(sorted({day.date.year for day in days}))
    created = updated = unchanged = removed = 0
    with transaction.atomic():
        calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        existing = {holiday.date: holiday for holiday in Holiday.objects.filter(calendar=calendar, date__in=[day.date for day in days])}
        for day in days:
            holiday = existing.get(day.date)
            if holiday is None:
                Holiday.objects.create(calendar=calendar, date=day.date, name=day.name, is_workday=day.is_workday)
                created += 1
            elif (holiday.name, holiday.is_workday) != (day.name, day.is_workday):
                holiday.name, holiday.is_workday = day.name, day.is_workday
                holiday.save(update_fields=["name", "is_workday"])
                updated += 1
            else:
                unchanged += 1
        if replace_years:
            removed, _detail = (
                Holiday.objects.filter(calendar=calendar, date__year__in=years).exclude(date__in=[day.date for day in days]).delete()
            )
        calendar.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            obj=calendar,
            changes={"holidays": {"created": created, "updated": updated, "removed": removed, "years": list(years)}},
            via=via,
        )
    return HolidayImport(created=created, updated=updated, unchanged=unchanged, removed=removed, years=years)


def holiday_add(
    *, actor: User | None, calendar: BusinessCalendar, date: datetime.date, name: str = "", is_workday: bool = False, via: str = ""
) -> Holiday:
    """Add one day off, or with ``is_workday`` one make-up working day (调休上班), to a calendar."""
    permission_require(actor, Capability.TICKET_SETTINGS_WRITE)
    name = (name or "").strip()
    if len(name) > 64:
        raise ValidationError({"name": [ValidationError(_("Ensure this value has at most %(limit)s characters.") % {"limit": 64}, "max_length")]})
    with transaction.atomic():
        calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
        other = Holiday.objects.filter(calendar=calendar, date=date).first()
        if other is not None:
            message = _("%(date)s is already in the list (%(name)s); remove it first.") % {"date": date, "name": other.name or "—"}
            raise ValidationError({"date": [ValidationError(message, "exists")]})
        holiday = Holiday.objects.create(calendar=calendar, date=date, name=name, is_workday=is_workday)
        calendar.save(update_fields=["updated_at"])
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=holiday, changes={"date": date.isoformat(), "name": name, "is_workday": is_workday}, via=via
        )
    return holiday


def holiday_remove(*, actor: User | None, holiday: Holiday, via: str = "") -> None:
    """Remove one day from a calendar's list."""
    permission_require(actor, Capability.TICKET_SETTINGS_WRITE)
    with transaction.atomic():
        changes = {"date": holiday.date.isoformat(), "name": holiday.name, "is_workday": holiday.is_workday}
        audit_record(actor=actor, action=AuditAction.DELETE, obj=holiday, changes=changes, via=via)
        Holiday.objects.filter(pk=holiday.pk).delete()
        BusinessCalendar.objects.filter(pk=holiday.calendar_id).update(updated_at=timezone.now())
