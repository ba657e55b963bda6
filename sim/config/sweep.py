"""Validated config of ``experiments/sweep.py`` (plain dataclasses; never imports Hydra).

Reuses :mod:`sim.config`'s helpers (scenario, game, crisis); adds the ``sweep`` node:
the grid (:class:`sim.sweeps.grid.Grid`), outcomes, method, Monte-Carlo paths, chunk size, the
map axes and the resume store.  Every mistake is a one-line :class:`ConfigError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sim.config.models import validate_models
from sim.config.run import (point_values, UNCERTAIN_SETTINGS, split_uncertain, nominal_game, validate_figure_formats, _seed, CrisisConfig, ScenarioConfig, _count, _int, _require_mapping, _scenario, _string,
                            _unknown_keys, build_game, validate_crisis)
from sim.config.safety import check_name
from sim import limits
from sim.errors import ConfigError
from sim.sweeps.spec import GAME_OUTCOMES, Grid, check_grid
from sim.sweeps.plan import plan

__all__ = ["SweepSpec", "SweepConfig", "validate_sweep"]

SWEEP_RUN_KEYS = ("experiment", "seed", "scenario", "game", "crisis", "sweep", "map", "method", "models", "figure_formats")
SWEEP_KEYS = ("method", "grid", "outcomes", "paths", "chunk_points", "x", "y", "store", "progress",
              "memory_budget_gb")


@dataclass(frozen=True)
class SweepSpec:
    """The ``sweep`` node: what to sweep and what to compute."""

    grid: Grid
    outcomes: tuple[str, ...]
    method: str = "exact"
    paths: int = 1000
    chunk_points: int = 4096
    x: str | None = None
    y: str | None = None
    store: str | None = None
    progress: bool | None = None
    memory_budget_gb: float = limits.DEFAULT_MEMORY_BUDGET_GB


@dataclass(frozen=True)
class SweepConfig:
    """Everything ``experiments/sweep.py`` needs, validated."""

    experiment: str
    seed: int
    scenario: ScenarioConfig
    game: Mapping[str, Any]
    crisis: CrisisConfig | None
    sweep: SweepSpec


def _spec(raw: Any, game_cfg: Mapping[str, Any], has_crisis: bool) -> SweepSpec:
    raw = _require_mapping("sweep", raw)
    _unknown_keys("sweep", raw, SWEEP_KEYS)
    grid = Grid.from_spec(_require_mapping("sweep.grid", raw.get("grid")))
    outcomes = raw.get("outcomes")
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    if not isinstance(outcomes, (list, tuple)):
        raise ConfigError("sweep.outcomes", f"must be a list of outcome names, got {outcomes!r}")
    method = raw.get("method", "exact")
    check_grid(game_cfg["name"], game_cfg, grid, list(outcomes), method, (None, None) if has_crisis else None)
    if not has_crisis and any(o not in GAME_OUTCOMES for o in outcomes):
        raise ConfigError("sweep.outcomes", "crisis outcomes need crisis settings (crisis is null)")
    paths = _count("sweep.paths", raw.get("paths", 1000), 1, 100_000_000)
    chunk = _int("sweep.chunk_points", raw.get("chunk_points", 4096), 1, 10_000_000)
    x, y = raw.get("x"), raw.get("y")
    for key, val in (("sweep.x", x), ("sweep.y", y)):
        if val is not None and val not in grid.names:
            raise ConfigError(key, f"{val!r} is not a swept parameter; swept: {', '.join(grid.names)}")
    store = raw.get("store")
    if store is not None:
        store = _string("sweep.store", store)
    progress = raw.get("progress")
    if progress is not None and not isinstance(progress, bool):
        raise ConfigError("sweep.progress", f"must be true, false or null (auto), got {progress!r}")
    budget = raw.get("memory_budget_gb", limits.DEFAULT_MEMORY_BUDGET_GB)
    limits.budget_bytes(budget, "sweep.memory_budget_gb")
    return SweepSpec(grid, tuple(outcomes), method, paths, chunk, x, y, store, progress, float(budget))


def _check_size(sp: SweepSpec, game_cfg: Mapping[str, Any], crisis: CrisisConfig | None, K: int) -> None:
    """The sweep's batches can be sized to fit ``sweep.memory_budget_gb`` (sim.sweeps.plan), or one line."""
    strategies = None if crisis is None else crisis.strategies
    settings = {} if crisis is None else crisis.settings.to_dict()
    base = {k: v for k, v in game_cfg.items() if k not in sp.grid.names and k != "name"}
    plan(game_cfg["name"], base, sp.grid, strategies, list(sp.outcomes), sp.method, settings, sp.paths,
         sp.chunk_points, limits.budget_bytes(sp.memory_budget_gb), paths_field="sweep.paths",
         budget_field="sweep.memory_budget_gb", grid_field="sweep.grid", crisis_field="crisis")


def validate_sweep(cfg: Mapping[str, Any]) -> SweepConfig:
    """Check a whole sweep config (plain dict, without Hydra's own ``hydra`` node)."""
    cfg = _require_mapping("config", cfg)
    _unknown_keys("", {k: v for k, v in cfg.items() if k != "hydra"}, SWEEP_RUN_KEYS)
    seed = _seed(cfg)
    validate_figure_formats(cfg.get("figure_formats"))
    scenario = _scenario(cfg.get("scenario"))
    validate_models(point_values(cfg.get("models"), "models"), scenario.sides)  # a scenario's models block: checked, used by run.py only
    game_cfg, _ = nominal_game(cfg.get("game"))  # a range in the game config: its point value here
    game = build_game(game_cfg, scenario)
    ka, kb = game.n_actions
    crisis = None
    if cfg.get("crisis") is not None and ka == kb and not game.is_batch:
        crisis_raw, _ = split_uncertain("crisis", _require_mapping("crisis", cfg.get("crisis")), UNCERTAIN_SETTINGS)
        crisis = validate_crisis(crisis_raw, ka)
    spec = _spec(cfg.get("sweep"), game_cfg, crisis is not None)
    _check_size(spec, game_cfg, crisis, ka)
    experiment = check_name("experiment", cfg.get("experiment", "sweep"))
    return SweepConfig(experiment, seed, scenario, game_cfg, crisis, spec)
