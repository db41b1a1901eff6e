"""The translators' workbench in headless Chromium, on aligned/ tables written as the align
stage writes them (bench/review_tables.py: our own English-Persian field reports, eight
document pairs of 100 sentences, confidences all between 0.983 and 0.995) plus a PDF whose
paragraph runs over a page break. Each test works on its own document pair, so the tests
share one server and do not depend on each other's decisions."""

import shutil
import sqlite3
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bench.review_tables import build_tables, write_tables
from conftest import free_port, needs_chromium, review_server
from pipeline.identity import pair_id as make_pair_id, unit_keys
from pipeline.review.store import ReviewStore, pair_text_hash

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.browser, needs_chromium]
PDF = ROOT / "tests" / "fixtures" / "fa_chromium.pdf"
# Two regions of one paragraph: the bottom of page 1 and the top of page 2 (PDF points).
REGION_1 = {"page": 1, "x0": 72.0, "top": 700.0, "x1": 520.0, "bottom": 760.0}
REGION_2 = {"page": 2, "x0": 90.0, "top": 60.0, "x1": 300.0, "bottom": 100.0}
PDF_SENTENCES = ("The survey of the northern wells began in the dry month.",
                 "It ended after the autumn rains had filled the cisterns again.")
PDF_PERSIAN = "بررسی به پایان رسید."


def en(d):
    return f"en-report-{d:04d}-a1b2c3"


def fa(d):
    return f"fa-report-{d:04d}-d4e5f6"


def _page_break_tables(tables):
    """A PDF paragraph of two sentences, the second on page 2, linked to a Persian sentence.
    The passage carries Passage.regions (contract 1 of the coordinator's notes): page, box and
    character offsets of each piece, the first region's values also in page/x0/top/x1/bottom."""
    text = " ".join(PDF_SENTENCES)
    split = len(PDF_SENTENCES[0]) + 1
    regions = [dict(REGION_1, start=0, end=split), dict(REGION_2, start=split, end=len(text))]
    passage = {"doc_id": "paper", "passage_id": "paper:p0000", "index": 0, "page": 1, "kind": "paragraph",
               "lang": "en", "lang_prob": 1.0, "run": 0, "script": "latin", "text": text, "normalized": text,
               "pivot": text, "char_start": 0, "char_end": len(text), "regions": regions,
               **{k: REGION_1[k] for k in ("x0", "top", "x1", "bottom")}}
    sentences = [{"doc_id": "paper", "sentence_id": f"paper:p0000:s00{n}", "passage_id": "paper:p0000", "index": n,
                  "page": 1 + n, "kind": "paragraph", "lang": "en", "text": s, "normalized": s, "pivot": s,
                  "char_start": 0 if n == 0 else split, "char_end": split - 1 if n == 0 else len(text)}
                 for n, s in enumerate(PDF_SENTENCES)]
    persian = {"doc_id": "note", "passage_id": "note:p0000", "index": 0, "page": 1, "kind": "paragraph", "lang": "fa",
               "lang_prob": 1.0, "run": 0, "script": "arabic", "text": PDF_PERSIAN, "normalized": PDF_PERSIAN,
               "pivot": PDF_PERSIAN, "char_start": 0, "char_end": len(PDF_PERSIAN),
               "x0": None, "top": None, "x1": None, "bottom": None, "regions": None}
    persian_sentence = {"doc_id": "note", "sentence_id": "note:p0000:s000", "passage_id": "note:p0000", "index": 0,
                        "page": 1, "kind": "paragraph", "lang": "fa", "text": PDF_PERSIAN, "normalized": PDF_PERSIAN,
                        "pivot": PDF_PERSIAN, "char_start": 0, "char_end": len(PDF_PERSIAN)}
    keys = unit_keys([("paper", sentences[1]["sentence_id"], sentences[1]["text"]),
                      ("note", "note:p0000:s000", PDF_PERSIAN)])
    row = dict(tables["alignments"][0])
    row.update({"pair_id": make_pair_id("sentence", [keys["paper:p0000:s001"]], [keys["note:p0000:s000"]]),
                "src_doc_id": "paper", "src_ids": ["paper:p0000:s001"], "src_passage_id": "paper:p0000",
                "src_text": PDF_SENTENCES[1], "src_normalized": PDF_SENTENCES[1], "src_page": 2,
                "src_char_start": split, "src_char_end": len(text),
                "tgt_doc_id": "note", "tgt_ids": ["note:p0000:s000"], "tgt_passage_id": "note:p0000",
                "tgt_text": PDF_PERSIAN, "tgt_normalized": PDF_PERSIAN, "tgt_page": 1,
                "tgt_char_start": 0, "tgt_char_end": len(PDF_PERSIAN), "confidence": 0.99})
    for p in tables["passages"]:
        p.setdefault("regions", None)
    tables["passages"] += [passage, persian]
    tables["sentences"] += sentences + [persian_sentence]
    tables["alignments"].append(row)
    tables["documents"] += [
        {"doc_id": "paper", "path": "paper.pdf", "format": "pdf", "sha256": "1" * 64, "page_count": 3, "lang": "en",
         "langs": ["en"], "passage_count": 1, "sentence_count": 2, "char_count": len(text), "status": "ok",
         "problem": None},
        {"doc_id": "note", "path": "note.txt", "format": "txt", "sha256": "2" * 64, "page_count": 1, "lang": "fa",
         "langs": ["fa"], "passage_count": 1, "sentence_count": 1, "char_count": len(PDF_PERSIAN), "status": "ok",
         "problem": None}]
    return row


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("workbench")
    aligned, corpus = root / "aligned", root / "corpus"
    tables = build_tables(8, 100)
    _page_break_tables(tables)
    write_tables(tables, aligned, corpus)  # passages carry regions (docs/schema.md)
    shutil.copy(PDF, corpus / "paper.pdf")
    (corpus / "note.txt").write_text(PDF_PERSIAN + "\n", encoding="utf-8")
    port = free_port()
    with review_server(port, "--aligned", str(aligned), "--corpus", str(corpus), "--port", str(port),
                       "--build", str(root / "no-build")) as url:
        server = type("Server", (), {})()
        server.url, server.aligned, server.tables = url, aligned, tables
        server.pairs = {row["pair_id"]: row for row in tables["alignments"]}
        yield server


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    assert page.errors == []


def decisions(server) -> dict:
    with sqlite3.connect(server.aligned / "reviews.sqlite") as db:
        return dict(db.execute("select pair_id, decision from decisions").fetchall())


def sentence_pairs(server, d: int) -> list[str]:
    return [r["pair_id"] for r in server.tables["alignments"] if r["level"] == "sentence" and r["src_doc_id"] == en(d)]


def filtered(server, d: int, **extra) -> str:
    query = {"docs": f"{en(d)}|{fa(d)}", "level": "sentence", **extra}
    return server.url + "/?" + urllib.parse.urlencode(query)


def card_ids(page) -> list[str]:
    return page.locator("article.pair").evaluate_all("cards => cards.map(c => c.dataset.pairId)")


def wait_status(page, pair_id: str, status: str):
    page.wait_for_function("([id, s]) => document.getElementById('pair-' + id).dataset.status === s",
                           arg=[pair_id, status])



# --- Defect 1: paging when decisions take pairs out of the filter ----------------------

def test_next_page_starts_at_the_first_pair_not_yet_shown(server, page):
    # Sentences and paragraphs: more than two pages' worth.
    page.goto(server.url + "/?" + urllib.parse.urlencode({"docs": f"{en(0)}|{fa(0)}", "status": "unreviewed"}))
    first_page = card_ids(page)
    assert len(first_page) == 50
    everything = first_page[:]
    for pid in first_page:  # one by one, each decision saved before the next key
        page.locator(f"#pair-{pid}").click(position={"x": 5, "y": 5})
        page.keyboard.press("a")
        wait_status(page, pid, "accepted")
    page.get_by_text("next 50").click()
    page.wait_for_load_state()
    second_page = card_ids(page)
    # Every unreviewed pair shows up exactly once as the translator pages on.
    while True:
        everything += second_page
        nxt = page.get_by_text("next 50")
        if not nxt.count():
            break
        nxt.click()
        page.wait_for_load_state()
        second_page = card_ids(page)
    assert sorted(everything) == sorted(r["pair_id"] for r in server.tables["alignments"] if r["src_doc_id"] == en(0))
    assert len(everything) == len(set(everything))


# --- Defect 2: keys faster than the server --------------------------------------------

def test_keys_typed_faster_than_the_server_answers_decide_one_pair_each(server, page):
    page.goto(filtered(server, 1))
    ids = card_ids(page)
    held = []
    page.route("**/api/decisions", lambda route: held.append(route))
    page.locator("article.pair").first.click(position={"x": 5, "y": 5})
    page.keyboard.type("aaaaa")
    # The server answers only now, one request at a time, long after the keys.
    released, deadline = 0, time.time() + 20
    while time.time() < deadline:
        page.wait_for_timeout(50)
        while held:
            held.pop(0).continue_()
            released += 1
        if page.locator("article.pair[data-status=accepted]").count() >= 5 and not held:
            page.wait_for_timeout(300)
            if not held:
                break
    assert released == 5
    assert [pid for pid in ids if decisions(server).get(pid) == "accepted"] == ids[:5]
    current = page.locator("article.pair.current")
    assert current.get_attribute("data-pair-id") == ids[5]


# --- Defect 3: a cancelled edit is thrown away; an unchanged edit is not an accept -----

def test_cancelled_edit_is_discarded_and_an_unchanged_edit_saves_nothing(server, page):
    page.goto(filtered(server, 2))
    card = page.locator("article.pair").first
    pid = card.get_attribute("data-pair-id")
    original = server.pairs[pid]["tgt_normalized"]
    posted = []
    page.on("request", lambda request: posted.append(request.url) if "/api/decisions" in request.url else None)
    card.click(position={"x": 5, "y": 5})
    page.keyboard.press("e")
    editor = card.locator('[data-role="tgt-editor"]')
    editor.fill("پیش‌نویسی که نباید بماند")
    editor.press("Escape")
    assert editor.is_hidden()
    page.keyboard.press("e")
    assert editor.input_value() == original
    editor.press("Control+Enter")
    page.wait_for_timeout(500)
    assert posted == []
    assert pid not in decisions(server)
    assert card.get_attribute("data-status") == "unreviewed"


# --- Defect 4: a confidence filter for values that all lie close together --------------

def test_confidence_filter_separates_pairs_that_all_lie_near_099(server, page):
    rows = [r for r in server.tables["alignments"] if r["level"] == "sentence" and r["src_doc_id"] == en(3)]
    assert 0.983 <= min(r["confidence"] for r in rows) and max(r["confidence"] for r in rows) <= 0.995
    page.goto(filtered(server, 3))
    # A band by rank: the lowest tenth of this filter, whatever the values.
    page.select_option('select[name="band"]', "low10")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    lowest = sorted(rows, key=lambda r: (r["confidence"], r["pair_id"]))[:-(-len(rows) * 10 // 100)]
    assert sorted(card_ids(page)) == sorted(r["pair_id"] for r in lowest)
    # And any precision typed by hand.
    page.goto(filtered(server, 3))
    page.fill('input[name="min"]', "0.9875")
    page.fill('input[name="max"]', "0.99")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "min=0.9875" in page.url
    expected = {r["pair_id"] for r in rows if 0.9875 <= r["confidence"] <= 0.99}
    shown = set(card_ids(page))
    assert expected and shown == expected
    assert all(0.9875 <= float(c) <= 0.99 for c in
               page.locator(".conf").evaluate_all("els => els.map(e => e.dataset.confidence)"))


# --- Defect 5: a paragraph over a page break ---------------------------------------------

def test_a_sentence_on_the_next_page_shows_that_page_and_its_crop(server, page):
    page.goto(server.url + "/?docs=paper%7Cnote")
    card = page.locator("article.pair").first
    crop = card.locator(".side").first.locator("img.crop")
    assert crop.count() == 1
    crop.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=crop.element_handle())
    size = crop.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    # The page-2 region at 144 dpi with 6 points of padding each side: (210 + 12) x 2, (40 + 12) x 2;
    # not the page-1 region where the paragraph starts.
    assert size == [444, 104]
    assert crop.get_attribute("data-page") == "2"
    assert card.locator(".side").first.locator(".side-meta .page").inner_text() == "page 2"


# --- Defect 8: a stale card says what was decided, when, on which text ------------------

def test_stale_card_shows_the_earlier_decision_its_date_and_the_old_text(server, page):
    row = next(r for r in server.tables["alignments"] if r["src_doc_id"] == en(7) and r["method"] == "dp-1-1"
               and "was cleaned" in r["src_text"])
    pid, old_src = row["pair_id"], row["src_text"].replace("was cleaned", "was dug")
    # The decision was taken when the English sentence still said "dug".
    store = ReviewStore(server.aligned / "reviews.sqlite")
    store.decide(pid, "accepted", pair_text_hash(old_src, row["tgt_text"]), level="sentence",
                 decided_at="2026-02-03T04:05:06+00:00",
                 seen={"src_text": old_src, "tgt_text": row["tgt_text"], "src_doc_id": row["src_doc_id"],
                       "tgt_doc_id": row["tgt_doc_id"]})
    store.close()
    page.goto(filtered(server, 7, status="stale"))
    card = page.locator(f"#pair-{pid}")
    assert card.get_attribute("data-status") == "stale"
    earlier = card.locator('[data-role="earlier"]')
    assert "accepted" in earlier.inner_text() and "2026-02-03 04:05" in earlier.inner_text()
    assert earlier.locator("del").all_inner_texts() == ["dug"]
    assert earlier.locator("ins").all_inner_texts() == ["cleaned"]


# --- Defect 9: undo per tab, and a warning when two tabs decide the same pair ----------

def test_undo_belongs_to_its_tab_and_two_tabs_do_not_overwrite_each_other(server, context):
    a, b = context.new_page(), context.new_page()
    url = filtered(server, 4, order="asc")
    a.goto(url)
    b.goto(url)
    x, y = card_ids(a)[0], card_ids(a)[1]
    a.locator(f"#pair-{x}").click(position={"x": 5, "y": 5})
    a.keyboard.press("a")
    wait_status(a, x, "accepted")
    b.locator(f"#pair-{y}").click(position={"x": 5, "y": 5})
    b.keyboard.press("r")
    wait_status(b, y, "rejected")
    # Tab A's undo takes back A's accept, not B's reject.
    a.keyboard.press("u")
    wait_status(a, x, "unreviewed")
    assert decisions(server).get(y) == "rejected" and x not in decisions(server)
    # A, which never reloaded, still shows y unreviewed; it accepts y, which B changed since
    # A's page was drawn: refused with a warning, and A's card shows B's decision.
    a.locator(f"#pair-{y}").click(position={"x": 5, "y": 5})
    a.keyboard.press("a")
    a.wait_for_function("() => document.getElementById('toast').classList.contains('error')")
    assert "another tab" in a.locator("#toast").inner_text()
    wait_status(a, y, "rejected")  # A's card now shows what B decided
    assert decisions(server)[y] == "rejected"
    # Pressed again, knowingly, it replaces B's decision; B's undo then refuses to take back
    # a decision A has built on.
    a.locator(f"#pair-{y}").click(position={"x": 5, "y": 5})
    a.keyboard.press("a")
    wait_status(a, y, "accepted")
    b.keyboard.press("u")
    b.wait_for_function("() => document.getElementById('toast').classList.contains('error')")
    assert decisions(server)[y] == "accepted"


# --- Defect 10: keys by their place on the keyboard; j turns the page --------------------

def _key(page, key: str, code: str, shift: bool = False):
    page.evaluate("([key, code, shift]) => document.activeElement.dispatchEvent(new KeyboardEvent('keydown', "
                  "{key, code, shiftKey: shift, bubbles: true, cancelable: true}))", [key, code, shift])


def test_shortcuts_work_with_a_persian_layout_and_caps_lock_and_j_turns_the_page(server, page):
    page.goto(filtered(server, 5))
    ids = card_ids(page)
    _key(page, "ش", "KeyA")  # the a key on a Persian keyboard
    page.wait_for_function("id => document.getElementById('pair-' + id).dataset.status === 'accepted'", arg=ids[0])
    _key(page, "A", "KeyA")  # Caps Lock on
    page.wait_for_function("id => document.getElementById('pair-' + id).dataset.status === 'accepted'", arg=ids[1])
    _key(page, "ق", "KeyR")
    page.wait_for_function("id => document.getElementById('pair-' + id).dataset.status === 'rejected'", arg=ids[2])
    _key(page, "ع", "KeyU")
    page.wait_for_function("id => document.getElementById('pair-' + id).dataset.status === 'unreviewed'", arg=ids[2])
    for _ in range(len(ids) - 1 - page.evaluate("Array.from(document.querySelectorAll('article.pair'))"
                                                ".findIndex(c => c.classList.contains('current'))")):
        _key(page, "ت", "KeyJ")
    assert page.locator("article.pair.current").get_attribute("data-pair-id") == ids[-1]
    with page.expect_navigation():
        _key(page, "ت", "KeyJ")  # at the end of the page: the next page
    assert card_ids(page)[0] not in ids
    assert page.locator("article.pair.current").get_attribute("data-pair-id") == card_ids(page)[0]
    with page.expect_navigation():
        _key(page, "ن", "KeyK")  # and back, to the last pair of the page before
    assert page.locator("article.pair.current").get_attribute("data-pair-id") == ids[-1]
    _key(page, "؟", "Slash", shift=True)
    assert page.locator("#help").is_visible()


# --- Search, bulk accept, the card's reasons, help ---------------------------------------

def test_search_finds_words_in_either_text_however_they_were_typed(server, page):
    page.goto(server.url + "/?" + urllib.parse.urlencode({"q": "mill at bridge 111", "level": "sentence"}))
    assert len(card_ids(page)) == 1 and "bridge 111" in page.locator("article.pair mark").first.inner_text()
    # Persian typed with the Arabic yeh and kaf of an Arabic keyboard.
    page.goto(server.url + "/?" + urllib.parse.urlencode({"q": "آسياب قديمي كنار پل ۱۱۱", "in": "tgt"}))
    assert len(card_ids(page)) >= 1
    assert all("۱۱۱" in t for t in page.locator('[data-role="tgt-context"] mark').all_inner_texts())
    page.goto(server.url + "/?" + urllib.parse.urlencode({"q": "mill at bridge 111", "in": "tgt"}))
    assert card_ids(page) == []


def test_bulk_accept_asks_first_and_one_undo_takes_back_the_batch(server, page):
    url = filtered(server, 6, status="unreviewed", band="low25")
    page.goto(url)
    button = page.locator("#bulk-accept")
    count = int(button.get_attribute("data-count"))
    assert count > 0 and f"Accept the {count} unreviewed" in button.inner_text()
    button.click()
    dialog = page.locator("#confirm-bulk")
    assert dialog.is_visible() and str(count) in dialog.inner_text()
    dialog.get_by_text("Cancel").click()
    assert not any(pid in decisions(server) for pid in sentence_pairs(server, 6))
    button.click()
    with page.expect_navigation():
        dialog.get_by_text("Accept them").click()
    accepted = [pid for pid in sentence_pairs(server, 6) if decisions(server).get(pid) == "accepted"]
    assert len(accepted) == count
    assert page.locator("article.pair").count() == 0  # nothing unreviewed is left in that filter
    page.keyboard.press("u")
    page.wait_for_function("() => document.getElementById('toast').textContent.includes('Undone')")
    assert not any(pid in decisions(server) for pid in sentence_pairs(server, 6))


def test_each_card_says_why_the_pair_was_made(server, page):
    page.goto(filtered(server, 7))
    why = page.locator('[data-role="why"]').first.inner_text()
    assert "cosine 0.9" in why and "margin 1.0" in why and "one sentence to one" in why
    merged = [r for r in server.tables["alignments"] if r["src_doc_id"] == en(7) and r["method"] == "dp-2-1"][0]
    page.goto(server.url + "/?" + urllib.parse.urlencode({"q": merged["tgt_text"], "in": "tgt", "level": "sentence"}))
    assert "two sentences to one" in page.locator('[data-role="why"]').first.inner_text()


def test_help_panel_explains_keys_statuses_and_methods(server, page):
    page.goto(server.url + "/")
    page.keyboard.press("Shift+Slash")
    help_panel = page.locator("#help")
    assert help_panel.is_visible()
    text = help_panel.inner_text().lower()
    for words in ("accept", "stale", "margin", "manual", "persian"):
        assert words in text
    page.keyboard.press("Escape")
    assert not help_panel.is_visible()


# --- The document view, and fixing the alignment by hand --------------------------------

def _document(page, server, d):
    page.goto(server.url + "/documents")
    page.locator("tr", has_text=f"en-report-{d:04d}.txt").locator("a.open-document").click()
    page.wait_for_load_state()


def _row_of(page, text):
    return page.locator(".drow[data-row]").filter(has=page.locator(".sent", has_text=text))


def test_document_view_shows_every_sentence_with_the_unaligned_ones_alone(server, page):
    _document(page, server, 3)
    sentences = server.tables["sentences"]
    source = [s for s in sentences if s["doc_id"] == en(3)]
    target = [s for s in sentences if s["doc_id"] == fa(3)]
    assert page.locator('.sent[data-side="src"]').count() == len(source)
    assert page.locator('.sent[data-side="tgt"]').count() == len(target)
    shown = page.locator('.sent[data-side="src"]').all_inner_texts()
    assert shown == [s["text"] for s in source]  # reading order
    # The omitted Persian sentences leave their English ones alone, marked so.
    alone = page.locator(".drow.alone")
    assert alone.count() >= 5
    omitted = _row_of(page, "The council of town 316")
    assert "no counterpart" in omitted.locator(".dcell.tgt").inner_text()
    linked = _row_of(page, "Orchard 315 is watered")
    assert "۳۱۵" in linked.locator(".dcell.tgt").inner_text() and linked.get_attribute("data-pair-id")
    assert page.locator(".drow[data-row] .dcell.tgt").first.evaluate("el => getComputedStyle(el).direction") == "rtl"
    # Reachable from a pair's card too, at that pair's row.
    page.goto(filtered(server, 3))
    first = card_ids(page)[0]
    page.locator(f"#pair-{first} a.doc-link").click()
    page.wait_for_load_state()
    assert page.locator(".drow.current").get_attribute("data-pair-id") == first


def _alignment_rows(page):
    return page.locator(".drow[data-row]").evaluate_all(
        "rows => rows.map(r => [Array.from(r.querySelectorAll('.dcell.src .sent'), s => s.textContent.trim()),"
        " Array.from(r.querySelectorAll('.dcell.tgt .sent'), s => s.textContent.trim()), r.dataset.method || ''])")


def _acting(page, do):
    """Do something that changes the alignment, and wait for the page drawn after it."""
    with page.expect_navigation():
        do()
    page.wait_for_selector(".drow.current")


def test_link_merge_split_shift_and_unlink_by_hand_with_one_undo_each(server, page):
    _document(page, server, 2)
    # Link an English sentence left alone (its Persian was omitted) to the Persian of its neighbour.
    page.locator(".sent", has_text="The qanat of village 216").click()
    page.locator(".sent", has_text="کشاورزان بخش ۲۱۷").click()
    _acting(page, lambda: page.keyboard.press("l"))
    row = _row_of(page, "The qanat of village 216")
    assert row.get_attribute("data-method") == "manual" and row.get_attribute("data-status") == "accepted"
    assert "۲۱۷" in row.locator(".dcell.tgt").inner_text()
    assert page.locator(".drow.current").get_attribute("data-pair-id") == row.get_attribute("data-pair-id")
    # The aligner's link of that Persian sentence gave way: its English is alone now.
    assert "no counterpart" in _row_of(page, "Farmers in district 217").locator(".dcell.tgt").inner_text()
    # Undo puts the aligner's link back.
    _acting(page, lambda: page.keyboard.press("u"))
    assert _row_of(page, "The qanat of village 216").get_attribute("data-pair-id") is None
    assert _row_of(page, "Farmers in district 217").get_attribute("data-method") == "dp-1-1"

    # Merge two rows into a 2-2, then split it again.
    _row_of(page, "The council of town 204").click()
    _acting(page, lambda: page.keyboard.press("m"))
    merged = _row_of(page, "The council of town 204")
    assert merged.locator(".dcell.src .sent").count() == 2 and merged.locator(".dcell.tgt .sent").count() == 2
    merged.click()
    _acting(page, lambda: page.keyboard.press("s"))
    assert _row_of(page, "The council of town 204").locator(".dcell.src .sent").count() == 1
    assert _row_of(page, "A new channel now carries water to field 205").get_attribute("data-method") == "manual"

    # Shift the target of a row down by one: it pairs with the next source sentence.
    _row_of(page, "Inspectors measured the salt in spring 206").click()
    _acting(page, lambda: page.get_by_role("button", name="Target ↓").click())
    assert "۲۰۶" in _row_of(page, "The old mill at bridge 207").locator(".dcell.tgt").inner_text()
    assert "no counterpart" in _row_of(page, "Inspectors measured the salt in spring 206").locator(
        ".dcell.tgt").inner_text()

    # Unlink a row: both its sentences stand alone.
    _row_of(page, "The qanat of village 208").click()
    _acting(page, lambda: page.get_by_role("button", name="Unlink").click())
    assert "no counterpart" in _row_of(page, "The qanat of village 208").locator(".dcell.tgt").inner_text()
    assert _row_of(page, "قنات روستای ۲۰۸").locator(".dcell.src .alone-mark").count() == 1
    with sqlite3.connect(server.aligned / "reviews.sqlite") as db:
        kinds = sorted(kind for (kind,) in db.execute("select kind from links"))
    assert kinds.count("unlink") == 1 and kinds.count("link") >= 3
    # The pairs page knows the manual links too.
    page.goto(server.url + "/?" + urllib.parse.urlencode({"q": "A new channel now carries water to field 205",
                                                          "level": "sentence"}))
    assert "by a translator" in page.locator('[data-role="why"]').first.inner_text()
