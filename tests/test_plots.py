"""rc.book.plots: the unrolled-cell figure draws one set of boxes per step and
refuses a bad T."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import recurrent as rc  # noqa: E402


@pytest.mark.parametrize("T", [1, 3, 8])
def test_draw_unrolled_labels_every_step(T):
    fig, ax = plt.subplots()
    rc.book.plots.draw_unrolled(ax, T=T)
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("tanh") == T
    assert texts.count("W") == T and texts.count("U") == T
    assert [f"$x_{{{t}}}$" in texts for t in range(1, T + 1)] == [True] * T
    assert "$h_0$" in texts
    plt.close(fig)


@pytest.mark.parametrize("T", [0, 9, 2.0, True, "4"])
def test_draw_unrolled_rejects_bad_T(T):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"T must be an int from 1 to 8"):
        rc.book.plots.draw_unrolled(ax, T=T)
    plt.close(fig)
