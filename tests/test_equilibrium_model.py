"""Observed crises under the logit Markov QRE with lambda as a parameter (sim.estimate.equilibrium_model)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import sim
from sim.dynamic import escalation_game, markov_qre, policy_to_strategy
from sim.errors import ConfigError
from sim.estimate import Sequences, equilibrium_likelihood, fit_equilibrium, sequence_likelihood
from sim.repeated import CrisisSettings

LADDER = dict(K=3, advantage=20.0, damage=10.0, cost=2.0, war_risk=0.5, war_cost=100.0, risk_interaction=0.5,
              risk_exponent=2.0)


@pytest.mark.parametrize("kw", [dict(), dict(timing="alternating", opening=(2, 0), first_mover="b"),
                                dict(settle_after=2, perception_noise=0.05)])
def test_batched_lambdas_equal_the_qre_policies_played_one_by_one(kw):
    game = sim.games.build("ladder", **LADDER)
    cs = CrisisSettings(execution_noise=0.05, mediation=0.1, discount=0.9, **kw)
    data = Sequences.from_rungs(np.array([[2, 1], [1, 1], [1, 0], [0, 0]]), endings=["ceasefire"], K=3)
    lams = np.array([0.0, 0.3, 1.5, 6.0])
    got = equilibrium_likelihood(data, game, lams, settings=cs)
    esc = escalation_game(game, dataclasses.replace(cs, perception_noise=0.0))
    for lam, v in zip(lams, got):
        q = markov_qre(esc, float(lam))
        sa, sb = policy_to_strategy(esc, q.policy_a, 0), policy_to_strategy(esc, q.policy_b, 1)
        assert v == pytest.approx(sequence_likelihood(data, game, sa, sb, settings=cs), abs=1e-9)
    # lam = 0 is uniform play: with execution noise on top, every observed pair has probability 1/K^2
    # per round while the crisis goes on (a check independent of the QRE code)
    if not kw:
        cont = np.prod([(1 - w) * (1 - m) for w, m in
                        [(cs.war_probability(game.war_probability)[x, y], cs.mediation_table(3)[x, y])
                         for x, y in [(2, 1), (1, 1), (1, 0)]]])
        w, m = cs.war_probability(game.war_probability)[0, 0], cs.mediation_table(3)[0, 0]
        assert got[0] == pytest.approx(np.log(cont * (1 - w) * m / 9 ** 4), abs=1e-10)


def test_fit_recovers_lambda():
    """Crises simulated from the QRE at lam = 0.2 (payoffs in tens: rungs 1 and 2 about equally likely,
    rung 0 rare): the profile interval covers it (one seeded draw) and is narrow."""
    game = sim.games.build("ladder", **LADDER)
    cs = CrisisSettings(execution_noise=0.02, mediation=0.1, mediation_slope=0.2, discount=0.9)
    esc = escalation_game(game, cs)
    q = markov_qre(esc, 0.2)
    sa, sb = policy_to_strategy(esc, q.policy_a, 0), policy_to_strategy(esc, q.policy_b, 1)
    res = sim.simulate(game, sa, sb, rounds=10, paths=150, seed=12, keep_paths=True, settings=cs)
    r = res.rungs.astype(int)
    lengths = (r[:, :, 0] >= 0).sum(1)
    data = Sequences.from_rungs(np.where(r < 0, 0, r), lengths=lengths, endings=np.where(lengths < 10, 5, 0), K=3)
    fit = fit_equilibrium(data, game, lam_max=1.0, points=21, settings=cs)
    lo, hi = fit.interval
    assert lo < 0.2 < hi and hi - lo < 0.15 and lo < fit.lam < hi
    assert fit.log_likelihood >= fit.profile.max() - 1e-9
    assert fit.aic == pytest.approx(2 - 2 * fit.log_likelihood)


def test_bad_input():
    game = sim.games.build("ladder", **LADDER)
    data = Sequences.from_rungs(np.array([[1, 0]]), K=3)
    with pytest.raises(ConfigError) as err:
        equilibrium_likelihood(data, game, [-1.0], discount=0.9)
    assert err.value.field == "lams"
    with pytest.raises(ConfigError) as err:
        equilibrium_likelihood(data, game, [1.0], discount=1.0)
    assert err.value.field == "discount"
