"""Follow-up visits (回访): ask the customer, some days after resolution, whether it is solved.

Resolving a ticket schedules a visit (reaction to "ticket.transitioned"); a periodic task
sends the due ones on the customer's channel (their conversation, else e-mail) with a link to
a public page, and moves the ticket to follow-up. The answer is written on the ticket: not
solved reopens it, solved closes and archives it; no answer in time closes it as well.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.conversations.enums import SenderKind
from kefu.inboxes.enums import ChannelType

from .enums import TicketStatus
from .models import CustomerChannel, FollowUpVisit, NotificationKind, Ticket, TicketSettings
from .notifications import notify, public_url
from .sla import sla_recipients, ticket_url

logger = logging.getLogger(__name__)

TOKEN_SALT = "kefu.tickets.followup"
BATCH = 200
CHAT_CHANNELS = (ChannelType.WEB, ChannelType.API)  # conversations where a message reaches the customer


def ticket_settings() -> TicketSettings:
    """Return the after-sales settings row (its defaults when none was saved)."""
    return TicketSettings.objects.order_by("pk").first() or TicketSettings()


def _pending(ticket_id: int):
    return FollowUpVisit.objects.filter(ticket_id=ticket_id, answered_at__isnull=True, cancelled_at__isnull=True, expired_at__isnull=True)


def follow_up_schedule(*, ticket: Ticket, at: datetime.datetime | None = None) -> FollowUpVisit:
    """Schedule the visit for the configured delay after resolution; a pending visit is kept, not doubled."""
    existing = _pending(ticket.pk).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    delay = datetime.timedelta(minutes=ticket_settings().follow_up_delay_minutes)
    try:
        with transaction.atomic():
            return FollowUpVisit.objects.create(ticket=ticket, scheduled_for=at + delay, created_at=at)
    except IntegrityError:  # scheduled concurrently
        return _pending(ticket.pk).get()


def follow_up_cancel(*, ticket: Ticket, at: datetime.datetime | None = None) -> int:
    """Cancel the ticket's open visit: it was reopened or closed by an agent before the customer answered."""
    return _pending(ticket.pk).update(cancelled_at=at or timezone.now())


def follow_up_token(visit: FollowUpVisit) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(visit.token)


def follow_up_url(visit: FollowUpVisit) -> str:
    return public_url(reverse("tickets_followup:answer", args=[follow_up_token(visit)]))


def follow_up_from_token(signed: str) -> FollowUpVisit | None:
    """Return the visit a signed link names, None for a forged, unknown or very old link."""
    max_age = datetime.timedelta(days=ticket_settings().follow_up_answer_days + 30)
    try:
        raw = signing.TimestampSigner(salt=TOKEN_SALT).unsign(signed, max_age=max_age)
    except signing.BadSignature:
        return None
    return FollowUpVisit.objects.select_related("ticket", "ticket__customer").filter(token=raw).first()


def _question(visit: FollowUpVisit) -> str:
    ticket = visit.ticket
    return _(
        "Hello %(name)s, this is the shop's after-sales team following up on your request %(number)s (%(subject)s). "
        "Is the problem solved, and how satisfied are you with our service? Please tell us here: %(url)s"
    ) % {"name": ticket.customer.name or _("dear customer"), "number": ticket.number, "subject": ticket.subject, "url": follow_up_url(visit)}


def customer_conversation(*, customer, ticket: Ticket | None = None):
    """Return the chat conversation through which a message reaches the customer, None without one.

    The ticket's own conversation first, then the customer's latest, then their latest chat.
    """
    from kefu.conversations.models import Conversation
    from kefu.conversations.services import conversation_for_customer

    if ticket is not None and ticket.conversation_id and ticket.conversation.inbox.channel in CHAT_CHANNELS:
        return ticket.conversation
    latest = conversation_for_customer(customer=customer)
    if latest is not None and latest.inbox.channel in CHAT_CHANNELS:
        return latest
    return Conversation.objects.filter(customer=customer, inbox__channel__in=CHAT_CHANNELS).order_by("-last_activity_at", "-pk").first()


def customer_message(*, ticket: Ticket | None, customer, body: str, subject: str, client_id: str, actor=None):
    """Reach a customer on their channel: their chat conversation, else e-mail; return (channel, message or None)."""
    from kefu.conversations.services import message_send

    conversation = customer_conversation(customer=customer, ticket=ticket)
    if conversation is not None:
        message = message_send(
            conversation=conversation,
            sender_kind=SenderKind.AGENT if actor is not None else SenderKind.SYSTEM,
            sender_user=actor,
            body=body,
            client_id=client_id,
        )
        return CustomerChannel.CONVERSATION, message
    if customer.email:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[customer.email])
        return CustomerChannel.EMAIL, None
    return CustomerChannel.NONE, None


def follow_up_send(*, visit: FollowUpVisit, now: datetime.datetime | None = None) -> FollowUpVisit:
    """Ask the customer and move the ticket to follow-up; a visit whose ticket is no longer resolved is cancelled."""
    from .services import ticket_transition

    now = now or timezone.now()
    with transaction.atomic():
        visit = FollowUpVisit.objects.select_for_update(of=("self",)).select_related("ticket", "ticket__customer", "ticket__conversation__inbox").get(pk=visit.pk)
        if visit.sent_at or visit.cancelled_at or visit.answered_at or visit.expired_at:
            return visit
        ticket = visit.ticket
        if ticket.status != TicketStatus.RESOLVED:
            visit.cancelled_at = now
            visit.save(update_fields=["cancelled_at"])
            return visit
        with translation.override(settings.LANGUAGE_CODE):
            body = _question(visit)
            subject = _("How did we do? Your request %(number)s") % {"number": ticket.number}
            channel, _message = customer_message(
                ticket=ticket, customer=ticket.customer, body=body, subject=subject, client_id=f"followup-{visit.pk}"
            )
            note = {
                CustomerChannel.CONVERSATION: _("Follow-up visit sent as a chat message."),
                CustomerChannel.EMAIL: _("Follow-up visit sent by e-mail."),
                CustomerChannel.NONE: _("Follow-up visit due, but the customer has no conversation and no e-mail address."),
            }[channel]
        visit.sent_at, visit.sent_via = now, channel
        visit.save(update_fields=["sent_at", "sent_via"])
        ticket_transition(ticket=ticket, to_status=TicketStatus.FOLLOW_UP, actor=None, note=note)
    return visit


def follow_up_answer(*, visit: FollowUpVisit, solved: bool, rating: int | None, comment: str = "") -> FollowUpVisit:
    """Record the customer's answer on the ticket: not solved reopens it, solved closes and archives it."""
    from .services import ticket_transition

    comment = (comment or "").strip()
    errors: dict[str, list[str]] = {}
    if rating is None or not 1 <= int(rating) <= 5:
        errors["rating"] = [_("Choose a satisfaction from 1 to 5.")]
    if len(comment) > 1000:
        errors["comment"] = [_("Ensure this value has at most %(limit)s characters.") % {"limit": 1000}]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        visit = FollowUpVisit.objects.select_for_update(of=("self",)).select_related("ticket", "ticket__customer").get(pk=visit.pk)
        if visit.answered_at is not None:
            raise ValidationError(_("Thank you, we already have your answer."), code="answered")
        if visit.cancelled_at is not None or visit.expired_at is not None:
            raise ValidationError(_("This follow-up is closed; please contact us in the chat if you still need help."), code="closed")
        visit.answered_at, visit.solved, visit.rating, visit.comment = now, solved, int(rating), comment
        visit.save(update_fields=["answered_at", "solved", "rating", "comment"])
        ticket = Ticket.objects.select_for_update().get(pk=visit.ticket_id)
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Follow-up answer: %(solved)s, satisfaction %(rating)s/5.") % {
                "solved": _("solved") if solved else _("not solved"),
                "rating": visit.rating,
            }
            if comment:
                note += " " + _("Customer's comment: %(comment)s") % {"comment": comment}
        if solved:
            if ticket.status == TicketStatus.RESOLVED:
                ticket = ticket_transition(ticket=ticket, to_status=TicketStatus.FOLLOW_UP, actor=None, note=note)
            if ticket.status == TicketStatus.FOLLOW_UP:
                ticket_transition(ticket=ticket, to_status=TicketStatus.CLOSED, actor=None, note=note)
        elif ticket.status in (TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP):
            ticket = ticket_transition(ticket=ticket, to_status=TicketStatus.IN_PROGRESS, actor=None, note=note)
            title = _("Ticket %(number)s reopened: the customer says it is not solved") % {"number": ticket.number}
            notify(users=sla_recipients(ticket), kind=NotificationKind.FOLLOW_UP, title=title, body=note, url=ticket_url(ticket))
    return visit


def follow_up_expire(*, visit: FollowUpVisit, now: datetime.datetime | None = None) -> FollowUpVisit:
    """Close the ticket of a visit left unanswered past the answer window."""
    from .services import ticket_transition

    now = now or timezone.now()
    with transaction.atomic():
        visit = FollowUpVisit.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=visit.pk)
        if visit.answered_at or visit.cancelled_at or visit.expired_at or not visit.sent_at:
            return visit
        visit.expired_at = now
        visit.save(update_fields=["expired_at"])
        if visit.ticket.status == TicketStatus.FOLLOW_UP:
            with translation.override(settings.LANGUAGE_CODE):
                note = _("No answer to the follow-up visit: closed and archived.")
            ticket_transition(ticket=visit.ticket, to_status=TicketStatus.CLOSED, actor=None, note=note)
    return visit


def follow_ups_process(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send the visits that are due and close the tickets whose visit went unanswered (the periodic task)."""
    now = now or timezone.now()
    counts = {"sent": 0, "expired": 0}
    due = FollowUpVisit.objects.filter(
        sent_at__isnull=True, cancelled_at__isnull=True, answered_at__isnull=True, expired_at__isnull=True, scheduled_for__lte=now
    ).order_by("scheduled_for")[:BATCH]
    for visit in due:
        try:
            if follow_up_send(visit=visit, now=now).sent_at:
                counts["sent"] += 1
        except Exception:
            logger.exception("Follow-up visit %s could not be sent", visit.pk)
    answer_window = datetime.timedelta(days=ticket_settings().follow_up_answer_days)
    stale = FollowUpVisit.objects.filter(
        sent_at__lte=now - answer_window, answered_at__isnull=True, cancelled_at__isnull=True, expired_at__isnull=True
    ).order_by("sent_at")[:BATCH]
    for visit in stale:
        try:
            if follow_up_expire(visit=visit, now=now).expired_at:
                counts["expired"] += 1
        except Exception:
            logger.exception("Follow-up visit %s could not be closed", visit.pk)
    return counts


def on_ticket_transitioned(event) -> None:
    """Schedule a visit on resolution; cancel the open one when an agent reopens or closes the ticket."""
    ticket = Ticket.objects.filter(pk=event.ticket_id).first()
    if ticket is None:
        return
    if event.to_status == TicketStatus.RESOLVED:
        follow_up_schedule(ticket=ticket, at=event.at)
    elif event.reopened or event.to_status == TicketStatus.CLOSED:
        follow_up_cancel(ticket=ticket, at=event.at)
