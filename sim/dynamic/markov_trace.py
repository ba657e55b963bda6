"""The logit Markov QRE map, its analytic Jacobian, and arc-length continuation of its principal branch.

Unknowns ``w = (log pi_A (S*K_A), log pi_B (S*K_B))``; the condition (Eibelshaeuser and
Poensgen 2019, "Markov quantal response equilibrium and a homotopy method for computing and
selecting Markov perfect equilibria of dynamic stochastic games")::

    H(w, lam) = w - lam Q(pi) + logsumexp_block(lam Q(pi))        (one block per state and side)

with ``Q`` the action values of :mod:`sim.dynamic.game`.  The values solve
``M V = r_pi``, ``M = I - discount P_pi``, so ``dV[:, j] / dpi_A[s, a] = M^{-1}[:, s] G_j[s, a]``
with ``G_j[s, a] = sum_b pi_B[s, b] (payoffs + discount T V)[s, a, b, j]`` (differentiate the
linear system); ``dQ/dpi`` adds the direct (same-state) terms.  The branch through
``(log uniform, 0)`` is followed by predictor-corrector continuation in arc length as in
:mod:`sim.equilibria.logit_trace` (Turocy 2005; Allgower and Georg 1990, ch. 2): the tangent
solves the bordered system ``[dH/d(w, lam); t_prev^T] t = e_last`` (its direction is kept by
``t . t_prev > 0``, which passes turning points in ``lam``), Newton corrects on
``[H; t . (x - x_pred)] = 0``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax

TOL = 1e-10          # convergence tolerance on max |H|
MAX_STEPS = 20_000   # safety bound on continuation steps


def _lse_softmax(z):
    """Row-wise ``logsumexp`` (keepdims) and ``softmax`` of a finite ``(rows, K)`` array, sharing one ``exp``."""
    m = z.max(1, keepdims=True)
    e = np.exp(z - m)
    tot = e.sum(1, keepdims=True)
    return m + np.log(tot), e / tot


class Kernel:
    """Precomputed arrays of one game and the map / Jacobian in log-probabilities."""

    def __init__(self, game):
        self.R, self.T, self.d = game.payoffs, game.transitions, game.discount
        self.S, (self.KA, self.KB) = game.n_states, game.n_actions
        self.nA = self.S * self.KA
        self.n = self.nA + self.S * self.KB

    def split(self, w):
        """Normalised policies ``(S, K_A), (S, K_B)`` of log-probabilities ``w``."""
        return (softmax(w[:self.nA].reshape(self.S, self.KA), axis=1),
                softmax(w[self.nA:].reshape(self.S, self.KB), axis=1))

    def normalise(self, w) -> np.ndarray:
        """``w`` minus each block's ``logsumexp`` (so that ``exp`` of each block sums to 1)."""
        return np.concatenate([(z - _lse_softmax(z)[0]).ravel() for z in self._blocks(w)])

    def uniform(self) -> np.ndarray:
        return np.concatenate([np.full(self.nA, -np.log(self.KA)), np.full(self.n - self.nA, -np.log(self.KB))])

    def values(self, pa, pb):
        r = np.einsum("sa,sb,sabj->sj", pa, pb, self.R)
        P = np.einsum("sa,sb,sabt->st", pa, pb, self.T)
        M = np.eye(self.S) - self.d * P
        return M, np.linalg.solve(M, r)

    def q(self, pa, pb, want_jac: bool, parts: bool = False):
        """``Q`` (n,) and, if asked, ``dQ/dpi`` (n, n) at the (unnormalised) policies.

        With ``parts``, ``dQ/dpi = direct + U @ C`` is returned as ``(total, U (n, 2S), C (2S, n))``
        (``direct`` couples the two sides within a state; ``total`` holds its entries).
        """
        M, V = self.values(pa, pb)
        total = self.R + self.d * np.einsum("sabt,tj->sabj", self.T, V)
        QA = np.einsum("sb,sab->sa", pb, total[..., 0])
        QB = np.einsum("sa,sab->sb", pa, total[..., 1])
        Q = np.concatenate([QA.ravel(), QB.ravel()])
        if not want_jac:
            return Q, None
        S, KA, KB, nA, d = self.S, self.KA, self.KB, self.nA, self.d
        Minv = np.linalg.inv(M)
        GA = np.einsum("sb,sabj->saj", pb, total)   # (S, KA, 2)
        GB = np.einsum("sa,sabj->sbj", pa, total)   # (S, KB, 2)
        TA = np.einsum("sb,sabt->sat", pb, self.T).reshape(nA, S)
        TB = np.einsum("sa,sabt->sbt", pa, self.T).reshape(S * KB, S)
        # dV[:, j] / dpi: (S, n) for j = 0, 1
        dV = [np.concatenate([(Minv[:, :, None] * GA[None, :, :, j]).reshape(S, nA),
                              (Minv[:, :, None] * GB[None, :, :, j]).reshape(S, S * KB)], axis=1) for j in (0, 1)]
        if parts:
            U = np.zeros((self.n, 2 * S))
            U[:nA, :S], U[nA:, S:] = d * TA, d * TB
            return Q, (total, U, np.concatenate(dV))
        D = np.empty((self.n, self.n))
        D[:nA] = d * TA @ dV[0]
        D[nA:] = d * TB @ dV[1]
        for s in range(S):  # direct terms: Q_A[s, a] depends on pi_B[s, b], Q_B[s, b] on pi_A[s, a]
            ra, rb = slice(s * KA, (s + 1) * KA), slice(nA + s * KB, nA + (s + 1) * KB)
            D[ra, rb] += total[s, :, :, 0]
            D[rb, ra] += total[s, :, :, 1].T
        return Q, D

    def _blocks(self, x):
        return x[:self.nA].reshape(self.S, self.KA), x[self.nA:].reshape(self.S, self.KB)

    def H(self, w, lam, want_jac: bool = False):
        """Residual ``H`` (n,), and if asked ``dH/dw`` (n, n) and ``dH/dlam`` (n,)."""
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            pi = np.exp(w)
            pa, pb = self._blocks(pi)
            Q, D = self.q(pa, pb, want_jac)
            H, dlam, soft = [], [], []
            for z, ww in zip(self._blocks(Q), self._blocks(w)):
                lse, sm = _lse_softmax(lam * z)
                H.append((ww - lam * z + lse).ravel())
                soft.append(sm)
                dlam.append((-z + (sm * z).sum(1, keepdims=True)).ravel())
            H = np.concatenate(H)
            if not want_jac:
                return H
            X = D * pi[None, :]                   # dQ/dw
            # (I - 1 s^T) per block applied to the rows of X
            out = np.empty_like(X)
            for rows, sm, K in ((slice(0, self.nA), soft[0], self.KA), (slice(self.nA, self.n), soft[1], self.KB)):
                Xb = X[rows].reshape(self.S, K, self.n)
                out[rows] = (Xb - np.einsum("sk,skn->sn", sm, Xb)[:, None, :]).reshape(-1, self.n)
            J = np.eye(self.n) - lam * out
            return H, J, np.concatenate(dlam)


    def _project(self, X, soft):
        """Rows of ``X`` (n, k) times ``(I - 1 s^T)`` per block (the softmax projection)."""
        out = np.empty_like(X)
        for rows, sm, K in ((slice(0, self.nA), soft[0], self.KA), (slice(self.nA, self.n), soft[1], self.KB)):
            Xb = X[rows].reshape(self.S, K, -1)
            out[rows] = (Xb - np.einsum("sk,skn->sn", sm, Xb)[:, None, :]).reshape(-1, X.shape[1])
        return out

    def structured(self, w, lam):
        """``H``, ``dH/dlam`` and ``dH/dw = Bd + Ul @ Cr``: ``Bd`` block diagonal over states
        (blocks ``(S, K_A + K_B, K_A + K_B)`` on the indices ``self.perm``), ``Ul @ Cr`` of rank ``2S``."""
        S, KA, KB = self.S, self.KA, self.KB
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            pi = np.exp(w)
            pa, pb = self._blocks(pi)
            Q, (total, U, C) = self.q(pa, pb, True, parts=True)
            zs = [lam * z for z in self._blocks(Q)]
            ls = [_lse_softmax(z) for z in zs]
            soft = [sm for _, sm in ls]
            H = np.concatenate([(ww - z + lse).ravel() for z, ww, (lse, _) in zip(zs, self._blocks(w), ls)])
            dl = np.concatenate([(-z + (sm * z).sum(1, keepdims=True)).ravel()
                                 for z, sm in zip(self._blocks(Q), soft)])
            Ul = -lam * self._project(U, soft)
            Cr = C * pi[None, :]
            m = KA + KB
            Dd = np.zeros((S, m, m))
            Dd[:, :KA, KA:] = total[..., 0]
            Dd[:, KA:, :KA] = total[..., 1].transpose(0, 2, 1)
            # Pr_s: (I - 1 sA^T) on the A rows, (I - 1 sB^T) on the B rows
            X = Dd * pi[self.perm][:, None, :]
            X[:, :KA] -= np.einsum("sk,skn->sn", soft[0], X[:, :KA])[:, None, :]
            X[:, KA:] -= np.einsum("sk,skn->sn", soft[1], X[:, KA:])[:, None, :]
            Bd = np.eye(m)[None] - lam * X
        return H, dl, (Bd, Ul, Cr)

    @property
    def perm(self) -> np.ndarray:
        """Global indices of state s's unknowns (A's then B's), ``(S, K_A + K_B)``."""
        S, KA, KB = self.S, self.KA, self.KB
        return np.concatenate([np.arange(S * KA).reshape(S, KA), self.nA + np.arange(S * KB).reshape(S, KB)], 1)


def bordered_solve(kern: Kernel, fac, dl, t, rhs):
    """Solve ``[[Bd + Ul Cr, dl], [t^T]] x = rhs`` by the Woodbury formula (block solves plus
    a ``2S + 2`` system); checked by its residual, raising LinAlgError if it is poor."""
    Bd, Ul, Cr = fac
    n, perm = kern.n, kern.perm

    def kinv(V):  # diag(Bd, 1)^{-1} V for V (n + 1, k)
        out = V.copy()
        out[perm] = np.linalg.solve(Bd, V[perm])
        return out

    k = Ul.shape[1]
    Uu = np.zeros((n + 1, k + 2))
    Uu[:n, :k], Uu[:n, k], Uu[n, k + 1] = Ul, dl, 1.0
    Vt = np.zeros((k + 2, n + 1))
    Vt[:k, :n], Vt[k, n] = Cr, 1.0
    Vt[k + 1] = t
    Vt[k + 1, n] -= 1.0
    Z = kinv(Uu)
    y0 = kinv(rhs[:, None])[:, 0]
    x = y0 - Z @ np.linalg.solve(np.eye(k + 2) + Vt @ Z, Vt @ y0)
    # residual check with the structured product
    Bx = np.zeros(n)
    Bx[perm] = np.einsum("sij,sj->si", Bd, x[:n][perm])
    res = np.concatenate([Bx + Ul @ (Cr @ x[:n]) + dl * x[n], [t @ x]]) - rhs
    if not np.all(np.isfinite(res)) or np.max(np.abs(res)) > 1e-9 * (1 + np.max(np.abs(rhs))):
        raise np.linalg.LinAlgError("structured solve inaccurate")
    return x


STRUCTURED_N = 200   # use the structured (Woodbury) solves above this many unknowns


def solve_fixed(kern: Kernel, w0, lam: float, max_iter: int = 50):
    """Newton on ``H(w, lam) = 0`` at fixed ``lam`` (with backtracking); None if it fails."""
    w = np.array(w0, float)
    H = kern.H(w, lam)
    err = np.max(np.abs(H))
    for _ in range(max_iter):
        if not np.isfinite(err):
            return None
        if err <= TOL:  # return normalised log-probabilities (the policies' logs), checked again
            wn = kern.normalise(w)
            H = kern.H(wn, lam)
            w, err = wn, np.max(np.abs(H))
            if err <= TOL:
                return w
        _, J, _ = kern.H(w, lam, True)
        try:
            step = np.linalg.solve(J, H)
        except np.linalg.LinAlgError:
            return None
        a = 1.0
        while a > 1e-4:
            w_new = w - a * step
            H_new = kern.H(w_new, lam)
            e_new = np.max(np.abs(H_new))
            if np.isfinite(e_new) and e_new < err:
                break
            a *= 0.5
        else:
            return None
        w, H, err = w_new, H_new, e_new
    return w if err <= TOL else None


def _linearise(kern, w, lam):
    """``(H, lin)``: the residual and the Jacobian, dense or structured (by size)."""
    if kern.n > STRUCTURED_N:
        H, dl, fac = kern.structured(w, lam)
        return H, (w, lam, fac, dl)
    H, J, dl = kern.H(w, lam, True)
    return H, (w, lam, J, dl)


def _bsolve(kern, lin, t, rhs):
    """Solve the bordered system ``[[dH/dw, dH/dlam], [t^T]] x = rhs``."""
    w, lam, J, dl = lin
    if not isinstance(J, np.ndarray):
        try:
            return bordered_solve(kern, J, dl, t, rhs)
        except np.linalg.LinAlgError:  # singular block or poor accuracy: fall back to the dense system
            _, J, dl = kern.H(w, lam, True)
    return np.linalg.solve(np.vstack([np.column_stack([J, dl]), t]), rhs)


def _tangent(kern, w, lam, t_prev, lin=None):
    lin = lin if lin is not None else _linearise(kern, w, lam)[1]
    rhs = np.zeros(kern.n + 1)
    rhs[-1] = 1.0
    t = _bsolve(kern, lin, t_prev, rhs)
    t /= np.linalg.norm(t)
    return t if t @ t_prev >= 0 else -t


def _correct(kern, x_pred, t, max_iter: int = 8):
    """Newton on ``[H(x); t . (x - x_pred)] = 0``.

    The first Newton step must halve ``max |H|`` (the predictor error; this keeps the corrector
    on the branch at sharp bends), later ones must not increase it (in escalation games the
    error of near-zero probabilities can stall for one step before converging; rejecting that
    held the step size small all along the branch).

    Returns ``(x, iterations, linearisation at x or None)``, or ``(None, 0, None)``.
    """
    x = x_pred.copy()
    prev = np.inf
    for it in range(max_iter):
        if x[-1] < 0:
            return None, 0, None
        H, lin = _linearise(kern, x[:-1], x[-1])
        err = np.max(np.abs(H))
        if not np.isfinite(err) or err > (0.5 if it == 1 else 1.0) * prev:
            return None, 0, None
        if err <= TOL:
            return x, it, lin
        prev = err
        try:
            x = x - _bsolve(kern, lin, t, np.concatenate([H, [t @ (x - x_pred)]]))
        except np.linalg.LinAlgError:
            return None, 0, None
    H = kern.H(x[:-1], x[-1])
    return (x, max_iter, None) if np.max(np.abs(H)) <= TOL else (None, 0, None)


def branch(kern: Kernel, h0: float = 0.1):
    """Generator of accepted points ``(w, lam)`` of the principal branch from ``(log uniform, 0)``.

    Raises RuntimeError when the step size underflows or the step bound is reached.
    """
    x = np.concatenate([kern.uniform(), [0.0]])
    t = np.zeros(kern.n + 1)
    t[-1] = 1.0
    t = _tangent(kern, x[:-1], 0.0, t)
    h = h0
    yield x[:-1], 0.0
    for _ in range(MAX_STEPS):
        x_pred = x + h * t
        new, iters, jac = _correct(kern, x_pred, t)
        ok = new is not None and np.linalg.norm(new - x_pred) <= 0.5 * h
        if ok:
            try:
                t_new = _tangent(kern, new[:-1], new[-1], t, jac)
            except np.linalg.LinAlgError:
                ok = False
            else:
                ok = t_new @ t >= 0.9
        if not ok:
            h *= 0.5
            if h < 1e-10:
                raise RuntimeError(f"Markov QRE continuation stalled at lam={x[-1]:.6g} (step size underflow)")
            continue
        x, t = new, t_new
        yield x[:-1], x[-1]
        if iters <= 3:
            h *= 2.0
    raise RuntimeError(f"Markov QRE continuation exceeded {MAX_STEPS} steps at lam={x[-1]:.6g}")
