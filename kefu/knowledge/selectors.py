"""Reads for the knowledge pages: filtered lists, the "try it" box over the running index, the draft check."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db.models import Case, Q, QuerySet, Value, When

from kefu.assist.guard import Flag

from .assist_index import guard_build, knowledge_base_build
from .enums import FaqCategory, ForbiddenCategory, ObjectionKind, PhraseStage
from .models import FaqEntry, ForbiddenRule, ObjectionScript, Phrase

GUARD_CATEGORY_LABELS = dict(ForbiddenCategory.choices)  # the guard's categories, rules' and learned check's alike


def _json_text_contains(field: str, q: str) -> Q:
    r"""Search the text of a JSON list of strings: SQLite stores Chinese escaped (\uXXXX), PostgreSQL as typed."""
    escaped = json.dumps(q)[1:-1]
    condition = Q(**{f"{field}__icontains": q})
    return condition | Q(**{f"{field}__icontains": escaped}) if escaped != q else condition


def _choice_order(field: str, choices: type) -> Case:
    """Order by a choices field in the order the choices are declared (the handbook's order), not alphabetically."""
    return Case(*[When(**{field: value}, then=Value(index)) for index, value in enumerate(choices.values)], default=Value(len(choices.values)))


def faq_entry_list(
    *, q: str = "", category: str = "", product: str = "", enabled: str = ""
) -> QuerySet[FaqEntry]:
    """Return the FAQ entries matching a search over question, variants and answer, and the filters.

    ``product`` is a product id or "none"; ``enabled`` is "1", "0" or "".
    """
    entries = FaqEntry.objects.select_related("product").order_by(_choice_order("category", FaqCategory), "id")
    q = (q or "").strip()
    if q:
        entries = entries.filter(Q(question__icontains=q) | Q(answer__icontains=q) | _json_text_contains("variants", q))
    if category in FaqCategory.values:
        entries = entries.filter(category=category)
    if product == "none":
        entries = entries.filter(product__isnull=True)
    elif product.isdigit():
        entries = entries.filter(product_id=int(product))
    if enabled in {"0", "1"}:
        entries = entries.filter(enabled=enabled == "1")
    return entries


def phrase_groups(*, q: str = "") -> list[tuple[str, str, list[Phrase]]]:
    """Return the phrases grouped by stage, in the stages' order: (stage, label, phrases)."""
    phrases = Phrase.objects.order_by("stage", "sort_order", "id")
    q = (q or "").strip()
    if q:
        phrases = phrases.filter(Q(shortcut__icontains=q) | Q(title__icontains=q) | Q(body__icontains=q))
    by_stage: dict[str, list[Phrase]] = {}
    for phrase in phrases:
        by_stage.setdefault(phrase.stage, []).append(phrase)
    return [(stage, label, by_stage[stage]) for stage, label in PhraseStage.choices if stage in by_stage]


def forbidden_rule_list(*, q: str = "", category: str = "") -> QuerySet[ForbiddenRule]:
    rules = ForbiddenRule.objects.order_by(_choice_order("category", ForbiddenCategory), "id")
    q = (q or "").strip()
    if q:
        rules = rules.filter(
            Q(pattern__icontains=q) | Q(rewrite__icontains=q) | Q(explanation__icontains=q) | _json_text_contains("examples", q)
        )
    if category in ForbiddenCategory.values:
        rules = rules.filter(category=category)
    return rules


def objection_script_list(*, q: str = "", kind: str = "") -> QuerySet[ObjectionScript]:
    scripts = ObjectionScript.objects.order_by(_choice_order("kind", ObjectionKind), "sort_order", "id")
    q = (q or "").strip()
    if q:
        scripts = scripts.filter(Q(answer__icontains=q) | Q(explanation__icontains=q) | _json_text_contains("triggers", q))
    if kind in ObjectionKind.values:
        scripts = scripts.filter(kind=kind)
    return scripts


@dataclass
class FaqMatch:
    entry: FaqEntry
    matched: str  # the question or variant that matched
    confidence: float  # 0..1

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


def faq_try(question: str, *, k: int = 5) -> list[FaqMatch]:
    """Return the ``k`` FAQ entries the running assistant index finds for a customer question, best first."""
    question = (question or "").strip()
    if not question:
        return []
    hits = knowledge_base_build().faq.search(question, k=k)
    entries = FaqEntry.objects.select_related("product").in_bulk([hit.entry_id for hit in hits])
    return [
        FaqMatch(entry=entries[hit.entry_id], matched=hit.matched, confidence=hit.confidence)
        for hit in hits
        if hit.entry_id in entries  # deleted since the index was built
    ]


@dataclass
class DraftFlag:
    flag: Flag
    category_label: str
    rule: ForbiddenRule | None


@dataclass
class DraftCheck:
    draft: str
    flags: list[DraftFlag]
    segments: list[tuple[str, DraftFlag | None]]  # the draft cut into plain and flagged pieces


def draft_check(draft: str) -> DraftCheck:
    """Run the running guard on a draft: its flags, with rules and labels, and the draft cut for highlighting."""
    flags = guard_build().check(draft or "")
    rules = ForbiddenRule.objects.in_bulk([f.rule_id for f in flags if f.rule_id is not None])
    items = [
        DraftFlag(flag=f, category_label=str(GUARD_CATEGORY_LABELS.get(f.category, f.category)), rule=rules.get(f.rule_id))
        for f in flags
    ]
    segments: list[tuple[str, DraftFlag | None]] = []
    position = 0
    for item in items:
        start, end = item.flag.start, item.flag.end
        if start < position:  # overlapping flags: the first one is shown
            continue
        if start > position:
            segments.append((draft[position:start], None))
        segments.append((draft[start:end], item))
        position = end
    if position < len(draft or ""):
        segments.append((draft[position:], None))
    return DraftCheck(draft=draft, flags=items, segments=segments)


def guard_decision_list(*, decision: str = "", category: str = "", limit: int = 200):
    """Return the latest decisions agents took on flagged drafts (sent anyway or revised), newest first."""
    from kefu.conversations.models import GuardDecision

    queryset = GuardDecision.objects.select_related("agent", "conversation__customer").order_by("-created_at", "-pk")
    if decision:
        queryset = queryset.filter(decision=decision)
    if category:
        queryset = queryset.filter(categories__contains=category)
    return list(queryset[:limit])
