"""Timing and opening of a repeated crisis as automata: :func:`timed_pair`.

The Monte-Carlo engine plays rounds in which both automata act and then both observe
``(own executed rung, other's perceived rung)``.  Two settings of
:class:`sim.repeated.CrisisSettings` change that protocol; both are expressed here as a
transformation of the two automata, so that the engine runs them unchanged and exactly.

**Opening** ``(x0, y0)``: before round 1 each automaton observes the opening pair, as it
observes a round (A: own ``x0``, other ``y0`` seen through A's perception noise; B: own
``y0``, other ``x0``).  Its initial distribution becomes
``initial'[s2] = sum_{s, v} initial[s] P[other0, v] transition[s, own0, v, s2]``.

**Alternating timing** (``first_mover`` moves first, A by default): in round ``t`` one side
moves (the first mover in odd rounds, the other in even rounds) and the other's rung stays.  Before it moves, the mover observes the
standing pair (its own rung, the other's through perception noise) and updates its automaton
on it; then it acts, with execution noise.  Each automaton becomes a two-phase automaton:

- ``M(s)``: to move, from (updated) state ``s``: acts ``action[s] @ E`` (the execution noise
  folded in); after the round it goes to ``H(s, x)`` with ``x`` its executed rung (what it
  saw of the other, who held, is ignored: it was seen before the move);
- ``H(s, k)``: holding rung ``k`` (acts ``k`` exactly); after the other's move it observes
  ``(k, v)`` and goes to ``M(s2)`` with ``s2 ~ transition[s, k, v]``.

``H(s, k)`` states with equal transition rows (``transition[s, k]`` the same for several
``s``, e.g. every memory-one automaton) are merged, so a memory-one automaton over K rungs
with ``S`` states gets ``S + K`` states, not ``S (1 + K)``.  The first mover starts in ``M``
(its automaton's initial state, or after observing the opening); the other side starts holding
its opening rung (0 without an opening).  The engine then runs with no execution noise of its own (it is
inside the automata) and the settings' perception noise: one draw per observation, as in
the model.  The exact analysis (:mod:`sim.repeated.markov.chain`) builds the same process
directly on the phase-consistent product states.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.arrays import unique_rows
from sim.repeated.strategies.automaton import Strategy

__all__ = ["observe_opening", "alternating_automaton", "timed_pair"]


def observe_opening(strategy: Strategy, own: int, other: int, P: np.ndarray) -> np.ndarray:
    """Initial distribution after observing (own rung, other's rung seen through ``P``)."""
    return np.einsum("s,v,svt->t", strategy.initial, P[other], strategy.transition[:, own])


def alternating_automaton(strategy: Strategy, E: np.ndarray, *, moves_first: bool, start: np.ndarray | None = None,
                          hold: int = 0) -> Strategy:
    """The two-phase automaton of ``strategy`` under alternating timing (module docstring).

    ``E`` (K, K) is the side's execution noise (folded into its moves); ``start`` (S,) its
    automaton's distribution at its first move or first observation (default ``initial``);
    the first mover starts in ``M``, the other in ``H(start, hold)``.
    """
    S, K = strategy.n_states, strategy.K
    tr = strategy.transition
    start = strategy.initial if start is None else start
    # H groups: for each held rung k, the distinct rows transition[s, k] (K x S each)
    groups, hold_of = [], np.zeros((S, K), dtype=int)
    for k in range(K):
        rows = tr[:, k].reshape(S, -1)
        uniq, inv = unique_rows(rows)
        hold_of[:, k] = len(groups) + inv.reshape(-1)
        groups.extend((k, u.reshape(K, S)) for u in uniq)
    H = len(groups)
    n = S + H
    action = np.zeros((n, K))
    action[:S] = strategy.action @ E
    transition = np.zeros((n, K, K, n))
    # M(s) --(own x, any v)--> H(group of (s, x))
    for x in range(K):
        transition[np.arange(S), x, :, S + hold_of[:, x]] = 1.0
    for h, (k, row) in enumerate(groups):
        action[S + h, k] = 1.0
        transition[S + h, :, :, :S] = row[None]  # (own, seen) -> M(s2); own is k when reached
    initial = np.zeros(n)
    if moves_first:
        initial[:S] = start
    else:
        np.add.at(initial, S + hold_of[:, hold], start)
        np.minimum(initial, 1.0, out=initial)  # a whole distribution summed into one state may round above 1
    labels = tuple(f"move {l}" for l in strategy.state_labels) + tuple(
        f"hold {k} ({j})" for j, (k, _) in enumerate(groups))
    return dataclasses.replace(strategy, initial=initial, action=action, transition=transition,
                               state_labels=labels)


def timed_pair(strategy_a: Strategy, strategy_b: Strategy, settings, K: int):
    """The automata and noise matrices that play ``settings.timing`` and ``settings.opening``
    in the simultaneous-round engine: ``(strategy_a, strategy_b, (E_a, E_b), (P_a, P_b))``.

    Unchanged (the same objects) for simultaneous timing without an opening.
    """
    (EA, EB), (PA, PB) = settings.noise(K)
    opening = settings.opening_pair(K)
    start_a = start_b = None
    if opening is not None:
        x0, y0 = opening
        start_a = observe_opening(strategy_a, x0, y0, PA)
        start_b = observe_opening(strategy_b, y0, x0, PB)
    if not settings.alternating:
        if opening is not None:
            strategy_a = dataclasses.replace(strategy_a, initial=start_a)
            strategy_b = dataclasses.replace(strategy_b, initial=start_b)
        return strategy_a, strategy_b, (EA, EB), (PA, PB)
    x0, y0 = (0, 0) if opening is None else opening
    a_first = settings.first == 0
    a2 = alternating_automaton(strategy_a, EA, moves_first=a_first, start=start_a if a_first else None, hold=x0)
    b2 = alternating_automaton(strategy_b, EB, moves_first=not a_first, start=None if a_first else start_b, hold=y0)
    eye = np.eye(K)
    return a2, b2, (eye, eye), (PA, PB)
