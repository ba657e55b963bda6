"""Credibility of a stated policy (sim.dynamic.credibility) against independent facts:
closed forms of the repeated Prisoner's Dilemma, the exact Markov analysis (sim.analyse) of the
stated pair, and every registry strategy as a lower bound on the best response."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.dynamic import Credibility, credibility
from sim.errors import ConfigError

R, S, T, P = 3.0, 0.0, 5.0, 1.0  # sim.prisoners_dilemma()


def noisy_settings(**over):
    base = dict(execution_noise=(0.05, 0.1), perception_noise=(0.1, 0.02), settle_after=2, mediation=0.05,
                mediation_slope=0.1, war_risk_scale=0.8)
    base.update(over)
    return base


# --------------------------------------------------------------------------- repeated PD closed forms
def test_grim_trigger_is_best_response_to_itself_iff_discount_at_least_half():
    g = sim.prisoners_dilemma()
    assert (T - R) / (T - P) == 0.5
    c = credibility(g, "grim_trigger", "grim_trigger", discount=0.6)
    assert isinstance(c, Credibility)
    assert c.value_a == pytest.approx(R / (1 - 0.6))
    assert c.gain_a <= 1e-9 and c.gain_b <= 1e-9
    d = 0.4
    c = credibility(g, "grim_trigger", "grim_trigger", discount=d)
    assert c.gain_a > 0.1
    assert c.best_value_a == pytest.approx(T + d * P / (1 - d), abs=1e-12)  # defect forever
    assert c.best_value_b == pytest.approx(c.best_value_a)


def test_grim_trigger_off_path_states():
    # grim conditions on the other's rung only: in (A cooperating, B punishing) A's stated
    # cooperation against a defector gains nothing, so the pair is not subgame perfect, while the
    # states (cooperate, cooperate) and (punish, punish) have no profitable one-shot deviation
    c = credibility(sim.prisoners_dilemma(), "grim_trigger", "grim_trigger", discount=0.6)
    gap = c.deviation_gap_a[..., 0]
    assert gap.shape == (2, 2)
    assert gap[0, 0] <= 1e-12 and gap[1, 1] <= 1e-12
    assert gap[0, 1] == pytest.approx(P - S)  # defecting instead of cooperating against a punisher
    assert not c.is_subgame_perfect


@pytest.mark.parametrize("d", [0.2, 0.5, 0.6, 2 / 3, 0.75, 0.9, 0.99])
def test_best_response_to_tit_for_tat_is_the_best_of_three_cycles(d):
    c = credibility(sim.prisoners_dilemma(), "tit_for_tat", "tit_for_tat", discount=d)
    closed = max(R / (1 - d), (T + d * S) / (1 - d * d), T + d * P / (1 - d))
    assert c.best_value_a == pytest.approx(closed, rel=1e-12)
    assert c.best_value_b == pytest.approx(closed, rel=1e-12)
    assert c.value_a == pytest.approx(R / (1 - d), rel=1e-12)
    # tit for tat against itself is never subgame perfect for (5, 3, 1, 0):
    # d >= (T-R)/(R-S), d <= (T-R)/(R-S) and d <= (P-S)/(T-P) never hold together
    assert not c.is_subgame_perfect
    if d >= 2 / 3:
        assert c.gain_a <= 1e-9 and c.gain_b <= 1e-9  # a best response on the path
    else:
        assert c.gain_a > 1e-6


def test_finite_horizon_best_response_to_grim_defects_in_the_last_round():
    g = sim.prisoners_dilemma()
    for rounds, d in [(1, 0.9), (5, 0.9), (8, 1.0), (12, 0.95)]:
        c = credibility(g, "grim_trigger", "grim_trigger", rounds=rounds, discount=d)
        closed = R * sum(d ** (t - 1) for t in range(1, rounds)) + T * d ** (rounds - 1)
        assert c.best_value_a == pytest.approx(closed, rel=1e-12)
        assert c.value_a == pytest.approx(R * sum(d ** (t - 1) for t in range(1, rounds + 1)), rel=1e-12)
        pol = c.best_response_a  # (T, S_B, m)
        assert pol.shape == (rounds, 2, 1)
        assert pol[-1, 0, 0] == 1 and np.all(pol[:-1, 0, 0] == 0)  # cooperate until the last round
        assert not c.is_subgame_perfect


def test_infinite_horizon_without_discount_or_absorption_is_refused():
    with pytest.raises(ConfigError, match="discount"):
        credibility(sim.prisoners_dilemma(), "tit_for_tat", "grim_trigger")
    # every round can end in mediation: fine without discounting
    c = credibility(sim.prisoners_dilemma(), "tit_for_tat", "grim_trigger", mediation=0.1)
    ref = sim.analyse(sim.prisoners_dilemma(), "tit_for_tat", "grim_trigger", mediation=0.1)
    assert np.allclose([c.value_a, c.value_b], ref.total_payoffs, rtol=1e-10)


# --------------------------------------------------------------------------- against the exact analysis
PAIRS = [("conditional_deescalation", "graduated_response"), ("tit_for_tat", "grit"),
         ("generous_tit_for_tat", "random"), ("win_stay_lose_shift", "proportional_response")]


@pytest.mark.parametrize("a,b", PAIRS)
@pytest.mark.parametrize("rounds", [None, 7])
def test_stated_value_equals_the_exact_analysis_on_a_noisy_ladder(a, b, rounds):
    g = sim.ladder(K=3)
    kw = noisy_settings(discount=0.9)
    c = credibility(g, a, b, rounds=rounds, **kw)
    ref = sim.analyse(g, a, b, rounds=rounds, **kw)
    want = ref.total_payoffs if rounds is None else ref.payoffs
    assert np.allclose([c.value_a, c.value_b], want, rtol=1e-10, atol=1e-10)
    assert c.gain_a >= 0 and c.gain_b >= 0
    assert c.best_value_a >= c.value_a - 1e-9 and c.best_value_b >= c.value_b - 1e-9


@pytest.mark.parametrize("rounds", [None, 6])
def test_best_response_beats_every_registry_strategy(rounds):
    g = sim.ladder(K=3)
    kw = noisy_settings(discount=0.85, perception_noise=0.0)  # the responder's perception is irrelevant only then
    for b in ("graduated_response", "conditional_deescalation"):
        c = credibility(g, "tit_for_tat", b, rounds=rounds, **kw)
        for name in sim.strategies.names():
            ref = sim.analyse(g, name, b, rounds=rounds, **kw)
            val = ref.total_payoffs[0] if rounds is None else ref.payoffs[0]
            assert c.best_value_a >= val - 1e-9, name
        for name in sim.strategies.names():  # side B as responder to A's tit for tat
            ref = sim.analyse(g, "tit_for_tat", name, rounds=rounds, **kw)
            val = ref.total_payoffs[1] if rounds is None else ref.payoffs[1]
            assert c.best_value_b >= val - 1e-9, name


def test_best_response_with_perception_noise_still_bounds_registry_strategies():
    # knowing the other's state is worth at least as much as following any automaton on noisy signals
    g = sim.ladder(K=3)
    kw = noisy_settings(discount=0.85)
    c = credibility(g, "grit", "graduated_response", **kw)
    for name in sim.strategies.names():
        assert c.best_value_a >= sim.analyse(g, name, "graduated_response", **kw).total_payoffs[0] - 1e-9, name


def test_deviation_gaps_vanish_for_the_best_response_itself():
    # against an opponent who always defects, always defecting is the best response in every state
    g = sim.prisoners_dilemma()
    c = credibility(g, "always_escalate", "always_escalate", discount=0.9)
    assert c.gain_a <= 1e-12 and c.gain_b <= 1e-12
    assert c.is_subgame_perfect  # mutual defection forever is subgame perfect
    assert np.all(c.deviation_gap_a <= 1e-12) and np.all(c.deviation_gap_b <= 1e-12)


def test_a_grid_of_games_is_one_call_and_matches_single_games():
    g = sim.ladder(K=3, war_risk=np.array([[0.1], [0.3]]), damage=np.array([4.0, 8.0, 12.0]))
    kw = noisy_settings(discount=0.9)
    c = credibility(g, "conditional_deescalation", "graduated_response", **kw)
    assert np.shape(c.value_a) == (2, 3)
    assert c.deviation_gap_a.shape[:2] == (2, 3) and c.best_response_a.shape[:2] == (2, 3)
    for i, wr in enumerate([0.1, 0.3]):
        for j, dm in enumerate([4.0, 8.0, 12.0]):
            one = credibility(sim.ladder(K=3, war_risk=wr, damage=dm), "conditional_deescalation",
                              "graduated_response", **kw)
            assert c.value_a[i, j] == pytest.approx(one.value_a, rel=1e-10)
            assert c.best_value_b[i, j] == pytest.approx(one.best_value_b, rel=1e-10)
            assert bool(c.is_subgame_perfect[i, j]) == bool(one.is_subgame_perfect)


@pytest.mark.parametrize("b", ["graduated_response", "conditional_deescalation", "tit_for_two_tats"])
def test_best_response_policy_as_an_automaton_achieves_the_best_value(b):
    # without perception noise A sees B's executed rung and knows its own, so it can track B's
    # (deterministic) automaton exactly: the automaton playing the best-response policy in the
    # tracked state must score the best value in the exact analysis, and is then a best response
    g = sim.ladder(K=3)
    kw = dict(discount=0.9, execution_noise=0.07, mediation=0.05, mediation_slope=0.1, war_risk_scale=0.7)
    c = credibility(g, "tit_for_tat", b, **kw)
    sb = sim.strategies.get(b, K=3)
    assert not sb.stochastic
    pol = c.best_response_a[:, 0]  # no settlement: m = 1
    action = np.eye(3)[pol]
    tracker = sim.repeated.Strategy("tracker", sb.initial, action, sb.transition.transpose(0, 2, 1, 3))
    ref = sim.analyse(g, tracker, b, **kw)
    assert ref.total_payoffs[0] == pytest.approx(c.best_value_a, rel=1e-10, abs=1e-10)
    again = credibility(g, tracker, b, **kw)
    assert again.gain_a <= 1e-9
    assert again.value_a == pytest.approx(c.best_value_a, rel=1e-10, abs=1e-10)
    # in the product states where the tracker is right about B's state, no one-shot deviation gains
    assert np.all(np.diagonal(again.deviation_gap_a[..., 0]) <= 1e-9)


def test_bad_arguments_are_one_line_config_errors():
    g = sim.prisoners_dilemma()
    with pytest.raises(ConfigError, match="not a crisis setting"):
        credibility(g, "tit_for_tat", "tit_for_tat", discount=0.9, mediaton=0.1)
    with pytest.raises(ConfigError, match="discount"):
        credibility(g, "tit_for_tat", "tit_for_tat", discount=1.5)
    with pytest.raises(ConfigError, match="GiB"):
        credibility(g, "tit_for_tat", "tit_for_tat", discount=0.9, settle_after=10_000)
