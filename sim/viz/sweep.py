"""Sweep-level figures from a tidy table (a :func:`sim.sweeps.grid.grid_sweep` table or a multirun's
``results.csv``): :func:`sensitivity_curves` (1-D curves with 95% confidence bands) and
:func:`small_multiples` (one region map per variant, on a shared colour scale).

Both take a :class:`pandas.DataFrame`, compute nothing and return a matplotlib ``Figure``
(no pyplot state); write them with :func:`sim.viz.style.save`.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.viz.style import MIN_FONT, _BASE_FONT, _LINESTYLES, SERIES_COLOURS, Z95, enforce_min_font, wrap_label, wrap_title
from sim.viz.map import _edges, _is_log
from sim.wording import fmt_number, param_phrase, param_label

__all__ = ["sensitivity_curves", "small_multiples", "outcome_label"]

_OUTCOME_LABELS = {
    "p_war_by_T": "P(war by round T)",
    "p_settled_by_T": "P(settled by round T)",
    "p_mediated_by_T": "P(mediated by round T)",
    "payoff_a": "Expected payoff, side A",
    "payoff_b": "Expected payoff, side B",
    "expected_rounds": "Expected rounds",
    "n_pure": "Pure equilibria",
    "eq_level": "Mean equilibrium rung",
    "p_top": "P(top rung in equilibrium)",
    "deviation_gain_a": "Gain from deviating, side A",
    "deviation_gain_b": "Gain from deviating, side B",
    "mpe_p_war_by_T": "P(war by round T) in the MPE",
    "mpe_mean_rung": "Mean rung in the MPE",
    "mpe_mean_rung_a": "Mean rung in the MPE, side A",
    "mpe_mean_rung_b": "Mean rung in the MPE, side B",
    "mpe_value_a": "MPE value, side A",
    "mpe_value_b": "MPE value, side B",
    # outcomes of a multirun's results.csv (experiments/callbacks.py)
    "p_war": "P(war)",
    "p_settled": "P(settled)",
    "p_mediated": "P(mediated)",
    "p_still_in_crisis": "P(still in crisis)",
    "mean_rung_a": "Mean rung, side A",
    "mean_rung_b": "Mean rung, side B",
    "n_equilibria": "Equilibria",
    "n_pure_equilibria": "Pure equilibria",
}


def outcome_label(name: str) -> str:
    """Readable label of an outcome column (``p_war_by_T_mean`` -> ``P(war by round T), mean``)."""
    name = str(name)
    if name in _OUTCOME_LABELS:
        return _OUTCOME_LABELS[name]
    for suffix in ("_mean", "_min", "_max"):
        if name.endswith(suffix) and name[: -len(suffix)] in _OUTCOME_LABELS:
            return f"{_OUTCOME_LABELS[name[: -len(suffix)]]}, {suffix[1:]}"
    return name.replace("_", " ").replace(".", ": ")


def _is_prob(name: str) -> bool:
    base = str(name).rsplit(".", 1)[-1]
    return base.startswith("p_")


def _value_label(v: Any) -> str:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return fmt_number(v)
    return str(v)


def _by_values(table, by: str | None) -> list:
    if by is None:
        return [None]
    vals = list(dict.fromkeys(table[by].tolist()))
    try:
        return sorted(vals)
    except TypeError:
        return vals


def sensitivity_curves(table, x: str, outcomes: Sequence[str] | str, *, by: str | None = None,
                       title: str | None = None) -> Figure:
    """1-D sensitivity curves: each outcome against parameter ``x``, one panel per outcome.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per point (per ``(by, x)`` pair when ``by`` is given; a duplicate is an error:
        slice the table first).
    x : str
        The swept parameter (numeric column); panels share the x axis (log scale when the
        values are geometric).
    outcomes : sequence of str
        Numeric outcome columns.  Where a column ``<outcome>_sem`` exists (Monte Carlo), a
        95% confidence band ``mean +- 1.96 sem`` is shaded around the curve (gid
        ``"band:<outcome>"``); exact results get none.
    by : str, optional
        A column whose values each get their own line (Okabe-Ito colours plus line styles,
        so lines stay apart in grey-scale too), e.g. a second swept parameter or a
        strategy pair.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Line gids are ``"<outcome>"`` or ``"<outcome>|<by value>"``.
    """
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    if not outcomes:
        raise ValueError("sensitivity_curves needs at least one outcome column")
    for col in [x, *outcomes] + ([by] if by else []):
        if col not in table.columns:
            raise ValueError(f"column {col!r} is not in the table; columns: {', '.join(map(str, table.columns))}")
    keys = [x] + ([by] if by else [])
    if table.duplicated(subset=keys).any():
        raise ValueError(f"several rows per {' and '.join(keys)} value: slice the table to one row each")

    n = len(outcomes)
    ncols = 1 if n <= 3 else 2
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(6.4 * ncols + (2.6 if by else 0), 2.6 * nrows + 1.4), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    xs_all = np.unique(table[x].to_numpy(float))
    logx = _is_log(xs_all)
    groups = _by_values(table, by)
    handles: list = []
    any_band = False
    for k, (ax, o) in enumerate(zip(axes, outcomes)):
        sem_col = f"{o}_sem" if f"{o}_sem" in table.columns else None
        for j, g in enumerate(groups):
            sub = table if by is None else table[table[by] == g]
            sub = sub.sort_values(x)
            xv = sub[x].to_numpy(float)
            yv = sub[o].to_numpy(float)
            colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
            style = _LINESTYLES[j % len(_LINESTYLES)] if by else "-"
            label = None if by is None else _value_label(g)
            (line,) = ax.plot(xv, yv, color=colour, linestyle=style, linewidth=1.8,
                              marker="o" if xv.size <= 12 else None, markersize=3.5,
                              gid=o if by is None else f"{o}|{label}", label=label)
            if k == 0 and by is not None:
                handles.append(line)
            if sem_col is not None:
                s = sub[sem_col].to_numpy(float)
                band = ax.fill_between(xv, yv - Z95 * s, yv + Z95 * s, color=colour, alpha=0.2, linewidth=0)
                band.set_gid(f"band:{o}" if by is None else f"band:{o}|{label}")
                any_band = True
        ax.set_ylabel(wrap_label(outcome_label(o), 24), fontsize=_BASE_FONT - 1)
        if _is_prob(o):
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        ax.grid(True, color="#DDDDDD", linewidth=0.6)
        ax.tick_params(labelsize=MIN_FONT)
        if logx:
            ax.set_xscale("log")
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[max(0, n - ncols):n]:
        ax.set_xlabel(param_label(x), fontsize=_BASE_FONT)
        ax.tick_params(labelbottom=True)
    if by is not None:
        fig.legend(handles=handles, labels=[wrap_label(h.get_label(), 26) for h in handles],
                   loc="outside right center", title=wrap_label(param_label(by), 24),
                   fontsize=_BASE_FONT - 1, title_fontsize=_BASE_FONT - 1, frameon=False)
    note = "shaded: 95% confidence band (Monte Carlo)" if any_band else None
    fig.suptitle(wrap_title(title or f"Sensitivity to {param_phrase(x)}", fig.get_figwidth(), _BASE_FONT + 2)
                 + (f"\n{note}" if note else ""), fontsize=_BASE_FONT + 2, fontweight="bold")
    return enforce_min_font(fig)


def small_multiples(table, x: str, y: str, outcome: str, *, by: str, title: str | None = None) -> Figure:
    """One region map of ``outcome`` over ``x`` x ``y`` per value of ``by``, side by side.

    All panels share one colour scale (``viridis``; [0, 1] for probabilities, else the
    outcome's range over the whole table) and one colour bar, and the same axes, so the
    variants (scenario variants, strategy pairs...) compare at a glance.  Probability
    outcomes get contour lines at 10%, 50% and 90% where crossed.  Panel titles name the
    ``by`` value.  Returns a matplotlib ``Figure``.
    """
    for col in (x, y, outcome, by):
        if col not in table.columns:
            raise ValueError(f"column {col!r} is not in the table; columns: {', '.join(map(str, table.columns))}")
    groups = _by_values(table, by)
    vals = table[outcome].to_numpy(float)
    prob = _is_prob(outcome)
    if prob:
        vmin, vmax = 0.0, 1.0
    elif np.isfinite(vals).any():
        vmin, vmax = float(np.nanmin(vals)), float(np.nanmax(vals))
        if vmin == vmax:
            vmin, vmax = vmin - 0.5, vmax + 0.5
    else:
        vmin, vmax = 0.0, 1.0
    n = len(groups)
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.4 * ncols + 1.6, 3.8 * nrows + 1.2), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    flat = axes.ravel()
    mesh = None
    for ax, g in zip(flat, groups):
        sub = table[table[by] == g]
        piv = sub.pivot_table(index=y, columns=x, values=outcome, aggfunc="first").sort_index().sort_index(axis=1)
        xv, yv, Z = piv.columns.to_numpy(float), piv.index.to_numpy(float), piv.to_numpy(float)
        logx, logy = _is_log(xv), _is_log(yv)
        xe = _edges(xv, logx) if xv.size > 1 else np.array([xv[0] - .5, xv[0] + .5])
        ye = _edges(yv, logy) if yv.size > 1 else np.array([yv[0] - .5, yv[0] + .5])
        mesh = ax.pcolormesh(xe, ye, Z, cmap="viridis", vmin=vmin, vmax=vmax, shading="flat")
        mesh.set_gid(f"panel:{_value_label(g)}")
        if prob and xv.size > 1 and yv.size > 1 and np.isfinite(Z).any():
            lo, hi = float(np.nanmin(Z)), float(np.nanmax(Z))
            lv = [v for v in (0.1, 0.5, 0.9) if lo < v < hi]
            if lv:
                cs = ax.contour(xv, yv, Z, levels=lv, colors="white", linewidths=1.0)
                ax.clabel(cs, fmt=lambda v: f"{v:.0%}", fontsize=MIN_FONT)
        if logx:
            ax.set_xscale("log")
        if logy:
            ax.set_yscale("log")
        ax.set_title(wrap_label(f"{param_phrase(by)} = {_value_label(g)}" if by not in ("pair", "variant", "scenario")
                                else _value_label(g), 32), fontsize=_BASE_FONT - 1)
        ax.tick_params(labelsize=MIN_FONT)
    for ax in flat[n:]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(param_label(x), fontsize=_BASE_FONT - 1)
    for ax in axes[:, 0]:
        ax.set_ylabel(param_label(y), fontsize=_BASE_FONT - 1)
    cb = fig.colorbar(mesh, ax=flat[:n].tolist(), pad=0.02, aspect=30)
    cb.set_label(wrap_label(outcome_label(outcome), 40), fontsize=_BASE_FONT - 1)
    if prob:
        cb.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    fig.suptitle(wrap_title(title or f"{outcome_label(outcome)} by {param_phrase(by)}: shared colour scale",
                            fig.get_figwidth(), _BASE_FONT + 2), fontsize=_BASE_FONT + 2, fontweight="bold")
    return enforce_min_font(fig)
