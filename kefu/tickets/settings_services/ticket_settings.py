"""The after-sales settings row (follow-up delay and answer time, incident thresholds) and the read-only detector preview."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record, field_changes

from ..followups import ticket_settings
from ..incidents import Surge, incident_key_label, incidents_evaluate
from ..models import Incident, IncidentDimension, IncidentStatus, Ticket, TicketSettings

# TicketSettings field: (least, most) accepted; the form shows the same bounds.
SETTINGS_BOUNDS: dict[str, tuple[float, float]] = {
    "follow_up_delay_minutes": (0, 60 * 24 * 60),
    "follow_up_answer_days": (1, 365),
    "incident_window_minutes": (5, 24 * 60 - 1),
    "incident_history_days": (1, 365),
    "incident_min_count": (1, 100_000),
    "incident_std_factor": (0, 50),
    "incident_poisson_factor": (0, 50),
}


# --- after-sales settings (follow-ups, incident detector) ------------------------------------------------


def _settings_errors(config: TicketSettings) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    for name, (least, most) in SETTINGS_BOUNDS.items():
        value = getattr(config, name)
        if not isinstance(value, int | float) or isinstance(value, bool) or not least <= value <= most:
            message = _("Enter a number from %(least)s to %(most)s.") % {"least": f"{least:g}", "most": f"{most:g}"}
            errors[name] = [ValidationError(message, "range")]
    return errors


def ticket_settings_config(fields: Mapping[str, Any]) -> TicketSettings:
    """Return an unsaved settings row: the saved values overlaid with ``fields``, validated (for the preview)."""
    unknown = set(fields) - set(SETTINGS_BOUNDS)
    if unknown:
        raise ValidationError({name: [ValidationError(_("Unknown field."), "unknown_field")] for name in sorted(unknown)})
    saved = ticket_settings()
    config = TicketSettings(**{name: getattr(saved, name) for name in SETTINGS_BOUNDS})
    for name, value in fields.items():
        setattr(config, name, value)
    errors = _settings_errors(config)
    if errors:
        raise ValidationError(errors)
    return config


def ticket_settings_save(*, actor: User | None, fields: Mapping[str, Any], via: str = "") -> TicketSettings:
    """Change the follow-up delay and answer time and the incident detector's thresholds (the one settings row)."""
    permission_require(actor, Capability.TICKET_SETTINGS_WRITE)
    ticket_settings_config(fields)  # refuses unknown fields and values out of bounds
    with transaction.atomic():
        row = TicketSettings.objects.select_for_update().order_by("pk").first()
        creating = row is None
        row = row or TicketSettings()
        changes = field_changes(row, dict(fields))
        row.full_clean()
        row.save()
        if changes or creating:
            audit_record(actor=actor, action=AuditAction.CREATE if creating else AuditAction.UPDATE, obj=row, changes=changes, via=via)
    return row


@dataclasses.dataclass(frozen=True)
class SurgePreview:
    """A surge the detector would raise now, with words for its key and the incident it would update."""

    surge: Surge
    dimension_label: str
    key_label: str
    tickets: list[Ticket]
    open_incident: Incident | None


def incidents_preview(
    *, actor: User | None, config: TicketSettings, now: datetime.datetime | None = None, ticket_limit: int = 10
) -> list[SurgePreview]:
    """Run the incident detector over the current data with these thresholds; create nothing.

    It calls the detector's evaluation (reads only) inside a transaction that is rolled back,
    so even a future change to the evaluation cannot leave rows behind.
    """
    permission_require(actor, Capability.TICKET_SETTINGS_WRITE)
    with transaction.atomic():
        surges = incidents_evaluate(now=now or timezone.now(), config=config)
        previews = []
        for surge in surges:
            open_incident = (
                Incident.objects.filter(dimension=surge.dimension, key=surge.key).exclude(status=IncidentStatus.RESOLVED).order_by("-pk").first()
            )
            tickets = list(Ticket.objects.filter(pk__in=surge.ticket_ids[:ticket_limit]).order_by("created_at"))
            previews.append(
                SurgePreview(
                    surge=surge,
                    dimension_label=str(IncidentDimension(surge.dimension).label),
                    key_label=incident_key_label(surge.dimension, surge.key),
                    tickets=tickets,
                    open_incident=open_incident,
                )
            )
        transaction.set_rollback(True)
    return previews
