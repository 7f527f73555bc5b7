"""Feed the assist library (``kefu.assist``, which knows no Django) from the knowledge base and the catalogue.

``knowledge_base_build()`` and ``guard_build()`` return objects built once per process and
shared by every request. A version number in the shared cache (``kefu:knowledge-version``;
Redis in the scale-out setup) says when they are stale: ``knowledge_changed()``, called by
every service that writes knowledge or products, bumps it after the transaction commits, and
each process looks at it at most once a second, so all running servers and workers pick up
an edit without a restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import caches
from django.db import transaction

from kefu.assist.guard import Guard, Rule
from kefu.assist.retrieval import Entry
from kefu.assist.suggest import (
    AfterSalesRuleItem,
    ClosingItem,
    KnowledgeBase,
    ObjectionItem,
    PhraseItem,
    ProductFacts,
)
from kefu.catalog.models import Product

from .enums import SuggestionSource
from .models import (
    AfterSalesRule,
    ClosingTechnique,
    FaqEntry,
    ForbiddenRule,
    ObjectionScript,
    Phrase,
    SuggestionFeedback,
)

__all__ = [
    "CHECK_INTERVAL_SECONDS",
    "VERSION_KEY",
    "guard_build",
    "knowledge_base_build",
    "knowledge_changed",
    "knowledge_version",
]

VERSION_KEY = "kefu:knowledge-version"
CHECK_INTERVAL_SECONDS = 1.0

T = TypeVar("T")


@dataclass
class _Slot:
    version: int
    value: Any
    checked_at: float


_slots: dict[str, _Slot] = {}
_locks = {"knowledge_base": threading.Lock(), "guard": threading.Lock()}


def knowledge_version() -> int:
    """Return the shared knowledge version, creating it when the cache has none (first start, eviction)."""
    version = caches["shared"].get(VERSION_KEY)
    if version is None:
        # Start from the clock, not 1, so a version lost from the cache never comes back equal.
        caches["shared"].add(VERSION_KEY, time.time_ns() // 1_000_000, timeout=None)
        version = caches["shared"].get(VERSION_KEY)
    return int(version)


def _bump() -> None:
    try:
        caches["shared"].incr(VERSION_KEY)
    except ValueError:  # the key is gone: create it, then move past it
        knowledge_version()
        caches["shared"].incr(VERSION_KEY)
    for slot in list(_slots.values()):
        slot.checked_at = float("-inf")  # this process looks again on its next call


def knowledge_changed() -> None:
    """Mark the knowledge base (FAQ, phrases, rules, scripts, products) as changed, once the transaction commits.

    Every process rebuilds its index within about a second; this one on its next call.
    """
    transaction.on_commit(_bump)


def _cached(name: str, build: Callable[[], T]) -> T:
    slot = _slots.get(name)
    now = time.monotonic()
    if slot is not None and now - slot.checked_at < CHECK_INTERVAL_SECONDS:
        return slot.value
    version = knowledge_version()  # read before building: an edit during the build is caught next time
    if slot is not None and slot.version == version:
        slot.checked_at = now
        return slot.value
    with _locks[name]:
        slot = _slots.get(name)
        if slot is not None and slot.version == version:
            return slot.value
        value = build()
        _slots[name] = _Slot(version=version, value=value, checked_at=time.monotonic())
        return value


def knowledge_base_build() -> KnowledgeBase:
    """Return the suggestion knowledge base for the current knowledge version (built at most once per version).

    Agents' decisions on FAQ suggestions (SuggestionFeedback) are folded into its ranking: all of
    them when it is built, and the new ones at most once a second after that, in every process.
    """
    knowledge = _cached("knowledge_base", _knowledge_base)
    _feedback_catch_up(knowledge)
    return knowledge


_feedback_seen: dict[int, tuple[int, float]] = {}  # id(knowledge base) -> (last feedback id applied, checked at)
_feedback_lock = threading.Lock()


def _feedback_catch_up(knowledge: KnowledgeBase) -> None:
    key = id(knowledge)
    last, checked_at = _feedback_seen.get(key, (0, float("-inf")))
    now = time.monotonic()
    if now - checked_at < CHECK_INTERVAL_SECONDS:
        return
    with _feedback_lock:
        last, checked_at = _feedback_seen.get(key, (0, float("-inf")))
        if now - checked_at < CHECK_INTERVAL_SECONDS:
            return
        live = {id(slot.value) for slot in _slots.values()}
        for stale in [other for other in _feedback_seen if other not in live]:
            del _feedback_seen[stale]  # a rebuilt base starts from the first row again
        rows = list(
            SuggestionFeedback.objects.filter(pk__gt=last, source=SuggestionSource.FAQ).order_by("pk").values_list("pk", "query", "source_id", "outcome")
        )
        for pk, query, source_id, outcome in rows:
            if source_id.isdigit():
                knowledge.faq.learn(query, int(source_id), outcome)
            last = pk
        _feedback_seen[key] = (last, time.monotonic())


def guard_build() -> Guard:
    """Return the forbidden-phrase guard with the enabled rules of the current knowledge version."""
    return _cached("guard", _guard)


def _knowledge_base() -> KnowledgeBase:
    products = [
        ProductFacts(
            id=product.pk,
            sku=product.sku,
            name=product.name,
            aliases=list(product.aliases or []),
            features=list(product.features or []),
            advantages=list(product.advantages or []),
            applications=list(product.applications or []),
            price=str(product.price),
        )
        for product in Product.objects.filter(is_active=True).order_by("pk")
    ]
    faq = [
        Entry(
            id=entry.pk,
            question=entry.question,
            variants=tuple(entry.variants or ()),
            answer=entry.answer,
            category=entry.category,
            product=entry.product.name if entry.product_id else "",
        )
        for entry in FaqEntry.objects.filter(enabled=True).select_related("product").order_by("pk")
    ]
    return KnowledgeBase.from_data(
        faq=faq,
        phrases=[
            PhraseItem(
                id=phrase.pk,
                stage=phrase.stage,
                title=phrase.title,
                body=phrase.body,
                shortcut=phrase.shortcut,
                sort_order=phrase.sort_order,
            )
            for phrase in Phrase.objects.filter(enabled=True).order_by("pk")
        ],
        objections=[
            ObjectionItem(
                id=script.pk,
                kind=script.kind,
                answer=script.answer,
                triggers=list(script.triggers or []),
                explanation=script.explanation,
                sort_order=script.sort_order,
            )
            for script in ObjectionScript.objects.order_by("pk")
        ],
        closing=[
            ClosingItem(
                id=item.pk, kind=item.kind, description=item.description, examples=list(item.examples or [])
            )
            for item in ClosingTechnique.objects.order_by("pk")
        ],
        products=products,
        after_sales_rules=[
            AfterSalesRuleItem(
                id=rule.pk,
                code=rule.code,
                title=rule.title,
                clause=rule.clause,
                time_limit_days=rule.time_limit_days,
                conditions=list(rule.conditions or []),
            )
            for rule in AfterSalesRule.objects.filter(enabled=True).order_by("code")
        ],
    )


def _guard() -> Guard:
    rules = [
        Rule(
            id=rule.pk,
            category=rule.category,
            pattern=rule.pattern,
            is_regex=rule.is_regex,
            rewrite=rule.rewrite,
            examples=list(rule.examples or []),
            explanation=rule.explanation,
        )
        for rule in ForbiddenRule.objects.filter(enabled=True).order_by("pk")
    ]
    # The learned check's flags carry the shop's own wording: the first rule's rewrite per category.
    rewrites: dict[str, str] = {}
    for rule in rules:
        if rule.rewrite:
            rewrites.setdefault(rule.category, rule.rewrite)
    guard = Guard(rules, rewrites=rewrites)
    guard.model  # noqa: B018 -- load the learned check now, not in the first agent's keystroke
    return guard
