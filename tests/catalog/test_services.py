"""Catalogue services and invariants."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from kefu.catalog.models import Product
from kefu.catalog.services import product_create, product_update
from tests.factories import product_factory


def test_supervisors_may_not_edit_products(supervisor):
    with pytest.raises(PermissionDenied):
        product_create(actor=supervisor, fields={"sku": "A", "name": "A", "price": Decimal("1")})


def test_sku_stays_unique_on_update(admin_user):
    product_factory(sku="A")
    second = product_factory(sku="B")

    with pytest.raises(ValidationError) as caught:
        product_update(actor=admin_user, product=second, fields={"sku": "A"})

    assert list(caught.value.message_dict) == ["sku"]
    second.refresh_from_db()
    assert second.sku == "B"


def test_null_for_a_required_field_is_refused(admin_user):
    product = product_factory()

    with pytest.raises(ValidationError) as caught:
        product_update(actor=admin_user, product=product, fields={"name": None, "stock_quantity": None})

    assert list(caught.value.message_dict) == ["name"]


@pytest.mark.django_db
def test_negative_price_is_rejected_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(sku="X", name="X", price=Decimal("-1"))


def test_a_product_edited_in_the_django_admin_reaches_the_assistant(admin_user, client, django_capture_on_commit_callbacks):
    from kefu.knowledge.assist_index import knowledge_version
    from tests.conftest import PASSWORD

    product = Product.objects.create(sku="F40", name="翼龙F40", price="2999")
    client.login(username=admin_user.username, password=PASSWORD)
    before = knowledge_version()
    form = {"sku": "F40", "name": "翼龙F40 Pro", "price": "3099", "stock_state": "in_stock", "stock_quantity": "5", "is_active": "on",
            "aliases": "[]", "summary": "", "description": "", "features": "[]", "advantages": "[]", "applications": "[]", "specifications": "{}"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    product.refresh_from_db()
    assert (product.name, knowledge_version()) == ("翼龙F40 Pro", before + 1)
