"""Writes on the knowledge base: FAQ, phrase library, forbidden-phrase rules, objection scripts.

Every write is permission-checked, validated (bad input raises ValidationError with translated
messages and changes nothing), audit-logged, and announced with ``knowledge_changed()`` so that
every running server process rebuilds its assist index within about a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record, audit_value, field_changes
from kefu.assist.guard import Guard, Rule
from kefu.catalog.models import Product

from .assist_index import knowledge_changed
from .enums import FaqCategory, ForbiddenCategory, ObjectionKind, PhraseStage
from .models import FaqEntry, ForbiddenRule, ObjectionScript, Phrase

__all__ = [
    "faq_entries_delete",
    "knowledge_export_csv",
    "knowledge_import_csv",
    "faq_entries_set_enabled",
    "faq_entry_delete",
    "faq_entry_save",
    "forbidden_rule_delete",
    "forbidden_rule_save",
    "objection_script_delete",
    "objection_script_save",
    "phrase_delete",
    "phrase_save",
]

SHORTCUT_RE = re.compile(r"^[\w\-.]+$")  # letters (Chinese too), digits, _ - .
MAX_ORDER = 32767  # PositiveSmallIntegerField


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def clean_lines(value: Iterable[str] | str | None) -> list[str]:
    """Strip each item, drop empty ones and repeats, keep the order; a string is split into lines."""
    if value is None:
        return []
    items = value.splitlines() if isinstance(value, str) else value
    seen: list[str] = []
    for item in items:
        item = (item or "").strip()
        if item and item not in seen:
            seen.append(item)
    return seen


class _Checker:
    """Collect field errors, then raise them together."""

    def __init__(self) -> None:
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: str) -> None:
        self.errors.setdefault(field, []).append(_error(message, code))

    def text(self, field: str, value: str | None, *, max_length: int | None = None, required: bool = True) -> str:
        value = (value or "").strip()
        if required and not value:
            self.add(field, _("This field is required."), "required")
        elif max_length and len(value) > max_length:
            self.add(
                field,
                _("Ensure this value has at most %(limit)d characters (it has %(count)d).") % {"limit": max_length, "count": len(value)},
                "max_length",
            )
        return value

    def choice(self, field: str, value: str | None, choices: type[models.TextChoices]) -> str:
        value = (value or "").strip()
        if value not in choices.values:
            self.add(field, _("%(value)s is not one of the available choices.") % {"value": value or "—"}, "invalid_choice")
        return value

    def order(self, field: str, value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.add(field, _("Enter a whole number."), "invalid")
            return 0
        if not 0 <= number <= MAX_ORDER:
            self.add(field, _("Enter a number from 0 to %(limit)d.") % {"limit": MAX_ORDER}, "out_of_range")
        return number

    def items(self, field: str, value: Iterable[str] | str | None, *, max_length: int = 255) -> list[str]:
        items = clean_lines(value)
        for item in items:
            if len(item) > max_length:
                self.add(field, _("Each line may have at most %(limit)d characters.") % {"limit": max_length}, "max_length")
                break
        return items

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


# --- validation (also used by the CSV import, row by row) -------------------------------------


def faq_entry_clean(
    *, entry: FaqEntry | None, question: str, variants: Iterable[str] | str, answer: str, category: str, product: Product | None, enabled: bool
) -> dict[str, Any]:
    """Return the values to store for an FAQ entry, or raise ValidationError."""
    check = _Checker()
    question = check.text("question", question, max_length=255)
    values = {
        "question": question,
        "variants": [v for v in check.items("variants", variants) if v != question],
        "answer": check.text("answer", answer),
        "category": check.choice("category", category, FaqCategory),
        "product_id": product.pk if product is not None else None,
        "enabled": bool(enabled),
    }
    if question and not check.errors.get("question"):
        taken = FaqEntry.objects.filter(question=question)
        if entry is not None and entry.pk:
            taken = taken.exclude(pk=entry.pk)
        if taken.exists():
            check.add("question", _("An FAQ entry with this question already exists."), "duplicate")
    check.raise_if_any()
    return values


def phrase_clean(
    *, phrase: Phrase | None, stage: str, shortcut: str, title: str, body: str, sort_order: Any, enabled: bool
) -> dict[str, Any]:
    """Return the values to store for a quick phrase, or raise ValidationError (a taken shortcut included)."""
    check = _Checker()
    shortcut = check.text("shortcut", (shortcut or "").strip().lstrip("/"), max_length=32)
    if shortcut and not check.errors.get("shortcut"):
        if not SHORTCUT_RE.match(shortcut):
            check.add("shortcut", _("A shortcut is letters, digits, _ - or . without spaces."), "invalid")
        else:
            taken = Phrase.objects.filter(shortcut=shortcut)
            if phrase is not None and phrase.pk:
                taken = taken.exclude(pk=phrase.pk)
            other = taken.first()
            if other is not None:
                check.add(
                    "shortcut",
                    _("The shortcut /%(shortcut)s is already used by the phrase “%(title)s”.") % {"shortcut": shortcut, "title": other.title},
                    "duplicate",
                )
    values = {
        "stage": check.choice("stage", stage, PhraseStage),
        "shortcut": shortcut,
        "title": check.text("title", title, max_length=64),
        "body": check.text("body", body),
        "sort_order": check.order("sort_order", sort_order),
        "enabled": bool(enabled),
    }
    check.raise_if_any()
    return values


def pattern_error(pattern: str, *, is_regex: bool) -> str | None:
    """Return why the guard could not use a pattern, or None when it can; compiled exactly as the guard does."""
    guard = Guard([Rule(id=0, category="contempt", pattern=pattern, is_regex=is_regex, rewrite="")], model=False)
    if guard.invalid:
        return guard.invalid[0][1]
    if guard.compiled and guard.compiled[0].regex.fullmatch(""):
        return _("it matches empty text")
    return None


def forbidden_rule_clean(
    *,
    rule: ForbiddenRule | None,
    category: str,
    pattern: str,
    is_regex: bool,
    examples: Iterable[str] | str,
    rewrite: str,
    explanation: str,
    enabled: bool,
) -> dict[str, Any]:
    """Return the values to store for a forbidden-phrase rule, or raise ValidationError (a broken regex included)."""
    check = _Checker()
    category = check.choice("category", category, ForbiddenCategory)
    pattern = check.text("pattern", pattern, max_length=255)
    if pattern and not check.errors.get("pattern"):
        problem = pattern_error(pattern, is_regex=bool(is_regex))
        if problem:
            check.add("pattern", _("This regular expression cannot be used: %(error)s.") % {"error": problem}, "invalid_regex")
        elif not check.errors.get("category"):
            taken = ForbiddenRule.objects.filter(category=category, pattern=pattern)
            if rule is not None and rule.pk:
                taken = taken.exclude(pk=rule.pk)
            if taken.exists():
                check.add("pattern", _("This category already has a rule with this pattern."), "duplicate")
    values = {
        "category": category,
        "pattern": pattern,
        "is_regex": bool(is_regex),
        "examples": check.items("examples", examples),
        "rewrite": check.text("rewrite", rewrite),
        "explanation": check.text("explanation", explanation, max_length=255, required=False),
        "enabled": bool(enabled),
    }
    check.raise_if_any()
    return values


def objection_script_clean(
    *, script: ObjectionScript | None, kind: str, triggers: Iterable[str] | str, answer: str, explanation: str, sort_order: Any
) -> dict[str, Any]:
    """Return the values to store for an objection script, or raise ValidationError."""
    check = _Checker()
    kind = check.choice("kind", kind, ObjectionKind)
    answer = check.text("answer", answer)
    if answer and not check.errors.get("kind"):
        taken = ObjectionScript.objects.filter(kind=kind, answer=answer)
        if script is not None and script.pk:
            taken = taken.exclude(pk=script.pk)
        if taken.exists():
            check.add("answer", _("This objection already has a script with this answer."), "duplicate")
    values = {
        "kind": kind,
        "triggers": check.items("triggers", triggers),
        "answer": answer,
        "explanation": check.text("explanation", explanation, required=False),
        "sort_order": check.order("sort_order", sort_order),
    }
    check.raise_if_any()
    return values


# --- storing -------------------------------------------------------------------------------


def knowledge_store(*, actor: User | None, model: type[models.Model], instance: models.Model | None, values: dict[str, Any], via: str) -> tuple[models.Model, str]:
    """Create or update one row with validated values and audit it; return it and "created", "updated" or "unchanged".

    Does not announce the change: callers call ``knowledge_changed()`` once per request or file.
    """
    try:
        with transaction.atomic():
            if instance is None or instance.pk is None:
                instance = model.objects.create(**values)
                changes = {name: [None, audit_value(value)] for name, value in values.items()}
                audit_record(actor=actor, action=AuditAction.CREATE, obj=instance, changes=changes, via=via)
                return instance, "created"
            instance = model.objects.select_for_update().get(pk=instance.pk)
            changes = field_changes(instance, values)
            if not changes:
                return instance, "unchanged"
            instance.save()
            audit_record(actor=actor, action=AuditAction.UPDATE, obj=instance, changes=changes, via=via)
            return instance, "updated"
    except IntegrityError as error:  # two saves raced past the duplicate check
        if model is Phrase:
            raise ValidationError({"shortcut": [_error(_("This shortcut is already used by another phrase."), "duplicate")]}) from error
        raise


def _save(actor: User | None, model: type[models.Model], instance: models.Model | None, values: dict[str, Any], via: str) -> Any:
    with transaction.atomic():
        stored, _outcome = knowledge_store(actor=actor, model=model, instance=instance, values=values, via=via)
        knowledge_changed()
    return stored


def _delete(actor: User | None, instances: Sequence[models.Model], via: str) -> int:
    with transaction.atomic():
        for instance in instances:
            audit_record(actor=actor, action=AuditAction.DELETE, obj=instance, via=via)
            instance.delete()
        if instances:
            knowledge_changed()
    return len(instances)


def faq_entry_save(
    *,
    actor: User | None,
    entry: FaqEntry | None = None,
    question: str,
    variants: Iterable[str] | str = (),
    answer: str,
    category: str,
    product: Product | None = None,
    enabled: bool = True,
    via: str = "web",
) -> FaqEntry:
    """Create an FAQ entry, or update ``entry``; variants are other ways customers ask the same."""
    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    values = faq_entry_clean(entry=entry, question=question, variants=variants, answer=answer, category=category, product=product, enabled=enabled)
    return _save(actor, FaqEntry, entry, values, via)


def faq_entry_delete(*, actor: User | None, entry: FaqEntry, via: str = "web") -> None:
    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    _delete(actor, [entry], via)


def faq_entries_set_enabled(*, actor: User | None, ids: Iterable[int], enabled: bool, via: str = "web") -> int:
    """Enable or disable several FAQ entries; return how many changed."""
    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    count = 0
    with transaction.atomic():
        for entry in FaqEntry.objects.select_for_update().filter(pk__in=list(ids), enabled=not enabled).order_by("pk"):
            entry.enabled = enabled
            entry.save(update_fields=["enabled", "updated_at"])
            audit_record(actor=actor, action=AuditAction.UPDATE, obj=entry, changes={"enabled": [not enabled, enabled]}, via=via)
            count += 1
        if count:
            knowledge_changed()
    return count


def faq_entries_delete(*, actor: User | None, ids: Iterable[int], via: str = "web") -> int:
    """Delete several FAQ entries; return how many."""
    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    return _delete(actor, list(FaqEntry.objects.filter(pk__in=list(ids)).order_by("pk")), via)


def phrase_save(
    *,
    actor: User | None,
    phrase: Phrase | None = None,
    stage: str,
    shortcut: str,
    title: str,
    body: str,
    sort_order: int = 0,
    enabled: bool = True,
    via: str = "web",
) -> Phrase:
    """Create a quick phrase, or update ``phrase``; a shortcut used by another phrase is refused."""
    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    values = phrase_clean(phrase=phrase, stage=stage, shortcut=shortcut, title=title, body=body, sort_order=sort_order, enabled=enabled)
    return _save(actor, Phrase, phrase, values, via)


def phrase_delete(*, actor: User | None, phrase: Phrase, via: str = "web") -> None:
    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    _delete(actor, [phrase], via)


def forbidden_rule_save(
    *,
    actor: User | None,
    rule: ForbiddenRule | None = None,
    category: str,
    pattern: str,
    is_regex: bool = False,
    examples: Iterable[str] | str = (),
    rewrite: str,
    explanation: str = "",
    enabled: bool = True,
    via: str = "web",
) -> ForbiddenRule:
    """Create a forbidden-phrase rule, or update ``rule``; a regular expression the guard cannot compile is refused."""
    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    values = forbidden_rule_clean(
        rule=rule, category=category, pattern=pattern, is_regex=is_regex, examples=examples, rewrite=rewrite, explanation=explanation, enabled=enabled
    )
    return _save(actor, ForbiddenRule, rule, values, via)


def forbidden_rule_delete(*, actor: User | None, rule: ForbiddenRule, via: str = "web") -> None:
    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    _delete(actor, [rule], via)


def objection_script_save(
    *,
    actor: User | None,
    script: ObjectionScript | None = None,
    kind: str,
    triggers: Iterable[str] | str = (),
    answer: str,
    explanation: str = "",
    sort_order: int = 0,
    via: str = "web",
) -> ObjectionScript:
    """Create an objection script, or update ``script``; triggers are the customer's wordings."""
    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    values = objection_script_clean(script=script, kind=kind, triggers=triggers, answer=answer, explanation=explanation, sort_order=sort_order)
    return _save(actor, ObjectionScript, script, values, via)


def objection_script_delete(*, actor: User | None, script: ObjectionScript, via: str = "web") -> None:
    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    _delete(actor, [script], via)


def knowledge_export_csv(*, actor: User | None, kind: str) -> bytes:
    """Return every row of ``kind`` as CSV (UTF-8 with BOM, for Excel); the export is audited."""
    from .csv_io import FORMATS, export_csv

    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    content = export_csv(kind)
    audit_record(actor=actor, action=AuditAction.EXPORT, object_type=FORMATS[kind].model._meta.label_lower, changes={"kind": kind}, via="csv")
    return content


def knowledge_import_csv(*, actor: User | None, kind: str, binary: Any, file_name: str = "", encoding: str = "auto") -> Any:
    """Import one CSV file of ``kind`` ("faq", "phrases", "rules", "objections"): good rows saved, bad rows reported.

    One transaction per file; existing rows are updated by their natural key. See ``csv_io``.
    """
    from .csv_io import import_file  # the CSV formats use the validation above

    permission_require(actor, Capability.KNOWLEDGE_WRITE)
    with transaction.atomic():
        report = import_file(actor=actor, kind=kind, binary=binary, file_name=file_name, encoding=encoding)
        if report.created or report.updated:
            knowledge_changed()
        if report.readable:
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type=report.object_type,
                changes={
                    "kind": kind,
                    "file_name": file_name,
                    "encoding": report.encoding,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "rejected": len(report.errors),
                },
                via="csv",
            )
    return report
