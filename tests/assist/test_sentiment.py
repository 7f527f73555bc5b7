import csv
import random
from pathlib import Path

import pytest

from kefu.assist.emotion import Sentiment, sentiment
from kefu.assist.evaluation import accuracy
from kefu.assist.sentiment import LinearTextModel, cross_validate, train_sentiment

REVIEWS = Path(__file__).resolve().parents[3] / "shared" / "data" / "reviews_sentiment_dev.csv"
CV_ROWS = 12_000  # a stratified sample keeps the test near half a minute


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("质量很好，物流也快，下次还来", "positive"),
        ("很好用，推荐购买", "positive"),
        ("质量太差了，用了两天就坏了，退货", "negative"),
        ("跟描述完全不一样，失望", "negative"),
        ("質量很好，很滿意", "positive"),
    ],
)
def test_shipped_model_reads_clear_reviews(text, label):
    result = sentiment(text)
    assert isinstance(result, Sentiment)
    assert result.label == label
    assert 0.0 <= result.score <= 1.0
    assert (result.score >= 0.5) == (label == "positive")


def test_train_save_load_round_trip(tmp_path):
    texts = ["很好用", "非常满意", "质量不错", "太差了", "垃圾", "失望"] * 3
    labels = ["positive"] * 3 + ["negative"] * 3
    model = train_sentiment(texts, labels * 3, n_features=2**12)
    path = model.save(tmp_path / "s.npz")
    loaded = LinearTextModel.load(path)
    assert loaded.classes == ("negative", "positive")
    assert sentiment("很好用", model=loaded) == sentiment("很好用", model=model)
    assert sentiment("垃圾", model=loaded).label == "negative"


@pytest.mark.slow
@pytest.mark.skipif(not REVIEWS.exists(), reason="reviews_sentiment_dev.csv is not present")
def test_cross_validated_accuracy_on_reviews_at_least_092():
    with REVIEWS.open(encoding="utf-8-sig", newline="") as fh:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(fh)]
    rng = random.Random(0)
    by_label = {label: [r for r in rows if r[1] == label] for label in ("positive", "negative")}
    sample = []
    for label_rows in by_label.values():
        sample += rng.sample(label_rows, CV_ROWS // 2)
    gold, pred, seconds, folds = cross_validate(sample, k=5, seed=0)
    assert len(gold) == CV_ROWS  # every row tested exactly once, by a model that never saw it
    assert len(folds) == 5
    assert accuracy(gold, pred) >= 0.92
