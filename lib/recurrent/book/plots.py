"""Figures the chapters draw more than once (chapter 1: the recurrent cell
unrolled in time)."""

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..checks import check_int


def _box(ax, x, y, text, color, w=0.8, h=0.5):
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.03",
            facecolor=color,
            edgecolor="black",
            linewidth=1,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=11)


def _arrow(ax, start, end, label="", offset=(0.0, 0.0)):
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=12,
            linewidth=1.2,
            color="black",
        )
    )
    if label:
        ax.text(
            (start[0] + end[0]) / 2 + offset[0],
            (start[1] + end[1]) / 2 + offset[1],
            label,
            ha="center",
            va="center",
            fontsize=10,
            color="tab:blue",
        )


def draw_unrolled(ax, T=4):
    """Draw a recurrent cell unrolled over T steps: x_t enters through W,
    h_{t-1} through U, h_t leaves.

    The same W and U label every step, which is the point of the figure: one
    set of weights, used T times.

    Args:
        ax: a matplotlib Axes to draw on (its axis lines are switched off).
        T: number of steps drawn, an int from 1 to 8.

    Returns:
        The Axes.
    """
    T = check_int("T", T, 1, 8, expect="an int from 1 to 8 (steps drawn)")
    _box(ax, 0, 1, r"$h_0$", "#eeeeee")
    for t in range(1, T + 1):
        _box(ax, 2 * t, 0, f"$x_{{{t}}}$", "#fde0c5")
        _box(ax, 2 * t, 1, "tanh", "#cfe3f5")
        _box(ax, 2 * t, 2, f"$h_{{{t}}}$", "#d5efd0")
        _arrow(ax, (2 * t, 0.25), (2 * t, 0.75), "W", offset=(0.25, 0))
        _arrow(ax, (2 * t - 1.6, 1), (2 * t - 0.4, 1), "U", offset=(0, 0.2))
        _arrow(ax, (2 * t, 1.25), (2 * t, 1.75))
    ax.set_xlim(-0.7, 2 * T + 0.7)
    ax.set_ylim(-0.5, 2.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
