"""The book's recipe for training Keras recurrent models on a CPU (chapters 7
and 8).

The appendix page "Training fast on a CPU" measures the choices this module
fixes, in seconds of CPU time per epoch of the chapter-7 LSTM:

- batches of `BATCH_SIZE` = 256 sequences: fewer, larger matrix products per
  epoch than 128;
- ``unroll=True`` for short sequences (T <= `UNROLL_MAX_T`), so that Keras
  builds the steps as one graph instead of a loop (its memory grows with T, so
  long sequences stay rolled);
- the data as a `tf.data` pipeline (:func:`dataset`, used by :func:`fit`):
  cached, shuffled every epoch from a seed, prefetched;
- Adam with a cosine-decayed learning rate and the gradient clipped by its
  *global* norm (:func:`adam`, the rule of chapters 2 and 5);
- :class:`TrackedSequential`, a ``keras.Sequential`` whose training step also
  logs the global norm of the raw gradient (``grad_norm``) and the fraction of
  steps that clipping shortened (``clipped``), so that a chapter can say what
  clipping did instead of guessing.

XLA (``jit_compile=True``) is not part of the recipe: the appendix measures it
and Keras leaves it off on a CPU by default.
"""

import numpy as np

from .checks import check_int, check_positive_float

BATCH_SIZE = 256
UNROLL_MAX_T = 50


def dataset(x, y, batch_size=BATCH_SIZE, *, seed=None, shuffle=True):
    """A cached, prefetched `tf.data` pipeline over (x, y), reshuffled every
    epoch.

    Args:
        x: array (N, T, D), the sequences.
        y: array (N,) or (N, k), the targets; N must match x.
        batch_size: int >= 1 (the last batch may be smaller).
        seed: int >= 0, fixes the order of every epoch's shuffle (required when
            `shuffle`).
        shuffle: False keeps the order of x (for evaluation).

    Returns:
        tf.data.Dataset of (x_batch, y_batch).
    """
    import tensorflow as tf

    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 3:
        raise ValueError(f"x must be (N, T, D), got shape {x.shape}")
    if len(y) != len(x):
        raise ValueError(
            f"y must have one target per sequence: len(y) = {len(y)}, N = "
            f"{len(x)}"
        )
    batch_size = check_int("batch_size", batch_size, low=1)
    data = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle:
        if seed is None:
            raise ValueError(
                "seed is required when shuffle=True: the shuffle order must "
                "be reproducible"
            )
        data = data.shuffle(
            len(x),
            seed=check_int("seed", seed, low=0),
            reshuffle_each_iteration=True,
        )
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def fit(
    model,
    x,
    y,
    *,
    epochs,
    seed,
    batch_size=BATCH_SIZE,
    validation_data=None,
    callbacks=(),
):
    """Train a compiled Keras model on (x, y) through :func:`dataset`, silently
    (``verbose=0``).

    The batches are reshuffled every epoch in an order fixed by `seed`; pass
    ``rc.book.keras_callbacks.EpochLine()`` in `callbacks` for one line per
    epoch.

    Args:
        model: a compiled Keras model.
        x: array (N, T, D); y: array (N,) or (N, k).
        epochs: int >= 1; seed: int >= 0; batch_size: int >= 1.
        validation_data: optional (x_val, y_val), measured after every epoch.
        callbacks: Keras callbacks.

    Returns:
        keras.callbacks.History (``history.history`` holds one list per logged
        value).
    """
    data = dataset(x, y, batch_size, seed=seed)
    return model.fit(
        data,
        epochs=check_int("epochs", epochs, low=1),
        validation_data=validation_data,
        callbacks=list(callbacks),
        shuffle=False,
        verbose=0,
    )


def adam(lr, *, decay_steps=None, clip=1.0, alpha=0.02):
    """Adam with global-norm clipping and, when `decay_steps` is given, a
    cosine-decayed learning rate.

    Args:
        lr: float > 0, the initial learning rate.
        decay_steps: int >= 1, the steps over which the rate falls from `lr` to
            ``alpha * lr`` (``keras.optimizers.schedules.CosineDecay``); None
            keeps `lr` constant.
        clip: float > 0, the largest global norm of a step's gradient
            (``global_clipnorm``).
        alpha: float in [0, 1], the final fraction of `lr`.

    Returns:
        keras.optimizers.Adam.
    """
    import keras

    check_positive_float("lr", lr)
    check_positive_float("clip", clip)
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    rate = float(lr)
    if decay_steps is not None:
        check_int("decay_steps", decay_steps, low=1)
        rate = keras.optimizers.schedules.CosineDecay(
            float(lr), decay_steps=int(decay_steps), alpha=alpha
        )
    return keras.optimizers.Adam(rate, global_clipnorm=float(clip))


def recurrent_layer(cell, units, T, **kwargs):
    """Keras's layer for `cell` ("rnn", "lstm" or "gru") with `units`, unrolled
    when T <= UNROLL_MAX_T.

    Extra keyword arguments go to the layer (for example
    ``return_sequences=True``).
    """
    import keras

    layers = {
        "rnn": keras.layers.SimpleRNN,
        "lstm": keras.layers.LSTM,
        "gru": keras.layers.GRU,
    }
    if cell not in layers:
        raise ValueError(f"cell must be one of {sorted(layers)}, got {cell!r}")
    check_int("units", units, low=1)
    check_int("T", T, low=1)
    return layers[cell](int(units), unroll=int(T) <= UNROLL_MAX_T, **kwargs)


def _tracked_sequential_class():
    import keras
    import tensorflow as tf

    class TrackedSequential(keras.Sequential):
        """keras.Sequential whose `fit` also logs ``grad_norm`` and ``clipped``
        (epoch means).

        ``grad_norm`` is the global norm of the raw gradient of each step,
        before clipping; ``clipped`` is the fraction of steps whose norm
        exceeded the optimiser's ``global_clipnorm`` (0 when it has none). The
        step is otherwise Keras's own: the loss and metrics given to
        ``compile``, the optimiser's ``apply`` (which does the clipping).
        """

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.grad_norm_tracker = keras.metrics.Mean(name="grad_norm")
            self.clipped_tracker = keras.metrics.Mean(name="clipped")

        def train_step(self, data):
            x, y = data[0], data[1]
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(x=x, y=y, y_pred=y_pred)
            variables = self.trainable_variables
            grads = tape.gradient(loss, variables)
            norm = tf.linalg.global_norm(grads)
            limit = self.optimizer.global_clipnorm
            self.optimizer.apply(grads, variables)
            self.grad_norm_tracker.update_state(norm)
            self.clipped_tracker.update_state(
                tf.cast(norm > limit, "float32") if limit else 0.0
            )
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                elif metric not in (
                    self.grad_norm_tracker,
                    self.clipped_tracker,
                ):
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            # Evaluation takes no step: leave the two training-only numbers out
            # of its logs.
            logs = super().test_step(data)
            return {
                k: v
                for k, v in logs.items()
                if k not in ("grad_norm", "clipped")
            }

    return TrackedSequential


def __getattr__(name):
    if (
        name == "TrackedSequential"
    ):  # built on first use, so importing this module loads no Keras
        cls = _tracked_sequential_class()
        globals()[name] = cls
        return cls
    raise AttributeError(
        f"module 'recurrent.keras_recipe' has no attribute {name!r}"
    )


def classifier(
    cell, units, T, D, n_classes, *, lr, decay_steps=None, clip=1.0
):
    """A compiled `TrackedSequential`: one recurrent layer reading (T, D)
    sequences, then Dense(n_classes).

    The head returns logits and the loss is the sparse categorical
    cross-entropy from logits, as chapter 5's numpy head computes it; the
    metric is ``accuracy``.

    Returns:
        TrackedSequential, compiled with :func:`adam` (lr, decay_steps, clip).
    """
    import keras

    check_int("D", D, low=1)
    check_int("n_classes", n_classes, low=1)
    model = __getattr__("TrackedSequential")(
        [
            keras.Input(shape=(int(T), int(D))),
            recurrent_layer(cell, units, T),
            keras.layers.Dense(int(n_classes)),
        ]
    )
    model.compile(
        optimizer=adam(lr, decay_steps=decay_steps, clip=clip),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model
