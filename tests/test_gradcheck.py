"""Every analytic gradient of every cell against centred differences, in
float64.

check_cell randomises all weights (biases and peepholes too), x and the initial
state(s), and returns one norm-wise relative error per parameter, for x and for
each initial state.
"""

import types

import numpy as np
import pytest
from cell_cases import CELLS

import recurrent as rc

TOL = 1e-6


def _expected_names(kind, variant):
    names = {"kernel", "recurrent_kernel", "bias", "x", "h0"}
    if kind == "lstm":
        names.add("c0")
        if variant["peephole"]:
            names.update(rc.lstm.PEEPHOLES)
    return names


@pytest.mark.parametrize("kind, variant", CELLS)
def test_backward_matches_numerical_gradient(kind, variant):
    module = getattr(rc, kind)
    errors = rc.gradcheck.check_cell(
        module, 2, 4, 3, 3, rng=np.random.default_rng(7), **variant
    )
    assert set(errors) == _expected_names(
        kind, variant
    )  # nothing left unchecked
    worst = max(errors, key=errors.get)
    print(f"\n{kind} {variant}: worst rel_error {errors[worst]:.2e} ({worst})")
    for name, err in errors.items():
        assert err < TOL, (
            f"{kind} {variant}: rel_error of d{name} is {err:.3e}"
        )


def _broken(module, key, scale=1.01, **variant):
    """A copy of `module` whose backward returns d`key` wrong by a factor
    `scale` (or dx, dstate0)."""

    def backward(dh_seq, cache, dstate=None):
        dx, grads, dstate0 = module.backward(dh_seq, cache, dstate)
        if key == "x":
            dx = dx * scale
        elif key == "h0":
            dstate0 = (
                (dstate0[0] * scale, dstate0[1])
                if isinstance(dstate0, tuple)
                else dstate0 * scale
            )
        else:
            grads = dict(grads, **{key: grads[key] * scale})
        return dx, grads, dstate0

    return types.SimpleNamespace(
        init_params=module.init_params,
        forward=module.forward,
        final_state=module.final_state,
        backward=backward,
        STATE_NAMES=module.STATE_NAMES,
    )


@pytest.mark.parametrize(
    "kind, variant, key",
    [
        ("rnn", {}, "recurrent_kernel"),
        ("lstm", {"peephole": True}, "forget_gate_peephole_weights"),
        ("gru", {"reset_after": True}, "bias"),
        ("gru", {"reset_after": False}, "x"),
        ("lstm", {"peephole": False}, "h0"),
    ],
)
def test_a_wrong_backward_is_caught(kind, variant, key):
    # a 1 % error in one gradient: rel_error ~ 0.005, far above the tolerance;
    # the others stay tiny
    errors = rc.gradcheck.check_cell(
        _broken(getattr(rc, kind), key),
        2,
        3,
        3,
        2,
        rng=np.random.default_rng(3),
        **variant,
    )
    assert errors[key] > 1e-3
    assert max(err for name, err in errors.items() if name != key) < TOL


def test_a_swapped_gate_block_is_caught():
    # a classic bug: gradients of two gate blocks exchanged (LSTM i and f)
    def backward(dh_seq, cache, dstate=None):
        dx, grads, dstate0 = rc.lstm.backward(dh_seq, cache, dstate)
        H = cache["h_seq"].shape[2]
        k = grads["kernel"].copy()
        k[:, :H], k[:, H : 2 * H] = (
            grads["kernel"][:, H : 2 * H],
            grads["kernel"][:, :H],
        )
        return dx, dict(grads, kernel=k), dstate0

    fake = types.SimpleNamespace(
        init_params=rc.lstm.init_params,
        forward=rc.lstm.forward,
        final_state=rc.lstm.final_state,
        backward=backward,
        STATE_NAMES=rc.lstm.STATE_NAMES,
    )
    errors = rc.gradcheck.check_cell(
        fake, 2, 3, 3, 2, rng=np.random.default_rng(4)
    )
    assert errors["kernel"] > 0.1


def test_numerical_gradient_of_a_known_function():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    A = rng.normal(size=(4, 4))
    before = x.copy()
    grad = rc.gradcheck.numerical_gradient(
        lambda: float(np.sum(np.sin(x @ A))), x
    )
    np.testing.assert_array_equal(x, before)  # restored exactly
    assert rc.gradcheck.rel_error(grad, np.cos(x @ A) @ A.T) < 1e-9


def test_rel_error_is_normwise_and_symmetric():
    a = np.array([1.0, 0.0])
    b = np.array([1.0, 1e-9])  # tiny entry: relative 100 % entry-wise
    assert rc.gradcheck.rel_error(a, b) < 1e-9
    assert rc.gradcheck.rel_error(a, b) == rc.gradcheck.rel_error(b, a)
    assert rc.gradcheck.rel_error(a, -a) == pytest.approx(1.0)
    assert rc.gradcheck.rel_error(np.zeros(3), np.zeros(3)) == 0.0
