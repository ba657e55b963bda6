"""Stage games: :class:`Game`, the parameterised builders and their registry, and the ordinal
classification of 2x2 games."""

from __future__ import annotations

from .game import Game, payoff_matrices
from .classify import CLASSES, TYPES, Classification, classify
from .builders import (from_matrices, symmetric, prisoners_dilemma, chicken, stag_hunt, deterrence, ladder,
                       ladder_war_probability, GAMES, build, builder_parameters)

__all__ = ["Game", "payoff_matrices", "CLASSES", "TYPES", "Classification", "classify", "from_matrices", "symmetric",
           "prisoners_dilemma", "chicken", "stag_hunt", "deterrence", "ladder", "ladder_war_probability",
           "GAMES", "build", "builder_parameters"]
