"""summary.json and summary.md: atomic writers, the stage summary, the plain-language text."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim import games
from sim.games.classify import classify
from sim.equilibria.nash import nash_equilibria
from sim.files import atomic_write_json, atomic_write_text
from sim.report import stage_markdown, stage_summary
from sim.sweeps.maps import equilibrium_map

SCENARIO = {
    "name": "test_crisis",
    "title": "A test crisis",
    "sides": ["India", "Pakistan"],
    "narrative": "Side one said it acted in response; side two denied the claim.",
    "sources": ["Source one, press release, 1 May", "Source two, statement, 2 May"],
}


def _strict_json(text: str):
    def reject(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=reject)


# --------------------------------------------------------------------------- writers
def test_atomic_write_json_round_trips_numpy_and_nan(tmp_path):
    obj = {
        "z_first": np.arange(3),
        "float32": np.float32(1.5),
        "nan": np.nan,
        "inf": float("inf"),
        "nested": {"matrix": np.array([[1.0, np.nan], [np.inf, -2.0]])},
        "int64": np.int64(7),
        "tuple": (1, np.float64(2.5)),
        "flag": np.bool_(True),
    }
    path = atomic_write_json(tmp_path / "out" / "summary.json", obj)
    text = path.read_text()
    data = _strict_json(text)
    assert data == {
        "z_first": [0, 1, 2],
        "float32": 1.5,
        "nan": None,
        "inf": None,
        "nested": {"matrix": [[1.0, None], [None, -2.0]]},
        "int64": 7,
        "tuple": [1, 2.5],
        "flag": True,
    }
    assert list(data) == list(obj)  # insertion order, not sorted
    assert '\n  "z_first"' in text  # indent 2
    assert [p.name for p in path.parent.iterdir()] == ["summary.json"]


def test_atomic_write_text_replaces_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "summary.md"
    atomic_write_text(path, "first")
    atomic_write_text(path, "second\n")
    assert path.read_text() == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.md"]


def test_failed_json_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "summary.json"
    atomic_write_text(path, "{}")
    with pytest.raises(TypeError):
        atomic_write_json(path, {"bad": object()})
    assert path.read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


# --------------------------------------------------------------------------- stage_summary
@pytest.mark.parametrize("value, crash_cost", [(2.0, 6.0), (3.0, 5.0)])
def test_chicken_summary(value, crash_cost):
    game = games.chicken(value=value, crash_cost=crash_cost, sides=("India", "Pakistan"))
    summary = stage_summary(scenario=SCENARIO, game=game, equilibria=nash_equilibria(game),
                            classification=classify(game))
    json.dumps(summary, allow_nan=False)  # plain JSON-able values
    assert summary["classification"]["class"] == "chicken"
    assert summary["classification"]["type_a"] == summary["classification"]["type_b"] == "chicken"
    eqs = summary["equilibria"]
    assert len(eqs) == summary["n_equilibria"] == 3
    assert [e["kind"] for e in eqs].count("pure") == 2
    (mixed,) = [e for e in eqs if e["kind"] == "mixed"]
    p = value / crash_cost  # probability of standing firm (Hawk-Dove)
    assert mixed["x"][1] == pytest.approx(p) and mixed["y"][1] == pytest.approx(p)
    assert mixed["p_top"] == pytest.approx(p ** 2)
    assert mixed["support_a"] == ["back down", "stand firm"]
    pure_cells = sorted((e["support_a"][0], e["support_b"][0]) for e in eqs if e["kind"] == "pure")
    assert pure_cells == [("back down", "stand firm"), ("stand firm", "back down")]
    assert summary["payoff_dominant"] is None  # the two pure equilibria favour different sides
    assert summary["scenario"]["sides"] == ["India", "Pakistan"]
    assert summary["game"]["params"] == {"name": "chicken", "value": value, "crash_cost": crash_cost,
                                         "sides": ["India", "Pakistan"]}
    assert summary["game"]["payoff_a"] == [[value / 2, 0.0], [value, (value - crash_cost) / 2]]


def test_prisoners_dilemma_summary_finds_the_better_outcome():
    game = games.prisoners_dilemma()
    summary = stage_summary(scenario={}, game=game, equilibria=nash_equilibria(game),
                            classification=classify(game))
    (eq,) = summary["equilibria"]
    assert eq["support_a"] == eq["support_b"] == ["escalate"]
    assert eq["both_better_at"]["rungs"] == [0, 0]  # mutual restraint pays both R = 3 > P = 1
    assert summary["classification"]["label"] == "Prisoner's Dilemma"
    assert summary["risk_dominant"] is None
    assert summary["scenario"]["sides"] == ["A", "B"]  # from the game when the scenario names none


def test_stag_hunt_payoff_and_risk_dominance():
    game = games.stag_hunt(R=5, S=0, T=4, P=2)  # R - T = 1 < P - S = 2: escalation is risk dominant
    summary = stage_summary(scenario={}, game=game, equilibria=nash_equilibria(game),
                            classification=classify(game))
    by_index = {e["index"]: e for e in summary["equilibria"]}
    pd, rd = by_index[summary["payoff_dominant"]], by_index[summary["risk_dominant"]]
    assert (pd["support_a_rungs"], pd["support_b_rungs"]) == ([0], [0])
    assert (rd["support_a_rungs"], rd["support_b_rungs"]) == ([1], [1])


def test_summary_map_shares_and_point():
    emap = equilibrium_map("chicken", {"value": 2.0, "crash_cost": 6.0}, "value", np.linspace(0.5, 10, 20),
                           "crash_cost", np.linspace(0.5, 12, 24))
    game = games.chicken()
    summary = stage_summary(scenario=SCENARIO, game=game, equilibria=nash_equilibria(game), emap=emap)
    m = summary["map"]
    assert sum(m["regime_shares"].values()) == pytest.approx(1.0)
    # value >= crash_cost (with value > 0) is a Prisoner's Dilemma, value < crash_cost Chicken
    v, c = np.meshgrid(np.linspace(0.5, 10, 20), np.linspace(0.5, 12, 24))
    assert m["regime_shares"]["chicken"] == pytest.approx(np.mean(v < c))
    assert m["regime_at_point"] == "chicken" and m["point_on_map"] is True
    outside = equilibrium_map("chicken", {"value": 50.0, "crash_cost": 6.0}, "value", np.linspace(0.5, 10, 5),
                              "crash_cost", np.linspace(0.5, 12, 5))
    m2 = stage_summary(scenario={}, game=game, equilibria=[], emap=outside)["map"]
    assert m2["point_on_map"] is False and m2["regime_at_point"] is None


def test_summary_rejects_a_batch():
    with pytest.raises(ValueError, match="batch"):
        stage_summary(scenario={}, game=games.chicken(value=np.array([1.0, 2.0])), equilibria=[])


# --------------------------------------------------------------------------- stage_markdown
def test_markdown_mentions_each_equilibrium_and_the_sources():
    game = games.chicken(value=2, crash_cost=6, sides=("India", "Pakistan"))
    emap = equilibrium_map("chicken", {"value": 2.0, "crash_cost": 6.0}, "value", np.linspace(0.5, 10, 10),
                           "crash_cost", np.linspace(0.5, 12, 10))
    md = stage_markdown(stage_summary(scenario=SCENARIO, game=game, equilibria=nash_equilibria(game),
                                      classification=classify(game), emap=emap))
    assert md.startswith("# A test crisis\n")
    assert SCENARIO["narrative"] in md
    for source in SCENARIO["sources"]:
        assert f"- {source}" in md
    for k in (1, 2, 3):
        assert f"**E{k}**" in md
    assert "E4" not in md
    assert "33.3%" in md  # P(stand firm) = 2/6 in the mixed equilibrium
    assert "Chicken" in md
    assert "figures/payoff_matrix.png" in md and "figures/equilibrium_map.png" in md


def test_markdown_ladder_names_the_equilibrium_rung():
    labels = [f"level {i} action" for i in range(11)]
    game = games.ladder(K=11, sides=("India", "Pakistan"), labels=labels)
    eqs = nash_equilibria(game)
    assert len(eqs) == 1 and eqs[0].is_pure
    rung = int(np.argmax(eqs[0].x))
    md = stage_markdown(stage_summary(scenario=SCENARIO, game=game, equilibria=eqs))
    assert "In the only equilibrium" in md
    assert f"rung {rung} ({labels[rung]})" in md
    assert "figures/equilibrium_map.png" not in md  # no map given
    assert "security dilemma" in md  # mutual restraint pays both more than the equilibrium


def test_markdown_ladder_names_side_b_values_only_when_asymmetric():
    def md(game):
        return stage_markdown(stage_summary(scenario=SCENARIO, game=game, equilibria=nash_equilibria(game)))

    assert "own are" not in md(games.ladder(K=4, sides=("India", "Pakistan")))
    text = md(games.ladder(K=4, advantage_b=25.0, war_cost_b=60.0, sides=("India", "Pakistan")))
    assert "These figures are India's; Pakistan's own are: coercive advantage 25, war cost 60." in text, text
