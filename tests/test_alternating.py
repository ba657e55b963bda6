"""Alternating timing (a strike, then the answer) and the opening pair: the Monte-Carlo engine,
the exact analysis and the dynamic game agree, and known facts of the alternating Prisoner's
Dilemma hold."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim
from sim.dynamic import escalation_game, policy_to_strategy, policy_values, strategy_to_policy
from sim.errors import ConfigError
from sim.repeated import CrisisSettings
from sim.repeated.strategies import get

PD = sim.games.build("prisoners_dilemma")  # rung 0 = cooperate (R=3, S=0, T=5, P=1)
LADDER = sim.games.build("ladder", K=4, war_risk=0.3, war_cost=50.0)


def _settings(**kw):
    base = dict(rounds=12, timing="alternating", execution_noise=0.05, perception_noise=(0.1, 0.02), settle_after=2,
                mediation=0.02, mediation_slope=0.1, discount=0.95)
    base.update(kw)
    return CrisisSettings(**base)


@pytest.mark.parametrize("opening, first", [(None, "a"), ((2, 0), "a"), ((0, 0), "a"), (None, "b"), ((2, 0), "b")])
@pytest.mark.parametrize("pair", [("tit_for_tat", "conditional_deescalation"), ("win_stay_lose_shift", "grim_trigger"),
                                  ("graduated_response", "generous_tit_for_tat")])
def test_engine_agrees_with_exact_analysis_within_4_se(opening, first, pair):
    cs = _settings(opening=opening, first_mover=first)
    ex = sim.analyse(LADDER, *pair, settings=cs)
    paths = 40_000
    mc = sim.simulate(LADDER, *pair, settings=cs, paths=paths, seed=11)
    assert np.all(np.abs(mc.payoffs - ex.payoffs) <= 4 * mc.payoff_sem)
    for name in ("p_war", "p_settled", "p_mediated", "p_active"):
        p = getattr(ex, name)
        se = np.sqrt(np.maximum(p * (1 - p), 1e-4) / paths)
        assert np.all(np.abs(getattr(mc, name) - p) <= 4 * se + 1e-12), name
    p = ex.rung_distribution
    se = np.sqrt(np.maximum(p * (1 - p), 1e-4) / paths)
    assert np.all(np.abs(mc.rung_distribution - p) <= 4 * se + 1e-12)


def test_one_side_moves_per_round():
    """Noise-free: in odd rounds only A's rung may change, in even rounds only B's."""
    cs = CrisisSettings(rounds=9, timing="alternating", opening=(3, 0))
    mc = sim.simulate(LADDER, "graduated_response", "tit_for_tat", settings=cs, paths=4, keep_paths=True, seed=0)
    r = mc.rungs[0].astype(int)  # (T, 2)
    prev = np.vstack([[3, 0], r[:-1]])
    changed = r != prev
    assert not changed[1::2, 0].any() and not changed[0::2, 1].any()
    # tit-for-tat answers the strike: B copies A's standing rung in every even round
    assert np.array_equal(r[1::2, 1], r[1::2, 0])


def test_exact_distribution_sums_and_period_chain_is_stochastic():
    cs = _settings(rounds=None, discount=0.9)
    pc = sim.repeated.product_chain(LADDER, "tit_for_tat", "grim_trigger", settings=cs)
    rows = pc.Q.sum(-1) + pc.exits.sum(-1)
    assert np.allclose(rows, 1.0, atol=1e-12)
    assert pc.state_shape == (2, get("tit_for_tat", K=4).n_states, get("grim_trigger", K=4).n_states, 4, 2)
    assert np.allclose(pc.rung_a.sum(-1), 1) and np.allclose(pc.rung_b.sum(-1), 1)


def test_wsls_corrects_an_error_simultaneously_but_cycles_when_alternating():
    """Nowak and Sigmund (1993, 1994): after one defection, win-stay lose-shift restores mutual
    cooperation in two simultaneous rounds; in the alternating game it does not, but locks into
    a six-move cycle (D D C D D C in the movers' order: cooperation in one move of three)."""
    sim_ = sim.analyse(PD, "win_stay_lose_shift", "win_stay_lose_shift",
                       settings=CrisisSettings(rounds=6, opening=(1, 0)))
    assert np.array_equal(sim_.rung_distribution[:, :, 1], [[1, 1]] + [[0, 0]] * 5)
    alt = sim.analyse(PD, "win_stay_lose_shift", "win_stay_lose_shift",
                      settings=CrisisSettings(rounds=12, timing="alternating", opening=(1, 0)))
    standing = alt.rung_distribution[:, :, 1]  # P(rung 1 = defect) of the standing pair
    assert np.array_equal(standing[:, 0], [1, 1, 0, 0, 1, 1] * 2)
    assert np.array_equal(standing[:, 1], [0, 1, 1, 1, 1, 0] * 2)
    moves = np.where(np.arange(12) % 2 == 0, standing[:, 0], standing[:, 1])  # the mover's rung
    assert moves[:6].tolist() == [1, 1, 0, 1, 1, 0]
    # with rare errors: simultaneous WSLS cooperates almost always, alternating WSLS does not
    e = 0.001
    s_long = sim.analyse(PD, "win_stay_lose_shift", "win_stay_lose_shift", settings=CrisisSettings(execution_noise=e))
    a_long = sim.analyse(PD, "win_stay_lose_shift", "win_stay_lose_shift",
                         settings=CrisisSettings(execution_noise=e, timing="alternating"))
    assert s_long.rung_distribution[0, 0] > 1 - 4 * e
    assert a_long.rung_distribution[0, 0] < 0.6


@pytest.mark.parametrize("timing", ["simultaneous", "alternating"])
def test_tit_for_tat_with_errors_cooperates_half_the_time(timing):
    """Each move copies the other's last move, flipped with probability e: the standing moves
    form a symmetric chain whose long-run cooperation rate is 1/2 for any e > 0."""
    r = sim.analyse(PD, "tit_for_tat", "tit_for_tat", settings=CrisisSettings(execution_noise=0.03, timing=timing))
    assert np.allclose(r.rung_distribution[:, 0], 0.5, atol=1e-12)


@pytest.mark.parametrize("opening, settle, first", [(None, None, "a"), (None, 1, "a"), (None, 3, "a"), ((2, 0), 3, "a"),
                                                    ((0, 0), 3, "a"), ((0, 0), None, "a"), (None, 3, "b"),
                                                    ((2, 0), 3, "b"), ((2, 1), None, "b")])
def test_dynamic_game_values_equal_exact_analysis(opening, settle, first):
    cs = CrisisSettings(timing="alternating", opening=opening, execution_noise=0.05, settle_after=settle,
                        mediation=0.02, mediation_slope=0.1, discount=0.9, first_mover=first)
    g = sim.games.build("ladder", K=3, war_risk=0.3, war_cost=50.0)
    esc = escalation_game(g, cs)
    assert esc.alternating and set(esc.mover[:-3]) == {0, 1}
    rng = np.random.default_rng(5)
    for trial in range(3):
        pa, pb = rng.dirichlet(np.ones(3), size=esc.n_states), rng.dirichlet(np.ones(3), size=esc.n_states)
        sa, sb = policy_to_strategy(esc, pa, 0), policy_to_strategy(esc, pb, 1)
        V = policy_values(esc, pa, pb)[esc.opening_state]
        ex = sim.analyse(g, sa, sb, settings=dataclasses.replace(cs, rounds=None))
        assert np.allclose(V, ex.total_payoffs, rtol=0, atol=1e-9)
        if trial == 0:
            mc = sim.simulate(g, sa, sb, settings=dataclasses.replace(cs, rounds=150), paths=20_000, seed=trial)
            assert np.all(np.abs(mc.payoffs - V) <= 4 * mc.payoff_sem + 0.9 ** 150 * 100)
    # a memory-one strategy pair: its policy is the automaton's rule at each move
    A, B = get("tit_for_tat", K=3), get("conditional_deescalation", K=3)
    V = policy_values(esc, strategy_to_policy(esc, A, 0), strategy_to_policy(esc, B, 1))[esc.opening_state]
    assert np.allclose(V, sim.analyse(g, A, B, settings=dataclasses.replace(cs, rounds=None)).total_payoffs, atol=1e-9)


def test_non_mover_action_changes_nothing():
    esc = escalation_game(LADDER, CrisisSettings(timing="alternating", discount=0.9, settle_after=2))
    for s in np.flatnonzero(esc.mover == 0):
        assert np.ptp(esc.payoffs[s], axis=1).max() == 0 and np.ptp(esc.transitions[s], axis=1).max() == 0
    for s in np.flatnonzero(esc.mover == 1):
        assert np.ptp(esc.payoffs[s], axis=0).max() == 0 and np.ptp(esc.transitions[s], axis=0).max() == 0


@pytest.mark.parametrize("kw, field", [(dict(timing="sequential"), "timing"), (dict(opening=(1,)), "opening"),
                                       (dict(first_mover="India"), "first_mover"),
                                       (dict(opening=(0, 0), settle_after=1), "opening"),
                                       (dict(opening=(-1, 0)), "opening[0]")])
def test_bad_timing_and_opening_one_line(kw, field):
    with pytest.raises(ConfigError) as e:
        CrisisSettings(**kw)
    assert str(e.value).startswith(field) and "\n" not in str(e.value)


def test_opening_beyond_the_ladder_is_refused():
    with pytest.raises(ConfigError, match="^opening"):
        sim.analyse(LADDER, "tit_for_tat", "tit_for_tat", settings=CrisisSettings(rounds=3, opening=(4, 0)))


@pytest.mark.parametrize("first", ["a", "b"])
@pytest.mark.parametrize("d", [0.3, 0.45, 0.6, 0.9])
def test_credibility_of_grim_in_the_alternating_pd_closed_form(d, first):
    """Grim against grim, A moving first: A's best deviation is to defect at once (T, then P
    forever): gain_A = max(0, (T - R - (T - P) d) / (1 - d)) = max(0, (2 - 4d) / (1 - d)); B's
    first period is fixed at R, so gain_B = d gain_A.  The stated value is R / (1 - d)."""
    from sim.dynamic import credibility
    c = credibility(PD, "grim_trigger", "grim_trigger", discount=d, timing="alternating", first_mover=first)
    gain = max(0.0, (2 - 4 * d) / (1 - d))
    first_gain, second_gain = (c.gain_a, c.gain_b) if first == "a" else (c.gain_b, c.gain_a)
    assert c.value_a == pytest.approx(3 / (1 - d), abs=1e-9) and c.value_b == pytest.approx(3 / (1 - d), abs=1e-9)
    assert first_gain == pytest.approx(gain, abs=1e-9) and second_gain == pytest.approx(d * gain, abs=1e-9)


@pytest.mark.parametrize("first", ["a", "b"])
def test_credibility_alternating_values_and_best_responses(first):
    from sim.dynamic import credibility
    from sim.repeated.strategies import names
    cs = CrisisSettings(timing="alternating", opening=(2, 0), execution_noise=0.05, perception_noise=0.05,
                        settle_after=2, mediation=0.02, discount=0.9, first_mover=first)
    c = credibility(LADDER, "tit_for_tat", "conditional_deescalation", settings=cs)
    ex = sim.analyse(LADDER, "tit_for_tat", "conditional_deescalation", settings=cs)
    assert np.allclose([c.value_a, c.value_b], ex.total_payoffs, atol=1e-9)
    assert c.best_response_a.shape == (get("conditional_deescalation", K=4).n_states, 4, 2)
    for n in names():
        if n == "random":
            continue
        assert sim.analyse(LADDER, n, "conditional_deescalation", settings=cs).total_payoffs[0] <= c.best_value_a + 1e-9
        assert sim.analyse(LADDER, "tit_for_tat", n, settings=cs).total_payoffs[1] <= c.best_value_b + 1e-9
    fin = dataclasses.replace(cs, rounds=20, discount=1.0)
    c = credibility(LADDER, "tit_for_tat", "conditional_deescalation", settings=fin)
    ex = sim.analyse(LADDER, "tit_for_tat", "conditional_deescalation", settings=fin)
    assert np.allclose([c.value_a, c.value_b], ex.payoffs, atol=1e-9)
    assert c.best_value_a >= c.value_a - 1e-9 and c.best_value_b >= c.value_b - 1e-9


@pytest.mark.parametrize("timing", ["simultaneous", "alternating"])
def test_sweep_deviation_gains_equal_direct_credibility(timing):
    from sim.dynamic import credibility
    from sim.sweeps import grid_sweep
    sa, sb = get("tit_for_tat", K=4), get("conditional_deescalation", K=4)
    settings = dict(rounds=15, execution_noise=0.05, settle_after=2, timing=timing)
    df = grid_sweep("ladder", dict(K=4, war_risk=0.3), {"war_cost": [10.0, 100.0], "advantage": [5.0, 20.0, 40.0]},
                    (sa, sb), outcomes=("deviation_gain_a", "deviation_gain_b", "payoff_a"), settings=settings)
    for row in df.itertuples():
        g = sim.games.build("ladder", K=4, war_risk=0.3, war_cost=row.war_cost, advantage=row.advantage)
        c = credibility(g, sa, sb, settings=CrisisSettings(**settings))
        assert row.deviation_gain_a == pytest.approx(c.gain_a, abs=1e-9)
        assert row.deviation_gain_b == pytest.approx(c.gain_b, abs=1e-9)
        assert row.payoff_a == pytest.approx(c.value_a, abs=1e-9)
    assert (df.deviation_gain_a > 1e-6).any()  # the grid is not trivially credible everywhere


@pytest.mark.parametrize("timing, first", [("simultaneous", "a"), ("alternating", "a"), ("alternating", "b")])
def test_mpe_policies_simulated_agree_with_exact_within_4_se(timing, first):
    from sim.dynamic import markov_perfect, one_shot_gap
    g = sim.games.build("ladder", K=3, war_risk=0.3, war_cost=40.0, advantage=15.0)
    cs = CrisisSettings(timing=timing, opening=(2, 0), execution_noise=0.03, settle_after=2, mediation=0.05,
                        discount=0.9, first_mover=first)
    esc = escalation_game(g, cs)
    mpe = markov_perfect(esc)
    assert mpe.one_shot_gap <= 1e-9 and one_shot_gap(esc, mpe.policy_a, mpe.policy_b) <= 1e-9
    sa, sb = policy_to_strategy(esc, mpe.policy_a, 0), policy_to_strategy(esc, mpe.policy_b, 1)
    fin = dataclasses.replace(cs, rounds=60)
    ex = sim.analyse(g, sa, sb, settings=fin)
    mc = sim.simulate(g, sa, sb, settings=fin, paths=40_000, seed=7)
    assert np.all(np.abs(mc.payoffs - ex.payoffs) <= 4 * mc.payoff_sem)
    p = ex.p_war
    assert np.all(np.abs(mc.p_war - p) <= 4 * np.sqrt(np.maximum(p * (1 - p), 1e-4) / 40_000))
    # the long run equals the equilibrium values at the opening
    lr = sim.analyse(g, sa, sb, settings=cs)
    assert np.allclose(lr.total_payoffs, mpe.values[esc.opening_state], atol=1e-8)


def test_block_push_equals_dense_period_chain():
    """The finite horizon runs on the two blocks of the period chain; the dense chain gives the same."""
    cs = _settings(rounds=9, perception_noise=0.05)
    ex = sim.analyse(LADDER, "grit", "conditional_deescalation", settings=cs)
    pc = sim.repeated.product_chain(LADDER, "grit", "conditional_deescalation", settings=cs)
    v, war, pay = pc.initial.copy(), 0.0, np.zeros(2)
    for t in range(9):
        assert np.allclose(ex.rung_distribution[t, 0], v @ pc.rung_a, atol=1e-13)
        assert np.allclose(ex.rung_distribution[t, 1], v @ pc.rung_b, atol=1e-13)
        pay += cs.discount ** t * v @ pc.rewards
        war += v @ pc.exits[:, 0]
        assert ex.p_war[t] == pytest.approx(war, abs=1e-13)
        v = v @ pc.Q
    assert np.allclose(ex.payoffs, pay, atol=1e-10)


@pytest.mark.parametrize("timing", ["simultaneous", "alternating"])
def test_credibility_batch_equals_single_games(timing):
    """A grid is one call (chains and MDP kernels shared by games with the same war table);
    each point equals its own call, with or without the subgame-perfection test."""
    from sim.dynamic import credibility
    wc, adv = np.array([10.0, 60.0, 150.0]), np.array([5.0, 25.0])
    batch = sim.games.build("ladder", K=4, war_risk=0.3, war_cost=wc[:, None], advantage=adv[None, :])
    cs = CrisisSettings(timing=timing, opening=(2, 0), first_mover="b", execution_noise=0.05, settle_after=2,
                        mediation=0.02, discount=0.9)
    full = credibility(batch, "tit_for_tat", "conditional_deescalation", settings=cs)
    quick = credibility(batch, "tit_for_tat", "conditional_deescalation", settings=cs, subgame_perfect=False)
    assert quick.is_subgame_perfect is None and quick.deviation_gap_a is None
    for i, w in enumerate(wc):
        for j, a in enumerate(adv):
            one = credibility(sim.games.build("ladder", K=4, war_risk=0.3, war_cost=w, advantage=a),
                              "tit_for_tat", "conditional_deescalation", settings=cs)
            for field in ("value_a", "value_b", "best_value_a", "best_value_b", "gain_a", "gain_b"):
                assert getattr(full, field)[i, j] == pytest.approx(getattr(one, field), abs=1e-9)
                assert getattr(quick, field)[i, j] == pytest.approx(getattr(one, field), abs=1e-9)
            assert full.is_subgame_perfect[i, j] == one.is_subgame_perfect


@pytest.mark.parametrize("timing", ["simultaneous", "alternating"])
def test_credibility_grid_over_war_risk_equals_single_games(timing):
    """Many distinct war tables (more than sim.dynamic.credibility_core.MAX_GROUPS): the games'
    kernels are gathered per game instead of grouped; each point still equals its own call."""
    from sim.dynamic import credibility
    from sim.dynamic.credibility_core import MAX_GROUPS
    risks = np.linspace(0.05, 0.6, MAX_GROUPS + 4)
    batch = sim.games.build("ladder", K=3, war_risk=risks, war_cost=40.0)
    for rounds in (None, 12):
        cs = CrisisSettings(timing=timing, execution_noise=0.05, settle_after=2, discount=0.9, rounds=rounds)
        c = credibility(batch, "tit_for_tat", "grim_trigger", settings=cs)
        for i in (0, 7, len(risks) - 1):
            one = credibility(sim.games.build("ladder", K=3, war_risk=risks[i], war_cost=40.0), "tit_for_tat",
                              "grim_trigger", settings=cs)
            for field in ("value_a", "value_b", "gain_a", "gain_b"):
                assert getattr(c, field)[i] == pytest.approx(getattr(one, field), abs=1e-9)
            assert c.is_subgame_perfect[i] == one.is_subgame_perfect


@pytest.mark.parametrize("settle", [None, 1, 3])
@pytest.mark.parametrize("pair", [("tit_for_tat", "conditional_deescalation"), ("grit", "win_stay_lose_shift")])
def test_sparse_period_chain_equals_the_dense_one(settle, pair):
    """alternating_sparse_kernel (what credibility uses) has exactly the dense kernel's entries."""
    from sim.repeated.markov.alternating import alternating_kernel, alternating_sparse_kernel, alternating_tables
    from sim.repeated.strategies import strategy_pair

    g = sim.games.build("ladder", K=4, war_risk=np.array([0.1, 0.6]), war_cost=50.0)
    cs = _settings(settle_after=settle, opening=(2, 0), first_mover="b")
    sa, sb, K = strategy_pair(g, *pair)
    t = alternating_tables(sa, sb, cs, K)
    m = settle or 1
    w, mu = np.asarray(g.war_probability), cs.mediation_table(K)
    dense, _ = alternating_kernel(w, mu, t, m, settle is not None)
    sparse = alternating_sparse_kernel(w, mu, t, m, settle is not None)
    assert len(sparse) == 2
    for q, s in zip(dense, sparse):
        assert s.shape == q.shape and np.array_equal(s.toarray(), q)
        assert s.nnz < q.size


@pytest.mark.parametrize("rounds, discount", [(9, 1.0), (None, 0.9)])
@pytest.mark.parametrize("settle", [None, 3])
def test_credibility_of_large_chains_equals_the_matrix_path(monkeypatch, rounds, discount, settle):
    """Large period chains skip the dense matrices (finite horizons: alternating_pull and responder_pull,
    no matrix; infinite: sparse LU): forced on a small game, every number equals the dense path's."""
    import sim.dynamic.credibility_turns as turns

    g = sim.games.build("ladder", K=4, war_risk=np.array([0.2, 0.7]), war_cost=np.array([[30.0], [80.0]]))
    cs = _settings(rounds=rounds, discount=discount, settle_after=settle, opening=(2, 0), first_mover="b")
    pair = ("tit_for_tat", "conditional_deescalation")
    dense = sim.dynamic.credibility(g, *pair, settings=cs)
    monkeypatch.setattr(turns, "SPARSE_STATES", 1)
    monkeypatch.setattr(turns, "SPARSE_RESPONDER_STATES", 1)
    fast = sim.dynamic.credibility(g, *pair, settings=cs)
    for f in ("value_a", "value_b", "best_value_a", "best_value_b", "gain_a", "gain_b", "deviation_gap_a",
              "deviation_gap_b"):
        np.testing.assert_allclose(getattr(fast, f), getattr(dense, f), rtol=1e-12, atol=1e-10, err_msg=f)
    for f in ("best_response_a", "best_response_b", "is_subgame_perfect"):
        np.testing.assert_array_equal(getattr(fast, f), getattr(dense, f), err_msg=f)
