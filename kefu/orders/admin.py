"""Admin for orders and their items."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.accounts.admin_audit import AuditedAdminMixin

from .models import Compensation, CompensationPolicy, Order, OrderItem, Refund, ReturnItem, ReturnRequest


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    fields = ("product", "title", "sku", "quantity", "unit_price")
    autocomplete_fields = ("product",)


@admin.register(Order)
class OrderAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "customer",
        "platform",
        "status",
        "paid_amount",
        "placed_at",
        "carrier",
        "tracking_number",
    )
    list_filter = ("status", "platform", "carrier", "placed_at")
    search_fields = (
        "number",
        "tracking_number",
        "customer__name",
        "customer__phone",
        "customer__identities__external_id",
        "receiver_name",
        "receiver_phone",
        "items__sku",
        "items__title",
    )
    date_hierarchy = "placed_at"
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (OrderItemInline,)
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("number", "platform", "shop_name", "customer", "status")}),
        (_("Amounts"), {"fields": ("total_amount", "discount_amount", "shipping_fee", "paid_amount", "payment_number")}),
        (
            _("Times"),
            {
                "fields": (
                    "placed_at",
                    "paid_at",
                    "promised_ship_by",
                    "shipped_at",
                    "promised_delivery_by",
                    "delivered_at",
                    "completed_at",
                    "closed_at",
                )
            },
        ),
        (
            _("Shipping"),
            {"fields": ("shipping_method", "carrier", "tracking_number", "receiver_name", "receiver_phone", "shipping_address")},
        ),
        (_("Notes"), {"fields": ("buyer_message", "seller_note")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )


# --- returns, refunds and compensation ---------------------------------------------------------


class ReturnItemInline(admin.TabularInline):
    model = ReturnItem
    extra = 0
    raw_id_fields = ("order_item",)


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "kind", "status", "resolution", "ticket_id", "created_at")
    list_filter = ("status", "kind", "resolution")
    search_fields = ("order__number", "return_tracking_number")
    raw_id_fields = ("order", "requested_by", "decided_by", "decline_rule")
    inlines = [ReturnItemInline]


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    """Refunds are money decisions: created and approved through the services (audited), shown here read-only."""

    list_display = ("id", "order", "amount", "status", "requested_by", "approved_by", "created_at")
    list_filter = ("status",)
    search_fields = ("order__number",)
    readonly_fields = [field.name for field in Refund._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CompensationPolicy)
class CompensationPolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "trigger", "min_days_late", "category", "carrier", "kind", "value", "max_amount", "requires_supervisor_above", "active")
    list_filter = ("trigger", "kind", "active")
    list_editable = ("active",)


@admin.register(Compensation)
class CompensationAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "kind", "amount", "status", "requires_supervisor", "approved_by", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("order__number",)
    readonly_fields = [field.name for field in Compensation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
