import dataclasses

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.normalize import (
    normalize_passages, normalize_text, rtl_order_damage, script_of,
)
from pipeline.records import Block, passages_from_blocks

ZWNJ = "\u200c"


# --- script -------------------------------------------------------------------------

@pytest.mark.parametrize("text, script", [
    ("پژوهش حاضر به بررسی سیاست خارجی می‌پردازد.", "arabic"),
    ("本研究探討區域合作的發展。", "han"),
    ("The committee published its findings.", "latin"),
    ("2024 — 17.5 %", "other"),
    ("", "other"),
    ("Привет, мир", "other"),
    # a Chinese sentence citing an English title is still Chinese
    ("本文參考 Global Governance of Technology 一書的論點。", "han"),
    # a Persian sentence with a Latin citation is still Persian
    ("این دیدگاه در پژوهش‌های پیشین نیز مطرح شده است (Brown, 2019: 12).", "arabic"),
])
def test_script_of(text, script):
    assert script_of(text) == script


# --- Persian ------------------------------------------------------------------------

def fa(text: str) -> str:
    return normalize_text(text, "arabic")[0]


def test_arabic_yeh_and_kaf_become_persian():
    assert fa("كتابخانه ملي كشور") == "کتابخانه ملی کشور"


def test_presentation_forms_are_folded():
    assert fa("ﻛﺘﺎﺏ ﺧﻮﺏ") == "کتاب خوب"
    assert fa("ﻻزم") == "لازم"


def test_digits_are_not_rewritten():
    normalized, pivot = normalize_text("نرخ رشد 0.11 درصد و در سال ۱۴۰۲ برابر ۲٫۵ بود.", "arabic")
    assert "0.11" in normalized and "۱۴۰۲" in normalized and "۲٫۵" in normalized
    # the pivot writes every digit in ASCII so numbers match across languages
    assert "0.11" in pivot and "1402" in pivot and "2.5" in pivot
    assert not any(ch in pivot for ch in "۰۱۲۳۴۵۶۷۸۹٫")


def test_latin_text_and_quotes_inside_persian_are_kept():
    text = "این نظریه (Waltz et al., 1979, p. 4) را e.g. در example.com و “balance” دیده‌ایم."
    normalized = fa(text)
    for piece in ("(Waltz et al., 1979, p. 4)", "e.g.", "example.com", "“balance”"):
        assert piece in normalized


@pytest.mark.parametrize("broken, repaired", [
    ("این روش استفاده می شود", "این روش استفاده می‌شود"),
    ("ما نمی دانیم", "ما نمی‌دانیم"),
    ("کتاب ها را خواندم", "کتاب‌ها را خواندم"),
    ("دانشگاه های کشور", "دانشگاه‌های کشور"),
])
def test_zwnj_is_repaired(broken, repaired):
    assert fa(broken) == repaired


def test_kashida_and_diacritics_are_removed():
    assert fa("بـــزرگ") == "بزرگ"
    assert fa("عِلم و دانِش") == "علم و دانش"


def test_hamza_above_heh_and_heh_with_hamza_agree():
    assert fa("خانهٔ ما") == fa("خانۀ ما") == "خانۀ ما"


def test_persian_line_breaks_become_spaces():
    assert fa("پژوهش حاضر\nبه بررسی  روابط\nمی‌پردازد") == "پژوهش حاضر به بررسی روابط می‌پردازد"


def test_persian_pivot_is_normalized_text_apart_from_digits():
    normalized, pivot = normalize_text("روابط دو كشور بهبود يافت", "arabic")
    assert pivot == normalized == "روابط دو کشور بهبود یافت"


# --- English ------------------------------------------------------------------------

def en(text: str) -> str:
    return normalize_text(text, "latin")[0]


def test_ligatures_are_spelled_out():
    assert en("The ﬁrst ﬂow of ﬀ and ﬃ and ﬄ") == "The first flow of ff and ffi and ffl"


@pytest.mark.parametrize("broken, joined", [
    ("the inter-\nnational order", "the international order"),
    ("a well-\nknown result", "a well-known result"),
    ("the non-\nstate actors", "the non-state actors"),
    ("a long-\nterm plan", "a long-term plan"),
    ("state-of-the-\nart systems", "state-of-the-art systems"),
    ("the Sino-\nRussian border", "the Sino-Russian border"),
    ("during COVID-\n19", "during COVID-19"),
    ("co-\noperation and co-operation", "co-operation and co-operation"),
    ("econ\u00ad\nomic growth", "economic growth"),
])
def test_line_end_hyphens(broken, joined):
    assert en(broken) == joined


def test_hyphen_inside_a_line_is_kept():
    assert en("a self-reliant and multi-level approach") == "a self-reliant and multi-level approach"


def test_soft_hyphens_and_whitespace():
    assert en("  econ\u00adomic \t growth\n\nrates  ") == "economic growth rates"


def test_english_pivot_equals_normalized():
    normalized, pivot = normalize_text("Trade rose by 0.75 percent.", "latin")
    assert normalized == pivot == "Trade rose by 0.75 percent."


# --- Chinese ------------------------------------------------------------------------

def test_kangxi_and_radical_supplement_forms_are_folded():
    # PDF fonts map ordinary characters to radical code points
    normalized, _ = normalize_text("⼈⺠的⼒量", "han")
    assert normalized == "人民的力量"


def test_spaces_between_cjk_are_removed_but_not_around_latin():
    normalized, _ = normalize_text("區域 合作\n的 發展 推動 5G 網路 與 AI 應用", "han")
    assert normalized == "區域合作的發展推動 5G 網路與 AI 應用"


def test_line_break_beside_a_chinese_character_is_not_a_space():
    normalized, _ = normalize_text("計畫延長至\n2022年，由 Belt\nand Road 基金\n出資", "han")
    assert normalized == "計畫延長至2022年，由 Belt and Road 基金出資"


def test_line_wrapped_inside_a_bracket_is_not_a_space():
    assert normalize_text("تجارت چای (\n۱۶۵۰–۱۹۱۱\n) در ایران", "arabic")[0] == "تجارت چای (۱۶۵۰–۱۹۱۱) در ایران"
    assert normalize_text("the tea road (\n1650-1911) and", "latin")[0] == "the tea road (1650-1911) and"


def test_german_guillemets_keep_their_spaces():
    """German quotes »so«: the space after a closing « and before an opening » is a word
    space; Persian «…» still loses the space inside."""
    from pipeline.normalize import reflow

    assert reflow("gerne sagen, »interessanten Zeiten« entgegen") == "gerne sagen, »interessanten Zeiten« entgegen"
    assert reflow("در بخش « یافته‌ها » آمده است") == "در بخش «یافته‌ها» آمده است"


def test_reflow_joins_layout_lines_and_keeps_passages_and_characters():
    from pipeline.normalize import reflow

    assert reflow("در چنین حوضه‌هایی، (\nRahimi, 2021:\n14).\n\nبند دوم") == \
        "در چنین حوضه‌هایی، (Rahimi, 2021: 14).\n\nبند دوم"
    assert reflow("計畫延長至\n2022年，由 Belt\nand Road 基金\n出資") == "計畫延長至2022年，由 Belt and Road 基金出資"
    assert reflow("ك\nي") == "ك ي"  # the characters as written: no normalization
    # a curly quote is set without a space only beside Chinese
    assert reflow("able to say\n“imitate me.”\nAmen.") == "able to say “imitate me.” Amen."
    assert reflow("他說。”\n我們\n“合作”") == "他說。”我們“合作”"


def test_full_width_punctuation_is_kept():
    normalized, _ = normalize_text("他說：「合作，才能共贏。」（見第三章）", "han")
    assert normalized == "他說：「合作，才能共贏。」（見第三章）"


def test_han_pivot_is_simplified():
    normalized, pivot = normalize_text("國際關係與經濟發展", "han")
    assert normalized == "國際關係與經濟發展"
    assert pivot == "国际关系与经济发展"


def test_simplified_text_pivot_is_unchanged():
    assert normalize_text("国际关系与经济发展", "han") == ("国际关系与经济发展", "国际关系与经济发展")


def test_unknown_script_is_an_error():
    with pytest.raises(ValueError, match="unknown script"):
        normalize_text("text", "cyrillic")


# --- passages -----------------------------------------------------------------------

def test_normalize_passages_returns_new_records():
    passages = passages_from_blocks("doc", [
        Block(page=1, kind="heading", text="چكيده"),
        Block(page=1, kind="paragraph", text="國際 關係"),
        Block(page=1, kind="paragraph", text="ﬁnal re-\nsult"),
    ])
    before = [dataclasses.replace(p) for p in passages]
    result = normalize_passages(passages)
    assert passages == before
    assert [p.script for p in result] == ["arabic", "han", "latin"]
    assert [p.normalized for p in result] == ["چکیده", "國際關係", "final result"]
    assert [p.pivot for p in result] == ["چکیده", "国际关系", "final result"]
    assert [p.text for p in result] == [p.text for p in passages]


# --- right-to-left order damage -------------------------------------------------------

def test_rtl_order_damage_is_flagged():
    # word groups of a logical-order line reversed: the period and brackets land wrong
    assert rtl_order_damage(".پژوهش حاضر انجام شد\nسیاست خارجی")
    assert rtl_order_damage(")1402تاریخ دریافت: (")


def test_logical_order_text_is_not_flagged():
    assert not rtl_order_damage("پژوهش حاضر (با روش کیفی) انجام شد.\nنتایج در بخش «یافته‌ها» آمده است.")
    assert not rtl_order_damage(". (English line) starting oddly")


# --- properties ---------------------------------------------------------------------

SCRIPT_ALPHABET = st.sampled_from(list(
    "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكةۀأئؤءًٌٍَُِّْـ\u200cﻛﺘﺎﺏﻻ"
    "國際關係经济发展人民⼈⺠，。：「」（）"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789۰۱۲۳۴۵۶۷۸۹٫"
    "ﬁﬂﬀ\u00ad-–—.,;:!?؟؛،()[]«»\"'“” \n\t"
))
mixed_text = st.text(SCRIPT_ALPHABET, max_size=80)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["arabic", "han", "latin", "other"]))
def test_arbitrary_unicode_normalizes_without_error(text, script):
    normalized, pivot = normalize_text(text, script)
    assert isinstance(normalized, str) and isinstance(pivot, str)
    assert normalized == normalized.strip()
    script_of(text)
    rtl_order_damage(text)


@settings(max_examples=150, deadline=None)
@given(st.one_of(mixed_text, st.text(max_size=40)), st.sampled_from(["arabic", "han", "latin", "other"]))
def test_normalization_is_idempotent(text, script):
    once = normalize_text(text, script)[0]
    assert normalize_text(once, script)[0] == once
