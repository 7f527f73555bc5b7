"""Ticket numbers, defaults and the helpers other ticket tests build their data with."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from kefu.knowledge.models import AfterSalesRule, Playbook
from kefu.orders.models import Order, OrderItem
from kefu.tickets.enums import TicketChannel, TicketEventAction, TicketPriority, TicketStatus, TicketType
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.services import ticket_create
from tests.factories import customer_factory, order_factory, product_factory

PLAYBOOK_LATE = {
    "problem": "late_delivery",
    "title": "到货延迟",
    "causes": ["发货延迟", "地址不清", "快递延误"],
    "handling": ["查询物流轨迹", "联系快递催件", "按延迟赔偿制度补偿"],
    "offers": ["延迟赔偿优惠券"],
    "prevention": ["规定发货时限"],
}


def playbook_late() -> Playbook:
    return Playbook.objects.create(**PLAYBOOK_LATE)


def rule_seven_days() -> AfterSalesRule:
    return AfterSalesRule.objects.create(
        code="AS-01", title="七天无理由退货", clause="自签收次日起7天内，商品完好、不影响二次销售的，可申请无理由退货退款。", time_limit_days=7
    )


def paid_order(*, paid: str = "300.00", customer=None, **fields) -> Order:
    """Given a delivered order with two lines (2 × 100 + 1 × 100) paid in full by default."""
    order = order_factory(
        customer=customer or customer_factory(),
        items=0,
        total_amount=Decimal("300.00"),
        paid_amount=Decimal(paid),
        status="delivered",
        carrier="中通快递",
        tracking_number="ZT1234567890",
        **fields,
    )
    product = product_factory(name="翼龙F40")
    OrderItem.objects.create(order=order, product=product, title="翼龙F40 电池", sku="F40-B", quantity=2, unit_price=Decimal("100.00"))
    OrderItem.objects.create(order=order, title="充电器", sku="F40-C", quantity=1, unit_price=Decimal("100.00"))
    return order


def make_ticket(*, team=None, assignee=None, type=TicketType.LATE_DELIVERY, order=None, **extra) -> Ticket:  # noqa: A002
    order = order if order is not None else paid_order()
    return ticket_create(
        actor=None, customer=order.customer, type=type, order=order, team=team, assignee=assignee, subject="快递一周没到", **extra
    )


@pytest.mark.django_db
def test_numbers_count_per_shop_day():
    first = make_ticket()
    second = make_ticket()
    today = timezone.localtime().strftime("%Y%m%d")
    assert first.number == f"T{today}0001"
    assert second.number == f"T{today}0002"


@pytest.mark.django_db
def test_the_day_is_the_shops_not_utc():
    # 2026-11-23 17:30 UTC is already 24 November in Shanghai.
    at = datetime.datetime(2026, 11, 23, 17, 30, tzinfo=datetime.UTC)
    ticket = ticket_create(actor=None, customer=customer_factory(), type=TicketType.OTHER, subject="x", created_at=at)
    assert ticket.number == "T202611240001"


@pytest.mark.django_db
def test_numbers_are_unique_in_the_database():
    ticket = make_ticket()
    with pytest.raises(IntegrityError):
        Ticket.objects.create(number=ticket.number, type="other", subject="dup", customer=ticket.customer)


@pytest.mark.django_db
def test_a_new_ticket_has_its_defaults_product_and_first_event():
    ticket = make_ticket()
    assert (ticket.status, ticket.priority, ticket.channel, ticket.reopened_count) == (
        TicketStatus.NEW,
        TicketPriority.NORMAL,
        TicketChannel.WORKBENCH,
        0,
    )
    assert ticket.product.name == "翼龙F40"
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.action, event.to_status, event.actor) == (TicketEventAction.CREATED, TicketStatus.NEW, None)
    assert ticket.is_open is True


@pytest.mark.django_db
def test_the_demo_has_tickets_of_every_type_that_follow_the_workflow_and_the_money_rules():
    from django.db.models import F, Sum

    from kefu.demo.loader import demo_load
    from kefu.orders.models import Compensation, Refund, ReturnRequest
    from kefu.tickets.transitions import ALLOWED

    counts = demo_load()
    assert counts["customers"] > 0
    assert set(Ticket.objects.values_list("type", flat=True)) == set(TicketType.values)
    assert ReturnRequest.objects.exists() and Refund.objects.exists() and Compensation.objects.exists()
    over = Order.objects.annotate(refunded=Sum("refunds__amount")).filter(refunded__gt=F("paid_amount"))
    assert list(over) == []
    moves = TicketEvent.objects.filter(action__in=[TicketEventAction.TRANSITIONED, TicketEventAction.REOPENED])
    for from_status, to_status in set(moves.values_list("from_status", "to_status")):
        assert to_status in ALLOWED[from_status], (from_status, to_status)
    for ticket in Ticket.objects.filter(status=TicketStatus.CLOSED)[:50]:
        last = ticket.events.filter(to_status__gt="").order_by("-created_at", "-id").first()
        assert last.to_status == TicketStatus.CLOSED and ticket.closed_at == last.created_at
