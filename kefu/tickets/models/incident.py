"""Incidents (危机): a surge of similar tickets, reviewed by a supervisor and followed to its end."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .followup import CustomerChannel


class IncidentDimension(models.TextChoices):
    """What the detector counts new tickets by."""

    CAUSE = "cause", _("Cause")  # 问题原因: the ticket type, or the complaint cause
    PRODUCT = "product", _("Product")  # 商品
    CARRIER = "carrier", _("Carrier")  # 快递公司: the order's carrier


class IncidentStatus(models.TextChoices):
    """How far the response has come (DOMAIN.md 11)."""

    OPEN = "open", _("Open")  # 待处理: raised by the detector
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")  # 已确认: a supervisor owns it
    COMMUNICATING = "communicating", _("Communicating")  # 沟通中: customers were messaged
    RESOLVED = "resolved", _("Resolved")  # 已解决


class Incident(models.Model):
    """An unusual number of new tickets for one cause, product or carrier in a sliding window."""

    title = models.CharField(_("title"), max_length=200)
    dimension = models.CharField(_("dimension"), max_length=12, choices=IncidentDimension.choices)
    key = models.CharField(_("key"), max_length=64, help_text=_("The cause code, product id or carrier name"))
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    observed_count = models.PositiveIntegerField(_("tickets in the window"))
    baseline = models.FloatField(_("usual count"), help_text=_("Mean count in the same window on past days"))
    baseline_std = models.FloatField(_("usual spread"), default=0)
    threshold = models.FloatField(_("threshold"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.OPEN, db_index=True)
    tickets = models.ManyToManyField("tickets.Ticket", blank=True, related_name="incidents", verbose_name=_("tickets"))
    orders = models.ManyToManyField("orders.Order", blank=True, related_name="incidents", verbose_name=_("orders"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key"], condition=~Q(status="resolved"), name="uniq_open_incident_per_key"),
        ]

    def __str__(self) -> str:
        return self.title


class IncidentEvent(models.Model):
    """The incident's history as data: raised, grown, acknowledged, customers messaged, resolved."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events", verbose_name=_("incident"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    action = models.CharField(_("action"), max_length=24)
    params = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        ordering = ["incident", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.action}"


class IncidentContact(models.Model):
    """One affected customer reached (or not) by one proactive message (第一时间主动沟通)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("incident"))
    event = models.ForeignKey(IncidentEvent, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("message"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    channel = models.CharField(_("channel"), max_length=16, choices=CustomerChannel.choices)
    message = models.ForeignKey(
        "conversations.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("chat message")
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("incident contact")
        verbose_name_plural = _("incident contacts")
        ordering = ["incident", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "customer"], name="uniq_incident_contact")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.customer_id} {self.channel}"
