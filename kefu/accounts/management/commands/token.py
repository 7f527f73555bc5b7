"""`kefu token create USERNAME [--name NAME]`, `kefu token list USERNAME`, `kefu token revoke PREFIX`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kefu.accounts.models import ApiToken, User
from kefu.accounts.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create, list and revoke API tokens. The secret is printed once, at creation."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token for a user and print its secret once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for, e.g. 'ERP sync'")
        listing = actions.add_parser("list", help="List a user's tokens (prefixes only)")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["username"], options["name"])
        elif action == "list":
            self._list(options["username"])
        else:
            self._revoke(options["prefix"])

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named %(username)s.") % {"username": username})
        if not user.is_active:
            raise CommandError(_("The user %(username)s is deactivated.") % {"username": username})
        return user

    def _create(self, username: str, name: str) -> None:
        user = self._user(username)
        token, secret = api_token_create(user=user, name=name, via="cli")
        self.stderr.write(
            _("Token %(prefix)s created for %(username)s. Store it now: it is not shown again.")
            % {"prefix": token.prefix, "username": user.username}
        )
        self.stdout.write(secret)

    def _list(self, username: str) -> None:
        user = self._user(username)
        tokens = ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
        if not tokens:
            self.stdout.write(_("%(username)s has no API tokens.") % {"username": username})
            return
        for token in tokens:
            state = _("revoked %(when)s") % {"when": f"{token.revoked_at:%Y-%m-%d %H:%M}"} if token.revoked_at else _("active")
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "-"
            self.stdout.write(f"{token.prefix}\t{token.name or '-'}\t{token.created_at:%Y-%m-%d %H:%M}\t{used}\t{state}")

    def _revoke(self, prefix: str) -> None:
        token = ApiToken.objects.filter(prefix=prefix.strip()).first()
        if token is None:
            raise CommandError(_("No API token starts with %(prefix)s.") % {"prefix": prefix})
        if token.revoked_at is not None:
            self.stdout.write(_("Token %(prefix)s was already revoked.") % {"prefix": token.prefix})
            return
        api_token_revoke(token=token, actor=None)
        self.stdout.write(_("Token %(prefix)s revoked.") % {"prefix": token.prefix})
