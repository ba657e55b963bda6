"""The product chain of a strategy pair under alternating timing.

Under ``timing="alternating"`` (:class:`sim.repeated.CrisisSettings`) one side moves per
round and the other's rung stands; the mover first updates its automaton on the standing
pair (its own rung, the other's through perception noise), then acts with execution noise
(``sim.repeated.strategies.timing`` gives the same process as automata for the Monte-Carlo
engine).  Payoffs, war risk, mediation and the ``(0, 0)`` counter apply to the pair that
stands after each move.

Transient states ``(p, s_A, s_B, k, c)`` in C order: the phase ``p`` (0: A to move, 1: B to
move), both automaton states, the standing rung ``k`` of the side that does *not* move, and
the ``(0, 0)`` counter ``c``.  Each automaton's update is done as soon as the other side has
moved (it only needs the pair that then stands until its own move):

- phase 0 ``(a, b, y)``: A executes ``x ~ exec_A[a]``; the pair ``(x, y)`` is played; B
  observes ``(y, x)`` and moves to ``b2 ~ T_B[b, y, x]``; next ``(1, a, b2, x)``;
- phase 1 ``(a, b, x)``: B executes ``y ~ exec_B[b]``; the pair ``(x, y)`` is played; A
  observes ``(x, y)`` and moves to ``a2 ~ T_A[a, x, y]``; next ``(0, a2, b, y)``.

``T_A[a, x, y, a2] = sum_u P_A[y, u] transition_A[a, x, u, a2]`` (perception folded in), and
``T_B`` likewise.  With A moving first the chain starts in phase 0 with A's automaton at its
initial distribution (or after observing the opening ``(x0, y0)``), B's at its initial
distribution and B's standing rung ``y0`` (0 without an opening); with B first, in phase 1
likewise with the sides' roles exchanged.  An opening ``(0, 0)`` starts the counter at 1.  ``n = 2 S_A S_B K m`` transient states.
"""

from __future__ import annotations

import numpy as np

from sim.repeated.strategies.timing import observe_opening

__all__ = ["alternating_tables", "alternating_kernel", "alternating_sparse_kernel", "alternating_pull", "alternating_exits", "alternating_step",
           "alternating_rewards", "alternating_readout", "push_states"]


def alternating_tables(strategy_a, strategy_b, cs, K):
    """Executed-rung laws, perception-folded transitions and the initial distribution."""
    (EA, EB), (PA, PB) = cs.noise(K)
    exec_a = strategy_a.action @ EA
    exec_b = strategy_b.action @ EB
    TA = np.einsum("yu,axut->axyt", PA, strategy_a.transition)   # A: own x, B executed y
    TB = np.einsum("xv,byvt->byxt", PB, strategy_b.transition)   # B: own y, A executed x
    SA, SB = strategy_a.n_states, strategy_b.n_states
    m = cs.settle_after or 1
    opening = cs.opening_pair(K)
    x0, y0 = (0, 0) if opening is None else opening
    c0 = 1 if opening == (0, 0) and cs.settle_after is not None else 0
    v0 = np.zeros((2, SA, SB, K, m))
    if cs.first == 0:  # A moves first (after observing the opening); B holds y0
        start_a = strategy_a.initial if opening is None else observe_opening(strategy_a, x0, y0, PA)
        v0[0, :, :, y0, c0] = np.outer(start_a, strategy_b.initial)
    else:              # B moves first; A holds x0
        start_b = strategy_b.initial if opening is None else observe_opening(strategy_b, y0, x0, PB)
        v0[1, :, :, x0, c0] = np.outer(strategy_a.initial, start_b)
    return dict(exec_a=exec_a, exec_b=exec_b, TA=TA, TB=TB, v0=v0.reshape(-1), shape=(2, SA, SB, K, m))


def alternating_kernel(w, mu, t, m, settle):
    """``Q`` (G, n, n) and ``exits`` (G, n, 3) for war tables ``w`` (G, K, K)."""
    exec_a, exec_b, TA, TB = t["exec_a"], t["exec_b"], t["TA"], t["TB"]
    G, K = w.shape[0], w.shape[-1]
    SA, SB = exec_a.shape[0], exec_b.shape[0]
    cont = (1.0 - w) * (1.0 - mu)
    cont_n = cont.copy()
    if settle:
        cont_n[:, 0, 0] = 0.0
    Q = np.zeros((G, 2, SA, SB, K, m, 2, SA, SB, K, m))
    ia, ib = np.arange(SA), np.arange(SB)
    # phase 0 -> 1: X[g, a, b, y, b2, x]
    X = np.einsum("ax,gxy,byxt->gabytx", exec_a, cont_n, TB, optimize=True)
    Xa = X.transpose(1, 0, 2, 3, 4, 5)  # (a, g, b, y, b2, x)
    # phase 1 -> 0: Y[g, a, b, x, a2, y]
    Y = np.einsum("by,gxy,axyt->gabxty", exec_b, cont_n, TA, optimize=True)
    Yb = Y.transpose(2, 0, 1, 3, 4, 5)  # (b, g, a, x, a2, y)
    for c in range(m):
        Q[:, 0, ia, :, :, c, 1, ia, :, :, 0] = Xa
        Q[:, 1, :, ib, :, c, 0, :, ib, :, 0] = Yb
    if settle:
        X0 = np.einsum("a,g,bt->agbt", exec_a[:, 0], cont[:, 0, 0], TB[:, 0, 0])
        Y0 = np.einsum("b,g,at->bgat", exec_b[:, 0], cont[:, 0, 0], TA[:, 0, 0])
        for c in range(m - 1):
            Q[:, 0, ia, :, 0, c, 1, ia, :, 0, c + 1] = X0
            Q[:, 1, :, ib, 0, c, 0, :, ib, 0, c + 1] = Y0
    n = 2 * SA * SB * K * m
    return Q.reshape(G, n, n), alternating_exits(w, mu, t, m, settle)


def alternating_sparse_kernel(w, mu, t, m, settle):
    """:func:`alternating_kernel`'s ``Q`` built directly as sparse matrices: a list of ``G``
    ``scipy.sparse.csr_matrix`` of shape ``(n, n)``, one per war table ``w[g]`` (G, K, K).

    Each transient state reaches at most ``S K`` states (the other's next automaton state and
    the mover's executed rung; plus the ``(0, 0)`` counter's step), so ``Q`` has at most
    ``2 S_A S_B K m (max(S_A, S_B) K + max(S_A, S_B))`` entries instead of ``n^2``: for two
    11-state automata on 11 rungs with ``m = 3``, about 1.0 M entries (16 MB) instead of a
    dense 7,986^2 (510 MB).  Entries equal :func:`alternating_kernel`'s exactly (the same
    products of the same tables); the row/column pattern is shared by every table.
    """
    from scipy.sparse import csr_matrix

    exec_a, exec_b, TA, TB = t["exec_a"], t["exec_b"], t["TA"], t["TB"]
    G, K = w.shape[0], w.shape[-1]
    SA, SB = exec_a.shape[0], exec_b.shape[0]
    n = 2 * SA * SB * K * m
    idx = np.arange(n).reshape(2, SA, SB, K, m)
    cont = (1.0 - w) * (1.0 - mu)
    cont_n = cont.copy()
    if settle:
        cont_n[:, 0, 0] = 0.0
    rows, cols, vals = [], [], []
    # phase 0 (a, b, y, c) -> phase 1 (a, b2, x, 0): X[g, a, b, y, b2, x], the same for every c
    X = np.einsum("ax,gxy,byxt->gabytx", exec_a, cont_n, TB, optimize=True)
    r0 = idx[0][:, :, :, :, None, None]                      # (a, b, y, c, 1, 1)
    c0 = idx[1][:, None, None, None, :, :, 0]                # (a, 1, 1, 1, b2, x)
    shape0 = (SA, SB, K, m, SB, K)
    rows.append(np.broadcast_to(r0, shape0).ravel())
    cols.append(np.broadcast_to(c0, shape0).ravel())
    vals.append(np.broadcast_to(X[:, :, :, :, None, :, :], (G,) + shape0).reshape(G, -1))
    # phase 1 (a, b, x, c) -> phase 0 (a2, b, y, 0): Y[g, a, b, x, a2, y]
    Y = np.einsum("by,gxy,axyt->gabxty", exec_b, cont_n, TA, optimize=True)
    r1 = idx[1][:, :, :, :, None, None]                      # (a, b, x, c, 1, 1)
    c1 = idx[0][:, :, :, 0].transpose(1, 0, 2)[None, :, None, None, :, :]  # (1, b, 1, 1, a2, y)
    shape1 = (SA, SB, K, m, SA, K)
    rows.append(np.broadcast_to(r1, shape1).ravel())
    cols.append(np.broadcast_to(c1, shape1).ravel())
    vals.append(np.broadcast_to(Y[:, :, :, :, None, :, :], (G,) + shape1).reshape(G, -1))
    if settle and m > 1:  # (0, 0) played: the counter moves on
        X0 = np.einsum("a,g,bt->gabt", exec_a[:, 0], cont[:, 0, 0], TB[:, 0, 0])  # (g, a, b, b2)
        Y0 = np.einsum("b,g,at->gabt", exec_b[:, 0], cont[:, 0, 0], TA[:, 0, 0])  # (g, a, b, a2)
        for c in range(m - 1):
            shp = (SA, SB, SB)
            rows.append(np.broadcast_to(idx[0][:, :, 0, c][:, :, None], shp).ravel())
            cols.append(np.broadcast_to(idx[1][:, :, 0, c + 1][:, None, :], shp).ravel())
            vals.append(X0.reshape(G, -1))
            shp = (SA, SB, SA)
            rows.append(np.broadcast_to(idx[1][:, :, 0, c][:, :, None], shp).ravel())
            cols.append(np.broadcast_to(idx[0][:, :, 0, c + 1].T[None, :, :], shp).ravel())
            vals.append(Y0.reshape(G, -1))
    rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals, axis=1)
    order = np.lexsort((cols, rows))  # CSR order once; duplicates (none by construction) would be summed
    rows, cols, vals = rows[order], cols[order], vals[:, order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    return [csr_matrix((vals[g], cols, indptr), shape=(n, n)) for g in range(G)]


def alternating_exits(w, mu, t, m, settle):
    """``exits`` (G, n, 3): one-round probabilities of war, settlement, mediation per state."""
    exec_a, exec_b = t["exec_a"], t["exec_b"]
    G, K = w.shape[0], w.shape[-1]
    SA, SB = exec_a.shape[0], exec_b.shape[0]
    cont = (1.0 - w) * (1.0 - mu)
    exits = np.zeros((G, 2, SA, SB, K, m, 3))
    exits[:, 0, ..., 0] = np.einsum("ax,gxy->gay", exec_a, w)[:, :, None, :, None]
    exits[:, 0, ..., 2] = np.einsum("ax,gxy->gay", exec_a, (1.0 - w) * mu)[:, :, None, :, None]
    exits[:, 1, ..., 0] = np.einsum("by,gxy->gbx", exec_b, w)[:, None, :, :, None]
    exits[:, 1, ..., 2] = np.einsum("by,gxy->gbx", exec_b, (1.0 - w) * mu)[:, None, :, :, None]
    if settle:
        exits[:, 0, :, :, 0, m - 1, 1] = (exec_a[None, :, 0] * cont[:, 0, 0, None])[:, :, None]
        exits[:, 1, :, :, 0, m - 1, 1] = (exec_b[None, :, 0] * cont[:, 0, 0, None])[:, None, :]
    return exits.reshape(G, -1, 3)


def push_states(SA: int, SB: int, K: int, m: int) -> int:
    """The dense size whose square bounds the numbers :func:`alternating_step` holds (state
    vectors and einsum intermediates, about ``n K`` for ``n`` states), for the memory checks."""
    return int(np.ceil(np.sqrt(2 * SA * SB * K * m * K)))


def _through(lead, cont_n, T):
    """``einsum("gsok,grk,okrp->gspr", lead, cont_n, T)``: the sum over the other's state ``o`` as
    one BLAS matrix product per standing rung ``k`` (``(G S, O) @ (O, R P)``), then the sum over
    ``k`` weighted by ``cont_n``.  ``einsum`` keeps ``k`` in both inputs and so cannot hand the
    product to BLAS: 8x slower at 11 rungs (benchmarks/README.md, "alternating analyse").  The
    intermediate holds ``K G S R P`` numbers, at most the ``n K`` of :func:`push_states`."""
    G, S, O, K = lead.shape
    R, P = T.shape[2], T.shape[3]
    Y = np.matmul(lead.transpose(3, 0, 1, 2).reshape(K, G * S, O), T.transpose(1, 0, 2, 3).reshape(K, O, R * P))
    return np.einsum("kgsrp,grk->gspr", Y.reshape(K, G, S, R, P), cont_n)


def _push(v, execm, cont, cont_n, T, m, settle):
    """One move.  ``v (G, S_m, S_o, k, m)``: the mover's state, the other's state, the other's
    standing rung, the counter; ``execm (S_m, K)`` the mover's executed-rung law; ``cont[g, r, k]``
    at (mover's rung, other's rung); ``T[o, k, r, o2]`` the other's update on (its standing k,
    the mover's r).  Returns ``(G, S_m, S_o2, r, m)``: the mover's state, the other's updated
    state, the mover's new rung (now standing), the counter."""
    lead = v.sum(-1)  # every counter value leaves the same way, except through (0, 0) (cont_n is 0 there)
    new = np.zeros(v.shape[:2] + (T.shape[-1], execm.shape[1], m))
    new[..., 0] = _through(lead, cont_n, T) * execm[None, :, None, :]
    if settle:
        for c in range(m - 1):  # (r, k) = (0, 0): the counter moves on
            new[:, :, :, 0, c + 1] += np.einsum("gso,g,op->gsp", v[:, :, :, 0, c], cont[:, 0, 0], T[:, 0, 0],
                                                optimize=True) * execm[None, :, None, 0]
    return new


def _continuation(w, mu, settle):
    """``cont = (1 - w)(1 - mu)``, the chance a crisis goes on after a pair (G, K, K), and
    ``cont_n``, the same with the quiet pair (0, 0) not continuing the crisis when ``settle``."""
    cont = (1.0 - w) * (1.0 - mu)
    cont_n = cont.copy()
    if settle:
        cont_n[:, 0, 0] = 0.0
    return cont, cont_n


def alternating_step(w, mu, t, m, settle):
    """One move of the period chain without building it, ``v (G, n) -> v Q``, for
    :func:`sim.repeated.markov.solve._finite`: two einsums over the automaton tables
    (``O(S_A S_B K^2 max(S_A, S_B))`` per move) instead of a dense ``(n, n)`` matrix."""
    exec_a, exec_b, TA, TB = t["exec_a"], t["exec_b"], t["TA"], t["TB"]
    G, SA, SB, K = w.shape[0], exec_a.shape[0], exec_b.shape[0], exec_a.shape[1]
    cont, cont_n = _continuation(w, mu, settle)
    cont_b, cont_bn = cont.transpose(0, 2, 1), cont_n.transpose(0, 2, 1)  # B's view: (own y, other x)
    half = SA * SB * K * m

    def step(v):
        p0 = v[:, :half].reshape(G, SA, SB, K, m)                           # A moves: (a, b, y, c)
        p1 = v[:, half:].reshape(G, SA, SB, K, m).transpose(0, 2, 1, 3, 4)  # B moves: (b, a, x, c)
        new1 = _push(p0, exec_a, cont, cont_n, TB, m, settle)               # (a, b2, x, c)
        new0 = _push(p1, exec_b, cont_b, cont_bn, TA, m, settle)            # (b, a2, y, c)
        return np.concatenate([new0.transpose(0, 2, 1, 3, 4).reshape(G, -1), new1.reshape(G, -1)], axis=1)
    return step


def alternating_pull(w, mu, t, m, settle):
    """``W (G, n, J) -> Q W`` for war tables ``w`` (G, K, K), one per game, without building ``Q``:
    the backward counterpart of :func:`alternating_step` (values instead of distributions), for
    backward induction over the period chain.  Two einsums per phase over the automaton tables,
    ``O(S_A S_B K^2 max(S_A, S_B) J)`` per game instead of ``Q``'s ~``n S K`` entries.

    With ``X = exec_A[a, x] cont_n[x, y] T_B[b, y, x, b2]`` (phase 0 -> 1) and
    ``Y = exec_B[b, y] cont_n[x, y] T_A[a, x, y, a2]`` (phase 1 -> 0), as in
    :func:`alternating_kernel`, plus the ``(0, 0)`` counter's step."""
    exec_a, exec_b, TA, TB = t["exec_a"], t["exec_b"], t["TA"], t["TB"]
    G, SA, SB, K = w.shape[0], exec_a.shape[0], exec_b.shape[0], exec_a.shape[1]
    cont, cont_n = _continuation(w, mu, settle)
    half = SA * SB * K * m

    def pull(W):
        J = W.shape[-1]
        W0 = W[:, :half].reshape(G, SA, SB, K, m, J)  # A to move: (a, b, y, c)
        W1 = W[:, half:].reshape(G, SA, SB, K, m, J)  # B to move: (a, b, x, c)
        out0 = np.empty_like(W0)
        out1 = np.empty_like(W1)
        Z = np.einsum("byxt,gatxj->gabyxj", TB, W1[:, :, :, :, 0], optimize=True)
        out0[...] = np.einsum("ax,gxy,gabyxj->gabyj", exec_a, cont_n, Z, optimize=True)[:, :, :, :, None]
        Z = np.einsum("axyt,gtbyj->gabxyj", TA, W0[:, :, :, :, 0], optimize=True)
        out1[...] = np.einsum("by,gxy,gabxyj->gabxj", exec_b, cont_n, Z, optimize=True)[:, :, :, :, None]
        if settle:
            for c in range(m - 1):  # (0, 0) played: the counter moves on
                out0[:, :, :, 0, c] += np.einsum("a,g,bt,gatj->gabj", exec_a[:, 0], cont[:, 0, 0], TB[:, 0, 0],
                                                 W1[:, :, :, 0, c + 1], optimize=True)
                out1[:, :, :, 0, c] += np.einsum("b,g,at,gtbj->gabj", exec_b[:, 0], cont[:, 0, 0], TA[:, 0, 0],
                                                 W0[:, :, :, 0, c + 1], optimize=True)
        return np.concatenate([out0.reshape(G, half, J), out1.reshape(G, half, J)], axis=1)
    return pull


def alternating_rewards(Ae, Be, t, m):
    """(N, n, 2): expected payoffs of the round played in each state."""
    exec_a, exec_b = t["exec_a"], t["exec_b"]
    SA, SB, K = exec_a.shape[0], exec_b.shape[0], exec_a.shape[1]
    N = Ae.shape[0]
    r = np.zeros((N, 2, SA, SB, K, m, 2))
    for j, M in enumerate((Ae, Be)):
        r[:, 0, ..., j] = np.einsum("ax,gxy->gay", exec_a, M)[:, :, None, :, None]
        r[:, 1, ..., j] = np.einsum("by,gxy->gbx", exec_b, M)[:, None, :, :, None]
    return r.reshape(N, -1, 2)


def alternating_readout(t, m):
    """``(rung_a, rung_b)``, each (n, K): each side's rung in the round played from each state."""
    exec_a, exec_b = t["exec_a"], t["exec_b"]
    SA, SB, K = exec_a.shape[0], exec_b.shape[0], exec_a.shape[1]
    eye = np.eye(K)
    ra = np.zeros((2, SA, SB, K, m, K))
    rb = np.zeros((2, SA, SB, K, m, K))
    ra[0] = exec_a[:, None, None, None, :]
    rb[0] = eye[None, None, :, None, :]
    ra[1] = eye[None, None, :, None, :]
    rb[1] = exec_b[None, :, None, None, :]
    return ra.reshape(-1, K), rb.reshape(-1, K)
