"""A character-level language model in numpy, trained with truncated
backpropagation through time (chapter 5, second page).

The model reads character ids and predicts the next character at every step:

    ids (N, T) -> embedding (N, T, E) -> cell (N, T, H) -> dense (N, T, V)

and the loss is the mean cross-entropy over all N*T positions
(``heads.sequence_softmax_cross_entropy``). Names follow Keras:
``keras.layers.Embedding`` holds ``embeddings`` (V, E), the cell its three
weights, ``keras.layers.Dense`` ``kernel`` (H, V) and ``bias`` (V,).

Truncated BPTT. The training text is cut into N parallel streams, each a
contiguous stretch of the text, and every stream into consecutive chunks of
T characters (:func:`stream_chunks`). Batch k holds chunk k of every stream,
so row n of batch k + 1 continues row n of batch k. Each batch starts from the
state the previous batch ended in (the model keeps its memory of the text),
but the gradient stops there: the state is a constant input, and backward
runs over T steps only. An epoch is one pass over all chunks; the state
starts from zeros at the start of every epoch, where the streams start over.
"""

import sys
import time

import numpy as np

from . import heads, optim
from .checks import check_int, check_positive_float, check_rng

_PREFIXES = ("embed", "cell", "head")


class CharLM:
    """Embedding + recurrent cell + dense head at every step.

    Attributes:
        cell: the cell module (``rc.rnn``, ``rc.lstm`` or ``rc.gru``).
        embed_params: dict ``embeddings`` (V, E).
        cell_params: dict of the cell (``kernel`` (E, kH), ...).
        head_params: dict ``kernel`` (H, V), ``bias`` (V,).
        variant: keyword arguments for the cell's ``forward``.
        params: flat dict ``"embed/embeddings"``, ``"cell/kernel"``, ...,
            ``"head/bias"`` holding the *same* arrays, so that an optimiser
            updating it in place updates the model.
    """

    def __init__(self, cell, embed_params, cell_params, head_params, variant):
        self.cell = cell
        self.embed_params = embed_params
        self.cell_params = cell_params
        self.head_params = head_params
        self.variant = dict(variant or {})

    @property
    def params(self):
        parts = (self.embed_params, self.cell_params, self.head_params)
        return {
            f"{prefix}/{k}": v
            for prefix, part in zip(_PREFIXES, parts)
            for k, v in part.items()
        }

    @property
    def dtype(self):
        return self.head_params["kernel"].dtype

    @property
    def vocab_size(self):
        return self.embed_params["embeddings"].shape[0]

    @property
    def units(self):
        return self.head_params["kernel"].shape[0]

    def copy(self):
        """A model with copies of every weight (the same cell module)."""
        parts = (self.embed_params, self.cell_params, self.head_params)
        return CharLM(
            self.cell,
            *({k: v.copy() for k, v in part.items()} for part in parts),
            self.variant,
        )

    def count_params(self):
        """Number of trainable scalars (embedding + cell + head)."""
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self):
        V, E = self.embed_params["embeddings"].shape
        name = getattr(self.cell, "__name__", str(self.cell)).rsplit(".")[-1]
        return (
            f"CharLM({name}, V={V}, E={E}, H={self.units}, "
            f"params={self.count_params():,}, dtype={self.dtype})"
        )


def init_char_lm(cell_module, V, E, H, *, rng, dtype=np.float32, **variant):
    """A fresh model, initialised as Keras initialises the same layers.

    Embedding uniform in [-0.05, 0.05] (Keras's default for Embedding), the
    cell as its ``init_params``, the head glorot_uniform with a zero bias.

    Args:
        cell_module: ``rc.rnn``, ``rc.lstm`` or ``rc.gru``.
        V: vocabulary size (>= 2); E: embedding size; H: hidden units.
        rng: numpy.random.Generator (embedding, then cell, then head).
        dtype: float32 for training, float64 for gradient checks.
        **variant: passed to the cell (e.g. ``reset_after=False``).

    Returns:
        :class:`CharLM`.
    """
    V, E = check_int("V", V, 2), check_int("E", E, 1)
    check_rng(rng)
    embed = {"embeddings": rng.uniform(-0.05, 0.05, (V, E)).astype(dtype)}
    cell_params = cell_module.init_params(
        E, H, rng=rng, dtype=dtype, **variant
    )
    head_params = heads.init_dense(H, V, rng=rng, dtype=dtype)
    return CharLM(cell_module, embed, cell_params, head_params, variant)


def _check_model(model):
    if not isinstance(model, CharLM):
        raise ValueError(
            "model must be a CharLM (see init_char_lm), got "
            f"{type(model).__name__}"
        )


def _check_ids(name, ids, V, shape=None):
    if not isinstance(ids, np.ndarray) or ids.ndim != 2 or 0 in ids.shape:
        got = ids.shape if isinstance(ids, np.ndarray) else type(ids).__name__
        raise ValueError(f"{name} must be a 2-D id array (N, T), got {got}")
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"{name} must hold integer ids, got {ids.dtype}")
    if ids.min() < 0 or ids.max() >= V:
        raise ValueError(
            f"{name} must hold ids in [0, {V}), got [{ids.min()}, {ids.max()}]"
        )
    if shape is not None and ids.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {ids.shape}")


# ---------------------------------------------------------------- embedding


def embedding_forward(ids, embeddings):
    """Look up one row of the table per id: x[n, t] = embeddings[ids[n, t]].

    The same as multiplying a one-hot (N, T, V) input by the (V, E) table,
    without building the one-hot array.

    Args:
        ids: (N, T) integer ids in [0, V).
        embeddings: (V, E) float table.

    Returns:
        (x, cache): x (N, T, E) in the table's dtype; cache for backward.
    """
    if not isinstance(embeddings, np.ndarray) or embeddings.ndim != 2:
        raise ValueError(
            "embeddings must be a 2-D array (V, E), got "
            f"{np.shape(embeddings)}"
        )
    _check_ids("ids", ids, embeddings.shape[0])
    return embeddings[ids], (ids, embeddings.shape)


def embedding_backward(dx, cache):
    """Backward of :func:`embedding_forward`: the gradient of each row is the
    sum of dx over every position where that id was looked up.

    ``np.add.at`` adds unbuffered: an id that occurs twice adds twice (plain
    ``d[ids] += dx`` would keep only one of the two).

    Args:
        dx: (N, T, E) gradient with respect to the looked-up vectors.
        cache: from :func:`embedding_forward`.

    Returns:
        dembeddings (V, E), zero for ids that did not occur.
    """
    ids, shape = cache
    if not isinstance(dx, np.ndarray) or dx.shape != ids.shape + shape[1:]:
        raise ValueError(
            f"dx must have shape {ids.shape + shape[1:]}, got {np.shape(dx)}"
        )
    d = np.zeros(shape, dx.dtype)  # (V, E)
    np.add.at(d, ids, dx)
    return d


# ---------------------------------------------------------------- the model


def forward(model, ids, state0=None):
    """Logits for the next character at every step.

    Args:
        model: :class:`CharLM`.
        ids: (N, T) integer ids.
        state0: the cell's initial state (h0 (N, H), or (h0, c0) for the
            LSTM); zeros when None.

    Returns:
        (logits, cache): logits (N, T, V); cache for :func:`backward` and
        :func:`final_state`.
    """
    _check_model(model)
    table = model.embed_params["embeddings"]
    x, embed_cache = embedding_forward(ids, table)  # (N, T, E)
    h_seq, cell_cache = model.cell.forward(
        x, model.cell_params, state0, **model.variant
    )  # (N, T, H)
    logits, head_cache = heads.sequence_dense_forward(
        h_seq, model.head_params
    )  # (N, T, V)
    return logits, (embed_cache, cell_cache, head_cache)


def final_state(model, cache):
    """The cell's state after the last step (a copy), to start the next
    chunk from: h_T (N, H), or (h_T, c_T) for the LSTM."""
    return model.cell.final_state(cache[1])


def backward(model, dlogits, cache):
    """Gradients of every parameter given dloss/dlogits (N, T, V).

    The gradient with respect to the initial state, which the cell's backward
    also returns, is dropped: that is where truncated BPTT stops.

    Returns:
        dict with the keys of ``model.params``.
    """
    embed_cache, cell_cache, head_cache = cache
    dh_seq, head_grads = heads.sequence_dense_backward(dlogits, head_cache)
    dx, cell_grads, _ = model.cell.backward(dh_seq, cell_cache)  # (N,T,E)
    grads = {"embed/embeddings": embedding_backward(dx, embed_cache)}
    grads.update({f"cell/{k}": v for k, v in cell_grads.items()})
    grads.update({f"head/{k}": v for k, v in head_grads.items()})
    return grads


def loss_and_grads(model, x_ids, y_ids, state0=None, *, mask=None):
    """Loss of one chunk, the gradients of every parameter and the state at
    its end.

    Args:
        model: :class:`CharLM`.
        x_ids: (N, T) input ids; y_ids: (N, T) the next character of each.
        state0: state to start from (from the previous chunk), None = zeros.
            It is treated as a constant: no gradient flows into it.
        mask: None, or (N, T) bool, True for steps that count in the loss.

    Returns:
        (loss, grads, state): loss a Python float (mean nats per character);
        grads keyed like ``model.params``; state the final state (a copy).
    """
    _check_model(model)
    _check_ids("y_ids", y_ids, model.vocab_size, shape=np.shape(x_ids))
    logits, cache = forward(model, x_ids, state0)
    loss, dlogits = heads.sequence_softmax_cross_entropy(logits, y_ids, mask)
    return loss, backward(model, dlogits, cache), final_state(model, cache)


# ---------------------------------------------------------------- streams


def stream_chunks(ids, N, T):
    """Cut a text into N parallel streams and each stream into chunks of T.

    Stream n is the stretch ids[n*L : (n+1)*L] with L = K*T, K as large as
    the text allows (a short tail is dropped). Batch k holds chunk k of every
    stream, so that row n of batch k + 1 is the text right after row n of
    batch k, and the state can be carried from one batch to the next.

    Args:
        ids: (L_text,) integer ids.
        N: streams (the batch size); T: characters per chunk.

    Returns:
        (x, y): each (K, N, T) int32; y is x shifted by one character
        (the targets). x[k, n] starts at position :func:`stream_positions`.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be a 1-D int array, got {ids.dtype}")
    N, T = check_int("N", N, 1), check_int("T", T, 1)
    K = (len(ids) - 1) // (N * T)
    if K < 1:
        raise ValueError(
            f"the text ({len(ids)} ids) is too short for N={N} streams of at "
            f"least one chunk of T={T} (needs N*T + 1 = {N * T + 1})"
        )
    L = K * T
    x = ids[: N * L].reshape(N, K, T).swapaxes(0, 1)  # (K, N, T)
    y = ids[1 : N * L + 1].reshape(N, K, T).swapaxes(0, 1)
    return x.astype(np.int32), y.astype(np.int32)


def stream_positions(n_ids, N, T):
    """Where in the text each target of :func:`stream_chunks` sits.

    Returns:
        (K, N, T) int64: y[k, n, t] is ids[positions[k, n, t]].
    """
    K = (check_int("n_ids", n_ids, 2) - 1) // (N * T)
    L = K * T
    pos = 1 + np.arange(N)[:, None] * L + np.arange(L)  # (N, L)
    return pos.reshape(N, K, T).swapaxes(0, 1)


def nll(model, x, y):
    """Per-character loss of a text cut by :func:`stream_chunks`, the state
    carried through all K chunks (as in training, from zeros at chunk 0).

    Args:
        model: :class:`CharLM`; x, y: (K, N, T) ids.

    Returns:
        (K, N, T) float64: -ln p(y[k, n, t]) under the model.
    """
    _check_model(model)
    if np.shape(x) != np.shape(y) or np.ndim(x) != 3:
        raise ValueError(
            f"x and y must be (K, N, T) of one shape, got {np.shape(x)} and "
            f"{np.shape(y)}"
        )
    out = np.empty(x.shape)
    state = None
    for k in range(len(x)):
        logits, cache = forward(model, x[k], state)  # (N, T, V)
        state = final_state(model, cache)
        z = logits - logits.max(axis=-1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        out[k] = -np.take_along_axis(log_p, y[k][..., None], -1)[..., 0]
    return out


# ---------------------------------------------------------------- training


def _bar(total, desc):
    """A tqdm bar on a terminal only; notebooks get the report lines."""
    if not (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stdout, leave=False)


def fit(
    model,
    x,
    y,
    *,
    steps,
    optimizer,
    clip_norm,
    report_every,
    carry=True,
    validate=None,
    callback=None,
    label="",
    progress=True,
):
    """Train `model` in place with truncated BPTT over streamed chunks.

    Step s uses batch k = s mod K: chunk k of every stream, in order. With
    `carry`, it starts from the state the previous step ended in (from zeros
    at k = 0, the start of an epoch); without, every chunk starts from zeros.
    Either way the gradient covers the T steps of the chunk only. Gradients
    are clipped to global norm `clip_norm`, then the optimiser steps.

    Args:
        model: :class:`CharLM`, updated in place.
        x, y: (K, N, T) ids from :func:`stream_chunks`.
        steps: optimiser steps (int >= 1); epochs wrap around.
        optimizer: ``rc.optim.Adam`` or ``SGD`` (``step(params, grads)``).
        clip_norm: float > 0, or None for no clipping.
        report_every: print (and validate) every this many steps, and at the
            last step.
        carry: carry the state from chunk to chunk (truncated BPTT) or start
            every chunk from zeros.
        validate: None, or a function model -> validation loss (float).
        callback: None, or a function (step, model) called at every report.
        label: put in front of each printed line.
        progress: print one line per report.

    Returns:
        history dict: ``loss`` and ``grad_norm`` of every step;
        ``report_step``, ``report_loss`` (mean training loss since the last
        report), ``val_loss`` (with `validate`), ``seconds`` (CPU time of the
        reporting period, validation included).
    """
    _check_model(model)
    if np.ndim(x) != 3 or np.shape(x) != np.shape(y):
        raise ValueError(
            f"x and y must be (K, N, T) of one shape, got {np.shape(x)} and "
            f"{np.shape(y)}"
        )
    steps = check_int("steps", steps, 1)
    report_every = check_int("report_every", report_every, 1)
    if clip_norm is not None:
        check_positive_float("clip_norm", clip_norm)
    if not callable(getattr(optimizer, "step", None)):
        raise ValueError("optimizer must have a step(params, grads) method")
    K = len(x)
    params = model.params  # the model's own arrays, updated in place
    keys = ["loss", "grad_norm", "report_step", "report_loss", "seconds"]
    history = {k: [] for k in keys + (["val_loss"] if validate else [])}
    prefix = f"{label}  " if label else ""
    bar = _bar(steps, label) if progress else None
    state, start = None, time.process_time()
    for s in range(steps):
        k = s % K
        if k == 0 or not carry:
            state = None  # a new epoch (or no carrying): from zeros
        loss, grads, state = loss_and_grads(model, x[k], y[k], state)
        if not np.isfinite(loss):
            raise FloatingPointError(f"the loss became {loss} at step {s}")
        if clip_norm is None:
            norm = optim.global_norm(grads)
        else:
            grads, norm = optim.clip_by_global_norm(grads, clip_norm)
        optimizer.step(params, grads)
        history["loss"].append(loss)
        history["grad_norm"].append(norm)
        if bar is not None:
            bar.update(1)
        done = s + 1
        if done % report_every and done != steps:
            continue
        since = history["report_step"][-1] if history["report_step"] else 0
        history["report_step"].append(done)
        history["report_loss"].append(float(np.mean(history["loss"][since:])))
        mean_loss = history["report_loss"][-1]
        line = f"{prefix}step {done}/{steps}  loss {mean_loss:.4f}"
        if validate:
            history["val_loss"].append(float(validate(model)))
            line += f"  val_loss {history['val_loss'][-1]:.4f}"
        if callback is not None:
            callback(done, model)
        history["seconds"].append(time.process_time() - start)
        start = time.process_time()
        if progress:
            print(f"{line}  ({history['seconds'][-1]:.1f} s)", flush=True)
    if bar is not None:
        bar.close()
    return history


# ---------------------------------------------------------------- sampling


def stepper(model):
    """A step function for ``rc.text.generate``: (ids (1, T), state) ->
    (logits (1, T, V), state), carrying the numpy model's state."""
    _check_model(model)

    def step(ids, state):
        logits, cache = forward(model, np.asarray(ids), state)
        return logits, final_state(model, cache)

    return step


# ---------------------------------------------------------------- Keras twin


def keras_twin(model, batch_size, T, *, stateful=True):
    """The same network in Keras, with the numpy model's current weights.

    Embedding -> LSTM/GRU/SimpleRNN (return_sequences=True) -> Dense, built
    for a fixed batch (N, T) of int32 ids: a ``stateful=True`` layer needs
    the batch size, because its state is one (N, H) variable per state.
    Not compiled: the caller chooses the optimiser.

    Args:
        model: :class:`CharLM`.
        batch_size: N, the number of streams; T: chunk length.
        stateful: keep the state from one batch to the next (until
            :func:`keras_reset`).

    Returns:
        keras.Sequential.
    """
    import keras

    from .keras_bridge import to_keras

    _check_model(model)
    N, T = check_int("batch_size", batch_size, 1), check_int("T", T, 1)
    V, E = model.embed_params["embeddings"].shape
    dtype = str(model.dtype)
    weights = to_keras(model.cell_params)  # [kernel, recurrent_kernel, bias]
    kw = {}
    if model.cell.KERAS_NAME == "GRU":  # bias (2, 3H) means reset_after
        kw["reset_after"] = weights[2].ndim == 2
    recurrent = getattr(keras.layers, model.cell.KERAS_NAME)(
        model.units,
        return_sequences=True,
        stateful=stateful,
        dtype=dtype,
        **kw,
    )
    net = keras.Sequential(
        [
            keras.Input(batch_shape=(N, T), dtype="int32"),
            keras.layers.Embedding(V, E, dtype=dtype),
            recurrent,
            keras.layers.Dense(V, dtype=dtype),
        ]
    )
    embed, _, head = net.layers
    embed.set_weights([model.embed_params["embeddings"]])
    recurrent.set_weights(weights)
    head.set_weights([model.head_params["kernel"], model.head_params["bias"]])
    return net


def keras_reset(net):
    """Set the state of every stateful recurrent layer of `net` to zeros."""
    for layer in net.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()


def keras_fit_steps(net, x, y, steps, *, reset="epoch"):
    """Train a compiled stateful Keras twin batch after batch, as :func:`fit`
    feeds the numpy model, and return the loss of every step.

    Args:
        net: compiled model from :func:`keras_twin` (stateful=True).
        x, y: (K, N, T) ids from :func:`stream_chunks`.
        steps: int >= 1; step s trains on batch s mod K.
        reset: when the state goes back to zeros: "epoch" (at k = 0, as
            :func:`fit` with carry=True), "batch" (before every step: the
            state is never carried) or "never" (the end of the last chunk of
            an epoch flows into the first chunk of the next).

    Returns:
        (steps,) float64 array: the loss of each batch before its update.
    """
    if reset not in ("epoch", "batch", "never"):
        raise ValueError(
            f"reset must be 'epoch', 'batch' or 'never', got {reset!r}"
        )
    steps = check_int("steps", steps, 1)
    K = len(x)
    keras_reset(net)
    losses = np.empty(steps)
    for s in range(steps):
        k = s % K
        if reset == "batch" or (reset == "epoch" and k == 0):
            keras_reset(net)
        losses[s] = float(net.train_on_batch(x[k], y[k]))
    return losses
