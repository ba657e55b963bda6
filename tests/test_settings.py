"""CrisisSettings: validated once, the same settings whatever the door (keywords, settings=, configs),
one Ending order, and games that keep stage payoffs and war apart."""

from __future__ import annotations

import re

import numpy as np
import pytest

import sim
from sim.errors import ConfigError
from sim.repeated import ENDINGS, CrisisSettings, Ending, analyse, product_chain, round_robin, simulate
from sim.sweeps import grid_sweep

KW = dict(rounds=12, discount=0.95, execution_noise=0.05, perception_noise=(0.0, 0.1), settle_after=2,
          mediation=0.02, mediation_slope=0.1, war_risk_scale=0.8)
GAME = sim.ladder(K=3, war_risk=0.4)
A, B = sim.strategies.get("tit_for_tat", K=3), sim.strategies.get("conditional_deescalation", K=3)


@pytest.mark.parametrize("field, value, message", [
    ("rounds", 0, "rounds: must be an integer in [1, 100000]"),
    ("rounds", 2.5, "rounds: must be an integer"),
    ("discount", 0.0, "discount: must be in (0, 1]"),
    ("mediation", 1.5, "mediation: is a probability"),
    ("mediation_slope", -0.5, "mediation_slope: mediation + mediation_slope must be >= 0"),
    ("war_risk_scale", -1.0, "war_risk_scale: must be >= 0"),
    ("execution_noise", 1.2, "execution_noise: rates and matrix entries must be probabilities"),
    ("perception_noise", (0.1, 1.5), "perception_noise[1]: rates"),
    ("settle_after", True, "settle_after: must be an integer"),
])
def test_each_bad_field_is_one_line_naming_it(field, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as err:
        CrisisSettings(**{field: value})
    assert "\n" not in str(err.value) and str(err.value).startswith(field)


def test_unknown_field_and_noise_shape_against_K():
    with pytest.raises(ConfigError, match="^rounds_max: is not a crisis setting"):
        CrisisSettings.from_mapping({"rounds_max": 3})
    cs = CrisisSettings(execution_noise=[[0.9, 0.1], [0.2, 0.8]])
    with pytest.raises(ConfigError, match="execution_noise"):
        cs.noise(3)  # a 2 x 2 matrix for a 3-rung game
    (ea, eb), _ = cs.noise(2)
    np.testing.assert_array_equal(ea, [[0.9, 0.1], [0.2, 0.8]])
    assert np.array_equal(ea, eb)


def test_settings_object_and_keywords_give_bit_identical_results():
    cs = CrisisSettings(**KW)
    by_kw, by_obj = analyse(GAME, A, B, **KW), analyse(GAME, A, B, settings=cs)
    for f in ("rung_distribution", "p_war", "p_settled", "p_mediated", "payoffs"):
        np.testing.assert_array_equal(getattr(by_kw, f), getattr(by_obj, f))
    m1 = simulate(GAME, A, B, paths=3000, seed=4, **KW)
    m2 = simulate(GAME, A, B, paths=3000, seed=4, settings=cs)
    np.testing.assert_array_equal(m1.path_payoffs, m2.path_payoffs)
    # a keyword overrides one field of the settings and nothing else
    longer = analyse(GAME, A, B, settings=cs, rounds=20)
    np.testing.assert_array_equal(longer.p_war[:12], by_obj.p_war)
    assert longer.p_war.shape == (20,)
    c1 = product_chain(GAME, A, B, settings=cs)
    c2 = product_chain(GAME, A, B, **{k: v for k, v in KW.items() if k not in ("rounds", "discount")})
    np.testing.assert_array_equal(c1.Q, c2.Q)


def test_round_robin_and_grid_sweep_take_the_settings_too():
    cs = CrisisSettings(**KW)
    t1 = round_robin(GAME, [A, B], settings=cs, equilibria=False)
    t2 = round_robin(GAME, [A, B], rounds=12, equilibria=False, **{k: v for k, v in KW.items() if k != "rounds"})
    np.testing.assert_array_equal(t1.M, t2.M)
    grid = {"war_cost": [50.0, 100.0]}
    s1 = grid_sweep("ladder", dict(K=3, war_risk=0.4), grid, (A, B), ["p_war_by_T", "payoff_a"], settings=cs)
    s2 = grid_sweep("ladder", dict(K=3, war_risk=0.4), grid, (A, B), ["p_war_by_T", "payoff_a"], settings=KW)
    np.testing.assert_array_equal(s1["p_war_by_T"], s2["p_war_by_T"])
    np.testing.assert_array_equal(s1["payoff_a"], s2["payoff_a"])
    with pytest.raises(ConfigError, match="^discount"):
        grid_sweep("ladder", dict(K=3), grid, (A, B), ["p_war_by_T"], settings=dict(KW, discount=2.0))


def test_one_ending_order_in_the_chain_the_engine_and_the_names():
    assert ENDINGS == ("war", "settled", "mediated")
    assert [int(e) for e in (Ending.WAR, Ending.SETTLED, Ending.MEDIATED)] == [1, 2, 3]
    # the Markov chain's exit columns are Ending - 1: a game where only war can end the crisis
    war_only = sim.Game(GAME.A, GAME.B, war_probability=np.full((3, 3), 0.2), war_payoff=np.array([-5.0, -5.0]))
    chain = product_chain(war_only, A, B)
    np.testing.assert_allclose(chain.exits[..., Ending.WAR - 1], 0.2)
    assert np.all(chain.exits[..., Ending.SETTLED - 1] == 0) and np.all(chain.exits[..., Ending.MEDIATED - 1] == 0)
    # ... and mediation alone lands in the mediated column, in the engine and the chain alike
    calm = sim.Game(GAME.A, GAME.B)
    ex = analyse(calm, A, B, rounds=5, mediation=0.3)
    mc = simulate(calm, A, B, rounds=5, paths=20_000, seed=1, mediation=0.3)
    np.testing.assert_allclose(ex.p_mediated, 1 - 0.7 ** np.arange(1, 6), atol=1e-12)
    assert np.all(ex.p_war == 0) and np.all(mc.p_war == 0) and np.all(mc.p_settled == 0)
    assert np.all(np.abs(mc.p_mediated - ex.p_mediated) < 0.02)


def test_game_keeps_war_apart_and_the_normal_form_adds_it_back():
    g = sim.ladder(K=4, war_cost=80.0, war_risk=0.5)
    calm = sim.ladder(K=4, war_cost=0.0, war_risk=0.5)
    np.testing.assert_array_equal(g.A, calm.A)  # stage payoffs do not depend on the war cost
    Ae, Be = sim.payoff_matrices(g)
    np.testing.assert_allclose(Ae, g.A - 80.0 * g.war_probability, atol=1e-12)
    np.testing.assert_allclose(Be, g.B - 80.0 * g.war_probability, atol=1e-12)
    # the equilibria are those of the normal form
    eq_game = [(e.x, e.y) for e in sim.nash_equilibria(g)]
    eq_form = [(e.x, e.y) for e in sim.nash_equilibria((Ae, Be))]
    assert len(eq_game) == len(eq_form) and all(np.allclose(a[0], b[0]) and np.allclose(a[1], b[1])
                                                 for a, b in zip(eq_game, eq_form))
    # a repeated crisis charges war_cost once, in the round war breaks out: always at the top
    # rung with war risk p per round, T rounds: E[payoff] = sum_t (1-p)^(t-1) (stage + p * (-W))
    top = sim.strategies.get("always_escalate", K=4)
    p, T = float(g.war_probability[3, 3]), 6
    res = analyse(g, top, top, rounds=T)
    t = np.arange(1, T + 1)
    assert res.payoffs[0] == pytest.approx(np.sum((1 - p) ** (t - 1) * (g.A[3, 3] - p * 80.0)), rel=1e-12)


def test_settings_compare_and_hash_by_value():
    a = CrisisSettings(rounds=5, execution_noise=[0.1, 0.2], perception_noise=[[0.9, 0.1], [0.0, 1.0]])
    b = CrisisSettings(rounds=5, execution_noise=(0.1, 0.2), perception_noise=((0.9, 0.1), (0.0, 1.0)))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert CrisisSettings.from_mapping(a.to_dict()) == a  # the fields round-trip
