"""Export reviewed pairs as TMX 1.4b (for OmegaT, Trados, memoQ ...) and TSV.

python -m pipeline.export --aligned DIR --config FILE [--min-confidence X]

By default the pairs translators accepted or edited (edited pairs with their corrected
text). The text written is the normalized one: line breaks of the page layout joined as
each script needs (none between Chinese characters), Persian characters repaired. With --min-confidence, every pair at or above it too, except rejected ones. One file
per language pair, aligned/hamta.<src>-<tgt>.tmx and .tsv, since a translation memory is
opened for one language pair; each unit carries its provenance as <prop type="x-...">.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pyarrow.parquet as pq

from pipeline.review.store import REVIEWS_FILE, Decision, match_decisions, read_decisions, review_status, pair_text_hash
from pipeline.storage import write_text

TOOL, TOOL_VERSION = "Hamta", "0.1.0"
EXPORT_PREFIX = "hamta."
TSV_COLUMNS = ["pair_id", "src_lang", "tgt_lang", "src_text", "tgt_text", "review_status", "confidence",
               "level", "src_doc_id", "src_page", "tgt_doc_id", "tgt_page", "model", "config_hash"]
# XML 1.0 cannot carry most control characters, and PDF text sometimes has them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACES = re.compile(r"[\t\r\n]+")


@dataclass(frozen=True)
class ExportUnit:
    """One pair as exported: final texts (after edits) and where it came from."""

    pair: dict
    status: str
    src_text: str
    tgt_text: str
    decided_at: str | None


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
        units.append(ExportUnit(pair, status, src, tgt, decision.decided_at if decision else None))
    return units


def _xml_text(text: str) -> str:
    return escape(_NOT_XML.sub("", text))


def _tmx_date(iso: str) -> str:
    """2026-01-31T12:00:00+00:00 -> 20260131T120000Z (TMX's date form)."""
    digits = re.sub(r"[^0-9T]", "", iso[:19])
    return f"{digits}Z"


def _props(unit: ExportUnit) -> list[tuple[str, str]]:
    pair = unit.pair
    return [
        ("x-pair-id", pair["pair_id"]), ("x-level", pair["level"]), ("x-method", pair["method"]),
        ("x-review-status", unit.status), ("x-confidence", f"{pair['confidence']:.6f}"),
        ("x-src-doc-id", pair["src_doc_id"]), ("x-src-page", str(pair["src_page"])),
        ("x-tgt-doc-id", pair["tgt_doc_id"]), ("x-tgt-page", str(pair["tgt_page"])),
        ("x-model", pair["model"]), ("x-config-hash", pair["config_hash"]),
    ]


def tmx_document(units: list[ExportUnit], src_lang: str) -> str:
    """A TMX 1.4b document of `units` (all of one language pair), as text."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE tmx SYSTEM "tmx14.dtd">',
        '<tmx version="1.4">',
        f'  <header creationtool={quoteattr(TOOL)} creationtoolversion={quoteattr(TOOL_VERSION)} '
        f'segtype="sentence" o-tmf="hamta-parquet" adminlang="en" srclang={quoteattr(src_lang)} '
        'datatype="plaintext">',
        '  </header>',
        '  <body>',
    ]
    for unit in units:
        pair = unit.pair
        attrs = f"tuid={quoteattr(pair['pair_id'])}"
        if pair["level"] == "passage":
            attrs += ' segtype="paragraph"'
        if unit.decided_at:
            attrs += f' changedate="{_tmx_date(unit.decided_at)}"'
        lines.append(f"    <tu {attrs}>")
        lines += [f"      <prop type={quoteattr(kind)}>{_xml_text(value or '')}</prop>" for kind, value in _props(unit)]
        for lang, text in ((pair["src_lang"], unit.src_text), (pair["tgt_lang"], unit.tgt_text)):
            lines.append(f'      <tuv xml:lang={quoteattr(lang)}><seg>{_xml_text(text)}</seg></tuv>')
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


def export(aligned: Path, min_confidence: float | None = None) -> dict[str, int]:
    """Write the export files into `aligned`; returns units written per file name."""
    aligned = Path(aligned)
    path = aligned / "alignments.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found; run `make all` first")
    pairs = pq.read_table(path).to_pylist()
    units = select_units(pairs, read_decisions(aligned / REVIEWS_FILE), min_confidence)
    by_langs: dict[tuple[str, str], list[ExportUnit]] = {}
    for unit in units:
        by_langs.setdefault((unit.pair["src_lang"], unit.pair["tgt_lang"]), []).append(unit)
    written = {}
    for (src, tgt), group in sorted(by_langs.items()):
        # Most confident first, the order a translator expects a memory's matches in.
        group.sort(key=lambda u: (-u.pair["confidence"], u.pair["pair_id"]))
        stem = f"{EXPORT_PREFIX}{src}-{tgt}"
        write_text(tmx_document(group, src), aligned / f"{stem}.tmx")
        write_text(tsv_document(group), aligned / f"{stem}.tsv")
        written[f"{stem}.tmx"] = written[f"{stem}.tsv"] = len(group)
    # A language pair with nothing to export now must not leave an earlier export behind.
    for old in [*aligned.glob(f"{EXPORT_PREFIX}*.tmx"), *aligned.glob(f"{EXPORT_PREFIX}*.tsv")]:
        if old.name not in written:
            old.unlink()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aligned", default="aligned")
    parser.add_argument("--config", default="configs/default.yaml")
    parser.add_argument("--min-confidence", type=float, default=None,
                        help="also export unreviewed pairs with at least this confidence (0..1)")
    args = parser.parse_args(argv)

    from pipeline.config import ConfigError, load_config

    try:
        load_config(args.config)  # a broken config should stop an export as it stops a run
    except ConfigError as err:
        print(f"hamta export: {err}", file=sys.stderr)
        return 2
    if args.min_confidence is not None and not 0 <= args.min_confidence <= 1:
        print(f"hamta export: --min-confidence {args.min_confidence}: expected a number from 0 to 1",
              file=sys.stderr)
        return 2
    try:
        written = export(Path(args.aligned), args.min_confidence)
    except FileNotFoundError as err:
        print(f"hamta export: {err}", file=sys.stderr)
        return 2
    if not written:
        print(f"hamta export: no accepted or edited pair in {args.aligned}/ yet (review with `make review`, "
              "or pass --min-confidence)", file=sys.stderr)
    for name, count in written.items():
        if name.endswith(".tmx"):
            print(f"hamta export: {count} pair(s) -> {args.aligned}/{name} (+ .tsv)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
