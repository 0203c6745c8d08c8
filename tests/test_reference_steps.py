"""The reference steps on their own: gradient checks of step_backward, the
dtypes the cells accept, and the helpers that show them on a page
(rc.show_source) and that the fast loops share (fastpath).

test_cells.py checks the fast sequence loops against a chain of these steps;
here each step's backward is checked against centred differences of its own
forward, so the two checks together do not rely on either implementation being
right.
"""

import numpy as np
import pytest
from cell_cases import CELLS, as_state, parts, randomize

import recurrent as rc
from recurrent.gradcheck import numerical_gradient, rel_error


def _step_setup(kind, variant, rng, N=3, D=4, H=5):
    module = getattr(rc, kind)
    params = randomize(
        module.init_params(D, H, rng=rng, dtype=np.float64, **variant), rng
    )
    x_t = rng.normal(size=(N, D))
    state = [rng.normal(0.0, 0.5, (N, H)) for _ in module.STATE_NAMES]
    weights = [
        rng.normal(size=(N, H)) for _ in module.STATE_NAMES
    ]  # L = sum(state_t * weights)
    return module, params, x_t, state, weights


@pytest.mark.parametrize("kind, variant", CELLS)
def test_step_backward_matches_centred_differences(kind, variant):
    module, params, x_t, state, weights = _step_setup(
        kind, variant, np.random.default_rng(1)
    )

    def loss():
        new_state, _ = module.step_forward(
            x_t, as_state(module, state), params, **variant
        )
        return float(
            sum((s * w).sum() for s, w in zip(parts(new_state), weights))
        )

    _, step_cache = module.step_forward(
        x_t, as_state(module, state), params, **variant
    )
    dx_t, dstate_prev, grads = module.step_backward(
        as_state(module, weights), step_cache
    )
    dstate_prev = parts(dstate_prev)
    errors = {"x_t": rel_error(dx_t, numerical_gradient(loss, x_t))}
    for j, s in enumerate(state):
        errors[f"state[{j}]"] = rel_error(
            dstate_prev[j], numerical_gradient(loss, s)
        )
    for key, p in params.items():
        errors[key] = rel_error(grads[key], numerical_gradient(loss, p))
    assert set(grads) == set(params)
    assert max(errors.values()) < 1e-8, errors


def test_a_wrong_step_backward_fails_the_check():
    """The check above can fail: the LSTM step without the forget gate on the
    cell path (3.12)."""
    module, params, x_t, state, weights = _step_setup(
        "lstm", {}, np.random.default_rng(2)
    )
    _, step_cache = module.step_forward(x_t, tuple(state), params)
    wrong = dict(
        step_cache, f=np.ones_like(step_cache["f"])
    )  # dc_prev = c_hat * 1
    _, (_, dc_prev), _ = module.step_backward(tuple(weights), wrong)

    def loss():
        (h, c), _ = module.step_forward(x_t, tuple(state), params)
        return float((h * weights[0]).sum() + (c * weights[1]).sum())

    assert rel_error(dc_prev, numerical_gradient(loss, state[1])) > 1e-2


@pytest.mark.parametrize("kind, variant", CELLS)
def test_reference_steps_agree_with_the_fast_path_in_float32(kind, variant):
    rng = np.random.default_rng(3)
    module = getattr(rc, kind)
    N, T, D, H = 4, 6, 3, 8
    params = module.init_params(D, H, rng=rng, dtype=np.float32, **variant)
    x = rng.standard_normal((N, T, D), dtype=np.float32)
    h_seq, _ = module.forward(x, params, **variant)
    state = as_state(
        module, [np.zeros((N, H), np.float32)] * len(module.STATE_NAMES)
    )
    for t in range(T):
        state, _ = module.step_forward(x[:, t], state, params, **variant)
        h = parts(state)[0]
        assert h.dtype == np.float32
        np.testing.assert_allclose(h, h_seq[:, t], rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("kind, variant", CELLS)
def test_step_cache_names_its_entries(kind, variant):
    module, params, x_t, state, _ = _step_setup(
        kind, variant, np.random.default_rng(4)
    )
    _, step_cache = module.step_forward(
        x_t, as_state(module, state), params, **variant
    )
    gates = {
        "rnn": ("h_t",),
        "lstm": ("i", "f", "c_cand", "o", "c_t"),
        "gru": ("z", "r", "h_cand"),
    }[kind]
    assert isinstance(step_cache, dict)
    for name in gates:
        assert step_cache[name].shape == (3, 5), name


# ---------------------------------------------------------------- dtypes


@pytest.mark.parametrize("kind, variant", CELLS)
def test_float16_is_refused_everywhere(kind, variant):
    """float16 used to pass, and flush_tiny then zeroed every carried gradient
    (its threshold is ~1e3)."""
    module = getattr(rc, kind)
    rng = np.random.default_rng(5)
    with pytest.raises(ValueError, match="float32 or float64"):
        module.init_params(3, 4, rng=rng, dtype=np.float16, **variant)
    params = {
        k: v.astype(np.float16)
        for k, v in module.init_params(3, 4, rng=rng, **variant).items()
    }
    x = rng.standard_normal((2, 5, 3)).astype(np.float16)
    with pytest.raises(ValueError, match="float32 or float64"):
        module.forward(x, params, **variant)
    state = as_state(
        module, [np.zeros((2, 4), np.float16)] * len(module.STATE_NAMES)
    )
    with pytest.raises(ValueError, match="float32 or float64"):
        module.step_forward(x[:, 0], state, params, **variant)
    params32 = module.init_params(3, 4, rng=rng, **variant)
    with pytest.raises(ValueError, match="float32 or float64"):
        module.forward(
            x, params32, **variant
        )  # x in float16, params in float32


def test_float16_would_have_lost_every_gradient():
    """Why float16 is refused: its flush threshold overflows to inf, so every
    gradient goes."""
    g = np.array([0.5, -3.0, 100.0], np.float16)
    with np.errstate(over="ignore"):
        rc.fastpath.flush_tiny(g)
    assert not g.any()
    g32 = np.array([0.5, -3.0, 100.0], np.float32)
    rc.fastpath.flush_tiny(g32)
    assert g32.all()


# ------------------------------------------------------------ fastpath helpers


def test_blocks_views_gate_j_as_column_block_j():
    a = np.arange(2 * 12).reshape(2, 12)
    b = rc.fastpath.blocks(a, 3)  # (3, 2, 4)
    assert b.shape == (3, 2, 4)
    for j in range(3):
        assert np.array_equal(b[j], a[:, 4 * j : 4 * (j + 1)])
    b[1, 0, 0] = -1  # a view, not a copy
    assert a[0, 4] == -1


def test_final_state_is_a_copy_of_the_last_step():
    rng = np.random.default_rng(6)
    params = rc.lstm.init_params(2, 3, rng=rng, dtype=np.float64)
    h_seq, cache = rc.lstm.forward(rng.normal(size=(2, 4, 2)), params)
    h, c = rc.lstm.final_state(cache)
    np.testing.assert_array_equal(h, h_seq[:, -1])
    h[...] = 7.0
    assert not np.array_equal(rc.lstm.final_state(cache)[0], h)


# ---------------------------------------------------------------- show_source


def test_show_source_renders_the_library_function():
    shown = rc.show_source(rc.lstm.step_forward)
    md = shown._repr_markdown_()
    assert md.startswith("`recurrent.lstm.step_forward`")
    assert (
        "```python\ndef step_forward(x_t, state_prev, params, *, "
        "peephole=False):" in md
    )
    assert "c_t = f * c_prev + i * c_cand" in md and md.rstrip().endswith(
        "```"
    )
    assert repr(shown).splitlines()[0] == "# recurrent.lstm.step_forward"


@pytest.mark.parametrize("obj", [len, 3, np.tanh])
def test_show_source_refuses_what_has_no_python_source(obj):
    with pytest.raises(TypeError, match="show_source"):
        rc.show_source(obj)
