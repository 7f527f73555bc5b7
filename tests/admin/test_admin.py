"""The Django admin: every model opens, searches work, the audit log is read-only, tokens show their secret once."""

import hashlib
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import ApiToken, AuditLog
from kefu.accounts.services import audit_record
from kefu.conversations.models import Conversation, ConversationEvent, Message
from kefu.customers.enums import Platform
from kefu.customers.models import Customer, CustomerIdentity
from kefu.orders.models import Order, OrderItem

pytestmark = pytest.mark.django_db

READ_ONLY_MODELS = {AuditLog, Message, ConversationEvent}


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def order(db) -> Order:
    customer = Customer.objects.create(name="张丽", phone="13812345678", province="浙江", city="杭州")
    CustomerIdentity.objects.create(customer=customer, platform=Platform.TAOBAO, external_id="tb_zhangli88")
    order = Order.objects.create(
        number="2026031512345678",
        customer=customer,
        total_amount=Decimal("999.00"),
        paid_amount=Decimal("999.00"),
        placed_at=timezone.now(),
        carrier="中通快递",
        tracking_number="ZT7788990011",
    )
    OrderItem.objects.create(
        order=order, title="翼龙F40无人机 标准版", sku="F40-STD", unit_price=Decimal("999.00")
    )
    Customer.objects.create(name="李强", phone="13900001111")
    return order


def kefu_models():
    return [
        model
        for model in admin.site._registry
        if model._meta.app_label
        in {"accounts", "inboxes", "customers", "catalog", "orders", "conversations", "knowledge"}
    ]


def test_every_kefu_model_is_registered():
    registered = {model._meta.label for model in kefu_models()}

    assert {
        "accounts.User",
        "accounts.Team",
        "accounts.ApiToken",
        "accounts.AuditLog",
        "inboxes.Inbox",
        "customers.Customer",
        "customers.Tag",
        "catalog.Product",
        "catalog.Category",
        "orders.Order",
        "conversations.Conversation",
        "knowledge.FaqEntry",
        "knowledge.Phrase",
        "knowledge.ForbiddenRule",
        "knowledge.Playbook",
    } <= registered


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_changelist_and_add_page_open_for_a_superuser(admin_client, admin_user, rf, order, model):
    request = rf.get("/admin/")
    request.user = admin_user
    can_add = admin.site._registry[model].has_add_permission(request)
    if model in READ_ONLY_MODELS:
        assert not can_add

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "add")).status_code == (200 if can_add else 403)


def test_change_pages_open_with_data(admin_client, order, agent, presale_team):
    assert admin_client.get(admin_url(Order, "change", order.pk)).status_code == 200
    assert admin_client.get(admin_url(Customer, "change", order.customer.pk)).status_code == 200
    assert admin_client.get(admin_url(type(agent), "change", agent.pk)).status_code == 200
    assert admin_client.get(admin_url(type(presale_team), "change", presale_team.pk)).status_code == 200


def test_admin_is_in_chinese(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()

    assert "Kefu 客服管理后台" in html
    assert "订单" in html and "客户" in html and "会话" in html


@pytest.mark.parametrize("term", ["2026031512345678", "ZT7788990011", "张丽", "tb_zhangli88", "F40-STD"])
def test_order_search(admin_client, order, term):
    response = admin_client.get(admin_url(Order, "changelist"), {"q": term})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [order]


@pytest.mark.parametrize("term", ["张丽", "13812345678", "tb_zhangli88"])
def test_customer_search(admin_client, order, term):
    response = admin_client.get(admin_url(Customer, "changelist"), {"q": term})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [order.customer]


def test_audit_log_cannot_be_changed_or_deleted(admin_client, admin_user, order):
    entry = audit_record(actor=admin_user, action=AuditAction.VIEW, obj=order.customer, via="web")

    change_url = admin_url(AuditLog, "change", entry.pk)
    page = admin_client.get(change_url)
    assert page.status_code == 200  # viewable
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change_url, {"action": "delete", "object_type": "x"}).status_code == 403
    assert admin_client.post(admin_url(AuditLog, "delete", entry.pk), {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.action == AuditAction.VIEW
    assert entry.object_type == "customers.customer"


def test_api_token_created_in_admin_shows_its_secret_once_and_stores_only_the_hash(admin_client, agent):
    response = admin_client.post(
        admin_url(ApiToken, "add"), {"user": agent.pk, "name": "ERP sync"}, follow=True
    )

    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.user == agent and token.name == "ERP sync"
    texts = [str(m) for m in response.context["messages"]]
    secrets = [secret for text in texts for secret in re.findall(r"kefu_[A-Za-z0-9_-]{20,}", text)]
    assert len(secrets) == 1
    secret = secrets[0]
    assert "只显示这一次" in texts[0]
    assert secret.startswith(token.prefix)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert AuditLog.objects.filter(action=AuditAction.TOKEN_CREATE, object_id=str(token.pk)).exists()

    change_page = admin_client.get(admin_url(ApiToken, "change", token.pk)).content.decode()
    assert secret not in change_page
    assert token.key_hash not in change_page
    listing = admin_client.get(admin_url(ApiToken, "changelist")).content.decode()
    assert secret not in listing and token.key_hash not in listing


def test_revoke_action(admin_client, agent):
    from kefu.accounts.services import api_token_create

    token, _secret = api_token_create(user=agent, name="old")

    admin_client.post(
        admin_url(ApiToken, "changelist"), {"action": "revoke_tokens", "_selected_action": [token.pk]}
    )

    token.refresh_from_db()
    assert token.revoked_at is not None


def test_conversation_messages_are_read_only_inline(admin_client, order, presale_team):
    from kefu.inboxes.models import Inbox

    inbox = Inbox.objects.create(name="官网", channel="web")
    conversation = Conversation.objects.create(inbox=inbox, customer=order.customer, last_seq=1)
    Message.objects.create(conversation=conversation, seq=1, sender_kind="customer", body="物流什么时候到？")

    html = admin_client.get(admin_url(Conversation, "change", conversation.pk)).content.decode()

    assert "物流什么时候到？" in html
    assert 'name="messages-0-body"' not in html


def _changelist_queries(admin_client, django_assert_max_num_queries, model, limit: int) -> None:
    with django_assert_max_num_queries(limit):
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200


def test_changelists_do_not_query_per_row(admin_client, django_assert_max_num_queries, agent, presale_team):
    from kefu.inboxes.models import Inbox

    inbox = Inbox.objects.create(name="官网", channel="web")
    inbox.teams.add(presale_team)
    for number in range(30):
        customer = Customer.objects.create(name=f"客户{number}", phone=f"138000000{number:02d}")
        Order.objects.create(number=f"N{number}", customer=customer, placed_at=timezone.now())
        Conversation.objects.create(inbox=inbox, customer=customer, team=presale_team, assignee=agent)

    for model in (Order, Customer, Conversation, Inbox, type(agent), ApiToken, AuditLog):
        _changelist_queries(admin_client, django_assert_max_num_queries, model, 20)


def test_admin_creates_an_agent_with_role_and_display_name(admin_client):
    from kefu.accounts.enums import Role
    from kefu.accounts.models import User

    response = admin_client.post(
        admin_url(User, "add"),
        {
            "username": "xiaoli",
            "usable_password": "true",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
            "role": Role.SUPERVISOR,
            "display_name": "小李",
            "capacity": 10,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="xiaoli")
    assert (user.role, user.display_name, user.capacity) == (Role.SUPERVISOR, "小李", 10)
    assert user.check_password("a-long-pass-2026")
