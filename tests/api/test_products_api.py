"""Products API: every staff role reads, administrators write."""

from decimal import Decimal

import pytest

from kefu.accounts.models import AuditLog
from kefu.catalog.models import Product
from tests.factories import category_factory, product_factory

EN = {"Accept-Language": "en"}
NEW_PRODUCT = {"sku": "KB-87", "name": "机械键盘", "price": "299.00", "aliases": ["K87"], "features": ["热插拔"]}


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_every_staff_role_reads_products(client_for_role, role):
    product = product_factory(sku="A-1")
    client = client_for_role(role)

    assert client.get("/api/v1/products").status_code == 200
    assert client.get(f"/api/v1/products/{product.pk}").status_code == 200
    assert client.get("/api/v1/products/by-sku/A-1").status_code == 200


@pytest.mark.parametrize(("role", "create_status", "patch_status"), [("agent", 403, 403), ("supervisor", 403, 403), ("admin", 201, 200)])
def test_only_administrators_write_products(client_for_role, role, create_status, patch_status):
    product = product_factory(name="旧名")
    client = client_for_role(role)

    created = client.post("/api/v1/products", NEW_PRODUCT, headers=EN)
    patched = client.patch(f"/api/v1/products/{product.pk}", {"name": "新名"}, headers=EN)

    assert (created.status_code, patched.status_code) == (create_status, patch_status)
    if create_status == 403:
        assert created.json() == {"detail": "Only administrators may create or change products."}
        assert Product.objects.filter(sku="KB-87").count() == 0
        product.refresh_from_db()
        assert product.name == "旧名"


def test_create_returns_the_product_and_audits(api_client_for, admin_user):
    category = category_factory(name="键盘")

    response = api_client_for(admin_user).post("/api/v1/products", {**NEW_PRODUCT, "category_id": category.pk})

    assert response.status_code == 201
    body = response.json()
    assert (body["sku"], body["price"], body["category_name"], body["aliases"], body["stock_state"]) == (
        "KB-87",
        "299.00",
        "键盘",
        ["K87"],
        "in_stock",
    )
    assert AuditLog.objects.filter(action="create", object_type="catalog.product", object_id=str(body["id"])).count() == 1


def test_patch_changes_only_sent_fields(api_client_for, admin_user):
    product = product_factory(name="鼠标", price=Decimal("59.00"), stock_state="in_stock")

    response = api_client_for(admin_user).patch(f"/api/v1/products/{product.pk}", {"stock_state": "low", "price": "49.90"})

    assert response.status_code == 200
    product.refresh_from_db()
    assert (product.name, product.price, product.stock_state) == ("鼠标", Decimal("49.90"), "low")
    audit = AuditLog.objects.get(action="update", object_type="catalog.product")
    assert audit.changes == {"price": ["59.00", "49.90"], "stock_state": ["in_stock", "low"]}


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({**NEW_PRODUCT, "sku": "TAKEN"}, {"sku"}),
        ({**NEW_PRODUCT, "price": "-1"}, {"price"}),
        ({**NEW_PRODUCT, "price": "1.234"}, {"price"}),
        ({**NEW_PRODUCT, "category_id": 999}, {"category_id"}),
        ({"name": "无 SKU", "price": "1"}, {"sku"}),
        ({**NEW_PRODUCT, "stock_state": "plenty"}, {"stock_state"}),
    ],
)
def test_create_validation(api_client_for, admin_user, payload, fields):
    product_factory(sku="TAKEN")

    response = api_client_for(admin_user).post("/api/v1/products", payload, headers=EN)

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == fields
    assert Product.objects.count() == 1


def test_duplicate_sku_message(api_client_for, admin_user):
    product_factory(sku="TAKEN")

    response = api_client_for(admin_user).post("/api/v1/products", {**NEW_PRODUCT, "sku": "TAKEN"}, headers=EN)

    assert response.json()["detail"] == [{"field": "sku", "message": "A product with the SKU TAKEN already exists.", "code": "duplicate_sku"}]


def test_unknown_product_is_404(api_client_for, agent, admin_user):
    assert api_client_for(agent).get("/api/v1/products/999", headers=EN).json() == {"detail": "Product 999 does not exist."}
    assert api_client_for(agent).get("/api/v1/products/by-sku/NOPE", headers=EN).json() == {"detail": "No product has the SKU NOPE."}
    assert api_client_for(admin_user).patch("/api/v1/products/999", {"name": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=键盘", ["机械键盘", "静音键盘"]),
        ("q=k87", ["机械键盘"]),
        ("q=MS-", ["无线鼠标"]),
        ("stock_state=out_of_stock", ["静音键盘"]),
        ("is_active=false", ["无线鼠标"]),
        ("category_id={keyboards}", ["机械键盘", "静音键盘"]),
        ("category_id={peripherals}", ["无线鼠标", "机械键盘", "静音键盘"]),
    ],
)
def test_list_filters(api_client_for, agent, query, expected):
    peripherals = category_factory(name="外设")
    keyboards = category_factory(name="键盘", parent=peripherals)
    product_factory(sku="KB-87", name="机械键盘", aliases=["K87"], category=keyboards)
    product_factory(sku="KB-S", name="静音键盘", stock_state="out_of_stock", category=keyboards)
    product_factory(sku="MS-1", name="无线鼠标", is_active=False, category=peripherals)

    response = api_client_for(agent).get("/api/v1/products?" + query.format(keyboards=keyboards.pk, peripherals=peripherals.pk))

    assert response.status_code == 200
    assert [p["name"] for p in response.json()["items"]] == sorted(expected)
    assert response.json()["count"] == len(expected)
