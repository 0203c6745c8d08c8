"""recurrent.checks: the scalar checks every module uses, and one table of bad
scalars for the public functions that take them (a numpy int is an int
everywhere, a bool is never a number)."""

import re

import numpy as np
import pytest

import recurrent as rc
from recurrent import checks

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_check_int_accepts_python_and_numpy_ints(value):
    out = checks.check_int("k", value, 1, 5)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize(
    "value, low, high, message",
    [
        (True, None, None, "k must be an int, got True"),
        (3.0, None, None, "k must be an int, got 3.0"),
        ("3", None, None, "k must be an int, got '3'"),
        (0, 1, None, "k must be an int >= 1, got 0"),
        (9, None, 8, "k must be an int <= 8, got 9"),
        (9, 1, 8, "k must be an int from 1 to 8, got 9"),
        (np.int64(-1), 0, None, "k must be an int >= 0, got np.int64(-1)"),
    ],
)
def test_check_int_names_the_argument_and_the_bound(value, low, high, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        checks.check_int("k", value, low, high)


def test_check_int_states_a_custom_requirement():
    with pytest.raises(
        ValueError, match=re.escape("seed must be a non-negative int, got -1")
    ):
        checks.check_int("seed", -1, 0, expect="a non-negative int")


@pytest.mark.parametrize(
    "value, kw, message",
    [
        (False, {}, "lr must be a number, got False"),
        ("0.1", {}, "lr must be a number, got '0.1'"),
        (float("nan"), {}, "lr must be finite, got nan"),
        (float("inf"), {}, "lr must be finite, got inf"),
        (0.0, {}, "lr must be > 0, got 0.0"),
        (-1, {"allow_zero": True}, "lr must be >= 0, got -1"),
        (1.0, {"upper": 1.0}, "lr must be < 1.0, got 1.0"),
        (
            2.0,
            {"upper": 1.0, "expect": "a number in (0, 1)"},
            "lr must be a number in (0, 1), got 2.0",
        ),
    ],
)
def test_check_positive_float_names_what_failed(value, kw, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        checks.check_positive_float("lr", value, **kw)


@pytest.mark.parametrize("value", [0.5, np.float32(0.5), np.int64(2), 0])
def test_check_positive_float_accepts_numbers(value):
    assert checks.check_positive_float("x", value, allow_zero=True) == float(
        value
    )


@pytest.mark.parametrize(
    "rng", [None, 0, np.random.RandomState(0), np.random.default_rng]
)
def test_check_rng_refuses_all_but_a_generator(rng):
    with pytest.raises(
        ValueError,
        match=r"rng must be a numpy\.random\.Generator "
        r"\(np\.random\.default_rng\(seed\)\)",
    ):
        checks.check_rng(rng)
    assert checks.check_rng(RNG) is RNG


# -------------------------------------------- every public function, one table

IDS = np.array([0, 1, 2, 1, 0])
LOGITS = np.array([1.0, 2.0, 0.5])


def _epoch_line(**kw):
    from recurrent.book.keras_callbacks import EpochLine

    return EpochLine(**kw)


def _draw(T):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        return rc.book.plots.draw_unrolled(ax, T=T)
    finally:
        plt.close(fig)


BAD = [
    # (call, message): a bool where a number goes, a float where an int goes, a
    # value out of range
    (
        lambda: rc.rnn.init_params(True, 3, rng=RNG),
        "input_dim must be a positive int, got True",
    ),
    (
        lambda: rc.lstm.init_params(2, 3.0, rng=RNG),
        "units must be a positive int, got 3.0",
    ),
    (
        lambda: rc.gru.init_params(2, 3, rng=0),
        "rng must be a numpy.random.Generator",
    ),
    (
        lambda: rc.heads.init_dense(3, 1, rng=RNG),
        "C must be an int >= 2, got 1",
    ),
    (
        lambda: rc.heads.init_dense(3, 2, rng=None),
        "rng must be a numpy.random.Generator",
    ),
    (
        lambda: rc.gradcheck.check_cell(rc.rnn, 2, True, 2, 2, rng=RNG),
        "T must be a positive int",
    ),
    (
        lambda: rc.gradcheck.check_cell(rc.rnn, 2, 2, 2, 2, rng=RNG, eps=True),
        "eps must be a number in (0, 1)",
    ),
    (
        lambda: rc.gradcheck.check_cell(rc.rnn, 2, 2, 2, 2, rng=1),
        "rng must be a numpy.random.Generator",
    ),
    (
        lambda: rc.data.adding_problem(np.float64(4), 5, rng=RNG),
        "n must be an int >= 1",
    ),
    (
        lambda: rc.data.adding_problem(4, 1, rng=RNG),
        "T must be an int >= 2, got 1",
    ),
    (
        lambda: rc.data.adding_problem(4, 5, rng=3),
        "rng must be a numpy.random.Generator",
    ),
    (lambda: rc.optim.Adam(lr=True), "lr must be a number, got True"),
    (lambda: rc.optim.SGD(lr=0.1, momentum=1.0), "momentum must be < 1.0"),
    (
        lambda: rc.optim.CosineDecay(0.1, decay_steps=False),
        "decay_steps must be an int >= 1, got False",
    ),
    (
        lambda: rc.optim.CosineDecay(0.1, decay_steps=10, alpha=-0.1),
        "alpha must be >= 0",
    ),
    (
        lambda: rc.experiments.count_below([1.0, 2.0], True),
        "threshold must be a number, got True",
    ),
    (
        lambda: rc.text.unigram_probs(IDS, np.float64(3)),
        "V (vocabulary size) must be an int >= 2",
    ),
    (
        lambda: rc.text.softmax(LOGITS, True),
        "temperature must be a float > 0, got True",
    ),
    (
        lambda: rc.text.softmax(LOGITS, float("inf")),
        "temperature must be a float > 0, got inf",
    ),
    (
        lambda: rc.text.generate(None, None, IDS, 2.0, temperature=0),
        "n must be an int >= 1, got 2.0",
    ),
    (
        lambda: rc.text.generate(None, None, IDS, 2, temperature=1.0),
        "rng must be a numpy.random.Generator",
    ),
    (lambda: rc.setup(seed=True), "seed must be a non-negative int, got True"),
    (lambda: _epoch_line(every=0), "every must be a positive int, got 0"),
    (lambda: _epoch_line(every=2.0), "every must be a positive int, got 2.0"),
    (lambda: _draw(np.int64(9)), "T must be an int from 1 to 8"),
    (lambda: _draw(True), "T must be an int from 1 to 8"),
    (
        lambda: rc.bench.run(repeats=np.int64(3), warmup=-1),
        "warmup must be an int >= 0, got -1",
    ),
    (
        lambda: rc.bench.run(repeats=True),
        "repeats must be an int >= 1, got True",
    ),
]


@pytest.mark.parametrize("call, message", BAD, ids=[m for _, m in BAD])
def test_bad_scalars_raise_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_numpy_ints_are_ints_everywhere():
    assert _epoch_line(every=np.int64(2)).every == 2
    _draw(np.int64(3))
    assert rc.data.adding_problem(np.int64(3), np.int32(4), rng=RNG)[
        0
    ].shape == (3, 4, 2)
    assert rc.rnn.init_params(np.int64(2), np.int16(3), rng=RNG)[
        "kernel"
    ].shape == (2, 3)
    assert rc.text.generate(
        lambda ids, s: (np.ones((1, ids.shape[1], 3)), s),
        None,
        IDS,
        np.int64(2),
        temperature=0,
    )[0].shape == (2,)
