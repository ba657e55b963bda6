"""Validated config of a tournament run (``experiments/tournament.py``; no Hydra here).

A config arrives as a plain nested ``dict`` (``configs/tournament.yaml`` composed with a
scenario).  :func:`validate_tournament` checks every field, turns each mistake into a
one-line :class:`~sim.errors.ConfigError` naming the field (``tournament.rounds``,
``tournament.strategies[2]``...), and returns a :class:`TournamentConfig`.  The scenario
and game are checked by the same helpers as ``experiments/run.py`` (:mod:`sim.config`);
the ``map``, ``crisis`` and ``method`` nodes a scenario may set belong to the run app and
are accepted and ignored here.

The fields of the ``tournament`` node are the keyword arguments of
:func:`sim.repeated.tournament.round_robin` (DESIGN.md example 5), plus ``strategies``: a list of
registered strategy names (``tit_for_tat``) or specs for :func:`sim.repeated.strategies.load`
(``{name: grit, period: 2}``, or a user's automaton / memory-n table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sim.config.models import validate_models
from sim.config.run import (point_values, nominal_game, validate_figure_formats, _seed, ScenarioConfig, _require_mapping, _scenario, _strategy_spec,
                     _unknown_keys, build_game, crisis_settings)
from sim.equilibria.nash import METHODS
from sim.config.safety import check_name
from sim.errors import ConfigError
from sim.games.game import Game
from sim.repeated import CrisisSettings, Strategy

__all__ = ["TournamentConfig", "validate_tournament", "TOURNAMENT_KEYS"]

#: Top-level keys of a tournament config.  ``map``, ``crisis`` and ``method`` come with the
#: scenario files (they configure ``experiments/run.py``) and are ignored.
TOURNAMENT_KEYS = ("experiment", "seed", "scenario", "game", "tournament", "map", "crisis", "method", "models", "figure_formats")
_NODE_KEYS = ("strategies", "rounds", "execution_noise", "perception_noise", "settle_after", "mediation",
              "mediation_slope", "discount", "war_risk_scale", "exact", "equilibrium_method")


@dataclass(frozen=True)
class TournamentConfig:
    """Everything ``experiments/tournament.py`` needs, validated.

    ``strategies`` holds one spec dict per entrant (for :func:`sim.repeated.strategies.load`),
    ``names`` their unique display names, in the configured order (the registry name, with
    its non-default parameters in brackets: ``grit(period=2)``), and ``entrants`` the
    strategies themselves, built once while validating (``name -> Strategy``).  ``settings``
    is the one :class:`sim.repeated.CrisisSettings` of every match (``rounds = None``: the
    long run); ``equilibrium_method = None`` skips the meta-game's Nash equilibria.
    """

    experiment: str
    seed: int
    scenario: ScenarioConfig
    game: Mapping[str, Any]
    strategies: tuple[Mapping[str, Any], ...]
    names: tuple[str, ...]
    settings: CrisisSettings
    entrants: Mapping[str, Strategy]
    built_game: Game
    exact: bool = True
    equilibrium_method: str | None = "support"

    def round_robin_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`sim.repeated.tournament.round_robin`."""
        return dict(settings=self.settings, rounds=self.settings.rounds, exact=self.exact,
                    equilibria=self.equilibrium_method is not None,
                    equilibrium_method=self.equilibrium_method or "support")


def _entrant_name(strategy: Strategy) -> str:
    if not strategy.params:
        return strategy.name
    args = ", ".join(f"{k}={v.tolist() if hasattr(v, 'tolist') else v}" for k, v in strategy.params.items())
    return f"{strategy.name}({args})"


def _strategies(raw: Any, K: int) -> tuple[tuple[dict, ...], tuple[str, ...], dict[str, Strategy]]:
    where = "tournament.strategies"
    if not isinstance(raw, (list, tuple)):
        raise ConfigError(where, f"must be a list of strategy names or specs, got {type(raw).__name__}")
    if len(raw) < 2:
        raise ConfigError(where, f"needs at least two strategies, got {len(raw)}")
    specs, entrants = [], {}
    for i, entry in enumerate(raw):
        spec, strategy = _strategy_spec(f"{where}[{i}]", entry, K)
        name = _entrant_name(strategy)
        if name in entrants:
            raise ConfigError(f"{where}[{i}]", f"{name!r} is already entrant {list(entrants).index(name)}; "
                                               "list each strategy once")
        specs.append(spec)
        entrants[name] = strategy
    return tuple(specs), tuple(entrants), entrants


def validate_tournament(cfg: Mapping[str, Any]) -> TournamentConfig:
    """Check a whole tournament config (plain dict, without Hydra's own ``hydra`` node)."""
    cfg = _require_mapping("config", cfg)
    _unknown_keys("", {k: v for k, v in cfg.items() if k != "hydra"}, TOURNAMENT_KEYS)
    seed = _seed(cfg)
    validate_figure_formats(cfg.get("figure_formats"))
    experiment = check_name("experiment", cfg.get("experiment", "tournament"))
    scenario = _scenario(cfg.get("scenario"))
    validate_models(point_values(cfg.get("models"), "models"), scenario.sides)  # a scenario's models block: checked, used by run.py only
    game_cfg, _ = nominal_game(cfg.get("game"))  # a range in the game config: its point value here
    game: Game = build_game(game_cfg, scenario)  # names, keys, ranges and labels
    ka, kb = game.n_actions
    if ka != kb or game.A.ndim != 2:
        raise ConfigError("game", f"a tournament needs one square game (K x K rungs), got {ka} x {kb}"
                                  + (" in a batch" if game.A.ndim != 2 else ""))
    K = ka

    node = _require_mapping("tournament", cfg.get("tournament"))
    _unknown_keys("tournament", node, _NODE_KEYS)
    if node.get("strategies") is None:
        raise ConfigError("tournament.strategies", "is required: a list of strategy names or specs")
    specs, names, entrants = _strategies(node["strategies"], K)
    settings = crisis_settings("tournament", node, K)
    exact = node.get("exact", True)
    if not isinstance(exact, bool):
        raise ConfigError("tournament.exact", f"must be true or false, got {exact!r}")
    if not exact:
        raise ConfigError("tournament.exact", "Monte-Carlo tournaments (exact: false) are not available yet; "
                                              "use exact: true")
    method = node.get("equilibrium_method", "support")
    if method is not None and method not in METHODS:
        raise ConfigError("tournament.equilibrium_method",
                          f"unknown method {method!r}; allowed: {', '.join(METHODS)}, or null to skip")
    return TournamentConfig(experiment, seed, scenario, game_cfg, specs, names, settings, entrants, game,
                            exact=exact, equilibrium_method=method)
