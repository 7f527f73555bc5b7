"""Incidents (危机): notice a surge of similar tickets early, tell every affected customer first.

The detector counts new tickets by cause (the ticket type, or a complaint's cause), product and
carrier in a sliding window (two hours by default) and compares each count with the same
window at the same time of day on each of the past days (28 by default). It raises an
incident when the count reaches ``max(min_count, mean + k·std, mean + k_p·√mean)``: the
Poisson floor keeps a key whose past counts happen to be flat (std 0) from firing on a
handful of tickets. A surge explained by a sharper one (the carriers' counts lifted by a
wave of wrong-item tickets) is not raised twice. One incident stays open per (dimension,
key); a growing surge updates it.
The thresholds are the ``TicketSettings`` row: supervisors edit them on /tickets/settings/ (``ticket_settings_save``).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.accounts.enums import Role
from kefu.accounts.models import User
from kefu.catalog.models import Product
from kefu.customers.models import Customer
from kefu.events import Event, event_send_on_commit
from kefu.orders.models import Order

from .enums import ComplaintCause, TicketType
from .followups import CHAT_CHANNELS, customer_message, ticket_settings
from .models import (
    CustomerChannel,
    Incident,
    IncidentContact,
    IncidentDimension,
    IncidentEvent,
    IncidentStatus,
    NotificationKind,
    Ticket,
    TicketSettings,
)
from .notifications import notify

logger = logging.getLogger(__name__)

DAY = datetime.timedelta(days=1)
MESSAGE_LIMIT = 2000


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentChanged(Event):
    """An incident was raised, grew or changed status: the supervisors' pages repaint."""

    type: ClassVar[str] = "incident.changed"
    incident_id: int
    title: str
    status: str
    observed_count: int
    action: str


@dataclasses.dataclass(frozen=True)
class Surge:
    """A count far above its usual level, as the detector saw it."""

    dimension: str
    key: str
    count: int
    mean: float
    std: float
    threshold: float
    window_start: datetime.datetime
    window_end: datetime.datetime
    ticket_ids: tuple[int, ...]


def _keys(ticket_type: str, cause: str, product_id: int | None, carrier: str | None) -> list[tuple[str, str]]:
    cause_key = f"complaint:{cause}" if ticket_type == TicketType.COMPLAINT and cause else ticket_type
    keys = [(IncidentDimension.CAUSE.value, cause_key)]
    if product_id:
        keys.append((IncidentDimension.PRODUCT.value, str(product_id)))
    if carrier:
        keys.append((IncidentDimension.CARRIER.value, carrier))
    return keys


def _threshold(mean: float, std: float, config: TicketSettings) -> float:
    return max(
        float(config.incident_min_count),
        mean + config.incident_std_factor * std,
        mean + config.incident_poisson_factor * math.sqrt(mean),
    )


def incidents_evaluate(*, now: datetime.datetime | None = None, config: TicketSettings | None = None) -> list[Surge]:
    """Return the surges in the window ending ``now``; reads only (the test replays history with it)."""
    now = now or timezone.now()
    config = config or ticket_settings()
    window = datetime.timedelta(minutes=config.incident_window_minutes)
    if window >= DAY:
        raise ValueError("The incident window must be shorter than a day")
    history = config.incident_history_days
    rows = Ticket.objects.filter(created_at__gt=now - history * DAY - window, created_at__lte=now).values_list(
        "pk", "created_at", "type", "cause", "product_id", "order__carrier"
    )
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (history + 1))
    current: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, created_at, ticket_type, cause, product_id, carrier in rows:
        age = now - created_at
        day = int(age // DAY)
        # Day d's window is (now - d days - window, now - d days]: the same hours of an earlier day.
        if day > history or age - day * DAY >= window:
            continue
        for key in _keys(ticket_type, cause, product_id, carrier):
            counts[key][day] += 1
            if day == 0:
                current[key].append(pk)
    surges = []
    for (dimension, key), series in counts.items():
        count = series[0]
        if count < config.incident_min_count:
            continue
        past = series[1:]
        mean = sum(past) / len(past)
        std = math.sqrt(sum((value - mean) ** 2 for value in past) / len(past))
        threshold = _threshold(mean, std, config)
        if count >= threshold:
            surges.append(
                Surge(
                    dimension=dimension,
                    key=key,
                    count=count,
                    mean=mean,
                    std=std,
                    threshold=threshold,
                    window_start=now - window,
                    window_end=now,
                    ticket_ids=tuple(sorted(current[(dimension, key)])),
                )
            )
    return _explain_away(surges)


def _excess_share(surge: Surge) -> float:
    return (surge.count - surge.mean) / surge.count


def _explain_away(surges: list[Surge]) -> list[Surge]:
    """Keep one incident per real event: drop a surge that the tickets of a sharper one already explain.

    A warehouse fault lifts wrong-item tickets and, through them, every carrier's count; a
    defective product lifts its quality tickets. Surges are taken sharpest first (the largest
    share of the count above the usual level); a later one is kept only if its tickets outside
    the kept surges still reach its own threshold.
    """
    kept: list[Surge] = []
    explained: set[int] = set()
    for surge in sorted(surges, key=lambda item: (-_excess_share(item), -item.count, item.dimension, item.key)):
        if sum(1 for pk in surge.ticket_ids if pk not in explained) >= surge.threshold:
            kept.append(surge)
            explained.update(surge.ticket_ids)
    return sorted(kept, key=lambda surge: (-surge.count, surge.dimension, surge.key))


def incident_key_label(dimension: str, key: str) -> str:
    """Say what an incident's key is in words: 配货错漏, the product's name, the carrier."""
    if dimension == IncidentDimension.CAUSE:
        if key.startswith("complaint:"):
            cause = key.split(":", 1)[1]
            return f"{TicketType.COMPLAINT.label} · {ComplaintCause(cause).label}" if cause in ComplaintCause.values else key
        return str(TicketType(key).label) if key in TicketType.values else key
    if dimension == IncidentDimension.PRODUCT:
        name = Product.objects.filter(pk=int(key)).values_list("name", flat=True).first() if key.isdigit() else None
        return name or key
    return key


def _title(surge: Surge) -> str:
    hours = (surge.window_end - surge.window_start).total_seconds() / 3600
    return _("%(count)s tickets about %(what)s in %(hours)s hours (usually %(usual)s)") % {
        "count": surge.count,
        "what": incident_key_label(surge.dimension, surge.key),
        "hours": f"{hours:g}",
        "usual": f"{surge.mean:.1f}".removesuffix(".0"),  # "usually 0", "usually 1.5"
    }


def _publish(incident: Incident, action: str) -> None:
    event_send_on_commit(
        IncidentChanged(
            incident_id=incident.pk, title=incident.title, status=incident.status, observed_count=incident.observed_count, action=action
        ),
        groups=["supervisors"],
    )


def _supervisors() -> list[User]:
    return list(User.objects.filter(is_active=True, role__in=[Role.SUPERVISOR, Role.ADMIN]))


def incident_url(incident: Incident) -> str:
    return reverse("tickets_incidents:detail", args=[incident.pk])


def _link(incident: Incident, ticket_ids: Iterable[int]) -> None:
    ticket_ids = list(ticket_ids)
    incident.tickets.add(*ticket_ids)
    order_ids = Ticket.objects.filter(pk__in=ticket_ids, order__isnull=False).values_list("order_id", flat=True).distinct()
    incident.orders.add(*order_ids)


def incident_raise(*, surge: Surge) -> tuple[Incident, bool]:
    """Open an incident for a surge, or update the one open for its key; say whether it is new."""
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update().filter(dimension=surge.dimension, key=surge.key).exclude(status=IncidentStatus.RESOLVED).first()
        )
        if incident is not None:
            grew = surge.count > incident.observed_count
            incident.window_end = surge.window_end
            if grew:
                incident.observed_count = surge.count
            incident.save(update_fields=["window_end", "observed_count"])
            _link(incident, surge.ticket_ids)
            if grew:
                IncidentEvent.objects.create(incident=incident, action="grown", params={"count": surge.count})
                _publish(incident, "grown")
            return incident, False
        with translation.override(settings.LANGUAGE_CODE):
            title = _title(surge)
        try:
            with transaction.atomic():
                incident = Incident.objects.create(
                    title=title[:200],
                    dimension=surge.dimension,
                    key=surge.key,
                    window_start=surge.window_start,
                    window_end=surge.window_end,
                    observed_count=surge.count,
                    baseline=round(surge.mean, 3),
                    baseline_std=round(surge.std, 3),
                    threshold=round(surge.threshold, 3),
                )
        except IntegrityError:  # raised concurrently by another run
            return Incident.objects.get(dimension=surge.dimension, key=surge.key, status__in=_open_statuses()), False
        _link(incident, surge.ticket_ids)
        IncidentEvent.objects.create(
            incident=incident,
            action="raised",
            params={"count": surge.count, "mean": round(surge.mean, 3), "std": round(surge.std, 3), "threshold": round(surge.threshold, 3)},
        )
        _publish(incident, "raised")
        body = _("Review the linked tickets and orders, then message the affected customers first (第一时间主动沟通).")
        notify(users=_supervisors(), kind=NotificationKind.INCIDENT, title=title, body=body, url=incident_url(incident))
        return incident, True


def _open_statuses() -> list[str]:
    return [status for status in IncidentStatus.values if status != IncidentStatus.RESOLVED]


def incidents_detect(*, now: datetime.datetime | None = None) -> list[Incident]:
    """Evaluate the window ending now and raise or update an incident per surge (the periodic task)."""
    incidents = []
    for surge in incidents_evaluate(now=now):
        try:
            incidents.append(incident_raise(surge=surge)[0])
        except Exception:
            logger.exception("Incident for %s=%s could not be raised", surge.dimension, surge.key)
    return incidents


# --- the supervisor's work -------------------------------------------------------------------------


def _require_supervisor(actor: User | None) -> None:
    """Let supervisors, administrators and the system (None) handle incidents."""
    if actor is not None and not (actor.is_active and actor.is_supervisor_or_admin):
        raise PermissionDenied(_("Only supervisors and administrators may handle incidents."))


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _refuse_if_resolved(incident: Incident) -> None:
    if incident.status == IncidentStatus.RESOLVED:
        raise ValidationError(_("This incident is resolved; a new surge opens a new incident."), code="resolved")


def incident_acknowledge(*, incident: Incident, actor: User) -> Incident:
    """Take ownership of an open incident."""
    _require_supervisor(actor)
    with transaction.atomic():
        incident = _locked(incident)
        _refuse_if_resolved(incident)
        incident.owner = actor
        if incident.status == IncidentStatus.OPEN:
            incident.status, incident.acknowledged_at = IncidentStatus.ACKNOWLEDGED, timezone.now()
        incident.save(update_fields=["owner", "status", "acknowledged_at"])
        IncidentEvent.objects.create(incident=incident, actor=actor, action="acknowledged")
        _publish(incident, "acknowledged")
    return incident


def incident_link(*, incident: Incident, actor: User, ticket_numbers: Sequence[str] = (), order_numbers: Sequence[str] = ()) -> Incident:
    """Link more tickets (and their orders) and orders found by the supervisor."""
    _require_supervisor(actor)
    ticket_numbers = [number.strip() for number in ticket_numbers if number.strip()]
    order_numbers = [number.strip() for number in order_numbers if number.strip()]
    tickets = dict(Ticket.objects.filter(number__in=ticket_numbers).values_list("number", "pk"))
    orders = dict(Order.objects.filter(number__in=order_numbers).values_list("number", "pk"))
    unknown = [number for number in ticket_numbers if number not in tickets] + [number for number in order_numbers if number not in orders]
    if unknown:
        raise ValidationError(_("Not found: %(numbers)s") % {"numbers": ", ".join(unknown)}, code="not_found")
    with transaction.atomic():
        incident = _locked(incident)
        _refuse_if_resolved(incident)
        _link(incident, tickets.values())
        incident.orders.add(*orders.values())
        IncidentEvent.objects.create(incident=incident, actor=actor, action="linked", params={"tickets": ticket_numbers, "orders": order_numbers})
    return incident


def incident_customers(incident: Incident) -> list[Customer]:
    """Return every affected customer once: those of the linked tickets and of the linked orders."""
    ids = set(incident.tickets.values_list("customer_id", flat=True)) | set(incident.orders.values_list("customer_id", flat=True))
    return list(Customer.objects.filter(pk__in=ids).order_by("pk"))


def customers_reach(customers: Sequence[Customer]) -> dict[str, int]:
    """Count how a message would reach these customers: by chat, else by e-mail, else not at all."""
    from kefu.conversations.models import Conversation

    by_chat = set(
        Conversation.objects.filter(customer__in=customers, inbox__channel__in=CHAT_CHANNELS).values_list("customer_id", flat=True)
    )
    by_email = {customer.pk for customer in customers if customer.email} - by_chat
    return {
        CustomerChannel.CONVERSATION.value: len(by_chat),
        CustomerChannel.EMAIL.value: len(by_email),
        CustomerChannel.NONE.value: len(customers) - len(by_chat) - len(by_email),
    }


def incident_message_customers(*, incident: Incident, body: str, actor: User | None) -> IncidentEvent:
    """Send one proactive message to every affected customer through their channel, and record who was reached how."""
    _require_supervisor(actor)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("This field is required.")]})
    if len(body) > MESSAGE_LIMIT:
        raise ValidationError({"body": [_("Ensure this value has at most %(limit)s characters.") % {"limit": MESSAGE_LIMIT}]})
    with transaction.atomic():
        incident = _locked(incident)
        _refuse_if_resolved(incident)
        # A second click, or a reload that posts again, must not send every customer the same words twice.
        previous = incident.events.filter(action="customers_messaged").order_by("-created_at", "-id").first()
        if previous is not None and previous.params.get("body") == body:
            raise ValidationError(
                {"body": [_("This message was already sent to the affected customers at %(time)s; write the news to add.")
                          % {"time": timezone.localtime(previous.created_at).strftime("%Y-%m-%d %H:%M")}]},
            )  # fmt: skip
        event = IncidentEvent.objects.create(incident=incident, actor=actor, action="customers_messaged", params={"body": body})
        tickets_by_customer: dict[int, Ticket] = {}
        for ticket in incident.tickets.select_related("customer", "conversation__inbox").order_by("-created_at"):
            tickets_by_customer.setdefault(ticket.customer_id, ticket)
        tally = {channel: 0 for channel in CustomerChannel.values}
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("A message from the shop about your order")
        for customer in incident_customers(incident):
            channel, message = customer_message(
                ticket=tickets_by_customer.get(customer.pk),
                customer=customer,
                body=body,
                subject=subject,
                client_id=f"incident-{event.pk}-{customer.pk}",
                actor=actor,
            )
            IncidentContact.objects.create(incident=incident, event=event, customer=customer, channel=channel, message=message)
            tally[channel] += 1
        event.params = {"body": body, **tally}
        event.save(update_fields=["params"])
        if incident.status in (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED):
            incident.status = IncidentStatus.COMMUNICATING
            incident.owner = incident.owner or actor
            incident.acknowledged_at = incident.acknowledged_at or timezone.now()
            incident.save(update_fields=["status", "owner", "acknowledged_at"])
        _publish(incident, "customers_messaged")
    return event


def incident_resolve(*, incident: Incident, actor: User | None, note: str = "") -> Incident:
    """Close the incident; its key may raise a new one later."""
    _require_supervisor(actor)
    with transaction.atomic():
        incident = _locked(incident)
        _refuse_if_resolved(incident)
        incident.status, incident.resolved_at = IncidentStatus.RESOLVED, timezone.now()
        incident.save(update_fields=["status", "resolved_at"])
        IncidentEvent.objects.create(incident=incident, actor=actor, action="resolved", params={"note": (note or "").strip()})
        _publish(incident, "resolved")
    return incident
