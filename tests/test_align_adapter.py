"""The round 8 adapter of bench.align_adapter: its training pairs keep the held-out sets out,
its fit learns a map that a distortion calls for, and its constant dimension keeps the
model's cosine scale."""

import numpy as np

from bench.align_adapter import (HELD_OUT, adapted, constant_share, fit_adapter, gold_partner_retrieval,
                                 training_pairs, unrelated_cosine)


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_the_constant_dimension_makes_cosines_an_affine_map_of_the_mapped_ones():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 8)), rng.normal(size=(50, 8))
    w = np.eye(8) + 0.3 * rng.normal(size=(8, 8))
    beta = 0.7
    mapped = (_unit(a @ w.T) * _unit(b @ w.T)).sum(axis=1)
    assert np.allclose((adapted(a, w, beta) * adapted(b, w, beta)).sum(axis=1), (1 - beta) * mapped + beta, atol=1e-5)
    assert np.allclose(np.linalg.norm(adapted(a, w, beta), axis=1), 1.0, atol=1e-5)


def test_beta_gives_unrelated_pairs_back_the_models_mean_cosine():
    rng = np.random.default_rng(1)
    common = rng.normal(size=16) * 3  # a model whose sentences all lean one way
    a, b = rng.normal(size=(400, 16)) + common, rng.normal(size=(400, 16)) + common
    w = np.diag(np.r_[np.full(8, 0.2), np.ones(8)])
    raw = unrelated_cosine(a, b)
    beta = constant_share(raw, unrelated_cosine(a @ w.T, b @ w.T))
    assert 0 < beta < 1
    assert abs(unrelated_cosine(adapted(a, w, beta), adapted(b, w, beta)) - raw) < 1e-5


def test_the_fit_learns_to_ignore_what_one_language_adds():
    rng = np.random.default_rng(2)
    meaning = rng.normal(size=(3000, 16))
    noise = np.zeros_like(meaning)
    noise[:, :4] = 3.0 * rng.normal(size=(3000, 4))  # one language's own variation, no meaning
    sentences, english = meaning + noise, meaning + 0.3 * rng.normal(size=meaning.shape)
    langs = ["xx"] * 2500 + ["yy"] * 500
    w = fit_adapter(sentences[:2500], english[:2500], langs[:2500], pull=0.001, epochs=12)

    def first_right(vectors_a, vectors_b):
        cosines = _unit(vectors_a) @ _unit(vectors_b).T
        return float((cosines.argmax(axis=1) == np.arange(len(cosines))).mean())

    before = first_right(sentences[2500:], english[2500:])
    after = first_right(sentences[2500:] @ w.T, english[2500:] @ w.T)
    assert after > before + 0.2
    assert np.diag(w)[:4].max() < np.diag(w)[4:].min()  # the noisy dimensions weigh less


def test_training_pairs_leave_out_the_held_out_languages_and_their_english(tmp_path):
    folder = tmp_path / "data" / "tatoeba" / "v1"
    folder.mkdir(parents=True)

    def write(name, lines):
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    write(f"tatoeba.{HELD_OUT[0]}-eng.eng", ["I am here."])
    write(f"tatoeba.{HELD_OUT[0]}-eng.{HELD_OUT[0]}", ["x"])
    write(f"tatoeba.{HELD_OUT[1]}-eng.eng", ["It rains."])
    write(f"tatoeba.{HELD_OUT[1]}-eng.{HELD_OUT[1]}", ["y"])
    write("tatoeba.deu-eng.eng", ["I am here.", "The cat sleeps.", ""])
    write("tatoeba.deu-eng.deu", ["Ich bin hier.", "Die Katze schläft.", "leer"])
    write("tatoeba.fra-eng.eng", ["It rains.", "We eat."])
    write("tatoeba.fra-eng.fra", ["Il pleut.", "Nous mangeons."])
    langs, sentences, english = training_pairs(tmp_path, ("deu", "fra"))
    assert list(zip(langs, sentences, english)) == [("deu", "Die Katze schläft.", "The cat sleeps."),
                                                     ("fra", "Nous mangeons.", "We eat.")]


def test_gold_partner_retrieval_counts_one_to_one_links_only():
    rng = np.random.default_rng(3)
    src = rng.normal(size=(6, 8))
    tgt = src[[0, 1, 2, 3, 4, 5]] + 0.05 * rng.normal(size=(6, 8))
    tgt[4] = rng.normal(size=8)  # the partner of sentence 4 is a stranger
    gold = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,)), ((4,), (4,)), ((5,), (5,)), ((0, 1), (0,))]
    found, total, gaps = gold_partner_retrieval(src, tgt, gold)
    assert (found, total) == (5, 6)
    assert len(gaps) == 6 and min(gaps) == gaps[4]


def test_the_unseen_languages_are_in_neither_the_training_nor_the_held_out_list():
    from bench.align_adapter import TRAINING_LANGUAGES, UNSEEN_LANGUAGES

    assert not set(UNSEEN_LANGUAGES) & (set(TRAINING_LANGUAGES) | set(HELD_OUT))
    assert not set(TRAINING_LANGUAGES) & set(HELD_OUT)
