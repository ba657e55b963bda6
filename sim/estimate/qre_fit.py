"""Logit quantal response equilibrium fitted to choice counts by maximum likelihood.

Model (McKelvey and Palfrey 1995, "Quantal response equilibria for normal form games",
*Games and Economic Behavior* 10, 6-38)
    Side A chose its rungs ``c_A`` (K_A,) times and side B ``c_B`` (K_B,) times, each choice
    an independent draw from the logit QRE ``(x(lam), y(lam))`` of the game.  The
    log-likelihood of the precision ``lam`` is the multinomial kernel (no multinomial
    coefficient, as in McKelvey and Palfrey 1995 and Gambit's ``logit_estimate``)::

        LL(lam) = sum_i c_A,i log x_i(lam) + sum_j c_B,j log y_j(lam)

    and ``lam_hat = argmax LL``.  For comparison the result carries the two nested
    bounds of every such model: the *uniform* model (``lam = 0``, ``x, y`` uniform),
    ``LL_0 = -n_A log K_A - n_B log K_B``, and the *saturated* model (each side's
    observed frequencies), ``LL_sat = sum c log(c / n_side)``; ``LL_0 <= LL(lam_hat) <= LL_sat``.

Which QRE (equilibrium selection)
    At a given ``lam`` a game may have several QRE.  As McKelvey and Palfrey (1995) and
    Gambit's ``pygambit.qre.logit_estimate`` do, the fit uses the *principal branch*: the
    unique branch of the QRE correspondence that starts at uniform play at ``lam = 0``
    (traced by :func:`sim.equilibria.trace`, Turocy 2005).  Where the branch folds back in
    ``lam`` (rare; not in 2x2 games), ``x(lam)`` is the first point at which the branch
    reaches ``lam``, as in :func:`~sim.equilibria.trace`; Gambit's tracer follows the fold
    and may then find a different maximum.

Algorithm (the batched branch kernel is :mod:`sim.estimate.qre_branch`)
    1. *Trace once*: the principal branch at ``G = GRID_POINTS`` precisions, ``0`` and a
       log-spaced grid from ``1e-2 / s`` to ``LAM_MAX_SCALED / s`` (``s``: the larger
       payoff range of the two sides, so the grid spans noisy to nearly rational play in
       any payoff unit).  Every ``TRACE_EVERY``-th point is traced; the points between are
       Newton corrections from the interpolated branch, in one batch, each checked to stay
       beside its traced neighbours (else traced too).  ``LL`` of every data set at every
       grid point is one matrix product, ``log p (G, K) @ counts (N, K)^T``.
    2. *Refine the maximum* in the grid cell pair around each data set's best grid point:
       the root of ``dLL/dlam = c . dw/dlam`` (Illinois regula falsi with bisection steps),
       with ``w = (log x, log y)`` and ``dw/dlam = -(dH/dw)^-1 dH/dlam`` from the implicit
       function theorem on the QRE condition ``H(w, lam) = 0`` (:mod:`sim.equilibria.logit_qre`).
       At each trial ``lam`` the QRE is solved by Newton's method started from the branch
       points beside it, for all data sets at once (batched ``numpy.linalg.solve``): no
       Python loop over data sets.
    3. *Likelihood-ratio interval* (profile likelihood; Wilks' theorem, one parameter):
       ``{lam : 2 (LL(lam_hat) - LL(lam)) <= chi2_1(level)}``, ``chi2_1(0.95) / 2 = 1.92``.
       Its ends are the first crossings of the cut-off on either side of ``lam_hat``
       (found on the grid, refined by the root finder of step 2).  The lower end is ``0``
       when ``LL(0)`` is above the cut-off; the upper end is ``inf`` when ``LL`` stays above
       it up to the top of the grid (the data cannot rule out nearly rational play; with a
       fully mixed limiting equilibrium ``LL`` tends to a finite limit, so this is common).
    4. When ``LL`` still rises at the top of the grid, or is there within rounding of its
       largest value (data on a pure equilibrium: ``LL -> 0`` as ``lam -> inf``), ``lam_hat = inf``
       and the profile and ``log_likelihood`` are those at the top of the grid (the limit,
       approximately).  When ``LL`` is flat at ``lam = 0`` (uniform counts; a game whose QRE does
       not move with ``lam``) ``lam_hat = 0``.

Units: ``lam`` in 1 / (payoff unit), as in :func:`sim.equilibria.qre`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.equilibria import QREPoint, trace
from sim.errors import ConfigError, open_probability
from sim.estimate.qre_branch import GRID_POINTS, LAM_MAX_SCALED, LAM_MIN_SCALED, branch_grid, log_branch, newton, root
from sim.games import payoff_matrices

__all__ = ["QREFit", "fit_qre"]

BRANCH = ("principal branch of the logit QRE correspondence (the branch from uniform play at lam = 0; "
          "McKelvey and Palfrey 1995), as in Gambit's logit_estimate")


@dataclass(frozen=True, eq=False)
class QREFit:
    """Maximum likelihood fit of a logit QRE (:func:`fit_qre`); ``...`` is the batch shape of the counts.

    Attributes
    ----------
    lam : ndarray (...)
        Estimated precision (1 / payoff unit); ``inf`` when the likelihood still rises at
        the top of the traced range ``lam_max``.
    profile : QREPoint(x (..., K_A), y (..., K_B))
        The fitted QRE: the principal-branch QRE at ``lam``.
    log_likelihood : ndarray (...)
        ``LL(lam) = sum c_A log x + sum c_B log y`` (natural log, no multinomial coefficient).
    interval : ndarray (..., 2)
        ``[low, high]``, the ``level`` likelihood-ratio (profile likelihood) interval for lam;
        ``high`` may be ``inf`` (see :attr:`interval_method`).
    level : float
        Confidence level of ``interval`` (0.95 by default).
    interval_method : str
        How ``interval`` was computed, in words.
    log_likelihood_uniform : ndarray (...)
        ``LL(0) = -n_A log K_A - n_B log K_B``: the uniform (pure noise) model.
    log_likelihood_saturated : ndarray (...)
        ``sum c log(c / n_side)``: each side's observed frequencies (the best any model can do).
    n : ndarray (..., 2)
        Observations of side A and of side B.
    counts_a, counts_b : ndarray (..., K_A), (..., K_B)
        The data.
    lam_max : float
        Top of the traced range of lam (``LAM_MAX_SCALED`` / payoff range).
    branch : str
        Which QRE is fitted: the principal branch (McKelvey and Palfrey 1995).
    A, B : ndarray (K_A, K_B)
        The game's payoffs (for :meth:`log_likelihood_at`).
    """

    lam: np.ndarray
    profile: QREPoint
    log_likelihood: np.ndarray
    interval: np.ndarray
    level: float
    interval_method: str
    log_likelihood_uniform: np.ndarray
    log_likelihood_saturated: np.ndarray
    n: np.ndarray
    counts_a: np.ndarray
    counts_b: np.ndarray
    lam_max: float
    branch: str
    A: np.ndarray
    B: np.ndarray

    @property
    def lr_uniform(self) -> np.ndarray:
        """``2 (LL(lam_hat) - LL(0))``: likelihood-ratio statistic against pure noise (chi2, 1 df
        under ``lam = 0``, a boundary value: halve the chi2(1) p-value)."""
        return 2.0 * (self.log_likelihood - self.log_likelihood_uniform)

    @property
    def deviance(self) -> np.ndarray:
        """``2 (LL_sat - LL(lam_hat))``: goodness of fit against the saturated model, chi2 with
        :attr:`df_residual` degrees of freedom when the model holds."""
        return 2.0 * (self.log_likelihood_saturated - self.log_likelihood)

    @property
    def df_residual(self) -> int:
        """``(K_A - 1) + (K_B - 1) - 1``: free frequencies minus the one parameter lam."""
        return self.A.shape[0] + self.A.shape[1] - 3

    def log_likelihood_at(self, lams) -> np.ndarray:
        """The log-likelihood profile: ``LL(lam)`` of the data at each of ``lams`` (m,), on the
        principal branch; returns ``(..., m)`` (one trace for all data sets)."""
        lams = np.atleast_1d(np.asarray(lams, dtype=float))
        if lams.ndim != 1 or not np.all(np.isfinite(lams)) or np.any(lams < 0):
            raise ConfigError("lams", "must be a 1-D array of finite numbers >= 0")
        order = np.argsort(lams, kind="stable")
        tr = trace((self.A, self.B), lams[order])
        logp = log_branch(self.A, self.B, lams[order], tr.x, tr.y)[np.argsort(order)]   # (m, K)
        c = np.concatenate([self.counts_a, self.counts_b], axis=-1)
        return c @ logp.T


# --------------------------------------------------------------------------- validation
def _game(game) -> tuple[np.ndarray, np.ndarray]:
    A, B = payoff_matrices(game)
    A, B = np.asarray(A, float), np.asarray(B, float)
    if A.ndim != 2 or A.shape != B.shape:
        raise ConfigError("game", f"fit_qre takes one game with A, B of shape (K_A, K_B), got {A.shape} and {B.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ConfigError("game", "payoffs must be finite")
    return A, B


def _counts(counts, shape) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(counts, (str, bytes)) or not hasattr(counts, "__len__") or len(counts) != 2:
        raise ConfigError("counts", "must be a pair [counts_a (K_A,), counts_b (K_B,)] (batches: (..., K_A), (..., K_B))")
    out = []
    for side, value, k in (("counts[0]", counts[0], shape[0]), ("counts[1]", counts[1], shape[1])):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ConfigError(side, "must be a rectangular array of numbers") from None
        if arr.ndim == 0 or arr.shape[-1] != k:
            raise ConfigError(side, f"needs one count per rung of its side ({k}) on the last axis, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ConfigError(side, "must be finite (got NaN or infinity)")
        if np.any(arr < 0):
            raise ConfigError(side, f"counts must be >= 0, got {arr[arr < 0].ravel()[0]:g}")
        out.append(arr)
    ca, cb = out
    try:
        batch = np.broadcast_shapes(ca.shape[:-1], cb.shape[:-1])
    except ValueError:
        raise ConfigError("counts", f"batch shapes {ca.shape[:-1]} and {cb.shape[:-1]} do not broadcast") from None
    ca, cb = np.broadcast_to(ca, batch + ca.shape[-1:]), np.broadcast_to(cb, batch + cb.shape[-1:])
    empty = (ca.sum(-1) + cb.sum(-1)) <= 0
    if np.any(empty):
        where = f" (data set {tuple(int(i) for i in np.argwhere(empty)[0])})" if batch else ""
        raise ConfigError("counts", f"all counts are zero{where}: nothing to fit")
    return ca, cb


def _level(level) -> float:
    return open_probability("level", level)


# --------------------------------------------------------------------------- the fit
def fit_qre(game, counts, *, level: float = 0.95) -> QREFit:
    """Fit a logit QRE to choice counts by maximum likelihood (McKelvey and Palfrey 1995).

    Parameters
    ----------
    game : Game or (A, B)
        One game, payoffs ``(K_A, K_B)`` (a game with war risk: its one-round normal form,
        :func:`sim.games.payoff_matrices`).
    counts : [counts_a, counts_b]
        How often each side chose each rung: ``counts_a`` (..., K_A), ``counts_b`` (..., K_B)
        (a pair: a list or tuple, or an array whose first axis has length 2),
        nonnegative numbers (counts, not frequencies: frequencies give the same ``lam`` but a
        log-likelihood and interval for one observation).  Leading batch dimensions (which
        broadcast) are independent data sets on the same game, fitted together from one trace
        of the branch.
    level : float, default 0.95
        Confidence level of the likelihood-ratio interval.

    Returns
    -------
    QREFit
        ``lam`` (...), ``profile`` (``x`` (..., K_A), ``y`` (..., K_B)), ``log_likelihood`` (...),
        ``interval`` (..., 2), the uniform and saturated log-likelihoods, ``n`` and
        :meth:`~QREFit.log_likelihood_at` for the profile curve.  The QRE is the principal
        branch's (module docstring).

    Raises
    ------
    ConfigError  for a batch of games, bad counts (negative, wrong length, all zero), or a bad level.

    Examples
    --------
    >>> import sim
    >>> game = sim.from_matrices([[1.1141, 0], [0, 0.2785]], [[0, 1.1141], [1.1141, 0]])
    >>> fit = sim.fit_qre(game, [[67.456, 60.544], [46.848, 81.152]])   # Ochs (1995), 128 choices a side
    >>> round(float(fit.lam), 3), round(float(fit.log_likelihood), 2)
    (1.846, -174.76)
    """
    A, B = _game(game)
    ca, cb = _counts(counts, A.shape)
    level = _level(level)
    ka, kb = A.shape
    batch = ca.shape[:-1]
    c = np.concatenate([ca, cb], axis=-1).reshape(-1, ka + kb)               # (N, K)
    N = c.shape[0]

    # 1. the branch once, on a grid scaled to the payoffs
    scale = max(np.ptp(A), np.ptp(B))
    top = LAM_MAX_SCALED / scale if scale > 0 else 1.0
    grid = np.concatenate([[0.0], np.logspace(np.log10(LAM_MIN_SCALED), np.log10(LAM_MAX_SCALED), GRID_POINTS)])
    grid = grid / scale if scale > 0 else grid / LAM_MAX_SCALED
    W = branch_grid(A, B, grid)                                             # (G, K)
    LLg = c @ W.T                                                            # (N, G)

    def LL(lam, rows):
        w, _ = newton(A, B, grid, W, lam)[:2]
        return np.sum(c[rows] * w, axis=1)

    def slope(lam):
        _, dw = newton(A, B, grid, W, lam)[:2]
        return np.sum(c * dw, axis=1)

    # 2. the maximum: the root of dLL/dlam in the cells beside the best grid point
    k = np.argmax(LLg, axis=1)
    lo, hi = grid[np.maximum(k - 1, 0)], grid[np.minimum(k + 1, grid.size - 1)]
    lam = root(slope, lo, hi) if scale > 0 else np.zeros(N)
    # LL flat to rounding counts as flat: slopes within ~1e-12 of the data's scale are zero
    flat = 1e-12 * c.sum(axis=1) * max(scale, 1e-300)
    at_zero = (k == 0) & (slope(np.zeros(N)) <= flat) if scale > 0 else np.ones(N, bool)
    best = LLg.max(axis=1)
    at_top = ~at_zero & ((slope(np.full(N, grid[-1])) > flat) | (LLg[:, -1] >= best - 1e-12 * (1 + np.abs(best))))
    lam = np.where(at_zero, 0.0, lam)
    lam_eval = np.where(at_top, grid[-1], lam)
    w, _ = newton(A, B, grid, W, lam_eval)[:2]
    ll = np.sum(c * w, axis=1)
    lam = np.where(at_top, np.inf, lam)

    # 3. the likelihood-ratio interval: first crossings of the cut-off on each side
    cut = ll - stats.chi2.ppf(level, 1) / 2.0
    below = LLg < cut[:, None]                                               # (N, G)
    idx = np.arange(grid.size)[None, :]
    k_hat = np.searchsorted(grid, np.minimum(lam_eval, grid[-1]), side="right")[:, None] - 1
    left = np.where(below & (idx <= k_hat), idx, -1).max(axis=1)             # last grid point below, left of lam
    right = np.where(below & (idx > k_hat), idx, grid.size).min(axis=1)      # first grid point below, right
    low = np.zeros(N)
    has = left >= 0
    if np.any(has):
        low[has] = root(lambda m: cut[has] - LL(m, has), grid[left[has]],
                           np.minimum(grid[np.minimum(left[has] + 1, grid.size - 1)], lam_eval[has]))
    high = np.full(N, np.inf)
    has_r = right < grid.size
    if np.any(has_r):
        high[has_r] = root(lambda m: LL(m, has_r) - cut[has_r],
                              np.maximum(grid[right[has_r] - 1], lam_eval[has_r]), grid[right[has_r]])

    x, y = np.exp(w[:, :ka]), np.exp(w[:, ka:])
    n = np.stack([ca.sum(-1), cb.sum(-1)], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sat = sum(np.sum(np.where(cs > 0, cs * np.log(cs / cs.sum(-1, keepdims=True)), 0.0), -1) for cs in (ca, cb))
    return QREFit(
        lam=lam.reshape(batch), profile=QREPoint(x.reshape(batch + (ka,)), y.reshape(batch + (kb,))),
        log_likelihood=ll.reshape(batch), interval=np.stack([low, high], -1).reshape(batch + (2,)), level=level,
        interval_method=(f"likelihood ratio (profile likelihood): {{lam : 2 (LL(lam_hat) - LL(lam)) <= "
                         f"chi2_1({level:g}) = {stats.chi2.ppf(level, 1):.4g}}}, the crossings nearest lam_hat; "
                         f"high = inf when LL stays above the cut-off up to lam_max"),
        log_likelihood_uniform=-(n[..., 0] * np.log(ka) + n[..., 1] * np.log(kb)), log_likelihood_saturated=sat,
        n=n, counts_a=np.array(ca), counts_b=np.array(cb), lam_max=float(top), branch=BRANCH, A=A, B=B)
