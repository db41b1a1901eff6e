"""Gold sentence alignments of a generated corpus, and scoring of pipeline alignments against them.

The gold is derived from the same bank and document specs that render the corpus
(scripts/corpus_spec.py), so it lists each sentence exactly as it was rendered. A gold link
joins two rendered sentences in different languages that translate the same bank sentence;
links may join two files or two languages inside one file (an extended abstract).

Pipeline rows are matched to gold links by normalized text containment, on both sides:
NFKC (which also turns Arabic presentation forms and CJK Kangxi radicals from PDF text
layers into ordinary letters), Arabic ي/ك/ى folded to Persian ی/ک, hamza carriers
to their bare letters, hamza above, diacritics
and tatweel dropped, all digits to ASCII, Chinese compared in Simplified (OpenCC t2s), and
spaces, ZWNJ, punctuation and symbols ignored. One side matches when one text contains the
other and the shorter is at least `min_ratio` of the longer, so a row that joins two gold
sentences (a 1-2 alignment) matches both, but a whole paragraph does not match a sentence.

    gold = load_gold(Path("corpus"))
    scores = score(rows, gold)   # {"en|fa": PairScore(...), "en|zh": ..., ...}
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
DEFAULT_SPEC = SCRIPTS / "corpus_sources" / "documents.yaml"

LANGUAGE_ORDER = ("en", "fa", "zh-Hant", "zh-Hans")
PAIRS = ("en|fa", "en|zh", "fa|zh", "zh-Hant|zh-Hans")

_ARABIC_FOLD = str.maketrans({
    "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
    "\u0649": "\u06cc",  # alef maksura
    "\u0643": "\u06a9",  # Arabic kaf -> keheh
    "\u06c0": "\u0647",  # heh with yeh above (ۀ) -> heh; NFKC recomposes it, so fold here
    "\u06d5": "\u0647",  # ae -> heh
    "\u0623": "\u0627",  # hamza carriers, often written without hamza (تأمین / تامین)
    "\u0625": "\u0627",
    "\u0624": "\u0648",
    "\u0626": "\u06cc",
    "\u0629": "\u0647",  # teh marbuta
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
})
_ARABIC_MARKS = {0x0640, 0x0654, 0x0655, 0x0670, *range(0x064B, 0x0653)}


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _has_han(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in text)


def normalize(text: str) -> str:
    """The comparison form of a sentence (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_FOLD)
    if _has_han(text):
        text = _t2s().convert(text)
    kept = []
    for char in text:
        if ord(char) in _ARABIC_MARKS:
            continue
        category = unicodedata.category(char)
        if category[0] in "PSZC" or category == "Mn":
            continue  # punctuation, symbols, spaces, ZWNJ/bidi controls, combining marks
        kept.append(char)
    return "".join(kept).casefold()


def pair_key(lang_a: str, lang_b: str) -> str | None:
    """The scored language pair of two languages, or None if it is not one of PAIRS."""
    if {lang_a, lang_b} == {"zh-Hant", "zh-Hans"}:
        return "zh-Hant|zh-Hans"
    groups = sorted({"zh" if l.startswith("zh") else l for l in (lang_a, lang_b)})
    key = "|".join(groups)
    return key if key in PAIRS else None


def _rank(lang: str) -> int:
    return LANGUAGE_ORDER.index(lang) if lang in LANGUAGE_ORDER else len(LANGUAGE_ORDER)


@dataclass(frozen=True)
class GoldLink:
    pair: str
    doc_a: str
    lang_a: str
    text_a: str
    doc_b: str
    lang_b: str
    text_b: str
    ids: tuple[str, ...]
    norm_a: str
    norm_b: str


@dataclass(frozen=True)
class GoldSet:
    corpus_dir: Path
    documents: tuple[str, ...]  # file names
    links: tuple[GoldLink, ...]

    def by_pair(self, pair: str) -> list[GoldLink]:
        return [link for link in self.links if link.pair == pair]


@dataclass(frozen=True)
class PairScore:
    pair: str
    rows: int  # pipeline rows in this language pair
    matched_rows: int  # rows that match at least one gold link
    gold_links: int
    found_links: int  # gold links matched by at least one row

    @property
    def precision(self) -> float | None:
        return self.matched_rows / self.rows if self.rows else None

    @property
    def recall(self) -> float | None:
        return self.found_links / self.gold_links if self.gold_links else None


def corpus_spec_module():
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    import corpus_spec

    return corpus_spec


def load_gold(corpus_dir: Path, spec: Path = DEFAULT_SPEC) -> GoldSet:
    """The gold links of the corpus rendered from `spec` into `corpus_dir`.

    Every file the spec names must exist in corpus_dir, so a stale or partial corpus fails
    here instead of silently lowering recall.
    """
    corpus_dir = Path(corpus_dir)
    documents = corpus_spec_module().load_documents(spec)
    missing = [d.file for d in documents if not (corpus_dir / d.file).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{corpus_dir}: missing {', '.join(missing)}; run scripts/make_corpus.py --spec {spec}"
        )
    links = []
    for raw in corpus_spec_module().gold_pairs(documents):
        a = (raw["doc_a"], raw["lang_a"], raw["text_a"])
        b = (raw["doc_b"], raw["lang_b"], raw["text_b"])
        if _rank(a[1]) > _rank(b[1]):
            a, b = b, a
        links.append(GoldLink(
            pair=pair_key(a[1], b[1]), doc_a=a[0], lang_a=a[1], text_a=a[2],
            doc_b=b[0], lang_b=b[1], text_b=b[2], ids=tuple(raw["ids"]),
            norm_a=normalize(a[2]), norm_b=normalize(b[2]),
        ))
    return GoldSet(corpus_dir, tuple(d.file for d in documents), tuple(links))


def side_matches(row_norm: str, gold_norm: str, min_ratio: float = 0.3) -> bool:
    if not row_norm or not gold_norm:
        return False
    shorter, longer = sorted((row_norm, gold_norm), key=len)
    return shorter in longer and len(shorter) >= min_ratio * len(longer)


def _doc_matches(row_doc, gold_file: str) -> bool:
    return row_doc is None or str(row_doc) in (gold_file, Path(gold_file).stem)


def score(rows: list[dict], gold: GoldSet, *,
          text_fields: tuple[str, str] = ("src_text", "tgt_text"),
          lang_fields: tuple[str, str] = ("src_lang", "tgt_lang"),
          doc_fields: tuple[str, str] | None = ("src_doc", "tgt_doc"),
          min_ratio: float = 0.3) -> dict[str, PairScore]:
    """Precision and recall of aligned sentence rows, per language pair in PAIRS.

    A row counts for precision in the pair of its two languages; rows in other pairs (same
    language, undetermined) are not scored. If rows carry document ids (doc_fields, file
    name or stem), a row only matches gold links between those documents; otherwise the
    same sentence pair rendered in several files counts once for recall.
    """
    oriented: dict[str, list[tuple[str, str, object, object]]] = {p: [] for p in PAIRS}
    for row in rows:
        langs = (row[lang_fields[0]], row[lang_fields[1]])
        pair = pair_key(*langs)
        if pair is None:
            continue
        sides = [(langs[0], row[text_fields[0]], row.get(doc_fields[0]) if doc_fields else None),
                 (langs[1], row[text_fields[1]], row.get(doc_fields[1]) if doc_fields else None)]
        sides.sort(key=lambda side: _rank(side[0]))
        oriented[pair].append((normalize(sides[0][1]), normalize(sides[1][1]), sides[0][2], sides[1][2]))

    use_docs = any(r[2] is not None for rs in oriented.values() for r in rs)
    scores = {}
    for pair in PAIRS:
        links = gold.by_pair(pair)
        if not use_docs:
            unique = {}
            for link in links:
                unique.setdefault((link.norm_a, link.norm_b), link)
            links = list(unique.values())
        found, matched_rows = set(), 0
        for norm_a, norm_b, doc_a, doc_b in oriented[pair]:
            hits = [i for i, link in enumerate(links)
                    if side_matches(norm_a, link.norm_a, min_ratio)
                    and side_matches(norm_b, link.norm_b, min_ratio)
                    and _doc_matches(doc_a, link.doc_a) and _doc_matches(doc_b, link.doc_b)]
            matched_rows += bool(hits)
            found.update(hits)
        scores[pair] = PairScore(pair, len(oriented[pair]), matched_rows, len(links), len(found))
    return scores
