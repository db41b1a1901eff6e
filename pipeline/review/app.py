"""The review web app: server-rendered pages over aligned/, decisions into reviews.sqlite.

Document text is untrusted: templates autoescape it, the page's script only ever sets
textContent, and a Content-Security-Policy forbids inline script. The server binds
127.0.0.1; requests must name that host (against DNS rebinding), and changes must come as
JSON from the page's own origin (against cross-site form posts).
"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from starlette.middleware.trustedhost import TrustedHostMiddleware

from pipeline.review import crops
from pipeline.review.pairs import (PAGE_SIZE, AlignedTables, Filters, pair_view, progress,
                                   select_pairs, statuses_and_decisions, tables_stamp)
from pipeline.review.store import (DECISIONS, STATUSES, REVIEWS_FILE, ReviewStore, ReviewStoreError,
                                   pair_text_hash, review_status)

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


class DecisionIn(BaseModel):
    pair_id: str
    decision: str  # accepted | rejected | edited
    src_text: str | None = None  # corrected texts, for "edited"
    tgt_text: str | None = None


class ReviewState:
    """The aligned tables (reloaded when `make all` rewrites them) and the reviews store."""

    def __init__(self, aligned: Path, corpus: Path):
        self.aligned, self.corpus = Path(aligned), Path(corpus)
        self.store = ReviewStore(self.aligned / REVIEWS_FILE)
        self._tables = AlignedTables.load(self.aligned)
        self._lock = threading.Lock()

    def tables(self) -> AlignedTables:
        with self._lock:
            if tables_stamp(self.aligned) != self._tables.stamp:
                self._tables = AlignedTables.load(self.aligned)
            return self._tables


def _float_or_none(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def create_app(aligned: Path, corpus: Path) -> FastAPI:
    state = ReviewState(aligned, corpus)
    app = FastAPI(title="Hamta review", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"])
    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    templates = Jinja2Templates(directory=PACKAGE / "templates")
    templates.env.autoescape = True  # every template, whatever its file name
    templates.env.globals["lang_name"] = lambda code: LANG_NAMES.get(code, code)
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

    @app.get("/", response_class=HTMLResponse)
    def review_page(request: Request, langs: str = "", docs: str = "", level: str = "", status: str = "",
                    min: str = "", max: str = "", order: str = "desc", offset: int = 0):
        tables = state.tables()
        filters = Filters(langs=langs, docs=docs, level=level if level in ("passage", "sentence") else "",
                          status=status if status in STATUSES else "",
                          min_confidence=_float_or_none(min), max_confidence=_float_or_none(max),
                          order="asc" if order == "asc" else "desc")
        statuses, decisions = statuses_and_decisions(tables.pairs, state.store.decisions())
        selected = select_pairs(tables.pairs, statuses, filters)
        offset = offset if 0 <= offset < len(selected) else 0
        shown = [pair_view(tables, tables.pairs[i], statuses[i], decisions[i])
                 for i in selected[offset:offset + PAGE_SIZE]]
        lang_pairs = sorted({f"{p['src_lang']}|{p['tgt_lang']}" for p in tables.pairs})
        doc_pairs = sorted({(p["src_doc_id"], p["tgt_doc_id"]) for p in tables.pairs})
        doc_path = {d: row.get("path") or d for d, row in tables.documents.items()}
        query = {"langs": langs, "docs": docs, "level": filters.level, "status": filters.status,
                 "min": min, "max": max, "order": filters.order}
        return templates.TemplateResponse(request, "review.html", {
            "pairs": shown, "total": len(selected), "offset": offset, "page_size": PAGE_SIZE,
            "all_pairs": len(tables.pairs), "lang_pairs": lang_pairs, "statuses": STATUSES,
            "doc_pairs": [(f"{s}|{t}", f"{doc_path.get(s, s)} ↔ {doc_path.get(t, t)}") for s, t in doc_pairs],
            "query": query, "filters": filters,
        })

    @app.get("/progress", response_class=HTMLResponse)
    def progress_page(request: Request):
        tables = state.tables()
        decisions = state.store.decisions()
        statuses, _ = statuses_and_decisions(tables.pairs, decisions)
        present = {p["pair_id"] for p in tables.pairs}
        return templates.TemplateResponse(request, "progress.html", {
            "rows": progress(tables.pairs, statuses), "total": len(tables.pairs),
            "reviewed": sum(s in DECISIONS for s in statuses), "stale": statuses.count("stale"),
            "detached": sum(pair_id not in present for pair_id in decisions),
        })

    @app.post("/api/decisions")
    def decide(body: DecisionIn):
        pair = state.tables().by_pair_id.get(body.pair_id)
        if pair is None:
            raise HTTPException(404, f"pair {body.pair_id} is not in {state.aligned}/alignments.parquet")
        src_edit = body.src_text if body.src_text not in (None, pair["src_normalized"]) else None
        tgt_edit = body.tgt_text if body.tgt_text not in (None, pair["tgt_normalized"]) else None
        decision = body.decision
        if decision == "edited" and src_edit is None and tgt_edit is None:
            decision = "accepted"  # an edit that changed nothing accepts the pair as it is
        try:
            saved = state.store.decide(body.pair_id, decision, pair_text_hash(pair["src_text"], pair["tgt_text"]),
                                       level=pair["level"], src_edit=src_edit, tgt_edit=tgt_edit)
        except ReviewStoreError as err:
            raise HTTPException(400, str(err)) from None
        return _decision_json(body.pair_id, saved, pair)

    @app.post("/api/undo")
    def undo():
        undone = state.store.undo()
        if undone is None:
            return {"pair_id": None, "message": "nothing to undo"}
        pair_id, restored = undone
        return _decision_json(pair_id, restored, state.tables().by_pair_id.get(pair_id))

    @app.get("/crop/{passage_id}.png")
    def crop(passage_id: str):
        tables = state.tables()
        passage = tables.passage_by_id.get(passage_id)
        document = tables.documents.get(passage["doc_id"]) if passage else None
        if passage is None or document is None or document.get("format") != "pdf" or passage["x0"] is None:
            raise HTTPException(404, f"no page image for passage {passage_id}")
        path = _corpus_file(state, document)
        box = (passage["x0"], passage["top"], passage["x1"], passage["bottom"])
        png = crops.cached_crop(state.aligned / crops.CROP_CACHE, path, document["sha256"], passage["page"], box)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

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

    return app


def _corpus_file(state: ReviewState, document: dict) -> Path:
    try:
        path = crops.inside(state.corpus, document.get("path") or "")
    except crops.PathRefused as err:
        raise HTTPException(403, str(err)) from None
    if not path.is_file():
        raise HTTPException(404, f"{document.get('path')}: not found in {state.corpus}")
    return path


def _decision_json(pair_id: str, decision, pair: dict | None) -> dict:
    status = review_status(decision, pair_text_hash(pair["src_text"], pair["tgt_text"])) if pair else \
        (decision.decision if decision else "unreviewed")
    return {"pair_id": pair_id, "status": status,
            "src_edit": decision.src_edit if decision else None,
            "tgt_edit": decision.tgt_edit if decision else None,
            "decided_at": decision.decided_at if decision else None}
