"""Figures of the repeated crisis and tournaments: they build, and draw the result's own numbers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim import games
from sim.repeated import strategies as S
from sim.repeated.markov.chain import analyse
from sim.viz import (compare_outcomes, outcome_curves, replicator_plot, save, tournament_heatmap,
                     trajectory_fan)
from sim.repeated.tournament import round_robin

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LADDER = games.ladder(K=5, war_risk=0.3, sides=("India", "Pakistan"))
LABELS = ["baseline", "diplomatic measures", "border fire", "strikes on declared targets", "air campaign"]
W_TOP = float(LADDER.war_probability[4, 4])  # per-round war risk with both at the top rung (= war_risk)


def _by_gid(fig: Figure, gid: str) -> list:
    return list(fig.findobj(lambda a: a.get_gid() == gid))


def _draw(fig: Figure) -> None:
    FigureCanvasAgg(fig).draw()


def _texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


def _noisy_ladder(T=12):
    return analyse(LADDER, S.get("tit_for_tat", K=5), S.get("conditional_deescalation", K=5), rounds=T,
                   execution_noise=0.1, settle_after=2, mediation=0.05)


def _fake_mc(r, paths=500):
    """A SimulationResult look-alike built from an exact result (duck typing on the engine's fields)."""
    T = r.p_war.shape[0]
    rungs = np.full((paths, T, 2), -1, dtype=np.int8)
    rungs[:, :2] = 0
    return SimpleNamespace(
        rung_distribution=r.rung_distribution, p_active=r.p_active, p_war=r.p_war, p_settled=r.p_settled,
        p_mediated=r.p_mediated, payoffs=r.payoffs, payoff_std=np.array([2.0, 3.0]),
        payoff_sem=np.array([2.0, 3.0]) / np.sqrt(paths), payoff_quantiles=np.zeros((5, 2)),
        quantile_levels=(0.05, 0.25, 0.5, 0.75, 0.95), path_payoffs=np.zeros((paths, 2)),
        war_time_mean=np.float64(3.0), war_time_median=np.float64(3.0), settle_time_mean=np.float64(2.0),
        settle_time_median=np.float64(2.0), expected_rounds=r.expected_rounds, rungs=rungs, seed_entropy=12345,
        rounds=T, paths=paths, chunk_paths=paths)


# --------------------------------------------------------------------------- trajectory fan
def test_fan_columns_are_shares_of_active_runs_and_sum_to_one():
    r = _noisy_ladder()
    fig = trajectory_fan(r, sides=("India", "Pakistan"), labels=LABELS)
    _draw(fig)
    meshes = _by_gid(fig, "rung-share")
    assert len(meshes) == 2
    rd, pa = r.rung_distribution, r.p_active
    for s, mesh in enumerate(meshes):
        share = np.ma.filled(mesh.get_array().reshape(5, -1).astype(float), np.nan)  # (K, T)
        on = pa > 0
        assert np.allclose(share[:, on].sum(0), 1.0)
        assert np.allclose(share[:, on], (rd[on, s, :] / pa[on, None]).T)
    # mean-rung lines: sum_k k * P(rung k | active), worked out here from the raw distribution
    means = _by_gid(fig, "mean-rung")
    assert len(means) == 2
    for s, line in enumerate(means):
        expect = (rd[:, s, :] @ np.arange(5)) / pa
        assert np.allclose(line.get_ydata(), expect)
        assert np.array_equal(line.get_xdata(), np.arange(1, 13))
    bars = _by_gid(fig, "p-active")
    assert np.allclose([b.get_height() for b in bars], pa)
    text = _texts(fig)
    for word in ("India", "Pakistan", "Round", "0: baseline", "4: air campaign"):
        assert word in text


def test_fan_greys_out_rounds_after_every_run_has_settled():
    # both always restrain, settled after 2 rounds at (0, 0): rounds 1-2 are played, none after
    r = analyse(LADDER, S.get("always_restrain", K=5), S.get("always_restrain", K=5), rounds=5, settle_after=2)
    assert np.allclose(r.p_active, [1, 1, 0, 0, 0])
    fig = trajectory_fan(r)
    _draw(fig)
    share = np.ma.filled(_by_gid(fig, "rung-share")[0].get_array().reshape(5, 5).astype(float), np.nan)
    assert np.allclose(share[:, :2], np.eye(5)[:, [0, 0]])  # all at rung 0 while active
    assert np.all(np.isnan(share[:, 2:]))
    assert "no run still in crisis" in _texts(fig)


def test_fan_draws_sample_paths_until_the_crisis_ends():
    r = _noisy_ladder(T=6)
    paths = np.array([[[0, 0], [1, 0], [2, 1], [-1, -1], [-1, -1], [-1, -1]],
                      [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]], dtype=np.int8)
    fig = trajectory_fan(r, sample_paths=paths)
    _draw(fig)
    lines = _by_gid(fig, "sample-path")
    assert len(lines) == 4  # 2 runs x 2 sides
    # first run, side A: each round's rung held across the round's cell, offset by a constant
    y = np.asarray(lines[0].get_ydata(), float)
    x = np.asarray(lines[0].get_xdata(), float)
    per_round = y[::2]
    finite = np.isfinite(per_round)
    assert finite.tolist() == [True, True, True, False, False, False]
    off = per_round[0] - 0
    assert np.allclose(per_round[finite] - off, [0, 1, 2])
    assert np.allclose(x[::2], np.arange(6) + 0.5)
    with pytest.raises(ValueError, match="shape"):
        trajectory_fan(r, sample_paths=paths[:, :3])
    with pytest.raises(ValueError, match="keep_paths"):
        trajectory_fan(r, sample_paths=2)


def test_fan_takes_sample_paths_from_a_monte_carlo_result():
    mc = _fake_mc(_noisy_ladder(T=6))
    fig = trajectory_fan(mc, sides=("India", "Pakistan"), sample_paths=3)
    _draw(fig)
    assert len(_by_gid(fig, "sample-path")) == 6
    assert "Monte Carlo, 500 runs" in _texts(fig)


def test_fan_and_curves_refuse_batches_and_long_run_results():
    batch = games.ladder(K=3, war_risk=np.array([0.1, 0.2]))
    rb = analyse(batch, S.get("tit_for_tat", K=3), S.get("tit_for_tat", K=3), rounds=4)
    with pytest.raises(ValueError, match="batch"):
        trajectory_fan(rb)
    with pytest.raises(ValueError, match="batch"):
        outcome_curves(rb)
    lr = analyse(LADDER, S.get("always_escalate", K=5), S.get("always_escalate", K=5))
    with pytest.raises(ValueError, match="long-run"):
        trajectory_fan(lr)
    with pytest.raises(ValueError, match="labels"):
        trajectory_fan(_noisy_ladder(), labels=["a", "b"])


# --------------------------------------------------------------------------- outcome curves
def test_outcome_curves_follow_the_closed_form_war_probability():
    # both sides always at the top rung: war each round with probability w, so P(war by t) = 1 - (1 - w)^t
    T = 8
    r = analyse(LADDER, S.get("always_escalate", K=5), S.get("always_escalate", K=5), rounds=T)
    fig = outcome_curves(r)
    _draw(fig)
    t = np.arange(1, T + 1)
    war = _by_gid(fig, "p-war")[0]
    assert np.allclose(war.get_xdata(), t)
    assert np.allclose(war.get_ydata(), 1 - (1 - W_TOP) ** t)
    assert np.array_equal(war.get_ydata(), r.p_war)
    still = _by_gid(fig, "p-still")[0]
    assert np.allclose(still.get_ydata(), (1 - W_TOP) ** t)
    assert np.allclose(_by_gid(fig, "p-settled")[0].get_ydata(), 0)
    assert np.allclose(_by_gid(fig, "p-mediated")[0].get_ydata(), 0)
    assert f"{100 * (1 - (1 - W_TOP) ** T):.1f}%" in _texts(fig)


def test_outcome_curves_sum_to_one_and_still_in_crisis_is_next_rounds_p_active():
    r = _noisy_ladder()
    fig = outcome_curves(r)
    ys = {k: np.asarray(_by_gid(fig, f"p-{k}")[0].get_ydata()) for k in ("war", "settled", "mediated", "still")}
    assert np.array_equal(ys["settled"], r.p_settled)
    assert np.array_equal(ys["mediated"], r.p_mediated)
    assert np.allclose(sum(ys.values()), 1.0)
    assert np.allclose(ys["still"][:-1], r.p_active[1:])


def test_outcome_curves_shade_monte_carlo_intervals():
    fig = outcome_curves(_fake_mc(_noisy_ladder()))
    _draw(fig)
    assert "95% interval (500 runs)" in _texts(fig)


# --------------------------------------------------------------------------- comparison
def test_compare_outcomes_bars_and_curves_are_the_results_numbers():
    T = 10
    res = {
        "TFT vs conditional de-escalation": _noisy_ladder(T),
        "always escalate (both)": analyse(LADDER, S.get("always_escalate", K=5), S.get("always_escalate", K=5),
                                          rounds=T),
        "graduated response vs TFT": analyse(LADDER, S.get("graduated_response", K=5), S.get("tit_for_tat", K=5),
                                             rounds=T, execution_noise=0.1, settle_after=2),
    }
    fig = compare_outcomes(res, sides=("India", "Pakistan"))
    _draw(fig)
    widths = {k: np.array([b.get_width() for b in _by_gid(fig, f"outcome-{k}")])
              for k in ("war", "mediated", "settled", "still")}
    rs = list(res.values())
    assert np.allclose(widths["war"], [r.p_war[-1] for r in rs])
    assert np.allclose(widths["settled"], [r.p_settled[-1] for r in rs])
    assert np.allclose(widths["mediated"], [r.p_mediated[-1] for r in rs])
    assert np.allclose(sum(widths.values()), 1.0)
    assert np.isclose(widths["war"][1], 1 - (1 - W_TOP) ** T)
    for s in range(2):
        pay = np.array([b.get_width() for b in _by_gid(fig, f"payoff-{s}")])
        assert np.allclose(pay, [r.payoffs[s] for r in rs])
    curves = _by_gid(fig, "war-curve")
    assert len(curves) == 3
    for line, r in zip(curves, rs):
        assert np.array_equal(line.get_ydata(), r.p_war)
    text = _texts(fig)
    for name in res:
        assert name in text.replace("\n", " ")


def test_compare_outcomes_takes_long_run_and_monte_carlo_results():
    lr = analyse(LADDER, S.get("tit_for_tat", K=5), S.get("tit_for_tat", K=5), execution_noise=0.1,
                 settle_after=2)
    mc = _fake_mc(_noisy_ladder())
    fig = compare_outcomes({"long run": lr, "simulated": mc})
    _draw(fig)
    assert not _by_gid(fig, "war-curve")  # no common time axis
    war = np.array([b.get_width() for b in _by_gid(fig, "outcome-war")])
    assert np.allclose(war, [float(lr.p_war), mc.p_war[-1]])
    with pytest.raises(ValueError, match="empty"):
        compare_outcomes({})


# --------------------------------------------------------------------------- tournaments
@pytest.fixture(scope="module")
def tournament():
    ents = {n: S.get(n) for n in ("tit_for_tat", "always_escalate", "always_restrain", "grim_trigger",
                                  "win_stay_lose_shift")}
    return round_robin(games.prisoners_dilemma(), ents, rounds=20, execution_noise=0.02)


def test_tournament_heatmap_orders_by_rank_and_marks_ess(tournament):
    t = tournament
    fig = tournament_heatmap(t)
    _draw(fig)
    order = [t.names.index(n) for n in t.ranking]
    img = _by_gid(fig, "meta-game")[0]
    assert np.allclose(img.get_array(), t.M[np.ix_(order, order)])
    assert len(_by_gid(fig, "ess")) == int(t.ess.sum())
    pure = {(int(np.argmax(e.x)), int(np.argmax(e.y))) for e in t.meta_equilibria if e.is_pure}
    assert len(_by_gid(fig, "meta-equilibrium")) == len(pure)
    scores = [b.get_width() for b in _by_gid(fig, "score")]
    assert np.allclose(scores, t.scores[order])
    ax = img.axes
    rows = [lab.get_text() for lab in ax.get_yticklabels()]
    assert rows[0].startswith("1. ") and t.ranking[0].replace("_", " ") in rows[0]
    for k in np.flatnonzero(t.ess[order]):
        assert "ESS" in rows[k]


def test_replicator_plot_draws_the_trajectory_and_labels_survivors(tournament):
    t = tournament
    dyn = t.dynamics
    fig = replicator_plot(dyn, t.names)
    _draw(fig)
    lines = _by_gid(fig, "share")
    assert [ln.get_label() for ln in lines] == list(t.names)
    for i, ln in enumerate(lines):
        assert np.array_equal(ln.get_ydata(), dyn.x[:, i])
        assert np.array_equal(ln.get_xdata(), dyn.t)
    text = _texts(fig)
    for name, alive in zip(t.names, dyn.survivors):
        if alive:
            assert name.replace("_", " ").replace("win stay lose shift", "win-stay lose-shift") in text
    with pytest.raises(ValueError, match="names"):
        replicator_plot(dyn, t.names[:2])


def test_every_figure_saves_as_png(tmp_path, tournament):
    r = _noisy_ladder()
    figs = {
        "fan": trajectory_fan(r, labels=LABELS),
        "curves": outcome_curves(r),
        "compare": compare_outcomes({"a": r, "b": r}),
        "heatmap": tournament_heatmap(tournament),
        "replicator": replicator_plot(tournament.dynamics, tournament.names),
    }
    for name, fig in figs.items():
        path = save(fig, tmp_path / "figures" / f"{name}.png")
        assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == sorted(f"{n}.png" for n in figs)


def test_real_simulation_result_is_accepted():
    from sim.repeated.montecarlo import engine
    sim = engine.simulate(LADDER, S.get("tit_for_tat", K=5), S.get("conditional_deescalation", K=5), rounds=8,
                          paths=2000, execution_noise=0.1, settle_after=2, seed=7, keep_paths=True)
    fig = trajectory_fan(sim, sample_paths=3)
    _draw(fig)
    assert np.array_equal(_by_gid(outcome_curves(sim), "p-war")[0].get_ydata(), sim.p_war)
    _draw(compare_outcomes({"exact": _noisy_ladder(8), "simulated": sim}))
