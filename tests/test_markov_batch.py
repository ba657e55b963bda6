"""Batched logit Markov QRE and MPE (sim.dynamic.markov_batch via markov_qre / markov_perfect on a batch of
games) and the sweep outcomes built on them (mpe_p_war_by_T, mpe_mean_rung...)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.dynamic import (StochasticGame, escalation_game, markov_path, markov_perfect, markov_qre, one_shot_gap,
                         policy_to_strategy, policy_values)
from sim.dynamic.markov_trace import Kernel
from sim.equilibria import is_nash
from sim.errors import ConfigError
from sim.games import payoff_matrices
from sim.repeated import CrisisSettings


def random_batch(rng, G, S=3, KA=2, KB=3, discount=0.85) -> StochasticGame:
    T = rng.random((G, S, KA, KB, S)) ** 3
    T /= T.sum(-1, keepdims=True)
    return StochasticGame(rng.normal(size=(G, S, KA, KB, 2)), T, discount)


def one(batch: StochasticGame, i) -> StochasticGame:
    return StochasticGame(batch.payoffs[i], batch.transitions[i], batch.discount)


def close(a, b, tol=1e-10) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) <= tol


def test_random_batch_equals_single_calls():
    """40 random games as a (5, 8) batch: the same MPE as each game's own call, verified on the game."""
    rng = np.random.default_rng(77)
    flat = random_batch(rng, 40)
    batch = StochasticGame(flat.payoffs.reshape(5, 8, *flat.payoffs.shape[1:]),
                           flat.transitions.reshape(5, 8, *flat.transitions.shape[1:]), flat.discount)
    m = markov_perfect(batch)
    assert m.policy_a.shape == (5, 8, 3, 2) and m.policy_b.shape == (5, 8, 3, 3) and m.values.shape == (5, 8, 3, 2)
    assert m.lam.shape == m.one_shot_gap.shape == m.pure.shape == (5, 8)
    pa, pb = m.policy_a.reshape(40, 3, 2), m.policy_b.reshape(40, 3, 3)
    for i in range(40):
        g = one(flat, i)
        s = markov_perfect(g)
        assert close(s.policy_a, pa[i]) and close(s.policy_b, pb[i])
        assert one_shot_gap(g, pa[i], pb[i]) <= 1e-9
        assert close(m.values.reshape(40, 3, 2)[i], policy_values(g, pa[i], pb[i]), 1e-9)
        assert m.pure.reshape(-1)[i] == s.pure
    assert m.one_shot_gap.max() <= 1e-9
    assert 0 < m.pure.sum() < 40  # pure and mixed limits both occur (mixed ones by the indifference Newton)


def test_random_batch_qre_equals_single_calls():
    rng = np.random.default_rng(78)
    batch = random_batch(rng, 12)
    lam = np.linspace(0.0, 6.0, 12)  # one precision per game, 0 included
    q = markov_qre(batch, lam)
    assert np.array_equal(q.lam, lam)
    for i in range(12):
        s = markov_qre(one(batch, i), lam[i])
        assert close(s.policy_a, q.policy_a[i]) and close(s.policy_b, q.policy_b[i])
        w = np.log(np.concatenate([q.policy_a[i].ravel(), q.policy_b[i].ravel()]))
        assert np.max(np.abs(Kernel(one(batch, i)).H(w, lam[i]))) <= 1e-10  # the fixed point itself
    q3 = markov_qre(batch, 3.0)  # a scalar lam applies to every game
    assert close(q3.policy_a[4], markov_qre(one(batch, 4), 3.0).policy_a)


@pytest.mark.parametrize("timing", ["simultaneous", "alternating"])
def test_escalation_grid_equals_single_calls(timing):
    """A war_cost x war_risk grid of 3-rung escalation games in one call: each point's MPE equals its own call
    and passes the one-shot deviation test on its full (unmerged) game."""
    cs = CrisisSettings(discount=0.9, execution_noise=0.02, settle_after=2, mediation=0.05, timing=timing)
    war_cost, war_risk = np.array([10.0, 60.0, 200.0])[:, None], np.array([0.2, 0.5, 0.9])
    eb = escalation_game(sim.ladder(K=3, war_cost=war_cost, war_risk=war_risk), cs)
    m = markov_perfect(eb)
    for i in range(3):
        for j in range(3):
            g = escalation_game(sim.ladder(K=3, war_cost=war_cost[i, 0], war_risk=war_risk[j]), cs)
            s = markov_perfect(g)
            assert close(s.policy_a, m.policy_a[i, j]) and close(s.policy_b, m.policy_b[i, j])
            assert one_shot_gap(g, m.policy_a[i, j], m.policy_b[i, j]) <= 1e-9
    assert len({m.policy_a[i, j].tobytes() for i in range(3) for j in range(3)}) > 1  # the grid is not trivial


def test_common_partition_when_games_differ_in_identical_states():
    """States identical in one game but not in another are traced apart (the partition common to the batch)."""
    g = escalation_game(sim.ladder(K=3), CrisisSettings(discount=0.9, mediation=0.05, settle_after=2))
    pay = g.payoffs.copy()
    pay[3] += 0.5  # one rung-pair state no longer equals the others in this game
    batch = StochasticGame(np.stack([g.payoffs, pay]), np.stack([g.transitions, g.transitions]), g.discount)
    m = markov_perfect(batch)
    for i, p in enumerate((g.payoffs, pay)):
        gi = StochasticGame(p, g.transitions, g.discount)
        s = markov_perfect(gi)
        assert close(s.policy_a, m.policy_a[i]) and close(s.policy_b, m.policy_b[i])
        assert one_shot_gap(gi, m.policy_a[i], m.policy_b[i]) <= 1e-9


def test_static_batch_reduces_to_qre_and_nash():
    games = [sim.chicken(), sim.prisoners_dilemma(), sim.stag_hunt(),
             tuple(np.random.default_rng(9).normal(size=(2, 2, 2)))]
    mats = [payoff_matrices(g) for g in games]
    pay = np.stack([np.stack([A, B], -1)[None] for A, B in mats])
    batch = StochasticGame(pay, np.ones((4, 1, 2, 2, 1)), 0.0)
    for lam in (0.3, 2.0, 10.0):
        q = markov_qre(batch, lam)
        for i, g in enumerate(games):
            ref = sim.qre(g, lam)
            assert np.abs(q.policy_a[i, 0] - ref.x).max() <= 1e-8 and np.abs(q.policy_b[i, 0] - ref.y).max() <= 1e-8
    m = markov_perfect(batch)
    for i, (A, B) in enumerate(mats):
        assert is_nash(A, B, m.policy_a[i, 0], m.policy_b[i, 0])


@pytest.mark.parametrize("timing, rounds", [("simultaneous", 12), ("simultaneous", None), ("alternating", 12)])
def test_sweep_mpe_outcomes_equal_analyse_of_the_mpe(timing, rounds):
    """mpe_* columns of a sweep equal sim.analyse of each point's own MPE played as strategies."""
    from sim.sweeps import grid_sweep

    settings = dict(discount=0.9, execution_noise=0.05, settle_after=2, mediation=0.05, timing=timing,
                    rounds=rounds)
    grid = {"war_cost": [10.0, 100.0], "war_risk": [0.3, 0.9]}
    df = grid_sweep("ladder", dict(K=3), grid, None, ["mpe_p_war_by_T", "mpe_mean_rung", "mpe_mean_rung_a",
                                                      "mpe_mean_rung_b", "mpe_value_a", "mpe_value_b"],
                    settings=settings, progress=False)
    cs = CrisisSettings(**settings)
    for row in df.itertuples():
        game = sim.ladder(K=3, war_cost=row.war_cost, war_risk=row.war_risk)
        esc = escalation_game(game, cs)
        m = markov_perfect(esc)
        r = sim.analyse(game, policy_to_strategy(esc, m.policy_a, 0), policy_to_strategy(esc, m.policy_b, 1),
                        settings=cs)
        p_war = np.asarray(r.p_war)[-1] if rounds else r.p_war
        assert row.mpe_p_war_by_T == pytest.approx(float(p_war), abs=1e-9)
        if rounds:
            mean = np.asarray(r.rung_distribution).sum(0) @ np.arange(3) / np.asarray(r.p_active).sum()
            assert row.mpe_mean_rung_a == pytest.approx(mean[0], abs=1e-9)
            assert row.mpe_mean_rung_b == pytest.approx(mean[1], abs=1e-9)
            assert row.mpe_mean_rung == pytest.approx(mean.mean(), abs=1e-9)
        assert row.mpe_value_a == pytest.approx(m.values[esc.opening_state, 0], abs=1e-9)
        assert row.mpe_value_b == pytest.approx(m.values[esc.opening_state, 1], abs=1e-9)
    assert df.mpe_p_war_by_T.nunique() > 1


def test_markov_path_long_run_equals_analyse_payoffs():
    """With rounds=None the MPE's discounted value from the opening state is analyse's total payoff."""
    cs = CrisisSettings(discount=0.9, execution_noise=0.05, settle_after=2, mediation=0.05)
    eb = escalation_game(sim.ladder(K=3, war_cost=np.array([20.0, 150.0])), cs)
    m = markov_perfect(eb)
    path = markov_path(eb, m.policy_a, m.policy_b)
    for i, wc in enumerate((20.0, 150.0)):
        game = sim.ladder(K=3, war_cost=wc)
        esc = escalation_game(game, cs)
        r = sim.analyse(game, policy_to_strategy(esc, m.policy_a[i], 0), policy_to_strategy(esc, m.policy_b[i], 1),
                        settings=cs)
        assert path["p_war"][i] == pytest.approx(float(r.p_war), abs=1e-9)
        assert path["expected_rounds"][i] == pytest.approx(float(r.expected_rounds), abs=1e-9)
        assert np.allclose(r.total_payoffs, m.values[i, esc.opening_state], atol=1e-9)


def test_bad_batch_inputs_are_one_line_errors():
    rng = np.random.default_rng(1)
    batch = random_batch(rng, 3)
    cases = [(lambda: StochasticGame(batch.payoffs, batch.transitions[:2], 0.9), "transitions"),
             (lambda: StochasticGame(batch.payoffs[0, 0, 0], batch.transitions[0, 0, 0], 0.9), "payoffs"),
             (lambda: policy_values(batch, np.ones((3, 2)) / 2, np.ones((3, 3)) / 3), "game"),
             (lambda: one_shot_gap(batch, np.ones((3, 2)) / 2, np.ones((3, 3)) / 3), "game"),
             (lambda: markov_qre(batch, 1.0, x0=(np.ones((3, 2)) / 2, np.ones((3, 3)) / 3)), "x0"),
             (lambda: markov_qre(batch, [1.0, 2.0]), "lam"),
             (lambda: markov_qre(batch, [1.0, -2.0, 1.0]), "lam"),
             (lambda: markov_perfect(batch, memory_budget_gb=1e-9), "memory_budget_gb"),
             # 10,000 11-rung escalation games would be ~143 GiB: refused before allocating
             (lambda: escalation_game(sim.ladder(K=11, war_cost=np.linspace(1.0, 300.0, 10_000)),
                                      CrisisSettings(discount=0.9)), "game")]
    for call, field in cases:
        with pytest.raises(ConfigError) as err:
            call()
        assert err.value.field == field and "\n" not in str(err.value)


@pytest.mark.parametrize("structured_n", [0, 10**9], ids=["structured", "dense"])
def test_structured_and_dense_batch_solves_agree_with_single_calls(monkeypatch, structured_n):
    """The batch solves its bordered systems by the Woodbury form (block diagonal + rank 2S) from
    markov_batch.STRUCTURED_N unknowns, densely below: both give each game's own MPE."""
    import sim.dynamic.markov_batch as mb

    monkeypatch.setattr(mb, "STRUCTURED_N", structured_n)
    rng = np.random.default_rng(79)
    batch = random_batch(rng, 10)
    m = markov_perfect(batch)
    cs = CrisisSettings(discount=0.9, execution_noise=0.02, settle_after=2, mediation=0.05)
    eb = escalation_game(sim.ladder(K=3, war_cost=np.array([10.0, 200.0])), cs)
    me = markov_perfect(eb)
    monkeypatch.setattr(mb, "STRUCTURED_N", 10**9)
    for i in range(10):
        s = markov_perfect(one(batch, i))
        assert close(s.policy_a, m.policy_a[i]) and close(s.policy_b, m.policy_b[i])
    for i, wc in enumerate((10.0, 200.0)):
        s = markov_perfect(escalation_game(sim.ladder(K=3, war_cost=wc), cs))
        assert close(s.policy_a, me.policy_a[i]) and close(s.policy_b, me.policy_b[i])


def test_failed_games_raise_or_are_nan():
    """A game with no MPE by lam_max fails: the whole call raises (default), or that game is NaN (errors="nan")
    while the others keep their own MPE."""
    rng = np.random.default_rng(80)
    batch = random_batch(rng, 8)
    full = markov_perfect(batch)
    cut = float(np.median(full.lam))
    late = full.lam > cut
    assert late.any() and (~late).any()
    with pytest.raises(RuntimeError, match=r"in game \d of the batch"):
        markov_perfect(batch, lam_max=cut)
    m = markov_perfect(batch, lam_max=cut, errors="nan")
    assert np.all(np.isnan(m.policy_a[late])) and np.all(np.isnan(m.values[late])) and np.all(np.isinf(m.one_shot_gap[late]))
    assert not m.pure[late].any()
    assert close(m.policy_a[~late], full.policy_a[~late]) and close(m.policy_b[~late], full.policy_b[~late])
    with pytest.raises(ConfigError) as err:
        markov_perfect(batch, errors="ignore")
    assert err.value.field == "errors"


def test_sweep_mpe_outcomes_refuse_what_the_dynamic_game_cannot_take():
    """Swept perception noise or discount 1, settings with perception noise, or a memory budget too small for
    one point's escalation game: one-line ConfigErrors before anything is evaluated."""
    from sim.sweeps import grid_sweep

    cases = [({"war_cost": [10.0, 20.0], "perception_noise": [0.0, 0.1]}, dict(discount=0.9), {}),
             ({"war_cost": [10.0, 20.0], "discount": [0.5, 1.0]}, dict(), {}),
             ({"war_cost": [10.0, 20.0]}, dict(discount=0.9, perception_noise=0.1), {}),
             ({"war_cost": [10.0, 20.0]}, dict(discount=0.9), dict(memory_budget_gb=1e-6))]
    for grid, settings, kw in cases:
        with pytest.raises(ConfigError) as err:
            grid_sweep("ladder", dict(K=3), grid, None, ["mpe_p_war_by_T"], settings=settings, progress=False, **kw)
        assert "\n" not in str(err.value)
