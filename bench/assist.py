"""Benchmark the assistant pipeline per customer message, with baselines.

    kefu bench assist [--json] [--faq 10000] [--messages 2000] [--no-results]
    python -m bench.assist ...

Per customer message: normalise, emotion, intent, FAQ retrieval top-5 (kefu.assist.retrieval)
and reply suggestions (kefu.assist.suggest) with a synthetic FAQ of 10,000 entries loaded;
p50/p99 latency per message and the process's RSS, pinned to one CPU core. Baselines in the
same run: SnowNLP's sentiment against Kefu's (accuracy and speed on held-out product reviews,
when ../shared/data/reviews_sentiment_dev.csv is present; Kefu's model for this comparison is
trained on the other reviews only), and a TF-IDF character n-gram cosine retriever
(scikit-learn) against Kefu's retriever (acc@1, recall@5 and speed on paraphrased queries).
Parts whose module is missing are reported as not measured. Rewrites its section of
bench/RESULTS.md unless --no-results.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path

from bench.results import cpu_model, section_write

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent.parent
REVIEWS = ROOT.parent / "shared" / "data" / "reviews_sentiment_dev.csv"
SEED = 20261123

BRANDS = ["翼龙", "星河", "云帆", "青禾", "北辰", "木棉", "蓝鲸", "白鹭", "赤兔", "金桔", "银杏", "紫竹"]
KINDS = [
    "无人机", "冷水机", "信号发生器", "蓝牙耳机", "充电宝", "电饭煲", "空气炸锅", "扫地机器人", "电动牙刷",
    "保温杯", "羽绒服", "连衣裙", "运动鞋", "洗发水", "面膜", "猫粮", "台灯", "键盘", "路由器", "投影仪",
]  # fmt: skip
QUESTIONS = [
    ("{p}有现货吗", "{p}目前有现货，下单后48小时内发货。"),
    ("{p}保修多久", "{p}整机保修一年，主要部件保修三年。"),
    ("{p}怎么安装", "{p}附有安装说明书，也可以观看详情页的安装视频。"),
    ("{p}支持七天无理由退货吗", "{p}支持七天无理由退货，需保持商品完好。"),
    ("{p}可以用花呗分期吗", "{p}支持花呗分期，最高12期。"),
    ("{p}可以用借呗付款吗", "借呗是贷款产品，下单时不能直接选择，请使用花呗或银行卡。"),
    ("{p}发什么快递", "{p}默认发顺丰，偏远地区发邮政。"),
    ("{p}几天能到", "{p}江浙沪次日达，其他地区2-4天。"),
    ("{p}能开发票吗", "{p}可以开电子发票，下单时备注抬头和税号。"),
    ("{p}坏了怎么维修", "{p}出现故障请联系售后，我们提供寄修服务。"),
    ("{p}和旧款有什么区别", "新款{p}续航更长，做工升级。"),
    ("{p}有优惠券吗", "{p}可领取店铺满减券，满300减30。"),
    ("{p}包邮吗", "{p}全国包邮，港澳台除外。"),
    ("{p}怎么申请退款", "在订单页点申请退款，选择原因即可。"),
    ("{p}退货运费谁出", "质量问题运费由我们承担，七天无理由退货由买家承担。"),
    ("{p}有运费险吗", "{p}赠送运费险，退货时自动理赔。"),
    ("{p}尺寸是多少", "{p}的尺寸见详情页参数表。"),
    ("{p}重量多少", "{p}净重见详情页参数表。"),
    ("{p}是正品吗", "{p}为品牌官方正品，支持验货。"),
    ("{p}有哪些颜色", "{p}有黑、白、灰三种颜色。"),
    ("{p}适合老人用吗", "{p}操作简单，适合老人使用。"),
    ("{p}怎么清洁", "{p}请用软布擦拭，不要水洗。"),
    ("{p}能换货吗", "{p}收货七天内可以换货。"),
    ("{p}说明书在哪下载", "{p}说明书可在官网下载。"),
    ("{p}充一次电能用多久", "{p}充满电可使用约8小时。"),
]  # fmt: skip


def synthetic_faq(n: int, seed: int = SEED) -> list[dict]:
    """``n`` FAQ entries: question patterns x products (brand + kind + model code)."""
    rng = random.Random(seed)
    products: list[str] = []
    for brand in BRANDS:
        for kind in KINDS:
            for model in ("", "Pro", "Max", "S1", "X2", "mini"):
                products.append(f"{brand}{kind}{model}")
    rng.shuffle(products)
    entries = []
    for i in range(n):
        product = products[i // len(QUESTIONS) % len(products)]
        question, answer = QUESTIONS[i % len(QUESTIONS)]
        entries.append(
            {"id": i + 1, "question": question.format(p=product), "answer": answer.format(p=product), "variants": []}
        )
    return entries


_REWRITES = [
    ("怎么", "如何"), ("吗", "嘛"), ("多久", "多长时间"), ("有", "有没有"), ("可以", "能"), ("能", "可以"),
    ("保修", "质保"), ("发什么快递", "用哪家快递发"), ("几天能到", "多久能收到"), ("有优惠券吗", "有券可以领吗"),
    ("怎么申请退款", "退款怎么弄"), ("包邮吗", "免运费吗"), ("能开发票吗", "可以开票吗"), ("有现货吗", "现在下单有货吗"),
    ("坏了怎么维修", "出故障了去哪修"), ("怎么清洁", "脏了怎么洗"), ("重量多少", "有多重"), ("是正品吗", "是不是正品"),
]  # fmt: skip


def paraphrase(question: str, rng: random.Random) -> str:
    """Word a FAQ question the way a customer would: politeness, rewrites, traditional, emoji."""
    from kefu.assist.training import vary

    text = question
    for a, b in rng.sample(_REWRITES, 2):
        text = text.replace(a, b, 1)
    text = rng.choice(["", "请问", "你好，", "亲，", "想问下"]) + text + rng.choice(["", "？", "?", "呢", "啊"])
    return vary(text, rng)


def customer_messages(n: int, seed: int = SEED) -> list[str]:
    """Chat messages of every stage and emotion, from the training templates (new seed)."""
    from kefu.assist.training import EMOTION_TEMPLATES, INTENT_TEMPLATES, expand, vary

    rng = random.Random(seed + 1)
    templates = [t for ts in INTENT_TEMPLATES.values() for t in ts] + [t for ts in EMOTION_TEMPLATES.values() for t in ts]
    return [vary(expand(rng.choice(templates), rng), rng) for _ in range(n)]


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pin_one_core() -> str:
    try:
        cpu = sorted(os.sched_getaffinity(0))[-1]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


# ---------------------------------------------------------------------------------------
# Adapters to the retrieval and suggestion modules (built alongside; measured if present)
def _hit_id(hit):
    entry = getattr(hit, "entry", None)
    if entry is not None and hasattr(entry, "id"):
        return entry.id
    for attr in ("id", "entry_id", "faq_id"):
        if hasattr(hit, attr):
            return getattr(hit, attr)
    if isinstance(hit, dict):
        return hit.get("id", hit.get("entry_id"))
    return hit


PHRASE_STAGES = ["greeting", "dialogue", "bargaining", "payment", "logistics", "aftersales", "review", "closing"]
OBJECTION_KINDS = ["think_about_it", "too_expensive", "market_bad", "cheaper_please", "cheaper_elsewhere", "worth_it", "no"]


def knowledge_rows(faq: list[dict]) -> dict:
    """Return the rest of a shop's knowledge for suggestions: phrases, objection scripts, products."""
    phrases = [
        {"stage": stage, "title": f"{stage}{i}", "body": f"亲，这是{stage}阶段的标准话术第{i}条，感谢您的耐心。"}
        for stage in PHRASE_STAGES
        for i in range(1, 6)
    ]
    objections = [
        {"kind": kind, "answer": f"亲，理解您的顾虑（{kind}），我们的产品品质有保障，售后无忧。", "triggers": [kind]}
        for kind in OBJECTION_KINDS
    ]
    products = [
        {"name": f"{brand}{kind}", "features": ["做工扎实"], "advantages": ["性价比高"], "applications": ["家用"]}
        for brand in BRANDS[:5]
        for kind in KINDS
    ]
    return {"faq": faq, "phrases": phrases, "objections": objections, "products": products}


def build_knowledge(faq: list[dict]):
    """(knowledge base or retriever, how to search, how to suggest, notes)."""
    notes = []
    try:
        from kefu.assist.retrieval import Retriever
    except ImportError as exc:
        return None, None, None, [f"kefu.assist.retrieval not available ({exc})"]
    try:
        from kefu.assist.suggest import KnowledgeBase, suggest
    except ImportError as exc:
        notes.append(f"kefu.assist.suggest not available ({exc})")
        KnowledgeBase = suggest = None  # noqa: N806
    if KnowledgeBase is not None:
        kb = KnowledgeBase.from_data(**knowledge_rows(faq))
        retriever = kb.faq

        def run_suggest(text, n, emo, reading, hits):
            return suggest(
                message=text, knowledge=kb, normalised=n, detected_emotion=emo, detected_intent=reading, faq_hits=hits
            )

        return kb, retriever, run_suggest, notes
    from kefu.assist.retrieval import Entry

    entries = [Entry(id=e["id"], question=e["question"], variants=[], answer=e["answer"]) for e in faq]
    return None, Retriever(entries), None, notes


def retriever_search(retriever, text: str, k: int = 5):
    for name in ("search", "top", "query", "retrieve"):
        method = getattr(retriever, name, None)
        if callable(method):
            return method(text, k=k)
    raise AttributeError(f"{type(retriever).__name__} has no search method")


# ---------------------------------------------------------------------------------------
# Baselines
class TfidfRetriever:
    """The retriever a user would otherwise pick: TF-IDF character 1-2-grams, cosine, top-k."""

    def __init__(self, questions: list[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(questions).T.tocsr()

    def search(self, text: str, k: int = 5) -> list[int]:
        import numpy as np

        scores = (self.vectorizer.transform([text]) @ self.matrix).toarray().ravel()
        top = np.argpartition(-scores, k)[:k]
        return [int(i) + 1 for i in top[np.argsort(-scores[top])]]


def _ranking(ids_per_query: list[list], gold: list) -> dict[str, float]:
    acc1 = sum(1 for ids, g in zip(ids_per_query, gold, strict=True) if ids and ids[0] == g) / len(gold)
    rec5 = sum(1 for ids, g in zip(ids_per_query, gold, strict=True) if g in ids[:5]) / len(gold)
    return {"acc_at_1": acc1, "recall_at_5": rec5}


def bench_sentiment_baseline(n: int, seed: int = SEED) -> dict:
    """Kefu's sentiment recipe (trained on the other reviews) vs SnowNLP on ``n`` held-out reviews."""
    import csv

    from kefu.assist.evaluation import latency_summary
    from kefu.assist.sentiment import sentiment, train_sentiment

    if not REVIEWS.exists():
        return {"skipped": f"{REVIEWS} not present"}
    with REVIEWS.open(encoding="utf-8-sig", newline="") as fh:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(fh)]
    rng = random.Random(seed)
    rng.shuffle(rows)
    test, train = rows[:n], rows[n:]
    model = train_sentiment([t for t, _ in train], [label for _, label in train])
    kefu_pred, kefu_sec = [], []
    for text, _ in test:
        start = time.perf_counter()
        p = sentiment(text, model=model).score
        kefu_sec.append(time.perf_counter() - start)
        kefu_pred.append("positive" if p >= 0.5 else "negative")
    out = {
        "n": len(test),
        "kefu_accuracy": sum(p == g for p, (_, g) in zip(kefu_pred, test, strict=True)) / len(test),
        "kefu": latency_summary(kefu_sec),
    }
    try:
        from snownlp import SnowNLP
    except ImportError:
        out["snownlp"] = None
        return out
    _ = SnowNLP("预热").sentiments
    snow_pred, snow_sec = [], []
    for text, _ in test:
        start = time.perf_counter()
        score = SnowNLP(text).sentiments
        snow_sec.append(time.perf_counter() - start)
        snow_pred.append("positive" if score > 0.5 else "negative")
    out["snownlp_accuracy"] = sum(p == g for p, (_, g) in zip(snow_pred, test, strict=True)) / len(test)
    out["snownlp"] = latency_summary(snow_sec)
    return out


# ---------------------------------------------------------------------------------------
def bench_pipeline(faq: list[dict], messages: list[str], queries: list[tuple[str, int]]) -> dict:
    from kefu.assist.emotion import emotion
    from kefu.assist.evaluation import latency_summary
    from kefu.assist.intent import intent
    from kefu.assist.normalise import normalise

    rss_start = rss_mb()
    start = time.perf_counter()
    emotion("预热")
    intent("预热")
    load_models_s = time.perf_counter() - start
    start = time.perf_counter()
    try:
        _kb, retriever, suggest_call, notes = build_knowledge(faq)
        if retriever is not None:
            retriever_search(retriever, "预热", 5)
    except Exception as exc:  # a module still being built must not stop the rest of the benchmark
        _kb, retriever, suggest_call, notes = None, None, None, [f"retrieval/suggest failed: {exc!r}"]
    build_s = time.perf_counter() - start
    parts = {"normalise": [], "emotion": [], "intent": [], "retrieval": [], "suggest": []}
    totals = []
    cpu = []
    gc.collect()
    for text in messages:
        c0 = time.thread_time()
        t0 = time.perf_counter()
        n = normalise(text)
        t1 = time.perf_counter()
        emo = emotion(n)
        t2 = time.perf_counter()
        stage = intent(n)
        t3 = time.perf_counter()
        hits = retriever_search(retriever, text, 5) if retriever is not None else []
        t4 = time.perf_counter()
        if suggest_call is not None:
            suggest_call(text, n, emo, stage, hits)
        t5 = time.perf_counter()
        for name, seconds in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            parts[name].append(seconds)
        totals.append(t5 - t0)
        cpu.append(time.thread_time() - c0)
    result = {
        "messages": len(messages),
        "faq_entries": len(faq),
        "pipeline": latency_summary(totals),
        "pipeline_cpu": latency_summary(cpu),
        "parts": {name: latency_summary(values) for name, values in parts.items()},
        "measured": [name for name, ok in (("retrieval", retriever is not None), ("suggest", suggest_call is not None)) if ok],
        "notes": notes,
        "load_models_s": load_models_s,
        "build_index_s": build_s,
        "rss_mb": rss_mb(),
        "rss_before_mb": rss_start,
        "peak_rss_mb": peak_rss_mb(),
    }
    if retriever is not None and queries:
        ids, seconds = [], []
        for text, _ in queries:
            t0 = time.perf_counter()
            hits = retriever_search(retriever, text, 5)
            seconds.append(time.perf_counter() - t0)
            ids.append([_hit_id(h) for h in hits])
        result["retrieval_quality"] = {**_ranking(ids, [g for _, g in queries]), **latency_summary(seconds)}
    return result


def bench_tfidf(faq: list[dict], queries: list[tuple[str, int]]) -> dict:
    from kefu.assist.evaluation import latency_summary

    start = time.perf_counter()
    baseline = TfidfRetriever([e["question"] for e in faq])
    build_s = time.perf_counter() - start
    ids, seconds = [], []
    for text, _ in queries:
        t0 = time.perf_counter()
        ids.append(baseline.search(text, 5))
        seconds.append(time.perf_counter() - t0)
    return {**_ranking(ids, [g for _, g in queries]), **latency_summary(seconds), "build_index_s": build_s}


def _machine() -> dict:
    cpu = cpu_model()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "os": platform.platform()}


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "-"
    return f"{a / b:.1f}x"


def _fmt(value, digits=3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render(result: dict, args) -> str:
    pipe = result["pipeline"]
    machine = result["machine"]
    lines = [
        "## Assistant pipeline (`bench/assist.py`)",
        "",
        f"Command: `kefu bench assist --faq {args.faq} --messages {args.messages} --queries {args.queries} "
        f"--reviews {args.reviews}`  ",
        f"Date: {datetime.date.today().isoformat()}  ",  # noqa: DTZ011
        f"Machine: {machine['cpu']}, {machine['cores']} cores ({result['pinning']}); {machine['os']}; "
        f"Python {machine['python']}",
        "",
        f"{pipe_messages(result)} synthetic customer messages (every stage and emotion, chat style, some traditional) "
        f"against {result['pipeline_result']['faq_entries']:,} synthetic FAQ entries. Per message: "
        + ", ".join(["normalise", "emotion", "intent"] + result["pipeline_result"]["measured"])
        + ". Models and index loaded before timing.",
        "",
        "| step | p50 (ms) | p99 (ms) |",
        "|---|---:|---:|",
    ]
    for name, stats in result["pipeline_result"]["parts"].items():
        measured = name in ("normalise", "emotion", "intent") or name in result["pipeline_result"]["measured"]
        lines.append(f"| {name} | {_fmt(stats['p50_ms']) if measured else 'not measured'} | "
                     f"{_fmt(stats['p99_ms']) if measured else '-'} |")  # fmt: skip
    lines.append(f"| **whole pipeline** | **{_fmt(pipe['p50_ms'])}** | **{_fmt(pipe['p99_ms'])}** |")
    pr = result["pipeline_result"]
    cpu = pr["pipeline_cpu"]
    lines.append(f"| whole pipeline, CPU time of the thread | {_fmt(cpu['p50_ms'])} | {_fmt(cpu['p99_ms'])} |")
    lines += ["", f"Load average during the run: {result['load']} (wall-clock percentiles include time the core was "
              "given to other processes; the CPU-time line does not)."]  # fmt: skip
    lines += [
        "",
        f"Memory: RSS {pr['rss_mb']:.0f} MB after the run with the index loaded (before loading anything: "
        f"{pr['rss_before_mb']:.0f} MB; peak {pr['peak_rss_mb']:.0f} MB). Loading the models: {pr['load_models_s']:.1f} s; "
        f"building the retrieval index: {pr['build_index_s']:.1f} s. Targets: p99 < 5 ms, memory < 300 MB.",
    ]
    for note in pr["notes"]:
        lines.append(f"Not measured: {note}.")
    tf = result.get("tfidf")
    rq = pr.get("retrieval_quality")
    lines += ["", f"Retrieval on {result['queries']} paraphrased queries (gold: the FAQ entry they paraphrase):", "",
              "| retriever | acc@1 | recall@5 | p50 (ms) | p99 (ms) |", "|---|---:|---:|---:|---:|"]  # fmt: skip
    if rq:
        lines.append(f"| Kefu | {rq['acc_at_1']:.3f} | {rq['recall_at_5']:.3f} | {_fmt(rq['p50_ms'])} | {_fmt(rq['p99_ms'])} |")
    else:
        lines.append("| Kefu | not measured | | | |")
    lines.append(f"| TF-IDF char 1-2-gram cosine (scikit-learn) | {tf['acc_at_1']:.3f} | {tf['recall_at_5']:.3f} | "
                 f"{_fmt(tf['p50_ms'])} | {_fmt(tf['p99_ms'])} |")  # fmt: skip
    if rq:
        lines.append(f"\nRatios, Kefu vs TF-IDF: acc@1 {_ratio(rq['acc_at_1'], tf['acc_at_1'])}, "
                     f"speed (p50) {_ratio(tf['p50_ms'], rq['p50_ms'])}.")  # fmt: skip
    sb = result.get("sentiment")
    if sb and "skipped" not in sb:
        lines += ["", f"Sentiment on {sb['n']:,} held-out product reviews (Kefu's recipe trained on the other reviews):", "",
                  "| model | accuracy | p50 (ms) | p99 (ms) |", "|---|---:|---:|---:|",
                  f"| Kefu | {sb['kefu_accuracy']:.4f} | {_fmt(sb['kefu']['p50_ms'])} | {_fmt(sb['kefu']['p99_ms'])} |"]  # fmt: skip
        if sb.get("snownlp"):
            lines.append(f"| SnowNLP | {sb['snownlp_accuracy']:.4f} | {_fmt(sb['snownlp']['p50_ms'])} | "
                         f"{_fmt(sb['snownlp']['p99_ms'])} |")  # fmt: skip
            lines.append(f"\nRatios, Kefu vs SnowNLP: accuracy {_ratio(sb['kefu_accuracy'], sb['snownlp_accuracy'])}, "
                         f"speed (p50) {_ratio(sb['snownlp']['p50_ms'], sb['kefu']['p50_ms'])}.")  # fmt: skip
    elif sb:
        lines += ["", f"Sentiment baseline not measured: {sb['skipped']}."]
    return "\n".join(lines) + "\n"


def pipe_messages(result: dict) -> str:
    return f"{result['pipeline_result']['messages']:,}"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="kefu bench assist", description=__doc__.splitlines()[0])
    parser.add_argument("--faq", type=int, default=10_000, help="synthetic FAQ entries loaded")
    parser.add_argument("--messages", type=int, default=2_000, help="customer messages timed")
    parser.add_argument("--queries", type=int, default=1_000, help="paraphrased queries for retrieval quality")
    parser.add_argument("--reviews", type=int, default=2_000, help="held-out reviews for the sentiment baseline (0: skip)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-results", action="store_true", help="do not update bench/RESULTS.md")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU core")
    args = parser.parse_args(argv)

    pinning = "not pinned" if args.no_pin else pin_one_core()
    rng = random.Random(SEED)
    faq = synthetic_faq(args.faq)
    messages = customer_messages(args.messages)
    picks = rng.sample(faq, min(args.queries, len(faq)))
    queries = [(paraphrase(e["question"], rng), e["id"]) for e in picks]

    result = {"machine": _machine(), "pinning": pinning, "queries": len(queries)}
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result["pipeline_result"] = bench_pipeline(faq, messages, queries)
    result["pipeline"] = result["pipeline_result"]["pipeline"]
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result["load"] = f"{load_before:.1f} -> {load_after:.1f}" if load_before is not None else "unknown"
    result["tfidf"] = bench_tfidf(faq, queries)
    result["sentiment"] = bench_sentiment_baseline(args.reviews) if args.reviews else {"skipped": "--reviews 0"}
    text = render(result, args)
    if not args.no_results:
        section_write("assist", text)
    if args.json:
        flat = {
            "p50_ms": result["pipeline"]["p50_ms"],
            "p99_ms": result["pipeline"]["p99_ms"],
            "cpu_p99_ms": result["pipeline_result"]["pipeline_cpu"]["p99_ms"],
            "rss_mb": result["pipeline_result"]["rss_mb"],
            **result,
        }
        print(json.dumps(flat, ensure_ascii=False, default=str))
    else:
        print(text)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
