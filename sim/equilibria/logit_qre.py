"""Logit quantal response equilibria (QRE) of bimatrix games, traced over lambda.

Model (McKelvey and Palfrey 1995, "Quantal response equilibria for normal form games",
*Games and Economic Behavior* 10, 6-38)
    Each side best-responds with noise: side A plays rung ``i`` with probability
    proportional to ``exp(lam * (A y)_i)`` and side B plays rung ``j`` with probability
    proportional to ``exp(lam * (x B)_j)``::

        x_i = exp(lam (A y)_i) / sum_k exp(lam (A y)_k)        (logit response of A)
        y_j = exp(lam (x B)_j) / sum_k exp(lam (x B)_k)        (logit response of B)

    A logit QRE is a fixed point ``(x, y)`` of this map.  ``lam >= 0`` is the precision
    (inverse noise), in units of 1 / payoff: ``lam = 0`` is uniform play, and as
    ``lam -> inf`` limit points of QRE are Nash equilibria (McKelvey and Palfrey 1995,
    thm. 2).  Only ``lam`` times payoff differences matters, so rescaling payoffs by
    ``c`` is the same as rescaling ``lam`` by ``1 / c``.

Principal branch and continuation (Turocy 2005)
    For generic games the QRE correspondence contains a unique smooth branch that starts
    at the centroid (uniform play) at ``lam = 0`` and converges to one Nash equilibrium,
    the *limiting logit equilibrium* (McKelvey and Palfrey 1995, thm. 3).  :func:`trace`
    follows it as in T. L. Turocy (2005), "A dynamic homotopy interpretation of the
    logistic quantal response equilibrium correspondence", *Games and Economic Behavior*
    51, 243-263: in log-probabilities ``z = (log x, log y)`` the QRE condition is
    ``H(z, lam) = 0`` with::

        H_A(z, lam) = log x - lam A y + logsumexp(lam A y)
        H_B(z, lam) = log y - lam B^T x + logsumexp(lam B^T x)

    a system of ``K_A + K_B`` equations in ``K_A + K_B + 1`` unknowns whose solution set
    through ``(log uniform, 0)`` is a curve.  We follow the curve by arc length
    (Allgower and Georg 1990, *Numerical Continuation Methods*, ch. 2 and 6):

    1. *tangent*: the null vector ``t`` of the Jacobian ``M = dH/d(z, lam)``
       (``scipy.linalg.null_space``), oriented so that ``sign det([M; t^T])`` stays
       what it is at the start, where ``t`` points towards increasing ``lam`` (this
       orientation is preserved through turning points);
    2. *predictor*: an Euler step of length ``h`` along the tangent;
    3. *corrector*: Newton's method on ``H = 0`` plus the pseudo-arclength condition
       ``t . (w - w_pred) = 0``; the step is rejected and ``h`` halved when Newton fails
       to contract or the tangent turns by more than ~18 degrees, and ``h`` is doubled
       after quick successes;
    4. for each requested ``lam`` that an accepted step passes (upwards), the point is
       linearly interpolated between the step's ends and corrected at that fixed
       ``lam`` (``scipy.optimize.root`` with the analytic Jacobian); the step is
       rejected and ``h`` halved if that correction fails or moves the point by more
       than ``h``.

    Arc-length parametrisation passes turning points (folds in ``lam``) of the branch;
    at a fold, a requested ``lam`` is reported at the first point where the branch
    reaches it while ``lam`` increases.

All equilibria of a 2x2 game
    With ``p = P(A plays rung 1)`` and ``q = P(B plays rung 1)``, the QRE conditions are
    ``p = L(lam dA(q))`` and ``q = L(lam dB(p))``, where ``L(s) = 1 / (1 + exp(-s))``
    and ``dA(q) = (A10 - A00)(1 - q) + (A11 - A01) q``,
    ``dB(p) = (B01 - B00)(1 - p) + (B11 - B10) p`` are the payoff gains of rung 1 over
    rung 0.  Substituting, every QRE is a root of the single equation in
    ``s = logit(p)``::

        g(s) = s - lam dA(L(lam dB(L(s)))) = 0,

    and every root lies in ``[lam min dA, lam max dA]`` (the range of ``lam dA``).
    :func:`qre_2x2_all` scans that interval on a fine grid for sign changes of ``g``
    and refines each with ``scipy.optimize.brentq``.  Working in ``s`` rather than ``p``
    resolves roots at ``p ~ exp(-lam)`` that a grid in ``p`` would miss.  Roots of even
    multiplicity (tangencies, at the exact ``lam`` of a saddle-node bifurcation) have no
    sign change and may be missed; they are non-generic.

Units: ``lam`` is in 1 / (payoff unit).  All functions take one game (``Game`` or a pair
``(A, B)`` of ``(K_A, K_B)`` arrays); batches raise :class:`~sim.errors.ConfigError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import optimize
from scipy.special import expit, logsumexp, softmax

from sim.errors import ConfigError, nonnegative_number
from sim.games import payoff_matrices

__all__ = [
    "QREPoint",
    "QRETrace",
    "logit_response",
    "qre",
    "qre_2x2_all",
]

TOL = 1e-10          # convergence tolerance on max |H| (log-probability units)
SCAN_POINTS = 20001  # grid size of the sign-change scan in qre_2x2_all
MAX_STEPS = 200_000  # safety bound on continuation steps


class QREPoint(NamedTuple):
    """One logit QRE: ``x`` (K_A,) side A's mixed strategy, ``y`` (K_B,) side B's."""

    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True, eq=False)
class QRETrace:
    """The principal branch of the logit QRE correspondence at requested lambdas.

    Attributes
    ----------
    lambdas : ndarray, shape (n,)    precisions, nondecreasing, >= 0
    x : ndarray, shape (n, K_A)      side A's QRE strategy at each lambda
    y : ndarray, shape (n, K_B)      side B's QRE strategy at each lambda
    """

    lambdas: np.ndarray
    x: np.ndarray
    y: np.ndarray


# --------------------------------------------------------------------------- validation
def _single(game) -> tuple[np.ndarray, np.ndarray]:
    A, B = payoff_matrices(game)
    if A.ndim != 2 or A.shape != B.shape:
        raise ConfigError("game", f"QRE takes one game with A, B of shape (K_A, K_B), got {A.shape} and {B.shape}; "
                                  "index a batch to pick one game")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ConfigError("game", "payoffs must be finite")
    return A, B


def _lam(value, name: str = "lam") -> float:
    return nonnegative_number(name, value)


def _lambdas(values) -> np.ndarray:
    try:
        lams = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise ConfigError("lambdas", "must be a 1-D array of numbers >= 0") from None
    if lams.ndim != 1 or lams.size == 0:
        raise ConfigError("lambdas", f"must be a non-empty 1-D array, got shape {lams.shape}")
    if not np.all(np.isfinite(lams)) or np.any(lams < 0):
        raise ConfigError("lambdas", "must be finite and >= 0")
    if np.any(np.diff(lams) < 0):
        raise ConfigError("lambdas", "must be sorted in nondecreasing order")
    return lams


# --------------------------------------------------------------------------- the map
def logit_response(A, B, x, y, lam) -> tuple[np.ndarray, np.ndarray]:
    """The logit (softmax) responses of both sides to ``(y, x)``.

    ``x_new = softmax(lam * A @ y)`` and ``y_new = softmax(lam * x @ B)``
    (McKelvey and Palfrey 1995, eq. 3).  A logit QRE is a fixed point of this map.

    Parameters
    ----------
    A, B : array_like, shape (..., K_A, K_B)   payoffs (batches broadcast)
    x : array_like, shape (..., K_A)           side A's mixed strategy
    y : array_like, shape (..., K_B)           side B's mixed strategy
    lam : float or array_like broadcasting with the batch, >= 0

    Returns
    -------
    (x_new, y_new) with the shapes of ``x`` and ``y`` (broadcast with the batch).
    """
    A, B = np.asarray(A, float), np.asarray(B, float)
    x, y = np.asarray(x, float), np.asarray(y, float)
    lam_arr = np.asarray(lam, float)
    if np.any(~np.isfinite(lam_arr)) or np.any(lam_arr < 0):
        raise ConfigError("lam", "must be finite and >= 0")
    lam_arr = lam_arr[..., None]
    ua = np.einsum("...ij,...j->...i", A, y)
    ub = np.einsum("...i,...ij->...j", x, B)
    return softmax(lam_arr * ua, axis=-1), softmax(lam_arr * ub, axis=-1)


def _H(A, B, w: np.ndarray, lam: float) -> np.ndarray:
    """Residual of the QRE condition in log-probabilities ``w = (log x, log y)``."""
    ka = A.shape[0]
    u, v = w[:ka], w[ka:]
    with np.errstate(over="ignore", invalid="ignore"):  # solver probes far out: inf/nan is rejected
        ua, ub = A @ np.exp(v), B.T @ np.exp(u)
        return np.concatenate([u - lam * ua + logsumexp(lam * ua), v - lam * ub + logsumexp(lam * ub)])


def _jac(A, B, w: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """``dH/dw`` (n, n) and ``dH/dlam`` (n,) at ``(w, lam)``."""
    ka, kb = A.shape
    u, v = w[:ka], w[ka:]
    with np.errstate(over="ignore", invalid="ignore"):  # far-out solver probes: inf/nan is rejected
        x, y = np.exp(u), np.exp(v)
        ua, ub = A @ y, B.T @ x
        sa, sb = softmax(lam * ua), softmax(lam * ub)
        # d/d ua of (-lam ua + logsumexp(lam ua)) = -lam (I - 1 sa^T)
        pa = np.eye(ka) - np.outer(np.ones(ka), sa)
        pb = np.eye(kb) - np.outer(np.ones(kb), sb)
        J = np.eye(ka + kb)
        J[:ka, ka:] = -lam * pa @ (A * y[None, :])
        J[ka:, :ka] = -lam * pb @ (B.T * x[None, :])
        dlam = np.concatenate([-ua + sa @ ua, -ub + sb @ ub])
    return J, dlam


def _split(A, w: np.ndarray) -> QREPoint:
    ka = A.shape[0]
    # renormalise (removes rounding drift; at a solution the sums are 1 to ~1e-10)
    return QREPoint(softmax(w[:ka]), softmax(w[ka:]))


def _solve_fixed(A, B, w0: np.ndarray, lam: float):
    """Solve ``H(w, lam) = 0`` from ``w0`` with ``scipy.optimize.root`` (hybr, then lm)."""
    fun = lambda w: (_H(A, B, w, lam), _jac(A, B, w, lam)[0])  # noqa: E731
    for method in ("hybr", "lm"):
        sol = optimize.root(fun, w0, jac=True, method=method, tol=1e-14)
        if np.all(np.isfinite(sol.x)) and np.max(np.abs(_H(A, B, sol.x, lam))) < TOL:
            return sol.x
    return None


# --------------------------------------------------------------------------- one lambda
def qre(game, lam: float, *, x0=None) -> QREPoint:
    """A logit QRE of one game at precision ``lam``.

    Parameters
    ----------
    game : Game or (A, B)     one game, payoffs (K_A, K_B)
    lam : float >= 0          precision (1 / payoff unit)
    x0 : (x, y), optional
        Starting strategies.  Default ``None``: the QRE on the *principal branch*, by
        continuation from uniform play at ``lam = 0`` (:func:`trace`).  Given ``x0``,
        the fixed point ``H(log x, log y) = 0`` (module docstring) is solved by
        ``scipy.optimize.root`` from ``log x0``; this finds *a* QRE, usually but not
        always one near ``x0`` (for every QRE of a 2x2 game use :func:`qre_2x2_all`).

    Returns
    -------
    QREPoint(x, y)

    Raises
    ------
    ConfigError   for a batch of games, a negative or non-finite ``lam``, a bad ``x0``
    RuntimeError  if the solver does not converge from ``x0``
    """
    A, B = _single(game)
    lam = _lam(lam)
    if x0 is None:
        from sim.equilibria.logit_trace import trace  # the continuation builds on this module

        t = trace((A, B), [lam])
        return QREPoint(t.x[0], t.y[0])
    try:
        x, y = (np.asarray(s, float) for s in x0)
    except (TypeError, ValueError):
        raise ConfigError("x0", "must be a pair (x, y) of mixed strategies") from None
    if x.shape != (A.shape[0],) or y.shape != (A.shape[1],):
        raise ConfigError("x0", f"needs shapes ({A.shape[0]},) and ({A.shape[1]},), got {x.shape} and {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))) or np.any(x < 0) or np.any(y < 0) \
            or x.sum() <= 0 or y.sum() <= 0:
        raise ConfigError("x0", "must hold finite, nonnegative weights with a positive sum")
    w0 = np.log(np.clip(np.concatenate([x / x.sum(), y / y.sum()]), 1e-300, None))
    w = _solve_fixed(A, B, w0, lam)
    if w is None:
        raise RuntimeError(f"logit QRE solver did not converge at lam={lam:g} from x0; try another x0 or x0=None")
    return _split(A, w)


# --------------------------------------------------------------------------- 2x2: every QRE
def qre_2x2_all(game, lam: float) -> list[QREPoint]:
    """Every logit QRE of a 2x2 game at precision ``lam``, sorted by ``P(A plays rung 1)``.

    Solves ``g(s) = s - lam dA(L(lam dB(L(s)))) = 0`` for ``s = logit p`` (module
    docstring): a sign-change scan of ``g`` on ``SCAN_POINTS`` points over
    ``[lam min dA - 1, lam max dA + 1]`` (which contains every root), each bracket refined
    by ``scipy.optimize.brentq`` to ``xtol = 1e-13``; then ``q = L(lam dB(p))``.
    Tangential (even-multiplicity) roots, which occur only at isolated bifurcation
    values of ``lam``, can be missed.

    Returns
    -------
    list of QREPoint(x=(1 - p, p), y=(1 - q, q)), odd in length for generic games.

    Raises
    ------
    ConfigError   if the game is not one 2x2 game or ``lam`` is negative
    """
    A, B = _single(game)
    if A.shape != (2, 2):
        raise ConfigError("game", f"qre_2x2_all needs a 2x2 game, got {A.shape[0]}x{A.shape[1]}; use trace or qre")
    lam = _lam(lam)
    a0, a1 = A[1, 0] - A[0, 0], A[1, 1] - A[0, 1]   # A's gain from rung 1 when B plays 0 / 1
    b0, b1 = B[0, 1] - B[0, 0], B[1, 1] - B[1, 0]   # B's gain from rung 1 when A plays 0 / 1

    def dA(q):
        return a0 * (1 - q) + a1 * q

    def dB(p):
        return b0 * (1 - p) + b1 * p

    def g(s):
        return s - lam * dA(expit(lam * dB(expit(s))))

    lo, hi = lam * min(a0, a1) - 1.0, lam * max(a0, a1) + 1.0
    grid = np.linspace(lo, hi, SCAN_POINTS)
    vals = g(grid)
    roots = []
    for k in range(SCAN_POINTS - 1):
        if vals[k] == 0.0:
            roots.append(grid[k])
        elif vals[k] * vals[k + 1] < 0:
            roots.append(optimize.brentq(g, grid[k], grid[k + 1], xtol=1e-13, rtol=4 * np.finfo(float).eps))
    if vals[-1] == 0.0:
        roots.append(grid[-1])
    out = []
    for s in roots:
        sb = lam * dB(expit(s))
        out.append(QREPoint(np.array([expit(-s), expit(s)]), np.array([expit(-sb), expit(sb)])))
    return out
