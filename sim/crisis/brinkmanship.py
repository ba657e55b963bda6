"""Sequential crisis models: the brinkmanship window and the unilateral deterrence game.

Everything here is vectorised: parameters are numpy arrays (or scalars) that are
broadcast together, and results have the broadcast shape.  There are no Python loops
over parameter points.  Bad input raises :class:`sim.errors.ConfigError` naming the field.

Brinkmanship (Schelling 1960, *The Strategy of Conflict*, ch. 8 "The threat that leaves
something to chance"; Powell 1990, *Nuclear Deterrence Theory: The Search for
Credibility*, ch. 2)
    A Challenger demands a stake held by a Defender and backs its demand by generating
    a shared risk ``r`` in [0, 1] of a war that neither side fully controls.  Each side
    compares running risk ``r`` (war with probability ``r``, otherwise it *prevails*)
    with *submitting* for sure.  Payoffs, with the status quo worth 0 to both::

        outcome                        Challenger            Defender
        status quo / Challenger backs  0                     0
        Defender concedes the stake    +value                -defender_value
        war                            -war_cost_challenger  -(defender_value + war_cost_defender)

    so ``war_cost_i`` is war's cost to side ``i`` *measured from its submission
    outcome* (``u_i(submit) - u_i(war)``): the Challenger submits by backing down to the
    status quo, the Defender by conceding.  This is Powell's convention, in which a
    side's *resolve* is ``(u(prevail) - u(submit)) / (u(prevail) - u(war))``, the
    largest risk of war it will run rather than submit.

    *Effective*: the Defender prefers conceding to running risk ``r`` (war with
    probability ``r``, otherwise it keeps the stake)::

        -defender_value >= -r (defender_value + war_cost_defender)
        <=>  r >= r_min = defender_value / (defender_value + war_cost_defender)

    *Acceptable*: the Challenger prefers running risk ``r`` (war with probability
    ``r``, otherwise the Defender gives way and it gains ``value``) to backing down::

        (1 - r) value - r war_cost_challenger >= 0
        <=>  r <= r_max = value / (value + war_cost_challenger)

    The window of risks that are both effective and acceptable is ``[r_min, r_max]``,
    nonempty iff ``r_min <= r_max``, i.e. iff the Challenger's resolve is at least the
    Defender's (Powell 1990: in brinkmanship the more resolute side prevails).  Ties
    (indifference) count as inside.  Both ``r_min`` and ``r_max`` lie in [0, 1).

Unilateral deterrence game (Zagare and Kilgour 2000, *Perfect Deterrence*, Cambridge UP)
    Challenger (Ch) moves first: keep the Status Quo (outcome ``SQ``) or Demand.
    Defender (Def) then Concedes (outcome ``DC``) or Denies.  If denied, Ch Backs down
    (outcome ``CB``) or Fights (outcome ``CF``, conflict).  Each player's payoffs are
    four arrays, one per outcome.  Following Zagare and Kilgour, a player is *Hard*
    (its threat is credible) if it prefers conflict to capitulating: Ch is Hard iff
    ``u_Ch(CF) > u_Ch(CB)``; Def is Hard iff ``u_Def(CF) > u_Def(DC)``.

    :func:`unilateral_deterrence` returns the subgame-perfect equilibrium by backward
    induction (complete information).  Where a player is exactly indifferent, the tie
    is broken towards the non-escalatory move (back down, concede, status quo) and the
    point is flagged in ``tie`` (the equilibrium may then not be unique).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.errors import ConfigError, as_float_array

__all__ = [
    "BrinkmanshipWindow",
    "brinkmanship_window",
    "OUTCOMES",
    "SQ",
    "DC",
    "CB",
    "CF",
    "UnilateralDeterrence",
    "unilateral_deterrence",
]


def _finite(name: str, value, *, positive: bool = False, nonnegative: bool = False) -> np.ndarray:
    arr = as_float_array(name, value)  # numbers, finite, rectangular
    if positive and not np.all(arr > 0):
        raise ConfigError(name, f"must be > 0, got min {arr.min():g}")
    if nonnegative and not np.all(arr >= 0):
        raise ConfigError(name, f"must be >= 0, got min {arr.min():g}")
    return arr


def _broadcast(fields: dict[str, np.ndarray]) -> list[np.ndarray]:
    try:
        return list(np.broadcast_arrays(*fields.values()))
    except ValueError:
        shapes = ", ".join(f"{k}{v.shape}" for k, v in fields.items())
        raise ConfigError(next(iter(fields)).split(".")[0], f"shapes do not broadcast: {shapes}") from None


# ----------------------------------------------------------------------------- brinkmanship


@dataclass(frozen=True)
class BrinkmanshipWindow:
    """Risks of war that are effective (``>= r_min``) and acceptable (``<= r_max``).

    ``r_min`` is the Defender's resolve, ``r_max`` the Challenger's; ``exists`` is
    ``r_min <= r_max``.  All three arrays have the broadcast shape of the inputs.
    """

    r_min: np.ndarray
    r_max: np.ndarray
    exists: np.ndarray

    def contains(self, r) -> np.ndarray:
        """Whether risk ``r`` (broadcast against the window) is effective and acceptable."""
        r = _finite("brinkmanship.risk", r)
        if np.any((r < 0) | (r > 1)):
            raise ConfigError("brinkmanship.risk", f"is a probability and must be in [0, 1], got {r.min():g} to {r.max():g}")
        return (r >= self.r_min) & (r <= self.r_max)


def brinkmanship_window(value, war_cost_challenger, war_cost_defender, defender_value) -> BrinkmanshipWindow:
    """The brinkmanship window ``[r_min, r_max]`` (model in the module docstring).

    Parameters (arrays broadcast together)
    ----------
    value : Challenger's gain if the Defender concedes, ``>= 0``.
    war_cost_challenger : Challenger's cost of war relative to backing down, ``> 0``.
    war_cost_defender : Defender's cost of war relative to conceding, ``> 0``.
    defender_value : Defender's loss from conceding the stake, ``>= 0``.

    Returns
    -------
    BrinkmanshipWindow with ``r_min = defender_value / (defender_value + war_cost_defender)``,
    ``r_max = value / (value + war_cost_challenger)`` and ``exists = r_min <= r_max``.
    """
    v = _finite("brinkmanship.value", value, nonnegative=True)
    cc = _finite("brinkmanship.war_cost_challenger", war_cost_challenger, positive=True)
    cd = _finite("brinkmanship.war_cost_defender", war_cost_defender, positive=True)
    vd = _finite("brinkmanship.defender_value", defender_value, nonnegative=True)
    v, cc, cd, vd = _broadcast(
        {
            "brinkmanship.value": v,
            "brinkmanship.war_cost_challenger": cc,
            "brinkmanship.war_cost_defender": cd,
            "brinkmanship.defender_value": vd,
        }
    )
    r_min = vd / (vd + cd)
    r_max = v / (v + cc)
    return BrinkmanshipWindow(r_min=r_min, r_max=r_max, exists=r_min <= r_max)


# ----------------------------------------------------------------- unilateral deterrence game

OUTCOMES = ("SQ", "DC", "CB", "CF")
SQ, DC, CB, CF = range(4)


@dataclass(frozen=True)
class UnilateralDeterrence:
    """Subgame-perfect equilibrium of the unilateral deterrence game, per parameter point.

    outcome : int array of codes into :data:`OUTCOMES` (``SQ, DC, CB, CF = 0, 1, 2, 3``).
    challenger_demands, defender_denies, challenger_fights : bool arrays, the full
        equilibrium strategies (actions at every decision node, reached or not).
    challenger_hard, defender_hard : bool arrays, Zagare-Kilgour types.
    tie : bool array, some player was indifferent at some node (tie broken towards the
        non-escalatory move; the equilibrium may not be unique there).
    """

    outcome: np.ndarray
    challenger_demands: np.ndarray
    defender_denies: np.ndarray
    challenger_fights: np.ndarray
    challenger_hard: np.ndarray
    defender_hard: np.ndarray
    tie: np.ndarray

    def outcome_labels(self) -> np.ndarray:
        """The outcomes as strings (``"SQ"``, ``"DC"``, ``"CB"``, ``"CF"``)."""
        return np.asarray(OUTCOMES)[self.outcome]


def _payoffs(name: str, payoffs) -> list[np.ndarray]:
    """Four arrays (SQ, DC, CB, CF) from a mapping or an array whose last axis is 4."""
    if isinstance(payoffs, Mapping):
        missing = [k for k in OUTCOMES if k not in payoffs]
        extra = [k for k in payoffs if k not in OUTCOMES]
        if missing or extra:
            raise ConfigError(name, f"needs exactly the keys {', '.join(OUTCOMES)}; missing {missing}, unknown {extra}")
        return [_finite(f"{name}.{k}", payoffs[k]) for k in OUTCOMES]
    arr = _finite(name, payoffs)
    if arr.ndim == 0 or arr.shape[-1] != 4:
        raise ConfigError(name, f"must be a mapping with keys {', '.join(OUTCOMES)} or an array whose last axis is 4, got shape {arr.shape}")
    return [arr[..., k] for k in range(4)]


def unilateral_deterrence(challenger, defender) -> UnilateralDeterrence:
    """Solve the Zagare-Kilgour unilateral deterrence game by backward induction.

    Parameters
    ----------
    challenger, defender : mapping ``{"SQ": ..., "DC": ..., "CB": ..., "CF": ...}`` of
        payoff arrays, or arrays whose last axis holds the payoffs in that order.  All
        eight payoff arrays are broadcast together.

    Backward induction (ties towards the non-escalatory move):

    1. Ch fights iff ``u_Ch(CF) > u_Ch(CB)`` (Ch Hard); after Deny the outcome is
       ``CF`` if so, else ``CB``.
    2. Def denies iff ``u_Def(after Deny) > u_Def(DC)``.
    3. Ch demands iff ``u_Ch(after Demand) > u_Ch(SQ)``.
    """
    c = _payoffs("payoffs.challenger", challenger)
    d = _payoffs("payoffs.defender", defender)
    fields = {f"payoffs.challenger.{k}": a for k, a in zip(OUTCOMES, c)}
    fields.update({f"payoffs.defender.{k}": a for k, a in zip(OUTCOMES, d)})
    arrays = _broadcast(fields)
    c, d = arrays[:4], arrays[4:]

    fights = c[CF] > c[CB]
    after_deny = np.where(fights, CF, CB)
    d_after_deny = np.where(fights, d[CF], d[CB])
    denies = d_after_deny > d[DC]
    after_demand = np.where(denies, after_deny, DC)
    c_after_demand = np.choose(after_demand, c)
    demands = c_after_demand > c[SQ]
    outcome = np.where(demands, after_demand, SQ)

    tie = (c[CF] == c[CB]) | (d_after_deny == d[DC]) | (c_after_demand == c[SQ])
    return UnilateralDeterrence(
        outcome=np.asarray(outcome, dtype=int),
        challenger_demands=demands,
        defender_denies=denies,
        challenger_fights=fights,
        challenger_hard=fights.copy(),
        defender_hard=d[CF] > d[DC],
        tie=tie,
    )
