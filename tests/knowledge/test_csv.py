"""CSV export and import of the knowledge base: round trips, GBK files, bad rows reported by line."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from kefu.accounts.models import AuditLog
from kefu.knowledge.models import FaqEntry, ForbiddenRule, ObjectionScript, Phrase
from kefu.knowledge.services import (
    faq_entry_save,
    forbidden_rule_save,
    knowledge_export_csv,
    knowledge_import_csv,
    objection_script_save,
    phrase_save,
)
from tests.factories import product_factory

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _import(actor, kind, content: bytes, **kwargs):
    return knowledge_import_csv(actor=actor, kind=kind, binary=io.BytesIO(content), file_name=f"{kind}.csv", **kwargs)


def _rows(kind):
    if kind == "faq":
        return sorted(FaqEntry.objects.values_list("question", "variants", "answer", "category", "product__sku", "enabled"))
    if kind == "phrases":
        return sorted(Phrase.objects.values_list("shortcut", "stage", "title", "body", "sort_order", "enabled"))
    if kind == "rules":
        return sorted(ForbiddenRule.objects.values_list("category", "pattern", "is_regex", "examples", "rewrite", "explanation", "enabled"))
    return sorted(ObjectionScript.objects.values_list("kind", "triggers", "answer", "explanation", "sort_order"))


def _fill(actor):
    product = product_factory(sku="CHL-12KW", name="12kW储能电池冷水机")
    faq_entry_save(
        actor=actor,
        question="冷水机噪音大吗？",
        variants=["吵不吵", "声音大不大, 晚上能用吗", "噪音多少分贝"],
        answer='运行噪音约55分贝，"静音模式"下更低。\n夜间可以放心使用。',
        category="product",
        product=product,
    )
    faq_entry_save(actor=actor, question="=1+1 能开票吗", answer="-可以开。", category="presale", enabled=False)
    phrase_save(actor=actor, stage="greeting", shortcut="hi", title="欢迎语", body="亲，您好～{agent}为您服务", sort_order=10)
    phrase_save(actor=actor, stage="closing", shortcut="bye", title="结束语", body="感谢光临，再见！", enabled=False)
    forbidden_rule_save(
        actor=actor,
        category="contempt",
        pattern="你(自己)?看(说明书|详情页)",
        is_regex=True,
        examples=["你自己看说明书", "你看详情页"],
        rewrite="亲，我直接为您说明。",
        explanation="把顾客推给说明书",
    )
    forbidden_rule_save(actor=actor, category="exaggeration", pattern="100%", rewrite="正规渠道进货。", enabled=False)
    objection_script_save(actor=actor, kind="too_expensive", triggers=["太贵了", "有点贵"], answer="一分钱一分货，亲。", explanation="价值", sort_order=2)
    objection_script_save(actor=actor, kind="no", answer="好的，有需要随时找我。")


@pytest.mark.parametrize("kind", ["faq", "phrases", "rules", "objections"])
def test_export_then_import_gives_the_same_rows(supervisor, kind):
    _fill(supervisor)
    before = _rows(kind)
    exported = knowledge_export_csv(actor=supervisor, kind=kind)
    FaqEntry.objects.all().delete(), Phrase.objects.all().delete()
    ForbiddenRule.objects.all().delete(), ObjectionScript.objects.all().delete()

    report = _import(supervisor, kind, exported)

    assert exported.startswith(BOM)
    assert (report.readable, report.rows, report.created, report.updated, report.errors) == (True, 2, 2, 0, [])
    assert _rows(kind) == before
    again = _import(supervisor, kind, exported)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_export_format_is_what_excel_expects(supervisor):
    _fill(supervisor)

    exported = knowledge_export_csv(actor=supervisor, kind="faq").decode("utf-8-sig")

    assert exported.splitlines()[0] == "question,variants,answer,category,product_sku,enabled"
    assert "吵不吵 | 声音大不大, 晚上能用吗 | 噪音多少分贝" in exported
    assert "\r\n'=1+1 能开票吗,,'-可以开。,presale,,0\r\n" in exported  # a formula-looking cell is kept as text
    assert AuditLog.objects.filter(action="export", object_type="knowledge.faqentry").count() == 1


def test_a_gbk_file_with_chinese_headers_and_labels_imports(supervisor):
    content = (
        "问题,相似问法,答案,分类,启用\n"
        "发什么快递？,用什么快递|哪家快递,默认中通，可备注顺丰。,物流,是\n"
        '可以退货吗,"能退吗\n支持退货吗",支持七天无理由退货。,退换货,否\n'
    ).encode("gbk")

    report = _import(supervisor, "faq", content)

    assert (report.encoding, report.created, report.errors) == ("gb18030", 2, [])
    assert _rows("faq") == [
        ("发什么快递？", ["用什么快递", "哪家快递"], "默认中通，可备注顺丰。", "logistics", None, True),
        ("可以退货吗", ["能退吗", "支持退货吗"], "支持七天无理由退货。", "returns", None, False),
    ]


def test_bad_rows_are_reported_by_line_and_the_good_rows_still_import(supervisor):
    content = (
        "category,pattern,is_regex,examples,rewrite,explanation,enabled\n"
        "contempt,你懂不懂,0,,亲，我换个方式解释。,,1\n"  # line 2: good
        'denial,不知道,0,"不知道\n这个我不知道",,,1\n'  # lines 3-4: no rewrite
        "contempt,你(自己看,1,,亲。,,1\n"  # line 5: broken regex
        "weather,下雨,0,,亲。,,1\n"  # line 6: unknown category
        "spite,爱买不买,maybe,,亲。,,1\n"  # line 7: not yes or no
        "spite,爱买不买,0,,亲，您再考虑考虑。,,1\n"  # line 8: good
    ).encode()

    report = _import(supervisor, "rules", content)

    assert (report.rows, report.created, report.updated) == (6, 2, 0)
    assert report.errors == [
        (3, "rewrite: This field is required."),
        (5, "pattern: This regular expression cannot be used: missing ), unterminated subpattern at position 1."),
        (6, "category: unknown value weather"),
        (7, "is_regex: maybe is not yes or no (1/0)"),
    ]
    assert sorted(ForbiddenRule.objects.values_list("pattern", flat=True)) == ["你懂不懂", "爱买不买"]
    audit = AuditLog.objects.get(action="import")
    assert (audit.object_type, audit.changes["created"], audit.changes["rejected"], audit.via) == ("knowledge.forbiddenrule", 2, 4, "csv")


def test_existing_rows_are_updated_by_their_natural_key(supervisor):
    _fill(supervisor)
    content = (
        "shortcut,stage,title,text,order,enabled\n"
        "/hi,欢迎语,欢迎语,亲，您好～欢迎光临,5,1\n"
        "thanks,Farewell,感谢,谢谢亲～,,\n"
        "hi,greeting,重复的键,同一文件里后一行覆盖前一行,7,1\n"
    ).encode("utf-8-sig")

    report = _import(supervisor, "phrases", content)

    assert (report.created, report.updated, report.errors) == (1, 2, [])
    assert _rows("phrases") == [
        ("bye", "closing", "结束语", "感谢光临，再见！", 0, False),
        ("hi", "greeting", "重复的键", "同一文件里后一行覆盖前一行", 7, True),
        ("thanks", "closing", "感谢", "谢谢亲～", 0, True),
    ]


def test_an_objection_row_with_an_unknown_product_or_bad_order_is_reported(supervisor):
    content = (
        "kind,triggers,answer,explanation,order\n"
        "太贵了,太贵了|便宜点,一分钱一分货。,,abc\n"
        "too_expensive,太贵了,物有所值。,,1\n"
    ).encode()
    faq = "question,answer,category,product_sku\n能飞多久,55分钟。,product,NO-SUCH\n".encode()

    report = _import(supervisor, "objections", content)
    faq_report = _import(supervisor, "faq", faq)

    assert (report.created, report.errors) == (1, [(2, "order: Enter a whole number.")])
    assert (faq_report.created, faq_report.errors) == (0, [(2, "product_sku: no product with the SKU or name NO-SUCH")])


def test_a_file_without_the_required_columns_imports_nothing(supervisor):
    report = _import(supervisor, "faq", "question,category\n能开票吗,presale\n".encode())

    assert (report.readable, report.created) == (False, 0)
    assert report.message == (
        "The header row lacks the columns: answer. Expected: question,variants,answer,category,product_sku,enabled."
    )
    assert not FaqEntry.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_gbk_file_read_as_utf8_is_refused_whole(supervisor):
    content = "question,answer,category\n能开票吗,能,presale\n".encode("gbk")

    report = _import(supervisor, "faq", content, encoding="utf-8")

    assert (report.readable, report.message) == (False, "The file is not valid UTF-8 text; choose the right encoding.")
    assert not FaqEntry.objects.exists()


def test_agents_may_not_import_or_export(agent):
    with pytest.raises(PermissionDenied):
        _import(agent, "faq", "question,answer,category\n能开票吗,能,presale\n".encode())
    with pytest.raises(PermissionDenied):
        knowledge_export_csv(actor=agent, kind="faq")
    assert not FaqEntry.objects.exists()


def test_a_file_that_breaks_half_way_imports_nothing(supervisor):
    good = "".join(f"问题{n:04d},答案{n:04d},presale\n" for n in range(600)).encode("utf-8")
    content = b"question,answer,category\n" + good + "坏的一行,编码不对,presale\n".encode("gbk")

    report = _import(supervisor, "faq", content, encoding="utf-8")

    assert len(good) > 16_384 and report.rows > 100  # the bad bytes were met after rows had been stored
    assert (report.readable, report.created, report.message) == (
        False,
        0,
        "The file is not valid UTF-8 text; choose the right encoding.",
    )
    assert not FaqEntry.objects.exists()
    assert not AuditLog.objects.exists()


def test_columns_missing_from_the_file_keep_the_stored_values(supervisor):
    product = product_factory(sku="F40", name="翼龙F40无人机")
    faq_entry_save(
        actor=supervisor, question="能飞多久", variants=["续航多久"], answer="40分钟。", category="product", product=product, enabled=False
    )

    report = _import(supervisor, "faq", "question,answer,category\n能飞多久,满电约55分钟。,product\n新问题,新答案。,presale\n".encode())

    assert (report.created, report.updated, report.errors) == (1, 1, [])
    assert _rows("faq") == [
        ("新问题", [], "新答案。", "presale", None, True),
        ("能飞多久", ["续航多久"], "满电约55分钟。", "product", "F40", False),
    ]
