"""Named, parameterised builders of stage games and their registry (``GAMES``, :func:`build`).

Every builder broadcasts over array-valued parameters: passing ``war_cost`` of shape
``(200, 1)`` and ``advantage`` of shape ``(1, 200)`` gives one batch of 40,000 games,
with no Python loop.  Builders keep their arguments in ``Game.params`` so that every
game can be rebuilt from its config (``build(**game.to_config())``).  Each builder's
docstring gives its payoff formula and source.
"""

from __future__ import annotations

import inspect
from typing import Callable, Sequence

import numpy as np

from sim.errors import ConfigError, as_float_array, user_errors
from sim.limits import check_rungs
from sim.games.game import Game, _default_labels, _labels, _nonnegative, _probability

__all__ = ["from_matrices", "symmetric", "prisoners_dilemma", "chicken", "stag_hunt", "deterrence", "ladder",
           "ladder_war_probability", "GAMES", "build", "builder_parameters"]


def from_matrices(A, B=None, *, sides: Sequence[str] = ("A", "B"), labels_a: Sequence[str] | None = None,
                  labels_b: Sequence[str] | None = None) -> Game:
    """A game from user-supplied payoff matrices.

    Parameters
    ----------
    A : array_like, shape ``(..., K_A, K_B)``
        Payoffs of side A (rows).  Non-square is fine.
    B : array_like, same shape as ``A``, optional
        Payoffs of side B (columns).  Default ``-A`` (zero-sum).
    sides, labels_a, labels_b
        Names of the sides and of their actions.

    Raises
    ------
    ConfigError
        If a matrix is ragged, non-numeric, non-finite, or the shapes differ.
    """
    A_arr = as_float_array("A", A)
    B_arr = -A_arr if B is None else as_float_array("B", B)
    params = {"A": A_arr.tolist(), "B": B_arr.tolist()}
    return Game(A_arr, B_arr, tuple(sides), tuple(labels_a or ()), tuple(labels_b or ()), "matrix", params)


def _rstp_matrices(R, S, T, P) -> tuple[np.ndarray, np.ndarray]:
    R, S, T, P = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (R, S, T, P)))
    A = np.stack([np.stack([R, S], -1), np.stack([T, P], -1)], -2)
    return A, np.swapaxes(A, -1, -2).copy()


def symmetric(R=3.0, S=0.0, T=5.0, P=1.0, *, sides: Sequence[str] = ("A", "B")) -> Game:
    """The symmetric 2x2 game of Rapoport and Guyer (1966) in (R, S, T, P) form.

    Rung 0 = restrain ("cooperate"), rung 1 = escalate ("defect").  For side A::

        A = [[R, S],      R: both restrain (reward)     S: A restrains, B escalates (sucker)
             [T, P]]      T: A escalates alone (temptation)   P: both escalate (punishment)

    and ``B = A.T`` (each side's payoff depends on own and other rung in the same way).
    The ordering of ``T, R, P, S`` names the game (see :func:`sim.games.classify.classify`).
    Each argument may be an array; they broadcast to the batch shape.
    """
    A, B = _rstp_matrices(*(as_float_array(n, v) for n, v in zip("RSTP", (R, S, T, P))))
    return Game(A, B, tuple(sides), name="symmetric", params=dict(R=R, S=S, T=T, P=P))


def prisoners_dilemma(R=3.0, S=0.0, T=5.0, P=1.0, *, sides: Sequence[str] = ("A", "B")) -> Game:
    """Prisoner's Dilemma, the security dilemma's stage game (Jervis 1978).

    Same layout as :func:`symmetric`; the defaults (R, S, T, P) = (3, 0, 5, 1) are
    Axelrod's (1984) tournament values, with ``T > R > P > S`` and ``2R > T + S``.
    Escalating is a dominant strategy; mutual escalation ``(1, 1)`` is the unique
    equilibrium although mutual restraint pays both more.
    """
    g = symmetric(R, S, T, P, sides=sides)
    return Game(g.A, g.B, g.sides, name="prisoners_dilemma", params=dict(R=R, S=S, T=T, P=P))


def stag_hunt(R=5.0, S=0.0, T=4.0, P=2.0, *, sides: Sequence[str] = ("A", "B")) -> Game:
    """Stag Hunt, the assurance game (Rousseau; Skyrms 2004; Jervis 1978).

    Same layout as :func:`symmetric`; the defaults (5, 0, 4, 2) satisfy ``R > T > P > S``
    with ``R - T < P - S``.  Two pure equilibria, mutual restraint (payoff dominant) and mutual
    escalation (risk dominant when ``(R - T) < (P - S)``), and one mixed equilibrium in
    which each side restrains with probability ``(P - S) / (R - T + P - S)``.
    """
    g = symmetric(R, S, T, P, sides=sides)
    return Game(g.A, g.B, g.sides, name="stag_hunt", params=dict(R=R, S=S, T=T, P=P))


def chicken(value=2.0, crash_cost=6.0, *, sides: Sequence[str] = ("A", "B")) -> Game:
    """Chicken / brinkmanship as Hawk-Dove (Maynard Smith and Price 1973).

    A prize worth ``value`` is at stake; a clash of two escalating sides costs each
    ``crash_cost``.  Rung 0 = back down (dove), rung 1 = stand firm (hawk)::

        A = [[value / 2,   0                     ],
             [value,       (value - crash_cost) / 2]]

    With ``crash_cost > value > 0`` the ordering is Chicken's ``T > R > S > P``: two
    asymmetric pure equilibria (one side backs down) and a mixed equilibrium in which
    each side stands firm with probability ``value / crash_cost``, so the probability
    of a clash is ``(value / crash_cost) ** 2``.
    """
    v = as_float_array("value", value)
    c = as_float_array("crash_cost", crash_cost)
    v, c = np.broadcast_arrays(v, c)
    A, B = _rstp_matrices(v / 2, np.zeros_like(v), v, (v - c) / 2)
    return Game(A, B, tuple(sides), ("back down", "stand firm"), ("back down", "stand firm"), "chicken",
                dict(value=value, crash_cost=crash_cost))


def deterrence(status_quo=0.0, gain=1.0, challenger_cost=2.0, defender_cost=3.0, *,
               sides: Sequence[str] = ("challenger", "defender")) -> Game:
    """Challenger/defender deterrence game in normal form (Zagare and Kilgour 2000, ch. 3, simplified).

    The challenger either keeps the status quo (rung 0) or challenges (rung 1); the
    defender either concedes (0) or resists (1).  A successful challenge moves
    ``gain`` from defender to challenger; a resisted challenge means conflict, costing
    each side its ``*_cost`` (>= 0)::

        A = [[sq,         sq                  ],     B = [[sq,         sq             ],
             [sq + gain,  sq - challenger_cost]]          [sq - gain,  sq - defender_cost]]

    The defender's payoffs tie in row 0 (its choice does not matter if nobody
    challenges), so the game is *degenerate*: it has a continuum of "deterrence"
    equilibria (status quo, resist with probability >= gain / (gain + challenger_cost)).
    The threat is credible (subgame perfect) only when ``defender_cost < gain``.
    """
    sq = as_float_array("status_quo", status_quo)
    g = as_float_array("gain", gain)
    ca = _nonnegative("challenger_cost", challenger_cost)
    cb = _nonnegative("defender_cost", defender_cost)
    sq, g, ca, cb = np.broadcast_arrays(sq, g, ca, cb)
    A = np.stack([np.stack([sq, sq], -1), np.stack([sq + g, sq - ca], -1)], -2)
    B = np.stack([np.stack([sq, sq], -1), np.stack([sq - g, sq - cb], -1)], -2)
    return Game(A, B, tuple(sides), ("status quo", "challenge"), ("concede", "resist"), "deterrence",
                dict(status_quo=status_quo, gain=gain, challenger_cost=challenger_cost, defender_cost=defender_cost))


def ladder_war_probability(K: int, war_risk, risk_interaction=0.5, risk_exponent=2.0) -> np.ndarray:
    """Per-round probability of war at each rung pair of a K-rung ladder.

    With normalised rungs ``s_x = x / (K - 1)`` and ``s_y = y / (K - 1)`` in [0, 1]::

        p(x, y) = war_risk * [ (1 - k) * (s_x**e + s_y**e) / 2  +  k * (s_x * s_y)**e ]

    where ``k = risk_interaction`` is the share of the risk that needs *both* sides on
    the ladder ("it takes two"), and ``e = risk_exponent >= 1`` makes the risk rise
    faster near the top (Schelling's "threat that leaves something to chance", 1960,
    ch. 8; Powell 1990).  ``p(0, 0) = 0`` and ``p(K-1, K-1) = war_risk``; p is
    non-decreasing in both rungs and lies in [0, war_risk].

    Returns
    -------
    ndarray, shape ``(..., K, K)``: the broadcast shape of the parameters, then rungs.
    """
    r = _probability("war_risk", war_risk)[..., None, None]
    k = _probability("risk_interaction", risk_interaction)[..., None, None]
    e = as_float_array("risk_exponent", risk_exponent)
    if np.any(e < 1):
        raise ConfigError("risk_exponent", f"must be >= 1, got {e[e < 1].ravel()[0]:g}")
    e = e[..., None, None]
    s = np.arange(K, dtype=float) / (K - 1)
    sx, sy = s[:, None], s[None, :]
    return r * ((1 - k) * (sx**e + sy**e) / 2 + k * (sx * sy) ** e)


def ladder(K: int = 5, advantage=10.0, damage=8.0, cost=2.0, war_risk=0.3, war_cost=100.0,
           risk_interaction=0.5, risk_exponent=2.0, *, advantage_b=None, damage_b=None, cost_b=None,
           war_cost_b=None, sides: Sequence[str] = ("A", "B"), labels: Sequence[str] | None = None) -> Game:
    """A K-rung escalation ladder with war risk (after Kahn 1965; Schelling 1966; Powell 1990).

    Each side picks a rung ``0 .. K-1``; ``s = rung / (K - 1)`` in [0, 1] is how far up
    the ladder it is.  Side A (rows, rung ``x``) and side B (columns, rung ``y``) are paid
    per round, in utility units::

        A[x, y] = advantage   * (s_x - s_y)   # coercive advantage: relative position
                  - damage    * s_y           # harm received from the other side's action
                  - cost      * s_x           # cost of one's own action (resources, reputation)
                  - war_cost  * p(x, y)       # expected cost of a slide into war this round

        B[x, y] = advantage_b * (s_y - s_x)
                  - damage_b  * s_x
                  - cost_b    * s_y
                  - war_cost_b * p(x, y)

    The first three terms are the stage payoffs ``Game.A`` / ``Game.B``; the war terms are kept
    apart (``Game.war_probability = p``, ``Game.war_payoff = (-war_cost, -war_cost_b)``), and
    :func:`payoff_matrices` adds them back for the one-round normal form above.  The
    repeated crisis charges each side its own war cost once, in the round war breaks out.

    with ``p`` the war probability of :func:`ladder_war_probability`.  Units: ``advantage``
    is the value of holding the whole ladder over an opponent at rung 0; ``damage`` and
    ``cost`` are per full ladder; ``war_cost`` is the one-off loss if war breaks out;
    ``war_risk`` the per-round probability of war with both sides at the top rung.

    **Asymmetric sides.**  ``advantage``, ``damage``, ``cost`` and ``war_cost`` are side A's;
    the keyword-only ``advantage_b``, ``damage_b``, ``cost_b`` and ``war_cost_b`` are side B's,
    and ``None`` (the default) means "the same as side A's", so the symmetric ladder
    (``B = A.T``, equal war payoffs) is unchanged bit for bit.  Separate named arguments,
    rather than a pair ``[a, b]``, keep every argument's meaning unambiguous: a list is always
    a batch of values, never a pair of sides, and each side's value can be an array of its
    own (swept or mapped like any other parameter: ``game.advantage_b=25`` in a config).  The
    war-risk parameters (``war_risk``, ``risk_interaction``, ``risk_exponent``) stay shared:
    war is one event for both sides.  Swapping the sides (transposing, and exchanging each
    parameter with its ``_b`` twin) maps the game onto itself: ``A <-> B.T``.

    K = 2 reduces to the Rapoport-Guyer form (per side, own rung first) with
    ``R = 0``, ``T = advantage - cost - war_cost * war_risk * (1 - k) / 2``,
    ``S = -advantage - damage - war_cost * war_risk * (1 - k) / 2``,
    ``P = -damage - cost - war_cost * war_risk`` (k = ``risk_interaction``) for side A, and
    the same with the ``_b`` values for side B (``B[0, 0] = R_b``, ``B[0, 1] = T_b``,
    ``B[1, 0] = S_b``, ``B[1, 1] = P_b``).  Each side, by its own values, has a
    Prisoner's Dilemma (security dilemma) ordering when
    ``advantage - cost > war_cost * war_risk * (1 + k) / 2``, Chicken's when
    ``war_cost * war_risk * (1 - k) / 2 < advantage - cost < war_cost * war_risk * (1 + k) / 2``,
    and Harmony's below that; with equal values the game is that symmetric game.

    Because A's payoff is ``Phi(x, y) - (2 * advantage + damage - cost) * s_y`` with the symmetric
    potential ``Phi = (advantage - cost) * (s_x + s_y) - war_cost * p(x, y)``, the symmetric
    ladder is an exact potential game (Monderer and Shapley 1996): it always has a pure
    equilibrium.  With asymmetric sides and ``war_cost, war_cost_b > 0`` it is a weighted
    potential game with weights ``(war_cost, war_cost_b)`` and potential
    ``(advantage - cost) / war_cost * s_x + (advantage_b - cost_b) / war_cost_b * s_y - p(x, y)``,
    so it still has a pure equilibrium.

    Every numeric argument except ``K`` may be an array (side B's too); they broadcast to
    the batch shape.
    ``K`` is at most :data:`sim.limits.MAX_RUNGS` (32), checked before anything is allocated.
    """
    K = check_rungs(K, "K")  # before anything K x K is allocated (sim.limits.MAX_RUNGS)
    g = as_float_array("advantage", advantage)[..., None, None]
    d = as_float_array("damage", damage)[..., None, None]
    c = as_float_array("cost", cost)[..., None, None]
    W = as_float_array("war_cost", war_cost)
    # side B's values: None = side A's (the very same array, so the symmetric game is unchanged bit for bit)
    gb = g if advantage_b is None else as_float_array("advantage_b", advantage_b)[..., None, None]
    db = d if damage_b is None else as_float_array("damage_b", damage_b)[..., None, None]
    cb = c if cost_b is None else as_float_array("cost_b", cost_b)[..., None, None]
    Wb = W if war_cost_b is None else as_float_array("war_cost_b", war_cost_b)
    p = ladder_war_probability(K, war_risk, risk_interaction, risk_exponent)
    s = np.arange(K, dtype=float) / (K - 1)
    sx, sy = s[:, None], s[None, :]
    stage = g * (sx - sy) - d * sy - c * sx
    # B[x, y] = stage_b[y, x]: the same formula, seen from side B's rows, with side B's values
    stage_b = stage if gb is g and db is d and cb is c else gb * (sx - sy) - db * sy - cb * sx
    ones = np.ones(np.broadcast_shapes(W.shape, Wb.shape))[..., None, None]
    A, B, p = np.broadcast_arrays(stage, np.swapaxes(stage_b, -1, -2), p * ones)
    war_payoff = np.stack(np.broadcast_arrays(-W, -Wb), -1)
    labels = _labels("labels", labels, K, _default_labels(K))
    params = dict(K=K, advantage=advantage, damage=damage, cost=cost, war_risk=war_risk, war_cost=war_cost,
                  risk_interaction=risk_interaction, risk_exponent=risk_exponent)
    # side B's values only when given, so a symmetric ladder's params (and config) are as before
    params.update({k: v for k, v in (("advantage_b", advantage_b), ("damage_b", damage_b), ("cost_b", cost_b),
                                     ("war_cost_b", war_cost_b)) if v is not None})
    return Game(A.copy(), B.copy(), tuple(sides), labels, labels, "ladder", params, p, war_payoff)


# --------------------------------------------------------------------------- user errors
symmetric, prisoners_dilemma, stag_hunt, chicken, deterrence, ladder, from_matrices = (
    user_errors(f) for f in (symmetric, prisoners_dilemma, stag_hunt, chicken, deterrence, ladder, from_matrices))


# --------------------------------------------------------------------------- registry
GAMES: dict[str, Callable[..., Game]] = {
    "prisoners_dilemma": prisoners_dilemma,
    "security_dilemma": prisoners_dilemma,
    "chicken": chicken,
    "stag_hunt": stag_hunt,
    "deterrence": deterrence,
    "ladder": ladder,
    "symmetric": symmetric,
    "matrix": from_matrices,
}


def builder_parameters(name: str) -> list[str]:
    """The config fields a named game accepts (its builder's keyword arguments)."""
    if name not in GAMES:
        raise ConfigError("game.name", f"unknown game {name!r}; allowed: {', '.join(sorted(GAMES))}")
    return [p for p in inspect.signature(GAMES[name]).parameters]


def build(name: str, **params) -> Game:
    """Build a registered game by name: ``build("chicken", value=2, crash_cost=6)``.

    Unknown names and unknown parameters raise a one-line :class:`ConfigError`.
    """
    allowed = builder_parameters(name)
    for key in params:
        if key not in allowed:
            raise ConfigError(f"game.{key}", f"is not a parameter of game {name!r}; allowed: {', '.join(allowed)}")
    try:
        return GAMES[name](**params)
    except ConfigError as err:
        raise err.prefixed("game") from None
