"""`kefu demo [--reset]`: load the demo shop and print the logins."""

import unicodedata

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from kefu.demo.loader import PASSWORD, USERS, demo_load


def _pad(text: str, width: int) -> str:
    """Pad to a width in terminal columns: Chinese characters take two."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def _count_labels() -> dict[str, str]:
    return {
        "users": _("Agents"), "teams": _("Teams"), "inboxes": _("Inboxes"), "categories": _("Categories"),
        "products": _("Products"), "faq": _("FAQ entries"), "phrases": _("Quick phrases"),
        "forbidden_rules": _("Forbidden-phrase rules"), "objections": _("Objection scripts"),
        "closing_techniques": _("Closing techniques"), "after_sales_rules": _("After-sales rules"),
        "playbooks": _("After-sales playbooks"), "tags": _("Tags"), "customers": _("Customers"),
        "identities": _("Customer identities"), "notes": _("Customer notes"), "orders": _("Orders"),
        "order_items": _("Order items"), "conversations": _("Conversations"), "messages": _("Messages"),
    }


class Command(BaseCommand):
    @property
    def help(self) -> str:  # translated when read, not at import: argparse needs a plain string
        return _("Load the demo shop (products, knowledge, customers, orders, conversations) once; --reset rebuilds it.")

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help=_("Delete the demo data first and load it again."))

    def handle(self, *args, **options):
        counts = demo_load(reset=options["reset"], stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(_("Demo data:"))
        labels = _count_labels()
        for name, value in counts.items():
            self.stdout.write(f"  {_pad(labels.get(name, name), 26)}{value:>6}")
        self.stdout.write("")
        self.stdout.write(_("Demo logins:"))
        self.stdout.write("  " + "".join(_pad(h, w) for h, w in ((_("username"), 10), (_("name"), 10), (_("role"), 12), (_("team"), 22))) + _("password"))
        for username, display, role, team, lead, *_rest in USERS:
            team_label = "售前组 + 售后组" if team == "both" else team or "-"
            if lead:
                team_label += " (" + _("lead") + ")"
            self.stdout.write("  " + "".join(_pad(v, w) for v, w in ((username, 10), (display, 10), (str(role.label), 12), (team_label, 22))) + PASSWORD)
