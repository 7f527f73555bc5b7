from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo shop: products, knowledge, customers, orders and conversations to try Kefu with."""

    name = "kefu.demo"
    label = "demo"
    verbose_name = _("Demo shop")
