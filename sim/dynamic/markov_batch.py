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
2. :func:`_correct`, :func:`_tangent`: Newton corrector on ``[H; t . (x - x_pred)] = 0`` and the
   tangent of the bordered system, per game by masks.
3. :class:`_Branch`: one predictor-corrector step of every active game (accept, or halve the step).
4. :func:`_indifference`: Newton on the indifference conditions on a per-game support (a masked
   least-squares step by the stacked pseudo-inverse).
5. :func:`perfect` (MPE) and :func:`trace` (QRE at a given ``lam``): the drivers.

Arrays: ``R (G, S, K_A, K_B, 2)`` payoffs, ``T (G, S, K_A, K_B, S)`` transitions, a common
discount ``d``; unknowns ``w (G, n)``, ``n = S (K_A + K_B)``, A's log-probabilities first.
"""

from __future__ import annotations

import numpy as np

from sim.dynamic.markov_trace import MAX_STEPS, TOL

__all__ = ["perfect", "trace", "values", "gaps", "batch_bytes"]


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


def _bsolve(R, T, d, x, dl, fac, t, rhs):
    """``(y, ok)``: the bordered systems ``[[dH/dw, dl], [t^T]] y = rhs`` at the points ``x (G, n + 1)``.

    Structured factors are solved by the Woodbury formula (stacked block solves plus a
    ``2S + 2`` system) and checked by their residual; games where that is poor or singular are
    solved densely (``markov_trace.bordered_solve``, stacked)."""
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
        _, J, dlb = _h(R[bad], T[bad], d, x[bad, :-1], x[bad, -1], True)
        y[bad], ok[bad] = _solve(_bordered(J, dlb, t[bad]), rhs[bad])
    return y, ok


def _tangent(R, T, d, x, dl, fac, t_prev):
    """Unit tangents ``(G, n + 1)`` oriented along ``t_prev``, and the mask of successful solves."""
    rhs = np.zeros(t_prev.shape)
    rhs[:, -1] = 1.0
    t, ok = _bsolve(R, T, d, x, dl, fac, t_prev, rhs)
    with np.errstate(invalid="ignore", divide="ignore"):
        t /= np.linalg.norm(t, axis=1, keepdims=True)
    t = np.where(np.sum(t * t_prev, 1, keepdims=True) >= 0, t, -t)
    return t, ok & np.all(np.isfinite(t), 1)


def _take(fac, idx):
    return tuple(a[idx] for a in fac)


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
        H, dl, fac = _lin(R[r], T[r], d, x[r, :-1], x[r, -1])
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
        step, solved = _bsolve(R[g], T[g], d, x[g], dl[go], _take(fac, go), t[g], rhs)
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
            ta, tok = _tangent(self.R[a], self.T[a], self.d, new[a], dl[a], _take(fac, a), self.t[a])
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


# --------------------------------------------------------------------------- 4. indifference
def _indifference(R, T, d, pa, pb, supp, max_iter: int = 30):
    """``(pa, pb, ok)``: ``logit_markov._indifference`` for every game on its support ``supp (G, n)``.

    The least-squares Newton step on the support is the stacked pseudo-inverse of the full
    system with the rows and columns off the support zeroed (its minimum-norm solution leaves
    those probabilities at 0).
    """
    G, S, KA, KB, _ = R.shape
    nA, n, nb = S * KA, S * (KA + KB), 2 * S
    pi = np.where(supp, np.concatenate([pa.reshape(G, -1), pb.reshape(G, -1)], 1), 0.0)
    blocks = np.concatenate([np.repeat(np.arange(S), KA), S + np.repeat(np.arange(S), KB)])
    B = (blocks[None, :] == np.arange(nb)[:, None]).astype(float)  # (nb, n)
    alive = np.ones(G, bool)
    done = np.zeros(G, bool)
    prev = np.full(G, np.inf)
    for _ in range(max_iter):
        r = np.flatnonzero(alive & ~done)
        if r.size == 0:
            break
        p, sp = pi[r], supp[r]
        Q, D = _q(R[r], T[r], d, p[:, :nA].reshape(-1, S, KA), p[:, nA:].reshape(-1, S, KB), True)
        vbar = (p * Q) @ B.T
        F = np.concatenate([np.where(sp, Q - vbar[:, blocks], 0.0), p @ B.T - 1.0], 1)
        err = np.abs(F).max(1)
        conv = err <= 1e-13 * (1 + np.abs(Q).max(1))
        done[r[conv]] = True
        bad = ~conv & (err > 0.5 * prev[r])
        alive[r[bad]] = False
        go = ~conv & ~bad
        if not go.any():
            continue
        g, p, sp, Q, D, F = r[go], p[go], sp[go], Q[go], D[go], F[go]
        prev[g] = err[go]
        dv = np.einsum("bn,gnk->gbk", B, p[:, :, None] * D) + B[None] * Q[:, None, :]  # d vbar / d pi
        top = (D - dv[:, blocks, :]) * sp[:, :, None] * sp[:, None, :]
        Jf = np.concatenate([top, B[None] * sp[:, None, :]], 1)  # (g, n + nb, n)
        step = (np.linalg.pinv(Jf, rcond=np.finfo(float).eps * (n + nb)) @ F[..., None])[..., 0]
        pi[g] = np.where(sp, p - step, 0.0)
        alive[g[~np.all(np.isfinite(pi[g]), 1)]] = False
    ok = alive & np.all(pi >= -1e-12, 1)
    pi = np.clip(np.where(ok[:, None], pi, 1.0), 0.0, None)
    qa, qb = pi[:, :nA].reshape(G, S, KA), pi[:, nA:].reshape(G, S, KB)
    return qa / qa.sum(-1, keepdims=True), qb / qb.sum(-1, keepdims=True), ok


def _snap(p, near: float):
    """Rows whose largest probability is ``>= 1 - near`` made one-hot (``logit_markov._snap``, stacked)."""
    hot = np.eye(p.shape[-1])[p.argmax(-1)]
    return np.where((p.max(-1) >= 1 - near)[..., None], hot, p)


# --------------------------------------------------------------------------- 5. drivers
def perfect(R, T, d, lift, full_R, full_T, *, lam_max, gap_tol, support_tol, near):
    """MPE of every game (``logit_markov.markov_perfect``, stacked).

    ``R, T`` the traced (merged) games ``(G, C, ...)``; ``lift (S,)`` or None maps the full
    game's states to the merged ones; ``full_R, full_T (G, S, ...)`` the games the result is
    verified on.  Returns ``policy_a (G, S, K_A)``, ``policy_b``, ``lam (G,)``, ``gap (G,)`` and
    ``failed``: ``{game: message}`` for the games whose continuation stalled or found no MPE by
    ``lam_max`` (their rows are left at 0).
    """
    G, S, KA, KB, _ = R.shape
    n = S * (KA + KB)
    out_a, out_b = np.zeros((G,) + full_R.shape[1:3]), np.zeros((G, full_R.shape[1], KB))
    out_lam, out_gap = np.zeros(G), np.zeros(G)
    best = np.full(G, np.inf)
    last, has_last = np.zeros((G, n)), np.zeros(G, bool)
    next_mixed = 1.0 / (1e-12 + np.ptp(full_R.reshape(G, -1), axis=1))
    br = _Branch(R, T, d)
    pos = np.arange(G)  # first the start point (lam = 0) of every game, as markov_trace.branch yields it
    while br.games.size:
        if pos.size == 0:  # every active game rejected its step (and halved it)
            pos = br.step()
            continue
        gi = br.games[pos]  # original indices of the games with a new point
        w, lam = br.x[pos, :-1], br.x[pos, -1]
        Rg, Tg = br.R[pos], br.T[pos]
        pa, pb = _split(w, S, KA, KB)
        probs = np.concatenate([pa.reshape(len(pos), -1), pb.reshape(len(pos), -1)], 1)
        cands = [(_snap(pa, near), _snap(pb, near), np.ones(len(pos), bool))]
        separated = ~np.any((probs > support_tol) & (probs < 1e-3), 1)
        due = lam >= next_mixed[gi]
        next_mixed[gi[due]] = 2 * lam[due]
        settled = due & has_last[gi] & (np.abs(probs - last[gi]).max(1) < near)
        ma, mb, mok = np.zeros_like(pa), np.zeros_like(pb), np.zeros(len(pos), bool)
        first = np.flatnonzero(settled & separated)
        if first.size:
            a_, b_, o_ = _indifference(Rg[first], Tg[first], d, pa[first], pb[first], probs[first] > support_tol)
            ma[first], mb[first], mok[first] = a_, b_, o_
        # settled but no mixed candidate yet: solve without the probabilities that fell by a quarter
        supp2 = (probs > support_tol) & (probs >= 0.75 * last[gi])
        second = np.flatnonzero(settled & ~mok & np.any(supp2 != (probs > support_tol), 1))
        if second.size:
            a_, b_, o_ = _indifference(Rg[second], Tg[second], d, pa[second], pb[second], supp2[second])
            ma[second], mb[second], mok[second] = a_, b_, o_
        cands.append((ma, mb, mok))
        last[gi[due]], has_last[gi[due]] = probs[due], True
        found = np.zeros(len(pos), bool)
        for ca, cb, avail in cands:
            close = np.maximum(np.abs(ca - pa).max((1, 2)), np.abs(cb - pb).max((1, 2))) <= near
            c = np.flatnonzero(avail & close & ~found)
            if c.size == 0:
                continue
            gap = gaps(Rg[c], Tg[c], d, ca[c], cb[c])[0]
            best[gi[c]] = np.minimum(best[gi[c]], gap)
            c, gap = c[gap <= gap_tol], gap[gap <= gap_tol]
            fa, fb = ca[c], cb[c]
            if lift is not None:
                fa, fb = fa[:, lift], fb[:, lift]
                gap = gaps(full_R[gi[c]], full_T[gi[c]], d, fa, fb)[0] if c.size else gap
                c, fa, fb, gap = c[gap <= gap_tol], fa[gap <= gap_tol], fb[gap <= gap_tol], gap[gap <= gap_tol]
            found[c] = True
            out_a[gi[c]], out_b[gi[c]], out_lam[gi[c]], out_gap[gi[c]] = fa, fb, lam[c], gap
        over = ~found & (lam > lam_max)
        for g, lg in zip(gi[over], lam[over]):  # a loop over the (rare) failed games, to word their messages
            br.failed[int(g)] = (f"markov_perfect: no Markov perfect equilibrium with one-shot gap <= {gap_tol:g} "
                                 f"found by lam={lg:.6g} (smallest gap {best[g]:.3g})")
        if found.any() or over.any():
            keep = np.ones(br.games.size, bool)
            keep[pos[found | over]] = False
            br.keep(keep)
        if br.games.size == 0:
            break
        pos = br.step()
    return out_a, out_b, out_lam, out_gap, br.failed


def trace(R, T, d, lam):
    """Log-probabilities ``(G, n)`` of every game's principal branch at its ``lam (G,) > 0``
    (``logit_markov._trace``, stacked): the first accepted point past ``lam``, interpolated
    and corrected at fixed ``lam`` by Newton.  Returns ``(w, ok)``."""
    G = R.shape[0]
    n = R.shape[1] * (R.shape[2] + R.shape[3])
    out, ok = np.zeros((G, n)), np.zeros(G, bool)
    br = _Branch(R, T, d)
    prev = br.x.copy()
    while br.games.size:
        pos = br.step()
        gi = br.games[pos]
        x = br.x[pos]
        past = x[:, -1] >= lam[gi]
        if past.any():
            p, g = pos[past], gi[past]
            xp, xo = x[past], prev[g]
            frac = (lam[g] - xo[:, -1]) / (xp[:, -1] - xo[:, -1])
            w_int = (1 - frac)[:, None] * xo[:, :-1] + frac[:, None] * xp[:, :-1]
            w, good = solve_fixed(br.R[p], br.T[p], d, w_int, lam[g])
            retry = ~good
            if retry.any():
                near_new = (xp[:, -1] - lam[g]) < (lam[g] - xo[:, -1])
                w0 = np.where(near_new[:, None], xp[:, :-1], xo[:, :-1])
                w2, g2 = solve_fixed(br.R[p[retry]], br.T[p[retry]], d, w0[retry], lam[g][retry])
                w[retry], good[retry] = w2, g2
            out[g], ok[g] = w, good
            keep = np.ones(br.games.size, bool)
            keep[p] = False
        prev[gi] = x
        if past.any():
            br.keep(keep)
    return out, ok


def _normalise(w, S, KA, KB):
    G, nA = w.shape[0], S * KA
    a = w[:, :nA].reshape(G, S, KA)
    b = w[:, nA:].reshape(G, S, KB)
    return np.concatenate([(a - _lse_softmax(a)[0]).reshape(G, -1), (b - _lse_softmax(b)[0]).reshape(G, -1)], 1)


def solve_fixed(R, T, d, w0, lam, max_iter: int = 50):
    """``(w, ok)``: Newton at fixed ``lam (G,)`` with backtracking (``markov_trace.solve_fixed``, stacked)."""
    G, S, KA, KB, _ = R.shape
    w = np.array(w0, float)
    H = _h(R, T, d, w, lam)
    err = np.abs(H).max(1)
    run = np.ones(G, bool)
    ok = np.zeros(G, bool)
    for _ in range(max_iter):
        run &= np.isfinite(err)
        small = run & (err <= TOL)
        if small.any():  # return normalised log-probabilities, checked again
            s = np.flatnonzero(small)
            wn = _normalise(w[s], S, KA, KB)
            e2 = np.abs(_h(R[s], T[s], d, wn, lam[s])).max(1)
            w[s], err[s] = wn, e2
            fin = s[e2 <= TOL]
            ok[fin], run[fin] = True, False
        r = np.flatnonzero(run)
        if r.size == 0:
            break
        H, J, _ = _h(R[r], T[r], d, w[r], lam[r], True)
        step, solved = _solve(J, H)
        run[r[~solved]] = False
        a = np.ones(r.size)
        moved = np.zeros(r.size, bool)
        w_new, e_new = w[r].copy(), err[r].copy()
        while np.any(~moved & (a > 1e-4) & solved):
            k = np.flatnonzero(~moved & (a > 1e-4) & solved)
            cand = w[r[k]] - a[k, None] * step[k]
            e = np.abs(_h(R[r[k]], T[r[k]], d, cand, lam[r[k]])).max(1)
            better = np.isfinite(e) & (e < err[r[k]])
            w_new[k[better]], e_new[k[better]], moved[k[better]] = cand[better], e[better], True
            a[k[~better]] *= 0.5
        run[r[~moved]] = False
        w[r[moved]], err[r[moved]] = w_new[moved], e_new[moved]
    left = run & (err <= TOL)
    ok |= left
    return w, ok
