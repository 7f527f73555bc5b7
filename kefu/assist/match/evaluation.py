"""Evaluating the pair model: pair AUC and accuracy, then a retrieval test from the same pairs."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from kefu.assist.match.model import PairModel, default_pair_model


def _auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    positives = int(labels.sum())
    negatives = labels.size - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(scores.size)
    sorted_scores = scores[order]
    i = 0
    while i < scores.size:
        j = i
        while j + 1 < scores.size and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def evaluate_pairs(
    rows: Sequence[tuple[str, str, int]],
    *,
    model: PairModel | None = None,
    retrieval: bool = True,
    synonyms: bool = True,
    progress=None,
) -> dict:
    """Pair AUC and accuracy, then a retrieval test built from the same rows.

    Retrieval: every distinct ``text_b`` is one FAQ entry; the ``text_a`` of every positive
    pair is a query whose right answer is that pair's ``text_b``; acc@1, recall@5 and MRR (of
    the top 10). ``p50_ms``/``p99_ms`` are per-query search latencies. ``synonyms`` uses Kefu's
    built-in synonym groups, as the product does.
    """
    from kefu.assist.retrieval import Entry, Retriever

    say = progress or (lambda message: None)
    model = model or default_pair_model()
    rows = [(a, b, int(label)) for a, b, label in rows]
    labels = np.asarray([label for *_, label in rows])
    proba = model.predict_proba_batch([(a, b) for a, b, _ in rows]) if rows else np.zeros(0)
    result: dict = {
        "n": len(rows),
        "auc": _auc(proba, labels),
        "accuracy": float(((proba >= model.threshold) == labels).mean()) if rows else None,
        "threshold": model.threshold,
    }
    say(f"pairs: n={len(rows)} auc={result['auc']}")
    if not retrieval:
        return result
    texts = list(dict.fromkeys(b for _, b, _ in rows))
    entry_of = {text: i for i, text in enumerate(texts)}
    started = time.perf_counter()
    retriever = Retriever(
        [Entry(id=i, question=t) for i, t in enumerate(texts)], reranker=model, default_synonyms_on=synonyms
    )
    result["build_s"] = round(time.perf_counter() - started, 3)
    queries = [(a, entry_of[b]) for a, b, label in rows if label == 1]
    top1 = top5 = 0
    reciprocal = 0.0
    latencies = []
    for count, (query, wanted) in enumerate(queries, 1):
        started = time.perf_counter()
        hits = retriever.search(query, k=10)
        latencies.append((time.perf_counter() - started) * 1000.0)
        ids = [hit.entry_id for hit in hits]
        if wanted in ids:
            rank = ids.index(wanted) + 1
            top1 += rank == 1
            top5 += rank <= 5
            reciprocal += 1.0 / rank
        if count % 1000 == 0:
            say(f"retrieval: {count}/{len(queries)} queries")
    n = len(queries)
    result.update(
        {
            "entries": len(texts),
            "queries": n,
            "acc_at_1": top1 / n if n else None,
            "recall_at_5": top5 / n if n else None,
            "mrr": reciprocal / n if n else None,
            "p50_ms": float(np.percentile(latencies, 50)) if latencies else None,
            "p99_ms": float(np.percentile(latencies, 99)) if latencies else None,
        }
    )
    return result
