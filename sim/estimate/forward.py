"""The forward algorithm: exact likelihood of observed crises under a strategy pair.

The repeated crisis of ``docs/repeated-model.md`` is a hidden Markov model: the hidden state
before a round is ``(s_A, s_B, z)`` (each side's automaton state and the settlement counter
``z``, the number of consecutive ``(0, 0)`` rounds); what is observed in a round is the
executed rung pair ``(x, y)`` (or a set of pairs it lies in), and after the last observed
round, how the record ends.  One round, from the model's steps 1-8:

    P(x | s_A) = (action_A E_A)[s_A, x]                    steps 1-2 (execution noise E)
    s_A' ~ R_A[x, y][s_A, :] = sum_v P_A[y, v] T_A[s_A, x, v, :]   steps 4-5 (perception P)
    continue with (1 - w[x, y]) (1 - mu[x, y]), unless the counter reaches m   steps 6-8

so with ``alpha_t[s_A, s_B, z]`` = P(rounds 1..t observed as they were and the crisis goes on
into round t + 1 in state (s_A, s_B, z)),

    alpha_{t+1}[., ., z'] = sum_{(x, y) allowed} (1 - w)(1 - mu) R_A[x, y]^T
                            (alpha_t[., ., z] * P(x | s_A) P(y | s_B)) R_B[y, x]

with ``z' = z + 1`` if ``x = y = 0`` (mass reaching ``m`` settles) and ``z' = 0`` otherwise.
The last round multiplies by the ending's probability instead (war ``w``; mediated
``(1 - w) mu``; settled ``(1 - w)(1 - mu) [x = y = 0, z = m - 1]``; censored 1).  Each step
is normalised and the logarithms of the normalisers summed (Rabiner 1989, "A tutorial on
hidden Markov models", Proc. IEEE 77(2), section III.A and V.A, scaling), so long records
do not underflow.  Alternating timing and an opening are the same process on the
automata of :mod:`sim.repeated.strategies.timing` (the engine plays those too).

Vectorised over G parameter points (leading axis of every table) and C crises; the loop is
over rounds and, within a round, over the candidate pairs of a partly observed round (one
when a round is observed exactly).
"""

from __future__ import annotations

import numpy as np

__all__ = ["forward_loglik", "round_candidates"]

#: Codes of how a record ends (``sim.estimate.sequence_data.ENDING_CODES``).
CENSORED, WAR, SETTLED, MEDIATED, CEASEFIRE, ENDED = range(6)


def round_candidates(allowed_t: np.ndarray):
    """The rung pairs allowed in one round, per crisis: ``(xs, ys, valid)``, each (C, J).

    ``allowed_t`` (C, 2, K) bool; J is the largest number of allowed pairs of any crisis
    (1 when every crisis's round is observed exactly); ``valid`` marks real entries.
    """
    pairs = allowed_t[:, 0, :, None] & allowed_t[:, 1, None, :]  # (C, K, K)
    C, K, _ = pairs.shape
    flat = pairs.reshape(C, K * K)
    J = max(int(flat.sum(1).max()), 1)
    order = np.argsort(~flat, axis=1, kind="stable")[:, :J]  # allowed pairs first
    valid = np.take_along_axis(flat, order, axis=1)
    return order // K, order % K, valid


def forward_loglik(act_a, trans_a, perc_a, init_a, act_b, trans_b, perc_b, init_b, war, med,
                   settle_after, z0, allowed, lengths, endings) -> np.ndarray:
    """Log-likelihood of each observed crisis at each parameter point: ``(G, C)``.

    Parameters
    ----------
    act_a : (G, S_A, K)      P(A executes rung x | A's state) (execution noise folded in)
    trans_a : (S_A, K, K, S_A)  A's automaton transition on (own executed, other seen)
    perc_a : (G, K, K)       A's perception matrix ``P_A[true, seen]``
    init_a : (G, S_A)        A's state distribution before round 1
    act_b, trans_b, perc_b, init_b : the same for B (its own rung first)
    war, med : (G, K, K)     per-round war and mediation probabilities of the pair (x, y)
    settle_after : int or None   m of the settlement rule
    z0 : int                 settlement counter before round 1 (1 after an opening (0, 0))
    allowed : (C, T, 2, K) bool;  lengths : (C,);  endings : (C,) codes (module constants)

    Returns
    -------
    ndarray (G, C): ``log P(crisis c observed as it was | parameters g)``; ``-inf`` where impossible.
    """
    G, SA, K = act_a.shape
    SB = act_b.shape[1]
    C, T = allowed.shape[:2]
    Z = 1 if settle_after is None else int(settle_after)
    settles = settle_after is not None
    gi = np.arange(G)[:, None]
    alpha = np.zeros((G, C, Z, SA, SB))
    alpha[:, :, min(z0, Z - 1)] = init_a[:, None, :, None] * init_b[:, None, None, :]
    loglik = np.zeros((G, C))
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(T):
            live = lengths > t  # (C,)
            last = lengths == t + 1
            xs, ys, valid = round_candidates(allowed[:, t])
            nxt = np.zeros_like(alpha)
            end_p = np.zeros((G, C))
            for j in range(xs.shape[1]):
                x, y, v = xs[:, j], ys[:, j], valid[:, j] & live
                ea = act_a[:, :, x].transpose(0, 2, 1)  # (G, C, SA)
                eb = act_b[:, :, y].transpose(0, 2, 1)
                beta = alpha * (ea[:, :, None, :, None] * eb[:, :, None, None, :] * v[None, :, None, None, None])
                w, mu = war[gi, x, y], med[gi, x, y]  # (G, C)
                zero = (x == 0) & (y == 0)
                mass = beta.sum((3, 4))  # (G, C, Z)
                total = mass.sum(-1)
                settle = mass[..., Z - 1] * zero if settles else np.zeros_like(total)
                if np.any(last):
                    end_p += last * _ending(endings, total, settle, w, mu)
                if np.all(last | ~live):
                    continue
                beta = beta * ((1 - w) * (1 - mu) * ~last)[:, :, None, None, None]
                if settles and Z > 1:  # (0, 0): the counter rises, and mass at m - 1 settles
                    up = np.zeros_like(beta)
                    up[:, :, 1:] = beta[:, :, :-1]
                    beta = np.where(zero[None, :, None, None, None], up, 0.0) + np.where(
                        zero[None, :, None, None, None], 0.0,
                        np.pad(beta.sum(2, keepdims=True), ((0, 0), (0, 0), (0, Z - 1), (0, 0), (0, 0))))
                elif settles:  # m = 1: a (0, 0) round settles at once
                    beta = beta * ~zero[None, :, None, None, None]
                ra = np.einsum("gcv,scvt->gcst", perc_a[gi, y], trans_a[:, x])  # (G, C, SA, SA)
                rb = np.einsum("gcv,scvt->gcst", perc_b[gi, x], trans_b[:, y])
                nxt += np.swapaxes(ra, -1, -2)[:, :, None] @ beta @ rb[:, :, None]
            loglik += np.where(last, np.log(end_p), 0.0)
            norm = nxt.sum((2, 3, 4))
            going = live & ~last
            loglik += np.where(going, np.log(norm), 0.0)
            alpha = np.where(going[None, :, None, None, None] & (norm > 0)[:, :, None, None, None],
                             nxt / np.where(norm > 0, norm, 1.0)[:, :, None, None, None], 0.0)
    return loglik


def _ending(endings, total, settle, w, mu):
    """P(the record ends as coded after this round), per (G, C), from the round's mass."""
    not_war = (1 - w) * (mu * total + (1 - mu) * settle)
    return np.select([endings == CENSORED, endings == WAR, endings == SETTLED, endings == MEDIATED,
                      endings == CEASEFIRE, endings == ENDED],
                     [total, w * total, (1 - w) * (1 - mu) * settle, (1 - w) * mu * total, not_war,
                      w * total + not_war])
