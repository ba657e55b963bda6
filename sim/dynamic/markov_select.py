"""Refining the limit of the logit Markov QRE branch of one game into an exact Markov perfect
equilibrium (:func:`sim.dynamic.markov_perfect`; :mod:`sim.dynamic.markov_batch_select` does the
same for a batch of games).

- :func:`_snap`: rows whose largest probability is within ``near`` of 1 made pure;
- :func:`_indifference`: Newton (least squares) on the indifference conditions on a support;
- :func:`indifference_solve`: the same from policies, for callers outside the tracer.
"""

from __future__ import annotations

import numpy as np

from sim.dynamic.game import StochasticGame, _check_game, _policies
from sim.dynamic.markov_trace import Kernel

__all__ = ["indifference_solve"]


def _snap(p, near: float):
    """Rows whose largest probability is ``>= 1 - near`` made one-hot; other rows kept."""
    out = p.copy()
    rows = p.max(1) >= 1 - near
    out[rows] = np.eye(p.shape[1])[p[rows].argmax(1)]
    return out


def _indifference(kern: Kernel, pa, pb, support_tol: float, max_iter: int = 30, supp=None):
    """Newton (least squares) on the MPE conditions on the support of ``(pa, pb)``.

    On the support ``{pi > support_tol}``: ``Q(s, a) = sum_a' pi(s, a') Q(s, a')`` and rows
    sum to 1; off it ``pi = 0``.  Returns the policies, or None if Newton fails or leaves
    the simplex.  ``supp`` (n,) bool, if given, is the support instead.
    """
    pi = np.concatenate([pa.ravel(), pb.ravel()])
    supp = pi > support_tol if supp is None else supp
    pi = np.where(supp, pi, 0.0)
    idx = np.flatnonzero(supp)
    blocks = np.concatenate([np.repeat(np.arange(kern.S), kern.KA), kern.S + np.repeat(np.arange(kern.S), kern.KB)])
    nb = 2 * kern.S
    prev = np.inf
    for _ in range(max_iter):
        pi_a, pi_b = pi[:kern.nA].reshape(kern.S, kern.KA), pi[kern.nA:].reshape(kern.S, kern.KB)
        Q, D = kern.q(pi_a, pi_b, True)
        vbar = np.bincount(blocks, pi * Q, nb)              # sum_a pi Q per block
        sums = np.bincount(blocks, pi, nb)
        F = np.concatenate([(Q - vbar[blocks])[idx], sums - 1.0])
        err = np.max(np.abs(F))
        if err <= 1e-13 * (1 + np.abs(Q).max()):
            break
        if err > 0.5 * prev:  # not contracting: no exact equilibrium on this support nearby
            return None
        prev = err
        # d vbar[b] / d pi_k = Q_k [block(k) == b] + sum_{a in b} pi_a D[a, k]
        dv = np.zeros((nb, kern.n))
        np.add.at(dv, blocks, pi[:, None] * D)
        dv[blocks, np.arange(kern.n)] += Q
        Jf = np.vstack([(D - dv[blocks])[idx][:, idx], (blocks[None, :] == np.arange(nb)[:, None])[:, idx]])
        step = np.linalg.lstsq(Jf, F, rcond=None)[0]
        pi[idx] -= step
        if not np.all(np.isfinite(pi)):
            return None
    if np.any(pi < -1e-12):
        return None
    pi = np.clip(pi, 0.0, None)
    pi_a, pi_b = pi[:kern.nA].reshape(kern.S, kern.KA), pi[kern.nA:].reshape(kern.S, kern.KB)
    return pi_a / pi_a.sum(1, keepdims=True), pi_b / pi_b.sum(1, keepdims=True)


def indifference_solve(game: StochasticGame, policy_a, policy_b, support_tol: float = 1e-6):
    """An exact MPE candidate near ``(policy_a, policy_b)``: Newton on the indifference conditions
    on their support (probabilities ``> support_tol``), as :func:`markov_perfect` refines the
    branch's limit.  Returns ``(policy_a, policy_b)`` or None; not verified (use ``one_shot_gap``).
    """
    game = _check_game(game)
    pa, pb = _policies(game, policy_a, policy_b)
    return _indifference(Kernel(game), pa, pb, support_tol)
