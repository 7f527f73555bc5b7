"""Replies to the customer (relayed to their conversation), internal notes, and refusals that cite the shop's rule."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.conversations.enums import SenderKind
from kefu.knowledge.models import AfterSalesRule

from ..enums import TicketEventAction, TicketStatus
from ..models import Ticket, TicketComment
from .timeline import _error, _event_record, _publish_update, _require_access


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
