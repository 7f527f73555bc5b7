from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """A real-time event written by a task worker, relayed to browsers by the server (embedded setup)."""

    groups = models.JSONField(_("groups"), default=list)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["pk"]
