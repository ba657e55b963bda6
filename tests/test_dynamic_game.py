"""sim.dynamic: stochastic games, exact policy values, one-shot gaps, best responses, and the
repeated crisis as a stochastic game (issue 10, the kernel)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.dynamic import (StochasticGame, action_values, best_response, deviation_gains, escalation_game,
                         one_shot_gap, policy_to_strategy, policy_values, strategy_to_policy)
from sim.errors import ConfigError
from sim.repeated import CrisisSettings, analyse, get, memory_one


def _random_game(rng, S=None, KA=None, KB=None, discount=None) -> StochasticGame:
    S = S or int(rng.integers(1, 6))
    KA = KA or int(rng.integers(1, 4))
    KB = KB or int(rng.integers(1, 4))
    pay = rng.normal(size=(S, KA, KB, 2))
    tr = rng.dirichlet(np.ones(S), size=(S, KA, KB))
    d = float(rng.uniform(0, 0.98)) if discount is None else discount
    return StochasticGame(pay, tr, d)


def _random_policy(rng, S, K):
    return rng.dirichlet(np.ones(K), size=S)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs, field", [
    (dict(payoffs=np.zeros((2, 2, 2)), transitions=np.full((2, 2, 2, 2), 0.5), discount=0.5), "payoffs"),
    (dict(payoffs=np.zeros((2, 2, 2, 3)), transitions=np.full((2, 2, 2, 2), 0.5), discount=0.5), "payoffs"),
    (dict(payoffs=np.full((2, 2, 2, 2), np.nan), transitions=np.full((2, 2, 2, 2), 0.5), discount=0.5), "payoffs"),
    (dict(payoffs=np.zeros((2, 2, 2, 2)), transitions=np.full((2, 2, 2, 3), 1 / 3), discount=0.5), "transitions"),
    (dict(payoffs=np.zeros((2, 2, 2, 2)), transitions=np.full((2, 2, 2, 2), 0.6), discount=0.5), "transitions"),
    (dict(payoffs=np.zeros((2, 2, 2, 2)), transitions=np.tile([1.5, -0.5], (2, 2, 2, 1)), discount=0.5),
     "transitions"),
    (dict(payoffs=np.zeros((2, 2, 2, 2)), transitions=np.full((2, 2, 2, 2), 0.5), discount=1.0), "discount"),
    (dict(payoffs=np.zeros((2, 2, 2, 2)), transitions=np.full((2, 2, 2, 2), 0.5), discount=-0.1), "discount"),
    (dict(payoffs=np.zeros((2, 2, 2, 2)), transitions=np.full((2, 2, 2, 2), 0.5), discount="0.5"), "discount"),
    (dict(payoffs=np.zeros((2, 2, 2, 2)), transitions=np.full((2, 2, 2, 2), 0.5), discount=0.5,
          state_labels=("a",)), "state_labels"),
])
def test_stochastic_game_validation_one_line(kwargs, field):
    with pytest.raises(ConfigError) as err:
        StochasticGame(**kwargs)
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_policy_validation_one_line():
    g = _random_game(np.random.default_rng(1), S=3, KA=2, KB=2)
    good = np.full((3, 2), 0.5)
    for bad, field in [(np.full((3, 3), 1 / 3), "policy_a"), (np.full((3, 2), 0.6), "policy_a"),
                       (np.tile([1.2, -0.2], (3, 1)), "policy_a")]:
        with pytest.raises(ConfigError) as err:
            policy_values(g, bad, good)
        assert err.value.field == field and "\n" not in str(err.value)
    with pytest.raises(ConfigError) as err:
        one_shot_gap(g, good, np.ones((3, 2)))
    assert err.value.field == "policy_b"
    with pytest.raises(ConfigError) as err:
        best_response(g, 2, good)
    assert err.value.field == "side"


def test_escalation_game_validation_one_line():
    pd = sim.prisoners_dilemma()
    cases = [(dict(settings=CrisisSettings(discount=1.0)), "settings.discount"),
             (dict(settings=CrisisSettings(discount=0.9, perception_noise=0.1)), "settings.perception_noise"),
             (dict(settings=CrisisSettings(discount=0.9), timing="sequential"), "timing"),
             (dict(settings=CrisisSettings(discount=0.9), opening=(0, 2)), "opening"),
             (dict(settings=CrisisSettings(discount=0.9, settle_after=1), opening=(0, 0)), "opening")]
    for kwargs, field in cases:
        with pytest.raises(ConfigError) as err:
            escalation_game(pd, **kwargs)
        assert err.value.field == field and "\n" not in str(err.value)
    with pytest.raises(ConfigError) as err:
        escalation_game(sim.chicken(value=np.array([1.0, 2.0])).A[0, 0], CrisisSettings(discount=0.9))
    assert err.value.field == "game"


@pytest.mark.parametrize("timing", ["simultaneous", "alternating"])
def test_escalation_game_of_a_batch_stacks_the_single_games(timing):
    """A batch of stage games gives the batch of stochastic games, each equal to its own build."""
    cs = CrisisSettings(discount=0.9, execution_noise=0.05, settle_after=2, mediation=0.1, timing=timing)
    war_cost, war_risk = np.array([[20.0], [150.0]]), np.array([0.2, 0.5, 0.9])
    eb = escalation_game(sim.ladder(K=3, war_cost=war_cost, war_risk=war_risk), cs)
    assert eb.batch_shape == (2, 3)
    for i in range(2):
        for j in range(3):
            one = escalation_game(sim.ladder(K=3, war_cost=war_cost[i, 0], war_risk=war_risk[j]), cs)
            assert eb.n_states == one.n_states and eb.state_labels == one.state_labels
            assert np.allclose(eb.payoffs[i, j], one.payoffs, rtol=0, atol=1e-12)
            assert np.allclose(eb.transitions[i, j], one.transitions, rtol=0, atol=1e-15)


# --------------------------------------------------------------------------- random games
def test_policy_values_satisfy_bellman_equation():
    rng = np.random.default_rng(10)
    for _ in range(50):
        g = _random_game(rng)
        S, (KA, KB) = g.n_states, g.n_actions
        pa, pb = _random_policy(rng, S, KA), _random_policy(rng, S, KB)
        V = policy_values(g, pa, pb)
        assert V.shape == (S, 2)
        for s in range(S):
            for side in (0, 1):
                rhs = sum(pa[s, a] * pb[s, b] * (g.payoffs[s, a, b, side]
                                                 + g.discount * g.transitions[s, a, b] @ V[:, side])
                          for a in range(KA) for b in range(KB))
                assert V[s, side] == pytest.approx(rhs, abs=1e-9)
        qa, qb = action_values(g, pa, pb)
        # following the profile's own mixture recovers V
        np.testing.assert_allclose((pa * qa).sum(1), V[:, 0], atol=1e-9)
        np.testing.assert_allclose((pb * qb).sum(1), V[:, 1], atol=1e-9)


def test_best_response_has_zero_gap_for_the_responding_side_on_100_games():
    rng = np.random.default_rng(11)
    for _ in range(100):
        g = _random_game(rng)
        S, (KA, KB) = g.n_states, g.n_actions
        side = int(rng.integers(2))
        other = _random_policy(rng, S, KB if side == 0 else KA)
        br, values = best_response(g, side, other)
        pa, pb = (br, other) if side == 0 else (other, br)
        np.testing.assert_allclose(values, policy_values(g, pa, pb), atol=1e-12)
        assert deviation_gains(g, pa, pb)[:, side].max() <= 1e-9
        # no random policy of the responding side does better in any state
        for _ in range(5):
            alt = _random_policy(rng, S, br.shape[1])
            qa, qb = (alt, other) if side == 0 else (other, alt)
            assert np.all(policy_values(g, qa, qb)[:, side] <= values[:, side] + 1e-9)


def test_one_state_discount_zero_is_the_bimatrix_game():
    rng = np.random.default_rng(12)
    checked_nash = checked_other = 0
    for _ in range(200):
        KA, KB = int(rng.integers(2, 5)), int(rng.integers(2, 5))
        A, B = rng.normal(size=(KA, KB)), rng.normal(size=(KA, KB))
        g = StochasticGame(np.stack([A, B], -1)[None], np.ones((1, KA, KB, 1)), 0.0)
        for i in range(KA):
            for j in range(KB):
                gain = max(A[:, j].max() - A[i, j], B[i, :].max() - B[i, j])
                gap = one_shot_gap(g, np.eye(KA)[[i]], np.eye(KB)[[j]])
                if A[i, j] >= A[:, j].max() and B[i, j] >= B[i, :].max():  # pure Nash
                    assert abs(gap) <= 1e-12
                    checked_nash += 1
                else:
                    assert gap == pytest.approx(gain, abs=1e-12) and gap > 0
                    checked_other += 1
    assert checked_nash > 20 and checked_other > 100


# --------------------------------------------------------------------------- repeated Prisoner's Dilemma
T, R, P, S_ = 5.0, 3.0, 1.0, 0.0


def _pd_gap(strategy, discount):
    esc = escalation_game(sim.prisoners_dilemma(), CrisisSettings(discount=discount))
    pol_a, pol_b = strategy_to_policy(esc, strategy, 0), strategy_to_policy(esc, strategy, 1)
    return one_shot_gap(esc, pol_a, pol_b)


def test_grim_memory_one_is_subgame_perfect_iff_discount_at_least_half():
    grim = memory_one([1, 0, 0, 0], K=2, initial=1.0, name="grim_memory_one")
    assert (T - R) / (T - P) == 0.5
    assert _pd_gap(grim, 0.4) > 1e-3
    assert _pd_gap(grim, 0.6) <= 1e-12
    for d in np.linspace(0.05, 0.95, 19):
        assert (_pd_gap(grim, d) <= 1e-12) == (d >= 0.5 - 1e-12)
    # at discount 0.4 the best deviation is defecting once from mutual cooperation
    d = 0.4
    assert _pd_gap(grim, d) == pytest.approx(T + d * P / (1 - d) - R / (1 - d), abs=1e-12)


def test_tit_for_tat_is_never_subgame_perfect_in_this_pd():
    tft = memory_one([1, 0, 1, 0], K=2, initial=1.0, name="tft")
    # discount >= (T-R)/(R-S) = 2/3, discount <= 2/3 and discount <= (P-S)/(T-P) = 1/4 never hold together
    for d in np.linspace(0.01, 0.99, 99):
        assert _pd_gap(tft, d) > 1e-9
    np.testing.assert_array_equal(strategy_to_policy(escalation_game(sim.prisoners_dilemma(),
                                                                     CrisisSettings(discount=0.5)),
                                                     get("tit_for_tat", 2), 0),
                                  strategy_to_policy(escalation_game(sim.prisoners_dilemma(),
                                                                     CrisisSettings(discount=0.5)), tft, 0))


# --------------------------------------------------------------------------- the exact repeated-crisis analysis
_SETTINGS = [CrisisSettings(discount=0.9, execution_noise=0.05, mediation=0.02, mediation_slope=0.1),
             CrisisSettings(discount=0.9, execution_noise=(0.05, 0.1), mediation=0.02, settle_after=3,
                            war_risk_scale=0.5)]


def _pairs(rng, K):
    out = [(get("tit_for_tat", K), get("tit_for_tat", K)), (get("always_escalate", K), get("tit_for_tat", K))]
    for _ in range(4):
        a = memory_one(rng.dirichlet(np.ones(K), size=(K, K)), K=K, initial=rng.dirichlet(np.ones(K)))
        b = memory_one(rng.dirichlet(np.ones(K), size=(K, K)), K=K, initial=rng.dirichlet(np.ones(K)))
        out.append((a, b))
    return out


@pytest.mark.parametrize("cs", _SETTINGS)
def test_policy_values_at_opening_equal_markov_total_payoffs(cs):
    game = sim.ladder(K=3)
    esc = escalation_game(game, cs)
    assert esc.state_labels[esc.opening_state] == "start"
    rng = np.random.default_rng(13)
    for a, b in _pairs(rng, 3):
        V = policy_values(esc, strategy_to_policy(esc, a, 0), strategy_to_policy(esc, b, 1))
        total = analyse(game, a, b, settings=cs, rounds=None).total_payoffs
        np.testing.assert_allclose(V[esc.opening_state], total, rtol=0, atol=1e-9)


@pytest.mark.parametrize("cs", _SETTINGS)
def test_policy_to_strategy_plays_the_policy_in_analyse(cs):
    game = sim.ladder(K=3)
    esc = escalation_game(game, cs)
    rng = np.random.default_rng(14)
    S = esc.n_states
    for i in range(4):
        pa, pb = _random_policy(rng, S, 3), _random_policy(rng, S, 3)
        if cs.settle_after is None or i % 2:  # counter-blind: the memory-one form; else the counting automaton
            zero = (esc.last_pair == 0).all(1)
            pa[zero], pb[zero] = pa[zero][0], pb[zero][0]
        a, b = policy_to_strategy(esc, pa, 0), policy_to_strategy(esc, pb, 1)
        assert a.n_states == (3 if cs.settle_after is None or i % 2 else S - 3)
        total = analyse(game, a, b, settings=cs, rounds=None).total_payoffs
        np.testing.assert_allclose(policy_values(esc, pa, pb)[esc.opening_state], total, rtol=0, atol=1e-9)


def test_policy_strategy_round_trip_and_opening():
    cs = CrisisSettings(discount=0.8, execution_noise=0.05)
    esc = escalation_game(sim.ladder(K=3), cs)
    rng = np.random.default_rng(15)
    pol = _random_policy(rng, esc.n_states, 3)
    pol[-3:] = np.eye(3)[0]  # absorbing rows: rung 0 by convention
    for side in (0, 1):
        np.testing.assert_allclose(strategy_to_policy(esc, policy_to_strategy(esc, pol, side), side), pol,
                                   atol=1e-12)
    opened = escalation_game(sim.ladder(K=3), cs, opening=(2, 1))
    assert opened.state_labels[opened.opening_state] == "(2, 1)"
    assert "start" not in opened.state_labels
    pol = _random_policy(rng, opened.n_states, 3)
    pol2 = _random_policy(rng, opened.n_states, 3)
    total = analyse(sim.ladder(K=3), policy_to_strategy(opened, pol, 0), policy_to_strategy(opened, pol2, 1),
                    settings=cs, rounds=None).total_payoffs
    np.testing.assert_allclose(policy_values(opened, pol, pol2)[opened.opening_state], total, atol=1e-9)
    counted = escalation_game(sim.ladder(K=3), CrisisSettings(discount=0.8, settle_after=3), opening=(0, 0))
    assert counted.state_labels[counted.opening_state] == "(0, 0) x1"
    assert counted.state_after(counted.opening_state, 0, 0) == counted.state_labels.index("(0, 0) x2")
    assert counted.state_after(counted.state_labels.index("(0, 0) x2"), 0, 0) == counted.absorbing["settled"]
    with pytest.raises(ConfigError):
        strategy_to_policy(esc, get("grim_trigger", 3), 0)  # not memory-one


def test_best_response_on_the_ladder_is_credible_against_tit_for_tat():
    cs = CrisisSettings(discount=0.9, execution_noise=0.02, mediation=0.02)
    game = sim.ladder(K=5)
    esc = escalation_game(game, cs)
    tft_b = strategy_to_policy(esc, get("tit_for_tat", 5), 1)
    br, values = best_response(esc, 0, tft_b)
    assert deviation_gains(esc, br, tft_b)[:, 0].max() <= 1e-9
    a = policy_to_strategy(esc, br, 0)
    total = analyse(game, a, get("tit_for_tat", 5), settings=cs, rounds=None).total_payoffs
    np.testing.assert_allclose(values[esc.opening_state], total, atol=1e-9)


def test_lazy_exports():
    import sim.dynamic as dyn
    for name in ("StochasticGame", "escalation_game", "policy_values", "one_shot_gap", "best_response"):
        assert getattr(sim, name) is getattr(dyn, name)
    assert sim.dynamic is dyn
