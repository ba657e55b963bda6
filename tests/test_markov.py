"""Exact Markov-chain analysis of strategy pairs (sim.repeated.markov) against independent facts.

Strategy automata are built locally (the registry in sim.repeated.strategies is not used here),
so these tests check sim.repeated.markov alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import ConfigError
from sim.games import Game, ladder, prisoners_dilemma
from sim.repeated.markov.chain import analyse, product_chain
from sim.repeated import noise_matrix as _confusion
from sim.repeated import Strategy

from conftest import require


# --------------------------------------------------------------------------- local automata
def tft(K=2, first=0):
    """Tit-for-tat: answer at the rung the other side was seen at; start at ``first``."""
    tr = np.zeros((K, K, K, K))
    tr[:, :, np.arange(K), np.arange(K)] = 1.0
    return Strategy("tft", np.eye(K)[first], np.eye(K), tr)


def constant(k, K=2):
    """Always play rung k (k=0: always restrain, k=K-1: always escalate)."""
    return Strategy(f"always_{k}", [1.0], np.eye(K)[[k]], np.ones((1, K, K, 1)))


def grudger(K=2):
    """Restrain until the other is seen above rung 0, then the top rung forever."""
    tr = np.zeros((2, K, K, 2))
    tr[0, :, 0, 0] = 1.0
    tr[0, :, 1:, 1] = 1.0
    tr[1, :, :, 1] = 1.0
    return Strategy("grudger", [1.0, 0.0], np.eye(K)[[0, K - 1]], tr)


def alternator():
    """Restrain, escalate, restrain, ...: next move is the opposite of its own executed move."""
    tr = np.zeros((2, 2, 2, 2))
    tr[:, 0, :, 1] = 1.0
    tr[:, 1, :, 0] = 1.0
    return Strategy("alternator", [1.0, 0.0], np.eye(2), tr)


def memory_one(p, p0=1.0):
    """K=2 memory-one strategy, Press-Dyson order: P(restrain) after (own, other) = RR, RS, SR, SS.

    States 0..3 = last (own executed, other seen) outcome, state 4 = the first round.
    """
    p = np.append(np.asarray(p, float), p0)
    act = np.stack([p, 1 - p], -1)
    tr = np.zeros((5, 2, 2, 5))
    for o in range(2):
        for v in range(2):
            tr[:, o, v, 2 * o + v] = 1.0
    return Strategy("memory_one", np.eye(5)[4], act, tr)


def war_game(p, R=3.0, S=0.0, T=5.0, P=1.0, war_payoff=-10.0):
    """PD stage game with constant per-round war risk p (stage payoffs; war kept apart)."""
    w = np.full((2, 2), float(p))
    A = np.array([[R, S], [T, P]])
    return Game(A, A.T.copy(), war_probability=w, war_payoff=np.array([war_payoff, war_payoff]))


PD = prisoners_dilemma()


# --------------------------------------------------------------------------- (a) Press & Dyson
def press_dyson(p, q, f):
    """D(p, q, f) of Press and Dyson (2012), eq. (3): q in Y's own outcome order."""
    p1, p2, p3, p4 = p
    q1, q2, q3, q4 = q
    return np.linalg.det(np.array([
        [-1 + p1 * q1, -1 + p1, -1 + q1, f[0]],
        [p2 * q3, -1 + p2, q3, f[1]],
        [p3 * q2, p3, -1 + q2, f[2]],
        [p4 * q4, p4, q4, f[3]],
    ]))


def test_memory_one_stationary_payoffs_match_press_dyson():
    rng = np.random.default_rng(2012)
    R, S, T, P = 3.0, 0.0, 5.0, 1.0
    for _ in range(25):
        p = rng.uniform(0.05, 0.95, 4)
        q = rng.uniform(0.05, 0.95, 4)
        res = analyse(PD, memory_one(p, rng.uniform()), memory_one(q, rng.uniform()))
        one = press_dyson(p, q, np.ones(4))
        sx = press_dyson(p, q, [R, S, T, P]) / one
        sy = press_dyson(p, q, [R, T, S, P]) / one
        np.testing.assert_allclose(res.payoffs, [sx, sy], rtol=1e-10, atol=1e-10)
        assert not res.absorbed_surely and np.isinf(res.total_payoffs).all()
        np.testing.assert_allclose(res.p_active, 1.0, atol=1e-12)


def test_memory_one_batch_of_games_matches_press_dyson():
    rng = np.random.default_rng(7)
    p, q = rng.uniform(0.1, 0.9, 4), rng.uniform(0.1, 0.9, 4)
    RSTP = rng.uniform(-2, 6, (3, 4, 4))
    A = np.stack([np.stack([RSTP[..., 0], RSTP[..., 1]], -1), np.stack([RSTP[..., 2], RSTP[..., 3]], -1)], -2)
    game = Game(A, np.swapaxes(A, -1, -2).copy())
    res = analyse(game, memory_one(p), memory_one(q))
    assert res.payoffs.shape == (3, 4, 2)
    one = press_dyson(p, q, np.ones(4))
    for idx in np.ndindex(3, 4):
        R, S, T, P = RSTP[idx]
        np.testing.assert_allclose(res.payoffs[idx], [press_dyson(p, q, [R, S, T, P]) / one,
                                                      press_dyson(p, q, [R, T, S, P]) / one], atol=1e-10)


def test_registry_memory_one_matches_press_dyson():
    from sim.repeated import strategies as st

    rng = np.random.default_rng(1)
    for _ in range(5):
        p, q = rng.uniform(0.05, 0.95, 4), rng.uniform(0.05, 0.95, 4)
        res = analyse(PD, st.memory_one(p), st.memory_one(q))
        one = press_dyson(p, q, np.ones(4))
        np.testing.assert_allclose(res.payoffs, [press_dyson(p, q, [3, 0, 5, 1]) / one,
                                                 press_dyson(p, q, [3, 5, 0, 1]) / one], atol=1e-10)


# --------------------------------------------------------------------------- (b) noisy TFT
@pytest.mark.parametrize("e", [1e-3, 0.05, 0.3, 0.5, 0.9])
def test_noisy_tft_pair_averages_a_quarter_of_each_outcome(e):
    res = analyse(PD, tft(), tft(), execution_noise=e)
    np.testing.assert_allclose(res.payoffs, [2.25, 2.25], rtol=1e-9)
    np.testing.assert_allclose(res.stationary.sum(-1).ravel(), 0.25, atol=1e-9)
    # perception noise alone on a TFT pair: still symmetric outcomes, a different number
    res_p = analyse(PD, tft(), tft(), perception_noise=e)
    assert res_p.payoffs[0] == pytest.approx(res_p.payoffs[1])


def test_periodic_and_absorbed_long_run_classes():
    # suspicious TFT vs TFT without noise alternates (S, R)(R, S) forever: a periodic class
    res = analyse(PD, tft(first=1), tft())
    np.testing.assert_allclose(res.payoffs, [2.5, 2.5], atol=1e-12)
    # war only at mutual escalation: TFT vs TFT never goes to war
    g = Game(PD.A, PD.B, war_probability=np.array([[0, 0], [0, 0.1]]), war_payoff=np.array([-10.0, -10.0]))
    res = analyse(g, tft(), tft())
    assert res.p_war == 0.0 and not res.absorbed_surely
    np.testing.assert_allclose(res.payoffs, [3.0, 3.0])
    # half the time side A starts as a defector: war with probability 1/2 exactly
    stay = np.zeros((2, 2, 2, 2))
    stay[0, :, :, 0] = stay[1, :, :, 1] = 1.0  # state 0: always restrain, state 1: always escalate
    mixed = Strategy("mixed", [0.5, 0.5], np.eye(2), stay)
    res = analyse(g, mixed, tft())
    assert res.p_war == pytest.approx(0.5, abs=1e-12)
    np.testing.assert_allclose(res.payoffs, [1.5, 1.5], atol=1e-12)
    assert np.isposinf(res.total_payoffs).all() and np.isinf(res.expected_rounds)


# --------------------------------------------------------------------------- (c) axelrod
# Only these tests need axelrod (the fixture skips them locally, fails them under CI without it);
# every other test in this module runs without it.
@pytest.fixture(scope="module")
def axl():
    return require("axelrod")


OURS = {"TitForTat": tft, "Grudger": grudger, "Defector": lambda: constant(1), "Cooperator": lambda: constant(0),
        "Alternator": alternator, "WinStayLoseShift": lambda: memory_one([1, 0, 0, 1])}


def test_deterministic_pairs_equal_axelrod_match_scores(axl):
    names = list(OURS)
    for i, a in enumerate(names):
        for b in names[i:]:
            match = axl.Match((getattr(axl, a)(), getattr(axl, b)()), turns=200)
            match.play()
            res = analyse(PD, OURS[a](), OURS[b](), rounds=200)
            assert tuple(res.payoffs) == tuple(float(s) for s in match.final_score()), (a, b)


@pytest.mark.parametrize("pair", [("TFT", "TFT"), ("WSLS", "TFT"), ("GTFT", "TFT")])
def test_noisy_expected_scores_agree_with_axelrod_monte_carlo(axl, pair):
    ours = {"TFT": tft, "WSLS": lambda: memory_one([1, 0, 0, 1]),
            "GTFT": lambda: memory_one([1, 1 / 3, 1, 1 / 3])}  # axelrod's p = min(1-(T-R)/(R-S), (R-P)/(T-P))
    theirs = {"TFT": axl.TitForTat, "WSLS": axl.WinStayLoseShift, "GTFT": axl.GTFT}
    e, n = 0.05, 400
    scores = []
    for seed in range(n):
        match = axl.Match((theirs[pair[0]](), theirs[pair[1]]()), turns=200, noise=e, seed=seed)
        match.play()
        scores.append(match.final_score())
    scores = np.array(scores, float)
    exact = analyse(PD, ours[pair[0]](), ours[pair[1]](), rounds=200, execution_noise=e).payoffs
    se = scores.std(axis=0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(scores.mean(axis=0) - exact) < 4 * se), (exact, scores.mean(0), se)


# --------------------------------------------------------------------------- (d) invariants
def _check_invariants(res, K):
    T = res.p_active.shape[-1]
    ended = res.p_war + res.p_settled + res.p_mediated
    np.testing.assert_allclose(res.p_active[..., 1:], 1 - ended[..., :-1], atol=1e-12)
    np.testing.assert_allclose(res.p_active[..., 0], 1.0, atol=1e-12)
    np.testing.assert_allclose(res.rung_distribution.sum(-1), np.repeat(res.p_active[..., None], 2, -1), atol=1e-12)
    assert np.all(res.rung_distribution >= -1e-15)
    for f in (res.p_war, res.p_settled, res.p_mediated):
        assert np.all(np.diff(f, axis=-1) >= -1e-15) and np.all(f >= -1e-15)
    assert np.all(ended <= 1 + 1e-12) and np.all(ended[..., -1] + res.p_active[..., -1] >= 1 - 1e-12)
    assert res.rung_distribution.shape[-3:] == (T, 2, K)


def test_invariants_on_a_ladder_with_everything_on():
    L = ladder(K=4, war_risk=[0.05, 0.2], advantage=[[4.0], [12.0]])
    res = analyse(L, tft(4), grudger(4), rounds=60, execution_noise=(0.1, 0.02), perception_noise=0.05,
                  settle_after=3, mediation=0.02, mediation_slope=0.1, discount=0.97)
    assert res.p_war.shape == (2, 2, 60) and res.payoffs.shape == (2, 2, 2)
    _check_invariants(res, 4)
    assert np.all(res.p_war[..., -1] > 0) and np.all(res.p_settled[..., -1] > 0) and np.all(res.p_mediated[..., -1] > 0)
    chain = product_chain(L, tft(4), grudger(4), execution_noise=(0.1, 0.02), perception_noise=0.05,
                          settle_after=3, mediation=0.02, mediation_slope=0.1)
    np.testing.assert_allclose(chain.Q.sum(-1) + chain.exits.sum(-1), 1.0, atol=1e-12)
    assert chain.Q.shape == (2, 2, 4 * 2 * 3, 4 * 2 * 3)


@pytest.mark.parametrize("p", [0.01, 0.2, 1.0])
def test_constant_war_risk_gives_geometric_time_to_war(p):
    T = 40
    t = np.arange(1, T + 1)
    res = analyse(war_game(p), tft(), memory_one([0.9, 0.2, 0.7, 0.1]), rounds=T, execution_noise=0.1)
    np.testing.assert_allclose(res.p_war, 1 - (1 - p) ** t, atol=1e-13)
    # always restrain: each round played pays R + p * war_payoff = A[0, 0], weighted by survival
    res = analyse(war_game(p), constant(0), constant(0), rounds=T, discount=0.9)
    A00 = 3.0 + p * -10.0
    np.testing.assert_allclose(res.payoffs, np.sum(A00 * (0.9 * (1 - p)) ** (t - 1)), rtol=1e-12)
    # war_risk_scale scales the risk but the base payoff stays R
    res = analyse(war_game(p), constant(0), constant(0), rounds=T, war_risk_scale=0.5)
    np.testing.assert_allclose(res.p_war, 1 - (1 - p / 2) ** t, atol=1e-13)
    np.testing.assert_allclose(res.payoffs, np.sum((3.0 - 5.0 * p) * (1 - p / 2) ** (t - 1)), rtol=1e-12)


@pytest.mark.parametrize("m", [1, 2, 5])
def test_settlement_at_exactly_round_m(m):
    T = 8
    for a, b in ((constant(0), constant(0)), (tft(), tft())):
        res = analyse(PD, a, b, rounds=T, settle_after=m)
        expected = (np.arange(1, T + 1) >= m).astype(float)
        np.testing.assert_array_equal(res.p_settled, expected)
        np.testing.assert_array_equal(res.p_active, (np.arange(1, T + 1) <= m).astype(float))
        np.testing.assert_allclose(res.payoffs, [3.0 * m, 3.0 * m])
    # one escalation resets the counter: escalate once, then restrain -> settled at round 1 + m
    res = analyse(PD, tft(first=1), constant(0), rounds=T, settle_after=m)
    np.testing.assert_array_equal(res.p_settled, (np.arange(1, T + 1) >= m + 1).astype(float))


def test_noise_spec_and_validation():
    np.testing.assert_allclose(_confusion(2, 0.1), [[0.9, 0.1], [0.1, 0.9]])
    np.testing.assert_allclose(_confusion(4, 0.3).sum(1), 1.0)
    assert _confusion(4, 0.3)[0, 1] == pytest.approx(0.1)
    biased = [[0.8, 0.2], [0.0, 1.0]]  # restraint read as escalation, never the reverse
    a = analyse(PD, tft(), tft(), rounds=5, perception_noise=[biased, 0.0])
    b = analyse(PD, tft(), tft(), rounds=5, perception_noise=(biased, [[1, 0], [0, 1]]))
    np.testing.assert_allclose(a.payoffs, b.payoffs)
    assert a.payoffs[0] < 15.0
    bad = [
        dict(rounds=0), dict(rounds=2.5), dict(discount=0.0), dict(discount=1.5), dict(settle_after=0),
        dict(execution_noise=1.5), dict(execution_noise=[[0.5, 0.6], [0, 1]]), dict(perception_noise=[0.1, 0.2, 0.3]),
        dict(mediation=-0.1), dict(mediation=0.1, mediation_slope=-0.5), dict(war_risk_scale=-1.0),
    ]
    for kw in bad:
        with pytest.raises(ConfigError) as err:
            analyse(PD, tft(), tft(), **kw)
        assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="has 3 rungs"):
        analyse(PD, tft(3), tft())
    with pytest.raises(ConfigError, match="war_risk_scale"):
        analyse(war_game(0.6), tft(), tft(), war_risk_scale=2.0)


# --------------------------------------------------------------------------- (e) batches
def test_batch_equals_one_by_one():
    L = ladder(K=3, war_risk=[0.0, 0.1, 0.4], advantage=[[2.0], [9.0]], war_cost=[[50.0], [120.0]])
    a, b = tft(3), grudger(3)
    kw = dict(execution_noise=0.05, perception_noise=(0.1, 0.0), settle_after=2, mediation=0.01, discount=0.95)
    for rounds in (30, None):
        batch = analyse(L, a, b, rounds=rounds, **kw)
        for idx in np.ndindex(L.batch_shape):
            one = analyse(L[idx], a, b, rounds=rounds, **kw)
            for f in ("rung_distribution", "p_active", "p_war", "p_settled", "p_mediated", "payoffs",
                      "total_payoffs", "expected_rounds"):
                np.testing.assert_allclose(getattr(batch, f)[idx], getattr(one, f), rtol=1e-10, atol=1e-12,
                                           err_msg=f"{f} at {idx}, rounds={rounds}")


# --------------------------------------------------------------------------- (f) long run
def test_long_run_absorption_and_convergence_of_finite_horizon():
    L = ladder(K=3, war_risk=[0.05, 0.3], advantage=[[3.0], [10.0]])
    a, b = tft(3), grudger(3)
    kw = dict(execution_noise=0.05, settle_after=2, mediation=0.002)
    lr = analyse(L, a, b, **kw)
    assert lr.absorbed_surely.all()
    np.testing.assert_allclose(lr.p_war + lr.p_settled + lr.p_mediated, 1.0, atol=1e-12)
    np.testing.assert_allclose(lr.p_active, 0.0, atol=1e-12)
    assert np.all(np.isfinite(lr.total_payoffs)) and np.all(np.isfinite(lr.expected_rounds))
    fin = analyse(L, a, b, rounds=6000, **kw)
    np.testing.assert_allclose(fin.p_war[..., -1], lr.p_war, atol=1e-9)
    np.testing.assert_allclose(fin.p_settled[..., -1], lr.p_settled, atol=1e-9)
    np.testing.assert_allclose(fin.p_mediated[..., -1], lr.p_mediated, atol=1e-9)
    np.testing.assert_allclose(fin.payoffs, lr.total_payoffs, rtol=1e-8)
    np.testing.assert_allclose(fin.expected_rounds, lr.expected_rounds, rtol=1e-8)
    # discounted value of a never-ending noisy chain equals the long finite sum
    lr = analyse(PD, tft(), memory_one([0.9, 0.1, 0.6, 0.3]), execution_noise=0.1, discount=0.9)
    fin = analyse(PD, tft(), memory_one([0.9, 0.1, 0.6, 0.3]), execution_noise=0.1, discount=0.9, rounds=400)
    np.testing.assert_allclose(fin.payoffs, lr.total_payoffs, rtol=1e-12)
    # and the long-run per-round payoff is the limit of the round-t payoff
    fin = analyse(PD, tft(), memory_one([0.9, 0.1, 0.6, 0.3]), execution_noise=0.1, rounds=3000)
    last = analyse(PD, tft(), memory_one([0.9, 0.1, 0.6, 0.3]), execution_noise=0.1, rounds=2999)
    np.testing.assert_allclose(fin.payoffs - last.payoffs, lr.payoffs, rtol=1e-9)


# --------------------------------------------------------------------------- Monte Carlo vs exact
MC_CASES = {
    "K2_pd_war_noise": (lambda: _war_pd(), "tit_for_tat", "win_stay_lose_shift", 2),
    "K5_ladder": (lambda: __import__("sim").ladder(K=5, war_risk=0.2), "graduated_response",
                  "conditional_deescalation", 5),
    "K5_ladder_grit": (lambda: __import__("sim").ladder(K=5, war_risk=0.3, risk_exponent=1.0), "grit",
                       "tit_for_two_tats", 5),
}


def _war_pd():
    from sim.games import Game, prisoners_dilemma

    g = prisoners_dilemma()
    wp = np.array([[0.0, 0.01], [0.01, 0.04]])
    war = np.array([-20.0, -20.0])
    # stage payoffs, war probability and war payoff kept apart, as the ladder builder does
    return Game(g.A, g.B, g.sides, name="pd_with_war", war_probability=wp, war_payoff=war)


@pytest.mark.parametrize("case", list(MC_CASES))
def test_monte_carlo_engine_agrees_with_exact(case):
    """Both kinds of noise, war risk, settlement and mediation: MC within 4 standard errors of exact."""
    from sim.repeated import strategies
    from sim.repeated.montecarlo.engine import simulate

    make, name_a, name_b, K = MC_CASES[case]
    game = make()
    a, b = strategies.get(name_a, K=K), strategies.get(name_b, K=K)
    kw = dict(rounds=40, execution_noise=0.05, perception_noise=(0.03, strategies.biased_noise(K, 0.06, 0.01)),
              settle_after=3, mediation=0.01, mediation_slope=0.02, discount=0.98)
    exact = analyse(game, a, b, **kw)
    n = 40_000
    mc = simulate(game, a, b, paths=n, seed=12345, **kw)
    se = np.sqrt(np.maximum(exact.p_war * (1 - exact.p_war), 1e-12) / n)
    assert np.all(np.abs(mc.p_war - exact.p_war) <= 4 * se + 1e-12)
    se = np.sqrt(np.maximum(exact.p_settled * (1 - exact.p_settled), 1e-12) / n)
    assert np.all(np.abs(mc.p_settled - exact.p_settled) <= 4 * se + 1e-12)
    rd = exact.rung_distribution
    se = np.sqrt(np.maximum(rd * (1 - rd), 1e-12) / n)
    assert np.all(np.abs(mc.rung_distribution - rd) <= 4 * se + 1e-12)
    psd = mc.path_payoffs.std(axis=0)
    assert np.all(np.abs(mc.payoffs - exact.payoffs) <= 4 * psd / np.sqrt(n) + 1e-9)


def test_strategies_may_be_given_by_name_or_spec():
    """analyse and simulate accept registry names and spec dicts (as round_robin does)."""
    from sim import games
    from sim.repeated.montecarlo.engine import simulate
    from sim.repeated.strategies.named import get

    g = games.ladder(K=4, war_risk=0.4)
    kw = dict(rounds=8, execution_noise=0.05, perception_noise=0.05)
    by_obj = analyse(g, get("tit_for_tat", K=4), get("grit", K=4, period=2), **kw)
    by_name = analyse(g, "tit_for_tat", {"name": "grit", "period": 2}, **kw)
    np.testing.assert_array_equal(by_obj.p_war, by_name.p_war)
    mc_obj = simulate(g, get("tit_for_tat", K=4), get("grit", K=4, period=2), paths=2000, seed=3, **kw)
    mc_name = simulate(g, "tit_for_tat", {"name": "grit", "period": 2}, paths=2000, seed=3, **kw)
    np.testing.assert_array_equal(mc_obj.p_war, mc_name.p_war)
