"""Figures of the analytic crisis models of a run's ``models:`` block.

* :func:`brinkmanship_figure` - the Schelling/Powell window of risk (``sim.crisis``):
  which risks of war are *effective* (make the Defender concede) and *acceptable* (worth
  running for the Challenger), and how the window moves with the Challenger's stake.
* :func:`richardson_time_figure` - the Richardson arms levels of both sides over time
  (``sim.crisis.dynamics``), with the equilibrium levels as dashed lines when it is stable.

Figures are :class:`matplotlib.figure.Figure` objects (no pyplot state); save them with
:func:`sim.viz.style.save`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from sim.viz.style import MIN_FONT, SIDE_COLOURS, _BASE_FONT, _CATEGORY, enforce_min_font, wrap_label, wrap_title

__all__ = ["brinkmanship_figure", "richardson_time_figure", "richardson_phase_figure"]


def brinkmanship_figure(window, stakes, curve, *, value: float, challenger: str, defender: str,
                        risk: float | None = None, title: str | None = None) -> Figure:
    """Two panels: the window on the risk axis [0, 1], and the window against the stake.

    ``window`` is the :func:`sim.crisis.brinkmanship_window` of the scenario (stake
    ``value``); ``curve`` the same over the stakes ``stakes`` (1-D); ``risk`` (optional) the
    scenario's reading of the risk run, drawn as a marker.  Left: the effective risks
    ``[r_min, 1]`` (blue), the acceptable risks ``[0, r_max]`` (orange) and their overlap, the
    window (green).  Right: ``r_min`` and ``r_max`` against the Challenger's stake; the
    window is open where the orange curve lies above the blue line.  Computes nothing.
    """
    v = value
    r_min, r_max = float(window.r_min), float(window.r_max)
    blue, orange, green = _CATEGORY[0], _CATEGORY[1], _CATEGORY[2]

    fig = Figure(figsize=(12.0, 4.6), layout="constrained")
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    ax.barh(2, 1 - r_min, left=r_min, height=0.6, color=blue, alpha=0.8)
    ax.barh(1, r_max, left=0, height=0.6, color=orange, alpha=0.8)
    if r_min <= r_max:
        ax.barh(0, max(r_max - r_min, 0.004), left=r_min, height=0.6, color=green)
        ax.text(min((r_min + r_max) / 2, 0.9), -0.55, f"window {r_min:.2f} to {r_max:.2f}", ha="center", va="top")
    else:
        ax.text(0.5, 0, "no risk is both effective and acceptable", ha="center", va="center")
    ax.set_yticks([2, 1, 0], [wrap_label(f"effective: {defender} would concede (r >= {r_min:.2f})", 26),
                              wrap_label(f"acceptable: {challenger} would run it (r <= {r_max:.2f})", 26),
                              "both (the window)"])
    if risk is not None:
        ax.axvline(risk, color="black", ls="--", lw=1.5, label=f"scenario's reading of the risk run: {risk:.2f}")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), frameon=False, fontsize=MIN_FONT)
    ax.set_xlim(0, 1)
    ax.set_ylim(-1.0, 2.6)
    ax.set_xlabel("risk of war generated (probability)")
    ax.set_title("Which risks of war work?")

    ax2.plot(stakes, curve.r_max, color=orange, lw=2, label=f"largest risk {challenger} accepts (r_max)")
    ax2.plot(stakes, curve.r_min, color=blue, lw=2, label=f"smallest risk that moves {defender} (r_min)")
    ax2.fill_between(stakes, curve.r_min, curve.r_max, where=curve.exists, color=green, alpha=0.3,
                     label="window open")
    ax2.axvline(v, color="0.4", ls=":", lw=1.2, label=f"this scenario's stake ({v:g})")
    ax2.set_xlabel(f"{challenger}'s gain if {defender} concedes (utility)")
    ax2.set_ylabel("risk of war (probability)")
    ax2.set_ylim(0, 1)
    ax2.set_title("The window against the stake")
    handles, labels = ax2.get_legend_handles_labels()
    ax2.legend(handles, [wrap_label(lb, 34) for lb in labels], fontsize=MIN_FONT, loc="upper left",
               bbox_to_anchor=(1.02, 1.0), frameon=False)
    ax2.set_xlabel(wrap_label(ax2.get_xlabel(), 40))
    fig.suptitle(wrap_title(title or f"Brinkmanship: {challenger} challenges, {defender} defends",
                            fig.get_figwidth(), _BASE_FONT + 2), fontsize=_BASE_FONT + 2)
    return enforce_min_font(fig)


def richardson_time_figure(traj, equilibrium: tuple[float, float] | None, *, sides: Sequence[str],
                           units: str, title: str | None = None) -> Figure:
    """Arms levels ``x(t)`` and ``y(t)`` of both sides from a :class:`RichardsonTrajectory`
    of one start; dashed lines at the equilibrium levels if ``equilibrium`` is given."""
    fig = Figure(figsize=(9.0, 5.0), layout="constrained")
    ax = fig.subplots()
    for i, (series, side) in enumerate(((traj.x, sides[0]), (traj.y, sides[1]))):
        color = SIDE_COLOURS[i]
        ax.plot(traj.t, np.ravel(series), color=color, lw=2, label=side)
        if equilibrium is not None:
            ax.axhline(equilibrium[i], color=color, ls="--", lw=1, label=f"{side}'s equilibrium level")
    ax.set_xlabel("time (model time units)")
    ax.set_ylabel(wrap_label(units, 40))
    ax.set_title(wrap_title(title or "Arms levels over time (Richardson model)", fig.get_figwidth(), _BASE_FONT + 1))
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, [wrap_label(lb, 40) for lb in labels], fontsize=MIN_FONT, loc="outside lower center",
               ncol=2, frameon=False)
    return enforce_min_font(fig)


def richardson_phase_figure(phase, *, title: str | None = None, sides=("A", "B"), units: str = "arms") -> Figure:
    """Phase portrait of a Richardson arms race from :func:`sim.crisis.richardson_phase`.

    Shows the direction field, both nullclines (``dx/dt = 0``: ``k y = a x - g``;
    ``dy/dt = 0``: ``b y = l x + h``), the equilibrium (filled if stable, hollow if not)
    and the trajectories.  ``sides`` and ``units`` only name the axes
    ("x: <units> of <side A>").  Computes nothing.
    """
    k, l, a, b, g, h = phase.coefficients  # noqa: E741
    (x_lo, x_hi), (y_lo, y_hi) = phase.xlim, phase.ylim
    fig = Figure(figsize=(8.0, 7.0), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    ax.quiver(phase.grid_x, phase.grid_y, phase.dir_x, phase.dir_y, color="0.75", angles="xy", width=0.003)
    line = np.linspace(x_lo, x_hi, 200)
    if k > 0:
        ax.plot(line, (a * line - g) / k, color=SIDE_COLOURS[0], label=f"dx/dt = 0 ({sides[0]}'s nullcline)")
    elif a > 0:
        ax.axvline(g / a, color=SIDE_COLOURS[0], label=f"dx/dt = 0 ({sides[0]}'s nullcline)")
    if b > 0:
        ax.plot(line, (l * line + h) / b, color=SIDE_COLOURS[1], label=f"dy/dt = 0 ({sides[1]}'s nullcline)")
    elif l > 0:
        ax.axvline(-h / l, color=SIDE_COLOURS[1], label=f"dy/dt = 0 ({sides[1]}'s nullcline)")
    traj, starts = phase.trajectory, phase.starts
    for i in range(starts.shape[0]):
        ax.plot(traj.x[i], traj.y[i], color="0.2", lw=0.9, label="trajectories" if i == 0 else None)
        ax.plot(starts[i, 0], starts[i, 1], "o", color="0.2", ms=3)
    if phase.equilibrium is not None:
        ax.plot(*phase.equilibrium, "o", ms=9, color="black", mfc="black" if phase.stable else "white",
                label=f"equilibrium ({'stable' if phase.stable else 'unstable'})", zorder=5)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_xlabel(wrap_label(f"x: {units} of {sides[0]}", 60))
    ax.set_ylabel(wrap_label(f"y: {units} of {sides[1]}", 45))
    verdict = "stable: ab > kl" if phase.stable else "unstable: ab <= kl"
    ax.set_title(wrap_title(title or f"Richardson arms race ({verdict})", fig.get_figwidth(), _BASE_FONT + 1))
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, [wrap_label(lb, 40) for lb in labels], fontsize=MIN_FONT, loc="outside lower center",
               ncol=2, frameon=False)
    return enforce_min_font(fig)
