"""rc.gradient_flow.gradient_norm_by_lag against the definition and a
brute-force derivative."""

import numpy as np
import pytest
from cell_cases import CELLS, parts, randomize

import recurrent as rc


def _case(kind, variant, N=2, T=4, D=2, H=3, seed=0):
    rng = np.random.default_rng(seed)
    module = getattr(rc, kind)
    params = randomize(
        module.init_params(D, H, rng=rng, dtype=np.float64, **variant),
        rng,
        scale=0.8,
    )
    return module, params, rng.normal(size=(N, T, D)), rng.normal(size=(N, H))


@pytest.mark.parametrize("kind, variant", CELLS)
def test_lag_zero_is_the_norm_of_the_direction(kind, variant):
    module, params, x, direction = _case(kind, variant)
    lags, norms = rc.gradient_flow.gradient_norm_by_lag(
        module, params, x, direction=direction, **variant
    )
    np.testing.assert_array_equal(lags, np.arange(x.shape[1]))
    assert norms.shape == lags.shape
    assert norms[0] == pytest.approx(
        np.linalg.norm(direction, axis=1).mean(), rel=1e-15
    )
    # the default direction is all ones / sqrt(H): unit norm for every example
    _, default_norms = rc.gradient_flow.gradient_norm_by_lag(
        module, params, x, max_lag=0, **variant
    )
    assert default_norms.tolist() == [pytest.approx(1.0, rel=1e-12)]


@pytest.mark.parametrize("kind, variant", CELLS)
def test_matches_brute_force_derivative(kind, variant):
    # dL/dh_{T-k} by centred differences through forward only: restart the cell
    # from the state at T - k, nudge h (the LSTM's c stays), run the last k
    # steps, read L = sum(h_T * direction).
    module, params, x, direction = _case(kind, variant)
    N, T, _ = x.shape
    _, norms = rc.gradient_flow.gradient_norm_by_lag(
        module, params, x, direction=direction, **variant
    )
    for k in range(1, T):
        state = module.final_state(
            module.forward(x[:, : T - k], params, **variant)[1]
        )
        h = parts(state)[0].copy()

        def loss():
            s = (h, state[1]) if isinstance(state, tuple) else h
            h_seq, _ = module.forward(x[:, T - k :], params, s, **variant)
            return float(np.sum(h_seq[:, -1] * direction))

        grad = rc.gradcheck.numerical_gradient(loss, h)  # (N, H)
        assert norms[k] == pytest.approx(
            np.linalg.norm(grad, axis=1).mean(), rel=1e-7
        ), k


def test_small_recurrent_weights_make_the_gradient_vanish():
    module, params, x, _ = _case("rnn", {}, T=8)
    params["recurrent_kernel"] *= (
        0.1 / np.abs(np.linalg.eigvals(params["recurrent_kernel"])).max()
    )
    _, norms = rc.gradient_flow.gradient_norm_by_lag(module, params, x)
    assert np.all(np.diff(norms) < 0) and norms[-1] < 1e-5 * norms[0]


def test_max_lag_limits_the_lags_and_agrees_with_the_full_run():
    module, params, x, direction = _case("gru", {"reset_after": True}, T=5)
    lags, norms = rc.gradient_flow.gradient_norm_by_lag(
        module, params, x, direction=direction, max_lag=2
    )
    _, full = rc.gradient_flow.gradient_norm_by_lag(
        module, params, x, direction=direction
    )
    assert lags.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(norms, full[:3])


@pytest.mark.parametrize(
    "variant", [{}, {"peephole": True}], ids=["lstm", "lstm-peephole"]
)
def test_cell_state_gradient_matches_brute_force(variant):
    # wrt="c": the same restart as above, nudging c_{T-k} while h_{T-k} stays
    module, params, x, direction = _case("lstm", variant)
    N, T, _ = x.shape
    _, norms = rc.gradient_flow.gradient_norm_by_lag(
        module, params, x, direction=direction, wrt="c", **variant
    )
    assert np.isnan(norms[0])
    for k in range(1, T):
        h, c = module.final_state(
            module.forward(x[:, : T - k], params, **variant)[1]
        )

        def loss():
            h_seq, _ = module.forward(x[:, T - k :], params, (h, c), **variant)
            return float(np.sum(h_seq[:, -1] * direction))

        grad = rc.gradcheck.numerical_gradient(loss, c)  # (N, H)
        assert norms[k] == pytest.approx(
            np.linalg.norm(grad, axis=1).mean(), rel=1e-7
        ), k


def test_cell_state_gradient_needs_an_lstm_and_a_known_wrt():
    module, params, x, _ = _case("rnn", {})
    with pytest.raises(
        ValueError, match=r"wrt='c' needs a cell with a cell state"
    ):
        rc.gradient_flow.gradient_norm_by_lag(module, params, x, wrt="c")
    with pytest.raises(ValueError, match=r"wrt must be 'h' or 'c', got 'x'"):
        rc.gradient_flow.gradient_norm_by_lag(module, params, x, wrt="x")
