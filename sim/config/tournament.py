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
from sim.config.run import (_seed, ScenarioConfig, _endings, _int, _noise, _require_mapping, _scenario, _strategy_spec,
                     _unknown_keys, build_game)
from sim.equilibria.nash import METHODS
from sim.config.safety import check_name
from sim.errors import ConfigError
from sim.games.game import Game
from sim.repeated.strategies.named import Strategy, load

__all__ = ["TournamentConfig", "validate_tournament", "build_strategies", "TOURNAMENT_KEYS"]

#: Top-level keys of a tournament config.  ``map``, ``crisis`` and ``method`` come with the
#: scenario files (they configure ``experiments/run.py``) and are ignored.
TOURNAMENT_KEYS = ("experiment", "seed", "scenario", "game", "tournament", "map", "crisis", "method", "models")
_NODE_KEYS = ("strategies", "rounds", "execution_noise", "perception_noise", "settle_after", "mediation",
              "mediation_slope", "discount", "exact", "equilibrium_method")
_MAX_ROUNDS = 100_000


@dataclass(frozen=True)
class TournamentConfig:
    """Everything ``experiments/tournament.py`` needs, validated.

    ``strategies`` holds one spec dict per entrant (for :func:`sim.repeated.strategies.load`) and
    ``names`` their unique display names, in the configured order: the registry name,
    with its non-default parameters in brackets (``grit(period=2)``).  The other fields
    are the keyword arguments of :func:`sim.repeated.tournament.round_robin` (see :meth:`settings`);
    ``equilibrium_method = None`` skips the meta-game's Nash equilibria.
    """

    experiment: str
    seed: int
    scenario: ScenarioConfig
    game: Mapping[str, Any]
    strategies: tuple[Mapping[str, Any], ...]
    names: tuple[str, ...]
    rounds: int | None = 30
    execution_noise: Any = 0.0
    perception_noise: Any = 0.0
    settle_after: int | None = None
    mediation: float = 0.0
    mediation_slope: float = 0.0
    discount: float = 1.0
    exact: bool = True
    equilibrium_method: str | None = "support"

    def settings(self) -> dict[str, Any]:
        """Keyword arguments of :func:`sim.repeated.tournament.round_robin`."""
        return dict(rounds=self.rounds, exact=self.exact, execution_noise=self.execution_noise,
                    perception_noise=self.perception_noise, settle_after=self.settle_after,
                    mediation=self.mediation, mediation_slope=self.mediation_slope, discount=self.discount,
                    equilibria=self.equilibrium_method is not None,
                    equilibrium_method=self.equilibrium_method or "support")


def _entrant_name(strategy: Strategy) -> str:
    if not strategy.params:
        return strategy.name
    args = ", ".join(f"{k}={v.tolist() if hasattr(v, 'tolist') else v}" for k, v in strategy.params.items())
    return f"{strategy.name}({args})"


def _strategies(raw: Any, K: int) -> tuple[tuple[dict, ...], tuple[str, ...]]:
    where = "tournament.strategies"
    if not isinstance(raw, (list, tuple)):
        raise ConfigError(where, f"must be a list of strategy names or specs, got {type(raw).__name__}")
    if len(raw) < 2:
        raise ConfigError(where, f"needs at least two strategies, got {len(raw)}")
    specs, names = [], []
    for i, entry in enumerate(raw):
        spec = _strategy_spec(f"{where}[{i}]", entry, K)
        name = _entrant_name(load(spec, K=K))
        if name in names:
            raise ConfigError(f"{where}[{i}]", f"{name!r} is already entrant {names.index(name)}; "
                                               "list each strategy once")
        specs.append(spec)
        names.append(name)
    return tuple(specs), tuple(names)


def validate_tournament(cfg: Mapping[str, Any]) -> TournamentConfig:
    """Check a whole tournament config (plain dict, without Hydra's own ``hydra`` node)."""
    cfg = _require_mapping("config", cfg)
    _unknown_keys("", {k: v for k, v in cfg.items() if k != "hydra"}, TOURNAMENT_KEYS)
    seed = _seed(cfg)
    experiment = check_name("experiment", cfg.get("experiment", "tournament"))
    scenario = _scenario(cfg.get("scenario"))
    validate_models(cfg.get("models"), scenario.sides)  # a scenario's models block: checked, used by run.py only
    game_cfg = dict(_require_mapping("game", cfg.get("game")))
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
    specs, names = _strategies(node["strategies"], K)
    rounds = node.get("rounds", 30)
    if rounds is not None:
        rounds = _int("tournament.rounds", rounds, 1, _MAX_ROUNDS)
    settle, mediation, slope, discount = _endings("tournament", node)
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
    return TournamentConfig(
        experiment, seed, scenario, game_cfg, specs, names, rounds=rounds,
        execution_noise=_noise("tournament.execution_noise", node.get("execution_noise", 0.0), K),
        perception_noise=_noise("tournament.perception_noise", node.get("perception_noise", 0.0), K),
        settle_after=settle, mediation=mediation, mediation_slope=slope, discount=discount, exact=exact,
        equilibrium_method=method)


def build_strategies(tc: TournamentConfig, K: int) -> dict[str, Strategy]:
    """The entrants, ``name -> Strategy`` over K rungs, in the configured order."""
    return {name: load(spec, K=K) for name, spec in zip(tc.names, tc.strategies)}
