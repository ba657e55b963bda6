"""Vectorised parameter-grid sweeps: a :class:`Grid` spec and :func:`grid_sweep`.

A grid names parameters and their values (``linspace`` / ``logspace`` / a list); its
points are the Cartesian product, flattened in C order (first parameter slowest).
:func:`grid_sweep` evaluates the whole grid through the numpy core in chunks of
``chunk_points`` points, so memory stays bounded:

1. For a chunk, the game builder is called once with every swept game parameter as an
   array (builders broadcast), giving a batch of games.
2. Points are grouped by their crisis settings (noise, mediation...: scalars in
   :func:`sim.repeated.markov.analyse` / :func:`sim.repeated.montecarlo.simulate`); each group is one batched
   call of :func:`sim.repeated.markov.analyse` (``method="exact"``).
3. Monte Carlo (``method="monte_carlo"``): each point draws from its own stream,
   ``SeedSequence([seed, *hash_words(point)])`` with ``hash_words`` a BLAKE2b hash of the
   point's own resolved parameter values, never its position in the grid or the chunk;
   so results do not depend on grid order, chunk size, workers or re-runs.  Each group of
   points is one batched :func:`sim.repeated.montecarlo.simulate` call with ``point_seeds`` (the engine
   keeps every point's paths on its own streams), so there is no loop over points.
   Internally the grid is walked with the swept settings as the slowest axes (so a chunk
   needs few batched calls); the table comes back in the caller's grid order.
4. Optional resume (``store=``): each chunk's rows are written atomically as
   ``store/part-<hash>.json``, each row keyed by ``point_key``, a hash of the point's
   resolved config (game, parameters, strategies, settings, method, paths, seed,
   outcomes).  A re-run reads the parts and evaluates only the missing points.

The result is a tidy :class:`pandas.DataFrame`: one row per point, the swept parameters,
then the outcomes, then ``point_key``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from sim.errors import ConfigError
from sim.games import build, builder_parameters
from sim.games import payoff_matrices

__all__ = ["Axis", "Grid", "grid_sweep", "point_seed", "point_key", "GAME_OUTCOMES", "CRISIS_OUTCOMES",
           "MC_OUTCOMES", "OUTCOMES", "SETTING_PARAMETERS", "sweepable_parameters"]

#: Outcomes of the stage game (no strategies needed).
GAME_OUTCOMES = ("game_class", "n_pure", "eq_level", "p_top")
#: Outcomes of the repeated crisis of a strategy pair (exact or Monte Carlo).
CRISIS_OUTCOMES = ("p_war_by_T", "p_settled_by_T", "p_mediated_by_T", "payoff_a", "payoff_b", "expected_rounds")
#: Outcomes only Monte Carlo gives: standard errors of the mean payoffs and the binomial
#: standard errors ``sqrt(p (1 - p) / paths)`` of the probabilities.
MC_OUTCOMES = ("payoff_a_sem", "payoff_b_sem", "p_war_by_T_sem", "p_settled_by_T_sem", "p_mediated_by_T_sem")
OUTCOMES = GAME_OUTCOMES + CRISIS_OUTCOMES + MC_OUTCOMES
#: Crisis settings that may be swept (keyword arguments of analyse / simulate).
SETTING_PARAMETERS = ("execution_noise", "perception_noise", "mediation", "mediation_slope", "discount",
                      "settle_after", "war_risk_scale")
_INT_SETTINGS = ("settle_after",)
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
        return cls(tuple(_axis(str(k), v) for k, v in spec.items()))

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


# --------------------------------------------------------------------------- hashing and seeds
def _canonical(value: Any) -> Any:
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return int(v) if v.is_integer() and abs(v) < 2 ** 53 else repr(v)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_canonical(v) for v in value]
    return repr(value)


def _digest(obj: Any) -> bytes:
    text = json.dumps(_canonical(obj), sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def point_seed(seed: int, point: Mapping[str, Any]) -> np.random.SeedSequence:
    """The Monte-Carlo stream of one point: ``SeedSequence([seed, *hash_words(point)])``.

    ``point`` is the point's resolved parameter values (game parameters and settings);
    the hash is BLAKE2b over their canonical JSON, as four 32-bit words.
    """
    words = np.frombuffer(_digest(point), dtype="<u4").tolist()
    return np.random.SeedSequence(entropy=[int(seed), *words])


def point_key(config: Mapping[str, Any]) -> str:
    """Hex key of a resolved point config (resume and de-duplication)."""
    return _digest(config).hex()


# --------------------------------------------------------------------------- evaluation
def _progress(total: int, enabled: bool | None):
    if enabled is None:
        enabled = sys.stderr.isatty() and not os.environ.get("CI")
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="pt", desc="sweep", file=sys.stderr)


def _check(game: str, base_params: Mapping[str, Any], grid: Grid, outcomes: Sequence[str], method: str,
           strategies) -> None:
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
    if strategies is None and any(o not in GAME_OUTCOMES for o in outcomes):
        raise ConfigError("sweep.outcomes", "crisis outcomes need a strategy pair (crisis.side_a, crisis.side_b)")


def _evaluate(game: str, base: Mapping[str, Any], pts: dict[str, np.ndarray], strategies, outcomes, method,
              settings: Mapping[str, Any], paths: int, seed: int) -> dict[str, np.ndarray]:
    """Outcomes of ``n`` points given as parameter arrays (one chunk)."""
    from sim.sweeps.maps import equilibrium_outcomes

    n = next(iter(pts.values())).size
    game_names = [k for k in pts if k not in SETTING_PARAMETERS]
    set_names = [k for k in pts if k in SETTING_PARAMETERS]
    params = dict(base)
    params.update({k: pts[k] for k in game_names})
    g = build(game, **params)
    Ae, Be = payoff_matrices(g)
    A = np.broadcast_to(Ae, (n,) + Ae.shape[-2:])
    B = np.broadcast_to(Be, (n,) + Be.shape[-2:])
    out: dict[str, np.ndarray] = {}
    if any(o in GAME_OUTCOMES for o in outcomes):
        kind, regime, names, n_pure, level, p_top = equilibrium_outcomes(A, B)
        out["game_class"] = np.asarray(names, dtype=object)[regime]
        out["n_pure"], out["eq_level"], out["p_top"] = n_pure, level, p_top
    crisis = [o for o in outcomes if o not in GAME_OUTCOMES]
    if not crisis:
        return {o: out[o] for o in outcomes}
    for o in crisis:
        out[o] = np.full(n, np.nan)
    gb = _batch(g, n)
    if set_names:
        keys = np.stack([pts[k] for k in set_names], 1)
        uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
    else:
        uniq, inv = np.zeros((1, 0)), np.zeros(n, dtype=np.intp)
    sa, sb = strategies
    for u, row in enumerate(uniq):
        idx = np.flatnonzero(inv == u)
        kw = dict(settings)
        for k, v in zip(set_names, row):
            kw[k] = int(v) if k in _INT_SETTINGS else float(v)
        if method == "exact":
            from sim.repeated.markov.chain import analyse

            res = analyse(gb[idx], sa, sb, **kw)
            _store(out, idx, res, crisis)
        else:
            from sim.repeated.montecarlo.engine import simulate

            # one batched call; each point draws from its own parameter-derived streams
            seeds = [point_seed(seed, _resolved(params, pts, i, kw, game_names)) for i in idx]
            res = simulate(gb[idx], sa, sb, paths=paths, point_seeds=seeds, **kw)
            _store(out, idx, res, crisis)
    return {o: out[o] for o in outcomes}


def _batch(g, n: int):
    """The game as a batch of exactly n games (a single game is repeated)."""
    import dataclasses

    if g.batch_shape == (n,):
        return g
    K = g.A.shape[-2:]
    rep = dict(A=np.broadcast_to(g.A, (n,) + K).copy(), B=np.broadcast_to(g.B, (n,) + K).copy())
    if g.war_probability is not None:
        rep["war_probability"] = np.broadcast_to(g.war_probability, (n,) + K).copy()
    if g.war_payoff is not None:
        rep["war_payoff"] = np.broadcast_to(g.war_payoff, (n, 2)).copy()
    return dataclasses.replace(g, **rep)


def _resolved(params: Mapping[str, Any], pts, i: int, settings: Mapping[str, Any], game_names) -> dict:
    p = {k: (pts[k][i] if k in game_names else v) for k, v in params.items()}
    p.update(settings)
    return p


def _store(out, idx, res, crisis) -> None:
    last = (lambda a: np.asarray(a)[..., -1]) if res.rounds is not None else np.asarray
    total = getattr(res, "total_payoffs", res.payoffs)
    vals = {"p_war_by_T": last(res.p_war), "p_settled_by_T": last(res.p_settled),
            "p_mediated_by_T": last(res.p_mediated), "payoff_a": total[..., 0],
            "payoff_b": total[..., 1], "expected_rounds": res.expected_rounds}
    if hasattr(res, "payoff_sem"):
        vals["payoff_a_sem"], vals["payoff_b_sem"] = res.payoff_sem[..., 0], res.payoff_sem[..., 1]
        for name in ("p_war_by_T", "p_settled_by_T", "p_mediated_by_T"):
            p = np.asarray(vals[name], dtype=float)
            vals[name + "_sem"] = np.sqrt(p * (1 - p) / res.paths)
    for o in crisis:
        out[o][idx] = np.asarray(vals[o]).reshape(-1)


def _jsonable(v):
    return v.item() if isinstance(v, np.generic) else str(v)


def grid_sweep(game: str, base_params: Mapping[str, Any], grid: Grid | Mapping[str, Any],
               strategies=None, outcomes: Sequence[str] = ("p_war_by_T",), *, method: str = "exact",
               settings: Mapping[str, Any] | None = None, paths: int = 1000, seed: int = 0,
               chunk_points: int = 4096, store: str | Path | None = None, progress: bool | None = None):
    """Evaluate ``outcomes`` at every point of ``grid`` (see the module docstring).

    Parameters
    ----------
    game : str
        Registry name of the game builder (``"ladder"``...).
    base_params : mapping
        The builder's other parameters (the scenario's point).
    grid : Grid or mapping
        The swept parameters (a mapping goes through :meth:`Grid.from_spec`): numeric
        builder parameters and/or crisis settings (:data:`SETTING_PARAMETERS`).
    strategies : (Strategy, Strategy) or None
        Side A's and side B's automata (needed for crisis outcomes).
    outcomes : sequence of str
        Columns to compute, from :data:`OUTCOMES`: ``game_class`` (2x2 game class, or the
        pure-equilibrium regime of larger games), ``n_pure``, ``eq_level`` (mean rung in
        equilibrium), ``p_top``; ``p_war_by_T``, ``p_settled_by_T``, ``p_mediated_by_T``
        (by the last round T, or ever when ``rounds`` is None), ``payoff_a``, ``payoff_b``
        (expected total discounted payoffs), ``expected_rounds``; Monte Carlo only:
        ``payoff_a_sem``, ``payoff_b_sem``, ``p_war_by_T_sem``, ``p_settled_by_T_sem``,
        ``p_mediated_by_T_sem``.
    method : "exact" or "monte_carlo"
    settings : mapping
        Keyword arguments of ``analyse`` / ``simulate`` (``rounds``, noise, ``settle_after``...).
    paths, seed : int
        Monte-Carlo paths per point and the base seed.
    chunk_points : int
        Points evaluated per batch (bounds memory; does not change results).
    store : path or None
        Directory of resumable per-chunk parts (see the module docstring).
    progress : bool or None
        Progress bar (tqdm); ``None``: only when stderr is a terminal and ``CI`` is unset.

    Returns
    -------
    pandas.DataFrame
        ``grid.size`` rows in grid order: swept parameters, outcomes, ``point_key``.
        ``attrs["computed"]`` / ``attrs["reused"]`` count points evaluated now / read
        from ``store``.
    """
    import pandas as pd

    if not isinstance(grid, Grid):
        grid = Grid.from_spec(grid)
    outcomes = list(outcomes)
    _check(game, base_params, grid, outcomes, method, strategies)
    if isinstance(chunk_points, bool) or not isinstance(chunk_points, int) or chunk_points < 1:
        raise ConfigError("sweep.chunk_points", f"must be an integer >= 1, got {chunk_points!r}")
    settings = dict(settings or {})
    base = {k: v for k, v in base_params.items() if k not in grid.names and k != "name"}
    fixed = {"game": game, "base": base, "settings": {k: v for k, v in settings.items() if k not in grid.names},
             "method": method, "outcomes": outcomes,
             "strategies": None if strategies is None else [s.to_config() for s in strategies],
             "paths": paths if method == "monte_carlo" else None, "seed": seed if method == "monte_carlo" else None}
    fixed_key = point_key(fixed)
    done: dict[str, dict] = {}
    if store is not None:
        store = Path(store)
        for part in sorted(store.glob("part-*.json")) if store.is_dir() else ():
            try:
                rows = json.loads(part.read_text())
            except (OSError, ValueError):  # cannot happen with atomic writes; recompute if it does
                continue
            for row in rows:
                done[row["point_key"]] = row
    # evaluate with the crisis settings as the slowest axes, so each chunk needs few
    # batched analyse calls; rows go back to the caller's grid order at the end
    perm = sorted(range(len(grid.axes)), key=lambda j: grid.names[j] not in SETTING_PARAMETERS)
    user_grid, grid = grid, Grid(tuple(grid.axes[j] for j in perm))
    bar = _progress(grid.size, progress)
    frames = []
    computed = 0
    try:
        for lo in range(0, grid.size, chunk_points):
            pts = grid.points(lo, lo + chunk_points)
            n = next(iter(pts.values())).size
            keys = [point_key({"fixed": fixed_key, "point": {k: pts[k][i] for k in pts}}) for i in range(n)]
            todo = np.array([i for i, k in enumerate(keys) if k not in done], dtype=np.intp)
            table = pd.DataFrame({k: v for k, v in pts.items()})
            computed += int(todo.size)
            if todo.size:
                sub = {k: v[todo] for k, v in pts.items()}
                vals = _evaluate(game, base, sub, strategies, outcomes, method, settings, paths, seed)
                new = pd.DataFrame({**sub, **vals, "point_key": [keys[i] for i in todo]})
                if store is not None:
                    from sim.files import atomic_write_text

                    name = f"part-{point_key(list(new['point_key']))}.json"  # JSON: floats round-trip exactly
                    atomic_write_text(store / name, json.dumps(new.to_dict("records"), default=_jsonable))
                for row in new.to_dict("records"):
                    done[row["point_key"]] = row
            rows = [done[k] for k in keys]
            for o in outcomes:
                table[o] = [r[o] for r in rows]
            table["point_key"] = keys
            frames.append(table)
            if bar is not None:
                bar.update(n)
    finally:
        if bar is not None:
            bar.close()
    out = pd.concat(frames, ignore_index=True)
    idx = np.unravel_index(np.arange(grid.size), grid.shape)
    multi = [None] * len(perm)
    for k, j in enumerate(perm):
        multi[j] = idx[k]
    order = np.argsort(np.ravel_multi_index(multi, user_grid.shape))
    out = out.iloc[order].reset_index(drop=True)[list(user_grid.names) + outcomes + ["point_key"]]
    for o in ("n_pure",):
        if o in out:
            out[o] = out[o].astype(int)
    out.attrs["computed"] = computed
    out.attrs["reused"] = grid.size - computed
    return out
