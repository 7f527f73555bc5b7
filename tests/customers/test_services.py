"""Customer services: validation, permission, audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kefu.accounts.models import AuditLog
from kefu.customers.models import Customer
from kefu.customers.services import customer_create, customer_identity_add, customer_update, phone_normalise
from tests.factories import customer_factory


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("0571-88886666", "057188886666"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("", ""),
    ],
)
def test_phone_normalise(raw, normal):
    assert phone_normalise(raw) == normal


@pytest.mark.parametrize("raw", ["abc", "123", "138-1234-567x", "1" * 25])
def test_phone_normalise_rejects(raw):
    with pytest.raises(ValidationError):
        phone_normalise(raw)


def test_create_by_system_actor_is_audited_without_actor(db):
    customer = customer_create(actor=None, fields={"name": "王芳"}, tags=["VIP"], via="cli")

    audit = AuditLog.objects.get(action="create")
    assert (audit.actor, audit.via, audit.object_id, audit.changes) == (
        None,
        "cli",
        str(customer.pk),
        {"name": [None, "王芳"], "tags": [None, ["VIP"]]},
    )


def test_consent_change_stamps_its_time(agent):
    customer = customer_factory(consent_sms=False)
    assert customer.consent_updated_at is None

    customer_update(actor=agent, customer=customer, fields={"consent_sms": True})

    customer.refresh_from_db()
    assert customer.consent_sms is True and customer.consent_updated_at is not None


def test_update_rejects_unknown_fields(agent):
    customer = customer_factory()

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        customer_update(actor=agent, customer=customer, fields={"created_at": None})

    assert caught.value.message_dict == {"created_at": ["Unknown field."]}


def test_identity_add_refuses_another_customers_identity(agent):
    customer_factory(identities=(("wechat", "wx1"),))
    second = customer_factory()

    with pytest.raises(ValidationError) as caught:
        customer_identity_add(actor=agent, customer=second, platform="wechat", external_id="wx1")

    assert list(caught.value.message_dict) == ["identities.0.external_id"]


def test_inactive_actor_is_refused(agent):
    agent.is_active = False

    with pytest.raises(PermissionDenied):
        customer_create(actor=agent, fields={"name": "王芳"})
    assert Customer.objects.count() == 0
