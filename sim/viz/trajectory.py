"""The trajectory fan: how each side's rung is distributed, round by round.

:func:`trajectory_fan` takes one repeated crisis (an exact
:class:`~sim.repeated.markov.MarkovResult` or a Monte-Carlo
:class:`~sim.repeated.montecarlo.SimulationResult` with a time axis) and returns a
:class:`matplotlib.figure.Figure` built without pyplot.  It reads only the shared fields
(``rung_distribution``, ``p_active``), plus ``paths`` for the Monte-Carlo note and ``rungs``
for sample paths when present.  The per-round numbers drawn (rung shares among the runs
still in crisis, mean rungs, quantiles) come from :mod:`sim.repeated.stats`, as do those of
``summary.md``, so figure and text agree.  Nothing here simulates.

Artists carry a ``gid``: ``"rung-share"`` (the fan's mesh, one per side), ``"mean-rung"``,
``"rung-band"``, ``"sample-path"``, ``"p-active"``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.repeated.stats import mean_rungs, per_round_arrays, rung_quantiles, rung_shares
from sim.viz.outcomes import _method_note
from sim.viz.style import (MIN_FONT, SERIES_COLOURS, _BASE_FONT, _STROKE, _THIN_STROKE, _tick_labels, enforce_min_font,
                           wrap_label, wrap_title)
from sim.wording import fmt_number

__all__ = ["trajectory_fan"]

#: Colours of the sample runs: the series colours (neither a side's nor an outcome's), black left for the mean.
_PATH_COLOURS = SERIES_COLOURS[1:]
#: Below this share of runs still in crisis a round's column is called out as resting on few runs.
FEW_RUNS = 0.05


def _rung_ticks(labels: Sequence[str] | None, K: int, width: int = 34) -> list[str]:
    """Rung labels in full, wrapped onto lines of ``width`` characters."""
    labels = list(labels) if labels is not None else [f"rung {i}" for i in range(K)]
    if len(labels) != K:
        raise ValueError(f"labels has {len(labels)} entries but the result has K={K} rungs")
    return [wrap_label(t, width) for t in _tick_labels(labels, 10_000, K > 2)]


def _step_xy(values: np.ndarray, x0: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of a step line that holds ``values[t]`` across the whole cell ``[t + x0, t + x0 + 1]``."""
    edges = np.arange(values.size + 1, dtype=float) + x0
    return np.repeat(edges, 2)[1:-1], np.repeat(values.astype(float), 2)


def trajectory_fan(result, *, sides: Sequence[str] = ("A", "B"), labels: Sequence[str] | None = None,
                   sample_paths=None, title: str | None = None, band: tuple[float, float] = (0.1, 0.9),
                   observed=None, observed_label: str = "reported sequence") -> Figure:
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
    observed : int array (n, 2), optional
        An observed crisis's rungs, round by round (-1: not observed), drawn over the fan as
        a thick line with square markers (gid ``"observed"``): a posterior predictive check
        when ``result`` is a model fitted to it.
    observed_label : str
        Its legend entry.

    Returns
    -------
    Figure
        Top strip: share of runs still in crisis in each round (gid ``"p-active"``).  Side
        panels: x = round, y = rung; each column is coloured by the share of the runs still
        in crisis that are at each rung (``Blues``; a column sums to 100%, gid
        ``"rung-share"``; grey where no run is in crisis).  The colour of a column **fades with
        the share of runs still in crisis** (its opacity is that share, at least 6%), so rounds
        that few crises reach do not look as if they mattered; the legend says so, and rounds
        with under 5% of runs still in crisis are named there.  With the mean rung (black line,
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
    label_w = 0.085 * max(len(line) for t in ticks for line in t.split("\n")) + 0.6
    lines = max(t.count("\n") + 1 for t in ticks)
    panel_h = float(np.clip((0.3 if lines == 1 else 0.34) * K + 0.5, 1.6, 4.4))
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
    top.tick_params(labelbottom=False, labelsize=MIN_FONT)
    top.grid(axis="y", color="#dddddd", linewidth=0.6)
    method = _method_note(result)
    top.set_title(wrap_label("Share of runs still in crisis at the start of each round" +
                             (f" {method}" if method else ""), int(width * 72 / (_BASE_FONT * 0.55)) - 10),
                  fontsize=_BASE_FONT - 1, loc="left")

    base = colormaps["Blues"]
    cmap = ListedColormap(base(np.linspace(0.03, 1.0, 256))).with_extremes(bad="#e4e4e4")
    norm = Normalize(0.0, 1.0)
    tick_fs = _BASE_FONT - 1 if K <= 6 else MIN_FONT
    fade = np.clip(np.asarray(pa, float), 0.06, 1.0)  # opacity of each round's column: the share still in crisis
    mesh = None
    for s, ax in enumerate(axes):
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(shares[:, s, :].T), cmap=cmap, norm=norm,
                             shading="flat", gid="rung-share", rasterized=T * K > 4000)
        mesh.set_alpha(np.broadcast_to(fade, (K, T)).copy())
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
        if observed is not None:
            obs = np.asarray(observed, dtype=float)[:T, s]
            ox = np.arange(1, len(obs) + 1)
            ax.plot(ox, np.where(obs >= 0, obs, np.nan), color=_OBSERVED, linewidth=2.6, marker="s", markersize=6,
                    markeredgecolor="white", gid="observed", zorder=7)
        ax.plot(x, mean[:, s], color="black", linewidth=2.2, marker="o" if T <= 40 else None, markersize=3.5,
                gid="mean-rung", zorder=6, path_effects=_STROKE)
        ax.set_ylim(-0.5, K - 0.5)
        step = 1 if K <= 14 else int(np.ceil(K / 14))
        ax.set_yticks(np.arange(0, K, step), [ticks[i] for i in range(0, K, step)])
        ax.tick_params(axis="y", labelsize=tick_fs, length=0)
        for lab in ax.get_yticklabels():
            lab.set_linespacing(0.95)
        ax.tick_params(axis="x", labelsize=MIN_FONT)
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
    cb.ax.tick_params(labelsize=MIN_FONT)

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
    if observed is not None:
        handles.append(Line2D([], [], color=_OBSERVED, linewidth=2.6, marker="s", markersize=6,
                              markeredgecolor="white", label=observed_label))
    few = np.flatnonzero((pa > 0) & (pa < FEW_RUNS)) + 1
    note = "colours fade with the share of runs still in crisis (opacity = that share)"
    if few.size:
        note += f"; under {fmt_number(100 * FEW_RUNS)}% of runs from round {few[0]}"
    handles.append(Patch(facecolor=cmap(0.6), alpha=0.35, edgecolor="none", label=note))
    if np.any(pa <= 0):
        handles.append(Patch(facecolor="#e4e4e4", edgecolor="none", label="no run still in crisis"))
    chars = int(width * 72 / ((_BASE_FONT - 1) * 0.55) / 2) - 8
    fig.legend(handles=handles, labels=[wrap_label(h.get_label(), chars) for h in handles], loc="outside lower center",
               ncol=min(len(handles), 2), frameon=False, fontsize=_BASE_FONT - 1)
    fig.suptitle(wrap_title(title or f"How the crisis unfolds: the rungs of {sides[0]} and {sides[1]}, round by round",
                            width, _BASE_FONT + 3), fontsize=_BASE_FONT + 3, fontweight="bold")
    return enforce_min_font(fig)

#: Colour of an observed sequence over a model's fan (used for nothing else).
_OBSERVED = "#c2185b"


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

