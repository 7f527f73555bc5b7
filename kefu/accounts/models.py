from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import AuditAction, Presence, Role, RoutingPolicy


class User(AbstractUser):
    """A member of the shop's service team; customers never log in."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT, db_index=True)
    display_name = models.CharField(_("display name"), max_length=64, blank=True, help_text=_("Shown to customers, e.g. 小美"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=8, help_text=_("Maximum open conversations at once"))
    presence = models.CharField(_("presence"), max_length=16, choices=Presence.choices, default=Presence.OFFLINE)
    presence_changed_at = models.DateTimeField(_("presence changed at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True, help_text=_("Last sign of life from the workbench"))
    last_assigned_at = models.DateTimeField(_("last assigned at"), null=True, blank=True, help_text=_("For round-robin assignment"))
    can_view_contact = models.BooleanField(
        _("can view contact details"), default=False, help_text=_("Agents without it see masked phone numbers and addresses")
    )

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def is_supervisor_or_admin(self) -> bool:
        return self.is_admin or self.role == Role.SUPERVISOR

    @property
    def sees_contact_details(self) -> bool:
        return self.is_supervisor_or_admin or self.can_view_contact


class Team(models.Model):
    """A group of agents that owns inboxes, e.g. 售前组 or 售后组."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    routing_policy = models.CharField(_("routing policy"), max_length=16, choices=RoutingPolicy.choices, default=RoutingPolicy.LEAST_OPEN)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams", verbose_name=_("members"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("agent"))
    is_lead = models.BooleanField(_("team lead"), default=False, help_text=_("Receives the team's SLA and escalation alerts"))
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="uniq_team_member")]

    def __str__(self) -> str:
        return f"{self.team} / {self.user}"


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 is stored, the secret is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("agent"))
    name = models.CharField(_("name"), max_length=64, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, help_text=_("First characters, to recognise the token"))
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class AuditLog(models.Model):
    """Who did what to customer data, when and from where; never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    via = models.CharField(_("via"), max_length=16, blank=True, help_text=_("web, api, cli, admin"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}#{self.object_id}"
