"""Grid sweeps (sim.sweeps.grid), the sweep app, multirun aggregation and resume."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from apphelpers import precheck_in_process
from sim.config.sweep import validate_sweep
from sim.errors import ConfigError
from sim.sweeps.grid import Grid, _progress, grid_sweep, point_seed
from sim.repeated.markov.chain import analyse
from sim.repeated.strategies.named import get

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
SWEEP = ROOT / "experiments" / "sweep.py"
RUN = ROOT / "experiments" / "run.py"
sys.path.insert(0, str(ROOT / "experiments"))

BASE = dict(K=3, advantage=10.0, damage=8.0, cost=2.0, war_risk=0.3, war_cost=100.0, risk_interaction=0.5,
            risk_exponent=2.0)
PAIR = (get("tit_for_tat", K=3, start=1), get("conditional_deescalation", K=3))
SETTINGS = dict(rounds=12, execution_noise=0.02, perception_noise=0.05, settle_after=2, mediation=0.01)
GRID = {"war_cost": {"linspace": [0.0, 200.0, 3]}, "perception_noise": [0.0, 0.1], "war_risk": [0.2, 0.6]}
CRISIS = ["p_war_by_T", "p_settled_by_T", "payoff_a", "payoff_b", "expected_rounds"]


def _sweep(grid=GRID, outcomes=CRISIS, **kw):
    kw.setdefault("settings", SETTINGS)
    return grid_sweep("ladder", BASE, grid, PAIR, outcomes, progress=False, **kw)


def _one_by_one(table, names, outcomes, **kw):
    rows = [_sweep({n: [float(r[n])] for n in names}, outcomes, **kw) for _, r in table.iterrows()]
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- the kernel
def test_grid_spec_linspace_logspace_values():
    g = Grid.from_spec({"a": {"linspace": [0, 1, 3]}, "b": {"logspace": [1, 100, 3]}, "c": [5, 7]})
    assert g.shape == (3, 3, 2) and g.size == 18
    np.testing.assert_allclose(g.axes[1].values, [1, 10, 100])
    p = g.points()
    assert p["a"][0] == 0 and p["c"][:2].tolist() == [5, 7] and p["a"][-1] == 1  # C order, last axis fastest


def test_exact_sweep_equals_points_run_one_by_one_and_the_kernel():
    table = _sweep(outcomes=CRISIS + ["n_pure", "eq_level", "game_class"])
    assert len(table) == 12 and list(table.columns[:3]) == ["war_cost", "perception_noise", "war_risk"]
    single = _one_by_one(table, ["war_cost", "perception_noise", "war_risk"], CRISIS + ["n_pure", "eq_level"])
    for o in CRISIS + ["n_pure", "eq_level"]:
        np.testing.assert_allclose(table[o].to_numpy(float), single[o].to_numpy(float), rtol=1e-12, atol=1e-12)
    # and one point against analyse directly
    from sim.games.game import ladder

    r = table.iloc[7]
    res = analyse(ladder(**dict(BASE, war_cost=r.war_cost, war_risk=r.war_risk)), *PAIR,
                  **dict(SETTINGS, perception_noise=r.perception_noise))
    assert r.p_war_by_T == pytest.approx(res.p_war[-1], abs=1e-12)
    assert r.payoff_a == pytest.approx(res.payoffs[0], rel=1e-12)


def test_monte_carlo_sweep_equals_points_run_one_by_one():
    kw = dict(method="monte_carlo", paths=300, seed=7)
    out = CRISIS + ["payoff_a_sem"]
    table = _sweep(outcomes=out, **kw)
    single = _one_by_one(table, ["war_cost", "perception_noise", "war_risk"], out, **kw)
    pd.testing.assert_frame_equal(table, single.assign(point_key=table.point_key))  # bit for bit


@pytest.mark.parametrize("method", ["exact", "monte_carlo"])
def test_chunk_size_does_not_change_results(method):
    kw = dict(method=method, paths=200, seed=3)
    ref = _sweep(chunk_points=10_000, **kw)
    for chunk in (1, 5):
        pd.testing.assert_frame_equal(_sweep(chunk_points=chunk, **kw), ref)


def test_seeds_come_from_point_values_not_order():
    kw = dict(method="monte_carlo", paths=200, seed=11)
    fwd = _sweep({"war_cost": [0.0, 100.0, 200.0], "war_risk": [0.2, 0.6]}, **kw)
    rev = _sweep({"war_risk": [0.6, 0.2], "war_cost": [200.0, 100.0, 0.0]}, **kw)
    merged = fwd.merge(rev, on=["war_cost", "war_risk"], suffixes=("", "_rev"))
    assert len(merged) == 6
    for o in CRISIS:
        np.testing.assert_array_equal(merged[o], merged[o + "_rev"])
    # the stream is SeedSequence([seed, *hash(point)]): other points or seeds differ
    a = point_seed(11, {"war_cost": 0.0}).generate_state(4)
    assert np.array_equal(a, point_seed(11, {"war_cost": 0.0}).generate_state(4))
    assert not np.array_equal(a, point_seed(11, {"war_cost": 1.0}).generate_state(4))
    assert not np.array_equal(a, point_seed(12, {"war_cost": 0.0}).generate_state(4))
    assert point_seed(11, {"war_cost": 0.0}).entropy[0] == 11


def test_resume_skips_finished_points_without_loss_or_duplicates(tmp_path):
    store = tmp_path / "points"
    kw = dict(method="monte_carlo", paths=100, seed=5, store=store, chunk_points=4)
    part = _sweep({"war_cost": {"linspace": [0.0, 200.0, 3]}, "war_risk": [0.2]}, **kw)  # "interrupted" run
    assert part.attrs["computed"] == 3
    full = _sweep({"war_cost": {"linspace": [0.0, 200.0, 3]}, "war_risk": [0.2, 0.6]}, **kw)
    assert full.attrs == {"computed": 3, "reused": 3}
    again = _sweep({"war_cost": {"linspace": [0.0, 200.0, 3]}, "war_risk": [0.2, 0.6]}, **kw)
    assert again.attrs == {"computed": 0, "reused": 6}
    pd.testing.assert_frame_equal(again, full)
    fresh = _sweep({"war_cost": {"linspace": [0.0, 200.0, 3]}, "war_risk": [0.2, 0.6]},
                   **dict(kw, store=None))
    pd.testing.assert_frame_equal(fresh, full, check_exact=True)
    keys = pd.Series([r["point_key"] for p in store.glob("part-*.json") for r in json.loads(p.read_text())])
    assert keys.is_unique and len(keys) == 6
    assert not list(store.glob(".*tmp"))


@pytest.mark.parametrize("grid, outcomes, match", [
    ({"war_cost": {"linspace": [0, 1, 0]}}, ["p_war_by_T"], r"sweep\.grid\.war_cost\.linspace: empty range"),
    ({"war_cost": []}, ["p_war_by_T"], r"sweep\.grid\.war_cost: empty range"),
    ({"bogus": [1.0]}, ["p_war_by_T"], r"sweep\.grid\.bogus: unknown parameter"),
    ({"war_cost": [1.0]}, ["p_peace"], r"sweep\.outcomes: unknown outcome 'p_peace'"),
])
def test_bad_grids_give_one_line_errors(grid, outcomes, match):
    with pytest.raises(ConfigError, match=match) as err:
        _sweep(grid, outcomes)
    assert "\n" not in str(err.value)


def test_progress_bar_only_on_a_terminal_without_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert _progress(10, None) is None
    assert _progress(10, False) is None


# --------------------------------------------------------------------------- configs and the app
@pytest.fixture
def hydra_compose():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        yield lambda overrides=(): OmegaConf.to_container(compose(config_name="sweep", overrides=list(overrides)),
                                                          resolve=False)
    GlobalHydra.instance().clear()


@pytest.mark.parametrize("name", sorted(p.stem for p in (CONFIGS / "sweep").glob("*.yaml")))
def test_every_sweep_config_validates(hydra_compose, name):
    cfg = hydra_compose([f"sweep={name}"])
    cfg.pop("hydra", None)
    sc = validate_sweep(cfg)
    assert sc.sweep.grid.size >= 100 and sc.scenario.name == "india_pakistan_2025"


def test_default_sweep_is_300_by_300_war_cost_by_noise(hydra_compose):
    cfg = hydra_compose()
    cfg.pop("hydra", None)
    sc = validate_sweep(cfg)
    assert sc.sweep.grid.names == ("war_cost", "perception_noise") and sc.sweep.grid.shape == (300, 300)


def _app(script, args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg", CI="true")
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run([sys.executable, str(script), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


SMALL = ["sweep.grid.war_cost.linspace=[0,300,6]", "sweep.grid.perception_noise.linspace=[0,0.3,5]",
         "sweep.outcomes=[p_war_by_T,payoff_a,eq_level]"]


def _resolved(overrides):
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = OmegaConf.to_container(compose(config_name="sweep", overrides=list(overrides)), resolve=True)
    GlobalHydra.instance().clear()
    cfg.pop("hydra", None)
    return cfg


def test_sweep_app_writes_table_figures_summary_and_resumes(tmp_path, monkeypatch):
    """The app's ``run(cfg, out_dir)`` in-process (the real command runs it in the multirun and
    killed-sweep tests below): table, figures, summary; a second run beside it reads every point
    back from the shared store (``<run dir>/../points``)."""
    import sweep as app

    monkeypatch.chdir(tmp_path)
    cfg = _resolved(SMALL)
    first, second = tmp_path / "results" / "sweep" / "first", tmp_path / "results" / "sweep" / "second"
    summary = app.run(cfg, first)
    table = pd.read_csv(first / "table.csv")
    assert len(table) == 30 and {"war_cost", "perception_noise", "p_war_by_T", "payoff_a"} <= set(table.columns)
    assert (first / "figures" / "map_p_war_by_T.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((first / "summary.json").read_text()) == summary
    assert summary["points"] == 30 and summary["computed"] == 30
    again = app.run(cfg, second)  # a second run: every point read back
    assert again["reused"] == 30 and again["computed"] == 0
    pd.testing.assert_frame_equal(pd.read_csv(second / "table.csv"), table)


BAD_SWEEP = [
    ("sweep.grid.war_cost.linspace=[0,300,0]", "sweep.grid.war_cost.linspace: empty range"),
    ("+sweep.grid.bogus=[1,2]", "sweep.grid.bogus: unknown parameter"),
    ("sweep.outcomes=[p_war_by_T,p_peace]", "sweep.outcomes: unknown outcome 'p_peace'"),
]


@pytest.mark.parametrize("arg, message", BAD_SWEEP)
def test_bad_sweep_configs_give_one_clear_line(tmp_path, capsys, monkeypatch, arg, message):
    """The app's precheck in-process (what the command runs before Hydra starts)."""
    proc = precheck_in_process("sweep", [arg], tmp_path, capsys, monkeypatch)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "results").exists()


def test_bad_sweep_config_as_a_subprocess(tmp_path):
    arg, message = BAD_SWEEP[-1]
    proc = _app(SWEEP, [arg], tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "results").exists()


def _results(sweep_dir: Path):
    with open(sweep_dir / "results.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_multiruns_aggregate_and_match_for_1_and_2_workers_and_submitit_local(tmp_path):
    """joblib with 1 and 2 workers and submitit_local: results.csv each, identical per-job tables,
    and the multirun callback's sensitivity figure.  The joblib run with 2 workers keeps the
    default sweep dir: its workers (separate processes) must share one multirun_* folder."""
    args = ["-m", "seed=1,2", "sweep.method=monte_carlo", "sweep.paths=50", "sweep.grid.war_cost.linspace=[0,100,2]",
            "sweep.grid.perception_noise.linspace=[0,0.1,2]", "sweep.outcomes=[p_war_by_T,payoff_a]"]
    tables = {}
    for name, launcher in (("joblib1", ["hydra/launcher=joblib", "hydra.launcher.n_jobs=1"]),
                           ("joblib2", ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]),
                           ("submitit", ["hydra/launcher=submitit_local"])):
        cwd = tmp_path / name
        cwd.mkdir()
        sweep_dir = None if name == "joblib2" else tmp_path / name / "multirun"
        proc = _app(SWEEP, args + launcher + ([f"hydra.sweep.dir={sweep_dir}"] if sweep_dir else [])
                    + [f"sweep.store={tmp_path / name}_store"], cwd)
        assert proc.returncode == 0, proc.stderr
        if sweep_dir is None:
            (sweep_dir,) = list(cwd.glob("results/sweep/multirun_*"))  # the default dir, one for all workers
        rows = _results(sweep_dir)
        assert sorted(r["seed"] for r in rows) == ["1", "2"] and all(r["points"] == "4" for r in rows)
        assert {"job", "p_war_by_T_mean", "payoff_a_mean", "grid.war_cost.n"} <= set(rows[0])
        tables[name] = {r["seed"]: (sweep_dir / r["job"] / "table.csv").read_text() for r in rows}
        # the callback's sweep-level figure (test_plots_sweep.py tests its failure path)
        assert (sweep_dir / "figures" / "sensitivity_seed.png").read_bytes()[:4] == b"\x89PNG"
        assert "warning" not in proc.stderr
    assert tables["joblib1"] == tables["joblib2"] == tables["submitit"]
    assert tables["joblib1"]["1"] != tables["joblib1"]["2"]  # the seed matters


def test_joblib_multirun_of_run_app_over_scenarios_aggregates_with_the_callback(tmp_path):
    """experiments/run.py -m over two scenarios with the joblib launcher: a finished run per scenario,
    and the callback (registered in configs/run.yaml) aggregates both in the default multirun dir,
    which the workers share."""
    names = ["classroom_chicken", "classroom_security_dilemma"]
    proc = _app(RUN, ["-m", f"scenario={','.join(names)}", "map.points=6", "crisis.paths=200", "crisis.rounds=10",
                      "hydra/launcher=joblib"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    (sweep_dir,) = list(tmp_path.glob("results/run/multirun_*"))
    runs = sorted(p.parent for p in sweep_dir.glob("*/summary.json"))
    assert sorted(json.loads((r / "summary.json").read_text())["scenario"]["name"] for r in runs) == names
    rows = _results(sweep_dir)
    assert sorted(r["scenario.name"] for r in rows) == names


def test_aggregate_skips_unfinished_jobs_and_flattens(tmp_path):
    from callbacks import aggregate

    for job, summary in (("0", {"seed": 1, "a": {"b": 2.5, "c": [1, 2]}}), ("1", None), ("2", {"seed": 3})):
        (tmp_path / job / ".hydra").mkdir(parents=True)
        (tmp_path / job / ".hydra" / "overrides.yaml").write_text(f"- seed={job}\n")
        if summary is not None:
            (tmp_path / job / "summary.json").write_text(json.dumps(summary))
    rows = _results(aggregate(tmp_path).parent)
    assert [r["job"] for r in rows] == ["0", "2"]
    assert rows[0]["a.b"] == "2.5" and "a.c" not in rows[0] and rows[1]["a.b"] == ""


def test_killed_sweep_resumes_with_no_point_lost_or_duplicated(tmp_path):
    import signal
    import time

    store = tmp_path / "store"
    args = ["sweep.method=monte_carlo", "sweep.paths=20000", "sweep.chunk_points=2",
            "sweep.grid.war_cost.linspace=[0,300,16]", "sweep.grid.perception_noise.linspace=[0.05,0.05,1]",
            "sweep.outcomes=[p_war_by_T,payoff_a]", f"sweep.store={store}"]
    env = dict(os.environ, MPLBACKEND="Agg", CI="true")
    proc = subprocess.Popen([sys.executable, str(SWEEP), *args], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and len(list(store.glob("part-*.json"))) < 2:
        time.sleep(0.02)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    before = len(list(store.glob("part-*.json")))
    done = _app(SWEEP, args, tmp_path)
    assert done.returncode == 0, done.stderr
    (out,) = [p.parent for p in tmp_path.glob("results/sweep/*/summary.json")]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["points"] == 16 and summary["reused"] == 2 * before  # every finished chunk read back
    assert killed or summary["reused"] == 16
    assert summary["reused"] + summary["computed"] == 16
    keys = [r["point_key"] for p in store.glob("part-*.json") for r in json.loads(p.read_text())]
    assert len(keys) == len(set(keys)) == 16
    table = pd.read_csv(out / "table.csv")
    assert table.point_key.is_unique and sorted(table.point_key) == sorted(keys)
    # a kill during a write may leave a hidden temporary file, never a partial part (all parsed above)


def test_monte_carlo_sweep_within_its_standard_errors_of_the_exact_sweep():
    """The MC table's probabilities lie within 4 of their reported binomial SEs of the exact table."""
    from sim.sweeps.grid import grid_sweep

    pair = (get("tit_for_tat", K=3), get("conditional_deescalation", K=3))
    grid = {"war_risk": [0.2, 0.5, 0.8], "perception_noise": [0.05, 0.2]}
    kw = dict(settings=dict(rounds=10, execution_noise=0.1, settle_after=2))
    exact = grid_sweep("ladder", dict(K=3), grid, pair, ["p_war_by_T", "p_settled_by_T"], **kw)
    mc = grid_sweep("ladder", dict(K=3), grid, pair, ["p_war_by_T", "p_war_by_T_sem", "p_settled_by_T",
                                                       "p_settled_by_T_sem"], method="monte_carlo", paths=4000, **kw)
    for o in ("p_war_by_T", "p_settled_by_T"):
        assert (abs(mc[o] - exact[o]) <= 4 * mc[o + "_sem"] + 1e-12).all()
