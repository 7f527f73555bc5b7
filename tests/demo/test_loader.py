"""The demo shop loader: exact counts, idempotence, determinism and data that obeys the rules."""

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Min, Q

from kefu.accounts.models import Team, TeamMembership, User
from kefu.catalog.models import Product
from kefu.conversations.models import Conversation, Message
from kefu.customers.models import Customer, CustomerIdentity
from kefu.demo.content import dialogues, products
from kefu.demo.loader import PASSWORD, demo_anchor, demo_delete, demo_load
from kefu.inboxes.models import Inbox
from kefu.knowledge.models import FaqEntry, Phrase, Playbook
from kefu.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Load the demo once for the module (it takes a few seconds) and remove it afterwards."""
    with django_db_blocker.unblock():
        counts = demo_load()
    yield counts
    with django_db_blocker.unblock():
        demo_delete()


def test_counts_are_exact(loaded):
    assert loaded["customers"] == 300 == Customer.objects.count()
    assert loaded["orders"] == 3000 == Order.objects.count()
    assert loaded["conversations"] == 500 == Conversation.objects.count()
    assert loaded["users"] == 6
    assert loaded["teams"] == 2
    assert loaded["inboxes"] == 5
    assert loaded["products"] == len(products.PRODUCTS) >= 26
    assert FaqEntry.objects.count() >= 80
    assert set(Phrase.objects.values_list("stage", flat=True)) >= {
        "greeting", "dialogue", "bargaining", "payment", "logistics", "aftersales", "review"
    }
    assert Playbook.objects.count() == 6
    assert loaded["messages"] == Message.objects.count() > 500 * 4


def test_content_is_large_enough():
    assert len(dialogues.DIALOGUES) >= 30
    ordinary = [p for p in products.PRODUCTS if p["sku"] not in products.FLAGSHIP_SKUS]
    assert len(ordinary) >= 22
    assert len({p["category"] for p in ordinary}) >= 5
    assert len({d["key"] for d in dialogues.DIALOGUES}) == len(dialogues.DIALOGUES)


def test_flagship_products_carry_the_handbook_knowledge(loaded):
    chiller = Product.objects.get(sku="CHL-12KW")
    assert chiller.name == "12kW储能电池冷水机"
    assert any("双系统冷却回路" in f for f in chiller.features)
    assert chiller.applications[:2] == ["储能集装箱", "储能电池柜"]
    drone = Product.objects.get(sku="UAV-F40")
    assert {"翼龙F40", "F40"} <= set(drone.aliases)
    afg = Product.objects.get(sku="AFG-2100")
    assert "AFG2100" in afg.aliases
    assert any("FSK" in f for f in afg.features)
    assert not any("FSK" in f for f in Product.objects.get(sku="AFG-2000").features)
    assert chiller.category.name == "储能温控设备"


def test_users_teams_and_inboxes(loaded):
    wang = User.objects.get(username="wang")
    assert wang.display_name == "王主管" and wang.role == "supervisor" and wang.is_staff
    assert set(TeamMembership.objects.filter(user=wang, is_lead=True).values_list("team__name", flat=True)) == {"售前组", "售后组"}
    assert set(Team.objects.get(name="售前组").members.values_list("username", flat=True)) == {"wang", "xiaomei", "xiaoli"}
    assert set(Team.objects.get(name="售后组").members.values_list("username", flat=True)) == {"wang", "ahua", "aqiang"}
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.role == "admin"
    assert all(user.check_password(PASSWORD) for user in User.objects.all())
    web = Inbox.objects.get(public_key="demo-web")
    assert web.channel == "web" and list(web.teams.values_list("name", flat=True)) == ["售前组"]
    assert web.settings["hours"]["mon"] == [["08:00", "23:59"]] and web.settings["holding_after_seconds"] == 45
    assert Inbox.objects.get(public_key="demo-taobao").channel == "api"
    assert Inbox.objects.get(channel="email").email_address == "service@demo-shop.example"
    assert Inbox.objects.filter(channel="phone").exists()


def test_second_run_changes_nothing(loaded):
    assert demo_load() == loaded
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "xiaomei" in text and PASSWORD in text and "王主管" in text


def test_reset_rebuilds_the_same_data(loaded):
    numbers = list(Order.objects.order_by("number").values_list("number", flat=True))
    names = sorted(Customer.objects.values_list("name", flat=True))
    members = sorted(CustomerIdentity.objects.filter(platform="taobao").values_list("external_id", flat=True))
    old_ids = set(Customer.objects.values_list("pk", flat=True))

    assert demo_load(reset=True) == loaded

    assert not old_ids & set(Customer.objects.values_list("pk", flat=True))
    assert list(Order.objects.order_by("number").values_list("number", flat=True)) == numbers
    assert sorted(Customer.objects.values_list("name", flat=True)) == names
    assert sorted(CustomerIdentity.objects.filter(platform="taobao").values_list("external_id", flat=True)) == members


def test_order_amounts_respect_the_constraints(loaded):
    assert not Order.objects.filter(discount_amount__gt=F("total_amount")).exists()
    assert not Order.objects.filter(paid_amount__gt=F("total_amount") - F("discount_amount") + F("shipping_fee")).exists()
    for order in Order.objects.prefetch_related("items"):
        assert order.total_amount == sum(item.unit_price * item.quantity for item in order.items.all())
        assert 1 <= len(order.items.all()) <= 3


def test_order_times_and_parcels_fit_the_status(loaded):
    anchor = demo_anchor()
    shipped = Order.objects.filter(status__in=["shipped", "delivered", "completed"])
    assert not shipped.filter(Q(carrier="") | Q(tracking_number="") | Q(shipped_at=None)).exists()
    assert not Order.objects.filter(status="unpaid").exclude(paid_at=None).exists()
    assert not Order.objects.filter(status__in=["unpaid", "closed"]).exclude(paid_amount=0).exists()
    assert not Order.objects.filter(status__in=["unpaid", "paid"]).exclude(carrier="").exists()
    assert not Order.objects.filter(status__in=["completed", "delivered"], delivered_at=None).exists()
    assert not Order.objects.filter(status="completed", completed_at=None).exists()
    assert not Order.objects.filter(status="closed", closed_at=None).exists()
    for order in Order.objects.all():
        times = [t for t in (order.placed_at, order.paid_at, order.shipped_at, order.delivered_at, order.completed_at) if t]
        assert times == sorted(times) and times[-1] <= anchor, order.number
        assert re.fullmatch(r"[1-4]\d{17,18}", order.number)
        assert order.receiver_phone and order.shipping_address


def test_order_status_mix(loaded):
    mix = Counter(Order.objects.values_list("status", flat=True))
    expected = {"completed": 55, "delivered": 8, "shipped": 7, "paid": 5, "unpaid": 8, "closed": 9, "refunded": 5, "refunding": 3}
    for status, percent in expected.items():
        assert abs(mix[status] / 30 - percent) <= 3, (status, mix[status])


def test_orders_span_the_last_year(loaded):
    span = Order.objects.aggregate(first=Min("placed_at"), last=Max("placed_at"))
    assert span["last"] - span["first"] > dt.timedelta(days=330)


def test_customers_are_varied_and_reachable(loaded):
    anchor_day = demo_anchor().date()
    ages = [c.age_on(anchor_day) for c in Customer.objects.all()]
    assert min(ages) >= 18 and max(ages) <= 70
    assert Customer.objects.values("province").distinct().count() >= 15
    assert set(Customer.objects.values_list("gender", flat=True)) >= {"male", "female"}
    assert not Customer.objects.annotate(n=Count("identities", filter=Q(identities__platform="taobao"))).filter(n=0).exists()
    assert Customer.objects.exclude(email="").count() > 50
    assert Customer.objects.filter(tags__name="回头客").exists()
    assert Customer.objects.exclude(value_level="").count() > 200
    assert Customer.objects.filter(notes__isnull=False).exists()


def test_conversation_times_are_ordered(loaded):
    for c in Conversation.objects.all():
        assert c.first_customer_message_at <= c.first_response_at <= c.last_activity_at, c.pk
        if c.first_agent_response_at:
            assert c.first_response_at <= c.first_agent_response_at <= c.last_activity_at
        if c.status == "resolved":
            assert c.resolved_at >= c.last_activity_at
        else:
            assert c.resolved_at is None
        if c.assignee_id:
            assert c.assigned_at is not None and c.assigned_at <= (c.first_agent_response_at or c.last_activity_at)


def test_greeting_comes_within_seconds(loaded):
    for c in Conversation.objects.all():
        first = c.messages.order_by("seq").first()
        if first.sender_kind == "customer":
            assert dt.timedelta(seconds=5) <= c.first_response_at - c.first_customer_message_at <= dt.timedelta(seconds=40)


def test_message_seq_is_contiguous(loaded):
    seqs = {}
    for conversation_id, seq in Message.objects.order_by("conversation_id", "seq").values_list("conversation_id", "seq"):
        seqs.setdefault(conversation_id, []).append(seq)
    conversations = dict(Conversation.objects.values_list("pk", "last_seq"))
    assert set(seqs) == set(conversations)
    for pk, numbers in seqs.items():
        assert numbers == list(range(1, conversations[pk] + 1))
    assert not Message.objects.filter(body__contains="{").exists()


def test_messages_come_from_the_assignee(loaded):
    agent_messages = Message.objects.filter(sender_kind="agent")
    assert not agent_messages.exclude(sender_user=F("conversation__assignee")).exists()
    assert not Message.objects.exclude(sender_kind="agent").exclude(sender_user=None).exists()


def test_conversation_status_teams_and_outcomes(loaded):
    statuses = Counter(Conversation.objects.values_list("status", flat=True))
    assert statuses["resolved"] >= 450 and statuses["open"] >= 3 and statuses["pending"] >= 3
    presale = Conversation.objects.filter(team__name="售前组", status="resolved")
    assert presale.filter(conversion="converted").exists()
    assert not presale.filter(conversion="not_converted", lost_reason="").exists()
    assert not Conversation.objects.filter(team__name="售后组").exclude(conversion="").exists()
    assert not Conversation.objects.filter(team__name="售后组", assignee__username__in=["xiaomei", "xiaoli"]).exists()
    assert not Conversation.objects.filter(team__name="售前组", assignee__username__in=["ahua", "aqiang"]).exists()
    linked = Conversation.objects.exclude(order=None)
    assert linked.count() > 100
    assert not linked.exclude(order__customer=F("customer")).exists()


def test_open_conversations_carry_the_assistants_reading_and_raise_no_alerts(loaded):
    from kefu.conversations.models import MessageInsight
    from kefu.tickets.models import Notification

    still_open = Conversation.objects.exclude(status="resolved")
    assert still_open.exists()
    for conversation in still_open:
        last = conversation.messages.filter(sender_kind="customer").exclude(body="").order_by("-seq").first()
        if last is None:
            continue
        insight = MessageInsight.objects.get(message=last)  # the workbench's 智能辅助 tab is not empty
        assert conversation.emotion == insight.emotion and insight.suggestions
    assert not MessageInsight.objects.filter(conversation__status="resolved").exists()
    assert not Notification.objects.filter(kind="escalation").exists()  # past chats are read, not acted on
