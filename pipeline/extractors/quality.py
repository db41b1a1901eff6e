"""Is the extracted text what the page shows? Checks for text that is fluent-looking garbage.

A PDF's text comes from each font's ToUnicode map, not from the glyphs: a broken map turns a
Persian page into Cyrillic letters or an English page into shifted Latin ("Uif xbufs"), and
nothing fails. An HTML page that declares iso-8859-1 but is written in UTF-8 decodes into
mojibake ("Ø¢Ø¨"), and nothing fails either. These pure functions look for the tell-tale
signs; the extractors call them and turn what they find into a message that says what to do
(OCR the page, fix the charset).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# Font-name words that say which script a font is made for (fonts of Persian and Chinese
# publishing, and the Noto families Chromium and LibreOffice embed).
_FONT_SCRIPTS = {
    "ARABIC": re.compile(r"arab|naskh|nastaliq|kufi|farsi|persian|vazir|sahel|nazanin|lotus|mitra|"
                         r"yekan|zar\b|titr|koodak|roya|yagut|badr|traffic|iransans|shabnam|samim",
                         re.IGNORECASE),
    "CJK": re.compile(r"cjk|song|ming|hei|kai|fangsong|simsun|simhei|yahei|jhenghei|pingfang|hiragino|"
                      r"sourcehan|source han|wenquanyi|uming|ukai|mincho|gothic", re.IGNORECASE),
}
# Scripts a font made for the key script may well also draw (CJK fonts carry Latin, Greek and
# Cyrillic; Arabic-script fonts often carry Latin): letters in them are no sign of a broken map.
_ALSO_DRAWN = {"ARABIC": {"ARABIC", "LATIN"},
               "CJK": {"CJK", "LATIN", "GREEK", "CYRILLIC", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"}}

# The eight letters that make up 55-70 % of the letters of English, French, German, Spanish,
# Indonesian or Turkish text; a map that shifts or scrambles letters leaves them about 30 %.
_COMMON_LATIN = set("etaoinsr")
COMMON_LATIN_FLOOR = 0.42
_UNMAPPED = re.compile(r"\(cid:\d+\)$")
MIN_LETTERS = 200  # fewer letters than this on a page are too few to judge their statistics
MIN_FONT_LETTERS = 20
FOREIGN_SHARE = 0.3


def letter_script(ch: str) -> str:
    """LATIN, ARABIC, CYRILLIC, CJK, ... for a letter; "" for anything else."""
    if not ch.isalpha():
        return ""
    name = unicodedata.name(ch, "")
    return name.split(" ")[0] if name else ""


def font_script(fontname: str) -> str | None:
    """The script a font's name says it is made for, if it says one."""
    name = fontname.split("+", 1)[-1]
    for script, pattern in _FONT_SCRIPTS.items():
        if pattern.search(name):
            return script
    return None


def _font_mismatch(fontname: str, letters: list[str]) -> str | None:
    made_for = font_script(fontname)
    if made_for is None or len(letters) < MIN_FONT_LETTERS:
        return None
    scripts = Counter(letter_script(ch) for ch in letters)
    foreign = {s: n for s, n in scripts.items() if s not in _ALSO_DRAWN[made_for]}
    # A third of a font's letters in a script it is not made for is no mix of languages: an
    # Arabic-script font does not draw Cyrillic words.
    if sum(foreign.values()) < FOREIGN_SHARE * len(letters):
        return None
    found = max(sorted(foreign), key=foreign.__getitem__)
    return (f"font {fontname.split('+', 1)[-1]}, made for {made_for.title()} script, gives "
            f"{found.title()} letters")


def latin_letters_implausible(letters: list[str]) -> str | None:
    """A reason when Latin letters are too many to be chance and too odd to be text."""
    latin = [unicodedata.normalize("NFKD", ch)[0].lower() for ch in letters if letter_script(ch) == "LATIN"]
    if len(latin) < MIN_LETTERS:
        return None
    share = sum(ch in _COMMON_LATIN for ch in latin) / len(latin)
    if share >= COMMON_LATIN_FLOOR:
        return None
    return (f"its Latin letters do not read as text: e, t, a, o, i, n, s and r are {share:.0%} of them, "
            f"where English, French, German or Spanish text has 55-70 %")


def _unreadable_share(text: str) -> float:
    chars = [ch for ch in text if not ch.isspace()]
    odd = sum(unicodedata.category(ch) in ("Co", "Cn", "Cc") for ch in chars)
    return odd / len(chars) if len(chars) >= MIN_FONT_LETTERS else 0.0


def garbled_text_layer(chars: list[dict]) -> str | None:
    """Why a page's text layer (pdfplumber characters, with their fontname) looks garbled, or
    None when it looks like text. Only the signs of a broken map are used, never the
    language: a Russian or Vietnamese page is text, not garbage."""
    by_font: dict[str, list[str]] = {}
    for char in chars:
        if _UNMAPPED.match(char["text"]):
            continue  # pdfminer's "(cid:6)" for a glyph with no mapping at all: not letters
        for ch in char["text"]:
            if ch.isalpha():
                by_font.setdefault(char.get("fontname", ""), []).append(ch)
    for fontname in sorted(by_font):
        mismatch = _font_mismatch(fontname, by_font[fontname])
        if mismatch:
            return f"{mismatch}: its ToUnicode map is broken"
    implausible = latin_letters_implausible([ch for letters in by_font.values() for ch in letters])
    if implausible:
        return f"{implausible}: a broken ToUnicode map"
    if _unreadable_share("".join(c["text"] for c in chars)) >= 0.3:
        return "most characters are private-use or control codes: the fonts have no usable ToUnicode map"
    return None


def unreadable_pages(pages: list[int], garbled: dict[int, str], spans) -> str:
    """What to say about pages whose text cannot be used: those without a text layer and
    those whose text layer is garbage (the reason of the first), and what to do about both.
    spans(numbers) writes page numbers as ranges."""
    scanned = [n for n in pages if n not in garbled]
    parts = [f"page(s) {spans(scanned)} have no text layer"] if scanned else []
    if garbled:
        numbers = sorted(garbled)
        parts.append(f"page(s) {spans(numbers)} have a garbled text layer ({garbled[numbers[0]]})")
    return "; ".join(parts) + "; set extract.ocr: true to OCR them"


# --- HTML ---------------------------------------------------------------------------------

_UNICODE_CHARSETS = {"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "utf-32", "us-ascii", "ascii"}


def charset_lie(data: bytes, declared: str) -> str | None:
    """When a page declares a legacy charset (iso-8859-1, windows-1256, ...) but its bytes are
    valid UTF-8 with non-ASCII characters in it: a reason, and the page is UTF-8. Bytes of
    Persian, Chinese or accented text in a legacy charset are practically never valid UTF-8
    by chance, so this reading is safe."""
    if declared.lower() in _UNICODE_CHARSETS:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    non_ascii = sum(ord(ch) > 127 for ch in text)
    if not non_ascii:
        return None
    return (f"declares charset {declared} but is UTF-8 ({non_ascii} non-ASCII characters); read as "
            f"UTF-8: fix the page's <meta charset> to utf-8")
