"""Model factories for tests: plain functions with sensible defaults, overridable by keyword."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from kefu.catalog.models import Category, Product
from kefu.customers.models import Customer, CustomerIdentity, Tag
from kefu.orders.models import Order, OrderItem

_sequence = itertools.count(1)


def customer_factory(*, tags: tuple[str, ...] = (), identities: tuple[tuple[str, str], ...] = (), **fields) -> Customer:
    number = next(_sequence)
    defaults = {
        "name": f"客户{number}",
        "phone": f"138{number:08d}",
        "province": "浙江省",
        "city": "杭州市",
        "address": f"浙江省杭州市西湖区文三路{number}号",
    }
    customer = Customer.objects.create(**{**defaults, **fields})
    for name in tags:
        customer.tags.add(Tag.objects.get_or_create(name=name)[0])
    for platform, external_id in identities:
        CustomerIdentity.objects.create(customer=customer, platform=platform, external_id=external_id)
    return customer


def category_factory(*, name: str = "", parent: Category | None = None) -> Category:
    return Category.objects.create(name=name or f"类目{next(_sequence)}", parent=parent)


def product_factory(**fields) -> Product:
    number = next(_sequence)
    defaults = {"sku": f"SKU-{number:05d}", "name": f"商品{number}", "price": Decimal("99.00")}
    return Product.objects.create(**{**defaults, **fields})


def order_factory(*, customer: Customer | None = None, items: int = 1, **fields) -> Order:
    number = next(_sequence)
    defaults = {
        "number": f"T{number:010d}",
        "customer": customer or customer_factory(),
        "total_amount": Decimal("100.00"),
        "paid_amount": Decimal("100.00"),
        "status": "paid",
        "placed_at": timezone.now() - datetime.timedelta(days=1),
        "receiver_name": "张三",
        "receiver_phone": "13912345678",
        "shipping_address": "浙江省杭州市西湖区文三路100号",
    }
    order = Order.objects.create(**{**defaults, **fields})
    for index in range(items):
        OrderItem.objects.create(order=order, title=f"宝贝{index + 1}", sku=f"I-{index}", quantity=1, unit_price=Decimal("50.00"))
    return order
