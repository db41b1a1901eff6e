"""Compose corpus documents from the parallel text bank and the document specs.

The bank (scripts/corpus_sources/bank/*.yaml) holds our own parallel writing: units that are
titles, headings or paragraphs; a paragraph is a list of sentences, each with a stable id and
its text in en, fa and zh-Hant (zh-Hans is derived with OpenCC t2s unless given).

The document specs (scripts/corpus_sources/documents.yaml) say, per output file, which units
appear in which language and how they are edited. A paragraph block may

    sentences: [id, ...]             keep only these sentences, in this order (reordering)
    drop: [id, ...]                  leave sentences out (omissions)
    merge: [{ids: [a, b], text: ...}]  render several sentences as one (text optional)
    split: {id: ["part one.", "part two."]}  render one sentence as several
    insert: [{after: id|null, text: ...}]    filler sentences that translate nothing
    unit: [p1, p2]                   run several bank paragraphs together as one paragraph
    footnotes: {id: text}            a footnote anchored after that sentence
    label: "Conclusion: "            a run-in label in front of the paragraph

and paragraphs are reordered or omitted by the order of the blocks. Literal blocks
({text: ...}) carry everything that is not parallel: bylines, keywords, references,
site boilerplate. Composition yields the exact sentences each document renders, so the
gold alignment (gold_pairs) is derived from the same data the renderers print.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

LANGUAGES = ("en", "fa", "zh-Hant", "zh-Hans")
SOURCES_DIR = Path(__file__).resolve().parent / "corpus_sources"
DEFAULT_SPEC = SOURCES_DIR / "documents.yaml"

# Roles a block can play; layouts decide how each looks. Only "paragraph" blocks built from
# bank units contribute gold sentences.
ROLES = (
    "title", "byline", "affiliation", "heading", "subheading", "paragraph", "keywords",
    "references", "page_break", "nav", "banner", "aside", "site_footer", "meta",
)
BLOCK_KEYS = {
    "unit", "text", "role", "lang", "number", "label", "sentences", "drop", "merge", "split",
    "insert", "footnotes", "items", "full_width",
}
DOCUMENT_KEYS = {
    "file", "lang", "layout", "blocks", "running_header", "page_numbers", "columns",
    "page_title", "description", "kashida",
}
LAYOUTS = ("fodt", "chromium", "html")


class SpecError(ValueError):
    """A bank or document spec is inconsistent; the message names the file and the problem."""


@dataclass(frozen=True)
class BankSentence:
    id: str
    texts: dict[str, str]


@dataclass(frozen=True)
class BankUnit:
    id: str
    kind: str  # title | heading | paragraph
    texts: dict[str, str]  # titles and headings
    sentences: tuple[BankSentence, ...] = ()


@dataclass(frozen=True)
class Piece:
    """One rendered sentence: its text and the bank sentence ids it translates (may be none)."""

    text: str
    ids: tuple[str, ...] = ()
    footnote: str | None = None


@dataclass
class ComposedBlock:
    role: str
    lang: str
    pieces: list[Piece]
    number: str = ""
    label: str = ""
    items: list[str] = field(default_factory=list)
    full_width: bool = False
    from_bank: bool = False

    def text(self) -> str:
        return join_sentences([p.text for p in self.pieces], self.lang)


@dataclass
class ComposedDocument:
    file: str
    lang: str
    layout: str
    blocks: list[ComposedBlock]
    running_header: str = ""
    page_numbers: bool = True
    columns: int = 1
    page_title: str = ""
    description: str = ""
    kashida: bool = False  # fodt: justify Persian (LibreOffice stretches words with kashida)

    @property
    def stem(self) -> str:
        return Path(self.file).stem

    def sentences(self) -> list[tuple[ComposedBlock, Piece]]:
        """The gold-bearing sentences, in reading order."""
        return [(b, p) for b in self.blocks if b.from_bank and b.role == "paragraph"
                for p in b.pieces if p.ids]


def is_chinese(lang: str) -> bool:
    return lang.startswith("zh")


def join_sentences(texts: list[str], lang: str) -> str:
    return ("" if is_chinese(lang) else " ").join(texts)


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported late: only zh-Hans rendering needs it

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def _text_in(texts: dict[str, str], lang: str, where: str) -> str:
    if lang in texts:
        return texts[lang]
    if lang == "zh-Hans" and "zh-Hant" in texts:
        return to_simplified(texts["zh-Hant"])
    raise SpecError(f"{where}: no text in {lang}")


# ---------------------------------------------------------------------------------- bank

def _check_texts(raw: dict, where: str) -> dict[str, str]:
    texts = {k: raw[k] for k in LANGUAGES if k in raw}
    for lang, text in texts.items():
        if not isinstance(text, str) or not text.strip():
            raise SpecError(f"{where}: empty or non-text {lang}")
    if not texts:
        raise SpecError(f"{where}: no text in any of {', '.join(LANGUAGES)}")
    return texts


def load_bank(paths: list[Path]) -> dict[str, BankUnit]:
    units: dict[str, BankUnit] = {}
    sentence_ids: set[str] = set()
    for path in paths:
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise SpecError(f"{path}: cannot read bank file: {exc}") from exc
        for entry in raw.get("units") or []:
            unit_id, kind = entry.get("id"), entry.get("kind")
            where = f"{path}: unit {unit_id}"
            if not unit_id or unit_id in units:
                raise SpecError(f"{where}: missing or duplicate unit id")
            if kind in ("title", "heading"):
                units[unit_id] = BankUnit(unit_id, kind, _check_texts(entry, where))
            elif kind == "paragraph":
                sentences = []
                for s in entry.get("sentences") or []:
                    sid = s.get("id")
                    if not sid or sid in sentence_ids:
                        raise SpecError(f"{where}: missing or duplicate sentence id {sid}")
                    sentence_ids.add(sid)
                    sentences.append(BankSentence(sid, _check_texts(s, f"{where} sentence {sid}")))
                if not sentences:
                    raise SpecError(f"{where}: paragraph without sentences")
                units[unit_id] = BankUnit(unit_id, kind, {}, tuple(sentences))
            else:
                raise SpecError(f"{where}: kind must be title, heading or paragraph, not {kind!r}")
    return units


# ----------------------------------------------------------------------------- documents

_LOWERCASE_AFTER_JOIN = {"the", "this", "these", "that", "it", "its", "they", "a", "an", "such",
                         "each", "most", "in", "on", "we"}


def merge_texts(texts: list[str], lang: str) -> str:
    """Default rendering of several sentences as one, when the spec gives no text."""
    if is_chinese(lang):
        return "；".join(t.rstrip("。") for t in texts[:-1]) + "；" + texts[-1]
    joiner = "؛ " if lang == "fa" else "; "
    parts = []
    for index, text in enumerate(texts):
        first, _, rest = text.partition(" ")
        if index and lang == "en" and first.lower() in _LOWERCASE_AFTER_JOIN:
            text = first.lower() + " " + rest
        parts.append(text if index == len(texts) - 1 else text.rstrip("."))
    return joiner.join(parts)


def _paragraph_pieces(units: list[BankUnit], block: dict, lang: str, where: str) -> list[Piece]:
    sentences = {s.id: s for u in units for s in u.sentences}
    order = [s.id for u in units for s in u.sentences]
    if "sentences" in block:
        unknown = [i for i in block["sentences"] if i not in sentences]
        if unknown:
            raise SpecError(f"{where}: sentences not in the unit: {unknown}")
        order = list(block["sentences"])
    for sid in block.get("drop", []):
        if sid not in order:
            raise SpecError(f"{where}: cannot drop {sid}: not in the paragraph")
        order.remove(sid)

    # A merge replaces its first member by the merged sentence and removes the others.
    merged_at: dict[str, tuple[tuple[str, ...], str | None]] = {}
    absorbed: set[str] = set()
    for merge in block.get("merge", []):
        ids, text = (merge, None) if isinstance(merge, list) else (merge.get("ids"), merge.get("text"))
        if not ids or len(ids) < 2 or any(i not in order for i in ids):
            raise SpecError(f"{where}: merge {ids} needs two or more ids present in the paragraph")
        merged_at[ids[0]] = (tuple(ids), text)
        absorbed.update(ids[1:])

    splits = block.get("split", {})
    for sid, parts in splits.items():
        if sid not in order or not isinstance(parts, list) or len(parts) < 2:
            raise SpecError(f"{where}: split of {sid} needs the id in the paragraph and 2+ parts")

    footnotes = dict(block.get("footnotes", {}))
    inserts: dict[str | None, list[str]] = {}
    for insert in block.get("insert", []):
        after = insert.get("after")
        if after is not None and after not in order:
            raise SpecError(f"{where}: insert after {after}: not in the paragraph")
        inserts.setdefault(after, []).append(insert["text"])

    pieces = [Piece(t) for t in inserts.get(None, [])]
    for sid in order:
        if sid in absorbed:
            continue
        if sid in merged_at:
            ids, text = merged_at[sid]
            texts = [_text_in(sentences[i].texts, lang, f"{where} sentence {i}") for i in ids]
            pieces.append(Piece(text or merge_texts(texts, lang), ids))
        elif sid in splits:
            pieces.extend(Piece(part, (sid,)) for part in splits[sid])
        else:
            pieces.append(Piece(_text_in(sentences[sid].texts, lang, f"{where} sentence {sid}"), (sid,)))
        note_owner = next((i for i in pieces[-1].ids if i in footnotes), None)
        if note_owner:
            last = pieces[-1]
            pieces[-1] = Piece(last.text, last.ids, footnotes.pop(note_owner))
        for ids_member in (merged_at.get(sid, ((sid,), None))[0]):
            pieces.extend(Piece(t) for t in inserts.get(ids_member, []))
    if footnotes:
        raise SpecError(f"{where}: footnotes on sentences not rendered: {sorted(footnotes)}")
    return pieces


def _compose_block(raw: dict, doc_lang: str, bank: dict[str, BankUnit], where: str) -> ComposedBlock:
    unknown_keys = set(raw) - BLOCK_KEYS
    if unknown_keys:
        raise SpecError(f"{where}: unknown keys {sorted(unknown_keys)}")
    lang = raw.get("lang", doc_lang)
    if lang not in LANGUAGES:
        raise SpecError(f"{where}: unknown language {lang!r}")
    common = dict(number=raw.get("number", ""), label=raw.get("label", ""),
                  items=list(raw.get("items", [])), full_width=bool(raw.get("full_width", False)))
    if "unit" in raw:
        unit_ids = raw["unit"] if isinstance(raw["unit"], list) else [raw["unit"]]
        missing = [u for u in unit_ids if u not in bank]
        if missing:
            raise SpecError(f"{where}: units not in the bank: {missing}")
        units = [bank[u] for u in unit_ids]
        kinds = {u.kind for u in units}
        if len(kinds) != 1 or (len(units) > 1 and kinds != {"paragraph"}):
            raise SpecError(f"{where}: only paragraph units can be run together")
        kind = kinds.pop()
        role = raw.get("role", kind)
        if kind == "paragraph":
            pieces = _paragraph_pieces(units, raw, lang, where)
        else:
            pieces = [Piece(_text_in(units[0].texts, lang, f"{where} unit {units[0].id}"))]
        return ComposedBlock(role, lang, pieces, from_bank=kind == "paragraph", **common)
    role = raw.get("role", "paragraph")
    if role not in ROLES:
        raise SpecError(f"{where}: unknown role {role!r}")
    pieces = [Piece(raw["text"])] if "text" in raw else []
    if not pieces and not common["items"] and role != "page_break":
        raise SpecError(f"{where}: a block needs unit, text or items")
    return ComposedBlock(role, lang, pieces, **common)


def load_documents(spec_path: Path = DEFAULT_SPEC) -> list[ComposedDocument]:
    spec_path = Path(spec_path)
    try:
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{spec_path}: cannot read document spec: {exc}") from exc
    bank = load_bank([spec_path.parent / p for p in spec.get("bank", [])])
    documents, files = [], set()
    for raw in spec.get("documents") or []:
        where = f"{spec_path}: document {raw.get('file')}"
        unknown_keys = set(raw) - DOCUMENT_KEYS
        if unknown_keys:
            raise SpecError(f"{where}: unknown keys {sorted(unknown_keys)}")
        if not raw.get("file") or raw["file"] in files:
            raise SpecError(f"{where}: missing or duplicate file name")
        files.add(raw["file"])
        if raw.get("lang") not in LANGUAGES or raw.get("layout") not in LAYOUTS:
            raise SpecError(f"{where}: lang must be one of {LANGUAGES}, layout one of {LAYOUTS}")
        blocks = [_compose_block(b, raw["lang"], bank, f"{where} block {i}")
                  for i, b in enumerate(raw.get("blocks") or [])]
        documents.append(ComposedDocument(
            file=raw["file"], lang=raw["lang"], layout=raw["layout"], blocks=blocks,
            running_header=raw.get("running_header", ""),
            page_numbers=raw.get("page_numbers", True), columns=raw.get("columns", 1),
            page_title=raw.get("page_title", ""), description=raw.get("description", ""),
            kashida=bool(raw.get("kashida", False)),
        ))
    return documents


# ---------------------------------------------------------------------------------- gold

def gold_pairs(documents: list[ComposedDocument]) -> list[dict]:
    """Every pair of rendered sentences, in different languages, that translate each other.

    Pairs are taken across all documents and also inside one document (a Persian paper's
    English extended abstract translates its own conclusion). Two rendered sentences are
    linked when they share a bank sentence id, so a merged sentence links to each of its
    members and each part of a split sentence links to the whole.
    """
    rendered = [(doc, block, piece) for doc in documents for block, piece in doc.sentences()]
    pairs = []
    for (doc_a, block_a, a), (doc_b, block_b, b) in itertools.combinations(rendered, 2):
        if block_a.lang == block_b.lang:
            continue
        shared = sorted(set(a.ids) & set(b.ids))
        if shared:
            pairs.append({
                "doc_a": doc_a.file, "lang_a": block_a.lang, "text_a": a.text,
                "doc_b": doc_b.file, "lang_b": block_b.lang, "text_b": b.text,
                "ids": shared,
            })
    return pairs
