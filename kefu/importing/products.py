"""Import a product list: upsert by SKU (商家编码), with features, advantages and applications."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.catalog.enums import StockState
from kefu.catalog.models import Category, Product
from kefu.knowledge.assist_index import knowledge_changed

from . import cells
from .cells import RowError
from .enums import ImportKind
from .importers import BatchOutcome, Importer, RowGroup, bulk_update_rows

_STOCK_TEXTS = {"缺货": StockState.OUT_OF_STOCK, "无货": StockState.OUT_OF_STOCK, "售罄": StockState.OUT_OF_STOCK,
                "预售": StockState.PRESALE, "停产": StockState.DISCONTINUED, "下架": StockState.DISCONTINUED,
                "有货": StockState.IN_STOCK, "现货": StockState.IN_STOCK}  # fmt: skip


class ProductImporter(Importer):
    kind = ImportKind.PRODUCTS

    def row_key(self, row: dict[str, Any]) -> str | None:
        sku = cells.text(row.get("sku"))
        if not sku:
            raise RowError(_("%(column)s is missing") % {"column": self.labels["sku"]})
        if len(sku) > 64:
            raise RowError(_("%(column)s is longer than %(length)d characters") % {"column": self.labels["sku"], "length": 64})
        return sku

    def parse_row(self, row: dict[str, Any]) -> dict[str, Any]:
        labels = self.labels
        values: dict[str, Any] = {}
        name = cells.text(row.get("name"))
        if name:
            values["name"] = name[:128]
        for field, length in (("summary", 255), ("description", 100_000)):
            value = cells.text(row.get(field))
            if value:
                values[field] = value[:length]
        price = cells.amount(row.get("price"), label=labels["price"])
        if price is not None:
            values["price"] = price
        stock_text = cells.text(row.get("stock"))
        if stock_text in _STOCK_TEXTS:
            values["stock_state"] = _STOCK_TEXTS[stock_text]
        elif stock_text:
            stock = cells.integer(row.get("stock"), label=labels["stock"])
            values["stock_quantity"] = stock
            values["stock_state"] = StockState.OUT_OF_STOCK if stock <= 0 else StockState.IN_STOCK
        for field in ("features", "advantages", "applications", "aliases"):
            items = cells.items_list(row.get(field))
            if items:
                values[field] = items
        category = cells.text(row.get("category"))
        return {"values": values, "category": category[:64]}

    def write_batch(self, groups: list[RowGroup]) -> BatchOutcome:
        outcome = BatchOutcome()
        merged: dict[str, dict[str, Any]] = {}
        for group in groups:
            values: dict[str, Any] = {}
            category = ""
            for record in group.records:  # the same SKU twice: later cells win
                values.update(record["values"])
                category = record["category"] or category
            merged[group.key] = {"values": values, "category": category, "group": group}
        existing = Product.objects.in_bulk(list(merged), field_name="sku")
        for sku, data in list(merged.items()):
            if sku not in existing:
                missing = [field for field in ("name", "price") if field not in data["values"]]
                if missing:
                    group = data["group"]
                    outcome.rejected.append(
                        (group, group.lines[0], _("%(column)s is missing") % {"column": self.labels[missing[0]]})
                    )
                    del merged[sku]
        outcome.created = sum(1 for sku in merged if sku not in existing)
        outcome.updated = sum(1 for sku in merged if sku in existing and existing[sku].updated_at < self.started_at)
        if self.dry_run or not merged:
            return outcome
        knowledge_changed()  # product facts feed the assistant's suggestions

        names = {data["category"] for data in merged.values() if data["category"]}
        categories = dict(Category.objects.filter(name__in=names).values_list("name", "id")) if names else {}
        if names - categories.keys():
            Category.objects.bulk_create([Category(name=name) for name in names - categories.keys()], ignore_conflicts=True)
            categories = dict(Category.objects.filter(name__in=names).values_list("name", "id"))
        now = timezone.now()
        to_create: list[Product] = []
        to_update: list[Product] = []
        update_fields: set[str] = {"updated_at"}
        for sku, data in merged.items():
            fields = dict(data["values"])
            if data["category"]:
                fields["category_id"] = categories[data["category"]]
            product = existing.get(sku)
            if product is None:
                to_create.append(Product(sku=sku, **fields))
                continue
            for name, value in fields.items():
                setattr(product, name, value)
            product.updated_at = now
            update_fields.update(fields)
            to_update.append(product)
        Product.objects.bulk_create(to_create)
        if to_update:
            bulk_update_rows(Product, to_update, sorted(name.removesuffix("_id") for name in update_fields))
        return outcome
