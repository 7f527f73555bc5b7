import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import ChannelType


def _public_key() -> str:
    return secrets.token_urlsafe(12)


class Inbox(models.Model):
    """One channel through which customers reach the shop, owned by one or more teams."""

    name = models.CharField(_("name"), max_length=64)
    channel = models.CharField(_("channel"), max_length=16, choices=ChannelType.choices, db_index=True)
    public_key = models.CharField(
        _("public key"), max_length=32, unique=True, default=_public_key, help_text=_("Identifies the inbox in the widget and the channel API")
    )
    teams = models.ManyToManyField("accounts.Team", related_name="inboxes", blank=True, verbose_name=_("teams"))
    is_active = models.BooleanField(_("active"), default=True)
    bot_enabled = models.BooleanField(_("answer bot on"), default=False)
    email_address = models.EmailField(_("e-mail address"), blank=True)
    greeting = models.TextField(_("greeting"), blank=True, help_text=_("Empty: use the greeting phrases of the phrase library"))
    settings = models.JSONField(_("settings"), default=dict, blank=True, help_text=_("Channel options: colours, business hours, holding time"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbox")
        verbose_name_plural = _("inboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display()})"
