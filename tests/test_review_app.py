"""The review server without a browser: what it refuses, and the crops it renders.

The aligned/ tables are written by hand following docs/schema.md; the server runs as
`python -m pipeline.review` does, on 127.0.0.1.
"""

import json
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from pipeline import output
from pipeline.review.store import ReviewStore
from pipeline.storage import write_rows
from conftest import free_port, review_server
from test_export import alignment_row

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "tests" / "fixtures" / "fa_chromium.pdf"


def _passage(doc, index, text, start, box=(None, None, None, None)):
    x0, top, x1, bottom = box
    return {"doc_id": doc, "passage_id": f"{doc}:p{index:04d}", "index": index, "page": 1, "kind": "paragraph",
            "lang": "en", "lang_prob": 1.0, "run": 0, "script": "latin", "text": text, "normalized": text,
            "pivot": text, "char_start": start, "char_end": start + len(text), "x0": x0, "top": top, "x1": x1,
            "bottom": bottom}


def _sentence(doc, text):
    return {"doc_id": doc, "sentence_id": f"{doc}:p0000:s000", "passage_id": f"{doc}:p0000", "index": 0, "page": 1,
            "kind": "paragraph", "lang": "en", "text": text, "normalized": text, "pivot": text, "char_start": 0,
            "char_end": len(text)}


def _document(doc, path, fmt):
    return {"doc_id": doc, "path": path, "format": fmt, "sha256": "0" * 64, "page_count": 1, "lang": "en",
            "langs": ["en"], "passage_count": 1, "sentence_count": 1, "char_count": 10, "status": "ok", "problem": None}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("app")
    corpus, aligned = root / "corpus", root / "aligned"
    corpus.mkdir()
    (corpus / "paper.pdf").write_bytes(PDF.read_bytes())
    (corpus / "page.html").write_text("<script>alert(1)</script><p>hi</p>", encoding="utf-8")
    (root / "secret.pdf").write_bytes(PDF.read_bytes())  # beside the corpus, not in it
    text = 'Quoted <img src=x onerror="alert(1)"> in a\nparagraph.'
    write_rows([_passage("paper", 0, text, 0, (72.0, 72.0, 300.0, 120.0)),
                _passage("escape", 0, "Outside.", 0, (72.0, 72.0, 300.0, 120.0)),
                _passage("web", 0, "Web page.", 0)], aligned / "passages.parquet", schema=output.PASSAGES)
    write_rows([_sentence("paper", text), _sentence("escape", "Outside."), _sentence("web", "Web page.")],
               aligned / "sentences.parquet", schema=output.SENTENCES)
    write_rows([_document("paper", "paper.pdf", "pdf"), _document("escape", "../secret.pdf", "pdf"),
                _document("web", "page.html", "html")], aligned / "documents.parquet", schema=output.DOCUMENTS)
    row = alignment_row("pair-1", "en", "fa", text, "نقل‌قول در یک بند.", 0.8, src_doc="paper", tgt_doc="web")
    row["src_passage_id"], row["tgt_passage_id"] = "paper:p0000", "web:p0000"
    write_rows([row], aligned / "alignments.parquet", schema=output.ALIGNMENTS)
    port = free_port()
    with review_server(port, "--aligned", str(aligned), "--corpus", str(corpus), "--port", str(port)) as url:
        yield url, aligned


def _get(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def _post(url, body, content_type="application/json", headers=None):
    request = urllib.request.Request(url, data=body.encode(), method="POST",
                                     headers={"Content-Type": content_type, **(headers or {})})
    return _get_request(request)


def _get_request(request):
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_document_text_is_escaped_and_script_is_forbidden_inline(server):
    url, _ = server
    status, headers, body = _get(url + "/")
    page = body.decode()
    assert status == 200
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page and "<img src=x" not in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_context_is_shown_without_the_page_layouts_line_breaks(server):
    url, _ = server
    page = _get(url + "/")[2].decode()
    context = re.search(r'data-role="src-context">(.*?)</p>', page, re.S)[1]
    assert "&gt; in a paragraph." in context and "\n" not in context


def test_files_outside_the_corpus_are_refused(server):
    url, _ = server
    assert _get(url + "/crop/escape:p0000.png")[0] == 403
    assert _get(url + "/file/escape")[0] == 403
    assert _get(url + "/file/paper")[1]["Content-Type"] == "application/pdf"
    # A corpus HTML page is served as plain text, so its script never runs here.
    status, headers, _ = _get(url + "/file/web")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")


def test_crop_is_the_passage_region_and_is_cached(server, tmp_path):
    url, aligned = server
    status, headers, png = _get(url + "/crop/paper:p0000.png")
    assert status == 200 and headers["Content-Type"] == "image/png"
    path = tmp_path / "crop.png"
    path.write_bytes(png)
    # (300 - 72 + 2 x 6 points padding) x 2 = 480 px wide; (120 - 72 + 12) x 2 = 120 px high.
    assert Image.open(path).size == (480, 120)
    assert len(list((aligned / ".review-crops").glob("*.png"))) == 1
    assert _get(url + "/crop/web:p0000.png")[0] == 404  # HTML has no page image


def test_requests_for_other_hosts_and_cross_site_posts_are_refused(server):
    url, aligned = server
    assert _get(url + "/", {"Host": "attacker.example"})[0] == 400
    decision = json.dumps({"pair_id": "pair-1", "decision": "accepted"})
    assert _post(url + "/api/decisions", decision, headers={"Origin": "http://attacker.example"})[0] == 403
    assert _post(url + "/api/decisions", decision, content_type="text/plain")[0] == 415
    assert _post(url + "/api/decisions", json.dumps({"pair_id": "nope", "decision": "accepted"}))[0] == 404
    status, body = _post(url + "/api/decisions", decision, headers={"Origin": url})
    assert status == 200 and json.loads(body)["status"] == "accepted"
    assert _post(url + "/api/undo", "{}")[0] == 200


def _raw_post(url, head: str, body: bytes = b"") -> tuple[int, str]:
    """A POST written to the socket by hand: the status and body of the answer."""
    with socket.create_connection(url.removeprefix("http://").split(":"), timeout=10) as sock:
        sock.sendall(f"POST /api/decisions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     f"Content-Type: application/json\r\n{head}\r\n".encode() + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, text = answer.decode("utf-8", "replace").partition("\r\n\r\n")
    return int(head.split()[1]), text


def test_a_request_too_large_is_refused_with_a_clear_message(server):
    url, aligned = server
    # A 100 MB edit is refused on its declared length, before a byte of it is read.
    status, text = _raw_post(url, "Content-Length: 100000000\r\n")
    assert status == 413 and "at most 256 kB" in json.loads(text)["error"]
    # Sent in chunks, without a declared length, it is counted as it comes.
    edit = json.dumps({"pair_id": "pair-1", "decision": "edited", "tgt_text": "آ" * 140_000}).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(edit[i:i + 8192]), edit[i:i + 8192]) for i in range(0, len(edit), 8192))
    status, text = _raw_post(url, "Transfer-Encoding: chunked\r\n", chunked + b"0\r\n\r\n")
    assert status == 413 and "refused" in json.loads(text)["error"]
    store = ReviewStore(aligned / "reviews.sqlite")
    assert all(len(d.tgt_edit or "") < 1000 for d in store.decisions().values())
    store.close()


def test_an_edit_that_changes_nothing_is_not_recorded(server):
    url, aligned = server
    unchanged = json.dumps({"pair_id": "pair-1", "decision": "edited", "src_text": None,
                            "tgt_text": "نقل‌قول در یک بند."})
    status, body = _post(url + "/api/decisions", unchanged)
    assert status == 400 and "changes nothing" in json.loads(body)["detail"]


def test_a_decision_on_a_version_another_tab_replaced_is_refused(server):
    url, _ = server
    first = json.loads(_post(url + "/api/decisions", json.dumps({"pair_id": "pair-1", "decision": "rejected",
                                                                 "session": "tab-a"}))[1])
    status, body = _post(url + "/api/decisions", json.dumps({"pair_id": "pair-1", "decision": "accepted",
                                                              "version": first["version"] - 1, "session": "tab-b"}))
    answer = json.loads(body)
    assert status == 409 and answer["conflict"] and answer["status"] == "rejected" and "another tab" in answer["error"]
    status, body = _post(url + "/api/decisions", json.dumps({"pair_id": "pair-1", "decision": "accepted",
                                                              "version": answer["version"], "session": "tab-b"}))
    assert status == 200 and json.loads(body)["status"] == "accepted"


def test_bulk_accept_refuses_when_the_filter_holds_other_pairs_than_the_page_said(server):
    url, _ = server
    status, body = _post(url + "/api/bulk", json.dumps({"query": {"q": "nothing matches this"}, "expected": 3}))
    assert status == 409 and "holds 0 unreviewed pairs, not 3" in json.loads(body)["error"]
