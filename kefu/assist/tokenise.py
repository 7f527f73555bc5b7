"""Word and character tokens for Chinese chat text.

``Tokeniser`` wraps a PRIVATE ``jieba.Tokenizer`` (never jieba's global one) so that each
dictionary of domain words (catalog product names, FAQ terms, a shop's wording) stays with
its owner: 翼龙F40, AFG2100, 12kW冷水机, 花呗, 借呗 come out as one token each. jieba's base
dictionary is loaded once per process (from jieba's marshal cache when present) and copied
into each tokeniser, so a new tokeniser costs a dictionary copy, not a reload.

``tokens`` folds width, converts traditional to simplified and lowercases latin letters
itself, so raw or already normalised text may be passed. Punctuation and whitespace are
dropped. Emoticon tokens made by ``normalise`` (``<e:微笑>``) stay whole.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from kefu.assist.normalise import fold_width, to_simplified

__all__ = ["Tokeniser", "default_tokeniser", "load_words", "DOMAIN_WORDS_FILE"]

DOMAIN_WORDS_FILE = Path(__file__).with_name("data") / "domain_words.txt"

_EMO_SPLIT = re.compile(r"(<e:[^<>\s]{1,8}>)")
_UNIT_RE = re.compile(r"<e:[^<>\s]{1,8}>|[a-z0-9]+(?:[.\-][a-z0-9]+)*|[^\W_a-z0-9]", re.UNICODE)

_base_lock = threading.Lock()
_base: tuple[dict[str, int], int] | None = None


def _base_dictionary() -> tuple[dict[str, int], int]:
    """Jieba's default prefix dictionary (FREQ, total), loaded once per process."""
    global _base
    if _base is None:
        with _base_lock:
            if _base is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                _base = (tk.FREQ, tk.total)
    return _base


def load_words(path: str | Path = DOMAIN_WORDS_FILE) -> list[str]:
    """Words (one per line, optional frequency after a space, ``#`` comments) from a file."""
    words = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.append(line.split()[0])
    return words


def _is_word(token: str) -> bool:
    return any(c.isalnum() for c in token)


class Tokeniser:
    """jieba with its own dictionary; see the module docstring."""

    def __init__(
        self,
        *,
        words: Iterable[str] = (),
        synonyms: Mapping[str, str] | None = None,
        hmm: bool = True,
    ) -> None:
        import jieba

        freq, total = _base_dictionary()
        tk = jieba.Tokenizer()
        tk.FREQ = dict(freq)
        tk.total = total
        tk.initialized = True
        self._tk = tk
        self._hmm = hmm
        self._lock = threading.Lock()
        self.words: set[str] = set()
        self.synonyms: dict[str, str] = {}
        self.add_words(words)
        if synonyms:
            self.add_synonyms(synonyms)

    def add_words(self, words: Iterable[str]) -> None:
        """Add domain words so that they stay whole (case-insensitive for latin letters)."""
        with self._lock:
            for word in words:
                word = to_simplified(fold_width(word.strip())).lower()
                if not word or word in self.words:
                    continue
                self.words.add(word)
                # At least what it takes to be cut out whole, and as common as a usual word.
                freq = max(self._tk.suggest_freq(word, False), 2000 if len(word) > 1 else 20)
                self._tk.add_word(word, freq)

    def add_synonyms(self, synonyms: Mapping[str, str]) -> None:
        """Map tokens onto a canonical token (``{"顺丰快递": "顺丰"}``); keys become words."""
        pairs = {
            to_simplified(fold_width(k)).lower(): to_simplified(fold_width(v)).lower()
            for k, v in synonyms.items()
        }
        self.add_words(list(pairs) + list(pairs.values()))
        self.synonyms.update(pairs)

    def tokens(self, text: str) -> list[str]:
        """Words of ``text``: lowercased, simplified, without punctuation, synonyms applied."""
        if not text:
            return []
        text = to_simplified(fold_width(text)).lower()
        out: list[str] = []
        syn = self.synonyms
        parts = _EMO_SPLIT.split(text) if "<e:" in text else (text,)
        for part in parts:
            if part.startswith("<e:"):
                out.append(part)
                continue
            for word in self._tk.cut(part, HMM=self._hmm):
                if _is_word(word):
                    out.append(syn.get(word, word) if syn else word)
        return out

    __call__ = tokens

    def char_ngrams(self, text: str, n: int | tuple[int, int] = (1, 2)) -> list[str]:
        """Character n-grams; a latin/digit run (``afg2100``) or an emoticon token is one unit."""
        return char_ngrams(text, n)


def char_ngrams(text: str, n: int | tuple[int, int] = (1, 2)) -> list[str]:
    """Character n-grams of ``text`` without punctuation; see ``Tokeniser.char_ngrams``."""
    if not text:
        return []
    lo, hi = (n, n) if isinstance(n, int) else n
    units = _UNIT_RE.findall(to_simplified(fold_width(text)).lower())
    grams: list[str] = []
    count = len(units)
    for size in range(lo, hi + 1):
        if size == 1:
            grams.extend(units)
        else:
            grams.extend("".join(units[i : i + size]) for i in range(count - size + 1))
    return grams


@functools.cache
def default_tokeniser() -> Tokeniser:
    """Return the process-wide tokeniser with Kefu's built-in e-commerce dictionary."""
    return Tokeniser(words=load_words())
