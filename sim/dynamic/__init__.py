"""Strategic dynamics: the repeated crisis as a stochastic game (DESIGN.md "Strategic dynamics").

- :mod:`sim.dynamic.game`: :class:`StochasticGame` and exact evaluation of Markov profiles
  (``policy_values``, ``action_values``, ``deviation_gains``, ``one_shot_gap``) and
  ``best_response`` by policy iteration.
- :mod:`sim.dynamic.escalation`: ``escalation_game`` builds the stochastic game of a stage
  game and its ``CrisisSettings`` (states: opening, last rung pair, war, settled, mediated).
- :mod:`sim.dynamic.policies`: Markov policies <-> memory-one ``Strategy`` automata.
- :mod:`sim.dynamic.credibility`: ``credibility``: is a stated policy a best response to the other
  side's, and what would deviating pay (exact dynamic programming on the product states);
  alternating timing in :mod:`sim.dynamic.credibility_turns`, the shared parts (the result type
  ``Credibility``, sizes, policy iteration over many games) in :mod:`sim.dynamic.credibility_core`.
- :mod:`sim.dynamic.logit_markov`: logit Markov QRE (``markov_qre``) on the principal branch and the
  Markov perfect equilibrium it selects (``markov_perfect``); continuation in
  :mod:`sim.dynamic.markov_trace`; for a batch of games (a parameter grid in one call) in
  :mod:`sim.dynamic.markov_batch` and :mod:`sim.dynamic.markov_batch_select`.
- :mod:`sim.dynamic.policies`: also ``markov_path`` (P(war), mean rungs... of a Markov profile,
  batched).
"""

from __future__ import annotations

from .game import StochasticGame, policy_values, action_values, deviation_gains, one_shot_gap, best_response
from .escalation import EscalationGame, escalation_game
from .policies import markov_path, policy_to_strategy, strategy_to_policy, policy_structure
from .credibility_core import Credibility
from .credibility import credibility
from .logit_markov import MarkovPerfect, MarkovQRE, markov_perfect, markov_qre

__all__ = ["StochasticGame", "policy_values", "action_values", "deviation_gains", "one_shot_gap", "best_response",
           "EscalationGame", "escalation_game", "markov_path", "policy_to_strategy", "strategy_to_policy", "policy_structure", "Credibility", "credibility",
           "MarkovQRE", "MarkovPerfect", "markov_qre", "markov_perfect"]
