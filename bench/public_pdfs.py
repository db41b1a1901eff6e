"""Extraction measured on public test PDFs nobody here wrote (bench/public_pdfs.yaml).

    python -m bench.public_pdfs --pdfs FOLDER          # measure; FOLDER/<repo>/<path>
    python -m bench.public_pdfs --export-from CHECKOUT --to FOLDER
                                                       # copy the manifest's files out of a
                                                       # git checkout of their repository

Per file: the ground-truth paragraphs recovered whole and in order (bench.paragraph_recovery)
and the character error rate of the body text against the ground truth's body text.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench import extract_fidelity as F
from bench.paragraph_recovery import recovery, tokens

MANIFEST = Path(__file__).with_name("public_pdfs.yaml")
BODY_LABELS = {"title", "section_header", "text", "paragraph", "list_item"}
# Items whose children are not running text (a figure's labels, a table's cells).
_OPAQUE = ("#/pictures/", "#/tables/")


def manifest() -> list[dict]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))["sets"]


def truth_paragraphs(document: dict) -> list[str]:
    """Body texts of a DoclingDocument in its reading order (depth first from the body)."""
    items = {}
    for kind in ("texts", "groups", "pictures", "tables"):
        for item in document.get(kind, []):
            items[item["self_ref"]] = item
    found: list[str] = []

    def walk(ref: str) -> None:
        item = items.get(ref)
        if item is None or ref.startswith(_OPAQUE):
            return
        if item.get("label") == "inline":
            # one paragraph whose runs differ in formatting
            text = "".join(items[c["$ref"]].get("text", "") for c in item.get("children", [])
                           if c["$ref"].startswith("#/texts/"))
            if text.strip():
                found.append(text)
            return
        if ref.startswith("#/texts/"):
            if item.get("content_layer", "body") == "body" and item["label"] in BODY_LABELS \
                    and item.get("text", "").strip():
                found.append(item["text"])
        for child in item.get("children", []):
            walk(child["$ref"])

    for child in document["body"]["children"]:
        walk(child["$ref"])
    return found


@dataclass
class PublicResult:
    set: str
    file: str
    role: str
    pages: int
    paragraphs: int
    whole_in_order: int
    passages: int
    cer: float
    chars: int  # of the ground truth's body text
    tables: int = 0  # in the ground truth (or listed in the expectations)
    tables_found: int = 0  # of those, held whole by one block of kind table
    table_blocks: int = 0  # Hamta's blocks of kind table


def truth_tables(document: dict) -> list[str]:
    """The text of each table of a DoclingDocument (its cells, row by row); a table of
    contents (document_index) is no table."""
    return [" ".join(cell.get("text", "") for cell in table.get("data", {}).get("table_cells", []))
            for table in document.get("tables", []) if table.get("label") == "table"]


# A truth table is found when one table block holds this share of its cells' words.
TABLE_HELD = 0.8


def tables_found(truth: list[str], table_blocks: list[str]) -> int:
    found = 0
    held = [tokens(text) for text in table_blocks]
    for table in truth:
        words = tokens(table)
        if words and any(sum(w in set(block) for w in words) >= TABLE_HELD * len(words) for block in held):
            found += 1
    return found


def split_before(paragraphs: list[str], openings: list[str]) -> list[str]:
    """The truth paragraphs cut before each opening (see split_before in the manifest)."""
    out = []
    for paragraph in paragraphs:
        cuts = sorted(k for k in (paragraph.find(o) for o in openings) if k > 0)
        for start, end in zip([0] + cuts, cuts + [len(paragraph)]):
            out.append(paragraph[start:end].strip())
    return out


def evaluate_file(set_name: str, role: str, pdf: Path, truth: Path, openings: list[str] = ()) -> PublicResult:
    from pipeline.config import ExtractSettings
    from pipeline.extract import extract_file

    document = json.loads(truth.read_text(encoding="utf-8"))
    paragraphs = split_before(truth_paragraphs(document), list(openings))
    extraction = extract_file(pdf, ExtractSettings())
    body = [b.text for b in extraction.blocks if b.kind in F.BODY_KINDS]
    found = recovery(paragraphs, body)
    # both sides leave tables out of the body: the truth its table items, Hamta its blocks
    # of kind table (a table either side misses counts as inserted or deleted text)
    source = " ".join(F.normalize(p) for p in paragraphs)
    extracted = " ".join(F.normalize(p) for p in body)
    cer = F.edit_distance(extracted, source) / max(len(source), 1)
    tables = truth_tables(document)
    blocks = [b.text for b in extraction.blocks if b.kind == "table"]
    return PublicResult(set_name, pdf.name, role, extraction.page_count, found.paragraphs,
                        found.whole_in_order, found.passages, cer, len(source),
                        len(tables), tables_found(tables, blocks), len(blocks))


def evaluate_expected(set_name: str, role: str, pdf: Path, expected: list[list[str]],
                      tables: list[list[str]] = ()) -> PublicResult:
    """Against our own checked expectations: (opening, closing) anchors of each paragraph,
    and of each table (its first and last cells, held by one block of kind table)."""
    from pipeline.config import ExtractSettings
    from pipeline.extract import extract_file
    from pipeline.normalize import reflow

    extraction = extract_file(pdf, ExtractSettings())
    body = [tokens(reflow(b.text)) for b in extraction.blocks if b.kind in F.BODY_KINDS]
    whole, last = 0, (-1, -1)
    for opening, closing in expected:
        first, end = tokens(opening), tokens(closing)
        for k, passage in enumerate(body):
            start = _find(passage, first)
            if start < 0:
                continue
            stop = _find(passage, end, start)
            if stop >= 0 and (k, start) > last:
                whole += 1
                last = (k, start)
            break
    table_blocks = [tokens(b.text) for b in extraction.blocks if b.kind == "table"]
    held = sum(any(_find(block, tokens(first)) >= 0
                   and _find(block, tokens(last), _find(block, tokens(first))) >= 0 for block in table_blocks)
               for first, last in tables)
    return PublicResult(set_name, pdf.name, role, extraction.page_count, len(expected), whole,
                        len(body), float("nan"), 0, len(tables), held, len(table_blocks))


def _find(haystack: list[str], needle: list[str], start: int = 0) -> int:
    for k in range(start, len(haystack) - len(needle) + 1):
        if haystack[k:k + len(needle)] == needle:
            return k
    return -1


def evaluate_all(folder: Path) -> list[PublicResult]:
    results = []
    for entry in manifest():
        root = folder / entry["repo"]
        for item in entry["files"]:
            pdf = root / item["pdf"]
            truth = root / item["truth"] if "truth" in item else None
            if not pdf.is_file() or (truth is not None and not truth.is_file()):
                print(f"{pdf}: missing, skipped (see bench/public_pdfs.yaml)", file=sys.stderr)
                continue
            if truth is None:
                results.append(evaluate_expected(entry["name"], entry["role"], pdf, item["expect"],
                                                 item.get("tables", [])))
            else:
                results.append(evaluate_file(entry["name"], entry["role"], pdf, truth, item.get("split_before", [])))
    return results


def export(checkout: Path, folder: Path) -> None:
    """Copy the manifest's files at their commits out of a git checkout (or bare mirror) of
    one of the manifest's repositories; sets from other repositories are left out."""
    for entry in manifest():
        known = subprocess.run(["git", f"--git-dir={_git_dir(checkout)}", "cat-file", "-e",
                                f"{entry['commit']}^{{commit}}"], capture_output=True)
        if known.returncode != 0:
            continue
        for item in entry["files"]:
            for key in ("pdf", "truth"):
                if key not in item:
                    continue
                target = folder / entry["repo"] / item[key]
                target.parent.mkdir(parents=True, exist_ok=True)
                data = subprocess.run(["git", f"--git-dir={_git_dir(checkout)}", "show",
                                       f"{entry['commit']}:{item[key]}"], check=True, capture_output=True).stdout
                target.write_bytes(data)


def _git_dir(checkout: Path) -> Path:
    return checkout / ".git" if (checkout / ".git").exists() else checkout


def markdown_table(results: list[PublicResult]) -> str:
    lines = ["| set | file | role | pages | paragraphs | whole and in order | passages | CER % | tables found | table blocks |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        cer = "–" if r.cer != r.cer else f"{100 * r.cer:.2f}"
        tables = f"{r.tables_found} of {r.tables}" if r.tables else "–"
        lines.append(f"| {r.set} | {r.file} | {r.role} | {r.pages} | {r.paragraphs} | {r.whole_in_order} | "
                     f"{r.passages} | {cer} | {tables} | {r.table_blocks} |")
    lines += ["", "| set | role | files | paragraphs | whole and in order | CER % (by characters) | tables found |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    groups = {name: [r for r in results if r.set == name] for name in dict.fromkeys(r.set for r in results)}
    held_out = [r for r in results if r.role == "held out"]
    if len({r.set for r in held_out}) > 1:
        groups["all held out"] = held_out
    for name, own in groups.items():
        total = sum(r.paragraphs for r in own)
        whole = sum(r.whole_in_order for r in own)
        chars = sum(r.chars for r in own)
        cer = f"{100 * sum(r.cer * r.chars for r in own) / chars:.2f}" if chars else "–"
        tables = sum(r.tables for r in own)
        found = f"{sum(r.tables_found for r in own)} of {tables}" if tables else "–"
        role = own[0].role if len({r.role for r in own}) == 1 else "mixed"
        lines.append(f"| {name} | {role} | {len(own)} | {total} | {whole} ({100 * whole / max(total, 1):.1f} %) | "
                     f"{cer} | {found} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=os.environ.get("HAMTA_PUBLIC_PDFS"))
    parser.add_argument("--export-from", type=Path)
    parser.add_argument("--to", type=Path)
    args = parser.parse_args(argv)
    if args.export_from:
        export(args.export_from, args.to or args.pdfs)
        return 0
    if not args.pdfs:
        print("no folder of public PDFs (--pdfs or HAMTA_PUBLIC_PDFS)", file=sys.stderr)
        return 2
    print(markdown_table(evaluate_all(args.pdfs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
