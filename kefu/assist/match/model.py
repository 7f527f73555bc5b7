"""The trained pair model: hashed differing-token weights plus boosted trees, numpy only.

The model is a plain dict of numpy arrays saved with joblib; inference needs numpy only and
evaluates the trees vectorised, so scoring the ~20 candidates of a search takes well under a
millisecond. scikit-learn is used only for training (``kefu.assist.match.training``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from kefu.assist.match.features import PARTICLES, RANK_FEATURE_NAMES, PairText, _hash, _pair_vector, prepare
from kefu.assist.match.vectors import WordVectors
from kefu.assist.tokenise import Tokeniser, default_tokeniser

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
MATCH_MODEL = MODELS_DIR / "match_pair.joblib"
MODEL_VERSION = 2


def rank_matrix(logits: np.ndarray, retrieval: np.ndarray, pair: np.ndarray) -> np.ndarray:
    """Rows named by ``RANK_FEATURE_NAMES`` for one query's candidates.

    ``logits``: the pair model's log-odds per candidate; ``retrieval``: BM25 relative to the best
    candidate (combined, words, characters) and the BM25 rank; ``pair``: the pair features.
    """
    logits = np.asarray(logits, dtype=np.float64)
    return np.column_stack([logits, retrieval, pair]).astype(np.float64)


class Trees:
    """Boosted regression trees packed into arrays, walked for all rows and trees at once."""

    def __init__(self, packed: dict) -> None:
        self.feature = np.asarray(packed["feature"], dtype=np.intp)
        self.split = np.asarray(packed["threshold"], dtype=np.float64)
        self.left = np.asarray(packed["left"], dtype=np.intp)
        self.right = np.asarray(packed["right"], dtype=np.intp)
        self.value = np.asarray(packed["value"], dtype=np.float64)
        self.roots = np.asarray(packed["roots"], dtype=np.intp)
        self.depth = int(packed["depth"])
        self.baseline = float(packed["baseline"])

    def raw(self, matrix: np.ndarray) -> np.ndarray:
        """Sum of the trees' leaf values plus the baseline, per row (level by level)."""
        matrix = np.atleast_2d(np.asarray(matrix, dtype=np.float64))
        rows = np.arange(matrix.shape[0])[:, None]
        node = np.broadcast_to(self.roots, (matrix.shape[0], self.roots.size))
        for _ in range(self.depth):
            go_left = matrix[rows, self.feature[node]] <= self.split[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return self.value[node].sum(axis=1) + self.baseline


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
        self._trees = Trees(state["trees"])
        self.vectors = WordVectors.from_state(state["vectors"]) if state.get("vectors") else None
        self.cross_keys = bool(state.get("cross_keys", False))
        ranker = state.get("ranker")
        self.has_ranker = ranker is not None
        self._rank_trees: Trees | None = None
        if ranker is not None:
            if ranker.get("names", list(RANK_FEATURE_NAMES)) != list(RANK_FEATURE_NAMES):
                raise ValueError(
                    "match model: the ranker was trained on other features; run `kefu assist train`"
                )
            if ranker.get("kind") == "trees":
                self._rank_trees = Trees(ranker["trees"])
            else:
                self._rank_mean = np.asarray(ranker["mean"], dtype=np.float64)
                self._rank_coef = np.asarray(ranker["coef"], dtype=np.float64) / np.asarray(ranker["scale"])
                self._rank_bias = float(ranker["bias"])

    def rank(self, logits: np.ndarray, retrieval: np.ndarray, pair: np.ndarray) -> np.ndarray:
        """Ranking scores of one query's candidates (see ``rank_matrix``); higher is better."""
        matrix = rank_matrix(logits, retrieval, pair)
        if self._rank_trees is not None:
            return self._rank_trees.raw(matrix)
        return (matrix - self._rank_mean) @ self._rank_coef + self._rank_bias

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
        f, keys = _pair_vector(a, b, self.function_words, self.vectors, self.cross_keys)
        f[-1] = self._token_score(keys)
        return f

    def raw(self, matrix: np.ndarray) -> np.ndarray:
        """Log-odds for a matrix of feature rows (named by ``FEATURE_NAMES``)."""
        return self._trees.raw(matrix)

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
