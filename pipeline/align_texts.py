"""Align two pre-segmented texts (one sentence per line), as Bertalign and Vecalign do.

    python -m pipeline.align_texts SRC TGT [--config FILE] [--output FILE]
    python -m pipeline.align_texts --score GOLD PRED

Each line is a sentence. Lines are normalized like corpus text (pipeline.normalize; Chinese
is embedded through its Simplified pivot), embedded with the configured model, and aligned
by the dynamic program of pipeline.align over the whole sequences (1-1, 1-2, 2-1 links and
skips); sequences too long for one DP are aligned in anchor blocks instead. The output has
one link per line in Vecalign's format: `[0]:[0]`, `[1,2]:[1]`, and `[3]:[]` / `[]:[4]` for a
sentence left out on the other side.

--score compares a predicted alignment with a gold one in the same format, with the
definitions of Vecalign's scorer (also used by Bertalign): strict = a link counts when it is
exactly a gold link; lax = when it overlaps a gold link on both sides. Precision is over
predicted links including skips, recall over gold links that are not skips.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Link = tuple[tuple[int, ...], tuple[int, ...]]
_LINK = re.compile(r"^\[([\d,\s]*)\]\s*:\s*\[([\d,\s]*)\](?::.*)?$")


class AlignTextsError(ValueError):
    """An input file that cannot be used; the message names the file and the line."""


def read_sentences(path: Path) -> list[str]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise AlignTextsError(f"{path}: cannot read: {err}") from None
    while lines and not lines[-1].strip():
        lines.pop()  # a trailing newline or two is not a sentence
    blank = [n + 1 for n, line in enumerate(lines) if not line.strip()]
    if blank:
        raise AlignTextsError(f"{path}: line {blank[0]} is empty; expected one sentence per line")
    if not lines:
        raise AlignTextsError(f"{path}: no sentences")
    return lines


def pivot_texts(sentences: list[str]) -> list[str]:
    """What is embedded for each sentence: the normalized text, Simplified for Chinese."""
    from pipeline.normalize import normalize_text, script_of

    return [normalize_text(s, script_of(s))[1] for s in sentences]


def complete_alignment(links: list[Link], n: int, m: int) -> list[Link]:
    """Links in source order, with every sentence no link covers added as a skip."""
    linked_src = {i for s, _ in links for i in s}
    linked_tgt = {j for _, t in links for j in t}
    free_tgt = [j for j in range(m) if j not in linked_tgt]
    out: list[Link] = []
    next_src = 0
    for src, tgt in sorted(links):
        out += [((i,), ()) for i in range(next_src, src[0]) if i not in linked_src]
        while free_tgt and free_tgt[0] < tgt[0]:
            out.append(((), (free_tgt.pop(0),)))
        out.append((src, tgt))
        next_src = src[-1] + 1
    out += [((i,), ()) for i in range(next_src, n) if i not in linked_src]
    out += [((), (j,)) for j in free_tgt]
    return out


def scored_links(src: np.ndarray, tgt: np.ndarray, settings, src_texts: list[str] | None = None,
                 tgt_texts: list[str] | None = None, src_runs: dict | None = None, tgt_runs: dict | None = None):
    """The links (pipeline.sentence_align.ScoredLink, with cosine, score and margin) of two
    sentence-vector sequences (unit vectors), by the aligner of the align stage. Texts give
    the length and signal features; runs, vectors of embedded runs of k sentences ({k: array}),
    replace summed vectors. The ratio margin's neighbourhoods are taken in the other text,
    as the align stage takes them in the other side."""
    from pipeline.sentence_align import align_sides, pair_sides

    return align_sides(*pair_sides(src, tgt, settings, src_texts, tgt_texts, src_runs=src_runs, tgt_runs=tgt_runs),
                       settings)


def align_vectors(src: np.ndarray, tgt: np.ndarray, settings, src_texts: list[str] | None = None,
                  tgt_texts: list[str] | None = None, src_runs: dict | None = None,
                  tgt_runs: dict | None = None) -> list[Link]:
    """The complete alignment (links and skips) of two sentence-vector sequences."""
    found = scored_links(src, tgt, settings, src_texts, tgt_texts, src_runs, tgt_runs)
    return complete_alignment([(link.src, link.tgt) for link in found], len(src), len(tgt))


def format_link(link: Link) -> str:
    return f"[{','.join(map(str, link[0]))}]:[{','.join(map(str, link[1]))}]"


def read_alignment(path: Path) -> list[Link]:
    links = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise AlignTextsError(f"{path}: cannot read: {err}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        match = _LINK.match(line.strip())
        if not match:
            raise AlignTextsError(f"{path}: line {number}: expected a link like [0]:[1,2], got {line!r}")
        links.append(tuple(tuple(int(x) for x in side.split(",") if x.strip()) for side in match.groups()))
    return links


# ------------------------------------------------------------------------------ scoring

def _counts(reference: list[Link], candidate: list[Link]) -> tuple[int, int, int, int]:
    """(strict right, strict wrong, lax right, lax wrong) of the candidate links."""
    reference_set = {(s, t) for s, t in reference if s or t}
    targets_of = defaultdict(set)
    for s, t in reference_set:
        for i in s:
            targets_of[i].update(t)
    strict_right = strict_wrong = lax_right = lax_wrong = 0
    for s, t in {(s, t) for s, t in candidate if s or t}:
        if (s, t) in reference_set:
            strict_right += 1
            lax_right += 1
            continue
        strict_wrong += 1
        if set(t) & {j for i in s for j in targets_of[i]}:
            lax_right += 1
        else:
            lax_wrong += 1
    return strict_right, strict_wrong, lax_right, lax_wrong


@dataclass(frozen=True)
class AlignmentScore:
    strict_precision: float
    strict_recall: float
    lax_precision: float
    lax_recall: float

    @staticmethod
    def _f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def strict_f1(self) -> float:
        return self._f1(self.strict_precision, self.strict_recall)

    @property
    def lax_f1(self) -> float:
        return self._f1(self.lax_precision, self.lax_recall)


def score_alignment(gold: list[Link], predicted: list[Link]) -> AlignmentScore:
    """Vecalign's strict and lax precision and recall (see the module docstring)."""
    return score_alignments([(gold, predicted)])


def score_alignments(documents: list[tuple[list[Link], list[Link]]]) -> AlignmentScore:
    """score_alignment over several documents: counts summed over all, as Vecalign's and
    Bertalign's scorers do for a benchmark of several files (a micro-average)."""
    p, r = np.zeros(4, int), np.zeros(4, int)
    for gold, predicted in documents:
        p += _counts(gold, predicted)
        # Recall is precision with the roles swapped, over links that are not skips.
        r += _counts([l for l in predicted if l[0] and l[1]], [l for l in gold if l[0] and l[1]])

    def ratio(right: int, wrong: int) -> float:
        return right / (right + wrong) if right + wrong else 0.0

    return AlignmentScore(ratio(p[0], p[1]), ratio(r[0], r[1]), ratio(p[2], p[3]), ratio(r[2], r[3]))


# --------------------------------------------------------------------------------- main

def align_files(src_path: Path, tgt_path: Path, config, cache: Path) -> list[Link]:
    from pipeline.embed import Embedder

    src, tgt = read_sentences(src_path), read_sentences(tgt_path)
    embedder = Embedder(config.model, cache)
    src_pivots, tgt_pivots = pivot_texts(src), pivot_texts(tgt)
    try:
        vectors = embedder.encode_texts(src_pivots + tgt_pivots)
    finally:
        embedder.close()  # token counts written, damaged cache files healed, small files merged
    return align_vectors(vectors[:len(src)], vectors[len(src):], config.align, src_pivots, tgt_pivots)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.align_texts", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs=2, metavar=("SRC", "TGT"),
                        help="two files, one sentence per line (with --score: GOLD PRED)")
    parser.add_argument("--config", default="configs/default.yaml")
    parser.add_argument("--cache", default="cache", help="folder for the embedding cache")
    parser.add_argument("--output", type=Path, help="write the alignment here instead of stdout")
    parser.add_argument("--score", action="store_true", help="score PRED against GOLD (both alignments)")
    args = parser.parse_args(argv)
    try:
        if args.score:
            result = score_alignment(read_alignment(Path(args.files[0])), read_alignment(Path(args.files[1])))
            print(f"strict: P {result.strict_precision:.3f}  R {result.strict_recall:.3f}  F1 {result.strict_f1:.3f}")
            print(f"lax:    P {result.lax_precision:.3f}  R {result.lax_recall:.3f}  F1 {result.lax_f1:.3f}")
            return 0
        from pipeline.config import ConfigError, load_config
        from pipeline.stages import workspace_env_check

        workspace_env_check()
        try:
            config = load_config(args.config)
        except ConfigError as err:
            raise AlignTextsError(str(err)) from None
        links = align_files(Path(args.files[0]), Path(args.files[1]), config, Path(args.cache))
    except AlignTextsError as err:
        print(f"hamta align-texts: {err}", file=sys.stderr)
        return 2
    text = "".join(format_link(link) + "\n" for link in links)
    if args.output:
        from pipeline.storage import write_text

        write_text(text, args.output)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
