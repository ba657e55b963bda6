"""Logit Markov QRE (sim.dynamic.logit_markov) and the Markov perfect equilibria it selects."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.dynamic import MarkovPerfect, MarkovQRE, StochasticGame, escalation_game, markov_perfect, markov_qre, \
    one_shot_gap, policy_values
from sim.dynamic.markov_trace import Kernel
from sim.equilibria import is_nash
from sim.errors import ConfigError
from sim.games import payoff_matrices
from sim.repeated import CrisisSettings


def one_state(game) -> StochasticGame:
    A, B = payoff_matrices(game)
    return StochasticGame(np.stack([A, B], -1)[None], np.ones((1, *A.shape, 1)), 0.0)


def random_game(rng, S=None, KA=None, KB=None, discount=None) -> StochasticGame:
    S = S or int(rng.integers(2, 5))
    KA, KB = KA or int(rng.integers(2, 4)), KB or int(rng.integers(2, 4))
    T = rng.random((S, KA, KB, S)) ** 3
    T /= T.sum(-1, keepdims=True)
    return StochasticGame(rng.normal(size=(S, KA, KB, 2)), T, discount or float(rng.uniform(0.5, 0.95)))


def residual(game, q: MarkovQRE) -> float:
    kern = Kernel(game)
    w = np.log(np.concatenate([q.policy_a.ravel(), q.policy_b.ravel()]))
    return float(np.max(np.abs(kern.H(w, q.lam))))


def test_jacobian_matches_finite_differences():
    rng = np.random.default_rng(3)
    g = random_game(rng, S=3, KA=2, KB=3, discount=0.8)
    kern = Kernel(g)
    w, lam, e = rng.normal(size=kern.n), 1.7, 1e-6
    _, J, dlam = kern.H(w, lam, True)
    eye = np.eye(kern.n)
    Jn = np.array([(kern.H(w + e * eye[i], lam) - kern.H(w - e * eye[i], lam)) / (2 * e) for i in range(kern.n)]).T
    assert np.allclose(J, Jn, atol=1e-6)
    assert np.allclose(dlam, (kern.H(w, lam + e) - kern.H(w, lam - e)) / (2 * e), atol=1e-6)


@pytest.mark.parametrize("game", [sim.chicken(), sim.prisoners_dilemma(), sim.stag_hunt(),
                                  (np.random.default_rng(7).normal(size=(3, 3)),
                                   np.random.default_rng(8).normal(size=(3, 3)))],
                         ids=["chicken", "pd", "stag", "random3x3"])
def test_one_state_reduces_to_static_qre(game):
    g = one_state(game)
    for lam in (0.0, 0.3, 1.0, 3.0, 10.0):
        m = markov_qre(g, lam)
        q = sim.qre(game, lam)
        assert np.abs(m.policy_a[0] - q.x).max() <= 1e-8
        assert np.abs(m.policy_b[0] - q.y).max() <= 1e-8
        assert residual(g, m) <= 1e-10
    mp = markov_perfect(g)
    A, B = payoff_matrices(game)
    assert mp.one_shot_gap <= 1e-9
    assert is_nash(A, B, mp.policy_a[0], mp.policy_b[0])


def test_markov_qre_fields_and_residual():
    rng = np.random.default_rng(11)
    g = random_game(rng)
    for lam in (0.5, 2.0, 8.0):
        m = markov_qre(g, lam)
        assert isinstance(m, MarkovQRE) and m.lam == lam
        assert m.policy_a.shape == (g.n_states, g.n_actions[0]) and m.policy_b.shape == (g.n_states, g.n_actions[1])
        assert np.allclose(m.values, policy_values(g, m.policy_a, m.policy_b))
        assert residual(g, m) <= 1e-10
    # from a starting profile near it, Newton at fixed lam finds the same point
    m2 = markov_qre(g, 8.0, x0=(m.policy_a, m.policy_b))
    assert np.allclose(m2.policy_a, m.policy_a, atol=1e-9) and residual(g, m2) <= 1e-10
    u = markov_qre(g, 0)
    assert np.allclose(u.policy_a, 1 / g.n_actions[0])


def test_bad_arguments():
    g = one_state(sim.chicken())
    with pytest.raises(ConfigError, match="lam"):
        markov_qre(g, -1.0)
    with pytest.raises(ConfigError, match="game"):
        markov_qre("chicken", 1.0)
    with pytest.raises(ConfigError, match="policy_a"):
        markov_qre(g, 1.0, x0=(np.ones((1, 3)) / 3, np.ones((1, 2)) / 2))


def test_random_stochastic_games_give_mpe():
    """200 seeded random games (2-4 states, 2-3 actions, discount 0.5-0.95): every run returns a verified MPE."""
    rng = np.random.default_rng(2024)
    failures, pure = [], 0
    for i in range(200):
        g = random_game(rng)
        try:
            m = markov_perfect(g)
        except RuntimeError as err:  # counted, not skipped
            failures.append((i, str(err)))
            continue
        assert isinstance(m, MarkovPerfect)
        assert m.one_shot_gap <= 1e-9
        assert one_shot_gap(g, m.policy_a, m.policy_b) <= 1e-9
        pure += m.pure
    assert failures == []
    assert 0 < pure < 200  # both pure and mixed limits occur


def test_repeated_prisoners_dilemma_selects_always_defect():
    g = escalation_game(sim.prisoners_dilemma(), CrisisSettings(discount=0.9))
    m = markov_perfect(g)
    assert m.one_shot_gap <= 1e-9
    active = [s for s in range(g.n_states) if s not in g.absorbing.values()]
    assert np.all(m.policy_a[active, 1] == 1) and np.all(m.policy_b[active, 1] == 1)  # defect everywhere


def test_ladder_escalation_game():
    g = escalation_game(sim.ladder(K=3), CrisisSettings(discount=0.9, mediation=0.05, settle_after=2))
    m = markov_perfect(g)
    assert m.one_shot_gap <= 1e-9
    assert one_shot_gap(g, m.policy_a, m.policy_b) <= 1e-9
    q = markov_qre(g, 0.5)
    assert residual(g, q) <= 1e-10


def test_structured_solves_match_dense(monkeypatch):
    """The Woodbury (block diagonal + rank 2S) bordered solves used for large games give the same branch."""
    import sim.dynamic.markov_trace as mt

    rng = np.random.default_rng(5)
    for _ in range(5):
        g = random_game(rng)
        monkeypatch.setattr(mt, "STRUCTURED_N", 10**9)
        dense_q, dense_p = markov_qre(g, 3.0), markov_perfect(g)
        monkeypatch.setattr(mt, "STRUCTURED_N", 0)
        struct_q, struct_p = markov_qre(g, 3.0), markov_perfect(g)
        assert np.allclose(dense_q.policy_a, struct_q.policy_a, atol=1e-9)
        assert np.allclose(dense_p.policy_b, struct_p.policy_b, atol=1e-9)
        assert struct_p.one_shot_gap <= 1e-9


def test_identical_states_are_merged_and_the_branch_is_the_same(monkeypatch):
    """Escalation games have many states with identical rows (every rung pair off (0, 0)): the branch is
    traced on the merged game, lifted and verified on the full game, and equals the unmerged trace."""
    import sim.dynamic.logit_markov as lm

    g = escalation_game(sim.ladder(K=3), CrisisSettings(discount=0.9, mediation=0.05, settle_after=2,
                                                        execution_noise=0.02))
    red, cls = lm.merge_identical_states(g)
    assert cls is not None and red.n_states < g.n_states
    assert np.array_equal(g.payoffs, red.payoffs[cls])
    merged_q, merged_p = markov_qre(g, 2.0), markov_perfect(g)
    monkeypatch.setattr(lm, "merge_identical_states", lambda game: (game, None))
    full_q, full_p = markov_qre(g, 2.0), markov_perfect(g)
    assert residual(g, merged_q) <= 1e-10
    assert np.allclose(merged_q.policy_a, full_q.policy_a, atol=1e-9)
    assert np.allclose(merged_q.policy_b, full_q.policy_b, atol=1e-9)
    assert np.allclose(merged_p.policy_a, full_p.policy_a, atol=1e-9)
    assert np.allclose(merged_p.policy_b, full_p.policy_b, atol=1e-9)
    assert merged_p.one_shot_gap <= 1e-9
