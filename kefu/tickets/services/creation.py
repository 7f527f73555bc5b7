"""Opening tickets, four ways in: the workbench, a conversation (one click), the API and the customer's own form."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Team, User
from kefu.accounts.permissions import Capability, permission_require
from kefu.conversations.enums import SenderKind
from kefu.conversations.models import Conversation
from kefu.customers.models import Customer
from kefu.customers.phones import phone_canonical
from kefu.events import event_send_on_commit
from kefu.orders.models import Order, OrderItem

from ..enums import ComplaintCause, TicketChannel, TicketEventAction, TicketPriority, TicketStatus, TicketType
from ..events import TicketCreated, ticket_groups
from ..models import Ticket
from .timeline import _error, _event_record

QUOTED_MESSAGES = 10  # how many of a conversation's last messages a new ticket quotes


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
    elif assignee is not None and team is not None and not assignee.is_supervisor_or_admin and not assignee.teams.filter(pk=team.pk).exists():
        # The same rule as ticket_assign: an agent works the tickets of their own teams.
        errors["assignee_id"] = [_error(_("%(name)s is not in team %(team)s."), "not_in_team", name=str(assignee), team=team.name)]
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
