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
- :mod:`sim.crisis`: the brinkmanship window and the unilateral deterrence game.
- :mod:`sim.trees`: escalation trees with chance nodes from config, solved backwards (batched).
- :mod:`sim.escalation`: Zagare-Kilgour asymmetric escalation game with Hard/Soft types.
- :mod:`sim.bargaining`: tying hands, one-sided incomplete information and audience costs (PBE).
- :mod:`sim.report_html`: ``write_report``, the self-contained ``report.html`` of a run.
"""

from . import strategies
from .bargaining import TyingHands, tying_hands
from .classify import classify
from .crisis import brinkmanship_window, unilateral_deterrence
from .dynamics import dollar_auction, richardson_equilibrium, richardson_stability, richardson_trajectory
from .engine import SimulationResult, simulate
from .equilibria import Equilibrium, nash_2x2, nash_equilibria, pure_equilibria
from .errors import ConfigError
from .escalation import AsymmetricEscalation, asymmetric_escalation
from .grid import Grid, grid_sweep
from .games import (Game, build, chicken, deterrence, from_matrices, ladder, prisoners_dilemma,
                    stag_hunt, symmetric)
from .markov import MarkovResult, analyse
from .strategies import Strategy
from .tournament import TournamentResult, replicator, round_robin
from .trees import Tree, TreeSolution, load_tree
from .trees import solve as solve_tree

__version__ = "0.1.0"

__all__ = ["ConfigError", "Game", "build", "chicken", "deterrence", "from_matrices", "ladder",
           "prisoners_dilemma", "stag_hunt", "symmetric", "classify", "Equilibrium", "nash_2x2",
           "nash_equilibria", "pure_equilibria", "strategies", "Strategy", "simulate", "SimulationResult",
           "analyse", "MarkovResult", "round_robin", "replicator", "TournamentResult", "Grid", "grid_sweep",
           "richardson_equilibrium", "richardson_stability", "richardson_trajectory",
           "dollar_auction", "brinkmanship_window", "unilateral_deterrence", "Tree", "TreeSolution", "load_tree",
           "solve_tree", "asymmetric_escalation", "AsymmetricEscalation", "tying_hands", "TyingHands"]
