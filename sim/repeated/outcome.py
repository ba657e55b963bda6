"""The outcome fields every repeated-crisis result shares (exact and Monte Carlo).

:class:`CrisisOutcome` is the common part of :class:`sim.repeated.MarkovResult` (exact) and
:class:`sim.repeated.SimulationResult` (Monte Carlo), so reports, figures and sweeps read the
same fields from either; each subclass documents its shapes (``(..., T, ...)`` for a
horizon T, without the T axis for the long run).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CrisisOutcome"]


@dataclass(frozen=True, eq=False)
class CrisisOutcome:
    """How a repeated crisis unfolds (``...`` = the game's batch shape, T = rounds).

    rung_distribution : (..., T, 2, K)
        P(round t is played and the side (0 = A, 1 = B) executes rung k).
    p_active : (..., T)
        P(round t is played).
    p_war, p_settled, p_mediated : (..., T)
        P(the crisis ended that way by the end of round t), in the ``Ending`` order.
    payoffs : (..., 2)
        Expected total discounted payoffs of (A, B) (the long run: per round).
    """

    rung_distribution: np.ndarray
    p_active: np.ndarray
    p_war: np.ndarray
    p_settled: np.ndarray
    p_mediated: np.ndarray
    payoffs: np.ndarray
