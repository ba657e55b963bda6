"""Shared parts of :mod:`sim.dynamic.credibility` (simultaneous timing) and
:mod:`sim.dynamic.credibility_turns` (alternating timing): the result type, the size limits,
the stated pair's chains per war table, and policy iteration / backward induction on many
responder MDPs that share their kernels."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.arrays import unique_rows
from sim.errors import ConfigError
from sim.games import Game
from sim.repeated import product_chain

__all__ = ["Credibility", "MAX_BYTES", "credibility_bytes"]


@dataclass(frozen=True, eq=False)
class Credibility:
    """How credible a stated pair of policies is (see the module docstring).

    Array fields have the game's batch shape ``...`` first (0-d arrays become floats/bools for
    a single game).

    Attributes
    ----------
    value_a, value_b : float or ndarray (...)
        Expected total discounted payoffs of the stated pair (``sim.analyse(...).total_payoffs``).
    best_value_a, best_value_b : float or ndarray (...)
        Value of each side's exact best response to the other's stated automaton.
    gain_a, gain_b : float or ndarray (...)
        ``best - stated``, >= 0 (clipped at 0 against round-off).
    is_subgame_perfect : bool or ndarray (...), or None
        Both deviation gaps are <= ``tol`` (scaled) in every product state (every round for a
        finite horizon); None when called with ``subgame_perfect=False``.
    best_response_a : ndarray (..., S_B, m) int, or (..., T, S_B, m) for ``rounds=T``
        A's best response: the intended rung in each (B's automaton state, settlement
        counter) (and round).  ``best_response_b`` likewise, ``(..., S_A, m)``.
    deviation_gap_a, deviation_gap_b : ndarray (..., S_A, S_B, m)
        Largest gain of a one-shot deviation by that side from its stated automaton, in each
        product state ``(s_A, s_B, c)`` (both indexed A first); for a finite horizon the
        maximum over rounds.
    rounds, discount : the horizon (None: infinite) and the discount.
    tol : the tolerance used for ``is_subgame_perfect`` (times the payoff scale, at least 1).
    """

    value_a: object
    value_b: object
    best_value_a: object
    best_value_b: object
    gain_a: object
    gain_b: object
    is_subgame_perfect: object
    best_response_a: np.ndarray
    best_response_b: np.ndarray
    deviation_gap_a: np.ndarray
    deviation_gap_b: np.ndarray
    rounds: int | None
    discount: float
    tol: float


#: Up to this many distinct war tables, games are grouped by table (one BLAS product per table);
#: beyond it each game's kernel is gathered and the products are batched (no loop over tables).
MAX_GROUPS = 16


def groups_of(inv, U: int):
    """The games of each war table, or None when there are more than :data:`MAX_GROUPS` tables."""
    return [np.flatnonzero(inv == u) for u in range(U)] if U <= MAX_GROUPS else None


def _apply_chain(P, inv, V, groups=None):
    """``P[inv[g]] @ V[g]`` for every game g.  ``P (U, n, n)`` and ``V (G, n, ...)``; or
    ``P (U, K, n, n)`` and ``V (G, n)`` -> ``(G, K, n)``.  With ``groups`` (:func:`groups_of`):
    one matmul per war table; without: the kernels gathered per game, one batched product."""
    out = np.empty((V.shape[0],) + P.shape[1:-1] + V.shape[2:])
    if groups is None:  # the gathered kernels in chunks of games, each at most MAX_BYTES / 4
        step = max(1, MAX_BYTES // (4 * P[0].nbytes))
        for lo in range(0, V.shape[0], step):
            sl = slice(lo, lo + step)
            Pg = P[inv[sl]]
            out[sl] = np.einsum("gkst,gt->gks", Pg, V[sl]) if P.ndim == 4 else np.einsum("gst,gt...->gs...", Pg, V[sl])
        return out
    for u, idx in enumerate(groups):
        if P.ndim == 4:  # one BLAS product: (K n, n) @ (n, games)
            K, n = P.shape[1], P.shape[2]
            out[idx] = (P[u].reshape(K * n, n) @ V[idx].T).reshape(K, n, -1).transpose(2, 0, 1)
        else:
            out[idx] = np.einsum("st,gt...->gs...", P[u], V[idx])
    return out


def _policy_iteration(rf, P, d, scale, inv):
    """Howard's policy iteration on G MDPs sharing the kernels ``P (U, K, n, n)`` of their war
    tables (``inv[g]``), each with its own rewards ``rf (G, K, n)``.  Each step evaluates and
    improves only the games whose policy changed in the previous step (ties keep the current
    action, so every game stops)."""
    G, K, n = rf.shape
    U = P.shape[0]
    si = np.arange(n)[None, :]
    pi = rf.argmax(1)
    V = np.zeros((G, n))
    P_rows = P.reshape(U * K * n, n)  # row (u, k, s): flat takes are much faster than fancy indexing
    live = np.arange(G)
    for _ in range(10_000):
        p, u = pi[live], inv[live]
        M = P_rows.take(((u[:, None] * K + p) * n + si).ravel(), axis=0).reshape(-1, n, n)
        M *= -d
        M.reshape(-1, n * n)[:, ::n + 1] += 1.0  # I - d P_pi, in place
        rpi = np.take_along_axis(rf[live], p[:, None, :], 1)[:, 0]
        V[live] = np.linalg.solve(M, rpi[..., None])[..., 0]
        Qv = rf[live] + d * _apply_chain(P, u, V[live], groups_of(u, U))
        best = Qv.max(1)
        keep = np.take_along_axis(Qv, p[:, None], 1)[:, 0] >= best - 1e-12 * scale[live, None]
        new = np.where(keep, p, Qv.argmax(1))
        changed = np.any(new != p, axis=1)
        pi[live] = new
        live = live[changed]
        if live.size == 0:
            return V, pi
    raise RuntimeError("policy iteration did not converge")  # pragma: no cover (finite MDP)


#: Responder kernels with at least this many states and at most :data:`SPARSE_DENSITY` nonzero
#: entries are applied as sparse matrices in backward induction (alternating timing: 726 states
#: for 11 rungs and an 11-state automaton, ~9% nonzero).
SPARSE_RESPONDER_STATES = 300
SPARSE_DENSITY = 0.25


def _sparse_rows(P, groups):
    """Per war table, ``P[u]`` as one CSR matrix of shape ``(K n, n)``, when large and sparse; else None."""
    if groups is None or P.shape[-1] < SPARSE_RESPONDER_STATES:
        return None
    if np.count_nonzero(P[0]) > SPARSE_DENSITY * P[0].size:
        return None
    from scipy.sparse import csr_matrix

    K, n = P.shape[1], P.shape[2]
    return [csr_matrix(P[u].reshape(K * n, n)) for u in range(P.shape[0])]


def _backward(rf, P, d, T, inv, pull=None):
    """Backward induction over ``T`` rounds on G MDPs: rewards ``rf (G, K, n)``, kernels ``P (U, K,
    n, n)`` per war table (``inv[g]``), or ``pull(V (G, n)) -> (G, K, n)`` applying each game's
    kernel without a matrix (``P`` None).  Returns the values ``(G, n)`` and the policy ``(G, T, n)``."""
    G, K, n = rf.shape
    groups = groups_of(inv, P.shape[0]) if P is not None else None
    sparse = _sparse_rows(P, groups) if P is not None else None
    V = np.zeros((G, n))
    pol = np.zeros((T, G, n), dtype=np.int16)

    def apply(V):  # P[inv[g]] @ V[g] -> (G, K, n)
        if pull is not None:
            return pull(V)
        if sparse is None:
            return _apply_chain(P, inv, V, groups)
        out = np.empty((G, K, n))
        for u, idx in enumerate(groups):
            if idx.size:
                out[idx] = (sparse[u] @ V[idx].T).reshape(K, n, -1).transpose(2, 0, 1)
        return out

    for t in range(T - 1, -1, -1):
        Qv = rf + d * apply(V)
        pol[t] = Qv.argmax(1)
        V = Qv.max(1)
    return V, pol.transpose(1, 0, 2)


def _result(value, best, policies, gaps, batch, shape, scale, T, d, tol) -> Credibility:
    """The :class:`Credibility` of G games: ``value (G, 2)``, ``best`` and ``policies`` per side,
    ``gaps`` (per side ``(G, *shape)``, A's automaton state first) or None when subgame
    perfection was not asked for."""
    G = value.shape[0]
    gain = [np.maximum(best[k] - value[:, k], 0.0) for k in range(2)]
    if gaps is not None:
        gap_a, gap_b = (np.maximum(g, 0.0) for g in gaps)
        ok = (gap_a.reshape(G, -1).max(1) <= tol * scale) & (gap_b.reshape(G, -1).max(1) <= tol * scale)
        ok, gap_a, gap_b = _scalar(ok.reshape(batch)), gap_a.reshape(batch + shape), gap_b.reshape(batch + shape)
    else:
        ok = gap_a = gap_b = None
    return Credibility(
        value_a=_scalar(value[:, 0].reshape(batch)), value_b=_scalar(value[:, 1].reshape(batch)),
        best_value_a=_scalar(best[0].reshape(batch)), best_value_b=_scalar(best[1].reshape(batch)),
        gain_a=_scalar(gain[0].reshape(batch)), gain_b=_scalar(gain[1].reshape(batch)),
        is_subgame_perfect=ok, best_response_a=policies[0], best_response_b=policies[1],
        deviation_gap_a=gap_a, deviation_gap_b=gap_b,
        rounds=T, discount=d, tol=float(tol))


def _scalar(x):
    x = np.asarray(x)
    return x.item() if x.ndim == 0 else x


#: Largest array (bytes) credibility builds: the responders' MDP kernels ``(N, K, n, n)``, the
#: product chain ``(N, n, n)`` and the one-shot deviation tables ``(N, S, K, K, S, m)``.
MAX_BYTES = 2 * 1024 ** 3


def credibility_bytes(K: int, SA: int, SB: int, m: int, alternating: bool = False) -> int:
    """Bytes of the largest array :func:`credibility` builds *per game* (the responders' MDP
    kernels, the product chain, the one-shot deviation tables); callers cut a batch into
    calls of at most ``MAX_BYTES // credibility_bytes(...)`` games."""
    if alternating:  # the period chain is built sparse (alternating_sparse_kernel): ~3 copies of its entries
        n_r = 2 * max(SA, SB) * K * m
        n = 2 * SA * SB * K * m
        entries = 2 * SA * SB * K * m * (max(SA, SB) * K + max(SA, SB))
        dense = n * n if n <= SPARSE_STATES else 0  # small chains are evaluated dense
        return 8 * max(3 * entries, dense, K * n_r * n_r, SA * SB * K * K * K * m)
    n = SA * SB * m
    return 8 * max(K * (max(SA, SB) * m) ** 2, n * n, SA * SB * K * K * m)


def _check_size(G, K, SA, SB, m, alternating=False):
    biggest = G * credibility_bytes(K, SA, SB, m, alternating)
    if biggest > MAX_BYTES:
        raise ConfigError("credibility", f"needs an array of {biggest / 1024 ** 3:.1f} GiB ({G} games, automaton "
                                         f"states {SA} x {SB}, counter {m}), over {MAX_BYTES / 1024 ** 3:g} GiB; "
                                         f"use fewer games, rungs or a smaller settle_after")


#: Product chains with more states than this are evaluated as sparse matrices (one per game): under
#: alternating timing the period chain has 2 x S_A x S_B x K x m states (~8,000 for two 11-state
#: automata on 11 rungs), of which each row reaches at most K x S_B x ... a few dozen.
SPARSE_STATES = 1500


def _sparse_chain(Q):
    """Per-game CSR copies of the product chain ``Q (G, n, n)`` when it is large, else None."""
    if Q.shape[-1] <= SPARSE_STATES:
        return None
    from scipy.sparse import csr_matrix

    return [csr_matrix(q) for q in Q]


def _solve_chain(Q, Qs, rew, d):
    """``(I - d Q)^-1 rew`` per game, sparse LU when :func:`_sparse_chain` made copies (or ``Q`` is None)."""
    n = Q.shape[-1] if Qs is None else Qs[0].shape[-1]
    if Qs is None:
        return np.linalg.solve(np.eye(n) - d * Q, rew)
    from scipy.sparse import identity
    from scipy.sparse.linalg import spsolve

    return np.stack([np.asarray(spsolve((identity(n, format="csc") - d * q).tocsc(), r)).reshape(n, -1)
                     for q, r in zip(Qs, rew)])


def _stated_values(Q, inv, groups, rew, d, T, visit, sparse=None, pull=None):
    """The stated pair's values ``W (G, n, 2)``: ``(I - d Q)^-1 rew`` for ``T=None``, else ``T``
    rounds of ``W <- rew + d Q W``; ``Q (U, n, n)`` per war table (``inv[g]``, ``groups`` from
    :func:`groups_of`), sparse copies when large.  ``sparse``: the chains already as one sparse
    matrix per war table (``Q`` is then None and the games are always grouped by table).
    ``visit(W)`` sees the values from the next round on (once for ``T=None``, before every
    round otherwise), for the one-shot deviations; None skips it.  ``pull``: ``W -> Q W`` for
    every game at once without a matrix (finite horizons; :func:`sim.repeated.markov.alternating.alternating_pull`)."""
    if pull is not None and T is not None:
        W = np.zeros_like(rew)
        for _ in range(T):
            if visit is not None:
                visit(W)
            W = rew + d * pull(W)
        return W
    if sparse is not None:
        Qs, n = sparse, sparse[0].shape[-1]
        groups = [np.flatnonzero(inv == u) for u in range(len(sparse))]
    else:
        n = Q.shape[-1]
        Qs = _sparse_chain(Q)  # per war table, not per game

    def per_table(fn, X):  # fn(u, (n, columns)) on the games of each table at once
        out = np.empty_like(X)
        for u, idx in enumerate(groups):
            if idx.size == 0:
                continue
            cols = X[idx].transpose(1, 0, 2).reshape(n, -1)
            out[idx] = fn(u, cols).reshape(n, len(idx), 2).transpose(1, 0, 2)
        return out

    if T is None:
        if groups is None:  # many war tables: each table's (I - d Q)^-1 once, applied to its games
            W = _apply_chain(np.linalg.inv(np.eye(n) - d * Q), inv, rew)
        elif sparse is not None:
            W = per_table(lambda u, x: _solve_chain(None, Qs[u:u + 1], x[None], d)[0], rew)
        else:  # one factorisation per war table, every game a right-hand side
            W = per_table(lambda u, x: _solve_chain(Q[u:u + 1], None if Qs is None else Qs[u:u + 1], x[None], d)[0],
                          rew)
        if visit is not None:
            visit(W)
        return W
    W = np.zeros_like(rew)
    for _ in range(T):
        if visit is not None:
            visit(W)
        nxt = _apply_chain(Q, inv, W) if groups is None else \
            per_table(lambda u, x: Q[u] @ x if Qs is None else Qs[u] @ x, W)
        W = rew + d * nxt
    return W


def _war_tables(ws):
    """``(wu (U, K, K), inv (G,), groups)``: the distinct war tables of a batch, which game has
    which, and the games of each (the chains depend on a game only through its war table)."""
    G = ws.shape[0]
    flat = ws.reshape(G, -1)
    if np.all(flat == flat[:1]):  # the common case of a map over payoff parameters: one war table
        wu, inv = ws[:1].copy(), np.zeros(G, dtype=np.intp)
    else:
        wu, inv = unique_rows(flat)
        wu, inv = wu.reshape((-1,) + ws.shape[1:]), inv.reshape(-1)
    return wu, inv, groups_of(inv, wu.shape[0])


def _chains(wu, sa, sb, cs):
    """The stated pair's product chains, one per war table (payoffs play no part in them)."""
    U = wu.shape[0]
    return product_chain(Game(np.zeros_like(wu), np.zeros_like(wu), war_probability=wu, war_payoff=np.zeros((U, 2))),
                         sa, sb, settings=dataclasses.replace(cs, war_risk_scale=1.0))
