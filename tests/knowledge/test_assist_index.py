"""The assist index: built from the demo knowledge, cached per process, rebuilt when the knowledge version moves."""

import pytest
from django.core.cache import caches

from kefu.assist.guard import Guard
from kefu.assist.suggest import KnowledgeBase, suggest
from kefu.catalog.models import Product
from kefu.demo.content import knowledge as demo_knowledge
from kefu.demo.loader.write import _load_catalog, _load_knowledge
from kefu.knowledge import assist_index
from kefu.knowledge.assist_index import (
    VERSION_KEY,
    guard_build,
    knowledge_base_build,
    knowledge_changed,
    knowledge_version,
)
from kefu.knowledge.models import FaqEntry, ForbiddenRule, ObjectionScript, Phrase

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_knowledge_loaded(django_capture_on_commit_callbacks):
    """Load the demo shop's catalogue and knowledge base (not its customers) and announce the change."""
    products = _load_catalog(None)
    _load_knowledge(products, None)
    with django_capture_on_commit_callbacks(execute=True):
        knowledge_changed()
    return products


def changed(capture) -> None:
    with capture(execute=True):
        knowledge_changed()


def test_knowledge_base_holds_the_enabled_knowledge(demo_knowledge_loaded):
    kb = knowledge_base_build()

    assert isinstance(kb, KnowledgeBase)
    assert set(kb.faq_entries) == set(FaqEntry.objects.filter(enabled=True).values_list("pk", flat=True))
    assert len(kb.faq_entries) == len(demo_knowledge.FAQ)
    assert (
        sum(len(items) for items in kb.phrases.values())
        == Phrase.objects.count()
        == len(demo_knowledge.PHRASES)
    )
    assert set(kb.phrases) == {
        "greeting",
        "dialogue",
        "bargaining",
        "payment",
        "logistics",
        "aftersales",
        "review",
        "closing",
    }
    assert sum(len(items) for items in kb.objections.values()) == len(demo_knowledge.OBJECTIONS)
    assert len(kb.closing) == len(demo_knowledge.CLOSING)
    assert len(kb.after_sales_rules) == len(demo_knowledge.AFTER_SALES_RULES)
    assert {p.id for p in kb.products} == set(
        Product.objects.filter(is_active=True).values_list("pk", flat=True)
    )
    chiller = next(p for p in kb.products if p.sku == "CHL-12KW")
    assert chiller.applications == ["储能集装箱", "储能电池柜", "储能电池散热"]


def test_suggestions_cite_database_rows(demo_knowledge_loaded):
    kb = knowledge_base_build()

    result = suggest(message="能不能便宜点，别家才卖800", knowledge=kb)

    general, about_chiller = ObjectionScript.objects.filter(kind="cheaper_elsewhere").order_by("-sort_order")
    assert [(s.source_id, s.text) for s in result if s.source == "objection"] == [
        (general.pk, general.answer),
        (about_chiller.pk, about_chiller.answer),
    ]
    price = [s.text for s in suggest(message="翼龙F40多少钱", knowledge=kb) if s.source == "product"]
    assert price == ["亲，翼龙F40无人机现在的售价是168000元，以商品页和结算页显示为准。"]
    faq = [s for s in suggest(message="我的快递怎么还没到？？？", knowledge=kb) if s.source == "faq"]
    assert FaqEntry.objects.get(pk=faq[0].source_id).category == "logistics"


def test_the_index_is_built_once_per_version(demo_knowledge_loaded, django_capture_on_commit_callbacks):
    first = knowledge_base_build()
    guard = guard_build()

    assert knowledge_base_build() is first
    assert guard_build() is guard

    changed(django_capture_on_commit_callbacks)

    assert knowledge_base_build() is not first
    assert guard_build() is not guard


def test_an_edit_takes_effect_after_knowledge_changed(
    demo_knowledge_loaded, django_capture_on_commit_callbacks
):
    assert not any(
        s.text == "您好呀，专属客服在线～" for s in suggest(message="你好", knowledge=knowledge_base_build())
    )

    Phrase.objects.filter(stage="greeting").update(enabled=False)
    Phrase.objects.create(
        stage="greeting", shortcut="hi_new", title="新欢迎语", body="您好呀，专属客服在线～", sort_order=1
    )
    changed(django_capture_on_commit_callbacks)

    greetings = [
        s.text for s in suggest(message="你好", knowledge=knowledge_base_build()) if s.source == "phrase"
    ]
    assert greetings[0] == "您好呀，专属客服在线～"


def test_nothing_changes_before_the_transaction_commits(
    demo_knowledge_loaded, django_capture_on_commit_callbacks
):
    before = knowledge_version()
    kb = knowledge_base_build()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        knowledge_changed()

    assert knowledge_version() == before
    assert knowledge_base_build() is kb
    callbacks[0]()
    assert knowledge_version() == before + 1
    assert knowledge_base_build() is not kb


def test_another_process_bump_is_seen_within_the_check_interval(demo_knowledge_loaded, monkeypatch):
    kb = knowledge_base_build()
    monkeypatch.setattr(assist_index, "CHECK_INTERVAL_SECONDS", 3600.0)

    caches["shared"].incr(VERSION_KEY)  # what knowledge_changed() in another server process does

    assert knowledge_base_build() is kb  # not looked at again yet: at most one cache read per interval
    monkeypatch.setattr(assist_index, "CHECK_INTERVAL_SECONDS", 0.0)
    assert knowledge_base_build() is not kb


def test_a_lost_version_key_is_recreated_and_rebuilds(demo_knowledge_loaded, monkeypatch):
    kb = knowledge_base_build()
    monkeypatch.setattr(assist_index, "CHECK_INTERVAL_SECONDS", 0.0)

    caches["shared"].delete(VERSION_KEY)

    assert isinstance(knowledge_version(), int)
    assert knowledge_base_build() is not kb


def test_guard_uses_the_enabled_database_rules(demo_knowledge_loaded, django_capture_on_commit_callbacks):
    denial = ForbiddenRule.objects.get(pattern="不知道")
    contempt = ForbiddenRule.objects.get(pattern__startswith="你(自己)?(去)?看")
    guard = guard_build()
    assert isinstance(guard, Guard)

    flags = guard.check("这个问题我不知道，你自己看说明书")

    assert [(f.start, f.end, f.category, f.rule_id, f.rewrite) for f in flags] == [
        (5, 8, "denial", denial.pk, denial.rewrite),
        (9, 16, "contempt", contempt.pk, contempt.rewrite),
    ]

    ForbiddenRule.objects.filter(pk=denial.pk).update(enabled=False)
    changed(django_capture_on_commit_callbacks)

    assert [f.rule_id for f in guard_build().check("这个问题我不知道，你自己看说明书")] == [contempt.pk]


def test_model_flags_carry_the_shops_rewrite(demo_knowledge_loaded, django_capture_on_commit_callbacks):
    ForbiddenRule.objects.filter(category="contempt").update(rewrite="亲，是我没说清楚，我再给您讲一遍。")
    changed(django_capture_on_commit_callbacks)

    flags = guard_build().check("你这人怎么这么啰嗦")

    assert [(f.source, f.category, f.rewrite) for f in flags] == [
        ("model", "contempt", "亲，是我没说清楚，我再给您讲一遍。")
    ]


def test_a_new_rule_is_picked_up(demo_knowledge_loaded, django_capture_on_commit_callbacks):
    assert [f for f in guard_build().check("亲，自行解决哈") if f.source == "rule"] == []

    rule = ForbiddenRule.objects.create(
        category="refusal", pattern="自行解决", is_regex=False, rewrite="亲，我来帮您解决。"
    )
    changed(django_capture_on_commit_callbacks)

    flags = guard_build().check("亲，自行解决哈")
    assert [(f.start, f.end, f.text, f.rule_id) for f in flags] == [(2, 6, "自行解决", rule.pk)]
