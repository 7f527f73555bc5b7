from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxesConfig(AppConfig):
    name = "kefu.inboxes"
    verbose_name = _("Inboxes")
