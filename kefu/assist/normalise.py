"""Normalise a chat message: simplified characters, half-width forms, emoticons as tokens.

``normalise(text)`` keeps the original and returns the simplified, half-width text in which
platform emoticons (``[微笑]``, ``[大哭]``, traditional ``[發怒]``) and unicode emoji are
replaced by tokens ``<e:NAME>``; the names found are listed in ``emoticons``. Repeated
punctuation and characters (？？？ ！！！ 快快快) are kept in the text and also counted in
``signals`` because they say how the customer feels.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

__all__ = ["Normalised", "normalise", "to_simplified", "fold_width", "EMOTICON_NAMES", "EMOJI_NAMES"]


@dataclass(frozen=True)
class Normalised:
    original: str
    text: str
    emoticons: tuple[str, ...] = ()
    signals: dict[str, int] = field(default_factory=dict)
    is_traditional: bool = False


# Platform emoticons (QQ / WeChat / Taobao Wangwang / Weibo), simplified names.
EMOTICON_NAMES = frozenset(
    """
    微笑 撇嘴 色 发呆 得意 流泪 害羞 闭嘴 睡 大哭 尴尬 发怒 调皮 呲牙 惊讶 难过 酷 冷汗 抓狂 吐
    偷笑 愉快 可爱 白眼 傲慢 饥饿 困 惊恐 流汗 憨笑 悠闲 大兵 奋斗 咒骂 疑问 嘘 晕 疯了 折磨 衰
    骷髅 敲打 再见 擦汗 抠鼻 鼓掌 糗大了 坏笑 左哼哼 右哼哼 哈欠 鄙视 委屈 快哭了 阴险 亲亲 吓
    可怜 菜刀 西瓜 啤酒 篮球 乒乓 咖啡 饭 猪头 玫瑰 凋谢 嘴唇 示爱 爱心 心碎 蛋糕 闪电 炸弹 刀
    足球 瓢虫 便便 月亮 太阳 礼物 拥抱 强 弱 握手 胜利 抱拳 勾引 拳头 差劲 爱你 no ok 爱情 飞吻
    跳跳 发抖 怄火 转圈 磕头 回头 跳绳 投降 激动 乱舞 献吻 左太极 右太极 笑脸 生病 破涕为笑 脸红
    恐惧 失望 无语 嘿哈 捂脸 奸笑 机智 皱眉 耶 吃瓜 加油 汗 天啊 社会社会 旺柴 好的 打脸 哇 翻白眼
    让我看看 叹气 苦涩 裂开 哈哈 嘻嘻 怒 泪 哼 赞 心 伤心 鬼脸 害怕 开心 生气 哭 笑 笑哭 谢谢 好棒
    挖鼻 顶 威武 围观 思考 允悲 二哈 费解 酸 汗颜 感冒 抱抱 睡觉 钱 互粉 惊呆 吃惊 怒骂 可恶
    """.split()
)

# Unicode emoji to the emoticon name that means the same.
EMOJI_NAMES: dict[str, str] = {
    "😊": "微笑", "🙂": "微笑", "☺": "微笑", "😀": "呲牙", "😃": "憨笑", "😄": "呲牙", "😁": "呲牙",
    "😆": "哈哈", "😂": "笑哭", "🤣": "笑哭", "😅": "擦汗", "😓": "流汗", "😰": "冷汗", "😥": "难过",
    "😢": "流泪", "😭": "大哭", "😿": "大哭", "😞": "失望", "😔": "难过", "😟": "难过", "🙁": "难过",
    "☹": "难过", "😣": "抓狂", "😖": "抓狂", "😫": "抓狂", "😩": "抓狂", "😤": "哼", "😠": "发怒",
    "😡": "发怒", "🤬": "咒骂", "👿": "发怒", "💢": "怒", "😒": "白眼", "🙄": "白眼", "😑": "无语",
    "😐": "无语", "😶": "无语", "🤔": "疑问", "❓": "疑问", "❔": "疑问", "😱": "惊恐", "😨": "惊恐",
    "😧": "惊恐", "😮": "惊讶", "😯": "惊讶", "😲": "惊讶", "😳": "尴尬", "🥺": "可怜", "😍": "色",
    "🥰": "爱心", "😘": "飞吻", "😗": "亲亲", "😚": "亲亲", "❤": "爱心", "💕": "爱心", "💖": "爱心",
    "💗": "爱心", "💓": "爱心", "💔": "心碎", "👍": "强", "👎": "弱", "👌": "ok", "🙏": "抱拳",
    "🤝": "握手", "✌": "胜利", "👏": "鼓掌", "💪": "加油", "🌹": "玫瑰", "🥀": "凋谢", "🎁": "礼物",
    "🎉": "庆祝", "🎊": "庆祝", "💯": "好棒", "🤗": "拥抱", "😎": "酷", "😜": "调皮", "😝": "调皮",
    "😛": "调皮", "😉": "坏笑", "😏": "坏笑", "🤭": "偷笑", "😴": "睡", "😪": "困", "🥱": "哈欠",
    "🤮": "吐", "🤢": "吐", "😷": "生病", "🤒": "生病", "💩": "便便", "🔪": "菜刀", "💣": "炸弹",
    "⚡": "闪电", "🌚": "阴险", "🙃": "笑脸", "😬": "尴尬", "🤐": "闭嘴", "🤫": "嘘", "😵": "晕",
    "🤯": "疯了", "😇": "微笑", "🥲": "苦涩", "😮‍💨": "叹气", "🆗": "ok", "✅": "ok", "❌": "no",
    "🚚": "快递", "📦": "快递",
}  # fmt: skip

_EMOJI_RE = re.compile(
    "|".join(sorted((re.escape(e) for e in EMOJI_NAMES), key=len, reverse=True))
    + "|[\U0001f300-\U0001faff\u2600-\u27bf]"
)
_EMOTICON_RE = re.compile(r"\[([\u4e00-\u9fffA-Za-z]{1,5})\]")
_SPACE_RE = re.compile(r"\s+")
_REPEAT_RE = re.compile(r"([\u4e00-\u9fffA-Za-z])\1{2,}|([\u4e00-\u9fff]{2})\2{2,}")
_LAUGH_RE = re.compile(r"[哈呵嘿嘻嘎]{2,}|233+|hh+")
_LAUGH_CHARS = frozenset("哈呵嘿嘻嘎")
_ELLIPSIS_RE = re.compile(r"\.{3,}|…+|。{2,}")
_QUESTION_RUN_RE = re.compile(r"[?？]{2,}")
_EXCLAIM_RUN_RE = re.compile(r"[!！]{2,}")
_INVISIBLE = dict.fromkeys(map(ord, "\ufe0f\ufe0e\u200b\u200c\u200d\u2060\ufeff"), None)
_INVISIBLE.update(dict.fromkeys(range(0x1F3FB, 0x1F400), None))  # emoji skin tones

# Full-width ASCII (FF01-FF5E) and the ideographic space to their half-width forms.
_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20
_WIDTH_TABLE.update(_INVISIBLE)

_converter = None
_converter_lock = threading.Lock()


def _t2s():
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


def to_simplified(text: str) -> str:
    """Traditional to simplified characters (OpenCC ``t2s``); other text is unchanged."""
    if not text or text.isascii():
        return text
    return _t2s().convert(text)


def fold_width(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width; invisible joiners dropped."""
    return text.translate(_WIDTH_TABLE)


def _emoticon_sub(found: list[str]):
    def sub(match: re.Match) -> str:
        name = match.group(1)
        key = name.lower()
        if key not in EMOTICON_NAMES:
            return match.group(0)
        found.append(key)
        return f" <e:{key}> "

    return sub


def _emoji_sub(found: list[str]):
    def sub(match: re.Match) -> str:
        name = EMOJI_NAMES.get(match.group(0), "表情")
        found.append(name)
        return f" <e:{name}> "

    return sub


def normalise(text: str) -> Normalised:
    """Normalise one message; see the module docstring."""
    original = text or ""
    folded = fold_width(original)
    simplified = to_simplified(folded)
    is_traditional = simplified != folded
    signals = {
        "question_marks": folded.count("?"),
        "exclamations": folded.count("!"),
        "question_runs": len(_QUESTION_RUN_RE.findall(folded)),
        "exclamation_runs": len(_EXCLAIM_RUN_RE.findall(folded)),
        "repeated_chars": sum(
            1 for m in _REPEAT_RE.finditer(simplified) if not _LAUGH_CHARS.issuperset(m.group(0))
        ),
        "laughter": len(_LAUGH_RE.findall(simplified.lower())),
        "ellipsis": len(_ELLIPSIS_RE.findall(folded)),
    }
    found: list[str] = []
    out = simplified
    if "[" in out:
        out = _EMOTICON_RE.sub(_emoticon_sub(found), out)
    if not out.isascii():
        out = _EMOJI_RE.sub(_emoji_sub(found), out)
    out = _SPACE_RE.sub(" ", out).strip()
    signals["emoticons"] = len(found)
    return Normalised(
        original=original,
        text=out,
        emoticons=tuple(found),
        signals=signals,
        is_traditional=is_traditional,
    )
