"""The principal branch of the logit QRE correspondence, traced over lambda (:func:`trace`).

Predictor-corrector continuation in (log-probabilities, lambda) along arc length, from
uniform play at lambda = 0 (Turocy 2005, "A dynamic homotopy interpretation of the logistic
quantal response equilibrium correspondence", *Games and Economic Behavior* 51, 243-263);
singular points of the Jacobian (pitchforks of symmetric games) are stepped over.  The model,
the map and its Jacobian are in :mod:`sim.equilibria.logit_qre`.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from sim.equilibria.logit_qre import MAX_STEPS, QRETrace, TOL, _H, _jac, _lambdas, _single, _solve_fixed, _split

__all__ = ["trace"]


def _tangent(A, B, w, lam, orientation: float) -> np.ndarray:
    """Unit tangent of the curve ``H = 0`` at ``(w, lam)``, oriented by ``det``.

    The tangent ``t`` spans the null space of ``M = [dH/dw, dH/dlam]``; its direction is
    fixed by requiring ``sign det([M; t^T]) == orientation`` (Allgower and Georg 1990,
    sec. 2.1), which keeps a consistent direction through turning points in ``lam``.
    """
    J, dlam = _jac(A, B, w, lam)
    M = np.column_stack([J, dlam])
    N = linalg.null_space(M)
    t = N[:, 0] if N.shape[1] else linalg.svd(M)[2][-1]
    sign = np.sign(np.linalg.det(np.vstack([M, t])))
    return t if sign * orientation >= 0 else -t


def _newton_arclength(A, B, wl_pred, t, max_iter: int = 12):
    """Newton on ``[H(w, lam); t . (wl - wl_pred)] = 0``; None when it fails to contract."""
    wl = wl_pred.copy()
    prev = np.inf
    for _ in range(max_iter):
        w, lam = wl[:-1], wl[-1]
        if lam < 0:
            return None, 0
        H = _H(A, B, w, lam)
        err = np.max(np.abs(H))
        if not np.isfinite(err):
            return None, 0
        if err < TOL:
            return wl, _
        if err > 0.5 * prev and prev < np.inf:
            return None, 0
        prev = err
        J, dlam = _jac(A, B, w, lam)
        M = np.vstack([np.column_stack([J, dlam]), t])
        try:
            wl = wl - np.linalg.solve(M, np.concatenate([H, [t @ (wl - wl_pred)]]))
        except np.linalg.LinAlgError:
            return None, 0
    return None, 0


def _jump(A, B, wl, t, orientation, target):
    """Step over a singular point of the branch (where ``[dH/dw, dH/dlam]`` loses rank, as at
    the pitchfork of a symmetric game, where arc-length steps keep being rejected).

    First by natural-parameter continuation: solve ``H(w, lam + d) = 0`` from the current
    ``w`` for a small ``d`` (Newton from the nearby point stays on the current branch, which
    at a pitchfork continues straight through); failing that, by predicting along the last
    good tangent with growing steps (Allgower and Georg 1990, sec. 8.1, "jumping over
    bifurcation points").  The determinant orientation may change sign across the point, so
    it is re-chosen to keep the direction of travel.
    """
    w, lam = wl[:-1], wl[-1]
    for d in (1e-4, 1e-3, 1e-2, 5e-2):
        step = d * (1.0 + lam)
        w_new = _solve_fixed(A, B, w, lam + step)
        if w_new is None or np.max(np.abs(w_new - w)) > 10 * step * (1 + np.max(np.abs(A)) + np.max(np.abs(B))):
            continue
        new = np.concatenate([w_new, [lam + step]])
        t_new = _tangent(A, B, w_new, lam + step, orientation)
        if t_new[-1] < 0:
            orientation, t_new = -orientation, -t_new
        return new, t_new, orientation, min(step, 0.1)
    for hj in (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 5e-2, 0.2):
        new, _ = _newton_arclength(A, B, wl + hj * t, t)
        if new is None or new[-1] <= lam:
            continue
        t_new = _tangent(A, B, new[:-1], new[-1], orientation)
        if t_new @ t < 0:
            orientation, t_new = -orientation, -t_new
        if t_new @ t > 0.5:
            return new, t_new, orientation, hj
    raise RuntimeError(f"QRE continuation stalled at lam={lam:.6g} (target {target:g})")


def trace(game, lambdas) -> QRETrace:
    """The principal branch of the logit QRE correspondence at each of ``lambdas``.

    Follows the branch that starts at uniform play at ``lam = 0`` by predictor-corrector
    continuation in arc length (Turocy 2005; algorithm in the module docstring) and
    records the QRE each time the branch reaches a requested ``lam``.

    Parameters
    ----------
    game : Game or (A, B)      one game, payoffs (K_A, K_B)
    lambdas : array_like (n,)  nondecreasing precisions >= 0

    Returns
    -------
    QRETrace(lambdas (n,), x (n, K_A), y (n, K_B))

    Raises
    ------
    ConfigError   for a batch of games or bad ``lambdas``
    RuntimeError  if the continuation stalls (step size underflow)
    """
    A, B = _single(game)
    lams = _lambdas(lambdas)
    ka, kb = A.shape
    xs, ys = np.empty((lams.size, ka)), np.empty((lams.size, kb))
    wl = np.concatenate([np.full(ka, -np.log(ka)), np.full(kb, -np.log(kb)), [0.0]])
    t = _tangent(A, B, wl[:-1], 0.0, 1.0)
    orientation = 1.0 if t[-1] > 0 else -1.0  # start towards increasing lambda
    t = -t if t[-1] < 0 else t
    h = 0.1
    i = 0
    # lam = 0 targets: uniform play
    while i < lams.size and lams[i] == 0.0:
        xs[i], ys[i] = np.full(ka, 1 / ka), np.full(kb, 1 / kb)
        i += 1
    steps = 0
    t = _tangent(A, B, wl[:-1], wl[-1], orientation)
    while i < lams.size:
        steps += 1
        if steps > MAX_STEPS:
            raise RuntimeError(f"QRE continuation stalled at lam={wl[-1]:.6g} (target {lams[i]:g})")
        if h < 1e-9:  # a singular point (e.g. a symmetric pitchfork): jump over it along the last tangent
            wl, t, orientation, h = _jump(A, B, wl, t, orientation, lams[i])
        t = _tangent(A, B, wl[:-1], wl[-1], orientation)
        wl_pred = wl + h * t
        new, iters = _newton_arclength(A, B, wl_pred, t)
        if new is None or np.linalg.norm(new - wl_pred) > 0.5 * h:
            h *= 0.5
            continue
        t_new = _tangent(A, B, new[:-1], new[-1], orientation)
        if t_new @ t < 0.95:
            h *= 0.5
            continue
        # record every requested lambda passed (upwards) in this step
        found, ok = [], True
        j = i
        while j < lams.size and wl[-1] < lams[j] <= new[-1]:
            frac = (lams[j] - wl[-1]) / (new[-1] - wl[-1])
            w_int = (1 - frac) * wl[:-1] + frac * new[:-1]
            w = _solve_fixed(A, B, w_int, lams[j])
            if w is None or np.linalg.norm(w - w_int) > max(h, 1e-6):
                ok = False
                break
            found.append(_split(A, w))
            j += 1
        if not ok:
            h *= 0.5
            continue
        for pt in found:
            xs[i], ys[i] = pt
            i += 1
        while 0 < i < lams.size and lams[i] == lams[i - 1]:  # repeated lambdas
            xs[i], ys[i] = xs[i - 1], ys[i - 1]
            i += 1
        wl = new
        if iters <= 3:
            h *= 2.0
    return QRETrace(lams, xs, ys)
