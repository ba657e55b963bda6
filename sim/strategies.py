"""Strategies as data: probabilistic finite-state automata over K rungs.

A :class:`Strategy` is

- ``initial``, shape ``(S,)``: distribution of the starting automaton state;
- ``action``, shape ``(S, K)``: in each state, the distribution of the rung the side
  *intends* to play;
- ``transition``, shape ``(S, K, K, S)``: ``transition[s, own, seen, s2]`` is the
  probability of moving from state ``s`` to ``s2`` after the side *carried out* rung
  ``own`` and *saw* the other side at rung ``seen`` (which, with perception noise, may
  differ from what the other side did).

Memory-one and memory-n tables, and every named strategy, are special cases.  The one
representation serves both the vectorised Monte-Carlo engine (table look-ups over arrays
of states) and the exact Markov analysis (the product of the two automata).

All tables are float64 and validated on construction: every row must be a probability
distribution (entries in [0, 1], summing to 1 within 1e-9), with a one-line
:class:`~sim.errors.ConfigError` naming the entry otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .errors import ConfigError

__all__ = ["Strategy"]

_SUM_TOL = 1e-9


def _check_distribution(field_name: str, arr: np.ndarray) -> None:
    """Entries in [0, 1] and last axis sums to 1, else a ConfigError naming the entry."""
    if not np.all(np.isfinite(arr)):
        raise ConfigError(field_name, "must contain finite probabilities")
    bad = np.argwhere((arr < 0) | (arr > 1))
    if len(bad):
        idx = tuple(int(i) for i in bad[0])
        raise ConfigError(field_name, f"entry {idx} is {arr[idx]:g}, not a probability in [0, 1]")
    sums = arr.sum(axis=-1)
    off = np.argwhere(np.abs(sums - 1) > _SUM_TOL)
    if len(off):
        idx = tuple(int(i) for i in off[0])
        raise ConfigError(field_name, f"row {idx} sums to {sums[idx]:.6g}; each row must sum to 1")


@dataclass(frozen=True, eq=False)
class Strategy:
    """A probabilistic finite-state automaton over K rungs (see module docstring).

    Attributes
    ----------
    name : str
        Registry name (or a user's name for a custom strategy).
    initial : ndarray (S,)
    action : ndarray (S, K)
    transition : ndarray (S, K, K, S)
    params : dict
        Arguments that rebuild it from the registry (``get(name, K=K, **params)``).
    state_labels : tuple of str
        Optional readable names of the S states.
    """

    name: str
    initial: np.ndarray
    action: np.ndarray
    transition: np.ndarray
    params: Mapping[str, Any] = field(default_factory=dict)
    state_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        init = np.asarray(self.initial, dtype=np.float64)
        act = np.asarray(self.action, dtype=np.float64)
        tr = np.asarray(self.transition, dtype=np.float64)
        if act.ndim != 2:
            raise ConfigError(f"strategy {self.name}.action", f"must have shape (states, K), got {act.shape}")
        S, K = act.shape
        if K < 2:
            raise ConfigError(f"strategy {self.name}.action", f"needs K >= 2 rungs, got {K}")
        if init.shape != (S,):
            raise ConfigError(f"strategy {self.name}.initial", f"must have shape ({S},), got {init.shape}")
        if tr.shape != (S, K, K, S):
            raise ConfigError(f"strategy {self.name}.transition", f"must have shape {(S, K, K, S)}, got {tr.shape}")
        _check_distribution(f"strategy {self.name}.initial", init)
        _check_distribution(f"strategy {self.name}.action", act)
        _check_distribution(f"strategy {self.name}.transition", tr)
        for a in (init, act, tr):
            a.setflags(write=False)
        object.__setattr__(self, "initial", init)
        object.__setattr__(self, "action", act)
        object.__setattr__(self, "transition", tr)
        object.__setattr__(self, "params", dict(self.params))
        labels = tuple(str(s) for s in self.state_labels) or tuple(f"s{i}" for i in range(S))
        if len(labels) != S:
            raise ConfigError(f"strategy {self.name}.state_labels", f"needs {S} labels, got {len(labels)}")
        object.__setattr__(self, "state_labels", labels)

    @property
    def n_states(self) -> int:
        return self.action.shape[0]

    @property
    def K(self) -> int:
        return self.action.shape[1]

    @property
    def stochastic(self) -> bool:
        """True if any choice or transition is random (classifier, as in axelrod)."""
        def det(a):
            return np.all((a == 0) | (a == 1))
        return not (det(self.initial) and det(self.action) and det(self.transition))

    def to_config(self) -> dict[str, Any]:
        """``{"name": ..., "K": ..., **params}``: the inverse of ``sim.strategies.get``."""
        return {"name": self.name, "K": self.K, **{k: (v.tolist() if isinstance(v, np.ndarray) else v)
                                                   for k, v in self.params.items()}}

    def __repr__(self) -> str:
        return f"Strategy({self.name!r}, K={self.K}, states={self.n_states}, params={dict(self.params)})"
