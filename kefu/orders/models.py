from decimal import Decimal

from django.db import models
from django.db.models import F, Q, Value
from django.utils.translation import gettext_lazy as _

from .enums import OrderStatus, SourcePlatform


class Order(models.Model):
    """An order as the shop platform exported it; amounts are in yuan."""

    number = models.CharField(_("order number"), max_length=64, unique=True)
    platform = models.CharField(_("platform"), max_length=16, choices=SourcePlatform.choices, default=SourcePlatform.TAOBAO, db_index=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer"))
    status = models.CharField(_("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.UNPAID, db_index=True)
    total_amount = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal("0"))
    discount_amount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=Decimal("0"))
    shipping_fee = models.DecimalField(_("shipping fee"), max_digits=10, decimal_places=2, default=Decimal("0"))
    paid_amount = models.DecimalField(_("paid"), max_digits=12, decimal_places=2, default=Decimal("0"))
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    promised_ship_by = models.DateTimeField(_("promised shipping by"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=32, blank=True, db_index=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True, db_index=True)
    receiver_name = models.CharField(_("receiver"), max_length=64, blank=True)
    receiver_phone = models.CharField(_("receiver phone"), max_length=32, blank=True)
    shipping_address = models.CharField(_("shipping address"), max_length=255, blank=True)
    buyer_message = models.CharField(_("buyer message"), max_length=255, blank=True)
    seller_note = models.CharField(_("seller note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["customer", "-placed_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=0) & Q(discount_amount__gte=0) & Q(paid_amount__gte=0), name="order_amounts_not_negative"),
            models.CheckConstraint(condition=Q(discount_amount__lte=F("total_amount")), name="order_discount_within_total"),
            # Half a fen of slack: SQLite evaluates decimal arithmetic in floating point, where
            # 1451.60 - 5 + 0 can fall a hair below 1446.60; amounts are whole fen, so no real excess passes.
            models.CheckConstraint(
                condition=Q(paid_amount__lte=F("total_amount") - F("discount_amount") + F("shipping_fee") + Value(Decimal("0.005"))),
                name="order_paid_within_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def amount_due(self) -> Decimal:
        return self.total_amount - self.discount_amount + self.shipping_fee


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    product = models.ForeignKey("catalog.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="order_items", verbose_name=_("product"))
    title = models.CharField(_("title"), max_length=255, help_text=_("Item title as sold (宝贝标题)"))
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_item_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_item_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity
