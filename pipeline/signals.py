"""Cheap signals a translation keeps: numbers, years, percentages, citation keys, footnote
marks and Latin-script terms (names, acronyms) inside Persian or Chinese sentences.

They cost nothing to match and survive translation, so they tell a 4-bit small model's
near-ties apart ("in 2019, 12 %" is not "in 2021, 15 %"). Each sentence gets a bag of
tokens; the sentence aligner compares the bags of two runs of sentences through hashed
count vectors (signal_counts), so a run's bag is a sum of its sentences' rows and the
comparison is a vectorized minimum.

    signal_tokens("در سال ۲۰۲۱ مدل BERT ...")  ->  (["2021"], ["bert"])
"""

from __future__ import annotations

import re
import zlib

import numpy as np

_NUMBER = re.compile(r"\d+(?:[.,/\u066b\u066c]\d+)*")
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_FOOTNOTE = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+|\[(\d{1,3})\]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z\-']*[A-Za-z]|[A-Z]")
_LETTER = re.compile(r"[^\W\d_]")

# Width of the hashed count vectors: collisions between the few tokens of two sentences
# are rare at this size, and a run's vector is a sum of rows.
SIGNAL_DIM = 64


def _ascii_digits(text: str) -> str:
    return "".join(str(int(c)) if c.isdecimal() and not c.isascii() else c for c in text)


def _mostly_latin(text: str) -> bool:
    letters = _LETTER.findall(text)
    return bool(letters) and sum(c.isascii() for c in letters) * 2 > len(letters)


def signal_tokens(text: str) -> tuple[list[str], list[str]]:
    """(numbers, terms) of one sentence (see the module docstring).

    numbers: the numbers, without group separators and with their decimals ("1,234.5" ->
    "1234.5", "۱۲٫۵" -> "12.5"), and footnote marks as "fn:N". terms: Latin words that a
    translation keeps as they are: every Latin word of a Persian or Chinese sentence, and
    the capitalized words of a Latin-script sentence (names, acronyms), case-folded.
    """
    numbers = []
    for mark in _FOOTNOTE.finditer(text):
        numbers.append("fn:" + _ascii_digits((mark.group(1) or mark.group(0)).translate(_SUPERSCRIPT)))
    body = _FOOTNOTE.sub(" ", text)
    for number in _NUMBER.findall(_ascii_digits(body)):
        # 1,234 and 1.234 group thousands; a single separator before 1-2 digits is a decimal.
        parts = re.split(r"[.,/\u066b\u066c]", number)
        if len(parts) > 1 and all(len(p) == 3 for p in parts[1:]):
            numbers.append("".join(parts))
        else:
            numbers.append(".".join(parts) if len(parts) == 2 else "".join(parts))
    latin = _mostly_latin(body)
    terms = [word.casefold() for word in _LATIN_WORD.findall(body)
             if len(word) > 1 and (not latin or word[0].isupper())]
    return numbers, terms


def _hashed(tokens: list[str], row: np.ndarray) -> None:
    for token in tokens:
        row[zlib.crc32(token.encode()) % len(row)] += 1


def signal_counts(sentences: list[str], dim: int = SIGNAL_DIM) -> tuple[np.ndarray, np.ndarray]:
    """(numbers, terms): one row per sentence, counts of its tokens hashed into dim columns."""
    numbers = np.zeros((len(sentences), dim), np.float32)
    terms = np.zeros((len(sentences), dim), np.float32)
    for row, sentence in enumerate(sentences):
        found_numbers, found_terms = signal_tokens(sentence)
        _hashed(found_numbers, numbers[row])
        _hashed(found_terms, terms[row])
    return numbers, terms


# Closing quotes and brackets after a sentence's last mark: "'Why?'" ends in a question.
_CLOSERS = "\"'“”‘’«»「」『』》〉)）]】 \t"


def ends_in_question(sentences: list[str]) -> np.ndarray:
    """Whether each sentence ends in a question mark (Latin, full width or Arabic script),
    closing quotes and brackets looked through. A question stays a question in translation,
    so the mark tells where a link ends when the vectors do not (a short question beside
    its answer)."""
    return np.array([sentence.rstrip(_CLOSERS)[-1:] in ("?", "？", "؟") for sentence in sentences], bool)
