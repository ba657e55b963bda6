"""Validated, typed run configs (plain dataclasses; this module never imports Hydra).

A config arrives as a plain nested ``dict`` (``OmegaConf.to_container(cfg, resolve=True)``
in the entry points, or written by hand in Python).  :func:`validate_run` checks every
field, turns each mistake into a one-line :class:`~sim.errors.ConfigError` naming the
field and what is allowed, and returns a :class:`RunConfig`.

Game parameters are not duplicated here as dataclass fields: the builder's signature in
the registry :data:`sim.games.GAMES` is the one source of truth for which keys a game
accepts (DESIGN.md example 5, "constructor arguments equal config fields"), and the
builder checks their ranges.  That is also why we do not register per-game structured
configs in Hydra's ConfigStore: they would be a second copy of the signatures.  Configs
only ever *name* registered games; nothing is instantiated from a ``_target_``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from sim.config.scenario import (Phase, StatedPolicy, check_phase_rungs, check_source_numbers, phase_records,
                              policy_records, validate_phases, validate_policies)
from sim.config.safety import check_name
from sim.equilibria.nash import METHODS
from sim import limits
from sim.errors import ConfigError
from sim.games import GAMES, Game, build, builder_parameters
from sim.repeated import MAX_ROUNDS, CrisisSettings, Strategy
from sim.repeated.strategies import load

__all__ = ["ScenarioConfig", "MapConfig", "CrisisConfig", "DynamicConfig", "EvidenceConfig", "RunConfig",
           "validate_run", "validate_dynamic", "validate_evidence", "validate_figure_formats", "FIGURE_FORMATS",
           "UncertaintyConfig", "validate_uncertainty", "split_uncertain", "UNCERTAIN_SETTINGS", "build_game", "validate_crisis", "check_crisis_size"]

RUN_KEYS = ("experiment", "seed", "scenario", "game", "map", "method", "crisis", "models", "memory_budget_gb",
            "dynamic", "evidence", "figure_formats", "uncertainty", "explorer", "slides")


def _require_mapping(name: str, value: Any) -> Mapping:
    if not isinstance(value, Mapping):
        raise ConfigError(name, f"must be a mapping of keys to values, got {type(value).__name__}")
    return value


def _unknown_keys(name: str, given: Mapping, allowed) -> None:
    for key in given:
        if key not in allowed:
            raise ConfigError(f"{name}.{key}" if name else str(key),
                              f"unknown key; allowed keys{' under ' + repr(name) if name else ''}: {', '.join(allowed)}")


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(name, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(name, f"must be finite, got {value!r}")
    return float(value)


def _string(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(name, f"must be a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True)
class ScenarioConfig:
    """A named crisis: who the sides are, what the rungs mean, and a sourced narrative.

    ``narrative`` presents each government's statements and claims as claims; ``sources``
    lists where each fact comes from.  ``rung_labels`` (optional) names the game's rungs.
    ``phases`` (optional) is the dated phase table, each row with each side's reported
    rung and 1-based references into ``sources``; ``stated_policies`` (optional) maps a
    side to its publicly stated policy and the registered strategy expressing it (schema
    in :mod:`sim.config.scenario`).
    """

    name: str
    title: str
    sides: tuple[str, str]
    narrative: str = ""
    sources: tuple[str, ...] = ()
    rung_labels: tuple[str, ...] = ()
    parameter_notes: Mapping[str, str] = field(default_factory=dict)
    phases: tuple[Phase, ...] = ()
    stated_policies: Mapping[str, StatedPolicy] = field(default_factory=dict)
    observed: Mapping[str, Any] = field(default_factory=dict)  # {"from": date or None, "ending": ...}

    def to_summary(self) -> dict[str, Any]:
        """The scenario as a JSON-able dict for ``summary.json`` (phases with ISO ``start``/``end``)."""
        return {"name": self.name, "title": self.title, "sides": list(self.sides), "narrative": self.narrative,
                "sources": list(self.sources), "rung_labels": list(self.rung_labels),
                "parameter_notes": dict(self.parameter_notes),
                "phases": phase_records(self.phases), "stated_policies": policy_records(self.stated_policies),
                "observed": dict(self.observed)}


@dataclass(frozen=True)
class MapConfig:
    """An equilibrium map: parameters on the axes, their ranges and the grid size.

    ``x_range`` / ``y_range`` of ``None`` mean ``[0, 2 * scenario value]`` (``[0, 1]`` if
    the value is 0).  ``x = None`` (or ``y = None``) turns the map off, e.g. for a game
    given as matrices, which has no scalar parameters to sweep.
    """

    x: str | None = "war_cost"
    y: str | None = "advantage"
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    points: int = 200


@dataclass(frozen=True)
class CrisisConfig:
    """The repeated crisis of a run: each side's strategy, the settings, policy pairs to compare.

    ``side_a`` / ``side_b`` / each entry of ``compare`` are strategy specs for
    :func:`sim.repeated.strategies.load` (a registered name with parameters, or a user automaton /
    memory-n table), kept as given so the config can be written back; ``strategies`` and
    ``compare_strategies`` are the same, built once during validation.  ``settings`` is the
    one :class:`sim.repeated.CrisisSettings` that ``simulate`` and ``analyse`` receive
    (semantics in ``docs/repeated-model.md``).  ``paths`` Monte-Carlo paths give spreads and
    sample paths; the probabilities reported come from the exact analysis.
    """

    side_a: Mapping[str, Any]
    side_b: Mapping[str, Any]
    settings: CrisisSettings
    strategies: tuple[Strategy, Strategy]
    paths: int = 20000
    sample_paths: int = 5
    compare: tuple = ()
    compare_strategies: tuple = ()


@dataclass(frozen=True)
class DynamicConfig:
    """Strategic dynamics of a run's crisis (``dynamic:`` in ``configs/run.yaml``; null turns it off).

    ``credibility``: whether each side's stated policy is a best response to the other's
    (:func:`sim.dynamic.credibility`, infinite horizon at the crisis discount, or ``crisis.rounds``
    rounds when that discount is 1).  ``mpe``: the Markov perfect equilibrium of the dynamic game
    (:func:`sim.dynamic.markov_perfect`, without perception noise, at ``discount`` when the crisis
    discount is 1) and how the crisis unfolds under it; slow for many rungs, so off by default.
    ``map_points``: grid points per axis of the credibility map over the run's ``map`` axes
    (0: no map).
    """

    credibility: bool = True
    mpe: bool = False
    discount: float = 0.95
    map_points: int = 0


@dataclass(frozen=True)
class EvidenceConfig:
    """Fit of the crisis model to the scenario's reported sequence (``evidence:``; null turns it off).

    Every candidate policy pair (the crisis's pair, each pair of ``crisis.compare`` and, when
    ``dynamic.mpe`` is on, the equilibrium policies) is fitted by maximum likelihood over the
    ``free`` settings (field -> [low, high], :data:`sim.estimate.GRID_FIELDS`) and ranked by AIC
    (:func:`sim.estimate.compare_models`).  ``contested``: how contested rungs are read
    (``reported``, ``missing`` or a width in rungs); ``points``: grid points per free parameter
    of the global search.
    """

    free: Mapping[str, tuple[float, float]] = field(default_factory=lambda: {"execution_noise": (0.0, 0.9)})
    contested: Any = "reported"
    points: int = 41
    qre: bool = False      # add the logit Markov QRE with lambda fitted (sim.estimate.fit_equilibrium; ~30 s at 11 rungs)
    qre_lam_max: float = 2.0


@dataclass(frozen=True)
class UncertaintyConfig:
    """Parameter uncertainty of a run (``uncertainty:``; null turns it off).

    ``params``: the parameters given as a range or a distribution in ``game:`` or ``crisis:``
    (:class:`sim.sweeps.uncertainty.Uncertain`, named by their sweep parameter); the run
    analyses the scenario at their ``value`` and propagates the ranges through
    :func:`sim.sweeps.uncertainty.propagate` (``samples``, ``method``, ``level``) for ``outcomes``.
    """

    params: tuple = ()
    samples: int = 16
    method: str = "sobol"
    level: float = 0.9
    outcomes: tuple[str, ...] = ("p_war_by_T", "eq_level")


@dataclass(frozen=True)
class RunConfig:
    """Everything ``experiments/run.py`` needs, validated."""

    experiment: str
    seed: int
    scenario: ScenarioConfig
    game: Mapping[str, Any]
    map: MapConfig
    method: str = "support"
    crisis: CrisisConfig | None = None
    models: Mapping[str, Any] = field(default_factory=dict)  # validated blocks, see sim.config.models
    built_game: Game | None = None  # the game, built once while validating (scenario names and labels)
    memory_budget_gb: float = limits.DEFAULT_MEMORY_BUDGET_GB  # peak memory allowed (sim.limits)
    dynamic: DynamicConfig | None = None  # credibility of the stated policies, the MPE (needs a crisis)
    evidence: EvidenceConfig | None = None  # the fit to the reported sequence (needs a crisis and phases)
    figure_formats: tuple[str, ...] = ("png",)  # figures written as PNG and, optionally, SVG / PDF beside it
    uncertainty: UncertaintyConfig | None = None  # ranges of parameters, propagated (needs ranges in game/crisis)
    explorer: Any = None  # sim.config.explorer.ExplorerConfig: the sliders of explorer.html (None: no page)
    slides: bool = False  # also a 16:9 slide set of the key figures in figures/slides/ (sim.viz.style.slide)


def _scenario(raw: Any) -> ScenarioConfig:
    raw = _require_mapping("scenario", raw)
    allowed = ("name", "title", "sides", "narrative", "sources", "rung_labels", "parameter_notes", "phases",
               "stated_policies", "observed")
    _unknown_keys("scenario", raw, allowed)
    name = _string("scenario.name", raw.get("name"))
    sides = raw.get("sides", ("A", "B"))
    if not isinstance(sides, (list, tuple)) or len(sides) != 2 or not all(isinstance(s, str) and s.strip()
                                                                           for s in sides):
        raise ConfigError("scenario.sides", f"must be a list of two names, got {sides!r}")
    if sides[0].strip().casefold() == sides[1].strip().casefold():
        raise ConfigError("scenario.sides", f"the two sides need different names, got {list(sides)!r}")
    sources = raw.get("sources") or ()
    if not isinstance(sources, (list, tuple)) or not all(isinstance(s, str) for s in sources):
        raise ConfigError("scenario.sources", "must be a list of strings (one source per entry)")
    labels = raw.get("rung_labels") or ()
    if not isinstance(labels, (list, tuple)) or not all(isinstance(s, str) for s in labels):
        raise ConfigError("scenario.rung_labels", "must be a list of strings, one per rung")
    notes = raw.get("parameter_notes") or {}
    _require_mapping("scenario.parameter_notes", notes)
    check_source_numbers(sources)
    phases = validate_phases(raw.get("phases"), sides, len(sources), len(labels) or None)
    policies = validate_policies(raw.get("stated_policies"), sides, len(sources))
    observed = _observed(raw.get("observed"), phases)
    return ScenarioConfig(name, str(raw.get("title") or name), (sides[0], sides[1]), str(raw.get("narrative") or ""),
                          tuple(sources), tuple(labels), {str(k): str(v) for k, v in notes.items()},
                          phases, policies, observed)


def _observed(raw: Any, phases) -> dict[str, Any]:
    """``scenario.observed``: ``from`` (the date of the first phase modelled as play; null: the
    first phase) and ``ending`` (how the record ends: sim.estimate.ENDING_CODES)."""
    from sim.estimate import ENDING_CODES

    raw = _require_mapping("scenario.observed", raw or {})
    _unknown_keys("scenario.observed", raw, ("from", "ending"))
    start = raw.get("from")
    if start is not None:
        dates = [str(ph.to_config()["date"]).split("/")[0] for ph in phases]
        if str(start) not in dates:
            raise ConfigError("scenario.observed.from", f"must be the (start) date of a phase, one of "
                                                        f"{', '.join(dict.fromkeys(dates))}; got {start!r}")
    ending = raw.get("ending", "censored")
    if ending not in ENDING_CODES:
        raise ConfigError("scenario.observed.ending", f"must be one of {', '.join(ENDING_CODES)}, got {ending!r}")
    return {"from": None if start is None else str(start), "ending": ending}


def _range(name: str, value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ConfigError(name, f"must be [low, high] or null, got {value!r}")
    lo, hi = _number(f"{name}[0]", value[0]), _number(f"{name}[1]", value[1])
    if not lo < hi:
        raise ConfigError(name, f"needs low < high, got [{lo:g}, {hi:g}]")
    return lo, hi


def _map(raw: Any, game: Mapping[str, Any], n_actions: tuple[int, int] | None = None,
         budget: float | None = None) -> MapConfig:
    raw = _require_mapping("map", raw or {})
    _unknown_keys("map", raw, ("x", "y", "x_range", "y_range", "points"))
    name = game["name"]
    numeric = [p for p in builder_parameters(name)
               if isinstance(game.get(p), (int, float)) and not isinstance(game.get(p), bool) and p != "K"]
    x = raw.get("x", MapConfig.x)
    y = raw.get("y", MapConfig.y)
    if x is None or y is None:
        return MapConfig(None, None, None, None, 0)
    for key, val in (("map.x", x), ("map.y", y)):
        if val not in numeric:
            raise ConfigError(key, f"{val!r} is not a numeric parameter of game {name!r}; allowed: {', '.join(numeric)}")
    if x == y:
        raise ConfigError("map.y", f"must differ from map.x (both are {x!r})")
    points = raw.get("points", MapConfig.points)
    if isinstance(points, bool) or not isinstance(points, int) or not 2 <= points <= 2000:
        raise ConfigError("map.points", f"must be an integer in [2, 2000], got {points!r}")
    if n_actions is not None:  # points x points games of K x K rungs: an element budget
        limits.check_map(points, points, *n_actions, budget=limits.budget_bytes(budget))
    return MapConfig(x, y, _range("map.x_range", raw.get("x_range")), _range("map.y_range", raw.get("y_range")), points)


def nominal_game(raw: Any) -> tuple[dict, tuple]:
    """The ``game`` node with ranges / distributions replaced by their point values, and the
    uncertain parameters (numeric builder parameters only; :func:`split_uncertain`)."""
    game_cfg = dict(_require_mapping("game", raw))
    name = game_cfg.get("name")
    allowed = ()
    if name in GAMES:
        from sim.sweeps.spec import sweepable_parameters
        allowed = tuple(p for p in sweepable_parameters(name) if p not in UNCERTAIN_SETTINGS and p != "K")
    return split_uncertain("game", game_cfg, allowed)


def build_game(game_cfg: Mapping[str, Any], scenario: ScenarioConfig | None = None) -> Game:
    """Build the configured game, with the scenario's side names and rung labels.

    Raises a one-line :class:`ConfigError` for an unknown game, an unknown or out-of-range
    parameter, ragged or non-finite payoffs.  A parameter given as a range or a distribution
    (:func:`nominal_game`) is built at its point value.
    """
    game_cfg, _ = nominal_game(game_cfg)  # a parameter given as a range is built at its point value
    name = game_cfg.pop("name", None)
    if name not in GAMES:
        raise ConfigError("game.name", f"unknown game {name!r}; allowed: {', '.join(sorted(GAMES))}")
    for key, value in game_cfg.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"game.{key}", f"must be finite, got {value!r}")
    game = build(name, **game_cfg)
    if scenario is None:
        return game
    labels_a, labels_b = game.labels_a, game.labels_b
    check_phase_rungs(scenario.phases, min(game.n_actions))  # rungs are checked once K is known
    if scenario.rung_labels:
        ka, kb = game.n_actions
        if len(scenario.rung_labels) != ka or ka != kb:
            raise ConfigError("scenario.rung_labels", f"needs one label per rung; the game has {ka} x {kb} rungs, "
                                                      f"got {len(scenario.rung_labels)} labels")
        labels_a = labels_b = scenario.rung_labels
    return dataclasses.replace(game, sides=scenario.sides, labels_a=labels_a, labels_b=labels_b)


def _int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(name, f"must be an integer in [{lo}, {hi}], got {value!r}")
    return value


def _count(name: str, value: Any, lo: int, hi: int) -> int:
    """A count such as a number of paths: an integer, or a float with an integral value (``1e6``)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    return _int(name, value, lo, hi)


def check_crisis_size(crisis: "CrisisConfig", K: int, budget: float | None = None,
                      budget_field: str = "memory_budget_gb") -> None:
    """The run's Monte Carlo and each exact pair analysis fit the memory budget (sim.limits), or one line.

    Checked before anything runs: Monte Carlo with ``crisis.paths`` (keeping every path's
    rungs when sample paths are drawn), the exact analysis of the pair and of each pair in
    ``crisis.compare``.  They run one after another, so each must fit on its own.
    """
    budget = limits.budget_bytes(budget, budget_field)
    cs = crisis.settings
    _, (pa, pb) = cs.noise(K)
    a, b = crisis.strategies
    entries = limits.mc_table_entries(a.transition, pa) + limits.mc_table_entries(b.transition, pb)
    limits.check_simulate(1, crisis.paths, cs.rounds, K, keep_paths=crisis.sample_paths > 0,
                          table_entries=entries, budget=budget, paths_field="crisis.paths", budget_field=budget_field)
    m = cs.settle_after or 1
    pairs = [("crisis", a, b)] + [(f"crisis.compare[{i}]", x, y) for i, (x, y) in enumerate(crisis.compare_strategies)]
    for where, x, y in pairs:
        limits.check_markov(1, x.n_states * y.n_states * m, 1, cs.rounds, K,
                            automaton_states=(x.n_states, y.n_states), budget=budget, field=where,
                            budget_field=budget_field, what=f"{x.name} x {y.name}")


def _strategy_spec(name: str, spec: Any, K: int) -> tuple[dict, Strategy]:
    """A strategy spec as given (a name becomes ``{"name": ...}``) and the strategy it builds."""
    if isinstance(spec, str):
        spec = {"name": spec}
    spec = dict(_require_mapping(name, spec))
    try:
        strategy = load(spec, K=K)
    except ConfigError as err:
        field = name + err.field[len("strategy"):] if err.field.startswith("strategy.") else name
        raise ConfigError(field, err.message if err.field.startswith("strategy") else str(err)) from None
    return spec, strategy


def crisis_settings(prefix: str, raw: Mapping[str, Any], K: int, rounds: Any = 30) -> CrisisSettings:
    """The :class:`CrisisSettings` of a crisis node (``crisis``, ``tournament``), checked once
    (fields named ``prefix.field``), noise matrices included against K."""
    fields = ("execution_noise", "perception_noise", "settle_after", "mediation", "mediation_slope", "discount",
              "war_risk_scale", "timing", "opening", "first_mover")
    given = {k: raw[k] for k in fields if raw.get(k) is not None}
    if "opening" in given and isinstance(given["opening"], list):
        given["opening"] = tuple(given["opening"])
    try:
        cs = CrisisSettings(rounds=raw.get("rounds", rounds), **given)
        cs.noise(K)
        cs.opening_pair(K)
    except ConfigError as err:
        raise err.prefixed(prefix) from None
    return cs


def validate_crisis(raw: Any, K: int) -> CrisisConfig | None:
    """Check the ``crisis`` node for a game with K rungs per side (``None`` turns it off)."""
    if raw is None:
        return None
    raw = _require_mapping("crisis", raw)
    allowed = ("side_a", "side_b", "rounds", "paths", "sample_paths", "execution_noise", "perception_noise",
               "settle_after", "mediation", "mediation_slope", "discount", "war_risk_scale", "timing", "opening",
               "first_mover", "compare")
    _unknown_keys("crisis", raw, allowed)
    for key in ("side_a", "side_b"):
        if raw.get(key) is None:
            raise ConfigError(f"crisis.{key}", "needs a strategy (a registered name, e.g. tit_for_tat, or a spec)")
    side_a, strategy_a = _strategy_spec("crisis.side_a", raw["side_a"], K)
    side_b, strategy_b = _strategy_spec("crisis.side_b", raw["side_b"], K)
    if raw.get("rounds", 30) is None:
        raise ConfigError("crisis.rounds", f"must be an integer in [1, {MAX_ROUNDS}] (a run simulates the crisis)")
    settings = crisis_settings("crisis", raw, K)
    compare = raw.get("compare") or []
    if not isinstance(compare, (list, tuple)):
        raise ConfigError("crisis.compare", "must be a list of [side A strategy, side B strategy] pairs")
    specs, built = [], []
    for i, pair in enumerate(compare):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ConfigError(f"crisis.compare[{i}]", f"must be a pair [side A strategy, side B strategy], got {pair!r}")
        (sa, a), (sb, b) = (_strategy_spec(f"crisis.compare[{i}][{j}]", pair[j], K) for j in (0, 1))
        specs.append((sa, sb))
        built.append((a, b))
    return CrisisConfig(
        side_a, side_b, settings, (strategy_a, strategy_b),
        paths=_count("crisis.paths", raw.get("paths", 20000), 1, 100_000_000),
        sample_paths=_int("crisis.sample_paths", raw.get("sample_paths", 5), 0, 100),
        compare=tuple(specs), compare_strategies=tuple(built))


def validate_dynamic(raw: Any) -> DynamicConfig | None:
    """Check the ``dynamic`` node (``None`` turns strategic dynamics off)."""
    if raw is None:
        return None
    raw = _require_mapping("dynamic", raw)
    _unknown_keys("dynamic", raw, ("credibility", "mpe", "discount", "map_points"))
    flags = {}
    for key in ("credibility", "mpe"):
        value = raw.get(key, getattr(DynamicConfig, key))
        if not isinstance(value, bool):
            raise ConfigError(f"dynamic.{key}", f"must be true or false, got {value!r}")
        flags[key] = value
    discount = _number("dynamic.discount", raw.get("discount", DynamicConfig.discount))
    if not 0.0 <= discount < 1.0:
        raise ConfigError("dynamic.discount", f"must be in [0, 1) (the dynamic game discounts), got {discount:g}")
    points = raw.get("map_points", DynamicConfig.map_points)
    if isinstance(points, bool) or not isinstance(points, int) or not (points == 0 or 2 <= points <= 200):
        raise ConfigError("dynamic.map_points", f"must be 0 (no map) or an integer in [2, 200], got {points!r}")
    return DynamicConfig(flags["credibility"], flags["mpe"], discount, points)


def validate_evidence(raw: Any) -> EvidenceConfig | None:
    """Check the ``evidence`` node (``None`` turns the fit off)."""
    from sim.estimate import GRID_FIELDS

    if raw is None:
        return None
    raw = _require_mapping("evidence", raw)
    _unknown_keys("evidence", raw, ("free", "contested", "points", "qre", "qre_lam_max"))
    free_raw = _require_mapping("evidence.free", raw.get("free", {"execution_noise": [0.0, 0.9]}))
    if not 1 <= len(free_raw) <= 2:
        raise ConfigError("evidence.free", f"give one or two settings to fit, got {len(free_raw)}")
    free = {}
    for key, bounds in free_raw.items():
        if key not in GRID_FIELDS:
            raise ConfigError(f"evidence.free.{key}", f"is not a setting that can be fitted; allowed: "
                                                      f"{', '.join(GRID_FIELDS)}")
        lo, hi = GRID_FIELDS[key]
        if not isinstance(bounds, (list, tuple)) or len(bounds) != 2:
            raise ConfigError(f"evidence.free.{key}", f"must be [low, high], got {bounds!r}")
        a, b = (_number(f"evidence.free.{key}", v) for v in bounds)
        if not (lo <= a < b <= hi) or not math.isfinite(b):
            raise ConfigError(f"evidence.free.{key}", f"must be finite with {lo:g} <= low < high <= {hi:g}, "
                                                      f"got [{a:g}, {b:g}]")
        free[str(key)] = (a, b)
    contested = raw.get("contested", "reported")
    if not (contested in ("reported", "missing") or (isinstance(contested, int) and not isinstance(contested, bool)
                                                   and 0 <= contested <= 3)):
        raise ConfigError("evidence.contested", f"must be reported, missing or a width 0-3 (rungs), got {contested!r}")
    points = raw.get("points", EvidenceConfig.points)
    if isinstance(points, bool) or not isinstance(points, int) or not 5 <= points <= 201:
        raise ConfigError("evidence.points", f"must be an integer in [5, 201], got {points!r}")
    qre = raw.get("qre", False)
    if not isinstance(qre, bool):
        raise ConfigError("evidence.qre", f"must be true or false, got {qre!r}")
    lam_max = _number("evidence.qre_lam_max", raw.get("qre_lam_max", EvidenceConfig.qre_lam_max))
    if not 0 < lam_max <= 1000:
        raise ConfigError("evidence.qre_lam_max", f"must be in (0, 1000] (1 / payoff unit), got {lam_max:g}")
    return EvidenceConfig(free, contested, points, qre, lam_max)


#: Crisis settings that may carry a range or a distribution (numbers; noise as a rate).
UNCERTAIN_SETTINGS = ("execution_noise", "perception_noise", "mediation", "mediation_slope", "war_risk_scale")
#: Outcomes a run's uncertainty analysis may propagate (sweep outcomes; sim.sweeps.OUTCOMES).
UNCERTAINTY_OUTCOMES = ("p_war_by_T", "p_settled_by_T", "p_mediated_by_T", "payoff_a", "payoff_b", "expected_rounds",
                        "eq_level", "p_top", "deviation_gain_a", "deviation_gain_b")


def split_uncertain(section: str, raw: Mapping[str, Any], allowed) -> tuple[dict, tuple]:
    """``raw`` with every range / distribution (:func:`sim.sweeps.uncertainty.uncertain_spec`)
    replaced by its point value, and the uncertain parameters (one-line ``ConfigError`` for a
    malformed one, or one on a key that cannot carry a range)."""
    from sim.sweeps.uncertainty import is_uncertain, uncertain_spec

    out, specs = dict(raw), []
    for key, value in raw.items():
        if isinstance(value, Mapping) and key not in ("side_a", "side_b") and (is_uncertain(value)
                                                                               or key in allowed):
            if key not in allowed:
                raise ConfigError(f"{section}.{key}", f"cannot carry a range; parameters that can: {', '.join(allowed)}")
            spec = uncertain_spec(f"{section}.{key}", value, name=str(key))
            out[key] = spec.value
            specs.append(spec)
    return out, tuple(specs)


def point_values(raw: Any, where: str = "") -> Any:
    """``raw`` with every range / distribution replaced by its point value, recursively (for the
    nodes that refer to an uncertain parameter by interpolation, e.g. ``${game.war_cost}``)."""
    from sim.sweeps.uncertainty import is_uncertain, uncertain_spec

    if is_uncertain(raw):
        return uncertain_spec(where or "value", raw).value
    if isinstance(raw, Mapping):
        return {k: point_values(v, f"{where}.{k}" if where else str(k)) for k, v in raw.items()}
    if isinstance(raw, (list, tuple)):
        return type(raw)(point_values(v, f"{where}[{i}]") for i, v in enumerate(raw))
    return raw


def validate_uncertainty(raw: Any, params: tuple) -> UncertaintyConfig | None:
    """Check the ``uncertainty`` node; ``None`` (or no parameter with a range) turns it off."""
    from sim.sweeps.uncertainty import UNCERTAINTY_METHODS

    if raw is None:
        return None
    raw = _require_mapping("uncertainty", raw)
    _unknown_keys("uncertainty", raw, ("samples", "method", "level", "outcomes"))
    samples = raw.get("samples", UncertaintyConfig.samples)
    if isinstance(samples, bool) or not isinstance(samples, int) or not 4 <= samples <= 65536:
        raise ConfigError("uncertainty.samples", f"must be an integer in [4, 65536], got {samples!r}")
    method = raw.get("method", UncertaintyConfig.method)
    if method not in UNCERTAINTY_METHODS:
        raise ConfigError("uncertainty.method", f"must be one of {', '.join(UNCERTAINTY_METHODS)}, got {method!r}")
    if method == "sobol" and samples & (samples - 1):
        raise ConfigError("uncertainty.samples", f"must be a power of 2 for Sobol sampling (4, 8, 16, ...), got {samples}")
    level = _number("uncertainty.level", raw.get("level", UncertaintyConfig.level))
    if not 0.5 <= level < 1:
        raise ConfigError("uncertainty.level", f"must be in [0.5, 1), got {level:g}")
    outs = raw.get("outcomes", list(UncertaintyConfig.outcomes))
    if not isinstance(outs, (list, tuple)) or not outs:
        raise ConfigError("uncertainty.outcomes", f"must be a list from {', '.join(UNCERTAINTY_OUTCOMES)}")
    for o in outs:
        if o not in UNCERTAINTY_OUTCOMES:
            raise ConfigError("uncertainty.outcomes", f"unknown outcome {o!r}; allowed: {', '.join(UNCERTAINTY_OUTCOMES)}")
    if not params:
        return None
    return UncertaintyConfig(tuple(params), samples, method, level, tuple(dict.fromkeys(outs)))


#: Figure formats a run can write (PNG always; SVG and PDF beside it for briefings and print).
FIGURE_FORMATS = ("png", "svg", "pdf")


def validate_figure_formats(raw: Any) -> tuple[str, ...]:
    """``figure_formats``: a list from :data:`FIGURE_FORMATS` (PNG is always written: the reports
    embed it); ``null`` means ``[png]``."""
    if raw is None:
        return ("png",)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ConfigError("figure_formats", f"must be a list from {', '.join(FIGURE_FORMATS)}, got {raw!r}")
    for f in raw:
        if f not in FIGURE_FORMATS:
            raise ConfigError("figure_formats", f"unknown format {f!r}; allowed: {', '.join(FIGURE_FORMATS)}")
    return tuple(dict.fromkeys(["png", *raw]))


def _seed(cfg: Mapping[str, Any]) -> int:
    """The top-level ``seed`` of an entry point's config: a non-negative integer."""
    seed = cfg.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("seed", f"must be a non-negative integer, got {seed!r}")
    return seed


def validate_run(cfg: Mapping[str, Any]) -> RunConfig:
    """Check a whole run config (plain dict, without Hydra's own ``hydra`` node)."""
    cfg = _require_mapping("config", cfg)
    _unknown_keys("", {k: v for k, v in cfg.items() if k != "hydra"}, RUN_KEYS)
    seed = _seed(cfg)
    budget = cfg.get("memory_budget_gb", limits.DEFAULT_MEMORY_BUDGET_GB)
    limits.budget_bytes(budget, "memory_budget_gb")
    method = cfg.get("method", "support")
    if method not in METHODS:
        raise ConfigError("method", f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    scenario = _scenario(cfg.get("scenario"))
    game_cfg, uncertain = nominal_game(cfg.get("game"))
    game = build_game(game_cfg, scenario)  # validates names, keys, ranges (K <= sim.limits.MAX_RUNGS) and labels
    ka, kb = game.n_actions
    crisis = None
    if cfg.get("crisis") is not None and ka == kb and not game.is_batch:
        crisis_raw, unc_crisis = split_uncertain("crisis", _require_mapping("crisis", cfg.get("crisis")),
                                                 UNCERTAIN_SETTINGS)
        uncertain += unc_crisis
        crisis = validate_crisis(crisis_raw, ka)
        check_crisis_size(crisis, ka, budget)
    mp = _map(cfg.get("map"), game_cfg, (ka, kb), budget)
    experiment = check_name("experiment", cfg.get("experiment", "run"))
    from sim.config.models import validate_models  # here: config_models builds on this module's checks

    models = validate_models(point_values(cfg.get("models"), "models"), scenario.sides)
    dynamic = validate_dynamic(cfg.get("dynamic")) if crisis is not None else None
    evidence = validate_evidence(cfg.get("evidence")) if crisis is not None and scenario.phases else None
    formats = validate_figure_formats(cfg.get("figure_formats"))
    unc = validate_uncertainty(cfg.get("uncertainty"), uncertain)
    if unc is not None and crisis is None and any(o not in ("eq_level", "p_top") for o in unc.outcomes):
        unc = dataclasses.replace(unc, outcomes=tuple(o for o in unc.outcomes if o in ("eq_level", "p_top"))) \
            if any(o in ("eq_level", "p_top") for o in unc.outcomes) else None
    from sim.config.explorer import validate_explorer

    explorer = validate_explorer(cfg.get("explorer"), game_cfg, crisis, uncertain,
                                 crisis.settings.rounds if crisis is not None else None)
    slides = cfg.get("slides", False)
    if not isinstance(slides, bool):
        raise ConfigError("slides", f"must be true or false, got {slides!r}")
    return RunConfig(experiment, seed, scenario, game_cfg, mp, method, crisis, models, game, float(budget), dynamic,
                     evidence, formats, unc, explorer, slides)
