"""Outcome curves: how one repeated crisis ends, round by round; the outcome colours and names.

:func:`outcome_curves` draws P(war by round t), P(settled by t), P(ended by a third party
by t) and P(still in crisis after t) of one crisis (exact
:class:`~sim.repeated.markov.MarkovResult` or Monte-Carlo
:class:`~sim.repeated.montecarlo.SimulationResult`), with 95% binomial bands for Monte Carlo.
:data:`OUTCOME_COLOURS` (Okabe-Ito, Okabe and Ito 2008) and the outcome names, line styles and
hatches defined here are shared by the other crisis figures (:mod:`sim.viz.pairs`).

Artists carry a ``gid``: ``"p-war"``, ``"p-settled"``, ``"p-mediated"``, ``"p-still"``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.repeated import ENDINGS
from sim.repeated.stats import is_monte_carlo, per_round_arrays
from sim.viz.style import OUTCOME_COLOURS, _BASE_FONT, Z95, _share_axes, enforce_min_font, wrap_title
from sim.wording import fmt_percent

__all__ = ["OUTCOME_COLOURS", "outcome_curves"]

# OUTCOME_COLOURS (the ways a crisis ends, and "still in crisis") are defined in sim.viz.style, apart
# from the side colours: one meaning per colour.
_OUTCOME_NAMES = {"war": "War", "settled": "Settled", "mediated": "Ended by a third party",
                  "still": "Still in crisis"}
_OUTCOME_STYLES = {"war": "-", "settled": "--", "mediated": "-.", "still": ":"}
_OUTCOME_HATCH = {"war": "///", "settled": None, "mediated": "..", "still": None}


def _method_note(result) -> str:
    return f"(Monte Carlo, {int(result.paths):,} runs)" if is_monte_carlo(result) else ""


def outcome_curves(result, *, title: str | None = None) -> Figure:
    """P(war by round t), P(settled by t), P(ended by a third party by t) and P(still in crisis after t).

    The four lines share one 0-100% axis and sum to 100% in every round.  Line y-data are
    the result's arrays as they are (gids ``"p-war"``, ``"p-settled"``, ``"p-mediated"``;
    ``"p-still"`` is ``1 - p_war - p_settled - p_mediated``), at x = 1..T.  For a
    Monte-Carlo result a shaded band gives the 95% binomial interval of each curve.
    """
    per_round_arrays(result, "outcome_curves")
    curves = {e: np.asarray(getattr(result, f"p_{e}"), dtype=np.float64) for e in ENDINGS}
    curves["still"] = 1.0 - curves["war"] - curves["settled"] - curves["mediated"]
    T = curves["war"].size
    x = np.arange(1, T + 1)
    fig = Figure(figsize=(9.5, 5.6), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    n = int(result.paths) if is_monte_carlo(result) else None
    for key in ("still", "settled", "mediated", "war"):
        y = curves[key]
        colour = OUTCOME_COLOURS[key] if key != "still" else "#505050"
        if n:
            half = Z95 * np.sqrt(np.clip(y * (1 - y), 0, None) / n)
            ax.fill_between(x, np.clip(y - half, 0, 1), np.clip(y + half, 0, 1), color=colour, alpha=0.2,
                            linewidth=0)
        what = {"war": "War broke out by round t", "settled": "Settled by round t",
                "mediated": "Ended by a third party by round t",
                "still": "Still in crisis after round t"}[key]
        ax.plot(x, y, color=colour, linestyle=_OUTCOME_STYLES[key], linewidth=2.4 if key == "war" else 2.0,
                marker="o" if T <= 30 else None, markersize=3, gid=f"p-{key}",
                label=f"{what} ({fmt_percent(y[-1])} at t = {T})")
    ax.set_xlim(0.5, T + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(T, 15)))
    _share_axes(ax, "Round", "Share of runs")
    handles, labs = ax.get_legend_handles_labels()
    order = [labs.index(next(lb for lb in labs if lb.startswith(p))) for p in ("War", "Settled", "Ended", "Still")]
    method = _method_note(result)
    if n:
        handles.append(Patch(facecolor="#999999", alpha=0.3, label=f"shaded: 95% interval ({n:,} runs)"))
        order.append(len(handles) - 1)
        labs.append(handles[-1].get_label())
    fig.legend([handles[i] for i in order], [labs[i] for i in order], loc="outside lower center", ncol=2,
               frameon=False, fontsize=_BASE_FONT - 1)
    fig.suptitle(wrap_title(title or "How the crisis ends: cumulative share of runs, round by round",
                            fig.get_figwidth(), _BASE_FONT + 3), fontsize=_BASE_FONT + 3, fontweight="bold")
    if method:
        ax.set_title(method, fontsize=_BASE_FONT - 1, loc="left")
    return enforce_min_font(fig)

