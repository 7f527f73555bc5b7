"""The demo's after-sales history is believable: orders, texts, causes, times, SLA clocks, returns and visits agree."""

import datetime as dt
import re
from collections import Counter

import pytest
from django.utils import timezone

from kefu.demo.content import aftersales_tickets as content
from kefu.demo.loader import demo_anchor, demo_delete, demo_load
from kefu.demo.loader.constants import SHOP_TZ
from kefu.demo.loader.tickets_plan import OPEN_WITHIN_DAYS
from kefu.orders.enums import ReturnKind, ReturnStatus
from kefu.orders.models import Compensation, Order, Refund, ReturnRequest
from kefu.tickets.models import ChecklistTick, FollowUpVisit, SlaClock, Ticket, TicketEvent
from kefu.tickets.transitions import OPEN_STATUSES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Load the demo once for the module (it takes a while) and remove it afterwards."""
    with django_db_blocker.unblock():
        demo_load()
    yield timezone.now()
    with django_db_blocker.unblock():
        demo_delete()


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHOP_TZ).date()


def test_every_order_has_its_after_sales_fields(loaded):
    assert not Order.objects.filter(shop_name="").exists()
    assert set(Order.objects.values_list("shipping_method", flat=True)) == {"快递", "EMS", "自提", "物流"}
    paid = Order.objects.exclude(paid_at=None)
    assert paid.count() > 2000
    assert not paid.filter(payment_number="").exists()
    assert not paid.filter(promised_delivery_by=None).exists()
    assert not Order.objects.filter(paid_at=None).exclude(payment_number="").exists()  # nothing paid, no payment number
    shapes = {"taobao": r"\d{8}2200\d{16}", "douyin": r"TP\d{28}", "shop": r"42000\d{23}"}
    for order in paid.only("platform", "payment_number", "paid_at", "promised_delivery_by", "shipping_method", "carrier"):
        assert re.fullmatch(shapes[order.platform], order.payment_number), order.payment_number
        assert order.payment_number.find(order.paid_at.astimezone(SHOP_TZ).strftime("%Y%m%d")) in (0, 2, 10)
        days = (_day(order.promised_delivery_by) - _day(order.paid_at)).days
        assert days == {"快递": 5, "EMS": 7, "物流": 10, "自提": 3}[order.shipping_method]
        assert (order.shipping_method == "EMS") == (order.carrier == "邮政EMS")


def test_some_parcels_came_late_and_the_late_delivery_tickets_are_about_them(loaded):
    delivered = Order.objects.exclude(delivered_at=None)
    late = [o for o in delivered if _day(o.delivered_at) > _day(o.promised_delivery_by)]
    assert 0.04 < len(late) / delivered.count() < 0.2
    tickets = Ticket.objects.filter(type="late_delivery").select_related("order")
    assert tickets.count() >= 20
    for ticket in tickets:
        order = ticket.order
        assert ticket.created_at > order.promised_delivery_by, ticket.number
        arrived = order.delivered_at or timezone.now()
        assert _day(arrived) > _day(order.promised_delivery_by), ticket.number
    evidence = [c.evidence for c in Compensation.objects.filter(ticket_id__in=tickets.values("pk"))]
    assert len(evidence) >= 15
    for row in evidence:
        assert row["basis"] == "delivery" and row["days_late"] >= 1
        order = Order.objects.get(number=row["order"])
        assert row["days_late"] == (_day(order.delivered_at) - _day(order.promised_delivery_by)).days


def test_descriptions_fit_the_order_when_the_ticket_opened(loaded):
    said_not_arrived = 0
    for ticket in Ticket.objects.select_related("order"):
        order = ticket.order
        arrived = order.delivered_at is not None and order.delivered_at <= ticket.created_at
        if "未收到" in ticket.description or "还没收到" in ticket.description:
            said_not_arrived += 1
            assert not arrived, (ticket.number, ticket.description)
        if ticket.type in content.AFTER_DELIVERY:
            assert arrived, (ticket.number, ticket.type)
        if ticket.type in ("transport_damage", "wrong_or_missing", "return", "exchange", "not_as_described", "refund"):
            assert ticket.created_at - order.delivered_at < dt.timedelta(days=7), (ticket.number, ticket.type)  # written while fresh
        assert order.status != "refunded" or order.refunds.exists(), ticket.number  # no case on an order the platform refunded
        assert "{" not in ticket.subject + ticket.description
    assert said_not_arrived >= 1


def test_complaint_causes_fit_the_complaint(loaded):
    subjects = {cause: [subject for subject, _d, _n in rows] for cause, rows in content.COMPLAINTS.items()}
    complaints = Ticket.objects.filter(type="complaint")
    assert complaints.count() >= 8
    for ticket in complaints:
        assert any(re.fullmatch(re.sub(r"\\\{item\\\}", ".+", re.escape(s)), ticket.subject) for s in subjects[ticket.cause]), (
            ticket.cause,
            ticket.subject,
        )
    assert set(Ticket.objects.filter(type="service_attitude").values_list("cause", flat=True)) == {"service"}
    slow = complaints.filter(subject__contains="太慢")
    assert slow.exists() and set(slow.values_list("cause", flat=True)) == {"service"}


def test_checklist_ticks_fall_within_the_tickets_life(loaded):
    resolved_first = dict(
        TicketEvent.objects.filter(to_status="resolved").order_by("-created_at").values_list("ticket_id", "created_at")
    )
    ticks = ChecklistTick.objects.select_related("ticket")
    assert ticks.count() > 500
    for tick in ticks:
        end = resolved_first.get(tick.ticket_id, loaded)
        assert tick.ticket.created_at < tick.done_at < end, (tick.ticket.number, tick.done_at)
        event = TicketEvent.objects.get(ticket_id=tick.ticket_id, action="checklist_ticked", params__item=tick.item_key)
        assert event.created_at == tick.done_at


def test_only_recent_tickets_are_open_and_old_ones_are_archived(loaded):
    now = loaded
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    assert open_tickets.count() >= 10
    assert len(set(open_tickets.values_list("status", flat=True))) == len(OPEN_STATUSES)
    for ticket in open_tickets:
        assert now - ticket.created_at < dt.timedelta(days=OPEN_WITHIN_DAYS), ticket.number
    old = Ticket.objects.filter(created_at__lt=now - dt.timedelta(days=OPEN_WITHIN_DAYS))
    assert old.count() > 200
    assert set(old.values_list("status", flat=True)) == {"closed"}
    assert not old.filter(assignee=None).exists()
    assert not old.filter(resolved_at=None).exists() and not old.filter(closed_at=None).exists()
    assert not TicketEvent.objects.filter(created_at__gt=now).exists()
    assert not Ticket.objects.filter(status="new").exclude(assignee=None).exists()


def test_sla_clocks_agree_with_the_tickets_age(loaded):
    assert SlaClock.objects.count() == Ticket.objects.count()
    states = Counter(SlaClock.objects.filter(ticket__status__in=OPEN_STATUSES).values_list("state", flat=True))
    assert states["ok"] >= 3 and states["warning"] >= 1 and states["paused"] >= 1 and 1 <= states["breached"] <= 5, states
    assert set(SlaClock.objects.exclude(ticket__status__in=OPEN_STATUSES).values_list("state", flat=True)) == {"met", "breached"}
    for clock in SlaClock.objects.select_related("ticket"):
        assert clock.started_at == clock.ticket.created_at
        if clock.ticket.status == "waiting_customer":
            assert clock.state == "paused" and clock.paused_at is not None
        if clock.ticket.first_response_at:
            assert clock.first_response_met_at == clock.ticket.first_response_at


def test_returns_go_through_their_steps_with_their_number_on_the_timeline(loaded):
    events = TicketEvent.objects.filter(action="return_changed")
    assert events.count() > 200
    assert not events.exclude(params__has_key="rma_id").exists()
    completed = ReturnRequest.objects.filter(status=ReturnStatus.COMPLETED).exclude(kind=ReturnKind.REFUND_ONLY)
    assert completed.count() >= 30
    for rma in completed:
        assert rma.created_at < rma.decided_at < rma.shipped_back_at < rma.received_at < rma.inspected_at < rma.completed_at
        assert rma.return_carrier and rma.return_tracking_number and rma.inspection_passed is True
        steps = list(events.filter(params__rma_id=rma.pk).order_by("created_at", "id").values_list("params__status", flat=True))
        assert steps == ["requested", "approved", "in_transit", "received", "inspected", "completed"], (rma.pk, steps)
    assert ReturnRequest.objects.filter(status=ReturnStatus.DECLINED).exclude(decline_rule=None).exists()
    for order in Order.objects.filter(refunds__isnull=False).distinct():
        assert sum(r.amount for r in order.refunds.filter(status="issued")) <= order.paid_amount
    for refund in Refund.objects.filter(status="pending"):  # a supervisor approves within two hours; only the last ones wait
        assert refund.created_at > demo_anchor() - dt.timedelta(hours=2)


def test_follow_up_visits_were_answered_reopened_or_are_due(loaded):
    now = loaded
    answered = FollowUpVisit.objects.filter(solved=True)
    assert answered.count() >= 100
    assert set(answered.values_list("rating", flat=True)) <= {3, 4, 5}
    assert not answered.exclude(ticket__status="closed").exists()
    not_solved = FollowUpVisit.objects.get(solved=False)
    ticket = not_solved.ticket
    assert ticket.reopened_count == 1 and ticket.events.filter(action="reopened").count() == 1
    assert ticket.follow_up_visits.count() == 2  # visited again after the second resolution
    pending = FollowUpVisit.objects.filter(sent_at=None, cancelled_at=None)
    assert pending.count() >= 2
    assert all(demo_anchor() - dt.timedelta(minutes=5) < visit.scheduled_for < now + dt.timedelta(days=3) for visit in pending)
    assert set(pending.values_list("ticket__status", flat=True)) == {"resolved"}
    assert FollowUpVisit.objects.exclude(expired_at=None).filter(ticket__status="closed").count() >= 5
    for visit in FollowUpVisit.objects.select_related("ticket"):
        resolution = visit.ticket.events.filter(to_status="resolved", created_at__lte=visit.created_at).order_by("-created_at").first()
        assert visit.created_at == resolution.created_at and visit.scheduled_for == visit.created_at + dt.timedelta(days=3)
        if visit.answered_at:
            assert visit.sent_at < visit.answered_at < now
