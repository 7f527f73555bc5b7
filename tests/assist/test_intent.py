import pytest

from kefu.assist.intent import OBJECTIONS, STAGES, Intent, IntentModel, intent, stage_of, train_intent


def test_traditional_and_simplified_get_the_same_intent():
    traditional = intent("請問AFG2100有幾個通道？")
    simplified = intent("请问AFG2100有几个通道？")
    assert traditional == simplified
    assert traditional.stage == "product"


@pytest.mark.parametrize("text", ["转人工", "人工客服", "我要人工客服！", "轉人工"])
def test_asking_for_a_human(text):
    result = intent(text)
    assert result.stage == "human"
    assert result.source == "rule"
    assert result.confidence >= 0.9


def test_cheaper_elsewhere_is_bargaining():
    result = intent("能不能便宜点，别家才卖800")
    assert (result.stage, result.objection) == ("bargaining", "cheaper_elsewhere")


@pytest.mark.parametrize(
    ("text", "objection"),
    [
        ("太贵了", "too_expensive"),
        ("我再考虑一下", "think_about_it"),
        ("能不能便宜一些", "cheaper_please"),
        ("现在经济不好，便宜点吧", "market_bad"),
        ("真的值这个价吗", "worth_it"),
        ("不要了，谢谢", "no"),
    ],
)
def test_objections(text, objection):
    result = intent(text)
    assert result.objection == objection
    assert result.stage == "bargaining"


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("在吗", "greeting"),
        ("可以用花呗吗", "payment"),
        ("我的快递怎么还没到？？？都一个星期了", "logistics"),
        ("发什么快递", "logistics"),
        ("支持七天无理由退货吗", "return_exchange"),
        ("退款什么时候到账", "refund"),
        ("冷水机不制冷了怎么办", "repair"),
        ("我要投诉你们", "complaint"),
        ("收到了，很好用，五星好评", "review"),
        ("翼龙F40续航多久", "product"),
    ],
)
def test_stages(text, stage):
    result = intent(text)
    assert result.stage == stage
    assert result.objection is None


def test_plain_question_has_no_objection():
    assert intent("请问有货吗").objection is None


def test_labels_are_known():
    result = intent("随便问问")
    assert isinstance(result, Intent)
    assert result.stage in STAGES
    assert result.objection is None or result.objection in OBJECTIONS
    assert 0.0 <= result.confidence <= 1.0


def test_stage_aliases_for_faq_categories():
    assert stage_of("returns") == "return_exchange"
    assert stage_of("presale") == "product"
    assert stage_of("logistics") == "logistics"
    assert stage_of("nonsense") is None


def test_retrain_with_extra_examples_and_save_load(tmp_path):
    extra = [("那个咕噜机的滤芯多久换一次", "product"), ("咕噜机滤芯更换周期是多久", "product")] * 5
    extra += [("咕噜机的清洁教程发我一下", "repair")] * 5
    model = train_intent(extra, include_shipped=False)
    path = model.save(tmp_path / "intent.npz")
    loaded = IntentModel.load(path)
    assert loaded.stage.classes == ("product", "repair")
    assert intent("咕噜机滤芯多久换", model=loaded).stage == "product"
    assert loaded("咕噜机的清洁教程").stage == "repair"
