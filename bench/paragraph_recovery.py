"""Paragraphs recovered whole and in order: the measure of reading order and paragraph
building that does not depend on how either side spells its characters.

Both sides are cut into tokens (words; each Chinese character one token) and aligned once,
monotonically (difflib's longest matching blocks), so text read out of order cannot match.
A ground-truth paragraph is recovered whole and in order when all its matched tokens lie in
one extracted passage and at most a few of its tokens are unmatched: WHOLE of them must
match, but one may always be missing from a paragraph of three or more (ground truths keep
a bullet glyph's letter, "r", or a private glyph's name, "SM590000", that no text layer
spells the same way). The passage may hold
more (a heading joined to it is still a whole paragraph); the share of passages that hold
exactly one paragraph is reported beside it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

WHOLE = 0.95
# A slash separates words (tools write "1⁄4", "1 / 4" or "ibm.com /redbooks" for one text),
# and so does a square bracket: a citation mark set against its word ("Firefox[4]").
_TOKEN = re.compile("[\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]|[^\\s/\u2044\\[\\]\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")
_PUNCTUATION_ONLY = re.compile(r"^[\W_]+$")


# Apostrophes and dashes inside a word are spelled differently by different tools (a
# ground truth may turn "we’re" into "we're" or an em dash into a hyphen): one spelling each.
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2014": "-", "\u2013": "-",
                       "\u2010": "-", "\u2011": "-"})


# No word starts with a combining mark: a space before one (a ground truth writes "ووف ًخ"
# for "ووفًخ") is no word boundary.
_SPACE_BEFORE_MARK = re.compile("\\s+(?=[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed])")


def tokens(text: str) -> list[str]:
    """Words and Chinese characters, NFKC-folded and lowercased, without a word's
    surrounding punctuation (quote styles and hyphenation differ between tools), with one
    spelling of the apostrophe and of the dash."""
    text = _SPACE_BEFORE_MARK.sub("", unicodedata.normalize("NFKC", text).translate(_FOLD).lower())
    out = []
    for token in _TOKEN.findall(text):
        stripped = token.strip(".,;:!?\"'()[]{}«»“”‘’「」『』（）、，。：；！？،؛؟-–—*_")
        if stripped and not _PUNCTUATION_ONLY.match(stripped):
            out.append(stripped)
    return out


@dataclass
class Recovery:
    paragraphs: int  # in the ground truth
    whole_in_order: int
    passages: int  # extracted body passages
    exact: int  # passages holding exactly one ground-truth paragraph, nothing else

    @property
    def share(self) -> float:
        return self.whole_in_order / self.paragraphs if self.paragraphs else 1.0


def recovery(truth: list[str], passages: list[str]) -> Recovery:
    truth_tokens = [tokens(p) for p in truth]
    passage_tokens = [tokens(p) for p in passages]
    flat_truth = [(i, t) for i, ts in enumerate(truth_tokens) for t in ts]
    flat_found = [(j, t) for j, ts in enumerate(passage_tokens) for t in ts]
    matcher = difflib.SequenceMatcher(None, [t for _, t in flat_truth], [t for _, t in flat_found],
                                      autojunk=False)
    where: dict[int, list[int]] = {i: [] for i in range(len(truth))}
    covered: dict[int, set[int]] = {j: set() for j in range(len(passages))}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            paragraph = flat_truth[block.a + k][0]
            passage = flat_found[block.b + k][0]
            where[paragraph].append(passage)
            covered[passage].add(paragraph)
    whole = 0
    whole_in: dict[int, int] = {}
    for i, found in where.items():
        size = len(truth_tokens[i])
        missing = max(1, (1 - WHOLE) * size) if size >= 3 else 0
        if size and len(found) >= size - missing and len(set(found)) == 1:
            whole += 1
            whole_in[i] = found[0]
    exact = 0
    for j, paragraphs in covered.items():
        if len(paragraphs) != 1:
            continue
        (i,) = paragraphs
        # nothing but that paragraph: no more tokens than it has, give or take the slack
        if whole_in.get(i) == j and len(passage_tokens[j]) <= (2 - WHOLE) * len(truth_tokens[i]):
            exact += 1
    return Recovery(sum(1 for t in truth_tokens if t), whole, len(passages), exact)
