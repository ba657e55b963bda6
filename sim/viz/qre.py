"""Figure of the logit QRE correspondence (:func:`sim.equilibria.trace`): each rung's probability
against the precision lambda, one panel per side.  Also importable as
``sim.equilibria.logit_qre.plot_correspondence``."""

from __future__ import annotations

from typing import Sequence

from sim.errors import ConfigError
from sim.equilibria.logit_qre import QRETrace

__all__ = ["plot_correspondence"]


def plot_correspondence(tr: QRETrace, *, sides: Sequence[str] = ("A", "B"),
                        labels_a: Sequence[str] | None = None, labels_b: Sequence[str] | None = None):
    """A figure of the principal QRE branch: each rung's probability against lambda.

    One panel per side, one line per rung, log-scaled lambda axis (points with
    ``lam = 0`` cannot be drawn on it and are left out).  Built with
    :class:`matplotlib.figure.Figure` directly (no pyplot state).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    from sim.viz.style import MIN_FONT, enforce_min_font, wrap_label

    if not isinstance(tr, QRETrace):
        raise ConfigError("trace", f"must be a QRETrace, got {type(tr).__name__}")
    keep = tr.lambdas > 0
    fig = Figure(figsize=(11, 5.2), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, probs, side, labels in ((axes[0], tr.x, sides[0], labels_a), (axes[1], tr.y, sides[1], labels_b)):
        k = probs.shape[1]
        labels = list(labels) if labels is not None else (
            ["restrain", "escalate"] if k == 2 else [f"rung {r}" for r in range(k)])
        for r in range(k):  # rungs are ordered: one sequential colour scale (neither a side's nor an outcome's)
            ax.plot(tr.lambdas[keep], probs[keep, r], label=labels[r], color=colormaps["viridis"](r / max(k - 1, 1)),
                    linewidth=2)
        ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("precision lambda (1 / payoff unit)")
        ax.set_title(wrap_label(str(side), 40))
        ax.legend(labels=[wrap_label(lb, 26) for lb in labels], fontsize=MIN_FONT, loc="upper left",
                  bbox_to_anchor=(0.0, -0.2), frameon=False, ncol=2)
    axes[0].set_ylabel("probability of rung (logit QRE)")
    fig.suptitle("Logit QRE, principal branch")
    return enforce_min_font(fig)
