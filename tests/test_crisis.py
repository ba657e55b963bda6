"""Tests for sim/crisis/brinkmanship.py: the brinkmanship window and the unilateral deterrence game."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.crisis.brinkmanship import CB, CF, DC, OUTCOMES, SQ, brinkmanship_window, unilateral_deterrence
from sim.errors import ConfigError

# ------------------------------------------------------------------------------ brinkmanship


def test_brinkmanship_closed_forms():
    """r_min = vd / (vd + cd) and r_max = v / (v + cc) at hand-checked points."""
    w = brinkmanship_window(value=3.0, war_cost_challenger=1.0, war_cost_defender=4.0, defender_value=1.0)
    assert w.r_min == pytest.approx(0.2)  # 1 / (1 + 4)
    assert w.r_max == pytest.approx(0.75)  # 3 / (3 + 1)
    assert bool(w.exists)
    w = brinkmanship_window(value=1.0, war_cost_challenger=9.0, war_cost_defender=1.0, defender_value=1.0)
    assert (w.r_min, w.r_max) == (pytest.approx(0.5), pytest.approx(0.1))
    assert not bool(w.exists)
    # equal resolves: a single-point window, counted as nonempty
    w = brinkmanship_window(value=1.0, war_cost_challenger=1.0, war_cost_defender=2.0, defender_value=2.0)
    assert w.r_min == w.r_max == 0.5 and bool(w.exists)
    # nothing at stake for the Defender: any risk (even 0) is effective
    assert brinkmanship_window(1.0, 1.0, 1.0, 0.0).r_min == 0.0


def test_brinkmanship_broadcasts_and_matches_formula():
    rng = np.random.default_rng(0)
    v = rng.uniform(0, 5, size=(7, 1))
    cc = rng.uniform(0.1, 5, size=(1, 6))
    cd = rng.uniform(0.1, 5, size=(7, 6))
    vd = 2.0
    w = brinkmanship_window(v, cc, cd, vd)
    assert w.r_min.shape == w.r_max.shape == w.exists.shape == (7, 6)
    np.testing.assert_allclose(w.r_min, vd / (vd + cd))
    np.testing.assert_allclose(w.r_max, np.broadcast_to(v / (v + cc), (7, 6)))
    np.testing.assert_array_equal(w.exists, w.r_min <= w.r_max)
    assert np.all((w.r_min >= 0) & (w.r_min < 1) & (w.r_max >= 0) & (w.r_max < 1))


def test_brinkmanship_monotonicity():
    """r_min rises with the Defender's stake and falls with its war cost; r_max rises
    with the Challenger's gain and falls with its war cost (strictly, for positive stakes)."""
    x = np.linspace(0.1, 10, 200)
    assert np.all(np.diff(brinkmanship_window(1.0, 1.0, 1.0, x).r_min) > 0)
    assert np.all(np.diff(brinkmanship_window(1.0, 1.0, x, 1.0).r_min) < 0)
    assert np.all(np.diff(brinkmanship_window(x, 1.0, 1.0, 1.0).r_max) > 0)
    assert np.all(np.diff(brinkmanship_window(1.0, x, 1.0, 1.0).r_max) < 0)
    # the window only opens (never closes) as the Challenger's value grows
    ex = brinkmanship_window(x, 1.0, 1.0, 1.0).exists
    assert not np.any(ex[:-1] & ~ex[1:])


def test_brinkmanship_brute_force_expected_utilities():
    """On a grid of r, direct expected utilities agree with membership in the window.

    Defender: concede -> -vd; resist risk r -> r * (-(vd + cd)) + (1 - r) * 0.
    Challenger: press at risk r -> r * (-cc) + (1 - r) * v; back down -> 0.
    Effective iff concede >= resist; acceptable iff press >= back down.
    """
    rng = np.random.default_rng(1)
    n = 300
    v, vd = rng.uniform(0, 10, n), rng.uniform(0, 10, n)
    cc, cd = rng.uniform(0.05, 10, n), rng.uniform(0.05, 10, n)
    w = brinkmanship_window(v, cc, cd, vd)
    r = np.linspace(0, 1, 1001)[:, None]
    effective = -vd >= r * (-(vd + cd))
    acceptable = r * (-cc) + (1 - r) * v >= 0
    inside = w.contains(r)
    near_edge = (np.abs(r - w.r_min) < 1e-9) | (np.abs(r - w.r_max) < 1e-9)
    np.testing.assert_array_equal((effective & acceptable)[~near_edge], inside[~near_edge])
    # a nonempty window has a grid point in it whenever it is wider than the grid step
    wide = (w.r_max - w.r_min) > 1e-3
    assert np.all((effective & acceptable).any(axis=0)[wide])
    assert not np.any((effective & acceptable)[:, ~w.exists])


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(value=-1.0), "brinkmanship.value"),
        (dict(war_cost_challenger=0.0), "brinkmanship.war_cost_challenger"),
        (dict(war_cost_defender=np.nan), "brinkmanship.war_cost_defender"),
        (dict(defender_value="lots"), "brinkmanship.defender_value"),
        (dict(value=np.ones(3), defender_value=np.ones(4)), "brinkmanship"),
    ],
)
def test_brinkmanship_bad_input(kwargs, field):
    args = dict(value=1.0, war_cost_challenger=1.0, war_cost_defender=1.0, defender_value=1.0)
    args.update(kwargs)
    with pytest.raises(ConfigError) as err:
        brinkmanship_window(**args)
    assert err.value.field == field
    assert "\n" not in str(err.value)


# --------------------------------------------------------------- unilateral deterrence game


def _rank_payoffs(order):
    """Payoffs 4, 3, 2, 1 for outcomes listed best first, as an array in OUTCOMES order."""
    p = np.empty(4)
    for rank, name in enumerate(order):
        p[OUTCOMES.index(name)] = 4 - rank
    return p


def test_udg_hand_checked_type_combinations():
    """Complete information, standard preferences (Zagare and Kilgour 2000):
    Ch: DC > SQ > CB, and SQ > CF; Def: CB best, SQ > DC.  Ch Hard iff CF > CB,
    Def Hard iff CF > DC.  Backward induction:

    * Soft Ch backs down after Deny, so Def denies (CB is its best), so Demand yields
      CB < SQ: Ch keeps the SQ, whatever Def's type.
    * Hard Ch fights after Deny.  Soft Def prefers DC to CF, so concedes: Demand yields
      DC > SQ, and the outcome is DC (deterrence fails).
    * Hard Ch, Hard Def: Def denies (CF > DC), so Demand yields CF < SQ for Ch: SQ
      (deterrence succeeds because Def's threat is credible).
    """
    ch_hard, ch_soft = ["DC", "SQ", "CF", "CB"], ["DC", "SQ", "CB", "CF"]
    def_hard, def_soft = ["CB", "SQ", "CF", "DC"], ["CB", "SQ", "DC", "CF"]
    cases = [
        (ch_soft, def_soft, "SQ"),
        (ch_soft, def_hard, "SQ"),
        (ch_hard, def_soft, "DC"),
        (ch_hard, def_hard, "SQ"),
    ]
    c = np.stack([_rank_payoffs(ch) for ch, _, _ in cases])
    d = np.stack([_rank_payoffs(de) for _, de, _ in cases])
    sol = unilateral_deterrence(c, d)
    assert list(sol.outcome_labels()) == [want for _, _, want in cases]
    np.testing.assert_array_equal(sol.challenger_hard, [False, False, True, True])
    np.testing.assert_array_equal(sol.defender_hard, [False, True, False, True])
    assert not sol.tie.any()
    # same answer from the mapping form of the input
    one = unilateral_deterrence(dict(zip(OUTCOMES, c[3])), dict(zip(OUTCOMES, d[3])))
    assert one.outcome_labels() == "SQ"


def test_udg_all_ordinal_preferences_by_type():
    """Every strict ordinal ranking consistent with the standard assumptions
    (Ch: DC > SQ > CB; Def: CB best, SQ > DC) gives the type outcomes derived above:
    Soft Ch -> SQ; Hard Ch & Soft Def -> DC; Hard Ch & Hard Def -> SQ when Ch prefers SQ
    to CF, and CF (war) when Ch prefers CF to SQ (an aggressive Hard Challenger)."""
    perms = [list(p) for p in itertools.permutations(OUTCOMES)]

    def before(order, a, b):
        return order.index(a) < order.index(b)

    ch = [p for p in perms if before(p, "DC", "SQ") and before(p, "SQ", "CB")]
    de = [p for p in perms if p[0] == "CB" and before(p, "SQ", "DC")]
    pairs = list(itertools.product(ch, de))
    c = np.stack([_rank_payoffs(a) for a, _ in pairs])
    d = np.stack([_rank_payoffs(b) for _, b in pairs])
    sol = unilateral_deterrence(c, d)
    c_hard = c[:, CF] > c[:, CB]
    d_hard = d[:, CF] > d[:, DC]
    np.testing.assert_array_equal(sol.challenger_hard, c_hard)
    np.testing.assert_array_equal(sol.defender_hard, d_hard)
    want = np.where(~c_hard, SQ, np.where(~d_hard, DC, np.where(c[:, SQ] > c[:, CF], SQ, CF)))
    np.testing.assert_array_equal(sol.outcome, want)
    assert set(np.unique(want)) == {SQ, DC, CF}  # every branch exercised


def _outcome(demand, fight, deny):
    """Outcome code of a pure strategy profile (arrays of 0/1 broadcast together)."""
    return np.where(demand == 0, SQ, np.where(deny == 0, DC, np.where(fight == 1, CF, CB)))


def _brute_force_spe(c, d):
    """All pure profiles (demand, fight, deny) that are Nash in every subgame.

    Subgames: the whole game; the one starting at Def's node (Def chooses deny, Ch
    chooses fight); the one at Ch's final node (Ch chooses fight).  A profile is
    subgame perfect iff no player gains by a unilateral deviation to any of its
    strategies in any subgame.  Loops are over the 8 profiles, not parameter points.
    """
    def pay(u, o):
        return u[..., int(o)]  # profiles are scalars here, so the outcome is one column

    found = []
    for dem, fig, den in itertools.product((0, 1), repeat=3):
        ok = np.ones(c.shape[:-1], dtype=bool)
        # whole game
        o = _outcome(dem, fig, den)
        for dem2, fig2 in itertools.product((0, 1), repeat=2):
            ok &= pay(c, _outcome(dem2, fig2, den)) <= pay(c, o)
        for den2 in (0, 1):
            ok &= pay(d, _outcome(dem, fig, den2)) <= pay(d, o)
        # subgame at Def's node (Demand has been played)
        o1 = _outcome(1, fig, den)
        for fig2 in (0, 1):
            ok &= pay(c, _outcome(1, fig2, den)) <= pay(c, o1)
        for den2 in (0, 1):
            ok &= pay(d, _outcome(1, fig, den2)) <= pay(d, o1)
        # subgame at Ch's final node (Demand, Deny have been played)
        for fig2 in (0, 1):
            ok &= pay(c, _outcome(1, fig2, 1)) <= pay(c, _outcome(1, fig, 1))
        found.append(((dem, fig, den), ok))
    return found


def test_udg_backward_induction_matches_brute_force_spe():
    """For generic random payoffs the SPE is unique and equals backward induction."""
    rng = np.random.default_rng(2)
    c = rng.normal(size=(5000, 4))
    d = rng.normal(size=(5000, 4))
    sol = unilateral_deterrence(c, d)
    assert not sol.tie.any()
    found = _brute_force_spe(c, d)
    count = sum(ok.astype(int) for _, ok in found)
    np.testing.assert_array_equal(count, 1)
    for (dem, fig, den), ok in found:
        match = (sol.challenger_demands == dem) & (sol.challenger_fights == fig) & (sol.defender_denies == den)
        np.testing.assert_array_equal(match, ok)
        np.testing.assert_array_equal(sol.outcome[ok], _outcome(dem, fig, den))


def test_udg_ties_are_flagged_and_still_an_spe():
    """With indifference, the returned strategies are still one of the SPE profiles."""
    rng = np.random.default_rng(3)
    c = rng.integers(0, 3, size=(4000, 4)).astype(float)
    d = rng.integers(0, 3, size=(4000, 4)).astype(float)
    sol = unilateral_deterrence(c, d)
    assert sol.tie.any()
    found = dict(_brute_force_spe(c, d))
    key = np.stack([sol.challenger_demands, sol.challenger_fights, sol.defender_denies], -1).astype(int)
    is_spe = np.zeros(len(c), dtype=bool)
    for prof, ok in found.items():
        is_spe |= np.all(key == prof, axis=-1) & ok
    assert is_spe.all()


def test_udg_broadcasting_and_bad_input():
    c = {"SQ": 0.0, "DC": 1.0, "CB": -1.0, "CF": np.linspace(-2, 0.5, 6)[:, None]}
    d = {"SQ": 0.0, "DC": -1.0, "CB": 1.0, "CF": np.linspace(-2, 0.5, 5)}
    sol = unilateral_deterrence(c, d)
    assert sol.outcome.shape == (6, 5)
    with pytest.raises(ConfigError) as err:
        unilateral_deterrence({"SQ": 0, "DC": 1, "CB": 0}, d)
    assert err.value.field == "payoffs.challenger"
    with pytest.raises(ConfigError) as err:
        unilateral_deterrence(c, {**d, "CF": np.inf})
    assert err.value.field == "payoffs.defender.CF"
    with pytest.raises(ConfigError) as err:
        unilateral_deterrence(np.zeros(3), np.zeros(4))
    assert err.value.field == "payoffs.challenger"


def test_window_contains_checks_the_probability():
    w = brinkmanship_window(1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ConfigError):
        w.contains(1.5)
    with pytest.raises(ConfigError):
        w.contains(float("nan"))
    assert bool(w.contains(0.5))
