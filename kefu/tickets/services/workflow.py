"""The one transition service of the ticket workflow, assignment and changes of a ticket's details."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Team, User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import field_changes
from kefu.events import event_send_on_commit

from ..enums import ComplaintCause, TicketEventAction, TicketPriority, TicketStatus, TicketType
from ..events import TicketAssigned, TicketTransitioned, ticket_groups
from ..models import Ticket
from ..transitions import STAMPS, is_reopening, transition_allowed
from .timeline import _error, _event_record, _publish_update, _require_access

UPDATABLE_FIELDS = ("subject", "description", "type", "cause", "priority")


def _transition_refused(from_status: str, to_status: str) -> ValidationError:
    return ValidationError(
        {
            "to_status": [
                _error(
                    _("A ticket cannot go from “%(from)s” to “%(to)s”."),
                    "transition_not_allowed",
                    **{"from": str(TicketStatus(from_status).label), "to": str(TicketStatus(to_status).label)},
                )
            ]
        }
    )


def _status_change(
    current: Ticket, to_status: str, *, actor: User | None, now: datetime.datetime, note: str = "", extra: Mapping[str, Any] | None = None
) -> bool:
    """Move a locked ticket to a status with a conditional UPDATE; write the event; say if it was a reopening."""
    from_status = current.status
    reopened = is_reopening(from_status, to_status)
    updates: dict[str, Any] = {"status": to_status, "updated_at": now, **(extra or {})}
    stamp = STAMPS.get(to_status)
    if stamp and not (stamp == "assigned_at" and current.assigned_at):
        updates[stamp] = now
    if reopened:
        updates.update(reopened_count=F("reopened_count") + 1, resolved_at=None)
    # The row changes only if nobody moved it meanwhile (SQLite has no row locks; this keeps both databases right).
    if Ticket.objects.filter(pk=current.pk, status=from_status).update(**updates) != 1:
        raise _transition_refused(Ticket.objects.values_list("status", flat=True).get(pk=current.pk), to_status)
    params: dict[str, Any] = {"note": note} if note else {}
    _event_record(
        current,
        TicketEventAction.REOPENED if reopened else TicketEventAction.TRANSITIONED,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        at=now,
        **params,
    )
    current.refresh_from_db()
    event_send_on_commit(
        TicketTransitioned(
            ticket_id=current.pk,
            number=current.number,
            from_status=from_status,
            to_status=to_status,
            reopened=reopened,
            actor_id=actor.pk if actor is not None else None,
            team_id=current.team_id,
            assignee_id=current.assignee_id,
            at=now,
        ),
        groups=ticket_groups(team_id=current.team_id, assignee_id=current.assignee_id),
    )
    return reopened


def ticket_transition(*, ticket: Ticket, to_status: str, actor: User | None, note: str = "") -> Ticket:
    """Move a ticket to another status if the workflow allows it; an illegal move changes nothing.

    The system (actor None) uses it too: the follow-up visit moves resolved → follow-up → closed,
    or reopens the ticket when the customer says the problem is not solved.
    """
    _require_access(actor, ticket)
    if to_status not in TicketStatus.values:
        raise ValidationError(
            {"to_status": [_error(_("Select a valid choice: %(choices)s."), "invalid_choice", choices=", ".join(TicketStatus.values))]}
        )
    with transaction.atomic():
        current = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if not transition_allowed(current.status, to_status):
            raise _transition_refused(current.status, to_status)
        if to_status == TicketStatus.ASSIGNED and current.assignee_id is None:
            raise ValidationError({"to_status": [_error(_("Assign the ticket to an agent first."), "no_assignee")]})
        _status_change(current, to_status, actor=actor, now=timezone.now(), note=(note or "").strip())
    return current


def ticket_assign(*, ticket: Ticket, actor: User | None, assignee: User, team: Team | None = None) -> Ticket:
    """Give the ticket to an agent (and a team, if given): agents may take a ticket; giving it to others needs the right.

    A new ticket becomes assigned; in any other status it keeps its status.
    """
    _require_access(actor, ticket)
    if actor is not None and assignee.pk != actor.pk:
        permission_require(actor, Capability.TICKET_ASSIGN)
    if not assignee.is_active:
        raise ValidationError({"assignee_id": [_error(_("%(name)s is not an active agent."), "inactive_assignee", name=str(assignee))]})
    with transaction.atomic():
        current = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if current.status == TicketStatus.CLOSED:
            raise ValidationError({"assignee_id": [_error(_("A closed ticket cannot be reassigned."), "closed")]})
        new_team = team if team is not None else current.team
        if new_team is not None and not assignee.is_supervisor_or_admin and not assignee.teams.filter(pk=new_team.pk).exists():
            raise ValidationError(
                {"assignee_id": [_error(_("%(name)s is not in team %(team)s."), "not_in_team", name=str(assignee), team=new_team.name)]}
            )
        previous_id = current.assignee_id
        now = timezone.now()
        Ticket.objects.filter(pk=current.pk).update(assignee=assignee, team=new_team, assigned_at=now, updated_at=now)
        current.assignee, current.team, current.assigned_at = assignee, new_team, now
        _event_record(
            current, TicketEventAction.ASSIGNED, actor=actor, at=now,
            assignee=str(assignee), assignee_id=assignee.pk, team=new_team.name if new_team else "", previous_assignee_id=previous_id,
        )  # fmt: skip
        event_send_on_commit(
            TicketAssigned(
                ticket_id=current.pk,
                number=current.number,
                assignee_id=assignee.pk,
                previous_assignee_id=previous_id,
                team_id=current.team_id,
                actor_id=actor.pk if actor is not None else None,
            ),
            groups=ticket_groups(team_id=current.team_id, assignee_id=assignee.pk, extra=(previous_id,)),
        )
        if current.status == TicketStatus.NEW:
            _status_change(current, TicketStatus.ASSIGNED, actor=actor, now=now)
        current.refresh_from_db()
    return current


def ticket_update(*, ticket: Ticket, actor: User | None, fields: Mapping[str, Any]) -> Ticket:
    """Change a ticket's subject, description, type, cause or priority; the timeline keeps old and new."""
    _require_access(actor, ticket)
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in UPDATABLE_FIELDS:
            errors[name] = [_error(_("Unknown field."), "unknown_field")]
            continue
        value = (value or "").strip() if isinstance(value, str) or value is None else value
        choices = {"type": TicketType, "cause": ComplaintCause, "priority": TicketPriority}.get(name)
        if choices is not None and value not in choices.values and not (name == "cause" and value == ""):
            errors[name] = [_error(_("Select a valid choice: %(choices)s."), "invalid_choice", choices=", ".join(choices.values))]
            continue
        if name == "subject" and not value:
            errors[name] = [_error(_("This field is required."), "required")]
            continue
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if current.status == TicketStatus.CLOSED:
            raise ValidationError(_("A closed ticket is archived and cannot be changed."), code="closed")
        new_type = cleaned.get("type", current.type)
        if new_type == TicketType.COMPLAINT and not cleaned.get("cause", current.cause):
            raise ValidationError({"cause": [_error(_("A complaint needs its cause."), "required")]})
        changes = field_changes(current, cleaned)
        if changes:
            current.updated_at = timezone.now()
            current.save(update_fields=[*changes, "updated_at"])
            _event_record(current, TicketEventAction.UPDATED, actor=actor, changes=changes)
            _publish_update(current, TicketEventAction.UPDATED, actor, {"changes": changes})
    return current
