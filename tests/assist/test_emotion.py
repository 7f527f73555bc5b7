import pytest

from kefu.assist.emotion import EMOTIONS, Emotion, emotion, rule_evidence
from kefu.assist.normalise import normalise


def test_result_shape_and_ranges():
    result = emotion("请问有货吗")
    assert isinstance(result, Emotion)
    assert result.label in EMOTIONS
    assert -1.0 <= result.polarity <= 1.0
    assert 0.0 <= result.intensity <= 1.0
    assert dict(result.probabilities).keys() == set(EMOTIONS)
    assert abs(sum(p for _, p in result.probabilities) - 1.0) < 1e-3


def test_late_parcel_with_question_marks_is_anxious_or_angry_and_intense():
    result = emotion("我的快递怎么还没到？？？都一个星期了")
    assert result.label in ("anxious", "angry")
    assert result.intensity > 0.5
    assert result.polarity < 0
    assert "punctuation:???" in result.cues


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("什么破东西", "angry"),
        ("骗子！！！退钱！！！", "angry"),
        ("我要投诉你们", "angry"),
        ("唉，本来挺期待的", "disappointed"),
        ("不是很满意", "disappointed"),
        ("收到了，很好用，谢谢亲", "satisfied"),
        ("非常满意！", "satisfied"),
        ("请问有货吗", "neutral"),
        ("可以用花呗吗", "neutral"),
        ("在吗", "neutral"),
        ("快快快，明天就要用，今天能发货吗", "anxious"),
    ],
)
def test_clear_messages(text, label):
    assert emotion(text).label == label


def test_negated_praise_is_not_satisfaction():
    result = emotion("不是很满意")
    assert result.label != "satisfied"
    assert result.polarity < 0
    assert any(cue.startswith("negation:") for cue in result.cues)


def test_negated_worry_is_not_anxiety():
    evidence, cues, _ = rule_evidence(normalise("别着急，我就问问"))
    assert evidence["anxious"] == 0.0
    assert "negated:着急" in cues


def test_question_about_quality_is_not_praise():
    assert emotion("这个好用吗").label == "neutral"


def test_degree_adverb_and_punctuation_raise_intensity():
    calm = emotion("有点失望")
    strong = emotion("太失望了！！！")
    assert calm.label == strong.label == "disappointed"
    assert strong.intensity > calm.intensity


def test_emoticons_count_as_cues():
    result = emotion("[大哭][大哭]还没收到")
    assert "emoticon:大哭" in result.cues
    assert result.label in ("anxious", "disappointed")


def test_traditional_same_as_simplified():
    assert emotion("什麼破東西").label == emotion("什么破东西").label == "angry"


def test_accepts_normalised_input():
    n = normalise("收到了，很好用，谢谢亲")
    assert emotion(n) == emotion("收到了，很好用，谢谢亲")
