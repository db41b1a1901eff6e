"""Alignment quality on the evaluation set: precision, recall and F1 per language pair.

    python -m pipeline.evaluate [--config configs/default.yaml]   # = make eval
    python -m pipeline.evaluate --calibrate                        # also fit align.confidence

The evaluation set (eval/corpus/, rendered from scripts/corpus_sources/eval/documents.yaml)
is run through every stage into its own folders (build/eval, build/eval/aligned), then
aligned a second time with align.scoring = cosine (build/eval/aligned-cosine) to show what
the ratio margin buys. Both are scored against the gold derived from the same spec, and the
table is printed and written to docs/evaluation.md.

The gold. A gold sentence link joins two rendered sentences in different languages that
translate the same bank sentence (scripts/corpus_spec.gold_pairs); links may join two files
or two languages inside one file (an extended abstract). A gold passage link joins two
rendered bank paragraphs that share bank sentences; for recall only paragraph pairs that
are mostly translations of each other count (the shared sentences are at least half of each
paragraph's), for precision any paragraph pair sharing a sentence is right.

Matching rows to the gold. Pipeline rows are matched to gold links by normalized text, on
both sides and inside the right documents: NFKC (which also turns Arabic presentation forms
and CJK Kangxi radicals from PDF text layers into ordinary letters), Arabic ي/ك/ى folded to
Persian ی/ک, hamza carriers to their bare letters, hamza above, diacritics and tatweel
dropped, all digits to ASCII, Chinese compared in Simplified (OpenCC t2s), and spaces, ZWNJ,
punctuation and symbols ignored. One side matches when one text contains the other, or
nearly does (`min_shared` of the shorter text's character trigrams are in the longer: PDF
text layers swap a letter pair here and there, e.g. Persian lam-alef, and a correct pair
must not be scored wrong for that), and the shorter is at least `min_ratio` of the longer,
so a row that joins two gold sentences (a 1-2 alignment) matches both, but a whole
paragraph does not match a sentence.

Rows that are not scored. The gold lists only body text: the sentences of paragraphs, both
bank sentences and the filler sentences that translate nothing. A row where *neither* side
is body text (a title paired with a title, a heading with a heading, a byline with a byline)
is set aside: it is neither right nor wrong for this gold, and is counted in the table's
"set aside" column instead of lowering precision. A row with body text on either side is
scored, so pairing a heading with a sentence, or a filler sentence with anything, is wrong.

    gold = load_gold(Path("eval/corpus"), EVAL_SPEC)
    scores = score(rows, gold)                       # sentence level
    scores = score(rows, gold, level="passage")
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
EVAL_SPEC = SCRIPTS / "corpus_sources" / "eval" / "documents.yaml"
EVAL_CORPUS = ROOT / "eval" / "corpus"
REPORT = ROOT / "docs" / "evaluation.md"

LANGUAGE_ORDER = ("en", "fa", "zh-Hant", "zh-Hans")
PAIRS = ("en|fa", "en|zh", "fa|zh", "zh-Hant|zh-Hans")
LEVELS = ("sentence", "passage")

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
# Side texts shorter than this (normalized; Chinese, written denser, apart) never count as
# body text: a heading such as "Results" or "结论" is contained in many sentences.
_MIN_BODY_CHARS, _MIN_BODY_HAN = 16, 8


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


# --------------------------------------------------------------------------- the gold

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
    # Passage links: whether the two paragraphs are mostly translations of each other (only
    # those count for recall). Sentence links always are.
    main: bool = True


@dataclass(frozen=True)
class GoldSet:
    corpus_dir: Path
    documents: tuple[str, ...]  # file names
    links: tuple[GoldLink, ...]  # sentence links
    passage_links: tuple[GoldLink, ...] = ()
    # Normalized body texts (paragraph sentences and whole paragraphs) per file; a row side
    # that matches none of them is a title, heading, byline or other front/back matter.
    body: dict = field(default_factory=dict)

    def by_pair(self, pair: str, level: str = "sentence") -> list[GoldLink]:
        links = self.links if level == "sentence" else self.passage_links
        return [link for link in links if link.pair == pair]


@dataclass(frozen=True)
class PairScore:
    pair: str
    rows: int  # scored pipeline rows in this language pair
    matched_rows: int  # scored rows that match at least one gold link
    gold_links: int
    found_links: int  # gold links matched by at least one row
    set_aside: int = 0  # rows with no body text on either side (see the module docstring)

    @property
    def precision(self) -> float | None:
        return self.matched_rows / self.rows if self.rows else None

    @property
    def recall(self) -> float | None:
        return self.found_links / self.gold_links if self.gold_links else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


def corpus_spec_module():
    """scripts/corpus_spec.py, which composes documents from the bank (a dev-tree module)."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    import corpus_spec

    return corpus_spec


def _oriented_link(pair_fields: dict, main: bool = True) -> GoldLink:
    a = (pair_fields["doc_a"], pair_fields["lang_a"], pair_fields["text_a"])
    b = (pair_fields["doc_b"], pair_fields["lang_b"], pair_fields["text_b"])
    if _rank(a[1]) > _rank(b[1]):
        a, b = b, a
    return GoldLink(pair=pair_key(a[1], b[1]), doc_a=a[0], lang_a=a[1], text_a=a[2],
                    doc_b=b[0], lang_b=b[1], text_b=b[2], ids=tuple(pair_fields["ids"]),
                    norm_a=normalize(a[2]), norm_b=normalize(b[2]), main=main)


def passage_pairs(documents) -> list[tuple[dict, bool]]:
    """Pairs of bank paragraphs in different languages sharing bank sentences, with whether
    the shared sentences are at least half of each paragraph's (a main link)."""
    paragraphs = []
    for doc in documents:
        for block in doc.blocks:
            ids = {i for piece in block.pieces for i in piece.ids}
            if block.from_bank and block.role == "paragraph" and ids:
                paragraphs.append((doc, block, ids))
    pairs = []
    for (doc_a, block_a, ids_a), (doc_b, block_b, ids_b) in itertools.combinations(paragraphs, 2):
        shared = ids_a & ids_b
        if block_a.lang == block_b.lang or not shared or pair_key(block_a.lang, block_b.lang) is None:
            continue
        main = len(shared) * 2 >= len(ids_a) and len(shared) * 2 >= len(ids_b)
        pairs.append(({"doc_a": doc_a.file, "lang_a": block_a.lang, "text_a": block_a.text(),
                       "doc_b": doc_b.file, "lang_b": block_b.lang, "text_b": block_b.text(),
                       "ids": sorted(shared)}, main))
    return pairs


def body_texts(documents) -> dict[str, tuple[str, ...]]:
    """Per file, the normalized sentences and paragraphs of its paragraph blocks."""
    body = {}
    for doc in documents:
        texts = []
        for block in doc.blocks:
            if block.role == "paragraph":
                texts += [normalize(piece.text) for piece in block.pieces]
                texts.append(normalize(block.text()))
        body[doc.file] = tuple(t for t in texts if t)
    return body


def load_gold(corpus_dir: Path, spec: Path = EVAL_SPEC) -> GoldSet:
    """The gold links of the corpus rendered from `spec` into `corpus_dir`.

    Every file the spec names must exist in corpus_dir, so a stale or partial corpus fails
    here instead of silently lowering recall.
    """
    corpus_dir = Path(corpus_dir)
    spec_module = corpus_spec_module()
    documents = spec_module.load_documents(spec)
    missing = [d.file for d in documents if not (corpus_dir / d.file).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{corpus_dir}: missing {', '.join(missing)}; run scripts/make_corpus.py --spec {spec} "
            f"--out {corpus_dir}")
    links = tuple(_oriented_link(raw) for raw in spec_module.gold_pairs(documents))
    passages = tuple(_oriented_link(raw, main) for raw, main in passage_pairs(documents))
    return GoldSet(corpus_dir, tuple(d.file for d in documents), links, passages, body_texts(documents))


# ---------------------------------------------------------------------------- matching

@lru_cache(maxsize=200_000)
def _trigrams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 3] for i in range(len(text) - 2))


def side_matches(row_norm: str, gold_norm: str, min_ratio: float = 0.3, min_shared: float = 0.85) -> bool:
    """Whether one normalized text contains the other, or nearly (see the module docstring)."""
    if not row_norm or not gold_norm:
        return False
    shorter, longer = sorted((row_norm, gold_norm), key=len)
    if len(shorter) < min_ratio * len(longer):
        return False
    if shorter in longer:
        return True
    grams = _trigrams(shorter)
    if len(grams) < 8:
        return False  # too short to tell a near match from chance
    return len(grams & _trigrams(longer)) >= min_shared * len(grams)


def _doc_matches(row_doc, gold_file: str) -> bool:
    return row_doc is None or str(row_doc) in (gold_file, Path(gold_file).stem)


def is_body(row_norm: str, row_doc, gold: GoldSet) -> bool:
    """Whether a row side is (or contains, or lies in) body text of its document."""
    if len(row_norm) < (_MIN_BODY_HAN if _has_han(row_norm) else _MIN_BODY_CHARS):
        return False
    files = [f for f in gold.body if _doc_matches(row_doc, f)]
    # Containment of any size (a sentence inside a paragraph, a heading glued to a sentence),
    # but near-containment only between texts of similar size: a heading's trigrams are
    # nearly all somewhere in a long paragraph.
    return any(row_norm in text or text in row_norm or side_matches(row_norm, text)
               for f in files for text in gold.body[f])


def score(rows: list[dict], gold: GoldSet, *,
          text_fields: tuple[str, str] = ("src_text", "tgt_text"),
          lang_fields: tuple[str, str] = ("src_lang", "tgt_lang"),
          doc_fields: tuple[str, str] | None = ("src_doc", "tgt_doc"),
          min_ratio: float = 0.3, level: str = "sentence") -> dict[str, PairScore]:
    """Precision and recall of aligned rows of one level, per language pair in PAIRS.

    A row counts for precision in the pair of its two languages; rows in other pairs (same
    language, undetermined) are not scored, nor are rows with no body text on either side
    when the gold knows its body text (set_aside). If rows carry document ids (doc_fields,
    file name or stem), a row only matches gold links between those documents; otherwise the
    same sentence pair rendered in several files counts once for recall.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
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
        links = gold.by_pair(pair, level)
        if not use_docs:
            unique = {}
            for link in links:
                unique.setdefault((link.norm_a, link.norm_b), link)
            links = list(unique.values())
        found, matched_rows, set_aside = set(), 0, 0
        for norm_a, norm_b, doc_a, doc_b in oriented[pair]:
            if gold.body and not (is_body(norm_a, doc_a, gold) or is_body(norm_b, doc_b, gold)):
                set_aside += 1
                continue
            hits = [i for i, link in enumerate(links)
                    if _doc_matches(doc_a, link.doc_a) and _doc_matches(doc_b, link.doc_b)
                    and side_matches(norm_a, link.norm_a, min_ratio)
                    and side_matches(norm_b, link.norm_b, min_ratio)]
            matched_rows += bool(hits)
            found.update(i for i in hits if links[i].main)
        scores[pair] = PairScore(pair, len(oriented[pair]) - set_aside, matched_rows,
                                 sum(link.main for link in links), len(found), set_aside)
    return scores


def labelled_rows(rows: list[dict], gold: GoldSet, level: str, **fields) -> list[tuple[dict, bool]]:
    """Each scored row with whether it is right; rows set aside or in unscored pairs are left out."""
    labelled = []
    for row in rows:
        result = score([row], gold, level=level, **fields)
        counted = [s for s in result.values() if s.rows]
        if counted:
            labelled.append((row, counted[0].matched_rows == 1))
    return labelled


# --------------------------------------------------------------------- running the set

@dataclass
class Run:
    """The rows of one alignment run, ready for scoring (doc fields hold file paths)."""

    name: str
    rows: dict[str, list[dict]]  # level -> rows


def run_pipeline(config, corpus: Path, build: Path, aligned: Path, cache: Path,
                 config_path: Path, align_only: bool = False) -> None:
    """Every stage on the corpus (stages whose inputs are unchanged are skipped)."""
    from pipeline.stages import DOCUMENT_STAGES, Workspace, run_align, run_document_stage, workspace_env_check

    workspace_env_check()
    ws = Workspace(corpus=corpus, build=build, aligned=aligned, config=config,
                   config_path=config_path, cache=cache)
    if not align_only:
        for stage in DOCUMENT_STAGES:
            run_document_stage(stage, ws)
    run_align(ws)


def read_run(name: str, aligned: Path) -> Run:
    import pyarrow.parquet as pq

    documents = pq.read_table(aligned / "documents.parquet").to_pylist()
    path_of = {d["doc_id"]: d["path"] for d in documents}
    rows: dict[str, list[dict]] = {level: [] for level in LEVELS}
    for row in pq.read_table(aligned / "alignments.parquet").to_pylist():
        row["src_doc"], row["tgt_doc"] = path_of[row["src_doc_id"]], path_of[row["tgt_doc_id"]]
        rows[row["level"]].append(row)
    return Run(name, rows)


def score_run(run: Run, gold: GoldSet) -> dict[str, dict[str, PairScore]]:
    return {level: score(run.rows[level], gold, level=level) for level in LEVELS}


# ------------------------------------------------------------------------- calibration

@dataclass
class ReliabilityBin:
    low: float
    high: float
    count: int
    predicted: float | None  # mean confidence of the rows in the bin
    observed: float | None  # share of them that are right


def reliability(confidences: list[float], correct: list[bool], bins: int = 10) -> list[ReliabilityBin]:
    result = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [(c, ok) for c, ok in zip(confidences, correct)
                   if low <= c < high or (b == bins - 1 and c == 1.0)]
        result.append(ReliabilityBin(
            low, high, len(members),
            sum(c for c, _ in members) / len(members) if members else None,
            sum(ok for _, ok in members) / len(members) if members else None))
    return result


def ranking_auc(confidences: list[float], right: list[bool]) -> float | None:
    """Chance that a right link has a higher confidence than a wrong one (ROC AUC; ties half)."""
    import numpy as np

    confidences, right = np.asarray(confidences, float), np.asarray(right, bool)
    if right.all() or not right.any():
        return None
    order = np.argsort(confidences, kind="mergesort")
    ranks = np.empty(len(order))
    sorted_values = confidences[order]
    _, first, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    for start, count in zip(first, counts):
        ranks[order[start:start + count]] = start + (count + 1) / 2
    positives = int(right.sum())
    negatives = len(right) - positives
    return float((ranks[right].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def expected_calibration_error(bins: list[ReliabilityBin]) -> float:
    total = sum(b.count for b in bins)
    return sum(b.count * abs(b.predicted - b.observed) for b in bins if b.count) / max(total, 1)


def fit_confidence(margins: list[float], similarities: list[float], correct: list[bool]) -> dict[str, float]:
    """Logistic regression of right/wrong on (margin, cosine): the align.confidence weights.

    Lightly regularized (C=100) so a set where nearly every row is right still gives finite
    weights.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    if len(set(correct)) < 2:
        raise ValueError("calibration needs both right and wrong pairs; the evaluation set gave "
                         f"only {'right' if correct and correct[0] else 'wrong'} ones")
    features = np.column_stack([margins, similarities])
    model = LogisticRegression(C=100.0, max_iter=10_000).fit(features, np.asarray(correct, dtype=int))
    return {"bias": round(float(model.intercept_[0]), 4), "w_margin": round(float(model.coef_[0][0]), 4),
            "w_similarity": round(float(model.coef_[0][1]), 4)}


# The loosened thresholds of the calibration run (see main).
CANDIDATE_SETTINGS = {"passage_margin": 0.95, "passage_similarity": 0.70, "sentence_margin": 0.95,
                      "sentence_similarity": 0.70, "min_block": 1, "comparable_margin": 0.95}

_WEIGHT_LINE = re.compile(r"^(?P<lead>\s+)(?P<key>bias|w_margin|w_similarity):(?P<gap>\s*)(?P<value>[^\s#]+)",
                          re.MULTILINE)


def write_confidence_weights(config_text: str, weights: dict[str, float], where: str) -> str:
    """The config text with the three numbers of align.confidence replaced; comments stay."""
    lines = config_text.splitlines(keepends=True)
    header = next((n for n, line in enumerate(lines) if re.match(r"^\s+confidence:\s*(#.*)?$", line)), None)
    if header is None:
        raise ValueError(f"{where}: no align.confidence section to write the fitted weights into")
    indent = len(lines[header]) - len(lines[header].lstrip())
    seen = set()
    for n in range(header + 1, len(lines)):
        line = lines[n]
        if line.strip() and not line.lstrip().startswith("#") and len(line) - len(line.lstrip()) <= indent:
            break  # the section ended
        match = _WEIGHT_LINE.match(line)
        if match:
            seen.add(match.group("key"))
            lines[n] = (f"{match.group('lead')}{match.group('key')}:{match.group('gap')}"
                        f"{weights[match.group('key')]}{line[match.end():]}")
    if seen != set(weights):
        raise ValueError(f"{where}: align.confidence lacks {sorted(set(weights) - seen)}")
    return "".join(lines)


def confidence_of(row: dict, weights: dict[str, float]) -> float:
    from pipeline.align import confidence

    return confidence(row["margin"], row["similarity"], weights["bias"], weights["w_margin"],
                      weights["w_similarity"])


# ----------------------------------------------------------------------------- report

def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def score_table(results: dict[str, dict[str, dict[str, PairScore]]]) -> str:
    """Markdown table: one row per run, level and language pair."""
    lines = ["| scoring | level | pair | P | R | F1 | rows scored | right | gold links | found | set aside |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for run_name, by_level in results.items():
        for level in LEVELS:
            for pair in PAIRS:
                s = by_level[level][pair]
                lines.append(f"| {run_name} | {level} | {pair.replace('|', '–')} | {_num(s.precision)} | "
                             f"{_num(s.recall)} | {_num(s.f1)} | {s.rows} | {s.matched_rows} | "
                             f"{s.gold_links} | {s.found_links} | {s.set_aside} |")
    return "\n".join(lines)


def reliability_table(bins: list[ReliabilityBin]) -> str:
    lines = ["| confidence | pairs | mean confidence | share right |", "|---|---|---|---|"]
    for b in bins:
        lines.append(f"| {b.low:.1f}–{b.high:.1f} | {b.count} | {_num(b.predicted)} | {_num(b.observed)} |")
    return "\n".join(lines)


def report(results, gold: GoldSet, config, calibration: dict | None, bins, ece: float,
           sentence_ranking: str = "") -> str:
    documents = len(gold.documents)
    weights = config.align.confidence
    parts = [
        "# Alignment quality on the evaluation set",
        "",
        "Written by `make eval` (`python -m pipeline.evaluate`); do not edit by hand.",
        "",
        f"The evaluation set is {documents} PDFs in `eval/corpus/`, rendered with Chromium and LibreOffice "
        "from `scripts/corpus_sources/eval/` (our own parallel writing on four topics the sample corpus "
        "does not touch, arranged with omitted sentences and paragraphs, merged and split sentences, "
        "reordered paragraphs, filler sentences, and two unrelated documents). It has "
        f"{len(gold.links)} gold sentence links and {sum(l.main for l in gold.passage_links)} gold "
        "passage links (paragraph pairs that are mostly translations of each other).",
        "",
        f"Model `{config.model.name}`, config hash `{config.hash}`. P = right rows / scored rows, "
        "R = gold links found / gold links, F1 their harmonic mean, per language pair (zh = either "
        "Chinese script). *margin* is the method (mutual best by ratio margin); *cosine* is the "
        "same pipeline with `align.scoring: cosine` (mutual best by raw cosine, margin thresholds "
        "unused), to show what the margin buys.",
        "",
        "**Rows set aside.** The gold lists only body text: the sentences of paragraphs (bank "
        "sentences and filler sentences that translate nothing). A row where neither side is body "
        "text -- a title paired with a title, a heading with a heading, a byline with a byline -- "
        "is neither right nor wrong for this gold and is counted under *set aside*, not against "
        "precision. A row with body text on either side is scored, so a heading paired with a "
        "sentence, or a filler sentence paired with anything, counts as wrong.",
        "",
        "**Matching.** Rows match gold links by normalized text inside the right documents; a side "
        "also matches when 85% of its character trigrams are in the gold text, because PDF text "
        "layers swap a letter pair here and there (Persian lam-alef) and a right pair must not be "
        "scored wrong for that. See the docstring of `pipeline/evaluate.py`.",
        "",
        score_table(results),
        "",
        "## Confidence",
        "",
        f"`align.confidence` = bias {weights.bias}, w_margin {weights.w_margin}, "
        f"w_similarity {weights.w_similarity}"
        + (" (fitted on this set by `python -m pipeline.evaluate --calibrate`, logistic regression of "
           "right/wrong on margin and cosine over the scored rows of both levels)." if calibration else "."),
        "At the default thresholds nearly every scored row is right, so a calibrated confidence "
        "is close to 1 for nearly every row and ranks them little. `--calibrate --calibration-rows "
        "candidates` fits instead on a run with loosened thresholds (`CANDIDATE_SETTINGS`: many "
        "wrong rows); those weights rank pairs near the thresholds well but under-state the output "
        "rows, which the anchor blocks and the DP make right more often than margin and cosine "
        "alone predict.",
        "",
        "Reliability of the scored margin rows, both levels: a well calibrated confidence has "
        "*share right* close to *mean confidence* in every bin. Expected calibration error "
        f"{ece:.3f}. The weights are fitted and checked on the same set, so this is an in-sample "
        "check.",
        "",
        reliability_table(bins),
        "",
        sentence_ranking,
        "",
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/default.yaml")
    parser.add_argument("--corpus", type=Path, default=EVAL_CORPUS)
    parser.add_argument("--spec", type=Path, default=EVAL_SPEC)
    parser.add_argument("--build", type=Path, default=ROOT / "build" / "eval")
    parser.add_argument("--cache", type=Path, default=ROOT / "cache")
    parser.add_argument("--report", type=Path, default=REPORT, help="markdown report to write")
    parser.add_argument("--calibrate", action="store_true",
                        help="fit align.confidence on the set and write it into the config")
    parser.add_argument("--calibration-rows", choices=("output", "candidates"), default="output",
                        help="fit on the output rows (default) or on a run with loosened thresholds")
    args = parser.parse_args(argv)

    from pipeline.config import ConfigError, load_config

    try:
        config = load_config(args.config)
        gold = load_gold(args.corpus, args.spec)
    except (ConfigError, FileNotFoundError) as err:
        print(f"hamta eval: {err}", file=sys.stderr)
        return 2
    if config.align.scoring != "margin":
        print(f"hamta eval: {args.config}: align.scoring must be margin here; the cosine run is added "
              f"by the evaluation itself", file=sys.stderr)
        return 2
    cosine = config.model_copy(update={"align": config.align.model_copy(update={"scoring": "cosine"})})
    runs = {"margin": (config, args.build / "aligned"), "cosine": (cosine, args.build / "aligned-cosine")}
    results, margin_run = {}, None
    for name, (run_config, aligned) in runs.items():
        run_pipeline(run_config, args.corpus, args.build, aligned, args.cache, Path(args.config),
                     align_only=name != "margin")
        run = read_run(name, aligned)
        results[name] = score_run(run, gold)
        margin_run = margin_run or run

    labelled = [pair for level in LEVELS for pair in labelled_rows(margin_run.rows[level], gold, level)]
    weights = config.align.confidence.model_dump()
    calibration = None
    if args.calibrate:
        before = reliability([confidence_of(r, weights) for r, _ in labelled], [ok for _, ok in labelled])
        print("reliability with the weights in the config:\n" + reliability_table(before))
        if args.calibration_rows == "output":
            training = labelled  # the rows the confidence is written on
        else:
            # A run with loosened thresholds, which holds the output rows and many wrong ones:
            # the weights then rank pairs near the thresholds, but under-state the output
            # rows, which the block and DP constraints make right more often than margin and
            # cosine alone predict (see docs/evaluation.md).
            loose = config.model_copy(update={"align": config.align.model_copy(update=CANDIDATE_SETTINGS)})
            aligned = args.build / "aligned-candidates"
            run_pipeline(loose, args.corpus, args.build, aligned, args.cache, Path(args.config), align_only=True)
            candidates = read_run("candidates", aligned)
            training = [pair for level in LEVELS for pair in labelled_rows(candidates.rows[level], gold, level)]
        print(f"calibration rows ({args.calibration_rows}): {len(training)}, right: {sum(ok for _, ok in training)}")
        weights = fit_confidence([r["margin"] for r, _ in training], [r["similarity"] for r, _ in training],
                                 [ok for _, ok in training])
        fitted = reliability([confidence_of(r, weights) for r, _ in training], [ok for _, ok in training])
        print(f"reliability of the fitted weights on those rows (expected calibration error "
              f"{expected_calibration_error(fitted):.3f}):\n" + reliability_table(fitted))
        path = Path(args.config)
        path.write_text(write_confidence_weights(path.read_text(encoding="utf-8"), weights, str(path)),
                        encoding="utf-8")
        config = load_config(path)
        calibration = weights
        print(f"fitted align.confidence {weights}, written to {path}")
    bins = reliability([confidence_of(r, weights) for r, _ in labelled], [ok for _, ok in labelled])
    ece = expected_calibration_error(bins)
    print(score_table(results))
    print(f"\nreliability (expected calibration error {ece:.3f}):\n" + reliability_table(bins))
    written = [(r["confidence"], ok) for r, ok in labelled_rows(margin_run.rows["sentence"], gold, "sentence")]
    auc = ranking_auc([c for c, _ in written], [ok for _, ok in written])
    # Sentence rows carry the confidence of align.confidence.sentence_* (fitted on the public
    # tuning sets, docs/alignment-benchmarks.md), so this set is held out for it.
    ranking = (f"Sentence rows carry the link confidence (`align.confidence.sentence_*`, fitted on the public "
               f"tuning sets; held out here). How it ranks the {len(written)} scored sentence rows "
               f"({sum(not ok for _, ok in written)} wrong): AUC {'-' if auc is None else f'{auc:.3f}'} "
               f"(the chance that a right row has a higher confidence than a wrong one).")
    print(ranking)
    args.report.write_text(report(results, gold, config, calibration, bins, ece, ranking), encoding="utf-8")
    print(f"\nhamta eval: report written to {args.report}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
