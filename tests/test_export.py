"""TMX and TSV export of reviewed pairs, on aligned/ tables written as docs/schema.md says."""

import csv
import xml.etree.ElementTree as ET

from pipeline import output
from pipeline.export import export, main
from pipeline.review.store import REVIEWS_FILE, ReviewStore, pair_text_hash
from pipeline.storage import write_rows

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def alignment_row(pair_id, src_lang, tgt_lang, src_text, tgt_text, confidence, level="sentence",
                  src_doc="doc-a", tgt_doc="doc-b", src_page=1, tgt_page=2, src_start=0, tgt_start=0,
                  src_normalized=None, tgt_normalized=None):
    """One alignments.parquet row with every column of the schema."""
    side = lambda doc, lang, text, norm, page, start: {  # noqa: E731
        "doc_id": doc, "lang": lang, "ids": [f"{doc}:p0000:s000"], "passage_id": f"{doc}:p0000",
        "text": text, "normalized": text if norm is None else norm, "page": page,
        "char_start": start, "char_end": start + len(text)}
    row = {"pair_id": pair_id, "level": level, "method": "dp-1-1" if level == "sentence" else "margin-mutual-best",
           "similarity": 0.9, "margin": 1.1, "confidence": confidence, "model": "models/test-model",
           "config_hash": "abc123def456", "review_status": "unreviewed"}
    for name, value in side(src_doc, src_lang, src_text, src_normalized, src_page, src_start).items():
        row[f"src_{name}"] = value
    for name, value in side(tgt_doc, tgt_lang, tgt_text, tgt_normalized, tgt_page, tgt_start).items():
        row[f"tgt_{name}"] = value
    return row


def write_alignments(aligned, rows):
    write_rows(rows, aligned / "alignments.parquet", schema=output.ALIGNMENTS)


def decide(aligned, row, decision, **edits):
    store = ReviewStore(aligned / REVIEWS_FILE)
    store.decide(row["pair_id"], decision, pair_text_hash(row["src_text"], row["tgt_text"]),
                 level=row["level"], decided_at="2026-03-04T05:06:07+00:00", **edits)
    store.close()


ROWS = [
    alignment_row("p-accepted", "en", "fa", "The qanat was cleaned in spring.", "قنات در بهار لایروبی شد.", 0.9),
    alignment_row("p-edited", "en", "fa", "Water prices rose twice.", "قیمت آب دوبار بالا رفت.", 0.4),
    alignment_row("p-rejected", "en", "fa", "The council met in May.", "باغ‌ها آبیاری شدند.", 0.95),
    alignment_row("p-unreviewed", "en", "fa", "Tankers bring water to the villages.", "تانکرها به روستاها آب می‌برند.", 0.8),
    alignment_row("p-zh", "zh-Hant", "zh-Hans", "茶馬古道\n穿越高山。", "茶马古道穿越高山。", 0.7,
                  src_normalized="茶馬古道穿越高山。"),
    alignment_row("p-script", "en", "zh-Hans", 'It printed <script>alert("x")</script> & left\x0c.',
                  "它打印了 <script> 标签。", 0.85),
]


def _build(tmp_path):
    aligned = tmp_path / "aligned"
    write_alignments(aligned, ROWS)
    by_id = {r["pair_id"]: r for r in ROWS}
    decide(aligned, by_id["p-accepted"], "accepted")
    decide(aligned, by_id["p-edited"], "edited", tgt_edit="قیمت آب دو بار بالا رفت.")
    decide(aligned, by_id["p-rejected"], "rejected")
    decide(aligned, by_id["p-zh"], "accepted")
    decide(aligned, by_id["p-script"], "accepted")
    return aligned


def _units(path):
    root = ET.parse(path).getroot()
    return root, {tu.get("tuid"): tu for tu in root.iter("tu")}


def test_tmx_holds_accepted_and_edited_pairs_with_omegat_header_and_provenance(tmp_path):
    aligned = _build(tmp_path)
    written = export(aligned)
    assert written == {"hamta.en-fa.tmx": 2, "hamta.en-fa.tsv": 2, "hamta.en-zh-Hans.tmx": 1,
                       "hamta.en-zh-Hans.tsv": 1, "hamta.zh-Hant-zh-Hans.tmx": 1, "hamta.zh-Hant-zh-Hans.tsv": 1}
    root, units = _units(aligned / "hamta.en-fa.tmx")
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    for attribute, value in {"creationtool": "Hamta", "srclang": "en", "segtype": "sentence", "adminlang": "en",
                             "datatype": "plaintext"}.items():
        assert header.get(attribute) == value
    assert header.get("o-tmf") and header.get("creationtoolversion")
    assert list(units) == ["p-accepted", "p-edited"]  # most confident first; rejected and unreviewed left out
    edited = units["p-edited"]
    seg = {tuv.get(XML_LANG): tuv.find("seg").text for tuv in edited.iter("tuv")}
    assert seg == {"en": "Water prices rose twice.", "fa": "قیمت آب دو بار بالا رفت."}
    props = {prop.get("type"): prop.text for prop in edited.iter("prop")}
    assert props["x-pair-id"] == "p-edited" and props["x-review-status"] == "edited"
    assert props["x-src-doc-id"] == "doc-a" and props["x-tgt-doc-id"] == "doc-b"
    assert props["x-src-page"] == "1" and props["x-tgt-page"] == "2"
    assert props["x-model"] == "models/test-model" and props["x-config-hash"] == "abc123def456"
    assert float(props["x-confidence"]) == 0.4
    assert edited.get("changedate") == "20260304T050607Z"


def test_chinese_codes_and_layout_line_breaks(tmp_path):
    aligned = _build(tmp_path)
    export(aligned)
    root, units = _units(aligned / "hamta.zh-Hant-zh-Hans.tmx")
    assert root.find("header").get("srclang") == "zh-Hant"
    seg = {tuv.get(XML_LANG): tuv.find("seg").text for tuv in units["p-zh"].iter("tuv")}
    # The normalized text is exported: a PDF line break between Chinese characters is no space.
    assert seg == {"zh-Hant": "茶馬古道穿越高山。", "zh-Hans": "茶马古道穿越高山。"}


def test_markup_and_control_characters_stay_text_and_the_xml_stays_valid(tmp_path):
    aligned = _build(tmp_path)
    export(aligned)
    raw = (aligned / "hamta.en-zh-Hans.tmx").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw and "\x0c" not in raw
    _, units = _units(aligned / "hamta.en-zh-Hans.tmx")
    en = next(tuv for tuv in units["p-script"].iter("tuv") if tuv.get(XML_LANG) == "en")
    assert en.find("seg").text == 'It printed <script>alert("x")</script> & left.'


def test_threshold_adds_confident_pairs_but_never_rejected_ones(tmp_path):
    aligned = _build(tmp_path)
    export(aligned, min_confidence=0.75)
    _, units = _units(aligned / "hamta.en-fa.tmx")
    assert set(units) == {"p-accepted", "p-edited", "p-unreviewed"}
    assert {p.text for p in units["p-unreviewed"].iter("prop") if p.get("type") == "x-review-status"} == {"unreviewed"}


def test_stale_decisions_are_not_exported(tmp_path):
    aligned = _build(tmp_path)
    changed = [dict(r) for r in ROWS]
    changed[0].update(src_text="The qanat was cleaned in autumn.", src_normalized="The qanat was cleaned in autumn.")
    write_alignments(aligned, changed)
    export(aligned)
    _, units = _units(aligned / "hamta.en-fa.tmx")
    assert list(units) == ["p-edited"]


def test_tsv_has_one_line_per_pair_and_reads_back(tmp_path):
    aligned = _build(tmp_path)
    export(aligned)
    with open(aligned / "hamta.en-fa.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert [r["pair_id"] for r in rows] == ["p-accepted", "p-edited"]
    assert rows[1]["tgt_text"] == "قیمت آب دو بار بالا رفت." and rows[1]["review_status"] == "edited"
    assert rows[0]["src_page"] == "1" and rows[0]["tgt_doc_id"] == "doc-b"


def test_a_language_pair_with_nothing_left_loses_its_old_files(tmp_path):
    aligned = _build(tmp_path)
    export(aligned)
    assert (aligned / "hamta.zh-Hant-zh-Hans.tmx").exists()
    decide(aligned, ROWS[4], "rejected")
    export(aligned)
    assert not (aligned / "hamta.zh-Hant-zh-Hans.tmx").exists()
    assert not list(aligned.glob(".*.tmp"))  # atomic writes leave no temp files


def test_command_line_names_a_missing_table(tmp_path, capsys):
    assert main(["--aligned", str(tmp_path), "--config", "configs/default.yaml"]) == 2
    assert "alignments.parquet: not found" in capsys.readouterr().err
    assert main(["--aligned", str(tmp_path), "--min-confidence", "7"]) == 2
