"""Compensation rules: days late from the order's dates, the matching policy, supervisor approval above a limit."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kefu.catalog.models import Category
from kefu.orders.enums import CompensationKind, CompensationStatus, RefundStatus
from kefu.orders.models import Compensation, CompensationPolicy, Refund
from kefu.orders.services import (
    compensation_approve,
    compensation_decline,
    compensation_evidence,
    compensation_propose,
)
from kefu.tickets.enums import TicketType
from tests.tickets.test_models import make_ticket, paid_order

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def late_order(*, promised_day: int, delivered_day: int | None, carrier: str = "中通快递", paid: str = "300.00"):
    order = paid_order(paid=paid, promised_delivery_by=at(promised_day, 18), delivered_at=at(delivered_day, 9) if delivered_day else None)
    order.carrier = carrier
    order.save(update_fields=["carrier"])
    return order


def policies(drone_category=None):
    CompensationPolicy.objects.create(name="延迟1天 5元券", min_days_late=1, kind=CompensationKind.COUPON, value=Decimal("5"))
    CompensationPolicy.objects.create(
        name="延迟3天 退5%", min_days_late=3, kind=CompensationKind.REFUND_PERCENT, value=Decimal("5"), max_amount=Decimal("100")
    )
    CompensationPolicy.objects.create(
        name="顺丰延迟2天 赔20元", min_days_late=2, carrier="顺丰速运", kind=CompensationKind.FIXED_AMOUNT, value=Decimal("20")
    )
    if drone_category is not None:
        CompensationPolicy.objects.create(
            name="无人机延迟3天 退10%", min_days_late=3, category=drone_category, kind=CompensationKind.REFUND_PERCENT,
            value=Decimal("10"), requires_supervisor_above=Decimal("20"),
        )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("promised", "delivered", "carrier", "expected"),
    [
        (10, 10, "中通快递", None),  # on time
        (10, 11, "中通快递", ("延迟1天 5元券", "coupon", "5.00")),
        (10, 13, "中通快递", ("延迟3天 退5%", "refund_percent", "15.00")),
        (10, 12, "顺丰速运", ("顺丰延迟2天 赔20元", "fixed_amount", "20.00")),  # the carrier's own rule is more specific
        (10, 11, "顺丰速运", ("延迟1天 5元券", "coupon", "5.00")),  # not late enough for the carrier rule
    ],
)
def test_the_policy_follows_the_days_late_and_the_carrier(other_agent, aftersale_team, promised, delivered, carrier, expected):
    policies()
    order = late_order(promised_day=promised, delivered_day=delivered, carrier=carrier)
    ticket = make_ticket(team=aftersale_team, order=order)
    if expected is None:
        with pytest.raises(ValidationError) as caught:
            compensation_propose(ticket=ticket, actor=other_agent)
        assert caught.value.code == "no_policy"
        assert Compensation.objects.count() == 0
        return
    compensation = compensation_propose(ticket=ticket, actor=other_agent)
    assert (compensation.policy.name, compensation.kind, str(compensation.amount)) == expected
    assert compensation.evidence["days_late"] == delivered - promised
    assert compensation.evidence["basis"] == "delivery"
    assert compensation.evidence["carrier"] == carrier


@pytest.mark.django_db
def test_the_category_policy_wins_and_needs_a_supervisor_above_its_limit(other_agent, supervisor, aftersale_team):
    drones = Category.objects.create(name="无人机")
    policies(drone_category=drones)
    order = late_order(promised_day=10, delivered_day=14)
    product = order.items.get(sku="F40-B").product
    product.category = drones
    product.save()
    ticket = make_ticket(team=aftersale_team, order=order)

    compensation = compensation_propose(ticket=ticket, actor=other_agent)

    assert (compensation.policy.name, compensation.amount, compensation.requires_supervisor) == ("无人机延迟3天 退10%", Decimal("30.00"), True)
    assert compensation.evidence["categories"] == ["无人机"]
    assert compensation.evidence["promised_delivery_by"].startswith("2026-11-10T")
    with pytest.raises(PermissionDenied):
        compensation_approve(compensation=compensation, actor=other_agent)
    paid = compensation_approve(compensation=compensation, actor=supervisor)
    assert (paid.status, paid.approved_by, paid.refund.amount, paid.refund.status) == (
        CompensationStatus.PAID,
        supervisor,
        Decimal("30.00"),
        RefundStatus.ISSUED,
    )


@pytest.mark.django_db
def test_an_agent_grants_a_coupon_below_the_limit(other_agent, aftersale_team):
    policies()
    ticket = make_ticket(team=aftersale_team, order=late_order(promised_day=10, delivered_day=11))
    compensation = compensation_propose(ticket=ticket, actor=other_agent)
    granted = compensation_approve(compensation=compensation, actor=other_agent)
    assert (granted.status, granted.approved_by, granted.refund) == (CompensationStatus.APPROVED, other_agent, None)
    assert Refund.objects.count() == 0
    with pytest.raises(ValidationError):
        compensation_decline(compensation=granted, actor=other_agent)


@pytest.mark.django_db
def test_a_second_proposal_returns_the_first_and_a_declined_one_can_be_redone(other_agent, aftersale_team):
    policies()
    ticket = make_ticket(team=aftersale_team, order=late_order(promised_day=10, delivered_day=11))
    first = compensation_propose(ticket=ticket, actor=other_agent)
    assert compensation_propose(ticket=ticket, actor=other_agent) == first
    compensation_decline(compensation=first, actor=other_agent)
    second = compensation_propose(ticket=ticket, actor=other_agent)
    assert second != first and second.status == CompensationStatus.PROPOSED


@pytest.mark.django_db
def test_an_undelivered_order_counts_until_now_and_without_a_promise_nothing_is_measured():
    order = late_order(promised_day=10, delivered_day=None)
    evidence = compensation_evidence(order, at=at(15, 10))
    assert (evidence["basis"], evidence["days_late"]) == ("delivery_pending", 5)
    bare = paid_order()
    assert compensation_evidence(bare, at=at(15))["basis"] == ""


@pytest.mark.django_db
def test_money_compensation_stays_within_what_is_left_to_refund(other_agent, supervisor, aftersale_team):
    from kefu.orders.services import refund_issue

    policies()
    order = late_order(promised_day=10, delivered_day=13, paid="300.00")
    refund_issue(order=order, amount="290.00", actor=supervisor)
    compensation = compensation_propose(ticket=make_ticket(team=aftersale_team, order=order), actor=other_agent)
    assert compensation.amount == Decimal("15.00")
    with pytest.raises(ValidationError):
        compensation_approve(compensation=compensation, actor=supervisor)
    assert Compensation.objects.get(pk=compensation.pk).status == CompensationStatus.PROPOSED


@pytest.mark.django_db
def test_only_the_four_problem_types_have_compensation(other_agent, aftersale_team):
    policies()
    ticket = make_ticket(team=aftersale_team, type=TicketType.TECHNICAL, order=late_order(promised_day=10, delivered_day=13))
    with pytest.raises(ValidationError) as caught:
        compensation_propose(ticket=ticket, actor=other_agent)
    assert caught.value.code == "no_trigger"
