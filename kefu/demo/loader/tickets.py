"""The demo shop's after-sales history: tickets of every type over the last twelve months.

Planned from its own ``random.Random`` (seeded from the demo's SEED) over the demo's orders
(``tickets_plan``), then written through the real services step by step, each at its moment
in the past (``tickets_write``, ``tickets_replay``): the same day gives the same tickets,
returns, refunds, compensations, SLA clocks and follow-up visits. Old tickets are resolved,
visited and archived; only the last days' tickets are open, in every state.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from kefu.accounts.models import AuditLog, Team, User
from kefu.catalog.models import Category
from kefu.conversations.models import Conversation
from kefu.knowledge.models import AfterSalesRule
from kefu.orders.enums import CompensationKind, CompensationTrigger
from kefu.orders.models import Compensation, CompensationPolicy, Order, OrderItem, Refund, ReturnRequest
from kefu.tickets.models import (
    BusinessCalendar,
    FollowUpVisit,
    SlaClock,
    SlaPolicy,
    Ticket,
    TicketComment,
    TicketEvent,
)
from kefu.tickets.sla import calendar_build, sla_check_all

from .constants import AFTERSALE_TEAM, SEED
from .tickets_plan import plan_current, plan_history
from .tickets_replay import Timeline, live_events_dropped, reactions_paths
from .tickets_settings import CALENDAR_NAME, tickets_settings_delete, tickets_settings_load
from .tickets_write import Cast, StoryWriter

DAY = dt.timedelta(days=1)

# name, trigger, min days late, category ("" any), carrier ("" any), kind, value, at most, supervisor above
COMPENSATION_POLICIES = [
    ("延迟1天：5元无门槛券", CompensationTrigger.LATE_DELIVERY, 1, "", "", CompensationKind.COUPON, "5", None, "50"),
    ("延迟3天：退实付5%（最多50元）", CompensationTrigger.LATE_DELIVERY, 3, "", "", CompensationKind.REFUND_PERCENT, "5", "50", "30"),
    ("顺丰延迟2天：补偿10元", CompensationTrigger.LATE_DELIVERY, 2, "", "顺丰速运", CompensationKind.FIXED_AMOUNT, "10", None, "50"),
    ("大件设备延迟3天：退实付2%", CompensationTrigger.LATE_DELIVERY, 3, "储能温控设备", "", CompensationKind.REFUND_PERCENT, "2", "500", "100"),
    ("运输破损：10元券安抚", CompensationTrigger.TRANSPORT_DAMAGE, 0, "", "", CompensationKind.COUPON, "10", None, "50"),
    ("错发漏发：补偿5元", CompensationTrigger.WRONG_OR_MISSING, 0, "", "", CompensationKind.FIXED_AMOUNT, "5", None, "50"),
]
POLICY_NAMES = [row[0] for row in COMPENSATION_POLICIES]

def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _load_policies() -> list[CompensationPolicy]:
    categories = {category.name: category for category in Category.objects.all()}
    policies = []
    for name, trigger, days, category, carrier, kind, value, at_most, supervisor_above in COMPENSATION_POLICIES:
        policy, _created = CompensationPolicy.objects.get_or_create(
            name=name,
            defaults={
                "trigger": trigger, "min_days_late": days, "category": categories.get(category), "carrier": carrier, "kind": kind,
                "value": Decimal(value), "max_amount": Decimal(at_most) if at_most else None,
                "requires_supervisor_above": Decimal(supervisor_above),
            },
        )  # fmt: skip
        policies.append(policy)
    return policies


def demo_tickets_load(*, anchor: dt.datetime, orders: list[Order], users: dict[str, User], stdout=None) -> dict[str, int]:
    """Write the after-sales history of the demo's orders through the services (inside the load's transaction); return the counts."""
    tickets_settings_load()
    _load_policies()
    rng = random.Random(SEED + 5)
    now = timezone.now()
    cut = now - dt.timedelta(minutes=5)  # stories run up to the present: a ticket due this afternoon is placed this morning
    lines: dict[int, list[OrderItem]] = {}
    for item in OrderItem.objects.filter(order__in=orders).select_related("product__category").order_by("id"):
        lines.setdefault(item.order_id, []).append(item)
    conversation_of = dict(Conversation.objects.filter(order__in=orders).order_by("created_at").values_list("order_id", "pk"))
    customers_with_chats = set(Conversation.objects.filter(customer__in={o.customer_id for o in orders}).values_list("customer_id", flat=True))
    stories = plan_history(rng=rng, anchor=anchor, orders=orders, lines=lines)
    calendar = calendar_build(BusinessCalendar.objects.get(name=CALENDAR_NAME))
    targets = {p.priority: (p.first_response_minutes, p.resolution_minutes) for p in SlaPolicy.objects.filter(active=True, ticket_type="")}
    used = {story.order.pk for story in stories}
    current = plan_current(rng=rng, now=now, anchor=anchor, calendar=calendar, policies=targets, orders=orders, lines=lines, used=used)
    stories = sorted(stories + current, key=lambda s: (s.created, s.order.number))

    cast = Cast(
        team=Team.objects.get(name=AFTERSALE_TEAM), agents=[users["ahua"], users["aqiang"]], supervisor=users["wang"],
        rules={rule.code: rule for rule in AfterSalesRule.objects.all()}, conversation_of=conversation_of,
        customers_with_chats=customers_with_chats,
    )  # fmt: skip
    timeline = Timeline(cut=cut, reactions=reactions_paths())
    with live_events_dropped():
        for story in stories:
            StoryWriter(story=story, timeline=timeline, cast=cast, rng=rng).plan()
        timeline.run()
    checked = sla_check_all(now=now)  # what the periodic check would stamp right now: warnings and breaches

    ticket_ids = [t for t in Ticket.objects.filter(order__in=orders).values_list("pk", flat=True)]
    counts = {
        "tickets": len(ticket_ids),
        "ticket_events": TicketEvent.objects.filter(ticket_id__in=ticket_ids).count(),
        "ticket_comments": TicketComment.objects.filter(ticket_id__in=ticket_ids).count(),
        "returns": ReturnRequest.objects.filter(ticket_id__in=ticket_ids).count(),
        "refunds": Refund.objects.filter(ticket_id__in=ticket_ids).count(),
        "compensations": Compensation.objects.filter(ticket_id__in=ticket_ids).count(),
        "sla_clocks": SlaClock.objects.filter(ticket_id__in=ticket_ids).count(),
        "follow_up_visits": FollowUpVisit.objects.filter(ticket_id__in=ticket_ids).count(),
        "sla_alerts": sum(checked.values()),
    }
    _say(
        stdout,
        "售后工单 {tickets} 个（时间线 {ticket_events} 条，退换货 {returns} 个，退款 {refunds} 笔，赔偿 {compensations} 笔，"
        "回访 {follow_up_visits} 次，SLA 计时 {sla_clocks} 个）".format(**counts),
    )
    return counts


def demo_tickets_delete(*, customer_ids: list[int]) -> None:
    """Delete the demo customers' tickets, money records and their audit rows before their orders (foreign keys protect them)."""
    orders = Q(order__customer_id__in=customer_ids)
    audited = [
        ("orders.compensation", Compensation.objects.filter(orders)),
        ("orders.refund", Refund.objects.filter(orders)),
        ("orders.returnrequest", ReturnRequest.objects.filter(orders)),
        ("orders.order", Order.objects.filter(customer_id__in=customer_ids)),
    ]
    for object_type, queryset in audited:
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        AuditLog.objects.filter(object_type=object_type, object_id__in=ids).delete()
    Compensation.objects.filter(orders).delete()
    Refund.objects.filter(orders).delete()
    ReturnRequest.objects.filter(orders).delete()
    Ticket.objects.filter(customer_id__in=customer_ids).delete()
    CompensationPolicy.objects.filter(name__in=POLICY_NAMES, compensations__isnull=True).delete()
    tickets_settings_delete()
