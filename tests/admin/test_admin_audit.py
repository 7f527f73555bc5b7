"""Changes to customer data in the Django admin leave audit rows, as the services do."""

import pytest
from django.test import Client

from kefu.accounts.models import AuditLog
from kefu.customers.models import Customer
from tests.conftest import PASSWORD


@pytest.fixture
def admin_client_logged_in(admin_user) -> Client:
    client = Client()
    assert client.login(username=admin_user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_editing_a_customer_in_the_admin_is_audited(admin_client_logged_in, admin_user):
    customer = Customer.objects.create(name="李先生", phone="13900001111", province="浙江省", city="杭州市")
    page = admin_client_logged_in.get(f"/admin/customers/customer/{customer.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update({"name": "李先生", "phone": "13900002222", "province": "浙江省", "city": "杭州市", "created_at_0": "2026-01-01", "created_at_1": "10:00:00"})
    for prefix in ("identities", "notes"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})

    response = admin_client_logged_in.post(f"/admin/customers/customer/{customer.pk}/change/", data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    row = AuditLog.objects.get(object_type="customers.customer", object_id=str(customer.pk), action="update")
    assert row.actor == admin_user
    assert row.via == "admin"
    assert row.changes["phone"] == ["13900001111", "13900002222"]


@pytest.mark.django_db
def test_deleting_a_customer_in_the_admin_is_audited(admin_client_logged_in, admin_user):
    customer = Customer.objects.create(name="王女士")

    admin_client_logged_in.post(f"/admin/customers/customer/{customer.pk}/delete/", {"post": "yes"})

    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert AuditLog.objects.filter(object_id=str(customer.pk), action="delete", actor=admin_user, via="admin").count() == 1
