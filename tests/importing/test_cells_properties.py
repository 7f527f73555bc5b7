"""Properties of the cell parsers (kefu.importing.cells), over generated values rather than examples.

Each property is what the module promises: amounts and dates written the way shop exports write them
parse back to the value that was written; anything else is refused with a RowError (translated, shown
to the user against its line), never another exception; normalising text, phones and lists is stable.
"""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kefu.importing import cells

pytestmark = pytest.mark.usefixtures("settings_shanghai")
fast = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SHANGHAI = ZoneInfo("Asia/Shanghai")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture
def settings_shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    cells.local_zone.cache_clear()
    yield
    cells.local_zone.cache_clear()


# --- amounts ------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=cells.MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False)


def _grouped(value: Decimal, separator: str = ",") -> str:
    whole, _dot, cents = f"{value:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", separator) + "." + cents


@st.composite
def written_amounts(draw) -> tuple[Decimal, str]:
    """Write an amount as an export does: ¥/￥/元, thousands separators, spaces, guards, full-width digits."""
    value = draw(amounts)
    body = draw(st.sampled_from([f"{value:.2f}", f"{value}", _grouped(value), _grouped(value, "，"), _grouped(value, " ")]))
    if draw(st.booleans()):
        body = body.translate(FULL_WIDTH)
    body = draw(st.sampled_from(["¥", "￥", "¥ ", "$", ""])) + body + draw(st.sampled_from(["", "元", " 元"]))
    body = draw(st.sampled_from(["{}", " {} ", "\t{}", "'{}", '="{}"', "{}\u00a0"])).format(body)
    return value, body


@fast
@given(written_amounts())
def test_a_written_amount_parses_back_to_itself(written):
    value, cell = written
    assert cells.amount(cell, label="实付金额") == value


@fast
@given(amounts)
def test_a_numeric_cell_parses_back_to_itself(value):
    assert cells.amount(value, label="实付金额") == value
    assert cells.amount(float(value), label="实付金额") == value


@fast
@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=0, max_value=cells.MAX_AMOUNT))
def test_an_amount_is_rounded_half_up_to_the_fen(value):
    parsed = cells.amount(str(value), label="实付金额")
    assert parsed is not None and parsed.as_tuple().exponent == -2
    assert abs(parsed - value) <= Decimal("0.005")


@fast
@given(st.one_of(st.text(), st.decimals(), st.floats(), st.integers(), st.from_regex(r"-?[\d.,]*[eE][+-]?\d{1,12}")))
def test_any_amount_cell_parses_or_is_refused_with_a_row_error(cell):
    try:
        parsed = cells.amount(cell, label="实付金额")
    except cells.RowError as error:
        assert "实付金额" in str(error)
    else:
        assert parsed is None or Decimal(0) <= parsed <= cells.MAX_AMOUNT


@pytest.mark.parametrize("cell", ["1e30", "-1e30", 1e30, "9e999999999"])
def test_an_amount_too_long_to_round_is_refused_as_out_of_range(cell):
    with pytest.raises(cells.RowError):
        cells.amount(cell, label="实付金额")


@fast
@given(st.one_of(st.text(), st.integers(), st.floats(), st.from_regex(r"-?\d[\d,]*(\.\d*)?([eE][+-]?\d{1,9})?件?")))
def test_any_quantity_cell_parses_or_is_refused_with_a_row_error(cell):
    try:
        parsed = cells.integer(cell, label="数量")
    except cells.RowError as error:
        assert "数量" in str(error)
    else:
        assert parsed is None or isinstance(parsed, int)


def test_a_quantity_written_with_a_huge_exponent_is_refused_at_once():
    with pytest.raises(cells.RowError):
        cells.integer("1e9999999", label="数量")  # int() of it alone took minutes


# --- dates --------------------------------------------------------------------------------

# China has kept one offset since 1991, so a local wall time names exactly one moment.
moments = st.datetimes(
    min_value=datetime.datetime(1992, 1, 1),  # noqa: DTZ001 - bounds of naive generation
    max_value=datetime.datetime(2099, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from([datetime.UTC, SHANGHAI, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]),
).map(lambda moment: moment.replace(microsecond=0))

FORMATS = [
    "{d:%Y-%m-%d %H:%M:%S}",
    "{d:%Y/%m/%d %H:%M:%S}",
    "{d.year}/{d.month}/{d.day} {d.hour}:{d:%M:%S}",
    "{d.year}-{d.month}-{d.day}T{d:%H:%M:%S}",
    "{d:%Y.%m.%d %H:%M:%S}.000",
    "{d.year}年{d.month}月{d.day}日 {d.hour}时{d.minute}分{d.second}秒",
    "{d:%Y%m%d%H%M%S}",
]
MINUTE_FORMATS = ["{d.year}/{d.month}/{d.day} {d.hour}:{d:%M}", "{d.year}年{d.month}月{d.day}日 {d.hour}时{d.minute}分"]
DAY_FORMATS = ["{d:%Y-%m-%d}", "{d.year}/{d.month}/{d.day}", "{d.year}年{d.month}月{d.day}日", "{d:%Y%m%d}"]


@fast
@given(moments, st.sampled_from(FORMATS), st.booleans())
def test_a_written_moment_parses_back_to_the_same_instant_in_shanghai(moment, form, full_width):
    cell = form.format(d=moment.astimezone(SHANGHAI))
    parsed = cells.moment(cell.translate(FULL_WIDTH) if full_width else cell, label="付款时间")
    assert parsed.timestamp() == moment.timestamp()  # == on datetimes of two zones is False in a DST fold
    assert parsed.tzinfo == SHANGHAI


@fast
@given(moments, st.sampled_from(MINUTE_FORMATS))
def test_a_moment_written_to_the_minute_parses_to_that_minute(moment, form):
    local = moment.astimezone(SHANGHAI)
    assert cells.moment(form.format(d=local), label="付款时间") == local.replace(second=0)


@fast
@given(moments, st.sampled_from(DAY_FORMATS))
def test_a_written_day_parses_to_that_day(moment, form):
    local = moment.astimezone(SHANGHAI)
    assert cells.day(form.format(d=local), label="生日") == local.date()
    assert cells.moment(form.format(d=local), label="下单时间") == datetime.datetime.combine(local.date(), datetime.time(), SHANGHAI)


@fast
@given(moments)
def test_an_excel_serial_date_parses_back_to_the_second(moment):
    local = moment.astimezone(SHANGHAI).replace(tzinfo=None)
    serial = (local - datetime.datetime(1899, 12, 30)).total_seconds() / 86400  # noqa: DTZ001 - Excel's epoch
    assert cells.moment(serial, label="付款时间") == local.replace(tzinfo=SHANGHAI)


@fast
@given(st.one_of(st.text(), st.integers(), st.floats(), st.from_regex(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?( \d{1,2}[:时]\d{1,2}([:分]\d{1,2}秒?)?)?")))
def test_any_date_cell_parses_or_is_refused_with_a_row_error(cell):
    try:
        parsed = cells.moment(cell, label="付款时间")
    except cells.RowError as error:
        assert "付款时间" in str(error)
    else:
        assert parsed is None or parsed.tzinfo is not None


# --- text, phones, lists ------------------------------------------------------------------

clean_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40).map(str.strip)


@fast
@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none()))
def test_text_is_stripped(cell):
    value = cells.text(cell)
    assert value == value.strip()


@fast
@given(clean_text)
def test_text_removes_one_excel_guard_and_keeps_the_rest(value):
    assume(not value.startswith(("'", '="')))
    assert cells.text(value) == value
    assert cells.text("'" + value) == value
    assert cells.text(f' ="{value}" ') == value
    assert cells.text("\t" + value + "\t") == value


@fast
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_a_number_read_as_a_float_keeps_its_digits(number):
    assert cells.text(float(number)) == str(number)


mainland_mobiles = st.from_regex(r"1[3-9]\d{9}", fullmatch=True)


@st.composite
def written_phones(draw) -> tuple[str, str]:
    """Write a mainland mobile as exports and agents do: +86/0086, spaces, dashes, brackets, guards."""
    number = draw(mainland_mobiles)
    parts = [number[:3], number[3:7], number[7:]]
    body = draw(st.sampled_from(["", " ", "-"])).join(parts)
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "(+86)", "（+86）"]))
    form = draw(st.sampled_from(["{}", " {} ", "'{}", '="{}"', "\t{}"]))
    return number, form.format(prefix + body)


@fast
@given(written_phones())
def test_a_written_phone_normalises_to_its_digits(written):
    number, cell = written
    assert cells.phone(cell) == number
    assert cells.phone(number) == number


@fast
@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none()))
def test_phone_normalisation_never_fails_and_is_bounded(cell):
    value = cells.phone(cell)
    assert len(value) <= 32
    assert not re.search(r"[\s\-()（）*]", value)


@fast
@given(st.text(st.characters(whitelist_categories=("Nd", "L")), max_size=20))
def test_phone_normalisation_is_idempotent_on_its_own_output(cell):
    assert cells.phone(cells.phone(cell)) == cells.phone(cell)


@fast
@given(st.builds(lambda head, tail: f"{head}*{tail}", st.text(), st.text()))
def test_a_masked_phone_is_dropped(cell):
    assert cells.phone(cell) == ""


items = st.lists(st.text(st.characters(whitelist_categories=("L", "Nd")), min_size=1, max_size=8), max_size=6)


@fast
@given(items, st.sampled_from(["、", "，", ",", ";", "；", "|", "\n", "、\n"]))
def test_a_written_list_splits_back_into_its_items(values, separator):
    assert cells.items_list(separator.join(values)) == values
    assert cells.items_list(f" {separator} ".join(values)) == values


@fast
@given(st.text())
def test_list_splitting_is_idempotent(cell):
    values = cells.items_list(cell)
    assert all(value and value == value.strip() for value in values)
    assert cells.items_list("、".join(values)) == cells.items_list("、".join(cells.items_list("、".join(values))))
