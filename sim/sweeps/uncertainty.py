"""Parameter uncertainty: propagate ranges of the illustrative parameters, and global sensitivity.

A scenario's parameter may carry a range or a distribution instead of one number
(``war_risk: {low: 0.4, high: 0.9, value: 0.8}``): :func:`uncertain_spec` reads it.  The
point value (``value``; default the midpoint or the mean) is what the run analyses as
the scenario; :func:`propagate` draws samples of all uncertain parameters at once, evaluates
the outcomes at every sample in the sweep's batched kernels (:func:`sim.sweeps.evaluate_points`:
one batch of games, chunked to the memory budget) and returns, per outcome, an interval and
the Sobol indices of each parameter:

- **Sampling** (SALib; Herman and Usher 2017): ``method="sobol"`` is Saltelli's scheme on a
  scrambled Sobol sequence, ``N (D + 2)`` points for D parameters (first- and total-order
  indices; Saltelli et al. 2010); ``method="lhs"`` is a Latin hypercube of ``N`` points
  (intervals only).  The sampler's seed comes from the run's seed through
  ``numpy.random.SeedSequence``.
- **Intervals**: the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of each outcome over
  the samples (the distribution the parameter ranges induce; not a confidence interval).
- **Sensitivity**: total-order (``ST``) and first-order (``S1``) Sobol indices with their
  bootstrap 95% half-widths (Jansen 1999 / Saltelli 2010 estimators, as SALib computes them).
  ``ST_i`` is the share of the outcome's variance that involves parameter i; a parameter with
  ``ST ~ 0`` does not matter over its range.

Distributions: ``{low, high}`` uniform; ``{mean, sd}`` normal; ``{mean, sd, low, high}``
normal truncated to [low, high].  Crisis settings that are probabilities are clipped to [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from sim.errors import ConfigError

__all__ = ["Uncertain", "uncertain_spec", "is_uncertain", "propagate", "Propagation", "UNCERTAINTY_METHODS"]

UNCERTAINTY_METHODS = ("sobol", "lhs")
_KEYS = {"low", "high", "mean", "sd", "value"}


def is_uncertain(value: Any) -> bool:
    """Whether a config value is a range or distribution (a mapping of :func:`uncertain_spec` keys)."""
    return isinstance(value, Mapping) and bool(value) and set(value) <= _KEYS


@dataclass(frozen=True)
class Uncertain:
    """One uncertain parameter: ``dist`` ("unif", "norm" or "truncnorm", SALib's names), its
    ``bounds`` in SALib's form, and the point ``value`` the scenario is analysed at."""

    name: str
    dist: str
    bounds: tuple[float, ...]
    value: float

    def describe(self) -> str:
        if self.dist == "unif":
            return f"uniform on [{self.bounds[0]:g}, {self.bounds[1]:g}]"
        if self.dist == "norm":
            return f"normal, mean {self.bounds[0]:g}, sd {self.bounds[1]:g}"
        lo, hi, mu, sd = self.bounds
        return f"normal, mean {mu:g}, sd {sd:g}, within [{lo:g}, {hi:g}]"


def _num(field: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ConfigError(field, f"must be a finite number, got {v!r}")
    return float(v)


def uncertain_spec(field: str, raw: Mapping[str, Any], name: str | None = None) -> Uncertain:
    """Read ``{low, high[, value]}``, ``{mean, sd[, value]}`` or ``{mean, sd, low, high[, value]}``."""
    keys = set(raw)
    bad = keys - _KEYS
    if bad:
        raise ConfigError(f"{field}.{sorted(bad)[0]}", "unknown key; a range is {low, high}, a distribution "
                                                       "{mean, sd} or {mean, sd, low, high}, each with an optional value")
    v = {k: _num(f"{field}.{k}", raw[k]) for k in keys}
    if {"mean", "sd"} <= keys:
        if v["sd"] <= 0:
            raise ConfigError(f"{field}.sd", f"must be > 0, got {v['sd']:g}")
        if {"low", "high"} <= keys:
            if not v["low"] < v["high"]:
                raise ConfigError(f"{field}.high", f"must be above low ({v['low']:g}), got {v['high']:g}")
            dist, bounds = "truncnorm", (v["low"], v["high"], v["mean"], v["sd"])
        elif keys & {"low", "high"}:
            raise ConfigError(field, "a truncated normal needs both low and high")
        else:
            dist, bounds = "norm", (v["mean"], v["sd"])
        value = v.get("value", v["mean"])
    elif {"low", "high"} <= keys and not keys & {"mean", "sd"}:
        if not v["low"] < v["high"]:
            raise ConfigError(f"{field}.high", f"must be above low ({v['low']:g}), got {v['high']:g}")
        dist, bounds = "unif", (v["low"], v["high"])
        value = v.get("value", (v["low"] + v["high"]) / 2)
    else:
        raise ConfigError(field, "must be a number, a range {low, high} or a distribution {mean, sd} "
                                 "(optionally {mean, sd, low, high}), each with an optional value")
    if dist != "norm" and not bounds[0] <= value <= bounds[1]:
        raise ConfigError(f"{field}.value", f"must lie in [{bounds[0]:g}, {bounds[1]:g}], got {value:g}")
    return Uncertain(name or field.rsplit(".", 1)[-1], dist, tuple(bounds), float(value))


@dataclass(frozen=True)
class Propagation:
    """Outcomes over samples of the uncertain parameters.

    Attributes
    ----------
    params : tuple of Uncertain        the D uncertain parameters
    samples : ndarray (n, D)           the sampled values (columns in ``params`` order)
    outcomes : dict name -> ndarray (n,)
    method : "sobol" or "lhs";  level : float;  seed_entropy : int
    intervals : dict name -> (low, high)   quantiles at (1 -+ level) / 2 (NaN samples dropped)
    mean : dict name -> float
    sobol : dict name -> dict with "S1", "ST", "S1_conf", "ST_conf" arrays (D,) (method "sobol")
    """

    params: tuple
    samples: np.ndarray
    outcomes: dict
    method: str
    level: float
    seed_entropy: int
    intervals: dict
    mean: dict
    sobol: dict

    def table(self):
        """Tidy pandas table: one row per (outcome, parameter) with ``ST``, ``S1`` and their 95%
        half-widths, plus the outcome's interval and mean; sorted by ``ST`` within an outcome."""
        import pandas as pd

        rows = []
        for o in self.outcomes:
            for j, p in enumerate(self.params):
                si = self.sobol.get(o)
                rows.append({"outcome": o, "parameter": p.name, "range": p.describe(),
                             "ST": np.nan if si is None else float(si["ST"][j]),
                             "ST_conf": np.nan if si is None else float(si["ST_conf"][j]),
                             "S1": np.nan if si is None else float(si["S1"][j]),
                             "S1_conf": np.nan if si is None else float(si["S1_conf"][j]),
                             "low": self.intervals[o][0], "high": self.intervals[o][1], "mean": self.mean[o]})
        t = pd.DataFrame(rows)
        return t.sort_values(["outcome", "ST"], ascending=[True, False], kind="stable").reset_index(drop=True)


class _Samples:
    """The sample points as the sweep planner and checks see a grid: names, size and points
    (a list of points, not a Cartesian product)."""

    def __init__(self, names: tuple[str, ...], X: np.ndarray):
        self.names, self._X = names, X
        self.size = X.shape[0]
        self.shape = (self.size,)

    def points(self, lo: int = 0, hi: int | None = None) -> dict[str, np.ndarray]:
        return {n: self._X[lo:hi, j] for j, n in enumerate(self.names)}


def _problem(params: Sequence[Uncertain]) -> dict:
    return {"num_vars": len(params), "names": [p.name for p in params],
            "bounds": [list(p.bounds) for p in params], "dists": [p.dist for p in params]}


def propagate(game: str, base: Mapping[str, Any], params: Sequence[Uncertain], outcomes: Sequence[str], *,
              strategies=None, settings: Mapping[str, Any] | None = None, samples: int = 64, method: str = "sobol",
              level: float = 0.9, seed: int = 0, chunk_points: int = 4096,
              memory_budget_gb: float | None = None, clip: Mapping[str, tuple[float, float]] | None = None) -> Propagation:
    """Outcomes at samples of the uncertain ``params``; intervals and Sobol indices (module docstring).

    ``game``, ``base``, ``strategies``, ``settings``, ``outcomes`` are as for
    :func:`sim.sweeps.grid_sweep` (the parameters may be builder parameters or crisis settings);
    ``samples`` is N (a power of 2 for ``sobol``: N (D + 2) evaluations); ``clip`` maps a
    parameter to the range its samples are clipped to (e.g. probabilities to [0, 1]).
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import latin
    from SALib.sample import sobol as sobol_sample

    from sim import limits
    from sim.sweeps.grid import evaluate_points
    from sim.sweeps.plan import plan
    from sim.sweeps.spec import check_grid

    if method not in UNCERTAINTY_METHODS:
        raise ConfigError("uncertainty.method", f"must be one of {', '.join(UNCERTAINTY_METHODS)}, got {method!r}")
    if isinstance(samples, bool) or not isinstance(samples, int) or not 4 <= samples <= 65536:
        raise ConfigError("uncertainty.samples", f"must be an integer in [4, 65536], got {samples!r}")
    if method == "sobol" and samples & (samples - 1):
        raise ConfigError("uncertainty.samples", f"must be a power of 2 for Sobol sampling (e.g. 64), got {samples}")
    if not 0 < level < 1:
        raise ConfigError("uncertainty.level", f"must be in (0, 1), got {level!r}")
    params = tuple(params)
    if not params:
        raise ConfigError("uncertainty", "no parameter carries a range or a distribution")
    problem = _problem(params)
    ss = np.random.SeedSequence(seed)
    sampler_seed = int(ss.generate_state(1)[0])
    if method == "sobol":
        import warnings
        with warnings.catch_warnings():  # SALib warns about convergence properties it states itself
            warnings.simplefilter("ignore")
            X = sobol_sample.sample(problem, samples, calc_second_order=False, seed=sampler_seed)
    else:
        X = latin.sample(problem, samples, seed=sampler_seed)
    for j, p in enumerate(params):
        if clip and p.name in clip:
            X[:, j] = np.clip(X[:, j], *clip[p.name])
    n = X.shape[0]
    limits.check_grid_points((n,), "uncertainty.samples")
    settings = dict(settings or {})
    base = {k: v for k, v in base.items() if k not in problem["names"] and k != "name"}
    grid = _Samples(tuple(p.name for p in params), X)
    check_grid(game, base, grid, list(outcomes), "exact", strategies)
    budget = limits.budget_bytes(memory_budget_gb)
    pl = plan(game, base, grid, strategies, list(outcomes), "exact", settings, 1, chunk_points, budget,
              grid_field="uncertainty.samples", budget_field="memory_budget_gb")
    batch, chains = pl
    values = {o: np.empty(n) for o in outcomes}
    for lo in range(0, n, batch):  # memory-bounded batches of samples (each one batched call)
        hi = min(lo + batch, n)
        pts = {p.name: X[lo:hi, j] for j, p in enumerate(params)}
        out = evaluate_points(game, base, pts, strategies, list(outcomes), "exact", settings, 1, 0, chains,
                              budget / limits.GIB)
        for o in outcomes:
            values[o][lo:hi] = np.asarray(out[o], dtype=float)
    q = ((1 - level) / 2, (1 + level) / 2)
    intervals, mean, indices = {}, {}, {}
    for o, y in values.items():
        ok = np.isfinite(y)
        intervals[o] = tuple(float(v) for v in np.quantile(y[ok], q)) if ok.any() else (np.nan, np.nan)
        mean[o] = float(y[ok].mean()) if ok.any() else np.nan
        if method == "sobol" and ok.all():
            if np.ptp(y) == 0:  # a constant outcome: no variance to share out
                zero = np.zeros(len(params))
                indices[o] = {"S1": zero, "ST": zero, "S1_conf": zero, "ST_conf": zero}
            else:
                si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=sampler_seed)
                indices[o] = {k: np.asarray(si[k], dtype=float) for k in ("S1", "ST", "S1_conf", "ST_conf")}
    return Propagation(params, X, values, method, float(level), int(ss.entropy), intervals, mean, indices)
