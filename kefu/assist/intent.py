"""The service stage of a customer message and the sales objection it raises.

Stages (DOMAIN.md 2 and 7): greeting, product, bargaining, payment, logistics,
return_exchange, refund, repair, complaint, review, chitchat, human. Objections (DOMAIN.md 7):
think_about_it, too_expensive, market_bad, cheaper_please, cheaper_elsewhere, worth_it, no.

A learned model (hashed character/word n-grams, logistic regression; one layer for the stage,
one for the objection) is trained from the shipped examples (``data/intent_examples.csv``)
plus whatever the caller adds: the knowledge base's FAQ question variants with their
category, a shop's own labelled conversations. Rules settle the very clear cases (转人工 ->
human; 别家才卖800 -> cheaper_elsewhere) and take precedence over the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kefu.assist.normalise import Normalised, normalise
from kefu.assist.sentiment import MODELS_DIR, LinearTextModel, load_model, save_arrays

__all__ = [
    "Intent",
    "IntentModel",
    "intent",
    "train_intent",
    "STAGES",
    "OBJECTIONS",
    "STAGE_ALIASES",
    "INTENT_MODEL",
]

STAGES = (
    "greeting", "product", "bargaining", "payment", "logistics", "return_exchange", "refund", "repair",
    "complaint", "review", "chitchat", "human",
)  # fmt: skip
OBJECTIONS = ("think_about_it", "too_expensive", "market_bad", "cheaper_please", "cheaper_elsewhere", "worth_it", "no")
INTENT_MODEL = MODELS_DIR / "intent.npz"
NO_OBJECTION = "none"

# Labels other parts of Kefu use (knowledge FAQ categories, phrase stages) -> stages.
STAGE_ALIASES = {
    "presale": "product",
    "product": "product",
    "returns": "return_exchange",
    "return": "return_exchange",
    "exchange": "return_exchange",
    "technical": "repair",
    "dialogue": "chitchat",
    "closing": "chitchat",
    "welcome": "greeting",
    "handoff": "human",
}


def stage_of(label: str) -> str | None:
    """Return the stage name for ``label`` (a stage, or an alias such as a FAQ category), else None."""
    label = (label or "").strip().lower()
    if label in STAGES:
        return label
    return STAGE_ALIASES.get(label)


@dataclass(frozen=True)
class Intent:
    stage: str
    confidence: float
    objection: str | None = None
    objection_confidence: float = 0.0
    source: str = "model"  # "model" or "rule"


# Rules: very clear wording. Ordered: the first objection rule that matches wins.
_HUMAN_RE = re.compile(r"转人工|人工客服|人工服务|转接人工|找人工|要人工|叫人工|换人工|真人客服|找真人|要真人|活人|^人工[!！]*$")
_OBJECTION_RULES: list[tuple[str, re.Pattern]] = [
    (
        "cheaper_elsewhere",
        re.compile(
            r"(别家|别的店|别的地方|别人家|其他店|其他家|隔壁|人家|拼多多|京东|淘宝|天猫|实体店|官网|网上)"
            r"[^,.!?，。！？]{0,8}(便宜|才卖|只卖|只要|才要|卖得更便宜|低)"
        ),
    ),
    ("market_bad", re.compile(r"经济不好|行情不好|行情差|不景气|生意难做|生意不好|没钱|手头紧|赚钱不容易|钱难挣")),
    ("worth_it", re.compile(r"值这个价|值不值|值得吗|值吗|买贵了|对得起这个价")),
    (
        "too_expensive",
        re.compile(r"太贵|好贵|这么贵|贵了|有点贵|挺贵|觉得贵|嫌贵|还是贵|偏贵|比较贵|价格.{0,2}高|超出预算|买不起|贵得|贵[呢啊吧呀哦]?$"),
    ),
    ("cheaper_please", re.compile(r"便宜(点|一点|一些|些|\d+)|优惠(点|一点|一些)|抹(个)?零|打个折|少点|少一点|给个优惠")),
    ("think_about_it", re.compile(r"考虑|再想想|想一想|商量|再看看|再对比|想好了再")),
    ("no", re.compile(r"^(算了)?(不要了|不需要|不用了|不买了|没兴趣|不考虑了)")),
]


class IntentModel:
    """Stage and objection layers; saved together in one ``.npz``."""

    def __init__(self, stage: LinearTextModel, objection: LinearTextModel) -> None:
        self.stage = stage
        self.objection = objection
        self.shared_features = stage.same_features(objection)

    def save(self, path: str | Path) -> Path:
        return save_arrays(path, {**self.stage.arrays("stage_"), **self.objection.arrays("objection_")})

    @classmethod
    def load(cls, path: str | Path) -> IntentModel:
        with np.load(Path(path), allow_pickle=False) as data:
            return cls(LinearTextModel.from_arrays(data, "stage_"), LinearTextModel.from_arrays(data, "objection_"))

    def __call__(self, text: str | Normalised) -> Intent:
        return intent(text, model=self)


def _model() -> IntentModel | None:
    try:
        return load_model(INTENT_MODEL, IntentModel.load)
    except FileNotFoundError:
        return None


def intent(text: str | Normalised, *, model: IntentModel | None = None) -> Intent:
    """Read the stage (and objection, if any) of one customer message."""
    n = text if isinstance(text, Normalised) else normalise(text)
    t = n.text.lower()
    if _HUMAN_RE.search(t):
        return Intent(stage="human", confidence=0.97, source="rule")
    model = model or _model()
    rule_objection = next((name for name, pattern in _OBJECTION_RULES if pattern.search(t)), None)
    stage_p: dict[str, float] = {}
    objection_p: dict[str, float] = {}
    if model is not None and t:
        vector = model.stage.vector(t)
        stage_p = model.stage.proba(t, vector)
        objection_p = model.objection.proba(t, vector if model.shared_features else None)
    objection, objection_conf = None, 0.0
    if rule_objection:
        objection, objection_conf = rule_objection, max(0.9, objection_p.get(rule_objection, 0.0))
    elif objection_p:
        best = max(objection_p, key=objection_p.__getitem__)
        if best != NO_OBJECTION and objection_p[best] >= 0.45:
            objection, objection_conf = best, objection_p[best]
    if objection:
        stage = "bargaining"
        confidence = max(stage_p.get("bargaining", 0.0), objection_conf)
        return Intent(stage, round(confidence, 4), objection, round(objection_conf, 4), "rule" if rule_objection else "model")
    if not stage_p:
        return Intent(stage="chitchat", confidence=0.0, source="rule")
    stage = max(stage_p, key=stage_p.__getitem__)
    return Intent(stage=stage, confidence=round(stage_p[stage], 4))


def shipped_examples() -> list[tuple[str, str, str]]:
    from kefu.assist.training import INTENT_EXAMPLES, read_csv

    return [(r["text"], r["stage"], r.get("objection") or "") for r in read_csv(INTENT_EXAMPLES)]


def train_intent(
    examples: Iterable[Sequence[str]] = (),
    *,
    include_shipped: bool = True,
    C: float = 8.0,
) -> IntentModel:
    """Train the intent model.

    ``examples`` are ``(text, stage)`` or ``(text, stage, objection)``; a stage may also be an
    alias from ``STAGE_ALIASES`` (FAQ categories); rows with an unknown stage are skipped.
    The shipped examples are included unless ``include_shipped`` is false.
    """
    rows: list[tuple[str, str, str]] = list(shipped_examples()) if include_shipped else []
    for example in examples:
        text, label = example[0], example[1]
        objection = example[2] if len(example) > 2 and example[2] in OBJECTIONS else ""
        stage = stage_of(label)
        if stage and text and text.strip():
            rows.append((text, stage, objection))
    if len({stage for _, stage, _ in rows}) < 2:
        raise ValueError("intent training needs examples of at least two stages")
    texts = [normalise(text).text for text, _, _ in rows]
    # Balanced: bargaining has many objection examples and must not become the default stage.
    stage_model = LinearTextModel.fit(texts, [s for _, s, _ in rows], n_features=2**16, C=C, class_weight="balanced")
    objection_labels = [o or NO_OBJECTION for _, _, o in rows]
    if len(set(objection_labels)) > 1:
        objection_model = LinearTextModel.fit(texts, objection_labels, n_features=2**16, C=C, class_weight="balanced")
    else:  # no objection examples: a layer that always says "none"
        objection_model = LinearTextModel(
            classes=[NO_OBJECTION],
            coef=np.zeros((1, 16), dtype=np.float32),
            intercept=np.zeros(1, dtype=np.float32),
            idf=np.ones(16, dtype=np.float32),
            n_features=16,
        )
    return IntentModel(stage_model, objection_model)
