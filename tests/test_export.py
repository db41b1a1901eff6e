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
    for attribute, value in {"creationtool": "Hamta", "srclang": "en-US", "segtype": "sentence",
                             "adminlang": "en-US", "datatype": "plaintext"}.items():
        assert header.get(attribute) == value
    assert header.get("o-tmf") and header.get("creationtoolversion")
    assert list(units) == ["p-accepted", "p-edited"]  # most confident first; rejected and unreviewed left out
    edited = units["p-edited"]
    seg = {tuv.get(XML_LANG): tuv.find("seg").text for tuv in edited.iter("tuv")}
    assert seg == {"en-US": "Water prices rose twice.", "fa-IR": "قیمت آب دو بار بالا رفت."}
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
    assert root.find("header").get("srclang") == "zh-TW"
    seg = {tuv.get(XML_LANG): tuv.find("seg").text for tuv in units["p-zh"].iter("tuv")}
    # The normalized text is exported: a PDF line break between Chinese characters is no space.
    assert seg == {"zh-TW": "茶馬古道穿越高山。", "zh-CN": "茶马古道穿越高山。"}


def test_markup_and_control_characters_stay_text_and_the_xml_stays_valid(tmp_path):
    aligned = _build(tmp_path)
    export(aligned)
    raw = (aligned / "hamta.en-zh-Hans.tmx").read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw and "\x0c" not in raw
    _, units = _units(aligned / "hamta.en-zh-Hans.tmx")
    en = next(tuv for tuv in units["p-script"].iter("tuv") if tuv.get(XML_LANG) == "en-US")
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


def _translate_toolkit_units(path):
    """The units of a TMX file as translate-toolkit (what Pootle, Weblate and Virtaal use) reads them."""
    from translate.storage.tmx import tmxfile

    with open(path, "rb") as handle:
        store = tmxfile(handle)
    return store, [unit for unit in store.units if not unit.isheader()]


def test_cat_tools_read_every_unit_with_regional_language_codes(tmp_path):
    aligned = _build(tmp_path)
    export(aligned)
    for name, src, tgt in (("hamta.en-fa.tmx", "en-US", "fa-IR"), ("hamta.zh-Hant-zh-Hans.tmx", "zh-TW", "zh-CN"),
                           ("hamta.en-zh-Hans.tmx", "en-US", "zh-CN")):
        store, units = _translate_toolkit_units(aligned / name)
        _, ours = _units(aligned / name)
        assert store.sourcelanguage == src and len(units) == len(ours) > 0
        for unit in units:
            tuv = {node.get(XML_LANG) for node in unit.getlanguageNodes()}
            assert tuv == {src, tgt}
            assert unit.source and unit.target
    store, units = _translate_toolkit_units(aligned / "hamta.en-fa.tmx")
    assert {u.getid(): (u.source, u.target) for u in units}["p-edited"] == ("Water prices rose twice.",
                                                                            "قیمت آب دو بار بالا رفت.")


def test_language_codes_come_from_the_config_or_the_command_line(tmp_path):
    aligned = _build(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text("export:\n  tmx_languages: {en: en-GB, fa: fa-IR, zh-Hant: zh-HK, zh-Hans: zh-SG}\n",
                      encoding="utf-8")
    assert main(["--aligned", str(aligned), "--config", str(config), "--lang", "fa=fa"]) == 0
    root, units = _units(aligned / "hamta.en-fa.tmx")
    assert root.find("header").get("srclang") == "en-GB"
    assert {tuv.get(XML_LANG) for tuv in units["p-accepted"].iter("tuv")} == {"en-GB", "fa"}
    assert _units(aligned / "hamta.zh-Hant-zh-Hans.tmx")[0].find("header").get("srclang") == "zh-HK"
    assert main(["--aligned", str(aligned), "--lang", "fa=not a code"]) == 2


def test_paragraph_units_go_to_their_own_memory_with_segtype_paragraph(tmp_path):
    aligned = tmp_path / "aligned"
    rows = ROWS[:2] + [alignment_row("p-para", "en", "fa", "The qanat was cleaned in spring. It ran again.",
                                     "قنات در بهار لایروبی شد. دوباره روان شد.", 0.9, level="passage")]
    write_alignments(aligned, rows)
    for row in rows:
        decide(aligned, row, "accepted")
    written = export(aligned)
    assert written["hamta.en-fa.tmx"] == 2 and written["hamta.en-fa.paragraphs.tmx"] == 1
    assert written["hamta.en-fa.tsv"] == 3
    sentences, sentence_units = _units(aligned / "hamta.en-fa.tmx")
    paragraphs, paragraph_units = _units(aligned / "hamta.en-fa.paragraphs.tmx")
    assert sentences.find("header").get("segtype") == "sentence" and set(sentence_units) == {"p-accepted", "p-edited"}
    assert paragraphs.find("header").get("segtype") == "paragraph" and set(paragraph_units) == {"p-para"}
    assert len(_translate_toolkit_units(aligned / "hamta.en-fa.paragraphs.tmx")[1]) == 1


def test_exact_duplicates_are_one_unit_that_counts_them(tmp_path):
    aligned = tmp_path / "aligned"
    heading = [alignment_row(f"p-head-{n}", "en", "fa", "Conclusion", "نتیجه‌گیری", 0.9 - n / 100, src_doc=f"doc-{n}")
               for n in range(3)]
    rows = heading + [ROWS[0]]
    write_alignments(aligned, rows)
    for row in rows:
        decide(aligned, row, "accepted")
    assert export(aligned)["hamta.en-fa.tmx"] == 2
    _, units = _units(aligned / "hamta.en-fa.tmx")
    props = {p.get("type"): p.text for p in units["p-head-0"].iter("prop")}
    assert props["x-count"] == "3" and props["x-pair-ids"] == "p-head-0 p-head-1 p-head-2"
    assert "x-count" not in {p.get("type") for p in units["p-accepted"].iter("prop")}
    assert len(_translate_toolkit_units(aligned / "hamta.en-fa.tmx")[1]) == 2


def test_the_direction_can_be_chosen(tmp_path):
    aligned = _build(tmp_path)
    written = export(aligned, sources=["fa", "zh-Hans"])
    assert "hamta.fa-en.tmx" in written and "hamta.en-fa.tmx" not in written
    assert "hamta.zh-Hans-en.tmx" in written and "hamta.zh-Hans-zh-Hant.tmx" in written
    root, units = _units(aligned / "hamta.fa-en.tmx")
    assert root.find("header").get("srclang") == "fa-IR"
    tuvs = [(tuv.get(XML_LANG), tuv.find("seg").text) for tuv in units["p-edited"].iter("tuv")]
    assert tuvs == [("fa-IR", "قیمت آب دو بار بالا رفت."), ("en-US", "Water prices rose twice.")]
    props = {p.get("type"): p.text for p in units["p-edited"].iter("prop")}
    assert props["x-src-doc-id"] == "doc-b" and props["x-src-page"] == "2"
    store, tk_units = _translate_toolkit_units(aligned / "hamta.fa-en.tmx")
    assert store.sourcelanguage == "fa-IR" and {u.source for u in tk_units} >= {"قیمت آب دو بار بالا رفت."}
    with open(aligned / "hamta.fa-en.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0]["src_lang"] == "fa" and rows[0]["tgt_lang"] == "en"
