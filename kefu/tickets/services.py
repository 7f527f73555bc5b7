"""Writes on tickets: creation (four ways in), the one transition service, assignment, replies, checklists.

Every change adds a TicketEvent (the timeline) and sends a real-time event after commit to the
ticket's assignee and team; reactions to "ticket.transitioned" run the SLA clock and follow-ups.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import Team, User
from kefu.accounts.permissions import Capability, permission_require, user_can
from kefu.accounts.services import audit_record, field_changes
from kefu.conversations.enums import SenderKind
from kefu.conversations.models import Conversation
from kefu.customers.models import Customer
from kefu.customers.phones import phone_canonical
from kefu.events import event_send_on_commit
from kefu.knowledge.models import AfterSalesRule, Playbook
from kefu.orders.models import Order, OrderItem

from .enums import ComplaintCause, TicketChannel, TicketEventAction, TicketPriority, TicketStatus, TicketType
from .events import TicketAssigned, TicketCreated, TicketTransitioned, TicketUpdated, ticket_groups
from .models import ChecklistTick, SavedView, Ticket, TicketComment, TicketEvent
from .selectors import playbook_items, ticket_can_see, ticket_playbook
from .transitions import STAMPS, is_reopening, transition_allowed

QUOTED_MESSAGES = 10  # how many of a conversation's last messages a new ticket quotes
UPDATABLE_FIELDS = ("subject", "description", "type", "cause", "priority")


def _error(message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _require_access(actor: User | None, ticket: Ticket, capability: Capability = Capability.TICKET_WRITE) -> None:
    """Let the system (None) and users who hold the capability and see the ticket act on it."""
    if actor is None:
        return
    permission_require(actor, capability)
    if not ticket_can_see(actor, ticket):
        raise PermissionDenied(_("This ticket belongs to another team."))


def _event_record(
    ticket: Ticket,
    action: TicketEventAction,
    *,
    actor: User | None,
    from_status: str = "",
    to_status: str = "",
    at: datetime.datetime | None = None,
    **params: Any,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        params=params,
        created_at=at or timezone.now(),
    )


def _publish_update(ticket: Ticket, action: str, actor: User | None, params: dict[str, Any]) -> None:
    event_send_on_commit(
        TicketUpdated(ticket_id=ticket.pk, number=ticket.number, action=action, actor_id=actor.pk if actor else None, params=params),
        groups=ticket_groups(team_id=ticket.team_id, assignee_id=ticket.assignee_id),
    )


def ticket_timeline_add(*, ticket: Ticket, action: TicketEventAction, actor: User | None, **params: Any) -> TicketEvent:
    """Add a line to a ticket's timeline from another domain (returns, refunds, compensation) and tell its followers."""
    event = _event_record(ticket, action, actor=actor, **params)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=event.created_at)
    _publish_update(ticket, action, actor, params)
    return event


# --- creation ------------------------------------------------------------------------------


def _number_prefix(at: datetime.datetime) -> str:
    return "T" + timezone.localtime(at).strftime("%Y%m%d")


def _number_next(at: datetime.datetime) -> str:
    """Return the day's next number: T + the shop's date + a four-digit sequence."""
    prefix = _number_prefix(at)
    last = Ticket.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _default_team(*, team: Team | None, conversation: Conversation | None, assignee: User | None, actor: User | None) -> Team | None:
    if team is not None:
        return team
    if conversation is not None and conversation.team_id:
        return conversation.team
    for user in (assignee, actor):
        if user is not None and user.pk:
            teams = list(user.teams.all()[:2])
            if len(teams) == 1:
                return teams[0]
    return None


def ticket_create(
    *,
    actor: User | None,
    customer: Customer,
    type: str,  # noqa: A002 - the ticket's type, as everywhere in the domain
    subject: str = "",
    description: str = "",
    priority: str = TicketPriority.NORMAL,
    cause: str = "",
    order: Order | None = None,
    items: Sequence[OrderItem] = (),
    conversation: Conversation | None = None,
    team: Team | None = None,
    assignee: User | None = None,
    channel: str = TicketChannel.WORKBENCH,
    created_at: datetime.datetime | None = None,
) -> Ticket:
    """Open a ticket for a customer, optionally on an order and some of its items; assigned if an assignee is given."""
    if actor is not None:
        permission_require(actor, Capability.TICKET_WRITE)
        if assignee is not None and assignee.pk != actor.pk:
            permission_require(actor, Capability.TICKET_ASSIGN)
    errors: dict[str, list[ValidationError]] = {}
    subject = (subject or "").strip()
    description = (description or "").strip()
    if type not in TicketType.values:
        errors["type"] = [_error(_("Select a valid choice: %(choices)s."), "invalid_choice", choices=", ".join(TicketType.values))]
    if priority not in TicketPriority.values:
        errors["priority"] = [
            _error(_("Select a valid choice: %(choices)s."), "invalid_choice", choices=", ".join(TicketPriority.values))
        ]
    if cause and cause not in ComplaintCause.values:
        errors["cause"] = [_error(_("Select a valid choice: %(choices)s."), "invalid_choice", choices=", ".join(ComplaintCause.values))]
    elif type == TicketType.COMPLAINT and not cause and channel not in (TicketChannel.WEB_FORM, TicketChannel.SYSTEM):
        errors["cause"] = [_error(_("A complaint needs its cause."), "required")]
    if order is not None and order.customer_id != customer.pk:
        errors["order_id"] = [_error(_("Order %(number)s belongs to another customer."), "order_not_customers", number=order.number)]
    items = list(items)
    if items and order is None:
        errors["item_ids"] = [_error(_("Items can only be linked together with their order."), "items_without_order")]
    elif any(item.order_id != order.pk for item in items):
        errors["item_ids"] = [_error(_("Every item must belong to order %(number)s."), "item_not_in_order", number=order.number)]
    if conversation is not None and conversation.customer_id != customer.pk:
        errors["conversation_id"] = [_error(_("The conversation is with another customer."), "conversation_not_customers")]
    if assignee is not None and not assignee.is_active:
        errors["assignee_id"] = [_error(_("%(name)s is not an active agent."), "inactive_assignee", name=str(assignee))]
    if len(subject) > 200:
        errors["subject"] = [_error(_("Ensure this value has at most %(limit)s characters."), "max_length", limit=200)]
    if errors:
        raise ValidationError(errors)
    if not subject:
        subject = str(TicketType(type).label) + (f" · {order.number}" if order is not None else "")
    product_id = next((item.product_id for item in items if item.product_id), None)
    if product_id is None and order is not None:
        product_id = order.items.exclude(product_id=None).order_by("id").values_list("product_id", flat=True).first()
    now = created_at or timezone.now()
    team = _default_team(team=team, conversation=conversation, assignee=assignee, actor=actor)
    ticket = Ticket(
        type=type,
        cause=cause,
        priority=priority,
        status=TicketStatus.ASSIGNED if assignee is not None else TicketStatus.NEW,
        channel=channel,
        subject=subject,
        description=description,
        customer=customer,
        order=order,
        product_id=product_id,
        conversation=conversation,
        team=team,
        assignee=assignee,
        created_by=actor if actor is not None and actor.pk else None,
        created_at=now,
        updated_at=now,
        assigned_at=now if assignee is not None else None,
    )
    with transaction.atomic():
        for attempt in range(8):  # two tickets opened at once may draw the same number: take the next
            ticket.number = _number_next(now)
            try:
                with transaction.atomic():
                    ticket.save(force_insert=True)
                break
            except IntegrityError:
                ticket.pk = None
                if attempt == 7 or not Ticket.objects.filter(number=ticket.number).exists():
                    raise
        if items:
            ticket.items.set(items)
        _event_record(ticket, TicketEventAction.CREATED, actor=actor, to_status=TicketStatus.NEW, at=now, channel=channel)
        if assignee is not None:
            _event_record(
                ticket, TicketEventAction.ASSIGNED, actor=actor, from_status=TicketStatus.NEW, to_status=TicketStatus.ASSIGNED,
                at=now, assignee=str(assignee), assignee_id=assignee.pk,
            )  # fmt: skip
        event_send_on_commit(
            TicketCreated(
                ticket_id=ticket.pk,
                number=ticket.number,
                ticket_type=ticket.type,
                cause=ticket.cause,
                priority=ticket.priority,
                status=ticket.status,
                channel=ticket.channel,
                customer_id=customer.pk,
                order_id=order.pk if order is not None else None,
                product_id=product_id,
                team_id=ticket.team_id,
                assignee_id=ticket.assignee_id,
                actor_id=actor.pk if actor is not None else None,
                created_at=now,
            ),
            groups=ticket_groups(team_id=ticket.team_id, assignee_id=ticket.assignee_id),
        )
    return ticket


def conversation_quote(conversation: Conversation, *, limit: int = QUOTED_MESSAGES) -> str:
    """Quote a conversation's last messages (not private notes) for a ticket's description."""
    labels = {SenderKind.CUSTOMER: _("Customer"), SenderKind.AGENT: _("Agent"), SenderKind.BOT: _("Bot"), SenderKind.SYSTEM: _("System")}
    messages = list(conversation.messages.filter(is_private=False).exclude(body="").order_by("-seq")[:limit])
    lines = []
    for message in reversed(messages):
        at = timezone.localtime(message.created_at).strftime("%m-%d %H:%M")
        lines.append(f"> [{at}] {labels.get(message.sender_kind, message.sender_kind)}: {message.body}")
    return "\n".join(lines)


def ticket_create_from_conversation(
    *,
    actor: User | None,
    conversation: Conversation,
    type: str,  # noqa: A002
    subject: str = "",
    description: str = "",
    priority: str = TicketPriority.NORMAL,
    cause: str = "",
    order: Order | None = None,
    items: Sequence[OrderItem] = (),
    team: Team | None = None,
    assignee: User | None = None,
) -> Ticket:
    """One click in the workbench: the conversation's customer and order, and its last messages quoted."""
    quote = conversation_quote(conversation)
    text = "\n\n".join(part for part in ((description or "").strip(), quote) if part)
    return ticket_create(
        actor=actor,
        customer=conversation.customer,
        type=type,
        subject=subject,
        description=text,
        priority=priority,
        cause=cause,
        order=order if order is not None else conversation.order,
        items=items,
        conversation=conversation,
        team=team,
        assignee=assignee,
        channel=TicketChannel.CONVERSATION,
    )


def ticket_create_by_customer(*, order_number: str, phone: str, type: str, description: str) -> Ticket:  # noqa: A002
    """Open a ticket from the customer's own form: the order is theirs if the phone matches the order's receiver or customer."""
    order_number = (order_number or "").strip()
    description = (description or "").strip()
    order = Order.objects.select_related("customer").filter(number=order_number).first() if order_number else None
    given = phone_canonical(phone or "")
    known = {phone_canonical(order.receiver_phone), phone_canonical(order.customer.phone)} - {""} if order else set()
    if order is None or not given or given not in known:
        # One message for both cases: the form must not tell which order numbers exist.
        raise ValidationError({"order_number": [_error(_("No order matches this order number and phone number."), "order_not_found")]})
    errors = {}
    if type not in TicketType.values:
        errors["type"] = [_error(_("Select a valid choice: %(choices)s."), "invalid_choice", choices=", ".join(TicketType.values))]
    if len(description) < 5:
        errors["description"] = [_error(_("Please describe the problem in a few words."), "too_short")]
    if errors:
        raise ValidationError(errors)
    return ticket_create(
        actor=None, customer=order.customer, type=type, description=description, order=order, channel=TicketChannel.WEB_FORM
    )


# --- the workflow ---------------------------------------------------------------------------


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


# --- replies and notes ----------------------------------------------------------------------


def _relay_to_customer(ticket: Ticket, *, body: str, actor: User | None):
    """Send a public reply into the customer's conversation (the ticket's, else their latest); None without one."""
    from kefu.conversations import services as conversation_services

    conversation = ticket.conversation or conversation_services.conversation_for_customer(customer=ticket.customer)
    if conversation is None:
        return None
    return conversation_services.message_send(
        conversation=conversation,
        sender_kind=SenderKind.AGENT if actor is not None else SenderKind.SYSTEM,
        body=body,
        sender_user=actor,
        client_id=f"ticket-{ticket.pk}-{timezone.now().timestamp():.6f}",
    )


def ticket_comment_add(
    *, ticket: Ticket, actor: User | None, body: str, is_internal: bool = False, cited_rule: AfterSalesRule | None = None
) -> TicketComment:
    """Reply to the customer (relayed to their conversation) or add an internal note; the first reply stamps the response."""
    _require_access(actor, ticket)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_error(_("This field is required."), "required")]})
    if len(body) > 5000:
        raise ValidationError({"body": [_error(_("Ensure this value has at most %(limit)s characters."), "max_length", limit=5000)]})
    with transaction.atomic():
        current = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if current.status == TicketStatus.CLOSED:
            raise ValidationError(_("A closed ticket is archived and cannot be changed."), code="closed")
        message = None if is_internal else _relay_to_customer(current, body=body, actor=actor)
        now = timezone.now()
        comment = TicketComment.objects.create(
            ticket=current,
            author=actor if actor is not None and actor.pk else None,
            body=body,
            is_internal=is_internal,
            cited_rule=cited_rule,
            message=message,
            created_at=now,
        )
        updates: dict[str, Any] = {"updated_at": now}
        if not is_internal and actor is not None and current.first_response_at is None:
            updates["first_response_at"] = now
        Ticket.objects.filter(pk=current.pk).update(**updates)
        action = TicketEventAction.NOTE_ADDED if is_internal else TicketEventAction.COMMENTED
        params: dict[str, Any] = {"comment_id": comment.pk}
        if cited_rule is not None:
            params["rule"] = cited_rule.code
        _event_record(current, action, actor=actor, at=now, **params)
        _publish_update(current, action, actor, params)
    return comment


def rule_citation(rule: AfterSalesRule) -> str:
    return _("Under our after-sales rule %(code)s “%(title)s”: %(clause)s") % {
        "code": rule.code,
        "title": rule.title,
        "clause": rule.clause,
    }


def ticket_decline_with_rule(*, ticket: Ticket, actor: User | None, rule: AfterSalesRule, body: str = "") -> TicketComment:
    """Refuse a request citing the shop's rule (售后制度), not the agent's opinion; the rule goes with the reply."""
    if not rule.enabled:
        raise ValidationError({"rule_id": [_error(_("Rule %(code)s is not in force."), "rule_disabled", code=rule.code)]})
    text = "\n\n".join(part for part in ((body or "").strip(), rule_citation(rule)) if part)
    with transaction.atomic():
        comment = ticket_comment_add(ticket=ticket, actor=actor, body=text, cited_rule=rule)
        _event_record(ticket, TicketEventAction.DECLINED, actor=actor, rule=rule.code, comment_id=comment.pk)
    return comment


# --- playbook checklists --------------------------------------------------------------------


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


# --- saved list views -----------------------------------------------------------------------


def saved_view_save(*, user: User, name: str, query: str) -> SavedView:
    """Keep the list's current filters under a name; saving the same name again replaces them."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_error(_("This field is required."), "required")]})
    if len(name) > 64:
        raise ValidationError({"name": [_error(_("Ensure this value has at most %(limit)s characters."), "max_length", limit=64)]})
    query = (query or "").lstrip("?")[:500]
    view, _created = SavedView.objects.update_or_create(user=user, name=name, defaults={"query": query})
    return view


def saved_view_delete(*, user: User, view_id: int) -> None:
    SavedView.objects.filter(user=user, pk=view_id).delete()


def ticket_actions_for(user: User | None, ticket: Ticket) -> dict[str, bool]:
    """Say which actions the ticket page offers the user."""
    can_write = user is None or (user_can(user, Capability.TICKET_WRITE) and ticket_can_see(user, ticket))
    return {
        "write": can_write and ticket.status != TicketStatus.CLOSED,
        "assign_others": user is None or user_can(user, Capability.TICKET_ASSIGN),
        "returns": can_write and (user is None or user_can(user, Capability.RETURN_WRITE)),
        "approve_money": user is None or user_can(user, Capability.REFUND_APPROVE),
    }
