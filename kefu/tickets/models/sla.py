"""Service levels: the business calendar, the policies by priority and type, each ticket's clock.

The clock stores absolute due and warning instants, computed on the business calendar when
the ticket opens and shifted when a pause ends, so finding tickets near a breach is one
indexed query on ``next_check_at`` rather than calendar arithmetic over every open ticket.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import TicketPriority, TicketType


class SlaState(models.TextChoices):
    """Where a ticket stands against its service-level targets."""

    OK = "ok", _("On time")  # 正常: less than the warning share of the time used
    WARNING = "warning", _("Near breach")  # 即将超时: past the policy's warning percentage
    BREACHED = "breached", _("Breached")  # 已超时: a target was missed (stays so once missed)
    PAUSED = "paused", _("Paused")  # 已暂停: waiting on the customer, the clock is stopped
    MET = "met", _("Met")  # 已达成: resolved with every target met


class SlaTarget(models.TextChoices):
    """The two promises a policy makes."""

    FIRST_RESPONSE = "first_response", _("First response")  # 首次响应
    RESOLUTION = "resolution", _("Resolution")  # 解决


def default_weekly_hours() -> list[list[list[str]]]:
    """Return Monday to Friday 09:00-18:00, closed at the weekend: seven lists, Monday first."""
    return [[["09:00", "18:00"]] for _day in range(5)] + [[], []]


class BusinessCalendar(models.Model):
    """The hours during which SLA clocks run, with holidays and make-up working days (调休)."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    weekly_hours = models.JSONField(
        _("weekly hours"),
        default=default_weekly_hours,
        help_text=_('Seven lists, Monday first, of [start, end] times, e.g. [["09:00", "12:00"], ["13:30", "18:00"]]'),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A day off (节假日), or with ``is_workday`` a weekend day worked in exchange (调休上班)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays", verbose_name=_("calendar"))
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=64, blank=True)
    is_workday = models.BooleanField(_("make-up working day"), default=False, help_text=_("A weekend day worked in exchange for a holiday (调休)"))

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="uniq_calendar_holiday_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Targets for tickets of one priority, and optionally one type: the most specific active one applies."""

    name = models.CharField(_("name"), max_length=64)
    priority = models.CharField(_("priority"), max_length=8, choices=TicketPriority.choices)
    ticket_type = models.CharField(
        _("ticket type"), max_length=24, choices=TicketType.choices, blank=True, default="", help_text=_("Empty: any type")
    )
    first_response_minutes = models.PositiveIntegerField(_("first response within (business minutes)"), validators=[MinValueValidator(1)])
    resolution_minutes = models.PositiveIntegerField(_("resolution within (business minutes)"), validators=[MinValueValidator(1)])
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the time used)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="policies", verbose_name=_("calendar"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["priority", "ticket_type"]
        constraints = [
            models.UniqueConstraint(fields=["priority", "ticket_type"], condition=Q(active=True), name="uniq_active_sla_policy"),
            models.CheckConstraint(condition=Q(warn_at_percent__gte=1) & Q(warn_at_percent__lte=99), name="sla_warn_percent_range"),
            models.CheckConstraint(condition=Q(first_response_minutes__gte=1) & Q(resolution_minutes__gte=1), name="sla_targets_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class SlaClock(models.Model):
    """One ticket's running promise: due and warning instants, pauses, and which alerts went out."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clock", verbose_name=_("ticket"))
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="clocks", verbose_name=_("policy"))
    started_at = models.DateTimeField(_("started at"))
    first_response_due = models.DateTimeField(_("first response due"))
    first_response_warn_at = models.DateTimeField(_("first response warning at"))
    first_response_met_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    first_response_warned_at = models.DateTimeField(_("first response warning sent at"), null=True, blank=True)
    first_response_breached_at = models.DateTimeField(_("first response breached at"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"))
    resolution_warn_at = models.DateTimeField(_("resolution warning at"))
    resolution_met_at = models.DateTimeField(_("resolved at"), null=True, blank=True, help_text=_("Set while the ticket is resolved; cleared on reopening"))
    resolution_warned_at = models.DateTimeField(_("resolution warning sent at"), null=True, blank=True)
    resolution_breached_at = models.DateTimeField(_("resolution breached at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True, help_text=_("Waiting on the customer, or resolved"))
    paused_seconds = models.PositiveIntegerField(_("business seconds paused"), default=0)
    state = models.CharField(_("SLA state"), max_length=12, choices=SlaState.choices, default=SlaState.OK)
    next_check_at = models.DateTimeField(
        _("next check at"), null=True, blank=True, help_text=_("The next warning or due instant not yet acted on; empty while paused")
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            models.Index(fields=["next_check_at"], name="sla_clock_next_check"),
            models.Index(fields=["state"], name="sla_clock_state"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.state}"


class TicketSettings(models.Model):
    """The after-sales settings a supervisor tunes: follow-up delay and the incident detector (one row)."""

    follow_up_delay_minutes = models.PositiveIntegerField(
        _("follow-up visit after (minutes)"), default=3 * 24 * 60, help_text=_("Time between resolving a ticket and asking the customer (回访)")
    )
    follow_up_answer_days = models.PositiveIntegerField(
        _("follow-up answer within (days)"), default=7, validators=[MinValueValidator(1)], help_text=_("Unanswered visits close the ticket after this")
    )
    incident_window_minutes = models.PositiveIntegerField(_("incident window (minutes)"), default=120, validators=[MinValueValidator(5)])
    incident_history_days = models.PositiveIntegerField(_("incident baseline history (days)"), default=28, validators=[MinValueValidator(1)])
    incident_min_count = models.PositiveIntegerField(
        _("incident minimum count"), default=8, help_text=_("Never raise an incident below this many tickets in one window")
    )
    incident_std_factor = models.FloatField(_("incident threshold (standard deviations)"), default=4.0, validators=[MinValueValidator(0)])
    incident_poisson_factor = models.FloatField(
        _("incident threshold (Poisson deviations)"),
        default=4.0,
        validators=[MinValueValidator(0)],
        help_text=_("Floor for rare keys: mean + k·√mean, as if counts were Poisson"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("after-sales settings")
        verbose_name_plural = _("after-sales settings")

    def __str__(self) -> str:
        return str(_("After-sales settings"))
