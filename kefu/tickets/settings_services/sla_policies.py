"""SLA policies: create, change (a policy in use is versioned, never rewritten), deactivate; which policy applies."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record, field_changes

from ..enums import TicketPriority, TicketType
from ..models import SlaPolicy

SLA_POLICY_FIELDS = (
    "name",
    "priority",
    "ticket_type",
    "first_response_minutes",
    "resolution_minutes",
    "warn_at_percent",
    "calendar_id",
    "active",
)
# Fields a running clock's due instants are computed from: a used policy is versioned, not rewritten, when they change.
CLOCK_FIELDS = frozenset({"priority", "ticket_type", "first_response_minutes", "resolution_minutes", "warn_at_percent", "calendar_id"})
MAX_TARGET_MINUTES = 10_000 * 60


# --- SLA policies ------------------------------------------------------------------------------


def _sla_policy_validate(policy: SlaPolicy, *, exclude_pks: Sequence[int] = ()) -> None:
    """Raise a ValidationError (by field) unless the policy can be saved beside the others."""
    errors: dict[str, list[ValidationError]] = {}
    for name in ("first_response_minutes", "resolution_minutes"):
        value = getattr(policy, name)
        if isinstance(value, int) and not 1 <= value <= MAX_TARGET_MINUTES:
            errors.setdefault(name, []).append(
                ValidationError(_("A target must be between one business minute and 10,000 business hours."), "target_range")
            )
    try:
        policy.full_clean(validate_constraints=False, exclude=list(errors))
    except ValidationError as error:
        for name, messages in error.error_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    if policy.resolution_minutes < policy.first_response_minutes:
        raise ValidationError(
            {"resolution_minutes": [ValidationError(_("The resolution target cannot be shorter than the first response target."), "resolution_shorter")]}
        )
    if policy.active:
        clash = (
            SlaPolicy.objects.filter(active=True, priority=policy.priority, ticket_type=policy.ticket_type)
            .exclude(pk__in=[pk for pk in (policy.pk, *exclude_pks) if pk])
            .first()
        )
        if clash is not None:
            raise ValidationError({NON_FIELD_ERRORS: [_sla_clashValidationError(policy, clash)]})


def _sla_clashValidationError(policy: SlaPolicy, clash: SlaPolicy) -> ValidationError:
    what = str(TicketType(policy.ticket_type).label) if policy.ticket_type else _("all types")
    message = _("The active policy “%(name)s” already covers priority %(priority)s and %(type)s. Deactivate it first, or edit it.") % {
        "name": clash.name,
        "priority": TicketPriority(policy.priority).label,
        "type": what,
    }
    return ValidationError(message, "duplicate_active")


def _saved(policy: SlaPolicy) -> SlaPolicy:
    """Save, turning the race the unique constraint catches into the same error as the check."""
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        clash = SlaPolicy.objects.filter(active=True, priority=policy.priority, ticket_type=policy.ticket_type).exclude(pk=policy.pk).first()
        if clash is None:
            raise
        raise ValidationError({NON_FIELD_ERRORS: [_sla_clashValidationError(policy, clash)]}) from None
    return policy


def sla_policy_save(*, actor: User | None, fields: Mapping[str, Any], policy: SlaPolicy | None = None, via: str = "") -> SlaPolicy:
    """Create or change an SLA policy; return the policy now holding these values.

    A policy that clocks already use keeps its targets: when a target, the calendar, the
    priority or the type changes, it is retired (deactivated) and a successor is created, so
    the change applies to tickets opened afterwards and no running clock is rewritten.
    """
    permission_require(actor, Capability.TICKET_SETTINGS_WRITE)
    unknown = set(fields) - set(SLA_POLICY_FIELDS)
    if unknown:
        raise ValidationError({name: [ValidationError(_("Unknown field."), "unknown_field")] for name in sorted(unknown)})
    with transaction.atomic():
        if policy is None:
            created = SlaPolicy()
            changes = field_changes(created, dict(fields))
            _sla_policy_validate(created)
            _saved(created)
            audit_record(actor=actor, action=AuditAction.CREATE, obj=created, changes=changes, via=via)
            return created
        current = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        changed = {name for name, value in fields.items() if getattr(current, name) != value}
        if not (changed & CLOCK_FIELDS and current.clocks.exists()):
            changes = field_changes(current, dict(fields))
            _sla_policy_validate(current)
            _saved(current)
            if changes:
                audit_record(actor=actor, action=AuditAction.UPDATE, obj=current, changes=changes, via=via)
            return current
        successor = SlaPolicy(**{name: getattr(current, name) for name in SLA_POLICY_FIELDS})
        changes = field_changes(successor, dict(fields))
        _sla_policy_validate(successor, exclude_pks=[current.pk])
        was_active = current.active
        if was_active:
            current.active = False
            current.save(update_fields=["active"])
        _saved(successor)
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=current, changes={"active": [was_active, False], "replaced_by": successor.pk}, via=via
        )
        audit_record(actor=actor, action=AuditAction.CREATE, obj=successor, changes={**changes, "replaces": current.pk}, via=via)
        return successor


def sla_policy_deactivate(*, actor: User | None, policy: SlaPolicy, via: str = "") -> SlaPolicy:
    """Stop applying a policy to new tickets; tickets already under it keep their clocks."""
    permission_require(actor, Capability.TICKET_SETTINGS_WRITE)
    with transaction.atomic():
        current = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        if not current.active:
            return current
        current.active = False
        current.save(update_fields=["active"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=current, changes={"active": [True, False]}, via=via)
        return current


@dataclasses.dataclass(frozen=True)
class CoverageCell:
    """Which active policy a new ticket of one type and priority gets (None: no SLA clock)."""

    policy: SlaPolicy | None
    specific: bool  # the policy names this type (rather than all types)


def sla_policy_coverage() -> list[tuple[str, str, list[CoverageCell]]]:
    """Return, per ticket type, the policy each priority gets, by the rule of ``sla.sla_policy_for``."""
    active = {(policy.priority, policy.ticket_type): policy for policy in SlaPolicy.objects.filter(active=True).select_related("calendar")}
    rows = []
    for ticket_type, label in TicketType.choices:
        cells = []
        for priority in TicketPriority.values:
            specific = active.get((priority, ticket_type))
            cells.append(CoverageCell(policy=specific or active.get((priority, "")), specific=specific is not None))
        rows.append((ticket_type, str(label), cells))
    return rows
