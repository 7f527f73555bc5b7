"""Planning the demo's after-sales history: which orders get which tickets, when, and how each one goes.

Pure drawing from a seeded generator over the demo's orders; nothing here writes. A year of
tickets whose lives end long before today (resolved, visited, archived), the last days'
tickets cut at the present in whatever state they have reached, and a handful of current
tickets placed so their SLA clocks stand at chosen points: some fresh, some near a breach, a
few breached.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from kefu.orders.enums import OrderStatus
from kefu.orders.models import Order, OrderItem
from kefu.tickets.enums import TicketPriority, TicketStatus, TicketType

from ..content import aftersales_tickets as content
from .constants import SHOP_TZ

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
TICKETS_PER_MONTH = 22
OPEN_WITHIN_DAYS = 14  # no ticket older than this is still open: the tests hold the demo to it
PRIORITY_WEIGHTS = [(TicketPriority.URGENT, 5), (TicketPriority.HIGH, 18), (TicketPriority.NORMAL, 67), (TicketPriority.LOW, 10)]
# The current tickets: (status reached, priority, share of the running SLA target used at load time)
CURRENT = [
    (TicketStatus.NEW, TicketPriority.NORMAL, 0.35),
    (TicketStatus.NEW, TicketPriority.HIGH, 1.6),
    (TicketStatus.ASSIGNED, TicketPriority.NORMAL, 0.88),
    (TicketStatus.IN_PROGRESS, TicketPriority.NORMAL, 0.3),
    (TicketStatus.IN_PROGRESS, TicketPriority.HIGH, 0.9),
    (TicketStatus.IN_PROGRESS, TicketPriority.URGENT, 1.8),
    (TicketStatus.IN_PROGRESS, TicketPriority.LOW, 0.15),
    (TicketStatus.WAITING_CUSTOMER, TicketPriority.NORMAL, 0.5),
    (TicketStatus.WAITING_CARRIER, TicketPriority.NORMAL, 0.6),
    (TicketStatus.WAITING_CARRIER, TicketPriority.HIGH, 0.85),
    (TicketStatus.IN_PROGRESS, TicketPriority.NORMAL, 1.3),
    (TicketStatus.RESOLVED, TicketPriority.NORMAL, 0.6),  # resolved lately: their follow-up visits are due in the coming days
    (TicketStatus.RESOLVED, TicketPriority.LOW, 0.4),
]
CURRENT_TYPES = [
    TicketType.LATE_DELIVERY, TicketType.QUALITY, TicketType.TRANSPORT_DAMAGE, TicketType.RETURN, TicketType.COMPLAINT,
    TicketType.WRONG_OR_MISSING, TicketType.TECHNICAL, TicketType.EXCHANGE, TicketType.LATE_DELIVERY, TicketType.NOT_AS_DESCRIBED,
    TicketType.REPAIR, TicketType.TECHNICAL, TicketType.WRONG_OR_MISSING,
]  # fmt: skip
POST_DELIVERY = frozenset(content.AFTER_DELIVERY)
REFUNDED = frozenset({OrderStatus.REFUNDED, OrderStatus.REFUNDING})  # refunded on the platform already: no after-sales case left


@dataclasses.dataclass
class Story:
    """One ticket to write: who, what, when, and the workflow steps it goes through (cut at the present)."""

    created: dt.datetime
    type: str
    order: Order
    item: OrderItem
    cause: str = ""
    priority: str = TicketPriority.NORMAL
    subject: str = ""
    description: str = ""
    steps: list[tuple[str, dt.datetime]] = dataclasses.field(default_factory=list)  # ("assign" or a status, when)
    waiting: str = ""
    stalled: bool = False
    reopen_on_visit: bool = False  # the customer will answer the first visit "not solved"


def office_hours(at: dt.datetime) -> dt.datetime:
    """Move an agent's step drawn in the small hours to the next morning: the after-sales desk opens at 08:30.

    The night (00:00-08:30) is squeezed into the first hour after opening, so steps keep their order.
    """
    local = at.astimezone(SHOP_TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    night = dt.timedelta(hours=8, minutes=30)
    if local - midnight >= night:
        return at
    return (midnight + night + (local - midnight) / 8.5).replace(microsecond=0)


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def is_late(order: Order, at: dt.datetime) -> bool:
    """Say whether the parcel is (or was) later than promised, as seen at an instant."""
    if not order.promised_delivery_by or not order.shipped_at or order.promised_delivery_by >= at:
        return False
    arrived = order.delivered_at if order.delivered_at and order.delivered_at <= at else at
    return arrived.astimezone(SHOP_TZ).date() > order.promised_delivery_by.astimezone(SHOP_TZ).date()


def _fits(ticket_type: str, order: Order, created: dt.datetime, cause_needs_delivery: bool = False) -> bool:
    """Say whether a ticket of this type can open on the order at that instant (the parcel must be where the text says)."""
    if not order.paid_at or created <= order.paid_at + HOUR:
        return False
    if ticket_type == TicketType.LATE_DELIVERY:
        return order.promised_delivery_by is not None and is_late(order, created)
    if ticket_type in POST_DELIVERY or cause_needs_delivery:
        return order.delivered_at is not None and order.delivered_at + HOUR < created
    return True


def _created_for(rng: random.Random, ticket_type: str, order: Order) -> dt.datetime | None:
    if ticket_type == TicketType.LATE_DELIVERY:
        return order.promised_delivery_by + dt.timedelta(hours=rng.uniform(14, 60))
    if ticket_type in POST_DELIVERY:
        if order.delivered_at is None:
            return None
        return order.delivered_at + dt.timedelta(hours=rng.uniform(2, 2000 if ticket_type == TicketType.REPAIR else 120))
    return order.paid_at + dt.timedelta(hours=rng.uniform(2, 240))


def _text(rng: random.Random, story: Story, tz) -> None:
    order = story.order
    local = lambda moment: moment.astimezone(tz).strftime("%m月%d日") if moment else ""  # noqa: E731
    arrived = order.delivered_at if order.delivered_at and order.delivered_at <= story.created else None
    days = (arrived.astimezone(tz).date() - order.promised_delivery_by.astimezone(tz).date()).days if arrived and order.promised_delivery_by else 0
    values = {
        "item": story.item.title[:20], "carrier": order.carrier or "快递", "tracking": order.tracking_number,
        "promised": local(order.promised_delivery_by), "delivered": local(arrived), "days": days,
    }  # fmt: skip
    if story.type == TicketType.LATE_DELIVERY:
        subject, description = rng.choice(content.LATE_ARRIVED if arrived else content.LATE_IN_TRANSIT)
    elif story.type == TicketType.COMPLAINT:
        choices = [(s, d) for s, d, needs in content.COMPLAINTS[story.cause] if arrived or not needs]
        subject, description = rng.choice(choices)
    elif story.type in content.ANY_TIME:
        subject, description = rng.choice(content.ANY_TIME[story.type])
    else:
        subject, description = rng.choice(content.AFTER_DELIVERY[story.type])
    story.subject, story.description = subject.format(**values), description.format(**values)


def _life(rng: random.Random, story: Story, cut: dt.datetime) -> None:
    """Draw the workflow steps after creation; a parcel still on its way keeps the ticket waiting on the carrier."""
    order = story.order
    at = story.created + dt.timedelta(hours=rng.uniform(0.1, 2))
    steps = [("assign", at)]
    at += dt.timedelta(hours=rng.uniform(0.05, 1))
    steps.append((TicketStatus.IN_PROGRESS, at))
    in_transit = story.type == TicketType.LATE_DELIVERY and (order.delivered_at is None or order.delivered_at > story.created)
    if in_transit:
        story.waiting = TicketStatus.WAITING_CARRIER
        at += dt.timedelta(hours=rng.uniform(0.5, 3))
        steps.append((TicketStatus.WAITING_CARRIER, at))
        arrival = order.delivered_at or cut + DAY  # not arrived yet: waits past the present
        at = max(at, arrival) + dt.timedelta(hours=rng.uniform(1, 8))
        steps.append((TicketStatus.IN_PROGRESS, at))
    elif story.waiting:
        at += dt.timedelta(hours=rng.uniform(0.5, 6))
        steps.append((story.waiting, at))
        at += dt.timedelta(hours=rng.uniform(4, 40))
        steps.append((TicketStatus.IN_PROGRESS, at))
    at += dt.timedelta(hours=rng.uniform(1, 20) if rng.random() < 0.85 else rng.uniform(20, 72))
    steps.append((TicketStatus.RESOLVED, at))
    story.steps = _by_day(steps)


def _by_day(steps: list[tuple[str, dt.datetime]]) -> list[tuple[str, dt.datetime]]:
    """Move the agents' steps out of the night, keeping them in order."""
    result, previous = [], None
    for status, at in steps:
        at = office_hours(at)
        if previous is not None and at <= previous:
            at = previous + dt.timedelta(minutes=3)
        result.append((status, at))
        previous = at
    return result


def plan_history(*, rng: random.Random, anchor: dt.datetime, orders: list[Order], lines: dict[int, list[OrderItem]]) -> list[Story]:
    """Draw a year of tickets over the paid orders, oldest first."""
    tz = anchor.tzinfo
    cut = anchor - dt.timedelta(minutes=5)
    paid = [o for o in orders if o.paid_at and o.paid_amount > 0 and o.status not in REFUNDED and lines.get(o.pk)]
    pools = {
        TicketType.LATE_DELIVERY: [o for o in paid if o.promised_delivery_by and is_late(o, cut)],
        "delivered": [o for o in paid if o.delivered_at],
    }
    types = list(content.TYPE_WEIGHTS)
    weights = [content.TYPE_WEIGHTS[t] for t in types]
    total = TICKETS_PER_MONTH * 12
    plan = types * 2 + rng.choices(types, weights=weights, k=total - 2 * len(types))
    used: set[int] = set()
    stories = []
    for ticket_type in plan:
        cause = _weighted(rng, list(content.COMPLAINT_CAUSE_WEIGHTS.items())) if ticket_type == TicketType.COMPLAINT else ""
        if ticket_type == TicketType.SERVICE_ATTITUDE:
            cause = "service"
        pool = pools.get(ticket_type) or (pools["delivered"] if ticket_type in POST_DELIVERY else paid)
        for _attempt in range(12):
            order = pool[rng.randrange(len(pool))]
            if order.pk in used:
                continue
            created = _created_for(rng, ticket_type, order)
            if created is None:
                continue
            created = created.replace(microsecond=0)
            needs = ticket_type == TicketType.COMPLAINT and all(needs for _s, _d, needs in content.COMPLAINTS[cause])
            if anchor - 365 * DAY <= created < anchor - HOUR and _fits(ticket_type, order, created, needs):
                break
        else:
            continue
        used.add(order.pk)
        story = Story(created=created, type=ticket_type, order=order, item=lines[order.pk][0], cause=cause)
        story.priority = _weighted(rng, PRIORITY_WEIGHTS if ticket_type != TicketType.COMPLAINT else [(TicketPriority.HIGH, 45), (TicketPriority.NORMAL, 50), (TicketPriority.URGENT, 5)])
        if rng.random() < 0.4 and ticket_type != TicketType.LATE_DELIVERY:
            story.waiting = TicketStatus.WAITING_CARRIER if ticket_type == TicketType.WRONG_OR_MISSING else TicketStatus.WAITING_CUSTOMER
        _text(rng, story, tz)
        _life(rng, story, cut)
        if created > anchor - DAY and rng.random() < 0.3:  # the last day's tickets: a few not picked up yet
            story.steps, story.stalled = [], True
        stories.append(story)
    stories.sort(key=lambda s: (s.created, s.order.number))
    # One customer answers the visit "not solved": the ticket reopens, is worked again and visited again.
    for story in stories:
        if story.type in (TicketType.QUALITY, TicketType.EXCHANGE, TicketType.REPAIR) and anchor - 60 * DAY < story.created < anchor - 20 * DAY:
            story.reopen_on_visit = True
            break
    return stories


def plan_current(*, rng: random.Random, now: dt.datetime, anchor: dt.datetime, calendar, policies: dict[str, tuple[int, int]],
                 orders: list[Order], lines: dict[int, list[OrderItem]], used: set[int]) -> list[Story]:  # fmt: skip
    """Place the current tickets so each clock has used its chosen share of the running target when the demo loads.

    They may open earlier today: placed before midnight, a demo loaded in the afternoon would find
    every clock the morning's business hours further on.
    """
    cut = now - dt.timedelta(minutes=5)
    paid = [o for o in orders if o.paid_at and o.paid_amount > 0 and o.status not in REFUNDED and lines.get(o.pk) and o.pk not in used]
    stories = []
    for (status, priority, share), ticket_type in zip(CURRENT, CURRENT_TYPES, strict=True):
        first_response, resolution = policies[priority]
        answered = status not in (TicketStatus.NEW, TicketStatus.ASSIGNED)
        target = dt.timedelta(minutes=(resolution if answered else first_response) * share)
        created = _business_ago(calendar, now, target)
        created = min(created, cut - dt.timedelta(minutes=rng.uniform(30, 90)))
        created = max(created, now - (OPEN_WITHIN_DAYS - 2) * DAY).replace(microsecond=0)
        cause = rng.choice(["service", "broken_promise"]) if ticket_type == TicketType.COMPLAINT else ""
        candidates = [o for o in paid if _fits(ticket_type, o, created) and _recent_enough(ticket_type, o, created)]
        if not candidates:
            continue
        order = candidates[rng.randrange(len(candidates))]
        paid.remove(order)
        used.add(order.pk)
        story = Story(created=created, type=ticket_type, order=order, item=lines[order.pk][0], cause=cause, priority=priority)
        _text(rng, story, anchor.tzinfo)
        assigned = office_hours(created + dt.timedelta(minutes=rng.uniform(4, 12)))  # picked up and answered within the first-response target
        if status == TicketStatus.NEW:
            story.stalled = True
        else:
            story.steps = [("assign", assigned)]
        if answered:
            story.steps.append((TicketStatus.IN_PROGRESS, assigned + dt.timedelta(minutes=rng.uniform(3, 12))))
        if status in (TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_CARRIER):
            story.waiting = status
            story.steps.append((status, assigned + (cut - assigned) * rng.uniform(0.3, 0.8)))
        if status == TicketStatus.RESOLVED:
            story.steps.append((status, office_hours(assigned + (cut - assigned) * rng.uniform(0.5, 0.8))))
        stories.append(story)
    return stories


# How long after the parcel (or the promise, for late delivery) a customer still writes about it, in days.
WRITES_WITHIN_DAYS = {
    TicketType.LATE_DELIVERY: 3, TicketType.TRANSPORT_DAMAGE: 2, TicketType.WRONG_OR_MISSING: 4, TicketType.RETURN: 7,
    TicketType.EXCHANGE: 7, TicketType.NOT_AS_DESCRIBED: 6, TicketType.REFUND: 7, TicketType.QUALITY: 15,
    TicketType.TECHNICAL: 30, TicketType.REPAIR: 300, TicketType.COMPLAINT: 20,
}  # fmt: skip


def _recent_enough(ticket_type: str, order: Order, created: dt.datetime) -> bool:
    since = order.promised_delivery_by if ticket_type == TicketType.LATE_DELIVERY else order.delivered_at or order.paid_at
    return since is not None and created - since < WRITES_WITHIN_DAYS.get(ticket_type, 30) * DAY


def _business_ago(calendar, now: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """Return the instant from which ``amount`` of business time has passed by ``now`` (bisection on the calendar)."""
    low, high = now - 40 * DAY, now
    for _step in range(40):
        middle = low + (high - low) / 2
        if calendar.business_seconds_between(middle, now) > amount.total_seconds():
            low = middle
        else:
            high = middle
    return high
