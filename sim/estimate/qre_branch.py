"""The principal branch of the logit QRE as :func:`sim.estimate.fit_qre` needs it: on a grid of
precisions, and at any precision by batched Newton corrections, with ``dw/dlam``.

The map, its residual ``H(w, lam)`` in log-probabilities ``w = (log x, log y)`` and its Jacobian
are those of :mod:`sim.equilibria.logit_qre` (McKelvey and Palfrey 1995; Turocy 2005), written
here for a batch of points ``(N, n)`` at their own precisions ``(N,)`` so that many data sets,
or many grid points, are corrected by one ``numpy.linalg.solve`` per Newton step.
"""

from __future__ import annotations

import numpy as np

from sim.equilibria import trace

__all__ = ["GRID_POINTS", "LAM_MAX_SCALED", "LAM_MIN_SCALED", "branch_grid", "log_branch", "newton", "root"]

GRID_POINTS = 121       # log-spaced grid points of the branch (plus lam = 0)
TRACE_EVERY = 4         # every 4th grid point is traced; those between, Newton-corrected in one batch
LAM_MIN_SCALED = 1e-2   # lowest positive grid precision, times the payoff range s
LAM_MAX_SCALED = 1e3    # top of the grid, times s: play within ~1e-3 of the limiting equilibrium
ROOT_ITERATIONS = 200   # cap on root-finding steps (each third one bisects: 200 reach the float resolution)
NEWTON_TOL = 1e-12      # max |H| (log-probability units) of a solved QRE


def _logsumexp(a, axis, keepdims):
    """``log sum exp`` over ``axis`` of finite ``a`` (plain numpy: scipy's array-API dispatch
    costs ~0.1 ms a call, which the many small batched Newton steps would pay thousands of times)."""
    m = np.max(a, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax(a, axis):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_branch(A, B, lams, x, y) -> np.ndarray:
    """Log-probabilities ``w`` (G, K_A + K_B) of the QRE ``x`` (G, K_A), ``y`` (G, K_B) at ``lams``
    (G,), recomputed as log-softmax of the payoffs so that probabilities below 1e-308 (which
    underflow to 0 in ``x``, ``y``) keep finite, exact logarithms."""
    la = lams[:, None]
    ua, ub = la * (y @ A.T), la * (x @ B)
    return np.concatenate([ua - _logsumexp(ua, 1, keepdims=True), ub - _logsumexp(ub, 1, keepdims=True)], axis=1)


def _residual_and_jacobian(A, B, w, lam):
    """``H(w, lam)`` (N, n), ``dH/dw`` (N, n, n), ``dH/dlam`` (N, n) for a batch of
    log-probabilities ``w`` (N, n) at precisions ``lam`` (N,)  (the map of
    :mod:`sim.equilibria.logit_qre`, batched)."""
    ka, kb = A.shape
    u, v = w[:, :ka], w[:, ka:]
    x, y = np.exp(u), np.exp(v)
    ua, ub = y @ A.T, x @ B                              # (N, ka), (N, kb)
    la = lam[:, None]
    H = np.concatenate([u - la * ua + _logsumexp(la * ua, axis=1, keepdims=True),
                        v - la * ub + _logsumexp(la * ub, axis=1, keepdims=True)], axis=1)
    sa, sb = _softmax(la * ua, axis=1), _softmax(la * ub, axis=1)
    J = np.zeros((w.shape[0], ka + kb, ka + kb)) + np.eye(ka + kb)
    # d/dv_j of (-lam ua_i + lse(lam ua)) = -lam y_j (A_ij - (sa A)_j); likewise for B
    J[:, :ka, ka:] = -la[:, :, None] * y[:, None, :] * (A[None] - (sa @ A)[:, None, :])
    J[:, ka:, :ka] = -la[:, :, None] * x[:, None, :] * (B.T[None] - (sb @ B.T)[:, None, :])
    dlam = np.concatenate([-ua + np.sum(sa * ua, 1, keepdims=True), -ub + np.sum(sb * ub, 1, keepdims=True)], 1)
    return H, J, dlam


def _normalise(w, ka):
    return np.concatenate([w[:, :ka] - _logsumexp(w[:, :ka], 1, keepdims=True),
                           w[:, ka:] - _logsumexp(w[:, ka:], 1, keepdims=True)], axis=1)


def newton(A, B, grid, W, lam, *, strict: bool = True):
    """QRE ``w`` (N, n) at ``lam`` (N,), by Newton from the branch interpolated (in
    log-probabilities) between the grid points ``grid`` (G,) with ``W`` (G, n); also
    ``dw/dlam`` (N, n) and which rows converged (N,).  ``strict``: raise if any did not."""
    k = np.clip(np.searchsorted(grid, lam, side="right") - 1, 0, grid.size - 2)
    frac = np.clip((lam - grid[k]) / (grid[k + 1] - grid[k]), 0.0, 1.0)[:, None]
    w = _normalise((1 - frac) * W[k] + frac * W[k + 1], A.shape[0])
    tol = NEWTON_TOL * (1.0 + lam * max(np.abs(A).max(), np.abs(B).max()))    # rounding of lam * payoffs
    for _ in range(30):
        with np.errstate(over="ignore", invalid="ignore"):
            H, J, dlam = _residual_and_jacobian(A, B, w, lam)
        ok = np.all(np.abs(H) <= tol[:, None], axis=1)
        if np.all(ok):
            break
        try:
            step = np.linalg.solve(J[~ok], H[~ok][..., None])[..., 0]
        except np.linalg.LinAlgError:
            break
        w[~ok] = _normalise(w[~ok] - step, A.shape[0])
        if not np.all(np.isfinite(w)):
            break
    ok = np.all(np.isfinite(w), axis=1) & np.all(np.abs(H) <= tol[:, None], axis=1)
    if strict and not np.all(ok):
        raise RuntimeError("logit QRE Newton correction did not converge beside the traced branch")
    w = np.where(ok[:, None], w, W[k])
    H, J, dlam = _residual_and_jacobian(A, B, w, lam)
    return w, -np.linalg.solve(J, dlam[..., None])[..., 0], ok


def branch_grid(A, B, grid):
    """Log-probabilities ``W`` (G, n) of the principal branch at ``grid`` (G,).

    :func:`~sim.equilibria.trace` records every ``TRACE_EVERY``-th grid point (its cost is mostly
    one root solve per recorded point); the points between are Newton corrections from the
    interpolated branch, all at once.  A corrected point must have converged and stay within the
    span of its two traced neighbours (plus their gap): a branch switch would land elsewhere.
    Points failing either check are traced too."""
    coarse = np.unique(np.r_[np.arange(0, grid.size, TRACE_EVERY), grid.size - 1])
    tr = trace((A, B), grid[coarse])
    Wc = log_branch(A, B, grid[coarse], tr.x, tr.y)
    fine = np.setdiff1d(np.arange(grid.size), coarse)
    W = np.empty((grid.size, Wc.shape[1]))
    W[coarse] = Wc
    if fine.size:
        w, _, ok = newton(A, B, grid[coarse], Wc, grid[fine], strict=False)
        j = np.searchsorted(grid[coarse], grid[fine]) - 1
        lo, hi = np.minimum(Wc[j], Wc[j + 1]), np.maximum(Wc[j], Wc[j + 1])
        gap = hi - lo + 1e-8
        ok &= np.all((w >= lo - gap) & (w <= hi + gap), axis=1)
        W[fine[ok]] = w[ok]
        if not np.all(ok):
            redo = fine[~ok]
            tr = trace((A, B), grid[redo])
            W[redo] = log_branch(A, B, grid[redo], tr.x, tr.y)
    return W


def root(fn, lo, hi):
    """Vectorised bracketed root of a decreasing ``fn`` (N,) -> (N,) with ``fn(lo) > 0 >= fn(hi)``:
    the Illinois variant of regula falsi (Dowell and Jarratt 1971), a bisection step every third
    iteration so that the bracket at least halves every three evaluations.  Rows without a sign
    change return the end where the sign would change (``lo`` when ``fn(lo) <= 0``, else ``hi``).
    Stops when every bracket or last step is within 4 ulp of the root."""
    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()
    f_lo, f_hi = fn(lo), fn(hi)
    x = np.where(f_lo <= 0, lo, hi)
    active = (f_lo > 0) & (f_hi <= 0) & (hi > lo)
    side = np.zeros(lo.shape, int)                  # which end was kept last (Illinois halving)
    for it in range(ROOT_ITERATIONS):
        if not np.any(active):
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            secant = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        mid = 0.5 * (lo + hi)
        new = mid if it % 3 == 2 else np.where(np.isfinite(secant) & (secant > lo) & (secant < hi), secant, mid)
        new = np.where(active, new, x)
        f_new = np.where(active, fn(new), 0.0)
        step = np.abs(new - x)
        x = new
        up = f_new > 0                                # the root lies above new
        f_lo = np.where(active & ~up & (side == -1), 0.5 * f_lo, f_lo)
        f_hi = np.where(active & up & (side == 1), 0.5 * f_hi, f_hi)
        lo, f_lo = np.where(active & up, new, lo), np.where(active & up, f_new, f_lo)
        hi, f_hi = np.where(active & ~up, new, hi), np.where(active & ~up, f_new, f_hi)
        side = np.where(up, 1, -1)
        ulp = 4 * np.finfo(float).eps * np.maximum(np.abs(x), 1e-300)
        active &= (hi - lo > ulp) & ((step > ulp) | (it < 2)) & (f_new != 0)
    return x
