"""Equilibria of stage games: nashpy wrappers and cross-checks, exact enumeration, batched 2x2 and pure
solvers, refinements, logit QRE."""

from __future__ import annotations

from .nash import (Equilibrium, Equilibria, METHODS, nash_equilibria, cross_check, is_nash, iterated_dominance,
                   pareto_undominated, payoff_dominant)
from .batched import pure_equilibria, Nash2x2, nash_2x2, risk_dominance_2x2
from .polytope import is_degenerate
from .logit_qre import QREPoint, QRETrace, logit_response, qre, qre_2x2_all
from .logit_trace import trace

__all__ = ["Equilibrium", "Equilibria", "METHODS", "nash_equilibria", "cross_check", "is_nash", "iterated_dominance",
           "pareto_undominated", "payoff_dominant", "pure_equilibria", "Nash2x2", "nash_2x2",
           "risk_dominance_2x2", "is_degenerate", "QREPoint", "QRETrace", "logit_response", "qre",
           "qre_2x2_all", "trace"]
