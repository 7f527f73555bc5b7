"""The forbidden-phrase guard (服务禁语): flag what an agent's draft must not say, with a rewrite.

Two checks run on every draft:

- **rules** that admins edit (``knowledge.ForbiddenRule``, passed in as :class:`Rule`): plain
  words or regular expressions, matched on the draft folded to simplified, half-width
  characters. Matches inside a harmless wording (``不知道您方便…吗`` is a polite question, not
  a denial) are dropped by the exemptions.
- a small **learned** check for wording the rules miss: a linear classifier over character
  n-grams, trained by :func:`guard_train` on ``data/guard_examples.csv`` and shipped as
  ``models/guard_model.json``. It judges each sentence without a rule hit; a bad sentence is
  flagged whole, with ``source="model"``.

Spans always index the ORIGINAL draft (traditional and full-width text included), so the
composer can underline exactly what the agent typed.
"""

from __future__ import annotations

import csv
import json
import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kefu.assist.normalise import to_simplified

__all__ = [
    "CATEGORIES",
    "DEFAULT_EXEMPTIONS",
    "DEFAULT_REWRITES",
    "Flag",
    "Guard",
    "GuardModel",
    "Rule",
    "default_guard",
    "default_rules",
    "guard_train",
    "label",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
MODELS_DIR = Path(__file__).resolve().parent / "models"
EXAMPLES_PATH = DATA_DIR / "guard_examples.csv"
DEFAULT_RULES_PATH = DATA_DIR / "guard_rules_default.json"
MODEL_PATH = MODELS_DIR / "guard_model.json"

# contempt 蔑视, impatience 烦躁, denial 否定, spite 斗气, exaggeration 夸大产品信息,
# blame 暗示顾客有错, refusal 生硬拒绝 (DOMAIN.md 2).
CATEGORIES = ("contempt", "impatience", "denial", "spite", "exaggeration", "blame", "refusal")
OK = "ok"

# What to say instead when a flag has no rule of its own (the model's flags), by category.
DEFAULT_REWRITES: dict[str, str] = {
    "contempt": "亲，这个问题我直接为您说明一下，有不清楚的地方随时问我。",
    "impatience": "亲，没关系，您有任何疑问都可以问，我会耐心为您解答。",
    "denial": "亲，这个问题我马上帮您确认一下，稍等片刻回复您。",
    "spite": "亲，非常抱歉让您不满意，我们一起商量一个合适的处理方案。",
    "exaggeration": "亲，这款的具体参数和买家反馈是……，您可以对照需求看看是否合适。",
    "blame": "亲，我们一起看看是哪个环节出了问题，我先帮您排查，确认后给您处理方案。",
    "refusal": "亲，这个要求按店铺售后制度确实办理不了，不过我可以为您……，您看这样可以吗？",
}

# Harmless wordings that contain a forbidden pattern: (category, regex on the folded text).
# A rule match of that category lying inside one of these spans is not flagged.
DEFAULT_EXEMPTIONS: tuple[tuple[str, str], ...] = (
    # 不知道您方便留个电话吗 / 不知道是否方便 / 不知道这个方案您是否满意: polite questions.
    ("denial", r"不知道(?:您|亲|是否|能否|可否|方不方便|有没有|这样|这个方案|这款|咱们)[^。！!？?\n]{0,24}"),
    # 如果您不知道型号…: the customer may not know; the agent is offering help.
    ("denial", r"(?:如果|要是|若是?|万一|假如)[^，,。！!？?\n]{0,6}不知道"),
    ("denial", r"(?:您|亲)(?:还|可能|也许)?不知道"),
    # 不可能让您吃亏: a reassurance, not a denial.
    ("denial", r"不可能让(?:您|你)(?:吃亏|白跑|失望|多花)"),
    # 关于你的问题 / 你的问题我马上处理: the customer's question, not "your fault".
    ("blame", r"(?:关于|针对|对于|至于|就)你的问题"),
    ("blame", r"(?<!是)你的问题(?=我|已|马上|会|这边|都|稍)"),
    # 最好的办法是先拍照: advice, not a superlative about the product.
    ("exaggeration", r"最好的(?:办法|方法|方式|处理)"),
)

_SENTENCE_END = re.compile(r"[。！？!?；;…~～\n]+")
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20


@dataclass
class Rule:
    """A forbidden-phrase rule; ``pattern`` is Python ``re`` syntax when ``is_regex``, else plain words."""

    id: int | str
    category: str
    pattern: str
    is_regex: bool
    rewrite: str
    examples: Sequence[str] = ()
    explanation: str = ""


@dataclass
class Flag:
    """One flagged span of a draft: ``draft[start:end] == text``."""

    start: int
    end: int
    text: str
    category: str
    rule_id: int | str | None
    rewrite: str
    source: str  # "rule" | "model"
    score: float = 1.0

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "category": self.category,
            "rule_id": self.rule_id,
            "rewrite": self.rewrite,
            "source": self.source,
            "score": round(self.score, 4),
        }


def fold(draft: str) -> tuple[str, list[int]]:
    """Fold a draft to simplified, half-width, lower-case text and map each folded char to its original index.

    OpenCC's t2s is one character for one almost everywhere; when the whole-string conversion
    changes the length, the draft is converted character by character instead, so the map
    stays exact.
    """
    widened = draft.translate(_WIDTH)
    simplified = to_simplified(widened).lower()
    if len(simplified) == len(draft):
        return simplified, list(range(len(draft)))
    chars = []
    for char in widened:
        converted = to_simplified(char).lower()
        chars.append(converted if len(converted) == 1 else char)
    return "".join(chars), list(range(len(draft)))


def _fold_pattern(pattern: str) -> str:
    return to_simplified(pattern.translate(_WIDTH))


# ---- the learned check -------------------------------------------------------------------


def _ngrams(text: str, low: int = 1, high: int = 3) -> list[str]:
    """Character n-grams of a folded sentence, with ^ and $ marking its edges."""
    text = "^" + re.sub(r"\s+", " ", text.strip()) + "$"
    grams = []
    for n in range(low, high + 1):
        grams.extend(text[i : i + n] for i in range(len(text) - n + 1))
    return grams


@dataclass
class GuardModel:
    """A linear classifier over TF-IDF weighted character 1-3-grams; pure Python at run time."""

    classes: list[str]
    vocabulary: dict[str, int]
    idf: list[float]
    coef: list[list[float]]  # one row per feature, one column per class
    intercept: list[float]
    threshold: float = 0.5
    meta: dict = field(default_factory=dict)

    def probabilities(self, text: str) -> dict[str, float]:
        folded, _ = fold(text)
        counts: dict[int, int] = {}
        for gram in _ngrams(folded):
            index = self.vocabulary.get(gram)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        weights = {index: (1.0 + math.log(count)) * self.idf[index] for index, count in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        scores = list(self.intercept)
        for index, weight in weights.items():
            row = self.coef[index]
            w = weight / norm
            for c in range(len(scores)):
                scores[c] += row[c] * w
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {name: e / total for name, e in zip(self.classes, exps, strict=True)}

    def predict(self, text: str) -> tuple[str, float]:
        """Return the top bad category when the sentence is more likely bad than ``threshold``, else "ok"; with the probability of that verdict."""
        probabilities = self.probabilities(text)
        bad = max((c for c in self.classes if c != OK), key=probabilities.__getitem__)
        not_ok = 1.0 - probabilities.get(OK, 0.0)
        if not_ok >= self.threshold:
            return bad, not_ok
        return OK, 1.0 - not_ok

    def to_json(self) -> dict:
        return {
            "classes": self.classes,
            "vocabulary": self.vocabulary,
            "idf": [round(x, 5) for x in self.idf],
            "coef": [[round(x, 5) for x in row] for row in self.coef],
            "intercept": [round(x, 5) for x in self.intercept],
            "threshold": self.threshold,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> GuardModel:
        return cls(
            classes=list(data["classes"]),
            vocabulary=dict(data["vocabulary"]),
            idf=list(data["idf"]),
            coef=[list(row) for row in data["coef"]],
            intercept=list(data["intercept"]),
            threshold=float(data.get("threshold", 0.5)),
            meta=dict(data.get("meta", {})),
        )

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> GuardModel:
        with open(path, encoding="utf-8") as handle:
            return cls.from_json(json.load(handle))


def read_examples(path: Path = EXAMPLES_PATH) -> list[tuple[str, str]]:
    """Read ``text,category`` rows (the category "ok" for acceptable replies)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle) if row.get("text")]


def guard_train(
    examples: Sequence[tuple[str, str]] | None = None,
    *,
    rules: Iterable[Rule] | None = None,
    path: Path | None = MODEL_PATH,
    threshold: float = 0.7,
    c: float = 32.0,
    balanced: bool = True,
) -> GuardModel:
    """Train the learned check on labelled replies (and the rules' own examples); save it when ``path`` is given.

    Deterministic: the same data gives the same file.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = list(examples if examples is not None else read_examples())
    for rule in rules if rules is not None else default_rules():
        rows.extend((example, rule.category) for example in rule.examples)
    texts = [fold(text)[0] for text, _ in rows]
    labels = [category for _, category in rows]
    vectorizer = TfidfVectorizer(analyzer=_ngrams, sublinear_tf=True, min_df=1, norm="l2", smooth_idf=True)
    matrix = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(C=c, max_iter=2000, class_weight="balanced" if balanced else None)
    classifier.fit(matrix, labels)
    classes = [str(name) for name in classifier.classes_]
    vocabulary = {
        gram: int(index) for gram, index in sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])
    }
    model = GuardModel(
        classes=classes,
        vocabulary=vocabulary,
        idf=[float(x) for x in vectorizer.idf_],
        coef=[[float(x) for x in column] for column in classifier.coef_.T],
        intercept=[float(x) for x in classifier.intercept_],
        threshold=threshold,
        meta={"examples": len(rows), "features": len(vocabulary), "c": c},
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(model.to_json(), handle, ensure_ascii=False, separators=(",", ":"))
            handle.write("\n")
    return model


_model_lock = threading.Lock()
_model_cache: dict[str, GuardModel] = {}


def default_model() -> GuardModel:
    """Return the shipped model, loaded once per process (trained in memory if the file is missing)."""
    model = _model_cache.get("default")
    if model is None:
        with _model_lock:
            model = _model_cache.get("default")
            if model is None:
                model = GuardModel.load() if MODEL_PATH.exists() else guard_train(path=None)
                _model_cache["default"] = model
    return model


# ---- rules and the guard -----------------------------------------------------------------


def default_rules(path: Path = DEFAULT_RULES_PATH) -> list[Rule]:
    """Return the demo shop's 42 rules, as shipped in ``data/guard_rules_default.json``."""
    with open(path, encoding="utf-8") as handle:
        return [Rule(**row) for row in json.load(handle)]


@dataclass
class _CompiledRule:
    rule: Rule
    regex: re.Pattern


class Guard:
    """Checks drafts against rules and the learned model; build once, call :meth:`check` often."""

    def __init__(
        self,
        rules: Iterable[Rule],
        *,
        rewrites: Mapping[str, str] | None = None,
        exemptions: Iterable[tuple[str, str]] | None = None,
        model: GuardModel | None | bool = True,
    ):
        self.rules = list(rules)
        self.rewrites = {**DEFAULT_REWRITES, **(rewrites or {})}
        self.compiled: list[_CompiledRule] = []
        self.invalid: list[tuple[Rule, str]] = []
        for rule in self.rules:
            source = (
                _fold_pattern(rule.pattern)
                if rule.is_regex
                else re.escape(_fold_pattern(rule.pattern).lower())
            )
            try:
                self.compiled.append(_CompiledRule(rule, re.compile(source, re.IGNORECASE)))
            except re.error as error:  # an admin's broken pattern must not break the composer
                self.invalid.append((rule, str(error)))
        self.exemptions = [
            (category, re.compile(_fold_pattern(pattern), re.IGNORECASE))
            for category, pattern in (DEFAULT_EXEMPTIONS if exemptions is None else exemptions)
        ]
        self._model_choice = model

    @property
    def model(self) -> GuardModel | None:
        if self._model_choice is True:
            return default_model()
        return self._model_choice or None

    def check(self, draft: str) -> list[Flag]:
        """Flag forbidden wording in ``draft``; spans index the original string, sorted by position."""
        if not draft or not draft.strip():
            return []
        folded, offsets = fold(draft)
        exempt: dict[str, list[tuple[int, int]]] = {}
        for category, regex in self.exemptions:
            exempt.setdefault(category, []).extend(m.span() for m in regex.finditer(folded))
        flags: list[Flag] = []
        taken: list[tuple[int, int]] = []
        for compiled in self.compiled:
            rule = compiled.rule
            for match in compiled.regex.finditer(folded):
                start, end = match.span()
                if end <= start:
                    continue
                if any(a <= start and end <= b for a, b in exempt.get(rule.category, ())):
                    continue
                if any(start < b and a < end for a, b in taken):
                    continue  # one flag per stretch of text: the first rule (admin order) wins
                taken.append((start, end))
                flags.append(
                    self._flag(draft, offsets, start, end, rule.category, rule.id, rule.rewrite, "rule", 1.0)
                )
        model = self.model
        if model is not None:
            vetted = taken + [span for spans in exempt.values() for span in spans]
            for start, end in _sentences(folded):
                if any(start < b and a < end for a, b in vetted):
                    continue  # flagged by a rule already, or a known harmless wording
                category, score = model.predict(folded[start:end])
                if category != OK:
                    flags.append(
                        self._flag(
                            draft,
                            offsets,
                            start,
                            end,
                            category,
                            None,
                            self.rewrites.get(category, ""),
                            "model",
                            score,
                        )
                    )
        flags.sort(key=lambda flag: (flag.start, flag.end))
        return flags

    def label(self, text: str) -> str:
        """Return "ok" or the category of the strongest flag (rules before the model)."""
        flags = self.check(text)
        if not flags:
            return OK
        return max(flags, key=lambda flag: (flag.source == "rule", flag.score, -flag.start)).category

    @staticmethod
    def _flag(draft, offsets, start, end, category, rule_id, rewrite, source, score) -> Flag:
        original_start = offsets[start]
        original_end = offsets[end - 1] + 1
        return Flag(
            start=original_start,
            end=original_end,
            text=draft[original_start:original_end],
            category=category,
            rule_id=rule_id,
            rewrite=rewrite,
            source=source,
            score=float(score),
        )


def _sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a folded draft, without their end punctuation and outer spaces."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    result = []
    for a, b in spans:
        while a < b and (text[a].isspace() or text[a] in "，,、"):
            a += 1
        while b > a and (text[b - 1].isspace() or text[b - 1] in "，,、"):
            b -= 1
        if b - a >= 3:  # too short to judge ("好的", "退货")
            result.append((a, b))
    return result


_default_guard: Guard | None = None


def default_guard() -> Guard:
    """Return a guard with the default (demo) rules and the shipped model, built once per process."""
    global _default_guard
    if _default_guard is None:
        with _model_lock:
            if _default_guard is None:
                _default_guard = Guard(default_rules())
    return _default_guard


def label(text: str) -> str:
    """Return "ok" or the top forbidden category for ``text`` (used by ``kefu assist eval --task guard``)."""
    return default_guard().label(text)
