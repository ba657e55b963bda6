"""Escalation traps: the war of attrition and the dollar auction.

All functions are pure kernels on numpy arrays (no files, no printing, no global RNG);
randomness only comes from a passed :class:`numpy.random.Generator` or
:class:`numpy.random.SeedSequence`.  Bad inputs raise :class:`sim.errors.ConfigError`
with a one-line message naming the field.

War of attrition (J. Maynard Smith 1974, *J. Theor. Biol.* 47; D. T. Bishop and
C. Cannings 1978, *J. Theor. Biol.* 70)
    Two contestants for a prize ``V`` both pay ``c`` per unit time until one quits.
    The symmetric evolutionarily stable strategy is to quit at a random time with
    constant hazard ``c / V`` (exponential, mean ``V / c``): at that hazard the
    expected gain of staying ``dt`` longer, ``(c / V) dt * V``, exactly equals its cost
    ``c dt``, so every quitting time earns the same expected payoff (zero).  A contest
    between two such players lasts the minimum of two independent exponentials:
    exponential with rate ``2 c / V`` and mean ``V / (2 c)``.

Dollar auction (M. Shubik 1971, *J. Conflict Resolution* 15; B. O'Neill 1986,
"International escalation and the dollar auction", *J. Conflict Resolution* 30, 33-50)
    Two players alternately bid for a prize ``stake``; each bid must exceed the current
    high bid by a whole number of increments and may not exceed the common ``budget``.
    The auction ends when the player to move passes: the high bidder wins the stake and
    *both* players pay their last bids.  With stake ``s`` and budget ``b`` in units of
    the increment, :func:`dollar_auction` solves the game by backward induction over
    the states ``(current high bid x, mover's own standing bid y < x)``.  Following
    O'Neill, a player indifferent between bidding and passing passes, and among equally
    good bids chooses the lowest.  O'Neill's result (checked in the tests, not used by
    the solver): for ``s > 1`` and ``b >= s`` the first bidder opens with
    ``((b - 1) mod (s - 1)) + 1`` increments and the second bidder passes at once.
    Example: a $1 stake, $2.50 budgets and 5-cent increments give ``s = 20``,
    ``b = 50`` and an opening bid of 12 increments = $0.60.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.errors import ConfigError
from sim.crisis.dynamics import _positive, _as_generator

__all__ = ["attrition_hazard", "simulate_attrition", "DollarAuctionResult", "dollar_auction"]




def attrition_hazard(V, c) -> np.ndarray:
    """Quitting hazard ``c / V`` of the symmetric war-of-attrition equilibrium
    (exponential quitting time with mean ``V / c``), broadcast over batches."""
    V = _positive(V, "V")
    c = _positive(c, "c")
    return c / V


def simulate_attrition(V, c, n: int, rng) -> np.ndarray:
    """Lengths of ``n`` contests between two equilibrium players, for each ``(V, c)``.

    Each player's quitting time is drawn from the exponential equilibrium with hazard
    ``c / V``; the contest ends at the earlier of the two, so lengths are exponential
    with mean ``V / (2 c)``.  Returns an array of shape ``broadcast(V, c).shape + (n,)``.
    ``rng`` is a :class:`numpy.random.Generator` or :class:`numpy.random.SeedSequence`.
    """
    hazard = attrition_hazard(V, c)
    if int(n) != n or n < 1:
        raise ConfigError("n", f"must be an integer >= 1, got {n!r}")
    gen = _as_generator(rng)
    scale = (1.0 / hazard)[..., None]
    size = hazard.shape + (int(n),)
    first = gen.exponential(1.0, size) * scale
    second = gen.exponential(1.0, size) * scale
    return np.minimum(first, second)


# ----------------------------------------------------------------- dollar auction


@dataclass(frozen=True)
class DollarAuctionResult:
    """Backward-induction solution of the dollar auction.

    Money amounts are in the caller's units; ``*_units`` are in increments.
    ``best_bid[x]`` is the bid (in increments) a mover makes over a high bid of ``x``
    if they bid at all (``0`` at ``x = budget``), and ``bids[x, y]`` says whether the
    mover with standing bid ``y`` bids over ``x`` (entries with ``y >= x`` are False,
    except the opening state ``[0, 0]``).
    """

    stake_units: int
    budget_units: int
    increment: float
    opening_bid_units: int  # 0 if the first player does not bid
    opening_bid: float
    path_units: tuple[int, ...]  # equilibrium sequence of bids
    payoff_first: float
    payoff_second: float
    best_bid: np.ndarray
    bids: np.ndarray


def _units(value, field: str, increment: float) -> int:
    val = float(_positive(value, field))
    units = val / increment
    r = round(units)
    if r < 1 or abs(units - r) > 1e-9 * max(1.0, abs(units)):
        raise ConfigError(field, f"must be a positive whole multiple of the increment {increment:g}, got {val:g}")
    return int(r)


def dollar_auction(stake, budget, increment=1) -> DollarAuctionResult:
    """Solve the dollar auction with equal budgets by backward induction.

    State ``(x, y)``: current high bid ``x`` (held by the other player) and the mover's
    own standing bid ``y < x`` (``0`` if they have not bid); ``(0, 0)`` is the opening.
    Passing gives the mover ``-y`` and the other ``stake - x`` (nothing to either at
    the opening).  Bidding ``z`` in ``(x, budget]`` hands the move to the other player
    in state ``(z, x)``.  Because the continuation after a bid of ``z`` does not depend
    on ``y``, the best bid over ``x`` is computed once per ``x`` and the dynamic program
    runs in ``O(budget^2)``.  Ties go to passing, then to the lowest bid (O'Neill 1986).
    """
    inc = float(_positive(increment, "increment"))
    s = _units(stake, "stake", inc)
    bmax = _units(budget, "budget", inc)

    size = bmax + 1
    V = np.full((size, size), np.nan)  # payoff to the mover in state (x, y)
    W = np.full((size, size), np.nan)  # payoff to the other player (high bidder)
    best_bid = np.zeros(size, dtype=int)
    best_val = np.full(size, -np.inf)
    bids = np.zeros((size, size), dtype=bool)
    for x in range(bmax, -1, -1):
        ys = np.arange(max(x, 1))
        pass_mover = -ys.astype(float)
        pass_other = np.full(ys.shape, float(s - x) if x > 0 else 0.0)
        if x < bmax:
            cont = W[x + 1:, x]  # payoff to a bidder of z = x+1..bmax over x
            j = int(np.argmax(cont))  # first maximum: lowest of equally good bids
            best_bid[x], best_val[x] = x + 1 + j, cont[j]
            bid = best_val[x] > pass_mover  # strict: indifferent players pass
            V[x, ys] = np.where(bid, best_val[x], pass_mover)
            W[x, ys] = np.where(bid, V[best_bid[x], x], pass_other)
            bids[x, ys] = bid
        else:
            V[x, ys], W[x, ys] = pass_mover, pass_other

    path = []
    x, y = 0, 0
    while bids[x, y]:
        z = int(best_bid[x])
        path.append(z)
        x, y = z, x
    opening = path[0] if path else 0
    return DollarAuctionResult(
        stake_units=s, budget_units=bmax, increment=inc,
        opening_bid_units=opening, opening_bid=opening * inc, path_units=tuple(path),
        payoff_first=float(V[0, 0]) * inc, payoff_second=float(W[0, 0]) * inc,
        best_bid=best_bid, bids=bids,
    )
