"""escalation-sim: escalation game theory, from stage games to repeated crises.

Public API (see README "API reference"):

- :mod:`sim.games`: :class:`Game`, builders (``ladder``, ``chicken``, ...), ``from_matrices``.
- :mod:`sim.classify`: ``classify`` for the ordinal structure of 2x2 games.
- :mod:`sim.equilibria`: ``nash_equilibria``, ``pure_equilibria``, ``nash_2x2`` and refinements.
- :mod:`sim.strategies`: strategies as automata; ``strategies.get(name, K, **params)``.
- :mod:`sim.engine`: ``simulate``, the vectorised Monte-Carlo core.
- :mod:`sim.markov`: ``analyse``, the exact Markov-chain analysis of a strategy pair.
- :mod:`sim.tournament`: ``round_robin``, meta-game equilibria, replicator dynamics, ESS.
- :mod:`sim.grid`: ``Grid``, ``grid_sweep``: vectorised parameter sweeps into tidy tables.
- :mod:`sim.qre`: logit quantal response equilibria (``qre``, ``trace``, ``qre_2x2_all``).
- :mod:`sim.dynamics`: Richardson arms race, war of attrition, dollar auction.
"""

from . import strategies
from .classify import classify
from .engine import SimulationResult, simulate
from .equilibria import Equilibrium, nash_2x2, nash_equilibria, pure_equilibria
from .errors import ConfigError
from .grid import Grid, grid_sweep
from .games import (Game, build, chicken, deterrence, from_matrices, ladder, prisoners_dilemma,
                    stag_hunt, symmetric)
from .markov import MarkovResult, analyse
from .strategies import Strategy
from .tournament import TournamentResult, replicator, round_robin

__version__ = "0.1.0"

__all__ = ["ConfigError", "Game", "build", "chicken", "deterrence", "from_matrices", "ladder",
           "prisoners_dilemma", "stag_hunt", "symmetric", "classify", "Equilibrium", "nash_2x2",
           "nash_equilibria", "pure_equilibria", "strategies", "Strategy", "simulate", "SimulationResult",
           "analyse", "MarkovResult", "round_robin", "replicator", "TournamentResult", "Grid", "grid_sweep"]
