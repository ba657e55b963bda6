"""The repeated crisis in numbers and words: crisis_summary, crisis_markdown, tournament_markdown."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from sim import games
from sim.repeated import strategies as S
from sim.repeated.markov.chain import analyse
from sim.files import atomic_write_json
from sim.wording import fmt_percent
from sim.report import crisis_markdown, tournament_markdown, tournament_summary
from sim.report.repeated import crisis_summary
from sim.repeated import mean_rungs, rung_quantiles, rung_shares
from sim.repeated.tournament import round_robin

SIDES = ("India", "Pakistan")
LADDER = games.ladder(K=5, war_risk=0.3, sides=SIDES)
LABELS = ["baseline", "diplomatic measures", "border fire", "strikes on declared targets", "air campaign"]
W = float(LADDER.war_probability[4, 4])
T = 10
SETTINGS = dict(rounds=T, execution_noise=0.1, settle_after=2, mediation=0.05)


def _strict(obj):
    def reject(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(json.dumps(obj, allow_nan=False), parse_constant=reject)


def _run(a, b, **kw):
    opts = {**SETTINGS, **kw}
    return analyse(LADDER, S.get(a, K=5), S.get(b, K=5), **opts)


def _fake_mc(r, paths=400):
    T_ = r.p_war.shape[0]
    return SimpleNamespace(
        rung_distribution=r.rung_distribution, p_active=r.p_active, p_war=r.p_war, p_settled=r.p_settled,
        p_mediated=r.p_mediated, payoffs=r.payoffs, payoff_std=np.array([4.0, 6.0]),
        payoff_sem=np.array([4.0, 6.0]) / np.sqrt(paths), payoff_quantiles=np.arange(10.0).reshape(5, 2),
        quantile_levels=(0.05, 0.25, 0.5, 0.75, 0.95), path_payoffs=np.zeros((paths, 2)),
        war_time_mean=np.float64(4.0), war_time_median=np.float64(3.0), settle_time_mean=np.float64(np.nan),
        settle_time_median=np.float64(np.nan), expected_rounds=r.expected_rounds, rungs=None,
        seed_entropy=2**100 + 7, rounds=T_, paths=paths, chunk_paths=paths)


@pytest.fixture(scope="module")
def pairs():
    return {
        "TFT vs conditional de-escalation": dict(strategies=("tit_for_tat", "conditional_deescalation"),
                                                 settings=SETTINGS, result=_run("tit_for_tat",
                                                                                "conditional_deescalation")),
        "both escalate": dict(strategies={"India": "always_escalate", "Pakistan": "always_escalate"},
                              settings={**SETTINGS, "execution_noise": 0.0},
                              result=_run("always_escalate", "always_escalate", execution_noise=0.0)),
        "generous TFT vs TFT": dict(strategies=(S.get("generous_tit_for_tat", K=5), S.get("tit_for_tat", K=5)),
                                    settings=SETTINGS, result=_run("generous_tit_for_tat", "tit_for_tat")),
    }


# --------------------------------------------------------------------------- derived arrays
def test_rung_shares_mean_and_quantiles_of_a_known_distribution():
    rd = np.zeros((2, 2, 3))
    rd[0, 0] = [0.2, 0.3, 0.5]       # active 1.0
    rd[0, 1] = [1.0, 0.0, 0.0]
    rd[1, 0] = [0.1, 0.0, 0.1]       # active 0.2
    rd[1, 1] = [0.0, 0.2, 0.0]
    r = SimpleNamespace(rung_distribution=rd, p_active=np.array([1.0, 0.2]))
    sh = rung_shares(r)
    assert np.allclose(sh[1, 0], [0.5, 0, 0.5])
    assert np.allclose(mean_rungs(r), [[1.3, 0.0], [1.0, 1.0]])
    assert np.allclose(rung_quantiles(r, 0.5), [[1, 0], [0, 1]])
    assert np.allclose(rung_quantiles(r, 0.9), [[2, 0], [2, 1]])
    r0 = SimpleNamespace(rung_distribution=np.zeros((1, 2, 3)), p_active=np.zeros(1))
    assert np.all(np.isnan(rung_shares(r0))) and np.all(np.isnan(mean_rungs(r0)))


# --------------------------------------------------------------------------- crisis_summary
def test_summary_numbers_are_the_results(pairs):
    s = crisis_summary(sides=SIDES, labels=LABELS, pairs=pairs)
    assert _strict(s) == s
    assert s["main"] == "TFT vs conditional de-escalation"
    assert list(s["pairs"]) == list(pairs)
    assert s["K"] == 5 and s["labels"] == LABELS
    for name, entry in pairs.items():
        p, r = s["pairs"][name], entry["result"]
        assert p["method"] == "exact" and p["rounds"] == T
        assert p["p_war"] == pytest.approx(r.p_war[-1], abs=1e-15)
        assert p["p_settled"] == pytest.approx(r.p_settled[-1], abs=1e-15)
        assert p["p_mediated"] == pytest.approx(r.p_mediated[-1], abs=1e-15)
        assert p["p_still_in_crisis"] == pytest.approx(1 - r.p_war[-1] - r.p_settled[-1] - r.p_mediated[-1])
        assert p["expected_payoffs"] == {"India": pytest.approx(r.payoffs[0]), "Pakistan": pytest.approx(r.payoffs[1])}
        assert p["expected_rounds"] == pytest.approx(r.p_active.sum())
        assert p["curves"]["p_war"] == pytest.approx(r.p_war.tolist())
    g = s["pairs"]["generous TFT vs TFT"]
    assert g["strategies"] == {"India": "generous_tit_for_tat", "Pakistan": "tit_for_tat"}
    assert g["strategy_labels"]["India"] == "generous tit for tat"


def test_summary_of_two_escalating_sides_matches_the_closed_form(pairs):
    # both at the top rung every round: war with probability w per round (mediation 5% after that)
    s = crisis_summary(sides=SIDES, labels=LABELS, pairs=pairs)
    p = s["pairs"]["both escalate"]
    q = (1 - W) * (1 - 0.05)  # the crisis goes on after a round
    t = np.arange(T)
    assert p["p_war"] == pytest.approx(float(np.sum(q ** t * W)))
    assert p["p_mediated"] == pytest.approx(float(np.sum(q ** t * (1 - W) * 0.05)))
    assert p["p_settled"] == 0
    assert p["expected_rounds"] == pytest.approx(float(np.sum(q ** t)))
    assert p["mean_rung"] == {"India": pytest.approx(4.0), "Pakistan": pytest.approx(4.0)}
    curve = np.cumsum(q ** t * W)
    assert p["median_round"]["war"] == int(np.argmax(curve >= curve[-1] / 2)) + 1
    assert p["round_90"]["war"] == int(np.argmax(curve >= 0.9 * curve[-1])) + 1


def test_summary_checks_its_input(pairs):
    with pytest.raises(ValueError, match="main pair"):
        crisis_summary(sides=SIDES, labels=LABELS, pairs=pairs, main="nope")
    with pytest.raises(ValueError, match="empty"):
        crisis_summary(sides=SIDES, labels=LABELS, pairs={})
    with pytest.raises(ValueError, match="labels"):
        crisis_summary(sides=SIDES, labels=LABELS[:3], pairs=pairs)
    with pytest.raises(ValueError, match="side 'Pakistan'"):
        crisis_summary(sides=SIDES, labels=None, pairs={"x": dict(strategies={"India": "tit_for_tat"},
                                                                  result=pairs["both escalate"]["result"])})
    batch = analyse(games.ladder(K=3, war_risk=np.array([0.1, 0.2])), S.get("tit_for_tat", K=3),
                    S.get("tit_for_tat", K=3), rounds=3)
    with pytest.raises(ValueError, match="one parameter point"):
        crisis_summary(sides=SIDES, labels=None, pairs={"x": dict(strategies=("a", "b"), result=batch)})


def test_monte_carlo_summary_reports_standard_errors(tmp_path, pairs):
    r = pairs["TFT vs conditional de-escalation"]["result"]
    mc = _fake_mc(r, paths=400)
    s = crisis_summary(sides=SIDES, labels=None, pairs={"simulated": dict(strategies=("tit_for_tat", "grit"),
                                                                          settings={**SETTINGS, "paths": 400},
                                                                          result=mc)})
    m = s["pairs"]["simulated"]["monte_carlo"]
    p = float(r.p_war[-1])
    assert m["paths"] == 400
    assert m["probability_se"]["p_war"] == pytest.approx(np.sqrt(p * (1 - p) / 400))
    assert m["payoff_sem"] == {"India": pytest.approx(0.2), "Pakistan": pytest.approx(0.3)}
    assert m["payoff_quantiles"]["India"] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert m["settle_time_mean"] is None  # NaN -> null
    assert m["seed_entropy"] == str(2**100 + 7)
    assert s["labels"] == [f"rung {i}" for i in range(5)]
    atomic_write_json(tmp_path / "summary.json", s)
    assert _strict(json.loads((tmp_path / "summary.json").read_text())) == s
    md = crisis_markdown(s)
    assert "400 simulated runs" in md
    assert "95% confidence" in md


def test_long_run_summary_uses_eventual_outcomes():
    lr = analyse(LADDER, S.get("tit_for_tat", K=5), S.get("grim_trigger", K=5), execution_noise=0.1,
                 settle_after=2)
    s = crisis_summary(sides=SIDES, labels=LABELS, pairs={"long run": dict(strategies=("tit_for_tat",
                                                                                       "grim_trigger"),
                                                                           result=lr)})
    p = s["pairs"]["long run"]
    assert p["horizon"] == "long_run" and p["rounds"] is None
    assert p["p_war"] == pytest.approx(float(lr.p_war))
    assert p["p_war"] + p["p_settled"] + p["p_mediated"] + p["p_still_in_crisis"] == pytest.approx(1.0)
    assert p["expected_payoffs"]["India"] == pytest.approx(float(lr.total_payoffs[0]))
    assert "in the long run" in crisis_markdown(s)


# --------------------------------------------------------------------------- crisis_markdown
def test_markdown_describes_the_main_pair_and_compares_the_others(pairs):
    entries = dict(pairs)
    entries["TFT vs conditional de-escalation"] = {
        **pairs["TFT vs conditional de-escalation"],
        "descriptions": {"Pakistan": "follows its stated policy (never initiate, respond in kind, step down "
                                     "when the other side steps down)"}}
    s = crisis_summary(sides=SIDES, labels=LABELS, pairs=entries)
    md = crisis_markdown(s, figures={"trajectory_fan": "figures/trajectory_fan.png"})
    assert md.startswith("## How the crisis unfolds")
    main = s["pairs"]["TFT vs conditional de-escalation"]
    assert "With India playing tit for tat" in md
    assert "Pakistan playing conditional de-escalation (it follows its stated policy" in md
    for key in ("p_settled", "p_war", "p_mediated", "p_still_in_crisis"):
        assert fmt_percent(main[key]) in md
    assert "10% of rounds" in md and "2 rounds in a row" in md
    # one table row per pair, the main one marked
    rows = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + len(pairs)
    for name in pairs:
        assert sum(name in row for row in rows) == 1
    assert "**TFT vs conditional de-escalation** (main)" in md
    assert "execution noise" in rows[0]  # the setting that differs between pairs gets a column
    # the comparison sentence names the pair with the lowest P(war), computed here
    lowest = min(s["pairs"].values(), key=lambda p: p["p_war"])
    p_war = re.escape(fmt_percent(lowest["p_war"]))
    assert re.search(rf"War is least likely with \*\*{re.escape(lowest['name'])}\*\* \({p_war}\)", md)
    assert "figures/trajectory_fan.png" in md
    assert "not predictions" in md


def test_markdown_with_one_pair_has_no_comparison(pairs):
    s = crisis_summary(sides=SIDES, labels=LABELS, pairs={"only": pairs["both escalate"]})
    md = crisis_markdown(s)
    assert "Other strategy pairs" not in md
    assert "|" not in md
    assert "always escalate" in md
    assert "never settles" in md


# --------------------------------------------------------------------------- tournaments
@pytest.fixture(scope="module")
def tournament():
    ents = {n: S.get(n) for n in ("tit_for_tat", "always_escalate", "always_restrain", "grim_trigger")}
    return round_robin(games.prisoners_dilemma(), ents, rounds=20)


def test_tournament_summary_and_markdown(tournament):
    t = tournament
    s = tournament_summary(t)
    assert _strict(s) == s
    assert s["ranking"] == list(t.ranking)
    assert s["ess"] == [n for n, e in zip(t.names, t.ess) if e]
    assert np.allclose(s["M"], t.M)
    md = tournament_markdown(t)
    assert md.startswith("## Tournament")
    table = [line for line in md.splitlines() if re.match(r"\| \d+ \|", line)]
    assert [row.split("|")[2].strip() for row in table] == [n.replace("_", " ") for n in t.ranking]
    ess_line = next(line for line in md.splitlines() if "*evolutionarily stable*" in line)
    assert t.ess.any()  # always escalate is a strict equilibrium of this meta-game
    for n, e in zip(t.names, t.ess):
        assert (n.replace("_", " ") in ess_line.lower()) == bool(e)
    for n in t.survivors:
        assert f"{n.replace('_', ' ')} {fmt_percent(t.dynamics.final[t.names.index(n)])}" in md
    assert "meta-game" in md
    assert "everyone plays" in md.lower() or "population mixing" in md


def test_strategy_description_names_the_opening_rung():
    from sim.wording import STRATEGY_DESCRIPTIONS, strategy_description

    assert strategy_description("tit_for_tat", {"start": 3}).startswith("starts at rung 3, then answers")
    assert strategy_description("graduated_response", {"start": 4}).startswith("opens at rung 4, then")
    assert strategy_description("tit_for_tat", {}) == STRATEGY_DESCRIPTIONS["tit_for_tat"]
    assert strategy_description("tit_for_tat", {"start": 0}) == STRATEGY_DESCRIPTIONS["tit_for_tat"]


def test_report_says_when_two_named_policies_coincide():
    """Issue 12: conditional de-escalation (default reading) and tit for tat are one automaton;
    a report that compares them says so, and says which reading each description uses."""
    import sim
    from sim.repeated import analyse
    from sim.repeated.strategies import get
    from sim.report import crisis_markdown, crisis_summary

    K = 3
    g = sim.ladder(K=K, war_risk=0.3)
    cd, tft = get("conditional_deescalation", K=K), get("tit_for_tat", K=K)
    full = get("conditional_deescalation", K=K, step_down="full")
    pairs = {name: {"strategies": (a, b), "settings": {"rounds": 6},
                    "result": analyse(g, a, b, rounds=6, execution_noise=0.05)}
             for name, (a, b) in {"cd": (cd, cd), "tft": (tft, tft), "full": (full, full)}.items()}
    s = crisis_summary(sides=("A", "B"), labels=None, pairs=pairs)
    assert s["coinciding"] == [["conditional de-escalation", "tit for tat"]]  # in order of appearance
    md = crisis_markdown(s)
    assert "conditional de-escalation and tit for tat are the same automaton here" in md
    assert "same automaton as tit for tat" in s["pairs"]["cd"]["strategy_descriptions"]["A"]
    assert "back to rung 0 once the other side steps down at all" in s["pairs"]["full"]["strategy_descriptions"]["A"]


def test_stated_policy_text_follows_the_strategy_played():
    """Issue 12: a stated policy that names a strategy the crisis does not play is said plainly."""
    import sim
    from sim.equilibria import nash_equilibria
    from sim.report import stage_markdown, stage_summary

    g = sim.ladder(K=3)
    scen = {"name": "x", "title": "X", "sides": ["A", "B"], "narrative": "", "sources": ["[1] s"],
            "rung_labels": [], "parameter_notes": {}, "phases": [],
            "stated_policies": {"A": {"statement": "we answer in kind", "source": [1],
                                      "strategy": "conditional_deescalation",
                                      "played": {"name": "grit", "K": 3, "period": 2}},
                                "B": {"statement": "we answer in kind", "source": [1],
                                      "strategy": "conditional_deescalation",
                                      "played": {"name": "conditional_deescalation", "K": 3}}}}
    md = stage_markdown(stage_summary(scenario=scen, game=g, equilibria=nash_equilibria(g)))
    assert "but **this run plays *GRIT (period 2)* for A** (an override)" in md
    assert md.count("Modelled here as *conditional de-escalation*") == 1  # B plays what it states
