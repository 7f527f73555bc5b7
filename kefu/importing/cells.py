"""Turn the cells of shop exports into typed values, or say in the user's language why not.

Exports write amounts as "¥1,299.00", dates as "2026/3/1 12:00" or Excel datetimes, and keep
long numbers as text with a leading apostrophe or as ="...". All of that is accepted here.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from kefu.customers.enums import Gender
from kefu.customers.phones import phone_canonical
from kefu.orders.enums import OrderStatus

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # noqa: DTZ001 - naive on purpose, made aware below
_DATETIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?)?\s*[分秒]?)?$"
)
_COMPACT_DATETIME = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$")
_LIST_SEPARATORS = re.compile(r"[,，、;；|\n]+")
_AMOUNT_NOISE = str.maketrans("", "", "¥￥$,， 元\u00a0")


class RowError(Exception):
    """A cell or row that cannot be imported; the message is already translated."""


@cache
def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def text(value: Any) -> str:
    """Clean a cell into text: strip spaces, tabs, a leading apostrophe and Excel's ="..." guard."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if not isinstance(value, str):
        return str(value).strip()
    value = value.strip().strip("\t")
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1].strip()
    elif value.startswith("'"):
        value = value[1:].strip()
    return value


def amount(value: Any, *, label: str) -> Decimal | None:
    """Parse an amount in yuan (rounded to the fen), None if the cell is empty."""
    if value is None:
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        raw = text(value)
        if not raw:
            return None
        try:
            number = Decimal(raw.translate(_AMOUNT_NOISE))
        except InvalidOperation:
            raise RowError(_("%(column)s: %(value)s is not an amount") % {"column": label, "value": raw}) from None
    if not number.is_finite():
        raise RowError(_("%(column)s: %(value)s is not an amount") % {"column": label, "value": value})
    try:
        number = number.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # too many digits to round (e.g. 1e30): far out of range, said below
        pass
    if number < 0:
        raise RowError(_("%(column)s: the amount %(value)s is negative") % {"column": label, "value": number})
    if number > MAX_AMOUNT:
        raise RowError(_("%(column)s: the amount %(value)s is too large") % {"column": label, "value": number})
    return number


def integer(value: Any, *, label: str) -> int | None:
    """Parse a whole number such as a quantity or a stock level, None if empty."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raw = text(value).replace(",", "").replace("件", "").strip()
    if not raw:
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise RowError(_("%(column)s: %(value)s is not a whole number") % {"column": label, "value": raw})
    if number.adjusted() >= 19:  # beyond any integer column; int() of "1e9999999" would take minutes
        raise RowError(_("%(column)s: %(value)s is too large") % {"column": label, "value": raw})
    return int(number)


def moment(value: Any, *, label: str) -> datetime.datetime | None:
    """Parse a date and time as the shop's exports write it, in settings.TIME_ZONE, aware."""
    if value is None:
        return None
    zone = local_zone()
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=zone)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial date, 1900-01-01 to 9999-12-31
            # Rounded to the second: a float day fraction falls just short (14:06 is read as 14:05:59.99...).
            seconds = round(float(value) * 86400)
            if seconds < 2958466 * 86400:
                return (_EXCEL_EPOCH + datetime.timedelta(seconds=seconds)).replace(tzinfo=zone)
        raise RowError(_("%(column)s: %(value)s is not a date") % {"column": label, "value": value})
    raw = text(value)
    if not raw or raw in {"-", "--", "null", "NULL", "0000-00-00 00:00:00"}:
        return None
    match = _DATETIME.match(raw) or _COMPACT_DATETIME.match(raw)
    if match is None:
        raise RowError(_("%(column)s: %(value)s is not a date") % {"column": label, "value": raw})
    year, month, day, hour, minute, second = match.groups()
    try:
        return datetime.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=zone
        )
    except ValueError:
        raise RowError(_("%(column)s: %(value)s is not a date") % {"column": label, "value": raw}) from None


def day(value: Any, *, label: str) -> datetime.date | None:
    """Parse a calendar date such as a birthday."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    parsed = moment(value, label=label)
    return parsed.date() if parsed else None


def phone(value: Any) -> str:
    """Normalise a phone number for matching; a masked one (138****1234) is dropped."""
    raw = text(value)
    if not raw or "*" in raw:
        return ""
    return phone_canonical(raw)[:32]


def email(value: Any) -> str:
    raw = text(value).lower()
    if not raw or "*" in raw or "@" not in raw or " " in raw:
        return ""
    return raw[:254]


def items_list(value: Any) -> list[str]:
    """Split a cell such as 爱好 or 特点 into a list (、，,;；| or new lines)."""
    return [part.strip() for part in _LIST_SEPARATORS.split(text(value)) if part.strip()]


def clip(value: str, length: int) -> str:
    return value[:length]


_GENDERS = {
    "男": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE, "man": Gender.MALE, "先生": Gender.MALE,
    "女": Gender.FEMALE, "f": Gender.FEMALE, "female": Gender.FEMALE, "woman": Gender.FEMALE, "女士": Gender.FEMALE,
    "": Gender.UNKNOWN, "未知": Gender.UNKNOWN, "保密": Gender.UNKNOWN, "unknown": Gender.UNKNOWN, "-": Gender.UNKNOWN,
}  # fmt: skip


def gender(value: Any, *, label: str) -> str:
    raw = text(value).lower()
    if raw not in _GENDERS:
        raise RowError(_("%(column)s: %(value)s is not a gender (男/女)") % {"column": label, "value": raw})
    return _GENDERS[raw]


# Status texts of Taobao/Tmall, JD and Pinduoduo exports, plus our own values and English labels.
ORDER_STATUSES: dict[str, str] = {
    "等待买家付款": OrderStatus.UNPAID, "待付款": OrderStatus.UNPAID, "未付款": OrderStatus.UNPAID,
    "等待付款": OrderStatus.UNPAID, "待支付": OrderStatus.UNPAID,
    "买家已付款，等待卖家发货": OrderStatus.PAID, "买家已付款,等待卖家发货": OrderStatus.PAID,
    "等待卖家发货": OrderStatus.PAID, "买家已付款": OrderStatus.PAID, "待发货": OrderStatus.PAID,
    "已付款": OrderStatus.PAID, "等待出库": OrderStatus.PAID, "已付款待发货": OrderStatus.PAID,
    "待出库": OrderStatus.PAID, "部分发货": OrderStatus.PAID, "卖家部分发货": OrderStatus.PAID,
    "卖家已发货，等待买家确认": OrderStatus.SHIPPED, "卖家已发货,等待买家确认": OrderStatus.SHIPPED,
    "卖家已发货": OrderStatus.SHIPPED, "已发货": OrderStatus.SHIPPED, "等待买家确认收货": OrderStatus.SHIPPED,
    "等待确认收货": OrderStatus.SHIPPED, "已发货，待签收": OrderStatus.SHIPPED, "已发货,待签收": OrderStatus.SHIPPED,
    "待收货": OrderStatus.SHIPPED, "已出库": OrderStatus.SHIPPED, "待签收": OrderStatus.SHIPPED,
    "已签收": OrderStatus.DELIVERED, "买家已签收": OrderStatus.DELIVERED, "已收货": OrderStatus.DELIVERED,
    "交易成功": OrderStatus.COMPLETED, "完成": OrderStatus.COMPLETED, "已完成": OrderStatus.COMPLETED,
    "交易完成": OrderStatus.COMPLETED, "已确认收货": OrderStatus.COMPLETED,
    "交易关闭": OrderStatus.CLOSED, "已关闭": OrderStatus.CLOSED, "已取消": OrderStatus.CLOSED,
    "取消": OrderStatus.CLOSED, "订单取消": OrderStatus.CLOSED, "未付款，已关闭": OrderStatus.CLOSED,
    "交易自动关闭": OrderStatus.CLOSED, "锁定": OrderStatus.CLOSED,
    "退款中": OrderStatus.REFUNDING, "申请退款中": OrderStatus.REFUNDING, "退款申请中": OrderStatus.REFUNDING,
    "售后中": OrderStatus.REFUNDING, "退货退款中": OrderStatus.REFUNDING,
    "已退款": OrderStatus.REFUNDED, "退款成功": OrderStatus.REFUNDED, "退款完成": OrderStatus.REFUNDED,
    "交易关闭（已退款）": OrderStatus.REFUNDED, "已全额退款": OrderStatus.REFUNDED,
}  # fmt: skip
for _status in OrderStatus:
    ORDER_STATUSES[_status.value] = _status.value


def order_status(value: Any, *, label: str) -> str | None:
    raw = text(value)
    if not raw:
        return None
    key = raw.replace(" ", "")
    status = ORDER_STATUSES.get(key) or ORDER_STATUSES.get(raw.lower())
    if status is None:
        raise RowError(_("%(column)s: unknown order status %(value)s") % {"column": label, "value": raw})
    return status
