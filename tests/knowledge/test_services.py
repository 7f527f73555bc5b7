"""Knowledge services: validation that changes nothing, audited writes, and the assistant seeing a change at once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kefu.accounts.models import AuditLog
from kefu.catalog.services import product_update
from kefu.knowledge.assist_index import (
    guard_build,
    knowledge_base_build,
    knowledge_changed,
    knowledge_version,
)
from kefu.knowledge.models import FaqEntry, ForbiddenRule, ObjectionScript, Phrase
from kefu.knowledge.services import (
    faq_entries_delete,
    faq_entries_set_enabled,
    faq_entry_delete,
    faq_entry_save,
    forbidden_rule_delete,
    forbidden_rule_save,
    objection_script_save,
    phrase_save,
)
from tests.factories import product_factory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write and its on-commit callbacks (the knowledge_changed bump), as a real request would."""

    def run(write, /, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(**kwargs)

    return run


@pytest.fixture(autouse=True)
def fresh_index(committed):
    committed(knowledge_changed)  # indexes built by earlier tests are for their (rolled back) rows


def _messages(error: ValidationError) -> dict[str, list[str]]:
    return {name: [str(m) for e in errors for m in e.messages] for name, errors in error.error_dict.items()}


def test_faq_entry_is_saved_cleaned_and_audited(supervisor):
    product = product_factory(name="翼龙F40无人机")

    entry = faq_entry_save(
        actor=supervisor,
        question=" 翼龙F40能飞多久？ ",
        variants=["续航多久", " 续航多久 ", "", "翼龙F40能飞多久？", "能飛多久"],
        answer="满电约55分钟。",
        category="product",
        product=product,
    )

    stored = FaqEntry.objects.get()
    assert (stored.pk, stored.question, stored.variants, stored.product_id, stored.enabled) == (
        entry.pk,
        "翼龙F40能飞多久？",
        ["续航多久", "能飛多久"],
        product.pk,
        True,
    )
    audit = AuditLog.objects.get()
    assert (audit.actor, audit.action, audit.object_type, audit.object_id, audit.via) == (
        supervisor,
        "create",
        "knowledge.faqentry",
        str(entry.pk),
        "web",
    )
    assert audit.changes["variants"] == [None, ["续航多久", "能飛多久"]]
    assert audit.changes["product_id"] == [None, product.pk]


def test_faq_update_audits_what_changed_and_a_no_change_save_writes_nothing(supervisor):
    entry = faq_entry_save(actor=supervisor, question="包邮吗", answer="包邮。", category="logistics")

    faq_entry_save(actor=supervisor, entry=entry, question="包邮吗", answer="全国包邮（偏远地区除外）。", category="logistics")
    faq_entry_save(actor=supervisor, entry=entry, question="包邮吗", answer="全国包邮（偏远地区除外）。", category="logistics")

    assert FaqEntry.objects.get().answer == "全国包邮（偏远地区除外）。"
    assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == ["create", "update"]
    assert AuditLog.objects.get(action="update").changes == {"answer": ["包邮。", "全国包邮（偏远地区除外）。"]}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"question": "  ", "answer": "好的"}, {"question": ["This field is required."]}),
        ({"question": "能开票吗", "answer": ""}, {"answer": ["This field is required."]}),
        ({"question": "能开票吗", "answer": "能", "category": "weather"}, {"category": ["weather is not one of the available choices."]}),
        ({"question": "问" * 256, "answer": "能"}, {"question": ["Ensure this value has at most 255 characters (it has 256)."]}),
    ],
)
def test_bad_faq_input_is_refused_and_changes_nothing(supervisor, fields, errors):
    with pytest.raises(ValidationError) as caught:
        faq_entry_save(actor=supervisor, **{"category": "presale", **fields})

    assert _messages(caught.value) == errors
    assert not FaqEntry.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_second_entry_with_the_same_question_is_refused(supervisor):
    faq_entry_save(actor=supervisor, question="能开发票吗", answer="能。", category="presale")

    with pytest.raises(ValidationError) as caught:
        faq_entry_save(actor=supervisor, question="能开发票吗", answer="不能。", category="presale")

    assert _messages(caught.value) == {"question": ["An FAQ entry with this question already exists."]}
    assert list(FaqEntry.objects.values_list("answer", flat=True)) == ["能。"]


def test_agents_may_not_write_knowledge(agent):
    with pytest.raises(PermissionDenied) as caught:
        faq_entry_save(actor=agent, question="能开发票吗", answer="能。", category="presale")
    with pytest.raises(PermissionDenied):
        forbidden_rule_save(actor=agent, category="contempt", pattern="你自己看", rewrite="我来说明。")

    assert str(caught.value) == "Only supervisors and administrators may manage the knowledge base."
    assert not FaqEntry.objects.exists() and not ForbiddenRule.objects.exists()


def test_a_taken_shortcut_is_refused_with_the_phrase_that_has_it(supervisor):
    phrase_save(actor=supervisor, stage="greeting", shortcut="/hi", title="通用欢迎语", body="亲，您好～")

    with pytest.raises(ValidationError) as caught:
        phrase_save(actor=supervisor, stage="closing", shortcut="hi", title="再见", body="再见～")
    with pytest.raises(ValidationError) as spaced:
        phrase_save(actor=supervisor, stage="closing", shortcut="bye bye", title="再见", body="再见～")

    assert _messages(caught.value) == {"shortcut": ["The shortcut /hi is already used by the phrase “通用欢迎语”."]}
    assert _messages(spaced.value) == {"shortcut": ["A shortcut is letters, digits, _ - or . without spaces."]}
    assert list(Phrase.objects.values_list("shortcut", "title")) == [("hi", "通用欢迎语")]


def test_a_phrase_keeps_its_own_shortcut_on_edit(supervisor):
    phrase = phrase_save(actor=supervisor, stage="greeting", shortcut="hi", title="欢迎", body="您好")

    phrase_save(actor=supervisor, phrase=phrase, stage="greeting", shortcut="hi", title="欢迎语", body="您好", sort_order=5)

    assert list(Phrase.objects.values_list("shortcut", "title", "sort_order")) == [("hi", "欢迎语", 5)]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("你(自己看", "This regular expression cannot be used: missing ), unterminated subpattern at position 1."),
        ("(你)?", "This regular expression cannot be used: it matches empty text."),
    ],
)
def test_a_broken_regular_expression_is_refused(supervisor, pattern, message):
    with pytest.raises(ValidationError) as caught:
        forbidden_rule_save(actor=supervisor, category="contempt", pattern=pattern, is_regex=True, rewrite="我来说明。")

    assert _messages(caught.value) == {"pattern": [message]}
    assert not ForbiddenRule.objects.exists()


def test_plain_words_may_hold_regex_characters(supervisor):
    rule = forbidden_rule_save(actor=supervisor, category="exaggeration", pattern="100%(正品", rewrite="正规渠道进货。")

    assert [f.rule_id for f in guard_build().check("保证100%(正品")] == [rule.pk]


def test_a_new_rule_is_used_by_the_guard_at_once(supervisor, committed):
    draft = "亲，这个自行解决哈"
    assert [f for f in guard_build().check(draft) if f.source == "rule"] == []

    rule = committed(
        forbidden_rule_save, actor=supervisor, category="denial", pattern="自行解决", examples="自行解决\n您自行解决", rewrite="亲，我来帮您解决。"
    )

    flags = guard_build().check(draft)
    assert [(f.start, f.end, f.text, f.category, f.rule_id, f.rewrite) for f in flags] == [
        (4, 8, "自行解决", "denial", rule.pk, "亲，我来帮您解决。")
    ]
    assert rule.examples == ["自行解决", "您自行解决"]

    committed(forbidden_rule_save, actor=supervisor, rule=rule, category="denial", pattern="自行解决", rewrite="亲，我来帮您解决。", enabled=False)
    assert [f for f in guard_build().check(draft) if f.source == "rule"] == []

    committed(forbidden_rule_delete, actor=supervisor, rule=rule)
    assert not ForbiddenRule.objects.exists()
    assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == ["create", "update", "delete"]


def test_a_new_faq_entry_is_found_at_once(supervisor, committed):
    entry = committed(
        faq_entry_save, actor=supervisor, question="可以用花呗分期吗", variants=["支持花呗吗"], answer="支持花呗分期。", category="payment"
    )

    hits = knowledge_base_build().faq.search("可以用花唄分期嗎", k=5)

    assert hits[0].entry_id == entry.pk
    assert hits[0].confidence > 0.5


def test_bulk_enable_disable_and_delete(supervisor, committed):
    ids = [
        faq_entry_save(actor=supervisor, question=f"问题{n}", answer=f"答案{n}", category="presale").pk for n in range(3)
    ]
    AuditLog.objects.all().delete()
    version = knowledge_version()

    assert committed(faq_entries_set_enabled, actor=supervisor, ids=ids[:2], enabled=False) == 2
    assert committed(faq_entries_set_enabled, actor=supervisor, ids=ids, enabled=False) == 1  # two were off already
    assert committed(faq_entries_set_enabled, actor=supervisor, ids=ids[:1], enabled=True) == 1
    assert committed(faq_entries_delete, actor=supervisor, ids=[ids[2], 999999]) == 1

    assert list(FaqEntry.objects.order_by("pk").values_list("pk", "enabled")) == [(ids[0], True), (ids[1], False)]
    assert [(a.action, a.object_id, a.changes) for a in AuditLog.objects.order_by("pk")] == [
        ("update", str(ids[0]), {"enabled": [True, False]}),
        ("update", str(ids[1]), {"enabled": [True, False]}),
        ("update", str(ids[2]), {"enabled": [True, False]}),
        ("update", str(ids[0]), {"enabled": [False, True]}),
        ("delete", str(ids[2]), {}),
    ]
    assert knowledge_version() == version + 4


def test_deleting_an_entry_is_audited_and_announced(supervisor, committed):
    entry = faq_entry_save(actor=supervisor, question="包邮吗", answer="包邮。", category="logistics")
    version = knowledge_version()

    committed(faq_entry_delete, actor=supervisor, entry=entry)

    assert not FaqEntry.objects.exists()
    audit = AuditLog.objects.get(action="delete")
    assert (audit.object_type, audit.object_repr, audit.actor) == ("knowledge.faqentry", "包邮吗", supervisor)
    assert knowledge_version() == version + 1


def test_objection_script_is_saved_and_a_duplicate_answer_refused(admin_user):
    script = objection_script_save(
        actor=admin_user, kind="too_expensive", triggers="太贵了\n 太贵了 \n有点贵", answer="一分钱一分货。", sort_order=3
    )

    with pytest.raises(ValidationError) as caught:
        objection_script_save(actor=admin_user, kind="too_expensive", answer="一分钱一分货。")
    with pytest.raises(ValidationError) as bad_order:
        objection_script_save(actor=admin_user, kind="no", answer="好的。", sort_order=-1)

    assert (script.triggers, script.sort_order) == (["太贵了", "有点贵"], 3)
    assert _messages(caught.value) == {"answer": ["This objection already has a script with this answer."]}
    assert _messages(bad_order.value) == {"sort_order": ["Enter a number from 0 to 32767."]}
    assert ObjectionScript.objects.count() == 1


def test_product_writes_announce_a_knowledge_change(admin_user, committed):
    product = product_factory(name="冷水机", aliases=[])
    version = knowledge_version()

    committed(product_update, actor=admin_user, product=product, fields={"aliases": ["制冷机"]})

    assert knowledge_version() == version + 1
    assert [p.aliases for p in knowledge_base_build().products if p.id == product.pk] == [["制冷机"]]


def test_admin_saves_and_deletes_announce_a_knowledge_change(client, admin_user, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    version = knowledge_version()
    form = {"category": "spite", "pattern": "爱买不买", "examples": '["爱买不买"]', "rewrite": "亲，您再考虑考虑。", "explanation": "", "enabled": "on"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/knowledge/forbiddenrule/add/", form)
    assert response.status_code == 302
    rule = ForbiddenRule.objects.get()
    assert [f.rule_id for f in guard_build().check("爱买不买") if f.source == "rule"] == [rule.pk]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/knowledge/forbiddenrule/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert knowledge_version() == version + 2
    assert list(AuditLog.objects.filter(via="admin").order_by("pk").values_list("action", flat=True)) == ["create", "delete"]


def test_the_admin_refuses_a_broken_regular_expression(client, admin_user):
    client.force_login(admin_user)
    form = {"category": "spite", "pattern": "爱买(不买", "is_regex": "on", "examples": "[]", "rewrite": "亲。", "enabled": "on"}

    response = client.post("/admin/knowledge/forbiddenrule/add/", form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "This regular expression cannot be used: missing ), unterminated subpattern at position 2." in response.content.decode()
    assert not ForbiddenRule.objects.exists()
