"""Reply suggestions from the demo shop's knowledge: objection scripts, empathy first, FAQ, products, phrases."""


import pytest

from kefu.assist.suggest import SOURCES, KnowledgeBase, fill_placeholders, suggest
from kefu.demo.content import knowledge, products


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.from_data(
        faq=knowledge.FAQ,
        phrases=knowledge.PHRASES,
        objections=knowledge.OBJECTIONS,
        closing=knowledge.CLOSING,
        products=products.PRODUCTS,
        after_sales_rules=knowledge.AFTER_SALES_RULES,
    )


def objection_id(kind: str, position: int = 0) -> int:
    """Return the id ``from_data`` gives the n-th demo script of a kind (its 1-based row number)."""
    rows = [i for i, row in enumerate(knowledge.OBJECTIONS, start=1) if row["kind"] == kind]
    return rows[position]


def test_cheaper_elsewhere_gives_the_shops_objection_script(kb):
    result = suggest(message="能不能便宜点，别家才卖800", knowledge=kb)

    assert 3 <= len(result) <= 5
    assert all(s.source in SOURCES for s in result)
    objection = [s for s in result if s.source == "objection"]
    # The general script leads; the one written about the chiller (冷水机质保2年) comes after it.
    assert [s.source_id for s in objection] == [
        objection_id("cheaper_elsewhere", 1),
        objection_id("cheaper_elsewhere", 0),
    ]
    assert objection[0].text == knowledge.OBJECTIONS[objection_id("cheaper_elsewhere", 1) - 1]["answer"]
    assert objection[0].title == "异议处理：别的地方更便宜"
    assert result[0] == objection[0]  # the customer is calm: no empathy opener, the script leads


def test_a_script_about_the_product_in_the_conversation_leads(kb):
    result = suggest(message="12kW冷水机别家便宜好几千", knowledge=kb)

    objection = [s for s in result if s.source == "objection"]
    assert [s.source_id for s in objection] == [
        objection_id("cheaper_elsewhere", 0),
        objection_id("cheaper_elsewhere", 1),
    ]
    assert "冷水机质保2年" in objection[0].text


def test_late_parcel_gets_an_empathy_opener_first_and_a_logistics_answer(kb):
    result = suggest(message="我的快递怎么还没到？？？", knowledge=kb)

    assert result[0].source == "empathy"
    assert result[0].text.startswith("理解您着急的心情")
    faq = [s for s in result if s.source == "faq"]
    assert faq, result
    assert kb.faq_entries[faq[0].source_id].category == "logistics"
    assert 3 <= len(result) <= 5
    assert all(s.source in SOURCES and s.title and s.text for s in result)
    assert [s.source for s in result].count("empathy") == 1


def test_calm_question_has_no_empathy_opener_and_names_the_customer_when_upset(kb):
    calm = suggest(message="发什么快递？", knowledge=kb)
    angry = suggest(message="气死了！！收到的东西是坏的，什么破店", knowledge=kb, customer_name="张先生")

    assert "empathy" not in [s.source for s in calm]
    assert calm[0].source == "faq" and kb.faq_entries[calm[0].source_id].question == "发什么快递？"
    assert angry[0].source == "empathy"
    assert angry[0].text.startswith("张先生，非常抱歉")


def test_product_facts_answer_what_the_customer_asks(kb):
    result = suggest(message="12kW冷水机适合用在哪些地方", knowledge=kb)

    facts = [s for s in result if s.source == "product"]
    assert [s.text for s in facts] == ["亲，12kW储能电池冷水机适用于：储能集装箱；储能电池柜；储能电池散热。"]
    assert facts[0].title == "12kW储能电池冷水机 · 应用"


def test_price_question_gets_the_catalogue_price(kb):
    result = suggest(message="AFG2000多少钱", knowledge=kb)

    facts = [s for s in result if s.source == "product"]
    assert [(s.text, s.title) for s in facts] == [
        (
            "亲，AFG2000任意波形信号发生器现在的售价是2380元，以商品页和结算页显示为准。",
            "AFG2000任意波形信号发生器 · 价格",
        )
    ]


def test_the_product_comes_from_the_history_when_the_message_does_not_name_it(kb):
    history = [("customer", "你好，我想了解一下翼龙F40"), ("agent", "亲，您好，请问想了解哪方面？")]

    result = suggest(message="它有什么优势？", history=history, knowledge=kb)

    facts = [s for s in result if s.source == "product"]
    assert len(facts) == 1
    assert facts[0].text.startswith("亲，翼龙F40无人机的优势：")


def test_traditional_question_gets_the_same_faq_answer(kb):
    simplified = [s for s in suggest(message="请问AFG2100有几个通道？", knowledge=kb) if s.source == "faq"]
    traditional = [s for s in suggest(message="請問AFG2100有幾個通道？", knowledge=kb) if s.source == "faq"]

    assert simplified and traditional
    assert traditional[0].source_id == simplified[0].source_id


def test_phrases_have_placeholders_filled_or_removed(kb):
    anonymous = suggest(message="你好，在吗", knowledge=kb)
    named = suggest(message="你好，在吗", knowledge=kb, agent_name="小美", customer_name="李女士")

    phrases = [s for s in anonymous if s.source == "phrase"]
    assert phrases
    assert all("{" not in s.text and "}" not in s.text for s in anonymous)
    assert any("我是客服小美" in s.text for s in named if s.source == "phrase")


def test_fill_placeholders():
    assert fill_placeholders("{name}，欢迎回来！", {}) == "欢迎回来！"
    assert fill_placeholders("{name}，欢迎回来！", {"name": "王先生"}) == "王先生，欢迎回来！"
    assert fill_placeholders("我是客服{agent}，请问有什么可以帮您？", {}) == "我是客服，请问有什么可以帮您？"
    assert fill_placeholders("您的订单{order}已发出", {}) is None
    assert fill_placeholders("您的订单{order}已发出", {"order": "E1001"}) == "您的订单E1001已发出"


def test_hesitation_gets_the_script_and_a_closing_line(kb):
    result = suggest(message="我再考虑一下吧", knowledge=kb, k=5)

    sources = [s.source for s in result]
    assert sources[0] == "objection"
    assert "closing" in sources
    closing = next(s for s in result if s.source == "closing")
    assert closing.text in {e for c in knowledge.CLOSING for e in c["examples"]}


def test_k_limits_the_number_and_there_are_at_least_three(kb):
    for message in ["你好", "谢谢", "嗯", "怎么退货", "能开发票吗"]:
        assert 3 <= len(suggest(message=message, knowledge=kb)) <= 5
        assert len(suggest(message=message, knowledge=kb, k=3)) == 3
