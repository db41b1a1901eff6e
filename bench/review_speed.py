"""Speed of the review page as a translator feels it, in headless Chromium.

    python -m bench.review_speed [--pairs 20000] [--baseline-root OTHER_CHECKOUT]

On aligned/ tables of about --pairs pairs (bench/review_tables.py: English-Persian document
pairs of 100 sentences), served by `python -m pipeline.review` of this checkout:

- first paint: time from navigation to the first contentful paint of the pairs page
  (median of 5 loads; the server has the tables loaded already);
- 100 moves: 100 presses of j and k inside the first page (49 down, 49 up, 2 down), each
  waited for until the card it moves to is the current one; and the same moves sent as
  key events inside the page, which leaves out the driver's round trips;
- a page turn: j on the last card of a page, until the next page's first card is current;
- the document view of one document pair: time to its first contentful paint.

With --baseline-root, the same is measured on another checkout's review server (say, the
main branch before a change) in the same run, on the same tables, and the ratios printed.
Results go to bench/results/review_speed.csv. This is a benchmark, not a test: the
numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import csv
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CHROMIUM = "/usr/bin/chromium"
SENTENCES_PER_DOCUMENT = 100
PAIRS_PER_DOCUMENT = 116  # sentence and paragraph pairs bench/review_tables.py makes of 100 sentences


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(root: Path, aligned: Path, corpus: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "pipeline.review", "--aligned", str(aligned),
                                "--corpus", str(corpus), "--port", str(port)],
                               cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/progress", timeout=30)
            return process, url
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"the review server of {root} did not start: {process.stderr.read().decode()[-2000:]}")


_CURRENT = "() => { const c = document.querySelector('article.pair.current'); return c ? c.id : ''; }"


def _first_paint(page, url: str) -> float:
    page.goto(url, wait_until="load")
    # The paint entry is recorded a little after it happens: wait for it.
    return page.evaluate("""() => new Promise(done => new PerformanceObserver((list, observer) => {
        const paint = list.getEntriesByName('first-contentful-paint')[0];
        if (paint) { observer.disconnect(); done(paint.startTime); }
    }).observe({type: 'paint', buffered: true}))""") / 1000


def measure(root: Path, aligned: Path, corpus: Path, document_url: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    process, url = _serve(root, aligned, corpus)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox",
                                                                                 "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _first_paint(page, url + "/")  # warm-up: fonts, caches
            paints = [_first_paint(page, url + "/") for _ in range(5)]
            page.goto(url + "/", wait_until="load")
            # 100 moves inside the first page (49 down, 49 up, 2 down), each waited for.
            ids = page.locator("article.pair").evaluate_all("cards => cards.map(c => c.id)")
            position, start = 0, time.perf_counter()
            for key in "j" * 49 + "k" * 49 + "j" * 2:
                position += 1 if key == "j" else -1
                page.keyboard.press(key)
                page.wait_for_function(f"expected => ({_CURRENT})() === expected", arg=ids[position])
            moves = time.perf_counter() - start
            # The same 100 moves as key events sent inside the page, with the layout each
            # move causes: the page's own cost, without the round trips of the driver.
            page.goto(url + "/", wait_until="load")
            in_page = page.evaluate("""() => {
                const keys = "j".repeat(49) + "k".repeat(49) + "jj";
                const start = performance.now();
                for (const key of keys) {
                    document.activeElement.dispatchEvent(new KeyboardEvent("keydown",
                        {key, code: "Key" + key.toUpperCase(), bubbles: true, cancelable: true}));
                    document.body.getBoundingClientRect();  // the layout the move causes, now
                }
                return (performance.now() - start) / 1000;
            }""")
            # j on the last card of a page turns it (not in checkouts where j stops there).
            turn = float("nan")
            if page.locator("#pairs[data-next-url]").count():
                page.goto(url + "/?order=desc#last", wait_until="load")
                first_of_next = time.perf_counter()
                page.keyboard.press("j")
                page.wait_for_url(lambda address: "after=" in address)
                page.wait_for_function("() => document.querySelector('article.pair.current') !== null")
                turn = time.perf_counter() - first_of_next
            try:
                document = [_first_paint(page, url + document_url) for _ in range(3)]
            except Exception:  # a checkout without the document view
                document = [float("nan")]
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"first_paint_s": statistics.median(paints), "moves_100_s": moves, "moves_100_in_page_s": in_page,
            "page_turn_s": turn, "document_view_paint_s": statistics.median(document)}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m bench.review_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=20_000, help="about this many pairs (default 20000)")
    parser.add_argument("--baseline-root", default=None,
                        help="another checkout whose review server is measured on the same tables")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)

    from bench.review_tables import build_tables, write_tables

    with tempfile.TemporaryDirectory(prefix="hamta-review-bench-") as tmp:
        aligned, corpus = Path(tmp) / "aligned", Path(tmp) / "corpus"
        tables = build_tables(max(1, round(args.pairs / PAIRS_PER_DOCUMENT)), SENTENCES_PER_DOCUMENT)
        write_tables(tables, aligned, corpus)
        pairs = len(tables["alignments"])
        first = tables["document_pairs"][0]
        document_url = (f"/document?src={first['src_doc_id']}&src_lang=en&tgt={first['tgt_doc_id']}&tgt_lang=fa")
        rows = []
        roots = [("this checkout", ROOT)] + ([("baseline", Path(args.baseline_root))] if args.baseline_root else [])
        for name, root in roots:
            result = measure(root, aligned, corpus, document_url)
            rows.append({"server": name, "root": str(root), "pairs": pairs, **{k: round(v, 3) for k, v in result.items()}})
            print(f"{name}: {pairs} pairs, first paint {result['first_paint_s']:.2f} s, 100 moves "
                  f"{result['moves_100_s']:.2f} s ({result['moves_100_in_page_s']:.3f} s of it in the page), "
                  f"page turn {result['page_turn_s']:.2f} s, document view {result['document_view_paint_s']:.2f} s",
                  flush=True)
    if len(rows) == 2:
        for key in ("first_paint_s", "moves_100_s", "moves_100_in_page_s"):
            print(f"{key}: baseline / this checkout = {rows[1][key] / max(rows[0][key], 1e-9):.1f}x")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "review_speed.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


if __name__ == "__main__":
    main()
