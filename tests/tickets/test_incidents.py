"""The incident detector: it fires on a surge, stays quiet on ordinary days, and the supervisor tells every customer."""

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import include, path
from django.utils import timezone, translation

from kefu.catalog.models import Product
from kefu.conversations.models import Conversation, Message
from kefu.customers.models import Customer
from kefu.inboxes.enums import ChannelType
from kefu.inboxes.models import Inbox
from kefu.orders.models import Order
from kefu.tickets.enums import TicketType
from kefu.tickets.incidents import (
    Surge,
    _threshold,
    _title,
    incident_acknowledge,
    incident_message_customers,
    incident_resolve,
    incidents_detect,
    incidents_evaluate,
)
from kefu.tickets.models import (
    CustomerChannel,
    Incident,
    IncidentContact,
    IncidentDimension,
    IncidentStatus,
    Notification,
    NotificationKind,
    Ticket,
    TicketSettings,
)
from kefu.tickets.tasks import incidents_detect_periodic
from kefu.urls import urlpatterns as project_urlpatterns
from tests.conftest import PASSWORD

urlpatterns = [path("incidents/", include("kefu.tickets.urls_incidents")), *project_urlpatterns]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 20, 15, 0, tzinfo=SHANGHAI)
CARRIERS = ["中通快递", "圆通速递", "顺丰速运"]
ORDINARY_TYPES = [
    TicketType.TECHNICAL, TicketType.RETURN, TicketType.REFUND, TicketType.LATE_DELIVERY, TicketType.QUALITY,
    TicketType.NOT_AS_DESCRIBED, TicketType.EXCHANGE, TicketType.TRANSPORT_DAMAGE, TicketType.REPAIR, TicketType.WRONG_OR_MISSING,
]  # fmt: skip


class Shop:
    """Writes tickets quickly (bulk) with an order each, spread over customers, products and carriers."""

    def __init__(self) -> None:
        self.customers = Customer.objects.bulk_create(
            [Customer(name=f"客户{n}", phone=f"1390000{n:04d}", email=f"c{n}@example.com" if n % 3 == 0 else "") for n in range(40)]
        )
        self.products = [Product.objects.create(sku=f"P-{n}", name=f"无线耳机{n}号", price=Decimal("199.00")) for n in range(5)]
        self.serial = 0

    def tickets(self, moments: list[tuple[dt.datetime, str]]) -> list[Ticket]:
        orders, tickets = [], []
        for moment, _ticket_type in moments:
            self.serial += 1
            customer = self.customers[self.serial % len(self.customers)]
            orders.append(
                Order(
                    number=f"DD{self.serial:08d}", customer=customer, placed_at=moment - dt.timedelta(days=3),
                    carrier=CARRIERS[self.serial % len(CARRIERS)], total_amount=Decimal("199.00"), paid_amount=Decimal("199.00"),
                )
            )  # fmt: skip
        orders = Order.objects.bulk_create(orders)
        for order, (moment, ticket_type) in zip(orders, moments, strict=True):
            tickets.append(
                Ticket(
                    number=f"T{order.number}", type=ticket_type, subject="售后", customer=order.customer, order=order,
                    product=self.products[order.pk % len(self.products)], created_at=moment, updated_at=moment,
                )
            )  # fmt: skip
        return Ticket.objects.bulk_create(tickets)

    def ordinary_days(self, *, days: int, per_day: int = 40, until: dt.datetime = NOW) -> None:
        """Write ordinary traffic: per_day tickets a day between 09:00 and 21:00, one in ten a wrong item."""
        rng = random.Random(7)
        moments = []
        start_day = (until - dt.timedelta(days=days)).date()
        for offset in range(days + 1):
            day = start_day + dt.timedelta(days=offset)
            opening = dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI)
            for index in range(per_day):
                moment = opening + dt.timedelta(seconds=rng.randrange(12 * 3600))
                if moment <= until:
                    moments.append((moment, ORDINARY_TYPES[index % len(ORDINARY_TYPES)]))
        self.tickets(moments)

    def surge(self, *, count: int, ticket_type: str = TicketType.WRONG_OR_MISSING, end: dt.datetime = NOW) -> list[Ticket]:
        """Write ``count`` tickets of one type within the two hours before ``end`` (a warehouse fault)."""
        step = dt.timedelta(minutes=110) / count
        return self.tickets([(end - dt.timedelta(minutes=115) + step * n, ticket_type) for n in range(count)])


@pytest.fixture
def shop(db) -> Shop:
    TicketSettings.objects.all().delete()  # the default thresholds, whatever an earlier demo load left behind
    return Shop()


def configure(**fields) -> TicketSettings:
    """Make these the one after-sales settings row, whatever an earlier load left behind."""
    TicketSettings.objects.all().delete()
    return TicketSettings.objects.create(**fields)


def test_the_poisson_floor_keeps_flat_histories_from_firing_on_a_handful():
    config = TicketSettings()  # defaults: min 8, k = 4, k_poisson = 4
    assert _threshold(0.0, 0.0, config) == 8
    assert _threshold(9.0, 0.0, config) == 21  # mean + 4·√9, though std is 0
    assert _threshold(2.0, 3.0, config) == 14  # mean + 4·std


def test_a_surge_of_wrong_items_raises_one_incident(shop, supervisor, agent, django_capture_on_commit_callbacks):
    shop.ordinary_days(days=28)
    surge = shop.surge(count=30)
    assert incidents_evaluate(now=NOW - dt.timedelta(hours=3)) == []  # before the fault
    found = incidents_evaluate(now=NOW)
    assert [(item.dimension, item.key) for item in found] == [(IncidentDimension.CAUSE, TicketType.WRONG_OR_MISSING)]
    # The carriers' counts rose with the wrong items: explained by them, not raised a second time.
    assert found[0].count >= 30
    assert set(t.pk for t in surge) <= set(found[0].ticket_ids)
    assert found[0].mean < 2

    with django_capture_on_commit_callbacks(execute=True):
        incidents = incidents_detect(now=NOW)
    incident = Incident.objects.get()
    assert incidents == [incident]
    assert (incident.status, incident.dimension, incident.key) == (IncidentStatus.OPEN, "cause", TicketType.WRONG_OR_MISSING)
    assert incident.observed_count == found[0].count
    assert incident.tickets.count() == found[0].count
    assert incident.orders.count() == found[0].count  # each ticket's order is linked too
    with translation.override(settings.LANGUAGE_CODE):
        assert str(TicketType.WRONG_OR_MISSING.label) in incident.title
    assert str(incident.observed_count) in incident.title
    alerts = Notification.objects.filter(kind=NotificationKind.INCIDENT)
    assert list(alerts.values_list("user__username", flat=True)) == ["supervisor"]  # agents are not paged

    # Five minutes later the same surge: still one incident, no second alert; ten more tickets make it grow.
    with django_capture_on_commit_callbacks(execute=True):
        incidents_detect(now=NOW + dt.timedelta(minutes=5))
    shop.surge(count=10, end=NOW + dt.timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        incidents_detect(now=NOW + dt.timedelta(minutes=10))
    incident.refresh_from_db()
    assert Incident.objects.count() == 1
    assert alerts.count() == 1
    assert incident.observed_count > found[0].count
    assert list(incident.events.values_list("action", flat=True)) == ["raised", "grown"]


@pytest.mark.parametrize(("mean", "usual"), [(0.0, "0"), (1.5, "1.5"), (2.04, "2")])
def test_the_title_says_the_usual_count_without_a_useless_decimal(mean, usual):
    surge = Surge(dimension="cause", key=TicketType.WRONG_OR_MISSING, count=30, mean=mean, std=0.0, threshold=8.0,
                  window_start=NOW - dt.timedelta(hours=2), window_end=NOW, ticket_ids=())  # fmt: skip
    with translation.override("en"):
        assert _title(surge) == f"30 tickets about Wrong or missing item in 2 hours (usually {usual})"


def test_ordinary_days_stay_quiet(shop):
    shop.ordinary_days(days=35)
    for day in range(7):
        for hour in range(0, 24, 2):
            moment = NOW.replace(hour=hour) - dt.timedelta(days=day)
            assert incidents_evaluate(now=moment) == [], moment


def test_the_thresholds_are_settings(shop):
    shop.ordinary_days(days=28)
    shop.surge(count=30)
    configure(incident_min_count=40)
    assert incidents_evaluate(now=NOW) == []
    configure(incident_min_count=8, incident_window_minutes=60)
    found = incidents_evaluate(now=NOW)
    assert [(item.key, item.count) for item in found] == [(TicketType.WRONG_OR_MISSING, found[0].count)]
    assert 8 <= found[0].count < 30  # only the last hour of the surge


def test_the_periodic_task_runs_the_detector(db):
    assert incidents_detect_periodic.call_local() == []


# --- the supervisor's response ----------------------------------------------------------------------


@pytest.fixture
def incident(shop, django_capture_on_commit_callbacks) -> Incident:
    shop.ordinary_days(days=28)
    shop.surge(count=30)
    with django_capture_on_commit_callbacks(execute=True):
        incidents_detect(now=NOW)
    return Incident.objects.get()


def test_one_message_reaches_every_affected_customer_on_their_channel(incident, supervisor, django_capture_on_commit_callbacks):
    web = Inbox.objects.create(name="官网在线客服", channel=ChannelType.WEB)
    customers = sorted({ticket.customer for ticket in incident.tickets.all()}, key=lambda customer: customer.pk)
    chatting = customers[:4]
    for customer in chatting:
        Conversation.objects.create(inbox=web, customer=customer)
    mail.outbox.clear()
    body = "亲，非常抱歉：仓库系统故障导致部分订单配错了货。我们会在24小时内为您补发正确商品并赠送10元无门槛券，错发的商品无需寄回。"
    with django_capture_on_commit_callbacks(execute=True):
        event = incident_message_customers(incident=incident, body=body, actor=supervisor)
    by_mail = [customer for customer in customers if customer not in chatting and customer.email]
    unreachable = [customer for customer in customers if customer not in chatting and not customer.email]
    assert event.params["conversation"] == len(chatting) == 4
    assert event.params["email"] == len(by_mail) > 0
    assert event.params["none"] == len(unreachable) > 0
    assert Message.objects.filter(body=body, sender_user=supervisor).count() == 4
    assert sorted(message.to[0] for message in mail.outbox) == sorted(customer.email for customer in by_mail)
    assert IncidentContact.objects.filter(incident=incident).count() == len(customers)
    assert set(IncidentContact.objects.values_list("channel", flat=True)) == set(CustomerChannel.values)
    incident.refresh_from_db()
    assert (incident.status, incident.owner) == (IncidentStatus.COMMUNICATING, supervisor)


def test_the_same_message_is_not_sent_twice_but_news_is(incident, supervisor, django_capture_on_commit_callbacks):
    body = "亲，非常抱歉：仓库系统故障导致部分订单配错了货，我们会尽快为您补发。"
    with django_capture_on_commit_callbacks(execute=True):
        incident_message_customers(incident=incident, body=body, actor=supervisor)
    contacts = IncidentContact.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        incident_message_customers(incident=incident, body=f"  {body} ", actor=supervisor)  # a second click on the same form
    sent_at = timezone.localtime(incident.events.get(action="customers_messaged").created_at).strftime("%Y-%m-%d %H:%M")
    assert refused.value.message_dict == {"body": [f"This message was already sent to the affected customers at {sent_at}; write the news to add."]}
    assert (IncidentContact.objects.count(), incident.events.filter(action="customers_messaged").count()) == (contacts, 1)
    with django_capture_on_commit_callbacks(execute=True):
        incident_message_customers(incident=incident, body="补发的正确商品已全部寄出，请留意物流。", actor=supervisor)
    assert (IncidentContact.objects.count(), incident.events.filter(action="customers_messaged").count()) == (2 * contacts, 2)


def test_after_a_message_the_page_offers_an_empty_box_for_news(incident, supervisor, django_capture_on_commit_callbacks):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(supervisor)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "data-last-message" not in page and "我们正在全力处理" in page
    with django_capture_on_commit_callbacks(execute=True):
        incident_message_customers(incident=incident, body="亲，非常抱歉，我们正在处理。", actor=supervisor)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "data-last-message" in page and "我们正在全力处理" not in page


def test_only_supervisors_handle_incidents(incident, agent, supervisor):
    with pytest.raises(PermissionDenied):
        incident_message_customers(incident=incident, body="x", actor=agent)
    with pytest.raises(PermissionDenied):
        incident_resolve(incident=incident, actor=agent)
    assert incident_acknowledge(incident=incident, actor=supervisor).status == IncidentStatus.ACKNOWLEDGED


def test_a_resolved_incident_lets_a_new_surge_open_a_new_one(incident, supervisor, shop, django_capture_on_commit_callbacks):
    incident_resolve(incident=incident, actor=supervisor, note="仓库已修复，全部补发完成")
    later = NOW + dt.timedelta(days=1)
    shop.surge(count=30, end=later)
    with django_capture_on_commit_callbacks(execute=True):
        incidents_detect(now=later)
    assert list(Incident.objects.order_by("pk").values_list("status", flat=True)) == [IncidentStatus.RESOLVED, IncidentStatus.OPEN]


# --- the pages ---------------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_pages_for_supervisors_only(incident, supervisor, agent):
    client = signed_in(supervisor)
    listing = client.get("/incidents/?status=active")
    assert listing.status_code == 200
    assert incident.title in listing.content.decode()
    detail = client.get(f"/incidents/{incident.pk}/")
    assert detail.status_code == 200
    page = detail.content.decode()
    first_ticket = incident.tickets.order_by("-created_at").first()
    assert first_ticket.number in page
    assert first_ticket.order.number in page
    agent_client = signed_in(agent)
    assert agent_client.get("/incidents/").status_code == 403
    assert agent_client.post(f"/incidents/{incident.pk}/resolve").status_code == 403
    assert Client().get("/incidents/").status_code == 302


def test_the_page_actions(incident, supervisor, django_capture_on_commit_callbacks):
    client = signed_in(supervisor)
    assert client.post(f"/incidents/{incident.pk}/acknowledge").status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.owner) == (IncidentStatus.ACKNOWLEDGED, supervisor)
    extra = Ticket.objects.exclude(pk__in=incident.tickets.values("pk")).first()
    assert client.post(f"/incidents/{incident.pk}/link", {"tickets": extra.number, "orders": ""}).status_code == 302
    assert incident.tickets.filter(pk=extra.pk).exists()
    response = client.post(f"/incidents/{incident.pk}/link", {"tickets": "T-NOPE"}, follow=True)
    assert "T-NOPE" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/incidents/{incident.pk}/message", {"body": "亲，抱歉给您添麻烦了，我们正在补发。"}, follow=True)
    assert response.status_code == 200
    assert IncidentContact.objects.filter(incident=incident).exists()
    assert client.post(f"/incidents/{incident.pk}/resolve", {"note": "已处理"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at is not None


# --- the demo shop's ordinary days -----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_shop(django_db_setup, django_db_blocker):
    """Load the demo shop (with its tickets) once for the module and remove it afterwards."""
    from kefu.demo.loader import demo_delete, demo_load

    with django_db_blocker.unblock():
        demo_load()
    yield
    with django_db_blocker.unblock():
        demo_delete()


def test_the_demo_history_stays_quiet(demo_shop):
    from django.db.models import Max, Min

    span = Ticket.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert Ticket.objects.count() > 0, "the demo loader writes tickets"
    moment = span["first"].astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    evaluated = 0
    while moment <= span["last"] + dt.timedelta(hours=2):
        assert incidents_evaluate(now=moment) == [], moment  # every two hours of every day of the history
        moment += dt.timedelta(hours=2)
        evaluated += 1
    assert evaluated >= 12
