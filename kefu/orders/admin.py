"""Admin for orders and their items."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.accounts.admin_audit import AuditedAdminMixin

from .models import Order, OrderItem


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
        (None, {"fields": ("number", "platform", "customer", "status")}),
        (_("Amounts"), {"fields": ("total_amount", "discount_amount", "shipping_fee", "paid_amount")}),
        (
            _("Times"),
            {
                "fields": (
                    "placed_at",
                    "paid_at",
                    "promised_ship_by",
                    "shipped_at",
                    "delivered_at",
                    "completed_at",
                    "closed_at",
                )
            },
        ),
        (
            _("Shipping"),
            {"fields": ("carrier", "tracking_number", "receiver_name", "receiver_phone", "shipping_address")},
        ),
        (_("Notes"), {"fields": ("buyer_message", "seller_note")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )
