"""Stage games: :class:`Game`, the parameterised builders and their registry, and the ordinal classification of 2x2 games."""

from __future__ import annotations

from .game import Game, from_matrices, symmetric, prisoners_dilemma, chicken, stag_hunt, deterrence, ladder, ladder_war_probability, payoff_matrices, GAMES, build, builder_parameters
from .classify import CLASSES, TYPES, Classification, classify

__all__ = ["Game", "from_matrices", "symmetric", "prisoners_dilemma", "chicken", "stag_hunt", "deterrence", "ladder", "ladder_war_probability", "payoff_matrices", "GAMES", "build", "builder_parameters", "CLASSES", "TYPES", "Classification", "classify"]
