"""Argument checks shared by the library: shapes, dtypes and finiteness of the
cells' arrays (the shapes are those of chapter 1), and the scalars every module
takes (ints, positive numbers, the rng).

A wrong shape in numpy rarely fails where it was made: broadcasting carries it
along until some later line complains about something else. The cells therefore
check their arguments first and raise ValueError naming the argument and the
shape it should have, e.g.

    ValueError: state0 must have shape (N, H) = (3, 6), got (4, 6)

The checks never convert: an array of the wrong dtype is refused, not silently
cast, so a float32 model stays float32 and a float64 gradient check stays
float64.
"""

import math
from collections.abc import Mapping

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

BASE_KEYS = ("kernel", "recurrent_kernel", "bias")


# ---------------------------------------------------------------- scalars


def check_int(name, value, low=None, high=None, *, expect=None):
    """An int (Python or numpy, never a bool) in [low, high]; returns it as a
    Python int.

    Args:
        name: the argument's name in the message.
        value: what the caller passed.
        low, high: inclusive bounds, None for none.
        expect: the requirement as the message states it, e.g. "a positive
            int"; by default "an int >= low", "an int from low to high" or "an
            int".

    Raises ValueError: "{name} must be {expect}, got {value!r}".
    """
    if expect is None:
        expect = (
            "an int"
            if low is None and high is None
            else f"an int >= {low}"
            if high is None
            else f"an int <= {high}"
            if low is None
            else f"an int from {low} to {high}"
        )
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        raise ValueError(f"{name} must be {expect}, got {value!r}")
    return int(value)


def check_bool(name, value):
    """True or False (a Python or numpy bool, not 0 or 1); returns it as a
    Python bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_number(name, value, *, expect="a number"):
    """A real number (Python or numpy int or float, never a bool); returns it
    as a Python float."""
    if isinstance(value, bool) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise ValueError(f"{name} must be {expect}, got {value!r}")
    return float(value)


def check_positive_float(
    name, value, *, allow_zero=False, upper=None, expect=None
):
    """A finite number > 0 (>= 0 with allow_zero), below `upper` if given;
    returns it as a float.

    Args:
        expect: one requirement for every failure, e.g. "a number in (0, 1),
            e.g. 1e-5"; by default the message names the bound that failed
            ("must be finite", "must be > 0", "must be < 1.0").
    """
    number = check_number(name, value, expect=expect or "a number")
    bound = ">= 0" if allow_zero else "> 0"
    problems = [
        (not math.isfinite(number), "finite"),
        (number < 0 or (number == 0 and not allow_zero), bound),
        (upper is not None and number >= upper, f"< {upper}"),
    ]
    for failed, what in problems:
        if failed:
            raise ValueError(f"{name} must be {expect or what}, got {value!r}")
    return number


def check_rng(rng, *, name="rng", when=""):
    """Refuse anything but a numpy.random.Generator: randomness in the library
    is always explicit.

    Args:
        when: the condition under which it is needed, e.g. " when temperature >
            0".
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{name} must be a numpy.random.Generator "
            f"(np.random.default_rng(seed)){when}, "
            f"got {rng!r}"
        )
    return rng


def check_cell_module(module, functions):
    """Refuse anything but a cell module: one with these functions and
    STATE_NAMES (rnn, lstm, gru)."""
    for fn in functions:
        if not callable(getattr(module, fn, None)):
            raise ValueError(
                f"module must be a cell module with {fn}() (recurrent.rnn, "
                "lstm or gru), "
                f"got {module!r}"
            )
    if not isinstance(getattr(module, "STATE_NAMES", None), tuple):
        raise ValueError(
            "module must be a cell module with STATE_NAMES (recurrent.rnn, "
            "lstm or gru), "
            f"got {module!r}"
        )


def check_float_dtype(name, dtype):
    """Raise ValueError unless `dtype` is float32 or float64; returns it as a
    numpy dtype."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in FLOAT_DTYPES:
        raise ValueError(
            f"{name} must be a floating dtype (float32 or float64), got "
            f"{dtype!r}"
        )
    return dt


# ---------------------------------------------------------------- arrays


def check_finite(name, a, label):
    """Raise ValueError if `a` holds NaN or inf; `label` is its shape in
    letters, e.g. "(N, T, D)"."""
    finite = np.isfinite(a)
    if not finite.all():
        bad = a.size - np.count_nonzero(finite)
        raise ValueError(
            f"{name} of shape {label} = {a.shape} must be finite, "
            f"but {bad} of its {a.size} values are NaN or inf"
        )


def check_array(name, a, shape, label, dtype):
    """Check that `a` is a finite ndarray of exactly `shape` and `dtype`;
    return it unchanged.

    Args:
        name: how the caller calls it, e.g. "state0" or "params['bias']".
        a: the value to check.
        shape: tuple of ints, the shape expected.
        label: the same shape in letters, e.g. "(N, H)", shown in the message.
        dtype: numpy dtype expected (that of x).

    Returns:
        `a` itself.
    """
    if not isinstance(a, np.ndarray):
        raise ValueError(
            f"{name} must be a numpy array of shape {label} = {tuple(shape)}, "
            f"got {type(a).__name__}"
        )
    if a.shape != tuple(shape):
        raise ValueError(
            f"{name} must have shape {label} = {tuple(shape)}, got {a.shape}"
        )
    if a.dtype != dtype:
        raise ValueError(
            f"{name} of shape {label} must have dtype {dtype} like x, got "
            f"{a.dtype}: convert it "
            f"explicitly (the cells never change dtypes behind your back)"
        )
    check_finite(name, a, label)
    return a


def check_params(
    params,
    k,
    *,
    extra=(),
    gates="",
    bias_label=None,
    hint_missing="",
    hint_unexpected="",
):
    """Check the parameter dict of a cell with k gate blocks and infer D, H and
    the dtype.

    Args:
        params: dict with keys "kernel" (D, kH), "recurrent_kernel" (H, kH),
            "bias" and `extra`.
        k: number of gate blocks (RNN 1, GRU 3, LSTM 4).
        extra: names of further parameters the variant needs (the LSTM
            peepholes, each (H,)).
        gates: the gate letters, shown in messages, e.g. "i, f, c, o".
        bias_label: the bias shape in letters for messages; "(kH,)" when None.
        hint_missing, hint_unexpected: text the cell adds to the message about
            missing or unexpected keys (the LSTM explains its peephole option
            there).

    Returns:
        (D, H, dtype). The bias and the extra parameters are only checked for
        being floating arrays here; their shapes depend on the variant, so the
        cell checks them with check_array.
    """
    keys = BASE_KEYS + tuple(extra)
    kh = "H" if k == 1 else f"{k}H"
    labels = [f"(D, {kh})", f"(H, {kh})", bias_label or f"({kh},)"] + [
        "(H,)"
    ] * len(extra)
    layout = ", ".join(f"'{key}' {label}" for key, label in zip(keys, labels))
    if not isinstance(params, Mapping):
        raise ValueError(
            f"params must be a dict with keys {layout}, got "
            f"{type(params).__name__}"
        )
    missing = [key for key in keys if key not in params]
    if missing:
        raise ValueError(
            f"params is missing {missing}{hint_missing}: expected keys "
            f"{layout}"
        )
    unexpected = [key for key in params if key not in keys]
    if unexpected:
        raise ValueError(
            f"params has unexpected keys {unexpected}{hint_unexpected}: "
            f"expected keys {layout}"
        )
    shape_of = dict(zip(keys, labels))
    for key in keys:
        a = params[key]
        if not isinstance(a, np.ndarray) or not np.issubdtype(
            a.dtype, np.floating
        ):
            what = a.dtype if isinstance(a, np.ndarray) else type(a).__name__
            raise ValueError(
                f"params['{key}'] must be a floating numpy array of shape "
                f"{shape_of[key]}, "
                f"got {what}"
            )
    dtype = params["kernel"].dtype
    if dtype not in FLOAT_DTYPES:
        raise ValueError(
            f"params['kernel'] has dtype {dtype}: the cells compute in "
            "float32 or float64 only "
            "(float16 would flush every carried gradient to zero); convert "
            "the params explicitly"
        )
    for key in keys:
        if params[key].dtype != dtype:
            raise ValueError(
                f"params['{key}'] of shape {shape_of[key]} has dtype "
                f"{params[key].dtype} but "
                f"params['kernel'] has {dtype}: all parameters must share "
                "one dtype"
            )
    U, W = params["recurrent_kernel"], params["kernel"]
    order = f" (gate order {gates})" if gates else ""
    if U.ndim != 2 or U.shape[0] == 0 or U.shape[1] != k * U.shape[0]:
        guess = (
            f" = ({U.shape[0]}, {k * U.shape[0]}) for H = {U.shape[0]}"
            if U.ndim == 2 and U.shape[0]
            else ""
        )
        if k > 1 and U.ndim == 2 and U.shape[0] == k * U.shape[1]:
            guess = f" = ({U.shape[1]}, {U.shape[0]}) (transposed?)"
        raise ValueError(
            "params['recurrent_kernel'] must have shape (H, "
            f"{kh}){guess}{order}, got {U.shape}"
        )
    H = U.shape[0]
    if W.ndim != 2 or W.shape[0] == 0 or W.shape[1] != k * H:
        hint = " (transposed?)" if W.ndim == 2 and W.shape[0] == k * H else ""
        raise ValueError(
            f"params['kernel'] must have shape (D, {kh}) = (D, "
            f"{k * H}){order}, got {W.shape}{hint}"
        )
    check_finite("params['kernel']", W, f"(D, {kh})")
    check_finite("params['recurrent_kernel']", U, f"(H, {kh})")
    return W.shape[0], H, dtype


def check_sequence(x, D, dtype, *, name="x", step=False):
    """Check an input sequence (N, T, D), or one time step (N, D) if `step`,
    against the params.

    Args:
        x: the input.
        D: the input size the kernel expects (its number of rows).
        dtype: the parameters' dtype; x must have the same one.
        name: the argument's name in messages.
        step: True for a single time step x_t of shape (N, D).

    Returns:
        `x` itself (an ndarray; nothing is copied or converted).
    """
    label = "(N, D)" if step else "(N, T, D)"
    if not isinstance(x, np.ndarray):
        raise ValueError(
            f"{name} must be a numpy array of shape {label}, got "
            f"{type(x).__name__}"
        )
    ndim = 2 if step else 3
    if x.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-D array of shape {label}, got shape "
            f"{x.shape}"
        )
    if x.dtype not in FLOAT_DTYPES:
        raise ValueError(
            f"{name} must be a floating-point array (float32 or float64) of "
            f"shape {label}, "
            f"got dtype {x.dtype}"
        )
    if x.shape[0] == 0:
        raise ValueError(
            f"{name} must have shape {label} with N >= 1, got {x.shape}"
        )
    if not step and x.shape[1] == 0:
        raise ValueError(
            f"{name} must have shape (N, T, D) with T >= 1 time steps, got "
            f"{x.shape}"
        )
    if x.shape[-1] != D:
        expected = f"(N, {D})" if step else f"(N, T, {D})"
        raise ValueError(
            f"{name} must have shape {label} = {expected}: D = {D} is the "
            "number of rows "
            f"of params['kernel'], got {x.shape}"
        )
    if x.dtype != dtype:
        raise ValueError(
            f"{name} of shape {label} has dtype {x.dtype} but params have "
            f"dtype {dtype}: "
            "convert one of them explicitly (the cells never change dtypes "
            "behind your back)"
        )
    check_finite(name, x, label)
    return x


def check_state(name, state, N, H, dtype, *, pair=False):
    """Check an initial state (or its gradient): one (N, H) array, or a pair of
    them if `pair`.

    Args:
        name: the argument's name, e.g. "state0" or "dstate".
        state: None (meaning zeros), an (N, H) array, or for the LSTM a pair
        (h, c) of (N, H) arrays. N, H: batch size (from x) and number of units
        (from the params).
        dtype: the dtype of x.
        pair: True for the LSTM's (h, c).

    Returns:
        The state with None replaced by zeros: an (N, H) array, or a tuple of
        two.
    """
    if state is None:
        zeros = np.zeros((N, H), dtype)
        return (zeros, zeros.copy()) if pair else zeros
    if pair:
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            what = (
                f"array of shape {state.shape}"
                if isinstance(state, np.ndarray)
                else type(state).__name__
            )
            raise ValueError(
                f"{name} must be a pair (h, c) of arrays of shape (N, H) = "
                f"{(N, H)}, got {what}"
            )
        return tuple(
            check_array(f"{name}[{j}] ({part})", s, (N, H), "(N, H)", dtype)
            for j, (part, s) in enumerate(zip("hc", state))
        )
    return check_array(name, state, (N, H), "(N, H)", dtype)


def check_mask(mask, N, T):
    """Check a padding mask (N, T) of bool, True for a real time step (chapter
    11).

    Keras accepts any bool pattern (padding before, after or in between), and
    so do the cells. A row with no True step is refused: it is a sequence of
    length 0, which the cells refuse as x with T = 0 too (Keras would return
    zeros for it); drop such rows from the batch.

    Args:
        mask: None or an (N, T) numpy array of dtype bool.
        N, T: batch size and number of steps, from x.

    Returns:
        `mask` itself, or None.
    """
    if mask is None:
        return None
    if not isinstance(mask, np.ndarray):
        raise ValueError(
            f"mask must be a numpy bool array of shape (N, T) = {(N, T)}, "
            f"got {type(mask).__name__}"
        )
    if mask.shape != (N, T):
        raise ValueError(
            f"mask must have shape (N, T) = {(N, T)} like x's first two "
            f"axes, got {mask.shape}"
        )
    if mask.dtype != np.bool_:
        raise ValueError(
            "mask of shape (N, T) must have dtype bool (True = a real "
            f"step), got {mask.dtype}: "
            f"convert it explicitly, e.g. mask != 0"
        )
    empty = np.flatnonzero(~mask.any(axis=1))
    if empty.size:
        raise ValueError(
            f"mask of shape (N, T) = {(N, T)} has rows with no True step "
            "(sequences of length 0): "
            f"rows {empty[:5].tolist()}{' ...' if empty.size > 5 else ''}; "
            "drop them from the batch"
        )
    return mask
