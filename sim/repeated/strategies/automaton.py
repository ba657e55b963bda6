"""The strategy automaton type and its validation (see :mod:`sim.repeated.strategies` for the model).

:class:`Strategy` holds ``initial (S,)``, ``action (S, K)`` and ``transition (S, K, K, S)``
tables, validated on construction.  The helpers here build deterministic automata from
Python rules (keeping only reachable states) for the named strategies in
:mod:`sim.repeated.strategies`; :func:`check_match` validates a game and a pair of strategies for
the engine and the Markov analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from sim.errors import ConfigError, check_distribution
from sim.limits import MAX_AUTOMATON_TABLE, check_rungs, max_automaton_states

__all__ = ["Strategy", "check_match"]

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
        check_distribution(f"strategy {self.name}.initial", init)
        check_distribution(f"strategy {self.name}.action", act)
        check_distribution(f"strategy {self.name}.transition", tr)
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
        """``{"name": ..., "K": ..., **params}``: the inverse of ``sim.repeated.strategies.get``."""
        return {"name": self.name, "K": self.K, **{k: (v.tolist() if isinstance(v, np.ndarray) else v)
                                                   for k, v in self.params.items()}}

    def __repr__(self) -> str:
        return f"Strategy({self.name!r}, K={self.K}, states={self.n_states}, params={dict(self.params)})"


# =========================================================================== helpers
def _check_K(K: Any) -> int:
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or int(K) < 2:
        raise ConfigError("strategy.K", f"must be an integer >= 2 (number of rungs), got {K!r}")
    return check_rungs(K, "strategy.K")  # at most sim.limits.MAX_RUNGS, before the K^4 tables exist


def _rung_param(name: str, value: Any, K: int, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= int(value) <= K - 1:
        raise ConfigError(f"strategy.{name}", f"must be an integer rung in [{low}, {K - 1}], got {value!r}")
    return int(value)


def _prob_param(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"strategy.{name}", f"must be a probability in [0, 1], got {value!r}") from None
    if not 0.0 <= v <= 1.0:
        raise ConfigError(f"strategy.{name}", f"must be a probability in [0, 1], got {v:g}")
    return v


def _deterministic(name: str, K: int, start, act: Callable[[Any], int],
                   step: Callable[[Any, int, int], Any], params: Mapping[str, Any],
                   label: Callable[[Any], str] = str) -> Strategy:
    """A deterministic automaton from Python rules, keeping only reachable states.

    ``start`` is the initial state (any hashable), ``act(state)`` its rung and
    ``step(state, own, seen)`` the next state.  States are discovered breadth first from
    ``start`` over every (own, seen) pair, so the tables hold exactly the reachable states.
    """
    index = {start: 0}
    order = [start]
    i = 0
    most = max_automaton_states(K)  # size check: stop the search before the tables would be too big
    while i < len(order):
        st = order[i]
        for own in range(K):
            for seen in range(K):
                nxt = step(st, own, seen)
                if nxt not in index:
                    index[nxt] = len(order)
                    order.append(nxt)
        if len(order) > most:
            shown = ", ".join(f"{k}={v}" for k, v in params.items() if k != "kind")
            raise ConfigError("strategy", f"{name}{' (' + shown + ')' if shown else ''} has more than {most} states "
                                                  f"at K = {K}, over the limit of {MAX_AUTOMATON_TABLE} table entries "
                                                  f"(sim.limits.MAX_AUTOMATON_TABLE); use smaller parameters or K")
        i += 1
    S = len(order)
    initial = np.zeros(S)
    initial[0] = 1.0
    action = np.zeros((S, K))
    transition = np.zeros((S, K, K, S))
    for s, st in enumerate(order):
        action[s, act(st)] = 1.0
        for own in range(K):
            for seen in range(K):
                transition[s, own, seen, index[step(st, own, seen)]] = 1.0
    return Strategy(name, initial, action, transition, params, tuple(label(st) for st in order))


def _rung_states(name: str, K: int, start: int, step: Callable[[int, int, int], int],
                 params: Mapping[str, Any]) -> Strategy:
    """Deterministic strategy whose state is the rung it will play next."""
    return _deterministic(name, K, start, lambda r: r, step, params, lambda r: f"play {r}")



def check_match(game, strategy_a: "Strategy", strategy_b: "Strategy") -> int:
    """Validate a game and two strategies for the repeated crisis; return K.

    The game must be square (K x K) and both strategies must have K rungs; used by the
    engine and the exact Markov analysis alike.
    """
    if not hasattr(game, "A") or not hasattr(game, "B"):
        raise ConfigError("game", f"must be a sim.games.Game, got {type(game).__name__}")
    ka, kb = np.shape(game.A)[-2:]
    if ka != kb:
        raise ConfigError("game", f"the repeated crisis needs a square K x K game, got {ka} x {kb}")
    for side, st in (("strategy_a", strategy_a), ("strategy_b", strategy_b)):
        if not isinstance(st, Strategy):
            raise ConfigError(side, f"must be a sim.repeated.strategies.Strategy, got {type(st).__name__}")
        if st.K != ka:
            raise ConfigError(side, f"strategy {st.name!r} has {st.K} rungs but the game has K = {ka}")
    return int(ka)
