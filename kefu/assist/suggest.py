"""Reply suggestions for the latest customer message: the three to five best things to say.

Candidates come from the knowledge base the shop keeps (口径一致), each labelled with where
it came from so the agent knows what they are inserting:

- ``empathy``: an opener first when the customer's emotion is negative (情绪转化, DOMAIN.md 4);
- ``objection``: the shop's script for the objection the customer raised (异议处理, DOMAIN.md 7);
- ``faq``: answers of the FAQ entries retrieval finds, confident ones first;
- ``product``: features, advantages or applications of a product the conversation mentions;
- ``phrase``: quick phrases of the detected stage, placeholders filled or removed;
- ``closing``: a closing technique's wording when the customer hesitates (促成交易).

:class:`KnowledgeBase` is built once (``KnowledgeBase.from_data`` from plain dicts, or by the
knowledge app's ``assist_index``) and :func:`suggest` is cheap per call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kefu.assist.emotion import Emotion, emotion
from kefu.assist.intent import Intent, intent
from kefu.assist.normalise import Normalised, normalise
from kefu.assist.retrieval import Entry, Hit, Retriever

__all__ = [
    "AfterSalesRuleItem",
    "ClosingItem",
    "DEFAULT_EMPATHY",
    "KnowledgeBase",
    "ObjectionItem",
    "PhraseItem",
    "ProductFacts",
    "SOURCES",
    "Suggestion",
    "suggest",
]

SOURCES = ("faq", "phrase", "objection", "product", "empathy", "closing")

NEGATIVE_EMOTIONS = ("angry", "anxious", "disappointed")

# Openers for a customer who is upset (同理心 first, then the solution), by emotion.
DEFAULT_EMPATHY: dict[str, list[str]] = {
    "angry": ["非常抱歉给您带来不好的体验，您先消消气，这件事我马上负责帮您处理。"],
    "anxious": ["理解您着急的心情，换作是我也会着急的，我马上帮您查看，请稍等一下。"],
    "disappointed": ["很抱歉这次让您失望了，您的问题我会负责跟进到底，一定给您一个满意的答复。"],
}

# Messages that carry no question: a greeting, chit-chat or "a person please" get phrases, not FAQ answers.
SMALL_TALK_STAGES = {"greeting", "chitchat", "human"}
SMALL_TALK_CONFIDENCE = 0.8

# The intent stage of a customer message -> the phrase library's stage (knowledge.PhraseStage).
PHRASE_STAGE = {
    "greeting": "greeting",
    "product": "dialogue",
    "bargaining": "bargaining",
    "payment": "payment",
    "logistics": "logistics",
    "return_exchange": "aftersales",
    "refund": "aftersales",
    "repair": "aftersales",
    "complaint": "aftersales",
    "review": "review",
    "chitchat": "dialogue",
    "human": "dialogue",
}

# The FAQ categories (knowledge.FaqCategory) that answer a stage: retrieval's candidates of these
# categories move up, others down, by how sure the stage is.
FAQ_CATEGORIES = {
    "greeting": {"presale"},
    "product": {"product", "presale"},
    "bargaining": {"bargaining", "presale"},
    "payment": {"payment"},
    "logistics": {"logistics"},
    "return_exchange": {"returns", "aftersales"},
    "refund": {"returns", "aftersales", "payment"},
    "repair": {"repair", "aftersales", "product"},
    "complaint": {"aftersales", "returns", "logistics", "repair"},
    "review": {"review"},
}
STAGE_BONUS = 0.2
STAGE_PENALTY = 0.1

# Which closing techniques suit a hesitation (knowledge.ClosingKind), by objection.
CLOSING_FOR_OBJECTION = {
    "think_about_it": ("urgency", "scarcity"),
    "too_expensive": ("help_choose", "recommend"),
    "worth_it": ("recommend", "help_choose"),
    "cheaper_please": ("scarcity", "recommend"),
    "cheaper_elsewhere": ("recommend", "scarcity"),
    "market_bad": ("help_choose",),
}

# Titles shown on the suggestion cards (the handbook's own words).
OBJECTION_TITLES = {
    "think_about_it": "我要考虑一下",
    "too_expensive": "太贵了",
    "market_bad": "市场不景气",
    "cheaper_please": "能不能便宜一些",
    "cheaper_elsewhere": "别的地方更便宜",
    "worth_it": "真的值这个价吗",
    "no": "不需要",
}
CLOSING_TITLES = {
    "scarcity": "怕买不到",
    "urgency": "希望快点拿到",
    "either_or": "二选其一",
    "help_choose": "帮助挑选",
    "counter_question": "巧妙反问",
    "recommend": "积极推荐",
}

# Placeholders a phrase cannot do without (the phrase is skipped) and ones that can go.
REQUIRED_PLACEHOLDERS = ("order", "tracking", "carrier", "hours", "product")
_PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")

_ASKS_APPLICATIONS = re.compile(r"用在|用于|适合|适用|用途|应用|场景|场合|能用|可以用|拿来|干什么用|做什么用")
_ASKS_PRICE = re.compile(r"多少钱|价格|价钱|售价|报价|什么价|几块|多钱|怎么卖")
_ASKS_ADVANTAGES = re.compile(r"优势|优点|好处|好在|区别|不同|对比|比较|值不值|值吗|为什么贵|凭什么|贵在")

FAQ_MIN_CONFIDENCE = 0.2
FAQ_CONFIDENT = 0.6


@dataclass(frozen=True)
class Suggestion:
    text: str
    source: str  # one of SOURCES
    source_id: int | str | None
    title: str
    score: float

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "source": self.source,
            "source_id": self.source_id,
            "title": self.title,
            "score": round(self.score, 4),
        }


@dataclass
class PhraseItem:
    id: int | str
    stage: str
    title: str
    body: str
    shortcut: str = ""
    sort_order: int = 0


@dataclass
class ObjectionItem:
    id: int | str
    kind: str
    answer: str
    triggers: Sequence[str] = ()
    explanation: str = ""
    sort_order: int = 0


@dataclass
class ClosingItem:
    id: int | str
    kind: str
    description: str
    examples: Sequence[str] = ()


@dataclass
class ProductFacts:
    name: str
    aliases: Sequence[str] = ()
    features: Sequence[str] = ()
    advantages: Sequence[str] = ()
    applications: Sequence[str] = ()
    id: int | str | None = None
    sku: str = ""
    price: str | None = None  # the catalogue price in yuan, e.g. "2380.00"


@dataclass
class AfterSalesRuleItem:
    id: int | str
    code: str
    title: str
    clause: str
    time_limit_days: int | None = None
    conditions: Sequence[str] = ()


def _bigrams(text: str) -> frozenset[str]:
    """Character bigrams of a text (its characters when it has only one)."""
    text = re.sub(r"[\s，,。.！!？?～~、]+", "", text.lower())
    if len(text) < 2:
        return frozenset(text)
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def _overlap(query: frozenset[str], candidate: frozenset[str]) -> float:
    if not query or not candidate:
        return 0.0
    return len(query & candidate) / len(query)


def _item(cls, row, **defaults):
    if isinstance(row, cls):
        return row
    names = cls.__dataclass_fields__
    return cls(**{**defaults, **{key: value for key, value in row.items() if key in names}})


@dataclass
class KnowledgeBase:
    """What suggestions are made of; build once per knowledge version, share between calls."""

    faq: Retriever
    phrases: Mapping[str, list[PhraseItem]] = field(default_factory=dict)  # by phrase stage
    objections: Mapping[str, list[ObjectionItem]] = field(default_factory=dict)  # by objection kind
    closing: list[ClosingItem] = field(default_factory=list)
    products: list[ProductFacts] = field(default_factory=list)
    after_sales_rules: list[AfterSalesRuleItem] = field(default_factory=list)
    faq_entries: Mapping[int | str, Entry] = field(default_factory=dict)
    empathy: Mapping[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_EMPATHY.items()}
    )

    def __post_init__(self):
        if not self.faq_entries:
            self.faq_entries = {entry.id: entry for entry in getattr(self.faq, "entries", ())}
        self.phrases = {
            stage: sorted(items, key=lambda p: p.sort_order) for stage, items in self.phrases.items()
        }
        self.objections = {
            kind: sorted(items, key=lambda o: o.sort_order) for kind, items in self.objections.items()
        }
        self._phrase_grams = {
            id(phrase): _bigrams(phrase.title + phrase.body)
            for items in self.phrases.values()
            for phrase in items
        }
        self._objection_grams = {
            id(script): _bigrams(" ".join(script.triggers))
            for items in self.objections.values()
            for script in items
        }
        self._closing_by_kind = {item.kind: item for item in self.closing}
        aliases: dict[str, ProductFacts] = {}
        for product in self.products:
            for alias in [product.name, *product.aliases]:
                key = normalise(alias).text.lower().strip() if alias else ""
                if len(key) >= 2:
                    aliases.setdefault(key, product)
        self._product_by_alias = aliases
        self._product_by_name = {product.name: product for product in self.products}
        ordered = sorted(aliases, key=len, reverse=True)
        self._product_re = re.compile("|".join(re.escape(alias) for alias in ordered)) if ordered else None
        # Scripts and handbook examples often name a product ("这款冷水机"): note which, so that
        # none is offered in a conversation about another product.
        self._suffixes = {
            alias[-3:]: p for alias, p in sorted(aliases.items(), key=lambda x: len(x[0])) if len(alias) >= 3
        }
        self._objection_about = {
            id(script): self._about(script.answer) for items in self.objections.values() for script in items
        }
        self._closing_examples: dict[str, list[tuple[str, str | None, frozenset[str]]]] = {}
        for item in self.closing:
            for example in item.examples:
                self._closing_examples.setdefault(item.kind, []).append(
                    (example, self._about(example), _bigrams(example))
                )

    def _about(self, text: str) -> str | None:
        """Return the name of the product a script or example is about, if it names one."""
        folded = normalise(text).text.lower()
        about = self.product_mentioned(folded) or next(
            (p for suffix, p in self._suffixes.items() if suffix in folded), None
        )
        return about.name if about else None

    @classmethod
    def from_data(
        cls,
        *,
        faq: Iterable[Mapping | Entry] = (),
        phrases: Iterable[Mapping | PhraseItem] = (),
        objections: Iterable[Mapping | ObjectionItem] = (),
        closing: Iterable[Mapping | ClosingItem] = (),
        products: Iterable[Mapping | ProductFacts] = (),
        after_sales_rules: Iterable[Mapping | AfterSalesRuleItem] = (),
        synonyms: Mapping[str, Iterable[str]] | None = None,
        empathy: Mapping[str, list[str]] | None = None,
    ) -> KnowledgeBase:
        """Build from plain rows, e.g. the demo content or a JSON export; ids default to the row's position.

        FAQ rows name their product by ``product`` (a name) or ``product_sku``.
        """
        product_items = [_item(ProductFacts, row) for row in products]
        name_by_sku = {p.sku: p.name for p in product_items if p.sku}
        entries = []
        for index, row in enumerate(faq, start=1):
            if isinstance(row, Entry):
                entries.append(row)
                continue
            product = row.get("product") or name_by_sku.get(row.get("product_sku") or "") or ""
            entries.append(
                Entry(
                    id=row.get("id", index),
                    question=row["question"],
                    variants=tuple(row.get("variants") or ()),
                    answer=row["answer"],
                    category=row.get("category", ""),
                    product=product,
                )
            )
        by_stage: dict[str, list[PhraseItem]] = {}
        for index, row in enumerate(phrases, start=1):
            item = _item(PhraseItem, row, id=index)
            by_stage.setdefault(item.stage, []).append(item)
        by_kind: dict[str, list[ObjectionItem]] = {}
        for index, row in enumerate(objections, start=1):
            item = _item(ObjectionItem, row, id=index)
            by_kind.setdefault(item.kind, []).append(item)
        retriever = Retriever(entries, synonyms=synonyms)
        kb = cls(
            faq=retriever,
            phrases=by_stage,
            objections=by_kind,
            closing=[_item(ClosingItem, row, id=index) for index, row in enumerate(closing, start=1)],
            products=product_items,
            after_sales_rules=[
                _item(
                    AfterSalesRuleItem, row, id=row.get("code", index) if isinstance(row, Mapping) else index
                )
                for index, row in enumerate(after_sales_rules, start=1)
            ],
            faq_entries={entry.id: entry for entry in entries},
        )
        if empathy:
            kb.empathy = {**kb.empathy, **{k: list(v) for k, v in empathy.items()}}
        return kb

    def product_mentioned(self, text: str) -> ProductFacts | None:
        """Return the first product a (normalised, lower-case) text names by its name or an alias."""
        if self._product_re is None or not text:
            return None
        match = self._product_re.search(text)
        return self._product_by_alias[match.group(0)] if match else None


def fill_placeholders(body: str, values: Mapping[str, str | None]) -> str | None:
    """Fill ``{name}`` style placeholders; drop the optional ones without a value; None if a required one is unknown."""
    for key in _PLACEHOLDER_RE.findall(body):
        if not values.get(key) and key in REQUIRED_PLACEHOLDERS:
            return None

    def sub(match: re.Match) -> str:
        return values.get(match.group(1)) or ""

    text = _PLACEHOLDER_RE.sub(sub, body)
    text = re.sub(r"^[\s，,、]+", "", text)  # "{name}，欢迎回来" without a name
    return text or None


def suggest(
    *,
    message: str,
    history: Sequence[tuple[str, str]] = (),
    knowledge: KnowledgeBase,
    customer_name: str | None = None,
    agent_name: str | None = None,
    k: int = 5,
    normalised: Normalised | None = None,
    detected_emotion: Emotion | None = None,
    detected_intent: Intent | None = None,
    faq_hits: Sequence[Hit] | None = None,
) -> list[Suggestion]:
    """Return up to ``k`` (three to five) replies for the latest customer message, best first.

    ``history`` is the conversation before it as ``(sender_kind, text)`` pairs, oldest first;
    it is read for the product being discussed. Callers that already ran the pipeline pass its
    results (``normalised``, ``detected_emotion``, ``detected_intent``, ``faq_hits``) to avoid
    doing the work twice.
    """
    n = normalised or normalise(message)
    mood = detected_emotion or emotion(n)
    reading = detected_intent or intent(n)
    hits = list(faq_hits) if faq_hits is not None else knowledge.faq.search(message, k=5)
    query_grams = _bigrams(n.text)
    text_lower = n.text.lower()

    product = knowledge.product_mentioned(text_lower)
    if product is None:
        for _sender, earlier in reversed(list(history)[-6:]):
            product = knowledge.product_mentioned(normalise(earlier).text.lower())
            if product is not None:
                break
    values = {"name": customer_name, "agent": agent_name, "product": product.name if product else None}

    candidates: list[Suggestion] = []
    negative = mood.label in NEGATIVE_EMOTIONS
    if negative:
        openers = knowledge.empathy.get(mood.label) or []
        if openers:
            opener = openers[0]
            if customer_name:
                opener = f"{customer_name}，{opener}"
            candidates.append(Suggestion(opener, "empathy", mood.label, "同理安抚", max(mood.intensity, 0.5)))

    if reading.objection:
        scripts = knowledge.objections.get(reading.objection, [])
        current = product.name if product else None

        def fits(script) -> bool:  # general, or about the product in this conversation
            return knowledge._objection_about.get(id(script)) in (None, current)

        ranked = sorted(
            scripts,
            key=lambda s: (
                not fits(s),
                -_overlap(query_grams, knowledge._objection_grams.get(id(s), frozenset())),
            ),
        )
        for rank, script in enumerate(ranked[:2]):
            text = fill_placeholders(script.answer, values)
            if text:
                score = (0.95 - 0.4 * rank) if fits(script) else 0.3
                candidates.append(
                    Suggestion(
                        text,
                        "objection",
                        script.id,
                        f"异议处理：{OBJECTION_TITLES.get(script.kind, script.kind)}",
                        score,
                    )
                )

    product_in_faq = False
    stage_categories = FAQ_CATEGORIES.get(reading.stage, set())
    if reading.stage in SMALL_TALK_STAGES and reading.confidence >= SMALL_TALK_CONFIDENCE:
        hits = []  # "你好，在吗" wants a greeting, not the FAQ entry that happens to share 在 and 你们
    for hit in hits:
        entry = knowledge.faq_entries.get(hit.entry_id)
        if entry is None:
            continue
        score = hit.confidence
        if stage_categories:
            if entry.category in stage_categories:
                score += STAGE_BONUS * reading.confidence
            else:
                score -= STAGE_PENALTY * reading.confidence
        if score < FAQ_MIN_CONFIDENCE:
            continue
        text = fill_placeholders(entry.answer, values)
        if not text:
            continue
        if product is not None and entry.product == product.name:
            score += 0.05
            product_in_faq = True
        candidates.append(Suggestion(text, "faq", entry.id, entry.question, max(0.0, min(score, 1.0))))

    if product is not None:
        facts = _product_suggestion(product, text_lower, asked=reading.stage == "product")
        if facts is not None:
            if product_in_faq:
                facts = Suggestion(facts.text, facts.source, facts.source_id, facts.title, facts.score - 0.2)
            candidates.append(facts)

    phrase_stage = PHRASE_STAGE.get(reading.stage, "dialogue")
    candidates.extend(_phrase_suggestions(knowledge, phrase_stage, query_grams, values, limit=2))

    if reading.objection in CLOSING_FOR_OBJECTION:
        closing = _closing_suggestion(knowledge, reading.objection, query_grams, values, product)
        if closing is not None:
            candidates.append(closing)

    result = _best(candidates, k)
    if len(result) < min(3, k):  # never fewer than three: add the stage's next phrases, then dialogue
        extra = _phrase_suggestions(knowledge, phrase_stage, query_grams, values, limit=5)
        extra += _phrase_suggestions(knowledge, "dialogue", query_grams, values, limit=5)
        result = _best(
            candidates + [Suggestion(s.text, s.source, s.source_id, s.title, s.score * 0.5) for s in extra],
            min(3, k),
        )
    return result


def _best(candidates: list[Suggestion], k: int) -> list[Suggestion]:
    seen: set[str] = set()
    result = []
    # The empathy opener leads whatever its score: acknowledge the feeling, then solve (DOMAIN.md 4).
    for suggestion in sorted(candidates, key=lambda s: (s.source != "empathy", -s.score)):
        if suggestion.text in seen:
            continue
        seen.add(suggestion.text)
        result.append(suggestion)
        if len(result) == k:
            break
    return result


def _product_suggestion(product: ProductFacts, text: str, *, asked: bool) -> Suggestion | None:
    product_id = product.id if product.id is not None else product.name
    if _ASKS_PRICE.search(text) and product.price:
        price = str(product.price).removesuffix(".00")
        return Suggestion(
            f"亲，{product.name}现在的售价是{price}元，以商品页和结算页显示为准。",
            "product",
            product_id,
            f"{product.name} · 价格",
            0.7 if asked else 0.6,
        )
    if _ASKS_APPLICATIONS.search(text) and product.applications:
        kind, label, items = "applications", "适用于", product.applications
    elif _ASKS_ADVANTAGES.search(text) and product.advantages:
        kind, label, items = "advantages", "优势", product.advantages
    elif product.features:
        kind, label, items = "features", "特点", product.features
    elif product.advantages:
        kind, label, items = "advantages", "优势", product.advantages
    elif product.applications:
        kind, label, items = "applications", "适用于", product.applications
    else:
        return None
    listed = "；".join(str(item).rstrip("。；;") for item in list(items)[:3])
    if kind == "applications":
        text_out = f"亲，{product.name}适用于：{listed}。"
    else:
        text_out = f"亲，{product.name}的{label}：{listed}。"
    title_kind = {"features": "特点", "advantages": "优势", "applications": "应用"}[kind]
    return Suggestion(
        text_out,
        "product",
        product.id if product.id is not None else product.name,
        f"{product.name} · {title_kind}",
        0.7 if asked else 0.5,
    )


def _phrase_suggestions(knowledge, stage, query_grams, values, *, limit) -> list[Suggestion]:
    scored = []
    for order, phrase in enumerate(knowledge.phrases.get(stage, [])):
        text = fill_placeholders(phrase.body, values)
        if not text:
            continue
        similarity = _overlap(query_grams, knowledge._phrase_grams.get(id(phrase), frozenset()))
        scored.append((similarity, -order, phrase, text))
    scored.sort(key=lambda row: (row[0], row[1]), reverse=True)
    return [
        Suggestion(text, "phrase", phrase.id, phrase.title, 0.3 + 0.3 * similarity)
        for similarity, _order, phrase, text in scored[:limit]
    ]


def _closing_suggestion(knowledge, objection, query_grams, values, product) -> Suggestion | None:
    for kind in CLOSING_FOR_OBJECTION[objection]:
        item = knowledge._closing_by_kind.get(kind)
        if item is None:
            continue
        # An example about another product would mislead: keep general ones and this product's.
        examples = [
            (example, grams)
            for example, about, grams in knowledge._closing_examples.get(kind, ())
            if about is None or (product is not None and about == product.name)
        ]
        if not examples:
            continue
        best = max(examples, key=lambda row: _overlap(query_grams, row[1]))[0]
        text = fill_placeholders(best, values)
        if text:
            return Suggestion(
                text, "closing", item.id, f"促成交易：{CLOSING_TITLES.get(item.kind, item.kind)}", 0.35
            )
    return None
