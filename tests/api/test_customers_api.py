"""Customers API: authorisation, filters, pagination, masking, audit, validation."""

import datetime

import pytest
from django.utils import timezone

from kefu.accounts.models import AuditLog
from kefu.customers.models import Customer, CustomerNote
from tests.factories import customer_factory, order_factory

EN = {"Accept-Language": "en"}


# --- authorisation matrix --------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_every_staff_role_reads_lists_and_profiles(client_for_role, role):
    customer = customer_factory()
    client = client_for_role(role)

    assert client.get("/api/v1/customers").status_code == 200
    assert client.get(f"/api/v1/customers/{customer.pk}").status_code == 200
    assert client.get(f"/api/v1/customers/{customer.pk}/notes").status_code == 200


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_every_staff_role_creates_and_edits_customers(client_for_role, role):
    client = client_for_role(role)

    created = client.post("/api/v1/customers", {"name": "王芳", "phone": "13800001111"})
    edited = client.patch(f"/api/v1/customers/{created.json()['id']}", {"city": "宁波市"})
    noted = client.post(f"/api/v1/customers/{created.json()['id']}/notes", {"body": "喜欢蓝色"})

    assert (created.status_code, edited.status_code, noted.status_code) == (201, 200, 201)


def test_unknown_customer_is_404_for_every_operation(api_client_for, agent):
    client = api_client_for(agent)

    responses = [
        client.get("/api/v1/customers/999", headers=EN),
        client.patch("/api/v1/customers/999", {"name": "x"}, headers=EN),
        client.post("/api/v1/customers/999/notes", {"body": "x"}, headers=EN),
        client.get("/api/v1/customers/999/notes", headers=EN),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert responses[0].json() == {"detail": "Customer 999 does not exist."}


# --- reading ---------------------------------------------------------------------------


def test_profile_has_identities_tags_and_totals(api_client_for, supervisor):
    customer = customer_factory(name="李雷", tags=("VIP", "老客户"), identities=(("taobao", "lilei88"), ("wechat", "wx_lilei")))
    order_factory(customer=customer, total_amount="120.00", paid_amount="120.00", status="completed")
    order_factory(customer=customer, total_amount="80.50", paid_amount="80.50", status="paid")
    order_factory(customer=customer, total_amount="300.00", paid_amount="300.00", status="refunded")
    CustomerNote.objects.create(customer=customer, author=supervisor, body="要发票")

    body = api_client_for(supervisor).get(f"/api/v1/customers/{customer.pk}").json()

    assert body["name"] == "李雷"
    assert body["tags"] == ["VIP", "老客户"]
    assert [(i["platform"], i["external_id"]) for i in body["identities"]] == [("taobao", "lilei88"), ("wechat", "wx_lilei")]
    assert body["notes_count"] == 1
    assert body["order_count"] == 3
    assert body["total_spend"] == "200.50"


def test_list_is_paginated_with_count_and_stable_order(api_client_for, agent):
    now = timezone.now()
    customers = [customer_factory(created_at=now - datetime.timedelta(minutes=i % 3)) for i in range(7)]
    expected_order = [c.pk for c in sorted(customers, key=lambda c: (c.created_at, c.pk), reverse=True)]
    client = api_client_for(agent)

    first = client.get("/api/v1/customers?limit=3&offset=0").json()
    second = client.get("/api/v1/customers?limit=3&offset=3").json()
    last = client.get("/api/v1/customers?limit=3&offset=6").json()

    assert first["count"] == second["count"] == last["count"] == 7
    assert [c["id"] for c in first["items"] + second["items"] + last["items"]] == expected_order


def test_page_size_is_capped_by_the_setting(api_client_for, agent, settings):
    for _ in range(3):
        customer_factory()
    from kefu.api_pagination import KefuPagination

    paginator = KefuPagination()
    assert paginator.max_limit == settings.KEFU["API_MAX_PAGE_SIZE"]
    response = api_client_for(agent).get("/api/v1/customers?limit=100000")
    assert response.status_code == 200
    assert response.json()["count"] == 3


@pytest.mark.parametrize(
    ("query", "expected_names"),
    [
        ("q=王", ["王芳"]),
        ("q=13900002222", ["张伟"]),
        ("q=zhang@example.com", ["张伟"]),
        ("q=tb_wangfang", ["王芳"]),
        ("province=广东省", ["陈静"]),
        ("city=杭州市", ["张伟", "王芳"]),
        ("gender=female", ["陈静", "王芳"]),
        ("tag=VIP", ["陈静", "王芳"]),
        ("value_level=high", ["张伟"]),
        ("tag=VIP&gender=female&province=浙江省", ["王芳"]),
    ],
)
def test_list_filters(api_client_for, agent, query, expected_names):
    base = timezone.now()
    customer_factory(
        name="王芳", gender="female", tags=("VIP",), identities=(("taobao", "tb_wangfang"),), created_at=base - datetime.timedelta(hours=3)
    )
    customer_factory(
        name="张伟", gender="male", phone="13900002222", email="zhang@example.com", value_level="high", created_at=base - datetime.timedelta(hours=2)
    )
    customer_factory(
        name="陈静", gender="female", province="广东省", city="深圳市", tags=("VIP",), created_at=base - datetime.timedelta(hours=1)
    )

    response = api_client_for(agent).get(f"/api/v1/customers?{query}")

    assert response.status_code == 200
    assert [c["name"] for c in response.json()["items"]] == expected_names


def test_created_after_and_before_filter(api_client_for, agent):
    old = customer_factory(name="旧", created_at=datetime.datetime(2024, 1, 10, 12, tzinfo=datetime.UTC))
    customer_factory(name="新", created_at=datetime.datetime(2024, 3, 10, 12, tzinfo=datetime.UTC))
    client = api_client_for(agent)

    before = client.get("/api/v1/customers", {"created_before": "2024-02-01T00:00:00+08:00"}).json()
    after = client.get("/api/v1/customers", {"created_after": "2024-02-01T00:00:00+08:00"}).json()

    assert [c["id"] for c in before["items"]] == [old.pk]
    assert [c["name"] for c in after["items"]] == ["新"]


def test_list_of_twenty_runs_a_constant_number_of_queries(api_client_for, agent, django_assert_max_num_queries):
    for index in range(20):
        customer_factory(tags=("VIP", f"标签{index % 4}"))
    client = api_client_for(agent)

    with django_assert_max_num_queries(6):  # token + last use, count, page, tags
        response = client.get("/api/v1/customers?limit=20")

    assert len(response.json()["items"]) == 20
    assert all(len(item["tags"]) == 2 for item in response.json()["items"])


# --- masking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "phone", "address", "masked"),
    [
        ("agent", "138****5678", "浙江省杭州市西湖区****", True),
        ("agent_with_contact", "13812345678", "浙江省杭州市西湖区文三路1号", False),
        ("supervisor", "13812345678", "浙江省杭州市西湖区文三路1号", False),
        ("admin_user", "13812345678", "浙江省杭州市西湖区文三路1号", False),
    ],
)
def test_contact_details_are_masked_by_role(db, request, api_client_for, who, phone, address, masked):
    user = request.getfixturevalue(who)
    customer = customer_factory(phone="13812345678", address="浙江省杭州市西湖区文三路1号")
    client = api_client_for(user)

    detail = client.get(f"/api/v1/customers/{customer.pk}").json()
    listed = client.get("/api/v1/customers").json()["items"][0]

    assert (detail["phone"], detail["address"], detail["contact_masked"]) == (phone, address, masked)
    assert (listed["phone"], listed["address"]) == (phone, address)


# --- audit -----------------------------------------------------------------------------


def test_unmasked_profile_read_is_audited_and_masked_read_is_not(api_client_for, supervisor, agent):
    customer = customer_factory()

    api_client_for(agent).get(f"/api/v1/customers/{customer.pk}")
    api_client_for(supervisor).get(f"/api/v1/customers/{customer.pk}")

    views = AuditLog.objects.filter(action="view", object_type="customers.customer", object_id=str(customer.pk))
    assert [(row.actor, row.via, row.ip_address) for row in views] == [(supervisor, "api", "127.0.0.1")]


def test_create_writes_customer_identities_tags_and_an_audit_row(api_client_for, agent):
    payload = {
        "name": "王芳",
        "gender": "female",
        "birthday": "1990-05-01",
        "phone": "+86 138 0000 1111",
        "email": "WangFang@Example.com",
        "identities": [{"platform": "taobao", "external_id": "tb_wf"}],
        "tags": ["VIP", "VIP", "新客"],
    }

    response = api_client_for(agent).post("/api/v1/customers", payload)

    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    assert (customer.phone, customer.email, customer.gender) == ("13800001111", "wangfang@example.com", "female")
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "新客"]
    assert list(customer.identities.values_list("platform", "external_id")) == [("taobao", "tb_wf")]
    audit = AuditLog.objects.get(action="create", object_type="customers.customer")
    assert audit.actor == agent and audit.via == "api" and audit.object_id == str(customer.pk)
    assert audit.changes["name"] == [None, "王芳"]
    assert audit.changes["birthday"] == [None, "1990-05-01"]
    assert audit.changes["tags"] == [None, ["VIP", "新客"]]
    assert audit.changes["identities"] == [None, ["taobao:tb_wf"]]


def test_patch_changes_only_sent_fields_and_audits_old_and_new(api_client_for, agent):
    customer = customer_factory(name="王芳", city="杭州市", tags=("VIP",))

    response = api_client_for(agent).patch(f"/api/v1/customers/{customer.pk}", {"city": "宁波市", "tags": ["VIP", "复购"]})

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["city"], response.json()["tags"]) == ("王芳", "宁波市", ["VIP", "复购"])
    audit = AuditLog.objects.get(action="update", object_id=str(customer.pk))
    assert audit.changes == {"city": ["杭州市", "宁波市"], "tags": [["VIP"], ["VIP", "复购"]]}


def test_patch_without_changes_writes_no_audit_row(api_client_for, agent):
    customer = customer_factory(name="王芳")

    response = api_client_for(agent).patch(f"/api/v1/customers/{customer.pk}", {"name": "王芳"})

    assert response.status_code == 200
    assert not AuditLog.objects.filter(action="update").exists()


def test_note_is_created_with_author_and_audited(api_client_for, agent):
    customer = customer_factory()

    response = api_client_for(agent).post(f"/api/v1/customers/{customer.pk}/notes", {"body": "  喜欢蓝色 "})

    assert response.status_code == 201
    assert (response.json()["body"], response.json()["author_name"], response.json()["customer_id"]) == ("喜欢蓝色", "小美", customer.pk)
    assert AuditLog.objects.filter(action="create", object_type="customers.customernote", actor=agent).count() == 1
    listed = api_client_for(agent).get(f"/api/v1/customers/{customer.pk}/notes").json()
    assert listed["count"] == 1 and listed["items"][0]["body"] == "喜欢蓝色"


# --- validation ------------------------------------------------------------------------


def test_create_reports_every_bad_field_and_changes_nothing(api_client_for, agent):
    customer_factory(identities=(("taobao", "taken"),))
    payload = {
        "name": "x" * 65,
        "gender": "other",
        "identities": [{"platform": "taobao", "external_id": "taken"}],
    }

    response = api_client_for(agent).post("/api/v1/customers", payload, headers=EN)

    assert response.status_code == 422
    assert {(e["field"], e["code"]) for e in response.json()["detail"]} == {("name", "string_too_long"), ("gender", "enum")}
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "王芳", "phone": "call me"}, "phone", "Enter a valid phone number, e.g. 13812345678."),
        ({"name": "王芳", "email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"name": "王芳", "birthday": "2999-01-01"}, "birthday", "The birthday cannot be in the future."),
        (
            {"name": "王芳", "identities": [{"platform": "taobao", "external_id": "taken"}]},
            "identities.0.external_id",
            "Another customer already has the identity taken on this platform.",
        ),
        ({"province": "浙江省"}, "name", "Give at least a name, a phone number, an e-mail address or an identity."),
    ],
)
def test_create_service_validation_errors(api_client_for, agent, payload, field, message):
    customer_factory(identities=(("taobao", "taken"),))

    response = api_client_for(agent).post("/api/v1/customers", payload, headers=EN)

    assert response.status_code == 422
    assert [(e["field"], e["message"]) for e in response.json()["detail"]] == [(field, message)]
    assert Customer.objects.count() == 1


def test_patch_rejects_null_for_a_required_field(api_client_for, agent):
    customer = customer_factory(name="王芳")

    response = api_client_for(agent).patch(f"/api/v1/customers/{customer.pk}", {"name": None, "phone": "12"}, headers=EN)

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == {"name"}
    customer.refresh_from_db()
    assert customer.name == "王芳"
