import json
import math

import pytest

from kefu.assist.evaluation import (
    accuracy,
    auc,
    classification_report,
    confusion,
    latency_summary,
    load_label_map,
    macro_f1,
    per_class,
    percentile,
    read_labelled_csv,
    read_pairs_csv,
)

GOLD = ["a", "a", "b", "b", "c"]
PRED = ["a", "b", "b", "b", "a"]


def test_accuracy():
    assert accuracy(GOLD, PRED) == 3 / 5
    assert accuracy([], []) == 0.0
    with pytest.raises(ValueError):
        accuracy(["a"], [])


def test_per_class_and_macro_f1():
    stats = per_class(GOLD, PRED)
    assert stats["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert stats["b"]["precision"] == pytest.approx(2 / 3)
    assert stats["b"]["recall"] == 1.0
    assert stats["b"]["f1"] == pytest.approx(0.8)
    assert stats["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert macro_f1(GOLD, PRED) == pytest.approx((0.5 + 0.8 + 0.0) / 3)


def test_confusion_rows_are_gold():
    result = confusion(GOLD, PRED)
    assert result == {"labels": ["a", "b", "c"], "matrix": [[1, 1, 0], [0, 2, 0], [1, 0, 0]]}


def test_auc_with_ties_and_degenerate_input():
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert auc([0, 1], [0.5, 0.5]) == 0.5
    assert auc([1, 1, 0], [0.9, 0.8, 0.1]) == 1.0
    assert math.isnan(auc([1, 1], [0.2, 0.3]))


def test_percentiles_interpolate_like_numpy():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert percentile(values, 50) == 5.5
    assert percentile(values, 99) == pytest.approx(9.91)
    assert percentile([3.0], 99) == 3.0
    summary = latency_summary([0.001, 0.002, 0.003])
    assert summary["p50_ms"] == pytest.approx(2.0)
    assert summary["mean_ms"] == pytest.approx(2.0)


def test_classification_report_keys():
    report = classification_report(GOLD, PRED, [0.001] * 5)
    assert report["n"] == 5
    assert report["accuracy"] == 0.6
    assert report["p50_ms"] == pytest.approx(1.0)
    assert set(report) >= {"n", "accuracy", "macro_f1", "per_class", "confusion", "p50_ms", "p99_ms"}


def test_read_csv_with_map_bom_and_sentiment_labels(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("text,label,extra\n好开心,happiness,x\n气死了,anger,y\n哇,surprise,z\n,anger,\n", encoding="utf-8-sig")
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"_about": "test", "happiness": "satisfied", "anger": "angry", "surprise": None}))
    label_map = load_label_map(mapping)
    assert label_map == {"happiness": "satisfied", "anger": "angry", "surprise": None}
    assert read_labelled_csv(path, label_map=label_map) == [("好开心", "satisfied"), ("气死了", "angry")]
    binary = tmp_path / "binary.csv"
    binary.write_text("text,label\n好,1\n差,0\n", encoding="utf-8")
    assert read_labelled_csv(binary, sentiment=True) == [("好", "positive"), ("差", "negative")]


def test_read_csv_needs_header(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("sentence,tag\n好,1\n", encoding="utf-8")
    with pytest.raises(ValueError):
        read_labelled_csv(path)


def test_read_pairs(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("text_a,text_b,label\n花呗怎么还,花呗如何还款,1\n花呗怎么还,借呗怎么还,0\nx,y,2\n", encoding="utf-8")
    assert read_pairs_csv(path) == [("花呗怎么还", "花呗如何还款", 1), ("花呗怎么还", "借呗怎么还", 0)]
