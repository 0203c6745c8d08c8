"""Masks in the numpy cells (chapter 11): padded steps carry the state over, as
in Keras.

Three referees: each sequence run alone (no padding, no mask), a gradient check
in float64, and the Keras layers called with the same weights and the same mask
(outputs, final states and every gradient, dx and the initial-state gradients
included), in float64 and float32, for pre- and post-padding and a sequence of
length 1.
"""

import numpy as np
import pytest
from cell_cases import CELLS, DTYPES, KERAS_CELLS, max_abs, parts, random_case

import recurrent as rc
from recurrent.gradcheck import numerical_gradient, rel_error

N, T, D, H = 4, 6, 3, 5
LENGTHS = [6, 3, 1, 4]  # one full row, one of length 1
TOL = {np.float32: 2e-5, np.float64: 1e-10}
PADDING = ["post", "pre"]


def _mask(padding, lengths=LENGTHS, T=T):
    steps = np.arange(T)[None, :]
    lengths = np.asarray(lengths)[:, None]
    return (
        steps < lengths if padding == "post" else steps >= T - lengths
    )  # (N, T) bool


def _case(kind, variant, dtype, seed, padding, *, state0=True):
    rng = np.random.default_rng(seed)
    module, params, x, s0, dh_seq, dstate = random_case(
        kind, variant, rng, N=N, T=T, D=D, H=H, dtype=dtype, state_scale=0.5
    )
    mask = _mask(padding)
    x[~mask] = rng.normal(
        3.0, 1.0, size=(int((~mask).sum()), D)
    )  # padding that would matter
    return module, params, x, mask, s0 if state0 else None, dh_seq, dstate


def _rows(s, i):
    return (
        tuple(p[i : i + 1] for p in s)
        if isinstance(s, tuple)
        else s[i : i + 1]
    )


@pytest.mark.parametrize("padding", PADDING)
@pytest.mark.parametrize("kind, variant", CELLS)
def test_masked_batch_equals_each_sequence_alone(kind, variant, padding):
    module, params, x, mask, s0, _, _ = _case(
        kind, variant, np.float64, 3, padding
    )
    h_seq, cache = module.forward(x, params, s0, mask=mask, **variant)
    final = parts(module.final_state(cache))
    for i in range(N):
        steps = np.flatnonzero(mask[i])
        h_i, c_i = module.forward(
            x[i : i + 1, steps], params, _rows(s0, i), **variant
        )
        for a, b in zip(final, parts(module.final_state(c_i))):
            np.testing.assert_allclose(a[i], b[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(h_seq[i, steps], h_i[0], rtol=0, atol=1e-12)
        # a padded step repeats the previous output; zeros before the first
        # real step (Keras)
        last = np.maximum.accumulate(np.where(mask[i], np.arange(T), -1))
        expect = np.where(
            (last >= 0)[:, None], h_seq[i, np.maximum(last, 0)], 0.0
        )
        np.testing.assert_array_equal(h_seq[i], expect)


@pytest.mark.parametrize("kind, variant", CELLS)
def test_unmasked_path_unchanged_by_an_all_true_mask(kind, variant):
    module, params, x, _, s0, dh_seq, dstate = _case(
        kind, variant, np.float64, 4, "post"
    )
    full = np.ones((N, T), bool)
    h_a, c_a = module.forward(x, params, s0, **variant)
    h_b, c_b = module.forward(x, params, s0, mask=full, **variant)
    np.testing.assert_array_equal(h_a, h_b)
    for a, b in zip(
        module.backward(dh_seq, c_a, dstate),
        module.backward(dh_seq, c_b, dstate),
    ):
        for key in a if isinstance(a, dict) else range(len(parts(a))):
            left = a[key] if isinstance(a, dict) else parts(a)[key]
            right = b[key] if isinstance(b, dict) else parts(b)[key]
            np.testing.assert_allclose(left, right, rtol=0, atol=1e-13)


@pytest.mark.parametrize("padding", PADDING)
@pytest.mark.parametrize("kind, variant", CELLS)
def test_masked_gradient_check(kind, variant, padding):
    module, params, x, mask, s0, R, S = _case(
        kind, variant, np.float64, 5, padding
    )

    def loss():
        h_seq, cache = module.forward(x, params, s0, mask=mask, **variant)
        final = parts(module.final_state(cache))
        return float(
            np.sum(h_seq * R)
            + sum(np.sum(f * s) for f, s in zip(final, parts(S)))
        )

    _, cache = module.forward(x, params, s0, mask=mask, **variant)
    dx, grads, dstate0 = module.backward(R, cache, S)
    assert not dx[~mask].any()  # nothing flows into padding
    errors = {
        k: rel_error(grads[k], numerical_gradient(loss, params[k]))
        for k in params
    }
    errors["x"] = rel_error(dx, numerical_gradient(loss, x))
    for j, (d, s) in enumerate(zip(parts(dstate0), parts(s0))):
        errors[f"state0[{j}]"] = rel_error(d, numerical_gradient(loss, s))
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("padding", PADDING)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind, variant", KERAS_CELLS)
def test_masked_run_matches_keras(tf, kind, variant, dtype, padding):
    module, params, x, mask, s0, dh_seq, dstate = _case(
        kind, variant, dtype, 6, padding
    )
    h_seq, cache = module.forward(x, params, s0, mask=mask, **variant)
    final = parts(module.final_state(cache))
    dx, grads, dstate0 = module.backward(dh_seq, cache, dstate)
    k_h, k_final, k_dx, k_grads, k_dstate0 = (
        rc.keras_bridge.keras_forward_backward(
            kind, params, x, s0, dh_seq, dstate, mask=mask
        )
    )
    diffs = {"h_seq": max_abs(h_seq, k_h), "dx": max_abs(dx, k_dx)}
    diffs.update(
        {
            f"final[{j}]": max_abs(a, b)
            for j, (a, b) in enumerate(zip(final, parts(k_final)))
        }
    )
    diffs.update({f"d{k}": max_abs(grads[k], k_grads[k]) for k in params})
    diffs.update(
        {
            f"dstate0[{j}]": max_abs(a, b)
            for j, (a, b) in enumerate(zip(parts(dstate0), parts(k_dstate0)))
        }
    )
    scale = max(
        1.0, float(np.abs(np.asarray(k_grads["recurrent_kernel"])).max())
    )
    assert max(diffs.values()) < TOL[dtype] * scale, diffs


@pytest.mark.parametrize("kind, variant", KERAS_CELLS)
def test_wrong_mask_would_be_caught_by_keras_comparison(tf, kind, variant):
    """The Keras comparison can fail: ignoring the mask on the numpy side gives
    a large difference."""
    module, params, x, mask, s0, dh_seq, dstate = _case(
        kind, variant, np.float64, 6, "post"
    )
    h_seq, _ = module.forward(x, params, s0, **variant)
    k_h = rc.keras_bridge.keras_forward_backward(
        kind, params, x, s0, dh_seq, dstate, mask=mask
    )[0]
    assert max_abs(h_seq, k_h) > 1e-2


def test_keras_forward_backward_checks_the_mask_and_takes_the_module(tf):
    module, params, x, mask, s0, dh_seq, dstate = _case(
        "gru", {}, np.float64, 7, "post"
    )
    with pytest.raises(
        ValueError, match=r"mask of shape \(N, T\) must have dtype bool"
    ):
        rc.keras_bridge.keras_forward_backward(
            "gru", params, x, mask=mask.astype(np.int8)
        )
    with pytest.raises(
        ValueError, match=r"mask must have shape \(N, T\) = \(4, 6\)"
    ):
        rc.keras_bridge.keras_forward_backward(
            "gru", params, x, mask=mask[:, :3]
        )
    by_name = rc.keras_bridge.keras_forward_backward(
        "gru", params, x, s0, mask=mask
    )[0]
    by_module = rc.keras_bridge.keras_forward_backward(
        rc.gru, params, x, s0, mask=mask
    )[0]
    np.testing.assert_array_equal(by_name, by_module)
