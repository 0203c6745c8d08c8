"""Character-level language models: n-gram baselines and sampling (ch. 10).

Text is handled as a 1-D array of integer ids in [0, V). Losses are mean
negative log-likelihoods in nats per character (divide by ln 2 for bits). The
sampling loop is written once and takes the model as a step function, so that
the Keras layer and the numpy cell generate text through the very same code.
"""

import numpy as np

from . import activations
from .checks import check_int, check_positive_float, check_rng


def _check_ids(name, ids, V=None):
    """A non-empty (L,) int array with ids in [0, V) ([0, inf) if V is None).

    Returns:
        the ids as int64 (a copy).
    """
    if not isinstance(ids, np.ndarray) or ids.ndim != 1 or ids.size == 0:
        got = ids.shape if isinstance(ids, np.ndarray) else type(ids).__name__
        raise ValueError(
            f"{name} must be a non-empty 1-D array of ids (L,), got {got}"
        )
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(
            f"{name} must hold integer ids, got dtype {ids.dtype}"
        )
    if ids.min() < 0 or (V is not None and ids.max() >= V):
        high = "inf" if V is None else V
        raise ValueError(
            f"{name} must hold ids in [0, {high}), "
            f"got [{ids.min()}, {ids.max()}]"
        )
    return ids.astype(np.int64)


def _check_V(V):
    return check_int("V (vocabulary size)", V, 2)


def unigram_probs(train_ids, V, *, alpha=1.0):
    """Character frequencies with add-alpha smoothing.

    Args:
        train_ids: (L,) int ids in [0, V).
        V: vocabulary size.
        alpha: pseudo-count added to every character (1 = add-one, Laplace).

    Returns:
        (V,) probabilities.
    """
    V = _check_V(V)
    ids = _check_ids("train_ids", train_ids, V)
    counts = np.bincount(ids, minlength=V) + alpha
    return counts / counts.sum()


def bigram_probs(train_ids, V, *, alpha=1.0):
    """P(next | previous) counted on the training text, add-alpha smoothed.

    Args:
        train_ids: (L,) int ids in [0, V), L >= 2.
        V: vocabulary size.
        alpha: pseudo-count added to every (previous, next) pair.

    Returns:
        (V, V) matrix, row = previous character, each row sums to 1.
    """
    V = _check_V(V)
    ids = _check_ids("train_ids", train_ids, V)
    if ids.size < 2:
        raise ValueError(
            f"train_ids must have at least 2 ids (L >= 2), got {ids.size}"
        )
    pairs = ids[:-1] * V + ids[1:]
    counts = np.bincount(pairs, minlength=V * V).reshape(V, V) + alpha
    return counts / counts.sum(axis=1, keepdims=True)


def unigram_nll(train_ids, val_ids, V, *, alpha=1.0):
    """Negative log-likelihood (nats) of each id of val_ids, unigram model.

    Returns:
        (L_val,) array; its mean is the unigram loss in nats per character.
    """
    p = unigram_probs(train_ids, V, alpha=alpha)
    return -np.log(p[_check_ids("val_ids", val_ids, V)])


def bigram_nll(train_ids, val_ids, V, *, alpha=1.0):
    """Negative log-likelihood (nats) of val_ids[1:] given the previous id.

    Returns:
        (L_val - 1,) array; its mean is the bigram loss in nats per character.
    """
    P = bigram_probs(train_ids, V, alpha=alpha)
    val = _check_ids("val_ids", val_ids, V)
    if val.size < 2:
        raise ValueError(
            f"val_ids must have at least 2 ids (L >= 2), got {val.size}"
        )
    return -np.log(P[val[:-1], val[1:]])


def _ngram_codes(name, ids, V, n):
    """Each run of n consecutive ids as one int64 in base V: (L - n + 1,)."""
    if ids.size < n:
        raise ValueError(
            f"{name} must have at least n = {n} ids, got {ids.size}"
        )
    code = np.zeros(ids.size - n + 1, np.int64)
    for k in range(n):
        code = code * V + ids[k : ids.size - n + 1 + k]
    return code


def _count(table, counts, keys):
    """How often each key occurs: counts from a sorted table, 0 if absent."""
    at = np.minimum(np.searchsorted(table, keys), table.size - 1)
    return np.where(table[at] == keys, counts[at], 0)


def ngram_nll(train_ids, val_ids, V, n, *, alpha=1.0):
    """Negative log-likelihood (nats) of val_ids[n-1:] under an n-gram model.

    P(next | n - 1 previous ids) = (count(context, next) + alpha)
    / (count(context) + alpha V), both counted on the training text; n = 1
    is unigram_nll, n = 2 is bigram_nll. To score every id of a validation
    text, pass it preceded by the n - 1 ids that come before it.

    Args:
        train_ids: (L,) int ids in [0, V), L >= n.
        val_ids: (L_val,) int ids in [0, V), L_val >= n.
        V: vocabulary size.
        n: the order, int >= 1 (n - 1 ids of context), with V**n < 2**62.
        alpha: pseudo-count added to every (context, next) pair, > 0.

    Returns:
        (L_val - n + 1,) array; its mean is the loss in nats per character.
    """
    V = _check_V(V)
    n = check_int("n", n, 1)
    alpha = check_positive_float("alpha", alpha)
    if V**n >= 2**62:
        raise ValueError(
            f"V**n must be < 2**62 (int64 codes), got V = {V}, n = {n}"
        )
    train = _ngram_codes(
        "train_ids", _check_ids("train_ids", train_ids, V), V, n
    )
    val = _ngram_codes("val_ids", _check_ids("val_ids", val_ids, V), V, n)
    pair, pair_count = np.unique(train, return_counts=True)
    ctx, ctx_count = np.unique(train // V, return_counts=True)
    hits = _count(pair, pair_count, val) + alpha
    seen = _count(ctx, ctx_count, val // V) + alpha * V
    return -np.log(hits / seen)


def softmax(logits, temperature=1.0):
    """Softmax of logits / temperature along the last axis, computed stably.

    Args:
        logits: (..., V) floats.
        temperature: float > 0; below 1 sharpens the distribution, above 1
            flattens it.

    Returns:
        (..., V) probabilities in float64.
    """
    temperature = check_positive_float(
        "temperature", temperature, expect="a float > 0"
    )
    z = np.asarray(logits, dtype=np.float64) / temperature
    if z.ndim < 1 or z.shape[-1] < 2:
        raise ValueError(
            f"logits must have shape (..., V) with V >= 2, got {z.shape}"
        )
    return activations.softmax(z, axis=-1)


def entropy(probs):
    """Entropy in nats along the last axis, -sum p ln p: (..., V) -> (...)."""
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim < 1:
        raise ValueError(f"probs must have shape (..., V), got {p.shape}")
    safe = np.where(p > 0, p, 1.0)
    return -np.sum(np.where(p > 0, p * np.log(safe), 0.0), axis=-1)


def generate(step, state, prompt_ids, n, *, temperature=1.0, rng=None):
    """Generate n ids one at a time, carrying the model's state between steps.

    The prompt is read once (one call of `step` on the whole prompt); after
    that every call gets only the id just produced and the state, never the
    whole text again.

    Args:
        step: function (ids (1, T) int32, state) -> (logits (1, T, V), new
            state). The state is whatever the model needs (e.g. [h, c]);
            None means the model's zero state.
        state: initial state passed to the first call (usually None).
        prompt_ids: (L,) int ids >= 0, L >= 1.
        n: number of ids to generate, int >= 1.
        temperature: float > 0 samples from softmax(logits / temperature);
            0 takes the argmax (greedy decoding, no randomness).
        rng: numpy.random.Generator, needed when temperature > 0.

    Returns:
        out: (n,) int64 generated ids.
        nll: (n,) float64, -ln p of each generated id under the model at
            temperature 1.
    """
    prompt = _check_ids("prompt_ids", np.asarray(prompt_ids))
    n = check_int("n", n, 1)
    temperature = check_positive_float(
        "temperature",
        temperature,
        allow_zero=True,
        expect="a float >= 0 (0 = greedy)",
    )
    if temperature > 0:
        check_rng(rng, when=" when temperature > 0")
    if not callable(step):
        raise ValueError(
            f"step must be a function (ids, state) -> (logits, state), "
            f"got {step!r}"
        )
    out, nll = np.empty(n, np.int64), np.empty(n)
    logits, state = step(prompt[None, :].astype(np.int32), state)
    for k in range(n):
        last = np.asarray(logits, dtype=np.float64)[0, -1]  # (V,)
        if last.ndim != 1:
            raise ValueError(
                f"step must return logits of shape (1, T, V), "
                f"got {np.shape(logits)}"
            )
        p1 = softmax(last)
        if temperature == 0:
            nxt = int(np.argmax(last))
        else:
            nxt = int(rng.choice(last.size, p=softmax(last, temperature)))
        out[k], nll[k] = nxt, -np.log(p1[nxt])
        if k + 1 < n:
            logits, state = step(np.array([[nxt]], np.int32), state)
    return out, nll
