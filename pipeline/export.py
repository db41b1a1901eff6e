"""Export reviewed pairs as TMX 1.4b (for OmegaT, Trados, memoQ ...) and TSV.

python -m pipeline.export --aligned DIR --config FILE [--min-confidence X]
                          [--lang fa=fa-IR ...] [--source fa ...]

By default the pairs translators accepted or edited (edited pairs with their corrected
text), manual links included. The text written is the normalized one: line breaks of the
page layout joined as each script needs (none between Chinese characters), Persian
characters repaired. With --min-confidence, every pair at or above it too, except rejected
ones.

One memory per language pair and level, since a CAT tool opens a memory for one language
pair and one kind of segment: aligned/hamta.<src>-<tgt>.tmx holds sentences (header
segtype "sentence"), aligned/hamta.<src>-<tgt>.paragraphs.tmx holds paragraphs (segtype
"paragraph"). Languages are written as CAT tools know them (export.tmx_languages in the
config, or --lang: fa-IR, zh-TW, zh-CN ...). Exactly repeated units (the same text on both
sides, a heading or a formula found in many papers) are written once, with how many times
they occur in <prop type="x-count">. Each unit carries its provenance as <prop type="x-...">.
The TSV, one line per pair, is for reading the export in a spreadsheet or pandas.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pyarrow.parquet as pq

from pipeline.review.store import REVIEWS_FILE, Decision, match_decisions, pair_text_hash, read_decisions, review_status
from pipeline.storage import write_text

TOOL, TOOL_VERSION = "Hamta", "0.1.0"
EXPORT_PREFIX = "hamta."
TSV_COLUMNS = ["pair_id", "src_lang", "tgt_lang", "src_text", "tgt_text", "review_status", "confidence",
               "level", "src_doc_id", "src_page", "tgt_doc_id", "tgt_page", "model", "config_hash"]
# Language codes as CAT tools want them in TMX (Trados, for one, refuses zh-Hant and a bare
# fa): a region per language. The config's export.tmx_languages and --lang replace them.
TMX_LANGUAGES = {"en": "en-US", "fa": "fa-IR", "zh-Hant": "zh-TW", "zh-Hans": "zh-CN"}
SEGTYPES = {"sentence": ("sentence", ""), "passage": ("paragraph", ".paragraphs")}
# XML 1.0 cannot carry most control characters, and PDF text sometimes has them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACES = re.compile(r"[\t\r\n]+")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class ExportUnit:
    """One pair as exported: final texts (after edits) and where it came from."""

    pair: dict
    status: str
    src_text: str
    tgt_text: str
    decided_at: str | None
    count: int = 1  # how many pairs have exactly these texts (folded into this unit)
    pair_ids: tuple[str, ...] = ()


def select_units(pairs: list[dict], decisions: dict[str, Decision],
                 min_confidence: float | None = None) -> list[ExportUnit]:
    """Accepted and edited pairs, plus (with a threshold) unrejected pairs at or above it."""
    units = []
    for pair, decision in zip(pairs, match_decisions(pairs, decisions)):
        status = review_status(decision, pair_text_hash(pair["src_text"], pair["tgt_text"]))
        reviewed_in = status in ("accepted", "edited")
        confident = min_confidence is not None and status != "rejected" and pair["confidence"] >= min_confidence
        if not (reviewed_in or confident):
            continue
        edited = status == "edited"
        src = decision.src_edit if edited and decision.src_edit is not None else pair["src_normalized"]
        tgt = decision.tgt_edit if edited and decision.tgt_edit is not None else pair["tgt_normalized"]
        units.append(ExportUnit(pair, status, src, tgt, decision.decided_at if decision else None,
                                pair_ids=(pair["pair_id"],)))
    return units


def reverse(unit: ExportUnit) -> ExportUnit:
    """The unit with source and target swapped (the export's direction choice)."""
    pair = dict(unit.pair)
    for name in [k[4:] for k in unit.pair if k.startswith("src_")]:
        pair[f"src_{name}"], pair[f"tgt_{name}"] = unit.pair.get(f"tgt_{name}"), unit.pair.get(f"src_{name}")
    return replace(unit, pair=pair, src_text=unit.tgt_text, tgt_text=unit.src_text)


def fold_duplicates(units: list[ExportUnit]) -> list[ExportUnit]:
    """One unit per exact source and target text (after the export's cleaning); the first
    (most confident) keeps its provenance, and counts the others."""
    first: dict[tuple[str, str], int] = {}
    folded: list[ExportUnit] = []
    for unit in units:
        key = (_clean(unit.src_text), _clean(unit.tgt_text))
        if key in first:
            kept = folded[first[key]]
            latest = max(filter(None, (kept.decided_at, unit.decided_at)), default=None)
            folded[first[key]] = replace(kept, count=kept.count + unit.count, pair_ids=kept.pair_ids + unit.pair_ids,
                                         decided_at=latest)
        else:
            first[key] = len(folded)
            folded.append(unit)
    return folded


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _xml_text(text: str) -> str:
    return escape(_clean(text))


def _tmx_date(iso: str) -> str:
    """2026-01-31T12:00:00+00:00 -> 20260131T120000Z (TMX's date form)."""
    digits = re.sub(r"[^0-9T]", "", iso[:19])
    return f"{digits}Z"


def _props(unit: ExportUnit) -> list[tuple[str, str]]:
    pair = unit.pair
    props = [
        ("x-pair-id", pair["pair_id"]), ("x-level", pair["level"]), ("x-method", pair["method"]),
        ("x-review-status", unit.status), ("x-confidence", f"{pair['confidence']:.6f}"),
        ("x-src-doc-id", pair["src_doc_id"]), ("x-src-page", str(pair["src_page"])),
        ("x-tgt-doc-id", pair["tgt_doc_id"]), ("x-tgt-page", str(pair["tgt_page"])),
        ("x-model", pair["model"]), ("x-config-hash", pair["config_hash"]),
    ]
    if unit.count > 1:
        props += [("x-count", str(unit.count)), ("x-pair-ids", " ".join(unit.pair_ids))]
    return props


def tmx_document(units: list[ExportUnit], src_lang: str, languages: dict[str, str] | None = None,
                 segtype: str = "sentence") -> str:
    """A TMX 1.4b document of `units` (all of one language pair and level), as text.
    languages: the code written for each language (see TMX_LANGUAGES)."""
    code = (languages or {}).get
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE tmx SYSTEM "tmx14.dtd">',
        '<tmx version="1.4">',
        f'  <header creationtool={quoteattr(TOOL)} creationtoolversion={quoteattr(TOOL_VERSION)} '
        f'segtype={quoteattr(segtype)} o-tmf="hamta-parquet" adminlang="en-US" '
        f'srclang={quoteattr(code(src_lang, src_lang))} datatype="plaintext">',
        '  </header>',
        '  <body>',
    ]
    for unit in units:
        pair = unit.pair
        attrs = f"tuid={quoteattr(pair['pair_id'])}"
        if unit.decided_at:
            attrs += f' changedate="{_tmx_date(unit.decided_at)}"'
        lines.append(f"    <tu {attrs}>")
        lines += [f"      <prop type={quoteattr(kind)}>{_xml_text(value or '')}</prop>" for kind, value in _props(unit)]
        for lang, text in ((pair["src_lang"], unit.src_text), (pair["tgt_lang"], unit.tgt_text)):
            lines.append(f'      <tuv xml:lang={quoteattr(code(lang, lang))}><seg>{_xml_text(text)}</seg></tuv>')
        lines.append("    </tu>")
    lines += ["  </body>", "</tmx>", ""]
    return "\n".join(lines)


def _tsv_cell(value) -> str:
    # One line per pair: tabs and line breaks inside a text become single spaces.
    return _SPACES.sub(" ", _NOT_XML.sub("", "" if value is None else str(value)))


def tsv_document(units: list[ExportUnit]) -> str:
    lines = ["\t".join(TSV_COLUMNS)]
    for unit in units:
        row = {**unit.pair, "src_text": unit.src_text, "tgt_text": unit.tgt_text, "review_status": unit.status,
               "confidence": f"{unit.pair['confidence']:.6f}"}
        lines.append("\t".join(_tsv_cell(row[c]) for c in TSV_COLUMNS))
    return "\n".join(lines) + "\n"


def export(aligned: Path, min_confidence: float | None = None, languages: dict[str, str] | None = None,
           sources: list[str] = ()) -> dict[str, int]:
    """Write the export files into `aligned`; returns units written per file name.

    languages: TMX code per language (TMX_LANGUAGES unless given). sources: languages to put
    on the source side of every pair they are in, first listed first (by default the
    pipeline's direction: the language listed first in the config)."""
    aligned = Path(aligned)
    languages = TMX_LANGUAGES if languages is None else languages
    path = aligned / "alignments.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found; run `make all` first")
    pairs = pq.read_table(path).to_pylist()
    units = select_units(pairs, read_decisions(aligned / REVIEWS_FILE), min_confidence)
    rank = {lang: n for n, lang in enumerate(sources)}
    by_file: dict[tuple[str, str, str], list[ExportUnit]] = {}
    for unit in units:
        src, tgt = unit.pair["src_lang"], unit.pair["tgt_lang"]
        if rank.get(tgt, len(rank)) < rank.get(src, len(rank)):
            unit = reverse(unit)
        by_file.setdefault((unit.pair["src_lang"], unit.pair["tgt_lang"], unit.pair["level"]), []).append(unit)
    by_langs: dict[tuple[str, str], list[ExportUnit]] = {}
    written = {}
    for (src, tgt, level), group in sorted(by_file.items()):
        # Most confident first, the order a translator expects a memory's matches in.
        group.sort(key=lambda u: (-u.pair["confidence"], u.pair["pair_id"]))
        by_langs.setdefault((src, tgt), []).extend(group)
        segtype, suffix = SEGTYPES.get(level, (level, f".{level}"))
        folded = fold_duplicates(group)
        name = f"{EXPORT_PREFIX}{src}-{tgt}{suffix}.tmx"
        write_text(tmx_document(folded, src, languages, segtype), aligned / name)
        written[name] = len(folded)
    for (src, tgt), group in sorted(by_langs.items()):
        name = f"{EXPORT_PREFIX}{src}-{tgt}.tsv"
        write_text(tsv_document(group), aligned / name)
        written[name] = len(group)
    # A language pair with nothing to export now must not leave an earlier export behind.
    for old in [*aligned.glob(f"{EXPORT_PREFIX}*.tmx"), *aligned.glob(f"{EXPORT_PREFIX}*.tsv")]:
        if old.name not in written:
            old.unlink()
    return written


def language_codes(defaults: dict[str, str], overrides: list[str]) -> dict[str, str]:
    """The TMX code of each language: the defaults, then LANG=CODE pairs from the command line."""
    codes = dict(defaults)
    for item in overrides:
        lang, _, code = item.partition("=")
        if not lang or not _LANGUAGE_TAG.match(code):
            raise ValueError(f"--lang {item}: expected LANG=CODE with a language tag such as fa=fa-IR or zh-Hant=zh-TW")
        codes[lang] = code
    return codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aligned", default="aligned")
    parser.add_argument("--config", default="configs/default.yaml")
    parser.add_argument("--min-confidence", type=float, default=None,
                        help="also export unreviewed pairs with at least this confidence (0..1)")
    parser.add_argument("--lang", action="append", default=[], metavar="LANG=CODE",
                        help="the TMX code of a language, e.g. --lang en=en-GB (default: export.tmx_languages)")
    parser.add_argument("--source", action="append", default=[], metavar="LANG",
                        help="put LANG on the source side of every pair it is in, e.g. --source fa "
                             "(default: export.source_languages, else the config's language order)")
    args = parser.parse_args(argv)

    from pipeline.config import ConfigError, load_config

    try:
        config = load_config(args.config)  # a broken config should stop an export as it stops a run
        languages = language_codes(config.export.tmx_languages, args.lang)
    except (ConfigError, ValueError) as err:
        print(f"hamta export: {err}", file=sys.stderr)
        return 2
    if args.min_confidence is not None and not 0 <= args.min_confidence <= 1:
        print(f"hamta export: --min-confidence {args.min_confidence}: expected a number from 0 to 1",
              file=sys.stderr)
        return 2
    try:
        written = export(Path(args.aligned), args.min_confidence, languages,
                         args.source or list(config.export.source_languages))
    except FileNotFoundError as err:
        print(f"hamta export: {err}", file=sys.stderr)
        return 2
    if not written:
        print(f"hamta export: no accepted or edited pair in {args.aligned}/ yet (review with `make review`, "
              "or pass --min-confidence)", file=sys.stderr)
    for name, count in written.items():
        what = "unit(s)" if name.endswith(".tmx") else "pair(s)"
        print(f"hamta export: {count} {what} -> {args.aligned}/{name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
