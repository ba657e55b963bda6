"""The Monte-Carlo engine: agreement with the axelrod library, closed forms, invariants,
seeding.  Facts checked here are independent of the implementation (axelrod's matches,
geometric laws, exact deterministic sums)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from unittest import mock

import sim
from sim.repeated.montecarlo import engine
from sim import games
from sim.repeated import strategies as st
from sim.repeated.montecarlo.engine import simulate
from sim.repeated.montecarlo.tables import alias_table
from sim.errors import ConfigError

from conftest import require

AXL_OURS = {"TitForTat": "tit_for_tat", "Grudger": "grim_trigger", "Defector": "always_escalate",
            "Cooperator": "always_restrain", "Alternator": "alternator", "TitFor2Tats": "tit_for_two_tats",
            "WinStayLoseShift": "win_stay_lose_shift", "SuspiciousTitForTat": "suspicious_tit_for_tat"}


def constant_war_game(p, war_payoff=(-10.0, -10.0), K=2, batch=()):
    """A game whose per-round war probability is p at every rung pair."""
    A = np.broadcast_to(np.arange(K * K, dtype=float).reshape(K, K), batch + (K, K)).copy()
    wp = np.broadcast_to(np.asarray(p, dtype=float)[..., None, None], batch + (K, K)).copy()
    wpay = np.broadcast_to(np.asarray(war_payoff, dtype=float), batch + (2,)).copy()
    return games.Game(A, A.swapaxes(-1, -2).copy(), war_probability=wp, war_payoff=wpay)


# --------------------------------------------------------------------------- axelrod
def test_deterministic_matches_equal_axelrod_move_for_move():
    axl = require("axelrod")
    game = games.prisoners_dilemma()  # (R, S, T, P) = (3, 0, 5, 1), axelrod's default Game
    for a, oa in AXL_OURS.items():
        for b, ob in AXL_OURS.items():
            match = axl.Match((getattr(axl, a)(), getattr(axl, b)()), turns=200)
            moves = np.array([[0 if m == axl.Action.C else 1 for m in rnd] for rnd in match.play()])
            res = simulate(game, st.get(oa), st.get(ob), rounds=200, paths=1, keep_paths=True, seed=1)
            assert np.array_equal(res.rungs[0], moves), (a, b)
            assert res.payoffs.tolist() == list(match.final_score()), (a, b)


@pytest.mark.parametrize("a,b", [("TitForTat", "TitForTat"), ("TitForTat", "Grudger"),
                                 ("WinStayLoseShift", "TitForTat"), ("GTFT", "TitForTat")])
def test_noisy_matches_agree_with_axelrod_in_distribution(a, b):
    # axelrod flips each intended action with probability `noise` and both players record
    # the flipped action (match.py simultaneous_play): our execution noise.
    axl = require("axelrod")
    ours = {**AXL_OURS, "GTFT": "generous_tit_for_tat"}
    n_axl = 300
    scores = []
    for i in range(n_axl):
        m = axl.Match((getattr(axl, a)(), getattr(axl, b)()), turns=200, noise=0.05, seed=10_000 + i)
        m.play()
        scores.append(m.final_score())
    scores = np.array(scores, dtype=float)
    res = simulate(games.prisoners_dilemma(), st.get(ours[a]), st.get(ours[b]), rounds=200, paths=20_000,
                   execution_noise=0.05, seed=2024)
    se = np.sqrt(scores.var(axis=0, ddof=1) / n_axl + res.payoff_sem ** 2)
    z = (res.payoffs - scores.mean(axis=0)) / se
    assert np.all(np.abs(z) < 4), (scores.mean(axis=0), res.payoffs, z)


# --------------------------------------------------------------------------- closed forms
def test_constant_war_risk_is_geometric_and_payoffs_add_up():
    p, T, n = 0.03, 60, 40_000
    game = constant_war_game(p)
    res = simulate(game, st.get("always_restrain"), st.get("always_restrain"), rounds=T, paths=n, seed=3)
    t = np.arange(1, T + 1)
    exact = 1 - (1 - p) ** t
    se = np.sqrt(exact * (1 - exact) / n)
    assert np.all(np.abs(res.p_war - exact) <= 4 * se + 1e-12)
    np.testing.assert_allclose(res.p_active, np.r_[1, 1 - res.p_war[:-1]])
    # per round: the stage payoff (Game.A keeps war apart), plus the war payoff on the war round
    base = game.A[0, 0]
    exact_pay = np.sum((1 - p) ** (t - 1) * (base + p * -10.0))
    assert abs(res.payoffs[0] - exact_pay) < 4 * res.payoff_sem[0]
    assert res.war_time_mean == pytest.approx(np.sum(t * np.diff(exact, prepend=0)) / exact[-1], rel=0.03)


def test_settlement_after_exactly_m_rounds_of_mutual_restraint():
    for m in (1, 4):
        res = simulate(games.prisoners_dilemma(), st.get("always_restrain"), st.get("always_restrain"),
                       rounds=10, paths=5, settle_after=m, seed=0, keep_paths=True)
        expected = (np.arange(1, 11) >= m).astype(float)
        np.testing.assert_array_equal(res.p_settled, expected)
        np.testing.assert_array_equal(res.p_active, (np.arange(1, 11) <= m).astype(float))
        assert res.payoffs.tolist() == [3.0 * m, 3.0 * m]
        assert res.settle_time_mean == m and res.settle_time_median == m
        assert (res.rungs[:, m:] == -1).all() and (res.rungs[:, :m] == 0).all()
    # the counter resets: alternator never gives m = 2 consecutive (0, 0) rounds
    res = simulate(games.prisoners_dilemma(), st.get("alternator"), st.get("always_restrain"),
                   rounds=10, paths=3, settle_after=2, seed=0)
    assert res.p_settled[-1] == 0


def test_discounting():
    delta, T = 0.9, 30
    res = simulate(games.prisoners_dilemma(), st.get("always_restrain"), st.get("always_escalate"),
                   rounds=T, paths=2, discount=delta, seed=0)
    w = (1 - delta ** T) / (1 - delta)
    np.testing.assert_allclose(res.payoffs, [0.0, 5.0 * w])  # S = 0 for A, T = 5 for B each round
    np.testing.assert_allclose(res.payoff_std, 0.0, atol=1e-12)


def test_mediation_with_slope():
    K, T, n = 3, 40, 40_000
    game = games.from_matrices(np.zeros((K, K)))
    res = simulate(game, st.get("always_escalate", K=K, rung=1), st.get("always_restrain", K=K),
                   rounds=T, paths=n, mediation=0.02, mediation_slope=0.1, seed=5)
    mu = 0.02 + 0.1 * 1 / (K - 1)  # max(x, y) = 1
    exact = 1 - (1 - mu) ** np.arange(1, T + 1)
    assert np.all(np.abs(res.p_mediated - exact) <= 4 * np.sqrt(exact * (1 - exact) / n) + 1e-12)
    assert res.p_war[-1] == 0 and res.p_settled[-1] == 0


def test_war_comes_before_mediation_and_scales():
    # war certain (scaled 0.5 -> 1): never mediated, all wars in round 1
    res = simulate(constant_war_game(0.5), st.get("random"), st.get("random"), rounds=5, paths=1000,
                   mediation=1.0, war_risk_scale=2.0, seed=1)
    assert res.p_war[0] == 1 and res.p_mediated[-1] == 0
    with pytest.raises(ConfigError, match="war_risk_scale"):
        simulate(constant_war_game(0.6), st.get("random"), st.get("random"), rounds=5, paths=10, war_risk_scale=2.0)


def test_execution_and_perception_noise_semantics():
    n, K = 100_000, 5
    game = games.from_matrices(np.zeros((K, K)))
    # execution rate e: a uniformly random other rung
    res = simulate(game, st.get("always_escalate", K=K, rung=2), st.get("always_restrain", K=K), rounds=2, paths=n,
                   execution_noise=(0.2, 0.0), seed=7)
    expected = np.array([0.05, 0.05, 0.8, 0.05, 0.05])
    dist = res.rung_distribution[:, 0].mean(0)
    assert np.all(np.abs(dist - expected) < 4 * np.sqrt(expected * (1 - expected) / (2 * n)))
    np.testing.assert_array_equal(res.rung_distribution[:, 1, 0], 1.0)
    # a biased matrix: rung 2 goes up with 0.3, down with 0.1
    B = st.biased_noise(K, 0.3, 0.1)
    res = simulate(game, st.get("always_escalate", K=K, rung=2), st.get("always_restrain", K=K), rounds=1, paths=n,
                   execution_noise=[B, 0.0], seed=8)
    assert np.all(np.abs(res.rung_distribution[0, 0] - B[2]) < 4 * np.sqrt(B[2] * (1 - B[2]) / n) + 1e-12)
    # perception: TFT facing restraint answers a misperceived strike, from round 2 on
    res = simulate(games.prisoners_dilemma(), st.get("tit_for_tat"), st.get("always_restrain"), rounds=6, paths=n,
                   perception_noise=(0.1, 0.0), seed=9)
    assert res.rung_distribution[0, 0, 1] == 0
    assert np.all(np.abs(res.rung_distribution[1:, 0, 1] - 0.1) < 4 * np.sqrt(0.09 / n))
    np.testing.assert_array_equal(res.rung_distribution[:, 1, 1], 0.0)  # B never misreads, never moves


def test_batch_of_games_runs_in_one_call():
    p = np.array([0.0, 0.01, 0.05, 0.2])
    T, n = 30, 20_000
    res = simulate(constant_war_game(p, batch=(4,)), st.get("tit_for_tat"), st.get("grim_trigger"),
                   rounds=T, paths=n, seed=11, chunk_paths=7_000)
    assert res.p_war.shape == (4, T) and res.rung_distribution.shape == (4, T, 2, 2)
    assert res.path_payoffs.shape == (4, n, 2) and res.payoffs.shape == (4, 2)
    exact = 1 - (1 - p[:, None]) ** np.arange(1, T + 1)
    assert np.all(np.abs(res.p_war - exact) <= 4 * np.sqrt(exact * (1 - exact) / n) + 1e-12)
    # deterministic play: each point equals its own single-game run exactly
    g2 = games.prisoners_dilemma(T=np.array([[5.0, 6.0], [7.0, 8.0]]))
    batch = simulate(g2, st.get("tit_for_tat"), st.get("alternator"), rounds=20, paths=3, seed=0)
    for i in range(2):
        for j in range(2):
            single = simulate(g2[i, j], st.get("tit_for_tat"), st.get("alternator"), rounds=20, paths=3, seed=0)
            np.testing.assert_array_equal(batch.payoffs[i, j], single.payoffs)


def test_many_points_few_paths():
    # a block then spans many points (per-round statistics kept as marginals)
    G, n, T, p = 300, 40, 150, 0.02
    game = constant_war_game(np.full(G, p), batch=(G,))
    res = simulate(game, st.get("tit_for_tat"), st.get("random"), rounds=T, paths=n, seed=4, settle_after=400)
    exact = 1 - (1 - p) ** np.arange(1, T + 1)
    pooled = res.p_war.mean(0)
    assert np.all(np.abs(pooled - exact) <= 4 * np.sqrt(exact * (1 - exact) / (G * n)) + 1e-12)
    np.testing.assert_allclose(res.rung_distribution.sum(-1), np.stack([res.p_active] * 2, -1))
    np.testing.assert_allclose(res.p_active[:, 1:], 1 - res.p_war[:, :-1], atol=1e-12)
    np.testing.assert_allclose(res.rung_distribution[:, :, 1].mean((0, 1)) / res.p_active.mean(), [0.5, 0.5], atol=0.01)


# --------------------------------------------------------------------------- invariants
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(K=hs.integers(2, 4), data=hs.data())
def test_result_invariants(K, data):
    names = st.names()
    sa = st.get(data.draw(hs.sampled_from(names)), K=K)
    sb = st.get(data.draw(hs.sampled_from(names)), K=K)
    rng = np.random.default_rng(data.draw(hs.integers(0, 2 ** 31)))
    A, B = rng.normal(size=(2, K, K))
    wp = rng.uniform(0, data.draw(hs.sampled_from([0.0, 0.05, 0.5])), size=(K, K))
    game = games.Game(A, B, war_probability=wp, war_payoff=np.array([-5.0, -6.0]))
    T, n = data.draw(hs.integers(1, 15)), data.draw(hs.integers(1, 300))
    block = data.draw(hs.sampled_from([37, 100, 1 << 15]))
    with mock.patch.object(engine, "BLOCK_PATHS", block):
        res = simulate(game, sa, sb, rounds=T, paths=n, keep_paths=True, chunk_paths=data.draw(hs.sampled_from([64, 1000])),
                       execution_noise=data.draw(hs.sampled_from([0.0, 0.1])),
                       perception_noise=data.draw(hs.sampled_from([0.0, (0.0, 0.2)])),
                       settle_after=data.draw(hs.sampled_from([None, 1, 3])),
                       mediation=data.draw(hs.sampled_from([0.0, 0.1])), discount=data.draw(hs.sampled_from([1.0, 0.8])),
                       seed=data.draw(hs.integers(0, 100)), threads=data.draw(hs.sampled_from([1, 2])))
    d = res.rung_distribution
    assert d.shape == (T, 2, K) and np.all(d >= 0)
    np.testing.assert_allclose(d.sum(-1), np.stack([res.p_active] * 2, -1), atol=1e-12)
    for p in (res.p_war, res.p_settled, res.p_mediated):
        assert np.all(np.diff(p) >= 0) and np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(res.p_active[1:], 1 - res.p_war[:-1] - res.p_settled[:-1] - res.p_mediated[:-1],
                               atol=1e-12)
    assert res.p_active[0] == 1
    r = res.rungs
    assert r.shape == (n, T, 2) and r.dtype == np.int8
    assert np.all((r >= -1) & (r < K))
    played = (r[..., 0] >= 0)
    np.testing.assert_array_equal(played, r[..., 1] >= 0)
    np.testing.assert_allclose(played.mean(0), res.p_active)          # keep_paths agrees with the statistics
    for k in range(K):
        np.testing.assert_allclose((r[..., 0] == k).mean(0), d[:, 0, k])
    np.testing.assert_allclose(res.payoffs, res.path_payoffs.mean(0))


def test_same_seed_same_result_whatever_the_threads_and_chunks():
    kw = dict(rounds=40, paths=20_000, execution_noise=0.05, perception_noise=(0.02, 0.1), settle_after=3,
              mediation=0.01)
    game = games.ladder(K=4)
    a, b = st.get("grit", K=4), st.get("generous_tit_for_tat", K=4)
    with mock.patch.object(engine, "BLOCK_PATHS", 2_000):  # 10 random-stream blocks, pools of several
        r1 = simulate(game, a, b, seed=123, threads=1, **kw)
        for chunk, threads in ((500, 2), (100_000, 1), (8_192, 2), (3_000, 3)):
            r2 = simulate(game, a, b, seed=123, threads=threads, chunk_paths=chunk, **kw)
            for f in ("rung_distribution", "p_war", "p_settled", "p_mediated", "path_payoffs", "payoff_quantiles"):
                np.testing.assert_array_equal(getattr(r1, f), getattr(r2, f))
        r3 = simulate(game, a, b, seed=np.random.SeedSequence(123), **kw)
        np.testing.assert_array_equal(r1.path_payoffs, r3.path_payoffs)
    assert r1.seed_entropy == 123 == np.random.SeedSequence(123).entropy
    r4 = simulate(game, a, b, seed=124, **kw)
    assert not np.array_equal(r1.path_payoffs, r4.path_payoffs)
    # an unseeded run records the entropy that reproduces it
    r6 = simulate(game, a, b, seed=None, **kw)
    r7 = simulate(game, a, b, seed=r6.seed_entropy, **kw)
    np.testing.assert_array_equal(r6.path_payoffs, r7.path_payoffs)
    child = np.random.SeedSequence(5).spawn(3)[2]
    r8 = simulate(game, a, b, seed=child, **kw)
    assert (r8.seed_entropy, r8.seed_spawn_key) == (5, (2,))


def test_keep_paths_and_batches_do_not_depend_on_threads_or_chunks():
    game = constant_war_game(np.array([0.02, 0.1, 0.3]), batch=(3,), K=2)
    kw = dict(rounds=25, paths=12_000, execution_noise=0.1, perception_noise=0.05, settle_after=2, discount=0.95,
              keep_paths=True, seed=9)  # 36,000 paths: two random-stream blocks
    r1 = simulate(game, st.get("generous_tit_for_tat"), st.get("tit_for_two_tats"), threads=1, **kw)
    r2 = simulate(game, st.get("generous_tit_for_tat"), st.get("tit_for_two_tats"), threads=2, chunk_paths=700, **kw)
    np.testing.assert_array_equal(r1.rungs, r2.rungs)
    np.testing.assert_array_equal(r1.path_payoffs, r2.path_payoffs)
    np.testing.assert_array_equal(r1.rung_distribution, r2.rung_distribution)
    played = r1.rungs[..., 0] >= 0
    np.testing.assert_allclose(played.mean(1), r1.p_active)


def test_alias_tables_are_exact():
    rng = np.random.default_rng(0)
    for m in (1, 2, 3, 5, 8, 9):
        prob = rng.dirichlet(np.ones(m), size=50)
        prob[0] = 0
        prob[0, -1] = 1
        if m > 2:
            prob[1, 1] = 0
            prob[1] /= prob[1].sum()
        values = np.tile(np.arange(m) * 7, (50, 1))
        thr, out, shift = alias_table(prob, values)
        M = 1 << (31 - shift)
        unit = 1 << shift
        col = np.arange(M)
        q_own = (thr.reshape(50, M) + 1 - col * unit) / unit  # P(own | column)
        own, alias = out.reshape(50, M, 2)[..., 0], out.reshape(50, M, 2)[..., 1]
        implied = np.zeros((50, m))
        for j in range(m):
            implied[:, j] = ((own == 7 * j) * q_own + (alias == 7 * j) * (1 - q_own)).sum(1) / M
        np.testing.assert_allclose(implied, prob, atol=2.0 ** -shift)
        assert implied[0, -1] == 1.0  # certainty stays exact


def test_validation_errors_are_one_line():
    g = games.prisoners_dilemma()
    s = st.get("tit_for_tat")
    bad = [
        (dict(execution_noise=1.5), "execution_noise"),
        (dict(perception_noise=(0.1, -0.1)), r"perception_noise\[1\]"),
        (dict(execution_noise=np.ones((3, 3)) / 3), "execution_noise"),
        (dict(rounds=0), "rounds"),
        (dict(paths=0), "paths"),
        (dict(discount=0.0), "discount"),
        (dict(discount=1.5), "discount"),
        (dict(mediation=-0.1), "mediation"),
        (dict(mediation=0.1, mediation_slope=-0.5), "mediation_slope"),
        (dict(settle_after=0), "settle_after"),
        (dict(war_risk_scale=-1.0), "war_risk_scale"),
        (dict(threads=0), "threads"),
    ]
    for kw, msg in bad:
        args = {"rounds": 5, "paths": 5, **kw}
        with pytest.raises(ConfigError, match=msg) as e:
            simulate(g, s, s, **args)
        assert "\n" not in str(e.value)
    with pytest.raises(ConfigError, match="K = 2"):
        simulate(g, st.get("tit_for_tat", K=3), s, rounds=5, paths=5)
    with pytest.raises(ConfigError, match="square"):
        simulate(games.from_matrices(np.zeros((2, 3))), s, s, rounds=5, paths=5)


def test_point_seeds_make_each_point_independent_of_the_batch():
    """With one seed per point, a point's paths equal a run of that point alone, whatever the
    other points in the batch, their order, the thread count, and block boundaries."""
    g = sim.ladder(K=4, war_risk=np.array([0.1, 0.3, 0.5]))
    a, b = st.get("tit_for_tat", K=4), st.get("graduated_response", K=4)
    kw = dict(rounds=12, execution_noise=0.05, perception_noise=0.05, settle_after=2, mediation=0.01)
    seeds = [11, 22, 33]
    for paths in (1000, 40_000):  # 40,000 paths: two blocks per point
        batch = sim.simulate(g, a, b, paths=paths, point_seeds=seeds, **kw)
        for i in range(3):
            one = sim.simulate(g[i], a, b, paths=paths, seed=seeds[i], **kw)
            np.testing.assert_array_equal(one.path_payoffs, batch.path_payoffs[i])
            np.testing.assert_array_equal(one.rung_distribution, batch.rung_distribution[i])
        rev = sim.simulate(g[::-1], a, b, paths=paths, point_seeds=seeds[::-1], threads=1, **kw)
        np.testing.assert_array_equal(rev.path_payoffs[::-1], batch.path_payoffs)
    with pytest.raises(ConfigError, match="point_seeds"):
        sim.simulate(g, a, b, paths=10, point_seeds=[1, 2], **kw)

