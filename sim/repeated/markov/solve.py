"""Solvers of the exact Markov analysis: finite horizon and long run.

Pure linear algebra on a product chain built by :mod:`sim.repeated.markov` (transient
transitions ``Q`` (G, n, n), one-round exits ``exits`` (G, n, 3) to war / settled /
mediated, initial distribution ``v0`` (n,)), batched over G chains:

- :func:`_finite`: the distribution pushed forward T rounds (step 4 of the algorithm);
- :func:`_long_run`: Cesaro limits, absorption probabilities and occupancies via the
  communicating classes and the fundamental matrix (step 5), one graph analysis per
  distinct zero pattern (:func:`_long_run_group`).

The algorithm is described in :mod:`sim.repeated.markov`'s docstring; :func:`sim.repeated.markov.analyse`
calls these and assembles the :class:`~sim.repeated.markov.MarkovResult`.
"""

from __future__ import annotations

import numpy as np

from sim.arrays import unique_rows
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components


# --------------------------------------------------------------------------- finite horizon
def _finite(step, exits, v0, readout, K, T, discount):
    """Push the distribution forward T rounds.  ``step(v)`` is one round of the transient chain
    (``v (G, n) -> v Q``; the period chain of alternating timing pushes without building Q);
    ``exits (G, n, 3)``; ``readout(v)`` gives both sides' executed-rung distributions ``(G, K)``
    in the round played from distribution ``v (G, n)``; returns arrays with leading G."""
    G, n = exits.shape[0], exits.shape[1]
    v = np.broadcast_to(v0, (G, n)).copy()
    rung = np.empty((G, T, 2, K))
    active = np.empty((G, T))
    ended = np.empty((G, T, 3))
    occ = np.zeros((G, n))
    weight = 1.0
    done = np.zeros((G, 3))
    for t in range(T):
        active[:, t] = v.sum(-1)
        rung[:, t, 0], rung[:, t, 1] = readout(v)
        occ += weight * v
        weight *= discount
        done += np.matmul(v[:, None, :], exits)[:, 0]
        ended[:, t] = done
        v = step(v)
    return rung, active, ended, occ


# --------------------------------------------------------------------------- long run
def _solve(a, b):
    """Batched solve of a x = b with b (G, k) or (G, k, j)."""
    if b.ndim == a.ndim - 1:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def _long_run_group(Q, exits, v0, discount):
    """Long-run quantities for a group of chains with the same zero pattern.

    Returns (limit (G, n + 3) Cesaro-limit distribution over all states, occ_disc (G, n)
    discounted occupancy or None, occ1 (G, n) undiscounted occupancy or None, surely bool).
    """
    G, n = Q.shape[0], Q.shape[-1]
    N = n + 3
    P = np.zeros((G, N, N))
    P[:, :n, :n] = Q
    P[:, :n, n:] = exits
    P[:, np.arange(n, N), np.arange(n, N)] = 1.0
    pattern = csr_matrix(P[0] > 0)
    n_cls, labels = connected_components(pattern, directed=True, connection="strong")
    rows, cols = pattern.nonzero()
    leaves = np.zeros(n_cls, bool)  # class has an edge to another class: not closed
    crossing = labels[rows] != labels[cols]
    leaves[labels[rows[crossing]]] = True
    closed = [np.flatnonzero(labels == c) for c in range(n_cls) if not leaves[c]]
    in_closed = np.zeros(N, bool)
    for C in closed:
        in_closed[C] = True
    Tr = np.flatnonzero(~in_closed)  # transient states of the full chain (all < n)

    v = np.zeros(N)
    v[:n] = v0
    # absorption into each closed class from the transient states (fundamental matrix)
    if len(Tr):
        R = np.stack([P[:, Tr][:, :, C].sum(-1) for C in closed], -1)  # (G, |Tr|, n_closed)
        X = _solve(np.eye(len(Tr)) - P[:, Tr][:, :, Tr], R)
        mass = v[Tr] @ X  # (G, n_closed)
    else:
        mass = np.zeros((G, len(closed)))
    limit = np.zeros((G, N))
    for k, C in enumerate(closed):
        mk = mass[:, k] + v[C].sum()
        if len(C) == 1:
            pi = np.ones((G, 1))
        else:
            a = np.swapaxes(P[:, C][:, :, C] - np.eye(len(C)), -1, -2).copy()
            a[:, -1, :] = 1.0
            rhs = np.zeros((G, len(C)))
            rhs[:, -1] = 1.0
            pi = _solve(a, rhs)
        limit[:, C] += mk[:, None] * pi

    # can the start reach a closed class made of transient (non-ending) states?
    start = np.flatnonzero(v > 0)
    reach = np.zeros(N, bool)
    for s in start:
        reach[breadth_first_order(pattern, int(s), directed=True, return_predecessors=False)] = True
    stuck = np.zeros(N, bool)
    for C in closed:
        if C[0] < n:
            stuck[C] = True
    surely = not np.any(reach & stuck)

    occ1 = None
    if surely:
        occ1 = np.zeros((G, n))
        if len(Tr):
            occ1[:, Tr] = _solve(np.swapaxes(np.eye(len(Tr)) - P[:, Tr][:, :, Tr], -1, -2), np.broadcast_to(
                v[Tr], (G, len(Tr))))
    occ_disc = None
    if discount < 1.0:
        occ_disc = _solve(np.swapaxes(np.eye(n) - discount * Q, -1, -2), np.broadcast_to(v0, (G, n)))
    elif surely:
        occ_disc = occ1
    return limit, occ_disc, occ1, surely


def _long_run(Q, exits, v0, ws, discount):
    G, n = Q.shape[0], Q.shape[-1]
    # the zero pattern of the chain depends on the game only through (w > 0, w < 1)
    keys = np.concatenate([(ws > 0).reshape(G, -1), (ws < 1).reshape(G, -1)], -1)
    _, group = unique_rows(keys)
    group = group.reshape(-1)
    limit = np.zeros((G, n + 3))
    occ_disc = np.full((G, n), np.nan)
    occ1 = np.full((G, n), np.nan)
    surely = np.zeros(G, bool)
    for k in range(group.max() + 1):
        idx = np.flatnonzero(group == k)
        lim, od, o1, s = _long_run_group(Q[idx], exits[idx], v0, discount)
        limit[idx] = lim
        surely[idx] = s
        if od is not None:
            occ_disc[idx] = od
        if o1 is not None:
            occ1[idx] = o1
    return limit, occ_disc, occ1, surely
