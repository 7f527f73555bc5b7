"""A customer question to the best FAQ entries, with a calibrated confidence in 0..1.

Two BM25 indexes (``bm25s``) find candidates: one over words (jieba with the domain
dictionary, so 翼龙F40 and AFG2100 stay whole) and one over characters and character bigrams
(robust to typos and to different word cuts). Every question variant of an entry is indexed
and maps back to its entry (an entry counts once, by its best variant). Synonyms of the shop's
wording (快递 = 物流 = 包裹, 多久 = 多长时间) are folded onto one canonical word before indexing
and before searching, which is the same as expanding the query with every synonym.

The best ~10 variants are then re-ranked. The pair model (``kefu.assist.match``) reads what
BM25 cannot (花呗 / 借呗, 能退吗 / 怎么退); a learned ranker (a pairwise logistic ranker with
sign-bounded weights, shipped in the same model file and trained on retrieval runs over question
pairs the pair model had not seen) combines its log-odds and features with the BM25 evidence into
the ranking score: more overlap never ranks a candidate lower, so an exact match beats an entry
for another model of the product (北辰电饭煲 / 北辰电饭煲Pro). The
confidence is the pair model's probability that the matched question asks what the customer
asks, moved by what agents taught through feedback (``kefu.assist.feedback``).
Measured on held-out data, the ranker beats the pair model's own order clearly and BM25's order
a little; the pair model's probability is the better calibrated of the two for "does this entry
answer it".

Scoring uses the BM25 matrix that ``bm25s`` builds (token-major sparse scores) directly, with a
single ``numpy.bincount``; features are computed for the ~10 candidates only.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kefu.assist.match import PairModel, PairText, default_pair_model, prepare
from kefu.assist.normalise import fold_width, to_simplified
from kefu.assist.tokenise import Tokeniser, default_tokeniser

__all__ = [
    "Entry",
    "Hit",
    "Retriever",
    "SYNONYMS_FILE",
    "load_synonyms",
    "synonym_map",
    "default_synonyms",
    "OUTCOME_WEIGHTS",
]

SYNONYMS_FILE = Path(__file__).with_name("data") / "synonyms.txt"
# What one agent decision on a suggested entry is worth (used > edited > nothing > rejected).
OUTCOME_WEIGHTS = {"used": 1.0, "edited": 0.5, "rejected": -1.0}
# Largest change feedback can make to a candidate's log-odds.
FEEDBACK_SCALE = 8.0
CHAR_WEIGHT = 0.5  # the character index counts half as much as the word index
RERANK_DOCS = 10  # variants re-ranked by the pair model (more when more hits are asked for)
BM25_WEIGHT = 20.0  # log-odds bonus of the BM25 best candidate over one with a zero score


@dataclass(frozen=True)
class Entry:
    id: int | str
    question: str
    variants: tuple[str, ...] = ()
    answer: str = ""
    category: str = ""
    product: str = ""


@dataclass(frozen=True)
class Hit:
    entry_id: int | str
    score: float  # raw ranking score: the ranker's log-odds (BM25 and pair features), feedback included
    confidence: float  # probability in 0..1 that the matched question asks what the query asks
    matched: str  # the question or variant that matched


# ---------------------------------------------------------------- synonyms


def load_synonyms(path: str | Path = SYNONYMS_FILE) -> dict[str, list[str]]:
    """Synonym groups from a file: one group a line, canonical word first, ``#`` comments.

    Words are separated by spaces, commas or ``=`` (``快递 = 物流 = 包裹``).
    """
    groups: dict[str, list[str]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].replace("=", " ").replace(",", " ").replace("，", " ")
        words = [w.strip() for w in line.split() if w.strip()]
        if len(words) >= 2:
            groups.setdefault(words[0], []).extend(words[1:])
    return groups


def synonym_map(groups: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """``{canonical: [synonyms]}`` to ``{synonym: canonical}`` (the first group of a word wins)."""
    mapping: dict[str, str] = {}
    canonicals = {_fold(c) for c in groups}
    for canonical, words in groups.items():
        canonical = _fold(canonical)
        for word in map(_fold, words):
            if word and word != canonical and word not in mapping and word not in canonicals:
                mapping[word] = canonical
    return mapping


def _fold(word: str) -> str:
    return to_simplified(fold_width(word.strip())).lower()


@functools.cache
def default_synonyms() -> dict[str, list[str]]:
    """Kefu's built-in e-commerce synonym groups (``data/synonyms.txt``)."""
    return load_synonyms(SYNONYMS_FILE) if SYNONYMS_FILE.exists() else {}


def _merge(base: Mapping[str, Iterable[str]], extra: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    merged = {k: list(v) for k, v in base.items()}
    for canonical, words in extra.items():
        merged.setdefault(canonical, []).extend(words)
    return merged


# ---------------------------------------------------------------- BM25


class _Bm25:
    """One bm25s index, scored with a single bincount over the query tokens' postings."""

    def __init__(self, corpus: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
        index = bm25s.BM25(k1=k1, b=b, method="lucene")
        # A document without tokens (only punctuation or emoji) gets a token no query has.
        corpus = [tokens if tokens else ("\x00",) for tokens in corpus]
        # Token ids in sorted order (not bm25s's set order), so scores sum in the same order
        # in every process and a model trained on them is reproducible.
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(sorted({t for doc in corpus for t in doc}))}
        ids = [[self.vocab[t] for t in doc] for doc in corpus]
        index.index((ids, dict(self.vocab)), create_empty_token=False, show_progress=False)
        scores = index.scores
        self.data = np.asarray(scores["data"], dtype=np.float32)
        self.indices = np.asarray(scores["indices"], dtype=np.int32)
        self.indptr = np.asarray(scores["indptr"], dtype=np.int64)
        self.size = int(scores["num_docs"])

    def scores(self, tokens: Iterable[str]) -> np.ndarray | None:
        vocab = self.vocab
        ids = sorted({vocab[t] for t in tokens if t in vocab})
        if not ids:
            return None
        indptr = self.indptr
        if len(ids) == 1:
            (token,) = ids
            start, end = indptr[token], indptr[token + 1]
            return np.bincount(self.indices[start:end], weights=self.data[start:end], minlength=self.size)
        spans = [(indptr[t], indptr[t + 1]) for t in ids]
        docs = np.concatenate([self.indices[s:e] for s, e in spans])
        weights = np.concatenate([self.data[s:e] for s, e in spans])
        return np.bincount(docs, weights=weights, minlength=self.size)


def _char_tokens(units: Sequence[str]) -> list[str]:
    return list(units) + [units[i] + units[i + 1] for i in range(len(units) - 1)]


# ---------------------------------------------------------------- the retriever


class Retriever:
    """Search FAQ entries; see the module docstring.

    ``synonyms`` ({canonical: [synonyms]}) add to Kefu's built-in groups (``data/synonyms.txt``);
    pass ``default_synonyms_on=False`` to use only the shop's own. ``tokeniser`` defaults to
    Kefu's (jieba with the domain dictionary); pass one that knows the shop's catalogue words.
    ``reranker`` is a trained ``PairModel`` (the shipped one by default); without one, ranking
    is BM25's and the confidence comes from character overlap. The index is built once; build
    a new retriever when the FAQ changes (10,000 entries take a few seconds).
    """

    def __init__(
        self,
        entries: Iterable[Entry],
        *,
        synonyms: Mapping[str, Iterable[str]] | None = None,
        tokeniser: Tokeniser | None = None,
        reranker: PairModel | None = None,
        default_synonyms_on: bool = True,
    ) -> None:
        self.entries: list[Entry] = list(entries)
        self._index_of: dict[int | str, int] = {}
        for i, entry in enumerate(self.entries):
            if entry.id in self._index_of:
                raise ValueError(f"duplicate entry id {entry.id!r}")
            self._index_of[entry.id] = i
        groups = _merge(default_synonyms() if default_synonyms_on else {}, synonyms or {})
        self.synonyms = synonym_map(groups)
        self._synonym_words = set(self.synonyms) | {_fold(c) for c in groups}
        self.tokeniser = tokeniser or default_tokeniser()
        if reranker is None:
            try:
                reranker = default_pair_model()
            except FileNotFoundError:
                reranker = None
        self.reranker = reranker
        self._function_words = reranker.function_words if reranker is not None else frozenset()
        self._feedback: dict[str, dict[int, float]] = {}
        self._lock = threading.Lock()
        self._build()

    # -- index
    def _canonical(self, words: list[str]) -> list[str]:
        """Fold synonyms onto their canonical word; a synonym may span two or three tokens."""
        if not self._synonym_words:
            return words
        out: list[str] = []
        i, count = 0, len(words)
        while i < count:
            for span in (3, 2, 1):
                if i + span <= count:
                    joined = "".join(words[i : i + span]) if span > 1 else words[i]
                    if joined in self._synonym_words:
                        out.append(self.synonyms.get(joined, joined))
                        i += span
                        break
            else:
                out.append(words[i])
                i += 1
        return out

    def _prepare(self, text: str) -> PairText:
        return prepare(text, words=self._canonical(self.tokeniser.tokens(text)))

    def _build(self) -> None:
        docs: list[PairText] = []
        owner: list[int] = []
        for i, entry in enumerate(self.entries):
            seen: set[str] = set()
            for text in (entry.question, *entry.variants):
                text = (text or "").strip()
                if text and text not in seen:
                    seen.add(text)
                    docs.append(self._prepare(text))
                    owner.append(i)
        self._docs = docs
        self._owner = np.asarray(owner, dtype=np.int32)
        self._entry_docs: list[list[int]] = [[] for _ in self.entries]
        for d, i in enumerate(owner):
            self._entry_docs[i].append(d)
        if docs:
            self._words = _Bm25([d.words for d in docs])
            self._chars = _Bm25([_char_tokens(d.units) for d in docs])
        else:
            self._words = self._chars = None

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, entry_id: int | str) -> Entry:
        return self.entries[self._index_of[entry_id]]

    # -- search
    def _candidates(
        self, prepared: PairText, depth: int, adjust: Mapping[int, float]
    ) -> tuple[list[int], np.ndarray]:
        """Find the best ``depth`` variants by BM25 (plus entries agents taught) and their rank features.

        Rank features per candidate: BM25 relative to the best candidate (combined, words,
        characters) and the BM25 rank.
        """
        word_scores = self._words.scores(prepared.words)
        char_scores = self._chars.scores(_char_tokens(prepared.units))
        zeros = np.zeros(len(self._docs))
        if word_scores is None and char_scores is None and not adjust:
            return [], zeros
        word_scores = zeros if word_scores is None else word_scores
        char_scores = zeros if char_scores is None else char_scores
        total = word_scores + CHAR_WEIGHT * char_scores
        matched = np.flatnonzero(total > 0)
        if matched.size > depth:
            matched = matched[np.argpartition(-total[matched], depth - 1)[:depth]]
        candidates = matched[np.argsort(-total[matched], kind="stable")].tolist()
        for entry_index, change in adjust.items():
            if change > 0:
                best_doc = max(self._entry_docs[entry_index], key=lambda d: total[d])
                if best_doc not in candidates:
                    candidates.append(best_doc)
        if not candidates:
            return [], zeros
        columns = []
        for scores in (total, word_scores, char_scores):
            top = float(scores[candidates].max()) or 1.0
            columns.append(scores[candidates] / top)
        columns.append(np.arange(len(candidates), dtype=np.float64))
        return candidates, np.column_stack(columns)

    def _rank(
        self, prepared: PairText, k: int, adjust: Mapping[int, float]
    ) -> list[tuple[float, int, float]]:
        """Candidates as (ranking score, doc, pair log-odds), best first; feedback included in both."""
        candidates, rank_features = self._candidates(prepared, max(RERANK_DOCS, k), adjust)
        if not candidates:
            return []
        texts = [self._docs[d] for d in candidates]
        model = self.reranker
        if model is not None:
            pair = np.asarray([model.features(prepared, t) for t in texts])
            logits = model.raw(pair)
            if model.has_ranker:
                scores = model.rank(logits, rank_features, pair)
            else:
                scores = logits + BM25_WEIGHT * (rank_features[:, 0] - 1.0)
        else:
            logits = np.asarray([_overlap_logit(prepared, t) for t in texts])
            scores = logits + BM25_WEIGHT * (rank_features[:, 0] - 1.0)
        owners = self._owner[candidates]
        if adjust:
            change = np.asarray([adjust.get(int(e), 0.0) for e in owners])
            scores, logits = scores + change, logits + change
        ranked = zip(scores.tolist(), candidates, logits.tolist(), strict=True)
        return sorted(ranked, key=lambda item: -item[0])

    def search(self, query: str, *, k: int = 5) -> list[Hit]:
        """Return the ``k`` best entries for ``query``, best first (fewer when fewer match at all)."""
        if not self._docs or not query or not query.strip() or k <= 0:
            return []
        prepared = self._prepare(query)
        if not prepared.units:
            return []
        adjust = self._feedback_adjust(prepared) if self._feedback else {}
        hits: list[Hit] = []
        seen: set[int] = set()
        for score, doc, logit in self._rank(prepared, k, adjust):
            entry_index = int(self._owner[doc])
            if entry_index in seen:
                continue  # an entry counts once, by its best variant
            seen.add(entry_index)
            hits.append(
                Hit(
                    entry_id=self.entries[entry_index].id,
                    score=round(score, 6),
                    confidence=round(_sigmoid(logit), 6),
                    matched=self._docs[doc].text,
                )
            )
            if len(hits) == k:
                break
        return hits

    def best(self, query: str) -> Hit | None:
        """Return the single best entry for ``query``, or None when nothing matches at all."""
        hits = self.search(query, k=1)
        return hits[0] if hits else None

    # -- learning from agents
    def _feedback_tokens(self, prepared: PairText) -> set[str]:
        words = {w for w in prepared.words if w not in self._function_words}
        return words or set(prepared.words)

    def learn(self, query: str, entry_id: int | str, outcome: str) -> bool:
        """Record one agent decision on a suggested entry; False when the entry is unknown."""
        if outcome not in OUTCOME_WEIGHTS:
            raise ValueError(f"unknown outcome {outcome!r}; expected one of {sorted(OUTCOME_WEIGHTS)}")
        entry_index = self._index_of.get(entry_id)
        if entry_index is None:
            return False
        weight = OUTCOME_WEIGHTS[outcome]
        with self._lock:
            for token in self._feedback_tokens(self._prepare(query)):
                row = self._feedback.setdefault(token, {})
                row[entry_index] = row.get(entry_index, 0.0) + weight
        return True

    def _feedback_adjust(self, prepared: PairText) -> dict[int, float]:
        """Log-odds change per entry: the mean feedback of the query's words, squashed."""
        tokens = self._feedback_tokens(prepared)
        sums: dict[int, float] = {}
        for token in tokens:
            # A snapshot: another thread may be recording feedback for the same word.
            for entry_index, weight in tuple(self._feedback.get(token, {}).items()):
                sums[entry_index] = sums.get(entry_index, 0.0) + weight
        return {e: FEEDBACK_SCALE * math.tanh(total / len(tokens)) for e, total in sums.items() if total}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def _overlap_logit(query: PairText, doc: PairText) -> float:
    """Without a trained re-ranker: share of characters in common, mapped to log-odds."""
    a, b = set(query.units), set(doc.units)
    overlap = len(a & b) / max(len(a), len(b), 1)
    return 8.0 * overlap - 5.0
