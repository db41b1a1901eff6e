"""Settings from configs/*.yaml, checked strictly so a typo cannot pass unnoticed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExtractSettings(_Strict):
    workers: int = Field(0, ge=0, le=64)  # 0: one process per core
    y_tolerance: float = Field(6, gt=0, le=50)
    ocr: bool = False
    ocr_languages: str = "fas+eng+chi_tra+chi_sim"


class DetectSettings(_Strict):
    seed: int = 0
    min_chars: int = Field(12, ge=0)


class ModelSettings(_Strict):
    name: str = "models/multilingual-e5-small-q4"
    prefix: str = "query: "
    batch_size: int = Field(32, ge=1, le=4096)
    device: Literal["cpu", "cuda", "mps"] = "cpu"


class ConfidenceWeights(_Strict):
    """Logistic weights turning a pair's evidence into a confidence. Passage pairs: margin and
    cosine, fitted by `make eval --calibrate`. Sentence links: the link's score (log-odds of
    the link model), recalibrated on links the aligner made on a tuning set by `python -m
    bench.align_public --calibrate` (Platt scaling)."""

    bias: float = -30.0
    w_margin: float = 25.0
    w_similarity: float = 4.0
    sentence_bias: float = 2.0681
    sentence_w_score: float = -0.0506


class LinkWeights(_Strict):
    """Logistic weights of a sentence link's score (pipeline.sentence_align.FEATURES); fitted
    on a tuning set by `python -m bench.align_public --fit` (see docs/alignment-benchmarks.md)."""

    bias: float = -2.5645
    cosine: float = 13.8349
    margin: float = 15.9282
    local: float = 18.5005
    gain: float = 10.4595
    weakest: float = 0.0
    length: float = -1.2626
    merge_3: float = 1.3511
    merge_4: float = 3.2892
    merge_5: float = 5.489
    numbers_matched: float = 0.8113
    numbers_unmatched: float = -3.6961
    terms_matched: float = 1.0372
    skip: float = 0.0
    skip_evidence: float = 0.0


class AlignSettings(_Strict):
    k: int = Field(4, ge=1, le=100)
    passage_margin: float = Field(1.02, gt=0)
    passage_similarity: float = Field(0.83, ge=-1, le=1)
    # Cosine a passage pair needs between two languages embedded through the same pivot
    # text (zh-Hant and zh-Hans: a translation is nearly the same text after OpenCC).
    same_pivot_similarity: float = Field(0.95, ge=-1, le=1)
    link: LinkWeights = LinkWeights()
    top_k: int = Field(4, ge=1, le=50)  # nearest sentences per sentence as candidate anchors
    reach: int = Field(3, ge=0, le=50)  # half-width of the DP's corridor around the anchors
    max_gap: int = Field(5, ge=1)
    min_block: int = Field(3, ge=1)
    comparable_margin: float = Field(1.06, gt=0)
    skip_kinds: list[str] = ["header", "footer", "page_number", "footnote", "reference", "caption", "table"]
    candidate_sides: int = Field(8, ge=0)
    faiss_above: int = Field(4096, ge=1)
    approximate_above: int = Field(200_000, ge=1)
    # margin: mutual best matches by ratio margin (the method); cosine: by raw cosine with the
    # margin thresholds unused, only to measure what the margin buys (make eval).
    scoring: Literal["margin", "cosine"] = "margin"
    confidence: ConfidenceWeights = ConfidenceWeights()


class ReviewSettings(_Strict):
    port: int = Field(8765, ge=1024, le=65535)  # the review server binds 127.0.0.1 only


class Config(_Strict):
    languages: list[str] = ["en", "fa", "zh-Hant", "zh-Hans"]
    extract: ExtractSettings = ExtractSettings()
    detect: DetectSettings = DetectSettings()
    model: ModelSettings = ModelSettings()
    align: AlignSettings = AlignSettings()
    review: ReviewSettings = ReviewSettings()
    # Where per-document stages run: in this process (and a process pool for extraction),
    # or as tasks on a local or remote cluster of a distributed engine.
    engine: Literal["local", "dask"] = "local"

    @property
    def hash(self) -> str:
        """Short hash of the settings that shape the rows: the same settings, the same hash.

        Where and how widely the work runs (engine, extract.workers) and the review
        server's port change no row, so a change to them leaves the hash, and every output
        stamped with it, as it was."""
        shaping = self.model_dump(exclude={"engine": True, "review": True, "extract": {"workers"}})
        canonical = json.dumps(shaping, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def language_rank(self, lang: str) -> int:
        return self.languages.index(lang) if lang in self.languages else len(self.languages)


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the problem."""


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (pass CONFIG=configs/default.yaml)") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        return Config.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
