"""The equilibrium map figure: :func:`equilibrium_map_figure` shows where the equilibrium
(or the game class) changes over a 2-D parameter grid of an
:class:`~sim.sweeps.maps.EquilibriumMap`.  Re-exported from :mod:`sim.viz.stage`.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.viz.style import MIN_FONT, _BASE_FONT, _GAME_TITLES, enforce_min_font, mark_scenario, wrap_label, wrap_title
from sim.wording import fmt_number, fmt_percent, param_phrase, class_label, param_label

__all__ = ["CLASS_COLOURS", "CLASS_HATCHES", "equilibrium_map_figure", "outcome_map_figure"]


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
    emap : sim.sweeps.maps.EquilibriumMap
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
                                 hatch=CLASS_HATCHES.get(nm), label=f"{class_label(nm)} ({fmt_percent(cnt / total)})"))
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
                                 label="several pure equilibria, colour = their mean rung "
                                       f"({fmt_percent(several.mean())})"))
        if none.any():
            _hatch(ax, X, Y, none, "xx", "#404040")
            handles.append(Patch(facecolor="#C8C8C8", edgecolor="black", hatch="xx", linewidth=0.6,
                                 label=f"no pure equilibrium ({fmt_percent(none.mean())})"))
        cb = fig.colorbar(mesh, ax=ax, pad=0.02, aspect=30)
        step = 1 if K <= 12 else int(math.ceil(K / 12))
        cb.set_ticks(np.arange(0, K, step))
        cb.set_label(wrap_label(f"Mean rung played in equilibrium (rungs; 0 = restraint, {K - 1} = top)", 45),
                     fontsize=_BASE_FONT)
        cb.ax.tick_params(labelsize=MIN_FONT)
        cb.ax.minorticks_off()
    handles.append(Line2D([], [], color="black", linewidth=1.0, label="boundary where the outcome changes"))

    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(wrap_label(param_label(emap.x_name), 60), fontsize=_BASE_FONT + 1)
    ax.set_ylabel(wrap_label(param_label(emap.y_name), 45), fontsize=_BASE_FONT + 1)
    ax.tick_params(labelsize=MIN_FONT)

    # ---- the scenario's point: always inside the axes (at the edge, with its values, when off the map)
    px, py = (float(v) for v in emap.point)
    if math.isfinite(px) and math.isfinite(py):
        handles.append(mark_scenario(ax, (px, py), size=22)[1])

    skip = {emap.x_name, emap.y_name, "K", "name"}
    fixed = {k: v for k, v in emap.params.items() if k not in skip and np.ndim(v) == 0
             and not isinstance(v, (str, bool))}
    sub = ", ".join(f"{param_phrase(k)} {fmt_number(v)}" for k, v in fixed.items())
    game_name = _GAME_TITLES.get(emap.game, emap.game.replace("_", " ").capitalize())
    if emap.game == "ladder":
        game_name += f", {int(emap.K)} rungs"
    ny, nx = regime.shape
    subtitle = f"{game_name}; {nx} x {ny} grid" + (f"; other parameters fixed at {sub}" if sub else "")
    ax.set_title(wrap_label(subtitle, 80), fontsize=_BASE_FONT - 1, loc="left")
    what = "Game class" if emap.kind == "class" else "Equilibrium rung"
    fig.suptitle(wrap_title(title or f"{what} across {param_phrase(emap.x_name)} and {param_phrase(emap.y_name)}",
                            fig.get_figwidth(), _BASE_FONT + 3), fontsize=_BASE_FONT + 3, fontweight="bold")
    labels = [wrap_label(h.get_label(), 30 if emap.kind == "class" else 55) for h in handles]
    if emap.kind == "class":
        fig.legend(handles=handles, labels=labels, loc="outside right center", fontsize=_BASE_FONT - 1,
                   frameon=False, title="Game class (share of grid)", title_fontsize=_BASE_FONT - 1, alignment="left")
    else:
        fig.legend(handles=handles, labels=labels, loc="outside lower center", ncol=2, fontsize=_BASE_FONT - 1,
                   frameon=False)
    return enforce_min_font(fig)


def _hatch(ax, X, Y, mask: np.ndarray, hatch: str, colour: str) -> None:
    """Hatch the region where ``mask`` is True (no fill), with thin hatch lines in ``colour``."""
    cs = ax.contourf(X, Y, mask.astype(float), levels=[0.5, 1.5], colors="none", hatches=[hatch])
    if hasattr(cs, "set_hatchcolor"):  # matplotlib >= 3.10; older versions use the default colour
        cs.set_hatchcolor(colour)
    if hasattr(cs, "set_hatch_linewidth"):
        cs.set_hatch_linewidth(0.6)


def outcome_map_figure(table, x: str, y: str, outcome: str, *, point: tuple[float, float] | None = None,
                       levels=(0.1, 0.5, 0.9), title: str | None = None, label: str | None = None):
    """A 2-D region map of one outcome column of a :func:`sim.sweeps.grid.grid_sweep` table.

    Cells coloured by ``outcome`` (``viridis``; [0, 1] for probabilities), contour lines
    at ``levels`` (probability outcomes, labelled in percent; a few round levels inside the
    data range when none of them is crossed, and for other outcomes), the scenario's ``point`` as
    a star (gid ``"scenario-point"``; at the edge with its values when outside the grid).  The
    colour bar is labelled in words (:func:`sim.viz.sweep.outcome_label`, e.g. "P(war by round
    T)", unless ``label`` is given).  Axes carry the parameter values (log scale when the grid
    is geometric).  Returns a matplotlib ``Figure``; computes nothing.
    """

    piv = table.pivot_table(index=y, columns=x, values=outcome, aggfunc="first").sort_index().sort_index(axis=1)
    xv, yv, Z = piv.columns.to_numpy(float), piv.index.to_numpy(float), piv.to_numpy(float)
    logx, logy = _is_log(xv), _is_log(yv)
    fig = Figure(figsize=(7.5, 5.8), layout="constrained")
    ax = fig.add_subplot()
    from sim.viz.sweep import outcome_label

    prob = outcome.startswith("p_")
    norm = dict(vmin=0.0, vmax=1.0) if prob else {}
    mesh = ax.pcolormesh(_edges(xv, logx) if xv.size > 1 else [xv[0] - .5, xv[0] + .5],
                         _edges(yv, logy) if yv.size > 1 else [yv[0] - .5, yv[0] + .5], Z, cmap="viridis",
                         shading="flat", **norm)
    cb = fig.colorbar(mesh, ax=ax)
    cb.set_label(wrap_label(label or outcome_label(outcome), 40), fontsize=_BASE_FONT)
    if prob:
        cb.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    lo, hi = (float(np.nanmin(Z)), float(np.nanmax(Z))) if np.isfinite(Z).any() else (0.0, 0.0)
    if xv.size > 1 and yv.size > 1 and hi > lo:
        lv = [v for v in (levels if prob else ()) if lo < v < hi]
        if not lv:  # none of the requested levels is crossed: a few round levels inside the range
            lv = [v for v in MaxNLocator(5).tick_values(lo, hi) if lo < v < hi]
        if lv:
            cs = ax.contour(xv, yv, Z, levels=lv, colors="white", linewidths=1.2)
            ax.clabel(cs, fmt=(lambda v: f"{v:.0%}") if prob else (lambda v: f"{v:g}"), fontsize=MIN_FONT)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(wrap_label(param_label(x), 50), fontsize=_BASE_FONT)
    ax.set_ylabel(wrap_label(param_label(y), 40), fontsize=_BASE_FONT)
    ax.tick_params(labelsize=MIN_FONT)
    if point is not None and all(np.isfinite(point)):
        inside, handle = mark_scenario(ax, point, size=18)
        fig.legend(handles=[handle], loc="outside lower center", frameon=False, fontsize=_BASE_FONT - 1)
    fig.suptitle(wrap_title(title or f"{outcome_label(outcome)} over {param_phrase(x)} and {param_phrase(y)}",
                            fig.get_figwidth(), _BASE_FONT + 2), fontsize=_BASE_FONT + 2, fontweight="bold")
    return enforce_min_font(fig)
