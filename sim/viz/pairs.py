"""Strategy pairs compared: how each pair's crisis ends, the payoffs, and the war and settlement curves.

:func:`compare_outcomes` takes several crises (one exact
:class:`~sim.repeated.markov.MarkovResult` or Monte-Carlo
:class:`~sim.repeated.montecarlo.SimulationResult` per strategy pair, long-run results allowed)
and puts them on shared scales.  It reads only the shared fields (``p_war``, ``p_settled``,
``p_mediated``, ``p_active``, ``payoffs`` / ``total_payoffs``) plus ``payoff_sem`` of
Monte-Carlo results for error bars.  Colours are those of :mod:`sim.viz.outcomes`.

Artists carry a ``gid``: ``"outcome-<ending>"`` (bars), ``"payoff-<side index>"``,
``"war-curve"``, ``"settled-curve"``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.repeated import ENDINGS
from sim.repeated.stats import expected_total_payoffs, final_value, is_monte_carlo
from sim.viz.outcomes import _OUTCOME_HATCH, _OUTCOME_NAMES, OUTCOME_COLOURS
from sim.viz.style import (MIN_FONT, SERIES_COLOURS, SIDE_COLOURS, _BASE_FONT, _LINESTYLES, _MINUS, Z95, _luminance,
                           enforce_min_font, wrap_label, wrap_title)
from sim.wording import fmt_number, fmt_percent

__all__ = ["compare_outcomes"]


def compare_outcomes(results: Mapping[str, object], *, sides: Sequence[str] = ("A", "B"),
                     title: str | None = None) -> Figure:
    """Several strategy pairs on shared scales, for comparing policies.

    Parameters
    ----------
    results : mapping name -> MarkovResult or SimulationResult
        One crisis per pair (long-run results are allowed: their outcomes are "ever").  The
        names are shown in full (wrapped, never cut): give plain-language names, e.g. from
        :func:`sim.viz.style.pair_display`.
    sides : (str, str)
        Names of side A and side B.

    Returns
    -------
    Figure
        Top left: how each pair's crisis ends by its last round, as stacked horizontal bars
        of war, third party, settled and still in crisis (widths are the probabilities, gids
        ``"outcome-war"``, ``"outcome-mediated"``, ``"outcome-settled"``,
        ``"outcome-still"``).  Top right: expected total payoffs of both sides (gids
        ``"payoff-0"``, ``"payoff-1"``), with 95% error bars for Monte-Carlo results.
        Bottom (when every result has a time axis): P(war by round t) and P(settled by t)
        of each pair (gids ``"war-curve"``, ``"settled-curve"``).
    """
    if not results:
        raise ValueError("results is empty; give at least one strategy pair")
    names = [str(k) for k in results]
    res = list(results.values())
    sides = [str(s) for s in sides]
    n = len(res)
    ends = {e: np.array([final_value(getattr(r, f"p_{e}")) for r in res]) for e in ENDINGS}
    long_run = [np.asarray(r.p_war).ndim == 0 for r in res]
    ends["still"] = np.array([final_value(r.p_active) if lr else 1.0 - sum(ends[e][i] for e in ENDINGS)
                              for i, (r, lr) in enumerate(zip(res, long_run))])
    ends["still"] = np.clip(ends["still"], 0, 1)
    pays = np.array([expected_total_payoffs(r) for r in res])
    errs = np.array([Z95 * np.asarray(r.payoff_sem, float) if is_monte_carlo(r) else np.zeros(2) for r in res])
    curves = not any(long_run)

    # numbered, so that the curves' legend below can name each pair by its number
    wrapped = [wrap_label(f"({i + 1}) {nm}", 34) for i, nm in enumerate(names)]
    bar_h = 0.36 * sum(w.count("\n") + 1 for w in wrapped) + 0.3 * n + 1.4
    legend_lines = sum(wrap_label(f"({i + 1}) {nm}", 60).count("\n") + 1 for i, nm in enumerate(names))
    height = bar_h + (3.6 + 0.2 * (legend_lines + 1) / 2 + 0.5 if curves else 0) + 1.6
    fig = Figure(figsize=(13.0, height), layout="constrained")
    if curves:
        gs = fig.add_gridspec(2, 2, height_ratios=[bar_h, 3.6], width_ratios=[1.35, 1])
    else:
        gs = fig.add_gridspec(1, 2, width_ratios=[1.35, 1])
    ax_o = fig.add_subplot(gs[0, 0])
    ax_p = fig.add_subplot(gs[0, 1], sharey=ax_o)
    y = np.arange(n)

    # ---- how the crisis ends
    left = np.zeros(n)
    for key in ("war", "mediated", "settled", "still"):
        w = ends[key]
        colour = OUTCOME_COLOURS[key]
        bars = ax_o.barh(y, w, left=left, height=0.66, color=colour, edgecolor="white", linewidth=0.8,
                         hatch=_OUTCOME_HATCH[key], gid=f"outcome-{key}", label=_OUTCOME_NAMES[key])
        for b, v, l0 in zip(bars, w, left):
            yc = b.get_y() + b.get_height() / 2
            if key == "war":  # the number that matters most: always written, right of the bar
                ax_o.text(1.015, yc, f"war {fmt_percent(v)}", transform=ax_o.get_yaxis_transform(), ha="left",
                          va="center", fontsize=_BASE_FONT - 0.5, fontweight="bold", color="#A33F00")
            elif v >= 0.07:
                txt_col = "white" if _luminance(_rgb(colour)) < 0.5 else "black"
                ax_o.text(l0 + v / 2, yc, fmt_percent(v), ha="center", va="center", fontsize=MIN_FONT, color=txt_col,
                          bbox=dict(boxstyle="round,pad=0.12", facecolor=colour, edgecolor="none", alpha=0.9)
                          if _OUTCOME_HATCH[key] else None)
        left = left + w
    ax_o.set_xlim(0, 1)
    ax_o.set_yticks(y, wrapped)
    ax_o.invert_yaxis()
    ax_o.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    Ts = {None if lr else int(np.asarray(r.p_war).size) for r, lr in zip(res, long_run)}
    when = ("eventually" if Ts == {None} else f"by round {next(iter(Ts))}" if len(Ts) == 1
            else "by each pair's last round")
    ax_o.set_xlabel(f"Share of runs, {when}", fontsize=_BASE_FONT)
    ax_o.set_title("How the crisis ends", fontsize=_BASE_FONT + 1, fontweight="bold", loc="left")
    ax_o.tick_params(axis="y", length=0, labelsize=_BASE_FONT - 1)
    ax_o.tick_params(axis="x", labelsize=MIN_FONT)
    ax_o.legend(loc="lower center", bbox_to_anchor=(0.5, 1.06), ncol=2, frameon=False, fontsize=MIN_FONT,
                handlelength=1.4, columnspacing=1.0)
    for sp in ("top", "right"):
        ax_o.spines[sp].set_visible(False)

    # ---- payoffs
    off = (-0.17, 0.17)
    side_col = SIDE_COLOURS
    side_hatch = (None, "//")
    span = np.nanmax(np.abs(pays[np.isfinite(pays)])) if np.isfinite(pays).any() else 1.0
    for s in range(2):
        v = np.where(np.isfinite(pays[:, s]), pays[:, s], 0.0)
        ax_p.barh(y + off[s], v, height=0.32, color=side_col[s], hatch=side_hatch[s], edgecolor="white",
                  linewidth=0.6, xerr=errs[:, s] if errs.any() else None,
                  error_kw=dict(ecolor="black", capsize=2.5, elinewidth=1.0), gid=f"payoff-{s}", label=sides[s])
        for yy, val, er, fin in zip(y + off[s], v, errs[:, s], np.isfinite(pays[:, s])):
            txt = fmt_number(val).replace("-", _MINUS) if fin else "n/a"
            d = er + 0.02 * span
            ax_p.text(val + (d if val >= 0 else -d), yy, txt, va="center", ha="left" if val >= 0 else "right",
                      fontsize=MIN_FONT)
    ax_p.axvline(0, color="black", linewidth=0.8)
    lo, hi = min(0.0, float(np.nanmin(pays[np.isfinite(pays)]))) if np.isfinite(pays).any() else 0.0, \
        max(0.0, float(np.nanmax(pays[np.isfinite(pays)]))) if np.isfinite(pays).any() else 1.0
    pad = 0.22 * max(hi - lo, 1e-9)
    ax_p.set_xlim(lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0.05 * pad))
    ax_p.tick_params(axis="y", labelleft=False, length=0)
    ax_p.tick_params(axis="x", labelsize=MIN_FONT)
    ax_p.set_xlabel("Expected total payoff\n(utility, illustrative; higher is better)", fontsize=_BASE_FONT - 1)
    ax_p.set_title("Expected payoffs", fontsize=_BASE_FONT + 1, fontweight="bold", loc="left")
    ax_p.legend(handles=[h for h in ax_p.get_legend_handles_labels()[0]],
                labels=[wrap_label(sd, 18) for sd in sides], loc="lower center",
                bbox_to_anchor=(0.5, 1.16 if errs.any() else 1.06),
                ncol=2, frameon=False, fontsize=MIN_FONT)
    ax_p.grid(axis="x", color="#e6e6e6", linewidth=0.6)
    ax_p.set_axisbelow(True)
    for sp in ("top", "right", "left"):
        ax_p.spines[sp].set_visible(False)

    # ---- curves
    if curves:
        ax_w = fig.add_subplot(gs[1, 0])
        ax_s = fig.add_subplot(gs[1, 1])
        Tmax = max(int(np.asarray(r.p_war).size) for r in res)
        for i, (nm, r) in enumerate(zip(names, res)):
            c, ls = SERIES_COLOURS[i % len(SERIES_COLOURS)], _LINESTYLES[i % len(_LINESTYLES)]
            t = np.arange(1, np.asarray(r.p_war).size + 1)
            ax_w.plot(t, np.asarray(r.p_war, float), color=c, linestyle=ls, linewidth=1.9, gid="war-curve",
                      label=wrap_label(f"({i + 1}) {nm}", 60))
            ax_s.plot(t, np.asarray(r.p_settled, float), color=c, linestyle=ls, linewidth=1.9,
                      gid="settled-curve")
        for ax, what in ((ax_w, "War by this round"), (ax_s, "Settled by this round")):
            ax.set_title(what, fontsize=_BASE_FONT + 1, fontweight="bold", loc="left")
            ax.set_xlabel("Round", fontsize=_BASE_FONT)
            ax.set_xlim(0.5, Tmax + 0.5)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.grid(color="#e6e6e6", linewidth=0.6)
            ax.tick_params(labelsize=MIN_FONT)
            for sp in ("top", "right"):
                ax.spines[sp].set_visible(False)
        for ax, key in ((ax_w, "p_war"), (ax_s, "p_settled")):
            peak = max(float(np.max(np.asarray(getattr(r, key), float))) for r in res)
            ax.set_ylim(0, _nice_top(peak))
            ax.set_ylabel("Share of runs", fontsize=_BASE_FONT)
        fig.legend(*ax_w.get_legend_handles_labels(), loc="outside lower center", ncol=min(n, 2), frameon=False,
                   fontsize=_BASE_FONT - 1, title="Strategy pair", title_fontsize=_BASE_FONT - 1)
    if errs.any():
        ax_p.set_title("Expected payoffs\n(error bars: 95% Monte-Carlo intervals)",
                       fontsize=_BASE_FONT, loc="left")
    fig.suptitle(wrap_title(title or f"Strategy pairs compared: how the crisis between {sides[0]} and {sides[1]} "
                            "ends", fig.get_figwidth(), _BASE_FONT + 3), fontsize=_BASE_FONT + 3, fontweight="bold")
    return enforce_min_font(fig)


def _nice_top(v: float) -> float:
    """Upper y limit for a probability axis: 10% steps above the peak (5% below 30%), at most 1."""
    step = 0.05 if v < 0.3 else 0.1
    return float(min(1.0, max(step, np.ceil((v * 1.08) / step) * step)))


def _rgb(colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb
    return to_rgb(colour)
