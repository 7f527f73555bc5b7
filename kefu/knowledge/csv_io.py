"""CSV export and import of the knowledge base: FAQ, phrases, forbidden-phrase rules, objection scripts.

Export writes UTF-8 with a BOM so that Excel opens Chinese text correctly; lists (question
variants, examples, customer wordings) are joined with " | ". Import reads UTF-8, UTF-8 with
BOM and GBK/GB18030 through ``kefu.importing.readers`` (the same detection as the shop-data
import), splits lists on "|" or new lines inside a cell, validates every row with the same
checks as the pages, saves the good rows, reports the bad ones with their line number, and
updates existing rows by their natural key.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import User
from kefu.catalog.models import Product
from kefu.importing import cells
from kefu.importing.readers import FileUnreadable, open_table

from . import services
from .enums import FaqCategory, ForbiddenCategory, ObjectionKind, PhraseStage
from .models import FaqEntry, ForbiddenRule, ObjectionScript, Phrase

LIST_JOINER = " | "
_LIST_SPLIT = re.compile(r"\s*(?:\||\r\n|\r|\n)\s*")
_FORMULA_START = ("=", "+", "-", "@", "'", "\t")
_TRUE = {"1", "true", "yes", "y", "是", "启用", "啟用", "开", "on", "√", "✓"}
_FALSE = {"0", "false", "no", "n", "否", "停用", "禁用", "关", "off", "×", "✗"}


class RowProblem(Exception):
    """A cell that cannot be read; the message is translated and names the column."""


@dataclass(frozen=True)
class Column:
    key: str  # the header written on export
    aliases: tuple[str, ...] = ()  # other headers accepted on import (Chinese ones)
    required: bool = False
    is_list: bool = False
    argument: str = ""  # the clean function's keyword, when it differs from the key

    @property
    def field(self) -> str:
        return self.argument or self.key


@dataclass(frozen=True)
class CsvFormat:
    kind: str
    model: type[models.Model]
    title: Any  # lazy translated name of the list
    columns: tuple[Column, ...]
    export_row: Callable[[Any], list[Any]]
    parse: Callable[[dict[str, Any]], dict[str, Any]]  # row -> keyword arguments of the clean function
    find: Callable[[dict[str, Any]], Any]  # keyword arguments -> the existing row or None
    clean: Callable[..., dict[str, Any]]
    instance_arg: str  # the clean function's keyword for the existing row

    @property
    def headers(self) -> list[str]:
        return [column.key for column in self.columns]


@dataclass
class ImportReport:
    kind: str
    object_type: str
    readable: bool = True
    message: str = ""  # why the whole file was refused
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


# --- cells ---------------------------------------------------------------------------------


def list_cell(values: Iterable[str]) -> str:
    return LIST_JOINER.join(values)


def split_list(value: Any) -> list[str]:
    """Split a list cell on "|" or new lines."""
    return [part for part in _LIST_SPLIT.split(cells.text(value)) if part]


def flag(value: Any, *, label: str, default: bool) -> bool:
    raw = cells.text(value).lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise RowProblem(_("%(column)s: %(value)s is not yes or no (1/0)") % {"column": label, "value": raw})


def choice(value: Any, choices: type[models.TextChoices], *, label: str) -> str:
    """Accept a choice by its code or by its label in Chinese (simplified or traditional) or English."""
    raw = cells.text(value)
    if raw in choices.values or not raw:
        return raw
    folded = raw.lower()
    for language in ("zh-hans", "zh-hant", "en"):
        with translation.override(language):
            for code, name in choices.choices:
                if str(name).lower() == folded:
                    return code
    raise RowProblem(_("%(column)s: unknown value %(value)s") % {"column": label, "value": raw})


def safe_cell(value: Any) -> str:
    """Text for a CSV cell; a leading = + - @ gets an apostrophe so Excel shows it as text (import drops it again)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# --- the four formats ----------------------------------------------------------------------


def _product(value: Any) -> Product | None:
    raw = cells.text(value)
    if not raw:
        return None
    product = Product.objects.filter(sku=raw).first() or Product.objects.filter(name=raw).first()
    if product is None:
        raise RowProblem(_("product_sku: no product with the SKU or name %(value)s") % {"value": raw})
    return product


def _faq_parse(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "question": cells.text(row.get("question")),
        "variants": split_list(row.get("variants")),
        "answer": cells.text(row.get("answer")),
        "category": choice(row.get("category"), FaqCategory, label="category"),
        "product": _product(row.get("product_sku")),
        "enabled": flag(row.get("enabled"), label="enabled", default=True),
    }


def _phrase_parse(row: dict[str, Any]) -> dict[str, Any]:
    order = cells.text(row.get("order"))
    return {
        "stage": choice(row.get("stage"), PhraseStage, label="stage"),
        "shortcut": cells.text(row.get("shortcut")).lstrip("/"),
        "title": cells.text(row.get("title")),
        "body": cells.text(row.get("text")),
        "sort_order": order or 0,
        "enabled": flag(row.get("enabled"), label="enabled", default=True),
    }


def _rule_parse(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "category": choice(row.get("category"), ForbiddenCategory, label="category"),
        "pattern": cells.text(row.get("pattern")),
        "is_regex": flag(row.get("is_regex"), label="is_regex", default=False),
        "examples": split_list(row.get("examples")),
        "rewrite": cells.text(row.get("rewrite")),
        "explanation": cells.text(row.get("explanation")),
        "enabled": flag(row.get("enabled"), label="enabled", default=True),
    }


def _objection_parse(row: dict[str, Any]) -> dict[str, Any]:
    order = cells.text(row.get("order"))
    return {
        "kind": choice(row.get("kind"), ObjectionKind, label="kind"),
        "triggers": split_list(row.get("triggers")),
        "answer": cells.text(row.get("answer")),
        "explanation": cells.text(row.get("explanation")),
        "sort_order": order or 0,
    }


FORMATS: dict[str, CsvFormat] = {
    "faq": CsvFormat(
        kind="faq",
        model=FaqEntry,
        title=gettext_lazy("FAQ"),
        columns=(
            Column("question", ("问题", "标准问题", "問題"), required=True),
            Column("variants", ("相似问法", "问法", "相似問法"), is_list=True),
            Column("answer", ("答案", "回答"), required=True),
            Column("category", ("分类", "分類", "类别"), required=True),
            Column("product_sku", ("商品", "商品编码", "SKU"), argument="product"),
            Column("enabled", ("启用", "啟用")),
        ),
        export_row=lambda e: [e.question, list_cell(e.variants or []), e.answer, e.category, e.product.sku if e.product_id else "", int(e.enabled)],
        parse=_faq_parse,
        find=lambda kw: FaqEntry.objects.filter(question=kw["question"]).first(),
        clean=services.faq_entry_clean,
        instance_arg="entry",
    ),
    "phrases": CsvFormat(
        kind="phrases",
        model=Phrase,
        title=gettext_lazy("Phrase library"),
        columns=(
            Column("shortcut", ("快捷码", "快捷键"), required=True),
            Column("stage", ("阶段", "階段", "分组"), required=True),
            Column("title", ("标题", "標題"), required=True),
            Column("text", ("内容", "內容", "正文"), required=True, argument="body"),
            Column("order", ("排序", "顺序"), argument="sort_order"),
            Column("enabled", ("启用", "啟用")),
        ),
        export_row=lambda p: [p.shortcut, p.stage, p.title, p.body, p.sort_order, int(p.enabled)],
        parse=_phrase_parse,
        find=lambda kw: Phrase.objects.filter(shortcut=kw["shortcut"]).first(),
        clean=services.phrase_clean,
        instance_arg="phrase",
    ),
    "rules": CsvFormat(
        kind="rules",
        model=ForbiddenRule,
        title=gettext_lazy("Forbidden-phrase rules"),
        columns=(
            Column("category", ("分类", "分類", "类别"), required=True),
            Column("pattern", ("规则", "模式", "規則"), required=True),
            Column("is_regex", ("正则", "正則")),
            Column("examples", ("示例", "例句"), is_list=True),
            Column("rewrite", ("建议改写", "改写", "建議改寫"), required=True),
            Column("explanation", ("说明", "說明", "原因")),
            Column("enabled", ("启用", "啟用")),
        ),
        export_row=lambda r: [r.category, r.pattern, int(r.is_regex), list_cell(r.examples or []), r.rewrite, r.explanation, int(r.enabled)],
        parse=_rule_parse,
        find=lambda kw: ForbiddenRule.objects.filter(category=kw["category"], pattern=kw["pattern"]).first(),
        clean=services.forbidden_rule_clean,
        instance_arg="rule",
    ),
    "objections": CsvFormat(
        kind="objections",
        model=ObjectionScript,
        title=gettext_lazy("Objection scripts"),
        columns=(
            Column("kind", ("异议", "異議", "类型"), required=True),
            Column("triggers", ("客户说法", "顾客说法", "客戶說法"), is_list=True),
            Column("answer", ("应答", "答案", "回答"), required=True),
            Column("explanation", ("说明", "說明", "原理")),
            Column("order", ("排序", "顺序"), argument="sort_order"),
        ),
        export_row=lambda s: [s.kind, list_cell(s.triggers or []), s.answer, s.explanation, s.sort_order],
        parse=_objection_parse,
        find=lambda kw: ObjectionScript.objects.filter(kind=kw["kind"], answer=kw["answer"]).first(),
        clean=services.objection_script_clean,
        instance_arg="script",
    ),
}


# --- export --------------------------------------------------------------------------------


def export_csv(kind: str, queryset: Iterable[Any] | None = None) -> bytes:
    """Return the CSV file of one kind (all rows unless a queryset is given), UTF-8 with BOM."""
    spec = FORMATS[kind]
    rows = queryset if queryset is not None else spec.model.objects.all()
    if spec.model is FaqEntry and queryset is None:
        rows = rows.select_related("product")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(spec.headers)
    for obj in rows:
        writer.writerow([safe_cell(value) for value in spec.export_row(obj)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- import --------------------------------------------------------------------------------


def _header_map(spec: CsvFormat, header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        name = name.strip().lstrip("\ufeff").lower()
        for column in spec.columns:
            if column.key not in positions and (name == column.key or name in {a.lower() for a in column.aliases}):
                positions[column.key] = index
    missing = [column.key for column in spec.columns if column.required and column.key not in positions]
    if missing:
        raise FileUnreadable(
            _("The header row lacks the columns: %(columns)s. Expected: %(expected)s.") % {"columns": ", ".join(missing), "expected": ",".join(spec.headers)}
        )
    return positions


# The clean functions name their fields like the model; the CSV names a few differently.
_COLUMN_OF_FIELD = {"body": "text", "sort_order": "order", "product_id": "product_sku"}


def _row_error(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        parts = []
        for name, errors in error.error_dict.items():
            parts.append(f"{_COLUMN_OF_FIELD.get(name, name)}: {' '.join(str(m) for m in ValidationError(errors).messages)}")
        return "; ".join(parts)
    return " ".join(str(m) for m in error.messages)


def import_file(*, actor: User | None, kind: str, binary: IO[bytes], file_name: str = "", encoding: str = "auto") -> ImportReport:
    """Read, validate and store one file; the caller holds the transaction, checks permission and audits."""
    spec = FORMATS[kind]
    report = ImportReport(kind=kind, object_type=spec.model._meta.label_lower)
    try:
        reader = open_table(binary, file_name=file_name, encoding=encoding)
    except FileUnreadable as error:
        report.readable, report.message = False, str(error)
        return report
    try:
        report.encoding = reader.encoding
        positions = _header_map(spec, reader.header)
        for source in reader.rows():
            report.rows += 1
            row = {key: (source.values[index] if index < len(source.values) else None) for key, index in positions.items()}
            try:
                arguments = spec.parse(row)
                existing = spec.find(arguments)
                if existing is not None:  # a column the file does not have keeps the stored value
                    for column in spec.columns:
                        if column.key not in positions:
                            arguments[column.field] = getattr(existing, column.field)
                values = spec.clean(**{spec.instance_arg: existing}, **arguments)
                with transaction.atomic():  # a savepoint: a row the database refuses leaves the others
                    _stored, outcome = services.knowledge_store(actor=actor, model=spec.model, instance=existing, values=values, via="csv")
            except RowProblem as problem:
                report.errors.append((source.line, str(problem)))
                continue
            except ValidationError as error:
                report.errors.append((source.line, _row_error(error)))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
    except FileUnreadable as error:
        report.readable, report.message = False, str(error)
        report.created = report.updated = report.unchanged = 0
        transaction.set_rollback(True)  # half a file is not imported
    finally:
        reader.close()
    return report
