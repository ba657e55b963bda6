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

Modules: :mod:`sim.repeated.strategies.automaton` (the type and its validation), :mod:`sim.repeated.strategies.custom`
(user-defined tables, automata and YAML specs), :mod:`sim.repeated.strategies.noise` (confusion matrices); all
their public names are re-exported here, so ``sim.repeated.strategies.X`` is the one place to look.

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
from typing import Callable, Sequence

import numpy as np

from sim.repeated.strategies.automaton import Strategy, _check_K, _deterministic, _prob_param, _rung_param, _rung_states
from sim.errors import ConfigError, check_distribution

__all__ = ["REGISTRY", "get", "names"]


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
        check_distribution("strategy.probabilities", p)
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


def conditional_deescalation(K: int = 2, step_down: str = "match") -> Strategy:
    """Conditional de-escalation: the policy Pakistan's defence minister Khawaja Asif stated
    on Bloomberg Television after India's strikes of 7 May 2025 (never initiate anything
    hostile; respond if attacked; "wrap up this tension" if India backs down).

    Never initiate: rung 0 while the other side is seen at 0.  Answer an attack in kind: play
    the rung seen.  Step down when the other side steps down, in one of two readings
    (``step_down``):

    - ``"match"`` (default): drop to the rung the other side drops to.  Under this model's
      information (one round of observation, one rung played) the rules are then exactly
      tit for tat on K rungs: the two strategies coincide (the same automaton), and reports
      say so.
    - ``"full"``: "if India backs down, we will definitely wrap up this tension" read as
      stepping all the way down: once the other side is seen below this side's own rung (it
      backed down at all), return to rung 0; otherwise answer in kind.

    K states ("play r").
    """
    if step_down not in ("match", "full"):
        raise ConfigError("strategy.step_down", f"must be 'match' (drop to the other's new rung) or 'full' (drop "
                                                f"to rung 0), got {step_down!r}")
    if step_down == "match":
        return _rung_states("conditional_deescalation", K, 0, lambda r, own, seen: seen, {})
    return _rung_states("conditional_deescalation", K, 0, lambda r, own, seen: 0 if seen < own else seen,
                        {"step_down": "full"})


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
