"""Forms of the after-sales settings pages: they parse what was typed; the settings services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.inboxes.forms import DAY_LABELS
from kefu.inboxes.forms import _parse_periods as parse_periods
from kefu.inboxes.options import WEEKDAYS

from .enums import TicketPriority, TicketType
from .models import BusinessCalendar, SlaPolicy, TicketSettings
from .settings_services import SETTINGS_BOUNDS

# Where a settings service's error on a model field shows in these forms.
SLA_ERROR_FIELDS = {"first_response_minutes": "first_response_hours", "resolution_minutes": "resolution_hours", "calendar_id": "calendar"}
CALENDAR_ERROR_FIELDS = {"weekly_hours": None}
SETTINGS_ERROR_FIELDS = {"follow_up_delay_minutes": "follow_up_delay_days"}
TIME_ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Europe/Berlin", "America/Los_Angeles", "UTC")


def _part(label, *, most: int, initial: int | None = None, least: int = 0):
    """Return one number of a duration typed in parts (days, hours, minutes); the label is read by screen readers."""
    widget = forms.NumberInput(attrs={"class": "num", "aria-label": label})
    return forms.IntegerField(label=label, min_value=least, max_value=most, initial=initial, widget=widget)


class SlaPolicyForm(forms.Form):
    """One policy, its targets typed as business hours and minutes."""

    name = forms.CharField(label=_("Name"), max_length=64)
    priority = forms.ChoiceField(label=_("Priority"), choices=TicketPriority.choices, initial=TicketPriority.NORMAL)
    ticket_type = forms.ChoiceField(label=_("Ticket type"), required=False, choices=[("", _("All types"))] + list(TicketType.choices))
    first_response_hours = _part(_("First response within (business hours)"), most=10_000)
    first_response_mins = _part(_("First response within (and business minutes)"), most=59, initial=0)
    resolution_hours = _part(_("Resolution within (business hours)"), most=10_000)
    resolution_mins = _part(_("Resolution within (and business minutes)"), most=59, initial=0)
    warn_at_percent = forms.IntegerField(
        label=_("Warn at (percentage of the time used)"), min_value=1, max_value=99, initial=80,
        help_text=_("The assignee and the team lead are warned when this share of a target's business time is used."),
    )  # fmt: skip
    calendar = forms.ModelChoiceField(label=_("Business calendar"), queryset=BusinessCalendar.objects.order_by("name"), empty_label=None)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def initial_for(cls, policy: SlaPolicy) -> dict:
        first_hours, first_minutes = divmod(policy.first_response_minutes, 60)
        resolution_hours, resolution_minutes = divmod(policy.resolution_minutes, 60)
        return {
            "name": policy.name,
            "priority": policy.priority,
            "ticket_type": policy.ticket_type,
            "first_response_hours": first_hours,
            "first_response_mins": first_minutes,
            "resolution_hours": resolution_hours,
            "resolution_mins": resolution_minutes,
            "warn_at_percent": policy.warn_at_percent,
            "calendar": policy.calendar_id,
            "active": policy.active,
        }

    @property
    def first_response_parts(self):
        return [self["first_response_hours"], self["first_response_mins"]]

    @property
    def resolution_parts(self):
        return [self["resolution_hours"], self["resolution_mins"]]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "priority": data["priority"],
            "ticket_type": data["ticket_type"] or "",
            "first_response_minutes": data["first_response_hours"] * 60 + (data["first_response_mins"] or 0),
            "resolution_minutes": data["resolution_hours"] * 60 + (data["resolution_mins"] or 0),
            "warn_at_percent": data["warn_at_percent"],
            "calendar_id": data["calendar"].pk,
            "active": data["active"],
        }


class BusinessCalendarForm(forms.Form):
    """A calendar's name, time zone and opening periods per weekday (the chat settings' notation)."""

    name = forms.CharField(label=_("Name"), max_length=64)
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64, initial="Asia/Shanghai",
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
        help_text=_("The hours below are wall-clock times in this zone."),
    )  # fmt: skip

    def __init__(self, *args, calendar: BusinessCalendar | None = None, **kwargs):
        if calendar is not None and "initial" not in kwargs and not args:
            kwargs["initial"] = self.initial_for(calendar)
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=DAY_LABELS[day], required=False, max_length=100, help_text=_("Empty: closed all day."),
                widget=forms.TextInput(attrs={"placeholder": "09:00-12:00, 13:30-18:00"}),
            )  # fmt: skip

    @staticmethod
    def initial_for(calendar: BusinessCalendar) -> dict:
        initial = {"name": calendar.name, "time_zone": calendar.time_zone}
        for day, periods in zip(WEEKDAYS, calendar.weekly_hours, strict=False):
            initial[f"hours_{day}"] = ", ".join(f"{start}-{end}" for start, end in periods)
        return initial

    def day_fields(self):
        return [self[f"hours_{day}"] for day in WEEKDAYS]

    def clean(self):
        cleaned = super().clean()
        weekly = []
        for day in WEEKDAYS:
            try:
                weekly.append(parse_periods(cleaned.get(f"hours_{day}", "")))
            except forms.ValidationError as error:
                self.add_error(f"hours_{day}", error)
        cleaned["weekly_hours"] = weekly
        return cleaned

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {"name": data["name"], "time_zone": data["time_zone"], "weekly_hours": data["weekly_hours"]}


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=64, required=False, widget=forms.TextInput(attrs={"placeholder": "国庆节"}))
    is_workday = forms.BooleanField(label=_("Make-up working day (调休上班)"), required=False)


class HolidayImportForm(forms.Form):
    text = forms.CharField(
        label=_("Holidays, one per line"), max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "2027-01-01 元旦\n2027-02-05~2027-02-13 春节\n2027-01-30 春节调休上班"}),
        help_text=_("A date (or a range with ~) and a name. A name containing 调休, 上班 or 补班 makes the day a make-up working day."),
    )  # fmt: skip
    replace_years = forms.BooleanField(
        label=_("Replace the other days of these years"), required=False,
        help_text=_("Removes this calendar's days of the years in the list that the list does not name (e.g. provisional dates)."),
    )  # fmt: skip


def _bounded(name: str, field_class, **kwargs):
    least, most = SETTINGS_BOUNDS[name]
    return field_class(min_value=least, max_value=most, **kwargs)


class TicketSettingsForm(forms.Form):
    """The settings row, the follow-up delay typed as days, hours and minutes."""

    follow_up_delay_days = _part(_("Follow-up visit after (days)"), most=60)
    follow_up_delay_hours = _part(_("Follow-up visit after (and hours)"), most=23, initial=0)
    follow_up_delay_mins = _part(_("Follow-up visit after (and minutes)"), most=59, initial=0)
    follow_up_answer_days = _bounded(
        "follow_up_answer_days",
        forms.IntegerField,
        label=_("Follow-up answer within (days)"),
        help_text=_("A visit the customer has not answered after this many days closes the ticket."),
    )
    incident_window_minutes = _bounded(
        "incident_window_minutes",
        forms.IntegerField,
        label=_("Incident window (minutes)"),
        help_text=_("The detector counts new tickets by cause, product and carrier over this sliding window (under a day)."),
    )
    incident_history_days = _bounded(
        "incident_history_days",
        forms.IntegerField,
        label=_("Baseline history (days)"),
        help_text=_("The usual level is the same window at the same time of day on this many past days."),
    )
    incident_min_count = _bounded(
        "incident_min_count",
        forms.IntegerField,
        label=_("Minimum count"), help_text=_("Never raise an incident for fewer tickets than this in one window.")
    )
    incident_std_factor = _bounded(
        "incident_std_factor",
        forms.FloatField,
        label=_("Standard deviations"),
        help_text=_("Raise when the count reaches the usual mean plus this many standard deviations."),
    )
    incident_poisson_factor = _bounded(
        "incident_poisson_factor",
        forms.FloatField,
        label=_("Poisson deviations"),
        help_text=_("Floor for rare keys: also at least mean + k·√mean, so a flat history does not fire on a handful of tickets."),
    )
    as_of = forms.DateTimeField(
        label=_("Test as of"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now. An earlier moment replays the detector on the history up to then."),
    )  # fmt: skip

    @property
    def follow_up_delay_parts(self):
        return [self["follow_up_delay_days"], self["follow_up_delay_hours"], self["follow_up_delay_mins"]]

    @staticmethod
    def initial_for(config: TicketSettings) -> dict:
        days, rest = divmod(config.follow_up_delay_minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        initial = {name: getattr(config, name) for name in SETTINGS_BOUNDS if name != "follow_up_delay_minutes"}
        return {**initial, "follow_up_delay_days": days, "follow_up_delay_hours": hours, "follow_up_delay_mins": minutes}

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in SETTINGS_BOUNDS if name != "follow_up_delay_minutes"}
        delay = (data["follow_up_delay_days"] * 24 + (data["follow_up_delay_hours"] or 0)) * 60 + (data["follow_up_delay_mins"] or 0)
        return {**fields, "follow_up_delay_minutes": delay}
