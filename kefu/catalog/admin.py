"""Admin for the product catalogue and its categories."""

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kefu.knowledge.assist_index import knowledge_changed

from .models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "product_count")
    list_filter = ("parent",)
    search_fields = ("name",)
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description=_("products"), ordering="product_count")
    def product_count(self, obj: Category) -> int:
        return obj.product_count


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "sku",
        "name",
        "category",
        "price",
        "stock_state",
        "stock_quantity",
        "is_active",
        "updated_at",
    )
    list_display_links = ("sku", "name")
    list_filter = ("is_active", "stock_state", "category")
    search_fields = ("sku", "name", "summary")
    list_select_related = ("category",)
    autocomplete_fields = ("category",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("sku", "name", "aliases", "category", "summary", "is_active")}),
        (_("Price and stock"), {"fields": ("price", "stock_state", "stock_quantity")}),
        (
            _("Product knowledge"),
            {"fields": ("description", "features", "advantages", "applications", "specifications")},
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    # Product facts feed the assistant: every running process rebuilds its index after an edit here.
    def save_model(self, request: HttpRequest, obj: Product, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        knowledge_changed()

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        super().delete_model(request, obj)
        knowledge_changed()

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        super().delete_queryset(request, queryset)
        knowledge_changed()
