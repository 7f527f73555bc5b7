from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import StockState


class Category(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children", verbose_name=_("parent"))

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product with the knowledge agents must hold: features, advantages, applications."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=128, db_index=True)
    aliases = models.JSONField(_("aliases"), default=list, blank=True, help_text=_("Other names customers use, e.g. model numbers"))
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="products", verbose_name=_("category"))
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    stock_state = models.CharField(_("stock"), max_length=16, choices=StockState.choices, default=StockState.IN_STOCK, db_index=True)
    stock_quantity = models.IntegerField(_("stock quantity"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    features = models.JSONField(_("features"), default=list, blank=True)  # 特点
    advantages = models.JSONField(_("advantages"), default=list, blank=True)  # 优势
    applications = models.JSONField(_("applications"), default=list, blank=True)  # 应用
    specifications = models.JSONField(_("specifications"), default=dict, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_not_negative")]

    def __str__(self) -> str:
        return self.name
