"""The repair of Persian lines in visual order (pipeline.extractors.visual_order), measured.

    python -m bench.visual_order_repair

Our own Persian writing, wrapped into lines of about ten words and damaged the way tools
damage it: a third of the lines have their words simply reversed (every word drawn last
first), a third have their word groups reversed (two to four words kept in typed order,
the groups last first: what the seeds show most), a third are left alone. Counted per line:
simply reversed lines put back exactly, and lines of the two other kinds changed (harm).
A second text has every line simply reversed, where the document's own word order is no
help.

The margin (visual_order.CLEAR_MARGIN) is chosen on the writing bank by two folds: word
pairs counted on one of its Persian texts (tea, water), the repair measured on the other.
The shipped counts come from the whole bank (scripts/make_persian_pairs.py); with them the
repair is reported on the evaluation set's Persian (scripts/corpus_sources/eval), which
they never saw. With ../shared/seeds present, the seed files with visual-order damage are
read too: how many of their Persian lines are flagged and how many repaired.
"""

from __future__ import annotations

import random
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from bidi import get_display

ROOT = Path(__file__).resolve().parents[1]
SETS = {"tune (bank)": ROOT / "scripts" / "corpus_sources" / "bank",
        "held out (eval)": ROOT / "scripts" / "corpus_sources" / "eval" / "bank"}


def persian_paragraphs(folder: Path) -> list[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_persian_pairs import persian_texts

    return [t for t in persian_texts(folder) if len(t.split()) >= 8]


def simply_reversed(line: str) -> str:
    """As a tool that reads the drawn words left to right writes the line."""
    drawn = get_display(line, base_dir="R")
    return re.sub("[\u0600-\u06ff\u200c]+", lambda m: m.group()[::-1], drawn)


def groups_reversed(line: str, rng: random.Random) -> str:
    words, groups = line.split(), []
    while words:
        size = rng.randint(2, 4)
        groups.append(words[:size])
        words = words[size:]
    return " ".join(" ".join(group) for group in reversed(groups))


@dataclass
class Damage:
    original: list[str]
    damaged: list[str]
    kinds: list[str]  # simple | groups | none


def damaged_text(paragraphs: list[str], seed: int = 0, every_line: bool = False) -> Damage:
    rng = random.Random(seed)
    original = [line for p in paragraphs for line in textwrap.wrap(p, 60)]
    damaged, kinds = [], []
    for k, line in enumerate(original):
        kind = "simple" if every_line else ("simple", "groups", "none")[k % 3]
        kinds.append(kind)
        damaged.append(simply_reversed(line) if kind == "simple"
                       else groups_reversed(line, rng) if kind == "groups" else line)
    return Damage(original, damaged, kinds)


@dataclass
class RepairResult:
    set: str
    text: str
    simple: int
    restored: int
    groups: int
    groups_changed: int
    intact: int
    intact_changed: int


def measure(name: str, what: str, damage: Damage, reference=None, margin=None) -> RepairResult:
    from pipeline.extractors.visual_order import CLEAR_MARGIN, repair_reversed_lines

    repaired, _ = repair_reversed_lines("\n".join(damage.damaged), reference,
                                        CLEAR_MARGIN if margin is None else margin)
    out = repaired.split("\n")
    count = lambda kind: sum(k == kind for k in damage.kinds)  # noqa: E731
    changed = lambda kind: sum(k == kind and o != d for k, o, d in zip(damage.kinds, out, damage.damaged))  # noqa: E731
    restored = sum(k == "simple" and o == orig for k, o, orig in zip(damage.kinds, out, damage.original))
    return RepairResult(name, what, count("simple"), restored, count("groups"), changed("groups"),
                        count("none"), changed("none"))


def seed_counts(folder: Path) -> list[tuple[str, int, int, int]]:
    from pipeline.extractors.visual_order import _ARABIC_LETTER, repair_reversed_lines, visual_order_line

    rows = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        persian = [l for l in text.splitlines() if _ARABIC_LETTER.search(l)]
        flagged = sum(visual_order_line(l) for l in persian)
        if flagged:
            _, repaired = repair_reversed_lines(text)
            rows.append((path.name, len(persian), flagged, repaired))
    return rows


MARGINS = (1.0, 1.5, 2.0, 3.0, 4.0)


def folds() -> list[tuple[str, list[str], list[str]]]:
    """(name, texts the pairs are counted on, paragraphs the repair is measured on)."""
    import yaml

    bank = ROOT / "scripts" / "corpus_sources" / "bank"
    by_file = {}
    for path in sorted(bank.glob("*.yaml")):
        by_file[path.stem] = _texts_of(yaml.safe_load(path.read_text(encoding="utf-8")))
    names = [n for n, t in by_file.items() if t]
    return [(f"counts {a}, measured on {b}", by_file[a], [t for t in by_file[b] if len(t.split()) >= 8])
            for a in names for b in names if a != b]


def _texts_of(node) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found += [value] if key == "fa" and isinstance(value, str) else _texts_of(value)
    elif isinstance(node, list):
        for value in node:
            found += _texts_of(value)
    return found


def report() -> str:
    from pipeline.extractors.visual_order import CLEAR_MARGIN, pair_counts

    out = ["Tuning, two folds of the bank (word pairs counted on one text, the repair measured on "
           "the other):", "", "| margin | simply reversed lines put back | group-reversed or intact lines changed |",
           "| ---: | ---: | ---: |"]
    for margin in MARGINS:
        put, total, harm, others = 0, 0, 0, 0
        for _, counted, measured in folds():
            r = measure("fold", "mixed", damaged_text(measured), pair_counts(counted), margin)
            put, total = put + r.restored, total + r.simple
            harm, others = harm + r.groups_changed + r.intact_changed, others + r.groups + r.intact
        out.append(f"| {margin}{' (chosen)' if margin == CLEAR_MARGIN else ''} | {put} of {total} | {harm} of {others} |")
    results = []
    for name, folder in SETS.items():
        paragraphs = persian_paragraphs(folder)
        results.append(measure(name, "mixed damage", damaged_text(paragraphs)))
        results.append(measure(name, "every line reversed", damaged_text(paragraphs, every_line=True)))
    out += ["", "With the shipped counts (from the whole bank, so the bank rows only show the "
            "mechanism; the evaluation set's rows are the measure):", "",
            "| set | text | simply reversed lines | put back exactly | group-reversed lines changed | intact lines changed |",
            "| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in results:
        out.append(f"| {r.set} | {r.text} | {r.simple} | {r.restored} ({100 * r.restored / max(r.simple, 1):.0f} %) | "
                   f"{r.groups_changed} of {r.groups} | {r.intact_changed} of {r.intact} |")
    seeds = next((c for c in (ROOT.parent / "shared" / "seeds", ROOT.parents[1] / "shared" / "seeds")
                  if c.is_dir()), None)
    if seeds is not None:
        out += ["", "| seed file (read at run time) | Persian lines | flagged (punctuation at the wrong end) | repaired |",
                "| --- | ---: | ---: | ---: |"]
        for name, persian, flagged, repaired in seed_counts(seeds):
            out.append(f"| {name} | {persian} | {flagged} | {repaired} |")
    return "\n".join(out) + "\n"


def main() -> int:
    print(report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
