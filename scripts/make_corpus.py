"""Regenerate a corpus directory from the text bank and the document specs.

    .venv/bin/python scripts/make_corpus.py                      # corpus/ from documents.yaml
    .venv/bin/python scripts/make_corpus.py --spec S --out DIR    # another spec (e.g. eval set)
    .venv/bin/python scripts/make_corpus.py --gold-json gold.json # also dump the gold pairs

Rendering is deterministic: the same spec gives the same text, and the renderers' dates and
document ids are fixed (see render.py). Files in the output directory that the spec does not
name are left alone; the ones it names are overwritten.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from corpus_spec import DEFAULT_SPEC, ComposedDocument, gold_pairs, load_documents
from layout_fodt import fodt_document
from layout_html import print_html, web_html
from render import render_chromium, render_libreoffice

ROOT = Path(__file__).resolve().parent.parent


def render_document(doc: ComposedDocument, out_dir: Path) -> Path:
    target = out_dir / doc.file
    if doc.layout == "fodt":
        render_libreoffice(fodt_document(doc), target)
    elif doc.layout == "chromium":
        render_chromium(print_html(doc), target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(web_html(doc), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--out", type=Path, default=ROOT / "corpus")
    parser.add_argument("--only", nargs="*", help="render only these file names")
    parser.add_argument("--gold-json", type=Path, help="write the gold sentence pairs here")
    args = parser.parse_args(argv)

    documents = load_documents(args.spec)
    for doc in documents:
        if args.only and doc.file not in args.only:
            continue
        path = render_document(doc, args.out)
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
              f"  ({doc.layout}, {len(doc.sentences())} gold-bearing sentences)")
    if args.gold_json:
        args.gold_json.write_text(json.dumps(gold_pairs(documents), ensure_ascii=False, indent=1),
                                  encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
