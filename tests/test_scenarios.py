"""Scenario files: they compose, validate, cite their sources, run end to end, and bad ones fail clearly."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from apphelpers import assert_user_error, finished_runs
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from sim.errors import ConfigError
from sim.config.run import ScenarioConfig, build_game, validate_run
from sim.config.scenario import Phase

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
RUN = ROOT / "experiments" / "run.py"
SCENARIOS = sorted(p.stem for p in (CONFIGS / "scenario").glob("*.yaml"))
NEW = ["cold_war_arms_race", "cuban_missile_1962", "india_pakistan_2025", "kargil_1999", "pulwama_balakot_2019",
       "twin_peaks_2001", "uri_2016"]
#: The earlier India-Pakistan crises on the 11-rung ladder of india_pakistan_2025 (issue 12, item 5).
EARLIER = ["twin_peaks_2001", "uri_2016", "pulwama_balakot_2019"]
ATTRIBUTION = re.compile(r"\b(said|says|say|claimed|claims|reported|denied|blamed|write|wrote|described|accused)\b")


@pytest.fixture(scope="module")
def composed():
    """Plain config dicts of every scenario, composed once with Hydra's compose API."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        out = {name: OmegaConf.to_container(compose(config_name="run", overrides=[f"scenario={name}"]), resolve=True)
               for name in SCENARIOS}
    GlobalHydra.instance().clear()
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_composes_validates_and_cites_sources(composed, name):
    rc = validate_run(composed[name])
    sc = rc.scenario
    assert sc.name == name
    if name != "custom":
        assert sc.sources, "every shipped scenario lists its sources"
    n = len(sc.sources)
    K = build_game(rc.game, sc).n_actions[0]
    for i, ph in enumerate(sc.phases):
        assert ph.sources and all(1 <= r <= n for r in ph.sources), f"phase {i} cites a missing source"
        assert all(r is None or 0 <= r < K for r in ph.rungs.values())
    for side, pol in sc.stated_policies.items():
        assert side in sc.sides and pol.source and all(1 <= r <= n for r in pol.source)
    for i, src in enumerate(sc.sources):  # numbered sources carry their own position
        m = re.match(r"\[(\d+)\]", src)
        assert m is None or int(m.group(1)) == i + 1


@pytest.mark.parametrize("name", NEW)
def test_new_scenarios_have_phases_and_attribute_contested_rungs(composed, name):
    sc = validate_run(composed[name]).scenario
    assert len(sc.phases) >= 5
    starts = [ph.start for ph in sc.phases]
    assert starts == sorted(starts)
    for ph in sc.phases:
        if ph.contested:
            assert any(side in ph.claims for side in sc.sides), f"{ph.date}: claims name no side"
            assert ATTRIBUTION.search(ph.claims), f"{ph.date}: claims attribute nothing: {ph.claims!r}"


def test_models_blocks_are_where_the_brief_puts_them(composed):
    assert validate_run(composed["cuban_missile_1962"]).models["brinkmanship"]["challenger"] == "United States"
    rich = validate_run(composed["cold_war_arms_race"]).models["richardson"]
    assert rich["a"] * rich["b"] > rich["k"] * rich["l"]  # the stable case the notes describe
    assert "illustrative" in composed["cold_war_arms_race"]["scenario"]["parameter_notes"]["richardson"].lower()


def test_india_pakistan_phases_cover_22_april_to_10_may(composed):
    sc = validate_run(composed["india_pakistan_2025"]).scenario
    assert sc.phases[0].start == dt.date(2025, 4, 22)
    assert max(ph.end for ph in sc.phases) == dt.date(2025, 5, 10) == sc.phases[-1].end
    assert [ph.start for ph in sc.phases] == sorted(ph.start for ph in sc.phases)
    assert "ceasefire" in sc.phases[-1].event.lower()
    assert sc.stated_policies["Pakistan"].strategy == "conditional_deescalation"
    assert sc.stated_policies["India"].strategy == "conditional_deescalation"  # the same rule for both sides
    assert "focused, measured and non-escalatory" in sc.stated_policies["India"].statement


def test_india_pakistan_rungs_match_the_context_files_as_reported_list(composed):
    """India 1 (23 Apr), 4 (7 May), 5 (7-8 May), 6 (10 May); Pakistan 1 (24 Apr), 3 (7 May),
    5 (7-9 May, contested), 6 (10 May); both 2 in late April; both 1-2 after the ceasefire."""
    sc = validate_run(composed["india_pakistan_2025"]).scenario
    by_date = {}
    for ph in sc.phases:
        by_date.setdefault(ph.date, []).append(ph)
    assert by_date["2025-04-23"][0].rungs["India"] == 1
    assert by_date["2025-04-24"][0].rungs["Pakistan"] == 1
    (late_april,) = [ph for ph in sc.phases if ph.start.month == 4 and ph.end > ph.start]
    assert late_april.rungs == {"India": 2, "Pakistan": 2}
    assert by_date["2025-05-07"][0].rungs == {"India": 4, "Pakistan": 3}
    (drones,) = [ph for ph in sc.phases if ph.start == dt.date(2025, 5, 7) and ph.end == dt.date(2025, 5, 9)]
    assert drones.rungs == {"India": 5, "Pakistan": 5} and "Pakistan" in drones.contested
    assert "denied" in drones.claims and "8 May" in drones.claims
    strikes, ceasefire = by_date["2025-05-10"]
    assert strikes.rungs == {"India": 6, "Pakistan": 6}
    assert all(r in (1, 2) for r in ceasefire.rungs.values())
    assert max(r for ph in sc.phases for r in ph.rungs.values() if r is not None) == 6


# --------------------------------------------------------------------------- the earlier India-Pakistan crises
@pytest.mark.parametrize("name", EARLIER)
def test_earlier_crises_phases_cite_sources_parse_and_are_in_order(composed, name):
    from sim.config.scenario import parse_date

    raw = composed[name]["scenario"]
    sc = validate_run(composed[name]).scenario
    n = len(sc.sources)
    assert n >= 5 and all(re.match(rf"\[{i + 1}\] \S", src) for i, src in enumerate(sc.sources))
    starts = []
    for i, (ph, ph_raw) in enumerate(zip(sc.phases, raw["phases"])):
        assert ph.sources and all(1 <= r <= n for r in ph.sources), f"phase {i} cites a missing source"
        _, start, end = parse_date(f"phases[{i}].date", ph_raw["date"])  # every date parses
        assert start <= end and (start, end) == (ph.start, ph.end)
        starts.append(start)
        assert set(ph.rungs) == set(sc.sides) and all(isinstance(r, int) for r in ph.rungs.values())
    assert starts == sorted(starts), "phases in date order"
    cited = {r for ph in sc.phases for r in ph.sources} | {r for p in sc.stated_policies.values() for r in p.source}
    assert cited == set(range(1, n + 1)), "every listed source is cited somewhere"
    # observed.from is the (start) date of a phase, and the ending a known code
    assert sc.observed["from"] in {ph.date.split("/")[0] for ph in sc.phases}
    assert sc.observed["ending"] in ("censored", "war", "settled", "mediated", "ceasefire", "ended")


@pytest.mark.parametrize("name", EARLIER)
def test_earlier_crises_model_both_sides_by_the_same_rule(composed, name):
    rc = validate_run(composed[name])
    sc = rc.scenario
    assert set(sc.stated_policies) == set(sc.sides) == {"India", "Pakistan"}
    rules = {p.strategy for p in sc.stated_policies.values()}
    assert len(rules) == 1, f"both sides' stated policies name the same strategy, got {rules}"
    (rule,) = rules
    assert rc.crisis.side_a["name"] == rc.crisis.side_b["name"] == rule  # and the crisis plays it
    for side, pol in sc.stated_policies.items():
        assert pol.statement.startswith(f"Claim, as {side}'s government stated it")
    notes = composed[name]["scenario"]["parameter_notes"]
    assert {"K", "war_risk", "war_cost", "crisis", "stated_policies", "rungs"} <= set(notes)
    assert "modelling choices, not findings" in notes["crisis"] and "illustrative" in notes["advantage"]


@pytest.mark.parametrize("name", EARLIER)
def test_earlier_crises_use_the_2025_ladder_and_ranges(composed, name):
    """Same rung labels, K and illustrative ranges as india_pakistan_2025, so the crises compare."""
    ref, cfg = composed["india_pakistan_2025"], composed[name]
    assert cfg["scenario"]["rung_labels"] == ref["scenario"]["rung_labels"]
    for key in ("K", "advantage", "damage", "cost", "war_risk", "war_cost", "risk_interaction", "risk_exponent"):
        assert cfg["game"][key] == ref["game"][key], key
    assert validate_run(cfg).crisis.settings.timing in ("alternating", "simultaneous")


@pytest.mark.parametrize("name", EARLIER)
def test_earlier_crises_mark_contested_rungs_and_attribute_them(composed, name):
    sc = validate_run(composed[name]).scenario
    trigger = sc.phases[0]  # the attack that opens the crisis: not a rung of either state
    assert trigger.rungs == {"India": 0, "Pakistan": 0} and trigger.contested == ("Pakistan",)
    assert re.search(r"\b(denied|rejected)\b", trigger.claims) and "not an act of either state" in trigger.claims
    for ph in sc.phases:
        for side in ph.contested:
            assert side in ph.claims or f"{side}'s" in ph.claims, f"{ph.date}: {side} contested, claims silent"
        if ph.contested:
            assert ATTRIBUTION.search(ph.claims)
        # every rung from strikes upward rests on one side's account in these crises
        for side, rung in ph.rungs.items():
            if rung >= 4:
                assert side in ph.contested, f"{ph.date}: {side} at rung {rung} is not marked contested"


def test_uri_phase_table(composed):
    sc = validate_run(composed["uri_2016"]).scenario
    by_date = {ph.date: ph for ph in sc.phases}
    strikes = by_date["2016-09-29"]
    assert strikes.rungs == {"India": 4, "Pakistan": 2} and set(strikes.contested) == {"India", "Pakistan"}
    assert "denied" in strikes.claims and "two of its soldiers" in strikes.claims
    assert by_date["2016-09-26/2016-09-28"].rungs == {"India": 1, "Pakistan": 1}
    later = [ph for ph in sc.phases if ph.start > dt.date(2016, 9, 30)]
    assert later and all(ph.rungs == {"India": 3, "Pakistan": 3} for ph in later)
    assert sc.observed == {"from": "2016-09-29", "ending": "censored"}


def test_pulwama_balakot_phase_table(composed):
    rc = validate_run(composed["pulwama_balakot_2019"])
    sc = rc.scenario
    by_date = {ph.date: ph for ph in sc.phases}
    balakot, air = by_date["2019-02-26"], by_date["2019-02-27"]
    assert balakot.rungs == {"India": 4, "Pakistan": 1} and balakot.contested == ("India",)
    assert "non-military pre-emptive action" in balakot.claims and "no casualties" in balakot.claims
    assert air.rungs == {"India": 5, "Pakistan": 5} and set(air.contested) == {"India", "Pakistan"}
    assert "F-16" in air.claims and "denied" in air.claims
    assert sc.phases[-1].rungs == {"India": 1, "Pakistan": 1} and sc.phases[-1].end == dt.date(2019, 3, 1)
    assert rc.crisis.settings.opening == (4, 0) and rc.crisis.settings.first_mover == "b"
    assert sc.observed["from"] == "2019-02-26"


def test_twin_peaks_has_no_cross_border_strike(composed):
    """Mobilisation, threats, firing on the Line of Control and missile tests: no rung 4-8 anywhere,
    and the rung-9 readings (missile tests) are each contested and say the tester called them routine."""
    rc = validate_run(composed["twin_peaks_2001"])
    sc = rc.scenario
    rungs = [r for ph in sc.phases for r in ph.rungs.values()]
    assert not any(4 <= r <= 8 for r in rungs)
    tests_ = [ph for ph in sc.phases if 9 in ph.rungs.values()]
    assert len(tests_) == 2 and all("missile" in ph.event for ph in tests_)
    for ph in tests_:
        (side,) = [s for s, r in ph.rungs.items() if r == 9]
        assert ph.contested == (side,) and "routine" in ph.claims
    assert rc.crisis.settings.timing == "simultaneous" and rc.crisis.settings.opening == (1, 1)
    assert sc.phases[-1].start == dt.date(2002, 10, 16) and sc.phases[-1].rungs == {"India": 1, "Pakistan": 1}


def test_india_pakistan_compare_config_composes_and_validates():
    """`python experiments/compare.py comparison=india_pakistan`: the five crises side by side, each
    variant a scenario; the default compare config is unchanged by the new config group."""
    sys.path.insert(0, str(ROOT / "experiments"))
    import compare

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = OmegaConf.to_container(compose(config_name="compare", overrides=["comparison=india_pakistan"]),
                                     resolve=True)
        default = OmegaConf.to_container(compose(config_name="compare"), resolve=True)
        variants = compare.validate_compare(cfg)
        default_variants = compare.validate_compare(default)
    GlobalHydra.instance().clear()
    expected = ["kargil_1999", "twin_peaks_2001", "uri_2016", "pulwama_balakot_2019", "india_pakistan_2025"]
    assert [v.overrides for v in variants] == [{"scenario": s} for s in expected]
    assert [v.cfg["scenario"]["name"] for v in variants] == expected
    assert cfg["experiment"] == "compare_india_pakistan"
    assert len(default_variants) == 4 and default["experiment"] == "compare"


def _differences(a, b, prefix=""):
    """Dotted keys where two resolved config dicts differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            out += _differences(a.get(k), b.get(k), f"{prefix}{k}.")
        return out
    return [] if a == b else [prefix[:-1]]


def test_default_compare_changes_one_thing_at_a_time():
    """Issue 12: each variant of the default compare changes one thing against the first (one side's rule,
    or the shared rule's reading for both sides alike); the crisis opens the same way in every variant, so
    GRIT opens where the policy it replaces opens (India at rung 4, Pakistan answering first)."""
    sys.path.insert(0, str(ROOT / "experiments"))
    import compare

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        variants = compare.validate_compare(OmegaConf.to_container(compose(config_name="compare"), resolve=True))
    GlobalHydra.instance().clear()
    base = variants[0].cfg
    assert variants[0].overrides == {}
    for v in variants[1:]:
        diff = _differences(base, v.cfg)
        sides = {d.split(".")[1] for d in diff}
        assert diff and all(d.startswith(("crisis.side_a", "crisis.side_b")) for d in diff), (v.name, diff)
        if sides == {"side_a", "side_b"}:  # both sides: the same change to the same rule
            assert v.cfg["crisis"]["side_a"] == v.cfg["crisis"]["side_b"], v.name
            assert base["crisis"]["side_a"] == base["crisis"]["side_b"], v.name
        else:
            assert len(sides) == 1, (v.name, diff)
        rc = validate_run(v.cfg)
        assert rc.crisis.settings.opening == validate_run(base).crisis.settings.opening == (4, 0)


def test_a_comparison_file_is_data_like_any_config_file(tmp_path):
    """The new `comparison` group of compare.yaml is scanned like the others: a comparison file that
    sets Hydra options is refused in one line; an unknown comparison names the ones available."""
    (tmp_path / "configs" / "comparison").mkdir(parents=True)
    (tmp_path / "configs" / "comparison" / "evil.yaml").write_text(
        "# @package _global_\nhydra:\n  run:\n    dir: /tmp/elsewhere\nvariants: []\n")
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("HYDRA_FULL_ERROR", None)
    compare_py = ROOT / "experiments" / "compare.py"
    for args, words in ((["--config-dir", str(tmp_path / "configs"), "comparison=evil"], "hydra.run.dir"),
                        (["comparison=nosuch"], "available: india_pakistan")):
        proc = subprocess.run([sys.executable, str(compare_py), *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300, env=env)
        assert_user_error(proc, words, tmp_path)


# --------------------------------------------------------------------------- bad scenario files
def _with_phase(cfg: dict, **changes) -> dict:
    cfg = json.loads(json.dumps(cfg))
    cfg["scenario"]["phases"][1].update(changes)
    return cfg


BAD = [
    (dict(rungs={"India": 11}), "scenario.phases[1].rungs.India", "0..10"),
    (dict(rungs={"India": -1}), "scenario.phases[1].rungs.India", "0..10"),
    (dict(rungs={"Atlantis": 1}), "scenario.phases[1].rungs.Atlantis", "unknown side"),
    (dict(sources=[]), "scenario.phases[1].sources", "at least one source"),
    (dict(sources=[9]), "scenario.phases[1].sources[0]", "does not exist"),
    (dict(date="2025-13-01"), "scenario.phases[1].date", "not a calendar date"),
    (dict(date="23 April 2025"), "scenario.phases[1].date", "ISO date"),
    (dict(date="2025-05-09/2025-05-07"), "scenario.phases[1].date", "ends before it starts"),
    (dict(date="2025-04-01"), "scenario.phases[1].date", "date order"),
    (dict(contested=["India"], claims=None), "scenario.phases[1].claims", "contested"),
    (dict(colour="red"), "scenario.phases[1].colour", "unknown key"),
]


@pytest.mark.parametrize("changes,field,words", BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_phase_gives_one_clear_error(composed, changes, field, words):
    with pytest.raises(ConfigError) as err:
        validate_run(_with_phase(composed["india_pakistan_2025"], **changes))
    assert err.value.field == field
    assert words in str(err.value) and "\n" not in str(err.value)


def test_rungs_are_checked_against_the_game_when_there_are_no_rung_labels(composed):
    cfg = json.loads(json.dumps(composed["cold_war_arms_race"]))
    del cfg["scenario"]["rung_labels"]
    cfg["scenario"]["phases"][2]["rungs"]["Soviet Union"] = 2
    with pytest.raises(ConfigError, match=r"scenario\.phases\[2\]\.rungs\.Soviet Union.*0\.\.1"):
        validate_run(cfg)


@pytest.mark.parametrize("policy,field", [
    ({"Atlantis": {"statement": "x", "source": [1], "strategy": "tit_for_tat"}}, "scenario.stated_policies.Atlantis"),
    ({"India": {"statement": "x", "source": [1], "strategy": "nosuch"}}, "scenario.stated_policies.India.strategy"),
    ({"India": {"statement": "x", "source": [], "strategy": "tit_for_tat"}}, "scenario.stated_policies.India.source"),
    ({"India": {"statement": "", "source": [1], "strategy": "tit_for_tat"}}, "scenario.stated_policies.India.statement"),
])
def test_bad_stated_policy(composed, policy, field):
    cfg = json.loads(json.dumps(composed["india_pakistan_2025"]))
    cfg["scenario"]["stated_policies"] = policy
    with pytest.raises(ConfigError) as err:
        validate_run(cfg)
    assert err.value.field == field


def test_misnumbered_source_is_caught(composed):
    cfg = json.loads(json.dumps(composed["kargil_1999"]))
    cfg["scenario"]["sources"][0], cfg["scenario"]["sources"][1] = cfg["scenario"]["sources"][1], \
        cfg["scenario"]["sources"][0]
    with pytest.raises(ConfigError, match=r"scenario\.sources\[0\]"):
        validate_run(cfg)


def test_scenario_config_stays_backward_compatible():
    sc = ScenarioConfig("x", "X", ("A", "B"))
    assert sc.phases == () and dict(sc.stated_policies) == {}
    assert sc.to_summary()["phases"] == []


BAD_FILE = """# @package _global_
defaults:
  - /game: ladder
scenario:
  name: bad_phase
  sides: [India, Pakistan]
  sources: ["[1] A source."]
  phases:
    - {date: "2025-04-22", event: "ok", rungs: {India: 0, Pakistan: 0}, sources: [1]}
    - {date: "2025-04-23", event: "too high", rungs: {India: 7}, sources: [1]}
game:
  K: 5
"""


def _run(args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run([sys.executable, str(RUN), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_bad_scenario_file_gives_one_line_from_the_command_line(tmp_path):
    (tmp_path / "configs" / "scenario").mkdir(parents=True)
    (tmp_path / "configs" / "scenario" / "bad_phase.yaml").write_text(BAD_FILE)
    proc = _run(["--config-dir", str(tmp_path / "configs"), "scenario=bad_phase"], tmp_path)
    assert_user_error(proc, "scenario.phases[1].rungs.India", tmp_path)
    assert "0..4" in proc.stderr


def test_every_scenario_runs_end_to_end_and_writes_its_report(tmp_path, default_run):
    """One multirun (Hydra's basic launcher) over every scenario file with small settings, plus the
    default scenario's real run with default settings (conftest.py: ``default_run``): each writes a
    finished run whose report.html embeds every figure the run drew, including its crisis models'."""
    others = [s for s in SCENARIOS if s != "india_pakistan_2025"]
    proc = _run(["-m", f"scenario={','.join(others)}", "map.points=6", "crisis.paths=200", "crisis.rounds=10",
                 "crisis.sample_paths=1"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    runs = finished_runs(tmp_path) + [default_run]
    assert sorted(json.loads((r / "summary.json").read_text())["scenario"]["name"] for r in runs) == SCENARIOS
    for run in runs:
        summary = json.loads((run / "summary.json").read_text())
        assert (run / "summary.md").read_text().startswith("# ")
        pngs = sorted((run / "figures").glob("*.png"))
        html = (run / "report.html").read_text()
        assert html.count('src="data:image/png;base64,') == len(pngs) > 0, run
        for model in summary.get("models", {}):
            assert model in ("brinkmanship", "richardson", "deterrence", "escalation", "tree", "qre", "tying_hands")
        if summary["scenario"].get("phases"):
            assert (run / "figures" / "timeline.png").exists()
        # every run has its worksheet: as many answers as questions, and no figure it names is missing
        sheet = (run / "worksheet.md").read_text(encoding="utf-8")
        questions, key = sheet.split("## Answer key (for the teacher)")
        assert 0 < len(re.findall(r"^\d+\. ", questions, re.M)) == len(re.findall(r"^\d+\. ", key, re.M)), run
        assert all((run / "figures" / f).exists() for f in re.findall(r"figures/([\w.]+\.png)", questions)), run
        assert (run / "worksheet.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# --------------------------------------------------------------------------- summary.md and the figure
def _summary(composed, name):
    from sim import report
    from sim.equilibria.nash import nash_equilibria

    rc = validate_run(composed[name])
    game = build_game(rc.game, rc.scenario)
    return rc, report.stage_summary(scenario=rc.scenario.to_summary(), game=game, equilibria=nash_equilibria(game))


def test_summary_renders_the_phase_table_and_stated_policies(composed):
    from sim import report

    rc, s = _summary(composed, "india_pakistan_2025")
    json.dumps(s)  # JSON-able
    s["scenario"]["phases"][0]["claims"] = "a | b"
    md = report.stage_markdown(s)
    table = md.split("### Phases as reported")[1].split("###")[0]
    rows = [ln for ln in table.splitlines() if ln.startswith("| ")]
    assert rows[0].startswith("| date | event | India | Pakistan |")
    assert len(rows) == 2 + len(rc.scenario.phases)  # header, separator, one row per phase
    assert all(ln.count(" | ") == 5 for ln in rows[2:]), "cells are escaped: six columns per row"
    assert "a \\| b" in md
    assert "| 7-9 May 2025 |" in md and "4 (strikes on declared non-state targets), contested" in md
    policies = md.split("### Stated policies")[1].split("Sources:")[0]
    assert "**Pakistan**" in policies and "conditional de-escalation" in policies and "[5]" in policies


def _points(fig, i):
    ax = fig.axes[0]
    return sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() in (f"reported-{i}", f"contested-{i}"))


def test_timeline_draws_one_point_per_reported_phase(composed):
    from sim.viz.scenario import CONTESTED_LABEL, timeline_figure

    rc = validate_run(composed["india_pakistan_2025"])
    labels = rc.scenario.rung_labels
    fig = timeline_figure(rc.scenario, labels, title="t")
    for i, side in enumerate(rc.scenario.sides):
        assert _points(fig, i) == sum(ph.rungs[side] is not None for ph in rc.scenario.phases)
        hollow = [c for c in fig.axes[0].collections if c.get_gid() == f"contested-{i}"]
        assert sum(len(c.get_offsets()) for c in hollow) == sum(side in ph.contested for ph in rc.scenario.phases)
    assert CONTESTED_LABEL in [t.get_text() for t in fig.legends[0].get_texts()]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][4].startswith("4: strikes")

    # the summary.json form and a phase with an unreported rung
    raw = rc.scenario.to_summary()
    raw["phases"][2]["rungs"]["India"] = None
    fig = timeline_figure(raw, labels)
    assert _points(fig, 0) == len(raw["phases"]) - 1 and _points(fig, 1) == len(raw["phases"])


def test_timeline_rejects_a_scenario_without_phases():
    from sim.viz.scenario import timeline_figure

    with pytest.raises(ValueError, match="no phases"):
        timeline_figure(ScenarioConfig("x", "X", ("A", "B")), ["a", "b"])
    ph = Phase("2020-01-01", dt.date(2020, 1, 1), dt.date(2020, 1, 1), "e", {"A": 5, "B": 0}, (1,))
    with pytest.raises(ValueError, match="outside the ladder"):
        timeline_figure(ScenarioConfig("x", "X", ("A", "B"), phases=(ph,)), ["a", "b"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_any_registered_strategy_can_replace_a_scenarios_policy(name):
    """A scenario's policies are whole strategy configs (presets such as graduated_response_from_4),
    so `strategy@crisis.side_a=<other>` replaces them cleanly: no parameter of the scenario's strategy
    is left behind to be rejected by the new one."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        for a, b in (("grit", "always_restrain"), ("win_stay_lose_shift", "generous_tit_for_tat")):
            cfg = compose(config_name="run", overrides=[f"scenario={name}", f"strategy@crisis.side_a={a}",
                                                        f"strategy@crisis.side_b={b}"])
            rc = validate_run(OmegaConf.to_container(cfg, resolve=True))
            if rc.crisis is not None:
                assert rc.crisis.side_a["name"] == a and rc.crisis.side_b["name"] == b
    GlobalHydra.instance().clear()


@pytest.mark.parametrize("name, war_cost", [("india_pakistan_2025", 100.0), ("cuban_missile_1962", 200.0)])
def test_model_blocks_take_the_war_cost_from_the_game(name, war_cost):
    """A number that means the same thing is written once: the brinkmanship block refers to
    the ladder's war cost, so an override of game.war_cost reaches it."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        default = OmegaConf.to_container(compose(config_name="run", overrides=[f"scenario={name}"]), resolve=True)
        changed = OmegaConf.to_container(compose(config_name="run", overrides=[f"scenario={name}", "game.war_cost=50"]),
                                         resolve=True)
    GlobalHydra.instance().clear()
    for cfg, expected in ((default, war_cost), (changed, 50.0)):
        block = validate_run(cfg).models["brinkmanship"]
        assert block["war_cost_challenger"] == block["war_cost_defender"] == expected


def test_a_stated_policy_the_run_does_not_play_is_a_visible_warning(tmp_path):
    """Issue 12: a stated policy that names a strategy the crisis does not play is flagged, on the
    console (one line) and in summary.md, and the run still finishes."""
    proc = _run(["strategy@crisis.side_a=grit_period_2", "uncertainty=null", "evidence=null", "dynamic=null",
                 "models=null", "map.points=6", "crisis.paths=200", "crisis.sample_paths=0"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: India's stated policy is conditional_deescalation, but this run plays grit for "
                        "India (an override); the report says so"]
    (run,) = finished_runs(tmp_path)
    assert "but **this run plays *GRIT (period 2)* for India** (an override)" in (run / "summary.md").read_text()
