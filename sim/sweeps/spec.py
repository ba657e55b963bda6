"""What a sweep is: the grid of swept parameters, the outcomes it may compute, the checks.

A grid names parameters and their values (``linspace`` / ``logspace`` / a list); its
points are the Cartesian product, flattened in C order (first parameter slowest).  Axis
lengths and the number of points are checked against :data:`sim.limits.MAX_GRID_POINTS`
before any value array is made.  :mod:`sim.sweeps.grid` evaluates grids,
:mod:`sim.sweeps.plan` sizes their batches.
"""

from __future__ import annotations

import dataclasses

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from sim import limits
from sim.errors import ConfigError
from sim.games import builder_parameters
from sim.repeated import CrisisSettings

__all__ = ["Axis", "Grid", "GAME_OUTCOMES", "CRISIS_OUTCOMES", "MC_OUTCOMES", "CREDIBILITY_OUTCOMES", "MPE_OUTCOMES", "OUTCOMES", "SETTING_PARAMETERS",
           "METHODS", "sweepable_parameters", "check_grid"]

#: Outcomes of the stage game (no strategies needed).
GAME_OUTCOMES = ("game_class", "n_pure", "eq_level", "p_top")
#: Outcomes of the repeated crisis of a strategy pair (exact or Monte Carlo).
CRISIS_OUTCOMES = ("p_war_by_T", "p_settled_by_T", "p_mediated_by_T", "payoff_a", "payoff_b", "expected_rounds")
#: Outcomes only Monte Carlo gives: standard errors of the mean payoffs and the binomial
#: standard errors ``sqrt(p (1 - p) / paths)`` of the probabilities.
MC_OUTCOMES = ("payoff_a_sem", "payoff_b_sem", "p_war_by_T_sem", "p_settled_by_T_sem", "p_mediated_by_T_sem")
#: Credibility of the stated pair at each point (``sim.dynamic.credibility``, always exact; the
#: horizon is the sweep's ``rounds``): what each side's best deviation from its stated policy pays.
CREDIBILITY_OUTCOMES = ("deviation_gain_a", "deviation_gain_b")
#: The Markov perfect equilibrium of the dynamic escalation game at each point (``sim.dynamic.markov_perfect``
#: on the batch of the chunk's games in one call; exact, no strategies needed; the crisis under it by the
#: sweep's ``rounds``): P(war by T), mean executed rung over the rounds played (both sides, and each),
#: each side's equilibrium value from the opening state (discounted, infinite horizon).
MPE_OUTCOMES = ("mpe_p_war_by_T", "mpe_mean_rung", "mpe_mean_rung_a", "mpe_mean_rung_b", "mpe_value_a",
                "mpe_value_b")
OUTCOMES = GAME_OUTCOMES + CRISIS_OUTCOMES + MC_OUTCOMES + CREDIBILITY_OUTCOMES + MPE_OUTCOMES
#: Crisis settings that may be swept (keyword arguments of analyse / simulate).
#: Crisis settings that may be swept: the fields of :class:`sim.repeated.CrisisSettings`, but
#: ``rounds`` (it sets the length of every per-round outcome).
SETTING_PARAMETERS = tuple(f.name for f in dataclasses.fields(CrisisSettings)
                           if f.name not in ("rounds", "timing", "opening"))  # numeric settings
_NOT_SWEPT = ("K", "sides", "labels", "labels_a", "labels_b", "A", "B")
METHODS = ("exact", "monte_carlo")


def sweepable_parameters(game: str) -> list[str]:
    """Parameters a grid over game ``game`` may sweep: its numeric builder arguments and the settings."""
    return [p for p in builder_parameters(game) if p not in _NOT_SWEPT] + list(SETTING_PARAMETERS)


# --------------------------------------------------------------------------- the grid
@dataclass(frozen=True, eq=False)
class Axis:
    """One swept parameter: its name and its values (1-D float array, at least one)."""

    name: str
    values: np.ndarray


def _axis(name: str, spec: Any) -> Axis:
    where = f"sweep.grid.{name}"
    if isinstance(spec, Mapping):
        if len(spec) != 1:
            raise ConfigError(where, f"needs exactly one of linspace, logspace, values; got {', '.join(map(str, spec))}")
        (kind, arg), = spec.items()
        if kind in ("linspace", "logspace"):
            if not isinstance(arg, (list, tuple)) or len(arg) != 3:
                raise ConfigError(f"{where}.{kind}", f"must be [low, high, number of points], got {arg!r}")
            lo, hi, n = arg
            for v in (lo, hi):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    raise ConfigError(f"{where}.{kind}", f"low and high must be finite numbers, got {arg!r}")
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ConfigError(f"{where}.{kind}", f"empty range: the number of points must be an integer >= 1, "
                                                     f"got {n!r}")
            limits.check_grid_points((n,), f"{where}.{kind}")  # before linspace allocates n values
            if kind == "logspace":
                if lo <= 0 or hi <= 0:
                    raise ConfigError(f"{where}.logspace", f"low and high must be > 0 (values, not exponents), "
                                                           f"got {arg!r}")
                values = np.geomspace(float(lo), float(hi), n)
            else:
                values = np.linspace(float(lo), float(hi), n)
            return Axis(name, values)
        if kind == "values":
            spec = arg
        else:
            raise ConfigError(where, f"unknown range kind {kind!r}; allowed: linspace, logspace, values")
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        spec = [spec]
    if not isinstance(spec, (list, tuple)) or len(spec) == 0:
        raise ConfigError(where, f"empty range: needs {{linspace: [low, high, n]}}, {{logspace: [low, high, n]}} "
                                 f"or a non-empty list of values, got {spec!r}")
    for v in spec:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(where, f"values must be finite numbers, got {v!r}")
    return Axis(name, np.asarray(spec, dtype=float))


@dataclass(frozen=True, eq=False)
class Grid:
    """A Cartesian grid over named parameters (C order: the first axis varies slowest).

    Build it with :meth:`from_spec`: ``Grid.from_spec({"war_cost": {"linspace": [0, 300, 300]},
    "perception_noise": [0.0, 0.05, 0.1]})``.  ``logspace`` takes the end *values* (like
    ``numpy.geomspace``).
    """

    axes: tuple[Axis, ...]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> "Grid":
        if not isinstance(spec, Mapping) or not spec:
            raise ConfigError("sweep.grid", "must name at least one parameter with its values")
        axes = tuple(_axis(str(k), v) for k, v in spec.items())
        limits.check_grid_points(tuple(a.values.size for a in axes), "sweep.grid")
        return cls(axes)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.values.size for a in self.axes)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def points(self, lo: int = 0, hi: int | None = None) -> dict[str, np.ndarray]:
        """Values of points ``lo .. hi-1`` (flat C-order indices), one 1-D array per parameter."""
        hi = self.size if hi is None else min(hi, self.size)
        idx = np.unravel_index(np.arange(lo, hi), self.shape)
        return {a.name: a.values[i] for a, i in zip(self.axes, idx)}


def check_grid(game: str, base_params: Mapping[str, Any], grid: Grid, outcomes: Sequence[str], method: str,
           strategies) -> None:
    """A grid and its outcomes fit the game (sweepable parameters, known outcomes, a strategy pair
    for crisis outcomes), or a one-line :class:`ConfigError`; used by ``grid_sweep`` and the sweep config."""
    allowed = sweepable_parameters(game)
    for name in grid.names:
        if name not in allowed:
            raise ConfigError(f"sweep.grid.{name}", f"unknown parameter for game {game!r}; allowed: {', '.join(allowed)}")
    if method not in METHODS:
        raise ConfigError("sweep.method", f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if not outcomes:
        raise ConfigError("sweep.outcomes", f"name at least one outcome; allowed: {', '.join(OUTCOMES)}")
    for o in outcomes:
        if o not in OUTCOMES:
            raise ConfigError("sweep.outcomes", f"unknown outcome {o!r}; allowed: {', '.join(OUTCOMES)}")
        if o in MC_OUTCOMES and method != "monte_carlo":
            raise ConfigError("sweep.outcomes", f"{o!r} needs method monte_carlo")
    if strategies is None and any(o not in GAME_OUTCOMES + MPE_OUTCOMES for o in outcomes):
        raise ConfigError("sweep.outcomes", "crisis outcomes need a strategy pair (crisis.side_a, crisis.side_b)")
