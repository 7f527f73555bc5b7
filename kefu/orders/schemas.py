"""API shapes of orders; the receiver's phone and address pass through masking."""

import datetime
from decimal import Decimal

from ninja import Field, Schema
from pydantic import ConfigDict

from kefu.api_types import Moment
from kefu.customers.masking import address_for, phone_for

from .enums import OrderStatus, SourcePlatform


def _viewer(context: dict | None):
    request = (context or {}).get("request")
    return getattr(request, "auth", None)


class OrderItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    product_id: int | None = Field(None, description="A catalogue product; its name, SKU and price fill what is not sent")
    title: str = Field("", max_length=255, description="Item title as sold (宝贝标题)")
    sku: str = Field("", max_length=64, description="Links the catalogue product with this SKU, if any")
    quantity: int = Field(1, ge=1)
    unit_price: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class OrderCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=64, description="The platform's order number; unique")
    platform: SourcePlatform = SourcePlatform.TAOBAO
    customer_id: int
    status: OrderStatus = OrderStatus.UNPAID
    total_amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2, description="Defaults to the items' sum")
    discount_amount: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    shipping_fee: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    paid_amount: Decimal = Field(Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    placed_at: Moment | None = Field(None, description="Defaults to now")
    paid_at: Moment | None = None
    shipped_at: Moment | None = None
    delivered_at: Moment | None = None
    completed_at: Moment | None = None
    closed_at: Moment | None = None
    promised_ship_by: Moment | None = None
    promised_delivery_by: Moment | None = Field(None, description="The arrival promised to the buyer (预计送达时间); delay compensation counts from it")
    payment_number: str = Field("", max_length=64, description="The payment platform's number (支付单号)")
    shop_name: str = Field("", max_length=64, description="The platform shop the order was placed in (店铺名称)")
    shipping_method: str = Field("", max_length=32, description="运送方式, e.g. 快递, EMS, 自提")
    carrier: str = Field("", max_length=32)
    tracking_number: str = Field("", max_length=64)
    receiver_name: str = Field("", max_length=64)
    receiver_phone: str = Field("", max_length=32)
    shipping_address: str = Field("", max_length=255)
    buyer_message: str = Field("", max_length=255)
    seller_note: str = Field("", max_length=255)
    items: list[OrderItemIn] = []


class OrderPatchIn(Schema):
    """Only the fields sent are changed; entering a status stamps its time unless one is sent."""

    model_config = ConfigDict(extra="forbid")

    status: OrderStatus = None
    carrier: str = Field(None, max_length=32)
    tracking_number: str = Field(None, max_length=64)
    paid_at: Moment | None = None
    shipped_at: Moment | None = None
    delivered_at: Moment | None = None
    completed_at: Moment | None = None
    closed_at: Moment | None = None
    promised_ship_by: Moment | None = None
    promised_delivery_by: Moment | None = None
    payment_number: str = Field(None, max_length=64)
    shipping_method: str = Field(None, max_length=32)
    seller_note: str = Field(None, max_length=255)


class OrderItemOut(Schema):
    id: int
    product_id: int | None
    title: str
    sku: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


class OrderOut(Schema):
    id: int
    number: str
    platform: SourcePlatform
    status: OrderStatus
    customer_id: int
    customer_name: str
    total_amount: Decimal
    discount_amount: Decimal
    shipping_fee: Decimal
    paid_amount: Decimal
    amount_due: Decimal
    placed_at: datetime.datetime
    paid_at: datetime.datetime | None
    shipped_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    promised_ship_by: datetime.datetime | None
    promised_delivery_by: datetime.datetime | None
    payment_number: str
    shop_name: str
    shipping_method: str
    carrier: str
    tracking_number: str
    receiver_name: str
    receiver_phone: str = Field(description="Masked as 138****5678 unless you may see contact details")
    shipping_address: str = Field(description="Street detail masked unless you may see contact details")
    buyer_message: str
    seller_note: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    items: list[OrderItemOut]

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return str(obj.customer)

    @staticmethod
    def resolve_receiver_phone(obj, context) -> str:
        return phone_for(_viewer(context), obj.receiver_phone)

    @staticmethod
    def resolve_shipping_address(obj, context) -> str:
        return address_for(_viewer(context), obj.shipping_address)

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())


class OrderFilters(Schema):
    q: str = Field("", description="Matches the order number or the tracking number")
    status: OrderStatus | None = None
    platform: SourcePlatform | None = None
    # Bounded like the ids themselves (64-bit): SQLite cannot even compare a larger number.
    customer_id: int | None = Field(None, ge=1, le=2**63 - 1)
    placed_after: Moment | None = None
    placed_before: Moment | None = None
