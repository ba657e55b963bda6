"""Result types of the exact Markov analysis (:mod:`sim.repeated.markov`): the one-round product chain
of a strategy pair and the distribution of outcomes; re-exported from :mod:`sim.repeated.markov`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sim.repeated.outcome import CrisisOutcome

__all__ = ["ProductChain", "MarkovResult"]


@dataclass(frozen=True, eq=False)
class ProductChain:
    """One round of a strategy pair as a Markov chain (transient part), batched over games.

    ``n = S_A * S_B * m`` transient states ``(s_A, s_B, c)`` in C order; ``...`` is the
    game's batch shape.

    Attributes
    ----------
    Q : ndarray (..., n, n)
        Transient-to-transient one-round transition probabilities.
    exits : ndarray (..., n, 3)
        One-round probabilities of ending in war, settlement, mediation (``ENDINGS``).
        ``Q.sum(-1) + exits.sum(-1) == 1``.
    rewards : ndarray (..., n, 2)
        Expected payoff to (A, B) of one round played in each state, including the
        expected one-off war payoff of that round.
    initial : ndarray (n,)
        Distribution of the state in round 1.
    exec_a, exec_b : ndarray (S_A, K), (S_B, K)
        Distribution of the *executed* rung in each automaton state (when it moves).
    state_shape : (S_A, S_B, m), or (2, S_A, S_B, K, m) under alternating timing
        (phase, automaton states, the standing rung of the side not moving, counter; see
        :mod:`sim.repeated.markov.alternating`).
    rung_a, rung_b : ndarray (n, K)
        Each side's executed-rung law in the round played from each transient state.
    """

    Q: np.ndarray
    exits: np.ndarray
    rewards: np.ndarray
    initial: np.ndarray
    exec_a: np.ndarray
    exec_b: np.ndarray
    state_shape: tuple[int, ...]
    rung_a: np.ndarray | None = None
    rung_b: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class MarkovResult(CrisisOutcome):
    """Exact outcome of a strategy pair in the repeated crisis (``docs/repeated-model.md``).

    ``...`` is the game's batch shape.  With ``rounds=T``:

    rung_distribution : (..., T, 2, K)
        P(round t is played and the side executes rung k); sums over k to ``p_active``.
    p_active : (..., T)
        P(round t is played).
    p_war, p_settled, p_mediated : (..., T)
        P(the crisis ended that way by the end of round t).
    payoffs : (..., 2)
        Expected total discounted payoffs of (A, B) over the T rounds.
    total_payoffs : (..., 2)
        The same array as ``payoffs``.
    expected_rounds : (...)
        Expected number of rounds played, ``p_active.sum(-1)``.

    With ``rounds=None`` (long run) the time axis is dropped:

    rung_distribution : (..., 2, K)
        Long-run (Cesaro-limit) probability that the crisis is active and the side
        executes rung k.
    p_active : (...)
        Long-run probability that the crisis is still going on.
    p_war, p_settled, p_mediated : (...)
        Probability that the crisis ever ends that way.
    payoffs : (..., 2)
        Long-run expected payoff per round (the Cesaro limit of the round-t expected
        payoff; 0 once the crisis has ended).  For an ergodic noisy pair this is the
        classic average payoff per round.
    total_payoffs : (..., 2)
        Expected total discounted payoff of the whole crisis, ``v0 (I - delta Q)^-1 r``.
        With ``discount=1`` it is finite only where the crisis ends with probability one
        (``absorbed_surely``); elsewhere it is ``+inf`` / ``-inf`` following the sign of
        ``payoffs`` (``nan`` if that is 0).
    expected_rounds : (...)
        Expected number of rounds played (``inf`` unless ``absorbed_surely``).
    absorbed_surely : bool (...)
        The crisis ends (war, settlement or mediation) with probability one.
    stationary : (..., S_A, S_B, m)
        Long-run (Cesaro-limit) distribution over transient product states; sums to
        ``p_active``.  ``None`` for a finite horizon.

    Attributes ``rounds`` (T or None) and ``state_shape`` ``(S_A, S_B, m)`` (alternating timing:
    ``(2, S_A, S_B, K, m)``, see :class:`ProductChain`) record the setup.
    """

    total_payoffs: np.ndarray
    expected_rounds: np.ndarray
    rounds: int | None
    state_shape: tuple[int, ...]
    absorbed_surely: np.ndarray | None = None
    stationary: np.ndarray | None = None


# --------------------------------------------------------------------------- validation
