"""The customer's emotion in a chat message, and review sentiment.

``emotion(text)`` returns one of angry, anxious, disappointed, neutral, satisfied with a
polarity (-1 very negative .. 1 very positive), an intensity (0 calm .. 1 furious or
desperate) and the cues that explain it. Two sources are combined:

* rules: a lexicon of customer-service wording per emotion, negation (不/没/别: 不是很满意 is
  not satisfaction, 别着急 is not anxiety), degree adverbs (非常 太 超 特别), repeated
  punctuation (？？？ ！！！), repeated characters (快快快) and emoticons ([大哭] [怒] 😡);
* a learned model: hashed character/word n-grams with logistic regression, trained by
  ``kefu assist train`` on the shipped examples (``data/emotion_examples.csv``).

The rules add evidence (log-odds) to the model's probabilities, so a clear cue wins on short
text while the model handles wording the lexicon does not know.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from kefu.assist.normalise import Normalised, normalise
from kefu.assist.sentiment import MODELS_DIR, LinearTextModel, Sentiment, load_model, sentiment

__all__ = ["Emotion", "emotion", "sentiment", "Sentiment", "EMOTIONS", "EMOTION_MODEL"]

EMOTIONS = ("angry", "anxious", "disappointed", "neutral", "satisfied")
EMOTION_MODEL = MODELS_DIR / "emotion.npz"
_VALENCE = {"angry": -1.0, "anxious": -0.45, "disappointed": -0.7, "neutral": 0.0, "satisfied": 1.0}

# Lexicon: word -> (emotion, weight). Simplified, lowercase (normalise() runs first).
_LEXICON_SOURCE = {
    "angry": (
        "破东西 什么破 垃圾 骗子 骗人 骗钱 坑人 太坑 黑店 黑心 投诉 举报 12315 消协 工商 律师 起诉 曝光 维权 "
        "气死 生气 火大 恼火 愤怒 恶心 欺诈 欺骗 假货 滚 什么态度 态度差 态度恶劣 太过分 过分 退钱 忽悠 有病 "
        "死了吗 干什么吃的 凭什么 耍我 敷衍 烂透 烂 差劲 无耻 流氓 不要脸 去死 坑爹 还想不想做生意 找你们老板 "
        "叫你们领导 受够了 差评 一星 糊弄 不负责 不讲理 扯皮 踢皮球 骂人 "
        # general anger wording
        "讨厌 烦死 该死 可恶 混蛋 妈的 他妈 tmd 尼玛 气愤 忍无可忍 神经病 脑残 傻逼 sb 去你的 火冒三丈"
    ),
    "anxious": (
        "着急 急用 急死 好急 很急 急急 加急 快点 赶紧 尽快 马上 等不及 还没到 怎么还没 还没发货 还没收到 没收到 "
        "还没退 还要等 多久 什么时候到 什么时候发 催一下 催 丢了 丢件 没动 担心 害怕 求求 拜托 人呢 有人吗 "
        "怎么办 来不及 赶不上 等着用 急 在吗在吗 没人回 不回 没人理 一直没 "
        "紧张 焦虑 恐怖 心慌 慌了 不安 忐忑 吓死 好怕 担心死"
    ),
    "disappointed": (
        "失望 唉 哎 一般般 一般 不值 后悔 可惜 色差 不如 没想象 跟想象 想象中 白期待 期待落空 算了 凑合 不太好 "
        "不怎么样 不满意 不太满意 不好用 不太好用 难用 不好 不行 不喜欢 有瑕疵 瑕疵 粗糙 太小 偏小 偏大 "
        "质量下降 不如以前 心累 遗憾 郁闷 难过 伤心 委屈 被忽悠 不值这个价 性价比不高 有点小失望 "
        "难受 心痛 崩溃 绝望 悲伤 无奈 不开心 心酸 哭了 想哭 好累"
    ),
    "satisfied": (
        "满意 好评 喜欢 不错 好用 谢谢 感谢 点赞 赞 棒 很好 挺好 物超所值 推荐 回购 超值 给力 开心 辛苦了 完美 "
        "好看 漂亮 舒服 划算 值得 靠谱 专业 耐心 贴心 周到 惊喜 超出预期 五星 放心 正品 很快 神速 爱了 "
        "解决了 谢啦 多谢 感恩 么么哒 好评如潮 "
        "开心 高兴 快乐 幸福 感动 温暖 好开心 可爱 享受 美美 太好了 喜欢死了 爱死"
    ),
}
_WEIGHTS = {"angry": 1.6, "anxious": 1.3, "disappointed": 1.4, "satisfied": 1.4}
_STRONG = {"破东西", "垃圾", "骗子", "骗人", "黑店", "投诉", "12315", "气死", "退钱", "滚", "失望", "急死", "着急", "满意"}
# Politeness and mild words: weak evidence only (好的谢谢 is not yet satisfaction).
_WEAK = set("谢谢 感谢 多谢 谢啦 推荐 正品 很快 放心 好看 一般 算了 催 多久 急 不回 怎么办 什么时候到 什么时候发 哎 唉 "
            "赶紧 马上 尽快 不行 不好 烂 差评 偏小 偏大 太小".split())
LEXICON: dict[str, str] = {}
for _label, _words in _LEXICON_SOURCE.items():
    for _w in _words.split():
        LEXICON.setdefault(_w, _label)
_LEX_RE = re.compile("|".join(sorted(map(re.escape, LEXICON), key=len, reverse=True)))

_NEGATORS = ("不", "没", "别", "未", "无", "甭", "不要", "没有", "并不", "毫不")
_DEGREE_RE = re.compile(r"(非常|特别|十分|极其|超级|太|超|很|真的|真|巨|贼|好|最|极|一点都|根本)$")
_QUESTION_AFTER = re.compile(r"^[^,.!?;，。！？]{0,3}?(吗|嘛|么|\?|？|不[?？]?$)")

EMOTICON_EMOTION = {
    **dict.fromkeys(
        "发怒 怒 咒骂 怒骂 菜刀 炸弹 刀 鄙视 白眼 翻白眼 差劲 弱 哼 左哼哼 右哼哼 怄火 可恶 生气 no 便便 骷髅 打脸".split(),
        "angry",
    ),
    **dict.fromkeys("大哭 流泪 快哭了 冷汗 惊恐 恐惧 抓狂 可怜 擦汗 流汗 汗 害怕 哭 吓 发抖 晕 天啊".split(), "anxious"),
    **dict.fromkeys("难过 失望 心碎 委屈 凋谢 叹气 苦涩 衰 伤心 泪 无语 裂开 撇嘴 衰".split(), "disappointed"),
    **dict.fromkeys(
        "强 爱心 鼓掌 玫瑰 抱拳 呲牙 憨笑 色 亲亲 ok 好棒 庆祝 胜利 握手 愉快 哈哈 嘻嘻 飞吻 拥抱 可爱 赞 心 示爱 "
        "爱你 开心 笑脸 笑 礼物 耶 加油 谢谢 好的 嘿哈 偷笑".split(),
        "satisfied",
    ),
}


@dataclass(frozen=True)
class Emotion:
    label: str  # angry | anxious | disappointed | neutral | satisfied
    polarity: float  # -1 .. 1
    intensity: float  # 0 .. 1
    cues: tuple[str, ...] = ()
    probabilities: tuple[tuple[str, float], ...] = ()

    @property
    def is_negative(self) -> bool:
        return self.label in ("angry", "anxious", "disappointed")


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - 4) : start]
    return any(neg in before for neg in _NEGATORS)


def rule_evidence(n: Normalised) -> tuple[dict[str, float], list[str], float]:
    """Evidence per emotion from the lexicon, signals and emoticons; cues; arousal 0..1."""
    text = n.text.lower()
    evidence = dict.fromkeys(EMOTIONS, 0.0)
    cues: list[str] = []
    arousal = 0.0
    for match in _LEX_RE.finditer(text):
        word = match.group(0)
        label = LEXICON[word]
        weight = _WEIGHTS[label] * (1.5 if word in _STRONG else 0.5 if word in _WEAK else 1.0)
        start, end = match.span()
        negated = not word.startswith(("不", "没")) and _negated(text, start)
        if label == "satisfied" and _QUESTION_AFTER.match(text[end:]):
            cues.append(f"question:{word}")  # 好用吗 asks, it does not praise
            continue
        if negated:
            if label == "satisfied":
                evidence["disappointed"] += _WEIGHTS["disappointed"]
                cues.append(f"negation:{text[max(0, start - 3) : end]}")
            else:
                cues.append(f"negated:{word}")
            continue
        evidence[label] += weight
        degree = _DEGREE_RE.search(text[max(0, start - 3) : start])
        if degree:
            evidence[label] += 0.5
            arousal += 0.15
            cues.append(f"degree:{degree.group(0)}{word}")
        else:
            cues.append(f"lexicon:{word}")
    sig = n.signals
    if sig.get("question_runs"):
        evidence["anxious"] += 0.8
        evidence["angry"] += 0.5
        arousal += 0.3
        cues.append("punctuation:???")
    if sig.get("exclamation_runs"):
        evidence["angry"] += 0.8
        arousal += 0.3
        cues.append("punctuation:!!!")
    elif sig.get("exclamations"):
        arousal += 0.1
    if sig.get("laughter"):
        evidence["satisfied"] += 0.4
        cues.append("laughter")
    if sig.get("repeated_chars"):
        evidence["anxious"] += 0.6
        arousal += 0.2
        cues.append("repetition")
    if sig.get("ellipsis"):
        evidence["disappointed"] += 0.3
        cues.append("ellipsis")
    for name in n.emoticons:
        label = EMOTICON_EMOTION.get(name)
        if label:
            evidence[label] += 1.0
            arousal += 0.1 if label != "satisfied" else 0.05
            cues.append(f"emoticon:{name}")
    return evidence, cues, min(arousal, 1.0)


def _model() -> LinearTextModel | None:
    try:
        return load_model(EMOTION_MODEL)
    except FileNotFoundError:
        return None


def emotion(text_or_normalised: str | Normalised, *, model: LinearTextModel | None = None) -> Emotion:
    """Read the emotion of one customer message; see the module docstring."""
    n = text_or_normalised if isinstance(text_or_normalised, Normalised) else normalise(text_or_normalised)
    evidence, cues, arousal = rule_evidence(n)
    model = model or _model()
    if model is not None and n.text:
        proba = model.proba(n.text)
    else:
        proba = {label: (0.6 if label == "neutral" else 0.1) for label in EMOTIONS}
    scores = {label: math.log(max(proba.get(label, 0.0), 1e-6)) + evidence[label] for label in EMOTIONS}
    top = max(scores.values())
    exp = {label: math.exp(s - top) for label, s in scores.items()}
    total = sum(exp.values())
    post = {label: v / total for label, v in exp.items()}
    label = max(post, key=post.__getitem__)
    polarity = sum(post[c] * _VALENCE[c] for c in EMOTIONS)
    if label == "neutral":
        intensity = 0.3 * (1.0 - post["neutral"]) + 0.2 * arousal
    else:
        intensity = 0.2 + 0.45 * post[label] + 0.35 * arousal + (0.1 if evidence[label] >= 2.5 else 0.0)
    cues.append(f"model:{max(proba, key=proba.__getitem__)}")
    return Emotion(
        label=label,
        polarity=round(max(-1.0, min(1.0, polarity)), 3),
        intensity=round(max(0.0, min(1.0, intensity)), 3),
        cues=tuple(cues),
        probabilities=tuple((c, round(post[c], 4)) for c in EMOTIONS),
    )


def train_emotion(examples, *, C: float = 8.0) -> LinearTextModel:
    """Train the emotion model from (text, label) pairs (labels among ``EMOTIONS``)."""
    texts, labels = [], []
    for text, label in examples:
        if label in EMOTIONS:
            texts.append(normalise(text).text)
            labels.append(label)
    return LinearTextModel.fit(texts, labels, n_features=2**16, C=C)
