"""The optional ``models:`` block of a run config: analytic crisis models beside the stage game.

A scenario can ask ``experiments/run.py`` to analyse, next to its stage game and repeated
crisis, any of these models (each sub-block optional)::

    models:
      brinkmanship:      # Schelling/Powell window of risk (sim.crisis.brinkmanship_window)
        value: 10                  # Challenger's gain if the Defender concedes (utility)
        defender_value: 8          # Defender's loss from conceding (utility)
        war_cost_challenger: 100   # war's cost to the Challenger, relative to backing down
        war_cost_defender: 100     # war's cost to the Defender, relative to conceding
        challenger: United States  # which side of the scenario is the Challenger
        risk: 0.05                 # optional: the scenario's reading of the risk of war run
      richardson:        # Richardson arms race (sim.crisis.dynamics)
        k: 0.9  l: 0.8  a: 1.0  b: 1.1  g: 1.0  h: 1.0   # dx/dt = k y - a x + g, dy/dt = l x - b y + h
        start: [5, 20]             # arms levels (x, y) at t = 0
        t_max: 30                  # years (or whatever time unit the coefficients use)
        units: "defence spending (illustrative units)"
      deterrence:        # Zagare-Kilgour unilateral deterrence game (sim.crisis.unilateral_deterrence)
        challenger: {SQ: 3, DC: 4, CB: 2, CF: 1}
        defender:   {SQ: 4, DC: 2, CB: 3, CF: 1}
        challenger_side: India     # optional, default the scenario's first side
      qre:               # logit quantal response equilibria of the stage game (sim.equilibria.logit_qre)
        lambda_max: 100            # trace the QRE from lambda = 0 (uniform) to lambda_max
      tying_hands:       # one-sided incomplete information and audience costs (sim.crisis.bargaining)
        prior: 0.3                 # probability that the Defender is resolved
        audience_cost: 0.5         # cost of backing down after a public threat
        defender: Pakistan         # optional, default the scenario's first side
      escalation:        # Zagare-Kilgour asymmetric escalation game (sim.crisis.escalation)
        challenger: {SQ: 6, DC: 7, DD: 4, ED: 5, DE: 2, EE: 3}
        defender:   {SQ: 8, DC: 5, DD: 6, ED: 2, DE: 7, EE: 3}
        challenger_side: India
      tree:              # any escalation tree with chance nodes (sim.crisis.trees), e.g. from configs/tree/
        players: [Challenger, Defender]
        params: {...}
        root: start
        nodes: {...}
        roles: {Challenger: India, Defender: Pakistan}   # optional display names
        title: "..."                                     # optional

:func:`validate_models` checks the keys, types and ranges of each block and returns a
plain dict of validated blocks; the kernels check their own inputs again.  Configs only
name models from :data:`MODELS`; nothing is instantiated from a ``_target_``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from sim.config.run import _number, _require_mapping, _unknown_keys
from sim.errors import ConfigError

__all__ = ["MODELS", "validate_models"]

#: The model blocks a run config may contain, with their allowed keys.
MODELS: dict[str, tuple[str, ...]] = {
    "brinkmanship": ("value", "defender_value", "war_cost_challenger", "war_cost_defender", "challenger", "risk"),
    "richardson": ("k", "l", "a", "b", "g", "h", "start", "t_max", "units"),
    "deterrence": ("challenger", "defender", "challenger_side"),
    "qre": ("lambda_max",),
    "tying_hands": (),  # keywords of sim.crisis.bargaining.tying_hands, checked there
    "escalation": ("challenger", "defender", "challenger_side"),
    "tree": ("players", "params", "root", "nodes", "title", "roles"),
}


_mapping, _keys = _require_mapping, _unknown_keys  # the run config's own checks, shared


def _num(name: str, value: Any, *, lo: float | None = None, hi: float | None = None, strict_lo: bool = False) -> float:
    value = _number(name, value)
    if lo is not None and (value <= lo if strict_lo else value < lo):
        raise ConfigError(name, f"must be {'>' if strict_lo else '>='} {lo:g}, got {value:g}")
    if hi is not None and value > hi:
        raise ConfigError(name, f"must be <= {hi:g}, got {value:g}")
    return value


def _side(name: str, value: Any, sides: Sequence[str], default: str) -> str:
    if value is None:
        return default
    if value not in sides:
        raise ConfigError(name, f"must be one of the scenario's sides: {', '.join(sides)}; got {value!r}")
    return str(value)


def _brinkmanship(raw: Mapping, sides: Sequence[str]) -> dict:
    n = "models.brinkmanship"
    out = {k: _num(f"{n}.{k}", raw.get(k), lo=0.0, strict_lo=k.startswith("war_cost"))
           for k in ("value", "defender_value", "war_cost_challenger", "war_cost_defender")}
    out["challenger"] = _side(f"{n}.challenger", raw.get("challenger"), sides, sides[0])
    out["risk"] = None if raw.get("risk") is None else _num(f"{n}.risk", raw["risk"], lo=0.0, hi=1.0)
    return out


def _richardson(raw: Mapping) -> dict:
    n = "models.richardson"
    out = {k: _num(f"{n}.{k}", raw.get(k), lo=0.0) for k in ("k", "l", "a", "b")}
    out.update({k: _num(f"{n}.{k}", raw.get(k, 0.0)) for k in ("g", "h")})
    start = raw.get("start", (0.0, 0.0))
    if not isinstance(start, Sequence) or isinstance(start, str) or len(start) != 2:
        raise ConfigError(f"{n}.start", f"must be a pair [x0, y0], got {start!r}")
    out["start"] = [_num(f"{n}.start[{i}]", v) for i, v in enumerate(start)]
    out["t_max"] = _num(f"{n}.t_max", raw.get("t_max", 20.0), lo=0.0, strict_lo=True)
    out["units"] = str(raw.get("units") or "arms levels")
    return out


def _payoffs(name: str, raw: Any, outcomes: Sequence[str]) -> dict:
    raw = _mapping(name, raw)
    _keys(name, raw, outcomes)
    missing = [k for k in outcomes if k not in raw]
    if missing:
        raise ConfigError(f"{name}.{missing[0]}", f"missing payoff; needs one number per outcome: {', '.join(outcomes)}")
    return {k: _num(f"{name}.{k}", raw[k]) for k in outcomes}


def _two_payoff_tables(n: str, raw: Mapping, sides: Sequence[str], outcomes: Sequence[str]) -> dict:
    return {"challenger": _payoffs(f"{n}.challenger", raw.get("challenger"), outcomes),
            "defender": _payoffs(f"{n}.defender", raw.get("defender"), outcomes),
            "challenger_side": _side(f"{n}.challenger_side", raw.get("challenger_side"), sides, sides[0])}


def validate_models(raw: Any, sides: Sequence[str]) -> dict[str, dict]:
    """Validate a ``models:`` block (``None`` or a mapping) against the scenario's ``sides``.

    Returns ``{block name: validated dict}`` for the blocks present.  Errors name the
    field (``models.richardson.k``) and what is allowed.
    """
    if raw is None:
        return {}
    raw = _mapping("models", raw)
    _keys("models", raw, tuple(MODELS))
    out: dict[str, dict] = {}
    for name, block in raw.items():
        if block is None:
            continue
        block = _mapping(f"models.{name}", block)
        if MODELS[name]:
            _keys(f"models.{name}", block, MODELS[name])
        if name == "brinkmanship":
            out[name] = _brinkmanship(block, sides)
        elif name == "richardson":
            out[name] = _richardson(block)
        elif name == "deterrence":
            out[name] = _two_payoff_tables("models.deterrence", block, sides, ("SQ", "DC", "CB", "CF"))
        elif name == "qre":
            out[name] = {"lambda_max": _num("models.qre.lambda_max", block.get("lambda_max", 100.0),
                                            lo=0.0, strict_lo=True)}
        elif name == "escalation":
            from sim.crisis.escalation import ESCALATION_OUTCOMES

            out[name] = _two_payoff_tables("models.escalation", block, sides, ESCALATION_OUTCOMES)
        elif name == "tree":
            out[name] = _tree(block)
        else:  # tying_hands: keyword names and ranges are those of sim.crisis.bargaining.tying_hands
            out[name] = _tying_hands(block, sides)
    return out


def _tree(raw: Mapping) -> dict:
    from sim.crisis.trees import Tree

    spec = {k: raw[k] for k in ("players", "params", "root", "nodes") if k in raw}
    tree = Tree.from_spec(spec, field="models.tree")  # validates nodes, payoffs, probabilities
    roles = raw.get("roles") or {}
    roles = _mapping("models.tree.roles", roles)
    for key, value in roles.items():
        if key not in tree.players:
            raise ConfigError(f"models.tree.roles.{key}", f"is not a player of the tree; players: {', '.join(tree.players)}")
        if not isinstance(value, str) or not value:
            raise ConfigError(f"models.tree.roles.{key}", f"must be a display name (a string), got {value!r}")
    return {"spec": tree.to_spec(), "title": str(raw.get("title") or "Escalation tree"), "roles": dict(roles)}


def _tying_hands(raw: Mapping, sides: Sequence[str]) -> dict:
    from sim.crisis.bargaining import tying_hands_from_params

    params = {str(k): v for k, v in raw.items() if k != "defender"}
    try:
        tying_hands_from_params(params)  # checks keys, ranges and types
    except ConfigError as err:
        raise ConfigError(f"models.{err.field}" if err.field.startswith("tying_hands") else "models.tying_hands",
                          err.message) from None
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"models.tying_hands.{key}", f"must be a number, got {value!r}")
    return {"defender": _side("models.tying_hands.defender", raw.get("defender"), sides, sides[0]),
            "params": {k: float(v) for k, v in params.items()}}
