"""Customer invariants: age derived from the birthday, one identity per platform."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from kefu.customers.models import Customer, CustomerIdentity


@pytest.fixture
def today(monkeypatch):
    """Freeze the shop's local date at 2024-06-15."""
    day = datetime.date(2024, 6, 15)
    monkeypatch.setattr("kefu.customers.models.timezone.localdate", lambda: day)
    return day


@pytest.mark.parametrize(
    ("birthday", "age"),
    [
        (datetime.date(1990, 6, 15), 34),  # birthday today
        (datetime.date(1990, 6, 14), 34),  # yesterday
        (datetime.date(1990, 6, 16), 33),  # tomorrow
        (datetime.date(2024, 6, 15), 0),  # born today
    ],
)
def test_age_turns_over_on_the_birthday(today, birthday, age):
    assert Customer(birthday=birthday).age == age


def test_age_is_none_without_a_birthday(today):
    assert Customer().age is None


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (datetime.date(2023, 2, 28), 22),  # no 29 February: not yet on the 28th
        (datetime.date(2023, 3, 1), 23),  # ... but on 1 March
        (datetime.date(2024, 2, 28), 23),
        (datetime.date(2024, 2, 29), 24),  # leap year: on the day itself
    ],
)
def test_age_of_a_leap_day_birthday(day, age):
    assert Customer(birthday=datetime.date(2000, 2, 29)).age_on(day) == age


def test_age_uses_the_local_date(monkeypatch):
    monkeypatch.setattr("kefu.customers.models.timezone.localdate", lambda: datetime.date(2024, 2, 29))

    assert Customer(birthday=datetime.date(2000, 2, 29)).age == 24


@pytest.mark.django_db
def test_identity_is_unique_per_platform():
    first, second = Customer.objects.create(name="甲"), Customer.objects.create(name="乙")
    CustomerIdentity.objects.create(customer=first, platform="taobao", external_id="buyer1")

    CustomerIdentity.objects.create(customer=second, platform="jd", external_id="buyer1")  # another platform: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerIdentity.objects.create(customer=second, platform="taobao", external_id="buyer1")
