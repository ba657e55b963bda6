"""Strategies as data: the registry, user-defined automata, noise matrices, and
play-sequence tests in the style of axelrod's ``versus_test``."""

from __future__ import annotations

import numpy as np
import pytest

from sim import games
from sim.repeated import strategies as st
from sim.repeated.montecarlo.engine import simulate
from sim.errors import ConfigError

from conftest import require


# --------------------------------------------------------------------------- helpers
def scripted(moves, K):
    """A deterministic automaton that plays ``moves`` in order (then repeats the last)."""
    L = len(moves)
    nxt = np.minimum(np.arange(L) + 1, L - 1)
    transition = np.broadcast_to(nxt[:, None, None], (L, K, K))
    return st.automaton(0, list(moves), transition.tolist(), name="script")


def versus(strategy, opponent_moves, expected_own, K=None):
    """Play ``strategy`` (side A) against a scripted side B in the engine, no noise, and
    check the rung pairs, as axelrod's ``versus_test`` does."""
    K = strategy.K if K is None else K
    game = games.from_matrices(np.zeros((K, K)))
    T = len(opponent_moves)
    res = simulate(game, strategy, scripted(opponent_moves, K), rounds=T, paths=1, keep_paths=True, seed=0)
    got = res.rungs[0]
    expected = np.stack([expected_own, opponent_moves], -1)
    assert got.tolist() == expected.tolist(), f"{strategy.name}: got {got[:, 0].tolist()}, expected {list(expected_own)}"


def reference_play(strategy, opponent_moves):
    """Pure-Python interpreter of a deterministic automaton (independent of the engine)."""
    s = int(np.argmax(strategy.initial))
    out = []
    for seen in opponent_moves:
        r = int(np.argmax(strategy.action[s]))
        out.append(r)
        s = int(np.argmax(strategy.transition[s, r, seen]))
    return out


# --------------------------------------------------------------------------- registry
@pytest.mark.parametrize("K", [2, 3, 5])
@pytest.mark.parametrize("name", st.names())
def test_every_named_strategy_builds_and_round_trips(name, K):
    s = st.get(name, K=K)
    assert s.K == K and s.name == name
    again = st.load(s.to_config())
    for a, b in ((s.initial, again.initial), (s.action, again.action), (s.transition, again.transition)):
        np.testing.assert_array_equal(a, b)
    assert st.REGISTRY[name].__doc__  # every strategy documents its source and states


def test_unknown_name_and_parameter_are_one_line_errors():
    with pytest.raises(ConfigError, match="allowed: .*tit_for_tat") as e:
        st.get("tit_for_three_tats")
    assert "\n" not in str(e.value)
    with pytest.raises(ConfigError, match="allowed: period"):
        st.get("grit", K=5, periods=3)
    with pytest.raises(ConfigError, match="allowed: start"):
        st.get("tit_for_tat", K=2, g=0.1)
    with pytest.raises(ConfigError, match="no parameters"):
        st.get("win_stay_lose_shift", K=2, g=0.1)
    with pytest.raises(ConfigError, match="K"):
        st.get("tit_for_tat", K=1)
    with pytest.raises(ConfigError, match="rung"):
        st.get("always_escalate", K=3, rung=3)


def test_only_generous_and_random_are_stochastic():
    for name in st.names():
        assert st.get(name, K=5).stochastic == (name in ("generous_tit_for_tat", "random"))


def test_gtft_default_generosity_is_nowak_sigmund_as_in_axelrod():
    axl = require("axelrod")
    player = axl.GTFT()
    player.set_match_attributes(game=axl.Game())  # (R, S, T, P) = (3, 0, 5, 1)
    g = st.get("generous_tit_for_tat").transition[0, 0, 1, 0]  # P(restrain | saw a strike)
    assert g == pytest.approx(1 / 3) and g == pytest.approx(player.p)
    # other payoffs: g = min(1 - (T-R)/(R-S), (R-P)/(T-P))
    s = st.get("generous_tit_for_tat", R=4, S=0, T=5, P=1)
    assert s.transition[1, 1, 1, 0] == pytest.approx(min(1 - 1 / 4, 3 / 4))
    assert st.get("generous_tit_for_tat", g=0.2).transition[0, 0, 1, 0] == pytest.approx(0.2)
    with pytest.raises(ConfigError):
        st.get("generous_tit_for_tat", g=1.5)


def test_memory_one_special_cases_equal_named_strategies():
    # Press and Dyson / axelrod: TFT = (1, 0, 1, 0), WSLS = (1, 0, 0, 1), restraint after (own, other)
    for p, name in (([1, 0, 1, 0], "tit_for_tat"), ([1, 0, 0, 1], "win_stay_lose_shift")):
        m, s = st.memory_one(p), st.get(name)
        np.testing.assert_array_equal(m.transition, s.transition)
        np.testing.assert_array_equal(m.action, s.action)
        np.testing.assert_array_equal(m.initial, s.initial)
    assert st.memory_one([1, 1, 1, 1], initial=0.25).initial.tolist() == [0.25, 0.75]
    with pytest.raises(ConfigError, match=r"entry \(2,\) is 1.3"):
        st.memory_one([1, 0, 1.3, 0])
    with pytest.raises(ConfigError, match="table"):
        st.memory_one([1, 0, 1, 0], K=3)
    t3 = np.zeros((3, 3, 3))
    t3[..., 0] = 1
    assert st.memory_one(t3, K=3).n_states == 3


def test_memory_n_generalises_memory_one_and_expresses_tit_for_two_tats():
    rng = np.random.default_rng(0)
    t = rng.dirichlet(np.ones(3), size=(3, 3))
    a, b = st.memory_n(t, 1, K=3), st.memory_one(t, K=3)
    np.testing.assert_allclose(a.transition, b.transition)
    # TF2T as a memory-two table: restrain unless the other struck in both of the last two rounds
    restrain = np.ones((2, 2, 2, 2))
    restrain[:, 1, :, 1] = 0.0
    tf2t = st.memory_n(restrain, 2, K=2)
    for _ in range(20):
        seq = rng.integers(0, 2, 30).tolist()
        assert reference_play(tf2t, seq) == reference_play(st.get("tit_for_two_tats"), seq)
    with pytest.raises(ConfigError, match="shape"):
        st.memory_n(restrain, 3, K=2)


def test_automaton_and_load_validate_with_one_line_errors(tmp_path):
    spec = {"kind": "automaton", "name": "two_state", "K": 2, "initial": 0, "action": [0, 1],
            "transition": [[[0, 1], [0, 1]], [[0, 1], [0, 1]]]}
    s = st.load(spec)
    assert reference_play(s, [0, 1, 1, 0, 0]) == reference_play(st.get("tit_for_tat"), [0, 1, 1, 0, 0])
    # YAML file, as under configs/strategy/
    path = tmp_path / "mine.yaml"
    path.write_text("kind: memory_one\nname: forgiving\nK: 2\np: [1, 0.1, 1, 0.1]\n")
    m = st.load(path, K=2)
    assert m.name == "forgiving" and m.transition[0, 0, 1, 0] == pytest.approx(0.1)
    assert st.load(str(path)).to_config()["p"] == [1, 0.1, 1, 0.1]
    (tmp_path / "named.yaml").write_text("name: grit\nK: 5\nperiod: 2\n")
    assert st.load(tmp_path / "named.yaml").params == {"period": 2}
    bad = [
        (dict(spec, transition=[[[0, 2], [0, 1]], [[0, 1], [0, 1]]]), r"entry \(0, 0, 1\) is 2"),
        (dict(spec, action=[[0.5, 0.4], [0, 1]]), r"row \(0,\) sums to 0.9"),
        (dict(spec, K=3), "K"),
        (dict(spec, colour="red"), "colour"),
        ({"kind": "markov"}, "unknown kind"),
        ({"p": [1, 0, 1, 0]}, "'name' .*or 'kind'"),
    ]
    for b, msg in bad:
        with pytest.raises(ConfigError, match=msg) as e:
            st.load(b)
        assert "\n" not in str(e.value)
    with pytest.raises(ConfigError, match="5 rungs but 2"):
        st.load(tmp_path / "named.yaml", K=2)
    (tmp_path / "broken.yaml").write_text("kind: memory_one\np: [1, 0, 1, 0\n")
    with pytest.raises(ConfigError, match="broken.yaml"):
        st.load(tmp_path / "broken.yaml")
    with pytest.raises(ConfigError, match="no such file"):
        st.load(tmp_path / "missing.yaml")


def test_noise_matrices():
    M = st.noise_matrix(2, 0.1)
    np.testing.assert_allclose(M, [[0.9, 0.1], [0.1, 0.9]])  # a flip, as in axelrod
    M = st.noise_matrix(4, 0.3)
    np.testing.assert_allclose(M.sum(1), 1)
    np.testing.assert_allclose(np.diag(M), 0.7)
    np.testing.assert_allclose(M[0, 1:], 0.1)
    B = st.biased_noise(4, up=0.2, down=0.05)
    np.testing.assert_allclose(B[0], [0.8, 0.2, 0, 0])
    np.testing.assert_allclose(B[2], [0, 0.05, 0.75, 0.2])
    np.testing.assert_allclose(B[3], [0, 0, 0.05, 0.95])
    np.testing.assert_array_equal(st.noise_matrix(4, B), B)
    for bad in (1.2, -0.1, [[0.5, 0.4], [0, 1]], np.eye(3)):
        with pytest.raises(ConfigError):
            st.noise_matrix(2, bad)
    with pytest.raises(ConfigError, match="up \\+ down"):
        st.biased_noise(3, 0.7, 0.4)


def test_conditional_deescalation_is_tit_for_tat_on_k_rungs():
    # Its three stated rules leave no freedom under one-round observation (documented).
    for K in (2, 3, 5):
        a, b = st.get("conditional_deescalation", K=K), st.get("tit_for_tat", K=K)
        np.testing.assert_array_equal(a.transition, b.transition)


# --------------------------------------------------------------------------- play sequences
def test_versus_k2_classics():
    versus(st.get("tit_for_tat"), [1, 1, 0, 1, 0], [0, 1, 1, 0, 1])
    versus(st.get("grim_trigger"), [0, 1, 0, 0, 0], [0, 0, 1, 1, 1])
    versus(st.get("suspicious_tit_for_tat"), [0, 0, 1, 0], [1, 0, 0, 1])
    versus(st.get("alternator"), [1, 1, 1, 1, 1], [0, 1, 0, 1, 0])
    versus(st.get("tit_for_two_tats"), [1, 0, 1, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1, 0])
    # Pavlov: repeat after the other restrained, switch after it struck
    versus(st.get("win_stay_lose_shift"), [1, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1])
    versus(st.get("always_escalate"), [0, 0, 0], [1, 1, 1])
    # GRIT on two rungs: retaliates, then offers restraint (two rounds: the other side's
    # answer lags by one) every `period` rounds of holding
    versus(st.get("grit", period=2), [1, 1, 1, 1, 1, 1, 1], [0, 1, 1, 0, 0, 1, 1])


def test_versus_conditional_deescalation_k5():
    cd = st.get("conditional_deescalation", K=5)
    # never initiates
    versus(cd, [0] * 6, [0] * 6)
    # answers an attack in kind, steps down as soon as the other steps down, all the way
    versus(cd, [0, 0, 2, 2, 3, 1, 0, 0], [0, 0, 0, 2, 2, 3, 1, 0])
    versus(cd, [4, 4, 2, 0, 0], [0, 4, 4, 2, 0])


def test_versus_conditional_deescalation_full_reading_k5():
    """The "wrap up this tension" reading (step_down="full"): back to rung 0 as soon as the other
    side is seen below this side's rung; otherwise the same rules (never initiate, answer in kind)."""
    cd = st.get("conditional_deescalation", K=5, step_down="full")
    versus(cd, [0] * 5, [0] * 5)                                  # never initiates
    # answers 3 with 3, then the other steps down to 2: straight to 0 (match would play 2)
    versus(cd, [0, 3, 3, 2, 2, 4, 0], [0, 0, 3, 3, 0, 2, 4])
    versus(st.get("conditional_deescalation", K=5), [0, 3, 3, 2, 2, 4, 0], [0, 0, 3, 3, 2, 2, 4])
    assert cd.params == {"step_down": "full"} and cd.to_config()["step_down"] == "full"
    assert not np.array_equal(cd.transition, st.get("tit_for_tat", K=5).transition)
    with pytest.raises(ConfigError) as err:
        st.get("conditional_deescalation", K=5, step_down="halfway")
    assert err.value.field == "strategy.step_down"


def test_coinciding_strategies_are_said_to_coincide():
    from sim.report.repeated import coinciding

    K = 4
    groups = coinciding([st.get("tit_for_tat", K=K), st.get("conditional_deescalation", K=K),
                         st.get("conditional_deescalation", K=K, step_down="full"), st.get("grit", K=K)])
    assert groups == [["tit for tat", "conditional de-escalation"]]


def test_versus_graduated_and_overwhelming_k5():
    versus(st.get("graduated_response", K=5), [0, 1, 1, 3, 4, 0, 0], [0, 0, 2, 2, 4, 4, 0])
    versus(st.get("graduated_response", K=5, step=2), [1, 2, 0], [0, 3, 4])
    versus(st.get("overwhelming_response", K=5), [0, 2, 2, 0, 1, 0], [0, 0, 4, 4, 0, 4])
    versus(st.get("proportional_response", K=5, ratio=0.5), [4, 3, 1, 2, 0], [0, 2, 2, 1, 1])


def test_versus_grit_k5():
    g = st.get("grit", K=5)  # period 3
    # matches the attack, holds, steps down unilaterally after 3 rounds, tolerates the
    # answer-lag of the other's move, reciprocates restraint one rung a round
    versus(g, [0, 3, 3, 3, 3, 3, 2, 0, 0, 0], [0, 0, 3, 3, 3, 2, 2, 2, 1, 0])
    # re-escalation above the level it held is matched again
    versus(g, [0, 3, 3, 3, 3, 4, 4], [0, 0, 3, 3, 3, 2, 4])


def test_versus_wsls_tf2t_k5():
    versus(st.get("win_stay_lose_shift", K=5), [0, 2, 2, 0, 0, 3], [0, 0, 2, 0, 0, 0])
    versus(st.get("tit_for_two_tats", K=5), [2, 3, 0, 4, 4, 1], [0, 0, 2, 0, 0, 4])


@pytest.mark.parametrize("K", [2, 3, 5])
def test_engine_plays_every_deterministic_strategy_like_a_reference_interpreter(K):
    rng = np.random.default_rng(K)
    for name in st.names():
        s = st.get(name, K=K)
        if s.stochastic:
            continue
        for _ in range(3):
            seq = rng.integers(0, K, 25).tolist()
            versus(s, seq, reference_play(s, seq))
