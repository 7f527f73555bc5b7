"""`kefu token create/list/revoke`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kefu.accounts.models import ApiToken, AuditLog
from kefu.accounts.services import api_token_authenticate


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_a_working_secret_once(agent):
    out, err = run("create", "agent", "--name", "ERP sync")

    secret = out.strip()
    token = ApiToken.objects.get(user=agent)
    assert secret.startswith("kefu_") and secret.startswith(token.prefix)
    assert token.name == "ERP sync"
    assert api_token_authenticate(secret=secret) == agent
    assert secret not in err and token.prefix in err
    assert AuditLog.objects.filter(action="token_create", via="cli").count() == 1


def test_list_shows_prefixes_and_state_never_secrets(agent):
    first, _ = run("create", "agent", "--name", "one")
    run("create", "agent", "--name", "two")
    run("revoke", first.strip()[:11])

    out, _ = run("list", "agent")

    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert first.strip() not in out
    revoked_line = next(line for line in lines if "\tone\t" in line)
    assert revoked_line.startswith(first.strip()[:11])
    assert "revoked" in revoked_line


def test_revoke_disables_the_token(agent):
    secret = run("create", "agent")[0].strip()
    prefix = ApiToken.objects.get().prefix

    out, _ = run("revoke", prefix)

    assert api_token_authenticate(secret=secret) is None
    assert prefix in out
    assert ApiToken.objects.get().revoked_at is not None


@pytest.mark.parametrize("args", [("create", "nobody"), ("list", "nobody")])
def test_unknown_user_is_a_clear_error(db, args):
    with pytest.raises(CommandError, match="No user named nobody."):
        run(*args)


def test_unknown_prefix_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No API token starts with kefu_zzz."):
        run("revoke", "kefu_zzz")
