"""Exact likelihood of observed crises (sim.estimate.sequences): independent checks.

- brute force: every hidden path (intended rungs, execution, perception, automaton moves,
  war / mediation / settlement draws) enumerated from docs/repeated-model.md's steps, written
  here without the forward algorithm or the timing automata (both timings, an opening);
- Monte Carlo: the engine's frequency of a short sequence (and of its ending) within 4 SE;
- a grid call equals point-by-point calls; recovery of a noise rate from simulated crises;
- the data readers (CSV, phase table) and one-line errors.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.errors import ConfigError
from sim.estimate import (Sequences, compare_models, fit_sequences, read_sequences, sequence_likelihood,
                          sequences_from_frame, sequences_from_phases)
from sim.repeated import CrisisSettings
from sim.repeated.strategies import get


def _noise(K, e):
    M = np.full((K, K), e / (K - 1))
    np.fill_diagonal(M, 1 - e)
    return M


def brute(game, sa, sb, cs: CrisisSettings, obs, ending):
    """P(observed rungs (T, 2) with -1 = unobserved, then ``ending``) by enumerating every path."""
    K = sa.K
    (EA, EB), (PA, PB) = cs.noise(K)
    wp = cs.war_probability(game.war_probability if game.war_probability is not None else np.zeros((K, K)))
    mu = cs.mediation_table(K)
    m = cs.settle_after
    T = len(obs)
    opening = cs.opening
    alt = cs.alternating
    first = cs.first

    def ok(side, r, t):
        return obs[t][side] < 0 or obs[t][side] == r

    def step_auto(st, s, own, other, P):
        # distribution of next state after observing (own, other seen through P)
        out = {}
        for v in range(K):
            for s2 in range(st.n_states):
                p = P[other, v] * st.transition[s, own, v, s2]
                if p:
                    out[s2] = out.get(s2, 0.0) + p
        return out

    def events(x, y, z, t, pr, cont):
        """war / mediation / settlement after a round with pair (x, y); recurse or end."""
        total = 0.0
        w = wp[x, y]
        z2 = z + 1 if (x == 0 and y == 0) else 0
        settled = m is not None and z2 >= m
        last = t == T - 1
        if last:
            p_war, p_med = w, (1 - w) * mu[x, y]
            p_set = (1 - w) * (1 - mu[x, y]) * settled
            return pr * {"censored": 1.0, "war": p_war, "mediated": p_med, "settled": p_set,
                         "ceasefire": p_med + p_set, "ended": p_war + p_med + p_set}[ending]
        if settled:
            return 0.0
        total += pr * (1 - w) * (1 - mu[x, y]) * cont(z2)
        return total

    def init_dist(st, side):
        d = {s: p for s, p in enumerate(st.initial) if p}
        if opening is not None and (not alt or first == side):
            own, other = opening[side], opening[1 - side]
            P = PA if side == 0 else PB
            nd = {}
            for s, p in d.items():
                for s2, q in step_auto(st, s, own, other, P).items():
                    nd[s2] = nd.get(s2, 0.0) + p * q
            d = nd
        return d

    z0 = int(opening == (0, 0)) if m is not None else 0
    if not alt:
        def rec(t, s_a, s_b, z, pr):
            if pr == 0:
                return 0.0
            total = 0.0
            for a, b in itertools.product(range(K), repeat=2):
                pa, pb = sa.action[s_a, a], sb.action[s_b, b]
                if not pa or not pb:
                    continue
                for x, y in itertools.product(range(K), repeat=2):
                    q = pr * pa * pb * EA[a, x] * EB[b, y]
                    if not q or not ok(0, x, t) or not ok(1, y, t):
                        continue

                    def cont(z2, x=x, y=y):
                        acc = 0.0
                        for s2a, qa in step_auto(sa, s_a, x, y, PA).items():
                            for s2b, qb in step_auto(sb, s_b, y, x, PB).items():
                                acc += qa * qb * rec(t + 1, s2a, s2b, z2, 1.0)
                        return acc
                    total += events(x, y, z, t, q, cont)
            return total

        return sum(pa * pb * rec(0, s_a, s_b, z0, 1.0) for s_a, pa in init_dist(sa, 0).items()
                   for s_b, pb in init_dist(sb, 1).items())

    strats, E, P = (sa, sb), (EA, EB), (PA, PB)
    stand0 = (0, 0) if opening is None else tuple(opening)

    def rec(t, states, stand, z, pr, moved):
        # states: each side's automaton state (None for a side that has not yet observed anything
        # it must update on); moved: whether each side has moved yet
        if pr == 0:
            return 0.0
        mover = first if t % 2 == 0 else 1 - first
        st = strats[mover]
        own, other = stand[mover], stand[1 - mover]
        if t == 0:
            pre = {states[mover]: 1.0}  # the first mover's first move: its initial (or post-opening) state
        else:
            pre = step_auto(st, states[mover], own, other, P[mover])
        total = 0.0
        for s2, q0 in pre.items():
            for a in range(K):
                pa = st.action[s2, a]
                if not pa:
                    continue
                for r in range(K):
                    q = pr * q0 * pa * E[mover][a, r]
                    if not q:
                        continue
                    new = list(stand)
                    new[mover] = r
                    if not ok(0, new[0], t) or not ok(1, new[1], t):
                        continue
                    ns = list(states)
                    ns[mover] = s2

                    def cont(z2, ns=tuple(ns), new=tuple(new)):
                        return rec(t + 1, ns, new, z2, 1.0, moved)
                    total += events(new[0], new[1], z, t, q, cont)
        return total

    out = 0.0
    for s_a, pa in init_dist(sa, 0).items():
        for s_b, pb in init_dist(sb, 1).items():
            out += pa * pb * rec(0, (s_a, s_b), stand0, z0, 1.0, None)
    return out


CASES = [
    # (strategies, settings, observed rungs, ending)
    (("tit_for_tat", "grim_trigger"), dict(execution_noise=0.1, perception_noise=0.2, mediation=0.1),
     [[1, 0], [0, 1], [1, -1]], "war"),
    (("generous_tit_for_tat", "win_stay_lose_shift"), dict(execution_noise=(0.05, 0.2), perception_noise=0.1,
                                                           settle_after=2, mediation=0.05, mediation_slope=0.2),
     [[0, 1], [0, 0], [0, 0]], "settled"),
    (("tit_for_tat", "tit_for_tat"), dict(execution_noise=0.15, perception_noise=0.1, mediation=0.2,
                                          opening=(2, 0)), [[-1, 2], [1, 1], [0, 1]], "ceasefire"),
    (("grim_trigger", "generous_tit_for_tat"), dict(execution_noise=0.1, perception_noise=0.1, mediation=0.1,
                                                    settle_after=1, timing="alternating"),
     [[1, 0], [1, 1], [0, 1], [0, 0]], "ended"),
    (("tit_for_tat", "win_stay_lose_shift"), dict(execution_noise=0.2, perception_noise=0.15, mediation=0.1,
                                                  timing="alternating", opening=(2, 0), first_mover="b"),
     [[2, 1], [1, 1], [1, -1]], "censored"),
    (("tit_for_tat", "grim_trigger"), dict(execution_noise=0.1, perception_noise=0.05, settle_after=2,
                                           mediation=0.1, timing="alternating", opening=(0, 0)),
     [[1, 0], [1, 1], [0, 1], [0, 0]], "mediated"),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_forward_equals_brute_force(case):
    (na, nb), kw, obs, ending = CASES[case]
    K = 3
    game = sim.ladder(K=K, war_risk=0.4)
    sa, sb = get(na, K=K), get(nb, K=K)
    cs = CrisisSettings(**kw)
    data = Sequences.from_rungs(np.array(obs), endings=[ending], K=K)
    got = sequence_likelihood(data, game, sa, sb, settings=cs)
    want = brute(game, sa, sb, cs, obs, ending)
    assert want > 0
    assert got == pytest.approx(math.log(want), abs=1e-11)


def test_grid_equals_pointwise_and_crises_add_up():
    K = 4
    game = sim.ladder(K=K, war_risk=0.5)
    sa, sb = get("tit_for_tat", K=K), get("grim_trigger", K=K)
    rungs = np.array([[[1, 0], [0, 1], [1, 1], [2, 1]], [[0, 0], [0, 0], [1, -1], [-1, -1]]])
    data = Sequences.from_rungs(rungs, lengths=[4, 3], endings=["war", "censored"], K=K)
    e = np.linspace(0.02, 0.3, 5)[:, None]
    p = np.linspace(0.0, 0.2, 3)[None, :]
    grid = sequence_likelihood(data, game, sa, sb, grid={"execution_noise": e, "perception_noise": p},
                               mediation=0.1, per_crisis=True)
    assert grid.shape == (5, 3, 2)
    for i, j in itertools.product(range(5), range(3)):
        one = sequence_likelihood(data, game, sa, sb, execution_noise=float(e[i, 0]),
                                  perception_noise=float(p[0, j]), mediation=0.1, per_crisis=True)
        np.testing.assert_allclose(grid[i, j], one, rtol=0, atol=1e-12)
    for c in range(2):  # each crisis alone gives its column
        alone = Sequences(data.allowed[c:c + 1, :data.lengths[c]], data.lengths[c:c + 1], data.endings[c:c + 1])
        np.testing.assert_allclose(sequence_likelihood(alone, game, sa, sb, grid={"execution_noise": e[:, 0]},
                                                       mediation=0.1, perception_noise=0.0),
                                   grid[:, 0, c], atol=1e-12)


@pytest.mark.parametrize("timing", ["simultaneous", "alternating"])
def test_monte_carlo_frequency_within_4se(timing):
    """The engine's frequency of a short sequence (the first three rounds, then war or not)."""
    K = 3
    game = sim.ladder(K=K, war_risk=0.6)
    sa, sb = get("tit_for_tat", K=K), get("generous_tit_for_tat", K=K)
    kw = dict(execution_noise=0.15, perception_noise=0.1, timing=timing, opening=(2, 0), first_mover="b")
    paths = 200_000
    res = sim.simulate(game, sa, sb, rounds=4, paths=paths, seed=2024, keep_paths=True, **kw)
    obs = np.array([[2, 1], [1, 1], [1, 1]]) if timing == "alternating" else np.array([[0, 2], [2, 0], [0, 2]])
    match = np.all(res.rungs[:, :3] == obs, axis=(1, 2))
    for ending, event in (("censored", match), ("war", match & (res.rungs[:, 3, 0] < 0))):
        f = event.mean()
        se = math.sqrt(f * (1 - f) / paths)
        data = Sequences.from_rungs(obs, endings=[ending], K=K)
        p = math.exp(sequence_likelihood(data, game, sa, sb, **kw))
        assert f > 0.002  # the event is not rare: the check has power
        assert abs(p - f) < 4 * se, (ending, p, f, se)


def test_fit_recovers_execution_noise():
    """Simulated crises from a known noise rate: the estimate is near it and the profile
    interval covers it (one seeded draw; the 95% interval misses with probability 0.05)."""
    K = 3
    game = sim.ladder(K=K, war_risk=0.3)
    s = get("tit_for_tat", K=K)
    true = 0.12
    res = sim.simulate(game, s, s, rounds=12, paths=300, seed=7, keep_paths=True, execution_noise=true,
                       mediation=0.05)
    r = res.rungs.astype(int)
    played = r[:, :, 0] >= 0
    lengths = played.sum(1)
    ended = lengths < 12
    # a path that stopped before round 12 ended (war or mediation); otherwise the record stops
    data = Sequences.from_rungs(np.where(r < 0, 0, r), lengths=lengths,
                                endings=np.where(ended, 5, 0), K=K)
    fit = fit_sequences(data, game, s, s, free={"execution_noise": (0.0, 0.5)}, mediation=0.05)
    lo, hi = fit.intervals["execution_noise"]
    assert lo < true < hi
    assert abs(fit.params["execution_noise"] - true) < 0.03
    assert hi - lo < 0.06
    assert fit.aic == pytest.approx(2 - 2 * fit.log_likelihood)
    assert fit.n == int(lengths.sum())
    # the fit maximises: the log-likelihood at the ends of the interval is lower by chi2_1(0.95)/2
    for end in (lo, hi):
        ll = sequence_likelihood(data, game, s, s, execution_noise=end, mediation=0.05)
        assert ll == pytest.approx(fit.log_likelihood - 1.920729, abs=2e-3)


def test_compare_models_prefers_the_true_pair():
    K = 3
    game = sim.ladder(K=K, war_risk=0.3)
    tft, grim = get("tit_for_tat", K=K), get("grim_trigger", K=K)
    res = sim.simulate(game, tft, tft, rounds=10, paths=200, seed=11, keep_paths=True, execution_noise=0.1,
                       mediation=0.05)
    r = res.rungs.astype(int)
    lengths = (r[:, :, 0] >= 0).sum(1)
    data = Sequences.from_rungs(np.where(r < 0, 0, r), lengths=lengths, endings=np.where(lengths < 10, 5, 0), K=K)
    table = compare_models(data, game, {"tft": (tft, tft), "grim": (grim, grim), "tft_grim": (tft, grim)},
                           free={"execution_noise": (0.0, 0.5)}, mediation=0.05, points=21)
    assert table["model"].iloc[0] == "tft"
    assert table["akaike_weight"].sum() == pytest.approx(1.0)
    assert np.all(np.diff(table["aic"].to_numpy()) >= 0)


def test_a_candidate_that_cannot_produce_the_data_gets_weight_zero():
    """Without execution noise, always-restrain never leaves rung 0: a record with rung 1 is impossible
    for it at every mediation rate (likelihood exactly 0), while tit for tat answering noise is possible."""
    K = 3
    game = sim.ladder(K=K, war_risk=0.3)
    data = Sequences.from_rungs(np.array([[0, 1], [1, 0]]), K=K)
    table = compare_models(data, game, {"restrain": (get("always_restrain", K=K), get("always_restrain", K=K)),
                                        "tft": (get("tit_for_tat", K=K), get("random", K=K))},
                           free={"mediation": (0.0, 0.5)}, points=11)
    row = table.set_index("model").loc["restrain"]
    assert row["log_likelihood"] == -np.inf and row["akaike_weight"] == 0.0
    assert table["model"].iloc[0] == "tft" and table["akaike_weight"].iloc[0] == pytest.approx(1.0)


def test_readers(tmp_path):
    csv = tmp_path / "crises.csv"
    csv.write_text("crisis,round,rung_a,rung_b,ending\n"
                   "x,1,1,0,\nx,2,0,1,\nx,3,1,,war\n"
                   "y,1,0,0,\ny,2,1|2,0,ceasefire\n")
    d = read_sequences(csv, K=3)
    assert d.ids == ("x", "y")
    assert d.lengths.tolist() == [3, 2]
    assert d.endings.tolist() == [1, 4]
    assert d.allowed[0, 2, 1].all() and d.allowed[1, 1, 0].tolist() == [False, True, True]
    np.testing.assert_array_equal(d.rungs()[0], [[1, 0], [0, 1], [1, -1]])
    frame = pd.DataFrame({"crisis": ["x"] * 3, "round": [1, 2, 3], "rung_a": [1, 0, 1], "rung_b": [0, 1, np.nan],
                          "ending": [None, None, "war"]})
    np.testing.assert_array_equal(sequences_from_frame(frame, 3).allowed[0], d.allowed[0])
    phases = [{"rungs": {"P": 0, "Q": 0}}, {"rungs": {"P": 2, "Q": 1}, "contested": ["Q"]},
              {"rungs": {"P": 1, "Q": 1}}]
    s = sequences_from_phases(phases, ["P", "Q"], 3, start=1, contested=1, ending="ceasefire")
    assert s.lengths.tolist() == [2] and s.endings.tolist() == [4]
    assert s.allowed[0, 0, 1].tolist() == [True, True, True] and s.allowed[0, 0, 0].tolist() == [False, False, True]
    for cell in ("x", "1.5", "7", "1|9"):  # a bad cell: one line naming the column and the row
        bad = pd.DataFrame({"crisis": ["x", "x"], "round": [1, 2], "rung_a": [1, cell], "rung_b": [0, 0]})
        with pytest.raises(ConfigError) as err:
            sequences_from_frame(bad, 3)
        assert err.value.field == "sequences.rung_a" and "row 1" in str(err.value)
    alt = sequences_from_phases(phases, ["P", "Q"], 3, start=1, timing="alternating", first_mover="b")
    np.testing.assert_array_equal(alt.rungs()[0], [[-1, 1], [2, 1], [2, 1], [1, 1]])


@pytest.mark.parametrize("bad, field", [
    (lambda d, g, s: sequence_likelihood(d, g, s, s, grid={"noise": [0.1]}), "grid.noise"),
    (lambda d, g, s: sequence_likelihood(d, g, s, s, grid={"execution_noise": [1.5]}), "grid.execution_noise"),
    (lambda d, g, s: sequence_likelihood(d, sim.ladder(K=4), s, s), "strategy_a"),
    (lambda d, g, s: fit_sequences(d, g, s, s, free={"execution_noise": (0.3, 0.1)}), "free.execution_noise"),
    (lambda d, g, s: Sequences.from_rungs(np.array([[3, 0]]), K=3), "sequences.rungs"),
    (lambda d, g, s: Sequences.from_rungs(np.array([[1, 0]]), endings=["truce"], K=3), "sequences.endings"),
])
def test_bad_input_one_line(bad, field):
    K = 3
    d = Sequences.from_rungs(np.array([[1, 0]]), K=K)
    with pytest.raises(ConfigError) as err:
        bad(d, sim.ladder(K=K), get("tit_for_tat", K=K))
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_impossible_sequence_is_minus_inf():
    K = 3
    s = get("tit_for_tat", K=K)  # without noise, TFT against TFT never leaves rung 0
    d = Sequences.from_rungs(np.array([[0, 0], [2, 0]]), K=K)
    assert sequence_likelihood(d, sim.ladder(K=K), s, s) == -np.inf
    assert sequence_likelihood(d, sim.ladder(K=K), s, s, execution_noise=0.1) > -np.inf


def test_profile_intervals_cover_at_the_nominal_rate():
    """Parameter recovery (issue 11 acceptance): 100 replications of 10 crises simulated at a known
    execution-noise rate; the 95% profile-likelihood interval covers it in 88 to 100 of them
    (P(Binomial(100, 0.95) < 88) = 0.001), and the estimates centre on it.  All replications'
    likelihoods come from one batched call on a fine grid (per crisis, summed per replication);
    ``fit_sequences`` gives the same estimate and interval on the first replications."""
    K = 5
    game = sim.ladder(K=K, war_risk=0.8, risk_exponent=3)
    s = get("conditional_deescalation", K=K)
    kw = dict(opening=(2, 0), mediation=0.05, mediation_slope=0.3)
    true, reps, crises, T = 0.1, 100, 10, 12
    res = sim.simulate(game, s, s, rounds=T, paths=reps * crises, seed=5, keep_paths=True, execution_noise=true, **kw)
    r = res.rungs.astype(int)
    lengths = (r[:, :, 0] >= 0).sum(1)
    data = Sequences.from_rungs(np.where(r < 0, 0, r), lengths=lengths, endings=np.where(lengths < T, 5, 0), K=K)
    grid = np.linspace(0.0, 0.9, 451)  # step 0.002
    ll = sequence_likelihood(data, game, s, s, grid={"execution_noise": grid}, per_crisis=True, **kw)
    ll = ll.reshape(len(grid), reps, crises).sum(-1)  # (grid, replications)
    best = ll.max(0)
    inside = ll >= best - 1.920729  # chi2_1(0.95) / 2
    lo = grid[np.argmax(inside, 0)]
    hi = grid[len(grid) - 1 - np.argmax(inside[::-1], 0)]
    est = grid[np.argmax(ll, 0)]
    cover = int(np.sum((lo < true) & (true < hi)))
    assert 88 <= cover <= 100, cover
    assert abs(est.mean() - true) < 3 * est.std() / np.sqrt(reps) + 0.01
    for rep in range(3):  # fit_sequences agrees with the grid reading (to the grid step)
        one = Sequences(data.allowed[rep * crises:(rep + 1) * crises], data.lengths[rep * crises:(rep + 1) * crises],
                        data.endings[rep * crises:(rep + 1) * crises])
        f = fit_sequences(one, game, s, s, free={"execution_noise": (0.0, 0.9)}, **kw)
        assert f.params["execution_noise"] == pytest.approx(est[rep], abs=2e-3)
        assert f.intervals["execution_noise"] == pytest.approx((lo[rep], hi[rep]), abs=2e-3)
