"""Stage games of escalation: the :class:`Game` value and :func:`payoff_matrices`.

A :class:`Game` holds two payoff arrays ``A`` (side A, the row side, the first-named)
and ``B`` (side B, the column side), both of shape ``(..., K_A, K_B)``: leading
*batch* dimensions, then the two action (rung) dimensions.  ``A[..., x, y]`` is what
side A gets when A plays rung ``x`` and B plays rung ``y``.  Rung 0 is restraint;
rung ``K - 1`` the top of the ladder.

The named, parameterised builders and their registry live in :mod:`sim.games.builders`.

Units: payoffs are utilities per round of the crisis, on an interval scale chosen by
the user; only differences and ratios of differences matter for equilibria.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from sim.errors import ConfigError, as_float_array
from sim.limits import MAX_RUNGS

__all__ = ["Game", "payoff_matrices"]


# --------------------------------------------------------------------------- validation
def _probability(name: str, value: Any) -> np.ndarray:
    arr = as_float_array(name, value)
    if np.any((arr < 0) | (arr > 1)):
        bad = arr[(arr < 0) | (arr > 1)].ravel()[0]
        raise ConfigError(name, f"is a probability and must be in [0, 1], got {bad:g}")
    return arr


def _nonnegative(name: str, value: Any) -> np.ndarray:
    arr = as_float_array(name, value)
    if np.any(arr < 0):
        raise ConfigError(name, f"must be >= 0, got {arr[arr < 0].ravel()[0]:g}")
    return arr


def _labels(name: str, labels: Sequence[str] | None, k: int, default: Sequence[str]) -> tuple[str, ...]:
    if labels is None:
        return tuple(default)
    labels = tuple(str(s) for s in labels)
    if len(labels) != k:
        raise ConfigError(name, f"needs one label per rung ({k}), got {len(labels)}")
    return labels


def _default_labels(k: int) -> tuple[str, ...]:
    return ("restrain", "escalate") if k == 2 else tuple(f"rung {i}" for i in range(k))


# --------------------------------------------------------------------------- the value
@dataclass(frozen=True, eq=False)
class Game:
    """A (batch of) two-player normal-form game(s).

    Attributes
    ----------
    A, B : ndarray, float64, shape ``(..., K_A, K_B)``
        Stage payoffs of side A (rows) and side B (columns) of one round, *not* counting a
        slide into war (that is ``war_probability`` and ``war_payoff``).  Same shape.  The
        one-round normal form that equilibria, classification and figures analyse is
        :func:`payoff_matrices` (these plus the expected war payoff).
    sides : (str, str)
        Names of side A and side B.
    labels_a, labels_b : tuple of str
        Rung (action) labels, ``K_A`` and ``K_B`` of them.
    name : str
        Registry name of the builder that made it (``"matrix"`` for user matrices).
    params : dict
        The builder's arguments, so that ``build(**game.to_config())`` rebuilds it.
    war_probability : ndarray or None, shape ``(..., K_A, K_B)``
        Probability that a round played at ``(x, y)`` slides into war (ladder games).
    war_payoff : ndarray or None, shape ``(..., 2)``
        One-off payoff to (A, B) when war breaks out (paid in the round it breaks out, on
        top of that round's stage payoffs).
    """

    A: np.ndarray
    B: np.ndarray
    sides: tuple[str, str] = ("A", "B")
    labels_a: tuple[str, ...] = ()
    labels_b: tuple[str, ...] = ()
    name: str = "matrix"
    params: Mapping[str, Any] = field(default_factory=dict)
    war_probability: np.ndarray | None = None
    war_payoff: np.ndarray | None = None

    def __post_init__(self) -> None:
        A = as_float_array("A", self.A)
        B = as_float_array("B", self.B)
        if A.ndim < 2:
            raise ConfigError("A", f"must have at least 2 dimensions (..., K_A, K_B), got shape {A.shape}")
        if A.shape != B.shape:
            raise ConfigError("B", f"must have the same shape as A {A.shape}, got {B.shape}")
        if A.shape[-1] < 1 or A.shape[-2] < 1:
            raise ConfigError("A", f"needs at least one action per side, got shape {A.shape}")
        ka, kb = A.shape[-2:]
        if max(ka, kb) > MAX_RUNGS:
            raise ConfigError("A", f"{ka} x {kb} rungs is over the maximum of {MAX_RUNGS} rungs per side "
                                   "(sim.limits.MAX_RUNGS)")
        A.setflags(write=False)
        B.setflags(write=False)
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "B", B)
        object.__setattr__(self, "sides", tuple(str(s) for s in self.sides))
        if len(self.sides) != 2:
            raise ConfigError("sides", f"needs exactly two names, got {len(self.sides)}")
        if self.sides[0].strip().casefold() == self.sides[1].strip().casefold():
            raise ConfigError("sides", f"the two sides need different names, got {list(self.sides)!r}")
        object.__setattr__(self, "labels_a", _labels("labels_a", self.labels_a or None, ka, _default_labels(ka)))
        object.__setattr__(self, "labels_b", _labels("labels_b", self.labels_b or None, kb, _default_labels(kb)))
        object.__setattr__(self, "params", dict(self.params))

    # shapes ---------------------------------------------------------------
    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading batch dimensions, ``()`` for a single game."""
        return self.A.shape[:-2]

    @property
    def n_actions(self) -> tuple[int, int]:
        """``(K_A, K_B)``."""
        return self.A.shape[-2], self.A.shape[-1]

    @property
    def is_batch(self) -> bool:
        return self.A.ndim > 2

    def __getitem__(self, index) -> "Game":
        """Select games from the batch with numpy indexing over the batch dimensions."""
        if not self.is_batch:
            raise IndexError("a single game has no batch dimensions to index")
        idx = index if isinstance(index, tuple) else (index,)
        full = idx + (slice(None), slice(None))
        bs = self.batch_shape
        params = {}
        for k, v in self.params.items():
            arr = np.asarray(v) if not isinstance(v, (str, tuple)) else np.asarray(None)
            sub = None
            if arr.dtype.kind in "fiub" and 0 < arr.ndim <= len(bs):
                try:
                    sub = np.broadcast_to(arr, bs)[idx]  # a batched scalar parameter
                except ValueError:
                    sub = None
            elif arr.dtype.kind in "fiub" and arr.ndim > len(bs) and arr.shape[:len(bs)] == bs:
                sub = arr[idx]  # batched matrices (from_matrices)
            if sub is None:
                params[k] = v
            else:
                params[k] = sub.item() if np.ndim(sub) == 0 else (sub.tolist() if isinstance(v, list) else sub)
        wp = None if self.war_probability is None else np.broadcast_to(self.war_probability, self.A.shape)[full]
        wpay = None if self.war_payoff is None else np.broadcast_to(self.war_payoff, bs + (2,))[idx + (slice(None),)]
        return Game(self.A[full], self.B[full], self.sides, self.labels_a, self.labels_b, self.name, params, wp, wpay)

    def to_config(self) -> dict[str, Any]:
        """The builder name and arguments (arrays as lists): the inverse of :func:`build`."""
        out: dict[str, Any] = {"name": self.name}
        for k, v in self.params.items():
            out[k] = v.tolist() if isinstance(v, np.ndarray) else v
        from sim.games.builders import GAMES  # the registry builds Games: imported here, not at the top

        accepted = inspect.signature(GAMES[self.name]).parameters if self.name in GAMES else {}
        if "sides" in accepted:
            out["sides"] = list(self.sides)
        if "labels" in accepted:
            out["labels"] = list(self.labels_a)
        if "labels_a" in accepted:
            out["labels_a"], out["labels_b"] = list(self.labels_a), list(self.labels_b)
        return out

    def payoffs(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected one-round payoffs ``x @ A_e @ y`` and ``x @ B_e @ y`` of mixed strategies,
        with ``(A_e, B_e) = payoff_matrices(self)`` (war risk included).

        ``x`` has shape ``(..., K_A)``, ``y`` shape ``(..., K_B)``; broadcasts with the batch.
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        A, B = payoff_matrices(self)
        ua = np.einsum("...i,...ij,...j->...", x, A, y)
        ub = np.einsum("...i,...ij,...j->...", x, B, y)
        return ua, ub

    def __repr__(self) -> str:  # short: batches can be huge
        return (f"Game(name={self.name!r}, sides={self.sides}, batch_shape={self.batch_shape}, "
                f"n_actions={self.n_actions})")


def payoff_matrices(game) -> tuple[np.ndarray, np.ndarray]:
    """The one-round normal form ``(A_e, B_e)`` of a :class:`Game` or of a pair ``(A, B)``.

    For a game with war risk, ``A_e = A + war_probability * war_payoff[..., 0]`` (and
    ``B_e`` with ``war_payoff[..., 1]``): the stage payoffs plus the expected payoff of a
    slide into war this round (Schelling 1960, ch. 8; Powell 1990).  Without war risk, and
    for a pair of matrices, the payoffs themselves (as float64 arrays).  This is the one
    place where a game becomes matrices: equilibria, classification, QRE, tournaments and
    figures all read it; the repeated crisis reads ``A``, ``B`` and the war terms apart.

    Returns
    -------
    (ndarray, ndarray), each of shape ``(..., K_A, K_B)``, float64
    """
    if isinstance(game, Game):
        A, B = game.A, game.B
        if game.war_probability is None or game.war_payoff is None:
            return A, B
        p, w = game.war_probability, np.asarray(game.war_payoff, dtype=np.float64)
        return A + p * w[..., 0, None, None], B + p * w[..., 1, None, None]
    if hasattr(game, "A") and hasattr(game, "B"):
        return np.asarray(game.A, dtype=np.float64), np.asarray(game.B, dtype=np.float64)
    try:
        A, B = (np.asarray(m, dtype=np.float64) for m in game)
    except (TypeError, ValueError):
        raise ConfigError("game", "must be a Game or a pair (A, B) of payoff matrices") from None
    return A, B
