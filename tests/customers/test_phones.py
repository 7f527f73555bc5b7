"""One canonical phone form, so the API and the import recognise the same customer."""

import pytest

from kefu.customers.phones import phone_canonical
from kefu.customers.services import phone_normalise
from kefu.importing import cells


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 138 1234 5678", "13812345678"),
        ("（+86）138.1234.5678", "13812345678"),
        ("0571-8888 6666", "057188886666"),
        ("+86 571 8888 6666", "+8657188886666"),  # a landline keeps its country code
        ("+1 (415) 555-0100", "+14155550100"),
    ],
)
def test_api_and_import_store_the_same_form(written, canonical):
    assert phone_canonical(written) == canonical
    assert cells.phone(written) == canonical
    assert phone_normalise(written) == canonical
