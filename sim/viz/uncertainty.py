"""Figure of a global sensitivity analysis: which parameter drives each answer (issue 11, item 4).

:func:`sensitivity_bars` takes the tidy table of :meth:`sim.sweeps.uncertainty.Propagation.table`
and draws, per outcome, the parameters ranked by their total-order Sobol index (bars, with the
bootstrap 95% half-width as a whisker); the first-order indices stay in the table (with few
samples their estimates are noisy enough to exceed the total-order ones, which would confuse a
reader).  The bars carry the gid ``"total-<outcome>"``.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.viz.style import _BASE_FONT, enforce_min_font, wrap_label, wrap_title
from sim.wording import param_label

__all__ = ["sensitivity_bars"]

_TOTAL = "#0072B2"


def sensitivity_bars(table, *, outcome_labels: Mapping[str, str] | None = None, title: str | None = None) -> Figure:
    """Ranked Sobol indices, one panel per outcome (``table``: outcome, parameter, ST, ST_conf, S1)."""
    from sim.viz.sweep import outcome_label

    outcome_labels = dict(outcome_labels or {})
    outcomes = list(dict.fromkeys(table["outcome"]))
    n_par = table["parameter"].nunique()
    height = 1.4 + len(outcomes) * (0.9 + 0.45 * n_par)
    fig = Figure(figsize=(10.0, height), layout="constrained")
    axes = fig.subplots(len(outcomes), 1, squeeze=False)[:, 0]  # one row per answer: labels keep their room
    for ax, o in zip(axes, outcomes):
        t = table[table["outcome"] == o].sort_values("ST", ascending=True, kind="stable")
        y = np.arange(len(t))
        st = np.clip(t["ST"].to_numpy(float), 0, None)
        conf = t["ST_conf"].to_numpy(float)
        ax.barh(y, st, color=_TOTAL, alpha=0.85, gid=f"total-{o}")
        ax.errorbar(st, y, xerr=conf, fmt="none", ecolor="#333333", capsize=3, linewidth=1)
        ax.set_yticks(y, [param_label(p, units=False) for p in t["parameter"]], fontsize=_BASE_FONT)
        ax.set_xlim(0, max(1.0, float(np.nanmax(st + np.nan_to_num(conf))) * 1.05))
        ax.set_xlabel("share of the answer's variance", fontsize=_BASE_FONT)
        ax.set_title(wrap_label(outcome_labels.get(o, outcome_label(o)), 80), fontsize=_BASE_FONT + 1, loc="left",
                     fontweight="bold")
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    handles = [Patch(facecolor=_TOTAL, alpha=0.85, label="share of the answer's variance that involves the parameter "
                                                       "(total-order Sobol index; whisker: 95% bootstrap interval)")]
    fig.legend(handles=handles, labels=[wrap_label(h.get_label(), 90) for h in handles], loc="outside lower center",
               ncol=1, frameon=False, fontsize=_BASE_FONT - 1)
    fig.suptitle(wrap_title(title or "Which uncertain parameter drives each answer", fig.get_figwidth(), _BASE_FONT + 3),
                 fontsize=_BASE_FONT + 3, fontweight="bold")
    return enforce_min_font(fig)
