"""Round robins and the meta-game (sim.repeated.tournament)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import ConfigError
from sim.games import chicken, ladder, prisoners_dilemma, stag_hunt
from sim.repeated.markov.chain import analyse
from sim.repeated import Strategy
from sim.repeated.tournament import is_ess, replicator, round_robin

from conftest import require


# --------------------------------------------------------------------------- local automata
def tft(K=2):
    tr = np.zeros((K, K, K, K))
    tr[:, :, np.arange(K), np.arange(K)] = 1.0
    return Strategy("tft", np.eye(K)[0], np.eye(K), tr)


def constant(k, K=2, name=None):
    return Strategy(name or f"always_{k}", [1.0], np.eye(K)[[k]], np.ones((1, K, K, 1)))


def grudger():
    tr = np.zeros((2, 2, 2, 2))
    tr[0, :, 0, 0] = tr[0, :, 1, 1] = tr[1, :, :, 1] = 1.0
    return Strategy("grudger", [1.0, 0.0], np.eye(2), tr)


def grudger3():
    tr = np.zeros((2, 3, 3, 2))
    tr[0, :, 0, 0] = 1.0
    tr[0, :, 1:, 1] = tr[1, :, :, 1] = 1.0
    return Strategy("grudger", [1.0, 0.0], np.eye(3)[[0, 2]], tr)


def alternator():
    tr = np.zeros((2, 2, 2, 2))
    tr[:, 0, :, 1] = tr[:, 1, :, 0] = 1.0
    return Strategy("alternator", [1.0, 0.0], np.eye(2), tr)


def wsls():
    p = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    tr = np.zeros((5, 2, 2, 5))
    for o in range(2):
        for v in range(2):
            tr[:, o, v, 2 * o + v] = 1.0
    return Strategy("wsls", np.eye(5)[4], np.stack([p, 1 - p], -1), tr)


# --------------------------------------------------------------------------- axelrod
def test_round_robin_equals_axelrod_tournament():
    axl = require("axelrod")
    ours = {"Cooperator": constant(0), "Defector": constant(1), "TitForTat": tft(), "Grudger": grudger(),
            "Alternator": alternator(), "WinStayLoseShift": wsls()}
    players = [axl.Cooperator(), axl.Defector(), axl.TitForTat(), axl.Grudger(), axl.Alternator(),
               axl.WinStayLoseShift()]
    res = axl.Tournament(players, turns=200, repetitions=1).play(progress_bar=False)
    theirs = np.array(res.payoff_matrix) * 200  # mean payoff per turn -> match score
    t = round_robin(prisoners_dilemma(), ours, rounds=200)
    np.testing.assert_allclose(t.M, theirs, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(t.M[1], [1000, 200, 204, 204, 600, 600])  # Defector's row, by hand
    # axelrod's per-player totals leave out self-play
    np.testing.assert_allclose(t.M.sum(1) - np.diag(t.M), np.ravel(res.scores))
    assert t.ranking[:2] == ("Grudger", "TitForTat") and t.ranking[-1] == "Alternator"
    assert t.score_kind == "total" and t.names == tuple(ours)


# --------------------------------------------------------------------------- replicator, ESS
@pytest.mark.parametrize("value,crash_cost", [(2.0, 6.0), (1.0, 4.0), (3.0, 4.0)])
def test_replicator_on_hawk_dove_reaches_the_mixed_ess(value, crash_cost):
    game = chicken(value, crash_cost)  # rung 0 = dove (back down), rung 1 = hawk (stand firm)
    for x0 in ([0.95, 0.05], [0.1, 0.9]):
        traj = replicator(game.A, x0, t_max=400.0)
        assert traj.final[1] == pytest.approx(value / crash_cost, abs=1e-6)
        np.testing.assert_allclose(traj.x.sum(1), 1.0, atol=1e-9)
    assert not is_ess(game.A).any()  # neither pure strategy is an ESS in Hawk-Dove
    # the same through a one-round round robin of the two pure strategies
    t = round_robin(game, {"dove": constant(0), "hawk": constant(1)}, rounds=1, t_max=400.0)
    np.testing.assert_allclose(t.M, game.A)
    assert t.survivors == ("dove", "hawk")
    assert t.dynamics.final[1] == pytest.approx(value / crash_cost, abs=1e-6)
    mixed = [e for e in t.meta_equilibria if not e.is_pure]
    assert len(mixed) == 1 and mixed[0].x[1] == pytest.approx(value / crash_cost)


def test_ess_classification_pd_and_stag_hunt():
    pd = round_robin(prisoners_dilemma(), [constant(0, name="restrain"), constant(1, name="escalate")], rounds=1)
    np.testing.assert_array_equal(pd.ess, [False, True])
    assert pd.survivors == ("escalate",)
    assert len(pd.meta_equilibria) == 1 and pd.meta_equilibria[0].x[1] == pytest.approx(1.0)
    sh = round_robin(stag_hunt(), [constant(0, name="restrain"), constant(1, name="escalate")], rounds=1)
    np.testing.assert_array_equal(sh.ess, [True, True])
    assert len(sh.meta_equilibria) == 3
    # 200-round PD: always-escalate resists TFT (200 > 199), and TFT resists always-escalate (600 > 204)
    rr = round_robin(prisoners_dilemma(), [tft(), constant(1, name="escalate")], rounds=200)
    np.testing.assert_array_equal(rr.ess, [True, True])
    # neutral mutants: TFT and always-restrain tie everywhere without noise -> TFT is not an ESS
    assert not is_ess([[3.0, 3.0], [3.0, 3.0]]).any()
    assert is_ess([[1.0, 2.0], [1.0, 0.0]]).tolist() == [True, False]  # second condition of Maynard Smith


def test_long_run_and_asymmetric_options():
    # noisy infinitely repeated PD: per-round long-run payoffs; TFT pair gets 2.25
    t = round_robin(prisoners_dilemma(), [tft(), wsls()], rounds=None, execution_noise=0.05)
    assert t.score_kind == "per_round" and t.M[0, 0] == pytest.approx(2.25)
    # with war risk on a ladder the crisis ends surely: totals
    L = ladder(K=3, war_risk=0.2)
    t = round_robin(L, [tft(3), constant(0, 3), constant(2, 3)], rounds=None, execution_noise=0.05, settle_after=3)
    assert t.score_kind == "total" and np.isfinite(t.M).all()
    # asymmetric noise: M averages i's payoff over the two roles
    strats = [tft(3), constant(1, 3), grudger3()]
    kw = dict(rounds=20, perception_noise=(0.1, 0.0), settle_after=2)
    a = round_robin(L, strats, equilibria=False, **kw)
    for i in range(3):
        for j in range(3):
            as_a = analyse(L, strats[i], strats[j], **kw).payoffs[0]
            as_b = analyse(L, strats[j], strats[i], **kw).payoffs[1]
            assert a.M[i, j] == pytest.approx((as_a + as_b) / 2, rel=1e-12)
    # equal noise given as a pair takes the symmetric shortcut and agrees with a single rate
    b = round_robin(L, strats, rounds=20, execution_noise=(0.1, 0.1), equilibria=False)
    c = round_robin(L, strats, rounds=20, execution_noise=0.1, equilibria=False)
    np.testing.assert_allclose(b.M, c.M, rtol=1e-12)
    assert b.names == ("tft", "always_1", "grudger")
    with pytest.raises(ConfigError):
        round_robin(L, [tft(3)], rounds=None, exact=False)
    with pytest.raises(ConfigError):
        round_robin(L, [tft(3)], rounds=5, bogus=1)
    with pytest.raises(ConfigError):
        round_robin(ladder(K=3, war_risk=[0.1, 0.2]), [tft(3)], rounds=5)


def test_monte_carlo_tournament_agrees_with_exact_and_ignores_order():
    """exact=False: the meta-game matrix within Monte-Carlo error of the exact one; the
    entrants' order does not change any match's numbers (per-match seeds from names)."""
    from sim.games import prisoners_dilemma

    g = prisoners_dilemma()
    names = ["tit_for_tat", "win_stay_lose_shift", "always_escalate"]
    kw = dict(rounds=50, execution_noise=0.05, equilibria=False)
    ex = round_robin(g, names, **kw)
    mc = round_robin(g, names, exact=False, paths=20_000, seed=7, **kw)
    # a 50-round total has std below 50 * (5 - 0) / 2; 4 standard errors
    assert np.all(np.abs(mc.M - ex.M) <= 4 * 125 / np.sqrt(20_000))
    rev = round_robin(g, names[::-1], exact=False, paths=20_000, seed=7, **kw)
    np.testing.assert_array_equal(rev.M, mc.M[::-1, ::-1])

