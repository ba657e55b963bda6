"""Logit Markov QRE continuation and MPE selection for a *batch* of games at once.

The same algorithm as :mod:`sim.dynamic.markov_trace` and :func:`sim.dynamic.markov_perfect`
(one game), advanced for G games together: each game has its own point ``(w, lam)``, tangent,
step size and orientation; the dense Jacobians are stacked ``(G, n, n)`` and solved with one
``numpy.linalg.solve``; acceptance and rejection of a step, convergence of the corrector and
the MPE candidate tests are per-game masks; a game that has found its MPE (or has reached its
target ``lam``) drops out of the active set.  The Python loops are over continuation steps and
Newton iterations, never over games (but for a stacked solve that hits an exactly singular
matrix: then the stack is solved game by game to find which one failed).

Steps (names of the functions below):

1. :func:`_q` / :func:`_h`: action values ``Q (G, n)``, their Jacobian ``dQ/dpi (G, n, n)`` and
   the residual ``H``, ``dH/dw``, ``dH/dlam`` of the logit map, stacked over games.
2. :func:`_lin`, :func:`_bsolve`: the linearisation and the bordered solves
   ``[[dH/dw, dH/dlam], [t^T]] y = rhs``; from :data:`STRUCTURED_N` unknowns by the Woodbury form
   of ``markov_trace.bordered_solve`` (``dH/dw`` = block diagonal over states + rank ``2S``:
   stacked ``(G, S, m, m)`` block solves and a ``(G, 2S + 2, 2S + 2)`` system, checked by the
   residual, dense for the games where it is poor), else densely.  The single-game code uses the
   structured form only above 200 unknowns, where it pays for its extra numpy calls; stacked over
   games those calls are shared, and the form costs ~10x fewer flops (132 unknowns: the merged
   11-rung escalation game).
   :func:`_correct`, :func:`_tangent`: Newton corrector on ``[H; t . (x - x_pred)] = 0`` and the
   tangent of the bordered system, per game by masks.
3. :class:`_Branch`: one predictor-corrector step of every active game (accept, or halve the step).
4. In :mod:`sim.dynamic.markov_batch_select`: the indifference Newton on per-game supports, and
   the drivers ``perfect`` (MPE) and ``trace`` (QRE at a given ``lam``).

Arrays: ``R (G, S, K_A, K_B, 2)`` payoffs, ``T (G, S, K_A, K_B, S)`` transitions, a common
discount ``d``; unknowns ``w (G, n)``, ``n = S (K_A + K_B)``, A's log-probabilities first.
"""

from __future__ import annotations

import numpy as np

from sim.dynamic.markov_trace import MAX_STEPS, TOL

__all__ = ["values", "gaps", "batch_bytes", "STRUCTURED_N"]


def batch_bytes(S: int, KA: int, KB: int) -> int:
    """Bytes per game of the batched continuation (the stacked bordered Jacobians and their
    temporaries, ~6 copies of ``(n + 1)^2`` floats, plus the game's arrays)."""
    n = S * (KA + KB) + 1
    return 8 * (6 * n * n + 4 * S * KA * KB * (S + 2))


# --------------------------------------------------------------------------- 1. the map, stacked
def _lse_softmax(z):
    """``logsumexp`` (keepdims) and ``softmax`` over the last axis."""
    m = z.max(-1, keepdims=True)
    e = np.exp(z - m)
    tot = e.sum(-1, keepdims=True)
    return m + np.log(tot), e / tot


def _profile(pa, pb):
    """``pa (G, S, K_A)``, ``pb (G, S, K_B)`` -> the joint play ``(G, S, 1, K_A K_B)``."""
    G, S, KA = pa.shape
    return (pa[..., :, None] * pb[..., None, :]).reshape(G, S, 1, KA * pb.shape[-1])


def values(R, T, d, pa, pb):
    """``(M (G, S, S), V (G, S, 2))``: ``M = I - d P_pi`` and the profile's values."""
    G, S, KA, KB, _ = R.shape
    x = _profile(pa, pb)
    r = (x @ R.reshape(G, S, KA * KB, 2))[:, :, 0]
    P = (x @ T.reshape(G, S, KA * KB, S))[:, :, 0]
    M = np.eye(S)[None] - d * P
    return M, np.linalg.solve(M, r)


def _totals(R, T, d, V):
    G, S, KA, KB, _ = R.shape
    return R + d * (T.reshape(G, S * KA * KB, S) @ V).reshape(G, S, KA, KB, 2)


def _qab(pa, pb, total):
    """``Q_A (G, S, K_A)``, ``Q_B (G, S, K_B)`` from the totals ``(G, S, K_A, K_B, 2)``."""
    QA = (total[..., 0] @ pb[..., :, None])[..., 0]
    QB = (pa[..., None, :] @ total[..., 1])[..., 0, :]
    return QA, QB


def gaps(R, T, d, pa, pb):
    """The one-shot gap of each game ``(G,)`` (:func:`sim.dynamic.one_shot_gap`, stacked) and ``V``."""
    _, V = values(R, T, d, pa, pb)
    qa, qb = _qab(pa, pb, _totals(R, T, d, V))
    dev = np.concatenate([qa.max(-1) - V[..., 0], qb.max(-1) - V[..., 1]], -1)
    return dev.max(-1), V


def _q(R, T, d, pa, pb, want_jac: bool):
    """``Q (G, n)`` and, if asked, ``dQ/dpi (G, n, n)`` (as ``Kernel.q``, stacked)."""
    G, S, KA, KB, _ = R.shape
    nA, n = S * KA, S * (KA + KB)
    M, V = values(R, T, d, pa, pb)
    total = _totals(R, T, d, V)
    QA, QB = _qab(pa, pb, total)
    Q = np.concatenate([QA.reshape(G, nA), QB.reshape(G, n - nA)], 1)
    if not want_jac:
        return Q, None
    Minv = np.linalg.inv(M)
    GA = (pb[:, :, None, None, :] @ total)[..., 0, :]                                # (G, S, KA, 2)
    GB = (pa[:, :, None, :] @ total.reshape(G, S, KA, KB * 2)).reshape(G, S, KB, 2)  # (G, S, KB, 2)
    TA = (pb[:, :, None, None, :] @ T)[..., 0, :].reshape(G, nA, S)
    TB = (pa[:, :, None, :] @ T.reshape(G, S, KA, KB * S)).reshape(G, n - nA, S)
    dV = [np.concatenate([(Minv[..., None] * GA[:, None, :, :, j]).reshape(G, S, nA),
                          (Minv[..., None] * GB[:, None, :, :, j]).reshape(G, S, n - nA)], axis=2) for j in (0, 1)]
    D = np.empty((G, n, n))
    np.matmul(TA, dV[0], out=D[:, :nA])
    np.matmul(TB, dV[1], out=D[:, nA:])
    D *= d
    for s in range(S):  # direct terms (a loop over states, not games)
        ra, rb = slice(s * KA, (s + 1) * KA), slice(nA + s * KB, nA + (s + 1) * KB)
        D[:, ra, rb] += total[:, s, :, :, 0]
        D[:, rb, ra] += total[:, s, :, :, 1].transpose(0, 2, 1)
    return Q, D


def _h(R, T, d, w, lam, want_jac: bool = False):
    """Residual ``H (G, n)``; with ``want_jac`` also ``dH/dw (G, n, n)`` and ``dH/dlam (G, n)``."""
    G, S, KA, KB, _ = R.shape
    nA = S * KA
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        pi = np.exp(w)
        Q, D = _q(R, T, d, pi[:, :nA].reshape(G, S, KA), pi[:, nA:].reshape(G, S, KB), want_jac)
        H, dlam, soft = [], [], []
        for sl, K in ((slice(0, nA), KA), (slice(nA, None), KB)):
            z = Q[:, sl].reshape(G, S, K)
            lse, sm = _lse_softmax(lam[:, None, None] * z)
            H.append((w[:, sl].reshape(G, S, K) - lam[:, None, None] * z + lse).reshape(G, -1))
            soft.append(sm)
            dlam.append((-z + (sm * z).sum(-1, keepdims=True)).reshape(G, -1))
        H = np.concatenate(H, 1)
        if not want_jac:
            return H
        J = D  # J = I - lam (I - 1 s^T per block) (dQ/dpi * pi), built in place in D's memory
        J *= pi[:, None, :]
        for sl, sm, K in ((slice(0, nA), soft[0], KA), (slice(nA, None), soft[1], KB)):
            Xb = J[:, sl].reshape(G, S, K, -1)
            Xb -= sm[:, :, None, :] @ Xb
        J *= -lam[:, None, None]
        n = J.shape[1]
        J.reshape(G, n * n)[:, ::n + 1] += 1.0
        return H, J, np.concatenate(dlam, 1)


def _solve(A, b):
    """``(x, ok)``: stacked ``A x = b`` for ``A (G, m, m)``, ``b (G, m)``; ``ok`` False where a
    matrix is singular (found game by game only when the stacked solve raises)."""
    try:
        return np.linalg.solve(A, b[..., None])[..., 0], np.ones(A.shape[0], bool)
    except np.linalg.LinAlgError:
        x, ok = np.zeros_like(b), np.ones(A.shape[0], bool)
        for g in range(A.shape[0]):  # exceptional path: which game's matrix is singular
            try:
                x[g] = np.linalg.solve(A[g], b[g])
            except np.linalg.LinAlgError:
                ok[g] = False
        return x, ok


def _bordered(J, dl, t):
    """The bordered matrices ``[[J, dl], [t^T]] (G, n + 1, n + 1)``."""
    G, n, _ = J.shape
    A = np.empty((G, n + 1, n + 1))
    A[:, :n, :n], A[:, :n, n], A[:, n] = J, dl, t
    return A


# --------------------------------------------------------------------------- 2. corrector and tangent
STRUCTURED_N = 40  # unknowns from which the bordered systems are solved by the structured (Woodbury) form


def _structured(R, T, d, w, lam):
    """``H (G, n)``, ``dH/dlam (G, n)`` and ``dH/dw = Bd + Ul @ Cr`` as ``(Bd (G, S, m, m), Ul (G, n, 2S),
    Cr (G, 2S, n))``, ``m = K_A + K_B`` (``markov_trace.Kernel.structured``, stacked): ``Bd`` couples the
    two sides within a state (on the indices :func:`_perm`), ``Ul @ Cr`` is the rank-``2S`` rest."""
    G, S, KA, KB, _ = R.shape
    nA, n, m = S * KA, S * (KA + KB), KA + KB
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        pi = np.exp(w)
        pa, pb = pi[:, :nA].reshape(G, S, KA), pi[:, nA:].reshape(G, S, KB)
        M, V = values(R, T, d, pa, pb)
        total = _totals(R, T, d, V)
        QA, QB = _qab(pa, pb, total)
        Minv = np.linalg.inv(M)
        GA = (pb[:, :, None, None, :] @ total)[..., 0, :]
        GB = (pa[:, :, None, :] @ total.reshape(G, S, KA, KB * 2)).reshape(G, S, KB, 2)
        C = np.concatenate([np.concatenate([(Minv[..., None] * GA[:, None, :, :, j]).reshape(G, S, nA),
                                            (Minv[..., None] * GB[:, None, :, :, j]).reshape(G, S, n - nA)], axis=2)
                            for j in (0, 1)], axis=1)                                       # (G, 2S, n)
        U = np.zeros((G, n, 2 * S))
        U[:, :nA, :S] = d * (pb[:, :, None, None, :] @ T)[..., 0, :].reshape(G, nA, S)
        U[:, nA:, S:] = d * (pa[:, :, None, :] @ T.reshape(G, S, KA, KB * S)).reshape(G, n - nA, S)
        H, dl, soft = [], [], []
        for sl, z, K in ((slice(0, nA), QA, KA), (slice(nA, None), QB, KB)):
            lse, sm = _lse_softmax(lam[:, None, None] * z)
            H.append((w[:, sl].reshape(G, S, K) - lam[:, None, None] * z + lse).reshape(G, -1))
            soft.append(sm)
            dl.append((-z + (sm * z).sum(-1, keepdims=True)).reshape(G, -1))
            Ub = U[:, sl].reshape(G, S, K, -1)
            Ub -= sm[:, :, None, :] @ Ub
        U *= -lam[:, None, None]
        C *= pi[:, None, :]
        X = np.zeros((G, S, m, m))
        X[:, :, :KA, KA:] = total[..., 0]
        X[:, :, KA:, :KA] = total[..., 1].transpose(0, 1, 3, 2)
        X *= pi[:, _perm(S, KA, KB)][:, :, None, :]
        X[:, :, :KA] -= soft[0][:, :, None, :] @ X[:, :, :KA]
        X[:, :, KA:] -= soft[1][:, :, None, :] @ X[:, :, KA:]
        X *= -lam[:, None, None, None]
        X += np.eye(m)
    return np.concatenate(H, 1), np.concatenate(dl, 1), (X, U, C)


def _perm(S, KA, KB):
    """Global indices of state s's unknowns (A's then B's), ``(S, K_A + K_B)``."""
    nA = S * KA
    return np.concatenate([np.arange(nA).reshape(S, KA), nA + np.arange(S * KB).reshape(S, KB)], 1)


def _lin(R, T, d, w, lam):
    """``(H, dl, fac)``: the residual, ``dH/dlam`` and ``dH/dw`` as ``(J,)`` (dense) or ``(Bd, Ul, Cr)``."""
    G, S, KA, KB, _ = R.shape
    if S * (KA + KB) >= STRUCTURED_N and S > 1:
        return _structured(R, T, d, w, lam)
    H, J, dl = _h(R, T, d, w, lam, True)
    return H, dl, (J,)


def _rows(a, idx):
    """``a[idx]`` (a copy) unless ``idx`` is every row in order (then ``a`` itself)."""
    return a if idx is None or (idx.size == a.shape[0] and (idx.size == 0 or idx[-1] == idx.size - 1)) else a[idx]


def _bsolve(R, T, d, x, dl, fac, t, rhs, idx=None):
    """``(y, ok)``: the bordered systems ``[[dH/dw, dl], [t^T]] y = rhs`` at the points ``x (G, n + 1)``.

    Structured factors are solved by the Woodbury formula (stacked block solves plus a
    ``2S + 2`` system) and checked by their residual; games where that is poor or singular are
    solved densely (``markov_trace.bordered_solve``, stacked).  ``R, T`` are indexed by ``idx``
    (positions of the games of ``x``; None: all), only where a dense solve is needed."""
    if len(fac) == 1:
        return _solve(_bordered(fac[0], dl, t), rhs)
    Bd, Ul, Cr = fac
    G, n, k = Ul.shape
    S, KA, KB = R.shape[1], R.shape[2], R.shape[3]
    perm = _perm(S, KA, KB)
    W = np.zeros((G, n + 1, k + 3))  # [Ul, dl, e_n, rhs]
    W[:, :n, :k], W[:, :n, k], W[:, n, k + 1], W[:, :, k + 2] = Ul, dl, 1.0, rhs
    Vt = np.zeros((G, k + 2, n + 1))
    Vt[:, :k, :n], Vt[:, k, n], Vt[:, k + 1] = Cr, 1.0, t
    Vt[:, k + 1, n] -= 1.0
    y = np.full((G, n + 1), np.nan)
    good = np.zeros(G, bool)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            W[:, perm] = np.linalg.solve(Bd, W[:, perm])   # diag(Bd, 1)^{-1} [Ul, dl, e_n, rhs]
        except np.linalg.LinAlgError:
            pass  # a singular block: every game of this call is solved densely below
        else:
            Z, y0 = W[..., :k + 2], W[..., k + 2]
            small = np.eye(k + 2)[None] + Vt @ Z
            c, solved = _solve(small, (Vt @ y0[..., None])[..., 0])
            y = y0 - (Z @ c[..., None])[..., 0]
            Bx = np.zeros((G, n))
            Bx[:, perm] = (Bd @ y[:, perm][..., None])[..., 0]
            res = np.concatenate([Bx + (Ul @ (Cr @ y[:, :n, None]))[..., 0] + dl * y[:, n:],
                                  np.sum(t * y, 1)[:, None]], 1) - rhs
            err = np.abs(res).max(1)
            good = solved & np.isfinite(err) & (err <= 1e-9 * (1 + np.abs(rhs).max(1)))
    bad = np.flatnonzero(~good)
    ok = np.ones(G, bool)
    if bad.size:  # poor or singular structured solves: the dense bordered systems of those games
        rows = bad if idx is None else idx[bad]
        _, J, dlb = _h(R[rows], T[rows], d, x[bad, :-1], x[bad, -1], True)
        y[bad], ok[bad] = _solve(_bordered(J, dlb, t[bad]), rhs[bad])
    return y, ok


def _tangent(R, T, d, x, dl, fac, t_prev, idx=None):
    """Unit tangents ``(G, n + 1)`` oriented along ``t_prev``, and the mask of successful solves."""
    rhs = np.zeros(t_prev.shape)
    rhs[:, -1] = 1.0
    t, ok = _bsolve(R, T, d, x, dl, fac, t_prev, rhs, idx)
    with np.errstate(invalid="ignore", divide="ignore"):
        t /= np.linalg.norm(t, axis=1, keepdims=True)
    t = np.where(np.sum(t * t_prev, 1, keepdims=True) >= 0, t, -t)
    return t, ok & np.all(np.isfinite(t), 1)


def _take(fac, idx):
    """The linearisations of the games ``idx`` (a mask or positions; no copy when that is all of them)."""
    every = idx.all() if idx.dtype == bool else idx.size == fac[0].shape[0] and np.array_equal(idx, np.arange(idx.size))
    return fac if every else tuple(a[idx] for a in fac)


def _correct(R, T, d, x_pred, t, max_iter: int = 8):
    """Newton on ``[H(x); t . (x - x_pred)] = 0`` for every game (as ``markov_trace._correct``).

    Returns ``x (G, n + 1)``, ``ok (G,)``, ``iters (G,)``, and ``dl, fac`` (the linearisation)
    at ``x`` where the corrector converged inside the loop (``have (G,)``; elsewhere they must
    be recomputed).
    """
    G, n1 = x_pred.shape
    x = x_pred.copy()
    prev = np.full(G, np.inf)
    run = np.ones(G, bool)
    ok = np.zeros(G, bool)
    have = np.zeros(G, bool)
    iters = np.zeros(G, int)
    dls, facs = np.empty((G, n1 - 1)), None
    for it in range(max_iter):
        run &= x[:, -1] >= 0
        r = np.flatnonzero(run)
        if r.size == 0:
            break
        H, dl, fac = _lin(_rows(R, r), _rows(T, r), d, x[r, :-1], x[r, -1])
        if facs is None:
            facs = tuple(np.empty((G,) + a.shape[1:]) for a in fac)
        err = np.abs(H).max(1)
        fail = ~np.isfinite(err) | (err > (0.5 if it == 1 else 1.0) * prev[r])
        conv = ~fail & (err <= TOL)
        c = r[conv]
        ok[c], have[c], iters[c] = True, True, it
        dls[c] = dl[conv]
        for store, a in zip(facs, fac):
            store[c] = a[conv]
        run[r[fail | conv]] = False
        go = ~fail & ~conv
        g = r[go]
        if g.size == 0:
            continue
        prev[g] = err[go]
        rhs = np.concatenate([H[go], np.sum(t[g] * (x[g] - x_pred[g]), 1)[:, None]], 1)
        step, solved = _bsolve(R, T, d, x[g], dl[go], _take(fac, go), t[g], rhs, g)
        x[g] -= step
        run[g[~solved]] = False
    r = np.flatnonzero(run)  # max_iter iterations: accepted if the residual is within TOL
    if r.size:
        H = _h(R[r], T[r], d, x[r, :-1], x[r, -1])
        good = np.abs(H).max(1) <= TOL
        ok[r[good]], iters[r[good]] = True, max_iter
    return x, ok, iters, have, dls, facs


# --------------------------------------------------------------------------- 3. the branches
class _Branch:
    """The principal branches of G games, advanced together (``markov_trace.branch``, stacked).

    ``x (G, n + 1)`` the current accepted points, ``t`` their tangents, ``h (G,)`` step sizes,
    ``steps (G,)`` continuation steps taken; ``games (G,)`` the original indices of the active
    games.  :meth:`step` returns the (positions of the) games that accepted a new point;
    :meth:`keep` compresses the arrays to the games still active.
    """

    def __init__(self, R, T, d, h0: float = 0.1):
        G, S, KA, KB, _ = R.shape
        self.R, self.T, self.d = R, T, d
        self.nA, n = S * KA, S * (KA + KB)
        self.x = np.concatenate([np.full((G, self.nA), -np.log(KA)), np.full((G, n - self.nA), -np.log(KB)),
                                 np.zeros((G, 1))], 1)
        t0 = np.zeros((G, n + 1))
        t0[:, -1] = 1.0
        _, dl, fac = _lin(R, T, d, self.x[:, :-1], self.x[:, -1])
        self.t, ok = _tangent(R, T, d, self.x, dl, fac, t0)
        if not ok.all():
            raise RuntimeError(f"Markov QRE continuation: singular start in game {int(np.flatnonzero(~ok)[0])}")
        self.h = np.full(G, h0)
        self.steps = np.zeros(G, int)
        self.games = np.arange(G)
        self.failed = {}  # original index -> message, for the games whose continuation stalled

    def keep(self, mask) -> None:
        for name in ("R", "T", "x", "t", "h", "steps", "games"):
            setattr(self, name, getattr(self, name)[mask])

    def step(self) -> np.ndarray:
        """One predictor-corrector step of every active game; positions of those that accepted."""
        x_pred = self.x + self.h[:, None] * self.t
        new, ok, iters, have, dl, fac = _correct(self.R, self.T, self.d, x_pred, self.t)
        ok &= np.linalg.norm(new - x_pred, axis=1) <= 0.5 * self.h
        need = np.flatnonzero(ok & ~have)  # converged at the last iteration: linearise there for the tangent
        if need.size:
            _, dl[need], f = _lin(self.R[need], self.T[need], self.d, new[need, :-1], new[need, -1])
            for store, a in zip(fac, f):
                store[need] = a
        t_new = self.t.copy()
        a = np.flatnonzero(ok)
        if a.size:
            ta, tok = _tangent(self.R, self.T, self.d, new[a], dl[a], _take(fac, a), self.t[a], a)
            t_new[a] = ta
            ok[a] &= tok & (np.sum(ta * self.t[a], 1) >= 0.9)
        self.steps += 1
        rej = ~ok
        self.h[rej] *= 0.5
        self.x[ok], self.t[ok] = new[ok], t_new[ok]
        self.h[ok & (iters <= 3)] *= 2.0
        stalled, long = self.h < 1e-10, self.steps > MAX_STEPS
        for g in np.flatnonzero(stalled | long):  # a loop over the (rare) failed games, to word their messages
            self.failed[int(self.games[g])] = (
                f"Markov QRE continuation stalled at lam={self.x[g, -1]:.6g} (step size underflow)" if stalled[g] else
                f"Markov QRE continuation exceeded {MAX_STEPS} steps at lam={self.x[g, -1]:.6g}")
        if np.any(stalled | long):
            pos = np.cumsum(~(stalled | long)) - 1
            ok = ok & ~(stalled | long)
            self.keep(~(stalled | long))
            return pos[ok]
        return np.flatnonzero(ok)


def _split(w, S, KA, KB):
    """Normalised policies ``(G, S, K_A), (G, S, K_B)`` of log-probabilities ``w (G, n)``."""
    G, nA = w.shape[0], S * KA
    return (_lse_softmax(w[:, :nA].reshape(G, S, KA))[1], _lse_softmax(w[:, nA:].reshape(G, S, KB))[1])
