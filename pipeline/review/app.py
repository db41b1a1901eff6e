"""The review web app: server-rendered pages over aligned/, decisions into reviews.sqlite.

Document text is untrusted: templates autoescape it, the pages' scripts only ever set
textContent, and a Content-Security-Policy forbids inline script. The server binds
127.0.0.1; requests must name that host (against DNS rebinding), changes must come as
JSON from the page's own origin (against cross-site form posts), and no request body may
be larger than MAX_REQUEST_BYTES.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from starlette.middleware.trustedhost import TrustedHostMiddleware

from pipeline.normalize import reflow
from pipeline.review import crops
from pipeline.review.document import document_rows, side_sentences
from pipeline.review.pairs import (BANDS, PAGE_SIZE, RTL_LANGS, AlignedTables, Filters, band_labels, method_words,
                                   page_of, pair_view, progress, rank_order, select_pairs, select_place,
                                   statuses_and_decisions, tables_stamp, with_manual_links)
from pipeline.review.relink import (EditRefused, SidePairContext, link_changes, realign_changes, shift_changes,
                                    split_changes, unlink_changes)
from pipeline.review.store import (DECISIONS, REVIEWS_FILE, STATUSES, Change, ReviewStore, ReviewStoreError,
                                   UndoConflict, VersionConflict, make_decision, pair_text_hash, review_status)

PACKAGE = Path(__file__).resolve().parent
LANG_NAMES = {"en": "English", "fa": "Persian", "zh-Hant": "Chinese (Traditional)",
              "zh-Hans": "Chinese (Simplified)"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self'; connect-src 'self'; font-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# The largest request the server reads. The longest passage of the sample and evaluation
# corpora is under 3,000 characters (under 12 kB as UTF-8 JSON, both sides of an edit);
# 256 kB leaves room for a long table cell twenty times over, and keeps a pasted book (the
# 100 MB edit of issue 13) out of reviews.sqlite.
MAX_REQUEST_BYTES = 256 * 1024
DEFAULT_SKIP_KINDS = ("header", "footer", "page_number", "footnote", "reference", "caption", "table")


class DecisionIn(BaseModel):
    pair_id: str
    decision: str  # accepted | rejected | edited
    src_text: str | None = None  # corrected texts, for "edited"
    tgt_text: str | None = None
    version: int | None = None  # the version of the pair's decision the page showed
    session: str = ""  # the browser tab


class UndoIn(BaseModel):
    session: str = ""


class BulkIn(BaseModel):
    query: dict[str, str] = {}  # the page's filters, as in its URL
    expected: int  # how many pairs the page said it would accept
    session: str = ""


class AlignmentIn(BaseModel):
    action: str  # link | unlink | split | shift | realign
    src_doc_id: str
    src_lang: str
    tgt_doc_id: str
    tgt_lang: str
    src_ids: list[str] = []
    tgt_ids: list[str] = []
    pair_id: str = ""
    direction: str = "down"
    session: str = ""


class ReviewState:
    """The aligned tables (reloaded when `make all` rewrites them), the reviews store, and the
    pairs with the store's manual links laid over them."""

    def __init__(self, aligned: Path, corpus: Path, config=None, build: Path | None = None):
        self.aligned, self.corpus = Path(aligned), Path(corpus)
        self.build = Path(build) if build else None
        self.config = config
        self.store = ReviewStore(self.aligned / REVIEWS_FILE)
        self._tables = AlignedTables.load(self.aligned)
        self._pairs: tuple | None = None
        self._places: dict[tuple, dict] = {}
        self._lock = threading.Lock()

    def tables(self) -> AlignedTables:
        with self._lock:
            if tables_stamp(self.aligned) != self._tables.stamp:
                self._tables = AlignedTables.load(self.aligned)
            return self._tables

    def confidence(self, margin: float, similarity: float) -> float:
        from pipeline.align import confidence

        weights = self.config.align.confidence if self.config else None
        if weights is None:
            return 0.0
        return confidence(margin, similarity, weights.bias, weights.w_margin, weights.w_similarity)

    def view(self) -> tuple[AlignedTables, list[dict], dict[str, dict], list[int]]:
        """The tables, the pairs with manual links applied, those pairs by id, and their
        rank order (see pairs.rank_order), all of one moment."""
        tables, manual = self.tables(), self.store.links()
        with self._lock:
            if self._pairs is None or self._pairs[0] is not tables or self._pairs[1] != manual:
                pairs = with_manual_links(tables, manual, self.confidence)
                self._pairs = (tables, manual, pairs, {p["pair_id"]: p for p in pairs}, rank_order(pairs))
            return self._pairs[0], self._pairs[2], self._pairs[3], self._pairs[4]

    def pairs(self) -> tuple[AlignedTables, list[dict], dict[str, dict]]:
        return self.view()[:3]

    def place(self, filters: Filters) -> dict:
        """What the page shows of the part of the corpus looked at: its pairs in rank order,
        the confidence bands' labels, the spread of confidences, and the filter menus. Kept
        for the last few filters, as it changes only with the tables and manual links."""
        tables, pairs, _, order = self.view()
        key = (id(pairs), filters.langs, filters.docs, filters.level, filters.query, filters.search_in)
        with self._lock:
            if key in self._places:
                return self._places[key]
        place = select_place(pairs, filters, order)
        confidences = [pairs[i]["confidence"] for i in place]
        doc_pairs = sorted({(p["src_doc_id"], p["tgt_doc_id"]) for p in pairs})
        doc_path = {d: row.get("path") or d for d, row in tables.documents.items()}
        shown = {"place": place, "bands": band_labels(pairs, place),
                 "spread": (confidences[0], confidences[len(confidences) // 2], confidences[-1]) if place else None,
                 "lang_pairs": sorted({f"{p['src_lang']}|{p['tgt_lang']}" for p in pairs}),
                 "doc_pairs": [(f"{s}|{t}", f"{doc_path.get(s, s)} ↔ {doc_path.get(t, t)}") for s, t in doc_pairs]}
        with self._lock:
            if len(self._places) >= 32:
                self._places.pop(next(iter(self._places)))
            self._places[key] = shown
        return shown

    def skip_kinds(self) -> tuple[str, ...]:
        return tuple(self.config.align.skip_kinds) if self.config else DEFAULT_SKIP_KINDS

    def side_pair_context(self, side_pair: tuple[str, str, str, str]) -> SidePairContext:
        tables, pairs, _ = self.pairs()
        src_doc, src_lang, tgt_doc, tgt_lang = side_pair
        vectors = self._vectors(src_doc, tgt_doc)
        sides = [alignable(tables, doc, lang, self.skip_kinds(), vectors)
                 for doc, lang in ((src_doc, src_lang), (tgt_doc, tgt_lang))]
        links = [p for p in pairs if p["level"] == "sentence" and p["side_pair"] == side_pair]
        matrices = [None, None]
        if vectors is not None and all(sides):
            import numpy as np
            matrices = [np.stack([vectors[s["sentence_id"]] for s in side]) for side in sides]
        return SidePairContext(side_pair, sides[0], sides[1], links, self.store.links(), tables.keys,
                               matrices[0], matrices[1], self.config.align.k if self.config else 4)

    def _vectors(self, *doc_ids: str):
        if self.build is None:
            return None
        files = [self.build / "embed" / f"{doc}.parquet" for doc in doc_ids]
        if not all(path.exists() for path in files):
            return None
        from pipeline.manual_links import read_vectors

        return read_vectors(files)


def alignable(tables: AlignedTables, doc_id: str, lang: str, skip_kinds, vectors=None) -> list[dict]:
    """The sentences of a document the aligner works on in one language, in order: those of
    passages of that language and of an aligned kind (and with a vector, when known)."""
    rows = []
    for sentence in tables.sentences_by_doc.get(doc_id, []):
        passage = tables.passage_by_id.get(sentence["passage_id"]) or {}
        if passage.get("lang", sentence["lang"]) != lang or passage.get("kind", sentence["kind"]) in skip_kinds:
            continue
        if vectors is not None and (sentence["sentence_id"] not in vectors or sentence["passage_id"] not in vectors):
            continue
        rows.append(sentence)
    return rows


def _float_or_none(value: str | None) -> float | None:
    try:
        number = float(value.strip().replace(",", ".").replace("٫", ".")) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is None or math.isfinite(number) else None


def parse_filters(query: dict[str, str]) -> Filters:
    level = query.get("level", "")
    status = query.get("status", "")
    return Filters(langs=query.get("langs", ""), docs=query.get("docs", ""),
                   level=level if level in ("passage", "sentence") else "",
                   status=status if status in STATUSES else "",
                   min_confidence=_float_or_none(query.get("min")), max_confidence=_float_or_none(query.get("max")),
                   order="asc" if query.get("order") == "asc" else "desc",
                   query=query.get("q", "").strip(), search_in=query.get("in", ""),
                   band=query.get("band", "") if query.get("band", "") in BANDS else "")


FILTER_KEYS = ("langs", "docs", "level", "status", "q", "in", "band", "min", "max", "order")


class BodyLimit:
    """Refuses a request body larger than `limit` bytes with 413, before the app reads it."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(send, int(declared))
        body, more = b"", True
        if declared is None and scope["method"] in ("POST", "PUT", "PATCH"):
            while more:  # a body sent in chunks: counted as it comes
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > self.limit:
                    # Read on (up to a bound, keeping nothing) so the client, still sending,
                    # gets the answer instead of a reset connection.
                    size, drained = len(body), 0
                    while more and drained < 8 * self.limit:
                        message = await receive()
                        drained += len(message.get("body", b""))
                        more = message.get("more_body", False)
                    return await self._refuse(send, size + drained)
            replayed = False

            async def replay():
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            return await self.app(scope, replay, send)
        return await self.app(scope, receive, send)

    async def _refuse(self, send, size: int):
        message = (f"request of {size:,} bytes refused: the review server takes at most "
                   f"{self.limit // 1024} kB (an edit is one sentence or paragraph)")
        payload = json.dumps({"error": message, "detail": message}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                                *((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items())]})
        await send({"type": "http.response.body", "body": payload})


def create_app(aligned: Path, corpus: Path, config=None, build: Path | None = None) -> FastAPI:
    state = ReviewState(aligned, corpus, config, build)
    app = FastAPI(title="Hamta review", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"])
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    templates = Jinja2Templates(directory=PACKAGE / "templates")
    templates.env.autoescape = True  # every template, whatever its file name
    templates.env.globals["lang_name"] = lambda code: LANG_NAMES.get(code, code)
    templates.env.globals["method_words"] = method_words
    templates.env.globals["rtl"] = lambda lang: lang in RTL_LANGS
    templates.env.filters["reflow"] = reflow  # a sentence without the page's line breaks
    templates.env.filters["num"] = lambda value, digits=3: "–" if value is None or (
        isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"
    app.state.review = state

    @app.middleware("http")
    async def security(request: Request, call_next):
        if request.method == "POST":
            origin = request.headers.get("origin")
            if origin is not None and origin != f"http://{request.headers.get('host', '')}":
                return JSONResponse({"error": "cross-origin request refused"}, status_code=403)
            if not request.headers.get("content-type", "").startswith("application/json"):
                return JSONResponse({"error": "expected application/json"}, status_code=415)
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def doc_path(tables, doc_id):
        return (tables.documents.get(doc_id) or {}).get("path") or doc_id

    @app.get("/", response_class=HTMLResponse)
    def review_page(request: Request, after: str = "", before: str = ""):
        tables, pairs, _, order = state.view()
        params = {k: request.query_params.get(k, "") for k in FILTER_KEYS}
        filters = parse_filters(params)
        decisions = state.store.decisions()
        versions = state.store.versions()
        statuses, matched = statuses_and_decisions(pairs, decisions)
        shown_place = state.place(filters)
        selection = select_pairs(pairs, statuses, filters, order, shown_place["place"])
        start, end = page_of(pairs, selection.indexes, filters.order, after, before)
        shown_indexes = selection.indexes[start:end]
        shown = [pair_view(tables, pairs[i], statuses[i], matched[i], versions.get(pairs[i]["pair_id"], 0))
                 for i in shown_indexes]
        query = {k: v for k, v in params.items() if v}
        base = urlencode(query)
        next_url = f"/?{base}&after={pairs[shown_indexes[-1]]['pair_id']}" if end < len(selection.indexes) else ""
        prev_url = f"/?{base}&before={pairs[shown_indexes[0]]['pair_id']}" if start > 0 and shown_indexes else ""
        return templates.TemplateResponse(request, "review.html", {
            "pairs": shown, "total": len(selection.indexes), "start": start, "end": end, "page_size": PAGE_SIZE,
            "all_pairs": len(pairs), "lang_pairs": shown_place["lang_pairs"], "statuses": STATUSES,
            "doc_pairs": shown_place["doc_pairs"],
            "query": params, "filters": filters, "next_url": next_url, "prev_url": prev_url,
            "bands": shown_place["bands"], "spread": shown_place["spread"],
            "unreviewed": sum(statuses[i] == "unreviewed" for i in selection.indexes),
            "active": "review",
        })

    @app.get("/progress", response_class=HTMLResponse)
    def progress_page(request: Request):
        tables, pairs, _ = state.pairs()
        decisions = state.store.decisions()
        statuses, matched = statuses_and_decisions(pairs, decisions)
        used = {d.pair_id for d in matched if d is not None}
        return templates.TemplateResponse(request, "progress.html", {
            "rows": progress(pairs, statuses), "total": len(pairs),
            "reviewed": sum(s in DECISIONS for s in statuses), "stale": statuses.count("stale"),
            "detached": sum(pair_id not in used for pair_id in decisions),
            "manual": sum(p["method"] == "manual" for p in pairs), "active": "progress",
        })

    @app.get("/documents", response_class=HTMLResponse)
    def documents_page(request: Request):
        tables, pairs, _ = state.pairs()
        statuses, _ = statuses_and_decisions(pairs, state.store.decisions())
        counts: dict[tuple, dict] = {}
        for pair, status in zip(pairs, statuses):
            row = counts.setdefault(pair["side_pair"], {"sentences": 0, "passages": 0, "reviewed": 0})
            row["sentences" if pair["level"] == "sentence" else "passages"] += 1
            row["reviewed"] += status in DECISIONS
        listed = []
        seen = set()
        for row in tables.document_pairs:
            side_pair = (row["src_doc_id"], row["src_lang"], row["tgt_doc_id"], row["tgt_lang"])
            seen.add(side_pair)
            listed.append((side_pair, row.get("relation", ""), row.get("score")))
        listed += [(side_pair, "", None) for side_pair in sorted(counts) if side_pair not in seen]
        rows = []
        for side_pair, relation, score in listed:
            src_doc, src_lang, tgt_doc, tgt_lang = side_pair
            count = counts.get(side_pair, {"sentences": 0, "passages": 0, "reviewed": 0})
            rows.append({"src_path": doc_path(tables, src_doc), "tgt_path": doc_path(tables, tgt_doc),
                         "src_lang": src_lang, "tgt_lang": tgt_lang, "relation": relation, "score": score,
                         **count, "url": "/document?" + urlencode({"src": src_doc, "src_lang": src_lang,
                                                                   "tgt": tgt_doc, "tgt_lang": tgt_lang})})
        return templates.TemplateResponse(request, "documents.html", {"rows": rows, "active": "documents"})

    @app.get("/document", response_class=HTMLResponse)
    def document_page(request: Request, src: str, src_lang: str, tgt: str, tgt_lang: str):
        tables, pairs, _ = state.pairs()
        if src not in tables.documents or tgt not in tables.documents:
            raise HTTPException(404, f"no document {src if src not in tables.documents else tgt} "
                                     f"in {state.aligned}/documents.parquet")
        side_pair = (src, src_lang, tgt, tgt_lang)
        links = [p for p in pairs if p["level"] == "sentence" and p["side_pair"] == side_pair]
        decisions = state.store.decisions()
        statuses, matched = statuses_and_decisions(links, decisions)
        status_of = {p["pair_id"]: s for p, s in zip(links, statuses)}
        src_rows = side_sentences(tables.sentences_by_doc.get(src, []), tables.passage_by_id, src_lang)
        tgt_rows = side_sentences(tables.sentences_by_doc.get(tgt, []), tables.passage_by_id, tgt_lang)
        rows = document_rows(src_rows, tgt_rows, links)
        skip = set(state.skip_kinds())
        kind_of = {p_id: p["kind"] for p_id, p in tables.passage_by_id.items()}
        # Running heads, footnotes and the like are shown, but are not aligned by design:
        # alone, they are no omission.
        not_aligned = {n: kind_of.get((r.src + r.tgt)[0]["passage_id"]) for n, r in enumerate(rows)
                       if not r.pair and all(kind_of.get(s["passage_id"]) in skip for s in r.src + r.tgt)}
        return templates.TemplateResponse(request, "document.html", {
            "rows": rows, "status_of": status_of, "side_pair": side_pair, "skip": skip, "kind_of": kind_of,
            "src_path": doc_path(tables, src), "tgt_path": doc_path(tables, tgt),
            "src_lang": src_lang, "tgt_lang": tgt_lang,
            "src_count": len(src_rows), "tgt_count": len(tgt_rows),
            "not_aligned": not_aligned,
            "alone_src": sum(1 for n, r in enumerate(rows) if r.src and not r.tgt and n not in not_aligned),
            "alone_tgt": sum(1 for n, r in enumerate(rows) if r.tgt and not r.src and n not in not_aligned),
            "linked": sum(1 for r in rows if r.pair), "realign": state.build is not None, "active": "documents",
        })

    @app.post("/api/decisions")
    def decide(body: DecisionIn):
        _, _, by_id = state.pairs()
        pair = by_id.get(body.pair_id)
        if pair is None:
            raise HTTPException(404, f"pair {body.pair_id} is not in {state.aligned}/alignments.parquet "
                                     "(a new run may have replaced it: reload the page)")
        src_edit = body.src_text if body.src_text not in (None, pair["src_normalized"]) else None
        tgt_edit = body.tgt_text if body.tgt_text not in (None, pair["tgt_normalized"]) else None
        if body.decision == "edited" and src_edit is None and tgt_edit is None:
            raise HTTPException(400, "the edit changes nothing: nothing was saved (press a to accept the pair as it is)")
        try:
            saved = make_decision(body.pair_id, body.decision, pair["text_hash"], pair["level"], src_edit, tgt_edit,
                                  seen=_seen(pair))
            expected = None if body.version is None else {body.pair_id: body.version}
            state.store.apply([Change("decisions", body.pair_id, saved)], session=body.session,
                              expected_versions=expected)
        except VersionConflict as err:
            return JSONResponse({"error": str(err), "detail": str(err), "conflict": True,
                                 **_decision_json(body.pair_id, err.current, pair, err.version)}, status_code=409)
        except ReviewStoreError as err:
            raise HTTPException(400, str(err)) from None
        return _decision_json(body.pair_id, saved, pair, state.store.versions().get(body.pair_id, 0))

    @app.post("/api/undo")
    def undo(body: UndoIn):
        try:
            undone = state.store.undo(body.session)
        except UndoConflict as err:
            return JSONResponse({"error": str(err), "detail": str(err), "conflict": True}, status_code=409)
        if undone is None:
            return {"changes": [], "message": "nothing to undo in this tab"}
        _, _, by_id = state.pairs()
        versions = state.store.versions()
        changes = [_decision_json(c.key, c.row, by_id.get(c.key), versions.get(c.key, 0))
                   for c in undone if c.table == "decisions"]
        return {"changes": changes, "alignment": any(c.table == "links" for c in undone),
                "message": f"undone: {len(undone)} change(s)"}

    @app.post("/api/bulk")
    def bulk_accept(body: BulkIn):
        _, pairs, _, order = state.view()
        filters = parse_filters({k: str(v) for k, v in body.query.items() if k in FILTER_KEYS})
        statuses, _ = statuses_and_decisions(pairs, state.store.decisions())
        chosen = [i for i in select_pairs(pairs, statuses, filters, order).indexes
                  if statuses[i] == "unreviewed"]
        if len(chosen) != body.expected:
            message = (f"the filter now holds {len(chosen)} unreviewed pairs, not {body.expected} "
                       "(another tab or a new run changed them): nothing was accepted, reload the page")
            return JSONResponse({"error": message, "detail": message, "conflict": True}, status_code=409)
        changes = [Change("decisions", pairs[i]["pair_id"], make_decision(
            pairs[i]["pair_id"], "accepted", pairs[i]["text_hash"], pairs[i]["level"], seen=_seen(pairs[i])))
            for i in chosen]
        versions = state.store.versions()
        try:
            state.store.apply(changes, session=body.session,
                              expected_versions={pairs[i]["pair_id"]: versions.get(pairs[i]["pair_id"], 0)
                                                 for i in chosen})
        except VersionConflict as err:
            return JSONResponse({"error": str(err), "detail": str(err), "conflict": True}, status_code=409)
        return {"accepted": len(chosen)}

    @app.post("/api/alignment")
    def edit_alignment(body: AlignmentIn):
        side_pair = (body.src_doc_id, body.src_lang, body.tgt_doc_id, body.tgt_lang)
        tables, _, _ = state.pairs()
        if body.src_doc_id not in tables.documents or body.tgt_doc_id not in tables.documents:
            raise HTTPException(404, "no such document pair in this run (reload the page)")
        context = state.side_pair_context(side_pair)
        realigned = None
        try:
            if body.action == "link":
                changes = link_changes(context, body.src_ids, body.tgt_ids)
            elif body.action == "unlink":
                changes = unlink_changes(context, body.pair_id)
            elif body.action == "split":
                changes = split_changes(context, body.pair_id)
            elif body.action == "shift":
                changes = shift_changes(context, body.pair_id, "up" if body.direction == "up" else "down")
            elif body.action == "realign":
                if state.config is None:
                    raise EditRefused("realigning needs the config (start with `make review`)")
                changes, realigned = realign_changes(context, body.pair_id, state.config.align)
            else:
                raise EditRefused(f"unknown action {body.action!r} (link, unlink, split, shift or realign)")
        except EditRefused as err:
            raise HTTPException(400, str(err)) from None
        state.store.apply(changes, session=body.session)
        made = [c.key for c in changes if c.table == "links" and c.row is not None and c.row.kind == "link"]
        return {"changed": len(changes), "pair_ids": made, "realigned": realigned}

    @app.get("/crop/{passage_id}.png")
    def crop(passage_id: str, region: int | None = None):
        tables = state.tables()
        passage = tables.passage_by_id.get(passage_id)
        document = tables.documents.get(passage["doc_id"]) if passage else None
        if passage is None or document is None or document.get("format") != "pdf":
            raise HTTPException(404, f"no page image for passage {passage_id}")
        if region is not None:
            regions = passage.get("regions") or []
            if not 0 <= region < len(regions):
                raise HTTPException(404, f"passage {passage_id} has no region {region}")
            area = regions[region]
        else:
            area = passage
        if any(area.get(k) is None for k in ("x0", "top", "x1", "bottom", "page")):
            raise HTTPException(404, f"no page image for passage {passage_id}")
        path = _corpus_file(state, document)
        box = (area["x0"], area["top"], area["x1"], area["bottom"])
        png = crops.cached_crop(state.aligned / crops.CROP_CACHE, path, document["sha256"], int(area["page"]), box)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    @app.get("/favicon.ico")
    def favicon():
        return Response(status_code=204)

    @app.get("/file/{doc_id}")
    def original_file(doc_id: str):
        document = state.tables().documents.get(doc_id)
        if document is None:
            raise HTTPException(404, f"no document {doc_id}")
        path = _corpus_file(state, document)
        if document.get("format") == "pdf":
            return FileResponse(path, media_type="application/pdf", content_disposition_type="inline")
        # HTML from the corpus must never run in this origin: it is shown as plain text.
        return FileResponse(path, media_type="text/plain; charset=utf-8",
                            headers={"Content-Security-Policy": "sandbox; default-src 'none'"})

    return BodyLimit(app, MAX_REQUEST_BYTES)


def _seen(pair: dict) -> dict:
    return {"src_text": pair["src_text"], "tgt_text": pair["tgt_text"],
            "src_doc_id": pair["src_doc_id"], "tgt_doc_id": pair["tgt_doc_id"]}


def _corpus_file(state: ReviewState, document: dict) -> Path:
    try:
        path = crops.inside(state.corpus, document.get("path") or "")
    except crops.PathRefused as err:
        raise HTTPException(403, str(err)) from None
    if not path.is_file():
        raise HTTPException(404, f"{document.get('path')}: not found in {state.corpus}")
    return path


def _decision_json(pair_id: str, decision, pair: dict | None, version: int) -> dict:
    status = review_status(decision, pair_text_hash(pair["src_text"], pair["tgt_text"])) if pair else \
        (decision.decision if decision else "unreviewed")
    return {"pair_id": pair_id, "status": status, "version": version,
            "src_edit": decision.src_edit if decision else None,
            "tgt_edit": decision.tgt_edit if decision else None,
            "decided_at": decision.decided_at if decision else None}
