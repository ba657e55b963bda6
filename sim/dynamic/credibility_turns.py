"""Credibility under alternating timing (side A moves first): the responder's MDP and the
one-shot deviations on the period chain of :mod:`sim.repeated.markov.alternating`.

Responder R against the other side O's automaton.  The responder's MDP has two kinds of
states (``c`` the ``(0, 0)`` counter):

- *R moves* ``(o, k, c)``: O's automaton state ``o`` and O's standing rung ``k``; R intends
  ``i``, executes ``r ~ E_R[i]``; the pair ``(r, k)`` is played; O observes it (its own
  ``k``, R's ``r`` through O's perception noise) and moves to ``o2``; next *O moves*
  ``(o2, r, c')``;
- *O moves* ``(o, r, c)``: O executes ``k2 ~ exec_O[o]``; the pair ``(r, k2)`` is played;
  next *R moves* ``(o, k2, c')`` (O updates after R's next move).

R's action matters only where it moves.  The MDP opens in *R moves* when R moves first (O's
automaton at its initial state, O's standing rung the opening's or 0), else in *O moves* (O's
automaton after observing the opening, R's standing rung).  As in
:mod:`sim.dynamic.credibility`, the responder is assumed to know the other's automaton state.
"""

from __future__ import annotations

import numpy as np

from sim.dynamic.credibility_core import (SPARSE_RESPONDER_STATES, SPARSE_STATES, Credibility, _backward, _check_size, _policy_iteration, _result,
                                          _stated_values, _war_tables)
from sim.repeated.markov.alternating import (alternating_pull, alternating_rewards, alternating_sparse_kernel,
                                             alternating_tables)
from sim.repeated.strategies import observe_opening

__all__ = ["responder_mdp", "responder_pull", "responder_rewards", "deviation_values", "alternating_credibility"]


def responder_mdp(R, cont, E_R, exec_O, T_O, m, settle):
    """Rewards ``r (G, K, n)`` and kernel ``P (G, K, n, n)`` of the responder, states
    ``(phase, o, k, c)`` in C order (phase 0: R moves, 1: O moves), ``n = 2 S_O K m``.

    ``R[g, r, k]``: R's payoff at (own rung, other's rung); ``cont``: the continuation
    probability at the same index; ``T_O[o, k, r, o2]``: O's update on (own k, R's r)."""
    G, K = R.shape[0], R.shape[-1]
    So = exec_O.shape[0]
    cont_n = cont.copy()
    if settle:
        cont_n[:, 0, 0] = 0.0
    P = np.zeros((G, K, 2, So, K, m, 2, So, K, m))
    io = np.arange(So)
    # R moves: (o, k) -i-> (o2, r)
    X = np.einsum("ir,grk,okrp->giokpr", E_R, cont_n, T_O, optimize=True)
    # O moves: (o, r) -> (o, k2), the same for every i
    Y = np.einsum("ok,grk->gork", exec_O, cont_n)
    Yo = Y.transpose(1, 0, 2, 3)  # (o, g, r, k2)
    for c in range(m):
        P[:, :, 0, :, :, c, 1, :, :, 0] = X
        P[:, :, 1, io, :, c, 0, io, :, 0] = Yo[:, :, None]
    if settle:
        X0 = np.einsum("i,g,op->giop", E_R[:, 0], cont[:, 0, 0], T_O[:, 0, 0])
        Y0 = np.einsum("o,g->og", exec_O[:, 0], cont[:, 0, 0])
        for c in range(m - 1):
            P[:, :, 0, :, 0, c, 1, :, 0, c + 1] = X0
            P[:, :, 1, io, 0, c, 0, io, 0, c + 1] = Y0.T[:, None, :]  # adjacent advanced indices: (G, K, So)
    n = 2 * So * K * m
    return responder_rewards(R, E_R, exec_O, m), P.reshape(G, K, n, n)


def responder_pull(cont, E_R, exec_O, T_O, m, settle):
    """``V (G, n) -> (G, K, n)``: :func:`responder_mdp`'s ``P[g, i] @ V[g]`` for every game and
    intended rung ``i``, without building ``P`` (``cont (G, K, K)``: each game's continuation
    probabilities at (R's rung, O's rung)); for backward induction on large MDPs."""
    G, K = cont.shape[0], cont.shape[-1]
    So = exec_O.shape[0]
    cont_n = cont.copy()
    if settle:
        cont_n[:, 0, 0] = 0.0
    half = So * K * m

    def pull(V):
        V0 = V[:, :half].reshape(G, So, K, m)  # R moves: (o, k, c)
        V1 = V[:, half:].reshape(G, So, K, m)  # O moves: (o, r, c)
        out0 = np.empty((G, K, So, K, m))
        F = np.einsum("okrp,gpr->gokr", T_O, V1[..., 0], optimize=True)
        out0[...] = np.einsum("ir,grk,gokr->giok", E_R, cont_n, F, optimize=True)[..., None]
        Y = np.einsum("ok,grk,gok->gor", exec_O, cont_n, V0[..., 0], optimize=True)
        out1 = np.broadcast_to(Y[:, None, :, :, None], (G, K, So, K, m)).copy()
        if settle:
            for c in range(m - 1):  # (0, 0) played: the counter moves on
                out0[:, :, :, 0, c] += np.einsum("i,g,op,gp->gio", E_R[:, 0], cont[:, 0, 0], T_O[:, 0, 0],
                                                 V1[:, :, 0, c + 1], optimize=True)
                out1[:, :, :, 0, c] += (exec_O[None, :, 0] * cont[:, 0, 0, None] * V0[:, :, 0, c + 1])[:, None, :]
        return np.concatenate([out0.reshape(G, K, half), out1.reshape(G, K, half)], axis=2)
    return pull


def responder_rewards(R, E_R, exec_O, m):
    """The rewards ``r (G, K, n)`` of :func:`responder_mdp` alone (they depend on the payoffs,
    the kernel only on the continuation probabilities)."""
    G, K = R.shape[0], R.shape[-1]
    So = exec_O.shape[0]
    r = np.zeros((G, K, 2, So, K, m))
    r[:, :, 0] = np.einsum("ir,grk->gik", E_R, R)[:, :, None, :, None]
    r[:, :, 1] = np.einsum("ok,grk->gor", exec_O, R)[:, None, :, :, None]
    return r.reshape(G, K, 2 * So * K * m)


def deviation_values(R, cont, E, T_other, W_next, d, m, settle):
    """``D[g, s, o, k, c, i]``: the mover's value of intending rung ``i`` at its move in the
    period-chain state with its own automaton state ``s``, the other's ``o``, the other's
    standing rung ``k`` and counter ``c``, then following its own automaton.

    ``R[g, r, k]`` and ``cont[g, r, k]``: the mover's payoff and the continuation probability at
    (its rung, the other's); ``T_other[o, k, r, o2]``: the other's update on (its own k, the
    mover's r); ``W_next[g, s, o2, r, c]``: the mover's value of the stated pair in the next
    phase's state where the mover stands at ``r``.  The mover's own automaton does not move
    at its own move (it updates after the answer)."""
    cont_n = cont.copy()
    if settle:
        cont_n[:, 0, 0] = 0.0
    F = np.einsum("okrp,gsprc->gsokrc", T_other, W_next, optimize=True)
    base = np.einsum("ir,grk->gki", E, R)
    cont_term = np.einsum("ir,grk,gsokr->gsoki", E, cont_n, F[..., 0], optimize=True)
    D = base[:, None, None, :, None, :] + d * cont_term[:, :, :, :, None, :]
    D = np.broadcast_to(D, D.shape[:4] + (m, D.shape[-1])).copy()
    if settle and m > 1:
        D[:, :, :, 0, :m - 1, :] += d * cont[:, 0, 0, None, None, None, None] * F[:, :, :, 0, 0, 1:, None] * E[:, 0]
    return D


def alternating_credibility(game, sa, sb, cs, K, Ae, Be, ws, batch, cont, d, T, tol, scale, m, settle,
                            subgame_perfect) -> Credibility:
    """:func:`credibility` under alternating timing (:mod:`sim.dynamic.credibility_turns`)."""
    G, SA, SB = Ae.shape[0], sa.n_states, sb.n_states
    n = 2 * SA * SB * K * m
    wu, inv, groups = _war_tables(ws)
    U = wu.shape[0]
    _check_size(U, K, SA, SB, m, alternating=True)
    (EA, EB), (PA, PB) = cs.noise(K)
    TA = np.einsum("yu,axut->axyt", PA, sa.transition)  # A's update on (own x, B's y)
    TB = np.einsum("xv,byvt->byxt", PB, sb.transition)  # B's update on (own y, A's x)
    # the stated pair's period chain (the same entries as sim.repeated.product_chain's) is never dense
    # when large (n is ~8,000 for two 11-state automata on 11 rungs): a sparse matrix per war table for
    # the infinite horizon, a matrix-free pull (alternating_pull) for a finite one
    tables = alternating_tables(sa, sb, cs, K)
    mu = cs.mediation_table(K)[None]
    if n <= SPARSE_STATES or T is None:  # a matrix: dense when small, else sparse (LU for T = None)
        Qs = alternating_sparse_kernel(wu, mu, tables, m, settle)
    ex = dict(exec_a=sa.action @ EA, exec_b=sb.action @ EB)
    rew = alternating_rewards(Ae, Be, ex, m)  # (G, n, 2)
    v0 = np.asarray(tables["v0"], float)
    Bo, co = Be.transpose(0, 2, 1), cont.transpose(0, 2, 1)  # B's payoffs and continuation, own rung first
    gaps = [np.zeros((G, SA, SB, K, m)), np.zeros((G, SB, SA, K, m))]

    def gaps_from(W):  # W (G, n, 2): the stated pair's values from the next round on
        Wr = W.reshape(G, 2, SA, SB, K, m, 2)
        DA = deviation_values(Ae, cont, EA, TB, Wr[:, 1, ..., 0], d, m, settle)
        DB = deviation_values(Bo, co, EB, TA, Wr[:, 0, ..., 1].transpose(0, 2, 1, 3, 4), d, m, settle)
        gaps[0] = np.maximum(gaps[0], DA.max(-1) - np.einsum("ai,gabkci->gabkc", sa.action, DA))
        gaps[1] = np.maximum(gaps[1], DB.max(-1) - np.einsum("bi,gbakci->gbakc", sb.action, DB))

    if n <= SPARSE_STATES:  # a small chain: dense, as product_chain builds it (the same entries)
        W = _stated_values(np.stack([q.toarray() for q in Qs]), inv, groups, rew, d, T,
                           gaps_from if subgame_perfect else None)
    elif T is None:
        W = _stated_values(None, inv, groups, rew, d, T, gaps_from if subgame_perfect else None, sparse=Qs)
    else:  # a finite horizon on a large chain: Q W game by game without a matrix (each game its war table)
        W = _stated_values(None, inv, groups, rew, d, T, gaps_from if subgame_perfect else None,
                           pull=alternating_pull(ws, mu, tables, m, settle))
    value = np.einsum("n,gnj->gj", v0, W)

    opening = cs.opening_pair(K)
    stand = (0, 0) if opening is None else opening
    c0 = 1 if opening == (0, 0) and settle else 0
    starts = (sa.initial if opening is None else observe_opening(sa, stand[0], stand[1], PA),
              sb.initial if opening is None else observe_opening(sb, stand[1], stand[0], PB))
    best, policies = [], []
    cu = (1.0 - wu) * (1.0 - cs.mediation_table(K))[None]
    for k, (R, c_u, E, other, T_o) in enumerate(((Ae, cu, EA, sb, TB), (Bo, cu.transpose(0, 2, 1), EB, sa, TA))):
        exec_o = other.action @ (EB if k == 0 else EA)
        rf = responder_rewards(R, E, exec_o, m)                                   # rewards per game
        n_r = rf.shape[-1]
        if T is None or n_r < SPARSE_RESPONDER_STATES:
            _, P = responder_mdp(np.zeros_like(c_u), c_u, E, exec_o, T_o, m, settle)  # kernels per war table
        else:  # a finite horizon on a large MDP: no kernel, P V game by game from the tables
            P = None
            pull = responder_pull(c_u[inv], E, exec_o, T_o, m, settle)
        So = other.n_states
        init = np.zeros((2, So, K, m))
        if cs.first == k:  # the responder moves first, against the other's standing rung
            init[0, :, stand[1 - k], c0] = other.initial
        else:              # the other moves first (after observing the opening), the responder stands
            init[1, :, stand[k], c0] = starts[1 - k]
        if T is None:
            V, pol = _policy_iteration(rf, P, d, scale, inv)
            pol = pol.reshape(G, 2, So, K, m)[:, 0]
        else:
            V, pol = _backward(rf, P, d, T, inv, pull=None if P is not None else pull)
            pol = pol.reshape(G, T, 2, So, K, m)[:, :, 0]
        best.append(V @ init.reshape(-1))
        policies.append(pol.reshape(batch + pol.shape[1:]))
    gaps = None if not subgame_perfect else (gaps[0], gaps[1].transpose(0, 2, 1, 3, 4))  # B's: A's state first
    return _result(value, best, policies, gaps, batch, (SA, SB, K, m), scale, T, d, tol)
