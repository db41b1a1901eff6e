"""Settings from configs/*.yaml, checked strictly so a typo cannot pass unnoticed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class _Strict(BaseModel):
    # strict: YAML's `ocr: 'yes'` or `k: true` is a mistake to report, not a value to coerce;
    # no inf/nan: a threshold of .inf would silently switch a rule off.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


# Languages Hamta can be asked to align: the four it is built for and every other language
# the detector can name (langdetect's profiles; its zh-cn/zh-tw are called zh-Hans/zh-Hant).
KNOWN_LANGUAGES = frozenset(
    "af ar bg bn ca cs cy da de el en es et fa fi fr gu he hi hr hu id it ja kn ko lt lv mk ml "
    "mr ne nl no pa pl pt ro ru sk sl so sq sv sw ta te th tl tr uk ur vi zh-Hans zh-Hant".split()
)


def _known(values: list[str], known, what: str, hint: str) -> list[str]:
    """values, when every one is in known; otherwise a message naming the strangers."""
    unknown = [value for value in values if value not in known]
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(map(repr, unknown))}; {hint}")
    return values


class ExtractSettings(_Strict):
    workers: int = Field(0, ge=0, le=64)  # 0: one process per core
    y_tolerance: float = Field(6.0, gt=0, le=50)
    ocr: bool = False
    # Tesseract's names joined by "+"; checked against its installed data when a run starts.
    ocr_languages: str = Field("fas+eng+chi_tra+chi_sim", pattern=r"^[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*$")
    # Bounds that keep one oversized file from stalling the corpus (configs/default.yaml says
    # how they were chosen); a document beyond one is refused with a message naming it.
    max_pages: int = Field(1000, ge=1)
    max_chars: int = Field(5_000_000, ge=1)
    max_passages: int = Field(20_000, ge=1)


class DetectSettings(_Strict):
    seed: int = Field(0, ge=0)
    min_chars: int = Field(12, ge=0, le=10_000)


class ModelSettings(_Strict):
    name: str = Field("models/multilingual-e5-small-q4", min_length=1)
    prefix: str = "query: "
    batch_size: int = Field(16, ge=1, le=4096)  # texts per model call, at most
    batch_tokens: int = Field(512, ge=1, le=1_000_000)  # padded tokens per model call, at most
    device: Literal["cpu", "cuda", "mps"] = "cpu"
    # auto: the model's ONNX graph (pipeline/onnx_model.py) on OpenVINO, else ONNX Runtime,
    # else torch; the others force one (and stop with the reason where it cannot run).
    backend: Literal["auto", "openvino", "onnxruntime", "torch"] = "auto"
    bf16: bool = True  # OpenVINO in bfloat16 where the CPU has it, else f32 (docs/benchmarks.md)


class ConfidenceWeights(_Strict):
    """Logistic weights turning a pair's evidence into a confidence. Passage pairs: margin and
    cosine, fitted by `make eval --calibrate`. Sentence links: the link's score and its size,
    fitted on links the aligner made on a tuning set by `python -m bench.align_public
    --calibrate`."""

    bias: float = -1.3731
    w_margin: float = 0.7748
    w_similarity: float = 5.8143
    sentence_bias: float = 0.4137
    sentence_w_score: float = 2.8949
    sentence_merge_3: float = -1.4327  # links of 3, 4, 5 sentences in all are wrong more often
    sentence_merge_4: float = -2.6613
    sentence_merge_5: float = -3.6078


class LinkWeights(_Strict):
    """Logistic weights of a sentence link's score (pipeline.sentence_align.FEATURES); fitted
    on a tuning set by `python -m bench.align_public --fit` (see docs/alignment-benchmarks.md)."""

    bias: float = -0.0248
    cosine: float = 0.6893
    margin: float = 0.7338
    local: float = 0.8724
    gain: float = 0.4781
    weakest: float = -0.0692
    length: float = -0.0376
    merge_3: float = 0.0599
    merge_4: float = 0.1257
    merge_5: float = 0.2166
    numbers_matched: float = 0.055
    numbers_unmatched: float = -0.2
    terms_matched: float = 0.0701
    bertalign: float = 1.0
    # A merge's shortfall in plain-sum cosine against its best part one sentence shorter
    # (a stranger taken in); chosen on the tuning sets, docs/alignment-benchmarks.md round 5.
    plain_gain: float = Field(2.0, ge=0, le=10)
    # A link whose one run ends in a question mark and whose other does not; chosen on the
    # tuning sets, docs/alignment-benchmarks.md round 6.
    question_differs: float = Field(-0.05, ge=-1, le=0)
    # A link with more than one sentence on both sides; chosen on the tuning sets,
    # docs/alignment-benchmarks.md round 8.
    many_to_many: float = Field(-0.1, ge=-1, le=0)
    skip: float = 0.03
    skip_evidence: float = -0.5061


class AlignSettings(_Strict):
    # Cosine thresholds are between 0 and 1 (a negative one would accept any pair); margins
    # are ratios around 1, so they must be positive.
    k: int = Field(4, ge=1, le=100)
    passage_margin: float = Field(1.01, gt=0, le=10)
    passage_similarity: float = Field(0.83, ge=0, le=1)
    # Cosine a passage pair needs between two languages embedded through the same pivot
    # text (zh-Hant and zh-Hans: a translation is nearly the same text after OpenCC).
    same_pivot_similarity: float = Field(0.95, ge=0, le=1)
    link: LinkWeights = LinkWeights()
    top_k: int = Field(4, ge=1, le=50)  # nearest sentences per sentence as candidate anchors
    reach: int = Field(3, ge=0, le=50)  # half-width of the DP's corridor around the anchors
    max_gap: int = Field(5, ge=1)
    # Cosine (the model's, the similarity column) every sentence of a sentence link needs to
    # the link's other run: a floor for models that put unrelated sentences near 0.
    min_similarity: float = Field(0.5, ge=0, le=1)
    # A run's vector, where runs are not embedded whole (the align stage), is the sum of its
    # sentences' vectors weighted by their lengths to this power (0: a plain sum); chosen on
    # Text+Berg, mac-dev and mac-dev-omit (docs/alignment-benchmarks.md, round 4).
    run_length_power: float = Field(0.75, ge=0, le=4)
    min_block: int = Field(3, ge=1)
    comparable_margin: float = Field(1.06, gt=0, le=10)
    skip_kinds: list[str] = ["header", "footer", "page_number", "footnote", "reference", "caption", "table"]
    candidate_sides: int = Field(8, ge=0)
    faiss_above: int = Field(4096, ge=1)
    # Sentences of the other side a sentence is compared with, around its place on the
    # diagonal, in the sentence aligner's searches (neighbourhoods, anchor candidates); sides
    # no longer than this are searched whole (configs/default.yaml says how it was chosen).
    window: int = Field(2048, ge=1)
    approximate_above: int = Field(200_000, ge=1)
    # margin: mutual best matches by ratio margin (the method); cosine: by raw cosine with the
    # margin thresholds unused, only to measure what the margin buys (make eval).
    scoring: Literal["margin", "cosine"] = "margin"
    confidence: ConfidenceWeights = ConfidenceWeights()

    @field_validator("skip_kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        from pipeline.records import BLOCK_KINDS

        return _known(kinds, BLOCK_KINDS, "block kind(s)", f"the kinds are {', '.join(BLOCK_KINDS)}")


class ReviewSettings(_Strict):
    port: int = Field(8765, ge=1024, le=65535)  # the review server binds 127.0.0.1 only


_LANGUAGE_TAG = Annotated[str, Field(pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]  # BCP 47, as TMX wants


class ExportSettings(_Strict):
    # The TMX language code of each language (CAT tools want a region: fa-IR, zh-TW, zh-CN).
    tmx_languages: dict[str, _LANGUAGE_TAG] = {"en": "en-US", "fa": "fa-IR", "zh-Hant": "zh-TW", "zh-Hans": "zh-CN"}
    # Languages put on the source side of the pairs they are in; none: the order of `languages`.
    source_languages: list[str] = []


class Config(_Strict):
    languages: list[str] = Field(["en", "fa", "zh-Hant", "zh-Hans"], min_length=1)
    extract: ExtractSettings = ExtractSettings()
    detect: DetectSettings = DetectSettings()
    model: ModelSettings = ModelSettings()
    align: AlignSettings = AlignSettings()
    review: ReviewSettings = ReviewSettings()
    export: ExportSettings = ExportSettings()
    # Where per-document stages run: in this process (and a process pool for extraction),
    # or as tasks on a local or remote cluster of a distributed engine.
    engine: Literal["local", "dask"] = "local"

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, languages: list[str]) -> list[str]:
        _known(languages, KNOWN_LANGUAGES, "language(s)", "use codes such as en, fa, zh-Hant, zh-Hans "
               f"(known: {', '.join(sorted(KNOWN_LANGUAGES))})")
        if len(set(languages)) != len(languages):
            raise ValueError("a language is listed twice")
        return languages

    @property
    def hash(self) -> str:
        """Short hash of the settings that shape the rows: the same settings, the same hash.

        Where and how widely the work runs (engine, extract.workers), the review
        server's port and the export's settings change no row, so a change to them
        leaves the hash, and every output stamped with it, as it was."""
        shaping = self.model_dump(exclude={"engine": True, "review": True, "export": True, "extract": {"workers"}})
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
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        return Config.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
