"""The committed catalogs: complete, not fuzzy, compiled, and zh_Hant derived from zh_Hans."""

import gettext
import importlib.util
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "kefu" / "locale"
_spec = importlib.util.spec_from_file_location("translate_hant", ROOT / "scripts" / "translate_hant.py")
translate_hant = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(translate_hant)


def catalog_entries(language: str):
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    return [entry for entry in translate_hant.parse(text) if entry.msgid and not entry.obsolete]


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    entries = catalog_entries(language)

    assert len(entries) > 400
    assert [entry.msgid for entry in entries if not entry.translated] == []


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_the_compiled_catalog_matches_the_po_file(language):
    compiled = gettext.GNUTranslations((LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb"))

    stale = []
    for entry in catalog_entries(language):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is not None:
            key = (key, 0)
        if compiled._catalog.get(key) != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert stale == [], "run: cd kefu && ../.venv/bin/kefu compilemessages"


def test_traditional_catalog_is_generated_from_the_simplified_one():
    pytest.importorskip("opencc")
    source = (LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    target = (LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")

    assert translate_hant.build(source) == target, "run: .venv/bin/python scripts/translate_hant.py"


def test_domain_terms_in_three_languages():
    cases = {
        "zh-hans": ("订单编号", "物流单号", "实付金额", "快捷短语", "服务禁语规则"),
        "zh-hant": ("訂單編號", "物流單號", "實付金額", "快捷短語", "服務禁語規則"),
        "en": ("order number", "tracking number", "paid", "quick phrase", "forbidden-phrase rule"),
    }
    msgids = ("order number", "tracking number", "paid", "quick phrase", "forbidden-phrase rule")
    for language, expected in cases.items():
        with translation.override(language):
            assert tuple(translation.gettext(msgid) for msgid in msgids) == expected
