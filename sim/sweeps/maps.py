"""Parameter grids of games, evaluated in one vectorised batch.

:func:`equilibrium_map` builds a whole 2-D grid of games with one call of a registered
builder (parameters broadcast: ``x`` along columns, ``y`` along rows) and classifies every
point without a Python loop over grid points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from sim.games.classify import CLASSES, classify
from sim.equilibria import nash_2x2, pure_equilibria
from sim import limits
from sim.errors import ConfigError
from sim.games import build, builder_parameters
from sim.games import payoff_matrices

__all__ = ["EquilibriumMap", "REGIMES", "equilibrium_map", "equilibrium_outcomes"]

#: Regimes of games larger than 2x2, by their pure equilibria (codes index this tuple).
REGIMES = ("unique pure equilibrium", "several pure equilibria", "no pure equilibrium")


@dataclass(frozen=True)
class EquilibriumMap:
    """Equilibrium structure over a 2-D parameter grid.

    Attributes
    ----------
    game : str                       registry name of the game builder
    params : dict                    the fixed builder parameters (the scenario's point)
    x_name, y_name : str             swept parameters (x: columns, y: rows)
    x_values : ndarray (nx,)         grid values of x
    y_values : ndarray (ny,)         grid values of y
    point : (float, float)           the scenario's own (x, y), or NaN where not set
    kind : str                       ``"class"`` (2x2 games: regimes are game classes of
                                     :data:`sim.games.classify.CLASSES`) or ``"equilibrium"``
                                     (larger games: regimes of :data:`REGIMES`)
    regime : int8 ndarray (ny, nx)   regime code per grid point
    regime_names : tuple of str      names of the codes
    n_pure : int8 ndarray (ny, nx)   number of pure equilibria
    level : float ndarray (ny, nx)   mean rung played in equilibrium, averaged over both
                                     sides and over the pure equilibria (for 2x2 games over
                                     all equilibria, mixed ones by their probabilities);
                                     in rungs, 0 .. K-1; NaN if no equilibrium is listed
    p_top : float ndarray (ny, nx)   largest probability, over the equilibria, that both
                                     sides end on the top rung
    K : int                          rungs per side
    """

    game: str
    params: Mapping[str, Any]
    x_name: str
    y_name: str
    x_values: np.ndarray
    y_values: np.ndarray
    point: tuple[float, float]
    kind: str
    regime: np.ndarray
    regime_names: tuple[str, ...]
    n_pure: np.ndarray
    level: np.ndarray
    p_top: np.ndarray
    K: int


def equilibrium_map(game: str, params: Mapping[str, Any], x_name: str, x_values, y_name: str,
                    y_values, *, memory_budget_gb: float | None = None) -> EquilibriumMap:
    """Classify every point of a 2-D grid over two parameters of a registered game.

    Parameters
    ----------
    game : str
        Registry name (``"ladder"``, ``"chicken"``...).
    params : mapping
        The other builder parameters (and the scenario's values of x and y, marked as
        ``point``).
    x_name, y_name : str
        Parameters to sweep; must be numeric parameters of the builder.
    x_values, y_values : 1-D array_like
        Grid values (e.g. ``np.linspace(0, 200, 200)``).
    memory_budget_gb : float or None
        The map is one batch of ``len(y_values) * len(x_values)`` games of K x K rungs; a
        map whose payoff entries would not fit this many GiB (:func:`sim.limits.map_bytes`)
        is refused with a ``ConfigError`` saying how many points fit, before it is built.
        Default :data:`sim.limits.DEFAULT_MEMORY_BUDGET_GB`.

    Returns
    -------
    EquilibriumMap
        One batch of ``len(y_values) * len(x_values)`` games, classified with
        :func:`sim.games.classify.classify` and :func:`sim.equilibria.nash_2x2` for 2x2 games,
        or by their pure equilibria (:func:`sim.equilibria.pure_equilibria`) otherwise.
    """
    allowed = builder_parameters(game)
    for name in (x_name, y_name):
        if name not in allowed:
            raise ConfigError("map", f"{name!r} is not a parameter of game {game!r}; allowed: {', '.join(allowed)}")
    if x_name == y_name:
        raise ConfigError("map", f"x and y must be different parameters, both are {x_name!r}")
    xv = np.asarray(x_values, dtype=float).ravel()
    yv = np.asarray(y_values, dtype=float).ravel()
    if xv.size < 2 or yv.size < 2:
        raise ConfigError("map", "each axis needs at least 2 values")
    grid = dict(params)
    point = (float(grid.get(x_name, np.nan)), float(grid.get(y_name, np.nan)))
    one = build(game, **dict(grid, **{x_name: xv[0], y_name: yv[0]}))  # one game: its rungs, for the size check
    limits.check_map(xv.size, yv.size, *one.n_actions, budget=limits.budget_bytes(memory_budget_gb), field="map")
    grid[x_name] = xv[None, :]
    grid[y_name] = yv[:, None]
    g = build(game, **grid)
    Ae, Be = payoff_matrices(g)
    A, B = (np.broadcast_to(M, (yv.size, xv.size) + M.shape[-2:]) for M in (Ae, Be))
    kind, regime, names, n_pure, level, p_top = equilibrium_outcomes(A, B)
    return EquilibriumMap(game, dict(params), x_name, y_name, xv, yv, point, kind, regime, names, n_pure, level,
                          p_top, A.shape[-2])


def equilibrium_outcomes(A, B):
    """Equilibrium structure of a batch of games ``A, B`` of shape ``(..., K_A, K_B)``.

    Returns ``(kind, regime, regime_names, n_pure, level, p_top)`` with the meanings of
    the :class:`EquilibriumMap` fields (arrays of the batch shape).
    """
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    ka, kb = A.shape[-2:]
    pure = pure_equilibria(A, B)
    n_pure = pure.sum(axis=(-2, -1)).astype(np.int8)
    if (ka, kb) == (2, 2):
        cls = classify((A, B))
        x, y, count = nash_2x2(A, B)
        # mean escalation rung over listed equilibria: P(rung 1) for each side
        esc = (x[..., 1] + y[..., 1]) / 2
        with np.errstate(invalid="ignore"):
            level = np.nanmean(esc, axis=-1)
            p_top = np.nanmax(np.where(np.isnan(esc), -np.inf, x[..., 1] * y[..., 1]), axis=-1)
        p_top = np.where(np.isfinite(p_top), p_top, np.nan)
        return "class", cls.code, CLASSES, n_pure, level, p_top
    rungs_a = np.arange(ka, dtype=float)[:, None]
    rungs_b = np.arange(kb, dtype=float)[None, :]
    regime = np.where(n_pure == 1, 0, np.where(n_pure > 1, 1, 2)).astype(np.int8)
    with np.errstate(invalid="ignore", divide="ignore"):
        level = ((pure * (rungs_a + rungs_b) / 2).sum(axis=(-2, -1)) / n_pure)
        level = np.where(n_pure > 0, level, np.nan)
    p_top = np.where(pure[..., -1, -1], 1.0, 0.0)
    return "equilibrium", regime, REGIMES, n_pure, level, p_top

