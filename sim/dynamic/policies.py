"""Markov policies of an :class:`~sim.dynamic.escalation.EscalationGame` <-> repeated-crisis strategies.

A Markov policy on the last-rung-pair states is a memory-one strategy: a side's rung
distribution depends only on the last executed pair, seen from its side as
``(own, seen)`` (side A: ``(x, y)``; side B: ``(y, x)``).  :func:`policy_to_strategy` turns
it into a :class:`sim.repeated.Strategy` automaton that ``sim.simulate`` and ``sim.analyse``
play; :func:`strategy_to_policy` is the inverse for memory-one automata.
"""

from __future__ import annotations

import numpy as np

from sim.dynamic.escalation import EscalationGame
from sim.dynamic.game import _policy
from sim.errors import ConfigError
from sim.repeated import Strategy, automaton, memory_one

__all__ = ["policy_to_strategy", "strategy_to_policy", "policy_structure", "markov_path"]


def _check(escalation, side) -> None:
    if not isinstance(escalation, EscalationGame):
        raise ConfigError("escalation", f"must be a sim.dynamic.EscalationGame (from escalation_game), "
                                        f"got {type(escalation).__name__}")
    if side not in (0, 1) or isinstance(side, bool):
        raise ConfigError("side", f"must be 0 (A) or 1 (B), got {side!r}")


def _pair_states(esc: EscalationGame, counter: int, side: int) -> np.ndarray:
    """``(K, K)``: the state after (own, seen) from ``counter``, for ``side``."""
    nxt = esc.next_state[counter]  # [x, y]
    return nxt if side == 0 else nxt.T


def policy_to_strategy(escalation: EscalationGame, policy, side: int, name: str | None = None) -> Strategy:
    """The automaton that plays ``policy`` for ``side`` in the repeated crisis.

    Parameters
    ----------
    escalation : EscalationGame
    policy : array_like (S, K)
        A Markov policy of ``side`` (rows of the absorbing states are ignored).
    side : 0 (A) or 1 (B)

    Returns
    -------
    Strategy
        When the policy is the same in every ``(0, 0)`` counter state: the memory-one
        automaton of :func:`sim.repeated.memory_one` (K states "play r"; first rung from the
        opening state's row).  Otherwise an automaton whose states are the game's active
        states (it tracks the settlement counter).  Played by ``sim.analyse`` (which opens
        every crisis at counter 0), its discounted payoffs equal ``policy_values`` at
        ``opening_state`` when the game opens in ``start`` or a pair other than ``(0, 0)``.
    """
    _check(escalation, side)
    esc = escalation
    K, S = esc.rungs, esc.n_states
    pol = _policy("policy", policy, S, K)
    name = name or f"markov_policy_{'AB'[side]}"
    if esc.alternating:
        return _alternating_strategy(esc, pol, side, name)
    zero_states = np.flatnonzero((esc.last_pair[:, 0] == 0) & (esc.last_pair[:, 1] == 0))
    if len(zero_states) <= 1 or np.all(pol[zero_states] == pol[zero_states[0]]):
        nxt = _pair_states(esc, 0, side)
        table = pol[nxt]  # (own, seen, next rung); after a settling (0, 0) the row is never used
        return memory_one(table, K=K, initial=pol[esc.opening_state], name=name)
    return _tracking_strategy(esc, pol, side, name)


def policy_structure(escalation: EscalationGame, side: int):
    """The automaton that tracks the game's state for ``side``, without its actions:
    ``(initial, transition (n, K, K) of next states, rows (n,))``, where automaton state ``i``
    plays the policy's row ``rows[i]`` (``-1``: a state that never acts, e.g. before a side's
    first move; it plays rung 0).  The same for every policy of the game, so a batch of
    policies (e.g. logit Markov QRE at many ``lam``) is a batch of action tables
    ``policy[..., rows, :]`` on one transition table (what :func:`policy_to_strategy` plays when
    the policy differs across the ``(0, 0)`` counter states)."""
    _check(escalation, side)
    esc = escalation
    K, S = esc.rungs, esc.n_states
    if esc.alternating:
        return _alternating_structure(esc, side)
    active = S - 3
    transition = np.zeros((active, K, K), dtype=int)
    for s in range(active):  # a loop over the game's states
        nxt = _pair_states(esc, int(esc.counter[s]), side)
        transition[s] = np.where(nxt < active, nxt, s)  # absorbed: the automaton state no longer matters
    return int(esc.opening_state), transition, np.arange(active)


def _tracking_strategy(esc: EscalationGame, pol: np.ndarray, side: int, name: str) -> Strategy:
    initial, transition, rows = policy_structure(esc, side)
    K = esc.rungs
    action = np.zeros((len(rows), K))
    action[rows >= 0] = pol[rows[rows >= 0]]
    action[rows < 0, 0] = 1.0
    labels = tuple(esc.state_labels[r] if r >= 0 else "before its first move" for r in rows)
    return automaton(initial, action, transition, name=name, state_labels=labels)


def _alternating_strategy(esc: EscalationGame, pol: np.ndarray, side: int, name: str) -> Strategy:
    """Under alternating timing: an automaton whose states are ``side``'s move states (and, for
    B, one state before its first move).  After its own move ``x`` and the other's answer
    ``y`` it knows the next move state: ``next_state`` twice (its counter tracked exactly)."""
    K = esc.rungs
    own = np.flatnonzero(esc.mover == side)
    zero = own[(esc.last_pair[own, 0] == 0) & (esc.last_pair[own, 1] == 0)]
    if len(zero) <= 1 or np.all(pol[zero] == pol[zero[0]]):
        # memory-one: the move state after (own, seen) from the other side's move at counter 0
        # (the counter itself is tracked by the crisis, not by the automaton)
        nxt = esc.next_state[1 - side, 0]  # [x, y]: the pair standing when `side` moves
        table = pol[nxt] if side == 0 else pol[nxt.T]
        first = pol[esc.opening_state] if esc.mover[esc.opening_state] == side else np.full(K, 1.0 / K)
        return memory_one(table, K=K, initial=first, name=name)
    return _tracking_strategy(esc, pol, side, name)


def _alternating_structure(esc: EscalationGame, side: int):
    """:func:`policy_structure` under alternating timing: ``side``'s move states (and, for the side
    that answers first, one state before its first move).  After its own move and the other's
    answer it knows the next move state: ``next_state`` twice (its counter tracked exactly)."""
    K = esc.rungs
    own = np.flatnonzero(esc.mover == side)
    pos = np.full(esc.n_states, -1)
    pos[own] = np.arange(len(own))
    s0 = esc.opening_state
    late = int(esc.mover[s0] != side)  # the side that answers first: one state before its first move
    n = len(own) + late
    transition = np.zeros((n, K, K), dtype=int)
    o, seen = np.meshgrid(np.arange(K), np.arange(K), indexing="ij")  # (own rung, seen rung)
    for i, s in enumerate(own):  # a loop over the game's states
        c = esc.counter[s]
        if side == 0:  # A moved o against B's standing y: mid = B's state; then B answered `seen`
            mid = esc.next_state[0, c, o, esc.last_pair[s, 1]]
            nxt = np.where(esc.mover[mid] == 1, esc.next_state[1, esc.counter[mid], o, seen], -1)
        else:          # B moved o against A's standing x; then A answered `seen`
            mid = esc.next_state[1, c, esc.last_pair[s, 0], o]
            nxt = np.where(esc.mover[mid] == 0, esc.next_state[0, esc.counter[mid], seen, o], -1)
        nxt = np.where(esc.mover[np.maximum(nxt, 0)] == side, nxt, -1)
        transition[i] = np.where(nxt >= 0, pos[np.maximum(nxt, 0)], i)  # ended: the state no longer matters
    if late:  # before its first move: the other side moved `seen` against this side's opening rung `o`
        pair = (seen, o) if side == 1 else (o, seen)
        t0 = esc.next_state[1 - side, esc.counter[s0], pair[0], pair[1]]
        transition[-1] = np.where(esc.mover[t0] == side, pos[t0], n - 1)
        initial = len(own)
    else:
        initial = int(pos[s0])
    rows = np.concatenate([own, np.full(late, -1)]).astype(int)
    return initial, transition, rows


def strategy_to_policy(escalation: EscalationGame, strategy: Strategy, side: int) -> np.ndarray:
    """The Markov policy ``(S, K)`` of a memory-one automaton for ``side``.

    The automaton must be memory-one: its next state after (own, seen) may not depend on
    its current state (``transition[s, own, seen]`` the same for every ``s``; true of
    :func:`sim.repeated.memory_one` and of strategies such as tit-for-tat).  The ``start``
    state gets the automaton's first-round rung distribution (``initial @ action``); a pair
    state the distribution after that pair; absorbing states rung 0 (never played).
    """
    _check(escalation, side)
    esc = escalation
    if not isinstance(strategy, Strategy):
        raise ConfigError("strategy", f"must be a sim.repeated.Strategy, got {type(strategy).__name__}")
    K = esc.rungs
    if strategy.K != K:
        raise ConfigError("strategy", f"{strategy.name!r} has {strategy.K} rungs but the game has K = {K}")
    tr = strategy.transition
    if not np.allclose(tr, tr[:1], rtol=0, atol=1e-12):
        raise ConfigError("strategy", f"{strategy.name!r} is not memory-one: its next state after "
                                      f"(own, seen) depends on its current state")
    after = tr[0] @ strategy.action  # (own, seen, rung)
    S = esc.n_states
    pol = np.zeros((S, K))
    pol[:, 0] = 1.0
    for s in range(S - 3):
        x, y = esc.last_pair[s]
        if x < 0:  # the start state
            pol[s] = strategy.initial @ strategy.action
        else:
            pol[s] = after[x, y] if side == 0 else after[y, x]
    return pol


def markov_path(escalation: EscalationGame, policy_a, policy_b, rounds: int | None = None) -> dict:
    """How the crisis unfolds under a Markov profile of an escalation game (or a batch of them).

    The profile's Markov chain on the game's states, from ``opening_state``: the crisis process
    of ``sim.analyse`` for the strategies :func:`policy_to_strategy` makes of the policies, but
    computed on the stochastic game directly, so a batch (``policy_a (..., S, K)``, one profile
    per game of the batch ``escalation``) is one stacked computation.

    Parameters
    ----------
    escalation : EscalationGame, one game or a batch (``batch_shape`` ``...``)
    policy_a, policy_b : ndarray (..., S, K)
    rounds : int or None
        Horizon T; None: the whole crisis (absorption probabilities, ``(I - Q)^-1``).

    Returns
    -------
    dict of ndarrays with shape ``...``: ``p_war``, ``p_settled``, ``p_mediated`` (by round T, or
    ever), ``expected_rounds`` (rounds played, by T), ``mean_rung_a``, ``mean_rung_b`` (each side's
    executed rung averaged over the rounds played; under alternating timing the side that does
    not move counts its standing rung).  NaN where the crisis can go on for ever
    (``rounds=None`` and a singular ``I - Q``).
    """
    _check(escalation, 0)
    esc = escalation
    S, K = esc.n_states, esc.rungs
    bs = esc.batch_shape
    pa = np.asarray(policy_a, float).reshape(-1, S, K)
    pb = np.asarray(policy_b, float).reshape(-1, S, K)
    G = pa.shape[0]
    T = esc.transitions.reshape(-1, S, K, K, S)
    P = np.einsum("gsa,gsb,gsabt->gst", pa, pb, T)
    cs = esc.settings
    (EA, EB), _ = cs.noise(K)
    onehot = np.vstack([np.eye(K), np.zeros((1, K))])
    ra, rb = pa @ EA, pb @ EB                                   # executed rungs of a mover (G, S, K)
    mover = np.broadcast_to(esc.mover, (G, S))
    ra = np.where((mover == 1)[..., None], onehot[esc.last_pair[:, 0]], ra)  # B moves: A's rung stands
    rb = np.where((mover == 0)[..., None], onehot[esc.last_pair[:, 1]], rb)
    act = S - 3
    mean_a, mean_b = ra[:, :act] @ np.arange(K), rb[:, :act] @ np.arange(K)   # (G, act)
    if rounds is None:
        Q = P[:, :act, :act]
        M = np.eye(act)[None] - np.transpose(Q, (0, 2, 1))
        e0 = np.zeros((G, act))
        e0[:, esc.opening_state] = 1.0
        try:
            N = np.linalg.solve(M, e0[..., None])[..., 0]      # expected visits to each active state
        except np.linalg.LinAlgError:
            N = np.full((G, act), np.nan)
        ends = np.einsum("gs,gst->gt", N, P[:, :act, act:])
        visits = N
    else:
        mu = np.zeros((G, S))
        mu[:, esc.opening_state] = 1.0
        visits = np.zeros((G, act))
        for _ in range(int(rounds)):  # a loop over rounds
            visits += mu[:, :act]
            mu = np.einsum("gs,gst->gt", mu, P)
        ends = mu[:, act:]
    played = visits.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"p_war": ends[:, 0], "p_settled": ends[:, 1], "p_mediated": ends[:, 2], "expected_rounds": played,
               "mean_rung_a": (visits * mean_a).sum(1) / played, "mean_rung_b": (visits * mean_b).sum(1) / played}
    return {k: v.reshape(bs) for k, v in out.items()}
