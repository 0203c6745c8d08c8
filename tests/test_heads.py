"""recurrent.heads: the dense classifier head and softmax cross-entropy,
checked numerically."""

import numpy as np
import pytest

from recurrent import gradcheck, heads


def test_softmax_cross_entropy_value():
    logits = np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]])
    y = np.array([0, 2])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    loss, dlogits = heads.softmax_cross_entropy(logits, y)
    assert loss == pytest.approx(-np.mean(np.log(p[[0, 1], y])), rel=1e-12)
    onehot = np.eye(3)[y]
    np.testing.assert_allclose(dlogits, (p - onehot) / 2, rtol=1e-12)
    np.testing.assert_allclose(
        dlogits.sum(axis=1), 0.0, atol=1e-15
    )  # softmax rows sum to one


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 1e4]], np.float32)
    loss, dlogits = heads.softmax_cross_entropy(logits, np.array([0, 1]))
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert loss == pytest.approx(
        np.log(2) / 2, rel=1e-5
    )  # row 1 splits between classes 1, 2
    assert dlogits.dtype == np.float32


def test_softmax_cross_entropy_gradient_check():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5, 4)) * 3
    y = rng.integers(0, 4, size=5)
    _, analytic = heads.softmax_cross_entropy(logits, y)
    numeric = gradcheck.numerical_gradient(
        lambda: heads.softmax_cross_entropy(logits, y)[0], logits
    )
    assert gradcheck.rel_error(analytic, numeric) < 1e-7


def test_dense_gradient_check():
    rng = np.random.default_rng(1)
    h = rng.normal(size=(4, 3))
    params = heads.init_dense(3, 5, rng=rng, dtype=np.float64)
    params["bias"][:] = rng.normal(size=5)
    R = rng.normal(size=(4, 5))  # loss = sum(logits * R)

    def loss():
        return float(np.sum(heads.dense_forward(h, params)[0] * R))

    logits, cache = heads.dense_forward(h, params)
    np.testing.assert_allclose(logits, h @ params["kernel"] + params["bias"])
    dh, grads = heads.dense_backward(R, cache)
    assert (
        gradcheck.rel_error(dh, gradcheck.numerical_gradient(loss, h)) < 1e-8
    )
    for k in ("kernel", "bias"):
        assert (
            gradcheck.rel_error(
                grads[k], gradcheck.numerical_gradient(loss, params[k])
            )
            < 1e-8
        )


def test_init_dense_like_keras():
    params = heads.init_dense(64, 10, rng=np.random.default_rng(0))
    assert params["kernel"].shape == (64, 10) and params["bias"].shape == (10,)
    assert params["kernel"].dtype == np.float32 and not params["bias"].any()
    limit = np.sqrt(6 / (64 + 10))
    assert np.abs(params["kernel"]).max() <= limit
    assert (
        np.abs(params["kernel"]).max() > 0.9 * limit
    )  # uniform over the whole range


@pytest.mark.parametrize(
    "logits, y, match",
    [
        (np.zeros((3, 4)), np.array([0, 1]), "y must have shape \\(3,\\)"),
        (np.zeros((2, 4)), np.array([0, 4]), "labels in 0..3"),
        (np.zeros((2, 4)), np.array([0, -1]), "labels in 0..3"),
        (np.zeros((2, 4)), np.array([0.0, 1.0]), "integer"),
        (np.zeros(4), np.array([0]), "logits must be a 2-D array"),
        (np.array([[0.0, np.nan]]), np.array([0]), "non-finite"),
    ],
)
def test_softmax_cross_entropy_rejects_bad_input(logits, y, match):
    with pytest.raises(ValueError, match=match):
        heads.softmax_cross_entropy(logits, y)


def test_dense_rejects_bad_input():
    params = heads.init_dense(3, 2, rng=np.random.default_rng(0))
    with pytest.raises(
        ValueError, match="params\\['kernel'\\] must have shape \\(4, C\\)"
    ):
        heads.dense_forward(np.zeros((2, 4), np.float32), params)
    with pytest.raises(ValueError, match="dtype"):
        heads.dense_forward(np.zeros((2, 3), np.float64), params)
    with pytest.raises(ValueError, match="h must be a 2-D array"):
        heads.dense_forward(np.zeros((2, 5, 3), np.float32), params)
    _, cache = heads.dense_forward(np.zeros((2, 3), np.float32), params)
    with pytest.raises(ValueError, match="dlogits must have shape \\(2, 2\\)"):
        heads.dense_backward(np.zeros((2, 3), np.float32), cache)
    with pytest.raises(ValueError, match="C must be an int >= 2"):
        heads.init_dense(3, 1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        heads.init_dense(3, 2, rng=0)


# ------------------------------------------------- the head at every step


def _seq_case(seed=2, N=3, T=4, H=5, V=6):
    rng = np.random.default_rng(seed)
    h_seq = rng.normal(size=(N, T, H))
    params = heads.init_dense(H, V, rng=rng, dtype=np.float64)
    params["bias"][:] = rng.normal(size=V)
    y = rng.integers(0, V, size=(N, T))
    return rng, h_seq, params, y


def test_sequence_dense_is_dense_at_every_step():
    _, h_seq, params, _ = _seq_case()
    logits, _ = heads.sequence_dense_forward(h_seq, params)
    for t in range(h_seq.shape[1]):
        step, _ = heads.dense_forward(h_seq[:, t], params)
        np.testing.assert_allclose(logits[:, t], step, rtol=1e-12)


def test_sequence_dense_gradient_check():
    rng, h_seq, params, _ = _seq_case()
    R = rng.normal(size=(3, 4, 6))  # loss = sum(logits * R)

    def loss():
        return float(
            np.sum(heads.sequence_dense_forward(h_seq, params)[0] * R)
        )

    _, cache = heads.sequence_dense_forward(h_seq, params)
    dh_seq, grads = heads.sequence_dense_backward(R, cache)
    assert dh_seq.shape == h_seq.shape
    num = gradcheck.numerical_gradient(loss, h_seq)
    assert gradcheck.rel_error(dh_seq, num) < 1e-8
    for k in ("kernel", "bias"):
        num = gradcheck.numerical_gradient(loss, params[k])
        assert gradcheck.rel_error(grads[k], num) < 1e-8


def test_sequence_cross_entropy_is_the_mean_over_every_step():
    rng, h_seq, params, y = _seq_case()
    logits = rng.normal(size=(3, 4, 6)) * 2
    loss, _ = heads.sequence_softmax_cross_entropy(logits, y)
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    nll = -np.take_along_axis(log_p, y[..., None], -1)[..., 0]  # (N, T)
    assert loss == pytest.approx(nll.mean(), rel=1e-12)


def test_sequence_cross_entropy_gradient_check():
    rng, _, _, y = _seq_case()
    logits = rng.normal(size=(3, 4, 6)) * 2
    _, dlogits = heads.sequence_softmax_cross_entropy(logits, y)

    def loss():
        return heads.sequence_softmax_cross_entropy(logits, y)[0]

    num = gradcheck.numerical_gradient(loss, logits)
    assert gradcheck.rel_error(dlogits, num) < 1e-7


def test_sequence_cross_entropy_with_a_mask():
    rng, _, _, y = _seq_case()
    logits = rng.normal(size=(3, 4, 6)) * 2
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], bool)
    loss, dlogits = heads.sequence_softmax_cross_entropy(logits, y, mask)
    full, _ = heads.sequence_softmax_cross_entropy(logits, y)
    real, _ = heads.softmax_cross_entropy(logits[mask], y[mask])
    assert loss == pytest.approx(real, rel=1e-12)  # mean over 7 real steps
    assert abs(loss - full) > 1e-3  # ... not over all 12
    assert not dlogits[~mask].any()  # padded steps: no gradient

    def masked_loss():
        return heads.sequence_softmax_cross_entropy(logits, y, mask)[0]

    num = gradcheck.numerical_gradient(masked_loss, logits)
    assert gradcheck.rel_error(dlogits, num) < 1e-7


def test_sequence_head_rejects_bad_input():
    _, h_seq, params, y = _seq_case()
    with pytest.raises(ValueError, match="h_seq must be a 3-D array"):
        heads.sequence_dense_forward(h_seq[:, 0], params)
    logits, cache = heads.sequence_dense_forward(h_seq, params)
    with pytest.raises(ValueError, match="dlogits must have shape \\(3, 4, V"):
        heads.sequence_dense_backward(logits[:, :2], cache)
    with pytest.raises(ValueError, match="y must have shape \\(3, 4\\)"):
        heads.sequence_softmax_cross_entropy(logits, y[:, :2])
    with pytest.raises(ValueError, match="mask must be a bool array"):
        heads.sequence_softmax_cross_entropy(logits, y, np.ones((3, 4)))
    with pytest.raises(ValueError, match="at least one real step"):
        heads.sequence_softmax_cross_entropy(logits, y, np.zeros((3, 4), bool))
