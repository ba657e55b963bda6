"""The settings of a repeated crisis, validated once: :class:`CrisisSettings`, and :class:`Ending`.

Every entry to the repeated crisis (``simulate``, ``analyse``, ``product_chain``,
``round_robin``, ``grid_sweep`` and the configs of the entry points) takes its rounds,
discount, noise, war-risk scale, settlement and mediation rules from one
:class:`CrisisSettings`.  It is checked when it is made; the kernels trust it.  Semantics of
each field in ``docs/repeated-model.md``.

A crisis that is still going on is *active*; it can end in one of three absorbing ways,
always listed in the :class:`Ending` order: war, settlement, mediation.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Mapping

import numpy as np

from sim.errors import ConfigError
from sim.repeated.strategies.noise import side_noise

__all__ = ["CrisisSettings", "Ending", "ENDINGS", "MAX_ROUNDS", "MAX_SETTLE_AFTER", "TIMINGS"]

#: The move orders of a round: both sides at once, or side A moves and side B answers.
TIMINGS: tuple[str, ...] = ("simultaneous", "alternating")

#: Largest horizon accepted (rounds of one crisis).  Per-round outputs are (..., T, 2, K).
MAX_ROUNDS = 100_000
#: Largest settlement run m; the exact analysis carries an m-valued counter per state pair.
MAX_SETTLE_AFTER = 10_000


class Ending(IntEnum):
    """How a crisis ended; ``ACTIVE`` while it goes on.  The one order used everywhere:
    the ``exits`` columns of the Markov chain are ``Ending - 1``, the Monte-Carlo engine
    stores these codes per path, and reports list endings in this order."""

    ACTIVE = 0
    WAR = 1
    SETTLED = 2
    MEDIATED = 3


#: Names of the three endings in :class:`Ending` order (``exits[..., i]`` is ``ENDINGS[i]``).
ENDINGS: tuple[str, ...] = tuple(e.name.lower() for e in Ending if e is not Ending.ACTIVE)


def _integer(name: str, value: Any, low: int, high: int) -> int:
    """An integer (or an integer-valued float such as ``10.0``) in [low, high]."""
    ok = not isinstance(value, bool) and isinstance(value, (int, np.integer, float, np.floating)) \
        and math.isfinite(value) and float(value).is_integer() and low <= int(value) <= high
    if not ok:
        raise ConfigError(name, f"must be an integer in [{low}, {high}], got {value!r}")
    return int(value)


def _finite(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise ConfigError(name, f"must be a finite number, got {value!r}")
    return float(value)


def _noise(name: str, value: Any) -> Any:
    """A noise spec as plain data: a rate, a pair of rates, a matrix or a pair of them (each
    side's part may differ in form: ``(0.1, [[...], [...]])``), as floats and nested tuples so
    that settings compare and hash by value.  Rates and entries are checked to lie in [0, 1] here;
    matrix shapes and row sums against K in :meth:`CrisisSettings.noise`."""
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(np.ndim(s) in (0, 2) for s in value):
        return tuple(_noise(f"{name}[{i}]", v) for i, v in enumerate(value))  # (side A, side B)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(name, "must be a rate in [0, 1], a pair of rates, a K x K confusion matrix "
                                "or a pair of them") from None
    if arr.ndim not in (0, 2) and not (arr.ndim == 3 and arr.shape[0] == 2):
        raise ConfigError(name, f"must be a rate, a pair of rates, a K x K matrix or a pair of them, "
                                f"got shape {arr.shape}")
    if arr.ndim == 3:
        return tuple(_noise(f"{name}[{i}]", v) for i, v in enumerate(arr.tolist()))
    if not np.all(np.isfinite(arr)) or np.any((arr < 0) | (arr > 1)):
        raise ConfigError(name, "rates and matrix entries must be probabilities in [0, 1]")
    return float(arr) if arr.ndim == 0 else tuple(tuple(row) for row in arr.tolist())


@dataclass(frozen=True)
class CrisisSettings:
    """How one repeated crisis is played (``docs/repeated-model.md``).

    Attributes
    ----------
    rounds : int in [1, MAX_ROUNDS] or None
        Horizon T.  ``None`` is the long run (exact analysis only).
    discount : float in (0, 1]
        Round t's payoffs are weighted by ``discount ** (t - 1)``.
    execution_noise, perception_noise : rate, pair of rates, (K, K) matrix or pair of them
        Per side (one value applies to both).  A rate e: with probability e the result is a
        uniformly random other rung (a flip for K = 2, as in axelrod); a matrix is
        ``M[true, result]`` (see :func:`sim.repeated.strategies.biased_noise`).
    settle_after : int in [1, MAX_SETTLE_AFTER] or None
        Settled after this many consecutive rounds with both executed rungs at 0.
    mediation, mediation_slope : float
        A third party ends the crisis after a round with probability
        ``min(1, mediation + mediation_slope * max(x, y) / (K - 1))``; ``mediation`` is in
        [0, 1] and the probability must be >= 0 at the top rung.
    war_risk_scale : float >= 0
        Multiplies the game's war probabilities (the product must stay <= 1; checked
        against the game by :meth:`war_probability`).
    timing : "simultaneous" or "alternating"
        ``"simultaneous"``: in each round both sides pick a rung at once.  ``"alternating"``:
        the sides take turns, side A first; each round one side moves (a strike, then the
        answer), seeing the rung pair that stands, and the other side's rung stays.  Payoffs,
        war risk, mediation, settlement and discounting apply to the pair that stands after
        each move, so ``rounds`` counts moves (``docs/repeated-model.md``, "Timing").
    first_mover : "a" or "b"
        Under alternating timing, the side that moves in round 1 (and every odd round); e.g.
        ``opening=(4, 0), first_mover="b"``: A has struck at rung 4 and B answers first.
        Ignored under simultaneous timing.
    opening : (rung_a, rung_b) or None
        The rung pair that stands when the crisis opens (the trigger, e.g. ``(4, 0)``: side A
        has struck at rung 4).  Each side's automaton first observes it (as it observes a
        round: its own rung, the other's through perception noise; under alternating timing
        only the first mover does, the other side holds its opening rung until it answers);
        an opening ``(0, 0)`` counts as one round towards ``settle_after``.  ``None``: no
        history; the first mover plays its automaton's first rung, and under alternating
        timing the other side's standing rung before its first answer is 0.  Checked against
        K by :meth:`opening_pair`.
    """

    rounds: int | None = None
    discount: float = 1.0
    execution_noise: Any = 0.0
    perception_noise: Any = 0.0
    settle_after: int | None = None
    mediation: float = 0.0
    mediation_slope: float = 0.0
    war_risk_scale: float = 1.0
    timing: str = "simultaneous"
    opening: tuple[int, int] | None = None
    first_mover: str = "a"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.rounds is not None:
            set_(self, "rounds", _integer("rounds", self.rounds, 1, MAX_ROUNDS))
        if self.settle_after is not None:
            set_(self, "settle_after", _integer("settle_after", self.settle_after, 1, MAX_SETTLE_AFTER))
        for name in ("discount", "mediation", "mediation_slope", "war_risk_scale"):
            set_(self, name, _finite(name, getattr(self, name)))
        if not 0.0 < self.discount <= 1.0:
            raise ConfigError("discount", f"must be in (0, 1], got {self.discount:g}")
        if not 0.0 <= self.mediation <= 1.0:
            raise ConfigError("mediation", f"is a probability and must be in [0, 1], got {self.mediation:g}")
        if self.mediation + min(self.mediation_slope, 0.0) < 0.0:
            raise ConfigError("mediation_slope", f"mediation + mediation_slope must be >= 0 (a probability), "
                                                 f"got {self.mediation + self.mediation_slope:g}")
        if self.war_risk_scale < 0:
            raise ConfigError("war_risk_scale", f"must be >= 0, got {self.war_risk_scale:g}")
        if self.timing not in TIMINGS:
            raise ConfigError("timing", f"must be one of {', '.join(TIMINGS)}, got {self.timing!r}")
        if self.first_mover not in ("a", "b"):
            raise ConfigError("first_mover", f"must be 'a' or 'b', got {self.first_mover!r}")
        if self.opening is not None:
            op = self.opening
            if not isinstance(op, (list, tuple)) or len(op) != 2:
                raise ConfigError("opening", f"must be a rung pair [rung_a, rung_b] or null, got {op!r}")
            set_(self, "opening", tuple(_integer(f"opening[{i}]", r, 0, 10 ** 6) for i, r in enumerate(op)))
            if self.opening == (0, 0) and self.settle_after == 1:
                raise ConfigError("opening", "(0, 0) with settle_after = 1 is already settled")
        set_(self, "execution_noise", _noise("execution_noise", self.execution_noise))
        set_(self, "perception_noise", _noise("perception_noise", self.perception_noise))

    # construction ----------------------------------------------------------
    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> "CrisisSettings":
        """Settings from a plain mapping of field names (unknown keys: one-line error)."""
        raw = dict(raw or {})
        known = {f.name for f in dataclasses.fields(cls)}
        for key in raw:
            if key not in known:
                raise ConfigError(key, f"is not a crisis setting; allowed: {', '.join(sorted(known))}")
        return cls(**raw)

    @classmethod
    def resolve(cls, settings: "CrisisSettings | Mapping[str, Any] | None" = None, **overrides: Any) -> "CrisisSettings":
        """``settings`` (a CrisisSettings, a mapping or None) with the keyword ``overrides``
        that are not None applied: what every public entry point calls, so that
        ``simulate(..., settings=s)`` and ``simulate(..., rounds=10, discount=0.9)`` mean the same."""
        base = settings if isinstance(settings, CrisisSettings) else cls.from_mapping(settings)
        given = {k: v for k, v in overrides.items() if v is not None}
        return dataclasses.replace(base, **given) if given else base

    def to_dict(self) -> dict[str, Any]:
        """Plain field values (the inverse of :meth:`from_mapping`)."""
        return dataclasses.asdict(self)

    # what the kernels need ---------------------------------------------------
    def noise(self, K: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """``((E_a, E_b), (P_a, P_b))``: each side's execution and perception confusion
        matrices ``M[true, result]``, each ``(K, K)``, row-stochastic."""
        return (side_noise(K, self.execution_noise, "execution_noise"),
                side_noise(K, self.perception_noise, "perception_noise"))

    def opening_pair(self, K: int) -> tuple[int, int] | None:
        """The opening rung pair, checked against K (one-line ``ConfigError``), or None."""
        if self.opening is not None and max(self.opening) > K - 1:
            raise ConfigError("opening", f"rungs must be in [0, {K - 1}], got {list(self.opening)}")
        return self.opening

    @property
    def alternating(self) -> bool:
        """Whether the sides take turns (``timing == "alternating"``)."""
        return self.timing == "alternating"

    @property
    def first(self) -> int:
        """The side that moves first under alternating timing: 0 (A) or 1 (B)."""
        return 0 if self.first_mover == "a" else 1

    def mediation_table(self, K: int) -> np.ndarray:
        """``mu[x, y] = min(1, mediation + mediation_slope * max(s_x, s_y))`` with ``s = rung / (K - 1)``,
        shape (K, K); never negative (checked at construction)."""
        s = np.arange(K, dtype=float) / (K - 1)
        return np.minimum(1.0, self.mediation + self.mediation_slope * np.maximum(s[:, None], s[None, :]))

    def war_probability(self, war_probability: np.ndarray) -> np.ndarray:
        """The game's per-round war probabilities times ``war_risk_scale``, checked <= 1."""
        scaled = self.war_risk_scale * np.asarray(war_probability, dtype=float)
        if np.any(scaled > 1 + 1e-12):
            raise ConfigError("war_risk_scale", f"war_risk_scale * war_probability must be <= 1, "
                                                f"got {scaled.max():g}")
        return np.minimum(scaled, 1.0)
