"""Vectorised parameter-grid sweeps: :func:`grid_sweep` over a :class:`Grid` (:mod:`sim.sweeps.spec`).

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
4. Memory: batches are sized by :func:`sim.sweeps.plan.plan` to fit ``memory_budget_gb``
   (at most ``chunk_points`` points; under the exact method at most as many distinct Markov
   chains per ``analyse`` call as fit); a sweep whose single point does not fit, or whose
   grid has more than :data:`sim.limits.MAX_GRID_POINTS` points, is refused with one line.
5. Optional resume (``store=``): :class:`sim.sweeps.store.PointStore`, one directory per
   sweep definition under ``store`` (``<store>/<definition key>/``), whose files say which
   points they hold; a re-run reads only the files that overlap the batch at hand and
   evaluates only the missing points.  Ctrl-C raises :class:`SweepInterrupted` (a
   ``KeyboardInterrupt``) saying how many points are stored.

The result is a tidy :class:`pandas.DataFrame`: one row per point, the swept parameters,
then the outcomes, then ``point_key``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np


from sim.arrays import unique_rows
from sim import limits
from sim.errors import ConfigError
from sim.games import build, payoff_matrices
from sim.repeated import CrisisSettings
from sim.sweeps.keys import point_key, point_seed
from sim.sweeps.plan import plan
from sim.sweeps.spec import CREDIBILITY_OUTCOMES, GAME_OUTCOMES, MPE_OUTCOMES, SETTING_PARAMETERS, Grid, check_grid
from sim.sweeps.store import PointStore, SweepInterrupted

_INT_SETTINGS = ("settle_after",)

__all__ = ["grid_sweep", "evaluate_points", "progress_bar"]


# --------------------------------------------------------------------------- evaluation
def progress_bar(total: int, enabled: bool | None):
    if enabled is None:
        enabled = sys.stderr.isatty() and not os.environ.get("CI")
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="pt", desc="sweep", file=sys.stderr)


def evaluate_points(game: str, base: Mapping[str, Any], pts: dict[str, np.ndarray], strategies, outcomes, method,
              settings: Mapping[str, Any], paths: int, seed: int, chains: int | None = None,
              budget_gb: float | None = None) -> dict[str, np.ndarray]:
    """Outcomes of ``n`` points given as parameter arrays (one batch); exact calls hold at most
    ``chains`` distinct Markov chains."""
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
    cred = [o for o in outcomes if o in CREDIBILITY_OUTCOMES]
    mpe = [o for o in outcomes if o in MPE_OUTCOMES]
    crisis = [o for o in outcomes if o not in GAME_OUTCOMES + CREDIBILITY_OUTCOMES + MPE_OUTCOMES]
    if not crisis and not cred and not mpe:
        return {o: out[o] for o in outcomes}
    for o in crisis + cred + mpe:
        out[o] = np.full(n, np.nan)
    gb = _batch(g, n)
    if set_names:
        keys = np.stack([pts[k] for k in set_names], 1)
        uniq, inv = unique_rows(keys)
    else:
        uniq, inv = np.zeros((1, 0)), np.zeros(n, dtype=np.intp)
    sa, sb = strategies if strategies is not None else (None, None)
    for u, row in enumerate(uniq):
        idx = np.flatnonzero(inv == u)
        kw = dict(settings)
        for k, v in zip(set_names, row):
            kw[k] = int(v) if k in _INT_SETTINGS else float(v)
        if cred:
            _credibility(out, gb, idx, strategies, kw)
        if mpe:
            _mpe(out, gb, idx, kw, budget_gb)
        if not crisis:
            continue
        if method == "exact":
            from sim.repeated.markov.chain import analyse

            for call in _by_chains(gb, idx, chains):
                res = analyse(gb[call], sa, sb, memory_budget_gb=budget_gb, **kw)
                _collect(out, call, res, crisis)
        else:
            from sim.repeated.montecarlo.engine import simulate

            # one batched call; each point draws from its own parameter-derived streams
            seeds = [point_seed(seed, _resolved(params, pts, i, kw, game_names)) for i in idx]
            res = simulate(gb[idx], sa, sb, paths=paths, point_seeds=seeds, memory_budget_gb=budget_gb, **kw)
            _collect(out, idx, res, crisis)
    return {o: out[o] for o in outcomes}


def _credibility(out, gb, idx: np.ndarray, strategies, kw) -> None:
    """``deviation_gain_a/b`` at the points ``idx``: batched calls of ``sim.dynamic.credibility``,
    each at most ``credibility.MAX_BYTES`` of arrays (a loop over chunks, not over points)."""
    from sim.dynamic.credibility import credibility
    from sim.dynamic.credibility_core import MAX_BYTES, credibility_bytes
    from sim.repeated.strategies import strategy_pair

    sa, sb, K = strategy_pair(gb, *strategies)
    cs = CrisisSettings.from_mapping(kw)
    per = credibility_bytes(K, sa.n_states, sb.n_states, cs.settle_after or 1, cs.alternating)
    step = max(1, MAX_BYTES // per)
    for lo in range(0, len(idx), step):
        call = idx[lo:lo + step]
        res = credibility(gb[call], sa, sb, settings=cs)
        out["deviation_gain_a"][call] = np.asarray(res.gain_a).reshape(-1)
        out["deviation_gain_b"][call] = np.asarray(res.gain_b).reshape(-1)


def _mpe(out, gb, idx: np.ndarray, kw, budget_gb) -> None:
    """``mpe_*`` at the points ``idx``: the escalation games of the points as one batch, their
    MPE by one batched ``sim.dynamic.markov_perfect`` call, the crisis under it by
    ``sim.dynamic.markov_path`` (stacked over the points; no loop over points)."""
    from sim.dynamic import escalation_game, markov_path, markov_perfect

    cs = CrisisSettings.from_mapping(kw)
    eb = escalation_game(gb[idx], cs, memory_budget_gb=budget_gb)
    m = markov_perfect(eb, memory_budget_gb=budget_gb, errors="nan")  # a point without an MPE found: NaN
    path = markov_path(eb, m.policy_a, m.policy_b, cs.rounds)
    vals = {"mpe_p_war_by_T": path["p_war"], "mpe_mean_rung_a": path["mean_rung_a"],
            "mpe_mean_rung_b": path["mean_rung_b"],
            "mpe_mean_rung": (path["mean_rung_a"] + path["mean_rung_b"]) / 2,
            "mpe_value_a": m.values[..., eb.opening_state, 0], "mpe_value_b": m.values[..., eb.opening_state, 1]}
    for o, v in vals.items():
        if o in out:
            out[o][idx] = np.asarray(v).reshape(-1)


def _by_chains(gb, idx: np.ndarray, chains: int | None) -> list[np.ndarray]:
    """``idx`` cut into calls of at most ``chains`` distinct war-risk tables (one Markov chain each)."""
    wp = gb.war_probability
    if chains is None or wp is None or idx.size <= chains:
        return [idx]
    _, cid = unique_rows(np.asarray(wp)[idx].reshape(idx.size, -1))
    return [idx[(cid >= a) & (cid < a + chains)] for a in range(0, int(cid.max()) + 1, chains)]


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


def _collect(out, idx, res, crisis) -> None:
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


def _settings_dict(settings) -> dict[str, Any]:
    """The crisis settings as the plain mapping the points' keys and seeds are made from.

    A mapping is checked (as a :class:`CrisisSettings`) and kept as given, so the keys of
    earlier sweeps stay valid; a :class:`CrisisSettings` gives its fields, but for a
    ``war_risk_scale`` at its default 1, which is left out for the same reason (the
    setting is newer than those sweeps)."""
    if isinstance(settings, CrisisSettings):
        out = settings.to_dict()
        if out["war_risk_scale"] == 1.0:
            del out["war_risk_scale"]
        return out
    out = dict(settings or {})
    CrisisSettings.from_mapping(out)  # one-line ConfigError naming a bad field
    return out


def grid_sweep(game: str, base_params: Mapping[str, Any], grid: Grid | Mapping[str, Any],
               strategies=None, outcomes: Sequence[str] = ("p_war_by_T",), *, method: str = "exact",
               settings: Mapping[str, Any] | None = None, paths: int = 1000, seed: int = 0,
               chunk_points: int = 4096, store: str | Path | None = None, progress: bool | None = None,
               memory_budget_gb: float | None = None):
    """Evaluate ``outcomes`` at every point of ``grid`` (see the module docstring).

    Parameters
    ----------
    game : str
        Registry name of the game builder (``"ladder"``...).
    base_params : mapping
        The builder's other parameters (the scenario's point).
    grid : Grid or mapping
        The swept parameters (a mapping goes through :meth:`Grid.from_spec`): numeric
        builder parameters and/or crisis settings (:data:`SETTING_PARAMETERS`); at most
        :data:`sim.limits.MAX_GRID_POINTS` points.
    strategies : (Strategy, Strategy) or None
        Side A's and side B's automata (needed for crisis outcomes).
    outcomes : sequence of str
        Columns to compute, from :data:`OUTCOMES`: ``game_class`` (2x2 game class, or the
        pure-equilibrium regime of larger games), ``n_pure``, ``eq_level`` (mean rung in
        equilibrium), ``p_top``; ``p_war_by_T``, ``p_settled_by_T``, ``p_mediated_by_T``
        (by the last round T, or ever when ``rounds`` is None), ``payoff_a``, ``payoff_b``
        (expected total discounted payoffs), ``expected_rounds``; Monte Carlo only:
        ``payoff_a_sem``, ``payoff_b_sem``, ``p_war_by_T_sem``, ``p_settled_by_T_sem``,
        ``p_mediated_by_T_sem``; the stated pair's credibility ``deviation_gain_a``,
        ``deviation_gain_b``; the Markov perfect equilibrium of each point's escalation game
        (:data:`MPE_OUTCOMES`, no strategies needed; one batched
        :func:`sim.dynamic.markov_perfect` per chunk and settings group, the crisis under it by
        :func:`sim.dynamic.markov_path`; NaN where no MPE is found): ``mpe_p_war_by_T``,
        ``mpe_mean_rung`` (both sides), ``mpe_mean_rung_a``, ``mpe_mean_rung_b``,
        ``mpe_value_a``, ``mpe_value_b`` (discounted values from the opening state).
    method : "exact" or "monte_carlo"
    settings : CrisisSettings or mapping
        The crisis settings of every point (:class:`sim.repeated.CrisisSettings`, or a mapping of
        its fields, checked here); swept settings replace the field at each point.
    paths, seed : int
        Monte-Carlo paths per point and the base seed.
    chunk_points : int
        Points evaluated per batch at most (fewer when the memory budget needs it; does
        not change results).
    store : path or None
        Root of the resume store: finished points go to ``store/<definition key>/`` (see
        :mod:`sim.sweeps.store`).
    progress : bool or None
        Progress bar (tqdm); ``None``: only when stderr is a terminal and ``CI`` is unset.
    memory_budget_gb : float or None
        Peak memory to plan the batches for (:mod:`sim.sweeps.plan`); default
        :data:`sim.limits.DEFAULT_MEMORY_BUDGET_GB`.

    Returns
    -------
    pandas.DataFrame
        ``grid.size`` rows in grid order: swept parameters, outcomes, ``point_key``.
        ``attrs["computed"]`` / ``attrs["reused"]`` count points evaluated now / read
        from ``store``; ``attrs["store"]`` is the definition's store directory (or None).

    Raises
    ------
    ConfigError
        A bad argument, a grid over :data:`sim.limits.MAX_GRID_POINTS`, or a point that does
        not fit the memory budget (one line saying what fits).
    SweepInterrupted
        On Ctrl-C (a ``KeyboardInterrupt``): ``interrupted: N of M points stored; ...``.
    """
    import pandas as pd

    if not isinstance(grid, Grid):
        grid = Grid.from_spec(grid)
    limits.check_grid_points(grid.shape, "grid")
    outcomes = list(outcomes)
    check_grid(game, base_params, grid, outcomes, method, strategies)
    if isinstance(chunk_points, bool) or not isinstance(chunk_points, int) or chunk_points < 1:
        raise ConfigError("sweep.chunk_points", f"must be an integer >= 1, got {chunk_points!r}")
    budget = limits.budget_bytes(memory_budget_gb)
    settings = _settings_dict(settings)
    base = {k: v for k, v in base_params.items() if k not in grid.names and k != "name"}
    batch, chains = plan(game, base, grid, strategies, outcomes, method, settings, paths, chunk_points, budget)
    fixed = {"game": game, "base": base, "settings": {k: v for k, v in settings.items() if k not in grid.names},
             "method": method, "outcomes": outcomes,
             "strategies": None if strategies is None else [s.to_config() for s in strategies],
             "paths": paths if method == "monte_carlo" else None, "seed": seed if method == "monte_carlo" else None}
    fixed_key = point_key(fixed)
    # evaluate with the crisis settings as the slowest axes, so each batch needs few
    # batched analyse calls; rows go back to the caller's grid order at the end
    perm = sorted(range(len(grid.axes)), key=lambda j: grid.names[j] not in SETTING_PARAMETERS)
    user_grid, grid = grid, Grid(tuple(grid.axes[j] for j in perm))

    def keys(lo: int, hi: int) -> list[str]:
        pts = grid.points(lo, hi)
        return [point_key({"fixed": fixed_key, "point": {k: pts[k][i] for k in pts}}) for i in range(hi - lo)]

    points = None
    if store is not None:
        definition = dict(fixed, grid={a.name: a.values for a in user_grid.axes})
        points = PointStore(store, point_key(definition), definition, outcomes, keys, grid.size)
    bar = progress_bar(grid.size, progress)
    frames = []
    computed = 0
    try:
        for lo in range(0, grid.size, batch):
            pts = grid.points(lo, lo + batch)
            n = next(iter(pts.values())).size
            chunk_keys = keys(lo, lo + n)
            have = points.read(lo, lo + n) if points is not None else {}
            todo = np.array([i for i in range(n) if lo + i not in have], dtype=np.intp)
            table = pd.DataFrame({k: v for k, v in pts.items()})
            cols = {o: np.empty(n, dtype=object) for o in outcomes}
            for i, row in have.items():
                for o in outcomes:
                    cols[o][i - lo] = row[o]
            if todo.size:
                sub = {k: v[todo] for k, v in pts.items()}
                vals = evaluate_points(game, base, sub, strategies, outcomes, method, settings, paths, seed, chains,
                                 budget / limits.GIB)
                if points is not None:
                    points.write(lo + todo, [chunk_keys[i] for i in todo], vals)
                for o in outcomes:
                    cols[o][todo] = vals[o]
                computed += int(todo.size)
            for o in outcomes:
                table[o] = cols[o].tolist()
            table["point_key"] = chunk_keys
            frames.append(table)
            if bar is not None:
                bar.update(n)
    except KeyboardInterrupt:
        raise SweepInterrupted(points.stored() if points is not None else 0, grid.size,
                               points is not None) from None
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
    out.attrs["store"] = None if points is None else str(points.dir)
    return out
