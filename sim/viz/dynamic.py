"""Figures of the strategic dynamics (issue 10): the equilibrium policy as a state -> rung heatmap,
equilibrium trajectories beside the stated rules', the credibility map, the reported sequence
beside the model's.  Every function takes computed values and returns a Figure.

Artists carry a ``gid`` where tests look for them: ``"policy-A"``/``"policy-B"`` (heatmaps),
``"mean-mpe-A"``, ``"mean-stated-A"``, ``"pwar-mpe"``, ``"pwar-stated"`` (trajectories),
``"gain-A"``/``"gain-B"`` and ``"scenario-point"`` (map), ``"reported-A"``, ``"model-mean-A"``
(comparison; ``B`` likewise).
"""

from __future__ import annotations

import textwrap

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from sim.viz.style import (MIN_FONT, SIDE_COLOURS, _BASE_FONT, enforce_min_font, mark_scenario, wrap_label,
                           wrap_title)
from sim.wording import param_label

__all__ = ["policy_heatmap", "equilibrium_trajectory", "credibility_map", "reported_vs_model"]

_SIDE_COLOURS = SIDE_COLOURS


def _title(fig, title: str | None) -> None:
    """The figure title, wrapped to the figure's width."""
    if title:
        fig.suptitle(wrap_title(title, fig.get_figwidth(), _BASE_FONT + 2), fontsize=_BASE_FONT + 2)


def _axes(ax, xlabel: str, ylabel: str, *, percent: bool = False) -> None:
    """Labels, a light grid, no top or right frame (a percent y axis when ``percent``)."""
    if percent:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(100.0, decimals=1))
    ax.set_xlabel(wrap_label(xlabel, 50), fontsize=_BASE_FONT + 1)
    ax.set_ylabel(wrap_label(ylabel, 40), fontsize=_BASE_FONT + 1)
    ax.grid(color="#e0e0e0", linewidth=0.6)
    ax.tick_params(labelsize=MIN_FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def policy_heatmap(rungs: Sequence[np.ndarray], *, sides: Sequence[str], labels: Sequence[str] = (),
                   title: str | None = None) -> Figure:
    """One panel per side: ``rungs[p][other, own]`` the most likely rung side p plays when it is
    to move with the other side standing at ``other`` (rows) and itself at ``own`` (columns);
    NaN cells (states where it does not move) are left blank; each cell shows its rung."""
    K = np.asarray(rungs[0]).shape[0]
    fig = Figure(figsize=(12.5, 6.4), layout="constrained")
    axes = fig.subplots(1, 2)
    im = None
    for p, ax in enumerate(axes):
        R = np.asarray(rungs[p], float)
        im = ax.imshow(np.ma.masked_invalid(R), origin="lower", cmap="viridis", vmin=0, vmax=K - 1,
                       aspect="equal", gid=f"policy-{'AB'[p]}")
        if K <= 15:
            for i in range(K):
                for j in range(K):
                    if np.isfinite(R[i, j]):
                        ax.text(j, i, f"{int(R[i, j])}", ha="center", va="center",
                                fontsize=MIN_FONT if K <= 11 else MIN_FONT - 2,
                                color="white" if R[i, j] < (K - 1) * 0.6 else "black")
        other = sides[1 - p]
        ax.set_title(wrap_label(f"{sides[p]} to move", 40), fontsize=_BASE_FONT + 1)
        ax.set_xlabel(wrap_label(f"{sides[p]}'s standing rung (own)", 40), fontsize=_BASE_FONT)
        ax.set_ylabel(wrap_label(f"{other}'s standing rung", 36), fontsize=_BASE_FONT)
        ax.tick_params(labelsize=MIN_FONT)
        ax.set_xticks(range(K))
        ax.set_yticks(range(K))
    cb = fig.colorbar(im, ax=list(axes), shrink=0.8)
    cb.set_label("rung played (most likely)", fontsize=_BASE_FONT)
    if labels:
        # a figure-level x label: constrained layout keeps room for it below the axes' labels
        fig.supxlabel(textwrap.fill("Rungs: " + "; ".join(f"{i} {lab}" for i, lab in enumerate(labels)), 150),
                      fontsize=MIN_FONT, ha="left", x=0.01)
    _title(fig, title)
    return enforce_min_font(fig)


def equilibrium_trajectory(mean_mpe: np.ndarray, pwar_mpe: np.ndarray, mean_stated: np.ndarray,
                           pwar_stated: np.ndarray, *, sides: Sequence[str], title: str | None = None) -> Figure:
    """Left: mean rung per round (while the crisis goes on) of each side, equilibrium (solid) and
    stated rules (dashed); right: P(war by round t) of both.  ``mean_*`` are ``(T, 2)``."""
    fig = Figure(figsize=(12.5, 5.4), layout="constrained")
    ax, bx = fig.subplots(1, 2)
    for name, mean, style in (("mpe", mean_mpe, "-"), ("stated", mean_stated, "--")):
        mean = np.asarray(mean, float)
        t = np.arange(1, mean.shape[0] + 1)
        for p in (0, 1):
            what = "equilibrium" if name == "mpe" else "stated rules"
            ax.plot(t, mean[:, p], style, color=_SIDE_COLOURS[p], lw=2, marker="o" if name == "mpe" else None,
                    ms=3, label=f"{sides[p]}, {what}", gid=f"mean-{name}-{'AB'[p]}")
    _axes(ax, "round (one move under alternating timing)", "mean rung while the crisis goes on")
    ax.legend(fontsize=MIN_FONT, labels=[wrap_label(t.get_label(), 30) for t in ax.get_lines()])
    for name, pw, style in (("mpe", pwar_mpe, "-"), ("stated", pwar_stated, "--")):
        pw = 100 * np.asarray(pw, float)
        bx.plot(np.arange(1, pw.size + 1), pw, style, color="#000000", lw=2, gid=f"pwar-{name}",
                label="equilibrium" if name == "mpe" else "stated rules")
    _axes(bx, "round", "P(war by round t)", percent=True)
    top = 100 * max(float(np.nanmax(np.asarray(pwar_mpe, float))), float(np.nanmax(np.asarray(pwar_stated, float))))
    bx.set_ylim(0, max(1.0, 1.1 * top))
    bx.legend(fontsize=MIN_FONT)
    _title(fig, title)
    return enforce_min_font(fig)


def credibility_map(xs: np.ndarray, ys: np.ndarray, gain: np.ndarray, *, point: tuple[float, float], x: str, y: str,
                    sides: Sequence[str], title: str | None = None) -> Figure:
    """One panel per side: its gain from deviating from its stated rule (``gain (2, len(ys), len(xs))``)
    over the two parameters; 0 (green contour) means the stated rule is a best response.  The
    scenario's point is marked by a star inside the axes (:func:`sim.viz.style.mark_scenario`: at
    the edge, with its values, when it lies outside the map)."""
    gain = np.asarray(gain, float)
    fig = Figure(figsize=(12.5, 5.6), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    vmax = max(float(gain.max()), 1e-9)
    for p, ax in enumerate(axes):
        mesh = ax.pcolormesh(xs, ys, gain[p], shading="nearest", cmap="magma_r", vmin=0, vmax=vmax,
                             gid=f"gain-{'AB'[p]}")
        if gain[p].min() <= 1e-6 < gain[p].max() and len(xs) > 1 and len(ys) > 1:
            ax.contour(xs, ys, gain[p], levels=[1e-6], colors="#009E73", linewidths=1.5)
        ax.set_title(wrap_label(f"{sides[p]}: gain from deviating (illustrative payoffs)", 50), fontsize=_BASE_FONT)
        _axes(ax, param_label(x), param_label(y) if p == 0 else "")
        ax.grid(False)
        _, handle = mark_scenario(ax, point, size=16)
    fig.legend(handles=[handle], loc="outside lower center", fontsize=_BASE_FONT - 1, frameon=False)
    cb = fig.colorbar(mesh, ax=list(axes), shrink=0.85)
    cb.set_label(wrap_label("gain from the best deviation (0 = the stated rule is a best response)", 40),
                 fontsize=_BASE_FONT)
    _title(fig, title)
    return enforce_min_font(fig)


def reported_vs_model(dates: Sequence[str], reported: np.ndarray, model_mean: np.ndarray, model_likely: np.ndarray,
                      mpe_mean: np.ndarray | None = None, *, sides: Sequence[str], alternating: bool = True,
                      title: str | None = None) -> Figure:
    """Left: each side's reported rung by phase (``reported (P, 2)``, NaN = not reported); right:
    the model's mean rung per move (``(T, 2)``), its most likely rung (markers) and, if given,
    the equilibrium's mean rung (dotted)."""
    reported = np.asarray(reported, float)
    fig = Figure(figsize=(13.0, 5.8), layout="constrained")
    ax, bx = fig.subplots(1, 2, sharey=True)
    idx = np.arange(len(dates))
    for p in (0, 1):
        off = -0.06 if p == 0 else 0.06
        ax.step(idx, reported[:, p] + off, where="mid", color=_SIDE_COLOURS[p], lw=2, marker="o",
                label=sides[p], gid=f"reported-{'AB'[p]}")
    ax.set_xticks(idx)
    ax.set_xticklabels([d.replace("2025-", "") for d in dates], rotation=45, ha="right", fontsize=MIN_FONT)
    _axes(ax, "phase (date as reported)", "rung")
    ax.set_title("As each side reported its actions\n(claims where contested)", fontsize=_BASE_FONT)
    ax.legend(fontsize=MIN_FONT)
    mean = np.asarray(model_mean, float)
    t = np.arange(1, mean.shape[0] + 1)
    likely = np.asarray(model_likely)
    for p in (0, 1):
        bx.plot(t, mean[:, p], "-", color=_SIDE_COLOURS[p], lw=2, label=f"{sides[p]}, mean (stated rules)",
                gid=f"model-mean-{'AB'[p]}")
        bx.plot(t, likely[:, p] + (-0.08 if p == 0 else 0.08), "s", color=_SIDE_COLOURS[p], ms=4, alpha=0.7,
                label=f"{sides[p]}, most likely", gid=f"model-likely-{'AB'[p]}")
        if mpe_mean is not None:
            bx.plot(t, np.asarray(mpe_mean, float)[:, p], ":", color=_SIDE_COLOURS[p], lw=2,
                    label=f"{sides[p]}, equilibrium mean", gid=f"model-mpe-{'AB'[p]}")
    _axes(bx, "move (" + ("one side moves per round" if alternating else "both move each round") + ")",
          "rung while the crisis goes on")
    bx.set_title("The model (illustrative payoffs)", fontsize=_BASE_FONT)
    handles = bx.get_lines()
    fig.legend(handles=handles, labels=[wrap_label(h.get_label(), 34) for h in handles], loc="outside lower center",
               ncol=3 if mpe_mean is not None else 2, fontsize=MIN_FONT, frameon=False)
    _title(fig, title)
    return enforce_min_font(fig)
