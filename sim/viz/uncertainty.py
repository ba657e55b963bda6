"""Figure of a global sensitivity analysis: which parameter drives each answer (issue 11, item 4).

:func:`sensitivity_bars` takes the tidy table of :meth:`sim.sweeps.uncertainty.Propagation.table`
and draws, per outcome, the parameters ranked by their total-order Sobol index (bars, with the
bootstrap 95% half-width as a whisker) and the first-order index (a dot).  Artists carry the
gids ``"total-<outcome>"`` and ``"first-<outcome>"``.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.viz.style import _BASE_FONT
from sim.wording import param_label

__all__ = ["sensitivity_bars"]

_TOTAL, _FIRST = "#0072B2", "#000000"


def sensitivity_bars(table, *, outcome_labels: Mapping[str, str] | None = None, title: str | None = None) -> Figure:
    """Ranked Sobol indices, one panel per outcome (``table``: outcome, parameter, ST, ST_conf, S1)."""
    outcome_labels = dict(outcome_labels or {})
    outcomes = list(dict.fromkeys(table["outcome"]))
    n_par = table["parameter"].nunique()
    width = 4.6 * len(outcomes) + 1.0
    height = 1.6 + 0.55 * n_par + 1.0
    fig = Figure(figsize=(max(width, 7.0), height), layout="constrained")
    axes = fig.subplots(1, len(outcomes), squeeze=False)[0]
    for ax, o in zip(axes, outcomes):
        t = table[table["outcome"] == o].sort_values("ST", ascending=True, kind="stable")
        y = np.arange(len(t))
        st = np.clip(t["ST"].to_numpy(float), 0, None)
        conf = t["ST_conf"].to_numpy(float)
        ax.barh(y, st, color=_TOTAL, alpha=0.85, gid=f"total-{o}")
        ax.errorbar(st, y, xerr=conf, fmt="none", ecolor="#333333", capsize=3, linewidth=1)
        ax.plot(np.clip(t["S1"].to_numpy(float), 0, None), y, "o", color=_FIRST, markersize=5, gid=f"first-{o}")
        ax.set_yticks(y, [param_label(p) for p in t["parameter"]], fontsize=_BASE_FONT)
        ax.set_xlim(0, max(1.0, float(np.nanmax(st + np.nan_to_num(conf))) * 1.05))
        ax.set_xlabel("share of the answer's variance", fontsize=_BASE_FONT)
        ax.set_title(outcome_labels.get(o, o), fontsize=_BASE_FONT + 1, loc="left", fontweight="bold")
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    handles = [Patch(facecolor=_TOTAL, alpha=0.85, label="total effect (Sobol ST; whisker: 95% bootstrap)"),
               Line2D([], [], marker="o", color=_FIRST, linestyle="none", label="effect alone (Sobol S1)")]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False, fontsize=_BASE_FONT - 1)
    fig.suptitle(title or "Which uncertain parameter drives each answer", fontsize=_BASE_FONT + 3, fontweight="bold")
    return fig
