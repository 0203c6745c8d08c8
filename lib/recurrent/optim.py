"""Optimisers and gradient clipping for the numpy models (chapter 5, training
from scratch).

Every optimiser updates a dict of parameter arrays *in place*:
``opt.step(params, grads)`` with the same keys and shapes in both dicts.
In-place updates matter because the arrays in ``params`` are the very arrays
the model reads (a flat dict of views into nested parameters keeps working).
Updates are computed in each parameter's own dtype, so float32 models stay
float32.

The update rules follow Keras 3 (``keras.optimizers.SGD`` and
``keras.optimizers.Adam``) step for step, including where Adam adds epsilon, so
a numpy model and a Keras model given the same gradients take the same steps.
The learning rate is a number or a schedule, a function of the step count such
as :class:`CosineDecay` (Keras's ``keras.optimizers.schedules.CosineDecay``),
evaluated before every step.
"""

import math

import numpy as np

from .checks import check_int, check_positive_float


def _check_lr(lr):
    """A learning rate is a positive number or a schedule: a callable step ->
    learning rate."""
    if callable(lr):
        return lr
    return check_positive_float("lr", lr)


def _current_lr(lr, step):
    """The learning rate for `step` (0 for the first update), checked when it
    comes from a schedule."""
    if not callable(lr):
        return lr
    value = float(lr(step))
    if not math.isfinite(value) or value < 0:
        raise ValueError(
            f"the lr schedule returned {value!r} at step {step}; it must be "
            "finite and >= 0"
        )
    return value


class CosineDecay:
    """A learning rate that falls from `initial_learning_rate` along half a
    cosine, as Keras's CosineDecay.

    lr(step) = initial_learning_rate * ((1 - alpha) * (1 + cos(pi * s /
    decay_steps)) / 2 + alpha), with s = min(step, decay_steps): large steps
    early, small careful ones at the end of a short training run.

    Args:
        initial_learning_rate: float > 0, the rate at step 0.
        decay_steps: int >= 1, the step at which the decay ends.
        alpha: float in [0, 1], the final rate as a fraction of the initial
            one.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0):
        self.initial_learning_rate = check_positive_float(
            "initial_learning_rate", initial_learning_rate
        )
        self.decay_steps = check_int("decay_steps", decay_steps, 1)
        self.alpha = check_positive_float("alpha", alpha, allow_zero=True)
        if self.alpha > 1:
            raise ValueError(f"alpha must be <= 1, got {alpha!r}")

    def __call__(self, step):
        s = min(float(step), self.decay_steps)
        cosine = 0.5 * (1.0 + math.cos(math.pi * s / self.decay_steps))
        return self.initial_learning_rate * (
            (1.0 - self.alpha) * cosine + self.alpha
        )

    def __repr__(self):
        return (
            f"CosineDecay(initial_learning_rate={self.initial_learning_rate}, "
            f"decay_steps={self.decay_steps}, alpha={self.alpha})"
        )


def _check_pair(params, grads):
    """Check that `params` and `grads` are dicts of arrays with the same keys
    and shapes."""
    if not isinstance(params, dict) or not params:
        raise ValueError(
            "params must be a non-empty dict of arrays, got "
            f"{type(params).__name__}"
        )
    if not isinstance(grads, dict):
        raise ValueError(
            f"grads must be a dict of arrays, got {type(grads).__name__}"
        )
    if set(params) != set(grads):
        missing, extra = (
            sorted(set(params) - set(grads)),
            sorted(set(grads) - set(params)),
        )
        raise ValueError(
            f"grads must have the keys of params: missing {missing}, "
            f"unexpected {extra}"
        )
    for key, p in params.items():
        g = grads[key]
        if not isinstance(p, np.ndarray) or not np.issubdtype(
            p.dtype, np.floating
        ):
            raise ValueError(
                f"params[{key!r}] must be a floating-point numpy array"
            )
        if not p.flags.writeable:
            raise ValueError(
                f"params[{key!r}] is read-only; the optimiser updates it in "
                "place"
            )
        g = np.asarray(g)
        if g.shape != p.shape:
            raise ValueError(
                f"grads[{key!r}] has shape {g.shape}, expected {p.shape} "
                f"like params[{key!r}]"
            )
        if not np.all(np.isfinite(g)):
            raise ValueError(
                f"grads[{key!r}] contains non-finite values (NaN or inf)"
            )


class SGD:
    """Stochastic gradient descent, optionally with (heavy-ball) momentum, as
    ``keras.optimizers.SGD``.

    Without momentum: ``p -= lr * g``. With momentum m: ``v = m * v - lr * g; p
    += v`` (v starts at 0).

    Args:
        lr: float > 0, the learning rate, or a schedule (callable step -> rate,
            e.g. :class:`CosineDecay`).
        momentum: float in [0, 1).
    """

    def __init__(self, lr, momentum=0.0):
        self.lr = _check_lr(lr)
        self.momentum = check_positive_float(
            "momentum", momentum, allow_zero=True, upper=1.0
        )
        self.velocity = {}  # key -> array like the parameter
        self.iterations = 0

    def step(self, params, grads):
        """Update `params` in place from `grads` (dicts with the same keys;
        each grad shaped like its param)."""
        _check_pair(params, grads)
        lr = _current_lr(self.lr, self.iterations)
        for key, p in params.items():
            g = np.asarray(grads[key], dtype=p.dtype)
            if self.momentum == 0.0:
                p -= p.dtype.type(lr) * g
                continue
            v = self.velocity.setdefault(key, np.zeros_like(p))
            if v.shape != p.shape:
                raise ValueError(
                    f"params[{key!r}] changed shape from {v.shape} to "
                    f"{p.shape} between steps"
                )
            v *= p.dtype.type(self.momentum)
            v -= p.dtype.type(lr) * g
            p += v
        self.iterations += 1


class Adam:
    """Adam (Kingma and Ba, 2015), written exactly as
    ``keras.optimizers.Adam``.

    At step t = 1, 2, ... with gradient g:

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        alpha = lr * sqrt(1 - beta2**t) / (1 - beta1**t)
        p -= alpha * m / (sqrt(v) + eps)

    Folding both bias corrections into `alpha` puts eps next to the
    *uncorrected* sqrt(v); that is the paper's "epsilon hat" form and what
    Keras does, which is why the default eps is Keras's 1e-7.

    Args:
        lr: float > 0, the learning rate, or a schedule (callable step -> rate,
            e.g. :class:`CosineDecay`).
        beta1, beta2: floats in [0, 1), decay rates of the first and second
            moment estimates.
        eps: float > 0, keeps the division finite where v is tiny.
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
        self.lr = _check_lr(lr)
        self.beta1 = check_positive_float(
            "beta1", beta1, allow_zero=True, upper=1.0
        )
        self.beta2 = check_positive_float(
            "beta2", beta2, allow_zero=True, upper=1.0
        )
        self.eps = check_positive_float("eps", eps)
        self.m, self.v = (
            {},
            {},
        )  # key -> moment estimates, arrays like the parameter
        self.iterations = 0

    def step(self, params, grads):
        """Update `params` in place from `grads` (dicts with the same keys;
        each grad shaped like its param)."""
        _check_pair(params, grads)
        if self.m and set(self.m) != set(params):
            raise ValueError(
                f"params keys changed between steps: had {sorted(self.m)}, "
                f"got {sorted(params)}"
            )
        t = self.iterations + 1
        lr = _current_lr(self.lr, self.iterations)
        alpha = lr * math.sqrt(1.0 - self.beta2**t) / (1.0 - self.beta1**t)
        for key, p in params.items():
            g = np.asarray(grads[key], dtype=p.dtype)
            m = self.m.setdefault(key, np.zeros_like(p))
            v = self.v.setdefault(key, np.zeros_like(p))
            if m.shape != p.shape:
                raise ValueError(
                    f"params[{key!r}] changed shape from {m.shape} to "
                    f"{p.shape} between steps"
                )
            dt = p.dtype.type
            m += (g - m) * dt(1.0 - self.beta1)
            v += (g * g - v) * dt(1.0 - self.beta2)
            p -= dt(alpha) * m / (np.sqrt(v) + dt(self.eps))
        self.iterations = t


def global_norm(grads):
    """The Euclidean norm of all gradients together, sqrt(sum of every squared
    entry), as a Python float."""
    if not isinstance(grads, dict) or not grads:
        raise ValueError(
            "grads must be a non-empty dict of arrays, got "
            f"{type(grads).__name__}"
        )
    # Accumulate in float64: a float32 sum of squares over ~1e5 entries loses
    # digits and overflows sooner.
    total = sum(
        float(np.sum(np.square(np.asarray(g, dtype=np.float64))))
        for g in grads.values()
    )
    return math.sqrt(total)


def clip_by_global_norm(grads, max_norm):
    """Rescale all gradients together so that their global norm is at most
    `max_norm` (Pascanu et al., 2013).

    One factor for every array keeps the direction of the full gradient; only
    its length is capped. That is what tames the rare exploding step of a
    recurrent network without changing ordinary steps.

    Args:
        grads: dict of arrays (any shapes).
        max_norm: float > 0.

    Returns:
        (clipped, norm): `clipped` a new dict with the same keys and dtypes
        (the input is not modified); `norm` the global norm *before* clipping,
        a Python float.

    Raises:
        ValueError: bad `max_norm`, empty `grads`, or a non-finite gradient
        (clipping cannot repair NaN).
    """
    max_norm = check_positive_float("max_norm", max_norm)
    norm = global_norm(grads)
    if not math.isfinite(norm):
        raise ValueError(
            "grads contain non-finite values (NaN or inf); clipping cannot "
            "repair them"
        )
    if norm <= max_norm:
        return {k: np.array(g, copy=True) for k, g in grads.items()}, norm
    scale = max_norm / norm
    clipped = {}
    for k, g in grads.items():
        g = np.asarray(g)
        clipped[k] = (
            g * g.dtype.type(scale)
            if np.issubdtype(g.dtype, np.floating)
            else g * scale
        )
    return clipped, norm


def clip_cosines(grads, max_norm):
    """Cosine between the raw gradient and its two clipped versions.

    Per-weight clipping rescales every array whose own norm exceeds `max_norm`
    (Keras ``clipnorm``); global clipping rescales all arrays by one factor
    when their joint norm exceeds it (Keras ``global_clipnorm``,
    :func:`clip_by_global_norm`). Only the second keeps the
    direction.

    Args:
        grads: non-empty list of arrays (any shapes), one per weight, e.g. a
            Keras model's gradients.
        max_norm: float > 0.

    Returns:
        dict ``per_weight`` and ``global_`` (cosines with the raw gradient,
        Python floats in [-1, 1]), ``n_clipped`` (arrays that per-weight
        clipping rescales) and ``n_arrays``.
    """
    if (
        isinstance(grads, dict)
        or not hasattr(grads, "__len__")
        or len(grads) == 0
    ):
        raise ValueError(
            "grads must be a non-empty list of arrays (one per weight)"
        )
    arrays = [np.asarray(g, dtype=np.float64).ravel() for g in grads]
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ValueError("grads must be finite (no NaN or inf)")
    check_positive_float("max_norm", max_norm, expect="a finite number > 0")
    raw = np.concatenate(arrays)
    if not np.any(raw):
        raise ValueError(
            "grads are all zero: a zero gradient has no direction"
        )
    norms = [float(np.linalg.norm(a)) for a in arrays]
    per_weight = np.concatenate(
        [
            a * min(1.0, max_norm / n) if n > 0 else a
            for a, n in zip(arrays, norms)
        ]
    )
    total = float(np.linalg.norm(raw))
    clipped, _ = clip_by_global_norm(
        dict(enumerate(arrays)), max_norm
    )  # the rule the chapters train with
    global_ = np.concatenate([clipped[j] for j in range(len(arrays))])

    def cosine(a):
        return float(a @ raw / (np.linalg.norm(a) * total))

    return {
        "per_weight": cosine(per_weight),
        "global_": cosine(global_),
        "n_clipped": int(sum(n > max_norm for n in norms)),
        "n_arrays": len(arrays),
    }
