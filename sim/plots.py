"""Figures of stage-game results.

Every function takes result values (a :class:`~sim.games.Game` and its
:class:`~sim.equilibria.Equilibria`, an :class:`~sim.sweep.EquilibriumMap`) and returns a
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
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib import patheffects as pe
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Rectangle

from .report import _atomic_write_bytes, _cap, _num, _pct, _pname, class_label, param_label

__all__ = ["CLASS_COLOURS", "CLASS_HATCHES", "payoff_heatmap", "equilibrium_map_figure", "save"]

#: Okabe-Ito colours per game class / regime (fixed, so figures are comparable across runs).
CLASS_COLOURS: dict[str, str] = {
    "prisoners_dilemma": "#D55E00",      # vermillion
    "chicken": "#E69F00",                # orange
    "stag_hunt": "#56B4E9",              # sky blue
    "deadlock": "#CC79A7",               # reddish purple
    "harmony": "#009E73",                # bluish green
    "leader": "#F0E442",                 # yellow
    "battle_of_the_sexes": "#0072B2",    # blue
    "cyclic": "#999999",
    "asymmetric": "#DDDDDD",
    "tied": "#FFFFFF",
    "other": "#BBBBBB",
    "unique pure equilibrium": "#56B4E9",
    "several pure equilibria": "#E69F00",
    "no pure equilibrium": "#999999",
}
#: Hatches that set the residual classes apart from the named ones (also without colour).
CLASS_HATCHES: dict[str, str] = {"cyclic": "..", "asymmetric": "//", "tied": "xx", "other": "\\\\"}

_GAME_TITLES = {
    "ladder": "Escalation ladder",
    "prisoners_dilemma": "Prisoner's Dilemma",
    "security_dilemma": "Security dilemma (Prisoner's Dilemma)",
    "chicken": "Chicken",
    "stag_hunt": "Stag Hunt",
    "deterrence": "Deterrence",
    "symmetric": "Symmetric 2x2 game",
    "matrix": "Game",
}
_BASE_FONT = 11
_MINUS = "\u2212"
_STROKE = [pe.withStroke(linewidth=5.5, foreground="white")]
_THIN_STROKE = [pe.withStroke(linewidth=3.5, foreground="white")]
_MIXED_COLOUR = "#0072B2"  # Okabe-Ito blue


def _fmt(v: float, decimals: int) -> str:
    s = f"{v:.{decimals}f}"
    if s.lstrip("-").strip("0.") == "":
        s = s.lstrip("-")
    return s.replace("-", _MINUS)


def _decimals(values: np.ndarray, digits: int = 3) -> int:
    """Decimals that give the largest |value| ``digits`` significant digits (0 .. 3)."""
    m = float(np.max(np.abs(values))) if values.size else 0.0
    if m == 0 or not math.isfinite(m):
        return 0
    dec = digits - 1 - math.floor(math.log10(m))
    # integers stay integers
    if np.all(np.abs(values - np.round(values)) < 1e-9):
        return 0
    return int(min(3, max(0, dec)))


def _short(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def _tick_labels(labels: Sequence[str], n: int, ladder: bool) -> list[str]:
    """Axis labels of rungs: ``"4: drones..."`` on ladders, the bare label on two-action games."""
    out = []
    for i, lab in enumerate(labels):
        out.append(str(i) if lab == f"rung {i}" else (f"{i}: {_short(lab, n)}" if ladder else _short(lab, n)))
    return out


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), max(20, width)))


def _game_title(game) -> str:
    base = _GAME_TITLES.get(game.name, game.name.replace("_", " ").capitalize())
    ka, kb = game.n_actions
    if game.name == "ladder":
        base += f" ({ka} rungs)"
    elif game.name == "matrix":
        base += f" ({ka} x {kb})"
    return base


def _luminance(rgba) -> float:
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _mix_text(p: np.ndarray, labels: Sequence[str], ladder: bool, limit: int = 4) -> str:
    support = [i for i in np.argsort(-p, kind="stable") if p[i] > 1e-7]
    if len(support) == 1:
        i = support[0]
        if labels[i] == f"rung {i}" or not ladder:
            return labels[i]
        return f"rung {i} ({_short(labels[i], 60)})"
    parts = []
    for i in support[:limit]:
        name = f"rung {i}" if (ladder or labels[i] == f"rung {i}") else labels[i]
        parts.append(f"{name} {_pct(p[i])}")
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
    A, B = np.asarray(game.A, float), np.asarray(game.B, float)
    ka, kb = A.shape
    side_a, side_b = game.sides
    la, lb = tuple(game.labels_a), tuple(game.labels_b)
    eqs = list(equilibria)
    n = max(ka, kb)
    listed = eqs[:max_listed]
    mixed = [(k, e) for k, e in enumerate(listed) if not e.is_pure][:max_mixed_panels]

    # ---- sizes (inches): cells shrink with K, fonts with cells
    cell = float(np.clip(7.0 / n, 0.72, 1.9))
    two_lines = n >= 6
    ann_fs = float(np.clip(15.5 - 1.0 * n, 7.5, 14)) if two_lines else float(np.clip(18 - 1.6 * n, 9, 16))
    tick_fs = _BASE_FONT if n <= 5 else 9.5
    dec = _decimals(np.concatenate([A.ravel(), B.ravel()]))
    xt, yt = _tick_labels(lb, 26, n > 2), _tick_labels(la, 26, n > 2)
    long_b = max(len(t) for t in xt) > 12
    heat_w, heat_h = cell * kb, cell * ka
    row_label_w = 0.085 * max(len(t) for t in yt) * tick_fs / 10 + 0.75
    panel_w = 0.0
    if mixed:
        panel_cell = min(cell * 0.5, (heat_h / len(mixed) - 0.7) / ka) if len(mixed) > 1 else cell * 0.55
        panel_cell = max(panel_cell, 0.22)
        panel_w = panel_cell * kb + (0.9 if n > 2 else 0.6 + 0.08 * max(len(t) for t in yt))
        panel_w = max(panel_w, 2.0)
    width = max(7.5, heat_w + row_label_w + 1.6 + panel_w)
    top_h = 0.95 + (min(1.7, 0.07 * max(len(t) for t in xt)) if long_b else 0.35)
    chars = int((width - 0.6) * 72 / ((_BASE_FONT - 1) * 0.56))
    cap_lines = _caption_lines(eqs, listed, side_a, side_b, la, lb, getattr(equilibria, "degenerate", None),
                               chars, n > 2)
    leg_h = 0.45
    cap_h = 0.205 * len(cap_lines) + 0.3
    main_h = max(heat_h, 2.4 if mixed else 0) + top_h + 0.35
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
    ax.set_xlabel(_cap(f"{side_b}'s {what} (columns)"), fontsize=_BASE_FONT + 1)
    ax.set_ylabel(_cap(f"{side_a}'s {what} (rows)"), fontsize=_BASE_FONT + 1)
    cb = fig.colorbar(im, ax=ax, shrink=0.9 if ka > 2 else 1.0, pad=0.03, aspect=max(12, 8 * ka))
    cb.set_label(f"Sum of payoffs, {side_a} + {side_b}\n(utility per round)", fontsize=_BASE_FONT)
    cb.ax.tick_params(labelsize=9.5)

    # ---- pure equilibria
    star_ms = float(np.clip(24 - 1.4 * n, 9, 20))
    label_fs = float(np.clip(13 - 0.5 * n, 7, 11))
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
        pfs = float(np.clip(11 - 0.6 * n, 6, 10))
        for i, j in zip(*np.nonzero(joint > 1e-7)):
            r = 0.47 * math.sqrt(joint[i, j])
            p.add_patch(Circle((j, i), r, facecolor=_MIXED_COLOUR, edgecolor="black", linewidth=0.8, zorder=3,
                               gid="mixed-equilibrium"))
            inside = r > 0.3
            p.text(j, i if inside else i + min(0.45, r + 0.05), _pct(joint[i, j]), ha="center",
                   va="center" if inside else "top", fontsize=pfs, zorder=4,
                   color="white" if inside else "black")
        _matrix_axes(p, [str(j) for j in range(kb)] if n > 2 else list(xt),
                     [str(i) for i in range(ka)] if n > 2 else list(yt), ka, kb, 8.5, False)
        p.set_title(f"E{k + 1} (mixed):\nprobability of each cell", fontsize=_BASE_FONT - 1)
        p.set_xlabel(_cap(side_b), fontsize=9)
        p.set_ylabel(_cap(side_a), fontsize=9)

    # ---- legend and caption in the reserved band at the bottom
    handles = []
    if any(e.is_pure for e in eqs):
        handles.append(Line2D([], [], marker="*", markersize=13, markerfacecolor="white", markeredgecolor="black",
                              linestyle="none", label="pure equilibrium (outlined cell)"))
    if mixed:
        handles.append(Line2D([], [], marker="o", markersize=11, markerfacecolor=_MIXED_COLOUR,
                              markeredgecolor="black", linestyle="none",
                              label="mixed equilibrium: circle area = probability"))
    handles.append(Patch(facecolor="none", edgecolor="none", label=f"cell text: {side_a}'s payoff, {side_b}'s payoff"))
    leg = fig.legend(handles=handles, loc="center", bbox_to_anchor=(0.5, (cap_h + leg_h / 2) / height),
                     ncol=len(handles), frameon=False, fontsize=_BASE_FONT - 1, handlelength=1.2,
                     columnspacing=1.5)
    leg.set_in_layout(False)
    cap = fig.text(0.3 / width, (cap_h - 0.12) / height, "\n".join(cap_lines), ha="left", va="top",
                   fontsize=_BASE_FONT - 1, linespacing=1.4,
                   bbox=dict(boxstyle="round,pad=0.45", facecolor="#f4f4f4", edgecolor="#bbbbbb"))
    cap.set_in_layout(False)
    fig.suptitle(_wrap(title or f"{_game_title(game)}: payoffs to {side_a} and {side_b}, and Nash equilibria",
                       int(width * 72 / ((_BASE_FONT + 3) * 0.62))),
                 fontsize=_BASE_FONT + 3, fontweight="bold")
    return fig


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
    ax.set_xticks(np.arange(-0.5, kb, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, ka, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="minor", length=0)
    for s in ax.spines.values():
        s.set_visible(False)
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
                f"{_mix_text(np.asarray(e.y), lb, ladder)}  \u2192  payoffs {side_a} {_num(e.payoff_a).replace('-', _MINUS)}, "
                f"{side_b} {_num(e.payoff_b).replace('-', _MINUS)}")
        lines.extend(textwrap.wrap(body, width, subsequent_indent="      "))
    if len(eqs) > len(listed):
        lines.append(f"\u2026 and {len(eqs) - len(listed)} more (all are listed in summary.json)")
    return lines


# --------------------------------------------------------------------------- equilibrium map
def _edges(v: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around grid centres ``v`` (midpoints; geometric midpoints on a log axis)."""
    w = np.log(v) if log else v
    mid = (w[1:] + w[:-1]) / 2
    e = np.concatenate([[w[0] - (mid[0] - w[0])], mid, [w[-1] + (w[-1] - mid[-1])]])
    return np.exp(e) if log else e


def _is_log(v: np.ndarray) -> bool:
    if v.size < 3 or np.any(v <= 0):
        return False
    d = np.diff(v)
    if np.allclose(d, d[0], rtol=1e-6, atol=0):
        return False
    dl = np.diff(np.log(v))
    return bool(np.allclose(dl, dl[0], rtol=1e-6, atol=0))


def _oriented(emap):
    """Grid values increasing along both axes, and the arrays flipped to match."""
    xv, yv = np.asarray(emap.x_values, float), np.asarray(emap.y_values, float)
    arrays = {k: np.asarray(getattr(emap, k)) for k in ("regime", "n_pure", "level")}
    for axis, v in ((1, xv), (0, yv)):
        d = np.diff(v)
        if np.all(d < 0):
            arrays = {k: np.flip(a, axis) for k, a in arrays.items()}
        elif not np.all(d > 0):
            raise ValueError("equilibrium map axes must be strictly monotonic")
    return np.sort(xv), np.sort(yv), arrays


def equilibrium_map_figure(emap, *, title: str | None = None) -> Figure:
    """Where the equilibrium changes over a 2-D parameter grid.

    Parameters
    ----------
    emap : sim.sweep.EquilibriumMap
        ``kind == "class"``: cells coloured by game class (Okabe-Ito colours, hatching
        for the residual classes, legend with readable names and grid shares).
        ``kind == "equilibrium"``: cells coloured by ``level``, the mean equilibrium
        rung, in discrete steps of one rung (``viridis``, colour bar in rungs); hatched
        where several pure equilibria coexist, grey and cross-hatched where there is
        none.  Region boundaries are drawn as contour lines; the axes carry the real
        parameter values (log scale when the grid is geometric).  The scenario's point
        is a star (gid ``"scenario-point"``, legend "this scenario"), skipped when NaN.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    xv, yv, arr = _oriented(emap)
    logx, logy = _is_log(xv), _is_log(yv)
    xe, ye = _edges(xv, logx), _edges(yv, logy)
    X, Y = np.meshgrid(xv, yv)
    regime, n_pure, level = arr["regime"], arr["n_pure"], arr["level"].astype(float)
    names = tuple(emap.regime_names)
    total = regime.size

    fig = Figure(figsize=(9.2, 7.0), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    handles: list = []
    boundary_kw = dict(colors="black", linewidths=1.0, alpha=0.85)

    if emap.kind == "class":
        codes, counts = np.unique(regime, return_counts=True)
        present = [names[int(c)] for c in codes]
        lookup = np.zeros(len(names), int)
        lookup[codes] = np.arange(len(codes))
        idx = lookup[regime]
        cmap = ListedColormap([CLASS_COLOURS.get(nm, "#BBBBBB") for nm in present])
        norm = BoundaryNorm(np.arange(-0.5, len(present)), len(present))
        ax.pcolormesh(xe, ye, idx, cmap=cmap, norm=norm, shading="flat")
        for c, nm in zip(codes, present):
            mask = (regime == c).astype(float)
            if nm in CLASS_HATCHES and mask.any():
                _hatch(ax, X, Y, mask > 0.5, CLASS_HATCHES[nm], "#404040")
            if len(present) > 1:
                ax.contour(X, Y, mask, levels=[0.5], **boundary_kw)
        for c, nm, cnt in sorted(zip(codes, present, counts), key=lambda t: -t[2]):
            handles.append(Patch(facecolor=CLASS_COLOURS.get(nm, "#BBBBBB"), edgecolor="black", linewidth=0.6,
                                 hatch=CLASS_HATCHES.get(nm), label=f"{class_label(nm)} ({_pct(cnt / total)})"))
    else:
        K = int(emap.K)
        base = colormaps["viridis"]
        cmap = ListedColormap(base(np.linspace(0, 1, K))).with_extremes(bad="#C8C8C8")
        norm = BoundaryNorm(np.arange(-0.5, K), K)
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(level), cmap=cmap, norm=norm, shading="flat")
        binned = np.where(np.isfinite(level), np.floor(level + 0.5), -1.0)
        steps = np.unique(binned[binned >= 0])
        for s in steps[1:]:  # a line where the (rounded) mean rung steps up
            if (binned >= s).any() and (binned < s).any():
                ax.contour(X, Y, (binned >= s).astype(float), levels=[0.5], **boundary_kw)
        several, none = n_pure > 1, n_pure == 0
        if several.any():
            _hatch(ax, X, Y, several, "////", "#1a1a1a")
            handles.append(Patch(facecolor="white", edgecolor="black", hatch="////", linewidth=0.6,
                                 label=f"several pure equilibria, colour = their mean rung ({_pct(several.mean())})"))
        if none.any():
            _hatch(ax, X, Y, none, "xx", "#404040")
            handles.append(Patch(facecolor="#C8C8C8", edgecolor="black", hatch="xx", linewidth=0.6,
                                 label=f"no pure equilibrium ({_pct(none.mean())})"))
        cb = fig.colorbar(mesh, ax=ax, pad=0.02, aspect=30)
        step = 1 if K <= 12 else int(math.ceil(K / 12))
        cb.set_ticks(np.arange(0, K, step))
        cb.set_label(f"Mean rung played in equilibrium (rungs; 0 = restraint, {K - 1} = top)", fontsize=_BASE_FONT)
        cb.ax.tick_params(labelsize=10)
        cb.ax.minorticks_off()
    handles.append(Line2D([], [], color="black", linewidth=1.0, label="boundary where the outcome changes"))

    # ---- the scenario's point
    px, py = (float(v) for v in emap.point)
    if math.isfinite(px) and math.isfinite(py):
        inside = xe[0] <= px <= xe[-1] and ye[0] <= py <= ye[-1]
        if inside:
            ax.plot([px], [py], marker="*", markersize=22, markerfacecolor="white", markeredgecolor="black",
                    markeredgewidth=1.8, linestyle="none", zorder=10, gid="scenario-point", label="this scenario")
            handles.append(Line2D([], [], marker="*", markersize=16, markerfacecolor="white",
                                  markeredgecolor="black", markeredgewidth=1.5, linestyle="none",
                                  label="this scenario"))
        else:
            handles.append(Patch(facecolor="none", edgecolor="none",
                                 label=f"this scenario: outside the plotted range ({_num(px)}, {_num(py)})"))

    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(param_label(emap.x_name), fontsize=_BASE_FONT + 1)
    ax.set_ylabel(param_label(emap.y_name), fontsize=_BASE_FONT + 1)
    ax.tick_params(labelsize=10)

    skip = {emap.x_name, emap.y_name, "K", "name"}
    fixed = {k: v for k, v in emap.params.items() if k not in skip and np.ndim(v) == 0
             and not isinstance(v, (str, bool))}
    sub = ", ".join(f"{_pname(k)} {_num(v)}" for k, v in fixed.items())
    game_name = _GAME_TITLES.get(emap.game, emap.game.replace("_", " ").capitalize())
    if emap.game == "ladder":
        game_name += f", {int(emap.K)} rungs"
    ny, nx = regime.shape
    subtitle = f"{game_name}; {nx} x {ny} grid" + (f"; other parameters fixed at {sub}" if sub else "")
    ax.set_title("\n".join(textwrap.wrap(subtitle, 110)), fontsize=_BASE_FONT - 1, loc="left")
    what = "Game class" if emap.kind == "class" else "Equilibrium rung"
    fig.suptitle(_wrap(title or f"{what} across {_pname(emap.x_name)} and {_pname(emap.y_name)}", 70),
                 fontsize=_BASE_FONT + 3, fontweight="bold")
    if emap.kind == "class":
        fig.legend(handles=handles, loc="outside right center", fontsize=_BASE_FONT - 1, frameon=False,
                   title="Game class (share of grid)", title_fontsize=_BASE_FONT - 1, alignment="left")
    else:
        fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=_BASE_FONT - 1, frameon=False)
    return fig


def _hatch(ax, X, Y, mask: np.ndarray, hatch: str, colour: str) -> None:
    """Hatch the region where ``mask`` is True (no fill), with thin hatch lines in ``colour``."""
    cs = ax.contourf(X, Y, mask.astype(float), levels=[0.5, 1.5], colors="none", hatches=[hatch])
    if hasattr(cs, "set_hatchcolor"):  # matplotlib >= 3.10; older versions use the default colour
        cs.set_hatchcolor(colour)
    if hasattr(cs, "set_hatch_linewidth"):
        cs.set_hatch_linewidth(0.6)


# --------------------------------------------------------------------------- saving
def save(fig: Figure, path, *, dpi: int = 150) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically (temp file in the same directory + ``os.replace``).

    Parent directories are created; returns the path.
    """
    return _atomic_write_bytes(path, lambda fh: fig.savefig(fh, format="png", dpi=dpi, facecolor="white"))
