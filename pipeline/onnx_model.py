"""A sentence-transformers model as an ONNX graph: the embed stage's fast CPU path.

Built offline from the model the config names (a local folder, or a model already in the
local Hugging Face cache), never downloaded:

    python -m pipeline.onnx_model --model models/multilingual-e5-small-q4

The transformer is exported with torch.onnx (eager attention, so the graph has the pattern
ONNX Runtime fuses), with mean or CLS pooling and L2 normalization inside the graph, so one
call returns sentence vectors; ONNX Runtime's transformer optimizer then fuses attention,
skip-layer-norm and bias-GELU (`model.onnx`). Two runtimes read that one file:

- OpenVINO in bfloat16 where the CPU has bf16 instructions (AVX512_BF16, AMX) and
  model.bf16 is on (the default: cosine >= 0.9999 to torch, about 1.5x f32's speed, `make
  eval`'s method rows unchanged; docs/benchmarks.md), else in float32 (cosine >= 0.99999);
- ONNX Runtime in float32: the same vectors as torch to 1e-6.

A runtime is accepted only if every probe text (Persian, English, Chinese, mixed, short and
long) keeps cosine >= MIN_COSINE to the model's own fp32 torch vector; the manifest records
the lowest cosine of each, and the embed stage uses only accepted ones. int8 dynamic
quantization (`quantize`) is measured by `make bench` and not used: it moved `make eval`
by more than 0.005 F1 and left texts below cosine 0.99 (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

BUILD_FORMAT = 2
MANIFEST = "hamta_onnx.json"
GRAPH = "model.onnx"
RUNTIMES = ("openvino", "onnxruntime")  # fastest first
# An accepted graph keeps every probe vector this close to the fp32 torch vector.
MIN_COSINE = 0.99
# Batches: at most this many texts and this many padded tokens (model.batch_size and
# model.batch_tokens in the config; docs/benchmarks.md has the measurements).
BATCH_SIZE, BATCH_TOKENS = 16, 512

# Our own sentences in the four languages, short and long, for the acceptance check.
PROBES = [
    "کتابخانهٔ دانشگاه هر روز از ساعت هشت صبح تا ده شب باز است.",
    "پژوهشگران نشان دادند که دمای هوا در ده سال گذشته بالا رفته است و کشاورزان باید زمان کاشت را تغییر دهند.",
    "قیمت نان در سال ۱۴۰۱ حدود ۲۵٪ افزایش یافت.",
    "圖書館每天早上八點開門，晚上十點關門。",
    "研究人员发现，过去十年间气温持续上升，农民不得不提前播种。",
    "The university library opens at eight in the morning and closes at ten at night.",
    "Please read the second-quarter financial report before the meeting, and bring your questions.",
    "Figure 3 (圖三، شکل ۳) compares both methods — see Table 2.",
    "دو",
    "表",
    " ".join(["The irrigation board met every spring to share the water of the river between the villages,"
              " and each village sent one elder to speak for its fields."] * 12),
    " ".join(["هر روستا سهمی از آب رودخانه داشت و شورای آبیاری هر بهار این سهم‌ها را دوباره می‌سنجید."] * 14),
]


class ConversionError(RuntimeError):
    """The model cannot be turned into an ONNX graph this module runs; the message says why."""


def source_identity(model_name: str) -> str:
    """What the graphs were built from: the local folder's defining files, or the name."""
    folder = Path(model_name)
    # a local folder is known by its files, wherever it is and however its path is written
    parts = [str(BUILD_FORMAT)] + ([] if folder.is_dir() else [model_name])
    for name in ("config.json", "hamta_build.json", "modules.json", "sentence_bert_config.json",
                 "1_Pooling/config.json"):
        if (folder / name).exists():
            parts.append((folder / name).read_text(encoding="utf-8"))
    if (folder / "model.safetensors").exists():
        stat = (folder / "model.safetensors").stat()
        parts.append(f"{stat.st_size}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def default_folder(model_name: str, cache_dir: Path) -> Path:
    """Where a model's graphs live: inside a local model folder, or in the cache for a name."""
    folder = Path(model_name)
    if folder.is_dir():
        return folder / "onnx"
    return Path(cache_dir) / "onnx" / source_identity(model_name)


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(folder: Path, model_name: str) -> bool:
    manifest = read_manifest(folder)
    return bool(manifest and manifest.get("format") == BUILD_FORMAT
                and manifest.get("source") == source_identity(model_name)
                and (folder / GRAPH).exists())


# ------------------------------------------------------------------------- building

def _pooled_module(st_model):
    """torch module: ids and mask in, normalized sentence vectors out, as the model pools."""
    import torch

    names = [type(module).__name__ for module in st_model]
    if names[:2] != ["Transformer", "Pooling"] or any(n != "Normalize" for n in names[2:]):
        raise ConversionError(f"modules {names}: only Transformer -> Pooling [-> Normalize] models convert")
    pooling = st_model[1].pooling_mode
    if pooling not in ("mean", "cls"):
        raise ConversionError(f"pooling '{pooling}': only mean and cls pooling convert")
    transformer = st_model[0].auto_model
    try:
        transformer.set_attn_implementation("eager")  # the pattern ONNX Runtime's optimizer fuses
    except (AttributeError, ValueError):
        pass

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask):
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            if pooling == "cls":
                vector = hidden[:, 0]
            else:
                weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
                vector = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(vector, dim=-1)

    return Pooled().eval(), transformer.config


def _export(module, path: Path) -> None:
    import warnings

    import torch

    ids = torch.ones(2, 16, dtype=torch.long)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes it treats as constants
        torch.onnx.export(module, (ids, torch.ones_like(ids)), str(path),
                          input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "sentence_embedding": {0: "batch"}},
                          opset_version=17, dynamo=False)


def _fuse(raw: Path, out: Path, config) -> None:
    from onnxruntime.transformers import optimizer

    # "bert": the encoder fusions, which also match RoBERTa-style encoders
    fused = optimizer.optimize_model(str(raw), model_type="bert",
                                     num_heads=config.num_attention_heads, hidden_size=config.hidden_size,
                                     opt_level=1)  # level 1: fusions that suit any CPU
    fused.save_model_to_file(str(out))


def quantize(fp32: Path, out: Path) -> None:
    """int8 dynamic quantization of the matrix products, per output channel (make bench only)."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process applies to static quantization
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Attention"],
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def build(model_name: str, folder: Path, say=print, force: bool = False) -> dict:
    """Export, fuse, quantize and check the model's graphs into folder; returns the manifest."""
    if not force and is_current(folder, model_name):
        say(f"{folder}: ONNX graphs up to date")
        return read_manifest(folder)
    from sentence_transformers import SentenceTransformer

    st_model = SentenceTransformer(model_name, device="cpu")
    module, config = _pooled_module(st_model)
    tokenizer = getattr(st_model.tokenizer, "backend_tokenizer", None)
    if tokenizer is None:
        raise ConversionError("the model's tokenizer has no fast (tokenizers) version to save")
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"max_seq_length": int(st_model.max_seq_length), "pad_id": int(st_model.tokenizer.pad_token_id or 0),
                "dim": int(st_model.get_embedding_dimension())}
    with tempfile.TemporaryDirectory(prefix="hamta-onnx-", dir=folder) as tmp:
        tmp = Path(tmp)
        say(f"{folder}: exporting {model_name} to ONNX")
        _export(module, tmp / "raw.onnx")
        say(f"{folder}: fusing attention, layer norms and GELU")
        _fuse(tmp / "raw.onnx", tmp / GRAPH, config)
        tokenizer.save(str(tmp / "tokenizer.json"))
        reference = st_model.encode(PROBES, normalize_embeddings=True, convert_to_numpy=True)
        lowest = {}
        for runtime in RUNTIMES:
            for precision in precisions(runtime):
                try:
                    encoder = OnnxEncoder(tmp, runtime, precision, settings=settings)
                except ImportError:
                    continue  # that runtime is not installed here
                lowest[f"{runtime} {precision}"] = float((encoder.encode(PROBES) * reference).sum(axis=1).min())
        os.replace(tmp / GRAPH, folder / GRAPH)
        os.replace(tmp / "tokenizer.json", folder / "tokenizer.json")
    accepted = [name for name, cosine in lowest.items() if cosine >= MIN_COSINE]
    for name in sorted(set(lowest) - set(accepted)):
        say(f"{folder}: {name} refused: a probe text's cosine to the torch vector is {lowest[name]:.4f} < {MIN_COSINE}")
    manifest = {"format": BUILD_FORMAT, "source": source_identity(model_name), "model": model_name,
                **settings, "accepted": accepted, "lowest_probe_cosine": lowest}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    say(f"{folder}: lowest probe cosine to torch fp32: " + ", ".join(f"{n} {c:.6f}" for n, c in lowest.items()))
    return manifest


# -------------------------------------------------------------------------- running

def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def cpu_has_bf16() -> bool:
    """bf16 dot-product instructions (AVX512_BF16 or AMX): where bf16 runs faster than fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def precisions(runtime: str, bf16: bool = True) -> list[str]:
    """The precisions worth running on this CPU, fastest first (bf16 only if asked for)."""
    if runtime == "openvino":
        return ["bf16", "f32"] if bf16 and cpu_has_bf16() else ["f32"]
    return ["fp32"]


class ModelTokenizer:
    """The model's tokenizer, read once: how many tokens a text has (untruncated: a long
    passage's true length decides whether it is embedded whole or in sentence groups), and the
    ids the model gets, cut to its window as the tokenizer's own truncation cuts them (the
    special tokens at both ends kept)."""

    def __init__(self, file: Path, max_length: int):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(file))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.max_length = max_length
        # How many special tokens the post-processor puts before and after the text's own.
        mask = self.tokenizer.encode("a").special_tokens_mask
        self.head = mask.index(0) if 0 in mask else len(mask)
        self.tail = len(mask) - self.head - mask.count(0)

    def count(self, text: str) -> int:
        return len(self.tokenizer.encode(text).ids)

    def model_ids(self, texts: list[str]) -> list[list[int]]:
        keep = self.max_length - self.head - self.tail
        out = []
        for encoding in self.tokenizer.encode_batch(texts):
            ids = encoding.ids
            if len(ids) > self.max_length:
                ids = ids[:self.head + keep] + ids[len(ids) - self.tail:] if self.tail else ids[:self.max_length]
            out.append(ids)
        return out


class OnnxEncoder:
    """Texts in, L2-normalized vectors out, in length-sorted padded batches, on OpenVINO or
    ONNX Runtime; raises ImportError when the runtime is not installed."""

    def __init__(self, folder: Path, runtime: str = "onnxruntime", precision: str = "fp32",
                 threads: int | None = None, settings: dict | None = None,
                 tokenizer: ModelTokenizer | None = None):
        folder = Path(folder)
        self.settings = settings or read_manifest(folder)
        self.runtime, self.precision = runtime, precision
        threads = threads or cpu_count()
        if runtime == "openvino":
            import openvino

            compiled = openvino.Core().compile_model(str(folder / GRAPH), "CPU", {
                "INFERENCE_PRECISION_HINT": precision, "INFERENCE_NUM_THREADS": threads,
                "PERFORMANCE_HINT": "LATENCY"})
            request = compiled.create_infer_request()
            self._run = lambda feed: next(iter(request.infer(feed).values()))
        else:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            # Threads that spin while waiting take cores from every other process on a shared
            # machine; without spinning it measured faster under load (docs/benchmarks.md).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.log_severity_level = 3
            session = ort.InferenceSession(str(folder / GRAPH), options, providers=["CPUExecutionProvider"])
            self._run = lambda feed: session.run(None, feed)[0]
        self.tokenizer = tokenizer or ModelTokenizer(folder / "tokenizer.json", self.settings["max_seq_length"])

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        return self.tokenizer.model_ids(texts)

    def encode(self, texts: list[str], batch_size: int = BATCH_SIZE, token_budget: int = BATCH_TOKENS) -> np.ndarray:
        return self.encode_ids(self.token_ids(texts), batch_size, token_budget)

    def encode_ids(self, ids: list[list[int]], batch_size: int = BATCH_SIZE,
                   token_budget: int = BATCH_TOKENS) -> np.ndarray:
        out = np.zeros((len(ids), self.settings["dim"]), np.float32)
        for batch in length_sorted_batches([len(t) for t in ids], batch_size, token_budget):
            width = max(len(ids[i]) for i in batch)
            tokens = np.full((len(batch), width), self.settings["pad_id"], np.int64)
            mask = np.zeros((len(batch), width), np.int64)
            for row, i in enumerate(batch):
                tokens[row, :len(ids[i])] = ids[i]
                mask[row, :len(ids[i])] = 1
            out[batch] = self._run({"input_ids": tokens, "attention_mask": mask})
        return out


def length_sorted_batches(lengths: list[int], batch_size: int = BATCH_SIZE,
                          token_budget: int = BATCH_TOKENS) -> list[list[int]]:
    """Indices in batches of similar length (little padding), each within batch_size texts
    and token_budget padded tokens (a text longer than the budget goes alone); longest
    first, so memory peaks at the start."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches, current = [], []
    for i in order:
        width = lengths[current[0]] if current else lengths[i]
        if current and (len(current) == batch_size or width * (len(current) + 1) > token_budget):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.onnx_model", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/multilingual-e5-small-q4",
                        help="sentence-transformers name or path (a name must be in the local cache)")
    parser.add_argument("--out", type=Path, help="folder for the graphs (default: <model>/onnx)")
    parser.add_argument("--cache", type=Path, default=Path("cache"))
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        build(args.model, args.out or default_folder(args.model, args.cache), force=args.force)
    except (ConversionError, ImportError, OSError) as err:
        print(f"pipeline.onnx_model: {args.model}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
