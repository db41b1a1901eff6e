"""Embedding: one vector per passage and per sentence, cached by text hash and model.

The text embedded is the pivot text (Simplified Chinese for Chinese, the normalized text
otherwise), so Traditional and Simplified versions of a text land on the same vector.
"""

from __future__ import annotations

import hashlib
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.config import ModelSettings
from pipeline.records import Passage, Sentence

# Leave room for the special tokens and the prefix within the model's 512 positions.
TOKEN_BUDGET = 480


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


class EmbeddingCache:
    """Vectors by (model, text) in SQLite: transactional, so a killed run loses nothing."""

    def __init__(self, path: Path, model_key: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, text_sha TEXT, "
                         "vector BLOB, PRIMARY KEY (model, text_sha))")
        # Token counts too: with them a run whose vectors are all cached needs no tokenizer
        # (loading one takes longer than reading every vector).
        self._db.execute("CREATE TABLE IF NOT EXISTS token_counts (model TEXT, text_sha TEXT, "
                         "tokens INTEGER, PRIMARY KEY (model, text_sha))")
        self._model = model_key

    @staticmethod
    def text_sha(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, shas: list[str]) -> dict[str, np.ndarray]:
        found = {}
        for start in range(0, len(shas), 500):
            chunk = shas[start:start + 500]
            rows = self._db.execute(
                f"SELECT text_sha, vector FROM vectors WHERE model = ? AND text_sha IN "
                f"({','.join('?' * len(chunk))})", [self._model, *chunk])
            found.update({sha: np.frombuffer(blob, dtype=np.float32) for sha, blob in rows})
        return found

    def token_count(self, sha: str) -> int | None:
        row = self._db.execute("SELECT tokens FROM token_counts WHERE model = ? AND text_sha = ?",
                               (self._model, sha)).fetchone()
        return row[0] if row else None

    def put_token_counts(self, counts: dict[str, int]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO token_counts VALUES (?, ?, ?)",
                                 [(self._model, sha, n) for sha, n in counts.items()])

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(self._model, sha, v.astype(np.float32).tobytes()) for sha, v in vectors.items()])


def model_identity(settings: ModelSettings) -> str:
    """What makes two runs' vectors comparable: the model's files (if local) and prefix."""
    identity = [settings.name, settings.prefix]
    folder = Path(settings.name)
    for name in ("config.json", "hamta_build.json", "modules.json"):
        if (folder / name).exists():
            identity.append((folder / name).read_text(encoding="utf-8"))
    return hashlib.sha256("\0".join(identity).encode()).hexdigest()[:16]


def load_model(settings: ModelSettings):
    from sentence_transformers import SentenceTransformer

    local = Path(settings.name)
    if settings.name.startswith(("models/", "./", "/")) and not local.exists():
        raise FileNotFoundError(
            f"embedding model '{settings.name}' not found: run `make setup` to build the default "
            f"model, or set model.name in the config to a sentence-transformers name or path")
    return SentenceTransformer(settings.name, device=settings.device)


class Embedder:
    def __init__(self, settings: ModelSettings, cache_dir: Path):
        self.settings = settings
        self.key = model_identity(settings)
        self.cache = EmbeddingCache(Path(cache_dir) / "embeddings.sqlite", self.key)
        self._model = None
        self._tokenizer = None
        self._new_counts: dict[str, int] = {}  # token counts not yet written to the cache
        self.encoded = 0  # texts actually run through the model (the rest came from the cache)

    @property
    def model(self):
        if self._model is None:
            self._model = load_model(self.settings)
        return self._model

    def token_count(self, text: str) -> int:
        text = self.settings.prefix + text
        sha = EmbeddingCache.text_sha(text)
        count = self._new_counts.get(sha) or self.cache.token_count(sha)
        if count is None:
            if self._tokenizer is None:
                self._tokenizer = self._load_tokenizer()
            count = self._new_counts[sha] = self._tokenizer(text)
        return count

    def _load_tokenizer(self):
        """A token counter. A local model's tokenizer.json is read alone with `tokenizers`, so a
        run whose vectors all come from the cache never loads the model (seconds of start-up)."""
        file = Path(self.settings.name) / "tokenizer.json"
        if self._model is None and file.exists():
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(file))
            tokenizer.no_truncation()
            tokenizer.no_padding()
            return lambda text: len(tokenizer.encode(text).ids)
        return lambda text: len(self.model.tokenizer(text)["input_ids"])

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts, from the cache where possible."""
        # Surrounding whitespace changes the tokens; NFC joins letters with combining marks
        # that PDF text layers leave apart, as the model's own tokenizer expects.
        texts = [unicodedata.normalize("NFC", t).strip() for t in texts]
        shas = [EmbeddingCache.text_sha(t) for t in texts]
        cached = self.cache.get(sorted(set(shas)))
        missing = sorted({sha: t for sha, t in zip(shas, texts) if sha not in cached}.items())
        if missing:
            vectors = self.model.encode(
                [self.settings.prefix + t for _, t in missing], batch_size=self.settings.batch_size,
                normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=len(missing) > 256)
            fresh = {sha: v.astype(np.float32) for (sha, _), v in zip(missing, vectors)}
            self.cache.put(fresh)
            cached.update(fresh)
            self.encoded += len(missing)
        dim = len(next(iter(cached.values()))) if cached else 0
        return np.stack([cached[s] for s in shas]) if shas else np.zeros((0, dim), np.float32)

    def pieces(self, units: list[Unit]) -> list[list[str]]:
        """The texts each unit's vector is made of: the unit whole, or its sentence groups."""
        pieces: list[list[str]] = []
        for unit in units:
            whole, sentences = unit.parts[0], unit.parts[1:]
            if len(sentences) <= 1 or len(whole) < 300 or self.token_count(whole) <= TOKEN_BUDGET:
                pieces.append([whole])
            else:
                pieces.append(self._group_by_tokens(sentences))
        if self._new_counts:
            self.cache.put_token_counts(self._new_counts)
            self._new_counts = {}
        return pieces

    def embed(self, units: list[Unit]) -> np.ndarray:
        """One normalized vector per unit; long passages as the mean of their sentence groups."""
        pieces = self.pieces(units)
        flat = [text for group in pieces for text in group]
        vectors = self.encode_texts(flat)
        out, start = [], 0
        for group in pieces:
            mean = vectors[start:start + len(group)].mean(axis=0)
            out.append(mean / max(np.linalg.norm(mean), 1e-12))
            start += len(group)
        return np.stack(out).astype(np.float32) if out else np.zeros((0, 0), np.float32)

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
