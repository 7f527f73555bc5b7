from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelType(models.TextChoices):
    WEB = "web", _("Web widget")  # chat panel on the shop's site
    EMAIL = "email", _("E-mail")  # SMTP out, IMAP in
    PHONE = "phone", _("Phone")  # calls logged by agents
    API = "api", _("API channel")  # messages relayed from other platforms
