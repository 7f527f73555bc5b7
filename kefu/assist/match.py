"""Whether two questions mean the same: pair features, the pair model and its evaluation.

Customer-service questions that do NOT match usually share most of their words (花呗还款 /
借呗还款, 能退货吗 / 怎么退货, 多久发货 / 多久到货), so overlap alone cannot decide. Besides the
usual overlap measures (characters, character n-grams, words weighted by how rare they are,
longest common substring, edit distance), the features look at what DIFFERS between the two
questions: how many differing words are content words rather than particles, how rare they
are, whether the question words (怎么 / 为什么 / 多久 / 能不能 ...), the numbers, the latin
tokens and the negations agree. A first, linear stage learns from the differing words
themselves (hashed), a second stage (gradient-boosted trees with monotonic constraints:
more overlap never lowers the probability, more difference never raises it) combines
everything into a probability.

The trained model is a plain dict of numpy arrays saved with joblib; inference needs numpy
only and evaluates the trees vectorised, so scoring the ~20 candidates of a search takes well
under a millisecond. scikit-learn is used only for training.
"""

from __future__ import annotations

import csv
import functools
import math
import random
import re
import sys
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kefu.assist.tokenise import Tokeniser, char_ngrams, default_tokeniser

__all__ = [
    "PairText",
    "PairModel",
    "FEATURE_NAMES",
    "MATCH_MODEL",
    "MATCH_PAIRS_FILE",
    "pair_features",
    "prepare",
    "train_pair_model",
    "train_default",
    "default_pair_model",
    "evaluate_pairs",
    "read_pairs",
    "edit_distance",
]

MODELS_DIR = Path(__file__).with_name("models")
DATA_DIR = Path(__file__).with_name("data")
MATCH_MODEL = MODELS_DIR / "match_pair.joblib"
MATCH_PAIRS_FILE = DATA_DIR / "match_pairs.csv"
# Public question pairs used at training time only (never at run time); see train_default.
LCQMC_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "lcqmc_dev_pairs.csv"

MODEL_VERSION = 1
HASH_BITS = 18
CS_WEIGHT = 2.0
SEED = 20260

# Question types: a pair asking different kinds of question is rarely the same question.
QUESTION_WORDS: dict[str, tuple[str, ...]] = {
    "how": ("怎么", "如何", "怎样", "咋", "怎么办", "方法", "步骤"),
    "why": ("为什么", "为何", "为啥", "怎么会", "咋会", "原因"),
    "when": ("多久", "多长时间", "几天", "多少天", "什么时候", "何时", "几时", "几号", "啥时候"),
    "amount": ("多少", "几个", "几种", "多大", "价格", "价钱", "费用"),
    "can": ("能不能", "可不可以", "可以吗", "能吗", "可以", "能否", "行不行", "会不会", "是否", "支持"),
    "where": ("哪里", "哪儿", "在哪", "哪个", "哪些", "哪家", "哪"),
    "who": ("谁",),
    "what": ("什么", "啥"),
    "yesno": ("吗", "是不是", "有没有"),
}
NEGATIONS = ("不", "没", "别", "无", "非", "未", "莫")
# Particles and other words whose presence changes no meaning, on top of jieba's function-word tags.
PARTICLES = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 嘛 哦 哈 啦 哇 噢 喔 嗯 呐 请问 请 问 一下 下 亲 您好 你好 您 你 我 我们 我的 这个 那个 这 那 个"
    " 是 有 就 都 也 还 又 要 想 会 能 可以 在 给 把 被 让 吗 和 与 及 或 或者 还是 一个 些 一些 时候 现在 今天 谢谢".split()
)
FUNCTION_TAGS = frozenset("d r c p y u e o f q x k h b t z zg mq tg uj ul ud ug uv uz rr rz rg dg df".split())

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LATIN = re.compile(r"[a-z]+")


# ---------------------------------------------------------------- word statistics


@functools.cache
def _word_stats() -> tuple[dict[str, int], float]:
    """Return jieba's base word frequencies (shared with the tokeniser, loaded once per process)."""
    from kefu.assist import tokenise

    base = getattr(tokenise, "_base_dictionary", None)
    if base is not None:
        freq, total = base()
        return freq, float(total)
    import jieba  # pragma: no cover - only if tokenise stops exposing its base dictionary

    jieba.initialize()
    return jieba.dt.FREQ, float(jieba.dt.total)


class _Info:
    """Self-information of a token (-log of its corpus frequency): rare words weigh more."""

    def __init__(self) -> None:
        self._freq, total = _word_stats()
        self._log_total = math.log(total)
        self._cache: dict[str, float] = {}

    def __call__(self, token: str) -> float:
        value = self._cache.get(token)
        if value is None:
            value = self._log_total - math.log(self._freq.get(token, 0) + 5)
            if len(self._cache) < 200_000:
                self._cache[token] = value
        return value


@functools.cache
def _info() -> _Info:
    return _Info()


def function_words_from_jieba() -> frozenset[str]:
    """Words that jieba's dictionary tags as particles, pronouns, adverbs, prepositions..."""
    import jieba

    words = set(PARTICLES)
    path = Path(jieba.__file__).with_name("dict.txt")
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[2] in FUNCTION_TAGS and len(parts[0]) <= 3:
                words.add(parts[0])
    return frozenset(words)


# ---------------------------------------------------------------- prepared texts


@dataclass(frozen=True, slots=True)
class PairText:
    """One side of a pair, tokenised once (the retriever keeps these for its entries)."""

    text: str
    words: tuple[str, ...]
    units: tuple[str, ...]  # characters; a latin/digit run counts as one unit
    questions: tuple[float, ...] = ()  # one flag per QUESTION_WORDS type
    negations: int = 0
    numbers: frozenset[str] = frozenset()
    latin: frozenset[str] = frozenset()


_NO_STRINGS: frozenset[str] = frozenset()


def prepare(text: str, tokeniser: Tokeniser | None = None, *, words: Sequence[str] | None = None) -> PairText:
    """Tokenise ``text`` for pair features (or take its already tokenised ``words``)."""
    if words is None:
        words = (tokeniser or default_tokeniser()).tokens(text)
    # Interned: an index of 30,000 variants then holds each word and character once.
    words = tuple(map(sys.intern, words))
    joined = "".join(words)
    units = tuple(map(sys.intern, char_ngrams(joined, 1))) if words else ()
    numbers = frozenset(_NUMBER.findall(joined)) or _NO_STRINGS
    latin = frozenset(_LATIN.findall(joined)) or _NO_STRINGS
    return PairText(
        text=text,
        words=words,
        units=units,
        questions=_shared(_question_types(joined, words)),
        negations=sum(joined.count(n) for n in NEGATIONS),
        numbers=numbers,
        latin=latin,
    )


_SHARED: dict[tuple, tuple] = {}


def _shared(value: tuple) -> tuple:
    return _SHARED.setdefault(value, value)


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance of two sequences (bit-parallel, Myers/Hyyrö: fast for short texts)."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, unit in enumerate(b):
        peq[unit] = peq.get(unit, 0) | (1 << i)
    full = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for unit in a:
        eq = peq.get(unit, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
    return score


def _longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common substring (dynamic programming over matching positions only)."""
    positions: dict[str, list[int]] = {}
    for j, unit in enumerate(b):
        positions.setdefault(unit, []).append(j)
    best = 0
    previous: dict[int, int] = {}
    for unit in a:
        current: dict[int, int] = {}
        for j in positions.get(unit, ()):
            run = previous.get(j - 1, 0) + 1
            current[j] = run
            if run > best:
                best = run
        previous = current
    return best


_QUESTION_TYPE_OF = {word: i for i, words in enumerate(QUESTION_WORDS.values()) for word in words}
_QUESTION_RE = re.compile("|".join(sorted(map(re.escape, _QUESTION_TYPE_OF), key=len, reverse=True)))


_CAN = list(QUESTION_WORDS).index("can")


def _question_types(text: str, words: Sequence[str] = ()) -> tuple[float, ...]:
    """One flag per question type; the longest question word at a place wins (多少天 is *when*)."""
    flags = [0.0] * len(QUESTION_WORDS)
    for found in _QUESTION_RE.findall(text):
        flags[_QUESTION_TYPE_OF[found]] = 1.0
    if "能" in words or "可" in words:  # 能退货吗: the single word, not the 能 of 可能 or 功能
        flags[_CAN] = 1.0
    return tuple(flags)


def _ratio(x: float, y: float) -> float:
    return x / y if y else 0.0


# ---------------------------------------------------------------- features

FEATURE_NAMES: tuple[str, ...] = (
    "length_ratio",
    "char_jaccard", "char_overlap_min", "char_overlap_max",
    "bigram_jaccard", "bigram_overlap_min", "trigram_jaccard", "trigram_overlap_min",
    "word_jaccard", "word_info_jaccard", "word_info_cosine", "char_info_jaccard", "char_info_cosine",
    "diff_words", "diff_words_min_side", "diff_words_max_side", "diff_info", "diff_info_max",
    "diff_info_min_side", "diff_info_max_side",
    "diff_content", "diff_content_min_side", "diff_content_max_side", "diff_content_info",
    "diff_content_info_max",
    "uncovered_content", "uncovered_content_min_side", "uncovered_content_info",
    "diff_chars", "diff_chars_min_side", "diff_chars_info", "diff_chars_info_max",
    "common_run_min", "common_run_max", "edit_ratio", "edit_distance",
    "numbers_any", "numbers_equal", "numbers_one_side", "latin_any", "latin_equal",
    *(f"question_both_{k}" for k in QUESTION_WORDS),
    *(f"question_differs_{k}" for k in QUESTION_WORDS),
    "question_differs",
    "negations_min", "negations_max", "negation_parity_differs",
    "diff_tokens_score",
)  # fmt: skip
# Features of a retrieval candidate for the ranker: the pair model's log-odds, BM25 relative to
# the best candidate (combined, words, characters), the BM25 rank, then the pair features.
RANK_FEATURE_NAMES: tuple[str, ...] = (
    "pair_logit", "bm25_relative", "bm25_words_relative", "bm25_chars_relative", "bm25_rank", *FEATURE_NAMES,
)  # fmt: skip
# +1: more of it never lowers the probability; -1: never raises it; 0: free.
_MONOTONIC = {
    **dict.fromkeys(FEATURE_NAMES[1:13], 1),
    **dict.fromkeys(FEATURE_NAMES[13:32], -1),
    "common_run_min": 1, "common_run_max": 1, "edit_ratio": -1, "edit_distance": -1,
    **{f"question_differs_{k}": -1 for k in QUESTION_WORDS},
    "question_differs": -1, "negation_parity_differs": -1,
    "diff_tokens_score": 1,
}  # fmt: skip


def _content(words: Iterable[str], func: frozenset[str]) -> list[str]:
    return [w for w in words if w not in func and not w.isdigit()]


def _pair_vector(pa: PairText, pb: PairText, func: frozenset[str]) -> tuple[list[float], list[str]]:
    """Dense features (all but the last, filled by the first stage) and the differing-token keys."""
    info = _info()
    ua, ub = pa.units, pb.units
    la, lb = len(ua), len(ub)
    ca, cb = set(ua), set(ub)
    wa, wb = set(pa.words), set(pb.words)
    f: list[float] = [_ratio(min(la, lb), max(la, lb))]

    inter = len(ca & cb)
    f += [
        _ratio(inter, len(ca | cb)),
        _ratio(inter, min(len(ca), len(cb))),
        _ratio(inter, max(len(ca), len(cb))),
    ]
    for size in (2, 3):
        ga = {tuple(ua[i : i + size]) for i in range(la - size + 1)}
        gb = {tuple(ub[i : i + size]) for i in range(lb - size + 1)}
        common = len(ga & gb)
        f += [_ratio(common, len(ga | gb)), _ratio(common, min(len(ga), len(gb)))]

    common_words, union_words = wa & wb, wa | wb
    f.append(_ratio(len(common_words), len(union_words)))
    for shared, sa, sb in ((common_words, wa, wb), (ca & cb, ca, cb)):
        weight = {t: info(t) for t in sa | sb}
        inter_w = sum(weight[t] for t in shared)
        union_w = sum(weight[t] for t in sa | sb)
        norm_a = math.sqrt(sum(weight[t] ** 2 for t in sa))
        norm_b = math.sqrt(sum(weight[t] ** 2 for t in sb))
        cos = _ratio(sum(weight[t] ** 2 for t in shared), norm_a * norm_b)
        f += [_ratio(inter_w, union_w), cos]

    only_a, only_b = wa - wb, wb - wa
    info_a = [info(t) for t in only_a]
    info_b = [info(t) for t in only_b]
    f += [
        len(only_a) + len(only_b), min(len(only_a), len(only_b)), max(len(only_a), len(only_b)),
        sum(info_a) + sum(info_b), max(info_a + info_b, default=0.0),
        min(sum(info_a), sum(info_b)), max(sum(info_a), sum(info_b)),
    ]  # fmt: skip
    content_a, content_b = _content(only_a, func), _content(only_b, func)
    content_info = [info(t) for t in content_a + content_b]
    f += [
        len(content_a) + len(content_b), min(len(content_a), len(content_b)),
        max(len(content_a), len(content_b)), sum(content_info), max(content_info, default=0.0),
    ]  # fmt: skip
    # A differing content word whose characters all appear on the other side was only cut
    # differently (网店名 / 店名) or reordered; the others are really missing there.
    uncovered_a = [t for t in content_a if not set(t) <= cb]
    uncovered_b = [t for t in content_b if not set(t) <= ca]
    f += [
        len(uncovered_a) + len(uncovered_b), min(len(uncovered_a), len(uncovered_b)),
        sum(info(t) for t in uncovered_a + uncovered_b),
    ]  # fmt: skip
    chars_a, chars_b = ca - cb, cb - ca
    char_info = [info(c) for c in chars_a | chars_b]
    f += [
        len(chars_a) + len(chars_b),
        min(len(chars_a), len(chars_b)),
        sum(char_info),
        max(char_info, default=0.0),
    ]

    run = _longest_common_run(ua, ub)
    distance = edit_distance(ua, ub)
    f += [_ratio(run, min(la, lb)), _ratio(run, max(la, lb)), _ratio(distance, max(la, lb)), float(distance)]

    na, nb, xa, xb = pa.numbers, pb.numbers, pa.latin, pb.latin
    f += [
        float(bool(na or nb)),
        float(na == nb),
        float(bool(na) != bool(nb)),
        float(bool(xa or xb)),
        float(xa == xb),
    ]
    qa, qb = pa.questions, pb.questions
    f += [x * y for x, y in zip(qa, qb, strict=True)]
    differs = [float(x != y) for x, y in zip(qa, qb, strict=True)]
    f += differs + [sum(differs)]
    neg_a, neg_b = pa.negations, pb.negations
    f += [min(neg_a, neg_b), max(neg_a, neg_b), float(neg_a % 2 != neg_b % 2)]
    f.append(0.0)  # diff_tokens_score, from the first stage
    # Sums over sets depend on the process's string-hash order in their last bits; rounding
    # makes the features, and so a trained model, the same in every run.
    f = [round(x, 9) for x in f]

    keys = ["w:" + t for t in only_a | only_b]
    keys += ["c:" + c for c in chars_a | chars_b]
    keys += ["s:" + t for t in common_words]
    return f, keys


@functools.lru_cache(maxsize=200_000)
def _hash(key: str) -> int:
    """Bucket of a differing-token key (CRC-32: stable across processes and versions)."""
    return zlib.crc32(key.encode("utf-8")) & ((1 << HASH_BITS) - 1)


def _key_weight(key: str) -> float:
    return 0.3 if key.startswith("s:") else 1.0


# ---------------------------------------------------------------- the model


class PairModel:
    """The trained pair model: hashed differing-token weights plus boosted trees, numpy only."""

    def __init__(self, state: dict) -> None:
        if state.get("version") != MODEL_VERSION:
            raise ValueError(f"match model version {state.get('version')!r}, expected {MODEL_VERSION}")
        self.state = state
        self.function_words: frozenset[str] = frozenset(state["function_words"])
        self.token_weights: np.ndarray = np.asarray(state["token_weights"], dtype=np.float32)
        self.token_bias = float(state["token_bias"])
        self.threshold = float(state["threshold"])
        trees = state["trees"]
        self._feature = np.asarray(trees["feature"], dtype=np.intp)
        self._split = np.asarray(trees["threshold"], dtype=np.float64)
        self._left = np.asarray(trees["left"], dtype=np.intp)
        self._right = np.asarray(trees["right"], dtype=np.intp)
        self._value = np.asarray(trees["value"], dtype=np.float64)
        self._roots = np.asarray(trees["roots"], dtype=np.intp)
        self._depth = int(trees["depth"])
        self._baseline = float(trees["baseline"])
        ranker = state.get("ranker")
        self.has_ranker = ranker is not None
        if ranker is not None:
            self._rank_mean = np.asarray(ranker["mean"], dtype=np.float64)
            self._rank_coef = np.asarray(ranker["coef"], dtype=np.float64) / np.asarray(ranker["scale"])
            self._rank_bias = float(ranker["bias"])

    def rank(self, matrix: np.ndarray) -> np.ndarray:
        """Log-odds that each retrieval candidate answers the query (rows named by RANK_FEATURE_NAMES)."""
        return (np.asarray(matrix, dtype=np.float64) - self._rank_mean) @ self._rank_coef + self._rank_bias

    # -- persistence
    def save(self, path: str | Path) -> Path:
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.state, path, compress=3)
        return path

    @classmethod
    def load(cls, path: str | Path = MATCH_MODEL) -> PairModel:
        import joblib

        return cls(joblib.load(Path(path)))

    # -- scoring
    def _token_score(self, keys: list[str]) -> float:
        weights = self.token_weights
        total = self.token_bias
        for key in sorted(keys):  # a fixed order: the same sum, to the last bit, in every process
            total += float(weights[_hash(key)]) * (0.3 if key[0] == "s" else 1.0)
        return total

    def features(self, a: PairText, b: PairText) -> list[float]:
        """Return the full feature vector of a prepared pair, first-stage score included."""
        f, keys = _pair_vector(a, b, self.function_words)
        f[-1] = self._token_score(keys)
        return f

    def raw(self, matrix: np.ndarray) -> np.ndarray:
        """Log-odds for a matrix of feature rows: all trees walked at once, level by level."""
        matrix = np.atleast_2d(np.asarray(matrix, dtype=np.float64))
        rows = np.arange(matrix.shape[0])[:, None]
        node = np.broadcast_to(self._roots, (matrix.shape[0], self._roots.size))
        for _ in range(self._depth):
            go_left = matrix[rows, self._feature[node]] <= self._split[node]
            node = np.where(go_left, self._left[node], self._right[node])
        return self._value[node].sum(axis=1) + self._baseline

    def logits_prepared(self, query: PairText, candidates: Sequence[PairText]) -> np.ndarray:
        if not candidates:
            return np.zeros(0)
        return self.raw([self.features(query, c) for c in candidates])

    def proba_prepared(self, query: PairText, candidates: Sequence[PairText]) -> np.ndarray:
        return _sigmoid(self.logits_prepared(query, candidates))

    def predict_proba(self, a: str, b: str, *, tokeniser: Tokeniser | None = None) -> float:
        """Probability that ``a`` and ``b`` ask the same question."""
        return float(self.predict_proba_batch([(a, b)], tokeniser=tokeniser)[0])

    def predict_proba_batch(
        self, pairs: Iterable[tuple[str, str]], *, tokeniser: Tokeniser | None = None
    ) -> np.ndarray:
        tokeniser = tokeniser or default_tokeniser()
        cache: dict[str, PairText] = {}

        def prep(text: str) -> PairText:
            found = cache.get(text)
            if found is None:
                found = cache[text] = prepare(text, tokeniser)
            return found

        rows = [self.features(prep(a), prep(b)) for a, b in pairs]
        out = np.zeros(len(rows))
        for start in range(0, len(rows), 2048):
            out[start : start + 2048] = _sigmoid(self.raw(rows[start : start + 2048]))
        return out

    def predict(self, a: str, b: str, *, tokeniser: Tokeniser | None = None) -> bool:
        """Tell whether ``a`` and ``b`` ask the same question, at the model's own threshold."""
        return self.predict_proba(a, b, tokeniser=tokeniser) >= self.threshold


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def pair_features(
    a: str, b: str, *, tokeniser: Tokeniser | None = None, model: PairModel | None = None
) -> np.ndarray:
    """Return the feature vector of a pair (named by ``FEATURE_NAMES``).

    The last feature, the score of the differing tokens, comes from a trained model; without
    one (no ``model`` given and none shipped) it is 0.
    """
    tokeniser = tokeniser or default_tokeniser()
    pa, pb = prepare(a, tokeniser), prepare(b, tokeniser)
    if model is None and MATCH_MODEL.exists():
        model = default_pair_model()
    if model is not None:
        return np.asarray(model.features(pa, pb))
    f, _ = _pair_vector(pa, pb, PARTICLES)
    return np.asarray(f)


_default_lock = threading.Lock()


@functools.cache
def _load_default() -> PairModel:
    with _default_lock:
        if not MATCH_MODEL.exists():
            raise FileNotFoundError(f"{MATCH_MODEL} is missing: run `kefu assist train`")
        return PairModel.load(MATCH_MODEL)


def default_pair_model() -> PairModel:
    """Return the shipped pair model, loaded once per process."""
    return _load_default()


# ---------------------------------------------------------------- training

_QUESTION_SWAPS = (
    ("怎么", "如何"), ("怎么", "怎样"), ("什么", "啥"), ("哪里", "哪儿"), ("为什么", "为啥"),
    ("多久", "多长时间"), ("可以", "能"), ("是不是", "是否"), ("有没有", "有"),
)  # fmt: skip
_FILLERS = ("请问", "亲", "吗", "呢", "啊", "呀", "一下", "的")
_DROPPABLE = frozenset("的 了 吗 呢 吧 啊 呀 么 嘛 哦 啦 请问 请 一下 亲 您好 你好 呐".split())


def _augment(
    rows: Sequence[tuple[str, str, int]], tokeniser: Tokeniser, func: frozenset[str], rng: random.Random
) -> list[tuple[str, str, int]]:
    """Extra pairs that teach what overlap cannot: one swapped content word changes the question.

    For each question a near copy that differs in one content word (a hard negative) and a
    near copy that differs only in particles or an equivalent question word (a positive).
    """
    vocab: dict[int, list[str]] = {}
    for a, b, _ in rows:
        for text in (a, b):
            for word in tokeniser.tokens(text):
                if word not in func and not word.isdigit() and not word.isascii():
                    vocab.setdefault(len(word), []).append(word)
    out: list[tuple[str, str, int]] = []
    for a, _b, _label in rows:
        words = tokeniser.tokens(a)
        content = [i for i, w in enumerate(words) if w not in func and not w.isdigit()]
        if content:
            i = rng.choice(content)
            pool = vocab.get(len(words[i])) or vocab.get(2) or []
            replacement = rng.choice(pool) if pool else ""
            if replacement and replacement != words[i]:
                out.append((a, "".join(words[:i] + [replacement] + words[i + 1 :]), 0))
        text = "".join(words)
        for x, y in _QUESTION_SWAPS:
            if x in text and rng.random() < 0.6:
                text = text.replace(x, y, 1)
                break
            if y in text and rng.random() < 0.6:
                text = text.replace(y, x, 1)
                break
        droppable = [i for i, w in enumerate(words) if w in _DROPPABLE]
        if droppable and rng.random() < 0.5:
            i = rng.choice(droppable)
            text = "".join(words[:i] + words[i + 1 :])
        elif rng.random() < 0.7:
            filler = rng.choice(_FILLERS)
            text = filler + text if filler in ("请问", "亲") else text + filler
        if text != "".join(words):
            out.append((a, text, 1))
        asked = _ask_differently(words, rng)
        if asked:
            out.append((a, asked, 0))
    return out


def _ask_differently(words: list[str], rng: random.Random) -> str | None:
    """Ask about the same topic as another kind of question: 怎么退货 -> 能退货吗 -> 怎么退货."""
    text = "".join(words)
    if rng.random() >= 0.5:
        return None
    for how in ("怎么", "如何", "怎样"):
        if how in text and not text.startswith(how + "么"):
            return text.replace(how, "能", 1).rstrip("?？呢啊") + "吗"
    for can in ("能不能", "可不可以", "可以", "能"):
        if can in text and text.endswith("吗"):
            return text.replace(can, "怎么", 1)[:-1]
    for when in ("多久", "什么时候", "几天"):
        if when in text:
            return text.replace(when, rng.choice(("为什么", "怎么")), 1)
    return None


def _pack_trees(clf) -> dict:
    """Flatten a fitted HistGradientBoostingClassifier into arrays (leaves point to themselves)."""
    feature, split, left, right, value, roots = [], [], [], [], [], []
    depth = 0
    offset = 0
    for (predictor,) in clf._predictors:
        nodes = predictor.nodes
        roots.append(offset)
        for index, node in enumerate(nodes):
            me = offset + index
            if node["is_leaf"]:
                feature.append(0)
                split.append(0.0)
                left.append(me)
                right.append(me)
            else:
                feature.append(int(node["feature_idx"]))
                split.append(float(node["num_threshold"]))
                left.append(offset + int(node["left"]))
                right.append(offset + int(node["right"]))
            value.append(float(node["value"]))
            depth = max(depth, int(node["depth"]))
        offset += len(nodes)
    return {
        "feature": np.asarray(feature, dtype=np.int32),
        "threshold": np.asarray(split, dtype=np.float64),
        "left": np.asarray(left, dtype=np.int32),
        "right": np.asarray(right, dtype=np.int32),
        "value": np.asarray(value, dtype=np.float64),
        "roots": np.asarray(roots, dtype=np.int32),
        "depth": depth,
        "baseline": float(np.ravel(clf._baseline_prediction)[0]),
    }


def train_pair_model(
    pairs: Iterable[tuple[str, str, int]],
    *,
    weights: Sequence[float] | None = None,
    tokeniser: Tokeniser | None = None,
    augment: bool = True,
    seed: int = SEED,
    progress=None,
) -> PairModel:
    """Train the pair model from ``(text_a, text_b, label)`` rows (label 1 = same question).

    ``weights`` (one per row) lets a small set of the shop's own pairs count more than a
    large public set. Augmented pairs (see ``_augment``) train the second stage only: the
    first stage learns differing tokens from real pairs, so it cannot learn the shortcuts of
    the generated ones.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # deterministic and polite on a shared machine
        return _train(
            pairs,
            weights=weights,
            tokeniser=tokeniser or default_tokeniser(),
            augment=augment,
            seed=seed,
            progress=progress,
        )


def _train(pairs, *, weights, tokeniser: Tokeniser, augment: bool, seed: int, progress) -> PairModel:
    from scipy import sparse
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    say = progress or (lambda message: None)
    rows = [(str(a), str(b), int(label)) for a, b, label in pairs]
    if not rows:
        raise ValueError("no training pairs")
    sample_weight = list(weights) if weights is not None else [1.0] * len(rows)
    if len(sample_weight) != len(rows):
        raise ValueError("one weight per pair")
    real_count = len(rows)
    func = function_words_from_jieba()
    if augment:
        extra = _augment(rows, tokeniser, func, random.Random(seed))
        rows += extra
        sample_weight += [1.0] * len(extra)
    say(f"pair model: {real_count} pairs, {len(rows) - real_count} generated")
    cache: dict[str, PairText] = {}

    def prep(text: str) -> PairText:
        found = cache.get(text)
        if found is None:
            found = cache[text] = prepare(text, tokeniser)
        return found

    dense, data, indices, indptr = [], [], [], [0]
    for count, (a, b, _) in enumerate(rows, 1):
        f, keys = _pair_vector(prep(a), prep(b), func)
        dense.append(f)
        for key in keys:
            indices.append(_hash(key))
            data.append(_key_weight(key))
        indptr.append(len(indices))
        if count % 5000 == 0:
            say(f"pair model: features {count}/{len(rows)}")
    labels = np.asarray([label for *_, label in rows])
    weight = np.asarray(sample_weight, dtype=np.float64)
    tokens = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), 1 << HASH_BITS), dtype=np.float64)
    tokens.sum_duplicates()
    matrix = np.asarray(dense, dtype=np.float64)
    say("pair model: fitting the differing-token stage")

    real = slice(0, real_count)
    first = LogisticRegression(C=1.0, solver="liblinear")
    folds = min(5, int(min(labels[real].sum(), real_count - labels[real].sum())))
    if folds >= 2:
        matrix[real, -1] = cross_val_predict(
            first,
            tokens[real],
            labels[real],
            cv=StratifiedKFold(folds, shuffle=True, random_state=seed % (2**31)),
            method="decision_function",
            params={"sample_weight": weight[real]},
        )
    first.fit(tokens[real], labels[real], sample_weight=weight[real])
    if len(rows) > real_count:
        matrix[real_count:, -1] = first.decision_function(tokens[real_count:])

    say("pair model: fitting the trees")
    monotonic = [_MONOTONIC.get(name, 0) for name in FEATURE_NAMES]
    second = HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.1, max_depth=3, min_samples_leaf=40, l2_regularization=1.0,
        monotonic_cst=monotonic, random_state=seed % (2**31), early_stopping=False,
    )  # fmt: skip
    second.fit(matrix, labels, sample_weight=weight)
    state = {
        "version": MODEL_VERSION,
        "function_words": sorted(func),
        "token_weights": first.coef_.ravel().astype(np.float32),
        "token_bias": float(first.intercept_[0]),
        # Trained on balanced pairs with log-loss, so 0.5 is the honest decision point.
        "threshold": 0.5,
        "trees": _pack_trees(second),
        "feature_names": list(FEATURE_NAMES),
        "trained_on": {"pairs": real_count, "generated": len(rows) - real_count},
    }
    say("pair model: done")
    return PairModel(state)


def train_ranker(
    model: PairModel, rows: Sequence[tuple[str, str, int]], *, depth: int = 10, progress=None
) -> dict:
    """Learn how to rank retrieval candidates (and how sure to be) from question pairs.

    Every distinct ``text_b`` becomes an FAQ entry; every distinct ``text_a`` a query whose
    right answers are its positive partners (a query with none teaches that nothing in the
    index may fit). Each of the ``depth`` BM25 candidates of each query is one example.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from kefu.assist.retrieval import Entry, Retriever

    say = progress or (lambda message: None)
    texts = list(dict.fromkeys(b for _, b, _ in rows))
    entry_of = {text: i for i, text in enumerate(texts)}
    wanted: dict[str, set[int]] = {}
    for a, b, label in rows:
        wanted.setdefault(a, set())
        if label == 1:
            wanted[a].add(entry_of[b])
    retriever = Retriever(
        [Entry(id=i, question=t) for i, t in enumerate(texts)], reranker=model, default_synonyms_on=False
    )
    blocks, labels = [], []
    for count, (query, answers) in enumerate(wanted.items(), 1):
        prepared = retriever._prepare(query)
        if not prepared.units:
            continue
        candidates, rank_features = retriever._candidates(prepared, depth, {})
        if not candidates:
            continue
        pair = np.asarray([model.features(prepared, retriever._docs[d]) for d in candidates])
        blocks.append(np.column_stack([model.raw(pair), rank_features, pair]))
        labels.extend(int(retriever._owner[d]) in answers for d in candidates)
        if count % 2000 == 0:
            say(f"ranker: {count}/{len(wanted)} queries")
    matrix = np.vstack(blocks)
    target = np.asarray(labels, dtype=int)
    scaler = StandardScaler().fit(matrix)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    ranker = LogisticRegression(C=1.0, max_iter=5000).fit((matrix - scaler.mean_) / scale, target)
    say(f"ranker: {len(target)} candidates, {int(target.sum())} right")
    return {
        "names": list(RANK_FEATURE_NAMES),
        "mean": scaler.mean_,
        "scale": scale,
        "coef": ranker.coef_.ravel(),
        "bias": float(ranker.intercept_[0]),
    }


def read_pairs(path: str | Path) -> list[tuple[str, str, int]]:
    """Rows of a ``text_a,text_b,label`` CSV (label 1/0; other columns ignored)."""
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        return [
            (row["text_a"], row["text_b"], int(float(row["label"])))
            for row in csv.DictReader(fh)
            if row.get("text_a") and row.get("text_b") and row.get("label") not in (None, "")
        ]


def train_default(
    out_dir: str | Path = MODELS_DIR, *, extra: Iterable[str | Path] | None = None, progress=None
) -> Path:
    """Train the shipped pair model into ``out_dir/match_pair.joblib`` and return its path.

    Data: Kefu's own customer-service pairs (``data/match_pairs.csv``) plus, when present at
    training time, the LCQMC dev pairs next to the project (``../shared/data``); run time never
    needs them. ``extra`` adds a shop's own ``text_a,text_b,label`` files.
    """
    say = progress or (lambda message: None)
    rows = read_pairs(MATCH_PAIRS_FILE)
    say(f"pair model: {len(rows)} customer-service pairs from {MATCH_PAIRS_FILE.name}")
    # The few customer-service pairs count double against the large open-domain set.
    weights = [CS_WEIGHT] * len(rows)
    for path in extra or ():
        shop = read_pairs(path)
        rows += shop
        weights += [CS_WEIGHT] * len(shop)
    if LCQMC_DEV.exists():
        public = read_pairs(LCQMC_DEV)
        say(f"pair model: {len(public)} LCQMC dev pairs")
        rows += public
        weights += [1.0] * len(public)
    ranker = None
    if LCQMC_DEV.exists():
        # The ranker learns from retrieval over pairs the pair model has not seen: a model
        # trained on one half of the public pairs ranks the other half's questions.
        held = [row for row in public if zlib.crc32(row[0].encode("utf-8")) % 2]
        seen = [row for row in public if not zlib.crc32(row[0].encode("utf-8")) % 2]
        say(f"ranker: pair model on {len(seen)} pairs, retrieval over the other {len(held)}")
        half = train_pair_model(
            rows[: len(rows) - len(public)] + seen,
            weights=weights[: len(rows) - len(public)] + [1.0] * len(seen),
            progress=progress,
        )
        ranker = train_ranker(half, held, progress=progress)
    model = train_pair_model(rows, weights=weights, progress=progress)
    if ranker is not None:
        model = PairModel({**model.state, "ranker": ranker})
    path = model.save(Path(out_dir) / MATCH_MODEL.name)
    _load_default.cache_clear()
    return path


# ---------------------------------------------------------------- evaluation


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
