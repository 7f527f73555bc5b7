"""Playbook checklists on tickets (ticks) and the supervisors' edits of the playbooks themselves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record, field_changes
from kefu.knowledge.models import Playbook

from ..enums import TicketEventAction
from ..models import ChecklistTick, Ticket
from ..selectors import playbook_items, ticket_playbook
from .timeline import _error, _event_record, _publish_update, _require_access


def ticket_checklist_tick(*, ticket: Ticket, actor: User | None, item_key: str, done: bool = True) -> ChecklistTick | None:
    """Mark one item of the ticket's playbook done (or not done again)."""
    _require_access(actor, ticket)
    playbook = ticket_playbook(ticket)
    items = {key: (section, text) for key, section, text in playbook_items(playbook)} if playbook else {}
    if item_key not in items:
        raise ValidationError({"item_key": [_error(_("The playbook has no item %(key)s."), "unknown_item", key=item_key)]})
    section, label = items[item_key]
    with transaction.atomic():
        if done:
            tick, created = ChecklistTick.objects.get_or_create(
                ticket=ticket, item_key=item_key, defaults={"section": section, "label": label[:255], "done_by": actor}
            )
            if created:
                _event_record(ticket, TicketEventAction.CHECKLIST_TICKED, actor=actor, item=item_key, label=label)
                _publish_update(ticket, TicketEventAction.CHECKLIST_TICKED, actor, {"item": item_key})
            return tick
        if ChecklistTick.objects.filter(ticket=ticket, item_key=item_key).delete()[0]:
            _event_record(ticket, TicketEventAction.CHECKLIST_UNTICKED, actor=actor, item=item_key, label=label)
            _publish_update(ticket, TicketEventAction.CHECKLIST_UNTICKED, actor, {"item": item_key})
    return None


def _clean_lines(value: Sequence[str] | str) -> list[str]:
    lines = value.splitlines() if isinstance(value, str) else list(value)
    return [line.strip() for line in lines if line and line.strip()]


def playbook_update(
    *,
    actor: User | None,
    playbook: Playbook,
    title: str | None = None,
    causes: Sequence[str] | str | None = None,
    handling: Sequence[str] | str | None = None,
    offers: Sequence[str] | str | None = None,
    prevention: Sequence[str] | str | None = None,
) -> Playbook:
    """Supervisors edit a playbook's lists (one item a line); ticks already made keep their text."""
    permission_require(actor, Capability.PLAYBOOK_WRITE)
    values: dict[str, Any] = {}
    if title is not None:
        if not title.strip():
            raise ValidationError({"title": [_error(_("This field is required."), "required")]})
        values["title"] = title.strip()
    for name, value in (("causes", causes), ("handling", handling), ("offers", offers), ("prevention", prevention)):
        if value is not None:
            values[name] = _clean_lines(value)
    with transaction.atomic():
        changes = field_changes(playbook, values)
        if changes:
            playbook.save()
            audit_record(actor=actor, action=AuditAction.UPDATE, obj=playbook, changes=changes, via="web")
    return playbook
