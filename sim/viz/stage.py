"""Figures of stage-game results.

Every function takes result values (a :class:`~sim.games.Game` and its
:class:`~sim.equilibria.Equilibria`, an :class:`~sim.sweeps.maps.EquilibriumMap`) and returns a
:class:`matplotlib.figure.Figure` built directly, without pyplot: no global figure
state, nothing to close, safe in threads and notebooks.  Nothing here computes
equilibria or simulates.  :func:`save` writes a figure to PNG atomically.

Colours are colour-blind safe: ``cividis`` and ``viridis`` for continuous values, the
Okabe-Ito palette (Okabe and Ito 2008) plus hatching for categories.  Text sizes are
chosen for an A4 page or a slide.

Artists that tests (or users) may want to find carry a ``gid``:
``"pure-equilibrium"`` (one outlined box per pure equilibrium), ``"pure-equilibrium-marker"``,
``"mixed-equilibrium"`` (circles, one per cell in the support of a drawn mixed
equilibrium), ``"scenario-point"`` (the scenario's marker on a map).

The payoff heatmap is defined here; the equilibrium map lives in :mod:`sim.viz.map` and
the shared style helpers and :func:`save` in :mod:`sim.viz.style`.  Every name is
importable from here.
"""


from __future__ import annotations

import math
import textwrap
from typing import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Rectangle

from sim.viz.style import (MIN_FONT, _BASE_FONT, _MINUS, _STROKE, _THIN_STROKE, _cell_borders, _decimals, _fmt,
                           _game_title, _luminance, _tick_labels, enforce_min_font, wrap_label, wrap_title)
from sim.wording import sentence_case, fmt_number, fmt_percent
from sim.games import payoff_matrices


__all__ = ["payoff_heatmap"]


_MIXED_COLOUR = "#0072B2"  # Okabe-Ito blue


def _mix_text(p: np.ndarray, labels: Sequence[str], ladder: bool, limit: int = 4) -> str:
    support = [i for i in np.argsort(-p, kind="stable") if p[i] > 1e-7]
    if len(support) == 1:
        i = support[0]
        if labels[i] == f"rung {i}" or not ladder:
            return labels[i]
        return f"rung {i} ({labels[i]})"
    parts = []
    for i in support[:limit]:
        name = f"rung {i}" if (ladder or labels[i] == f"rung {i}") else labels[i]
        parts.append(f"{name} {fmt_percent(p[i])}")
    if len(support) > limit:
        parts.append(f"+{len(support) - limit} more")
    return ", ".join(parts)


# --------------------------------------------------------------------------- payoff heatmap
def payoff_heatmap(game, equilibria, *, title: str | None = None, max_listed: int = 6,
                   max_mixed_panels: int = 3) -> Figure:
    """The payoff matrix as an annotated heatmap with the equilibria marked.

    Parameters
    ----------
    game : sim.games.Game
        One game (no batch dimensions); ``A``, ``B`` of shape ``(K_A, K_B)``.
    equilibria : sequence of sim.equilibria.Equilibrium
        Its equilibria (e.g. :func:`sim.equilibria.nash_equilibria`); numbered E1, E2...
        in the given order, as in :func:`sim.report.stage_summary`.
    title : str, optional
        Figure title; default names the game and the sides.
    max_listed : int
        Equilibria listed in the caption; the rest are counted ("and N more").  Every
        pure equilibrium is always outlined on the matrix.
    max_mixed_panels : int
        Mixed equilibria (among the listed ones) drawn in side panels.

    Returns
    -------
    matplotlib.figure.Figure
        Main panel: cells coloured by the sum of both payoffs (``cividis``, colour bar in
        utility per round) and annotated "a, b" (side A's payoff, side B's); rows are side
        A's rungs, columns side B's.  Pure equilibria: thick outlined box and a star (gids
        ``"pure-equilibrium"``, ``"pure-equilibrium-marker"``), labelled E1, E2...  Each
        drawn mixed equilibrium gets a small panel of the same matrix in which circle area
        is the joint probability ``x_i * y_j`` of each cell (gid ``"mixed-equilibrium"``),
        with the percentage written.  A caption under the plot lists the equilibria with
        their payoffs.
    """
    if getattr(game, "is_batch", False):
        raise ValueError(f"payoff_heatmap draws one game, got a batch of shape {game.batch_shape}; index it first")
    A, B = payoff_matrices(game)
    ka, kb = A.shape
    side_a, side_b = game.sides
    la, lb = tuple(game.labels_a), tuple(game.labels_b)
    eqs = list(equilibria)
    n = max(ka, kb)
    listed = eqs[:max_listed]
    mixed = [(k, e) for k, e in enumerate(listed) if not e.is_pure][:max_mixed_panels]

    # ---- sizes (inches): cells shrink with K down to 0.86 in, so that two lines of payoffs fit at
    # the projection minimum (MIN_FONT); rung labels are written in full (wrapped), on the rows; on a
    # ladder whose columns have the same labels the columns show the rung numbers only
    cell = float(np.clip(7.0 / n, 0.8, 1.9))
    two_lines = n >= 6
    ann_fs = max(MIN_FONT, float(np.clip(15.5 - 1.0 * n, 7.5, 14)) if two_lines else float(np.clip(18 - 1.6 * n, 9, 16)))
    tick_fs = _BASE_FONT if n <= 5 else MIN_FONT
    dec = _decimals(np.concatenate([A.ravel(), B.ravel()]))
    same = n > 2 and la == lb
    yt = [wrap_label(t, 30) for t in _tick_labels(la, 10_000, n > 2)]
    xt = [str(j) for j in range(kb)] if same else [wrap_label(t, 22) for t in _tick_labels(lb, 10_000, n > 2)]
    long_b = max(len(t) for t in xt) > 12
    heat_w, heat_h = cell * kb, cell * ka
    row_label_w = 0.1 * max(len(line) for t in yt for line in t.split("\n")) * tick_fs / 10 + 1.0
    panel_w = 0.0
    if mixed:
        panel_cell = min(cell * 0.5, (heat_h / len(mixed) - 0.7) / ka) if len(mixed) > 1 else cell * 0.55
        panel_cell = max(panel_cell, 0.3)
        panel_w = panel_cell * kb + (0.9 if n > 2 else 0.6 + 0.08 * max(len(t) for t in yt))
        panel_w = max(panel_w, 2.0)
    width = max(7.5, heat_w + row_label_w + 1.8 + panel_w)
    top_h = 0.95 + (min(2.2, 0.075 * max(len(line) for t in xt for line in t.split("\n")) + 0.3) if long_b else 0.35)
    chars = int((width - 0.6) * 72 / (MIN_FONT * 0.56))
    cap_lines = _caption_lines(eqs, listed, side_a, side_b, la, lb, getattr(equilibria, "degenerate", None),
                               chars, n > 2)
    leg_h = 0.5
    cap_h = 0.215 * len(cap_lines) + 0.3
    title_text = wrap_title(title or f"{_game_title(game)}: payoffs to {side_a} and {side_b}, and Nash equilibria",
                            width, _BASE_FONT + 3)
    title_h = 0.3 * (title_text.count("\n") + 1)
    main_h = max(heat_h, 2.4 if mixed else 0) + top_h + 0.35 + title_h
    height = main_h + leg_h + cap_h
    bottom = (leg_h + cap_h) / height
    fig = Figure(figsize=(width, height))
    fig.set_layout_engine(ConstrainedLayoutEngine(rect=(0, bottom, 1, 1 - bottom)))
    if mixed:
        gs = fig.add_gridspec(1, 2, width_ratios=[heat_w + row_label_w + 1.6, panel_w])
        ax = fig.add_subplot(gs[0])
        pgs = gs[1].subgridspec(len(mixed), 1)
        pax = [fig.add_subplot(pgs[m]) for m in range(len(mixed))]
    else:
        ax = fig.add_subplot(1, 1, 1)
        pax = []

    # ---- the matrix
    total = A + B
    cmap = colormaps["cividis"]
    lo, hi = float(total.min()), float(total.max())
    norm = Normalize(lo, hi if hi > lo else lo + 1.0)
    im = ax.imshow(total, cmap=cmap, norm=norm, aspect="equal", interpolation="nearest")
    sep = ",\n" if two_lines else ", "
    for i in range(ka):
        for j in range(kb):
            colour = "black" if _luminance(cmap(norm(total[i, j]))) > 0.45 else "white"
            ax.text(j, i, f"{_fmt(A[i, j], dec)}{sep}{_fmt(B[i, j], dec)}", ha="center", va="center",
                    fontsize=ann_fs, color=colour, linespacing=1.1)
    _matrix_axes(ax, xt, yt, ka, kb, tick_fs, long_b)
    what = "rung" if n > 2 else "choice"
    ax.set_xlabel(sentence_case(f"{side_b}'s {what} (columns)" + ("; the rungs are those of the rows" if same else "")),
                  fontsize=_BASE_FONT + 1)
    ax.set_ylabel(sentence_case(f"{side_a}'s {what} (rows)"), fontsize=_BASE_FONT + 1)
    cb = fig.colorbar(im, ax=ax, shrink=0.9 if ka > 2 else 1.0, pad=0.03, aspect=max(12, 8 * ka))
    cb.set_label(f"Sum of payoffs, {side_a} + {side_b}\n(utility per round, illustrative)", fontsize=_BASE_FONT)
    cb.ax.tick_params(labelsize=9.5)

    # ---- pure equilibria
    star_ms = float(np.clip(24 - 1.4 * n, 9, 20))
    label_fs = max(MIN_FONT, float(np.clip(13 - 0.5 * n, 7, 11)))
    label_box = dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85)
    for k, e in enumerate(eqs):
        if not e.is_pure:
            continue
        i, j = int(np.argmax(e.x)), int(np.argmax(e.y))
        ax.add_patch(Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, edgecolor="black",
                               linewidth=3.2 if n <= 5 else 2.4, gid="pure-equilibrium", zorder=4,
                               path_effects=_STROKE if n <= 5 else _THIN_STROKE))
        ax.plot([j + 0.3], [i - 0.28], marker="*", markersize=star_ms, markerfacecolor="white",
                markeredgecolor="black", markeredgewidth=1.2, linestyle="none", zorder=5,
                gid="pure-equilibrium-marker")
        ax.text(j - 0.4, i - 0.4, f"E{k + 1}", ha="left", va="top", fontsize=label_fs, fontweight="bold",
                color="black", zorder=6, bbox=label_box)

    # ---- mixed equilibria, one panel each
    for (k, e), p in zip(mixed, pax):
        joint = np.outer(e.x, e.y)
        p.imshow(np.zeros((ka, kb)), cmap=ListedColormap(["#f4f4f4"]), aspect="equal")
        pfs = MIN_FONT
        for i, j in zip(*np.nonzero(joint > 1e-7)):
            r = 0.47 * math.sqrt(joint[i, j])
            p.add_patch(Circle((j, i), r, facecolor=_MIXED_COLOUR, edgecolor="black", linewidth=0.8, zorder=3,
                               gid="mixed-equilibrium"))
            inside = r > 0.3
            p.text(j, i if inside else i + min(0.45, r + 0.05), fmt_percent(joint[i, j]), ha="center",
                   va="center" if inside else "top", fontsize=pfs, zorder=4,
                   color="white" if inside else "black")
        _matrix_axes(p, [str(j) for j in range(kb)] if n > 2 else list(xt),
                     [str(i) for i in range(ka)] if n > 2 else list(yt), ka, kb, MIN_FONT, False)
        p.set_title(f"E{k + 1} (mixed):\nprobability of each cell", fontsize=_BASE_FONT - 1)
        p.set_xlabel(sentence_case(side_b), fontsize=9)
        p.set_ylabel(sentence_case(side_a), fontsize=9)

    # ---- legend and caption in the reserved band at the bottom
    handles = []
    if any(e.is_pure for e in eqs):
        handles.append(Line2D([], [], marker="*", markersize=13, markerfacecolor="white", markeredgecolor="black",
                              linestyle="none", label="pure equilibrium (outlined cell)"))
    if mixed:
        handles.append(Line2D([], [], marker="o", markersize=11, markerfacecolor=_MIXED_COLOUR,
                              markeredgecolor="black", linestyle="none",
                              label="mixed equilibrium: circle area = probability"))
    handles.append(Patch(facecolor="none", edgecolor="none", label=f"cell text: {side_a}'s payoff, {side_b}'s payoff (illustrative)"))
    per_row = max(1, min(len(handles), int(width // 4.2)))
    leg = fig.legend(handles=handles, loc="center", bbox_to_anchor=(0.5, (cap_h + leg_h / 2) / height),
                     ncol=per_row, frameon=False, fontsize=_BASE_FONT - 1, handlelength=1.2,
                     columnspacing=1.5)
    leg.set_in_layout(False)
    cap = fig.text(0.3 / width, (cap_h - 0.12) / height, "\n".join(cap_lines), ha="left", va="top",
                   fontsize=_BASE_FONT - 1, linespacing=1.4,
                   bbox=dict(boxstyle="round,pad=0.45", facecolor="#f4f4f4", edgecolor="#bbbbbb"))
    cap.set_in_layout(False)
    fig.suptitle(title_text, fontsize=_BASE_FONT + 3, fontweight="bold")
    return enforce_min_font(fig)


def _matrix_axes(ax, xt, yt, ka, kb, fs, rotate) -> None:
    """Rung labels (columns on top), white cell grid, no spines."""
    ax.set_xticks(range(kb), xt)
    ax.set_yticks(range(ka), yt)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.tick_params(axis="both", labelsize=fs, length=0)
    if rotate:
        for t in ax.get_xticklabels():
            t.set_rotation(40)
            t.set_ha("left")
            t.set_rotation_mode("anchor")
    _cell_borders(ax, ka, kb)
    ax.set_xlim(-0.5, kb - 0.5)
    ax.set_ylim(ka - 0.5, -0.5)


def _caption_lines(eqs, listed, side_a, side_b, la, lb, degenerate, width: int = 110,
                   ladder: bool = True) -> list[str]:
    if not eqs:
        return ["No Nash equilibrium was found by the method used."]
    n_pure = sum(1 for e in eqs if e.is_pure)
    head = (f"{len(eqs)} Nash equilibri{'um' if len(eqs) == 1 else 'a'} "
            f"({n_pure} pure, {len(eqs) - n_pure} mixed)")
    if degenerate:
        head += "; the game is degenerate, so further (non-isolated) equilibria may exist"
    lines = textwrap.wrap(head + ":", width)
    for k, e in enumerate(listed):
        kind = "pure" if e.is_pure else "mixed"
        body = (f"E{k + 1} ({kind})  {side_a}: {_mix_text(np.asarray(e.x), la, ladder)};  {side_b}: "
                f"{_mix_text(np.asarray(e.y), lb, ladder)}  \u2192  payoffs {side_a} {fmt_number(e.payoff_a).replace('-', _MINUS)}, "
                f"{side_b} {fmt_number(e.payoff_b).replace('-', _MINUS)}")
        lines.extend(textwrap.wrap(body, width, subsequent_indent="      "))
    if len(eqs) > len(listed):
        lines.append(f"\u2026 and {len(eqs) - len(listed)} more (all are listed in summary.json)")
    return lines
