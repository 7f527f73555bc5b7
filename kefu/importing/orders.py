"""Import an order export (Taobao/Tmall 订单报表 and the like): one row per item, grouped by order number."""

import datetime
from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.catalog.models import Product
from kefu.customers.models import Customer, CustomerIdentity
from kefu.orders.enums import OrderStatus
from kefu.orders.models import Order, OrderItem

from . import cells
from .cells import RowError
from .enums import ImportKind
from .importers import (
    BatchOutcome,
    Importer,
    RowGroup,
    bulk_insert_rows,
    bulk_update_rows,
    identities_lookup,
    identity_keys,
    lookup_chunks,
)

ZERO = Decimal("0.00")
_ORDER_TEXT = {  # field -> max length of the model field it fills
    "buyer": 128, "receiver_name": 64, "phone": 32, "telephone": 32, "address": 255, "province": 32, "city": 32,
    "district": 32, "street": 128, "buyer_message": 255, "seller_note": 255, "carrier": 32, "tracking_number": 64,
    "payment_number": 64, "shipping_method": 32, "shop_name": 64,
}  # fmt: skip
_ORDER_AMOUNTS = ("goods_amount", "shipping_fee", "amount_due", "paid_amount", "discount", "refund_amount")
_ORDER_MOMENTS = ("placed_at", "paid_at", "shipped_at", "delivered_at", "closed_at", "promised_ship_by", "promised_delivery_by")
_UNPAID_STATUSES = {OrderStatus.UNPAID, OrderStatus.CLOSED}
_UPDATE_FIELDS = [
    "platform", "customer", "status", "total_amount", "discount_amount", "shipping_fee", "paid_amount", "placed_at",
    "paid_at", "shipped_at", "delivered_at", "completed_at", "closed_at", "promised_ship_by", "promised_delivery_by",
    "carrier", "tracking_number", "shipping_method", "payment_number", "shop_name",
    "receiver_name", "receiver_phone", "shipping_address", "buyer_message", "seller_note", "updated_at",
]  # fmt: skip


class OrderImporter(Importer):
    kind = ImportKind.ORDERS

    def row_key(self, row: dict[str, Any]) -> str | None:
        number = cells.text(row.get("number"))
        if not number:
            raise RowError(_("%(column)s is missing") % {"column": self.labels["number"]})
        if len(number) > 64:
            raise RowError(_("%(column)s is longer than %(length)d characters") % {"column": self.labels["number"], "length": 64})
        return number

    def parse_row(self, row: dict[str, Any]) -> dict[str, Any]:
        labels = self.labels
        text = cells.text
        record: dict[str, Any] = {}
        for name, length in _ORDER_TEXT.items():
            if name in row:
                value = text(row[name])
                if value:
                    record[name] = value[:length]
        for name in _ORDER_AMOUNTS:
            if name in row:
                record[name] = cells.amount(row[name], label=labels[name])
        for name in _ORDER_MOMENTS:
            if name in row:
                record[name] = cells.moment(row[name], label=labels[name])
        if "status" in row:
            record["status"] = cells.order_status(row["status"], label=labels["status"])
        if "phone" in record or "telephone" in record:
            record["identity_phone"] = cells.phone(record.get("phone")) or cells.phone(record.get("telephone"))
        email = cells.email(row.get("email")) or cells.email(row.get("alipay_account"))
        if email:
            record["email"] = email
        # the item on this row
        title = text(row.get("title"))[:255]
        sku = text(row.get("sku"))[:64]
        if title or sku:
            quantity = cells.integer(row.get("quantity"), label=labels["quantity"])
            if quantity is None:
                quantity = 1
            if quantity < 1:
                raise RowError(_("%(column)s must be at least 1") % {"column": labels["quantity"]})
            if quantity > 2_000_000_000:
                raise RowError(_("%(column)s: %(value)s is too large") % {"column": labels["quantity"], "value": quantity})
            record["item"] = (title or sku, sku, quantity, cells.amount(row.get("unit_price"), label=labels["unit_price"]))
        return record

    def _order_values(self, group: RowGroup) -> dict[str, Any]:
        """Merge the rows of one order (the first non-empty value wins) and check its amounts."""
        merged: dict[str, Any] = {}
        for record in group.records:
            for name, value in record.items():
                if value is not None and value != "" and name not in merged:
                    merged[name] = value
        labels = self.labels
        if merged.get("placed_at") is None:
            raise RowError(_("%(column)s is missing") % {"column": labels["placed_at"]})
        status = merged.get("status")
        if status is None:
            if merged.get("delivered_at"):
                status = OrderStatus.COMPLETED
            elif merged.get("shipped_at"):
                status = OrderStatus.SHIPPED
            elif merged.get("paid_at"):
                status = OrderStatus.PAID
            else:
                status = OrderStatus.UNPAID
        items = [record["item"] for record in group.records if "item" in record]
        shipping = merged.get("shipping_fee") or ZERO
        discount = merged.get("discount") or ZERO
        goods = merged.get("goods_amount")
        if goods is None and merged.get("amount_due") is not None:
            goods = merged["amount_due"] - shipping + discount
            if goods < 0:
                raise RowError(
                    _("%(column)s %(value)s is less than the shipping fee") % {"column": labels["amount_due"], "value": merged["amount_due"]}
                )
        if goods is None and any(price is not None for *_rest, price in items):
            goods = sum((price * quantity for _title, _sku, quantity, price in items if price is not None), ZERO)
        if goods is None and merged.get("paid_amount") is not None:
            goods = max(merged["paid_amount"] - shipping + discount, ZERO)  # an export that gives only what was paid
        if goods is None:
            goods = ZERO
        if discount > goods:
            raise RowError(_("the discount %(discount)s is more than the total %(total)s") % {"discount": discount, "total": goods})
        due = goods - discount + shipping
        paid = merged.get("paid_amount")
        if paid is None:
            paid = ZERO if status in _UNPAID_STATUSES else due
        if paid > due:
            raise RowError(_("the amount paid %(paid)s is more than the amount due %(due)s") % {"paid": paid, "due": due})
        if not (merged.get("buyer") or merged.get("identity_phone") or merged.get("email")):
            raise RowError(_("no buyer member name, phone or e-mail to recognise the customer"))
        if len(items) == 1 and items[0][3] is None:
            title, sku, quantity, _price = items[0]
            items = [(title, sku, quantity, (goods / quantity).quantize(cells.CENT))]
        address = merged.get("address") or "".join(merged.get(part, "") for part in ("province", "city", "district", "street"))
        delivered_at = merged.get("delivered_at")
        return {
            "status": status,
            "total_amount": goods,
            "discount_amount": discount,
            "shipping_fee": shipping,
            "paid_amount": paid,
            "placed_at": merged["placed_at"],
            "paid_at": merged.get("paid_at"),
            "shipped_at": merged.get("shipped_at"),
            "delivered_at": delivered_at,
            "completed_at": delivered_at if status == OrderStatus.COMPLETED else None,
            "closed_at": merged.get("closed_at") if status in (OrderStatus.CLOSED, OrderStatus.REFUNDED) else None,
            "promised_ship_by": merged.get("promised_ship_by"),
            "promised_delivery_by": merged.get("promised_delivery_by"),
            "carrier": merged.get("carrier", ""),
            "tracking_number": merged.get("tracking_number", ""),
            "shipping_method": merged.get("shipping_method", ""),
            "payment_number": merged.get("payment_number", ""),
            "shop_name": merged.get("shop_name", ""),
            "receiver_name": merged.get("receiver_name", ""),
            "receiver_phone": merged.get("phone") or merged.get("telephone", ""),
            "shipping_address": address[:255],
            "buyer_message": merged.get("buyer_message", ""),
            "seller_note": merged.get("seller_note", ""),
            # not stored on the order: who the customer is
            "_identities": identity_keys(
                platform=self.platform, buyer=merged.get("buyer", ""), phone=merged.get("identity_phone", ""), email=merged.get("email", "")
            ),
            "_customer": {
                "name": (merged.get("receiver_name") or merged.get("buyer", ""))[:64],
                "phone": merged.get("identity_phone", ""),
                "email": merged.get("email", ""),
                "province": merged.get("province", ""),
                "city": merged.get("city", ""),
                "address": address[:255],
            },
            "_items": [(title, sku, quantity, price if price is not None else ZERO) for title, sku, quantity, price in items],
        }

    def write_batch(self, groups: list[RowGroup]) -> BatchOutcome:
        outcome = BatchOutcome()
        orders: dict[str, dict[str, Any]] = {}
        for group in groups:
            try:
                orders[group.key] = self._order_values(group)
            except RowError as error:
                outcome.rejected.append((group, group.lines[0], str(error)))
        if not orders:
            return outcome
        now = timezone.now()

        # one query each: identities, existing orders, products
        vendor = connections[router.db_for_write(Order)].vendor
        keys = {key for values in orders.values() for key in values["_identities"]}
        known = identities_lookup(keys)
        existing: dict[str, tuple[int, datetime.datetime]] = {}  # number -> id, updated_at
        for chunk in lookup_chunks(orders, vendor=vendor):
            existing.update((number, (pk, updated_at)) for number, pk, updated_at in Order.objects.filter(number__in=chunk).order_by().values_list("number", "id", "updated_at"))
        skus = {item[1] for values in orders.values() for item in values["_items"] if item[1]}
        products: dict[str, int] = {}
        for chunk in lookup_chunks(skus, vendor=vendor):
            products.update(Product.objects.filter(sku__in=chunk).values_list("sku", "id"))

        # who each order belongs to: a known customer (its id), or one new customer per person in the batch
        new_customers: list[_NewCustomer] = []
        pending: dict[tuple[str, str], _NewCustomer] = {}
        owner: dict[str, int | _NewCustomer] = {}
        wanted_identities: dict[tuple[str, str], int | _NewCustomer] = {}
        for number, values in orders.items():
            identities = values["_identities"]
            customer: int | _NewCustomer | None = None
            for key in identities:
                customer = known.get(key) or pending.get(key)
                if customer is not None:
                    break
            if customer is None:
                customer = _NewCustomer(values["_customer"])
                new_customers.append(customer)
            for key in identities:
                if key not in known and key not in pending:
                    pending[key] = customer
                    wanted_identities[key] = customer
            owner[number] = customer

        outcome.details["customers_created"] += len(new_customers)
        for number in orders:
            order = existing.get(number)
            if order is None:
                outcome.created += 1
            elif order[1] < self.started_at:
                outcome.updated += 1
        if self.dry_run:
            return outcome

        ids = bulk_insert_rows(Customer, [customer.values for customer in new_customers], returning=True)
        for customer, pk in zip(new_customers, ids, strict=True):
            customer.pk = pk
        bulk_insert_rows(
            CustomerIdentity,
            [
                {"customer_id": _customer_id(customer), "platform": platform, "external_id": external_id}
                for (platform, external_id), customer in wanted_identities.items()
            ],
            ignore_conflicts=True,
        )
        to_create: list[dict[str, Any]] = []
        to_update: list[dict[str, Any]] = []
        replace_items_of: list[int] = []
        order_ids: dict[str, int] = {}
        for number, values in orders.items():
            customer_id = _customer_id(owner[number])
            fields = {name: value for name, value in values.items() if not name.startswith("_")}
            order = existing.get(number)
            if order is None:
                to_create.append({"number": number, "platform": self.platform, "customer_id": customer_id, **fields})
                continue
            pk, updated_at = order
            order_ids[number] = pk
            if updated_at >= self.started_at:
                continue  # more rows of an order this run wrote earlier in the file: only add its items
            replace_items_of.append(pk)  # re-imported: its items are replaced, not doubled
            to_update.append({"id": pk, "platform": self.platform, "customer_id": customer_id, **fields, "updated_at": now})
        ids = bulk_insert_rows(Order, to_create, returning=True)
        order_ids.update(zip((row["number"] for row in to_create), ids, strict=True))
        bulk_update_rows(Order, to_update, _UPDATE_FIELDS)
        for chunk in lookup_chunks(replace_items_of, vendor=vendor):
            OrderItem.objects.filter(order_id__in=chunk).delete()  # one DELETE (no signals, nothing cascades)
        items = [
            {"order_id": order_ids[number], "product_id": products.get(sku), "title": title, "sku": sku, "quantity": quantity, "unit_price": price}
            for number, values in orders.items()
            for title, sku, quantity, price in values["_items"]
        ]
        bulk_insert_rows(OrderItem, items)
        outcome.details["items_written"] += len(items)
        return outcome


class _NewCustomer:
    """A customer to create in this batch; its id is known once the batch's customers are inserted."""

    __slots__ = ("values", "pk")

    def __init__(self, values: dict[str, Any]):
        self.values = values
        self.pk: int | None = None


def _customer_id(customer: "int | _NewCustomer") -> int:
    return customer if isinstance(customer, int) else customer.pk
