"""The demo knowledge content: counts, choices, rules that match their examples, a clean shop voice.

Plain data checks, no database: the rules must match their own examples, and every text the shop
sends must pass its own forbidden-phrase rules.
"""

import json
import re
import string
from collections import Counter

import pytest

from kefu.demo.content import knowledge, phrases, products
from kefu.knowledge import models
from kefu.knowledge.enums import (
    ClosingKind,
    FaqCategory,
    ForbiddenCategory,
    ObjectionKind,
    PhraseStage,
    ProblemType,
)

FLAGSHIPS = {"CHL-12KW", "UAV-F40", "AFG-2100", "AFG-2000"}
# Characters that only occur in traditional writing (their simplified forms differ).
TRADITIONAL_ONLY = set("請問幾個運費貨號嗎麼還發這說們會對買賣價錢帳開優讓點時間質壞換務電訂單頻誰處")


def _hits(text: str) -> list[str]:
    """Return the forbidden-rule patterns that fire on a text."""
    hits = []
    for rule in knowledge.FORBIDDEN_RULES:
        found = re.search(rule["pattern"], text) if rule["is_regex"] else rule["pattern"] in text
        if found:
            hits.append(rule["pattern"])
    return hits


def _model_fields(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields} - {"id"}


# ---- shape ----


@pytest.mark.parametrize(
    ("rows", "model", "extra"),
    [
        (knowledge.FAQ, models.FaqEntry, {"product_sku"}),
        (knowledge.PHRASES, models.Phrase, set()),
        (knowledge.FORBIDDEN_RULES, models.ForbiddenRule, set()),
        (knowledge.OBJECTIONS, models.ObjectionScript, set()),
        (knowledge.CLOSING, models.ClosingTechnique, set()),
        (knowledge.AFTER_SALES_RULES, models.AfterSalesRule, set()),
        (knowledge.PLAYBOOKS, models.Playbook, set()),
    ],
)
def test_rows_use_model_field_names_and_are_plain_data(rows, model, extra):
    allowed = _model_fields(model) | extra
    for row in rows:
        assert set(row) <= allowed, set(row) - allowed
    json.dumps(rows, ensure_ascii=False)  # plain data only


# ---- FAQ ----


def test_faq_counts_and_categories():
    assert len(knowledge.FAQ) >= 90
    categories = Counter(f["category"] for f in knowledge.FAQ)
    assert set(categories) == set(FaqCategory.values)
    per_sku = Counter(f["product_sku"] for f in knowledge.FAQ if f["category"] == "product")
    for sku in ("CHL-12KW", "UAV-F40", "AFG-2100"):
        assert per_sku[sku] >= 6, sku


def test_faq_questions_unique_and_variants():
    questions = [f["question"] for f in knowledge.FAQ]
    assert len(questions) == len(set(questions))
    variants = []
    for f in knowledge.FAQ:
        assert len(f["variants"]) >= 3, f["question"]
        assert all(v.strip() for v in f["variants"])
        assert f["answer"].strip()
        variants.extend(f["variants"])
    # a customer wording points at one answer only
    assert len(variants) == len(set(variants)), [v for v, n in Counter(variants).items() if n > 1]
    assert not set(variants) & set(questions)


def test_faq_product_skus_exist_in_catalogue():
    catalogue = {p["sku"] for p in products.PRODUCTS}
    assert FLAGSHIPS <= catalogue
    for f in knowledge.FAQ:
        assert f["product_sku"] in FLAGSHIPS | {None}, f["question"]


def test_faq_has_traditional_variants():
    traditional = [v for f in knowledge.FAQ for v in f["variants"] if set(v) & TRADITIONAL_ONLY]
    assert len(traditional) >= 25


def test_faq_distinguishes_look_alike_questions():
    by_question = {f["question"]: f for f in knowledge.FAQ}
    assert "可以花呗分期吗？" in by_question and "可以用借呗付款吗？" in by_question
    assert (
        "支持" in by_question["可以花呗分期吗？"]["answer"]
        or "可以" in by_question["可以花呗分期吗？"]["answer"]
    )
    assert "不是一种付款方式" in by_question["可以用借呗付款吗？"]["answer"]
    assert by_question["能退货吗？"]["answer"] != by_question["怎么退货？"]["answer"]
    assert "1." in by_question["怎么退货？"]["answer"]  # steps
    assert "不做好评返现" in by_question["好评有返现吗？"]["answer"]


# ---- phrases ----


def test_phrases_per_stage_and_unique_shortcuts():
    stages = Counter(p["stage"] for p in knowledge.PHRASES)
    assert set(stages) == set(PhraseStage.values)
    assert all(n >= 6 for n in stages.values()), stages
    shortcuts = [p["shortcut"] for p in knowledge.PHRASES]
    assert len(shortcuts) == len(set(shortcuts))
    for code in shortcuts:
        assert re.fullmatch(r"[a-z0-9_]+", code), code
        assert len(code) <= 32
    for p in knowledge.PHRASES:
        assert p["title"] and p["body"] and isinstance(p["sort_order"], int)


def test_greeting_phrases_and_placeholders():
    by_code = {p["shortcut"]: p for p in knowledge.PHRASES}
    for code in ("hi_morning", "hi_afternoon", "hi_evening", "hi_back", "hold", "away"):
        assert by_code[code]["stage"] == "greeting"
    assert "早上好" in by_code["hi_morning"]["body"]
    assert "下午好" in by_code["hi_afternoon"]["body"]
    assert "晚上好" in by_code["hi_evening"]["body"]
    assert "{name}" in by_code["hi_back"]["body"]
    assert "{hours}" in by_code["away"]["body"]
    assert "正在为您查询" in by_code["hold"]["body"]
    for p in knowledge.PHRASES:
        names = {field for _, field, _, _ in string.Formatter().parse(p["body"]) if field is not None}
        assert names <= set(phrases.PLACEHOLDERS), (p["shortcut"], names)
        assert "{" + "}" not in p["body"]


# ---- forbidden rules ----


def test_forbidden_rules_counts_and_categories():
    assert len(knowledge.FORBIDDEN_RULES) >= 30
    assert set(r["category"] for r in knowledge.FORBIDDEN_RULES) == set(ForbiddenCategory.values)
    patterns = [r["pattern"] for r in knowledge.FORBIDDEN_RULES]
    assert len(patterns) == len(set(patterns))


@pytest.mark.parametrize("rule", knowledge.FORBIDDEN_RULES, ids=lambda r: r["pattern"][:20])
def test_each_rule_matches_its_examples(rule):
    assert rule["examples"] and rule["rewrite"] and rule["explanation"]
    if rule["is_regex"]:
        compiled = re.compile(rule["pattern"])
        for example in rule["examples"]:
            assert compiled.search(example), example
    else:
        for example in rule["examples"]:
            assert rule["pattern"] in example, example


@pytest.mark.parametrize(
    "draft",
    [
        "你自己看",
        "你自己看说明书",
        "不知道",
        "爱买不买",
        "我们规定就是这样",
        "你懂不懂",
        "没办法",
        "不可能",
        "你怎么这么笨",
        "烦不烦",
        "我不是说过了吗",
        "有本事你去投诉",
        "这是最好的",
        "销量第一",
        "绝对正品",
        "100%好评",
        "全网最低",
    ],
)
def test_required_wordings_are_caught(draft):
    assert _hits(draft), draft


@pytest.mark.parametrize("text", ["我们会第一时间通知您", "您第一次购买可以领新人券", "请您最好先充电30分钟"])
def test_ordinary_wordings_pass(text):
    assert not _hits(text)


def test_shop_texts_obey_forbidden_rules():
    texts = [f["answer"] for f in knowledge.FAQ]
    texts += [p["body"] for p in knowledge.PHRASES]
    texts += [r["rewrite"] for r in knowledge.FORBIDDEN_RULES]
    texts += [o["answer"] for o in knowledge.OBJECTIONS]
    texts += [e for c in knowledge.CLOSING for e in c["examples"]]
    texts += [r["clause"] for r in knowledge.AFTER_SALES_RULES]
    texts += [i for p in knowledge.PLAYBOOKS for key in ("handling", "offers") for i in p[key]]
    offending = {t: _hits(t) for t in texts if _hits(t)}
    assert not offending


# ---- selling ----


def test_objections():
    kinds = Counter(o["kind"] for o in knowledge.OBJECTIONS)
    assert set(kinds) == set(ObjectionKind.values)
    assert all(n >= 2 for n in kinds.values()), kinds
    answers = [o["answer"] for o in knowledge.OBJECTIONS]
    assert len(answers) == len(set(answers))  # the loader finds them by answer
    for o in knowledge.OBJECTIONS:
        assert len(o["triggers"]) >= 4 and o["explanation"] and isinstance(o["sort_order"], int)


def test_closing_techniques():
    assert len(knowledge.CLOSING) == 6
    assert sorted(c["kind"] for c in knowledge.CLOSING) == sorted(ClosingKind.values)
    for c in knowledge.CLOSING:
        assert c["description"] and len(c["examples"]) >= 2


# ---- after-sales ----


def test_after_sales_rules():
    rules = knowledge.AFTER_SALES_RULES
    assert len(rules) >= 10
    codes = [r["code"] for r in rules]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"AS-\d{2}", c) for c in codes)
    by_title = {r["title"]: r for r in rules}
    assert by_title["七天无理由退货"]["time_limit_days"] == 7
    assert by_title["质量问题退换货"]["time_limit_days"] == 15
    assert by_title["商品保修"]["time_limit_days"] == 365
    assert "48小时" in by_title["延迟发货赔偿"]["clause"]
    assert "48小时" in by_title["运输破损"]["clause"]
    for title in (
        "退货运费承担",
        "签收验货",
        "定制及拆封商品",
        "退款时限",
        "赠品",
        "12kW冷水机质保",
        "翼龙F40保修",
    ):
        assert title in by_title
    for r in rules:
        assert r["clause"] and r["conditions"]
        assert r["time_limit_days"] is None or (
            isinstance(r["time_limit_days"], int) and r["time_limit_days"] > 0
        )


def test_playbooks():
    problems = [p["problem"] for p in knowledge.PLAYBOOKS]
    assert sorted(problems) == sorted(ProblemType.values)
    for p in knowledge.PLAYBOOKS:
        assert p["title"]
        for key in ("causes", "handling", "offers", "prevention"):
            assert 3 <= len(p[key]) <= 6, (p["problem"], key)
    titles = {p["problem"]: p["title"] for p in knowledge.PLAYBOOKS}
    assert titles["not_as_imagined"] == "与想象中不符"
