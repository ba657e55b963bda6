"""Shared plotting style: font size, text strokes, number and label formatting, the
categorical palette and line styles, game titles, :data:`Z95` (error bands) and :func:`save`
(atomic PNG writes).

Used by every figure module of :mod:`sim.viz`; nothing here imports pyplot.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib import patheffects as pe
from matplotlib.figure import Figure

from sim.files import atomic_write_bytes

__all__ = ["save", "Z95"]

#: Two-sided 95% normal quantile: bands and error bars are ``mean +- Z95 * sem``.
Z95 = 1.959963984540054


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


_CATEGORY = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
_LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), (0, (3, 1, 1, 1)))


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


# --------------------------------------------------------------------------- saving
def save(fig: Figure, path, *, dpi: int = 150) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically (temp file in the same directory + ``os.replace``).

    Parent directories are created; returns the path.
    """
    return atomic_write_bytes(path, lambda fh: fig.savefig(fh, format="png", dpi=dpi, facecolor="white"))
