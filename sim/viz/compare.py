"""Figures of a comparison of 2 to 6 variants (``experiments/compare.py``).

Every function takes the comparison rows (one dict per variant, as built by
``experiments/compare.py``'s ``variant_row`` from each variant's ``summary.json``) and
returns a :class:`matplotlib.figure.Figure` built without pyplot (no global state; save
with :func:`sim.viz.style.save`).  Nothing here runs a variant or reads files.

Each figure has one panel per variant (up to three per row) and **all panels share their
scales** (``sharex``/``sharey`` and one y-range fixed on the first panel), so heights and
curves can be compared across variants directly.  A variant without a repeated crisis gets
a panel that says so.  Side colours and outcome colours are :mod:`sim.viz.style`'s
:data:`~sim.viz.style.SIDE_COLOURS` and :data:`~sim.viz.style.OUTCOME_COLOURS` (disjoint sets:
one meaning per colour).  Panel titles and side names are wrapped, never cut; no text is
smaller than :data:`~sim.viz.style.MIN_FONT`.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from sim.viz.style import MIN_FONT, OUTCOME_COLOURS, SIDE_COLOURS, _BASE_FONT, enforce_min_font, wrap_label, wrap_title
from sim.wording import fmt_number, fmt_percent

__all__ = ["OUTCOMES", "outcome_figure", "curves_figure", "rungs_figure", "payoff_figure"]

#: The ways a crisis ends, as (key in a row's ``crisis`` dict, label), in table and bar order.
OUTCOMES = (("p_war", "War"), ("p_settled", "Settled"), ("p_mediated", "Mediated"),
            ("p_still_in_crisis", "Still in crisis"))
_OUTCOME_COLOURS = tuple(OUTCOME_COLOURS[k] for k in ("war", "settled", "mediated", "still"))
_SIDE_COLOURS = SIDE_COLOURS


def _panels(rows, title: str, sharex: bool = True):
    """A figure with one panel per row (shared y axis, and x axis unless ``sharex`` is False,
    e.g. when each panel names its own sides) and the unused panels hidden."""
    n = len(rows)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.6 * ncols, 3.8 * nrows + 1.0), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=sharex, sharey=True, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle(wrap_title(title, fig.get_figwidth(), 13), fontsize=13, fontweight="bold")
    for ax, r in zip(axes, rows):
        ax.set_title(wrap_label(r["name"], 36), fontsize=MIN_FONT + 0.5)
        ax.tick_params(labelsize=MIN_FONT, labelbottom=True)  # every panel labels its own x axis
        ax.grid(alpha=0.3)
        if r["crisis"] is None:
            ax.text(0.5, 0.5, "no repeated crisis", ha="center", va="center", transform=ax.transAxes)
    return fig, axes[:n]


def outcome_figure(rows) -> Figure:
    """How each variant's crisis ends: the share of runs ending in war, settled, mediated or still
    in crisis, as labelled bars; one panel per variant, all panels on the same 0-100% scale."""
    fig, axes = _panels(rows, "How the crisis ends, variant by variant")
    for ax, r in zip(axes, rows):
        if r["crisis"]:
            vals = [100 * r["crisis"][k] for k, _ in OUTCOMES]
            bars = ax.bar(range(4), vals, color=_OUTCOME_COLOURS)
            ax.bar_label(bars, labels=[fmt_percent(v / 100) for v in vals], fontsize=MIN_FONT)
        ax.set_xticks(range(4), [wrap_label(lab, 9) for _, lab in OUTCOMES])
    axes[0].set_ylim(0, 105)
    axes[0].set_ylabel("share of runs (%)", fontsize=_BASE_FONT)
    return enforce_min_font(fig)


def curves_figure(rows) -> Figure:
    """P(war / settled / mediated by round t) of each variant, one panel per variant; the panels
    share the round axis and the 0-1 probability axis."""
    fig, axes = _panels(rows, "How the chances build up round by round")
    for ax, r in zip(axes, rows):
        if r["crisis"]:
            c = r["crisis"]["curves"]
            t = np.arange(1, len(c["p_war"]) + 1)
            for key, lab, col in (("p_war", "war", OUTCOME_COLOURS["war"]),
                                  ("p_settled", "settled", OUTCOME_COLOURS["settled"]),
                                  ("p_mediated", "mediated", OUTCOME_COLOURS["mediated"])):
                ax.plot(t, c[key], color=col, label=lab, lw=2)
        ax.set_xlabel("round")
    axes[0].set_ylim(0, 1)
    axes[0].set_ylabel("probability by this round", fontsize=_BASE_FONT)
    axes[0].legend(loc="upper left", fontsize=MIN_FONT)
    return enforce_min_font(fig)


def rungs_figure(rows) -> Figure:
    """Mean rung of each side per round while the crisis lasts, one panel per variant; the panels
    share the round axis and one rung scale (0 to the highest top rung of any variant)."""
    fig, axes = _panels(rows, "Average rung while the crisis lasts")
    top = max([r["crisis"]["K"] - 1 for r in rows if r["crisis"]] or [1])
    for ax, r in zip(axes, rows):
        if r["crisis"]:
            for j, (side, col) in enumerate(zip(r["sides"], _SIDE_COLOURS)):
                y = np.array([np.nan if u is None else u for u in r["crisis"]["curves"]["mean_rung"][side]], float)
                ax.plot(np.arange(1, len(y) + 1), y, color=col, lw=2, ls=("-", "--")[j], label=side)
            ax.legend(loc="upper left", fontsize=MIN_FONT)
        ax.set_xlabel("round")
    axes[0].set_ylim(0, top * 1.35)  # room for the legend above the curves
    axes[0].set_ylabel("mean rung (0 = restraint)", fontsize=_BASE_FONT)
    return enforce_min_font(fig)


def payoff_figure(rows) -> Figure:
    """Expected payoff of each side over the whole crisis, as labelled bars, one panel per variant;
    all panels share one payoff scale that includes zero and every variant's payoffs."""
    fig, axes = _panels(rows, "Expected payoff of each side over the crisis", sharex=False)  # own side names
    vals = [p for r in rows if r["crisis"] for p in r["crisis"]["expected_payoffs"]] or [0.0]
    lo, hi = min(0.0, min(vals)), max(0.0, max(vals))
    pad = 0.12 * (hi - lo or 1.0)
    for ax, r in zip(axes, rows):
        if r["crisis"]:
            bars = ax.bar([0, 1], r["crisis"]["expected_payoffs"], color=_SIDE_COLOURS)
            ax.bar_label(bars, labels=[fmt_number(p) for p in r["crisis"]["expected_payoffs"]], fontsize=MIN_FONT)
            ax.set_xticks([0, 1], [wrap_label(sd, 14) for sd in r["sides"]])
        ax.set_xlim(-0.6, 1.6)
        ax.axhline(0, color="black", lw=0.8)
    axes[0].set_ylim(lo - pad, hi + pad)
    axes[0].set_ylabel("expected payoff (utility, illustrative)", fontsize=_BASE_FONT)
    return enforce_min_font(fig)
