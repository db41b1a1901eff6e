"""aligned/ tables of any size for the review workbench: the browser tests and the review
benchmark (bench/review_speed.py) run on them without running the pipeline.

The texts are our own: English field-report sentences and their Persian translations, built
from the templates below with a running number, so every sentence differs. Tables follow
docs/schema.md (pipeline.output schemas); pair ids come from pipeline.identity as the align
stage makes them. Each document pair has paragraphs of four sentences, aligned one to one
except for a source sentence left out now and then (an omission) and a merge.
"""

from __future__ import annotations

import random
from pathlib import Path

from pipeline import output
from pipeline.identity import pair_id, unit_keys
from pipeline.storage import write_rows

_TEMPLATES = [
    ("The qanat of village {n} was cleaned before the spring rains.",
     "قنات روستای {n} پیش از باران‌های بهاری لایروبی شد."),
    ("Farmers in district {n} asked for a second water pump.",
     "کشاورزان بخش {n} یک تلمبهٔ آب دیگر درخواست کردند."),
    ("The reservoir near road {n} lost a third of its water in summer.",
     "مخزن نزدیک جادهٔ {n} در تابستان یک‌سوم آبش را از دست داد."),
    ("Orchard {n} is watered twice a week at night.",
     "باغ {n} هفته‌ای دو بار شب‌ها آبیاری می‌شود."),
    ("The council of town {n} raised the price of well water.",
     "شورای شهر {n} قیمت آب چاه را بالا برد."),
    ("A new channel now carries water to field {n}.",
     "اکنون جوی تازه‌ای آب را به مزرعهٔ {n} می‌برد."),
    ("Inspectors measured the salt in spring {n} every month.",
     "بازرسان هر ماه شوری چشمهٔ {n} را اندازه گرفتند."),
    ("The old mill at bridge {n} was turned into a museum.",
     "آسیاب قدیمی کنار پل {n} به موزه تبدیل شد."),
]
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SENTENCES_PER_PASSAGE = 4


def sentence_pair(n: int) -> tuple[str, str]:
    en, fa = _TEMPLATES[n % len(_TEMPLATES)]
    return en.format(n=n), fa.format(n=str(n).translate(_PERSIAN_DIGITS))


def _document(doc_id: str, path: str, fmt: str, lang: str, passages: list, sentences: list) -> dict:
    return {"doc_id": doc_id, "path": path, "format": fmt, "sha256": "0" * 64, "page_count": 1, "lang": lang,
            "langs": [lang], "passage_count": len(passages), "sentence_count": len(sentences),
            "char_count": sum(len(p["text"]) for p in passages), "status": "ok", "problem": None}


def _side(doc_id: str, lang: str, texts: list[str]) -> tuple[list[dict], list[dict]]:
    """Passages of SENTENCES_PER_PASSAGE sentences and their sentences, with spans."""
    passages, sentences, offset = [], [], 0
    for p, start in enumerate(range(0, len(texts), SENTENCES_PER_PASSAGE)):
        members = texts[start:start + SENTENCES_PER_PASSAGE]
        passage_id = f"{doc_id}:p{p:04d}"
        text = " ".join(members)
        passages.append({"doc_id": doc_id, "passage_id": passage_id, "index": p, "page": 1, "kind": "paragraph",
                         "lang": lang, "lang_prob": 1.0, "run": 0, "script": "arabic" if lang == "fa" else "latin",
                         "text": text, "normalized": text, "pivot": text, "char_start": offset,
                         "char_end": offset + len(text), "x0": None, "top": None, "x1": None, "bottom": None})
        inner = 0
        for s, sentence in enumerate(members):
            sentences.append({"doc_id": doc_id, "sentence_id": f"{passage_id}:s{s:03d}", "passage_id": passage_id,
                              "index": s, "page": 1, "kind": "paragraph", "lang": lang, "text": sentence,
                              "normalized": sentence, "pivot": sentence, "char_start": offset + inner,
                              "char_end": offset + inner + len(sentence)})
            inner += len(sentence) + 1
        offset += len(text) + 2
    return passages, sentences


def _row(level, method, src, tgt, src_lang, tgt_lang, keys, confidence) -> dict:
    row = {"level": level, "method": method}
    for side, records, lang in (("src", src, src_lang), ("tgt", tgt, tgt_lang)):
        id_field = "sentence_id" if level == "sentence" else "passage_id"
        row.update({f"{side}_doc_id": records[0]["doc_id"], f"{side}_lang": lang,
                    f"{side}_ids": [r[id_field] for r in records], f"{side}_passage_id": records[0]["passage_id"],
                    f"{side}_text": " ".join(r["text"] for r in records),
                    f"{side}_normalized": " ".join(r["normalized"] for r in records), f"{side}_page": 1,
                    f"{side}_char_start": records[0]["char_start"], f"{side}_char_end": records[-1]["char_end"]})
    row["pair_id"] = pair_id(level, [keys[i] for i in row["src_ids"]], [keys[i] for i in row["tgt_ids"]])
    row.update({"similarity": round(0.86 + confidence / 20, 6), "margin": round(1.0 + (confidence - 0.98) * 4, 6),
                "confidence": confidence, "model": "models/multilingual-e5-small-q4", "config_hash": "bench0review",
                "review_status": "unreviewed"})
    return row


def build_tables(documents: int, sentences_per_document: int, seed: int = 0, omit_every: int = 17,
                 merge_every: int = 29, low: float = 0.983, high: float = 0.995) -> dict[str, list[dict]]:
    """Tables of `documents` English-Persian document pairs. Confidences are spread between
    low and high (the narrow band issue 13 saw), so the filter is tried on that."""
    rng = random.Random(seed)
    tables = {"documents": [], "document_pairs": [], "passages": [], "sentences": [], "alignments": [],
              "problems": []}
    number = 0
    for d in range(documents):
        pairs = [sentence_pair(number + n) for n in range(sentences_per_document)]
        number += sentences_per_document
        en_id, fa_id = f"en-report-{d:04d}-a1b2c3", f"fa-report-{d:04d}-d4e5f6"
        en_texts = [en for en, _ in pairs]
        # The Persian side omits every omit_every-th sentence, so the English one is alone.
        fa_texts = [fa for n, (_, fa) in enumerate(pairs) if not (omit_every and n % omit_every == omit_every - 1)]
        en_passages, en_sentences = _side(en_id, "en", en_texts)
        fa_passages, fa_sentences = _side(fa_id, "fa", fa_texts)
        keys = {**unit_keys((p["doc_id"], p["passage_id"], p["text"]) for p in en_passages + fa_passages),
                **unit_keys((s["doc_id"], s["sentence_id"], s["text"]) for s in en_sentences + fa_sentences)}
        tables["documents"] += [_document(en_id, f"en-report-{d:04d}.txt", "txt", "en", en_passages, en_sentences),
                                _document(fa_id, f"fa-report-{d:04d}.txt", "txt", "fa", fa_passages, fa_sentences)]
        tables["passages"] += en_passages + fa_passages
        tables["sentences"] += en_sentences + fa_sentences
        fa_of = {}
        j = 0
        for n in range(sentences_per_document):
            if omit_every and n % omit_every == omit_every - 1:
                continue
            fa_of[n] = j
            j += 1
        n = 0
        while n < sentences_per_document:
            if n not in fa_of:
                n += 1
                continue
            src = [en_sentences[n]]
            # Now and then two English sentences are linked to one Persian (a merge), when both
            # are in one paragraph on each side.
            if (merge_every and n % merge_every == 0 and n + 1 in fa_of
                    and en_sentences[n + 1]["passage_id"] == en_sentences[n]["passage_id"]):
                src.append(en_sentences[n + 1])
                confidence = round(rng.uniform(low, high), 6)
                tables["alignments"].append(_row("sentence", "dp-2-1", src, [fa_sentences[fa_of[n]]], "en", "fa",
                                                 keys, confidence))
                n += 1  # the second English sentence's own Persian stays alone
                n += 1
                continue
            confidence = round(rng.uniform(low, high), 6)
            tables["alignments"].append(_row("sentence", "dp-1-1", src, [fa_sentences[fa_of[n]]], "en", "fa",
                                             keys, confidence))
            n += 1
        for p, (en_p, fa_p) in enumerate(zip(en_passages, fa_passages)):
            tables["alignments"].append(_row("passage", "margin-mutual-best", [en_p], [fa_p], "en", "fa", keys,
                                             round(rng.uniform(low, high), 6)))
        tables["document_pairs"].append({
            "src_doc_id": en_id, "tgt_doc_id": fa_id, "src_lang": "en", "tgt_lang": "fa", "relation": "translation",
            "score": 1.0, "matched_passages": min(len(en_passages), len(fa_passages)),
            "src_passages": len(en_passages), "tgt_passages": len(fa_passages),
            "model": "models/multilingual-e5-small-q4", "config_hash": "bench0review"})
    tables["alignments"].sort(key=lambda r: (r["level"], r["src_doc_id"], r["tgt_doc_id"], r["src_char_start"],
                                             r["tgt_char_start"]))
    return tables


def write_tables(tables: dict[str, list[dict]], aligned: Path, corpus: Path | None = None,
                 schemas: dict | None = None) -> None:
    """Write the tables as aligned/*.parquet (with output.TABLES' schemas unless `schemas`
    names another), and the documents' text files into corpus."""
    for name, rows in tables.items():
        write_rows(rows, Path(aligned) / f"{name}.parquet", schema=(schemas or {}).get(name, output.TABLES[name]))
    if corpus is not None:
        Path(corpus).mkdir(parents=True, exist_ok=True)
        by_doc: dict[str, list[str]] = {}
        for passage in tables["passages"]:
            by_doc.setdefault(passage["doc_id"], []).append(passage["text"])
        for document in tables["documents"]:
            (Path(corpus) / document["path"]).write_text("\n\n".join(by_doc.get(document["doc_id"], [])) + "\n",
                                                         encoding="utf-8")

