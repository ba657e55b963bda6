"""The repeated crisis: settings, strategies as automata, the Monte-Carlo engine, the exact Markov
analysis, tournaments."""

from __future__ import annotations

from .outcome import CrisisOutcome
from .settings import CrisisSettings, Ending, ENDINGS, MAX_ROUNDS, MAX_SETTLE_AFTER
from .stats import (per_round_arrays, rung_shares, mean_rungs, rung_quantiles, final_value, is_monte_carlo,
                    expected_total_payoffs, half_time)
from .tournament import TournamentResult, ReplicatorResult, round_robin, replicator, is_ess
from .markov import *  # noqa: F401,F403  (its __all__)
from .montecarlo import *  # noqa: F401,F403  (its __all__)
from .strategies import *  # noqa: F401,F403  (its __all__)

from . import markov, montecarlo, strategies
__all__ = ["CrisisOutcome", "CrisisSettings", "Ending", "ENDINGS", "MAX_ROUNDS", "MAX_SETTLE_AFTER",
           "per_round_arrays", "rung_shares", "mean_rungs", "rung_quantiles", "final_value",
           "is_monte_carlo", "expected_total_payoffs", "half_time", "TournamentResult",
           "ReplicatorResult", "round_robin", "replicator", "is_ess"] + markov.__all__ + montecarlo.__all__ + strategies.__all__
