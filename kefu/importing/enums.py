from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    """What a file holds; each kind has its own columns and upsert key."""

    CUSTOMERS = "customers", _("Customers")  # upsert by identity: member name, else phone, else e-mail
    ORDERS = "orders", _("Orders")  # upsert by order number; one row per item
    PRODUCTS = "products", _("Products")  # upsert by SKU (商家编码)


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("Running")  # started, not finished (or the process died)
    SUCCEEDED = "succeeded", _("Succeeded")  # every row imported
    PARTIAL = "partial", _("Partially imported")  # some rows were rejected, the others imported
    FAILED = "failed", _("Failed")  # the file could not be read at all; nothing imported


class ImportVia(models.TextChoices):
    CLI = "cli", _("Command line")
    ADMIN = "admin", _("Admin")
    API = "api", _("API")
