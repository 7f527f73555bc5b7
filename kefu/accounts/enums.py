from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")  # sets up the shop, users, rules and backups
    SUPERVISOR = "supervisor", _("Supervisor")  # assigns, inspects quality, reads dashboards
    AGENT = "agent", _("Agent")  # serves customers in the workbench


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")  # takes new conversations
    AWAY = "away", _("Away")  # keeps own conversations, takes no new ones
    OFFLINE = "offline", _("Offline")  # own queue is redistributed


class RoutingPolicy(models.TextChoices):
    LEAST_OPEN = "least_open", _("Least open conversations")  # the online agent with the fewest open conversations, within capacity
    ROUND_ROBIN = "round_robin", _("Round robin")  # online agents in turn, within capacity
    MANUAL = "manual", _("Manual claiming")  # conversations wait in the queue until an agent claims one


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")  # opened unmasked contact details
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    IMPORT = "import", _("Imported")
    EXPORT = "export", _("Exported")
    TOKEN_CREATE = "token_create", _("API token created")
    TOKEN_REVOKE = "token_revoke", _("API token revoked")
