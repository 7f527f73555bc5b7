"""Regenerate the traditional-Chinese catalog from the simplified one with OpenCC (s2twp).

    .venv/bin/pip install opencc        # only for this step; not a run-time dependency
    .venv/bin/python scripts/translate_hant.py [--check]
    cd kefu && ../.venv/bin/kefu compilemessages

zh_Hans is the catalog translators edit; zh_Hant is derived from it, entry for entry, so the
two never drift. s2twp converts characters and Taiwan phrasing (软件 -> 軟體); the few words
it gets wrong for a shop's customer service are fixed in HANT_FIXES below. --check exits with
1 when zh_Hant is out of date (for CI).
"""

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "kefu" / "locale"
SOURCE = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
TARGET = LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po"

# After s2twp: words it renders in a way a Taiwan / Hong Kong seller would not use here.
HANT_FIXES: dict[str, str] = {
    "許可權": "權限",  # 权限 (permissions), not "license"
    "隻能": "只能",
    "引數": "參數",  # 参数 outside programming: 规格参数
    "型別": "類型",
    "優先順序": "優先級",
    "停用原因": "禁用原因",  # why a phrase is forbidden, not why a rule is switched off
    "後臺": "後台",
    "工作臺": "工作台",
    "平臺": "平台",
    "賬號": "帳號",
    "退出登入": "登出",
    "質量": "品質",
    "營銷": "行銷",
    "文本": "文字",
}

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\t", "\\t")
        .replace("\r", "\\r")
        .replace("\n", "\\n")
    )


@dataclass
class Entry:
    """One catalog entry; comments are kept verbatim, strings unescaped."""

    comments: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def flags(self) -> set[str]:
        return {
            flag.strip() for line in self.comments if line.startswith("#,") for flag in line[2:].split(",")
        }

    def remove_flag(self, name: str) -> None:
        kept = []
        for line in self.comments:
            if line.startswith("#,"):
                flags = [
                    flag.strip() for flag in line[2:].split(",") if flag.strip() and flag.strip() != name
                ]
                if flags:
                    kept.append("#, " + ", ".join(flags))
                continue
            kept.append(line)
        self.comments = kept

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and "fuzzy" not in self.flags


def parse(text: str) -> list[Entry]:
    """Parse a .po file written by GNU gettext or by this module."""
    entries: list[Entry] = []
    entry = Entry()
    current: tuple[str, int] | None = None
    seen_keyword = False

    def finish() -> None:
        nonlocal entry, current, seen_keyword
        if seen_keyword or entry.comments:
            entries.append(entry)
        entry, current, seen_keyword = Entry(), None, False

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            entry.comments.append(raw)
            continue
        if line.startswith("#"):
            if seen_keyword:
                finish()
            entry.comments.append(raw)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            value = unescape(_STRING.match(line).group(1))
        else:
            seen_keyword = True
            value = unescape(_STRING.match(rest.strip()).group(1))
            if keyword == "msgctxt":
                current = ("msgctxt", 0)
                entry.msgctxt = ""
            elif keyword == "msgid":
                current = ("msgid", 0)
            elif keyword == "msgid_plural":
                current = ("msgid_plural", 0)
                entry.msgid_plural = ""
            elif keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if "[" in keyword else 0
                current = ("msgstr", index)
                entry.msgstr[index] = ""
            else:
                raise ValueError(f"unexpected line: {raw!r}")
        name, index = current
        if name == "msgstr":
            entry.msgstr[index] += value
        else:
            setattr(entry, name, getattr(entry, name) + value)
    finish()
    return entries


def _format(keyword: str, value: str) -> list[str]:
    if "\n" not in value.rstrip("\n") and len(value) < 70:
        return [f'{keyword} "{escape(value)}"']
    parts = re.findall(r"[^\n]*\n|[^\n]+", value)
    return [f'{keyword} ""'] + [f'"{escape(part)}"' for part in parts]


def dump(entries: list[Entry]) -> str:
    blocks = []
    for entry in entries:
        lines = list(entry.comments)
        if not entry.obsolete:
            if entry.msgctxt is not None:
                lines += _format("msgctxt", entry.msgctxt)
            lines += _format("msgid", entry.msgid)
            if entry.msgid_plural is not None:
                lines += _format("msgid_plural", entry.msgid_plural)
                for index in sorted(entry.msgstr):
                    lines += _format(f"msgstr[{index}]", entry.msgstr[index])
            else:
                lines += _format("msgstr", entry.msgstr.get(0, ""))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def converter():
    try:
        import opencc
    except ImportError:
        sys.exit("OpenCC is missing: .venv/bin/pip install opencc")
    try:
        return opencc.OpenCC("s2twp.json")
    except Exception:  # older wheels want the name without .json
        return opencc.OpenCC("s2twp")


def to_hant(text: str, convert) -> str:
    result = convert(text)
    for wrong, right in HANT_FIXES.items():
        result = result.replace(wrong, right)
    return result


def build(source_text: str) -> str:
    cc = converter()
    entries = parse(source_text)
    for entry in entries:
        if entry.obsolete:
            continue
        if entry.msgid == "" and entry.msgctxt is None:
            entry.msgstr[0] = re.sub(r"Language: zh_Hans", "Language: zh_Hant", entry.msgstr.get(0, ""))
            entry.msgstr[0] = entry.msgstr[0].replace("Simplified Chinese", "Traditional Chinese")
            continue
        entry.msgstr = {index: to_hant(value, cc.convert) for index, value in entry.msgstr.items()}
    return dump(entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if zh_Hant is not what zh_Hans gives")
    args = parser.parse_args()
    text = build(SOURCE.read_text(encoding="utf-8"))
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            sys.exit(f"{TARGET.relative_to(ROOT)} is out of date: run scripts/translate_hant.py")
        return
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    entries = [e for e in parse(text) if e.msgid and not e.obsolete]
    print(
        f"{TARGET.relative_to(ROOT)}: {sum(e.translated for e in entries)} of {len(entries)} entries translated"
    )


if __name__ == "__main__":
    main()
