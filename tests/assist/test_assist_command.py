import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run(*args):
    out = StringIO()
    call_command("assist", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def intent_csv(tmp_path):
    path = tmp_path / "intent.csv"
    path.write_text(
        "text,label,note\n转人工,human,a\n可以用花呗吗,payment,b\n发什么快递,logistics,c\n在吗,greeting,d\n",
        encoding="utf-8-sig",
    )
    return path


def test_eval_intent_json(intent_csv):
    report = json.loads(run("eval", "--task", "intent", "--data", str(intent_csv), "--json"))
    assert report["n"] == 4
    assert report["accuracy"] == 1.0
    assert report["macro_f1"] == 1.0
    assert report["p50_ms"] > 0 and report["p99_ms"] >= report["p50_ms"]
    assert report["confusion"]["labels"] == ["greeting", "human", "logistics", "payment"]
    assert report["per_class"]["human"]["recall"] == 1.0


def test_eval_text_output_lists_metrics_and_confusion(intent_csv):
    text = run("eval", "--task", "intent", "--data", str(intent_csv))
    lines = [line.split() for line in text.splitlines()]
    assert ["accuracy", "1.0000"] in lines
    assert ["macro_f1", "1.0000"] in lines
    assert any(line and line[0] == "p99_ms" for line in lines)
    # per-class precision / recall / support, then the confusion matrix (rows: true labels)
    assert ["human", "1.000", "1.000", "1"] in lines
    assert ["greeting", "human", "logistics", "payment"] in lines
    assert ["logistics", "0", "0", "1", "0"] in lines


def test_eval_emotion_with_label_map_skips_null(tmp_path):
    data = tmp_path / "emo.csv"
    data.write_text("text,label\n什么破东西，退钱！,anger\n收到了，很好用，谢谢亲,happiness\n哇,surprise\n", encoding="utf-8")
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"anger": "angry", "happiness": "satisfied", "surprise": None}), encoding="utf-8")
    report = json.loads(run("eval", "--task", "emotion", "--data", str(data), "--map", str(mapping), "--json"))
    assert report["n"] == 2
    assert report["accuracy"] == 1.0


def test_eval_sentiment_cross_validation_uses_every_row_once(tmp_path):
    rows = ["很好用，推荐,1", "质量很好,1", "非常满意,1", "物流很快，好评,1", "太差了,0", "垃圾，退货,0", "失望,0", "坏了,0"]
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\n" + "\n".join(rows * 3) + "\n", encoding="utf-8")
    report = json.loads(run("eval", "--task", "sentiment", "--data", str(data), "--cv", "3", "--json"))
    assert report["n"] == 24
    assert report["cv"] == 3
    assert len(report["fold_accuracy"]) == 3
    assert 0.0 <= report["accuracy"] <= 1.0


def test_eval_shipped_sentiment_model(tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\n质量很好，下次还来,positive\n用了两天就坏了，太差了,negative\n", encoding="utf-8")
    report = json.loads(run("eval", "--task", "sentiment", "--data", str(data), "--json"))
    assert report["n"] == 2
    assert report["accuracy"] == 1.0


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError):
        run("eval", "--task", "intent", "--data", str(tmp_path / "nope.csv"))


def test_bad_header_is_a_command_error(tmp_path):
    data = tmp_path / "bad.csv"
    data.write_text("sentence,tag\n好,1\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run("eval", "--task", "emotion", "--data", str(data))


@pytest.mark.slow
def test_train_writes_the_chosen_models_to_out_dir(tmp_path):
    out = run("train", "--out", str(tmp_path), "--only", "emotion,sentiment")
    for name in ("emotion.npz", "sentiment.npz"):
        assert (tmp_path / name).stat().st_size > 1000
    assert not (tmp_path / "intent.npz").exists()
    assert "no --reviews file given" in out


def test_train_rejects_unknown_model(tmp_path):
    with pytest.raises(CommandError):
        run("train", "--out", str(tmp_path), "--only", "emotion,telepathy")


def test_eval_sentiment_holding_out_each_category(tmp_path):
    rows = []
    for category in ("水果", "书籍", "手机"):
        rows += [f"很好，很满意,1,{category}", f"非常好用,1,{category}", f"太差了，失望,0,{category}", f"垃圾，退货,0,{category}"]
    data = tmp_path / "reviews.csv"
    data.write_text("text,label,category\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = json.loads(run("eval", "--task", "sentiment", "--data", str(data), "--cv-by", "category", "--json"))
    assert report["n"] == 12
    assert sorted(report["held_out_accuracy"]) == ["书籍", "手机", "水果"]
    with pytest.raises(CommandError):
        run("eval", "--task", "sentiment", "--data", str(data), "--cv-by", "brand")


SHOP_SLANG = ["栓Q了，又没发货", "真的栓Q，客服不理人", "栓Q栓Q，第三次坏了", "我真是栓Q了你们", "又是这样，栓Q", "栓Q，退钱吧"] * 4


def test_train_learns_a_shops_own_emotion_labels(tmp_path):
    from kefu.assist.emotion import emotion
    from kefu.assist.sentiment import load_model

    extra = tmp_path / "our_chats.csv"
    extra.write_text("text,label\n" + "".join(f"{text},angry\n" for text in SHOP_SLANG), encoding="utf-8")
    out = run("train", "--out", str(tmp_path), "--only", "emotion", "--emotion-extra", str(extra))
    assert f"+ {len(SHOP_SLANG)} extra" in out
    before = dict(emotion("说真的，栓Q").probabilities)["angry"]
    after = dict(emotion("说真的，栓Q", model=load_model(tmp_path / "emotion.npz")).probabilities)["angry"]
    assert after > before + 0.2, (before, after)


def test_bad_emotion_labels_stop_the_training_and_write_nothing(tmp_path):
    extra = tmp_path / "our_chats.csv"
    extra.write_text("text,label\n太慢了,anxious\n气死了,furious\n,angry\n", encoding="utf-8")
    with pytest.raises(CommandError, match="3, 4"):
        run("train", "--out", str(tmp_path), "--only", "emotion", "--emotion-extra", str(extra))
    assert not (tmp_path / "emotion.npz").exists()
