"""Writes of inbox chat options and team routing, permission-checked and audit-logged."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kefu.accounts.enums import RoutingPolicy
from kefu.accounts.models import Team, User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record

from .models import Inbox
from .options import InboxOptions

OPTION_KEYS = (
    "color", "bot_name", "hours", "holding_after_seconds", "reply_target_seconds", "default_team_id",
    "bot_answer_confidence", "bot_unsure_turns", "bot_handover_intensity",
)  # fmt: skip


def inbox_chat_options_update(
    *, inbox: Inbox, actor: User | None, greeting: str, options: dict[str, Any], bot_enabled: bool | None = None
) -> Inbox:
    """Replace an inbox's chat options (already validated by the form); running servers read them on the next message."""
    permission_require(actor, Capability.ROUTING_WRITE)
    with transaction.atomic():
        inbox = Inbox.objects.select_for_update().get(pk=inbox.pk)
        before = {key: InboxOptions.of(inbox).__dict__[key] for key in OPTION_KEYS} | {"greeting": inbox.greeting, "bot_enabled": inbox.bot_enabled}
        inbox.settings = {**(inbox.settings or {}), **{key: options[key] for key in OPTION_KEYS if key in options}}
        inbox.greeting = greeting
        if bot_enabled is not None:
            inbox.bot_enabled = bool(bot_enabled)
        inbox.save(update_fields=["settings", "greeting", "bot_enabled"])
        after = {key: InboxOptions.of(inbox).__dict__[key] for key in OPTION_KEYS} | {"greeting": inbox.greeting, "bot_enabled": inbox.bot_enabled}
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            audit_record(actor=actor, action="update", obj=inbox, changes=changes, via="web")
    return inbox


def team_routing_update(*, team: Team, actor: User | None, policy: str) -> Team:
    """Change how a team's queue is assigned: least open, round robin or manual claiming."""
    permission_require(actor, Capability.ROUTING_WRITE)
    if policy not in RoutingPolicy.values:
        raise ValueError(policy)
    if team.routing_policy != policy:
        audit_record(actor=actor, action="update", obj=team, changes={"routing_policy": [team.routing_policy, policy]}, via="web")
        team.routing_policy = policy
        team.save(update_fields=["routing_policy"])
    return team
