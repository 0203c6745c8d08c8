"""Tests for recurrent.text: n-gram baselines, softmax with temperature,
the sampling loop."""

import numpy as np
import pytest

from recurrent import text


def test_unigram_add_one_by_hand():
    p = text.unigram_probs(np.array([0, 0, 1]), 3)
    np.testing.assert_allclose(p, [3 / 6, 2 / 6, 1 / 6])
    nll = text.unigram_nll(np.array([0, 0, 1]), np.array([2, 0]), 3)
    np.testing.assert_allclose(nll, [np.log(6), np.log(2)])


def test_bigram_rows_and_by_hand():
    P = text.bigram_probs(np.array([0, 1, 0, 1, 1]), 2)
    # pairs: 01, 10, 01, 11 -> from 0: {1: 2}; from 1: {0: 1, 1: 1}; add one
    np.testing.assert_allclose(P, [[1 / 4, 3 / 4], [2 / 4, 2 / 4]])
    nll = text.bigram_nll(np.array([0, 1, 0, 1, 1]), np.array([0, 1, 1]), 2)
    np.testing.assert_allclose(nll, [-np.log(3 / 4), -np.log(2 / 4)])


def test_bigram_beats_unigram_on_structured_text():
    ids = np.tile(
        np.arange(5), 200
    )  # 0 1 2 3 4 0 1 ...: the previous id decides the next
    assert (
        text.bigram_nll(ids, ids, 5).mean()
        < 0.1
        < text.unigram_nll(ids, ids, 5).mean()
    )


def test_softmax_temperature_and_entropy():
    logits = np.array([[2.0, 1.0, 0.0]])
    p1 = text.softmax(logits)
    np.testing.assert_allclose(
        p1[0], np.exp([2, 1, 0]) / np.exp([2, 1, 0]).sum()
    )
    h = [
        float(text.entropy(text.softmax(logits, t))[0])
        for t in (0.2, 1.0, 5.0)
    ]
    assert h[0] < h[1] < h[2] < np.log(3)
    np.testing.assert_allclose(text.entropy(np.full(4, 0.25)), np.log(4))
    assert text.entropy(np.array([1.0, 0.0])) == 0.0


def test_ngram_matches_unigram_and_bigram():
    rng = np.random.default_rng(0)
    train, val = rng.integers(0, 4, 300), rng.integers(0, 4, 50)
    for alpha in (1.0, 0.1):
        np.testing.assert_allclose(
            text.ngram_nll(train, val, 4, 1, alpha=alpha),
            text.unigram_nll(train, val, 4, alpha=alpha),
        )
        np.testing.assert_allclose(
            text.ngram_nll(train, val, 4, 2, alpha=alpha),
            text.bigram_nll(train, val, 4, alpha=alpha),
        )


def test_trigram_by_hand():
    train = np.array([0, 1, 0, 1, 1, 0, 1, 0])
    # contexts and next: 01->0, 10->1, 01->1, 11->0, 10->1, 01->0
    # context 01 seen 3 times (0 twice, 1 once); 10 twice (1 twice);
    # 00 never. Add-one over V = 2.
    nll = text.ngram_nll(train, np.array([0, 1, 0, 1, 0, 0, 1]), 2, 3)
    # scored: 01->0, 10->1, 01->0, 10->0, 00->1
    expected = [3 / 5, 3 / 4, 3 / 5, 1 / 4, 1 / 2]
    np.testing.assert_allclose(nll, -np.log(expected))


def test_ngram_probabilities_sum_to_one():
    rng = np.random.default_rng(1)
    train = rng.integers(0, 3, 200)
    for n in (1, 2, 3, 4):
        ctx = np.array([2, 0, 1])[: n - 1]
        p = [
            np.exp(-text.ngram_nll(train, np.r_[ctx, k], 3, n)[0])
            for k in range(3)
        ]
        np.testing.assert_allclose(sum(p), 1.0)


class Cycle:
    """A fake model whose prediction needs its state: the state counts the
    ids read so far, and the logits at each position predict
    (id + number of ids read before it) mod V."""

    def __init__(self, V=4):
        self.V, self.calls = V, []

    def __call__(self, ids, state):
        self.calls.append(ids.shape[1])
        seen = 0 if state is None else state
        before = seen + np.arange(
            ids.shape[1]
        )  # ids read before each position
        logits = 5.0 * np.eye(self.V)[(ids + before) % self.V]  # (1, T, V)
        return logits, seen + ids.shape[1]


def test_generate_greedy_carries_state_and_reads_prompt_once():
    model = Cycle()
    out, nll = text.generate(
        model, None, np.array([0, 1, 2]), 5, temperature=0
    )
    # prompt 0 1 2: predicts (2 + 2) % 4 = 0; then 0 after 3 ids -> 3,
    # 3 after 4 -> 3, 3 after 5 -> 0, 0 after 6 -> 2. A generate that
    # dropped the state (None at every call) would give 0 0 0 0 0.
    np.testing.assert_array_equal(out, [0, 3, 3, 0, 2])
    assert model.calls == [3, 1, 1, 1, 1]  # prompt once, then one id per call
    assert np.all(nll < 0.1)


def test_generate_sampling_is_seeded_and_temperature_matters():
    def flat(ids, state):
        return np.tile([1.0, 0.0, 0.0, 0.0], (1, ids.shape[1], 1)), state

    def sample(temperature):
        # 300 ids after the prompt [0], always from the same generator seed
        out, _ = text.generate(
            flat,
            None,
            np.array([0]),
            300,
            temperature=temperature,
            rng=np.random.default_rng(0),
        )
        return out

    a, b, cold = sample(1.0), sample(1.0), sample(0.1)
    np.testing.assert_array_equal(a, b)
    assert (cold == 0).mean() > 0.99 > 0.7 > (a == 0).mean()


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: text.unigram_probs(np.array([0, 3]), 3),
            r"train_ids must hold ids in \[0, 3\)",
        ),
        (
            lambda: text.unigram_probs(np.array([[0, 1]]), 3),
            "train_ids must be a non-empty 1-D",
        ),
        (
            lambda: text.unigram_probs(np.array([0.0, 1.0]), 3),
            "train_ids must hold integer ids",
        ),
        (
            lambda: text.unigram_probs(np.array([0, 1]), 1),
            "V .vocabulary size. must be an int >= 2",
        ),
        (
            lambda: text.bigram_probs(np.array([0]), 3),
            "train_ids must have at least 2 ids",
        ),
        (
            lambda: text.bigram_nll(np.array([0, 1]), np.array([1]), 3),
            "val_ids must have at least 2 ids",
        ),
        (
            lambda: text.softmax(np.array([1.0, 2.0]), 0.0),
            "temperature must be a float > 0",
        ),
        (
            lambda: text.softmax(np.array([1.0]), 1.0),
            r"logits must have shape \(..., V\) with V >= 2",
        ),
        (
            lambda: text.generate(
                Cycle(), None, np.array([], int), 3, temperature=0
            ),
            r"prompt_ids must be a non-empty 1-D array of ids \(L,\), "
            r"got \(0,\)",
        ),
        (
            lambda: text.generate(
                Cycle(), None, np.array([0.5]), 3, temperature=0
            ),
            "prompt_ids must hold integer ids",
        ),
        (
            lambda: text.generate(
                Cycle(), None, np.array([-1]), 3, temperature=0
            ),
            r"prompt_ids must hold ids in \[0, inf\)",
        ),
        (
            lambda: text.generate(
                Cycle(), None, np.array([0]), 2.0, temperature=0
            ),
            "n must be an int >= 1, got 2.0",
        ),
        (
            lambda: text.generate(
                Cycle(), None, np.array([0]), 3, temperature=True
            ),
            "temperature must be a float >= 0",
        ),
        (
            lambda: text.generate(
                "model", None, np.array([0]), 3, temperature=0
            ),
            "step must be a function",
        ),
        (
            lambda: text.ngram_nll(
                np.array([0, 1]), np.array([0, 1, 0]), 2, 3
            ),
            "train_ids must have at least n = 3 ids",
        ),
        (
            lambda: text.ngram_nll(
                np.array([0, 1, 0]), np.array([0, 1]), 2, 0
            ),
            "n must be an int >= 1, got 0",
        ),
        (
            lambda: text.ngram_nll(
                np.array([0, 1, 0]), np.array([0, 2]), 2, 1
            ),
            r"val_ids must hold ids in \[0, 2\)",
        ),
        (
            lambda: text.ngram_nll(
                np.array([0, 1, 0]), np.array([0, 1]), 2, 1, alpha=0.0
            ),
            "alpha must be > 0",
        ),
        (
            lambda: text.generate(
                Cycle(), None, np.array([0]), 0, temperature=0
            ),
            "n must be an int >= 1",
        ),
        (
            lambda: text.generate(
                Cycle(), None, np.array([0]), 3, temperature=-1.0
            ),
            "temperature must be a float >= 0",
        ),
        (
            lambda: text.generate(
                Cycle(), None, np.array([0]), 3, temperature=1.0
            ),
            r"rng must be a numpy.random.Generator "
            r"\(np.random.default_rng\(seed\)\) when temperature > 0, "
            r"got None",
        ),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()
