"""Bad input fails early with a ValueError that names the argument and what it
should be.

Each case builds valid inputs, breaks exactly one thing, and checks the
message: the argument's name and the expected shape (in letters and, where
known, in numbers).
"""

import re

import numpy as np
import pytest

import recurrent as rc

N, T, D, H = 3, 5, 4, 6
F32, F64 = np.float32, np.float64


def _p(kind, dtype=F64, **variant):
    return getattr(rc, kind).init_params(
        D, H, rng=np.random.default_rng(0), dtype=dtype, **variant
    )


def _x(dtype=F64, shape=(N, T, D)):
    return np.random.default_rng(1).normal(size=shape).astype(dtype)


def _z(*shape, dtype=F64):
    return np.zeros(shape, dtype)


def _with(params, **changes):
    return dict(params, **changes)


def _without(params, key):
    return {k: v for k, v in params.items() if k != key}


def _nan_at(a, idx=0):
    a = a.copy()
    a.flat[idx] = np.nan
    return a


def _cache(kind, **variant):
    _, cache = getattr(rc, kind).forward(_x(), _p(kind, **variant), **variant)
    return cache


E = re.escape
CASES = [
    # ---------------------------------------------------------------- x
    (
        "rnn x rank 2",
        lambda: rc.rnn.forward(_x(shape=(N, D)), _p("rnn")),
        E("x must be a 3-D array of shape (N, T, D), got shape (3, 4)"),
    ),
    (
        "lstm x rank 4",
        lambda: rc.lstm.forward(_x(shape=(N, T, D, 1)), _p("lstm")),
        E("x must be a 3-D array of shape (N, T, D), got shape (3, 5, 4, 1)"),
    ),
    (
        "gru x wrong D",
        lambda: rc.gru.forward(_x(shape=(N, T, D + 1)), _p("gru")),
        E(
            "x must have shape (N, T, D) = (N, T, 4): D = 4 is the number of "
            "rows of params['kernel'], got (3, 5, 5)"
        ),
    ),
    (
        "rnn x T = 0",
        lambda: rc.rnn.forward(_x(shape=(N, 0, D)), _p("rnn")),
        E("x must have shape (N, T, D) with T >= 1 time steps, got (3, 0, 4)"),
    ),
    (
        "lstm x N = 0",
        lambda: rc.lstm.forward(_x(shape=(0, T, D)), _p("lstm")),
        E("x must have shape (N, T, D) with N >= 1, got (0, 5, 4)"),
    ),
    (
        "gru x is a list",
        lambda: rc.gru.forward(_x().tolist(), _p("gru")),
        E("x must be a numpy array of shape (N, T, D), got list"),
    ),
    (
        "rnn x integer dtype",
        lambda: rc.rnn.forward(np.ones((N, T, D), int), _p("rnn")),
        E(
            "x must be a floating-point array (float32 or float64) of shape "
            "(N, T, D), got dtype int64"
        ),
    ),
    (
        "lstm x NaN",
        lambda: rc.lstm.forward(_nan_at(_x(), 7), _p("lstm")),
        E(
            "x of shape (N, T, D) = (3, 5, 4) must be finite, but 1 of its "
            "60 values are NaN or inf"
        ),
    ),
    (
        "gru x inf",
        lambda: rc.gru.forward(
            _x() * np.array([1, 1, 1, np.inf]),
            _p("gru", reset_after=False),
            reset_after=False,
        ),
        E(
            "x of shape (N, T, D) = (3, 5, 4) must be finite, but 15 of its "
            "60 values are NaN or inf"
        ),
    ),
    (
        "rnn x float32 params float64",
        lambda: rc.rnn.forward(_x(F32), _p("rnn", F64)),
        E(
            "x of shape (N, T, D) has dtype float32 but params have dtype "
            "float64"
        ),
    ),
    (
        "gru x float64 params float32",
        lambda: rc.gru.forward(_x(F64), _p("gru", F32)),
        E(
            "x of shape (N, T, D) has dtype float64 but params have dtype "
            "float32"
        ),
    ),
    (
        "rnn step x_t rank 3",
        lambda: rc.rnn.step_forward(_x(), _z(N, H), _p("rnn")),
        E("x_t must be a 2-D array of shape (N, D), got shape (3, 5, 4)"),
    ),
    # ---------------------------------------------------------- initial states
    (
        "rnn state0 batch",
        lambda: rc.rnn.forward(_x(), _p("rnn"), _z(N + 1, H)),
        E("state0 must have shape (N, H) = (3, 6), got (4, 6)"),
    ),
    (
        "gru state0 units",
        lambda: rc.gru.forward(_x(), _p("gru"), _z(N, H + 1)),
        E("state0 must have shape (N, H) = (3, 6), got (3, 7)"),
    ),
    (
        "lstm h0 and c0 batches differ",
        lambda: rc.lstm.forward(_x(), _p("lstm"), (_z(N, H), _z(N + 1, H))),
        E("state0[1] (c) must have shape (N, H) = (3, 6), got (4, 6)"),
    ),
    (
        "lstm h0 batch",
        lambda: rc.lstm.forward(_x(), _p("lstm"), (_z(N - 1, H), _z(N, H))),
        E("state0[0] (h) must have shape (N, H) = (3, 6), got (2, 6)"),
    ),
    (
        "lstm state0 not a pair",
        lambda: rc.lstm.forward(_x(), _p("lstm"), _z(N, H)),
        E(
            "state0 must be a pair (h, c) of arrays of shape (N, H) = (3, "
            "6), got array of shape (3, 6)"
        ),
    ),
    (
        "rnn state0 NaN",
        lambda: rc.rnn.forward(_x(), _p("rnn"), _nan_at(_z(N, H))),
        E("state0 of shape (N, H) = (3, 6) must be finite"),
    ),
    (
        "lstm c0 inf",
        lambda: rc.lstm.forward(
            _x(), _p("lstm"), (_z(N, H), _z(N, H) + np.inf)
        ),
        E("state0[1] (c) of shape (N, H) = (3, 6) must be finite"),
    ),
    (
        "gru state0 float32",
        lambda: rc.gru.forward(_x(), _p("gru"), _z(N, H, dtype=F32)),
        E(
            "state0 of shape (N, H) must have dtype float64 like x, got "
            "float32"
        ),
    ),
    (
        "gru step h_prev batch",
        lambda: rc.gru.step_forward(_x()[:, 0], _z(N + 2, H), _p("gru")),
        E("h_prev must have shape (N, H) = (3, 6), got (5, 6)"),
    ),
    # ---------------------------------------------------------------- params
    (
        "rnn params not a dict",
        lambda: rc.rnn.forward(_x(), list(_p("rnn").values())),
        E(
            "params must be a dict with keys 'kernel' (D, H), "
            "'recurrent_kernel' (H, H), 'bias' (H,), got list"
        ),
    ),
    (
        "lstm missing bias",
        lambda: rc.lstm.forward(_x(), _without(_p("lstm"), "bias")),
        E(
            "params is missing ['bias']: expected keys 'kernel' (D, 4H), "
            "'recurrent_kernel' (H, 4H), 'bias' (4H,)"
        ),
    ),
    (
        "gru missing kernel",
        lambda: rc.gru.forward(_x(), _without(_p("gru"), "kernel")),
        E(
            "params is missing ['kernel']: expected keys 'kernel' (D, 3H), "
            "'recurrent_kernel' (H, 3H), 'bias' (2, 3H)"
        ),
    ),
    (
        "lstm peepholes missing",
        lambda: rc.lstm.forward(_x(), _p("lstm"), peephole=True),
        E(
            "params is missing ['input_gate_peephole_weights', "
            "'forget_gate_peephole_weights', "
            "'output_gate_peephole_weights'] (peephole=True needs the "
            "peephole weights"
        )
        + ".*"
        + E("'output_gate_peephole_weights' (H,)"),
    ),
    (
        "lstm peepholes with peephole=False",
        lambda: rc.lstm.forward(
            _x(), _p("lstm", peephole=True), peephole=False
        ),
        E(
            "(a peephole LSTM needs peephole=True): expected keys 'kernel' "
            "(D, 4H)"
        ),
    ),
    (
        "lstm peephole wrong shape",
        lambda: rc.lstm.forward(
            _x(),
            _with(
                _p("lstm", peephole=True),
                forget_gate_peephole_weights=_z(H + 1),
            ),
            peephole=True,
        ),
        E(
            "params['forget_gate_peephole_weights'] must have shape (H,) = "
            "(6,), got (7,)"
        ),
    ),
    (
        "lstm kernel columns",
        lambda: rc.lstm.forward(_x(), _with(_p("lstm"), kernel=_z(D, 3 * H))),
        E(
            "params['kernel'] must have shape (D, 4H) = (D, 24) (gate order "
            "i, f, c, o), got (4, 18)"
        ),
    ),
    (
        "rnn kernel rank 1",
        lambda: rc.rnn.forward(_x(), _with(_p("rnn"), kernel=_z(D * H))),
        E("params['kernel'] must have shape (D, H) = (D, 6), got (24,)"),
    ),
    (
        "gru recurrent_kernel",
        lambda: rc.gru.forward(
            _x(), _with(_p("gru"), recurrent_kernel=_z(H, 4 * H))
        ),
        E(
            "params['recurrent_kernel'] must have shape (H, 3H) = (6, 18) "
            "for H = 6 (gate order z, r, h), got (6, 24)"
        ),
    ),
    (
        "lstm recurrent_kernel transposed",
        lambda: rc.lstm.forward(
            _x(), _with(_p("lstm"), recurrent_kernel=_z(4 * H, H))
        ),
        E(
            "params['recurrent_kernel'] must have shape (H, 4H) = (6, 24) "
            "(transposed?) (gate order i, f, c, o), "
            "got (24, 6)"
        ),
    ),
    (
        "gru kernel transposed",
        lambda: rc.gru.forward(_x(), _with(_p("gru"), kernel=_z(3 * H, D))),
        E(
            "params['kernel'] must have shape (D, 3H) = (D, 18) (gate order "
            "z, r, h), got (18, 4) (transposed?)"
        ),
    ),
    (
        "rnn bias shape",
        lambda: rc.rnn.forward(_x(), _with(_p("rnn"), bias=_z(H, 1))),
        E("params['bias'] must have shape (H,) = (6,), got (6, 1)"),
    ),
    (
        "lstm bias shape",
        lambda: rc.lstm.forward(_x(), _with(_p("lstm"), bias=_z(3 * H))),
        E("params['bias'] must have shape (4H,) = (24,), got (18,)"),
    ),
    (
        "gru reset_after=True with bias (3H,)",
        lambda: rc.gru.forward(
            _x(), _p("gru", reset_after=False), reset_after=True
        ),
        E(
            "params['bias'] must have shape (2, 3H) = (2, 18) for "
            "reset_after=True, got (18,), "
            "the bias of reset_after=False"
        ),
    ),
    (
        "gru reset_after=False with bias (2, 3H)",
        lambda: rc.gru.forward(
            _x(), _p("gru", reset_after=True), reset_after=False
        ),
        E(
            "params['bias'] must have shape (3H,) = (18,) for "
            "reset_after=False, got (2, 18), "
            "the bias of reset_after=True"
        ),
    ),
    (
        "gru bias other shape",
        lambda: rc.gru.forward(_x(), _with(_p("gru"), bias=_z(3, 3 * H))),
        E(
            "params['bias'] (reset_after=True) must have shape (2, 3H) = (2, "
            "18), got (3, 18)"
        ),
    ),
    (
        "rnn kernel NaN",
        lambda: rc.rnn.forward(
            _x(), _with(_p("rnn"), kernel=_nan_at(_p("rnn")["kernel"]))
        ),
        E("params['kernel'] of shape (D, H) = (4, 6) must be finite"),
    ),
    (
        "lstm recurrent_kernel inf",
        lambda: rc.lstm.forward(
            _x(),
            _with(
                _p("lstm"),
                recurrent_kernel=_p("lstm")["recurrent_kernel"] * np.inf,
            ),
        ),
        E(
            "params['recurrent_kernel'] of shape (H, 4H) = (6, 24) must be "
            "finite"
        ),
    ),
    (
        "gru bias NaN",
        lambda: rc.gru.forward(
            _x(), _with(_p("gru"), bias=_nan_at(_z(2, 3 * H), 5))
        ),
        E(
            "params['bias'] (reset_after=True) of shape (2, 3H) = (2, 18) "
            "must be finite"
        ),
    ),
    (
        "lstm mixed parameter dtypes",
        lambda: rc.lstm.forward(
            _x(), _with(_p("lstm"), bias=_z(4 * H, dtype=F32))
        ),
        E(
            "params['bias'] of shape (4H,) has dtype float32 but "
            "params['kernel'] has float64"
        ),
    ),
    (
        "rnn integer kernel",
        lambda: rc.rnn.forward(
            _x(), _with(_p("rnn"), kernel=np.ones((D, H), int))
        ),
        E(
            "params['kernel'] must be a floating numpy array of shape (D, "
            "H), got int64"
        ),
    ),
    # ---------------------------------------------------------------- backward
    (
        "rnn dh_seq shape",
        lambda: rc.rnn.backward(_z(N, T - 1, H), _cache("rnn")),
        E("dh_seq must have shape (N, T, H) = (3, 5, 6), got (3, 4, 6)"),
    ),
    (
        "gru dh_seq dtype",
        lambda: rc.gru.backward(_z(N, T, H, dtype=F32), _cache("gru")),
        E(
            "dh_seq of shape (N, T, H) must have dtype float64 like x, got "
            "float32"
        ),
    ),
    (
        "lstm dh_seq NaN",
        lambda: rc.lstm.backward(_nan_at(_z(N, T, H)), _cache("lstm")),
        E("dh_seq of shape (N, T, H) = (3, 5, 6) must be finite"),
    ),
    (
        "rnn dstate shape",
        lambda: rc.rnn.backward(None, _cache("rnn"), _z(N, T, H)),
        E("dstate must have shape (N, H) = (3, 6), got (3, 5, 6)"),
    ),
    (
        "gru dstate batch",
        lambda: rc.gru.backward(
            None, _cache("gru", reset_after=False), _z(1, H)
        ),
        E("dstate must have shape (N, H) = (3, 6), got (1, 6)"),
    ),
    (
        "lstm dstate dc shape",
        lambda: rc.lstm.backward(
            None, _cache("lstm"), (_z(N, H), _z(N, H + 1))
        ),
        E("dstate[1] (c) must have shape (N, H) = (3, 6), got (3, 7)"),
    ),
    (
        "gru input_grad not a bool",
        lambda: rc.gru.backward(None, _cache("gru"), input_grad=0),
        E("input_grad must be True or False, got 0"),
    ),
    (
        "lstm dstate not a pair",
        lambda: rc.lstm.backward(None, _cache("lstm"), [_z(N, H)]),
        E(
            "dstate must be a pair (h, c) of arrays of shape (N, H) = (3, "
            "6), got list"
        ),
    ),
    (
        "rnn step dh_t shape",
        lambda: rc.rnn.step_backward(
            _z(N, H + 1),
            rc.rnn.step_forward(_x()[:, 0], _z(N, H), _p("rnn"))[1],
        ),
        E("dh_t must have shape (N, H) = (3, 6), got (3, 7)"),
    ),
    # ------------------------------------------------------ masks (chapter 11)
    (
        "rnn mask wrong T",
        lambda: rc.rnn.forward(
            _x(), _p("rnn"), mask=np.ones((N, T - 1), bool)
        ),
        E(
            "mask must have shape (N, T) = (3, 5) like x's first two axes, "
            "got (3, 4)"
        ),
    ),
    (
        "lstm mask (N, T, 1)",
        lambda: rc.lstm.forward(
            _x(), _p("lstm"), mask=np.ones((N, T, 1), bool)
        ),
        E(
            "mask must have shape (N, T) = (3, 5) like x's first two axes, "
            "got (3, 5, 1)"
        ),
    ),
    (
        "gru mask float",
        lambda: rc.gru.forward(_x(), _p("gru"), mask=np.ones((N, T))),
        E(
            "mask of shape (N, T) must have dtype bool (True = a real step), "
            "got float64"
        ),
    ),
    (
        "rnn mask int",
        lambda: rc.rnn.forward(_x(), _p("rnn"), mask=np.ones((N, T), int)),
        E(
            "mask of shape (N, T) must have dtype bool (True = a real step), "
            "got int64"
        ),
    ),
    (
        "lstm mask is a list",
        lambda: rc.lstm.forward(_x(), _p("lstm"), mask=[[True] * T] * N),
        E(
            "mask must be a numpy bool array of shape (N, T) = (3, 5), got "
            "list"
        ),
    ),
    (
        "gru mask all-False row",
        lambda: rc.gru.forward(
            _x(),
            _p("gru", reset_after=False),
            reset_after=False,
            mask=np.array(
                [[True] * T, [False] * T, [True] + [False] * (T - 1)]
            ),
        ),
        E(
            "mask of shape (N, T) = (3, 5) has rows with no True step "
            "(sequences of length 0): rows [1]"
        ),
    ),
    # ----------------------------------------------------------------
    # init_params
    (
        "rnn rng is a seed",
        lambda: rc.rnn.init_params(D, H, rng=0),
        E(
            "rng must be a numpy.random.Generator "
            "(np.random.default_rng(seed)), got 0"
        ),
    ),
    (
        "lstm rng is a RandomState",
        lambda: rc.lstm.init_params(D, H, rng=np.random.RandomState(0)),
        E("rng must be a numpy.random.Generator"),
    ),
    (
        "gru units 0",
        lambda: rc.gru.init_params(D, 0, rng=np.random.default_rng(0)),
        E("units must be a positive int, got 0"),
    ),
    (
        "lstm units negative",
        lambda: rc.lstm.init_params(D, -3, rng=np.random.default_rng(0)),
        E("units must be a positive int, got -3"),
    ),
    (
        "rnn input_dim float",
        lambda: rc.rnn.init_params(4.0, H, rng=np.random.default_rng(0)),
        E("input_dim must be a positive int, got 4.0"),
    ),
    (
        "gru integer dtype",
        lambda: rc.gru.init_params(
            D, H, rng=np.random.default_rng(0), dtype=np.int32
        ),
        "dtype must be a floating dtype \\(float32 or float64\\)",
    ),
    # ----------------------------------------------------------------
    # gradcheck
    (
        "numerical_gradient integer x",
        lambda: rc.gradcheck.numerical_gradient(lambda: 0.0, np.ones(3, int)),
        E("x must be a floating numpy array (any shape), got int64"),
    ),
    (
        "numerical_gradient eps 0",
        lambda: rc.gradcheck.numerical_gradient(
            lambda: 0.0, np.ones(3), eps=0
        ),
        E("eps must be a number in (0, 1), e.g. 1e-5, got 0"),
    ),
    (
        "rel_error shapes",
        lambda: rc.gradcheck.rel_error(np.ones((2, 3)), np.ones((3, 2))),
        E("a and b must have the same shape, got (2, 3) and (3, 2)"),
    ),
    (
        "check_cell T = 0",
        lambda: rc.gradcheck.check_cell(
            rc.rnn, 2, 0, 3, 3, rng=np.random.default_rng(0)
        ),
        E("T must be a positive int (x is (N, T, D), states (N, H)), got 0"),
    ),
    (
        "check_cell not a module",
        lambda: rc.gradcheck.check_cell(
            np, 2, 2, 3, 3, rng=np.random.default_rng(0)
        ),
        E(
            "module must be a cell module with init_params() (recurrent.rnn, "
            "lstm or gru)"
        ),
    ),
    (
        "check_cell rng",
        lambda: rc.gradcheck.check_cell(rc.gru, 2, 2, 3, 3, rng=None),
        E("rng must be a numpy.random.Generator"),
    ),
    # ----------------------------------------------------------------
    # gradient_flow
    (
        "gradient_flow max_lag = T",
        lambda: rc.gradient_flow.gradient_norm_by_lag(
            rc.rnn, _p("rnn"), _x(), max_lag=T
        ),
        E("max_lag must be an integer in [0, T - 1] = [0, 4], got 5"),
    ),
    (
        "gradient_flow max_lag negative",
        lambda: rc.gradient_flow.gradient_norm_by_lag(
            rc.gru, _p("gru"), _x(), max_lag=-1
        ),
        E("max_lag must be an integer in [0, T - 1] = [0, 4], got -1"),
    ),
    (
        "gradient_flow direction shape",
        lambda: rc.gradient_flow.gradient_norm_by_lag(
            rc.lstm, _p("lstm"), _x(), direction=_z(N, H + 1)
        ),
        E("direction must have shape (N, H) = (3, 6), got (3, 7)"),
    ),
    (
        "gradient_flow direction dtype",
        lambda: rc.gradient_flow.gradient_norm_by_lag(
            rc.rnn, _p("rnn"), _x(), direction=_z(N, H, dtype=F32)
        ),
        E(
            "direction of shape (N, H) = (3, 6) must be finite with the "
            "dtype of x (float64), got dtype float32"
        ),
    ),
    (
        "gradient_flow x rank 2",
        lambda: rc.gradient_flow.gradient_norm_by_lag(
            rc.rnn, _p("rnn"), _x(shape=(N, D))
        ),
        E("x must be a numpy array of shape (N, T, D), got (3, 4)"),
    ),
    (
        "gradient_flow params checked even for max_lag 0",
        lambda: rc.gradient_flow.gradient_norm_by_lag(
            rc.lstm, _without(_p("lstm"), "bias"), _x(), max_lag=0
        ),
        E("params is missing ['bias']"),
    ),
]


@pytest.mark.parametrize(
    "call, match",
    [pytest.param(call, match, id=name) for name, call, match in CASES],
)
def test_bad_input_raises_a_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_no_silent_dtype_conversion(kind):
    # a float32 x with float32 params runs in float32; float64 x is refused
    # rather than cast
    module = getattr(rc, kind)
    h_seq, _ = module.forward(_x(F32), _p(kind, F32))
    assert h_seq.dtype == F32
    with pytest.raises(ValueError, match="convert one of them explicitly"):
        module.forward(_x(F64), _p(kind, F32))
