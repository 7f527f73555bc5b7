from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import (
    CompensationKind,
    CompensationStatus,
    CompensationTrigger,
    OrderStatus,
    RefundStatus,
    ReturnKind,
    ReturnResolution,
    ReturnStatus,
    SourcePlatform,
)


class Order(models.Model):
    """An order as the shop platform exported it; amounts are in yuan."""

    number = models.CharField(_("order number"), max_length=64, unique=True)
    platform = models.CharField(_("platform"), max_length=16, choices=SourcePlatform.choices, default=SourcePlatform.TAOBAO, db_index=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer"))
    status = models.CharField(_("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.UNPAID, db_index=True)
    # Set by the refund step that makes the order "refunding" (a full refund awaiting approval), so a
    # declined refund gives the order this status back; blank otherwise (the platform's own 退款中 stays).
    status_before_refunding = models.CharField(_("status before refunding"), max_length=16, choices=OrderStatus.choices, blank=True, default="")
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
    promised_delivery_by = models.DateTimeField(
        _("promised delivery by"), null=True, blank=True, help_text=_("The arrival date promised to the buyer; late-delivery compensation counts from it")
    )
    shop_name = models.CharField(_("shop name"), max_length=64, blank=True, help_text=_("店铺名称 in the platform's export"))
    shipping_method = models.CharField(_("shipping method"), max_length=32, blank=True, help_text=_("运送方式, e.g. 快递"))
    payment_number = models.CharField(_("payment number"), max_length=64, blank=True, help_text=_("支付单号 of the payment platform"))
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

    @property
    def refunded_amount(self) -> Decimal:
        """Money given back so far (issued refunds); derived from Refund rows, never stored."""
        total = self.refunds.filter(status=RefundStatus.ISSUED).aggregate(total=models.Sum("amount"))["total"]
        return total or Decimal("0")


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


class ReturnRequest(models.Model):
    """A return, exchange or refund request (RMA, 退换货申请) and its progress."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns", verbose_name=_("order"))
    # The ticket's id, not a foreign key: tickets already depend on orders, and a key back would
    # make the two apps' migrations depend on each other.
    ticket_id = models.PositiveBigIntegerField(_("ticket"), null=True, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ReturnKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("requested by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_rule = models.ForeignKey(
        "knowledge.AfterSalesRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rule cited for the refusal"),
    )
    decline_note = models.TextField(_("refusal note"), blank=True)
    return_carrier = models.CharField(_("return carrier"), max_length=32, blank=True)
    return_tracking_number = models.CharField(_("return tracking number"), max_length=64, blank=True, db_index=True)
    shipped_back_at = models.DateTimeField(_("shipped back at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    inspection_passed = models.BooleanField(_("inspection passed"), null=True, blank=True)
    inspection_note = models.TextField(_("inspection note"), blank=True)
    resolution = models.CharField(_("resolution"), max_length=16, choices=ReturnResolution.choices, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("return request")
        verbose_name_plural = _("return requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["order", "-created_at"], name="return_order_recent")]

    def __str__(self) -> str:
        return f"RMA{self.pk} {self.order}"


class ReturnItem(models.Model):
    rma = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="items", verbose_name=_("return request"))
    order_item = models.ForeignKey(OrderItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("order item"))
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    class Meta:
        verbose_name = _("returned item")
        verbose_name_plural = _("returned items")
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="return_item_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.order_item.title} × {self.quantity}"


class Refund(models.Model):
    """Money given back on an order; all refunds of an order together never exceed what was paid."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order"))
    rma = models.ForeignKey(ReturnRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="refunds", verbose_name=_("return request"))
    # The ticket's id, not a foreign key: tickets already depend on orders, and a key back would
    # make the two apps' migrations depend on each other.
    ticket_id = models.PositiveBigIntegerField(_("ticket"), null=True, blank=True, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.ISSUED, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("requested by")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["order", "status"], name="refund_order_status")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"¥{self.amount} {self.order}"


class CompensationPolicy(models.Model):
    """A written compensation rule, e.g. delivered 3+ days late: refund 5% (延迟赔偿制度)."""

    name = models.CharField(_("name"), max_length=64)
    trigger = models.CharField(_("problem"), max_length=24, choices=CompensationTrigger.choices, default=CompensationTrigger.LATE_DELIVERY)
    min_days_late = models.PositiveSmallIntegerField(_("at least days late"), default=0)
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product category"),
        help_text=_("Empty: any category"),
    )
    carrier = models.CharField(_("carrier"), max_length=32, blank=True, help_text=_("Empty: any carrier"))
    kind = models.CharField(_("compensation"), max_length=16, choices=CompensationKind.choices)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2, help_text=_("Yuan, or a percentage of the amount paid"))
    max_amount = models.DecimalField(_("at most (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    requires_supervisor_above = models.DecimalField(
        _("supervisor approval above (yuan)"), max_digits=10, decimal_places=2, default=Decimal("50.00")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("compensation policy")
        verbose_name_plural = _("compensation policies")
        ordering = ["trigger", "-min_days_late", "name"]
        constraints = [models.CheckConstraint(condition=Q(value__gt=0), name="compensation_policy_value_positive")]

    def __str__(self) -> str:
        return self.name


class Compensation(models.Model):
    """A compensation proposed on a ticket from a policy and the order's dates, then decided."""

    # The ticket's id, not a foreign key: tickets already depend on orders, and a key back would
    # make the two apps' migrations depend on each other.
    ticket_id = models.PositiveBigIntegerField(_("ticket"), null=True, blank=True, db_index=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="compensations", verbose_name=_("order"))
    policy = models.ForeignKey(
        CompensationPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="compensations", verbose_name=_("policy")
    )
    kind = models.CharField(_("compensation"), max_length=16, choices=CompensationKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CompensationStatus.choices, default=CompensationStatus.PROPOSED, db_index=True
    )
    requires_supervisor = models.BooleanField(_("needs a supervisor"), default=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("proposed by")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refund = models.OneToOneField(
        Refund, on_delete=models.SET_NULL, null=True, blank=True, related_name="compensation", verbose_name=_("refund")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="compensation_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount}"
