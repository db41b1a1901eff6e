"""Per-script repair of extracted text, and the pivot text used for matching.

Every passage gets a script (arabic | han | latin | other), a normalized text (the
original repaired for extraction damage, still in its own writing conventions) and a
pivot text (the normalized text folded further so that the same content in different
documents compares equal: Simplified characters for Chinese, ASCII digits for Persian).

Policies, by script:

all      NFC; bidi controls, zero-width spaces, BOM and soft hyphens removed; the Latin
         ligatures U+FB00-FB06 spelled out; Latin words broken at a line end re-joined
         (see _join_line_end_hyphens); line breaks become spaces; no space just inside
         a bracket; whitespace collapsed.
arabic   Presentation forms (U+FB50-FDFF, U+FE70-FEFF) folded to base letters; Arabic
         ي ى ك ە ھ to Persian ی ی ک ه ه (hazm's table); kashida and short-vowel diacritics
         (harakat, superscript alef) removed because PDFs carry them inconsistently;
         hamza forms and ۀ kept (ه + U+0654 becomes ۀ so both spellings agree); ZWNJ and
         spacing repaired by hazm (می شود -> می‌شود, کتاب ها -> کتاب‌ها). Digits, quotes and
         Latin stretches are left as written: stretches holding digits or Latin letters
         are cut out before hazm sees the text (its tokenizer writes ۲٫۵ as ۲ ٫ ۵). Pivot: the
         normalized text with Persian and Arabic-Indic digits (and ٫ ٬ ٪) in ASCII, since
         the English and Chinese sides of an alignment write ASCII digits.
han      Kangxi radicals and CJK radical-supplement forms folded to unified ideographs
         (PDF fonts often map 人 to ⼈); whitespace between CJK characters removed (layout
         breaks, not words), and line breaks beside a CJK character too ("至\n2022"
         is 至2022); full-width punctuation kept. Pivot: OpenCC t2s of the
         normalized text, full-width digits and letters in ASCII.
latin    Pivot = normalized.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from functools import cache

from pipeline.records import Passage

SCRIPTS = ("arabic", "han", "latin", "other")

# Scripts are compared by words: a Han character counts 1, a word (run of letters) of any
# other script counts _WORD_WEIGHT, since a Chinese word is about two characters long.
# Counting letters would make a Chinese paragraph that cites one English title "latin".
_WORD_WEIGHT = 2

_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF),
                  (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_HAN_RANGES = ((0x2E80, 0x2FDF), (0x3005, 0x3007), (0x3021, 0x3029), (0x3400, 0x4DBF),
               (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_LATIN_RANGES = ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F),
                 (0x1E00, 0x1EFF), (0xFB00, 0xFB06), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))


def _in(ranges, cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def char_script(ch: str) -> str | None:
    """The script of one letter, or None for digits, punctuation, spaces and marks."""
    cp = ord(ch)
    if _in(_HAN_RANGES, cp):  # radicals are symbols (So), still Han writing
        return "han"
    if not ch.isalpha():
        return None
    if _in(_ARABIC_RANGES, cp):
        return "arabic"
    if _in(_LATIN_RANGES, cp):
        return "latin"
    return "other"


def script_of(text: str) -> str:
    """The dominant script of the words in text; "other" when there are no letters."""
    counts = dict.fromkeys(SCRIPTS, 0)
    previous = None
    for ch in text:
        script = char_script(ch)
        if script == "han":
            counts[script] += 1
        elif script and script != previous:
            counts[script] += _WORD_WEIGHT
        previous = script
    best = max(SCRIPTS, key=lambda s: counts[s])  # ties go to the earlier script
    return best if counts[best] else "other"


# --- shared cleanup -----------------------------------------------------------------

# Bidi embedding/override/isolate controls, LRM/RLM/ALM, zero-width space, word joiner,
# BOM: layout artefacts of PDF and HTML text, never content.
_INVISIBLE = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad[^\S\n]*\n\s*")

_LATIN_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_LINE_END_HYPHEN = re.compile(
    rf"(?<![{_LATIN_LETTER}])(?P<first>[{_LATIN_LETTER}]+)[-\u2010][^\S\n]*\n\s*"
    rf"(?P<second>[{_LATIN_LETTER}0-9]+)"
)
# First elements that are written hyphenated ("well-known", "non-state", "self-reliance"):
# at a line end their hyphen is the compound's, not the typesetter's.
_HYPHEN_PREFIXES = frozenset(
    "all anti cross ex far half high ill long low non one pan post pre pro "
    "quasi self semi short so two three well".split()
)
# Second elements that make compounds ("state-based", "long-term", "decision-making").
_HYPHEN_SUFFIXES = frozenset(
    "based born building called driven free known led level like making oriented owned "
    "range related run scale sized specific term wide".split()
)


def _join_line_end_hyphens(text: str) -> str:
    """Join Latin words broken across lines at a hyphen.

    The hyphen is dropped ("inter-\\nnational" -> "international") when the second part
    starts lowercase, unless the first part is a prefix written with a hyphen
    (_HYPHEN_PREFIXES), the second is a compound element (_HYPHEN_SUFFIXES), the first is
    itself part of a hyphenated compound ("state-of-the-\\nart"), or the same text spells the
    word with the hyphen elsewhere. Otherwise ("Sino-\\nRussian", "COVID-\\n19") the hyphen
    stays and only the line break goes.
    """
    def join(match: re.Match) -> str:
        first, second = match["first"], match["second"]
        hyphenated, joined = f"{first}-{second}", first + second
        keep = (
            not second[0].islower()
            or text[match.start() - 1:match.start()] in ("-", "\u2010")
            or first.lower() in _HYPHEN_PREFIXES
            or second.lower() in _HYPHEN_SUFFIXES
            or (hyphenated in text and joined not in text)
        )
        return hyphenated if keep else joined

    return _LINE_END_HYPHEN.sub(join, text)


# A line wrapped just inside a bracket ("(\n1650") was never a space in the text as written,
# nor is the space a right-to-left line's reordering can leave there ("( Rahimi, 2021").
# Guillemets are brackets where they open and close as in Persian and French («…»); German
# sets them the other way round (»…«), so « after a letter closes and » before one opens,
# and the space beside them there is a real one.
_SPACE_INSIDE_BRACKETS = re.compile(r"(?<=[(\[{])\s+|(?<=(?<!\w)«)\s+|\s+(?=[)\]}])|\s+(?=»(?!\w))")


def _shared_cleanup(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text).translate(_LIGATURES)
    text = _SOFT_HYPHEN_BREAK.sub("", text).replace("\u00ad", "")
    text = _SPACE_INSIDE_BRACKETS.sub("", text)
    return _join_line_end_hyphens(text)


_WHITESPACE = re.compile(r"\s+")


def _collapse_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


# --- Persian ------------------------------------------------------------------------

_PRESENTATION_FORM = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alef, kashida
_ARABIC_LETTER = ("\u0620-\u065f\u066e-\u06d3\u06d5-\u06ef\u06fa-\u06ff\u0750-\u077f"
                  "\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff\u200c")
# What hazm must not see: a stretch without Persian letters or spaces that holds a digit
# or a Latin letter ("e.g.", "(Smith,", "۲٫۵", "23/06/1403", "10%"). hazm's tokenizer
# would write "۲٫۵" as "۲ ٫ ۵" and its punctuation spacing "e.g." as "e. g.".
_FOREIGN_STRETCH = re.compile(
    rf"[^\s{_ARABIC_LETTER}]*[\d{_LATIN_LETTER}][^\s{_ARABIC_LETTER}]*"
)
_PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫٬٪", "01234567890123456789.,%")


@cache
def _persian_normalizer():
    """hazm's Normalizer limited to letter folding, diacritics and ZWNJ/spacing repair.

    persian_numbers and persian_style are off (they write 0.11 as ۰٫۱۱ and "..." as «...»);
    decrease_repeated_chars is off because it rewrites words from a lexicon guess. hazm
    also folds curly quotes to straight ones in its letter table whatever the flags say,
    so those entries are taken out of the table.
    """
    import hazm  # slow import (loads its lexicon); only Persian text needs it

    normalizer = hazm.Normalizer(
        correct_spacing=True, remove_diacritics=True, remove_specials_chars=True,
        decrease_repeated_chars=False, persian_style=False, persian_numbers=False,
        unicodes_replacement=True, seperate_mi=True,
    )
    kept = [(s, d) for s, d in zip(normalizer.translation_src, normalizer.translation_dst)
            if s not in "“”"]
    normalizer.translation_src = "".join(s for s, _ in kept)
    normalizer.translation_dst = "".join(d for _, d in kept)
    return normalizer


def _fold_presentation_forms(text: str) -> str:
    return _PRESENTATION_FORM.sub(lambda m: unicodedata.normalize("NFKC", m[0]), text)


def _normalize_persian_stretch(text: str) -> str:
    if not text.strip():
        return text
    lead = " " if text[0].isspace() else ""
    trail = " " if text[-1].isspace() else ""
    return lead + _persian_normalizer().normalize(text.strip()) + trail


def _normalize_persian_once(text: str) -> str:
    text = _fold_presentation_forms(text)
    text = _DIACRITICS.sub("", text.replace("ه\u0654", "ۀ"))
    text = _collapse_whitespace(text)
    pieces, position = [], 0
    for run in _FOREIGN_STRETCH.finditer(text):
        pieces.append(_normalize_persian_stretch(text[position:run.start()]))
        pieces.append(run[0])
        position = run.end()
    pieces.append(_normalize_persian_stretch(text[position:]))
    return _collapse_whitespace("".join(pieces))


def _normalize_persian(text: str) -> str:
    # hazm joins word pairs from its lexicon; a join can enable another on a second pass,
    # so run to a fixed point to keep normalization idempotent.
    for _ in range(4):
        repaired = _normalize_persian_once(text)
        if repaired == text:
            break
        text = repaired
    return text


def persian_pivot(normalized: str) -> str:
    return normalized.translate(_PERSIAN_DIGITS)


# --- Chinese ------------------------------------------------------------------------

# CJK radical-supplement forms without a compatibility decomposition, mapped to their
# equivalent unified ideographs (Unicode EquivalentUnifiedIdeograph.txt); the Kangxi
# radicals U+2F00-2FDF all decompose under NFKC.
_RADICAL_SUPPLEMENT = str.maketrans(
    "⺀⺁⺂⺃⺄⺅⺆⺉⺊⺋⺎⺏⺐⺒⺓⺔⺕⺖⺗⺘⺙⺛⺝⺞⺟⺠⺡⺢⺣⺥⺦⺨⺫⺬⺭⺯⺰⺱⺳⺴⺹⺺⺼⺽⺾⺿⻀⻁⻂⻃⻄⻅⻈⻉⻋⻍⻏"
    "⻐⻑⻒⻓⻖⻘⻙⻚⻛⻜⻝⻟⻠⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻭⻮⻯⻰⻱⻲⻳",
    "冫厂乛乚乙亻冂刂卜㔾兀尣尢巳幺彑彐忄㣺扌攵旡月歺母民氵氺灬爫丬犭罒示礻糹纟罓㓁㓁耂肀月臼艹艹艹虎衤覀西见讠贝车辶阝"
    "钅長镸长阝青韦页风飞食飠饣马骨鬼鱼鸟卤麦黄黾斉齐歯齿竜龙龜亀龟",
)
_KANGXI = re.compile("[\u2f00-\u2fdf]")
# Characters set without spaces in Chinese: ideographs, CJK punctuation, kana, bopomofo,
# full-width forms and the curly quotes Chinese uses.
_CJK_CHAR = ("\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff"
             "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
             "\u201c\u201d\u2018\u2019\u2026\U00020000-\U0003134f")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK_CHAR}])\s+(?=[{_CJK_CHAR}])")
# Chinese wraps lines anywhere, also between a character and a number or Latin word
# ("至\n2022年"); such a break was never a space in the text as written.
_LINE_BREAK_BY_CJK = re.compile(rf"(?<=[{_CJK_CHAR}])[^\S\n]*\n\s*|[^\S\n]*\n\s*(?=[{_CJK_CHAR}])")
# The same for text in any script: a curly quote or an ellipsis is set without a space only
# beside Chinese ("。”\n他"), Latin text puts a space on the far side of it ("to say\n“imitate
# me…”\nAmen": set 7's test_3727).
_SHARED_MARK = "\u201c\u201d\u2018\u2019\u2026"
_CJK_CORE = "".join(c for c in _CJK_CHAR if c not in _SHARED_MARK)
_LINE_BREAK_BESIDE_CJK = re.compile(
    rf"(?<=[{_CJK_CORE}])[^\S\n]*\n\s*|(?<=[{_CJK_CORE}][{_SHARED_MARK}])[^\S\n]*\n\s*"
    rf"|[^\S\n]*\n\s*(?=[{_CJK_CORE}])|[^\S\n]*\n\s*(?=[{_SHARED_MARK}][{_CJK_CORE}])")
_FULLWIDTH_ALNUM = str.maketrans(
    {cp: cp - 0xFEE0 for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
     for cp in range(lo, hi + 1)}
)


@cache
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _opencc("t2s").convert(text)


def to_traditional(text: str) -> str:
    return _opencc("s2t").convert(text)


def _normalize_han(text: str) -> str:
    text = _KANGXI.sub(lambda m: unicodedata.normalize("NFKC", m[0]), text)
    text = text.translate(_RADICAL_SUPPLEMENT)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    text = _LINE_BREAK_BY_CJK.sub("", text)
    return _collapse_whitespace(text)


def han_pivot(normalized: str) -> str:
    return to_simplified(normalized).translate(_FULLWIDTH_ALNUM)


# --- entry points -------------------------------------------------------------------

_LINE_BREAK = re.compile(r"[^\S\n]*\n[^\S\n]*")


def reflow(text: str) -> str:
    """Text as written, with the page layout's line breaks joined as its script needs (none
    beside a Chinese character or just inside a bracket, words broken at a hyphen re-joined,
    else a space). Blank lines, which separate passages, are kept. For reading: the
    characters are the original ones, unlike normalize_text's."""
    return "\n\n".join(_reflow_paragraph(part) for part in text.split("\n\n"))


def _reflow_paragraph(text: str) -> str:
    text = _join_line_end_hyphens(_SOFT_HYPHEN_BREAK.sub("", text))
    text = _LINE_BREAK_BESIDE_CJK.sub("", _SPACE_INSIDE_BRACKETS.sub("", text))
    return _LINE_BREAK.sub(" ", text)


def normalize_text(text: str, script: str) -> tuple[str, str]:
    """(normalized, pivot) for text written in script (see SCRIPTS)."""
    if script not in SCRIPTS:
        raise ValueError(f"unknown script {script!r}; expected one of {', '.join(SCRIPTS)}")
    text = _shared_cleanup(text)
    if script == "arabic":
        normalized = _normalize_persian(text)
        return normalized, persian_pivot(normalized)
    if script == "han":
        normalized = _normalize_han(text)
        return normalized, han_pivot(normalized)
    normalized = _collapse_whitespace(text)
    return normalized, normalized


def normalize_passages(passages: list[Passage]) -> list[Passage]:
    """New passages with script, normalized and pivot filled in; inputs are untouched."""
    result = []
    for passage in passages:
        script = script_of(passage.text)
        normalized, pivot = normalize_text(passage.text, script)
        result.append(dataclasses.replace(
            passage, script=script, normalized=normalized, pivot=pivot))
    return result


# --- right-to-left order damage -----------------------------------------------------
# Found at extraction (a text file's warning); kept importable here for older callers.
from pipeline.extractors.visual_order import rtl_order_damage  # noqa: E402,F401
