"""How much of a sweep fits the memory budget at once.

:func:`plan` sizes the batches of :func:`sim.sweeps.grid_sweep` from the estimates of
:mod:`sim.limits`, before anything is evaluated:

1. The table of all points is held until the end: ``limits.table_bytes(points)`` is set aside.
2. One point must fit with what the batch needs whatever its size (the Monte-Carlo alias
   tables; the strategies' tables and one Markov chain); if it does not, a one-line
   ``ConfigError`` says what fits (e.g. how many paths).
3. Points per batch: the most whose per-point memory (paths x 48 bytes under Monte Carlo;
   per-round outputs under the exact method; K x K payoffs for the stage-game outcomes; the
   escalation game and the batched MPE continuation for the ``mpe_*`` outcomes) fits the
   rest, at most ``chunk_points``.
4. Exact method: distinct Markov chains (war-risk tables) per ``analyse`` call, the most
   whose ``n^2`` matrices fit what the batch leaves.

Batch sizes never change the results (each point's numbers depend on its own values), so
the budget only trades speed for memory.  Config validation calls :func:`plan` with the
config's field names, so a sweep that cannot fit stops before Hydra makes a directory.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np

from sim import limits
from sim.errors import ConfigError
from sim.games import build
from sim.sweeps.spec import GAME_OUTCOMES, MPE_OUTCOMES, SETTING_PARAMETERS

__all__ = ["Plan", "plan"]


class Plan(NamedTuple):
    """Points per batch and distinct Markov chains per exact call (``None`` unless exact)."""

    batch: int
    chains: int | None


def _perception(K: int, swept: bool, value: Any):
    """Side A's and B's perception confusion matrices (any rate if swept: all entries possible)."""
    if swept:
        full = np.ones((K, K))
        return full, full
    from sim.repeated import side_noise

    return side_noise(K, value if value is not None else 0.0, "perception_noise")


def _mpe_bytes(one, settings: Mapping[str, Any], grid, first: Mapping[str, float]) -> int:
    """Bytes per point of the ``mpe_*`` outcomes: the point's escalation game (three copies: the
    batch, its merged game, the chunk's views), the batched continuation of its merged game
    (:func:`sim.dynamic.markov_batch.batch_bytes`) and the crisis chain; measured on the first
    point's game (with the largest swept ``settle_after``)."""
    from sim.dynamic import escalation_game
    from sim.dynamic.game import merge_identical_states
    from sim.dynamic.markov_batch import batch_bytes
    from sim.repeated import CrisisSettings

    kw = dict(settings, **{k: v for k, v in first.items() if k in SETTING_PARAMETERS})
    if "settle_after" in grid.names:
        kw["settle_after"] = int(max(grid.axes[grid.names.index("settle_after")].values))
    elif kw.get("settle_after") is not None:
        kw["settle_after"] = int(kw["settle_after"])
    eg = escalation_game(one, CrisisSettings.from_mapping(kw))
    red, _ = merge_identical_states(eg)
    S, (K, _) = eg.n_states, eg.n_actions
    return 3 * 8 * S * K * K * (S + 2) + batch_bytes(red.n_states, K, K) + 16 * S * S


def plan(game: str, base: Mapping[str, Any], grid, strategies, outcomes: Sequence[str], method: str,
         settings: Mapping[str, Any], paths: int, chunk_points: int, budget: float, *,
         paths_field: str = "paths", budget_field: str = "memory_budget_gb", grid_field: str = "grid",
         crisis_field: str = "strategies") -> Plan:
    """Batch sizes of a sweep that fit ``budget`` bytes (see the module docstring).

    Raises
    ------
    ConfigError
        When the table alone, or one point, does not fit: one line saying what fits.
    """
    size = grid.size
    reserved = limits.table_bytes(size)
    if reserved >= budget:
        raise ConfigError(grid_field, f"{size} points need ~{limits.gib(reserved)} GiB for the table alone, over the "
                                      f"{budget / limits.GIB:g} GiB memory budget ({budget_field}); at most "
                                      f"{int(budget // limits.table_bytes(1))} points fit")
    first = {k: float(v[0]) for k, v in grid.points(0, 1).items()}
    one = build(game, **dict(base, **{k: v for k, v in first.items() if k not in SETTING_PARAMETERS}))
    ka, kb = one.n_actions
    per_point = limits.map_bytes(1, 1, ka, kb) if any(o in GAME_OUTCOMES for o in outcomes) else 0
    fixed, chain = 0, 0
    exact = False
    if any(o in MPE_OUTCOMES for o in outcomes):
        for name, bad in (("perception_noise", lambda v: v != 0), ("discount", lambda v: v >= 1)):
            if name in grid.names and any(bad(float(v)) for v in grid.axes[grid.names.index(name)].values):
                raise ConfigError(grid_field, f"the mpe_* outcomes need {'perception_noise 0' if name[0] == 'p' else 'discount < 1'} "
                                              f"at every point (the dynamic game), but the grid sweeps {name}")
        per_point += _mpe_bytes(one, settings, grid, first)
    if any(o not in GAME_OUTCOMES + MPE_OUTCOMES for o in outcomes) and strategies is not None:
        K, rounds = ka, settings.get("rounds")
        sa, sb = strategies
        if method == "monte_carlo":
            T = int(rounds or 1)
            pa, pb = _perception(K, "perception_noise" in grid.names, settings.get("perception_noise"))
            entries = limits.mc_table_entries(sa.transition, pa) + limits.mc_table_entries(sb.transition, pb)
            one_pt, two_pt = (limits.simulate_bytes(g, paths, T, K, False, entries) for g in (1, 2))
            per_point += two_pt - one_pt
            fixed += 2 * one_pt - two_pt
            limits.check_simulate(1, paths, T, K, table_entries=entries, budget=budget, reserved=reserved,
                                  paths_field=paths_field, budget_field=budget_field, single=True)
        else:
            exact = True
            if "settle_after" in grid.names:
                m = int(max(grid.axes[grid.names.index("settle_after")].values))
            else:
                m = int(settings.get("settle_after") or 1)
            if settings.get("timing") == "alternating" and rounds is not None:
                # the finite horizon is pushed move by move, no dense chain (as analyse counts it)
                from sim.repeated.markov.alternating import push_states

                n = push_states(sa.n_states, sb.n_states, K, m)
            else:
                n = sa.n_states * sb.n_states * m * (2 * K if settings.get("timing") == "alternating" else 1)
            states = (sa.n_states, sb.n_states)
            chain = limits.markov_bytes(1, n, 0, rounds, K) - limits.markov_bytes(0, n, 0, rounds, K)
            fixed += limits.markov_bytes(0, n, 0, rounds, K, states)
            per_point += limits.markov_bytes(0, n, 1, rounds, K) - limits.markov_bytes(0, n, 0, rounds, K)
            limits.check_markov(1, n, 1, rounds, K, automaton_states=states, budget=budget, reserved=reserved,
                                field=crisis_field, budget_field=budget_field, what=f"{sa.name} x {sb.name}")
    room = budget - reserved - fixed - chain
    batch = int(min(chunk_points, size, room // per_point if per_point else size))
    if batch < 1:  # the stage-game outcomes of one point do not fit next to the rest
        raise ConfigError(grid_field, f"one point of {ka} x {kb} rungs does not fit the "
                                      f"{budget / limits.GIB:g} GiB memory budget ({budget_field})")
    chains = max(1, int((budget - reserved - fixed - batch * per_point) // chain)) if exact else None
    return Plan(batch, chains)
