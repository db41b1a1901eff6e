"""Language detection at its edges: text of numbers alone, and Persian mixed with Urdu or
Arabic (issue 14). The paragraphs are our own writing."""

from __future__ import annotations

import pytest

from pipeline.config import DetectSettings
from pipeline.detect import detect_language, detect_passages
from pipeline.records import Block, passages_from_blocks

SETTINGS = DetectSettings()
PERSIAN = "کشاورزان در این منطقه با کمبود آب روبه‌رو هستند و باید روش آبیاری را تغییر دهند."
URDU = "کسان اس علاقے میں پانی کی کمی کا سامنا کر رہے ہیں۔"
URDU_MORE = "یہ ایک اچھی کتاب ہے اور میں نے اسے پڑھا ہے۔ آپ کو بھی پڑھنی چاہیے۔"
ARABIC = "قال الشاعر إن العلم في الصدر لا في السطر، وهذا ما كان يقوله العلماء في ذلك الزمان."


@pytest.mark.parametrize("text", ["一二三 3.14159", "四五六七 2.71828 ÷ 10", "۱۲۳ ۴۵۶", "Ⅻ 12", "〇 零"])
def test_numbers_alone_are_in_no_language(text):
    assert detect_language(text, SETTINGS) == ("und", 0.0)


@pytest.mark.parametrize("text, lang", [("第一章", "zh-Hans"), ("三、結論與討論", "zh-Hant"), ("二〇二三年的調查", "zh-Hant")])
def test_numerals_among_words_do_not_make_chinese_und(text, lang):
    assert detect_language(text, SETTINGS)[0] == lang


def test_a_document_of_numbers_alone_stays_und():
    passages = passages_from_blocks("d", [Block(page=1, kind="paragraph", text=t)
                                          for t in ("一二三 3.14159", "四五六 2.71828")])
    assert [p.lang for p in detect_passages(passages, SETTINGS)] == ["und", "und"]


@pytest.mark.parametrize("text", [
    f"{PERSIAN} {URDU}",
    f"{PERSIAN} یکی از آنان گفت: «{URDU}»",
    f"{URDU} {PERSIAN}",
    f"{PERSIAN} {ARABIC}",
])
def test_persian_quoting_urdu_or_arabic_stays_persian(text):
    assert detect_language(text, SETTINGS)[0] == "fa"


@pytest.mark.parametrize("text", [URDU, URDU_MORE, f"{URDU} {URDU_MORE}", f"{URDU} {URDU_MORE} {PERSIAN}"])
def test_urdu_is_still_urdu(text):
    assert detect_language(text, SETTINGS)[0] == "ur"


def test_arabic_is_still_arabic():
    assert detect_language(ARABIC, SETTINGS)[0] == "ar"
