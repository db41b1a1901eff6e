"""The embed stage's fast path keeps the vectors, falls back by itself where a runtime is
missing, and says what happens to a passage longer than the model's window."""

import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline import embed
from pipeline.config import ModelSettings
from pipeline.embed import Embedder, Unit, resolve_backend

ROOT = Path(__file__).resolve().parent.parent
MODEL = str(ROOT / "models" / "multilingual-e5-small-q4")


def bank_texts(step: int = 4) -> list[str]:
    """Our own parallel writing in en, fa, zh-Hant and zh-Hans: sentences, titles, and whole
    paragraphs (long texts), every step-th of them."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from corpus_spec import join_sentences, load_bank, to_simplified

    sources = ROOT / "scripts" / "corpus_sources"
    bank = load_bank(sorted((sources / "bank").glob("*.yaml")) + sorted((sources / "eval" / "bank").glob("*.yaml")))
    texts = set()
    for unit in bank.values():
        texts |= set(unit.texts.values())
        by_lang: dict[str, list[str]] = {}
        for sentence in unit.sentences:
            for lang, text in sentence.texts.items():
                texts.add(text)
                by_lang.setdefault(lang, []).append(text)
                if lang == "zh-Hant":
                    texts.add(to_simplified(text))
        texts |= {join_sentences(parts, lang) for lang, parts in by_lang.items()}
    return sorted(texts)[::step]


def test_a_missing_runtime_falls_back_to_torch_with_one_note(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(embed, "runtime_installed", lambda runtime: False)
    monkeypatch.setattr(embed, "_notes_said", set())
    settings = ModelSettings(name=MODEL)
    backend = resolve_backend(settings, tmp_path)
    assert backend.kind == "torch" and "openvino and onnxruntime are not installed" in backend.note
    Embedder(settings, tmp_path)
    Embedder(settings, tmp_path)  # a second embedder in the same run says nothing new
    err = capsys.readouterr().err
    assert err.count("not installed") == 1 and "embedding with torch" in err
    with pytest.raises(RuntimeError, match="model.backend is openvino but openvino is not installed"):
        resolve_backend(settings.model_copy(update={"backend": "openvino"}), tmp_path)


def test_each_backend_keeps_its_own_cached_vectors(tmp_path):
    settings = ModelSettings(name=MODEL)
    keys = {Embedder(settings.model_copy(update={"backend": b}), tmp_path).key for b in ("torch", "auto")}
    assert len(keys) == 2


@pytest.mark.slow
def test_every_text_keeps_its_vector_on_the_backend_in_use(tmp_path):
    from pipeline.onnx_model import MIN_COSINE

    settings = ModelSettings(name=MODEL)
    fast = Embedder(settings, tmp_path)
    assert fast.backend.kind in ("openvino", "onnxruntime"), fast.backend
    texts = bank_texts()
    assert {"fa", "zh", "en"} <= {"fa" if any("\u0600" <= c <= "\u06ff" for c in t) else
                                  "zh" if any("\u4e00" <= c <= "\u9fff" for c in t) else "en" for t in texts}
    reference = Embedder(settings.model_copy(update={"backend": "torch"}), tmp_path).encoder.encode(
        [settings.prefix + t for t in texts])
    vectors = fast.encoder.encode([settings.prefix + t for t in texts])
    cosines = (vectors * reference).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= MIN_COSINE, f"{texts[worst][:60]!r}: cosine {cosines[worst]:.5f} on {fast.backend.label}"


@pytest.mark.slow
def test_a_passage_longer_than_the_model_window_is_said_once_and_not_warned_about(tmp_path, capfd):
    sentences = [f"Report {i} of the irrigation board lists the shares of water for the {i}th village "
                 f"and the days on which each field may open its gate." for i in range(40)]
    units = [Unit("p1", "passage", [" ".join(sentences)] + sentences)]
    embedder = Embedder(ModelSettings(name=MODEL, backend="torch"), tmp_path)
    embedder.encode_texts(["a first text loads the model and its tokenizer"])
    vectors = embedder.embed(units)
    embedder.close()
    err = capfd.readouterr().err
    assert vectors.shape == (1, 384) and abs(np.linalg.norm(vectors[0]) - 1) < 1e-5
    assert "Token indices sequence length" not in err
    assert err.count("embedded as groups of whole sentences") == 1


@pytest.mark.slow
def test_another_model_is_converted_on_first_use_and_keeps_its_vectors(tmp_path, capsys):
    """Any sentence-transformers folder that is Transformer -> Pooling converts: here a small
    BERT (random weights from a fixed seed, the default model's tokenizer), CLS pooling."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    bert = tmp_path / "bert"
    config = BertConfig(vocab_size=250037, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=128, max_position_embeddings=128, pad_token_id=1)
    BertModel(config).save_pretrained(bert)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (Path(MODEL) / name).exists():
            (bert / name).write_bytes((Path(MODEL) / name).read_bytes())
    transformer = Transformer(str(bert), max_seq_length=128)
    folder = tmp_path / "small-model"
    SentenceTransformer(modules=[transformer, Pooling(64, pooling_mode="cls"), Normalize()]).save(str(folder))

    settings = ModelSettings(name=str(folder), prefix="")
    embedder = Embedder(settings, tmp_path / "cache")
    assert embedder.backend.kind in ("openvino", "onnxruntime") and (folder / "onnx" / "model.onnx").exists()
    assert "converting" in capsys.readouterr().err
    texts = bank_texts(step=40)
    vectors = embedder.encoder.encode(texts)
    reference = SentenceTransformer(str(folder), device="cpu").encode(texts, normalize_embeddings=True)
    assert (vectors * reference).sum(axis=1).min() >= 0.999


# ------------------------------------------------------------- batches and the tokenizer

def test_batches_hold_every_text_once_within_the_token_budget():
    from pipeline.onnx_model import length_sorted_batches

    lengths = [5, 480, 31, 31, 200, 7, 64, 3, 600, 12, 90, 45] * 7
    batches = length_sorted_batches(lengths, batch_size=16, token_budget=512)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        width = max(lengths[i] for i in batch)
        assert len(batch) <= 16 and (width * len(batch) <= 512 or len(batch) == 1), [lengths[i] for i in batch]
    widths = [max(lengths[i] for i in batch) for batch in batches]
    assert widths == sorted(widths, reverse=True)  # longest first: memory peaks at the start
    # similar lengths share a batch: the short texts are not padded to the long ones
    assert max(lengths[i] for i in batches[-1]) <= 7


def test_the_models_ids_are_cut_as_its_tokenizer_cuts_them():
    from tokenizers import Tokenizer

    from pipeline.onnx_model import ModelTokenizer

    file = Path(MODEL) / "onnx" / "tokenizer.json"
    ours = ModelTokenizer(file, 512)
    theirs = Tokenizer.from_file(str(file))
    theirs.enable_truncation(512)
    texts = ["query: " + "آب رودخانه میان روستاها " * 200, "query: 研究人员发现" * 300, "query: short", "x " * 511]
    assert ours.model_ids(texts) == [e.ids for e in theirs.encode_batch(texts)]
    assert ours.count(texts[0]) > 512  # counts are not cut: they decide sentence groups


@pytest.mark.slow
def test_a_cold_run_reads_the_tokenizer_once(monkeypatch, tmp_path):
    import tokenizers

    real, reads = tokenizers.Tokenizer, []

    class CountingTokenizer:
        @staticmethod
        def from_file(path):
            reads.append(path)
            return real.from_file(path)

    monkeypatch.setattr(tokenizers, "Tokenizer", CountingTokenizer)
    sentences = [f"Report {i} of the irrigation board lists the water shares of village {i}." for i in range(60)]
    units = [Unit("p1", "passage", [" ".join(sentences)] + sentences)] + \
        [Unit(f"s{i}", "sentence", [s]) for i, s in enumerate(sentences)]
    embedder = Embedder(ModelSettings(name=MODEL), tmp_path)
    assert embedder.backend.kind in ("openvino", "onnxruntime"), embedder.backend
    embedder.embed(units)  # token counts for the long passage, then the model
    embedder.close()
    assert len(reads) == 1, reads


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["auto", "torch"])
def test_the_stage_gives_every_text_its_bare_fp32_vector(backend, tmp_path):
    """Length-sorted token-budget batches put texts of different lengths (so padding) and
    languages in one model call: each text must still get the vector sentence-transformers
    gives it (fp32 torch, its default batches), on the fast path and on the torch fallback."""
    from pipeline.embed import load_model, prepare_text
    from pipeline.onnx_model import length_sorted_batches

    settings = ModelSettings(name=MODEL, backend=backend)
    long_text = " ".join(bank_texts(step=1)[:60])  # past the model's 512-token window: cut alike
    texts = sorted({prepare_text(t) for t in bank_texts(step=3)} | {long_text})
    embedder = Embedder(settings, tmp_path)
    counts = [min(embedder.token_count(t), 512) for t in texts]
    batches = length_sorted_batches(counts, settings.batch_size, settings.batch_tokens)
    assert any(len({counts[i] for i in batch}) > 1 for batch in batches), "no batch with padding"
    assert max(counts) == 512 and min(counts) < 10 and len(batches) > 1
    vectors = embedder.encode_texts(texts)
    reference = load_model(settings).encode([settings.prefix + t for t in texts], normalize_embeddings=True)
    cosines = (vectors * reference).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.9999, f"{texts[worst][:60]!r}: cosine {cosines[worst]:.6f} on {embedder.backend.label}"


@pytest.mark.slow
def test_aligning_two_text_files_closes_the_embedder(tmp_path, capfd):
    from pipeline.align_texts import align_files
    from pipeline.config import load_config

    fixtures = ROOT / "tests" / "fixtures" / "align_texts"
    align_files(fixtures / "zh-en.zh.txt", fixtures / "zh-en.en.txt", load_config(ROOT / "configs" / "default.yaml"),
                tmp_path)
    assert "text(s) embedded" in capfd.readouterr().err  # the summary close() gives
