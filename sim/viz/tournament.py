"""Figures of tournaments: :func:`tournament_heatmap` (the meta-game matrix with its
equilibria and evolutionarily stable strategies) and :func:`replicator_plot` (strategy
shares under the replicator dynamics).  Built without pyplot; re-exported from
:mod:`sim.viz`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from sim.viz.style import (MIN_FONT, SERIES_COLOURS, _BASE_FONT, _LINESTYLES, _STROKE, _cell_borders, _decimals,
                           _fmt, _luminance, _share_axes, enforce_min_font, wrap_label, wrap_title)
from sim.wording import fmt_percent, strategy_label

__all__ = ["tournament_heatmap", "replicator_plot"]


# --------------------------------------------------------------------------- tournament
def tournament_heatmap(tresult, *, title: str | None = None) -> Figure:
    """The tournament's meta-game: what each strategy (row) gets against each (column).

    Rows and columns are ordered by rank (mean score, highest first); row labels carry the
    rank.  Cells are coloured by payoff (``cividis``, gid ``"meta-game"``) and annotated.
    Evolutionarily stable strategies have their diagonal cell outlined (gid ``"ess"``) and
    "ESS" in the row label; pure Nash equilibria of the meta-game are starred (gid
    ``"meta-equilibrium"``).  A bar panel on the right shows each row's mean score (gid
    ``"score"``); a note under the plot names the survivors of the replicator dynamics.
    """
    names = list(tresult.names)
    N = len(names)
    order = [names.index(nm) for nm in tresult.ranking]
    M = np.asarray(tresult.M, float)[np.ix_(order, order)]
    scores = np.asarray(tresult.scores, float)[order]
    ess = np.asarray(tresult.ess, bool)[order]
    labs = [strategy_label(names[i]) for i in order]
    survivors = set(tresult.survivors)

    cell = float(np.clip(7.5 / N, 0.48, 1.25))
    ann_fs = float(np.clip(15 - 0.75 * N, MIN_FONT, 12.5))
    row_labels = [f"{k + 1}. {lab}" + ("  [ESS]" if ess[k] else "") for k, lab in enumerate(labs)]
    label_w = 0.085 * max(len(t) for t in row_labels) + 0.4
    col_h = 0.075 * max(len(t) for t in labs) + 0.3
    width = max(8.0, cell * N + label_w + 3.6)
    height = cell * N + col_h + 2.3
    fig = Figure(figsize=(width, height), layout="constrained")
    gs = fig.add_gridspec(1, 2, width_ratios=[cell * N, 1.5])
    ax = fig.add_subplot(gs[0])
    sax = fig.add_subplot(gs[1], sharey=ax)
    cmap = colormaps["cividis"]
    lo, hi = float(M.min()), float(M.max())
    norm = Normalize(lo, hi if hi > lo else lo + 1.0)
    im = ax.imshow(M, cmap=cmap, norm=norm, aspect="equal", interpolation="nearest", gid="meta-game")
    dec = _decimals(M.ravel())
    for i in range(N):
        for j in range(N):
            colour = "black" if _luminance(cmap(norm(M[i, j]))) > 0.45 else "white"
            ax.text(j, i, _fmt(M[i, j], dec), ha="center", va="center", fontsize=ann_fs, color=colour)
    for k in np.flatnonzero(ess):
        ax.add_patch(Rectangle((k - 0.46, k - 0.46), 0.92, 0.92, fill=False, edgecolor="black", linewidth=2.8,
                               gid="ess", zorder=4, path_effects=_STROKE))
    pos = {orig: k for k, orig in enumerate(order)}
    starred = set()
    for e in (tresult.meta_equilibria or []):
        if e.is_pure:
            i, j = pos[int(np.argmax(e.x))], pos[int(np.argmax(e.y))]
            if (i, j) in starred:
                continue
            starred.add((i, j))
            ax.plot([j + 0.3], [i - 0.3], marker="*", markersize=float(np.clip(20 - N, 8, 16)),
                    markerfacecolor="white", markeredgecolor="black", markeredgewidth=1.0, linestyle="none",
                    zorder=5, gid="meta-equilibrium")
    ax.set_xticks(range(N), labs)
    ax.set_yticks(range(N), row_labels)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    for t in ax.get_xticklabels():
        t.set_rotation(40)
        t.set_ha("left")
        t.set_rotation_mode("anchor")
    fs = _BASE_FONT - 1 if N <= 8 else MIN_FONT
    ax.tick_params(axis="both", labelsize=fs, length=0)
    _cell_borders(ax, N, N)
    ax.set_xlabel("Opponent (column)", fontsize=_BASE_FONT)
    ax.set_ylabel("Strategy (row), by rank", fontsize=_BASE_FONT)

    sax.barh(np.arange(N), scores, color=[cmap(norm(v)) for v in scores], edgecolor="black", linewidth=0.5,
             height=0.62, gid="score")
    for k, v in enumerate(scores):
        sax.text(v, k, f" {_fmt(v, _decimals(scores))} ", va="center", ha="left" if v >= 0 else "right",
                 fontsize=max(ann_fs - 1, MIN_FONT))
    slo, shi = min(0.0, float(scores.min())), max(0.0, float(scores.max()))
    pad = 0.45 * max(shi - slo, 1e-9)
    sax.set_xlim(slo - (pad if slo < 0 else 0.08 * pad), shi + (pad if shi > 0 else 0.08 * pad))  # room for the 0 tick
    sax.axvline(0, color="black", linewidth=0.8)
    sax.tick_params(axis="y", labelleft=False, length=0)
    sax.tick_params(axis="x", labelsize=MIN_FONT)
    sax.set_title("Mean score", fontsize=_BASE_FONT - 1)
    for sp in ("top", "right", "left"):
        sax.spines[sp].set_visible(False)
    ax.set_ylim(N - 0.5, -0.5)

    unit = "long-run payoff per round" if tresult.score_kind == "per_round" else "expected total payoff"
    cb = fig.colorbar(im, ax=[ax, sax], location="bottom", shrink=0.6, aspect=35, pad=0.02)
    cb.set_label(wrap_label(f"Row strategy's {unit} against the column strategy (utility)", 60), fontsize=_BASE_FONT - 1)
    cb.ax.tick_params(labelsize=MIN_FONT)
    surv = [strategy_label(nm) for nm in names if nm in survivors]
    handles = [Patch(facecolor="none", edgecolor="black", linewidth=2.2, label="evolutionarily stable (ESS)"),
               Line2D([], [], marker="*", markersize=12, markerfacecolor="white", markeredgecolor="black",
                      linestyle="none", label="pure equilibrium of the meta-game"),
               Patch(facecolor="none", edgecolor="none",
                     label="survive replicator dynamics: " + (", ".join(surv) or "none"))]
    ncol = 3 if width > 11 else 1
    chars = int(width * 72 / ((_BASE_FONT - 1) * 0.55) / ncol) - 8
    fig.legend(handles=handles, labels=[wrap_label(h.get_label(), chars) for h in handles], loc="outside lower center",
               ncol=ncol, frameon=False, fontsize=_BASE_FONT - 1)
    rounds = "long run" if tresult.rounds is None else f"{tresult.rounds} rounds per match"
    fig.suptitle(wrap_title(title or f"Tournament of {N} strategies ({rounds}): the meta-game", width, _BASE_FONT + 3),
                 fontsize=_BASE_FONT + 3, fontweight="bold")
    return enforce_min_font(fig)


def replicator_plot(rresult, names: Sequence[str], *, title: str | None = None) -> Figure:
    """Population shares of the strategies under replicator dynamics.

    One line per strategy (gid ``"share"``, label = the strategy's name; y-data =
    ``rresult.x[:, i]``).  Survivors (``rresult.survivors``) get Okabe-Ito colours and a
    label with their final share at the right end; strategies that die out are thin grey
    lines, listed in the legend.
    """
    x = np.asarray(rresult.x, float)
    t = np.asarray(rresult.t, float)
    names = [str(n) for n in names]
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError(f"names has {len(names)} entries but the dynamics has {x.shape[-1]} strategies")
    surv = np.asarray(rresult.survivors, bool)
    fig = Figure(figsize=(10.0, 5.8), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    k = 0
    label_pos = []
    for i, nm in enumerate(names):
        if surv[i]:
            c, ls = SERIES_COLOURS[k % len(SERIES_COLOURS)], _LINESTYLES[k % len(_LINESTYLES)]
            k += 1
            ax.plot(t, x[:, i], color=c, linestyle=ls, linewidth=2.4, gid="share", label=nm, zorder=3)
            label_pos.append([float(x[-1, i]), i, c])
        else:
            ax.plot(t, x[:, i], color="#9a9a9a", linewidth=1.0, alpha=0.9, gid="share", label=nm, zorder=2)
    # labels of survivors at the right end, nudged apart
    label_pos.sort()
    gap = 0.055
    ys = [p[0] for p in label_pos]
    for j in range(1, len(ys)):
        ys[j] = max(ys[j], ys[j - 1] + gap)
    if ys and ys[-1] > 1.0:
        shift = ys[-1] - 1.0
        ys = [y - shift for y in ys]
        for j in range(len(ys) - 2, -1, -1):
            ys[j] = min(ys[j], ys[j + 1] - gap)
    for (v, i, c), yl in zip(label_pos, ys):
        ax.annotate(f"{strategy_label(names[i])} {fmt_percent(v)}", xy=(t[-1], v), xytext=(1.015, yl),
                    textcoords=ax.get_yaxis_transform(), va="center", ha="left", fontsize=_BASE_FONT - 0.5,
                    color=c, fontweight="bold", annotation_clip=False,
                    arrowprops=dict(arrowstyle="-", color=c, linewidth=0.8, shrinkA=0, shrinkB=2)
                    if abs(yl - v) > 0.01 else None)
    ax.set_xlim(t[0], t[-1])
    _share_axes(ax, "Time (replicator dynamics; arbitrary units)", "Share of the population", grid="#e6e6e6")
    dead = [strategy_label(n) for n, s in zip(names, surv) if not s]
    handles = [Line2D([], [], color="#9a9a9a", linewidth=1.0, label="die out: " + ", ".join(dead))] if dead else []
    if handles:
        fig.legend(handles=handles, labels=[wrap_label(h.get_label(), 110) for h in handles],
                   loc="outside lower center", frameon=False, fontsize=_BASE_FONT - 1)
    fig.suptitle(wrap_title(title or "Replicator dynamics: which strategies take over the population",
                            fig.get_figwidth(), _BASE_FONT + 3), fontsize=_BASE_FONT + 3, fontweight="bold")
    return enforce_min_font(fig)
