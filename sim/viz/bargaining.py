"""The tying-hands figure: equilibrium behaviour of the crisis-bargaining game of
:mod:`sim.crisis.bargaining` along one parameter (the audience cost or the prior).

:func:`tying_hands_figure` takes a :class:`~sim.crisis.bargaining.TyingHandsCurve` (from
:func:`sim.crisis.bargaining.tying_hands_curve`), computes nothing and returns a matplotlib
``Figure`` (no pyplot state); write it with :func:`sim.viz.style.save`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.crisis.bargaining import CODES, LABELS, PARAMS
from sim.viz.style import MIN_FONT, SERIES_COLOURS, _BASE_FONT, _LINESTYLES, enforce_min_font, wrap_label, wrap_title

__all__ = ["REGION_COLOURS", "tying_hands_figure"]

#: Okabe-Ito tints per equilibrium code (index into :data:`sim.crisis.bargaining.CODES`).
REGION_COLOURS = {
    "separating": "#56B4E9",
    "semi_separating": "#E69F00",
    "pooling_deterred": "#CC79A7",
    "pooling_pressed": "#999999",
    "committed": "#009E73",
}
_AXIS_LABELS = {
    "audience_cost": "audience cost a",
    "prior": "prior P(resolved) p",
    "war_value_resolved": "resolved type's war payoff",
    "war_value_unresolved": "unresolved type's war payoff",
    "challenger_war": "Challenger's war payoff",
}
#: Curve colours: series colours (neither a side's nor an outcome's), black kept for the scenario's point.
_CURVE_COLOURS = SERIES_COLOURS[1:]
_CURVES = (("bluff", "P(unresolved type threatens) q"), ("press", "P(Challenger presses | threat) r"),
           ("p_war", "P(war)"), ("posterior", "P(resolved | threat)"))


def _runs(codes: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, stop, code) of the maximal runs of equal codes."""
    cut = np.flatnonzero(np.diff(codes) != 0) + 1
    starts = np.r_[0, cut]
    stops = np.r_[cut, codes.size]
    return [(int(a), int(b), int(codes[a])) for a, b in zip(starts, stops)]


def tying_hands_figure(curve, *, title: str | None = None, show_posterior: bool = True,
                       point: float | None = None, point_label: str = "this scenario") -> Figure:
    """Bluffing, pressing and war probabilities along ``curve``'s axis, regions shaded
    by the (primary) equilibrium type; knife-edge points are marked with a dotted line.

    Parameters
    ----------
    curve : :class:`sim.crisis.bargaining.TyingHandsCurve`.
    title : optional figure title (default names the game and the fixed parameters).
    show_posterior : also draw the Challenger's posterior after a threat.
    point : the scenario's own value on the curve's axis (e.g. its audience cost), drawn as a
        solid black vertical line (gid ``"scenario-point"``) with its value in the legend; a value
        outside the curve's range is drawn at the nearest edge and says so.
    point_label : what the point is, for the legend.
    """
    res, x = curve.result, np.asarray(curve.values, float)
    codes = res.primary("code")
    fig = Figure(figsize=(10.0, 5.4), layout="constrained")
    ax = fig.add_subplot()
    # shaded regions: boundaries at midpoints between grid points of different codes
    edges = np.r_[x[0], (x[1:] + x[:-1]) / 2, x[-1]]
    seen = []
    for a, b, c in _runs(codes):
        lo, hi = edges[a], edges[b]
        if b - a == 1 and res.tie[a]:  # an isolated knife-edge point (marked below)
            continue
        ax.axvspan(lo, hi, color=REGION_COLOURS[CODES[c]], alpha=0.22, linewidth=0)
        if c not in seen:
            seen.append(c)
    for k in np.flatnonzero(res.tie):
        ax.axvline(x[k], color="0.3", linestyle=":", linewidth=1.2)
    handles = []
    curves = _CURVES if show_posterior else _CURVES[:3]
    jump = np.r_[False, np.diff(codes) != 0]  # break the lines where the equilibrium type changes
    for i, (name, label) in enumerate(curves):
        y = np.where(jump & ~res.tie, np.nan, res.primary(name))
        colour = _CURVE_COLOURS[i]
        ax.plot(x, y, color=colour, linestyle=_LINESTYLES[i], linewidth=2.2, label=label)
        handles.append(Line2D([], [], color=colour, linestyle=_LINESTYLES[i], linewidth=2.2, label=label))
    handles += [Patch(color=REGION_COLOURS[CODES[c]], alpha=0.45, label=LABELS[c]) for c in seen]
    if np.any(res.tie):
        handles.append(Line2D([], [], color="0.3", linestyle=":", label="knife-edge (several equilibria)"))
    if point is not None and np.isfinite(point):
        at = float(np.clip(point, x[0], x[-1]))
        ax.axvline(at, color="black", linewidth=2.4, zorder=6, gid="scenario-point")
        name = _AXIS_LABELS.get(curve.name, curve.name)
        where = "" if at == point else f", outside the range drawn (shown at {at:g})"
        handles.append(Line2D([], [], color="black", linewidth=2.4, label=f"{point_label}: {name} = {point:g}{where}"))
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(_AXIS_LABELS.get(curve.name, curve.name), fontsize=_BASE_FONT)
    ax.set_ylabel("probability", fontsize=_BASE_FONT)
    ax.tick_params(labelsize=_BASE_FONT - 1)
    ax.legend(handles=handles, labels=[wrap_label(h.get_label(), 38) for h in handles], loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize=MIN_FONT, frameon=False)
    if title is None:
        short = {"prior": "p", "audience_cost": "a", "war_value_resolved": "w_R", "war_value_unresolved": "w_U",
                 "challenger_war": "c_w"}
        fixed = ", ".join(f"{short[k]} = {v:g}" for k, v in curve.params.items() if k in PARAMS)
        title = f"Tying hands: perfect Bayesian equilibria\n({fixed})"
    fig.suptitle(wrap_title(title, fig.get_figwidth(), _BASE_FONT + 1), fontsize=_BASE_FONT + 1)
    return enforce_min_font(fig)
