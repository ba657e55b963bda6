"""Maximum likelihood for observed crises: ``fit_sequences``, ``compare_models``, ``fitted_settings``.

:func:`fit_sequences` maximises :func:`sim.estimate.sequence_likelihood` over one or two of the
numeric crisis settings (:data:`sim.estimate.GRID_FIELDS`) and gives profile-likelihood
intervals; :func:`compare_models` fits several candidate strategy pairs and ranks them by AIC
and BIC.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from sim.errors import ConfigError, open_probability
from sim.repeated import CrisisSettings, Strategy
from .sequence_data import Sequences
from .sequences import GRID_FIELDS, sequence_likelihood

__all__ = ["SequenceFit", "fit_sequences", "compare_models", "fitted_settings", "ImpossibleData"]


class ImpossibleData(ConfigError):
    """The model gives the observed crises probability 0 at every point searched (it cannot
    produce them); :func:`compare_models` records such a candidate with weight 0."""

@dataclass(frozen=True)
class SequenceFit:
    """Maximum-likelihood fit of a model's free settings to observed crises.

    Attributes
    ----------
    params : dict of str -> float       the estimates (field -> value)
    intervals : dict of str -> (float, float)
        Profile-likelihood intervals at ``level``: the values whose profile log-likelihood
        is within ``chi2_1(level) / 2`` of the maximum (Venzon and Moolgavkar 1988); an end
        at the parameter's bound means the interval reaches it.
    log_likelihood : float
    k : int                              number of free parameters
    n : int                              observed rounds (the n of BIC)
    aic, bic : float                     ``2k - 2 log L`` and ``k log n - 2 log L``
    level : float
    settings : CrisisSettings            the fitted settings (free fields at their estimates)
    model : str                          a name for the strategy pair
    """

    params: dict
    intervals: dict
    log_likelihood: float
    k: int
    n: int
    aic: float
    bic: float
    level: float
    settings: CrisisSettings
    model: str


def _free(free: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    out = {}
    for key, bounds in dict(free).items():
        if key not in GRID_FIELDS:
            raise ConfigError(f"free.{key}", f"is not a free parameter; allowed: {', '.join(GRID_FIELDS)}")
        lo, hi = GRID_FIELDS[key]
        try:
            a, b = (float(v) for v in bounds)
        except (TypeError, ValueError):
            raise ConfigError(f"free.{key}", f"must be a (low, high) pair, got {bounds!r}") from None
        if not (lo <= a < b <= hi) or not np.isfinite(b):
            raise ConfigError(f"free.{key}", f"must be finite bounds with {lo:g} <= low < high <= {hi:g}, got ({a:g}, {b:g})")
        out[key] = (a, b)
    return out


def fit_sequences(data: Sequences, game, strategy_a: Strategy, strategy_b: Strategy, *,
                  free: Mapping[str, Any], settings: CrisisSettings | Mapping[str, Any] | None = None,
                  level: float = 0.95, points: int = 41, **overrides) -> SequenceFit:
    """Maximum likelihood over the ``free`` settings, with profile-likelihood intervals.

    Parameters
    ----------
    data, game, strategy_a, strategy_b, settings, overrides : as :func:`sequence_likelihood`.
    free : mapping of field -> (low, high)
        The settings to estimate (:data:`GRID_FIELDS`, one or two of them) and their bounds.
    level : float in (0, 1)
        Confidence level of the profile intervals.
    points : int
        Grid points per free parameter for the global search (the grid is one batched
        likelihood call); the best point is then refined by bounded L-BFGS-B.

    Method: the log-likelihood on a ``points``-per-axis grid (one forward pass) locates the
    global maximum (likelihoods of short records are often multimodal); ``scipy.optimize``
    refines it within the bounds; the profile of each parameter (the other, if any,
    maximised out on the grid axis and refined) is solved for the ``chi2_1(level) / 2``
    drop by ``brentq``.
    """
    from scipy import optimize, stats

    free = _free(free)
    if not 1 <= len(free) <= 2:
        raise ConfigError("free", f"give one or two free parameters, got {len(free)}")
    level = open_probability("level", level)
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or not 5 <= points <= 1001:
        raise ConfigError("points", f"must be an integer in [5, 1001], got {points!r}")
    cs = CrisisSettings.resolve(settings, **overrides)
    names = list(free)
    axes = [np.linspace(*free[n], points) for n in names]

    def loglik(grid):
        return sequence_likelihood(data, game, strategy_a, strategy_b, settings=cs, grid=grid)

    mesh = np.meshgrid(*axes, indexing="ij")
    surface = loglik(dict(zip(names, mesh)))
    best = np.unravel_index(np.argmax(np.where(np.isfinite(surface), surface, -np.inf)), surface.shape)
    if not np.isfinite(surface[best]):
        raise ImpossibleData("data", "has likelihood 0 under this model at every grid point (the model cannot "
                                  "produce the observed sequence): try other strategies or free noise")
    x0 = np.array([ax[i] for ax, i in zip(axes, best)])
    bounds = [free[n] for n in names]

    def negll(x):
        v = loglik({n: np.array([xi]) for n, xi in zip(names, x)})[0]
        return -v if np.isfinite(v) else 1e300

    res = optimize.minimize(negll, x0, method="L-BFGS-B", bounds=bounds)
    x = res.x if res.fun <= -surface[best] else x0
    ll_max = -min(res.fun, -surface[best])
    drop = stats.chi2.ppf(level, 1) / 2

    def profile(i, value):
        if len(names) == 1:
            return loglik({names[0]: np.array([value])})[0]
        j = 1 - i
        line = loglik({names[i]: np.full(points, value), names[j]: axes[j]})
        k = int(np.argmax(line))

        def neg(v):
            r = loglik({names[i]: np.array([value]), names[j]: np.array([v])})[0]
            return -r if np.isfinite(r) else 1e300
        r = optimize.minimize_scalar(neg, bounds=(axes[j][max(k - 1, 0)], axes[j][min(k + 1, points - 1)]),
                                     method="bounded")
        return max(line[k], -r.fun)

    intervals = {}
    for i, n in enumerate(names):
        lo, hi = free[n]
        ends = []
        for edge in (lo, hi):
            f = lambda v: profile(i, v) - (ll_max - drop)  # noqa: E731
            if f(edge) >= 0:
                ends.append(edge)
            else:
                ends.append(optimize.brentq(f, min(edge, x[i]), max(edge, x[i]), xtol=1e-6))
        intervals[n] = (float(ends[0]), float(ends[1]))
    params = {n: float(v) for n, v in zip(names, x)}
    fitted = fitted_settings(cs, params)
    k, n = len(names), data.n_rounds
    return SequenceFit(params, intervals, float(ll_max), k, n, float(2 * k - 2 * ll_max),
                       float(k * np.log(n) - 2 * ll_max), float(level), fitted,
                       f"{strategy_a.name} vs {strategy_b.name}")


def fitted_settings(cs: CrisisSettings, params: Mapping[str, float]) -> CrisisSettings:
    """``cs`` with fitted values (``{field: value}``, :data:`GRID_FIELDS`) written into its fields
    (per-side rates become (side A, side B) pairs)."""
    fields = {}
    for base in ("execution_noise", "perception_noise"):
        a, b = params.get(f"{base}_a"), params.get(f"{base}_b")
        if base in params:
            fields[base] = params[base]
        elif a is not None or b is not None:
            old = getattr(cs, base)
            old = old if isinstance(old, tuple) and len(old) == 2 and not np.ndim(old[0]) == 1 else (old, old)
            fields[base] = (a if a is not None else old[0], b if b is not None else old[1])
    for key in ("war_risk_scale", "mediation", "mediation_slope"):
        if key in params:
            fields[key] = params[key]
    return dataclasses.replace(cs, **fields)


def compare_models(data: Sequences, game, candidates: Mapping[str, tuple[Strategy, Strategy]], *,
                   free: Mapping[str, Any], settings: CrisisSettings | Mapping[str, Any] | None = None,
                   level: float = 0.95, points: int = 41, **overrides):
    """Fit each candidate strategy pair (same free settings) and rank them.

    Returns a pandas DataFrame, one row per candidate, best (lowest AIC) first: ``model``,
    ``log_likelihood``, ``k``, ``n``, ``aic``, ``bic``, ``delta_aic`` (AIC minus the best),
    ``akaike_weight`` (``exp(-delta/2)`` normalised: Burnham and Anderson 2002, section 2.9),
    and each free parameter's estimate and interval.  Candidates the data rule out (likelihood
    0 at every grid point) get ``log_likelihood = -inf`` and weight 0.
    """
    import pandas as pd

    rows = []
    for name, pair in candidates.items():  # a handful of candidate models, each one batched fit
        try:
            sa, sb = pair
        except (TypeError, ValueError):
            raise ConfigError(f"candidates.{name}", "must be a (strategy_a, strategy_b) pair") from None
        try:
            fit = fit_sequences(data, game, sa, sb, free=free, settings=settings, level=level, points=points,
                                **overrides)
        except ImpossibleData:
            rows.append({"model": name, "log_likelihood": -np.inf, "k": len(free), "n": data.n_rounds,
                         "aic": np.inf, "bic": np.inf})
            continue
        row = {"model": name, "log_likelihood": fit.log_likelihood, "k": fit.k, "n": fit.n, "aic": fit.aic,
               "bic": fit.bic}
        for p, v in fit.params.items():
            row[p] = v
            row[f"{p}_low"], row[f"{p}_high"] = fit.intervals[p]
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("aic", kind="stable").reset_index(drop=True)
    table["delta_aic"] = table["aic"] - table["aic"].iloc[0]
    w = np.exp(-0.5 * table["delta_aic"].to_numpy())
    table["akaike_weight"] = w / w.sum()
    return table
