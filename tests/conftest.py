"""Shared fixtures: the bad-input zoo (tests/zoo/make_zoo.py) and one reference run of
`make all` on it, which test_zoo.py checks and test_reliability.py compares other runs with."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "zoo"))

from make_zoo import make_zoo  # noqa: E402

# The same examples on every run, so a red CI run can be reproduced and debugged;
# HYPOTHESIS_PROFILE=explore searches further and at random.
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.register_profile("explore", max_examples=600, derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# CI installs every system tool (`make system-deps` in .ci/run): a test that needs one runs
# there, and fails if the tool is missing. A developer without the tool gets a skip that
# names the command installing it.
IN_CI = os.environ.get("CI", "").lower() == "true"
SYSTEM_DEPS = "sudo make system-deps"


def tesseract_languages() -> set[str]:
    if shutil.which("tesseract") is None:
        return set()
    done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)
    return set(done.stdout.split()[1:]) if done.returncode == 0 else set()


def needs_tool(present: bool, what: str, install: str = f"run `{SYSTEM_DEPS}`"):
    """A mark for a test that needs a system tool: skipped with the command that installs it
    where the tool is missing, except in CI, where it runs (and fails without the tool)."""
    return pytest.mark.skipif(not present and not IN_CI, reason=f"{what} not installed: {install}")


CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium as this machine can run it (no sandbox as root, no network behind it).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
needs_chromium = needs_tool(os.path.exists(CHROMIUM), CHROMIUM,
                            f"run `{SYSTEM_DEPS}` (or `apt-get install chromium`)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, attempts: int = 300) -> None:
    """Wait for a server just started to answer (its start-up reads the aligned tables)."""
    for _ in range(attempts):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.1)


@contextmanager
def review_server(port: int, *args: str):
    """`python -m pipeline.review ARGS` serving on `port`; yields its address, once it answers.
    `port` must be the one the server binds (--port or the config's review.port)."""
    process = subprocess.Popen([sys.executable, "-m", "pipeline.review", *args], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        assert url in process.stdout.readline()  # it prints its address first
        wait_until_serving(url + "/progress")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


needs_tesseract = needs_tool(
    {"eng", "fas"} <= tesseract_languages(), "Tesseract with English and Persian data",
    f"run `{SYSTEM_DEPS}` (or `apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-fas`)")


# The extraction tests on our own Chromium renders (tests/fixtures/*_chromium.pdf) read the
# body text of a page the same way: passages as words after reflow.
BODY_KINDS = ("title", "heading", "paragraph")


def rendered_blocks(name: str) -> list:
    from pipeline.config import ExtractSettings
    from pipeline.extract import extract_file

    return extract_file(ROOT / "tests" / "fixtures" / name, ExtractSettings()).blocks


def reflowed_words(text: str) -> str:
    from pipeline.normalize import reflow

    return " ".join(reflow(text).split())


def body_passages(blocks, page: int | None = None) -> list[str]:
    return [reflowed_words(b.text) for b in blocks if b.kind in BODY_KINDS and (page is None or b.page == page)]


@dataclass
class Run:
    corpus: Path
    build: Path
    aligned: Path
    cache: Path
    returncode: int
    stderr: str


def comparable(value):
    """A row value with NaN made equal to itself, also inside lists and structs: an HTML or
    text passage has no box, in its columns and in its regions."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return None if isinstance(value, float) and value != value else value


def hamta_env() -> dict:
    return dict(os.environ, PYTHONUNBUFFERED="1")


def message_lines(stderr: str) -> list[str]:
    """Hamta's own lines of a run's stderr (progress bars redraw with carriage returns)."""
    return [line.strip() for line in stderr.replace("\r", "\n").split("\n")
            if line.strip().startswith("hamta")]


def make_all(corpus: Path, out: Path, cache: Path, config: str = "configs/default.yaml",
             **popen) -> subprocess.CompletedProcess | subprocess.Popen:
    """`make all` with every output under out (and the embedding cache in cache)."""
    command = ["make", "--no-print-directory", "all", f"CORPUS={corpus}", f"CONFIG={config}",
               f"BUILD={out / 'build'}", f"ALIGNED={out / 'aligned'}", f"CACHE={cache}"]
    if popen:
        return subprocess.Popen(command, cwd=ROOT, env=hamta_env(), **popen)
    return subprocess.run(command, cwd=ROOT, env=hamta_env(), capture_output=True, text=True,
                          timeout=600)


def python_all(corpus: Path, out: Path, cache: Path,
               config: str = "configs/default.yaml") -> subprocess.CompletedProcess:
    """`python -m pipeline all`, the Makefile's stages in one process."""
    command = [sys.executable, "-m", "pipeline", "all", "--corpus", str(corpus), "--config", config,
               "--build", str(out / "build"), "--aligned", str(out / "aligned"), "--cache", str(cache)]
    return subprocess.run(command, cwd=ROOT, env=hamta_env(), capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="session")
def zoo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("zoo") / "bad inputs"
    make_zoo(folder)
    return folder


@pytest.fixture(scope="session")
def embedding_cache(tmp_path_factory) -> Path:
    """One cache for the zoo runs: later runs reuse the vectors of the first."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def zoo_run(zoo, embedding_cache, tmp_path_factory) -> Run:
    out = tmp_path_factory.mktemp("zoo-run")
    done = make_all(zoo, out, embedding_cache)
    return Run(zoo, out / "build", out / "aligned", embedding_cache, done.returncode, done.stderr)


def write_pdf(path, objects: list) -> None:
    """Objects 1..n (1 the catalog; bodies as str or bytes) written with their
    cross-reference table: the one PDF writer of the tests that build PDFs by hand."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + (body if isinstance(body, bytes) else body.encode()) + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
