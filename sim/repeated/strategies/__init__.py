"""Strategies as data: the automaton type, named strategies over K rungs, user-defined tables and
specs, noise."""

from __future__ import annotations

from .automaton import Strategy, check_match
from .named import REGISTRY, get, names
from .custom import memory_one, memory_n, automaton, load, as_strategy, strategy_pair
from .noise import noise_matrix, biased_noise, side_noise
from .timing import observe_opening, alternating_automaton, timed_pair

__all__ = ["Strategy", "check_match", "REGISTRY", "get", "names", "memory_one", "memory_n", "automaton", "load",
           "as_strategy", "strategy_pair", "noise_matrix", "biased_noise", "side_noise",
           "observe_opening", "alternating_automaton", "timed_pair"]
