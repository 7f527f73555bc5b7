"""Whether two questions mean the same: pair features, the pair model, its training and evaluation.

Customer-service questions that do NOT match usually share most of their words (花呗还款 /
借呗还款, 能退货吗 / 怎么退货, 多久发货 / 多久到货), so overlap alone cannot decide. The package:

- ``features``: the prepared text of one side (``PairText``, ``prepare``) and the pair features,
  which look above all at what DIFFERS between the two questions;
- ``vectors``: small word vectors (PPMI + SVD) learned offline, so near-synonyms are seen;
- ``model``: ``PairModel``, the trained model (numpy only at run time), and the ranker's features;
- ``training``: training the vectors, the pair model and the retrieval ranker (scikit-learn),
  ``train_default``;
- ``evaluation``: pair AUC and accuracy plus a retrieval test built from the same pairs.

Every public name is importable from ``kefu.assist.match``.
"""

from kefu.assist.match.evaluation import evaluate_pairs
from kefu.assist.match.features import (
    FEATURE_NAMES,
    HASH_BITS,
    RANK_FEATURE_NAMES,
    PairText,
    edit_distance,
    prepare,
)
from kefu.assist.match.model import (
    MATCH_MODEL,
    MODEL_VERSION,
    MODELS_DIR,
    PairModel,
    default_pair_model,
    pair_features,
    rank_matrix,
)
from kefu.assist.match.training import (
    LCQMC_DEV,
    MATCH_PAIRS_FILE,
    read_pairs,
    train_default,
    train_pair_model,
    train_ranker,
    train_vectors,
    vector_texts,
)
from kefu.assist.match.vectors import WordVectors, build_vectors

__all__ = [
    "PairText",
    "PairModel",
    "FEATURE_NAMES",
    "RANK_FEATURE_NAMES",
    "HASH_BITS",
    "MODEL_VERSION",
    "MODELS_DIR",
    "MATCH_MODEL",
    "MATCH_PAIRS_FILE",
    "LCQMC_DEV",
    "pair_features",
    "prepare",
    "train_pair_model",
    "train_ranker",
    "train_default",
    "default_pair_model",
    "evaluate_pairs",
    "read_pairs",
    "edit_distance",
    "rank_matrix",
    "train_vectors",
    "vector_texts",
    "WordVectors",
    "build_vectors",
]
