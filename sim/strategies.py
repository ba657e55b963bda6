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

Building strategies
-------------------
- :func:`get` (``get("tit_for_tat", K=5)``) builds a named strategy from :data:`REGISTRY`;
  :meth:`Strategy.to_config` gives back ``{"name": ..., "K": ..., **params}``.
- :func:`memory_one`, :func:`memory_n`, :func:`automaton` build user-defined strategies;
  :func:`load` reads a YAML file or dict spec (``configs/strategy/*.yaml``) into one.
- :func:`noise_matrix` and :func:`biased_noise` build the execution / perception confusion
  matrices of ``docs/repeated-model.md``.

Conventions shared by the named strategies: ``own`` is the rung the side *carried out*
(after execution noise, as in axelrod, where a flipped move enters the player's own
history) and ``seen`` the rung it *saw* the other side at.  Every named strategy is
deterministic except ``generous_tit_for_tat`` and ``random``.  For K = 2, tit_for_tat,
grim_trigger, always_restrain, always_escalate, alternator, tit_for_two_tats,
win_stay_lose_shift and suspicious_tit_for_tat reproduce axelrod's TitForTat, Grudger,
Cooperator, Defector, Alternator, TitFor2Tats, WinStayLoseShift and SuspiciousTitForTat
move for move, and generous_tit_for_tat matches GTFT in distribution (``tests/test_engine.py``).
Deterministic automata keep only their reachable states.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .errors import ConfigError

__all__ = ["Strategy", "REGISTRY", "get", "names", "memory_one", "memory_n", "automaton", "load",
           "noise_matrix", "biased_noise", "side_noise", "check_match"]

_SUM_TOL = 1e-9


def _check_distribution(field_name: str, arr: np.ndarray) -> None:
    """Entries in [0, 1] and last axis sums to 1, else a ConfigError naming the entry."""
    _check_probabilities(field_name, arr)
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


# =========================================================================== helpers
def _check_K(K: Any) -> int:
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or int(K) < 2:
        raise ConfigError("strategy.K", f"must be an integer >= 2 (number of rungs), got {K!r}")
    return int(K)


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
    while i < len(order):
        st = order[i]
        for own in range(K):
            for seen in range(K):
                nxt = step(st, own, seen)
                if nxt not in index:
                    index[nxt] = len(order)
                    order.append(nxt)
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


# =========================================================================== named strategies
def always_restrain(K: int = 2) -> Strategy:
    """Always rung 0.  axelrod ``Cooperator``.  One state."""
    return _rung_states("always_restrain", K, 0, lambda r, own, seen: 0, {})


def always_escalate(K: int = 2, rung: int | None = None) -> Strategy:
    """Always ``rung`` (default the top rung ``K - 1``).  axelrod ``Defector`` for K = 2.  One state."""
    params = {} if rung is None else {"rung": rung}
    r = K - 1 if rung is None else _rung_param("rung", rung, K, low=1)
    return _rung_states("always_escalate", K, r, lambda s, own, seen: r, params)


def tit_for_tat(K: int = 2, start: int = 0) -> Strategy:
    """Tit for tat (Rapoport; Axelrod 1984): start at rung ``start`` (default 0), then answer
    at the rung the other side was seen at last.  axelrod ``TitForTat`` for K = 2.  K states
    ("play r")."""
    params = {} if start == 0 else {"start": start}
    r0 = _rung_param("start", start, K)
    return _rung_states("tit_for_tat", K, r0, lambda r, own, seen: seen, params)


def grim_trigger(K: int = 2, rung: int | None = None) -> Strategy:
    """Grim trigger (Friedman 1971; axelrod ``Grudger``): restrain until the other side is
    seen at any rung > 0, then play ``rung`` (default the top rung) forever.  Two states."""
    params = {} if rung is None else {"rung": rung}
    top = K - 1 if rung is None else _rung_param("rung", rung, K, low=1)
    return _deterministic("grim_trigger", K, "calm", lambda st: 0 if st == "calm" else top,
                          lambda st, own, seen: "triggered" if (st == "triggered" or seen > 0) else "calm", params)


def _gtft_g(R=None, S=None, T=None, P=None) -> float:
    R, S, T, P = (3.0 if R is None else float(R), 0.0 if S is None else float(S),
                  5.0 if T is None else float(T), 1.0 if P is None else float(P))
    if not (R > S and T > P):
        raise ConfigError("strategy.R", "generous_tit_for_tat needs R > S and T > P to compute g, "
                                        f"got R={R:g}, S={S:g}, T={T:g}, P={P:g}")
    g = min(1 - (T - R) / (R - S), (R - P) / (T - P))
    if not 0.0 <= g <= 1.0:
        raise ConfigError("strategy.g", f"min(1 - (T-R)/(R-S), (R-P)/(T-P)) = {g:g} is not in [0, 1] "
                                        "for these payoffs; give g")
    return g


def generous_tit_for_tat(K: int = 2, g: float | None = None, R: float | None = None, S: float | None = None,
                         T: float | None = None, P: float | None = None) -> Strategy:
    """Generous tit for tat (Nowak and Sigmund 1992; axelrod ``GTFT``).

    Starts at rung 0.  After seeing the other side at rung 0, plays 0; after seeing it at
    rung r > 0, forgives (plays 0) with probability ``g`` and otherwise answers at r.  The
    default ``g = min(1 - (T - R)/(R - S), (R - P)/(T - P))`` is Nowak and Sigmund's bound for
    the Prisoner's Dilemma, computed from ``R, S, T, P`` (default (3, 0, 5, 1): g = 1/3), the
    same formula axelrod's ``GTFT`` uses; for K = 2 this is the memory-one vector
    ``(1, g, 1, g)``.  K states ("play r").
    """
    params = {k: v for k, v in dict(g=g, R=R, S=S, T=T, P=P).items() if v is not None}
    gg = _prob_param("g", g) if g is not None else _gtft_g(R, S, T, P)
    initial = np.eye(K)[0]
    action = np.eye(K)
    transition = np.zeros((K, K, K, K))
    for seen in range(K):
        if seen == 0:
            transition[:, :, 0, 0] = 1.0
        else:
            transition[:, :, seen, 0] += gg
            transition[:, :, seen, seen] += 1 - gg
    return Strategy("generous_tit_for_tat", initial, action, transition, params,
                    tuple(f"play {r}" for r in range(K)))


def win_stay_lose_shift(K: int = 2) -> Strategy:
    """Win-stay lose-shift, Pavlov (Kraines and Kraines 1989; Nowak and Sigmund 1993).

    Starts at 0.  A round is a *win* when the other side was seen at rung 0: then repeat the
    own (carried-out) rung.  Otherwise it is a *loss*: shift, from rung 0 up to the rung
    seen, from any rung > 0 back down to 0 (mutual escalation is a loss both want to leave).
    For K = 2 this is exactly axelrod's ``WinStayLoseShift`` (memory-one ``(1, 0, 0, 1)``).
    K states ("play r").
    """
    return _rung_states("win_stay_lose_shift", K, 0,
                        lambda r, own, seen: own if seen == 0 else (seen if own == 0 else 0), {})


def tit_for_two_tats(K: int = 2) -> Strategy:
    """Tit for two tats (J. Maynard Smith in Axelrod 1984; axelrod ``TitFor2Tats``).

    Escalates only after seeing escalation twice in a row: plays the lower of the last two
    rungs seen (rung 0 in the first two rounds).  For K = 2: defect only after two
    defections in a row.  States "(last seen, play)", K (K + 1) / 2 of them.
    """
    return _deterministic("tit_for_two_tats", K, (0, 0), lambda st: st[1],
                          lambda st, own, seen: (seen, min(st[0], seen)), {},
                          lambda st: f"seen {st[0]}, play {st[1]}")


def suspicious_tit_for_tat(K: int = 2, start: int = 1) -> Strategy:
    """Suspicious tit for tat (Beaufils et al. 1997 "mistrust"; axelrod ``SuspiciousTitForTat``).

    Tit for tat that opens escalated, at rung ``start`` (default 1: a probe one rung up;
    for K = 2 the axelrod opening defection).  K states ("play r")."""
    params = {} if start == 1 else {"start": start}
    r0 = _rung_param("start", start, K, low=1)
    return _rung_states("suspicious_tit_for_tat", K, r0, lambda r, own, seen: seen, params)


def alternator(K: int = 2, rung: int = 1) -> Strategy:
    """Alternator (Axelrod 1984; axelrod ``Alternator``): 0, rung, 0, rung, ... (default
    rung 1).  Like axelrod it alternates on its *own carried-out* move: after carrying out
    rung 0 it plays ``rung``, after anything else 0.  Starts at 0.  Two states."""
    params = {} if rung == 1 else {"rung": rung}
    hi = _rung_param("rung", rung, K, low=1)
    return _rung_states("alternator", K, 0, lambda r, own, seen: hi if own == 0 else 0, params)


def random(K: int = 2, probabilities: Sequence[float] | None = None) -> Strategy:
    """Random (axelrod ``Random``): every round a rung drawn from ``probabilities``
    (default uniform over the K rungs), independently of history.  One state."""
    params = {} if probabilities is None else {"probabilities": list(map(float, probabilities))}
    if probabilities is None:
        p = np.full(K, 1.0 / K)
    else:
        p = np.asarray(probabilities, dtype=float)
        if p.shape != (K,):
            raise ConfigError("strategy.probabilities", f"needs {K} probabilities (one per rung), got shape {p.shape}")
        _check_distribution("strategy.probabilities", p)
    return Strategy("random", [1.0], p[None, :], np.ones((1, K, K, 1)), params, ("random",))


def graduated_response(K: int = 2, step: int = 1, start: int = 0) -> Strategy:
    """Graduated response, "match plus one": answer ``step`` rungs above the rung seen
    (capped at the top rung); rung 0 when the other side was seen at 0.

    The climb of one rung a round reported for the India-Pakistan crisis of May 2025, and
    Kahn's (1965) escalation ladder, where each side seeks escalation dominance.  For K = 2 it
    is tit for tat.  ``start`` is the opening rung (e.g. 4 for a crisis that opens with a
    strike).  K states ("play r")."""
    params = ({} if step == 1 else {"step": step}) | ({} if start == 0 else {"start": start})
    r0 = _rung_param("start", start, K)
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
        raise ConfigError("strategy.step", f"must be an integer >= 0, got {step!r}")
    return _rung_states("graduated_response", K, r0,
                        lambda r, own, seen: 0 if seen == 0 else min(K - 1, seen + int(step)), params)


def proportional_response(K: int = 2, ratio: float = 1.0) -> Strategy:
    """Proportional response (the proportionality principle of the law of armed conflict,
    Additional Protocol I, art. 51(5)(b); "in kind"): answer at ``round(ratio * seen)``
    (halves rounded up, capped at the top rung).  With the default ratio 1 it is tit for
    tat.  K states ("play r")."""
    params = {} if ratio == 1.0 else {"ratio": ratio}
    try:
        q = float(ratio)
    except (TypeError, ValueError):
        raise ConfigError("strategy.ratio", f"must be a number >= 0, got {ratio!r}") from None
    if not np.isfinite(q) or q < 0:
        raise ConfigError("strategy.ratio", f"must be a number >= 0, got {ratio!r}")
    return _rung_states("proportional_response", K, 0,
                        lambda r, own, seen: min(K - 1, int(np.floor(q * seen + 0.5))), params)


def overwhelming_response(K: int = 2) -> Strategy:
    """Overwhelming response (massive retaliation, Dulles 1954; Weinberger-Powell doctrine):
    answer any escalation with the top rung; return to 0 as soon as the other side is seen
    at 0.  For K = 2 it is tit for tat.  Two states."""
    return _rung_states("overwhelming_response", K, 0, lambda r, own, seen: K - 1 if seen > 0 else 0, {})


def grit(K: int = 2, period: int = 3) -> Strategy:
    """GRIT, graduated and reciprocated initiatives in tension reduction (Osgood 1962).

    State: the rung ``c`` GRIT is at, a counter ``j`` and a flag ``g`` = "stepped down last
    round".  Starts at 0.  After a round in which the other side was seen at rung r:

    1. r == 0 (restraint): step down one rung (reciprocate), counter reset;
    2. r > c + g (escalation above the rung GRIT is at, or was at the round before if it
       has just stepped down; the other side's move answers GRIT's previous one): match r;
    3. otherwise hold, and every ``period`` rounds of holding take a unilateral
       de-escalation step of one rung (Osgood's announced initiative), counter reset.

    For K = 2, GRIT retaliates like tit for tat but periodically offers restraint to a
    defector.  At most 2 K ``period`` states (only reachable ones are kept).
    """
    params = {} if period == 3 else {"period": period}
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 1:
        raise ConfigError("strategy.period",
                          f"must be an integer >= 1 (rounds between unilateral steps), got {period!r}")
    period = int(period)

    def step(st, own, seen):
        c, j, g = st
        if seen == 0:
            return (max(c - 1, 0), 0, int(c > 0))
        if seen > c + g:
            return (seen, 0, 0)
        if j + 1 >= period and c > 0:
            return (c - 1, 0, 1)
        return (c, min(j + 1, period - 1), 0)

    return _deterministic("grit", K, (0, 0, 0), lambda st: st[0], step, params,
                          lambda st: f"at {st[0]}, held {st[1]}" + (", just stepped down" if st[2] else ""))


def conditional_deescalation(K: int = 2) -> Strategy:
    """Conditional de-escalation: the policy Pakistan's defence minister Khawaja Asif stated
    on Bloomberg Television after India's strikes of 7 May 2025 (never initiate anything
    hostile; respond if attacked; "wrap up this tension" if India backs down).

    Never initiate: rung 0 while the other side is seen at 0.  Answer an attack in kind: play
    the rung seen.  Step down as soon as the other side steps down: when the rung seen drops,
    drop to it.  Under this model's information (one round of observation, one rung played)
    these three rules are exactly tit for tat on K rungs; the strategy is named separately
    because scenarios cite it as a stated policy.  K states ("play r").
    """
    return _rung_states("conditional_deescalation", K, 0, lambda r, own, seen: seen, {})


REGISTRY: dict[str, Callable[..., Strategy]] = {
    "always_restrain": always_restrain,
    "always_escalate": always_escalate,
    "tit_for_tat": tit_for_tat,
    "grim_trigger": grim_trigger,
    "generous_tit_for_tat": generous_tit_for_tat,
    "win_stay_lose_shift": win_stay_lose_shift,
    "tit_for_two_tats": tit_for_two_tats,
    "suspicious_tit_for_tat": suspicious_tit_for_tat,
    "alternator": alternator,
    "random": random,
    "graduated_response": graduated_response,
    "proportional_response": proportional_response,
    "overwhelming_response": overwhelming_response,
    "grit": grit,
    "conditional_deescalation": conditional_deescalation,
}
"""Named strategies: ``name -> builder(K, **params)``.  See each builder's docstring for
its source, its generalisation to K rungs and its states."""


def names() -> list[str]:
    """The registered strategy names, sorted."""
    return sorted(REGISTRY)


def _parameters(name: str) -> list[str]:
    return [p for p in inspect.signature(REGISTRY[name]).parameters if p != "K"]


def get(name: str, K: int = 2, **params) -> Strategy:
    """Build a named strategy: ``get("grit", K=5, period=4)``.

    Unknown names and parameters raise a one-line :class:`ConfigError` listing what is allowed.
    """
    if name not in REGISTRY:
        raise ConfigError("strategy.name", f"unknown strategy {name!r}; allowed: {', '.join(names())}")
    allowed = _parameters(name)
    for key in params:
        if key not in allowed:
            what = f"allowed: {', '.join(allowed)}" if allowed else "it takes no parameters"
            raise ConfigError(f"strategy.{key}", f"is not a parameter of strategy {name!r}; {what}")
    return REGISTRY[name](_check_K(K), **params)


# =========================================================================== user-defined
def _check_probabilities(field_name: str, arr: np.ndarray) -> None:
    """Every entry a probability in [0, 1], else a ConfigError naming the entry."""
    if not np.all(np.isfinite(arr)):
        raise ConfigError(field_name, "must contain finite probabilities")
    bad = np.argwhere((arr < 0) | (arr > 1))
    if len(bad):
        idx = tuple(int(i) for i in bad[0])
        raise ConfigError(field_name, f"entry {idx} is {arr[idx]:g}, not a probability in [0, 1]")


def _initial_rungs(initial: Any, K: int, field_name: str) -> np.ndarray:
    """The first-round rung distribution: a restraint probability (K = 2) or K probabilities."""
    try:
        arr = np.asarray(initial, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(field_name, f"must be a probability or {K} probabilities, got {initial!r}") from None
    if arr.ndim == 0:
        _check_probabilities(field_name, arr[None])
        q = float(arr)
        if K == 2:
            return np.array([q, 1.0 - q])
        if q == 1.0:
            return np.eye(K)[0]
        raise ConfigError(field_name, f"for K = {K} give {K} probabilities of the first rung, not one number")
    if arr.shape != (K,):
        raise ConfigError(field_name, f"needs {K} probabilities (one per rung), got shape {arr.shape}")
    _check_distribution(field_name, arr)
    return arr


def memory_one(p, K: int = 2, initial: Any = 1.0, name: str = "memory_one") -> Strategy:
    """A memory-one strategy: the next rung depends only on the last round (own, seen).

    Parameters
    ----------
    p : array_like
        K = 2: the four probabilities of *restraint* after (restrain, restrain),
        (restrain, strike), (strike, restrain), (strike, strike), own move first, as in
        Press and Dyson (2012) and axelrod's ``MemoryOnePlayer`` (TFT = (1, 0, 1, 0),
        WSLS = (1, 0, 0, 1)).  Any K: a ``(K, K, K)`` table ``p[own, seen, next]`` of
        next-rung distributions.
    initial : float or array_like
        First-round restraint probability (K = 2; default 1), or K probabilities of the
        first rung.
    States: K ("play r"); the state is the rung drawn for the next round.
    """
    K = _check_K(K)
    arr = np.asarray(p, dtype=float)
    if K == 2 and arr.shape == (4,):
        _check_probabilities(f"strategy {name}.p", arr)
        q = arr.reshape(2, 2)
        table = np.stack([q, 1 - q], -1)
    elif arr.shape == (K, K, K):
        _check_distribution(f"strategy {name}.p", arr)
        table = arr
    else:
        want = "4 restraint probabilities or a (2, 2, 2) table" if K == 2 else f"a ({K}, {K}, {K}) table"
        raise ConfigError(f"strategy {name}.p", f"needs {want}, got shape {arr.shape}")
    init = _initial_rungs(initial, K, f"strategy {name}.initial")
    transition = np.broadcast_to(table[None, :, :, :], (K, K, K, K)).copy()
    params = {"kind": "memory_one", "p": arr.tolist(), "initial": np.asarray(initial).tolist()}
    return Strategy(name, init, np.eye(K), transition, params, tuple(f"play {r}" for r in range(K)))


_MAX_TABLE = 50_000_000


def memory_n(table, n: int, K: int = 2, initial: Any = 1.0, name: str = "memory_n") -> Strategy:
    """A memory-n strategy: the next rung depends on the last ``n`` rounds (own, seen).

    Parameters
    ----------
    table : array_like
        Shape ``(K,) * (2 n) + (K,)``: ``table[own_1, seen_1, ..., own_n, seen_n, next]``,
        oldest round first, the distribution of the next rung.  For K = 2 also shape
        ``(2,) * (2 n)``: the probability of *restraint* next.
    n : int >= 1
    initial : float or array_like
        First-round rung distribution (restraint probability for K = 2; default: rung 0).
        Before round n the missing history counts as rounds of mutual restraint (0, 0).

    States: ``K ** (2 (n - 1) + 1)``, a state being the last n - 1 rounds and the rung drawn
    for the next round.  ``memory_n(t, 1, K)`` equals ``memory_one(t, K)``.
    """
    K = _check_K(K)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"strategy {name}.n", f"must be an integer >= 1, got {n!r}")
    n = int(n)
    arr = np.asarray(table, dtype=float)
    if K == 2 and arr.shape == (2,) * (2 * n):
        full = np.stack([arr, 1 - arr], -1)
    elif arr.shape == (K,) * (2 * n + 1):
        full = arr
    else:
        raise ConfigError(f"strategy {name}.table",
                          f"needs shape {(K,) * (2 * n + 1)} for n = {n}, K = {K}, got {arr.shape}")
    _check_distribution(f"strategy {name}.table", full)
    H = K ** (2 * (n - 1))
    S = H * K
    if S * K * K * S > _MAX_TABLE:
        raise ConfigError(f"strategy {name}.n",
                          f"memory-{n} with K = {K} needs {S} states, too many for the tables; use n <= {n - 1}")
    flat = full.reshape(H, K, K, K)  # (older n-1 rounds, own, seen, next)
    transition = np.zeros((H, K, K, K, H, K))  # (h, r, own, seen, h', r')
    h = np.arange(H)[:, None, None]
    own = np.arange(K)[None, :, None]
    seen = np.arange(K)[None, None, :]
    h_next = np.broadcast_to((h * K * K + own * K + seen) % H, (H, K, K))
    for hh in range(H):
        for o in range(K):
            for s in range(K):
                transition[hh, :, o, s, h_next[hh, o, s], :] = flat[hh, o, s]
    transition = transition.reshape(S, K, K, S)
    action = np.tile(np.eye(K), (H, 1))
    init = np.zeros(S)
    init[:K] = _initial_rungs(initial, K, f"strategy {name}.initial")
    params = {"kind": "memory_n", "n": n, "table": arr.tolist(), "initial": np.asarray(initial).tolist()}
    labels = tuple(f"h{hh}, play {r}" for hh in range(H) for r in range(K))
    return Strategy(name, init, action, transition, params, labels)


def automaton(initial, action, transition, name: str = "automaton",
              state_labels: Sequence[str] = ()) -> Strategy:
    """A user-defined automaton.

    Parameters
    ----------
    initial : int or array_like (S,)
        Starting state, or a distribution over the S states.
    action : array_like (S, K) or (S,) of ints
        Rung distribution per state, or the rung each state plays.
    transition : array_like (S, K, K, S) or (S, K, K) of ints
        ``transition[s, own, seen]``: the distribution of the next state, or the next state.
    """
    raw = {"initial": initial, "action": action, "transition": transition}
    try:
        act = np.asarray(action, dtype=float)
        tr = np.asarray(transition, dtype=float)
        init = np.asarray(initial, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"strategy {name}",
                          "initial, action and transition must be numbers or rectangular arrays") from None
    if act.ndim not in (1, 2):
        raise ConfigError(f"strategy {name}.action", f"must have shape (S, K) or (S,), got {act.shape}")
    if tr.ndim not in (3, 4):
        raise ConfigError(f"strategy {name}.transition", f"must have shape (S, K, K) or (S, K, K, S), got {tr.shape}")
    S = act.shape[0]
    K = act.shape[1] if act.ndim == 2 else tr.shape[1]
    if act.ndim == 1:
        act = _one_hot(f"strategy {name}.action", act, K)
    if tr.ndim == 3:
        if tr.shape != (S, K, K):
            raise ConfigError(f"strategy {name}.transition",
                              f"must have shape {(S, K, K)} (next states), got {tr.shape}")
        tr = _one_hot(f"strategy {name}.transition", tr, S)
    if init.ndim == 0:
        init = _one_hot(f"strategy {name}.initial", init[None], S)[0]
    params = {"kind": "automaton", **{k: np.asarray(v).tolist() for k, v in raw.items()}}
    if state_labels:
        params["state_labels"] = list(state_labels)
    return Strategy(name, init, act, tr, params, tuple(state_labels))


def _one_hot(field_name: str, idx: np.ndarray, n: int) -> np.ndarray:
    idx = np.asarray(idx)
    if idx.dtype.kind == "f" and np.all(np.isfinite(idx)) and np.all(idx == np.round(idx)):
        idx = idx.astype(int)
    if idx.dtype.kind not in "iu":
        raise ConfigError(field_name, f"must hold integers (indices) here, got {idx.dtype}")
    bad = np.argwhere((idx < 0) | (idx >= n))
    if len(bad):
        where = tuple(int(i) for i in bad[0])
        raise ConfigError(field_name, f"entry {where} is {int(idx[where])}, not in [0, {n - 1}]")
    return np.eye(n)[idx]


_SPEC_KEYS = {
    "automaton": {"kind", "name", "K", "initial", "action", "transition", "state_labels", "description", "source"},
    "memory_one": {"kind", "name", "K", "p", "initial", "description", "source"},
    "memory_n": {"kind", "name", "K", "n", "table", "initial", "description", "source"},
}


def load(spec: Any, K: int | None = None) -> Strategy:
    """A strategy from a YAML file (``configs/strategy/*.yaml``) or a dict.

    Spec forms (``description`` and ``source`` keys are allowed and ignored)::

        name: tit_for_tat          # a named strategy and its parameters
        K: 5
        ---
        kind: memory_one           # or memory_n (with n, table) or automaton
        name: my_strategy
        K: 2
        p: [1, 0.1, 1, 0.1]
        initial: 1
        ---
        kind: automaton
        name: two_state
        initial: 0
        action: [0, 1]             # rung per state (or an (S, K) table)
        transition: [[[0, 1], [0, 1]], [[0, 1], [0, 1]]]   # next state [s][own][seen]

    ``K`` (argument) is the number of rungs the caller needs; a spec with another K is an
    error.  Every mistake is a one-line :class:`ConfigError` naming the spec and the entry.
    """
    where = "strategy"
    if isinstance(spec, (str, Path)):
        path = Path(spec)
        where = f"strategy file {path.name}"
        if not path.is_file():
            raise ConfigError(where, f"no such file: {path}")
        import yaml  # PyYAML ships with hydra-core / omegaconf

        try:
            spec = yaml.safe_load(path.read_text())
        except yaml.YAMLError as err:
            raise ConfigError(where, f"is not valid YAML: {' '.join(str(err).split())}") from None
    if hasattr(spec, "items") and not isinstance(spec, Mapping):  # e.g. an OmegaConf DictConfig
        spec = dict(spec.items())
    if not isinstance(spec, Mapping):
        raise ConfigError(where, f"must be a mapping with 'name' or 'kind', got {type(spec).__name__}")
    spec = dict(spec)
    if K is not None and "K" not in spec and spec.get("kind") is None:
        spec["K"] = K  # a named strategy takes the caller's number of rungs
    try:
        strat = _from_spec(spec)
    except ConfigError as err:
        raise (err if where == "strategy" else err.prefixed(where)) from None
    if K is not None and strat.K != K:
        raise ConfigError(f"{where}.K", f"strategy {strat.name!r} has {strat.K} rungs but {K} are needed")
    return strat


def _from_spec(spec: dict) -> Strategy:
    kind = spec.get("kind")
    if kind is None:
        if "name" not in spec:
            raise ConfigError("strategy",
                              "spec needs 'name' (a registered strategy) or 'kind' (automaton, memory_one, memory_n)")
        params = {k: v for k, v in spec.items() if k not in ("name", "K", "description", "source")}
        return get(spec["name"], K=spec.get("K", 2), **params)
    if kind not in _SPEC_KEYS:
        raise ConfigError("strategy.kind", f"unknown kind {kind!r}; allowed: {', '.join(sorted(_SPEC_KEYS))}")
    extra = sorted(set(spec) - _SPEC_KEYS[kind])
    if extra:
        allowed = ", ".join(sorted(_SPEC_KEYS[kind]))
        raise ConfigError(f"strategy.{extra[0]}", f"is not a field of a {kind} spec; allowed: {allowed}")
    name = str(spec.get("name", kind))
    K = spec.get("K")
    if kind == "memory_one":
        if "p" not in spec:
            raise ConfigError(f"strategy {name}.p", "is required")
        strat = memory_one(spec["p"], K=_check_K(K if K is not None else _infer_K(spec["p"], 1)),
                           initial=spec.get("initial", 1.0), name=name)
    elif kind == "memory_n":
        for key in ("n", "table"):
            if key not in spec:
                raise ConfigError(f"strategy {name}.{key}", "is required")
        k = _check_K(K if K is not None else _infer_K(spec["table"], spec["n"]))
        strat = memory_n(spec["table"], spec["n"], K=k, initial=spec.get("initial", 1.0), name=name)
    else:
        for key in ("initial", "action", "transition"):
            if key not in spec:
                raise ConfigError(f"strategy {name}.{key}", "is required")
        strat = automaton(spec["initial"], spec["action"], spec["transition"], name=name,
                          state_labels=spec.get("state_labels", ()))
    if K is not None and strat.K != K:
        raise ConfigError(f"strategy {name}.K", f"is {K} but the tables have {strat.K} rungs")
    return strat


def _infer_K(table, n) -> int:
    shape = np.shape(table)
    return 2 if shape in ((4,), (2,) * (2 * int(n))) else (shape[0] if shape else 2)


# =========================================================================== noise
def noise_matrix(K: int, spec: Any, name: str = "noise") -> np.ndarray:
    """A validated ``(K, K)`` confusion matrix ``M[true, result]`` from a rate or a matrix.

    A rate ``e`` in [0, 1] means: with probability ``e`` the result is a uniformly random
    *other* rung (``M = (1 - e) I + e / (K - 1) (J - I)``; for K = 2 a flip, as in axelrod).
    A matrix must be ``(K, K)`` and row-stochastic.
    """
    K = _check_K(K)
    arr = np.asarray(spec, dtype=float) if not isinstance(spec, np.ndarray) else spec.astype(float)
    if arr.ndim == 0:
        e = float(arr)
        if not np.isfinite(e) or not 0.0 <= e <= 1.0:
            raise ConfigError(name, f"is a probability and must be in [0, 1], got {e:g}")
        M = np.full((K, K), e / (K - 1))
        np.fill_diagonal(M, 1.0 - e)
        return M
    if arr.shape != (K, K):
        raise ConfigError(name, f"must be a rate in [0, 1] or a ({K}, {K}) matrix, got shape {arr.shape}")
    _check_distribution(name, arr)
    return arr.copy()


def biased_noise(K: int, up: float, down: float) -> np.ndarray:
    """Biased confusion matrix: from rung r, one rung higher with probability ``up`` (if
    r < K - 1), one rung lower with probability ``down`` (if r > 0), else unchanged.

    ``up > down`` models reading restraint as escalation more often than the reverse
    (Jervis 1976, *Perception and Misperception*, ch. 3).
    """
    K = _check_K(K)
    u = _prob_param("up", up)
    d = _prob_param("down", down)
    if u + d > 1:
        raise ConfigError("noise.up", f"up + down must be <= 1, got {u:g} + {d:g}")
    M = np.zeros((K, K))
    for r in range(K):
        if r < K - 1:
            M[r, r + 1] = u
        if r > 0:
            M[r, r - 1] = d
        M[r, r] = 1.0 - M[r].sum()
    return M


def side_noise(K: int, spec: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(side A, side B) confusion matrices from a rate, a pair, a matrix or a pair of matrices.

    One spec applies to both sides; a pair gives (side A, side B).  Used by the engine and
    the exact Markov analysis alike.
    """
    if isinstance(spec, (list, tuple)) and len(spec) == 2 and all(np.ndim(s) in (0, 2) for s in spec):
        return noise_matrix(K, spec[0], f"{name}[0]"), noise_matrix(K, spec[1], f"{name}[1]")
    try:
        arr = np.asarray(spec, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(name, f"must be a rate, a pair of rates, a ({K}, {K}) matrix or a pair of them") from None
    if arr.ndim == 1 and arr.shape == (2,):
        return noise_matrix(K, arr[0], f"{name}[0]"), noise_matrix(K, arr[1], f"{name}[1]")
    if arr.ndim == 3 and arr.shape[0] == 2:
        return noise_matrix(K, arr[0], f"{name}[0]"), noise_matrix(K, arr[1], f"{name}[1]")
    m = noise_matrix(K, arr, name)
    return m, m


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
            raise ConfigError(side, f"must be a sim.strategies.Strategy, got {type(st).__name__}")
        if st.K != ka:
            raise ConfigError(side, f"strategy {st.name!r} has {st.K} rungs but the game has K = {ka}")
    return int(ka)
