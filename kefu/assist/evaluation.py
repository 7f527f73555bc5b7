"""Evaluation metrics as pure functions (no scikit-learn needed).

Used by ``kefu assist eval`` and the benchmark: accuracy, macro-F1, per-class precision and
recall, confusion matrix, ROC AUC (rank based, ties averaged), latency percentiles, and the
reading of evaluation CSV files with an optional label map.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

__all__ = [
    "accuracy",
    "per_class",
    "macro_f1",
    "confusion",
    "auc",
    "percentile",
    "latency_summary",
    "classification_report",
    "read_labelled_csv",
    "read_pairs_csv",
    "load_label_map",
    "SENTIMENT_LABELS",
]

SENTIMENT_LABELS = {
    "positive": "positive", "pos": "positive", "1": "positive", "negative": "negative", "neg": "negative",
    "0": "negative",
}  # fmt: skip


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)


def per_class(gold: Sequence[str], pred: Sequence[str], labels: Iterable[str] | None = None) -> dict[str, dict]:
    """Precision, recall, F1 and support per label (labels default to those seen in either)."""
    labels = list(labels) if labels is not None else sorted(set(gold) | set(pred))
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for g, p in zip(gold, pred, strict=True):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    out = {}
    for label in labels:
        precision = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        recall = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": tp[label] + fn[label],
        }
    return out


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Iterable[str] | None = None) -> float:
    """Mean F1 over the gold labels (or ``labels``); predicted-only labels do not count."""
    labels = list(labels) if labels is not None else sorted(set(gold))
    if not labels:
        return 0.0
    stats = per_class(gold, pred, labels)
    return sum(stats[label]["f1"] for label in labels) / len(labels)


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Iterable[str] | None = None) -> dict:
    """``{"labels": [...], "matrix": [[...]]}``: rows are gold labels, columns predictions."""
    labels = list(labels) if labels is not None else sorted(set(gold) | set(pred))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred, strict=True):
        if g in index and p in index:
            matrix[index[g]][index[p]] += 1
    return {"labels": labels, "matrix": matrix}


def auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney U) formula; ties get average ranks."""
    pairs = sorted(zip(scores, labels, strict=True), key=lambda x: x[0])
    n_pos = sum(1 for _, y in pairs if y)
    n_neg = len(pairs) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        avg_rank = (i + j) / 2 + 1
        rank_sum += avg_rank * sum(1 for k in range(i, j + 1) if pairs[k][1])
        i = j + 1
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def percentile(values: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile (0..100) with linear interpolation, like numpy's default."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(ordered[lo])
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99 and mean in milliseconds."""
    ms = [s * 1000.0 for s in seconds]
    return {
        "p50_ms": percentile(ms, 50),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "mean_ms": sum(ms) / len(ms) if ms else float("nan"),
    }


def classification_report(
    gold: Sequence[str], pred: Sequence[str], seconds: Sequence[float] = (), labels: Iterable[str] | None = None
) -> dict:
    """Everything ``kefu assist eval`` prints for a classification task, as one dict."""
    labels = list(labels) if labels is not None else sorted(set(gold) | set(pred))
    report = {
        "n": len(gold),
        "accuracy": accuracy(gold, pred),
        "macro_f1": macro_f1(gold, pred, sorted(set(gold))),
        "per_class": per_class(gold, pred, labels),
        "confusion": confusion(gold, pred, labels),
    }
    if seconds:
        lat = latency_summary(seconds)
        report["p50_ms"] = lat["p50_ms"]
        report["p99_ms"] = lat["p99_ms"]
    return report


def load_label_map(path: str | Path | None) -> dict[str, str | None] | None:
    """Read a JSON object mapping a data set's labels onto Kefu's (``null`` = skip the row)."""
    if not path:
        return None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("the label map must be a JSON object")
    return {str(k): (None if v is None else str(v)) for k, v in data.items() if not str(k).startswith("_")}


def read_labelled_csv(
    path: str | Path, *, label_map: Mapping[str, str | None] | None = None, sentiment: bool = False
) -> list[tuple[str, str]]:
    """(text, label) rows of a CSV with header ``text,label`` (extra columns ignored).

    With ``label_map``, labels are mapped and rows mapped to None (or absent from the map)
    are skipped. With ``sentiment``, 1/0 and pos/neg become positive/negative.
    """
    rows: list[tuple[str, str]] = []
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "text" not in reader.fieldnames or "label" not in reader.fieldnames:
            raise ValueError(f"{path}: the header must contain text and label")
        for row in reader:
            text = (row.get("text") or "").strip()
            label = (row.get("label") or "").strip()
            if not text or not label:
                continue
            if label_map is not None:
                if label not in label_map or label_map[label] is None:
                    continue
                label = label_map[label]
            if sentiment:
                label = SENTIMENT_LABELS.get(label.lower(), label)
            rows.append((text, label))
    return rows


def read_pairs_csv(path: str | Path) -> list[tuple[str, str, int]]:
    """(text_a, text_b, label) rows of a CSV with header ``text_a,text_b,label``."""
    rows: list[tuple[str, str, int]] = []
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        needed = {"text_a", "text_b", "label"}
        if not reader.fieldnames or not needed <= set(reader.fieldnames):
            raise ValueError(f"{path}: the header must contain text_a, text_b and label")
        for row in reader:
            a, b, label = (row.get("text_a") or "").strip(), (row.get("text_b") or "").strip(), row.get("label")
            if a and b and label is not None and label.strip() in ("0", "1"):
                rows.append((a, b, int(label.strip())))
    return rows
