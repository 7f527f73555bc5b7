
from kefu.assist.tokenise import Tokeniser, char_ngrams, default_tokeniser, load_words


def test_domain_words_stay_whole():
    tokens = default_tokeniser().tokens("请问翼龙F40和AFG2100有几个通道，12kW冷水机可以用花呗吗")
    assert tokens == ["请问", "翼龙f40", "和", "afg2100", "有", "几个", "通道", "12kw冷水机", "可以", "用", "花呗", "吗"]


def test_product_name_one_token_any_case_and_width():
    tk = default_tokeniser()
    assert tk.tokens("翼龙F40") == ["翼龙f40"]
    assert tk.tokens("翼龙ｆ４０") == ["翼龙f40"]


def test_huabei_and_jiebei_are_distinct_tokens():
    assert default_tokeniser().tokens("借呗和花呗有什么区别") == ["借呗", "和", "花呗", "有", "什么", "区别"]


def test_traditional_input_gives_simplified_tokens_without_punctuation():
    assert default_tokeniser().tokens("請問AFG2100有幾個通道？") == ["请问", "afg2100", "有", "几个", "通道"]


def test_emoticon_tokens_stay_whole():
    assert default_tokeniser().tokens("好评 <e:微笑>") == ["好评", "<e:微笑>"]


def test_private_dictionary_does_not_leak_into_jieba_or_other_tokenisers():
    import jieba

    mine = Tokeniser(words=["咕噜咕噜机"])
    assert mine.tokens("买个咕噜咕噜机") == ["买个", "咕噜咕噜机"]
    assert "咕噜咕噜机" not in Tokeniser().tokens("买个咕噜咕噜机")
    assert "咕噜咕噜机" not in jieba.lcut("买个咕噜咕噜机")


def test_synonyms_map_to_canonical_token():
    tk = Tokeniser(words=["顺丰"], synonyms={"顺丰快递": "顺丰", "SF": "顺丰"})
    assert tk.tokens("发顺丰快递还是SF") == ["发", "顺丰", "还是", "顺丰"]


def test_char_ngrams_latin_run_is_one_unit():
    assert char_ngrams("AFG2100有货？", (1, 2)) == ["afg2100", "有", "货", "afg2100有", "有货"]
    assert default_tokeniser().char_ngrams("有货", 2) == ["有货"]


def test_domain_dictionary_has_enough_words():
    words = load_words()
    assert len(words) >= 300
    for word in ["包邮", "七天无理由", "运费险", "花呗", "借呗", "顺丰", "转人工", "差评", "优惠券"]:
        assert word in words
