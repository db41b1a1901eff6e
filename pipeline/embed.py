"""Embedding: one vector per passage and per sentence, cached by text hash and model.

The text embedded is the pivot text (Simplified Chinese for Chinese, the normalized text
otherwise), so Traditional and Simplified versions of a text land on the same vector.

Texts go to the model in length-sorted batches gathered over many documents (see
Embedder.embed_missing), through ONNX Runtime where the model converts (pipeline/onnx_model.py)
and torch otherwise; every finished batch goes into the cache at once, so a killed run
keeps what it did.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import struct
import sys
import unicodedata
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.config import ModelSettings
from pipeline.records import Passage, Sentence

# Leave room for the special tokens and the prefix within the model's 512 positions.
TOKEN_BUDGET = 480
# Texts per cache write and per task on a cluster: small enough that a kill loses seconds
# of work, large enough for full batches.
CHUNK = 256


@dataclass
class Unit:
    id: str
    level: str  # passage | sentence
    parts: list[str] = field(default_factory=list)  # texts whose mean vector is the unit's


def units_to_embed(passages: list[Passage], sentences: list[Sentence],
                   skip_kinds: list[str]) -> list[Unit]:
    """Passages that take part in alignment and their sentences, as texts to embed.

    A passage is embedded whole when it fits; a longer one is embedded as consecutive groups
    of its sentences (the pipeline never lets the model cut a text silently). The group
    boundaries are decided by the Embedder, which knows the tokenizer; here each passage
    carries its sentences as parts when it has more than one.
    """
    by_passage: dict[str, list[Sentence]] = {}
    for sentence in sentences:
        by_passage.setdefault(sentence.passage_id, []).append(sentence)
    units = []
    for passage in passages:
        if passage.kind in skip_kinds or not passage.pivot.strip():
            continue
        members = by_passage.get(passage.passage_id, [])
        units.append(Unit(passage.passage_id, "passage",
                          [passage.pivot] + [s.pivot for s in members]))
        units += [Unit(s.sentence_id, "sentence", [s.pivot]) for s in members if s.pivot.strip()]
    return units


def prepare_text(text: str) -> str:
    # Surrounding whitespace changes the tokens; NFC joins letters with combining marks
    # that PDF text layers leave apart, as the model's own tokenizer expects.
    return unicodedata.normalize("NFC", text).strip()


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- the cache

def _say(message: str) -> None:
    print(f"hamta embed: {message}", file=sys.stderr)


class VectorCache:
    """Vectors and token counts by text hash, for one model, as immutable batch files.

    Why files and not SQLite: several processes write at once (a Dask worker per core, two
    runs on one corpus, machines on a shared disk), and SQLite's locking is not safe on
    network file systems. Here a batch is written to a temp file and renamed to the hash of
    its content (cache/vectors/<model>/<sha>.vec): a file is complete or absent, never
    changed after, and two writers of the same batch write the same file. Any number of
    writers can add files; readers list the folder. Every record carries a CRC-32: a
    damaged record is never used; its text is embedded again and the file rewritten
    without it. When the cache cannot be written (disk full, read-only) the run goes on
    and says so once; nothing is cached.
    """

    MAGIC, VERSION = b"HMTV", 1
    HEADER = struct.Struct("<4sHHI16s")  # magic, version, 0, dim, model key; then its CRC-32
    COMPACT_ABOVE = 64  # files; more are merged into one at the end of a run

    def __init__(self, folder: Path, model_key: str):
        self.folder = Path(folder) / "vectors" / model_key
        self.model_key = model_key
        self.dim: int | None = None
        # vector | tokens -> sha -> (file, record): where the first record of each kind is
        self._index: dict[str, dict[bytes, tuple[int, int]]] | None = None
        self._files: list[tuple[Path, np.ndarray | None]] = []  # None: a file with a bad header
        self._damaged: set[int] = set()  # files with a bad record or header
        self.bad_records = 0
        self.writable = True
        self.unreadable: list[str] = []

    # record layout: sha (32 bytes) | tokens (int32, -1: unknown) | has vector (uint32) |
    # vector (dim float32) | CRC-32 of everything before it in the record
    def _record_dtype(self, dim: int) -> np.dtype:
        return np.dtype([("sha", "V32"), ("tokens", "<i4"), ("has_vector", "<u4"),
                         ("vector", "<f4", (dim,)), ("crc", "<u4")])

    def _load_index(self) -> None:
        if self._index is not None:
            return
        self._index = {"vector": {}, "tokens": {}}
        try:
            paths = sorted(self.folder.glob("*.vec"))
        except OSError as err:
            self.unreadable.append(f"{self.folder}: {err}")
            paths = []
        for path in paths:
            self._add_file(path)

    def _add_file(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return  # merged into another file by a concurrent run
        except OSError as err:
            self.unreadable.append(f"{path}: {err}")
            return
        number = len(self._files)
        head_size = self.HEADER.size + 4
        header_ok = False
        if len(raw) >= head_size:
            magic, version, _, dim, key = self.HEADER.unpack_from(raw)
            (crc,) = struct.unpack_from("<I", raw, self.HEADER.size)
            header_ok = ((magic, version) == (self.MAGIC, self.VERSION) and crc == zlib.crc32(raw[:self.HEADER.size])
                         and key == self.model_key[:16].encode("ascii") and dim > 0
                         and (self.dim is None or dim == self.dim))
        if not header_ok:
            self._files.append((path, None))
            self._damaged.add(number)
            return
        self.dim = dim
        dtype = self._record_dtype(dim)
        body = raw[head_size:]
        count = len(body) // dtype.itemsize
        if len(body) % dtype.itemsize:
            self._damaged.add(number)  # a torn tail: the whole records before it still count
        records = np.frombuffer(body, dtype, count)
        self._files.append((path, records))
        # Every record is checked once, here: its CRC, and a vector must be a finite unit vector.
        size = dtype.itemsize
        view = memoryview(body)
        crc_ok = np.fromiter((zlib.crc32(view[i * size:(i + 1) * size - 4]) for i in range(count)),
                             np.uint32, count) == records["crc"]
        with np.errstate(all="ignore"):
            squares = np.einsum("ij,ij->i", records["vector"].astype(np.float64), records["vector"].astype(np.float64))
        sane = (records["has_vector"] == 0) | ((records["has_vector"] == 1) & (np.abs(squares - 1.0) < 1e-3))
        good = crc_ok & sane & (records["has_vector"] <= 1)
        if not good.all():
            self.bad_records += int((~good).sum())
            self._damaged.add(number)
        shas = records["sha"]
        for kind, present in (("vector", good & (records["has_vector"] == 1)), ("tokens", good & (records["tokens"] >= 0))):
            index = self._index[kind]
            for row in np.flatnonzero(present).tolist():
                index.setdefault(bytes(shas[row]), (number, row))

    def _record(self, sha: str, kind: str):
        """The record holding a text's vector (or token count), checked when its file was read;
        None when absent or damaged."""
        location = self._index[kind].get(bytes.fromhex(sha))
        if location is None:
            return None
        number, row = location
        return self._files[number][1][row]

    def get(self, shas: list[str]) -> dict[str, np.ndarray]:
        self._load_index()
        found = {}
        for sha in shas:
            record = self._record(sha, "vector")
            if record is not None:
                found[sha] = np.array(record["vector"], dtype=np.float32)
        return found

    def token_count(self, sha: str) -> int | None:
        self._load_index()
        record = self._record(sha, "tokens")
        return int(record["tokens"]) if record is not None else None

    def put(self, vectors: dict[str, np.ndarray], tokens: dict[str, int] | None = None) -> None:
        """One new batch file with these vectors and token counts (atomically, or not at all)."""
        tokens = tokens or {}
        shas = sorted(set(vectors) | set(tokens))
        if not shas or not self.writable:
            return
        self._load_index()
        dim = self.dim or (len(next(iter(vectors.values()))) if vectors else 0)
        if not dim:
            return  # token counts alone wait for the first vectors, which fix the width
        self.dim = dim
        dtype = self._record_dtype(dim)
        records = np.zeros(len(shas), dtype)
        for row, sha in enumerate(shas):
            records[row]["sha"] = np.void(bytes.fromhex(sha))
            records[row]["tokens"] = tokens.get(sha, -1)
            if sha in vectors:
                records[row]["has_vector"] = 1
                records[row]["vector"] = vectors[sha]
        raw = bytearray(records.tobytes())
        for row in range(len(shas)):
            start = row * dtype.itemsize
            struct.pack_into("<I", raw, start + dtype.itemsize - 4, zlib.crc32(raw[start:start + dtype.itemsize - 4]))
        header = self.HEADER.pack(self.MAGIC, self.VERSION, 0, dim, self.model_key[:16].encode("ascii"))
        content = header + struct.pack("<I", zlib.crc32(header)) + bytes(raw)
        self._write(content)

    def _write(self, content: bytes) -> None:
        name = hashlib.sha256(content).hexdigest()[:32] + ".vec"
        temp = self.folder / f".tmp-{uuid.uuid4().hex}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(temp, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o666 & ~_umask())
            os.replace(temp, self.folder / name)
            if self._index is not None:
                self._add_file(self.folder / name)
        except OSError as err:
            self.writable = False
            try:
                temp.unlink(missing_ok=True)
            except OSError:
                pass
            _say(f"warning: the embedding cache {self.folder} cannot be written ({err.strerror or err}); "
                 f"this run goes on without caching, and vectors are computed again next time "
                 f"(free space or fix the permissions there)")

    def close(self) -> None:
        """Drop damaged files (their good records rewritten first) and merge small files."""
        if self._index is None:
            return
        if self.bad_records or self._damaged:
            _say(f"warning: the embedding cache {self.folder} had {self.bad_records} damaged "
                 f"vector(s) in {len(self._damaged)} file(s): they were not used; their texts were embedded "
                 f"again and the files rewritten without them")
        if self.unreadable:
            _say(f"warning: could not read {len(self.unreadable)} embedding cache file(s) "
                 f"({self.unreadable[0]}): their vectors were computed again")
        rewrite = set(self._damaged)
        if len(self._files) > self.COMPACT_ABOVE:
            rewrite |= set(range(len(self._files)))
        if not rewrite or not self.writable:
            return
        vectors, tokens = {}, {}
        for number in sorted(rewrite):
            records = self._files[number][1]
            for row in range(0 if records is None else len(records)):
                key = bytes(records[row]["sha"])
                sha = key.hex()
                if self._index["vector"].get(key) == (number, row) and self._record(sha, "vector") is not None:
                    vectors[sha] = np.array(records[row]["vector"], np.float32)
                if self._index["tokens"].get(key) == (number, row) and self._record(sha, "tokens") is not None:
                    tokens[sha] = int(records[row]["tokens"])
        self.put(vectors, tokens)
        if self.writable:  # the merged file is in place: the old ones can go
            for number in sorted(rewrite):
                try:
                    self._files[number][0].unlink()
                except FileNotFoundError:
                    pass
                except OSError as err:
                    _say(f"warning: could not remove {self._files[number][0]}: {err}")
        self._index = None
        self._files, self._damaged, self.bad_records = [], set(), 0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------- encoders

def model_identity(settings: ModelSettings) -> str:
    """What makes two runs' vectors comparable: the model's files (if local) and prefix."""
    identity = [settings.name, settings.prefix]
    folder = Path(settings.name)
    for name in ("config.json", "hamta_build.json", "modules.json"):
        if (folder / name).exists():
            identity.append((folder / name).read_text(encoding="utf-8"))
    return hashlib.sha256("\0".join(identity).encode()).hexdigest()[:16]


def check_model_exists(settings: ModelSettings) -> None:
    local = Path(settings.name)
    if settings.name.startswith(("models/", "./", "/")) and not local.exists():
        raise FileNotFoundError(
            f"embedding model '{settings.name}' not found: run `make setup` to build the default "
            f"model, or set model.name in the config to a sentence-transformers name or path")


def load_model(settings: ModelSettings):
    """The sentence-transformers model itself (the torch backend, and the benchmark's baseline)."""
    from sentence_transformers import SentenceTransformer

    check_model_exists(settings)
    return SentenceTransformer(settings.name, device=settings.device)


@dataclass(frozen=True)
class Backend:
    """How texts become vectors: torch, or the model's ONNX graph (in `folder`) on OpenVINO
    or ONNX Runtime at a precision."""

    kind: str  # torch | openvino | onnxruntime
    precision: str = "fp32"
    folder: str = ""
    note: str = ""  # why the configured backend was not used, said once

    @property
    def label(self) -> str:
        return f"{self.kind} {self.precision}"


_notes_said: set[str] = set()


def runtime_installed(runtime: str) -> bool:
    return importlib.util.find_spec(runtime) is not None


def likely_backend(settings: ModelSettings) -> str:
    """The backend resolve_backend picks on this machine, told without loading or building
    anything (for the stage key: installing OpenVINO re-runs the embed stage)."""
    if settings.backend == "torch" or settings.device != "cpu":
        return "torch"
    from pipeline import onnx_model

    wanted = onnx_model.RUNTIMES if settings.backend == "auto" else (settings.backend,)
    for runtime in wanted:
        if runtime_installed(runtime):
            return f"{runtime} {onnx_model.precisions(runtime, settings.bf16)[0]}"
    return "torch"


def resolve_backend(settings: ModelSettings, cache_dir: Path, build: bool = True) -> Backend:
    """The backend the settings ask for, or the fallback where it cannot run here.

    The ONNX runtimes use the model's graph (built by `make setup` for the default model; for
    another model built here on first use, offline, from the model the config names) at the
    fastest precision that kept every probe vector (pipeline/onnx_model.py). auto falls back
    to the next runtime, then torch, with one note; a named runtime stops with the reason."""
    if settings.backend == "torch" or (settings.backend == "auto" and settings.device != "cpu"):
        return Backend("torch")
    from pipeline import onnx_model

    wanted = onnx_model.RUNTIMES if settings.backend == "auto" else (settings.backend,)
    installed = [r for r in wanted if runtime_installed(r)]

    def unavailable(why: str) -> Backend:
        if settings.backend != "auto":
            raise RuntimeError(f"model.backend is {settings.backend} but {why}; set model.backend: auto or torch")
        return Backend("torch", note=f"{why}: embedding with torch (same vectors, slower)")

    if not installed:
        return unavailable(f"{' and '.join(wanted)} {'is' if len(wanted) == 1 else 'are'} not installed "
                           f"(`make setup` installs them)")
    folder = onnx_model.default_folder(settings.name, cache_dir)
    if not onnx_model.is_current(folder, settings.name):
        if not build:
            return unavailable(f"the ONNX graph in {folder} is missing or out of date")
        check_model_exists(settings)
        _say(f"converting {settings.name} to ONNX in {folder} (once, about a minute)")
        try:
            onnx_model.build(settings.name, folder, say=lambda m: _say(m))
        except (onnx_model.ConversionError, ImportError, OSError, RuntimeError) as err:
            return unavailable(f"{settings.name} does not convert to ONNX ({err})")
    accepted = onnx_model.read_manifest(folder).get("accepted", [])
    for runtime in installed:
        for precision in onnx_model.precisions(runtime, settings.bf16):
            if f"{runtime} {precision}" in accepted:
                skipped = [r for r in wanted if r != runtime and wanted.index(r) < wanted.index(runtime)]
                note = f"{skipped[0]} is not installed or not accepted: using {runtime}" if skipped else ""
                return Backend(runtime, precision, str(folder), note=note)
    return unavailable(f"no runtime kept the model's vectors when its ONNX graph was built ({folder})")


class TorchEncoder:
    """The sentence-transformers model, fed the same length-sorted token-budget batches as the
    ONNX runtimes (its own fixed-count batches pad short texts to the longest of 32)."""

    def __init__(self, settings: ModelSettings, model=None):
        self.model = model or load_model(settings)
        self.batch_size, self.batch_tokens = settings.batch_size, settings.batch_tokens

    def count_tokens(self, text: str) -> int:
        # verbose=False: the over-length warning is noise here; such passages go in sentence groups
        return len(self.model.tokenizer(text, verbose=False)["input_ids"])

    def encode(self, texts: list[str]) -> np.ndarray:
        from pipeline.onnx_model import length_sorted_batches

        window = self.model.max_seq_length
        lengths = [min(self.count_tokens(t), window) for t in texts]
        out = np.zeros((len(texts), self.model.get_embedding_dimension()), np.float32)
        for batch in length_sorted_batches(lengths, self.batch_size, self.batch_tokens):
            out[batch] = self.model.encode([texts[i] for i in batch], batch_size=len(batch),
                                           normalize_embeddings=True, convert_to_numpy=True,
                                           show_progress_bar=False)
        return out


class OnnxTextEncoder:
    def __init__(self, backend: Backend, settings: ModelSettings, threads: int | None, tokenizer=None):
        from pipeline.onnx_model import OnnxEncoder

        self.encoder = OnnxEncoder(Path(backend.folder), backend.kind, backend.precision, threads=threads,
                                   tokenizer=tokenizer)
        self.batch_size, self.batch_tokens = settings.batch_size, settings.batch_tokens

    def count_tokens(self, text: str) -> int:
        return self.encoder.tokenizer.count(text)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode(texts, self.batch_size, self.batch_tokens)


def model_tokenizer(backend: Backend):
    """The ONNX graph's tokenizer (read once, shared by token counts and the encoder)."""
    from pipeline.onnx_model import ModelTokenizer, read_manifest

    folder = Path(backend.folder)
    return ModelTokenizer(folder / "tokenizer.json", read_manifest(folder)["max_seq_length"])


def load_encoder(settings: ModelSettings, backend: Backend, threads: int | None = None, tokenizer=None):
    if backend.kind == "torch":
        return TorchEncoder(settings)
    return OnnxTextEncoder(backend, settings, threads, tokenizer or model_tokenizer(backend))


# Encoders of this process (one per Dask worker process), loaded once, by backend.
_worker_encoders: dict[tuple, object] = {}


def encode_chunk(settings: ModelSettings, backend: Backend, texts: list[str]) -> np.ndarray:
    """A cluster task: vectors of prefixed texts, with this worker process's model."""
    key = (settings, backend)
    if key not in _worker_encoders:
        threads = None
        try:
            from distributed import get_worker

            threads = get_worker().state.nthreads  # the worker's share of its machine's cores
        except (ImportError, ValueError, AttributeError):
            pass
        _worker_encoders[key] = load_encoder(settings, backend, threads)
    return _worker_encoders[key].encode(texts)


class Embedder:
    def __init__(self, settings: ModelSettings, cache_dir: Path, backend: Backend | None = None):
        self.settings = settings
        self.backend = backend or resolve_backend(settings, Path(cache_dir))
        if self.backend.note and self.backend.note not in _notes_said:
            _notes_said.add(self.backend.note)
            _say(f"note: {self.backend.note}")
        backend_key = self.backend.label if self.backend.kind == "torch" else \
            f"{self.backend.label} {Path(self.backend.folder, 'hamta_onnx.json').read_text(encoding='utf-8')}"
        # Each backend keeps its own vectors: bf16 and fp32 vectors of a text differ (slightly),
        # and one run's rows must come from one of them.
        self.key = hashlib.sha256(f"{model_identity(settings)}\0{backend_key}".encode()).hexdigest()[:16]
        self.cache = VectorCache(Path(cache_dir), self.key)
        self._encoder = None
        self._tokenizer = None
        self._fresh: dict[str, np.ndarray] = {}  # vectors made in this run
        self._new_counts: dict[str, int] = {}  # token counts not yet written to the cache
        self.encoded = 0  # texts actually run through the model (the rest came from the cache)
        self._grouped: set[str] = set()  # passages too long for the model, embedded as sentence groups
        self._from_cache: set[str] = set()  # texts whose vector came from the cache

    @property
    def encoder(self):
        if self._encoder is None:
            tokenizer = None if self.backend.kind == "torch" else self.tokenizer
            self._encoder = load_encoder(self.settings, self.backend, tokenizer=tokenizer)
        return self._encoder

    @property
    def model(self):
        """The sentence-transformers model (torch backend)."""
        return self.encoder.model

    @property
    def tokenizer(self):
        """The ONNX graph's tokenizer, read once: loaded alone when only token counts are
        needed (a run whose vectors all come from the cache never loads the model), and handed
        to the encoder when it loads."""
        if self._tokenizer is None:
            self._tokenizer = self._encoder.encoder.tokenizer if self._encoder is not None else \
                model_tokenizer(self.backend)
        return self._tokenizer

    def token_count(self, text: str) -> int:
        text = self.settings.prefix + text
        sha = text_sha(text)
        count = self._new_counts.get(sha) or self.cache.token_count(sha)
        if count is None:
            count_tokens = self.encoder.count_tokens if self.backend.kind == "torch" else self.tokenizer.count
            count = self._new_counts[sha] = count_tokens(text)
        return count

    def embed_missing(self, texts: list[str], map_chunks=None) -> None:
        """Vectors for the texts the cache lacks, in length-sorted chunks of CHUNK texts; each
        chunk goes into the cache when done. map_chunks(fn, chunks) runs encode_chunk over
        the chunks elsewhere (Dask workers) and yields results in order; default: here."""
        prepared = sorted({prepare_text(t) for t in texts})
        shas = {text_sha(t): t for t in prepared}
        cached = set(self.cache.get(sorted(set(shas) - set(self._fresh))))
        self._from_cache |= cached
        missing = sorted((t for sha, t in shas.items() if sha not in cached and sha not in self._fresh),
                         key=lambda t: (-len(t), t))
        if not missing:
            return
        chunks = [missing[i:i + CHUNK] for i in range(0, len(missing), CHUNK)]
        prefixed = [[self.settings.prefix + t for t in chunk] for chunk in chunks]
        if map_chunks is None:
            results = (self.encoder.encode(chunk) for chunk in prefixed)
        else:
            results = map_chunks(encode_chunk, self.settings, self.backend, prefixed)
        progress = None
        if len(missing) > CHUNK:
            from tqdm import tqdm

            progress = tqdm(total=len(missing), desc="embed    ", unit="text", file=sys.stderr)
        for chunk, vectors in zip(chunks, results):
            fresh = {text_sha(t): np.asarray(v, np.float32) for t, v in zip(chunk, vectors)}
            self._fresh.update(fresh)
            self.cache.put(fresh, self._take_counts())
            self.encoded += len(chunk)
            if progress:
                progress.update(len(chunk))
        if progress:
            progress.close()

    def _take_counts(self) -> dict[str, int]:
        counts, self._new_counts = self._new_counts, {}
        return counts

    def encode_texts(self, texts: list[str], map_chunks=None) -> np.ndarray:
        """Vectors for texts, from the cache where possible."""
        texts = [prepare_text(t) for t in texts]
        self.embed_missing(texts, map_chunks)
        shas = [text_sha(t) for t in texts]
        found = {sha: self._fresh[sha] for sha in shas if sha in self._fresh}
        found.update(self.cache.get(sorted(set(shas) - set(found))))
        lost = [sha for sha in shas if sha not in found]
        if lost:  # a record damaged between the check and now: embed those again
            again = [t for t, sha in zip(texts, shas) if sha in set(lost)]
            self.embed_missing(again)
            found.update({sha: self._fresh[sha] for sha in lost})
        dim = len(next(iter(found.values()))) if found else 0
        return np.stack([found[s] for s in shas]) if shas else np.zeros((0, dim), np.float32)

    def pieces(self, units: list[Unit]) -> list[list[str]]:
        """The texts each unit's vector is made of: the unit whole, or its sentence groups."""
        pieces: list[list[str]] = []
        for unit in units:
            whole, sentences = unit.parts[0], unit.parts[1:]
            if len(sentences) <= 1 or len(whole) < 300 or self.token_count(whole) <= TOKEN_BUDGET:
                pieces.append([whole])
            else:
                self._grouped.add(text_sha(whole))
                pieces.append(self._group_by_tokens(sentences))
        return pieces

    def embed(self, units: list[Unit], map_chunks=None) -> np.ndarray:
        """One normalized vector per unit; long passages as the mean of their sentence groups."""
        pieces = self.pieces(units)
        flat = [text for group in pieces for text in group]
        vectors = self.encode_texts(flat, map_chunks)
        out, start = [], 0
        for group in pieces:
            mean = vectors[start:start + len(group)].mean(axis=0)
            out.append(mean / max(np.linalg.norm(mean), 1e-12))
            start += len(group)
        return np.stack(out).astype(np.float32) if out else np.zeros((0, 0), np.float32)

    def close(self) -> None:
        """Write what is left (token counts), report and heal the cache, merge small files."""
        if self._new_counts:
            self.cache.put({}, self._take_counts())
        if self.encoded or self._from_cache:
            _say(f"{self.encoded} text(s) embedded ({self.backend.label}), {len(self._from_cache)} from the cache")
            self.encoded, self._from_cache = 0, set()
        if self._grouped:
            _say(f"{len(self._grouped)} passage(s) longer than the model's {TOKEN_BUDGET}-token budget were "
                 f"embedded as groups of whole sentences (their vector: the mean of the groups'), not cut")
            self._grouped = set()
        self.cache.close()

    def _group_by_tokens(self, sentences: list[str]) -> list[str]:
        groups, current, used = [], [], 0
        for sentence in sentences:
            tokens = self.token_count(sentence)
            if current and used + tokens > TOKEN_BUDGET:
                groups.append(" ".join(current))
                current, used = [], 0
            current.append(sentence)
            used += tokens
        if current:
            groups.append(" ".join(current))
        return groups
