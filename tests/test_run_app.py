"""The Hydra app experiments/run.py: composed configs, a real subprocess run, bad input."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from apphelpers import assert_user_error, finished_runs, precheck_in_process
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from sim.config.run import build_game, validate_run
from sim.equilibria.nash import is_nash, nash_equilibria
from sim.games import payoff_matrices

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
RUN = ROOT / "experiments" / "run.py"
SCENARIOS = sorted(p.stem for p in (CONFIGS / "scenario").glob("*.yaml"))
GAMES = sorted(p.stem for p in (CONFIGS / "game").glob("*.yaml"))


@pytest.fixture
def hydra_compose():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        yield lambda overrides=(): compose(config_name="run", overrides=list(overrides))
    GlobalHydra.instance().clear()


def _plain(cfg):
    return OmegaConf.to_container(cfg, resolve=True)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_composes_and_validates(hydra_compose, scenario):
    rc = validate_run(_plain(hydra_compose([f"scenario={scenario}"])))
    assert rc.scenario.name == scenario
    if rc.scenario.name != "custom":
        assert rc.scenario.sources, "every shipped scenario cites its sources"


@pytest.mark.parametrize("game", GAMES)
def test_every_game_config_builds(hydra_compose, game):
    cfg = _plain(hydra_compose(["scenario=custom", f"game={game}"]))
    g = build_game(cfg["game"])
    assert g.name == cfg["game"]["name"] or (game == "matrix" and g.name == "matrix")
    assert np.all(np.isfinite(g.A)) and np.all(np.isfinite(g.B))


def test_default_scenario_is_india_pakistan_with_a_ladder(hydra_compose):
    cfg = _plain(hydra_compose())
    rc = validate_run(cfg)
    assert rc.scenario.name == "india_pakistan_2025"
    assert rc.scenario.sides == ("India", "Pakistan")
    assert cfg["game"]["name"] == "ladder"
    game = build_game(cfg["game"], rc.scenario)
    assert game.sides == ("India", "Pakistan")
    assert len(game.labels_a) == cfg["game"]["K"] == len(rc.scenario.rung_labels)
    # the narrative quotes the defence minister's conditional policy and attributes claims
    text = rc.scenario.narrative
    assert "wrap up this tension" in text and "Pahalgam" in text and "Sindoor" in text
    assert "claimed" in text or "said" in text


def test_command_line_overrides_reach_the_game(hydra_compose):
    cfg = _plain(hydra_compose(["game.war_cost=50", "scenario=india_pakistan_2025"]))
    assert cfg["game"]["war_cost"] == 50
    g = build_game(cfg["game"])
    assert g.war_payoff[0] == -50


def _run(args, cwd, env_extra=None):
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("HYDRA_FULL_ERROR", None)
    if env_extra:
        env.update(env_extra)
    return subprocess.run([sys.executable, str(RUN), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


_finished_runs = finished_runs


# The real subprocess runs of experiments/run.py in the quick tier: the README's command with no
# arguments (the session fixture ``default_run`` in conftest.py, shared with test_report_html.py),
# a second small run beside it, one bad command line here; a joblib multirun (test_sweep.py), a
# multirun over every scenario and a bad scenario file (test_scenarios.py).  Everything else about
# the app is checked in-process: ``run(cfg, out_dir)`` and ``cli.precheck`` are what the command runs.
def test_default_run_as_a_subprocess(default_run):
    """`python experiments/run.py` with no arguments writes a complete new results directory."""
    out = default_run
    assert out.parent.name == "run" and out.parent.parent.name == "results"
    for name in ("config.yaml", "summary.md", "summary.json", "figures/payoff_matrix.png",
                 "figures/equilibrium_map.png"):
        assert (out / name).is_file(), name
    assert (out / "figures/equilibrium_map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((out / "summary.json").read_text())
    cfg = OmegaConf.to_container(OmegaConf.load(out / "config.yaml"))
    game = build_game(cfg["game"])
    # the summary's equilibria are the equilibria of the configured game (checked independently)
    eqs = summary["equilibria"]
    assert len(eqs) == len(nash_equilibria(game))
    for e in eqs:
        assert is_nash(*payoff_matrices(game), np.array(e["x"]), np.array(e["y"]))
    md = (out / "summary.md").read_text()
    assert "India" in md and "Pakistan" in md


def _numbers(o, path=""):
    """``{path: value}`` of every number, string and flag in a summary, except timings."""
    if isinstance(o, dict):
        return {k: v for key, val in o.items() if "seconds" not in key for k, v in _numbers(val, f"{path}.{key}").items()}
    if isinstance(o, list):
        return {k: v for i, val in enumerate(o) for k, v in _numbers(val, f"{path}[{i}]").items()}
    return {path: o}


def test_a_second_run_never_overwrites_the_first_and_repeats_every_number(default_run):
    """The default run again, in the same folder: a new directory beside the first, which is left
    as it was, and the same numbers bit for bit (the seed fixes them; figures drawn by forked
    children, sim.viz.background, must not make them depend on timing)."""
    root = default_run.parent.parent.parent  # the folder the default run was started in
    before = (default_run / "summary.json").read_bytes()
    proc = _run([], root)
    assert proc.returncode == 0, proc.stderr
    runs = _finished_runs(root)
    assert len(runs) == 2 and default_run in runs
    assert (default_run / "summary.json").read_bytes() == before
    second = next(r for r in runs if r != default_run)
    first, again = (_numbers(json.loads((r / "summary.json").read_text())) for r in (default_run, second))
    assert first.keys() == again.keys()
    differ = {k: (first[k], again[k]) for k in first if first[k] != again[k]}
    assert not differ, differ
    assert len(first) > 1000  # the whole summary: crisis, dynamics, evidence, uncertainty, models, explorer
    for name in ("figures/trajectory_fan.png", "figures/equilibrium_map.png", "figures/slides/outcome_curves.png",
                 "explorer.html"):  # the page too: it holds no timing
        assert (second / name).read_bytes() == (default_run / name).read_bytes(), name


def test_default_run_shows_the_crisis_unfolding(default_run):
    """The repeated crisis in summary.json: exact numbers, Monte Carlo within its error, figures."""
    out = default_run
    for name in ("trajectory_fan.png", "outcome_curves.png", "compare_outcomes.png"):
        assert (out / "figures" / name).is_file(), name
    crisis = json.loads((out / "summary.json").read_text())["crisis"]
    main = crisis["pairs"][crisis["main"]]
    assert main["strategies"] == {"India": "conditional_deescalation", "Pakistan": "conditional_deescalation"} or \
        list(main["strategies"].values()) == ["conditional_deescalation", "conditional_deescalation"]
    total = main["p_war"] + main["p_settled"] + main["p_mediated"] + main["p_still_in_crisis"]
    assert total == pytest.approx(1.0, abs=1e-9)
    cfg = OmegaConf.to_container(OmegaConf.load(out / "config.yaml"))
    c = cfg["crisis"]
    mc = crisis["pairs"][crisis["main"] + " (Monte Carlo)"]
    se = np.sqrt(main["p_war"] * (1 - main["p_war"]) / c["paths"])
    assert abs(mc["p_war"] - main["p_war"]) <= 4 * se + 1e-12
    # independent check of the exact numbers: recompute with the library from the saved config
    from sim.repeated.markov.chain import analyse
    from sim.repeated import load

    game = build_game(cfg["game"])
    K = cfg["game"]["K"]
    res = analyse(game, load(c["side_a"], K=K), load(c["side_b"], K=K), rounds=c["rounds"],
                  execution_noise=c["execution_noise"], perception_noise=c["perception_noise"],
                  settle_after=c["settle_after"], mediation=c["mediation"], mediation_slope=c["mediation_slope"],
                  timing=c["timing"], opening=tuple(c["opening"]), first_mover=c["first_mover"])
    assert main["p_war"] == pytest.approx(float(res.p_war[-1]), abs=1e-12)
    assert len(crisis["pairs"]) >= 3
    assert "How the crisis unfolds" in (out / "summary.md").read_text()


def test_multirun_over_scenarios(tmp_path):
    proc = _run(["-m", "scenario=classroom_chicken,classroom_security_dilemma", "map.points=30"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    runs = _finished_runs(tmp_path)
    assert len(runs) == 2
    names = sorted(json.loads((r / "summary.json").read_text())["scenario"]["name"] for r in runs)
    assert names == ["classroom_chicken", "classroom_security_dilemma"]
    # results.csv: long form, one column per override key; the stage game's class of each 2x2 game
    (table_path,) = list(tmp_path.glob("results/run/multirun_*/results.csv"))
    with open(table_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["job", "scenario", "map_points", "pair", "scenario_pair", "method", "outcome", "value",
                             "se"]
    classes = {r["scenario"]: r["value"] for r in rows if (r["pair"], r["outcome"]) == ("stage game", "game_class")}
    for run in runs:
        summary = json.loads((run / "summary.json").read_text())
        assert classes[summary["scenario"]["name"]] == summary["classification"]["class"]
    own = {(r["scenario"], r["method"]) for r in rows if r["scenario_pair"] == "True"}
    assert own == {(n, m) for n in names for m in ("exact", "monte_carlo")}


BAD = [
    (["game.foo=1"], "game.foo"),
    (["+game.foo=1"], "game.foo"),
    (["scenario=atlantis"], "scenario"),
    (["game=nosuch"], "game"),
    (["game.war_risk=1.3"], "game.war_risk"),
    (["game.risk_interaction=-0.1"], "game.risk_interaction"),
    (["game.war_cost=inf"], "game.war_cost"),
    (["game.damage=nan"], "game.damage"),
    (["scenario=custom", "game.A=[[1,2],[3]]"], "game.A"),
    (["scenario=custom", "game.B=[[1,2],[3,4],[5,6]]"], "game.B"),
    (["map.points=1"], "map.points"),
    (["map.x=nosuch"], "map.x"),
    (["method=magic"], "method"),
    (["-m", "game.war_risk=0.5,1.5"], "game.war_risk"),
    (["crisis.side_a.name=nosuch"], "crisis.side_a"),
    (["strategy@crisis.side_b=nosuch"], "strategy@crisis.side_b"),
    (["crisis.perception_noise=1.5"], "crisis.perception_noise"),
    (["crisis.rounds=0"], "crisis.rounds"),
    (["crisis.settle_after=0"], "crisis.settle_after"),
    (["crisis.compare=[[tit_for_tat]]"], "crisis.compare[0]"),
    (["crisis.side_a.start=11"], "crisis.side_a"),
]


@pytest.mark.parametrize("app", ["run", "sweep", "tournament", "compare"])
def test_every_app_gives_each_run_its_own_directory(app):
    """What keeps runs from overwriting each other (proven for run.py by a real second run above):
    each app's run and multirun directories carry the time to the microsecond and the process id."""
    hydra = OmegaConf.to_container(OmegaConf.load(CONFIGS / f"{app}.yaml"), resolve=False)["hydra"]
    unique = "${now:%Y-%m-%d_%H-%M-%S-%f}_${pid:}"
    assert hydra["run"]["dir"].endswith(unique) and hydra["sweep"]["dir"].endswith(unique)
    assert hydra["run"]["dir"].startswith("results/${experiment}/")


@pytest.mark.parametrize("args,field", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_gives_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch, args, field):
    """The app's precheck, in-process: exactly what the command line runs before Hydra starts."""
    proc = precheck_in_process("run", args, tmp_path, capsys, monkeypatch)
    assert_user_error(proc, field, tmp_path)


def test_bad_input_as_a_subprocess(tmp_path):
    """The README's example of a mistake, as a real command: one line, exit status 2, nothing written.
    (test_scenarios.py has the one found inside the Hydra job: a bad scenario file.)"""
    proc = _run(["game.war_risk=1.3"], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: game.war_risk: is a probability and must be in [0, 1], got 1.3"
    assert_user_error(proc, "game.war_risk", tmp_path)


def test_run_from_python(tmp_path, hydra_compose):
    """Everything the command line does is one call from Python."""
    sys.path.insert(0, str(ROOT / "experiments"))
    try:
        from run import run
    finally:
        sys.path.pop(0)
    cfg = _plain(hydra_compose(["scenario=classroom_chicken", "map.points=20"]))
    summary = run(cfg, tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").is_file()
    assert summary["scenario"]["name"] == "classroom_chicken"
    assert len(summary["equilibria"]) == 3
