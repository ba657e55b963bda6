"""Figures of the repeated crisis and of tournaments.

Every function takes result values and returns a :class:`matplotlib.figure.Figure` built
without pyplot (no global state; save with :func:`sim.viz.stage.save`).  Nothing here
simulates or computes equilibria.  Crisis figures accept an exact
:class:`~sim.repeated.markov.MarkovResult` or a Monte-Carlo :class:`~sim.repeated.montecarlo.SimulationResult`
of *one* crisis: they read only the shared fields (``rung_distribution``, ``p_active``,
``p_war``, ``p_settled``, ``p_mediated``, ``payoffs``), plus ``paths`` / ``payoff_sem``
for Monte-Carlo error bands and ``rungs`` for sample paths when present.

Colours are colour-blind safe: the Okabe-Ito palette (Okabe and Ito 2008) for outcomes and
categories, with a line style or hatch as a second cue, and single-hue sequential maps
(``Blues``, ``cividis``) for shares and payoffs.  The per-round numbers drawn (rung shares
among the runs still in crisis, mean rungs, quantiles) come from
:mod:`sim.report.repeated`, so figures and ``summary.md`` agree.

Artists carry a ``gid`` for tests and users: ``"rung-share"`` (the fan's mesh, one per
side), ``"mean-rung"``, ``"rung-band"``, ``"sample-path"``, ``"p-active"``; ``"p-war"``,
``"p-settled"``, ``"p-mediated"``, ``"p-still"`` (outcome curves); ``"outcome-<ending>"``
(bars of :func:`compare_outcomes`), ``"payoff-<side index>"``, ``"war-curve"``,
``"settled-curve"``; ``"meta-game"``, ``"ess"``, ``"meta-equilibrium"``, ``"score"``;
``"share"`` (replicator lines, labelled with the strategy name).

Tournament figures live in :mod:`sim.viz.tournament` and the shared style in
:mod:`sim.viz.style`; every name is importable from here.
"""


from __future__ import annotations

import textwrap
from typing import Mapping, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.repeated.stats import (ENDINGS, expected_total_payoffs, final_value, is_monte_carlo, mean_rungs,
                                per_round_arrays, rung_quantiles, rung_shares)
from sim.viz.style import (_BASE_FONT, _CATEGORY, _LINESTYLES, _MINUS, _STROKE, _THIN_STROKE,
                         _luminance, _short, _tick_labels, _wrap, save)
from sim.viz.tournament import replicator_plot, tournament_heatmap
from sim.wording import fmt_number, fmt_percent


__all__ = ["OUTCOME_COLOURS", "trajectory_fan", "outcome_curves", "compare_outcomes", "tournament_heatmap",
           "replicator_plot", "save"]

#: Okabe-Ito colours of the ways a crisis ends (and of "still in crisis").
OUTCOME_COLOURS: dict[str, str] = {"war": "#D55E00", "settled": "#009E73", "mediated": "#0072B2",
                                   "still": "#B0B0B0"}
_OUTCOME_NAMES = {"war": "War", "settled": "Settled", "mediated": "Ended by a third party",
                  "still": "Still in crisis"}
_OUTCOME_STYLES = {"war": "-", "settled": "--", "mediated": "-.", "still": ":"}
_OUTCOME_HATCH = {"war": "///", "settled": None, "mediated": "..", "still": None}
#: Line colours for categories (pairs, strategies): Okabe-Ito without yellow, then grey.


_PATH_COLOURS = ("#E69F00", "#D55E00", "#CC79A7", "#009E73", "#F0E442", "#56B4E9")
_Z95 = 1.959963984540054


def _rung_ticks(labels: Sequence[str] | None, K: int, width: int = 30) -> list[str]:
    labels = list(labels) if labels is not None else [f"rung {i}" for i in range(K)]
    if len(labels) != K:
        raise ValueError(f"labels has {len(labels)} entries but the result has K={K} rungs")
    return _tick_labels(labels, width, K > 2)


def _step_xy(values: np.ndarray, x0: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of a step line that holds ``values[t]`` across the whole cell ``[t + x0, t + x0 + 1]``."""
    edges = np.arange(values.size + 1, dtype=float) + x0
    return np.repeat(edges, 2)[1:-1], np.repeat(values.astype(float), 2)


# --------------------------------------------------------------------------- trajectory fan
def trajectory_fan(result, *, sides: Sequence[str] = ("A", "B"), labels: Sequence[str] | None = None,
                   sample_paths=None, title: str | None = None, band: tuple[float, float] = (0.1, 0.9)) -> Figure:
    """Round-by-round distribution of each side's rung, one panel per side.

    Parameters
    ----------
    result : MarkovResult or SimulationResult
        One crisis with a time axis (``rounds=T``).
    sides : (str, str)
        Names of side A and side B.
    labels : sequence of K str, optional
        Rung labels (abbreviated on the axis); default the rung numbers.
    sample_paths : int array (n, T, 2), or int, optional
        Executed rungs of a few runs (``SimulationResult.rungs[:n]``; -1 once the crisis is
        over), drawn as thin step lines with a small vertical offset each so they stay
        distinguishable; an int n takes the first n runs of ``result.rungs``.
    title : str, optional
    band : (float, float)
        Quantile levels of the outlined band (default the middle 80% of the runs in crisis).

    Returns
    -------
    Figure
        Top strip: share of runs still in crisis in each round (gid ``"p-active"``).  Side
        panels: x = round, y = rung; each column is coloured by the share of the runs still
        in crisis that are at each rung (``Blues``; a column sums to 100%, gid
        ``"rung-share"``; grey where no run is in crisis), with the mean rung (black line,
        gid ``"mean-rung"``), the band between the ``band`` quantiles (dashed outline, gid
        ``"rung-band"``) and the sample runs (gid ``"sample-path"``, x where a run ends).
    """
    rd, pa = per_round_arrays(result, "trajectory_fan")
    T, _, K = rd.shape
    sides = [str(s) for s in sides]
    ticks = _rung_ticks(labels, K)
    shares = rung_shares(result)
    mean = mean_rungs(result)
    lo_q, hi_q = rung_quantiles(result, band[0]), rung_quantiles(result, band[1])
    paths = _sample_paths(result, sample_paths, T)
    show_band = K > 2  # with two rungs the colours say it all

    x = np.arange(1, T + 1)
    xe = np.arange(T + 1) + 0.5
    ye = np.arange(K + 1) - 0.5
    label_w = 0.075 * max(len(t) for t in ticks) + 0.6
    panel_h = float(np.clip(0.3 * K + 0.5, 1.6, 4.2))
    width = 9.5 + label_w
    height = 1.0 + 2 * panel_h + 2.0
    fig = Figure(figsize=(width, height), layout="constrained")
    gs = fig.add_gridspec(3, 1, height_ratios=[1.0, panel_h, panel_h])
    top = fig.add_subplot(gs[0])
    axes = [fig.add_subplot(gs[1], sharex=top), fig.add_subplot(gs[2], sharex=top)]

    # ---- share of runs still in crisis, one bar per round (aligned with the columns below)
    top.bar(x, pa, width=0.86 if T <= 60 else 1.0, color="#8c8c8c", linewidth=0, gid="p-active")
    top.set_ylim(0, 1.05)
    top.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    top.set_yticks([0, 0.5, 1])
    top.set_ylabel("Still in\ncrisis", fontsize=_BASE_FONT - 1)
    top.tick_params(labelbottom=False, labelsize=9)
    top.grid(axis="y", color="#dddddd", linewidth=0.6)
    method = _method_note(result)
    top.set_title("Share of runs still in crisis at the start of each round" + (f" {method}" if method else ""),
                  fontsize=_BASE_FONT - 1, loc="left")

    base = colormaps["Blues"]
    cmap = ListedColormap(base(np.linspace(0.03, 1.0, 256))).with_extremes(bad="#e4e4e4")
    norm = Normalize(0.0, 1.0)
    tick_fs = _BASE_FONT - 1 if K <= 6 else 9
    mesh = None
    for s, ax in enumerate(axes):
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(shares[:, s, :].T), cmap=cmap, norm=norm,
                             shading="flat", gid="rung-share", rasterized=T * K > 4000)
        for q, ls in ((lo_q[:, s] - 0.5, "--"), (hi_q[:, s] + 0.5, "--")) if show_band else ():
            bx, by = _step_xy(q)
            ax.plot(bx, by, color="#3a3a3a", linestyle=ls, linewidth=1.0, gid="rung-band", zorder=3)
        for k, path in enumerate(paths):
            off = 0.0 if len(paths) == 1 else (k / (len(paths) - 1) - 0.5) * 0.4
            y = np.where(path[:, s] >= 0, path[:, s], np.nan).astype(float) + off
            px, py = _step_xy(y)
            colour = _PATH_COLOURS[k % len(_PATH_COLOURS)]
            ax.plot(px, py, color=colour, linewidth=1.4, alpha=0.95, gid="sample-path", zorder=4,
                    path_effects=_THIN_STROKE if K <= 3 else None)
            played = np.flatnonzero(path[:, s] >= 0)
            if played.size and played[-1] < T - 1:
                ax.plot([x[played[-1]] + 0.5], [y[played[-1]]], marker="X", markersize=7, color=colour,
                        markeredgecolor="white", markeredgewidth=0.8, linestyle="none", zorder=5)
        ax.plot(x, mean[:, s], color="black", linewidth=2.2, marker="o" if T <= 40 else None, markersize=3.5,
                gid="mean-rung", zorder=6, path_effects=_STROKE)
        ax.set_ylim(-0.5, K - 0.5)
        step = 1 if K <= 14 else int(np.ceil(K / 14))
        ax.set_yticks(np.arange(0, K, step), [ticks[i] for i in range(0, K, step)])
        ax.tick_params(axis="y", labelsize=tick_fs, length=0)
        ax.tick_params(axis="x", labelsize=10)
        ax.set_ylabel(f"{sides[s]}'s rung", fontsize=_BASE_FONT)
        ax.set_title(sides[s], fontsize=_BASE_FONT + 1, fontweight="bold", loc="left")
        for sp in ("top", "right"):
            ax.spines[sp].set_visible(False)
    axes[0].tick_params(labelbottom=False)
    axes[1].set_xlabel("Round", fontsize=_BASE_FONT + 1)
    top.set_xlim(0.5, T + 0.5)
    top.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(T, 15)))
    cb = fig.colorbar(mesh, ax=axes, pad=0.015, aspect=30, format=PercentFormatter(1.0, decimals=0))
    cb.set_label("Share of the runs still in crisis\nthat are at this rung", fontsize=_BASE_FONT - 1)
    cb.ax.tick_params(labelsize=9)

    lo_txt, hi_txt = f"{100 * band[0]:g}", f"{100 * band[1]:g}"
    handles = [Line2D([], [], color="black", linewidth=2.2, marker="o" if T <= 40 else None, markersize=3.5,
                      label="mean rung of the runs still in crisis")]
    if show_band:
        handles.append(Line2D([], [], color="#3a3a3a", linestyle="--", linewidth=1.0,
                              label=f"middle {fmt_number(100 * (band[1] - band[0]))}% of them "
                                    f"({lo_txt}th\u2013{hi_txt}th percentile)"))
    if paths:
        handles.append(Line2D([], [], color=_PATH_COLOURS[0], linewidth=1.4, marker="X", markersize=6,
                              markeredgecolor="white", label="single runs (X: the crisis ends)"))
    if np.any(pa <= 0):
        handles.append(Patch(facecolor="#e4e4e4", edgecolor="none", label="no run still in crisis"))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 2), frameon=False,
               fontsize=_BASE_FONT - 1)
    fig.suptitle(_wrap(title or f"How the crisis unfolds: the rungs of {sides[0]} and {sides[1]}, round by round",
                       int(width * 72 / ((_BASE_FONT + 3) * 0.62))), fontsize=_BASE_FONT + 3, fontweight="bold")
    return fig


def _method_note(result) -> str:
    return f"(Monte Carlo, {int(result.paths):,} runs)" if is_monte_carlo(result) else ""


def _sample_paths(result, sample_paths, T: int) -> list[np.ndarray]:
    if sample_paths is None:
        return []
    if isinstance(sample_paths, (int, np.integer)) and not isinstance(sample_paths, bool):
        rungs = getattr(result, "rungs", None)
        if rungs is None:
            raise ValueError("sample_paths=n needs result.rungs (simulate with keep_paths=True); "
                             "or pass the paths as an array (n, T, 2)")
        arr = np.asarray(rungs)[: int(sample_paths)]
    else:
        arr = np.asarray(sample_paths)
    if arr.ndim != 3 or arr.shape[1:] != (T, 2):
        raise ValueError(f"sample_paths must have shape (n, {T}, 2) (runs, rounds, sides), got {arr.shape}")
    return [arr[i].astype(int) for i in range(arr.shape[0])]


# --------------------------------------------------------------------------- outcome curves
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
            half = _Z95 * np.sqrt(np.clip(y * (1 - y), 0, None) / n)
            ax.fill_between(x, np.clip(y - half, 0, 1), np.clip(y + half, 0, 1), color=colour, alpha=0.2,
                            linewidth=0)
        what = {"war": "War broke out by round t", "settled": "Settled by round t",
                "mediated": "Ended by a third party by round t",
                "still": "Still in crisis after round t"}[key]
        ax.plot(x, y, color=colour, linestyle=_OUTCOME_STYLES[key], linewidth=2.4 if key == "war" else 2.0,
                marker="o" if T <= 30 else None, markersize=3, gid=f"p-{key}",
                label=f"{what} ({fmt_percent(y[-1])} at t = {T})")
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlim(0.5 if T > 1 else 0.5, T + 0.5)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(T, 15)))
    ax.set_xlabel("Round", fontsize=_BASE_FONT + 1)
    ax.set_ylabel("Share of runs", fontsize=_BASE_FONT + 1)
    ax.grid(color="#e0e0e0", linewidth=0.6)
    ax.tick_params(labelsize=10)
    for sp in ("top", "right"):
        ax.spines[sp].set_visible(False)
    handles, labs = ax.get_legend_handles_labels()
    order = [labs.index(next(lb for lb in labs if lb.startswith(p))) for p in ("War", "Settled", "Ended", "Still")]
    method = _method_note(result)
    if n:
        handles.append(Patch(facecolor="#999999", alpha=0.3, label=f"shaded: 95% interval ({n:,} runs)"))
        order.append(len(handles) - 1)
        labs.append(handles[-1].get_label())
    fig.legend([handles[i] for i in order], [labs[i] for i in order], loc="outside lower center", ncol=2,
               frameon=False, fontsize=_BASE_FONT - 1)
    fig.suptitle(_wrap(title or "How the crisis ends: cumulative share of runs, round by round", 80),
                 fontsize=_BASE_FONT + 3, fontweight="bold")
    if method:
        ax.set_title(method, fontsize=_BASE_FONT - 1, loc="left")
    return fig


# --------------------------------------------------------------------------- comparison
def compare_outcomes(results: Mapping[str, object], *, sides: Sequence[str] = ("A", "B"),
                     title: str | None = None) -> Figure:
    """Several strategy pairs on shared scales, for comparing policies.

    Parameters
    ----------
    results : mapping name -> MarkovResult or SimulationResult
        One crisis per pair (long-run results are allowed: their outcomes are "ever").
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
    errs = np.array([_Z95 * np.asarray(r.payoff_sem, float) if is_monte_carlo(r) else np.zeros(2) for r in res])
    curves = not any(long_run)

    # numbered, so that the curves' legend below can name each pair by its number
    wrapped = ["\n".join(textwrap.wrap(f"({i + 1}) {nm}", 30)) or nm for i, nm in enumerate(names)]
    bar_h = 0.5 * sum(w.count("\n") + 1 for w in wrapped) + 1.6
    height = bar_h + (3.6 if curves else 0) + 1.6
    label_w = 0.085 * max(max(len(line) for line in w.split("\n")) for w in wrapped)
    fig = Figure(figsize=(11.5 + label_w * 0.5, height), layout="constrained")
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
                ax_o.text(l0 + v / 2, yc, fmt_percent(v), ha="center", va="center", fontsize=9.5, color=txt_col,
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
    ax_o.tick_params(axis="x", labelsize=9.5)
    ax_o.legend(loc="lower center", bbox_to_anchor=(0.5, 1.06), ncol=4, frameon=False, fontsize=9,
                handlelength=1.4, columnspacing=1.0)
    for sp in ("top", "right"):
        ax_o.spines[sp].set_visible(False)

    # ---- payoffs
    off = (-0.17, 0.17)
    side_col = ("#0072B2", "#E69F00")
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
                      fontsize=9)
    ax_p.axvline(0, color="black", linewidth=0.8)
    lo, hi = min(0.0, float(np.nanmin(pays[np.isfinite(pays)]))) if np.isfinite(pays).any() else 0.0, \
        max(0.0, float(np.nanmax(pays[np.isfinite(pays)]))) if np.isfinite(pays).any() else 1.0
    pad = 0.22 * max(hi - lo, 1e-9)
    ax_p.set_xlim(lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0.05 * pad))
    ax_p.tick_params(axis="y", labelleft=False, length=0)
    ax_p.tick_params(axis="x", labelsize=9.5)
    ax_p.set_xlabel("Expected total payoff (utility; higher is better)", fontsize=_BASE_FONT - 1)
    ax_p.set_title("Expected payoffs", fontsize=_BASE_FONT + 1, fontweight="bold", loc="left")
    ax_p.legend(loc="lower center", bbox_to_anchor=(0.5, 1.06), ncol=2, frameon=False, fontsize=9)
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
            c, ls = _CATEGORY[i % len(_CATEGORY)], _LINESTYLES[i % len(_LINESTYLES)]
            t = np.arange(1, np.asarray(r.p_war).size + 1)
            ax_w.plot(t, np.asarray(r.p_war, float), color=c, linestyle=ls, linewidth=1.9, gid="war-curve",
                      label=f"({i + 1}) " + _short(nm, 44))
            ax_s.plot(t, np.asarray(r.p_settled, float), color=c, linestyle=ls, linewidth=1.9,
                      gid="settled-curve")
        for ax, what in ((ax_w, "War by this round"), (ax_s, "Settled by this round")):
            ax.set_title(what, fontsize=_BASE_FONT + 1, fontweight="bold", loc="left")
            ax.set_xlabel("Round", fontsize=_BASE_FONT)
            ax.set_xlim(0.5, Tmax + 0.5)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.grid(color="#e6e6e6", linewidth=0.6)
            ax.tick_params(labelsize=9.5)
            for sp in ("top", "right"):
                ax.spines[sp].set_visible(False)
        for ax, key in ((ax_w, "p_war"), (ax_s, "p_settled")):
            peak = max(float(np.max(np.asarray(getattr(r, key), float))) for r in res)
            ax.set_ylim(0, _nice_top(peak))
            ax.set_ylabel("Share of runs", fontsize=_BASE_FONT)
        fig.legend(*ax_w.get_legend_handles_labels(), loc="outside lower center", ncol=min(n, 3), frameon=False,
                   fontsize=_BASE_FONT - 1, title="Strategy pair", title_fontsize=_BASE_FONT - 1)
    if errs.any():
        ax_p.set_title("Expected payoffs\n(error bars: 95% Monte-Carlo intervals)",
                       fontsize=_BASE_FONT, loc="left")
    fig.suptitle(_wrap(title or f"Strategy pairs compared: how the crisis between {sides[0]} and {sides[1]} ends",
                       90), fontsize=_BASE_FONT + 3, fontweight="bold")
    return fig


def _nice_top(v: float) -> float:
    """Upper y limit for a probability axis: 10% steps above the peak (5% below 30%), at most 1."""
    step = 0.05 if v < 0.3 else 0.1
    return float(min(1.0, max(step, np.ceil((v * 1.08) / step) * step)))


def _rgb(colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb
    return to_rgb(colour)
