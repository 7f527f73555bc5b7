"""Small word vectors learned offline (PPMI + SVD), so the pair model sees near-synonyms.

Two questions can mean the same with different words (什么牌子 / 哪个品牌, 咋办 / 怎么办) and
differ with one word in common use with the other (花呗 / 借呗). Word vectors built from the
words around each word in the texts we may ship (the question pairs, product reviews and the
shipped chat examples) place words used alike near each other; the pair model learns from
labelled pairs when "used alike" means "same meaning" and when it only means "same kind".

Built by ``build_vectors`` at training time (numpy and scipy, no network, deterministic) and
stored in the pair model's file: about 12,000 words (as hashes), 48 dimensions, float16.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["WordVectors", "build_vectors", "word_key"]

WINDOW = 4
DIMENSIONS = 48
MIN_COUNT = 5
MAX_WORDS = 40_000


class WordVectors:
    """Unit-length word vectors, looked up by a CRC-32 of the word.

    The model file holds the words' hashes, not the words: no text from the corpora the vectors
    were learned from ships with Kefu.
    """

    def __init__(self, keys: Sequence[int], vectors: np.ndarray) -> None:
        self.keys = np.asarray(keys, dtype=np.uint32)
        self._row_of_key = {int(k): i for i, k in enumerate(self.keys.tolist())}
        self._row_of_word: dict[str, int | None] = {}
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.vectors = vectors / np.where(norms > 0, norms, 1.0)
        # Per word sequence: its known content words, their rows and their mean (see features).
        self.cache: dict[tuple[str, ...], tuple] = {}

    @classmethod
    def from_words(cls, words: Sequence[str], vectors: np.ndarray) -> WordVectors:
        """Vectors of ``words`` (the first of two words with the same hash wins)."""
        keys: list[int] = []
        rows: list[int] = []
        seen: set[int] = set()
        for i, word in enumerate(words):
            key = word_key(word)
            if key not in seen:
                seen.add(key)
                keys.append(key)
                rows.append(i)
        return cls(keys, np.asarray(vectors)[rows])

    @classmethod
    def from_state(cls, state: dict) -> WordVectors:
        return cls(state["keys"], state["vectors"])

    def state(self) -> dict:
        return {"keys": self.keys, "vectors": self.vectors.astype(np.float16)}

    def __len__(self) -> int:
        return len(self.keys)

    def row(self, word: str) -> int | None:
        """Row of ``word`` in ``vectors``, or None for a word without a vector."""
        found = self._row_of_word.get(word, -1)
        if found == -1:
            found = self._row_of_key.get(word_key(word))
            if len(self._row_of_word) < 200_000:
                self._row_of_word[word] = found
        return found

    def similarity(self, a: str, b: str) -> float:
        i, j = self.row(a), self.row(b)
        if i is None or j is None:
            return 0.0
        return float(self.vectors[i] @ self.vectors[j])


def word_key(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


def build_vectors(
    documents: Iterable[Sequence[str]],
    *,
    dimensions: int = DIMENSIONS,
    window: int = WINDOW,
    min_count: int = MIN_COUNT,
    max_words: int = MAX_WORDS,
    seed: int = 0,
) -> WordVectors:
    """PPMI (context distribution smoothed, alpha 0.75) of words within ``window``, then SVD."""
    from scipy import sparse
    from sklearn.utils.extmath import randomized_svd

    documents = [list(doc) for doc in documents]
    counts = Counter(w for doc in documents for w in doc)
    vocab = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))[
        :max_words
    ]
    index = {w: i for i, w in enumerate(vocab)}
    ids, doc_of = [], []
    for d, doc in enumerate(documents):
        for w in doc:
            ids.append(index.get(w, -1))
            doc_of.append(d)
    ids_arr = np.asarray(ids, dtype=np.int64)
    docs_arr = np.asarray(doc_of, dtype=np.int64)
    rows, cols, vals = [], [], []
    for offset in range(1, window + 1):
        left, right = ids_arr[:-offset], ids_arr[offset:]
        keep = (docs_arr[:-offset] == docs_arr[offset:]) & (left >= 0) & (right >= 0)
        weight = 1.0 / offset
        for x, y in ((left[keep], right[keep]), (right[keep], left[keep])):
            rows.append(x)
            cols.append(y)
            vals.append(np.full(x.size, weight))
    size = len(vocab)
    cooc = sparse.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size)
    ).tocsr()
    cooc.sum_duplicates()
    total = cooc.sum()
    word_sum = np.asarray(cooc.sum(axis=1)).ravel()
    context = np.asarray(cooc.sum(axis=0)).ravel() ** 0.75
    context /= context.sum()
    coo = cooc.tocoo()
    pmi = np.log(coo.data * 1.0 / total) - np.log(word_sum[coo.row] / total) - np.log(context[coo.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=(size, size))
    u, s, _ = randomized_svd(ppmi, n_components=dimensions, random_state=seed, n_iter=5)
    return WordVectors.from_words(vocab, u * np.sqrt(s))
