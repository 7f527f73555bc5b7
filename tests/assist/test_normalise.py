import subprocess
import sys

from kefu.assist.normalise import Normalised, normalise


def test_traditional_in_simplified_out_original_kept():
    result = normalise("請問AFG2100有幾個通道？")
    assert isinstance(result, Normalised)
    assert result.original == "請問AFG2100有幾個通道？"
    assert result.text == "请问AFG2100有几个通道?"
    assert result.is_traditional is True


def test_simplified_is_not_traditional():
    result = normalise("请问有货吗")
    assert result.text == "请问有货吗"
    assert result.is_traditional is False


def test_full_width_to_half_width_and_whitespace_collapsed():
    assert normalise("ＡＦＧ２１００\u3000 有货吗？\n\n  ").text == "AFG2100 有货吗?"


def test_platform_emoticons_become_tokens_traditional_names_too():
    result = normalise("怎麼還沒到[大哭][發怒]")
    assert result.text == "怎么还没到 <e:大哭> <e:发怒>"
    assert result.emoticons == ("大哭", "发怒")


def test_unknown_bracket_words_are_not_emoticons():
    result = normalise("这个[包邮]吗")
    assert result.text == "这个[包邮]吗"
    assert result.emoticons == ()


def test_unicode_emoji_mapped_to_names_skin_tone_ignored():
    result = normalise("收到了😭👍🏻")
    assert result.emoticons == ("大哭", "强")
    assert result.text == "收到了 <e:大哭> <e:强>"


def test_signals_count_punctuation_repetition_and_ellipsis():
    result = normalise("快快快！！！我的快递怎么还没到？？？都一个星期了……")
    assert result.signals["question_marks"] == 3
    assert result.signals["exclamations"] == 3
    assert result.signals["question_runs"] == 1
    assert result.signals["exclamation_runs"] == 1
    assert result.signals["repeated_chars"] == 1
    assert result.signals["ellipsis"] == 1
    assert result.text == "快快快!!!我的快递怎么还没到???都一个星期了……"


def test_empty_text():
    result = normalise("")
    assert result.text == "" and result.emoticons == () and result.is_traditional is False


def test_importing_kefu_assist_does_not_import_django():
    code = (
        "import importlib, pkgutil, sys\n"
        "import kefu.assist\n"
        "names = [m.name for m in pkgutil.iter_modules(kefu.assist.__path__)]\n"
        "for name in names:\n"
        "    importlib.import_module('kefu.assist.' + name)\n"
        "assert {'normalise', 'tokenise', 'emotion', 'intent', 'evaluation'} <= set(names), names\n"
        "print('django' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
