"""The review page as a translator uses it, in headless Chromium, on a corpus run through
the whole pipeline: filter, decide with the keyboard, edit Persian, reload, re-run, export."""

import json
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from conftest import free_port, needs_chromium, review_server

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Our own field notes, written for this test: an English note and its Persian translation,
# one paragraph of which quotes markup that must show as text.
EN_NOTES = """Notes from the field office

The wind pump at the northern well stopped twice during the dry month. The mechanic replaced its leather valve and the pump has worked without trouble since then.

A visitor asked why the web form printed <script>alert("x")</script> on the notice board. The clerk had pasted the page source instead of the text.

The next inspection of the storage tank is planned for the first week of autumn.
"""
FA_NOTES = """یادداشت‌های دفتر صحرایی

تلمبهٔ بادی چاه شمالی در ماه خشک دو بار از کار افتاد. مکانیک دریچهٔ چرمی آن را عوض کرد و تلمبه از آن زمان بی‌هیچ دردسری کار کرده است.

بازدیدکننده‌ای پرسید چرا فرم وب روی تابلوی اعلانات <script>alert("x")</script> چاپ کرده است. کارمند به جای متن، کد منبع صفحه را چسبانده بود.

بازرسی بعدی مخزن ذخیره برای هفتهٔ نخست پاییز برنامه‌ریزی شده است.
"""
FA_EDIT = "تلمبهٔ بادیِ چاه شمالی در ماه خشک دو بار از کار افتاد."


class Workdir:
    def __init__(self, root: Path):
        self.root, self.corpus, self.aligned = root, root / "corpus", root / "aligned"
        self.config = root / "config.yaml"

    def hamta(self, *args: str, module: str = "pipeline") -> subprocess.CompletedProcess:
        extra = ["--corpus", str(self.corpus), "--build", str(self.root / "build"),
                 "--cache", str(self.root / "cache")] if module == "pipeline" else []
        result = subprocess.run([sys.executable, "-m", module, *args, "--config", str(self.config),
                                 "--aligned", str(self.aligned), *extra],
                                cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    def alignments(self) -> pd.DataFrame:
        return pd.read_parquet(self.aligned / "alignments.parquet")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    work = Workdir(root)
    work.corpus.mkdir()
    shutil.copy(ROOT / "corpus" / "fa-water-management.pdf", work.corpus)  # Persian body + English abstract
    (work.corpus / "en-site-notes.txt").write_text(EN_NOTES, encoding="utf-8")
    (work.corpus / "fa-site-notes.txt").write_text(FA_NOTES, encoding="utf-8")
    port = free_port()
    work.config.write_text((ROOT / "configs" / "default.yaml").read_text(encoding="utf-8")
                           .replace("port: 8765", f"port: {port}"), encoding="utf-8")
    work.hamta("all")
    with review_server(port, "--aligned", str(work.aligned), "--corpus", str(work.corpus),
                       "--config", str(work.config), "--build", str(root / "build")) as url:
        work.url = url + "/"
        yield work


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def _card(page, text: str):
    """The card whose source sentence itself (not the context shown around it) holds text."""
    context = page.locator('[data-role="src-context"]')
    matched = context.locator("mark", has_text=text).or_(context.filter(has_text=text).filter(has_not=page.locator("mark")))
    cards = page.locator("article.pair").filter(has=matched)
    assert cards.count() == 1, f"{cards.count()} cards with {text!r} as their source sentence"
    return cards.first


def _pair_with_target(work, persian: str):
    """The sentence pair of the site notes whose Persian side holds `persian`."""
    rows = work.alignments().query("level == 'sentence' and src_doc_id.str.startswith('en-site-notes')")
    rows = rows[rows.tgt_text.str.contains(persian, regex=False)]
    assert len(rows) == 1, rows[["src_text", "tgt_text"]]
    return rows.iloc[0]


def make_all(work) -> str:
    """`make all` on the test's corpus and folders; returns what it printed."""
    done = subprocess.run(["make", "--no-print-directory", "all", f"CORPUS={work.corpus}", f"CONFIG={work.config}",
                           f"BUILD={work.root / 'build'}", f"ALIGNED={work.aligned}", f"CACHE={work.root / 'cache'}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def _post(work, path: str, body: dict) -> dict:
    request = urllib.request.Request(work.url + path.lstrip("/"), data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _notes_filter(page, work):
    page.goto(work.url)
    page.select_option('select[name="langs"]', "en|fa")
    docs = page.locator('select[name="docs"] option', has_text="en-site-notes.txt").get_attribute("value")
    page.select_option('select[name="docs"]', docs)
    page.select_option('select[name="level"]', "sentence")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()


def test_translator_filters_decides_edits_reloads_reruns_and_exports(work, page):
    _notes_filter(page, work)
    cards = page.locator("article.pair")
    assert cards.count() >= 3
    assert all(side == "en-site-notes.txt" for side in page.locator(".side:first-child .doc").all_inner_texts())
    confidences = [float(t.split()[-1]) for t in page.locator(".conf").all_inner_texts()]
    assert confidences == sorted(confidences, reverse=True)
    persian = page.locator('article.pair .side[lang="fa"]').first
    assert persian.get_attribute("dir") == "rtl"
    assert persian.evaluate("el => getComputedStyle(el).direction") == "rtl"

    # Accept with the keyboard: pick the pair, press a.
    pump = _card(page, "The wind pump at the northern well stopped twice")
    pump.locator('[data-role="src-context"]').click()
    page.keyboard.press("a")
    page.wait_for_function("id => document.getElementById(id).dataset.status === 'accepted'",
                           arg=pump.get_attribute("id"))
    pump_id = pump.get_attribute("data-pair-id")

    # Reject another pair, then take it back with u.
    tank = _card(page, "The next inspection of the storage tank")
    tank.locator('[data-role="src-context"]').click()
    page.keyboard.press("r")
    page.wait_for_function("id => document.getElementById(id).dataset.status === 'rejected'", arg=tank.get_attribute("id"))
    page.keyboard.press("u")
    page.wait_for_function("id => document.getElementById(id).dataset.status === 'unreviewed'", arg=tank.get_attribute("id"))

    # Edit the Persian side of the accepted pair: e, type, Ctrl+Enter.
    pump.locator('[data-role="src-context"]').click()
    page.keyboard.press("e")
    editor = pump.locator('[data-role="tgt-editor"]')
    assert editor.is_visible() and editor.evaluate("el => getComputedStyle(el).direction") == "rtl"
    editor.fill(FA_EDIT)
    editor.press("Control+Enter")
    page.wait_for_function("id => document.getElementById(id).dataset.status === 'edited'", arg=pump.get_attribute("id"))

    # Reload: the decision and the edit are still there.
    page.reload()
    pump = page.locator(f"#pair-{pump_id}")
    assert pump.locator('[data-role="status"]').inner_text().lower() == "edited"
    assert pump.locator('[data-role="tgt-edit"]').inner_text() == FA_EDIT
    assert tank.locator('[data-role="status"]').inner_text().lower() == "unreviewed"

    # Re-run the align stage: the decision is kept, and written into alignments.parquet.
    work.hamta("align")
    rows = work.alignments().set_index("pair_id")
    assert rows.loc[pump_id, "review_status"] == "edited"
    assert set(rows.drop(index=pump_id).review_status) == {"unreviewed"}
    page.reload()
    assert page.locator(f"#pair-{pump_id} [data-role='status']").inner_text().lower() == "edited"

    # Export: the TMX parses back and carries the edited Persian text under xml:lang="fa".
    work.hamta(module="pipeline.export")
    root = ET.parse(work.aligned / "hamta.en-fa.tmx").getroot()
    assert root.find("header").get("srclang") == "en-US"
    unit = next(tu for tu in root.iter("tu") if tu.get("tuid") == pump_id)
    segs = {tuv.get(XML_LANG): tuv.find("seg").text for tuv in unit.iter("tuv")}
    assert segs["fa-IR"] == FA_EDIT and segs["en-US"].startswith("The wind pump")

    # The English note changes: the pair (a new id, as its text is new) keeps the decision,
    # flagged for re-review, with what was decided and on which text.
    notes = work.corpus / "en-site-notes.txt"
    notes.write_text(EN_NOTES.replace("stopped twice during the dry month", "stopped three times during the dry month"),
                     encoding="utf-8")
    work.hamta("all")
    pump_now = _pair_with_target(work, "تلمبهٔ بادی چاه شمالی")
    assert pump_now.review_status == "stale"
    page.reload()
    card = page.locator(f"#pair-{pump_now.pair_id}")
    assert card.locator("[data-role='status']").inner_text().lower() == "stale"
    earlier = card.locator('[data-role="earlier"]')
    assert "edited" in earlier.inner_text() and "stopped twice" in earlier.inner_text()
    assert earlier.locator("del").first.inner_text() == "twice"
    page.goto(work.url + "progress")
    row = page.locator('tr[data-langs="en|fa"]')
    assert "stale" in page.locator(".summary").inner_text()
    assert int(row.locator("td").nth(0).inner_text()) == len(work.alignments().query("src_lang == 'en' and tgt_lang == 'fa'"))


def test_markup_in_a_document_shows_as_text(work, page):
    _notes_filter(page, work)
    card = _card(page, "A visitor asked why the web form printed")
    assert '<script>alert("x")</script>' in card.locator('[data-role="src-context"]').inner_text()
    assert '<script>alert("x")</script>' in card.locator('[data-role="tgt-context"]').inner_text()
    # Only the page's own scripts, from its own origin; none inline.
    sources = page.evaluate("Array.from(document.scripts, s => s.getAttribute('src'))")
    assert sources and all(src and src.startswith("/static/") for src in sources)
    assert page.dialogs == []


def test_pdf_side_shows_the_page_region_it_came_from(work, page):
    page.goto(work.url + "?langs=en%7Cfa&level=passage")
    crop = page.locator("img.crop").first
    crop.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=crop.element_handle())
    width, height = crop.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert 40 < width <= 1300 and 10 < height < 1700  # a region at 144 dpi, not a whole A4 page
    assert any((work.aligned / ".review-crops").glob("*.png"))  # cached for the next view
    page.screenshot(path=str(work.root / "review-page.png"))


def test_decisions_made_while_the_server_runs_reach_the_parquet_at_the_next_make_all(work):
    make_all(work)  # make's stamps for this folder
    assert "hamta align" not in make_all(work)  # nothing changed: nothing to do
    tank = _pair_with_target(work, "بازرسی بعدی مخزن")
    state = _post(work, "/api/decisions", {"pair_id": tank.pair_id, "decision": "rejected", "session": "make-test"})
    assert state["status"] == "rejected"
    # The decision sits in the store's WAL while the server keeps it open; make must see it.
    assert "hamta align" in make_all(work)
    assert work.alignments().set_index("pair_id").loc[tank.pair_id, "review_status"] == "rejected"
    assert "hamta align" not in make_all(work)
    _post(work, "/api/undo", {"session": "make-test"})
    make_all(work)
    assert work.alignments().set_index("pair_id").loc[tank.pair_id, "review_status"] == "unreviewed"


def _open_notes_document(page, work):
    page.goto(work.url + "documents")
    page.locator("tr", has_text="en-site-notes.txt").filter(has_text="fa-site-notes.txt").locator(
        "a.open-document").click()
    page.wait_for_load_state()


def _row_of(page, text):
    return page.locator(".drow[data-row]").filter(has=page.locator(".sent", has_text=text))


def _acting(page, do):
    with page.expect_navigation():
        do()
    page.wait_for_selector(".drow.current")


def test_manual_links_and_realign_are_kept_across_reruns_exported_and_marked_manual(work, page):
    _open_notes_document(page, work)
    mechanic = "The mechanic replaced its leather valve"
    # Take the aligner's link away, then link the two sentences by hand.
    _row_of(page, mechanic).click()
    _acting(page, lambda: page.get_by_role("button", name="Unlink").click())
    assert "no counterpart" in _row_of(page, mechanic).locator(".dcell.tgt").inner_text()
    page.locator(".sent", has_text=mechanic).click()
    page.locator(".sent", has_text="مکانیک دریچهٔ چرمی").click()
    _acting(page, lambda: page.keyboard.press("l"))
    assert _row_of(page, mechanic).get_attribute("data-method") == "manual"
    # Realign from the visitor's sentence on: it becomes a fixed link, the aligner redoes what follows.
    _row_of(page, "A visitor asked why the web form").click()
    _acting(page, lambda: page.get_by_role("button", name="Realign from here").click())
    assert "Realigned" in page.locator("#toast").inner_text()
    assert _row_of(page, "A visitor asked why the web form").get_attribute("data-method") == "manual"
    clerk = _row_of(page, "The clerk had pasted the page source")
    assert clerk.get_attribute("data-method").startswith("realigned-")

    make_all(work)
    rows = work.alignments().query("level == 'sentence' and src_doc_id.str.startswith('en-site-notes')")
    manual = rows[rows.src_text.str.startswith(mechanic)]
    assert list(manual.method) == ["manual"] and list(manual.review_status) == ["accepted"]
    assert "realigned-1-1" in set(rows.method)
    work.hamta("align")  # kept across re-runs
    again = work.alignments().query("level == 'sentence' and src_doc_id.str.startswith('en-site-notes')")
    assert list(again[again.src_text.str.startswith(mechanic)].method) == ["manual"]
    work.hamta(module="pipeline.export")
    root = ET.parse(work.aligned / "hamta.en-fa.tmx").getroot()
    units = {tu.get("tuid"): tu for tu in root.iter("tu")}
    assert manual.iloc[0].pair_id in units
    props = {p.get("type"): p.text for p in units[manual.iloc[0].pair_id].iter("prop")}
    assert props["x-method"] == "manual"


def test_an_edited_sentence_after_an_inserted_paragraph_comes_back_stale(work, page):
    tank = _pair_with_target(work, "بازرسی بعدی مخزن")
    _post(work, "/api/decisions", {"pair_id": tank.pair_id, "decision": "accepted", "session": "stale-test"})
    notes = work.corpus / "en-site-notes.txt"
    text = notes.read_text(encoding="utf-8")
    # A paragraph inserted near the top renumbers every passage after it, and the tank
    # sentence itself is edited.
    text = text.replace("\n\n", "\n\nThe office moved to the old school building in the spring.\n\n", 1)
    text = text.replace("the first week of autumn", "the second week of autumn")
    notes.write_text(text, encoding="utf-8")
    make_all(work)
    now = _pair_with_target(work, "بازرسی بعدی مخزن")
    assert now.pair_id != tank.pair_id and "second week" in now.src_text
    assert now.review_status == "stale"
    page.goto(work.url + "progress")
    row = page.locator('tr[data-langs="en|fa"]')
    stale = int(row.locator("td.stale").inner_text())
    assert stale == int((work.alignments().query("src_lang == 'en' and tgt_lang == 'fa'").review_status == "stale").sum())
    assert stale >= 1
    page.goto(work.url + "?" + urllib.parse.urlencode({"status": "stale", "q": "second week"}))
    earlier = page.locator(f"#pair-{now.pair_id} [data-role='earlier']")
    assert "accepted" in earlier.inner_text() and earlier.locator("ins").first.inner_text() == "second"
