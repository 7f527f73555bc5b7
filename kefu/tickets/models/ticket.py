"""The ticket, its timeline (events), its comments and the agents' saved list views."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import ComplaintCause, TicketChannel, TicketEventAction, TicketPriority, TicketStatus, TicketType
from ..transitions import OPEN_STATUSES


class Ticket(models.Model):
    """One after-sales case or complaint, from the first report to the archive (档案)."""

    number = models.CharField(_("number"), max_length=20, unique=True, help_text=_("T, the day, then a sequence: T202611230001"))
    type = models.CharField(_("type"), max_length=24, choices=TicketType.choices, db_index=True)
    cause = models.CharField(_("complaint cause"), max_length=24, choices=ComplaintCause.choices, blank=True, default="")
    priority = models.CharField(_("priority"), max_length=8, choices=TicketPriority.choices, default=TicketPriority.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    channel = models.CharField(_("opened via"), max_length=16, choices=TicketChannel.choices, default=TicketChannel.WORKBENCH)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("customer"))
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name=_("order")
    )
    items = models.ManyToManyField("orders.OrderItem", blank=True, related_name="tickets", verbose_name=_("order items"))
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("product"),
        help_text=_("The product concerned, taken from the first linked item; lists filter on it"),
    )
    conversation = models.ForeignKey(
        "conversations.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("conversation"),
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets", verbose_name=_("team"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list: newest first, narrowed by one filter at a time.
            models.Index(fields=["-created_at", "-id"], name="ticket_recent"),
            models.Index(fields=["status", "-created_at"], name="ticket_status_recent"),
            # The open tickets, newest first: the agents' default list, small beside the archive.
            models.Index(fields=["-created_at", "-id"], condition=Q(status__in=OPEN_STATUSES), name="ticket_open_recent"),
            models.Index(fields=["team", "status", "-created_at"], name="ticket_team_status"),
            models.Index(fields=["assignee", "status", "-created_at"], name="ticket_assignee_status"),
            models.Index(fields=["type", "-created_at"], name="ticket_type_recent"),
            models.Index(fields=["type", "priority", "-created_at"], name="ticket_type_priority_recent"),
            models.Index(fields=["priority", "-created_at"], name="ticket_priority_recent"),
            models.Index(fields=["product", "-created_at"], name="ticket_product_recent"),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_recent"),
            models.Index(fields=["order"], name="ticket_order"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status not in (TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP, TicketStatus.CLOSED)


class TicketEvent(models.Model):
    """One line of the timeline: who did what, when, from which status to which (never edited)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    action = models.CharField(_("action"), max_length=24, choices=TicketEventAction.choices)
    from_status = models.CharField(_("from status"), max_length=20, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, choices=TicketStatus.choices, blank=True)
    params = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["ticket", "created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_event_timeline")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"


class TicketComment(models.Model):
    """A reply sent to the customer, or an internal note only agents see."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments", verbose_name=_("ticket"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("text"))
    is_internal = models.BooleanField(_("internal note"), default=False)
    cited_rule = models.ForeignKey(
        "knowledge.AfterSalesRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rule cited"),
        help_text=_("The after-sales rule a refusal is based on"),
    )
    message = models.ForeignKey(
        "conversations.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message sent"),
        help_text=_("The chat message that carried this reply to the customer"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket comment")
        verbose_name_plural = _("ticket comments")
        ordering = ["ticket", "created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_comment_timeline")]

    def __str__(self) -> str:
        return self.body[:40]


class SavedView(models.Model):
    """A named ticket-list filter an agent keeps, e.g. 我的紧急工单."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_views", verbose_name=_("agent"))
    name = models.CharField(_("name"), max_length=64)
    query = models.CharField(_("filters"), max_length=500, help_text=_("The list's query string"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved ticket view")
        verbose_name_plural = _("saved ticket views")
        ordering = ["user", "name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="uniq_ticket_view_name")]

    def __str__(self) -> str:
        return self.name
