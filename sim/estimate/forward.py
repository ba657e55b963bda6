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

from sim.arrays import unique_rows

__all__ = ["forward_loglik", "round_candidates", "transition_classes"]

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


def forward_loglik(act_a, classes_a, perc_a, init_a, act_b, classes_b, perc_b, init_b, war, med,
                   settle_after, z0, allowed, lengths, endings) -> np.ndarray:
    """Log-likelihood of each observed crisis at each parameter point: ``(G, C)``.

    Parameters
    ----------
    act_a : (G, S_A, K)      P(A executes rung x | A's state) (execution noise folded in)
    classes_a : (member (K, Q, S_A), rows (K, Q, K, S_A))
        A's automaton transition on (own executed, other seen), grouped into classes of states
        that move alike (:func:`transition_classes` of its ``(S_A, K, K, S_A)`` table)
    perc_a : (G, K, K)       A's perception matrix ``P_A[true, seen]``
    init_a : (G, S_A)        A's state distribution before round 1
    act_b, classes_b, perc_b, init_b : the same for B (its own rung first)
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
    member_a, rows_a = classes_a
    member_b, rows_b = classes_b
    alpha = np.zeros((G, C, Z, SA, SB))
    alpha[:, :, min(z0, Z - 1)] = init_a[:, None, :, None] * init_b[:, None, None, :]
    loglik = np.zeros((G, C))
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(T):
            live = lengths > t  # (C,)
            last = lengths == t + 1
            xs, ys, valid = round_candidates(allowed[:, t])
            nxt = None
            end_p = np.zeros((G, C))
            for j in range(xs.shape[1]):
                x, y, v = xs[:, j], ys[:, j], valid[:, j] & live
                ea = act_a[:, :, x].transpose(0, 2, 1) * v[None, :, None]  # (G, C, SA): P(x | s_A), 0 off-candidate
                eb = act_b[:, :, y].transpose(0, 2, 1)
                w, mu = war[gi, x, y], med[gi, x, y]  # (G, C)
                zero = (x == 0) & (y == 0)
                # the round's mass by state class: states with the same transition rows (given the
                # own rung) move alike, so they are summed before they move (transition_classes)
                ua = member_a[x][None] * ea[:, :, None, :]  # (G, C, QA, SA)
                ub = member_b[y][None] * eb[:, :, None, :]  # (G, C, QB, SB)
                cm = (ua[:, :, None] @ alpha) @ np.swapaxes(ub, -1, -2)[:, :, None]  # class mass (G, C, Z, QA, QB)
                mass = cm.sum((3, 4))  # (G, C, Z)
                total = mass.sum(-1)
                settle = mass[..., Z - 1] * zero if settles else np.zeros_like(total)
                if np.any(last):
                    end_p += last * _ending(endings, total, settle, w, mu)
                if np.all(last | ~live):
                    continue
                cm = cm * ((1 - w) * (1 - mu) * ~last)[:, :, None, None, None]
                if settles and Z > 1:  # (0, 0): the counter rises, and mass at Z - 1 settles
                    up = np.zeros_like(cm)
                    up[:, :, 1:] = cm[:, :, :-1]
                    reset = np.zeros_like(cm)
                    reset[:, :, 0] = cm.sum(2)
                    cm = np.where(zero[None, :, None, None, None], up, reset)
                elif settles:  # settle_after = 1: a (0, 0) round settles at once
                    cm = cm * ~zero[None, :, None, None, None]
                ra = _move(perc_a[gi, y], rows_a[x])  # (G, C, QA, SA)
                rb = _move(perc_b[gi, x], rows_b[y])
                step = (np.swapaxes(ra, -1, -2)[:, :, None] @ cm) @ rb[:, :, None]  # (G, C, Z, SA, SB)
                nxt = step if nxt is None else nxt + step
            loglik += np.where(last, np.log(end_p), 0.0)
            going = live & ~last
            if nxt is None:
                break
            norm = nxt.sum((2, 3, 4))
            loglik += np.where(going, np.log(norm), 0.0)
            keep = going & (norm > 0)
            nxt /= np.where(keep, norm, np.inf)[:, :, None, None, None]
            alpha = nxt
    return loglik


def transition_classes(trans: np.ndarray, possible: np.ndarray | None = None):
    """Group an automaton's states by their transition rows given the own rung.

    ``trans`` (S, K, K, S).  For each own rung x, states with equal ``trans[s, x]`` (K, S)
    move alike, so the forward step sums their mass before moving it: a memory-one automaton
    (next state a function of the observed pair) has one class per x, and a step costs
    O(S) instead of O(S^2).  ``possible`` (S, K) bool marks the rungs a state can execute;
    a state that cannot execute x carries no mass in a round where x is executed, so it joins
    any class (the first) for that x.  Returns ``member`` (K, Q, S) one-hot class membership and
    ``rows`` (K, Q, K, S) each class's transition rows (Q = most classes of any x; padding is zero).
    """
    S, K = trans.shape[:2]
    possible = np.ones((S, K), dtype=bool) if possible is None else possible
    groups = []
    for x in range(K):  # a loop over rungs
        live = np.flatnonzero(possible[:, x])
        if live.size == 0:  # no state executes x: any class will do
            groups.append((np.zeros((1, K * S)), np.zeros(S, dtype=int)))
            continue
        uniq, inv = unique_rows(trans[live, x].reshape(len(live), -1))
        cls = np.zeros(S, dtype=int)
        cls[live] = inv.reshape(-1)
        groups.append((uniq, cls))
    Q = max(max(len(u) for u, _ in groups), 1)
    member = np.zeros((K, Q, S))
    rows = np.zeros((K, Q, K, S))
    for x, (uniq, cls) in enumerate(groups):
        member[x, cls, np.arange(S)] = 1.0
        rows[x, :len(uniq)] = uniq.reshape(-1, K, S)
    return member, rows


def _move(seen, rows):
    """Each class's next-state distribution: ``sum_v seen[g, c, v] rows[c, q, v, t]`` -> (G, C, Q, S).

    ``seen`` (G, C, K) is P(the other's rung is seen as v); ``rows`` (C, Q, K, S).  One
    matrix product per crisis over all points (``(G, K) @ (K, Q S)``)."""
    C, Q, K, S = rows.shape
    flat = np.moveaxis(rows, 2, 1).reshape(C, K, Q * S)
    return (np.swapaxes(seen, 0, 1) @ flat).swapaxes(0, 1).reshape(seen.shape[0], C, Q, S)


def _ending(endings, total, settle, w, mu):
    """P(the record ends as coded after this round), per (G, C), from the round's mass."""
    not_war = (1 - w) * (mu * total + (1 - mu) * settle)
    return np.select([endings == CENSORED, endings == WAR, endings == SETTLED, endings == MEDIATED,
                      endings == CEASEFIRE, endings == ENDED],
                     [total, w * total, (1 - w) * (1 - mu) * settle, (1 - w) * mu * total, not_war,
                      w * total + not_war])
