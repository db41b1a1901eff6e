import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from pipeline.config import DetectSettings
from pipeline.detect import (
    chinese_variant, detect_language, detect_passages, document_language, document_languages,
)
from pipeline.records import Block, passages_from_blocks

SETTINGS = DetectSettings()


@pytest.mark.parametrize("text", [
    "مقدمه", "چکیده", "نتیجه‌گیری", "روش پژوهش",
    "این پژوهش با روش کیفی انجام شده است.",
    "همکاری منطقه‌ای در آسیای مرکزی",
])
def test_persian_is_not_called_arabic(text):
    assert detect_language(text, SETTINGS)[0] == "fa"


@pytest.mark.parametrize("text", [
    "في هذه الدراسة نتناول العلاقات الاقتصادية بين الدولتين.",
    "ذهب الطالب إلى المكتبة لقراءة كتاب عن التاريخ.",
    "المقدمة",
])
def test_arabic_stays_arabic(text):
    assert detect_language(text, SETTINGS)[0] == "ar"


@pytest.mark.parametrize("text, lang", [
    ("影響力", "zh-Hant"), ("影响力", "zh-Hans"),
    ("經濟發展", "zh-Hant"), ("经济发展", "zh-Hans"),
    ("區域合作的新階段。", "zh-Hant"), ("区域合作的新阶段。", "zh-Hans"),
])
def test_traditional_and_simplified_on_short_strings(text, lang):
    assert detect_language(text, SETTINGS)[0] == lang


def test_chinese_variant_without_telling_characters_is_undecided():
    assert chinese_variant("前言") == ("", 0.5)


def test_korean_and_japanese_are_not_chinese():
    assert detect_language("국제 관계의 새로운 단계", SETTINGS)[0] == "ko"
    assert detect_language("これは国際関係の研究です", SETTINGS)[0] == "ja"


def test_english():
    lang, prob = detect_language("The two governments signed a new trade agreement last spring.", SETTINGS)
    assert lang == "en" and prob > 0.9


@pytest.mark.parametrize("text", ["", "   ", "2024", "۱۴۰۳", "12.5 %", "— * —", "\n\n"])
def test_no_letters_is_und(text):
    assert detect_language(text, SETTINGS) == ("und", 0.0)


def test_results_do_not_depend_on_call_order():
    texts = [
        "Regional cooperation deepened after the summit.",
        "Abstract", "Conclusion", "مقدمه", "前言", "Fig. 2",
        "La cooperación regional se profundizó.",
        "Key words: policy, trade",
    ]
    forward = [detect_language(t, SETTINGS) for t in texts]
    backward = [detect_language(t, SETTINGS) for t in reversed(texts)][::-1]
    assert forward == backward
    # and repeated calls give the same answer even with other work in between
    assert [detect_language(t, SETTINGS) for t in texts] == forward


def _passages(*texts, kind="paragraph"):
    return passages_from_blocks("doc", [Block(page=1, kind=kind, text=t) for t in texts])


PERSIAN_PAPER = _passages(
    "همکاری‌های منطقه‌ای ایران و همسایگان",
    "این مقاله به بررسی روابط اقتصادی و سیاسی کشورهای منطقه می‌پردازد و نشان می‌دهد که همکاری‌ها گسترش یافته است.",
    "Abstract",
    "This article examines the economic and political relations of the countries in the region.",
    "It shows that cooperation has expanded over the past decade despite several setbacks.",
    "مقدمه",
    "در سال‌های اخیر، کشورهای منطقه به دنبال گسترش روابط تجاری با یکدیگر بوده‌اند.",
    "12",
)


def test_mixed_persian_english_document_yields_runs():
    result = detect_passages(PERSIAN_PAPER, SETTINGS)
    assert [p.lang for p in result] == ["fa", "fa", "en", "en", "en", "fa", "fa", "fa"]
    assert [p.run for p in result] == [0, 0, 1, 1, 1, 2, 2, 2]
    # the heading took its language from the abstract it introduces
    assert result[2].lang_prob == 0.0
    assert result[3].lang_prob > 0.9


def test_detect_passages_returns_new_records():
    before = [p.lang for p in PERSIAN_PAPER]
    detect_passages(PERSIAN_PAPER, SETTINGS)
    assert [p.lang for p in PERSIAN_PAPER] == before


def test_short_chinese_heading_follows_its_document():
    passages = _passages(
        "前言",
        "過去的研究認為，區域國家之間的經濟關係日益緊密。",
        "結論",
        "本文的發現顯示，合作仍然面臨許多挑戰。",
    )
    assert [p.lang for p in detect_passages(passages, SETTINGS)] == ["zh-Hant"] * 4


def test_short_latin_passage_in_persian_paper_takes_the_latin_run_language():
    passages = _passages(
        "Regional cooperation has expanded over the past decade in many sectors.",
        "این مقاله به بررسی روابط اقتصادی کشورهای منطقه می‌پردازد.",
        "Table 1",
        "در سال‌های اخیر، کشورهای منطقه روابط تجاری گسترده‌ای داشته‌اند.",
    )
    assert [p.lang for p in detect_passages(passages, SETTINGS)] == ["en", "fa", "en", "fa"]


def test_short_latin_line_misread_by_langdetect_joins_its_run():
    assert detect_language("and infrastructure companies", SETTINGS)[0] != "en"
    passages = _passages(
        "The region attracted large investments in transport and energy after 2013.",
        "and infrastructure companies",
        "Most of these projects were financed by state banks and export credit agencies.",
    )
    result = detect_passages(passages, SETTINGS)
    assert [p.lang for p in result] == ["en", "en", "en"]
    assert [p.run for p in result] == [0, 0, 0]


def test_keyword_list_read_as_another_language_joins_its_abstract():
    keywords = "Keywords: urban water management, qanat, tiered tariffs, wastewater reuse, Yazd"
    guess, prob = detect_language(keywords, SETTINGS)
    assert guess not in ("en", "fa") and prob > 0.9  # langdetect is sure, and wrong
    passages = _passages(
        "این مقاله مدیریت آب شهری را در شهرهای خشک ایران بررسی می‌کند.",
        "Abstract",
        "This paper studies how arid cities combine tariffs, old qanats and treated wastewater.",
        "Household consumption fell after the tariff reform, but summer peaks stayed the same.",
        keywords,
        "۵",
    )
    assert [p.lang for p in detect_passages(passages, SETTINGS)] == ["fa", "en", "en", "en", "en", "en"]


def test_long_passage_in_another_latin_language_keeps_its_language():
    spanish = ("La cooperación regional se profundizó después de la cumbre, y los países firmaron "
               "acuerdos sobre el comercio, el transporte y la energía que siguen vigentes hoy. "
               "Los gobiernos crearon además un fondo común para financiar carreteras y puertos, "
               "y una comisión mixta revisa cada año los proyectos que ese fondo ha pagado.")
    passages = _passages(
        "This paper studies how arid cities combine tariffs, old qanats and treated wastewater.",
        spanish,
        "Household consumption fell after the tariff reform, but summer peaks stayed the same.",
    )
    assert [p.lang for p in detect_passages(passages, SETTINGS)] == ["en", "es", "en"]


def test_document_languages_by_share():
    result = detect_passages(PERSIAN_PAPER, SETTINGS)
    assert document_language(result) == "fa"
    assert document_languages(result) == ["fa", "en"]
    assert document_language([]) == "und"
    assert document_languages([]) == []


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_never_raises(text):
    lang, prob = detect_language(text, SETTINGS)
    assert isinstance(lang, str) and lang
    assert 0.0 <= prob <= 1.0


def test_footnotes_do_not_decide_the_document_language():
    """A Chinese paper whose footnotes cite long English titles is still a Chinese paper."""
    import dataclasses

    body = ["本文檢視中國在中亞的經貿投資與數位建設，並分析其影響力的延續與改變。",
            "中亞各國在安全議題上未必緊隨俄羅斯，外界因此關注中國是否趁機擴張影響力。"]
    notes = ["1. Bernardo Mariani, \"Regional Security and Shifting Geopolitics in a Changing "
             "Neighbourhood,\" Saferworld Report, London, March 2013, pp. 1-45, "
             "available from the organisation's website.",
             "2. Elizabeth Woods and Thomas Baker, \"Public Opinion on Foreign Investment Is "
             "Waning in the Region,\" The Diplomat, May 2022, with survey data for five countries."]
    passages = [dataclasses.replace(p, kind="footnote") if p.text in notes else p
                for p in _passages(*body, *notes)]
    result = detect_passages(passages, SETTINGS)
    assert [p.lang for p in result[2:]] == ["en", "en"]
    assert document_language(result) == "zh-Hant"
    assert document_languages(result)[0] == "zh-Hant"
