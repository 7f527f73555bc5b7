"""In-app notifications to agents: SLA alerts, incidents, follow-up answers; also sent by e-mail."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What the notification is about."""

    SLA_WARNING = "sla_warning", _("SLA near breach")  # 工单即将超时
    SLA_BREACHED = "sla_breached", _("SLA breached")  # 工单已超时
    INCIDENT = "incident", _("Incident")  # 危机: a surge of similar tickets
    FOLLOW_UP = "follow_up", _("Follow-up answer")  # 回访结果: the customer answered
    TICKET = "ticket", _("Ticket")  # other ticket news (assignment and the like)
    ESCALATION = "escalation", _("Upset customer")  # 情绪升级: an angry customer's chat was raised in the queue


class Notification(models.Model):
    """One message to one agent; unread until they open it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("agent"))
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title
