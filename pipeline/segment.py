"""Sentences of each passage, as spans into the passage's original text.

The rules, for all languages at once (a Persian line quotes Latin citations, a Chinese
paragraph cites English titles), with the language only deciding what counts as a quote:

- Chinese/Japanese terminators 。！？； (and ! ? after a CJK character) end a sentence
  wherever they stand; … ends one only before the end of the text or before a new clause
  (not before ，、等). The closing marks right after a terminator (」』”’）】》 …) belong
  to the sentence they close.
- . ! ? ؟ end a sentence only when followed by whitespace (or the end of the text) and
  then something other than a lowercase letter or a continuing mark (, ; : ) ،). Hence
  no split in decimals (0.75), in "e.g. the", or before a lowercase continuation.
- A period does not end a sentence after a known abbreviation (e.g., i.e., et al., Dr.,
  Fig., No., vs., U.S., pp. ...), after an initial (J. Smith), after a dotted acronym, or
  after an enumerator standing alone at the start ("1. Introduction"). Ellipses (... …)
  in Latin text do not end a sentence: they mostly mark an omission inside a quotation.
- ؛ (Persian semicolon) and line breaks never end a sentence: PDF text breaks lines
  anywhere.
- Nothing splits inside matched brackets ( ) [ ] { } （ ） 【 】 《 》 〈 〉 〔 〕, corner
  quotes 「 」 『 』, Persian guillemets « », and, for Chinese, curly double quotes “ ”.
  So citations "(Smith et al., 2020, p. 4)" and quoted Chinese sentences stay whole.
  Brackets are matched with a stack; an unmatched one (extraction damage) protects
  nothing, and neither does a pair more than _MAX_PROTECTED characters apart.
"""

from __future__ import annotations

import re

from pipeline.normalize import normalize_text, script_of
from pipeline.records import Passage, Sentence, region_at

_ABBREVIATIONS = frozenset(
    "e.g. i.e. et al. al. cf. viz. vs. v. dr. mr. mrs. ms. prof. st. jr. sr. "
    "fig. figs. no. nos. vol. vols. p. pp. ed. eds. eq. eqs. ch. chap. sec. art. para. "
    "inc. ltd. co. corp. dept. univ. approx. ca. est. op. cit. ibid. repr. trans. "
    "jan. feb. mar. apr. jun. jul. aug. sep. sept. oct. nov. dec. "
    "u.s. u.k. u.n. e.u. p.r.c. u.s.a. a.m. p.m.".split()
)
_BRACKETS = {"(": ")", "[": "]", "{": "}", "（": "）", "【": "】", "《": "》", "〈": "〉",
             "〔": "〕", "「": "」", "『": "』", "«": "»"}
_CHINESE_QUOTES = {"“": "”"}
_MAX_PROTECTED = 400

_CJK = re.compile(r"[\u2e80-\u2fdf\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                  r"\U00020000-\U0003134f]")
_TERMINATOR = re.compile(
    r"(?P<marks>[.!?؟。！？；…]+)(?P<closers>[”’\"'」』）)\]】》〉»〕¹²³⁰-⁹]*)"
)
_CJK_FINAL = set("。！？；")
_CONTINUING = set(",;:)]}،؛，、；：")
_ENUMERATOR = re.compile(r"[0-9۰-۹٠-٩]{1,3}|[A-Za-z]|[ivxlcIVXLC]{1,4}")
_TRAILING_TOKEN = re.compile(r"(\S+)$")
_OPENING_MARKS = "([{\"'“‘«"
_INITIAL_OR_ACRONYM = re.compile(r"[A-Z]|(?:[A-Za-z]\.)+[A-Za-z]")


def _blocked_positions(text: str, lang: str) -> bytearray:
    """blocked[i] == 1 when a sentence may not end just before text[i] (inside a pair)."""
    pairs = dict(_BRACKETS)
    if lang.startswith("zh"):
        pairs.update(_CHINESE_QUOTES)
    closers = {close: open_ for open_, close in pairs.items()}
    blocked = bytearray(len(text) + 1)
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in pairs:
            stack.append((ch, i))
        elif ch in closers:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == closers[ch]:
                    start = stack[depth][1]
                    del stack[depth:]
                    if i - start <= _MAX_PROTECTED:
                        blocked[start + 1:i + 1] = b"\x01" * (i - start)
                    break
    return blocked


def _next_visible(text: str, position: int) -> tuple[str, bool]:
    """The first non-space character from position ("" at the end) and whether space came first."""
    index = position
    while index < len(text) and text[index].isspace():
        index += 1
    return (text[index] if index < len(text) else ""), index > position


def _is_cjk_end(text: str, match: re.Match) -> bool | None:
    """Decision for a terminator in Chinese context, None when the Latin rules apply."""
    marks = match["marks"]
    before = text[match.start() - 1] if match.start() else ""
    if any(m in _CJK_FINAL for m in marks):
        return True
    if not _CJK.match(before):
        return None
    following, _ = _next_visible(text, match.end())
    if "…" in marks:
        return not following or bool(match["closers"]) or (
            bool(_CJK.match(following)) and following != "等")
    if set(marks) & set("!?"):
        return following not in _CONTINUING
    return None


def _is_latin_end(text: str, match: re.Match, sentence_start: int) -> bool:
    following, spaced = _next_visible(text, match.end())
    if not following:
        return True
    if not spaced or following.islower() or following in _CONTINUING:
        return False
    marks = match["marks"]
    if "…" in marks or ".." in marks:
        return False
    if marks[0] != ".":
        return True
    head = text[sentence_start:match.start()]
    if _ENUMERATOR.fullmatch(head.strip()):
        return False
    token = _TRAILING_TOKEN.search(head)
    if token is None:
        return True
    # the last element of "China-U.S." or "(e.g." is what the period belongs to
    word = re.split(r"[-/–]", token[1])[-1].lstrip(_OPENING_MARKS)
    if (word.lower() + ".") in _ABBREVIATIONS or _INITIAL_OR_ACRONYM.fullmatch(word):
        return False
    return True


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of text: ordered, non-overlapping, without
    surrounding whitespace, never empty, together covering every non-space character."""
    blocked = _blocked_positions(text, lang or "")
    spans, start = [], 0
    for match in _TERMINATOR.finditer(text):
        end = match.end()
        if blocked[end] or not text[start:match.start()].strip():
            continue
        ends = _is_cjk_end(text, match)
        if ends is None:
            ends = _is_latin_end(text, match, start)
        if ends:
            span = _strip(text, start, end)
            if span[0] < span[1]:
                spans.append(span)
            start = end
    span = _strip(text, start, len(text))
    if span[0] < span[1]:
        spans.append(span)
    return spans


def segment_passages(passages: list[Passage]) -> list[Sentence]:
    """Sentences of every passage; spans are document-level (passage.char_start + offset)
    into the original text, and normalized/pivot come from the sentence's original text."""
    sentences = []
    for passage in passages:
        script = passage.script or script_of(passage.text)
        for index, (start, end) in enumerate(split_sentences(passage.text, passage.lang)):
            original = passage.text[start:end]
            normalized, pivot = normalize_text(original, script)
            sentences.append(Sentence(
                doc_id=passage.doc_id, sentence_id=f"{passage.passage_id}:s{index:03d}",
                passage_id=passage.passage_id, index=index,
                page=region_at(passage.regions, start)["page"] if passage.regions else passage.page,
                kind=passage.kind, lang=passage.lang, text=original, normalized=normalized,
                pivot=pivot, char_start=passage.char_start + start,
                char_end=passage.char_start + end,
            ))
    return sentences
