"""The after-sales fields of the demo's orders: shop, payment number, shipping method, promised delivery.

Drawn from their own ``random.Random`` so adding them changed none of the customers, orders
and chats drawn before. Every order gets its shop and shipping method; every paid order its
platform's payment number and the arrival date promised at sale (a few days after payment,
by shipping method). Orders whose parcel came after that date are the late deliveries the
after-sales history complains about; the compensation evidence reads these same dates.
"""

from __future__ import annotations

import datetime as dt
import random

from kefu.orders.models import Order

from .constants import SEED, SHOP_TZ

SHOP_NAMES = {"taobao": "乐享优选旗舰店", "douyin": "乐享优选抖音小店", "shop": "乐享优选官方商城"}
BIG_EQUIPMENT = ("CHL-12KW", "UAV-F40")
# shipping method -> whole days from payment to the promised arrival (at 20:00 shop time)
PROMISE_DAYS = {"快递": 5, "EMS": 7, "物流": 10, "自提": 3}


def _payment_number(rng: random.Random, platform: str, paid_at: dt.datetime) -> str:
    """Return a payment number shaped as the platform's: Alipay for Taobao, Douyin Pay, WeChat Pay for the own shop."""
    day = paid_at.astimezone(SHOP_TZ).strftime("%Y%m%d")
    digits = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
    if platform == "taobao":
        return f"{day}2200{rng.randrange(1, 10)}{digits(15)}"  # 支付宝交易号, 28 digits
    if platform == "douyin":
        return f"TP{day}{digits(20)}"  # 抖音支付
    return f"42000{digits(5)}{day}{digits(10)}"  # 微信支付交易单号, 28 digits


def order_fields_fill(orders_and_skus: list[tuple[Order, str]]) -> None:
    """Fill shop, method, payment number and promise on unsaved orders (each with its first line's SKU)."""
    rng = random.Random(SEED + 11)
    for order, first_sku in orders_and_skus:
        order.shop_name = SHOP_NAMES.get(order.platform, SHOP_NAMES["taobao"])
        if order.carrier == "邮政EMS":
            method = "EMS"
        elif first_sku in BIG_EQUIPMENT:
            method = "物流"  # freight, delivered to site by the carrier's logistics service
        elif order.platform == "shop" and not order.shipped_at and rng.random() < 0.35:
            method = "自提"  # the own shop's customers may collect at the warehouse
        else:
            method = "快递"
        order.shipping_method = method
        if order.paid_at is None:
            continue  # never paid: no payment number, nothing promised
        order.payment_number = _payment_number(rng, order.platform, order.paid_at)
        day = order.paid_at.astimezone(SHOP_TZ).date() + dt.timedelta(days=PROMISE_DAYS[method])
        order.promised_delivery_by = dt.datetime.combine(day, dt.time(20, 0), tzinfo=SHOP_TZ)
