"""Follow-up visits (回访): after a ticket is resolved, the customer is asked whether it is solved."""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CustomerChannel(models.TextChoices):
    """How a message to a customer reached them (follow-up visits, incident messages)."""

    CONVERSATION = "conversation", _("Chat message")  # 会话消息: their web conversation
    EMAIL = "email", _("E-mail")  # 邮件
    NONE = "none", _("Unreachable")  # 无法联系: no conversation and no e-mail address


def _visit_token() -> str:
    return secrets.token_urlsafe(24)


class FollowUpVisit(models.Model):
    """One visit: scheduled when the ticket is resolved, sent when due, answered on a public page."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="follow_up_visits", verbose_name=_("ticket"))
    scheduled_for = models.DateTimeField(_("scheduled for"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_via = models.CharField(_("sent via"), max_length=16, choices=CustomerChannel.choices, blank=True, default="")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    solved = models.BooleanField(_("problem solved"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("satisfaction"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("1 to 5")
    )
    comment = models.TextField(_("comment"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, help_text=_("The ticket was reopened or closed before the visit"))
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True, help_text=_("No answer in time: the ticket was closed"))
    token = models.CharField(_("token"), max_length=64, unique=True, default=_visit_token)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["-scheduled_for"]
        indexes = [
            models.Index(fields=["scheduled_for"], condition=Q(sent_at__isnull=True, cancelled_at__isnull=True), name="followup_due"),
            models.Index(fields=["sent_at"], condition=Q(answered_at__isnull=True, expired_at__isnull=True), name="followup_unanswered"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="followup_rating_range"),
            # One pending visit per ticket: resolving twice does not ask twice.
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(answered_at__isnull=True, cancelled_at__isnull=True, expired_at__isnull=True), name="uniq_pending_followup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.scheduled_for:%Y-%m-%d %H:%M}"
