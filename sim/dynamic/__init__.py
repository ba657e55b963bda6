"""Strategic dynamics: the repeated crisis as a stochastic game (DESIGN.md "Strategic dynamics").

- :mod:`sim.dynamic.game`: :class:`StochasticGame` and exact evaluation of Markov profiles
  (``policy_values``, ``action_values``, ``deviation_gains``, ``one_shot_gap``) and
  ``best_response`` by policy iteration.
- :mod:`sim.dynamic.escalation`: ``escalation_game`` builds the stochastic game of a stage
  game and its ``CrisisSettings`` (states: opening, last rung pair, war, settled, mediated).
- :mod:`sim.dynamic.policies`: Markov policies <-> memory-one ``Strategy`` automata.
"""

from __future__ import annotations

from .game import StochasticGame, policy_values, action_values, deviation_gains, one_shot_gap, best_response
from .escalation import EscalationGame, escalation_game
from .policies import policy_to_strategy, strategy_to_policy

__all__ = ["StochasticGame", "policy_values", "action_values", "deviation_gains", "one_shot_gap", "best_response",
           "EscalationGame", "escalation_game", "policy_to_strategy", "strategy_to_policy"]
