"""Training the numpy recurrent networks as sequence classifiers (chapter 5,
training from scratch).

The model: a recurrent cell (the module ``rc.rnn``, ``rc.lstm`` or ``rc.gru``)
reads x (N, T, D); its last hidden state h_T (N, H) goes through a dense head
to C logits; softmax cross-entropy is the loss. Backward runs the same chain in
reverse: the head's gradient lands on the last time step only, and the cell's
backward (backpropagation through time) carries it to every earlier step.

``fit`` is the training loop: shuffle, mini-batches, optional clipping by
global norm, an optimiser step, and one printed line per epoch.
"""

import sys
import time

import numpy as np

from . import heads, optim
from .checks import check_int, check_positive_float, check_rng


class Classifier:
    """A recurrent cell + dense head; holds the parameters and the cell
    variant.

    Attributes:
        cell: the cell module (``rc.rnn``, ``rc.lstm`` or ``rc.gru``).
        cell_params: dict of the cell (``kernel`` (D, kH), ``recurrent_kernel``
            (H, kH), ``bias``).
        head_params: dict ``kernel`` (H, C), ``bias`` (C,).
        variant: dict of keyword arguments passed to the cell's ``forward``
            (for example ``reset_after``).
        params: flat dict ``"cell/kernel"``, ..., ``"head/bias"`` holding the
            *same* arrays, so an optimiser that updates it in place updates the
            model.
    """

    def __init__(self, cell, cell_params, head_params, variant=None):
        self.cell, self.cell_params, self.head_params = (
            cell,
            cell_params,
            head_params,
        )
        self.variant = dict(variant or {})

    @property
    def params(self):
        flat = {f"cell/{k}": v for k, v in self.cell_params.items()}
        flat.update({f"head/{k}": v for k, v in self.head_params.items()})
        return flat

    @property
    def dtype(self):
        return self.head_params["kernel"].dtype

    @property
    def input_dim(self):
        return self.cell_params["kernel"].shape[0]

    def count_params(self):
        """Number of trainable scalars (cell + head)."""
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self):
        H, C = self.head_params["kernel"].shape
        name = getattr(self.cell, "__name__", str(self.cell)).rsplit(".", 1)[
            -1
        ]
        return (
            f"Classifier({name}, D={self.input_dim}, H={H}, C={C}, "
            f"params={self.count_params()}, "
            f"dtype={self.dtype})"
        )


def init_classifier(cell_module, D, H, C, *, rng, dtype=np.float32, **variant):
    """A fresh classifier: the cell initialised as Keras does, a glorot_uniform
    dense head.

    Args:
        cell_module: ``rc.rnn``, ``rc.lstm`` or ``rc.gru`` (anything with
        init_params/forward/backward). D: input features per step; H: hidden
        units; C: classes.
        rng: numpy.random.Generator (used for the cell, then the head).
        dtype: float32 for training, float64 for gradient checks.
        **variant: passed to the cell's ``init_params`` and ``forward`` (e.g.
            ``reset_after=False``).

    Returns:
        :class:`Classifier`.
    """
    for name in ("init_params", "forward", "backward"):
        if not callable(getattr(cell_module, name, None)):
            raise ValueError(
                f"cell_module must provide {name}(); pass rc.rnn, rc.lstm or "
                "rc.gru"
            )
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(
            f"dtype must be a floating-point dtype, got {dtype!r}"
        )
    cell_params = cell_module.init_params(
        D, H, rng=rng, dtype=dtype, **variant
    )
    head_params = heads.init_dense(H, C, rng=rng, dtype=dtype)
    return Classifier(cell_module, cell_params, head_params, variant)


def _check_model(model):
    if not isinstance(model, Classifier):
        raise ValueError(
            "model must be a Classifier (see init_classifier), got "
            f"{type(model).__name__}"
        )


def _check_xy(model, x, y, xname="x", yname="y"):
    if not isinstance(x, np.ndarray) or x.ndim != 3:
        got = x.shape if isinstance(x, np.ndarray) else type(x).__name__
        raise ValueError(f"{xname} must be a 3-D array (N, T, D), got {got}")
    if x.dtype != model.dtype:
        raise ValueError(
            f"{xname} has dtype {x.dtype} but the model is {model.dtype}; "
            "convert it first "
            f"(e.g. {xname}.astype(np.{model.dtype}))"
        )
    if x.shape[2] != model.input_dim:
        raise ValueError(
            f"{xname} has D={x.shape[2]} features per step, the model "
            f"expects {model.input_dim}"
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"{xname} must have N >= 1 and T >= 1, got shape {x.shape}"
        )
    if y is None:
        return
    y = np.asarray(y)
    if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"{yname} must be integer labels of shape ({x.shape[0]},), got "
            f"{y.dtype} {y.shape}"
        )


def classifier_forward(model, x):
    """Logits of a batch.

    Args:
        model: :class:`Classifier`; x: (N, T, D) in the model's dtype.

    Returns:
        (logits, cache): logits (N, C); cache for :func:`classifier_backward`.
    """
    h_seq, cell_cache = model.cell.forward(
        x, model.cell_params, **model.variant
    )  # (N, T, H)
    h_last = np.ascontiguousarray(h_seq[:, -1])  # (N, H)
    logits, head_cache = heads.dense_forward(
        h_last, model.head_params
    )  # (N, C)
    return logits, (h_seq.shape, cell_cache, head_cache)


def classifier_backward(model, dlogits, cache):
    """Gradients of all parameters, given dloss/dlogits (N, C).

    Returns:
        dict with the keys of ``model.params`` (``"cell/kernel"``, ...,
        ``"head/bias"``).
    """
    seq_shape, cell_cache, head_cache = cache
    dh_last, head_grads = heads.dense_backward(dlogits, head_cache)  # (N, H)
    # Only h_T feeds the head, so the upstream gradient is zero at every other
    # step.
    dh_seq = np.zeros(seq_shape, dtype=dh_last.dtype)  # (N, T, H)
    dh_seq[:, -1] = dh_last
    _, cell_grads, _ = model.cell.backward(dh_seq, cell_cache)
    grads = {f"cell/{k}": v for k, v in cell_grads.items()}
    grads.update({f"head/{k}": v for k, v in head_grads.items()})
    return grads


def classifier_loss_and_grads(model, x, y):
    """Mean cross-entropy of a batch, the gradients of every parameter, and the
    logits.

    Args:
        model: :class:`Classifier`; x: (N, T, D) in the model's dtype; y: (N,)
            integer labels.

    Returns:
        (loss, grads, logits): loss a Python float; grads keyed like
        ``model.params``; logits (N, C).
    """
    _check_model(model)
    _check_xy(model, x, y)
    logits, cache = classifier_forward(model, x)
    loss, dlogits = heads.softmax_cross_entropy(logits, y)
    return loss, classifier_backward(model, dlogits, cache), logits


def predict(model, x, *, batch_size=2000):
    """Predicted class of each sequence, (N,) int64; runs in chunks of
    `batch_size` to bound memory."""
    _check_model(model)
    _check_xy(model, x, None)
    check_int("batch_size", batch_size, 1)
    out = [
        classifier_forward(model, x[i : i + batch_size])[0].argmax(axis=1)
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(out)


def evaluate(model, x, y, *, batch_size=2000):
    """Accuracy (fraction of correctly classified sequences) as a Python
    float."""
    _check_model(model)
    _check_xy(model, x, y)
    return float(
        np.mean(predict(model, x, batch_size=batch_size) == np.asarray(y))
    )


def _batch_bar(total, desc):
    """A tqdm bar on stdout only when stdout is a terminal; notebooks and logs
    get the epoch lines alone."""
    if not (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(
        total=total, desc=desc, file=sys.stdout, leave=False, unit="batch"
    )


def fit(
    model,
    x,
    y,
    *,
    epochs,
    batch_size,
    optimizer,
    clip_norm,
    rng,
    x_val=None,
    y_val=None,
    progress=True,
    label="",
):
    """Train `model` in place with mini-batch gradient descent.

    Each epoch shuffles the training set with `rng`, takes one optimiser step
    per mini-batch (the last batch may be smaller), clipping the gradients to
    global norm `clip_norm` first, and then measures the validation accuracy.

    Args:
        model: :class:`Classifier`, updated in place.
        x: (N, T, D) training inputs in the model's dtype; y: (N,) integer
            labels.
        epochs: int >= 1; batch_size: int >= 1.
        optimizer: an object with ``step(params, grads)`` (``rc.optim.Adam`` or
            ``rc.optim.SGD``).
        clip_norm: float > 0, or None for no clipping.
        rng: numpy.random.Generator for the shuffling.
        x_val, y_val: optional validation set (both or neither), shaped like x
            and y.
        progress: print one line per epoch to stdout (plus a per-batch bar when
            stdout is a terminal).
        label: str put in front of each printed line (e.g. the model's name).

    Returns:
        history dict of per-epoch lists: ``loss`` (mean training loss),
        ``train_acc`` (accuracy on the training batches as they were seen),
        ``val_acc`` (only with a validation set), ``seconds`` (wall time of the
        epoch, validation included), ``grad_norm`` (mean global gradient norm
        before clipping), ``clipped`` (fraction of steps that were clipped);
        and ``batch_loss``, the loss of every step.
    """
    _check_model(model)
    _check_xy(model, x, y)
    check_int("epochs", epochs, 1)
    check_int("batch_size", batch_size, 1)
    if not callable(getattr(optimizer, "step", None)):
        raise ValueError(
            "optimizer must have a step(params, grads) method, e.g. "
            "rc.optim.Adam()"
        )
    if clip_norm is not None:
        check_positive_float("clip_norm", clip_norm)
    check_rng(rng)
    if (x_val is None) != (y_val is None):
        raise ValueError(
            "x_val and y_val must be given together (or both left out)"
        )
    if x_val is not None:
        _check_xy(model, x_val, y_val, "x_val", "y_val")
    y = np.asarray(y)
    N = len(x)
    n_batches = -(-N // batch_size)
    # flat view on the model's own arrays: the optimiser updates them in place
    params = model.params
    keys = (
        ["loss", "train_acc"]
        + (["val_acc"] if x_val is not None else [])
        + ["seconds", "grad_norm", "clipped"]
    )
    history = {k: [] for k in keys}
    history["batch_loss"] = []
    prefix = f"{label}  " if label else ""
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(N)
        loss_sum = correct = clipped = 0
        norms = []
        bar = (
            _batch_bar(n_batches, f"{prefix}epoch {epoch}/{epochs}")
            if progress
            else None
        )
        for b in range(n_batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            xb, yb = x[idx], y[idx]  # (n, T, D), (n,)
            loss, grads, logits = classifier_loss_and_grads(model, xb, yb)
            if not np.isfinite(loss):
                raise FloatingPointError(
                    f"the loss became {loss} at epoch {epoch}, batch {b + 1}"
                )
            if clip_norm is None:
                norm = optim.global_norm(grads)
            else:
                grads, norm = optim.clip_by_global_norm(grads, clip_norm)
                clipped += norm > clip_norm
            optimizer.step(params, grads)
            norms.append(norm)
            loss_sum += loss * len(idx)
            correct += int(np.sum(logits.argmax(axis=1) == yb))
            history["batch_loss"].append(loss)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
        if bar is not None:
            bar.close()
        history["loss"].append(loss_sum / N)
        history["train_acc"].append(correct / N)
        line = (
            f"{prefix}epoch {epoch}/{epochs}  loss {loss_sum / N:.4f}  "
            f"train acc {correct / N:.4f}"
        )
        if x_val is not None:
            history["val_acc"].append(evaluate(model, x_val, y_val))
            line += f"  val acc {history['val_acc'][-1]:.4f}"
        history["seconds"].append(time.perf_counter() - start)
        history["grad_norm"].append(float(np.mean(norms)))
        history["clipped"].append(clipped / n_batches)
        if progress:
            print(f"{line}  ({history['seconds'][-1]:.1f} s)", flush=True)
    return history
