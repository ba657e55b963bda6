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

__all__ = ["responder_mdp", "responder_rewards", "deviation_values"]


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
