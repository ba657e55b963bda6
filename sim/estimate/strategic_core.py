"""Kernels of the strategic deterrence estimator: choice probabilities, log-likelihood and its
analytic gradient, starting values, and the maximum-likelihood fit (pure functions on arrays).

The game (Signorino 1999, 2003; the ``egame12`` model of Kenkel and Signorino 2014)::

          challenger (1)
           /          \\
      status quo     challenge
        Y = 1          defender (2)
        u11            /        \\
                  back down     fight
                    Y = 3        Y = 4
                   u13, 0       u14, u24

Each utility is a linear index, ``u11 = X11 @ b11`` etc. (``k = 0`` columns: fixed at 0).
With ``F`` the standard normal (probit) or standard logistic (logit) CDF and ``s = sqrt(2)``:

**Agent error** (Signorino 1999; Kenkel and Signorino 2014, eqs. for ``egame12``): each player's
expected utility of each action carries an independent error of scale 1, so the difference of
two carries scale ``sqrt(2)``::

    p4 = F(u24 / s)                       P(fight | challenge),  p3 = 1 - p4
    p2 = F((p3 u13 + p4 u14 - u11) / s)   P(challenge),          p1 = 1 - p2

(for the logit link the package, and we, use the logistic CDF with scale ``sqrt(2)``).

**Private information** (probit only; Signorino 2003, Kenkel and Signorino 2014): each utility of
each outcome carries an independent N(0, 1) shock known only to its owner::

    p4 = Phi(u24 / s)
    p2 = Phi((p3 u13 + p4 u14 - u11) / sqrt(1 + p3^2 + p4^2))

Outcome probabilities: ``P(Y=1) = p1``, ``P(Y=3) = p2 p3``, ``P(Y=4) = p2 p4``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

__all__: list[str] = []

SQRT2 = np.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


# ---------------------------------------------------------------------------- link functions
def _log_cdf(x: np.ndarray, link: str) -> np.ndarray:
    """log F(x), accurate in both tails."""
    return special.log_ndtr(x) if link == "probit" else -np.logaddexp(0.0, -x)


def _cdf(x: np.ndarray, link: str) -> np.ndarray:
    return special.ndtr(x) if link == "probit" else special.expit(x)


def _log_pdf(x: np.ndarray, link: str) -> np.ndarray:
    if link == "probit":
        return -0.5 * x * x - _LOG_SQRT_2PI
    return -np.abs(x) - 2.0 * np.log1p(np.exp(-np.abs(x)))


def _hazard(x: np.ndarray, link: str) -> np.ndarray:
    """f(x) / F(x) = d log F(x) / dx, stable for large negative x.  (f(x)/(1-F(x)) is
    ``_hazard(-x)`` because both densities are symmetric.)"""
    return np.exp(_log_pdf(x, link) - _log_cdf(x, link))


# ---------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class Design:
    """The four design matrices and the outcome, as the kernels use them.

    ``X`` is a tuple ``(X11, X13, X14, X24)`` of float64 arrays ``(n, k_j)``; ``y`` is ``(n,)`` with
    values in {1, 3, 4}; ``slices[j]`` selects utility ``j``'s coefficients from the stacked vector.
    """

    y: np.ndarray
    X: tuple
    slices: tuple

    @classmethod
    def build(cls, y, X) -> "Design":
        ks = [x.shape[1] for x in X]
        edges = np.concatenate([[0], np.cumsum(ks)])
        return cls(np.asarray(y), tuple(X), tuple(slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])))

    @property
    def n_coef(self) -> int:
        return self.slices[-1].stop

    def take(self, rows: np.ndarray) -> "Design":
        return Design(self.y[rows], tuple(x[rows] for x in self.X), self.slices)


def utilities(beta: np.ndarray, X: tuple, slices: tuple) -> list[np.ndarray]:
    """``[u11, u13, u14, u24]``, each ``(n,)``."""
    return [x @ beta[s] for x, s in zip(X, slices)]


def _indices(beta, X, slices, link: str, errors: str) -> dict:
    """The defender's probabilities ``p3``, ``p4`` and the indices ``z4 = u24 / s`` and
    ``z2 = d / sd2`` (``d = p3 u13 + p4 u14 - u11``) of the two choices, each ``(n,)``."""
    u11, u13, u14, u24 = utilities(beta, X, slices)
    z4 = u24 / SQRT2
    p4 = _cdf(z4, link)
    p3 = _cdf(-z4, link)
    d = p3 * u13 + p4 * u14 - u11
    sd2 = SQRT2 if errors == "agent" else np.sqrt(1.0 + p3 * p3 + p4 * p4)
    return {"p3": p3, "p4": p4, "z2": d / sd2, "z4": z4, "sd2": sd2, "d": d, "u": (u11, u13, u14, u24)}


def choice_probabilities(beta, X, slices, link: str, errors: str) -> dict[str, np.ndarray]:
    """Action probabilities ``p1 .. p4`` (each ``(n,)``) and the indices ``z2``, ``z4`` and the
    scale ``sd2`` of the challenger's choice.  Formulas in the module docstring."""
    p = _indices(beta, X, slices, link, errors)
    return {"p1": _cdf(-p["z2"], link), "p2": _cdf(p["z2"], link), **p}


def outcome_probabilities(beta, X, slices, link, errors) -> np.ndarray:
    """``(n, 3)``: P(Y = 1), P(Y = 3), P(Y = 4)."""
    p = choice_probabilities(beta, X, slices, link, errors)
    return np.column_stack([p["p1"], p["p2"] * p["p3"], p["p2"] * p["p4"]])


def loglik_obs(beta, design: Design, link: str, errors: str) -> np.ndarray:
    """Observation-wise log-likelihood ``(n,)`` (the log of the observed outcome's probability)."""
    p = _indices(beta, design.X, design.slices, link, errors)
    z2, z4, y = p["z2"], p["z4"], design.y
    # log p2 + log p_{3|4} for challenges, log p1 for the status quo; logs computed from indices
    chall = _log_cdf(z2, link) + np.where(y == 4, _log_cdf(z4, link), _log_cdf(-z4, link))
    return np.where(y == 1, _log_cdf(-z2, link), chall)


def _weights(beta, design: Design, link: str, errors: str):
    """Log-likelihood ``(n,)`` and the derivatives of each observation's log-likelihood with
    respect to the four utilities, ``(n,)`` each (the gradient is ``sum_i w_ji x_ji``)."""
    y = design.y
    p = _indices(beta, design.X, design.slices, link, errors)
    z2, z4, p3, p4, sd2, d = p["z2"], p["z4"], p["p3"], p["p4"], p["sd2"], p["d"]
    u11, u13, u14, u24 = p["u"]
    status_quo = y == 1
    s2 = np.where(status_quo, -1.0, 1.0)                 # first move observed: F(s2 z2)
    s4 = np.where(y == 4, 1.0, -1.0)                     # defender's move (for challenges): F(s4 z4)
    lc2, lc4 = _log_cdf(s2 * z2, link), _log_cdf(s4 * z4, link)
    ll = lc2 + np.where(status_quo, 0.0, lc4)
    g2 = s2 * np.exp(_log_pdf(z2, link) - lc2)          # d ll / d z2
    dp4 = np.exp(_log_pdf(z4, link)) / SQRT2            # d p4 / d u24
    if errors == "agent":
        dz2_du24 = (u14 - u13) * dp4 / sd2
    else:
        dz2_du24 = ((u14 - u13) * sd2 - d * (p4 - p3) / sd2) * dp4 / (sd2 * sd2)
    own = np.where(status_quo, 0.0, s4 * np.exp(_log_pdf(z4, link) - lc4) / SQRT2)
    a = g2 / sd2
    return ll, (-a, a * p3, a * p4, g2 * dz2_du24 + own)


def loglik_and_grad(beta, design: Design, link: str, errors: str) -> tuple[float, np.ndarray]:
    """Total log-likelihood and its analytic gradient ``(k,)``.

    Chain rule through the two indices.  With ``g = d log P(observed first move) / d z2``
    (``h(z2)`` for a challenge, ``-h(-z2)`` for the status quo, ``h = f / F``),
    ``dp4/du24 = f(z4) / s``, and ``d = p3 u13 + p4 u14 - u11``:

    - ``dz2/du11 = -1 / sd2``, ``dz2/du13 = p3 / sd2``, ``dz2/du14 = p4 / sd2``;
    - ``dz2/du24 = [(u14 - u13) sd2 - d * dsd2/dp4] * (dp4/du24) / sd2^2`` where
      ``dsd2/dp4 = 0`` (agent) or ``(p4 - p3) / sd2`` (private: ``sd2^2 = 1 + p3^2 + p4^2``);
    - the defender's own term: ``d log p4 / du24 = h(z4) / s``, ``d log p3 / du24 = -h(-z4) / s``;

    and ``d u_j / d b_j = X_j``.
    """
    ll, w = _weights(beta, design, link, errors)
    return float(ll.sum()), np.concatenate([wj @ x for wj, x in zip(w, design.X)])


def scores(beta, design: Design, link: str, errors: str) -> np.ndarray:
    """Observation-wise gradients ``(n, k)`` (rows sum to the gradient); ``S.T @ S`` is the
    outer-product (BHHH) approximation of the information."""
    _, w = _weights(beta, design, link, errors)
    return np.concatenate([wj[:, None] * x for wj, x in zip(w, design.X)], axis=1)


def hessian_fd(beta, design: Design, link: str, errors: str) -> np.ndarray:
    """Hessian ``(k, k)`` by central differences of the analytic gradient, symmetrised
    (step ``eps^(1/3) max(1, |b_j|)``), as maxLik's numeric Hessian of an analytic gradient."""
    k = beta.size
    H = np.empty((k, k))
    steps = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(beta))
    for j in range(k):
        e = np.zeros(k)
        e[j] = steps[j]
        H[:, j] = (loglik_and_grad(beta + e, design, link, errors)[1]
                   - loglik_and_grad(beta - e, design, link, errors)[1]) / (2 * steps[j])
    return 0.5 * (H + H.T)


# ---------------------------------------------------------------------------- starting values
def _binary_fit(X: np.ndarray, t: np.ndarray, link: str, iters: int = 50) -> np.ndarray:
    """Binary probit/logit MLE by damped Newton (expected information), zeros if it fails."""
    b = np.zeros(X.shape[1])
    if X.shape[1] == 0 or X.shape[0] == 0:
        return b
    sign = 2.0 * t - 1.0

    def ll(b):
        return _log_cdf(sign * (X @ b), link).sum()

    cur = ll(b)
    for _ in range(iters):
        eta = X @ b
        g = sign * _hazard(sign * eta, link)
        f = np.exp(_log_pdf(eta, link))
        w = f * f / np.clip(_cdf(eta, link) * _cdf(-eta, link), 1e-300, None)
        try:
            step = np.linalg.solve((X * w[:, None]).T @ X, X.T @ g)
        except np.linalg.LinAlgError:
            return np.zeros(X.shape[1])
        t_ = 1.0
        while t_ > 1e-6 and not ll(b + t_ * step) >= cur:
            t_ /= 2
        b = b + t_ * step
        new = ll(b)
        if abs(new - cur) < 1e-12 * (1 + abs(cur)):
            break
        cur = new
    return b if np.all(np.isfinite(b)) else np.zeros(X.shape[1])


def sbi_start(design: Design, link: str) -> np.ndarray:
    """Statistical backwards induction (Bas, Signorino and Walker 2008), ``egame12``'s default
    start: a binary fit of fight vs back down on ``X24`` among challenges, then of challenge vs
    status quo on ``[-X11, (1 - p4) X13, p4 X14]``; both times ``sqrt(2)`` (the scale of a difference
    of two unit errors)."""
    X11, X13, X14, X24 = design.X
    y = design.y
    chall = y != 1
    g = _binary_fit(X24[chall], (y[chall] == 4).astype(float), link)
    p4 = _cdf(X24 @ g, link)
    Z = np.column_stack([-X11, (1 - p4)[:, None] * X13, p4[:, None] * X14])
    b = _binary_fit(Z, chall.astype(float), link)
    return SQRT2 * np.concatenate([b, g])


# ---------------------------------------------------------------------------- the fit
@dataclass(frozen=True)
class Fit:
    beta: np.ndarray
    loglik: float
    grad: np.ndarray
    hessian: np.ndarray
    converged: bool
    n_iter: int
    message: str


def fit(design: Design, link: str, errors: str, start: np.ndarray | None = None, *, gtol: float = 1e-9,
        maxiter: int = 1000, hessian: bool = True) -> Fit:
    """Maximise the log-likelihood: BFGS on the mean negative log-likelihood with the analytic
    gradient, then Newton steps with the finite-difference Hessian until the gradient is at
    round-off level (so that estimates agree with another optimiser's to many digits)."""
    n = design.y.size
    b0 = sbi_start(design, link) if start is None else np.asarray(start, float)
    if not np.isfinite(loglik_and_grad(b0, design, link, errors)[0]):
        b0 = np.zeros(design.n_coef)

    def fun(b):
        ll, g = loglik_and_grad(b, design, link, errors)
        return -ll / n, -g / n

    # BFGS started from the BHHH (outer product of scores) approximation of the inverse Hessian,
    # which puts the coefficients on their own scales and saves most of the iterations
    S = scores(b0, design, link, errors)
    h0 = None
    try:
        h0 = np.linalg.inv(S.T @ S / n)
        h0 = 0.5 * (h0 + h0.T)
        np.linalg.cholesky(h0)
    except np.linalg.LinAlgError:
        h0 = None
    res = optimize.minimize(fun, b0, jac=True, method="BFGS",
                            options={"gtol": gtol, "maxiter": maxiter, "hess_inv0": h0})
    beta, n_iter = res.x, int(res.nit)
    ll, g = loglik_and_grad(beta, design, link, errors)
    if not hessian:
        gmax = float(np.max(np.abs(g))) / n if g.size else 0.0
        ok = bool(np.isfinite(ll) and gmax < 1e-5)
        return Fit(beta, ll, g, None, ok, n_iter, str(res.message))
    # Newton polish with the Hessian: BFGS often stops on lack of progress a little short of the
    # optimum; one to three Newton steps take the Newton decrement g' (-H)^-1 g to round-off.  The
    # Hessian (2 k gradients) is recomputed after a step only if the step moved a coefficient by
    # more than 1e-6 (1 + |b|): otherwise it equals the final point's to ~1e-6 relative.
    H = hessian_fd(beta, design, link, errors)
    decrement = np.inf
    for _ in range(20):
        try:
            step = np.linalg.solve(-H, g)
        except np.linalg.LinAlgError:
            break
        decrement = float(g @ step)
        if not decrement > 1e-20 * max(1.0, abs(ll)):
            break
        t = 1.0
        while t > 1e-4:
            ll_new, g_new = loglik_and_grad(beta + t * step, design, link, errors)
            if ll_new >= ll - 1e-12 * abs(ll):
                break
            t /= 2
        else:
            break
        moved = np.max(np.abs(t * step) / (1.0 + np.abs(beta))) > 1e-6
        beta, ll, g = beta + t * step, ll_new, g_new
        n_iter += 1
        if moved:
            H = hessian_fd(beta, design, link, errors)
    negdef = negative_definite(H)
    converged = bool(np.isfinite(ll) and negdef and decrement < 1e-6)
    message = str(res.message) if converged else (
        f"{res.message}; Newton decrement {decrement:.3g}" + ("" if negdef else "; Hessian not negative definite"))
    return Fit(beta, ll, g, H, converged, n_iter, message)


def negative_definite(H: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(-H)
    except np.linalg.LinAlgError:
        return False
    return True
