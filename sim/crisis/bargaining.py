"""Crisis bargaining with one-sided incomplete information about resolve: tying hands.

A two-type signalling game in the spirit of Fearon (1994, "Domestic political audiences
and the escalation of international disputes", *APSR* 88(3): 577-592) and Fearon (1997,
"Signaling foreign policy interests: tying hands versus sinking costs", *JCR* 41(1):
68-90), in the two-type form of textbook crisis-signalling games (Morrow 1994, *Game
Theory for Political Scientists*, and Kydd 2015, *International Relations Theory: The
Game-Theoretic Approach*, on perfect Bayesian equilibria of signalling games).  Fearon
(1994) models a war of attrition with growing audience costs; Fearon (1997) lets a
Defender with a continuum of types choose the size of its audience cost.  Here there
are two types and the cost ``a`` is a fixed parameter, so that the equilibria can be
traced as functions of it: the game is a reconstruction, and the formulas below are
derived here (and checked against an independent brute-force solver in the tests),
not taken from those texts.

Game (all payoffs in units where a side's "prevailing without war" is worth 1)
    0. Nature makes the Defender *resolved* (prob ``p``) or *unresolved* (``1 - p``);
       only the Defender knows its type.
    1. The Defender stays quiet (the Challenger takes the stake: Defender 0,
       Challenger 1) or issues a public threat, tying its hands.
    2. After a threat the Challenger backs down (Defender 1, Challenger 0) or presses.
    3. If pressed the Defender fights (war: Defender ``w_t`` for type ``t``, Challenger
       ``c_w``) or backs down (Defender ``-a``, the audience cost; Challenger 1).

    Assumptions: ``w_R > 0 > w_U`` (the resolved type prefers war to conceding, the
    unresolved does not), ``a >= 0`` and ``c_w < 1``.

Solution (perfect Bayesian equilibrium; ``q`` = probability that the unresolved type
threatens, ``r`` = probability the Challenger presses after a threat, ``f`` =
probability the unresolved type fights when pressed, ``mu`` = posterior after a threat)
    * The resolved type threatens and fights in every PBE (``w_R > 0 >= -a``).
    * Commitment threshold ``a* = -w_U``: if ``a > a*`` the unresolved type fights when
      pressed (``f = 1``, its hands are tied); if ``a < a*`` it backs down (``f = 0``).
    * Challenger's cutoff belief ``mu* = 1 / (1 - c_w)``: against an uncommitted
      unresolved type it presses iff ``mu < mu*`` (``mu c_w + (1 - mu) = 0`` at ``mu*``).
      ``mu* > 1`` (``c_w > 0``) means it presses at every belief.
    * Unresolved type's threat payoff ``T_U(r) = 1 - r (1 + a)`` (uncommitted), zero at
      ``r* = 1 / (1 + a)``.

    Generic equilibria (each unique in its open region):

    ======================  ==========================  =================================
    region                  equilibrium                 strategies
    ======================  ==========================  =================================
    a < a*, c_w < 0, p>mu*  pooling, deterred (bluff)   q = 1, r = 0
    a < a*, c_w < 0, p<mu*  semi-separating             q = p (1-mu*) / ((1-p) mu*), r = r*
    a > a*, c_w < 0         committed pooling           q = 1, r = 0, f = 1
    c_w > 0, a > 0          separating                  q = 0, r = 1
    ======================  ==========================  =================================

    In the semi-separating equilibrium the posterior after a threat equals ``mu*``, the
    unresolved type's payoff is 0 and ``P(war) = p r*``.  No fully separating
    equilibrium exists when the Challenger can be deterred (``c_w < 0``): an unchallenged
    bluff pays 1 > 0.  A bluff can be called only when ``a < a*``; once ``a > a*`` every
    threatening type is committed, Fearon's (1997) "tying hands" logic in which leaders
    "never bluff" (create costs and then back down when challenged).

Knife-edges (``tie``), where the equilibrium set is a continuum or has several members;
in every per-equilibrium field ``X[..., 0]`` is the primary (limit named below) and
``X[..., 1]`` one other extreme member.  At points on two knife-edges at once only these two are reported.

    1. ``a == a*`` (``f`` is free): primary = limit ``a -> a*-`` (``f = 0``); other =
       committed (``f = 1``).
    2. ``a == 0`` (cheap talk) with ``c_w > 0`` or ``p < mu*``: ``r = 1`` and any ``q``
       in ``[q*, 1]`` (``[0, 1]`` if ``c_w > 0``); primary = limit ``a -> 0+``; other =
       babbling ``q = 1``.  All have the same outcome: talk does not move the Challenger.
    3. ``c_w == 0`` (Challenger indifferent against committed types): primary = limit
       ``c_w -> 0-``; other = limit ``c_w -> 0+`` (separating, ``r = 1``).
    4. ``p == mu*`` (``c_w < 0``, ``a < a*``): ``q = 1``, ``r`` in ``[0, r*]``; primary
       ``r = r*`` (limit ``p -> mu*-``), other ``r = 0``.
    5. ``p == 0`` (``c_w < 0``, ``0 < a < a*``): threats are off path, ``q = 0``, ``r``
       in ``[r*, 1]``; primary ``r = r*``, other ``r = 1``.

Equilibrium codes (:data:`CODES`, by the strategies actually played): ``SEPARATING``
(``q = 0``), ``SEMI_SEPARATING`` (``0 < q < 1``), ``POOLING_DETERRED`` (``q = 1,
r = 0, f < 1``: bluff succeeds), ``POOLING_PRESSED`` (``q = 1, r > 0``; knife-edges
only), ``COMMITTED`` (``q = 1, r = 0, f = 1``); ``-1`` marks an empty slot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.errors import ConfigError, as_float_array

__all__ = ["CODES", "LABELS", "SEPARATING", "SEMI_SEPARATING", "POOLING_DETERRED", "POOLING_PRESSED",
           "COMMITTED", "PARAMS", "TyingHands", "TyingHandsCurve", "tying_hands", "tying_hands_from_params",
           "tying_hands_curve"]

SEPARATING, SEMI_SEPARATING, POOLING_DETERRED, POOLING_PRESSED, COMMITTED = range(5)
CODES = ("separating", "semi_separating", "pooling_deterred", "pooling_pressed", "committed")
LABELS = (
    "separating: only the resolved type threatens",
    "semi-separating: the unresolved type bluffs with probability q",
    "pooling: both types threaten, the Challenger backs down (bluff succeeds)",
    "pooling: both types threaten, the Challenger presses",
    "committed: audience cost ties the unresolved type's hands; the Challenger backs down",
)

#: Keyword names of :func:`tying_hands` (the ``models.tying_hands`` config block) with
#: their defaults and meanings.
PARAMS: dict[str, tuple[float, str]] = {
    "prior": (0.3, "prior probability p that the Defender is resolved, in [0, 1]"),
    "audience_cost": (0.5, "audience cost a >= 0 the Defender pays for backing down after a threat"),
    "war_value_resolved": (0.5, "resolved Defender's war payoff w_R > 0 (conceding = 0, prevailing = 1)"),
    "war_value_unresolved": (-1.0, "unresolved Defender's war payoff w_U < 0 (conceding = 0, prevailing = 1)"),
    "challenger_war": (-1.0, "Challenger's war payoff c_w < 1 (backing down = 0, prevailing = 1)"),
}


@dataclass(frozen=True)
class TyingHands:
    """Perfect Bayesian equilibria of the tying-hands game, per parameter point.

    Shapes: ``S`` is the broadcast shape of the parameters; fields marked ``(S, 2)``
    hold up to two equilibria (slot 0 the primary, slot 1 another one at knife-edges).

    Per point ``(S)``: ``cutoff`` (Challenger's cutoff belief ``mu* = 1/(1 - c_w)``,
    may exceed 1), ``commitment_threshold`` (``a* = -w_U``), ``n_equilibria`` (1 or 2),
    ``tie`` (knife-edge: set not a single profile), and the parameters themselves.

    Per equilibrium ``(S, 2)``: ``valid``; ``code`` (into :data:`CODES`, -1 if empty);
    ``bluff`` (``q``); ``press`` (``r``); ``fight_unresolved`` (``f``); ``posterior``
    (``P(resolved | threat)``, NaN when a threat is off the path); ``p_threat``;
    ``p_war``; ``p_challenger_backs_down``; ``p_bluff_called`` (unresolved threatens, is
    pressed and backs down); ``payoff_resolved``, ``payoff_unresolved``,
    ``payoff_defender`` (ex ante) and ``payoff_challenger``.  Empty slots are NaN.
    """

    prior: np.ndarray
    audience_cost: np.ndarray
    war_value_resolved: np.ndarray
    war_value_unresolved: np.ndarray
    challenger_war: np.ndarray
    cutoff: np.ndarray
    commitment_threshold: np.ndarray
    n_equilibria: np.ndarray
    tie: np.ndarray
    valid: np.ndarray
    code: np.ndarray
    bluff: np.ndarray
    press: np.ndarray
    fight_unresolved: np.ndarray
    posterior: np.ndarray
    p_threat: np.ndarray
    p_war: np.ndarray
    p_challenger_backs_down: np.ndarray
    p_bluff_called: np.ndarray
    payoff_resolved: np.ndarray
    payoff_unresolved: np.ndarray
    payoff_defender: np.ndarray
    payoff_challenger: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.prior.shape

    def primary(self, name: str) -> np.ndarray:
        """Field ``name`` of the primary equilibrium (slot 0), shape ``S``."""
        return getattr(self, name)[..., 0]

    def labels(self) -> np.ndarray:
        """Code names (``"semi_separating"``, ...) of the primary equilibria, shape ``S``."""
        return np.asarray(CODES)[self.primary("code")]


def _check(name: str, value, *, lo=None, hi=None, lo_open=False, hi_open=False, allowed: str) -> np.ndarray:
    arr = as_float_array(name, value)
    bad = np.zeros(arr.shape, bool)
    if lo is not None:
        bad |= (arr <= lo) if lo_open else (arr < lo)
    if hi is not None:
        bad |= (arr >= hi) if hi_open else (arr > hi)
    if np.any(bad):
        raise ConfigError(name, f"must be {allowed}, got {arr[bad].ravel()[0]:g}")
    return arr


def tying_hands(prior=0.3, audience_cost=0.5, war_value_resolved=0.5, war_value_unresolved=-1.0,
                challenger_war=-1.0) -> TyingHands:
    """All perfect Bayesian equilibria of the tying-hands game (module docstring).

    Parameters (numbers or arrays, broadcast together; meanings in :data:`PARAMS`)
    ----------
    prior : ``p`` in [0, 1].
    audience_cost : ``a >= 0``.
    war_value_resolved : ``w_R > 0``.
    war_value_unresolved : ``w_U < 0``.
    challenger_war : ``c_w < 1``.

    Raises :class:`ConfigError` (field ``tying_hands.<name>``) for values outside these
    ranges, non-finite values or shapes that do not broadcast.
    """
    arrays = {
        "prior": _check("tying_hands.prior", prior, lo=0, hi=1, allowed="a probability in [0, 1]"),
        "audience_cost": _check("tying_hands.audience_cost", audience_cost, lo=0, allowed=">= 0"),
        "war_value_resolved": _check("tying_hands.war_value_resolved", war_value_resolved, lo=0, lo_open=True,
                                     allowed="> 0 (the resolved type prefers war to conceding)"),
        "war_value_unresolved": _check("tying_hands.war_value_unresolved", war_value_unresolved, hi=0,
                                       hi_open=True, allowed="< 0 (the unresolved type prefers conceding to war)"),
        "challenger_war": _check("tying_hands.challenger_war", challenger_war, hi=1, hi_open=True,
                                 allowed="< 1 (war is worse for the Challenger than prevailing)"),
    }
    try:
        b = np.broadcast_arrays(*arrays.values())
    except ValueError:
        shapes = ", ".join(f"{k}{v.shape}" for k, v in arrays.items())
        raise ConfigError("tying_hands", f"parameter shapes do not broadcast: {shapes}") from None
    return _kernel(*(np.array(x, dtype=float) for x in b))


def tying_hands_from_params(params: Mapping | None = None) -> TyingHands:
    """:func:`tying_hands` from a config mapping (keys of :data:`PARAMS`; missing keys
    take their defaults, unknown keys raise :class:`ConfigError`)."""
    params = dict(params or {})
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise ConfigError(f"tying_hands.{unknown[0]}", f"unknown key; allowed keys are {', '.join(PARAMS)}")
    return tying_hands(**params)


def _uncommitted(p, a, mu, press_always):
    """(q, r) of the equilibrium with ``f = 0`` (valid for ``a <= a*``)."""
    rstar = 1.0 / (1.0 + a)
    with np.errstate(divide="ignore", invalid="ignore"):
        qstar = np.where(p < mu, p * (1.0 - mu) / ((1.0 - p) * mu), 1.0)
    q = np.where(press_always, 0.0, np.where(p > mu, 1.0, qstar))
    r = np.where(press_always, 1.0, np.where(p > mu, 0.0, rstar))
    return q, r


def _kernel(p, a, wr, wu, cw):
    mu = 1.0 / (1.0 - cw)
    astar = -wu
    committed = a > astar
    # primary
    q_u, r_u = _uncommitted(p, a, mu, cw > 0)
    q0 = np.where(committed, np.where(cw > 0, 0.0, 1.0), q_u)
    r0 = np.where(committed, np.where(cw > 0, 1.0, 0.0), r_u)
    f0 = committed.astype(float)
    # secondary, by priority (module docstring, knife-edges 1-5; e3 is knife-edge 2, e2 is 3)
    unc = ~committed
    e1 = a == astar
    e3 = ~e1 & unc & (a == 0) & ((cw > 0) | (p < mu))
    e2 = ~e1 & ~e3 & (cw == 0)
    e4 = ~e1 & ~e2 & ~e3 & unc & (cw < 0) & (p == mu)
    e5 = ~e1 & ~e2 & ~e3 & ~e4 & unc & (cw < 0) & (p == 0) & (a > 0)
    q_s2, r_s2 = _uncommitted(p, a, mu, np.ones_like(committed))
    q1 = np.select([e1, e2 & committed, e2, e3, e4, e5], [np.where(cw > 0, 0.0, 1.0), 0.0, q_s2, 1.0, 1.0, 0.0],
                   np.nan)
    r1 = np.select([e1, e2 & committed, e2, e3, e4, e5], [np.where(cw > 0, 1.0, 0.0), 1.0, r_s2, 1.0, 0.0, 1.0],
                   np.nan)
    f1 = np.where(e1 | (e2 & committed), 1.0, 0.0)
    second = e1 | e2 | e3 | e4 | e5

    valid = np.stack([np.ones_like(second), second], axis=-1)
    q = np.stack([q0, q1], -1)
    r = np.stack([r0, r1], -1)
    f = np.where(valid, np.stack([f0, f1], -1), np.nan)
    P, A, WR, WU, CW = (x[..., None] for x in (p, a, wr, wu, cw))

    p_threat = P + (1 - P) * q
    with np.errstate(divide="ignore", invalid="ignore"):
        posterior = np.where(p_threat > 0, P / p_threat, np.nan)
    p_war = r * (P + (1 - P) * q * f)
    p_cbd = p_threat * (1 - r)
    p_called = (1 - P) * q * r * (1 - f)
    fu = f * WU + (1 - f) * (-A)                 # unresolved type's payoff when pressed
    u_r = 1 - r + r * WR
    u_u = q * (1 - r + r * fu)
    u_d = P * u_r + (1 - P) * u_u
    u_c = (1 - P) * (1 - q) + r * (P * CW + (1 - P) * q * (f * CW + (1 - f)))

    code = np.select([q == 0, q < 1, (r == 0) & (f == 1), r == 0], [SEPARATING, SEMI_SEPARATING, COMMITTED,
                                                                   POOLING_DETERRED], POOLING_PRESSED)
    code = np.where(valid, code, -1)
    return TyingHands(
        prior=p, audience_cost=a, war_value_resolved=wr, war_value_unresolved=wu, challenger_war=cw,
        cutoff=mu, commitment_threshold=astar, n_equilibria=1 + second.astype(int), tie=second,
        valid=valid, code=code, bluff=q, press=r, fight_unresolved=f, posterior=posterior, p_threat=p_threat,
        p_war=p_war, p_challenger_backs_down=p_cbd, p_bluff_called=p_called, payoff_resolved=u_r,
        payoff_unresolved=u_u, payoff_defender=u_d, payoff_challenger=u_c,
    )


# --------------------------------------------------------------------------- curves
@dataclass(frozen=True)
class TyingHandsCurve:
    """Equilibria along one parameter axis, for :func:`sim.viz.bargaining.tying_hands_figure`.

    ``name`` is the varied keyword (a key of :data:`PARAMS`), ``values`` its sorted 1-D
    values (length ``n``), ``result`` a :class:`TyingHands` of shape ``(n,)`` and
    ``params`` the fixed keywords (floats).
    """

    name: str
    values: np.ndarray
    result: TyingHands
    params: dict


def tying_hands_curve(vary: str = "audience_cost", values=None, **params) -> TyingHandsCurve:
    """Equilibria of :func:`tying_hands` as functions of one parameter, in one array call.

    ``vary`` names the keyword on the x axis (default the audience cost), ``values`` its
    1-D values (default 401 points from 0 to ``1.6 a*`` for the audience cost, 0 to 1
    for the prior), ``params`` the other keywords (scalars; defaults of :data:`PARAMS`).
    Knife-edge points (the commitment threshold, the cutoff prior) are added to the
    default grids so that regions are delimited exactly.
    """
    if vary not in PARAMS:
        raise ConfigError("tying_hands_curve.vary", f"must be one of {', '.join(PARAMS)}, got {vary!r}")
    if vary in params:
        raise ConfigError(f"tying_hands_curve.{vary}", "is the varied parameter; give its values as `values`")
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise ConfigError(f"tying_hands.{unknown[0]}", f"unknown key; allowed keys are {', '.join(PARAMS)}")
    fixed = {k: params.get(k, d) for k, (d, _) in PARAMS.items() if k != vary}
    for k, v in fixed.items():
        if np.ndim(v) != 0:
            raise ConfigError(f"tying_hands.{k}", "must be a scalar in a curve (only the varied parameter is an array)")
    tying_hands(**fixed, **{vary: PARAMS[vary][0]})  # validates the fixed values
    fixed = {k: float(v) for k, v in fixed.items()}
    if values is None:
        if vary == "audience_cost":
            astar = -fixed["war_value_unresolved"]
            values = np.append(np.linspace(0.0, 1.6 * astar, 401), astar)
        elif vary == "prior":
            values = np.append(np.linspace(0.0, 1.0, 401), 1.0 / (1.0 - fixed["challenger_war"]))
            values = values[values <= 1]
        else:
            raise ConfigError("tying_hands_curve.values", f"needed when varying {vary}")
    x = as_float_array(f"tying_hands_curve.{vary}", values)
    if x.ndim != 1 or x.size < 2:
        raise ConfigError(f"tying_hands_curve.{vary}", f"values must be a 1-D array of >= 2 numbers, got shape {x.shape}")
    x = np.unique(x)
    return TyingHandsCurve(name=vary, values=x, result=tying_hands(**fixed, **{vary: x}), params=fixed)
