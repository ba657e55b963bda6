"""escalation-sim: escalation game theory, from stage games to repeated crises.

Public API (see README "API"):

- :mod:`sim.games`: :class:`Game`, builders (``ladder``, ``chicken``, ...), ``from_matrices``.
- :mod:`sim.classify`: ``classify`` for the ordinal structure of 2x2 games.
- :mod:`sim.equilibria`: ``nash_equilibria``, ``pure_equilibria``, ``nash_2x2`` and refinements.
"""

from .errors import ConfigError
from .games import (Game, build, chicken, deterrence, from_matrices, ladder, prisoners_dilemma,
                    stag_hunt, symmetric)
from .classify import classify
from .equilibria import (Equilibrium, nash_2x2, nash_equilibria, pure_equilibria)

__version__ = "0.1.0"

__all__ = ["ConfigError", "Game", "build", "chicken", "deterrence", "from_matrices", "ladder",
           "prisoners_dilemma", "stag_hunt", "symmetric", "classify", "Equilibrium", "nash_2x2",
           "nash_equilibria", "pure_equilibria"]
