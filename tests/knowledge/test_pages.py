"""The knowledge pages: who may open them, lists with search and filters, forms that refuse bad input, CSV."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.accounts.models import AuditLog
from kefu.knowledge.assist_index import knowledge_changed
from kefu.knowledge.models import FaqEntry, ForbiddenRule, ObjectionScript, Phrase
from kefu.knowledge.services import faq_entry_save, forbidden_rule_save, objection_script_save, phrase_save
from tests.factories import product_factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        faq = faq_entry_save(
            actor=admin_user, question="可以开发票吗？", variants=["能开票吗", "發票怎麼開"], answer="可以开电子发票。", category="presale"
        )
        phrase = phrase_save(actor=admin_user, stage="greeting", shortcut="hi", title="通用欢迎语", body="亲，您好～")
        rule = forbidden_rule_save(actor=admin_user, category="spite", pattern="爱买不买", rewrite="亲，您再考虑考虑。")
        script = objection_script_save(actor=admin_user, kind="too_expensive", triggers=["太贵了"], answer="一分钱一分货。")
        knowledge_changed()
    AuditLog.objects.all().delete()
    return {"faq": faq, "phrases": phrase, "rules": rule, "objections": script}


PAGES = [
    "/knowledge/",
    "/knowledge/faq/",
    "/knowledge/faq/?ask=可以開發票嗎",
    "/knowledge/phrases/",
    "/knowledge/rules/",
    "/knowledge/rules/?draft=爱买不买",
    "/knowledge/objections/",
] + [
    url
    for kind in ("faq", "phrases", "rules", "objections")
    for url in (
        f"/knowledge/{kind}/new/",
        f"/knowledge/{kind}/{{{kind}}}/",
        f"/knowledge/{kind}/{{{kind}}}/delete/",
        f"/knowledge/{kind}/export.csv",
        f"/knowledge/{kind}/import/",
    )
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    ("role", "status"), [(None, 302), ("agent", 403), ("other_agent", 403), ("supervisor", 200), ("admin_user", 200)]
)
def test_only_supervisors_and_admins_open_the_knowledge_pages(client, request, rows, url, role, status):
    if role:
        client.force_login(request.getfixturevalue(role))
    url = url.format(**{kind: row.pk for kind, row in rows.items()})

    response = client.get(url, follow=url == "/knowledge/" and status == 200)

    assert response.status_code == status
    if role is None:
        assert response["Location"].startswith("/login/?next=/knowledge/")


@pytest.mark.parametrize(
    "url",
    [
        "/knowledge/faq/new/",
        "/knowledge/faq/{faq}/",
        "/knowledge/faq/{faq}/delete/",
        "/knowledge/faq/bulk",
        "/knowledge/phrases/{phrases}/delete/",
        "/knowledge/rules/new/",
        "/knowledge/objections/{objections}/",
        "/knowledge/rules/import/",
    ],
)
@pytest.mark.parametrize(("role", "status"), [(None, 302), ("agent", 403), ("other_agent", 403)])
def test_agents_and_anonymous_visitors_change_nothing(client, request, rows, url, role, status):
    if role:
        client.force_login(request.getfixturevalue(role))
    form = {"question": "新问题", "answer": "新答案", "category": "presale", "ids": [rows["faq"].pk], "action": "delete"}

    response = client.post(url.format(**{kind: row.pk for kind, row in rows.items()}), form)

    assert response.status_code == status
    assert (FaqEntry.objects.count(), Phrase.objects.count(), ForbiddenRule.objects.count(), ObjectionScript.objects.count()) == (1, 1, 1, 1)
    assert FaqEntry.objects.get().answer == "可以开电子发票。"
    assert not AuditLog.objects.exists()


def test_the_nav_shows_knowledge_to_supervisors_only(client, supervisor, agent):
    client.force_login(agent)
    assert 'href="/knowledge/"' not in client.get("/").content.decode()
    client.force_login(supervisor)
    assert 'href="/knowledge/"' in client.get("/").content.decode()


def test_a_supervisor_adds_an_faq_entry_through_the_form(client, supervisor):
    product = product_factory(name="翼龙F40无人机")
    client.force_login(supervisor)
    form = {"question": "能飞多久", "variants": "续航多久\n\n 能飛多久 ", "answer": "约55分钟。", "category": "product", "product": product.pk, "enabled": "on"}

    response = client.post("/knowledge/faq/new/", form)

    assert (response.status_code, response["Location"]) == (302, "/knowledge/faq/")
    entry = FaqEntry.objects.get()
    assert (entry.question, entry.variants, entry.product, entry.enabled) == ("能飞多久", ["续航多久", "能飛多久"], product, True)
    assert AuditLog.objects.get().via == "web"


def test_editing_fills_the_form_and_saves_changes(client, supervisor, rows):
    client.force_login(supervisor)
    entry = rows["faq"]
    page = client.get(f"/knowledge/faq/{entry.pk}/").content.decode()
    assert "能开票吗\n發票怎麼開</textarea>" in page

    form = {"question": entry.question, "variants": "能开票吗", "answer": "可以开电子发票和专票。", "category": "presale"}
    client.post(f"/knowledge/faq/{entry.pk}/", form)

    entry.refresh_from_db()
    assert (entry.variants, entry.answer, entry.enabled) == (["能开票吗"], "可以开电子发票和专票。", False)
    assert AuditLog.objects.get().changes == {
        "variants": [["能开票吗", "發票怎麼開"], ["能开票吗"]],
        "answer": ["可以开电子发票。", "可以开电子发票和专票。"],
        "enabled": [True, False],
    }


@pytest.mark.parametrize(
    ("url", "form", "field", "message"),
    [
        ("/knowledge/faq/new/", {"question": "", "answer": "有", "category": "presale"}, "question", "This field is required."),
        ("/knowledge/faq/new/", {"question": "可以开发票吗？", "answer": "有", "category": "presale"}, "question", "An FAQ entry with this question already exists."),
        ("/knowledge/phrases/new/", {"stage": "closing", "shortcut": "/hi", "title": "再见", "body": "再见～", "sort_order": "0"}, "shortcut", "The shortcut /hi is already used by the phrase “通用欢迎语”."),
        ("/knowledge/rules/new/", {"category": "contempt", "pattern": "你(懂不懂", "is_regex": "on", "rewrite": "亲。"}, "pattern", "This regular expression cannot be used: missing ), unterminated subpattern at position 1."),
        ("/knowledge/objections/new/", {"kind": "maybe", "answer": "好的。", "sort_order": "0"}, "kind", "Select a valid choice. maybe is not one of the available choices."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_message_and_changes_nothing(client, supervisor, rows, url, form, field, message):
    client.force_login(supervisor)
    counts = (FaqEntry.objects.count(), Phrase.objects.count(), ForbiddenRule.objects.count(), ObjectionScript.objects.count())

    response = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert (FaqEntry.objects.count(), Phrase.objects.count(), ForbiddenRule.objects.count(), ObjectionScript.objects.count()) == counts
    assert not AuditLog.objects.exists()


def test_the_faq_list_searches_filters_and_pages(client, supervisor, rows):
    for n in range(55):
        faq_entry_save(actor=supervisor, question=f"物流问题{n:02d}", variants=[f"快递{n:02d}"], answer="三天到。", category="logistics", enabled=n % 5 != 0)
    client.force_login(supervisor)

    def questions(query):
        return [entry.question for entry in client.get("/knowledge/faq/" + query).context["page"].object_list]

    assert questions("?q=發票怎麼") == ["可以开发票吗？"]  # found in a variant
    assert questions("?q=电子发票") == ["可以开发票吗？"]  # found in the answer
    assert questions("?q=快递07") == ["物流问题07"]
    assert len(questions("?category=logistics")) == 50
    assert questions("?category=logistics&page=2") == [f"物流问题{n:02d}" for n in range(50, 55)]
    assert questions("?category=logistics&enabled=0") == [f"物流问题{n:02d}" for n in range(0, 55, 5)]
    assert questions("?category=presale&enabled=1&product=none") == ["可以开发票吗？"]


def test_bulk_actions_apply_to_the_ticked_entries(client, supervisor, rows):
    second = faq_entry_save(actor=supervisor, question="包邮吗", answer="包邮。", category="logistics")
    client.force_login(supervisor)
    ids = [rows["faq"].pk, second.pk]

    response = client.post("/knowledge/faq/bulk", {"ids": ids, "action": "disable", "next": "/knowledge/faq/?q=%E5%8C%85"})
    assert (response.status_code, response["Location"]) == (302, "/knowledge/faq/?q=%E5%8C%85")
    assert list(FaqEntry.objects.order_by("pk").values_list("enabled", flat=True)) == [False, False]

    client.post("/knowledge/faq/bulk", {"ids": [second.pk], "action": "enable", "next": "https://evil.example/"})
    assert list(FaqEntry.objects.order_by("pk").values_list("enabled", flat=True)) == [False, True]

    response = client.post("/knowledge/faq/bulk", {"ids": ids, "action": "delete"})
    assert response["Location"] == "/knowledge/faq/"
    assert not FaqEntry.objects.exists()

    response = client.post("/knowledge/faq/bulk", {"action": "delete"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Tick at least one FAQ entry first." in response.content.decode()


def test_try_it_finds_an_entry_for_a_traditional_question(client, supervisor, rows):
    client.force_login(supervisor)

    response = client.get("/knowledge/faq/", {"ask": "請問可以開發票嗎"})

    matches = response.context["matches"]
    assert matches[0].entry == rows["faq"]
    assert 0.5 < matches[0].confidence <= 1
    assert f"{matches[0].percent}%" in response.content.decode()


def test_check_a_draft_marks_the_flagged_words(client, supervisor, rows):
    client.force_login(supervisor)

    response = client.get("/knowledge/rules/", {"draft": "这个价，爱买不买"}, HTTP_ACCEPT_LANGUAGE="en")

    check = response.context["check"]
    assert [(d.flag.text, d.category_label, d.rule, d.flag.rewrite) for d in check.flags] == [
        ("爱买不买", "Spite", rows["rules"], "亲，您再考虑考虑。")
    ]
    assert '这个价，<mark title="Spite">爱买不买</mark>' in response.content.decode()


def test_deleting_through_the_page_asks_first(client, supervisor, rows):
    client.force_login(supervisor)
    phrase = rows["phrases"]

    assert "通用欢迎语" in client.get(f"/knowledge/phrases/{phrase.pk}/delete/").content.decode()
    assert Phrase.objects.exists()
    response = client.post(f"/knowledge/phrases/{phrase.pk}/delete/")

    assert (response.status_code, Phrase.objects.exists()) == (302, False)
    assert AuditLog.objects.get().action == "delete"


def test_export_downloads_a_csv_excel_can_open(client, supervisor, rows):
    client.force_login(supervisor)

    response = client.get("/knowledge/faq/export.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kefu-faq.csv"'
    assert response.content.decode("utf-8").splitlines() == [
        "\ufeffquestion,variants,answer,category,product_sku,enabled",
        "可以开发票吗？,能开票吗 | 發票怎麼開,可以开电子发票。,presale,,1",
    ]


def test_import_page_reports_bad_lines(client, supervisor, rows):
    client.force_login(supervisor)
    content = "问题,答案,分类\n能开专票吗,可以。,物流\n没有答案,,presale\n".encode("gbk")

    response = client.post(
        "/knowledge/faq/import/", {"file": SimpleUploadedFile("faq.csv", content), "encoding": "auto"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.created, report.errors) == (1, [(3, "answer: This field is required.")])
    page = response.content.decode()
    assert "<td>3</td><td>answer: This field is required.</td>" in page
    assert FaqEntry.objects.filter(question="能开专票吗", category="logistics").exists()


def test_import_page_refuses_an_unreadable_file(client, supervisor):
    client.force_login(supervisor)

    response = client.post(
        "/knowledge/phrases/import/", {"file": SimpleUploadedFile("p.csv", io.BytesIO(b"").getvalue()), "encoding": "auto"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["The submitted file is empty."]
