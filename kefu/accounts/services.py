"""Writes on agents, teams, tokens and the audit log."""

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from .enums import AuditAction, Presence
from .models import ApiToken, AuditLog, Team, TeamMembership, User

TOKEN_PREFIX = "kefu_"


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def audit_value(value: Any) -> Any:
    """Make a field value fit the audit log's JSON: dates as ISO text, decimals as strings."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):  # TextChoices members
        return value.value
    return value


def field_changes(instance: Any, new_values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set new values on a model instance and return {field: [old, new]} for those that changed."""
    changes: dict[str, list[Any]] = {}
    for field, new in new_values.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [audit_value(old), audit_value(new)]
            setattr(instance, field, new)
    return changes


def audit_record(
    *,
    actor: User | None,
    action: AuditAction | str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    changes: dict | None = None,
    via: str = "",
    ip_address: str | None = None,
) -> AuditLog:
    """Write one audit row for an action on customer data."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=changes or {},
        via=via,
        ip_address=ip_address,
    )


@transaction.atomic
def api_token_create(*, user: User, name: str = "", actor: User | None = None, via: str = "cli") -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored or shown again.

    The actor is who created it (an admin in the back office); by default the owner.
    """
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], key_hash=_hash_token(secret))
    audit_record(actor=actor or user, action=AuditAction.TOKEN_CREATE, obj=token, via=via)
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: User | None = None) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action=AuditAction.TOKEN_REVOKE, obj=token)


def api_token_authenticate(*, secret: str) -> User | None:
    """Return the active user behind a token secret, or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash_token(secret), revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash_token(secret)) or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def team_add_member(*, team: Team, user: User, is_lead: bool = False) -> TeamMembership:
    membership, _ = TeamMembership.objects.update_or_create(team=team, user=user, defaults={"is_lead": is_lead})
    return membership


def agent_set_presence(*, user: User, presence: Presence) -> User:
    user.presence = presence
    user.presence_changed_at = timezone.now()
    user.save(update_fields=["presence", "presence_changed_at"])
    return user
