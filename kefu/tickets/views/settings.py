"""The supervisors' after-sales settings pages: SLA policies, business calendars and holidays, follow-ups and incidents.

Each page parses a form and calls one settings service; a refused write re-renders the page
with the errors (status 400) and changes nothing.
"""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.permissions import Capability, permission_require
from kefu.web.forms import form_add_service_errors

from .. import forms_settings, settings_services
from ..enums import TicketPriority
from ..followups import ticket_settings
from ..models import BusinessCalendar, Holiday, SlaPolicy

VIA = "web"


def _require(request: HttpRequest) -> None:
    permission_require(request.user, Capability.TICKET_SETTINGS_WRITE)


def duration_text(minutes: int) -> str:
    """Say a target such as 90 business minutes as "1 h 30 min"."""
    hours, rest = divmod(minutes, 60)
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}


# --- after-sales settings and the detector preview -----------------------------------------------------


@login_required
def settings_home(request: HttpRequest) -> HttpResponse:
    """Follow-up delay, answer time and incident thresholds; "test the detector" runs it read-only with the typed values."""
    _require(request)
    saved = ticket_settings()
    previews = None
    as_of = None
    if request.method != "POST":
        form = forms_settings.TicketSettingsForm(initial=forms_settings.TicketSettingsForm.initial_for(saved))
        return render(request, "tickets/settings/home.html", {"form": form, "saved": saved, "previews": None})
    form = forms_settings.TicketSettingsForm(request.POST)
    action = request.POST.get("action", "save")
    if form.is_valid():
        try:
            if action == "preview":
                config = settings_services.ticket_settings_config(form.service_fields())
                as_of = form.cleaned_data.get("as_of") or timezone.now()
                previews = settings_services.incidents_preview(actor=request.user, config=config, now=as_of)
            else:
                settings_services.ticket_settings_save(actor=request.user, fields=form.service_fields(), via=VIA)
                messages.success(request, _("After-sales settings saved. They apply from the next follow-up and the next detector run."))
                return redirect("tickets:settings")
        except ValidationError as error:
            form_add_service_errors(form, error, forms_settings.SETTINGS_ERROR_FIELDS)
    context = {"form": form, "saved": saved, "previews": previews, "as_of": as_of, "previewed": action == "preview" and not form.errors}
    return render(request, "tickets/settings/home.html", context, status=400 if form.errors else 200)


# --- SLA policies ----------------------------------------------------------------------------------------


def _policy_rows() -> list[dict]:
    policies = SlaPolicy.objects.select_related("calendar").annotate(clock_count=Count("clocks"))
    order = {value: index for index, value in enumerate(reversed(TicketPriority.values))}
    rows = [
        {
            "policy": policy,
            "first_response": duration_text(policy.first_response_minutes),
            "resolution": duration_text(policy.resolution_minutes),
        }
        for policy in policies
    ]
    rows.sort(key=lambda row: (not row["policy"].active, order[row["policy"].priority], row["policy"].ticket_type, row["policy"].pk))
    return rows


@login_required
def sla_policies(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    """List the SLA policies and which one each priority and type gets; add and change them."""
    _require(request)
    policy = get_object_or_404(SlaPolicy, pk=policy_id) if policy_id else None
    initial = forms_settings.SlaPolicyForm.initial_for(policy) if policy else {"calendar": BusinessCalendar.objects.order_by("name").first()}
    form = forms_settings.SlaPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = settings_services.sla_policy_save(actor=request.user, fields=form.service_fields(), policy=policy, via=VIA)
            if policy is not None and saved.pk != policy.pk:
                messages.success(
                    request, _("Saved as a new policy; “%(name)s” is kept, inactive, for the tickets already under it.") % {"name": policy.name}
                )
            else:
                messages.success(request, _("SLA policy saved. It applies to tickets opened from now on."))
            return redirect("tickets:sla_policies")
        except ValidationError as error:
            form_add_service_errors(form, error, forms_settings.SLA_ERROR_FIELDS)
    context = {
        "rows": _policy_rows(),
        "coverage": settings_services.sla_policy_coverage(),
        "priorities": TicketPriority.choices[::-1],
        "form": form,
        "editing": policy,
        "editing_used": policy is not None and policy.clocks.exists(),
        "has_calendar": BusinessCalendar.objects.exists(),
    }
    return render(request, "tickets/settings/sla.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def sla_policy_deactivate(request: HttpRequest, policy_id: int) -> HttpResponse:
    _require(request)
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    settings_services.sla_policy_deactivate(actor=request.user, policy=policy, via=VIA)
    messages.success(request, _("“%(name)s” is inactive; new tickets no longer get it. Tickets under it keep their due times.") % {"name": policy.name})
    return redirect("tickets:sla_policies")


# --- business calendars and holidays ----------------------------------------------------------------------


@dataclasses.dataclass
class HolidayRun:
    """Consecutive days of one holiday (国庆节 1-7 October) or one make-up working day: one row of the list."""

    name: str
    is_workday: bool
    days: list[Holiday]


def _holidays_by_year(calendar: BusinessCalendar) -> list[tuple[int, bool, list[HolidayRun]]]:
    """Return (year, is past, runs of days) for the calendar's holidays, oldest first."""
    years: dict[int, list[HolidayRun]] = {}
    for holiday in calendar.holidays.order_by("date"):
        runs = years.setdefault(holiday.date.year, [])
        last = runs[-1] if runs else None
        if (
            last is not None
            and (last.name, last.is_workday) == (holiday.name, holiday.is_workday)
            and (holiday.date - last.days[-1].date).days == 1
        ):
            last.days.append(holiday)
        else:
            runs.append(HolidayRun(name=holiday.name, is_workday=holiday.is_workday, days=[holiday]))
    this_year = timezone.localdate().year
    return [(year, year < this_year, runs) for year, runs in sorted(years.items())]


def _calendar_page(request: HttpRequest, calendar: BusinessCalendar | None, *, status: int = 200, **forms) -> HttpResponse:
    context = {
        "calendars": list(BusinessCalendar.objects.order_by("name")),
        "calendar": calendar,
        "hours_form": forms.get("hours_form") or forms_settings.BusinessCalendarForm(calendar=calendar),
        "time_zones": forms_settings.TIME_ZONES,
    }
    if calendar is not None:
        context.update(
            holiday_form=forms.get("holiday_form") or forms_settings.HolidayForm(),
            import_form=forms.get("import_form") or forms_settings.HolidayImportForm(),
            years=_holidays_by_year(calendar),
            policies=list(calendar.policies.filter(active=True).order_by("priority", "ticket_type")),
        )
    return render(request, "tickets/settings/calendar.html", context, status=status)


def _calendar_save(request: HttpRequest, calendar: BusinessCalendar | None) -> HttpResponse:
    form = forms_settings.BusinessCalendarForm(request.POST)
    if form.is_valid():
        try:
            saved = settings_services.business_calendar_save(actor=request.user, fields=form.service_fields(), calendar=calendar, via=VIA)
            messages.success(request, _("Calendar saved. Due times computed from now on use these hours."))
            return redirect("tickets:calendar", saved.pk)
        except ValidationError as error:
            form_add_service_errors(form, error, forms_settings.CALENDAR_ERROR_FIELDS)
    return _calendar_page(request, calendar, status=400, hours_form=form)


@login_required
def business_calendar(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    """Show one calendar (the first without an id): weekly hours, time zone, holidays; save its hours."""
    _require(request)
    if calendar_id is None:
        calendar = BusinessCalendar.objects.order_by("name").first()
        if calendar is None:
            return redirect("tickets:calendar_new")
    else:
        calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    if request.method == "POST":
        return _calendar_save(request, calendar)
    return _calendar_page(request, calendar)


@login_required
def business_calendar_new(request: HttpRequest) -> HttpResponse:
    _require(request)
    if request.method == "POST":
        return _calendar_save(request, None)
    initial = {f"hours_{day}": "09:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")} | {"time_zone": "Asia/Shanghai"}
    return _calendar_page(request, None, hours_form=forms_settings.BusinessCalendarForm(initial=initial))


@login_required
@require_POST
def holiday_add(request: HttpRequest, calendar_id: int) -> HttpResponse:
    _require(request)
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    form = forms_settings.HolidayForm(request.POST)
    if form.is_valid():
        try:
            holiday = settings_services.holiday_add(actor=request.user, calendar=calendar, via=VIA, **form.cleaned_data)
            messages.success(request, _("%(date)s added.") % {"date": holiday.date.isoformat()})
            return redirect("tickets:calendar", calendar.pk)
        except ValidationError as error:
            form_add_service_errors(form, error)
    return _calendar_page(request, calendar, status=400, holiday_form=form)


@login_required
@require_POST
def holiday_remove(request: HttpRequest, calendar_id: int, holiday_id: int) -> HttpResponse:
    _require(request)
    holiday = get_object_or_404(Holiday, pk=holiday_id, calendar_id=calendar_id)
    settings_services.holiday_remove(actor=request.user, holiday=holiday, via=VIA)
    messages.success(request, _("%(date)s removed.") % {"date": holiday.date.isoformat()})
    return redirect("tickets:calendar", calendar_id)


@login_required
@require_POST
def holidays_import(request: HttpRequest, calendar_id: int) -> HttpResponse:
    _require(request)
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    form = forms_settings.HolidayImportForm(request.POST)
    if form.is_valid():
        try:
            result = settings_services.holidays_import(actor=request.user, calendar=calendar, via=VIA, **form.cleaned_data)
            messages.success(
                request,
                _("Holidays imported: %(created)s added, %(updated)s changed, %(unchanged)s unchanged, %(removed)s removed.")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged, "removed": result.removed},
            )
            return redirect("tickets:calendar", calendar.pk)
        except ValidationError as error:
            form.add_error("text", error)  # every bad line, by its number
    return _calendar_page(request, calendar, status=400, import_form=form)
