"""Tests for sim/games/builders.py: builders, broadcasting, slicing, configs, bad input.

Every expected value is a textbook ordering, a closed form derived by hand (and stated
in the builder's docstring), a published parameter set, or an invariant; none is a
recorded output of the code under test.
"""

from __future__ import annotations

import json

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.games.classify import classify
from sim.equilibria import pure_equilibria
from sim.errors import ConfigError
from sim.games import (GAMES, Game, build, builder_parameters, chicken, deterrence, from_matrices, ladder,
                       ladder_war_probability, payoff_matrices, prisoners_dilemma, stag_hunt, symmetric)

PROPS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow])


def rstp(M):
    """Side A's (R, S, T, P) of a 2x2 matrix: rung 0 = restrain, rung 1 = escalate."""
    return M[..., 0, 0], M[..., 0, 1], M[..., 1, 0], M[..., 1, 1]


# --------------------------------------------------------------------------- textbook orderings
def test_prisoners_dilemma_defaults_are_axelrods_values():
    g = prisoners_dilemma()
    R, S, T, P = rstp(g.A)
    # Axelrod (1984) tournament payoffs.
    assert (R, S, T, P) == (3.0, 0.0, 5.0, 1.0)
    assert T > R > P > S
    assert 2 * R > T + S  # alternating exploitation pays less than mutual restraint
    np.testing.assert_array_equal(g.B, g.A.T)  # symmetric game
    assert g.name == "prisoners_dilemma"


@pytest.mark.parametrize("value, crash_cost", [(2.0, 6.0), (1.0, 1.5), (4.0, 100.0), (0.5, 0.75)])
def test_chicken_has_chicken_ordering_when_crash_costs_more_than_the_prize(value, crash_cost):
    g = chicken(value, crash_cost)
    R, S, T, P = rstp(g.A)
    assert T > R > S > P
    # Hawk-Dove (Maynard Smith and Price 1973): dove-dove V/2, hawk-dove V, dove-hawk 0, hawk-hawk (V-C)/2.
    np.testing.assert_allclose(g.A, [[value / 2, 0], [value, (value - crash_cost) / 2]])
    np.testing.assert_array_equal(g.B, g.A.T)
    assert classify(g).name == "chicken"


def test_chicken_with_prize_worth_more_than_the_crash_is_a_prisoners_dilemma():
    # Hawk-Dove with V > C: hawk dominates, T > R > P > S.
    R, S, T, P = rstp(chicken(6.0, 2.0).A)
    assert T > R > P > S
    assert classify(chicken(6.0, 2.0)).name == "prisoners_dilemma"


def test_stag_hunt_defaults_ordering():
    R, S, T, P = rstp(stag_hunt().A)
    assert R > T > P > S
    assert R - T < P - S  # docstring: mutual escalation risk dominant with the defaults
    assert classify(stag_hunt()).name == "stag_hunt"


def test_deterrence_structure():
    sq, gain, ca, cb = 0.5, 1.5, 2.0, 3.0
    g = deterrence(sq, gain, ca, cb)
    np.testing.assert_allclose(g.A, [[sq, sq], [sq + gain, sq - ca]])
    np.testing.assert_allclose(g.B, [[sq, sq], [sq - gain, sq - cb]])
    # Nobody challenges -> the defender's choice does not matter: a tie in row 0 of B,
    # and the game is degenerate.
    assert g.B[0, 0] == g.B[0, 1]
    assert bool(classify(g).degenerate)
    assert g.sides == ("challenger", "defender")
    assert g.labels_a == ("status quo", "challenge") and g.labels_b == ("concede", "resist")


# --------------------------------------------------------------------------- the ladder
def ladder_K2_rstp(advantage, damage, cost, war_risk, war_cost, k):
    """Closed form quoted in the ladder docstring."""
    R = 0.0
    T = advantage - cost - war_cost * war_risk * (1 - k) / 2
    S = -advantage - damage - war_cost * war_risk * (1 - k) / 2
    P = -damage - cost - war_cost * war_risk
    return R, S, T, P


ladder_params = st.fixed_dictionaries(dict(
    advantage=st.floats(0, 50), damage=st.floats(0, 50), cost=st.floats(0, 20),
    war_risk=st.floats(0, 1), war_cost=st.floats(0, 500),
    risk_interaction=st.floats(0, 1), risk_exponent=st.floats(1, 4)))


@PROPS
@given(ladder_params)
def test_ladder_K2_is_rapoport_guyer_form(p):
    g = ladder(K=2, **p)
    R, S, T, P = ladder_K2_rstp(p["advantage"], p["damage"], p["cost"], p["war_risk"], p["war_cost"],
                                p["risk_interaction"])
    A, B = payoff_matrices(g)
    np.testing.assert_allclose(A, [[R, S], [T, P]], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(B, A.T, rtol=1e-12, atol=1e-9)


def _region(advantage, cost, war_risk, war_cost, k):
    lo = war_cost * war_risk * (1 - k) / 2
    hi = war_cost * war_risk * (1 + k) / 2
    x = advantage - cost
    return "prisoners_dilemma" if x > hi else "chicken" if x > lo else "harmony"


@pytest.mark.parametrize("war_cost, war_risk, k", [(100.0, 0.3, 0.5), (40.0, 0.5, 0.0), (60.0, 0.25, 1.0)])
@pytest.mark.parametrize("side", ["below_lo", "above_lo", "below_hi", "above_hi"])
def test_ladder_K2_regions_on_each_side_of_each_boundary(war_cost, war_risk, k, side):
    cost, damage = 2.0, 8.0
    lo, hi = war_cost * war_risk * (1 - k) / 2, war_cost * war_risk * (1 + k) / 2
    margin = {"below_lo": lo - 0.1, "above_lo": lo + 0.1, "below_hi": hi - 0.1, "above_hi": hi + 0.1}[side]
    expected = {"below_lo": "harmony", "above_lo": "chicken", "below_hi": "chicken",
                "above_hi": "prisoners_dilemma"}[side]
    if lo == hi and side in ("above_lo", "below_hi"):  # k = 0: no Chicken band
        expected = "harmony" if side == "below_hi" else "prisoners_dilemma"
    g = ladder(K=2, advantage=cost + margin, damage=damage, cost=cost, war_risk=war_risk, war_cost=war_cost,
               risk_interaction=k)
    R, S, T, P = rstp(payoff_matrices(g)[0])
    ordering = {"prisoners_dilemma": T > R > P > S, "chicken": T > R > S > P,
                "harmony": (R > T) and (S > P) and (R > S)}
    assert ordering[expected], (expected, R, S, T, P)
    assert classify(g).name == expected


@PROPS
@given(advantage=st.floats(0.01, 60), damage=st.floats(0.01, 30), cost=st.floats(0.01, 20),
       war_risk=st.floats(0.01, 1), war_cost=st.floats(0.01, 400), k=st.floats(0, 1))
def test_ladder_K2_classify_agrees_with_docstring_regions(advantage, damage, cost, war_risk, war_cost, k):
    lo = war_cost * war_risk * (1 - k) / 2
    hi = war_cost * war_risk * (1 + k) / 2
    x = advantage - cost
    assume(abs(x - lo) > 1e-6 * (1 + abs(lo)) and abs(x - hi) > 1e-6 * (1 + abs(hi)))
    g = ladder(K=2, advantage=advantage, damage=damage, cost=cost, war_risk=war_risk, war_cost=war_cost,
               risk_interaction=k)
    assert classify(g).name == _region(advantage, cost, war_risk, war_cost, k)


def _potential(K, advantage, cost, war_cost, p):
    s = np.arange(K) / (K - 1)
    return (advantage - cost) * (s[:, None] + s[None, :]) - war_cost * p


def _normal_form_and_potential(K, p):
    """The ladder's one-round normal form (as ``.A``, ``.B``) and the potential computed by hand."""
    g = SimpleNamespace(**dict(zip("AB", payoff_matrices(ladder(K=K, **p)))))
    wp = ladder_war_probability(K, p["war_risk"], p["risk_interaction"], p["risk_exponent"])
    return g, _potential(K, p["advantage"], p["cost"], p["war_cost"], wp)


@PROPS
@given(K=st.integers(2, 7), p=ladder_params)
def test_ladder_is_an_exact_potential_game(K, p):
    g, Phi = _normal_form_and_potential(K, p)
    scale = 1.0 + np.abs(g.A).max() + np.abs(Phi).max()
    # A[x, y] - A[x', y] == Phi[x, y] - Phi[x', y] for all x, x', y
    dA = g.A[:, None, :] - g.A[None, :, :]
    dPa = Phi[:, None, :] - Phi[None, :, :]
    np.testing.assert_allclose(dA, dPa, atol=1e-11 * scale)
    # B[x, y] - B[x, y'] == Phi[x, y] - Phi[x, y'] for all x, y, y'
    dB = g.B[:, :, None] - g.B[:, None, :]
    dPb = Phi[:, :, None] - Phi[:, None, :]
    np.testing.assert_allclose(dB, dPb, atol=1e-11 * scale)
    # Hand derivation: A - Phi = -(2 advantage + damage - cost) * s_y, a function of y alone.
    # (The docstring writes "(advantage + damage) * s_y"; the potential property holds either way.)
    s = np.arange(K) / (K - 1)
    np.testing.assert_allclose(g.A - Phi, np.broadcast_to(-(2 * p["advantage"] + p["damage"] - p["cost"]) * s, (K, K)),
                               atol=1e-11 * scale)


@PROPS
@given(K=st.integers(2, 7), p=ladder_params)
def test_ladder_always_has_a_pure_equilibrium(K, p):
    g, Phi = _normal_form_and_potential(K, p)
    # Monderer and Shapley (1996): a maximiser of the potential is a pure Nash equilibrium.
    x, y = np.unravel_index(np.argmax(Phi), Phi.shape)
    scale = 1e-9 * (1 + np.abs(g.A).max() + np.abs(g.B).max())
    assert g.A[x, y] >= g.A[:, y].max() - scale
    assert g.B[x, y] >= g.B[x, :].max() - scale
    assert pure_equilibria(g.A, g.B, tol=scale).any()


@PROPS
@given(K=st.integers(2, 9), r=st.floats(0, 1), k=st.floats(0, 1), e=st.floats(1, 5))
def test_war_probability_properties(K, r, k, e):
    p = ladder_war_probability(K, r, k, e)
    assert p.shape == (K, K)
    assert p[0, 0] == 0.0
    np.testing.assert_allclose(p[-1, -1], r, rtol=1e-12, atol=1e-15)
    assert np.all(p >= 0) and np.all(p <= r * (1 + 1e-12) + 1e-15)
    assert np.all(np.diff(p, axis=0) >= -1e-15) and np.all(np.diff(p, axis=1) >= -1e-15)  # monotone
    np.testing.assert_allclose(p, p.T, atol=1e-15)  # the risk does not care who escalated
    # K = 2 closed form: one side at the top, the other at rung 0 -> war_risk (1 - k) / 2
    if K == 2:
        np.testing.assert_allclose(p[1, 0], r * (1 - k) / 2, atol=1e-15)


def test_ladder_expected_war_cost_is_linear_in_war_cost():
    base = ladder(K=5, war_cost=0.0)
    for W in (10.0, 250.0):
        g = ladder(K=5, war_cost=W)
        # the stage payoffs do not depend on the war cost: war is kept apart (no fold/unfold)
        np.testing.assert_array_equal(g.A, base.A)
        np.testing.assert_array_equal(g.B, base.B)
        A, B = payoff_matrices(g)
        np.testing.assert_allclose(A - base.A, -W * g.war_probability, atol=1e-12)
        np.testing.assert_allclose(B - base.B, -W * g.war_probability, atol=1e-12)
        np.testing.assert_allclose(g.war_payoff, [-W, -W])
    np.testing.assert_allclose(base.war_probability, ladder_war_probability(5, 0.3, 0.5, 2.0))


# --------------------------------------------------------------------------- broadcasting, slicing
def test_ladder_broadcasts_a_200x200_grid_to_40000_games():
    W = np.linspace(0.0, 300.0, 200)[:, None]
    adv = np.linspace(0.0, 30.0, 200)[None, :]
    g = ladder(K=4, advantage=adv, war_cost=W, war_risk=0.4)
    assert g.batch_shape == (200, 200) and g.A.shape == (200, 200, 4, 4)
    assert int(np.prod(g.batch_shape)) == 40_000
    assert g.war_probability.shape == (200, 200, 4, 4)
    rng = np.random.default_rng(20240601)
    for i, j in rng.integers(0, 200, size=(6, 2)):
        single = ladder(K=4, advantage=float(adv[0, j]), war_cost=float(W[i, 0]), war_risk=0.4)
        np.testing.assert_array_equal(g.A[i, j], single.A)
        np.testing.assert_array_equal(g.B[i, j], single.B)
        sliced = g[i, j]
        assert sliced.batch_shape == ()
        np.testing.assert_array_equal(sliced.A, single.A)
        np.testing.assert_array_equal(sliced.B, single.B)
        np.testing.assert_array_equal(sliced.war_probability, single.war_probability)
        np.testing.assert_array_equal(sliced.war_payoff, single.war_payoff)
        assert sliced.params["advantage"] == adv[0, j] and sliced.params["war_cost"] == W[i, 0]


def test_symmetric_builders_broadcast():
    R = np.array([3.0, 4.0, 2.5])
    g = prisoners_dilemma(R=R)
    assert g.batch_shape == (3,)
    for i in range(3):
        np.testing.assert_array_equal(g.A[i], prisoners_dilemma(R=R[i]).A)
    c = chicken(value=np.array([1.0, 2.0])[:, None], crash_cost=np.array([5.0, 6.0, 7.0]))
    assert c.batch_shape == (2, 3)
    np.testing.assert_array_equal(c.A[1, 2], chicken(2.0, 7.0).A)


def test_getitem_on_ladder_batch():
    g = ladder(K=3, war_cost=np.array([10.0, 20.0, 30.0, 40.0]))
    row = g[1:3]
    assert row.batch_shape == (2,)
    np.testing.assert_array_equal(row.A, g.A[1:3])
    mask = np.array([True, False, True, False])
    np.testing.assert_array_equal(g[mask].A, g.A[mask])
    np.testing.assert_array_equal(g[mask].params["war_cost"], [10.0, 30.0])
    with pytest.raises(IndexError):
        ladder(K=3)[0]


def test_getitem_on_from_matrices_batch():
    # BUG (sim/games/builders.py, Game.__getitem__): for a "matrix" game params["A"] has shape
    # (N, K_A, K_B); np.broadcast_shapes(arr.shape, batch_shape) is evaluated before
    # `arr.ndim <= len(bs)` and raises ValueError when N is not 1 or K_B; and when it does not
    # raise, the slice keeps the *whole* batch in params, so to_config() of a slice rebuilds
    # the batch.
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(5, 2, 3)), rng.normal(size=(5, 2, 3))
    g = from_matrices(A, B)
    s = g[2]
    np.testing.assert_array_equal(s.A, A[2])
    rebuilt = build(**s.to_config())
    np.testing.assert_array_equal(rebuilt.A, A[2])
    np.testing.assert_array_equal(rebuilt.B, B[2])


def test_payoffs_are_bilinear_forms():
    g = ladder(K=3, war_cost=np.array([50.0, 150.0]))
    x = np.array([0.2, 0.5, 0.3])
    y = np.array([0.6, 0.1, 0.3])
    ua, ub = g.payoffs(x, y)
    for i in range(2):
        A = g.A[i] + g.war_probability[i] * g.war_payoff[i, 0]  # stage plus expected war payoff
        B = g.B[i] + g.war_probability[i] * g.war_payoff[i, 1]
        assert ua[i] == pytest.approx(x @ A @ y, abs=1e-12)
        assert ub[i] == pytest.approx(x @ B @ y, abs=1e-12)


def test_payoff_arrays_are_read_only():
    g = ladder(K=3)
    with pytest.raises(ValueError):
        g.A[0, 0] = 1.0


def test_from_matrices_default_is_zero_sum_and_non_square_is_fine():
    g = from_matrices([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(g.B, -g.A)
    assert g.n_actions == (2, 3)
    assert len(g.labels_a) == 2 and len(g.labels_b) == 3


# --------------------------------------------------------------------------- configs
@pytest.mark.parametrize("game", [
    prisoners_dilemma(), chicken(2.0, 6.0), stag_hunt(), deterrence(), symmetric(1, 2, 3, 4),
    ladder(K=4, war_risk=0.2, war_cost=np.array([10.0, 90.0])), from_matrices([[1, 2], [3, 4]], [[4, 3], [2, 1]]),
    ladder(K=3, advantage=np.linspace(0, 10, 4)[:, None], damage=np.array([1.0, 5.0]))[2],
], ids=lambda g: g.name)
def test_to_config_build_round_trip(game):
    cfg = game.to_config()
    cfg = json.loads(json.dumps(cfg))  # a config must survive being written to disk
    rebuilt = build(**cfg)
    assert rebuilt.name == game.name
    np.testing.assert_array_equal(rebuilt.A, game.A)
    np.testing.assert_array_equal(rebuilt.B, game.B)
    if game.war_probability is not None:
        np.testing.assert_array_equal(rebuilt.war_probability, game.war_probability)


def test_round_trip_keeps_side_names():
    # BUG (sim/games/builders.py, every builder): `sides` (and ladder's `labels`) are builder
    # arguments but are not stored in Game.params, so build(**g.to_config()) rebuilds the
    # game with the default side names ("A", "B").  The Game docstring promises that
    # to_config() holds "the builder's arguments".
    g = ladder(K=3, sides=("United States", "Soviet Union"))
    assert build(**g.to_config()).sides == ("United States", "Soviet Union")


def test_registry_and_builder_parameters():
    assert set(GAMES) >= {"prisoners_dilemma", "chicken", "stag_hunt", "deterrence", "ladder", "symmetric", "matrix"}
    assert {"K", "war_risk", "war_cost"} <= set(builder_parameters("ladder"))
    assert build("security_dilemma").name == "prisoners_dilemma"


# --------------------------------------------------------------------------- bad input
BAD = [
    (lambda: from_matrices([[1, 2], [3]]), "A"),
    (lambda: from_matrices([[1, 2], [3, 4]], [[1, 2], [3]]), "B"),
    (lambda: from_matrices([[np.nan, 0], [0, 0]]), "A"),
    (lambda: from_matrices([[np.inf, 0], [0, 0]]), "A"),
    (lambda: from_matrices([[0, 0], [0, 0]], [[0, -np.inf], [0, 0]]), "B"),
    (lambda: from_matrices([[1, 2], [3, 4]], [[1, 2, 3], [4, 5, 6]]), "B"),
    (lambda: from_matrices([1, 2, 3]), "A"),
    (lambda: Game([[1, 2], [3]], [[1, 2], [3, 4]]), "A"),
    (lambda: ladder(war_risk=1.3), "war_risk"),
    (lambda: ladder(war_risk=-0.1), "war_risk"),
    (lambda: ladder(war_risk=[0.2, 1.3]), "war_risk"),
    (lambda: ladder(risk_interaction=1.5), "risk_interaction"),
    (lambda: ladder(risk_exponent=0.5), "risk_exponent"),
    (lambda: ladder(war_cost=np.nan), "war_cost"),
    (lambda: ladder(advantage=[[1.0, 2.0], [3.0]]), "advantage"),
    (lambda: ladder(K=1), "K"),
    (lambda: ladder(K=0), "K"),
    (lambda: ladder(K=2.5), "K"),
    (lambda: ladder(K=3, labels=["low", "high"]), "labels"),
    (lambda: chicken(value=np.inf), "value"),
    (lambda: prisoners_dilemma(R=np.nan), "R"),
    (lambda: deterrence(challenger_cost=-1.0), "challenger_cost"),
    (lambda: build("no_such_game"), "game.name"),
    (lambda: build("chicken", valu=2.0), "game.valu"),
    (lambda: build("ladder", war_risk=1.3), "game.war_risk"),
    (lambda: build("ladder", K=1), "game.K"),
    (lambda: build("matrix", A=[[1, 2], [3]]), "game.A"),
]


@pytest.mark.parametrize("make, field", BAD, ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD)])
def test_bad_input_is_a_one_line_config_error_naming_the_field(make, field):
    with pytest.raises(ConfigError) as info:
        make()
    err = info.value
    assert err.field == field
    text = str(err)
    assert "\n" not in text and text.strip() == text
    assert text.startswith(field + ":")


def test_probability_error_states_the_bad_value_and_range():
    with pytest.raises(ConfigError) as info:
        ladder(war_risk=1.3)
    assert "1.3" in str(info.value) and "[0, 1]" in str(info.value)


def test_ladder_non_numeric_K_is_a_config_error():
    # BUG (sim/games/builders.py, ladder: `int(K) != K`): int("five") raises ValueError and
    # int(None) TypeError before the ConfigError is built, so a YAML typo like
    # `K: five` shows a traceback instead of the one-line message.
    for K in ("five", None):
        with pytest.raises(ConfigError) as info:
            ladder(K=K)
        assert info.value.field == "K"


def test_builders_turn_shape_and_keyword_mistakes_into_one_line_errors():
    with pytest.raises(ConfigError) as err:
        chicken(value=np.ones(3), crash_cost=np.ones(4))
    assert err.value.field == "chicken" and "value (3,), crash_cost (4,)" in str(err.value)
    with pytest.raises(ConfigError) as err:
        ladder(K=5, warcost=3)
    assert err.value.field == "warcost" and "war_cost" in str(err.value)
    assert chicken(value=np.ones((3, 1)), crash_cost=np.ones(4)).A.shape == (3, 4, 2, 2)  # broadcasting still works


# --------------------------------------------------------------------------- asymmetric ladder sides
ASYM = dict(advantage=10.0, damage=8.0, cost=2.0, war_cost=100.0, advantage_b=4.0, damage_b=6.0, cost_b=1.0,
            war_cost_b=40.0)


def test_asymmetric_ladder_matches_hand_computed_k3():
    # K = 3: s = (0, 1/2, 1).  war_risk = 0.4, k = 0.5, e = 1:
    # p(x, y) = 0.4 * [0.25 * (s_x + s_y) + 0.5 * s_x * s_y]
    g = ladder(K=3, war_risk=0.4, risk_interaction=0.5, risk_exponent=1.0, **ASYM)
    # A[x, y] = 10 (s_x - s_y) - 8 s_y - 2 s_x
    A = [[0.0, -9.0, -18.0],
         [4.0, -5.0, -14.0],
         [8.0, -1.0, -10.0]]
    # B[x, y] = 4 (s_y - s_x) - 6 s_x - 1 s_y
    B = [[0.0, 1.5, 3.0],
         [-5.0, -3.5, -2.0],
         [-10.0, -8.5, -7.0]]
    p = [[0.0, 0.05, 0.1],
         [0.05, 0.15, 0.25],
         [0.1, 0.25, 0.4]]
    np.testing.assert_allclose(g.A, A, rtol=0, atol=1e-12)
    np.testing.assert_allclose(g.B, B, rtol=0, atol=1e-12)
    np.testing.assert_allclose(g.war_probability, p, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(g.war_payoff, [-100.0, -40.0])
    Ae, Be = payoff_matrices(g)
    np.testing.assert_allclose(Ae, np.array(A) - 100 * np.array(p), atol=1e-12)
    np.testing.assert_allclose(Be, np.array(B) - 40 * np.array(p), atol=1e-12)


def test_asymmetric_ladder_k2_closed_forms_per_side():
    a, d, c, W, ab, db, cb, Wb, r, k = 10.0, 8.0, 2.0, 100.0, 4.0, 6.0, 1.0, 40.0, 0.3, 0.25
    Ae, Be = payoff_matrices(ladder(K=2, war_risk=r, risk_interaction=k, **ASYM))
    half = r * (1 - k) / 2
    np.testing.assert_allclose(rstp(Ae), [0.0, -a - d - W * half, a - c - W * half, -d - c - W * r], atol=1e-12)
    np.testing.assert_allclose(rstp(Be.T), [0.0, -ab - db - Wb * half, ab - cb - Wb * half, -db - cb - Wb * r],
                               atol=1e-12)


def test_ladder_side_b_none_is_side_a_bit_for_bit():
    base = dict(K=5, advantage=np.array([3.0, 20.0])[:, None], damage=7.5, cost=np.array([0.3, 1.7, 2.0]),
                war_risk=0.35, war_cost=np.array([10.0, 90.0, 170.0]), risk_exponent=2.5)
    g0 = ladder(**base)
    g1 = ladder(**base, advantage_b=base["advantage"], damage_b=base["damage"], cost_b=base["cost"],
                war_cost_b=base["war_cost"])
    for f in ("A", "B", "war_probability", "war_payoff"):
        a, b = getattr(g0, f), getattr(g1, f)
        assert a.shape == b.shape and a.tobytes() == b.tobytes(), f
    np.testing.assert_array_equal(g0.B, np.swapaxes(g0.A, -1, -2))
    assert not any(k.endswith("_b") for k in g0.params)  # a symmetric ladder's config is as before


@PROPS
@given(st.lists(st.floats(-50, 50, allow_nan=False, allow_infinity=False), min_size=8, max_size=8),
       st.integers(2, 6), st.floats(0, 1), st.floats(0, 1), st.floats(1, 4))
def test_swapping_sides_maps_the_ladder_onto_itself(v, K, r, k, e):
    a, d, c, W, ab, db, cb, Wb = v
    g = ladder(K=K, advantage=a, damage=d, cost=c, war_cost=W, advantage_b=ab, damage_b=db, cost_b=cb,
               war_cost_b=Wb, war_risk=r, risk_interaction=k, risk_exponent=e)
    h = ladder(K=K, advantage=ab, damage=db, cost=cb, war_cost=Wb, advantage_b=a, damage_b=d, cost_b=c,
               war_cost_b=W, war_risk=r, risk_interaction=k, risk_exponent=e)
    np.testing.assert_allclose(h.A, g.B.T, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(h.B, g.A.T, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(h.war_probability, g.war_probability.T, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(h.war_payoff, g.war_payoff[::-1])
    hA, hB = payoff_matrices(h)
    gA, gB = payoff_matrices(g)
    np.testing.assert_allclose(hA, gB.T, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(hB, gA.T, rtol=1e-12, atol=1e-9)


def test_asymmetric_ladder_batches_broadcast_per_side():
    ab = np.array([1.0, 5.0, 9.0])[:, None]        # (3, 1)
    Wb = np.array([10.0, 20.0, 30.0, 40.0])        # (4,)
    g = ladder(K=3, advantage=2.0, war_cost=np.array([[50.0], [60.0], [70.0]]), advantage_b=ab, war_cost_b=Wb)
    assert g.batch_shape == (3, 4) and g.A.shape == (3, 4, 3, 3) and g.war_payoff.shape == (3, 4, 2)
    assert g.war_probability.shape == (3, 4, 3, 3)
    for i in range(3):
        for j in range(4):
            one = ladder(K=3, advantage=2.0, war_cost=50.0 + 10 * i, advantage_b=ab[i, 0], war_cost_b=Wb[j])
            np.testing.assert_array_equal(g.A[i, j], one.A)
            np.testing.assert_array_equal(g.B[i, j], one.B)
            np.testing.assert_array_equal(g.war_probability[i, j], one.war_probability)
            np.testing.assert_array_equal(g.war_payoff[i, j], [-(50.0 + 10 * i), -Wb[j]])
            np.testing.assert_array_equal(g[i, j].B, one.B)


def test_asymmetric_ladder_config_round_trip():
    g = ladder(K=4, war_risk=0.2, advantage_b=np.array([1.0, 30.0]), damage_b=3.0, cost_b=0.5,
               war_cost_b=np.array([[5.0], [250.0]]), sides=("Challenger", "Defender"))
    cfg = json.loads(json.dumps(g.to_config()))
    assert {"advantage_b", "damage_b", "cost_b", "war_cost_b"} <= set(cfg)
    rebuilt = build(**cfg)
    for f in ("A", "B", "war_probability", "war_payoff"):
        np.testing.assert_array_equal(getattr(rebuilt, f), getattr(g, f))
    assert rebuilt.sides == g.sides
    assert {"advantage_b", "damage_b", "cost_b", "war_cost_b"} <= set(builder_parameters("ladder"))


@pytest.mark.parametrize("field", ["advantage_b", "damage_b", "cost_b", "war_cost_b"])
def test_asymmetric_ladder_bad_side_b_value_names_the_field(field):
    with pytest.raises(ConfigError) as err:
        build("ladder", **{field: "lots"})
    assert field in str(err.value) and "\n" not in str(err.value)


def test_run_config_and_sweep_accept_side_b_parameters():
    from sim.config.run import build_game, validate_run
    from sim.sweeps import sweepable_parameters
    from pathlib import Path
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    configs = Path(__file__).resolve().parent.parent / "configs"
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(configs), version_base="1.3"):
            raw = OmegaConf.to_container(compose(config_name="run", overrides=["+game.advantage_b=25"]),
                                         resolve=True)
    finally:
        GlobalHydra.instance().clear()
    assert raw["game"]["name"] == "ladder" and raw["game"]["advantage_b"] == 25
    rc = validate_run(raw)
    g = build_game(rc.game, rc.scenario)
    sym = build_game({k: v for k, v in rc.game.items() if k != "advantage_b"}, rc.scenario)
    np.testing.assert_array_equal(g.A, sym.A)
    assert not np.array_equal(g.B, sym.B)
    K = g.n_actions[0]
    s = np.arange(K) / (K - 1)
    exp_B = 25 * (s[None, :] - s[:, None]) - rc.game["damage"] * s[:, None] - rc.game["cost"] * s[None, :]
    np.testing.assert_allclose(g.B, exp_B, atol=1e-12)
    assert {"advantage_b", "damage_b", "cost_b", "war_cost_b"} <= set(sweepable_parameters("ladder"))


def test_repeated_crisis_pays_each_side_its_own_war_cost():
    from sim.repeated.strategies.named import always_escalate
    from sim.repeated.markov.chain import analyse

    K, r, T = 3, 0.2, 6
    d, c, db, cb, W, Wb = 8.0, 2.0, 6.0, 1.0, 100.0, 40.0
    g = ladder(K=K, war_risk=r, damage=d, cost=c, war_cost=W, damage_b=db, cost_b=cb, war_cost_b=Wb,
               advantage=10.0, advantage_b=4.0)
    res = analyse(g, always_escalate(K), always_escalate(K), rounds=T)
    # both at the top rung every round: each round still at peace pays the stage payoff
    # (-damage - cost) and, with probability r, the side's own war payoff
    alive = (1 - r) ** np.arange(T)
    np.testing.assert_allclose(res.total_payoffs, [np.sum(alive * (-d - c - r * W)),
                                                   np.sum(alive * (-db - cb - r * Wb))], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(res.p_war)[-1], 1 - (1 - r) ** T, rtol=1e-12)


def test_grid_sweep_over_side_b_war_cost():
    import sim
    from sim.repeated.strategies.named import always_escalate

    K, r, T = 3, 0.2, 5
    base = dict(K=K, war_risk=r, damage=8.0, cost=2.0, war_cost=100.0)
    table = sim.grid_sweep("ladder", base, {"war_cost_b": [0.0, 40.0, 300.0]},
                           (always_escalate(K), always_escalate(K)), ["payoff_a", "payoff_b"],
                           settings=dict(rounds=T))
    alive = np.sum((1 - r) ** np.arange(T))
    np.testing.assert_allclose(table["payoff_a"], alive * (-10.0 - r * 100.0), rtol=1e-12)
    np.testing.assert_allclose(table["payoff_b"], [alive * (-10.0 - r * w) for w in table["war_cost_b"]], rtol=1e-12)
    assert sorted(table["war_cost_b"]) == [0.0, 40.0, 300.0]



def test_asymmetric_ladder_is_a_weighted_potential_game():
    # docstring: weights (war_cost, war_cost_b), potential
    # Phi = (advantage - cost) / war_cost * s_x + (advantage_b - cost_b) / war_cost_b * s_y - p(x, y)
    rng = np.random.default_rng(1)
    for _ in range(50):
        a, d, c, ab, db, cb = rng.uniform(-20, 20, 6)
        W, Wb = rng.uniform(0.1, 200, 2)
        K = int(rng.integers(2, 7))
        g = ladder(K=K, advantage=a, damage=d, cost=c, war_cost=W, advantage_b=ab, damage_b=db, cost_b=cb,
                   war_cost_b=Wb, war_risk=rng.uniform(), risk_interaction=rng.uniform(),
                   risk_exponent=rng.uniform(1, 4))
        A, B = payoff_matrices(g)
        s = np.arange(K) / (K - 1)
        Phi = (a - c) / W * s[:, None] + (ab - cb) / Wb * s[None, :] - g.war_probability
        np.testing.assert_allclose(A - A[:1, :], W * (Phi - Phi[:1, :]), atol=1e-8)
        np.testing.assert_allclose(B - B[:, :1], Wb * (Phi - Phi[:, :1]), atol=1e-8)
        assert pure_equilibria(g).any()
