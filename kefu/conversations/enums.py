from django.db import models
from django.utils.translation import gettext_lazy as _


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")  # waiting in a queue or being served
    PENDING = "pending", _("Pending")  # waiting for the customer or a colleague
    RESOLVED = "resolved", _("Resolved")  # finished; a new customer message reopens it


class SenderKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Bot")  # the answer bot, labelled 机器人 in the widget
    SYSTEM = "system", _("System")  # greetings, holding and away messages, transfers


class Conversion(models.TextChoices):
    UNKNOWN = "", _("Not marked")
    CONVERTED = "converted", _("Converted")  # 成交
    NOT_CONVERTED = "not_converted", _("Not converted")  # 未成交


class LostReason(models.TextChoices):
    NONE = "", _("None")
    PRICE = "price", _("Price")
    PRODUCT = "product", _("Product")
    OTHER = "other", _("Other")
