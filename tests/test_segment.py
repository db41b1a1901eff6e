import pytest
from hypothesis import given, settings, strategies as st

from pipeline.normalize import normalize_passages
from pipeline.records import Block, document_text, passages_from_blocks
from pipeline.segment import segment_passages, split_sentences


def sentences(text: str, lang: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text, lang)]


# --- English ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Exports grew by 0.75 percent in the first quarter.",
    "Several states, e.g. Norway and Chile, changed course.",
    "Some actors, i.e. the smaller ones, stayed out.",
    "The model of Keohane et al. (1989) is still cited.",
    "Trade rose sharply (Okafor, 2021: 7) after the agreement.",
    "Trade rose sharply (Okafor et al., 2020, p. 4). Then it fell.".split(" Then")[0],
    "As Dr. Alvarez noted in Fig. 3, the trend is clear.",
    "See No. 12 of the series vs. the earlier issue.",
    "The U.S. Congress debated the bill.",
    "The author, J. R. Tolkien, wrote it.",
    "He paused... Then he continued.",
    "The report … Officials disagreed.",
    "The China-U.S. Relations Act was debated.",
    "1. Introduction to the problem",
    "A ratio of 3.5 was observed\nacross all the samples we studied.",
])
def test_english_single_sentences_are_not_split(text):
    assert sentences(text, "en") == [text]


def test_english_sentences_split_on_terminators():
    text = "Trade grew quickly. Did it last? Not at all! In 2020 it fell.\n\"Why?\" they asked."
    assert sentences(text, "en") == [
        "Trade grew quickly.", "Did it last?", "Not at all!", "In 2020 it fell.",
        "\"Why?\" they asked.",
    ]


def test_citation_after_sentence_does_not_split_inside():
    text = "The policy failed (Okafor et al., 2020, p. 4). A new one followed."
    assert sentences(text, "en") == [
        "The policy failed (Okafor et al., 2020, p. 4).", "A new one followed.",
    ]


def test_line_breaks_are_not_sentence_ends():
    text = "The treaty was signed\nin the capital and\nratified a year later. It still holds."
    assert sentences(text, "en") == [
        "The treaty was signed\nin the capital and\nratified a year later.", "It still holds.",
    ]


# --- Persian ------------------------------------------------------------------------

def test_persian_sentence_ends():
    text = "این پژوهش کیفی است. آیا نتایج قابل تعمیم است؟ پاسخ مثبت است!"
    assert sentences(text, "fa") == [
        "این پژوهش کیفی است.", "آیا نتایج قابل تعمیم است؟", "پاسخ مثبت است!",
    ]


def test_persian_semicolon_does_not_end_a_sentence():
    text = "دولت برنامه را اعلام کرد؛ اما اجرای آن به تعویق افتاد."
    assert sentences(text, "fa") == [text]


@pytest.mark.parametrize("text", [
    "نرخ رشد 0.75 درصد و در سال بعد ۱۲.۵ درصد بود.",
    "این دیدگاه را Smith et al. نیز تأیید کرده‌اند.",
    "این نظریه (Waltz, 1979: 4. see also p. 12) هنوز مطرح است.",
    "او گفت: «این راه درست است. باید ادامه داد» و رفت.",
    "پژوهش حاضر\nبا روش کیفی\nانجام شده است.",
])
def test_persian_single_sentences_are_not_split(text):
    assert sentences(text, "fa") == [text]


def test_persian_citation_stays_with_its_sentence():
    text = "همکاری‌ها گسترش یافت (Brown, 2019: 12). سپس دوره‌ای از رکود آغاز شد."
    assert sentences(text, "fa") == [
        "همکاری‌ها گسترش یافت (Brown, 2019: 12).", "سپس دوره‌ای از رکود آغاز شد.",
    ]


# --- Chinese ------------------------------------------------------------------------

def test_chinese_sentence_ends_and_closers():
    text = "區域合作持續深化。各國是否受益？答案是肯定的！他指出：「合作才能共贏。」此後情勢改變。"
    assert sentences(text, "zh-Hant") == [
        "區域合作持續深化。", "各國是否受益？", "答案是肯定的！",
        "他指出：「合作才能共贏。」", "此後情勢改變。",
    ]


def test_chinese_semicolon_ends_a_sentence():
    assert sentences("一方面发展经济；另一方面维护安全。", "zh-Hans") == [
        "一方面发展经济；", "另一方面维护安全。",
    ]


def test_no_split_inside_chinese_quotes_and_brackets():
    text = "报告称“合作很重要。安全也很重要”（见第二章。附表）。随后发布。"
    assert sentences(text, "zh-Hans") == [
        "报告称“合作很重要。安全也很重要”（见第二章。附表）。", "随后发布。",
    ]


def test_a_terminator_closing_a_quote_ends_the_sentence_after_the_quote():
    assert sentences("他说：“合作很重要。”随后离开。", "zh-Hans") == ["他说：“合作很重要。”", "随后离开。"]
    assert sentences("او گفت: «راه درست است.» سپس رفت.", "fa") == ["او گفت: «راه درست است.»", "سپس رفت."]


def test_chinese_line_breaks_and_footnote_marks():
    text = "中亞國家在安全議題上\n未必追隨俄羅斯。³ 外界開始關注。"
    assert sentences(text, "zh-Hant") == [
        "中亞國家在安全議題上\n未必追隨俄羅斯。³", "外界開始關注。",
    ]


def test_chinese_ellipsis_before_a_comma_does_not_split():
    text = "包括教育、文化、旅遊……等領域。"
    assert sentences(text, "zh-Hant") == [text]


def test_unmatched_bracket_protects_nothing():
    text = "Trade rose) sharply. It fell (later. Then it rose."
    assert sentences(text, "en") == ["Trade rose) sharply.", "It fell (later.", "Then it rose."]


# --- passages -----------------------------------------------------------------------

def test_segment_passages_spans_index_the_document_text():
    blocks = [
        Block(page=1, kind="heading", text="Abstract"),
        Block(page=1, kind="paragraph", text="  Trade grew ﬁrst.\nThen it fell. "),
        Block(page=2, kind="paragraph", text="كتاب ها منتشر شد. سپس ترجمه شد."),
        Block(page=2, kind="paragraph", text="國際 關係很重要。合作持續。"),
    ]
    passages = normalize_passages(passages_from_blocks("doc", blocks))
    for passage, lang in zip(passages, ["en", "en", "fa", "zh-Hant"]):
        passage.lang = lang
    result = segment_passages(passages)
    whole = document_text(passages)
    assert [s.text for s in result] == [
        "Abstract", "Trade grew ﬁrst.", "Then it fell.",
        "كتاب ها منتشر شد.", "سپس ترجمه شد.", "國際 關係很重要。", "合作持續。",
    ]
    for sentence in result:
        assert whole[sentence.char_start:sentence.char_end] == sentence.text
    assert [s.sentence_id for s in result[:3]] == ["doc:p0000:s000", "doc:p0001:s000", "doc:p0001:s001"]
    assert [s.index for s in result[3:5]] == [0, 1]
    assert result[1].normalized == "Trade grew first."
    assert result[3].normalized == "کتاب‌ها منتشر شد."
    assert (result[5].normalized, result[5].pivot) == ("國際關係很重要。", "国际关系很重要。")
    assert [s.page for s in result] == [1, 1, 1, 2, 2, 2, 2]
    assert result[0].kind == "heading" and result[5].lang == "zh-Hant"


def test_passage_without_script_is_segmented_by_its_own_script():
    passages = passages_from_blocks("doc", [Block(page=1, kind="paragraph", text="كتاب ها")])
    assert segment_passages(passages)[0].normalized == "کتاب‌ها"


# --- properties ---------------------------------------------------------------------

ALPHABET = st.sampled_from(list(
    "abcXYZ ei.g et al Dr 0123456789۱۲ آابپکی 國際关系 .!?؟؛。！？；…,;:«»「」『』“”\"'()（）[]¹\n\t\u3000"
))


def check_spans(text: str, spans: list[tuple[int, int]]) -> None:
    covered = set()
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        covered.update(range(start, end))
        previous_end = end
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(ALPHABET, max_size=120), st.text(max_size=80)),
       st.sampled_from(["en", "fa", "zh-Hant", "zh-Hans", "und", ""]))
def test_spans_are_ordered_disjoint_stripped_and_cover_the_text(text, lang):
    check_spans(text, split_sentences(text, lang))
