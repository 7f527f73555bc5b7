"""Pair features: what two questions share and, above all, what differs between them.

Customer-service questions that do NOT match usually share most of their words (花呗还款 /
借呗还款, 能退货吗 / 怎么退货, 多久发货 / 多久到货), so overlap alone cannot decide. Besides the
usual overlap measures (characters, character n-grams, words weighted by how rare they are,
longest common substring, edit distance), the features look at what DIFFERS between the two
questions: how many differing words are content words rather than particles, how rare they
are, whether the question words (怎么 / 为什么 / 多久 / 能不能 ...), the numbers, the latin
tokens and the negations agree, and, with the model's word vectors, whether each differing word
has a near-synonym on the other side. The differing tokens themselves (and the pairs of
differing words, one from each side: 牌子|品牌 is a substitution, 借呗|花呗 is not) are returned
as hashed keys for the model's first, linear stage.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kefu.assist.tokenise import Tokeniser, char_ngrams, default_tokeniser

HASH_BITS = 18


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
    "vec_cosine", "vec_align_mean", "vec_align_min", "vec_unaligned", "vec_unaligned_info", "vec_unknown",
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


def _vector_side(
    pt: PairText, func: frozenset[str], vectors
) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Return one side's known content words, their vector rows and their weighted mean.

    The mean is weighted by information and has unit length (None without known words). Cached
    per word sequence: FAQ entries come back on every search.
    """
    found = vectors.cache.get(pt.words)
    if found is None:
        known, ids = [], []
        for word in _content(pt.words, func) or pt.words:
            row = vectors.row(word)
            if row is not None:
                known.append(word)
                ids.append(row)
        rows = vectors.vectors[ids]
        mean = None
        if known:
            info = _info()
            mean = np.asarray([info(w) for w in known], dtype=np.float32) @ rows
            norm = float(np.linalg.norm(mean))
            mean = mean / norm if norm else None
        found = (known, rows, mean)
        if len(vectors.cache) < VECTOR_CACHE:
            vectors.cache[pt.words] = found
    return found


VECTOR_CACHE = 30_000


def _vector_features(
    content_a: list[str], content_b: list[str], pa: PairText, pb: PairText, func: frozenset[str], vectors
) -> list[float]:
    """Word-vector features: the questions' cosine, how well each differing word finds a near-synonym.

    Alignment is 1.0 when nothing differs; every feature is 0 without vectors.
    """
    if vectors is None:
        return [0.0] * 6
    known_a, rows_a, mean_a = _vector_side(pa, func, vectors)
    known_b, rows_b, mean_b = _vector_side(pb, func, vectors)
    cosine = float(mean_a @ mean_b) if mean_a is not None and mean_b is not None else 0.0
    best: list[float] = []
    unaligned: list[str] = []
    unknown = 0
    if content_a or content_b:
        sims = rows_a @ rows_b.T if known_a and known_b else None
        position_a = {w: i for i, w in enumerate(known_a)}
        position_b = {w: i for i, w in enumerate(known_b)}
        for mine, position, axis in ((content_a, position_a, 1), (content_b, position_b, 0)):
            for word in sorted(set(mine)):
                i = position.get(word)
                if i is None and vectors.row(word) is None:
                    unknown += 1
                    unaligned.append(word)
                    continue
                if i is None or sims is None:
                    value = 0.0  # a known word that is no content word here, or nothing to align with
                else:
                    value = float(sims[i].max() if axis == 1 else sims[:, i].max())
                best.append(value)
                if value < ALIGNED:
                    unaligned.append(word)
    info = _info()
    return [
        round(cosine, 6),
        round(sum(best) / len(best), 6) if best else 1.0,
        round(min(best), 6) if best else 1.0,
        float(len(unaligned)),
        round(sum(info(w) for w in unaligned), 6),
        float(unknown),
    ]


ALIGNED = 0.6  # a differing word this similar to a word on the other side counts as a near-synonym


def _pair_vector(
    pa: PairText, pb: PairText, func: frozenset[str], vectors=None, cross: bool = False
) -> tuple[list[float], list[str]]:
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
    f += _vector_features(content_a, content_b, pa, pb, func, vectors)
    f.append(0.0)  # diff_tokens_score, from the first stage
    # Sums over sets depend on the process's string-hash order in their last bits; rounding
    # makes the features, and so a trained model, the same in every run.
    f = [round(x, 9) for x in f]

    keys = ["w:" + t for t in only_a | only_b]
    keys += ["c:" + c for c in chars_a | chars_b]
    keys += ["s:" + t for t in common_words]
    if cross and content_a and content_b and len(content_a) * len(content_b) <= 9:
        # A differing word on each side, as a pair: 牌子|品牌 is a substitution, 借呗|花呗 is not.
        keys += ["x:" + "|".join(sorted((x, y))) for x in content_a for y in content_b]
    return f, keys


@functools.lru_cache(maxsize=200_000)
def _hash(key: str) -> int:
    """Bucket of a differing-token key (CRC-32: stable across processes and versions)."""
    return zlib.crc32(key.encode("utf-8")) & ((1 << HASH_BITS) - 1)


def _key_weight(key: str) -> float:
    return 0.3 if key.startswith("s:") else 1.0
