"""The ``explorer:`` node of a run config: the sliders of ``explorer.html`` and the page's size.

:func:`validate_explorer` checks the node and resolves it against the run's game and crisis
into an :class:`ExplorerConfig`: the slider axes with their exact grid values (the scenario's
own value is always one of them and is each slider's initial position), the sub-grid where
credibility is computed, and the byte budget, which is checked here, before anything is
computed (a grid whose page would exceed ``max_mb`` is a one-line ``ConfigError`` naming
``explorer.points``).

Which parameters get a slider (``params: null``): for the escalation ladder ``war_cost``,
``war_risk``, ``perception_noise`` (a crisis setting) and ``advantage``, the ladder having
no audience-cost parameter (the scenario's tying-hands model has one, outside the game);
for other games their first two numeric parameters, plus ``perception_noise`` when the run
has a crisis.  A parameter whose scenario value is not a single number (a noise given per
side, say) gets no default slider.  Ranges: ``ranges`` if given, else the scenario's own
uncertainty range of that parameter (``game.war_cost: {low, high, value}``), else
``[0, 2 x value]`` (probabilities: ``[0, max(2 x value, 0.3)]`` capped at 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from sim.errors import ConfigError
from sim.games import builder_parameters

__all__ = ["ExplorerConfig", "ExplorerAxis", "validate_explorer", "explorer_bytes", "SLIDER_SETTINGS",
           "DEFAULT_PARAMS", "MAX_AXES", "MAX_POINTS"]

#: Crisis settings a slider may move (single numbers in CrisisSettings).
SLIDER_SETTINGS = ("perception_noise", "execution_noise", "mediation", "mediation_slope", "war_risk_scale")
#: Settings and game parameters that are probabilities (their default range stays in [0, 1]).
_PROBABILITIES = ("perception_noise", "execution_noise", "mediation", "war_risk", "risk_interaction")
#: Default slider parameters per game (those present in the run are used, in this order).
DEFAULT_PARAMS = {"ladder": ("war_cost", "war_risk", "perception_noise", "advantage")}
MAX_AXES = 5
MAX_POINTS = 41


@dataclass(frozen=True, eq=False)
class ExplorerAxis:
    """One slider: ``name`` (a game parameter or a crisis setting), ``kind`` (``"game"`` or
    ``"setting"``), ``values`` (1-D float array, increasing, the grid), ``initial`` (index of the
    scenario's value in ``values``) and ``credibility`` (sorted indices into ``values`` where
    credibility is computed; it always holds ``initial`` unless empty)."""

    name: str
    kind: str
    values: np.ndarray
    initial: int
    credibility: tuple[int, ...]


@dataclass(frozen=True)
class ExplorerConfig:
    """``explorer:`` resolved: the axes, the grid size settings and the byte budget (MB)."""

    axes: tuple[ExplorerAxis, ...] = ()
    points: int = 5
    credibility_points: int = 2
    max_mb: float = 4.0
    notes: tuple[str, ...] = field(default_factory=tuple)


def explorer_bytes(n_axes: int, points: int, rounds: int, credibility_points: int) -> int:
    """An upper bound on the bytes of ``explorer.html``: ~50 kB of page and script (with the tying-hands
    audience-cost panel, ~6 kB), and ~25
    bytes per stored number, every quantity stored over the whole grid (P(war) by round:
    ``rounds`` numbers per point; 8 numbers of credibility per sub-grid point)."""
    full = points ** n_axes
    per_point = 4 + rounds + 4 + 4  # stage (level, n_pure, 2 listed pairs), P(war) by round, shares
    return 50_000 + 25 * (full * per_point + credibility_points ** n_axes * 8)


def _num(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ConfigError(name, f"must be a finite number, got {v!r}")
    return float(v)


def _default_range(name: str, value: float, uncertain: Mapping[str, Any]) -> tuple[float, float]:
    u = uncertain.get(name)
    if u is not None:
        b = u.bounds
        if u.dist == "unif":
            return float(b[0]), float(b[1])
        if u.dist == "truncnorm":
            return float(b[0]), float(b[1])
        return float(b[0] - 2 * b[1]), float(b[0] + 2 * b[1])
    if name in _PROBABILITIES:
        return 0.0, min(1.0, max(2 * value, 0.3))
    if value == 0:
        return 0.0, 1.0
    return (0.0, 2 * value) if value > 0 else (2 * value, 0.0)


def _values(lo: float, hi: float, value: float, points: int) -> tuple[np.ndarray, int]:
    """``points`` values from lo to hi with the one nearest ``value`` replaced by it exactly."""
    lo, hi = min(lo, value), max(hi, value)
    v = np.linspace(lo, hi, points)
    i = int(np.argmin(np.abs(v - value)))
    v[i] = value
    return v, i


def _subgrid(initial: int, points: int, n: int) -> tuple[int, ...]:
    """``n`` indices of ``range(points)``, evenly spread, one of them ``initial``; when one must go,
    the one nearest ``initial`` goes (so two points are the scenario's and the far end)."""
    if n <= 0:
        return ()
    if n >= points:
        return tuple(range(points))
    cand = sorted({int(round(x)) for x in np.linspace(0, points - 1, n)} | {initial})
    while len(cand) > n:
        others = [c for c in cand if c != initial]
        cand.remove(min(others, key=lambda c: (abs(c - initial), -c)))
    return tuple(cand)


def validate_explorer(raw: Any, game_cfg: Mapping[str, Any], crisis, uncertain=(),
                      rounds: int | None = None) -> ExplorerConfig | None:
    """Check ``explorer:`` (None turns the page off) against the game config ``game_cfg``
    (point values), the run's crisis (a ``CrisisConfig`` or None) and its uncertain parameters."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError("explorer", f"must be a mapping of keys to values or null, got {type(raw).__name__}")
    allowed = ("params", "points", "credibility_points", "ranges", "max_mb")
    for key in raw:
        if key not in allowed:
            raise ConfigError(f"explorer.{key}", f"unknown key; allowed keys under 'explorer': {', '.join(allowed)}")
    points = raw.get("points", ExplorerConfig.points)
    if isinstance(points, bool) or not isinstance(points, int) or not 2 <= points <= MAX_POINTS:
        raise ConfigError("explorer.points", f"must be an integer in [2, {MAX_POINTS}], got {points!r}")
    cp = raw.get("credibility_points", ExplorerConfig.credibility_points)
    if isinstance(cp, bool) or not isinstance(cp, int) or not 0 <= cp <= points:
        raise ConfigError("explorer.credibility_points", f"must be an integer in [0, explorer.points = {points}] "
                                                         f"(0: no credibility), got {cp!r}")
    max_mb = _num("explorer.max_mb", raw.get("max_mb", ExplorerConfig.max_mb))
    if not 0 < max_mb <= 50:
        raise ConfigError("explorer.max_mb", f"must be in (0, 50] (megabytes), got {max_mb:g}")
    ranges = raw.get("ranges") or {}
    if not isinstance(ranges, Mapping):
        raise ConfigError("explorer.ranges", "must be a mapping of parameter -> [low, high]")

    name = game_cfg.get("name")
    numeric = {p: float(game_cfg[p]) for p in builder_parameters(name) if p != "K"
               and isinstance(game_cfg.get(p), (int, float)) and not isinstance(game_cfg.get(p), bool)}
    settings = {}
    if crisis is not None:
        cs = crisis.settings
        settings = {s: float(getattr(cs, s)) for s in SLIDER_SETTINGS
                    if isinstance(getattr(cs, s), (int, float)) and not isinstance(getattr(cs, s), bool)}
    available = {**numeric, **settings}
    given = raw.get("params")
    notes = []
    if given is None:
        wanted = DEFAULT_PARAMS.get(name) or (tuple(list(numeric)[:2]) + ("perception_noise",))
        params = [p for p in wanted if p in available]
        for p in wanted:
            if p not in available:
                notes.append(f"{p} has no slider: " + ("the run has no crisis" if p in SLIDER_SETTINGS and crisis is None
                                                      else "its value is not a single number"))
    else:
        if not isinstance(given, (list, tuple)) or not all(isinstance(p, str) for p in given):
            raise ConfigError("explorer.params", f"must be a list of parameter names or null, got {given!r}")
        for p in given:
            if p not in available:
                raise ConfigError("explorer.params", f"{p!r} cannot have a slider; allowed here: "
                                                     f"{', '.join(available) or 'none'}")
        if len(set(given)) != len(given):
            raise ConfigError("explorer.params", f"names a parameter twice: {list(given)!r}")
        params = list(given)
    if len(params) > MAX_AXES:
        raise ConfigError("explorer.params", f"at most {MAX_AXES} sliders, got {len(params)}")
    for key in ranges:
        if key not in params:
            raise ConfigError(f"explorer.ranges.{key}", f"is not a slider; sliders: {', '.join(params) or 'none'}")
    budget = int(max_mb * 1e6)
    need = explorer_bytes(len(params), points, rounds or 1, cp)
    if need > budget:
        raise ConfigError("explorer.points", f"{points} points on each of {len(params)} sliders make a page of about "
                                             f"{need / 1e6:.1f} MB, over explorer.max_mb = {max_mb:g} MB; use fewer "
                                             f"points or sliders, or raise explorer.max_mb")
    unc = {u.name: u for u in uncertain}
    axes = []
    for p in params:
        value = available[p]
        r = ranges.get(p)
        if r is not None:
            if not isinstance(r, (list, tuple)) or len(r) != 2:
                raise ConfigError(f"explorer.ranges.{p}", f"must be [low, high], got {r!r}")
            lo, hi = _num(f"explorer.ranges.{p}", r[0]), _num(f"explorer.ranges.{p}", r[1])
            if not lo < hi:
                raise ConfigError(f"explorer.ranges.{p}", f"needs low < high, got [{lo:g}, {hi:g}]")
        else:
            lo, hi = _default_range(p, value, unc)
        if p in _PROBABILITIES and not (0.0 <= lo and hi <= 1.0):
            raise ConfigError(f"explorer.ranges.{p}", f"is a probability: the range must lie in [0, 1], "
                                                      f"got [{lo:g}, {hi:g}]")
        values, initial = _values(lo, hi, value, points)
        axes.append(ExplorerAxis(p, "setting" if p in settings else "game", values, initial,
                                 _subgrid(initial, points, cp)))
    return ExplorerConfig(tuple(axes), points, cp, max_mb, tuple(notes))
