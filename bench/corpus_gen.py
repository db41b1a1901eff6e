"""A corpus of short multi-language papers for the whole-pipeline benchmark, from our own writing.

    python -m bench.corpus_gen --docs 500 --out build/bench-corpus-500

Documents come in groups of four, one per language (en, fa, zh-Hant, zh-Hans), that
translate each other: a title and two paragraphs from the parallel text bank
(scripts/corpus_sources), and a "field notes" paragraph of sentences written from templates
in each language, whose numbers differ in every group, so every group's texts are new to
the embedding cache, as a real corpus's are. Headless Chromium prints the PDFs (one browser
for all documents), from the same HTML layout as the sample corpus's Chromium papers.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
LANGS = ("en", "fa", "zh-Hant", "zh-Hans")

# Field-note templates, our own writing: {site} {year} {count} {share} {days} vary per group.
NOTES = [
    {"en": "At site {site} the survey team counted {count} households that still draw water from the old channel.",
     "fa": "گروه پیمایش در محوطهٔ {site} شمار {count} خانوار را ثبت کرد که هنوز از کانال قدیمی آب برمی‌دارند.",
     "zh-Hant": "調查隊在第{site}號地點統計到{count}戶仍從舊水渠取水的人家。"},
    {"en": "Records from {year} show that the village paid {share} percent of its harvest as a water fee.",
     "fa": "اسناد سال {year} نشان می‌دهد که روستا {share} درصد از محصول خود را بابت حق‌آبه پرداخت می‌کرد.",
     "zh-Hant": "{year}年的紀錄顯示，該村以收成的百分之{share}繳納水費。"},
    {"en": "Repairs after the spring flood took {days} days and involved every family of the quarter.",
     "fa": "تعمیرات پس از سیل بهاری {days} روز طول کشید و همهٔ خانواده‌های محله در آن شرکت داشتند.",
     "zh-Hant": "春季洪水過後的修繕工作歷時{days}天，全區每戶人家都參與其中。"},
    {"en": "The oldest resident we interviewed at site {site} remembered the channel being rebuilt in {year}.",
     "fa": "سالخورده‌ترین ساکنی که در محوطهٔ {site} با او گفت‌وگو کردیم به یاد داشت که کانال در سال {year} بازسازی شد.",
     "zh-Hant": "我們在第{site}號地點訪問的最年長居民記得，水渠曾於{year}年重建。"},
    {"en": "Of the {count} wells listed in the register, only {share} are still in use today.",
     "fa": "از {count} چاهی که در دفتر ثبت شده، امروز تنها {share} چاه هنوز استفاده می‌شود.",
     "zh-Hant": "登記冊所列的{count}口井中，如今仍在使用的只有{share}口。"},
    {"en": "A second visit {days} days later confirmed the figures given by the water master.",
     "fa": "بازدید دوم {days} روز بعد، ارقامی را که میراب گفته بود تأیید کرد.",
     "zh-Hant": "{days}天後的第二次走訪證實了水官所提供的數字。"},
]
FIELD_NOTES_TITLE = {"en": "Field notes", "fa": "یادداشت‌های میدانی", "zh-Hant": "田野筆記"}


def _spec():
    sys.path.insert(0, str(SCRIPTS))
    import corpus_spec

    return corpus_spec


def persian_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def compose(count: int) -> list:
    """count documents (groups of four translations) as ComposedDocuments."""
    spec = _spec()
    banks = sorted((SCRIPTS / "corpus_sources" / "bank").glob("*.yaml")) + \
        sorted((SCRIPTS / "corpus_sources" / "eval" / "bank").glob("*.yaml"))
    bank = spec.load_bank(banks)
    def complete(texts: dict) -> bool:
        return {"en", "fa", "zh-Hant"} <= set(texts)

    paragraphs = [u for u in bank.values() if u.kind == "paragraph" and len(u.sentences) >= 2
                  and all(complete(s.texts) for s in u.sentences)]
    titles = [u for u in bank.values() if u.kind == "title" and complete(u.texts)]
    documents = []
    for k in range(count):
        group, lang = divmod(k, len(LANGS))
        lang = LANGS[lang]
        source = "zh-Hant" if lang == "zh-Hans" else lang

        def text(texts: dict) -> str:
            value = texts.get(lang) or texts[source]
            return spec.to_simplified(value) if lang == "zh-Hans" and lang not in texts else value

        numbers = {"site": 3 + group * 7 % 97, "year": 1890 + group % 120, "count": 12 + group * 13 % 400,
                   "share": 5 + group % 40, "days": 2 + group % 30}
        blocks = [spec.ComposedBlock("title", lang, [spec.Piece(text(titles[group % len(titles)].texts))])]
        for unit in (paragraphs[(2 * group) % len(paragraphs)], paragraphs[(2 * group + 1) % len(paragraphs)]):
            pieces = [spec.Piece(text(s.texts), (s.id,)) for s in unit.sentences]
            blocks.append(spec.ComposedBlock("paragraph", lang, pieces, from_bank=True))
        blocks.append(spec.ComposedBlock("heading", lang, [spec.Piece(text(FIELD_NOTES_TITLE))]))
        notes = []
        for n, template in enumerate(NOTES):
            sentence = text(template).format(**numbers)
            notes.append(spec.Piece(persian_digits(sentence) if lang == "fa" else sentence, (f"note{group}.{n}",)))
        blocks.append(spec.ComposedBlock("paragraph", lang, notes, from_bank=True))
        documents.append(spec.ComposedDocument(file=f"g{group:04d}-{lang}.pdf", lang=lang, layout="chromium",
                                               blocks=blocks, page_numbers=True))
    return documents


def generator_key(count: int) -> str:
    """Changes when this generator, the bank or the layout code changes."""
    digest = hashlib.sha256(str(count).encode())
    for path in [Path(__file__), SCRIPTS / "layout_html.py", SCRIPTS / "corpus_spec.py",
                 *sorted((SCRIPTS / "corpus_sources").rglob("*.yaml"))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def render(documents: list, out: Path) -> None:
    """Every document to out/<file>, printed by one headless Chromium (through Playwright,
    which drives Debian's /usr/bin/chromium), as scripts/render.py prints the sample corpus."""
    sys.path.insert(0, str(SCRIPTS))
    from layout_html import print_html
    from playwright.sync_api import sync_playwright
    from render import CHROMIUM_CANDIDATES, _find_program, fix_pdf_dates

    chromium = _find_program(CHROMIUM_CANDIDATES, "Chromium")
    out.mkdir(parents=True, exist_ok=True)
    todo = [d for d in documents if not (out / d.file).exists()]
    if not todo:
        return
    with tempfile.TemporaryDirectory(prefix="hamta-bench-chromium-") as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        for done, doc in enumerate(todo, 1):
            source = Path(tmp) / f"{Path(doc.file).stem}.html"
            source.write_text(print_html(doc), encoding="utf-8")
            page.goto(source.as_uri())
            pdf = page.pdf(prefer_css_page_size=True, display_header_footer=False, print_background=True)
            temp = out / f".{doc.file}.tmp"
            temp.write_bytes(fix_pdf_dates(pdf))
            os.replace(temp, out / doc.file)
            if done % 50 == 0 or done == len(todo):
                print(f"bench corpus: {done}/{len(todo)} PDFs printed", file=sys.stderr)
        browser.close()


def generated_corpus(count: int, parent: Path = ROOT / "build" / "bench-corpus") -> Path:
    """The corpus of count PDFs, rendered once and kept (keyed by the generator's inputs)."""
    folder = parent / f"{count}-{generator_key(count)}"
    documents = compose(count)
    if not all((folder / d.file).exists() for d in documents):
        render(documents, folder)
    for stale in parent.glob(f"{count}-*"):
        if stale != folder:
            shutil.rmtree(stale, ignore_errors=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus_gen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--out", type=Path, help="folder for the PDFs (default: build/bench-corpus/<n>-<key>)")
    args = parser.parse_args(argv)
    if args.out:
        render(compose(args.docs), args.out)
        print(args.out)
    else:
        print(generated_corpus(args.docs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
