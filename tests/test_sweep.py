"""Grid sweeps (sim.sweeps.grid), the sweep app, multirun aggregation and resume."""

from __future__ import annotations

import csv
import json
import os
import re
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
from sim.sweeps import Grid, grid_sweep, point_seed
from sim.sweeps.grid import progress_bar
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
    from sim.games import ladder

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


def _store_files(table) -> list[Path]:
    """The definition's store files, in point order."""
    return sorted(Path(table.attrs["store"]).glob("points-*.json"), key=lambda p: int(p.name.split("-")[1]))


def test_resume_skips_finished_points_without_loss_or_duplicates(tmp_path):
    store = tmp_path / "store"
    grid = {"war_cost": {"linspace": [0.0, 200.0, 3]}, "war_risk": [0.2, 0.6]}
    kw = dict(method="monte_carlo", paths=100, seed=5, store=store, chunk_points=4)
    full = _sweep(grid, **kw)
    assert full.attrs["computed"] == 6 and full.attrs["reused"] == 0
    assert [p.name for p in _store_files(full)] == ["points-0-4.json", "points-4-6.json"]  # names say which points
    _store_files(full)[0].unlink()  # as if the run had stopped before its first batch was stored
    again = _sweep(grid, **kw)
    assert (again.attrs["computed"], again.attrs["reused"]) == (4, 2)
    pd.testing.assert_frame_equal(again, full, check_exact=True)
    third = _sweep(grid, **kw)
    assert (third.attrs["computed"], third.attrs["reused"]) == (0, 6)
    pd.testing.assert_frame_equal(third, full, check_exact=True)
    fresh = _sweep(grid, **dict(kw, store=None))
    pd.testing.assert_frame_equal(fresh, full, check_exact=True)
    keys = pd.Series([k for p in _store_files(full) for k in json.loads(p.read_text())["keys"]])
    assert keys.is_unique and len(keys) == 6 and set(keys) == set(full.point_key)
    assert not list(store.rglob(".*tmp"))


def test_each_sweep_definition_has_its_own_store_read_batch_by_batch(tmp_path, monkeypatch):
    from sim.sweeps import grid as grid_module
    from sim.sweeps.store import PointStore

    a = _sweep(GRID, store=tmp_path, chunk_points=2)
    b = _sweep(dict(GRID, war_risk=[0.3]), store=tmp_path, chunk_points=2)       # another grid
    c = _sweep(GRID, CRISIS[:2], store=tmp_path, chunk_points=2)                  # other outcomes
    d = _sweep(GRID, store=tmp_path, chunk_points=2, settings=dict(SETTINGS, rounds=11))  # other settings
    dirs = {t.attrs["store"] for t in (a, b, c, d)}
    assert len(dirs) == 4 and all(Path(x).parent == tmp_path for x in dirs)
    definition = json.loads((Path(a.attrs["store"]) / "definition.json").read_text())
    assert definition["grid"]["war_risk"] == [0.2, 0.6] and definition["method"] == "exact"
    # a re-run reads only its own definition's files, each when its batch comes, never all at start
    _store_files(a)[0].unlink()
    loaded, at_first_evaluation = [], []
    real_load, real_evaluate = PointStore._load, grid_module.evaluate_points
    monkeypatch.setattr(PointStore, "_load", lambda self, lo, hi, path: loaded.append(path) or real_load(self, lo, hi, path))
    monkeypatch.setattr(grid_module, "evaluate_points",
                        lambda *args, **kw: at_first_evaluation.append(len(loaded)) or real_evaluate(*args, **kw))
    again = _sweep(GRID, store=tmp_path, chunk_points=2)
    assert at_first_evaluation == [0]  # the first batch was evaluated before any other file was read
    assert {p.parent for p in loaded} == {Path(a.attrs["store"])} and len(loaded) == 5
    pd.testing.assert_frame_equal(again, a, check_exact=True)


def test_damaged_or_foreign_store_files_are_recomputed_with_one_line_warnings(tmp_path):
    from sim.sweeps.store import SweepStoreWarning

    ref = _sweep(GRID, store=tmp_path, chunk_points=3)
    files = _store_files(ref)
    assert len(files) == 4
    files[0].write_text('{"definition": "abc", "lo": 0,')                        # cut short: not JSON
    files[1].write_text(json.dumps([[1, 2], [3, 4]]))                            # valid JSON, wrong shape
    foreign = json.loads(files[2].read_text())
    foreign["definition"] = "0" * 32                                             # another definition's
    files[2].write_text(json.dumps(foreign))
    wrong = json.loads(files[3].read_text())
    wrong["outcomes"]["payoff_a"] = ["high", "low", "low"]                       # values of the wrong type
    files[3].write_text(json.dumps(wrong))
    with pytest.warns(SweepStoreWarning) as caught:
        again = _sweep(GRID, store=tmp_path, chunk_points=3)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 4 and all("\n" not in m and "recomputed" in m for m in messages)
    assert "not valid JSON" in messages[0] and "fields" in messages[1] and "another sweep definition" in messages[2]
    assert again.attrs["computed"] == 12
    pd.testing.assert_frame_equal(again, ref, check_exact=True)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")                                           # repaired: no more warnings
        third = _sweep(GRID, store=tmp_path, chunk_points=3)
    assert third.attrs["reused"] == 12


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
    assert progress_bar(10, None) is None
    assert progress_bar(10, False) is None


# --------------------------------------------------------------------------- configs and the app
@pytest.fixture
def hydra_compose():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        yield lambda overrides=(): OmegaConf.to_container(compose(config_name="sweep", overrides=list(overrides)),
                                                          resolve=True)  # as the app does: ${game.war_cost} in models
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


def _jobs(rows) -> dict[str, dict[str, str]]:
    """``{job: its first row}`` of a long results.csv (override columns repeat on every row)."""
    out: dict[str, dict[str, str]] = {}
    for r in rows:
        out.setdefault(r["job"], r)
    return out


def _assert_tidy_columns(rows, overrides):
    """Long form: job, the override columns (snake_case), then pair ... se; short snake_case names."""
    cols = list(rows[0])
    assert cols == ["job", *overrides, "pair", "scenario_pair", "method", "outcome", "value", "se"]
    assert all(len(c) <= 30 and c == c.lower() and c.replace("_", "").isalnum() for c in cols)


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
        _assert_tidy_columns(rows, ["seed", "sweep_method", "sweep_paths", "sweep_grid_war_cost_linspace",
                                    "grid_perception_noise_linspace", "sweep_outcomes", "sweep_store"])
        jobs = _jobs(rows)
        assert sorted(r["seed"] for r in jobs.values()) == ["1", "2"]
        for job, first in jobs.items():
            summary = json.loads((sweep_dir / job / "summary.json").read_text())
            assert summary["points"] == 4
            mine = {r["outcome"]: r for r in rows if r["job"] == job}
            assert set(mine) == {f"{o}_{s}" for o in ("p_war_by_T", "payoff_a") for s in ("mean", "min", "max")}
            for outcome, r in mine.items():
                assert float(r["value"]) == summary[outcome]
                assert r["scenario_pair"] == "True" and r["method"] == "monte_carlo"
                assert r["pair"] == " / ".join(summary["strategies"])
        tables[name] = {r["seed"]: (sweep_dir / r["job"] / "table.csv").read_text() for r in jobs.values()}
    assert tables["joblib1"] == tables["joblib2"] == tables["submitit"]
    assert tables["joblib1"]["1"] != tables["joblib1"]["2"]  # the seed matters


def test_default_multirun_dir_is_shared_by_joblib_workers(tmp_path):
    proc = _app(SWEEP, ["-m", "seed=1,2", "sweep.grid.war_cost.linspace=[0,100,2]",
                        "sweep.grid.perception_noise.linspace=[0,0.1,2]", "sweep.outcomes=[p_war_by_T]",
                        "hydra/launcher=joblib"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    (sweep_dir,) = list(tmp_path.glob("results/sweep/multirun_*"))
    assert sorted(_jobs(_results(sweep_dir))) == ["0", "1"]


def _expected_rows(summary: dict) -> dict[tuple[str, str, str], tuple[float, float | None]]:
    """What results.csv must hold for one run job, read straight from its summary.json:
    ``{(pair, method, outcome): (value, se)}`` for every policy pair, plus the stage game."""
    crisis = summary["crisis"]
    a, b = crisis["sides"]
    want = {("stage game", "", "n_pure_equilibria"): (summary["n_pure"], None),
            ("stage game", "", "n_equilibria"): (summary["n_equilibria"], None)}
    for entry in crisis["pairs"].values():
        name = entry["name"].replace(" (Monte Carlo)", "")
        se = (entry.get("monte_carlo") or {}).get("probability_se", {})
        sem = (entry.get("monte_carlo") or {}).get("payoff_sem", {})
        for o in ("p_war", "p_settled", "p_mediated", "p_still_in_crisis"):
            want[(name, entry["method"], o)] = (entry[o], se.get(o))
        want[(name, entry["method"], "payoff_a")] = (entry["expected_payoffs"][a], sem.get(a))
        want[(name, entry["method"], "payoff_b")] = (entry["expected_payoffs"][b], sem.get(b))
        want[(name, entry["method"], "expected_rounds")] = (entry["expected_rounds"], None)
        want[(name, entry["method"], "mean_rung_a")] = (entry["mean_rung"][a], None)
        want[(name, entry["method"], "mean_rung_b")] = (entry["mean_rung"][b], None)
    return want


def test_joblib_multirun_of_run_app_aggregates_with_the_callback(tmp_path):
    """configs/run.yaml registers the callback; the default multirun dir is shared by the workers.
    results.csv is long and tidy, its numbers are those of each job's summary.json, and the sweep
    figure is drawn from it."""
    proc = _app(RUN, ["-m", "game.war_cost=50,200", "map.points=8", "crisis.paths=200", "crisis.rounds=10",
                      "hydra/launcher=joblib"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    (sweep_dir,) = list(tmp_path.glob("results/run/multirun_*"))
    rows = _results(sweep_dir)
    _assert_tidy_columns(rows, ["game_war_cost", "map_points", "crisis_paths", "crisis_rounds"])
    jobs = _jobs(rows)
    assert {j: r["game_war_cost"] for j, r in jobs.items()} == {"0": "50", "1": "200"}
    for job in jobs:
        summary = json.loads((sweep_dir / job / "summary.json").read_text())
        assert summary["game"]["params"]["war_cost"] == float(jobs[job]["game_war_cost"])
        mine = [r for r in rows if r["job"] == job]
        assert all(r["outcome"] == r["outcome"].lower() and " " not in r["outcome"] for r in mine)
        got = {(r["pair"], r["method"], r["outcome"]): r for r in mine}
        assert len(got) == len(mine)  # one row per (pair, method, outcome)
        want = _expected_rows(summary)
        assert set(want) <= set(got)
        for key, (value, se) in want.items():
            assert float(got[key]["value"]) == value, key
            assert (got[key]["se"] == "") if se is None else float(got[key]["se"]) == se, key
        # the scenario's own pair: exact and Monte Carlo rows, under the same readable name
        own = {(r["pair"], r["method"]) for r in mine if r["scenario_pair"] == "True"}
        main = summary["crisis"]["main"]
        assert own == {(main, "exact"), (main, "monte_carlo")} and "(" not in main.replace("(start=4)", "")
        assert {r["scenario_pair"] for r in mine if r["pair"] != main} == {"False"}
        assert got[("stage game", "", "game_class")]["value"] == "unique pure equilibrium"
        assert any(r["pair"] == "model: brinkmanship" and r["outcome"] == "r_min" for r in mine)
    # war costs change the expected payoffs only: those are the curves drawn
    fig = sweep_dir / "figures" / "sensitivity_game_war_cost.png"
    assert fig.read_bytes()[:4] == b"\x89PNG"
    assert "warning" not in proc.stderr


def _job(root: Path, job: str, overrides: list[str], summary: dict | None) -> None:
    (root / job / ".hydra").mkdir(parents=True)
    (root / job / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    if summary is not None:
        (root / job / "summary.json").write_text(json.dumps(summary))


def _run_summary(p_war: float, *, n_pure: int = 1) -> dict:
    pair = {"name": "A: tft / B: cd", "method": "exact", "p_war": p_war, "p_settled": 0.5, "p_mediated": 0.1,
            "p_still_in_crisis": 0.0, "expected_payoffs": {"A": -1.5, "B": -2.5}, "expected_rounds": 4.0,
            "mean_rung": {"A": 1.0, "B": 2.0}}
    mc = dict(pair, name="A: tft / B: cd (Monte Carlo)", method="monte_carlo", p_war=p_war + 0.01,
              monte_carlo={"probability_se": {"p_war": 0.02, "p_settled": 0.03}, "payoff_sem": {"A": 0.1, "B": 0.2}})
    other = dict(pair, name="A: grit / B: cd", p_war=p_war / 2)
    return {"seed": 0, "classification": None, "equilibria": [], "n_equilibria": n_pure, "n_pure": n_pure,
            "crisis": {"sides": ["A", "B"], "main": "A: tft / B: cd",
                       "pairs": {p["name"]: p for p in (pair, mc, other)}},
            "models": {"brinkmanship": {"challenger": "A", "parameters": {"value": 1.0}, "r_min": 0.1,
                                        "window_exists": True, "by_side": {"A": 3.0}},
                       "tying_hands": {"equilibrium": "semi_separating", "label": "Semi-separating: ..."}}}


def test_aggregate_is_long_skips_unfinished_jobs_and_marks_the_scenario_pair(tmp_path):
    from callbacks import aggregate

    _job(tmp_path, "0", ["game.war_cost=10", "+crisis.perception_noise=0.1"], _run_summary(0.2))
    _job(tmp_path, "1", ["game.war_cost=20", "+crisis.perception_noise=0.1"], None)  # unfinished
    _job(tmp_path, "2", ["game.war_cost=30", "method=vertex"], _run_summary(0.4, n_pure=2))
    _job(tmp_path, "10", ["game.war_cost=40"], {"seed": 3, "score": 1.5, "note": "text"})  # unknown shape
    rows = _results(aggregate(tmp_path).parent)
    _assert_tidy_columns(rows, ["game_war_cost", "crisis_perception_noise", "cfg_method"])
    assert list(_jobs(rows)) == ["0", "2", "10"]  # job numbers in order, the unfinished one left out
    by = {(r["job"], r["pair"], r["method"], r["outcome"]): r for r in rows}
    r = by[("0", "A: tft / B: cd", "exact", "p_war")]
    assert (r["value"], r["se"], r["scenario_pair"], r["game_war_cost"], r["crisis_perception_noise"]) == \
        ("0.2", "", "True", "10", "0.1")
    r = by[("0", "A: tft / B: cd", "monte_carlo", "p_war")]
    assert (r["value"], r["se"], r["scenario_pair"]) == ("0.21000000000000002", "0.02", "True")
    assert by[("0", "A: tft / B: cd", "monte_carlo", "payoff_b")]["se"] == "0.2"
    assert by[("0", "A: tft / B: cd", "monte_carlo", "p_mediated")]["se"] == ""
    assert by[("0", "A: tft / B: cd", "exact", "payoff_a")]["value"] == "-1.5"
    assert by[("0", "A: grit / B: cd", "exact", "p_war")]["scenario_pair"] == "False"
    assert by[("0", "stage game", "", "game_class")]["value"] == "unique pure equilibrium"
    assert by[("2", "stage game", "", "game_class")]["value"] == "several pure equilibria"
    assert by[("2", "stage game", "", "n_pure_equilibria")]["cfg_method"] == "vertex"
    assert by[("2", "stage game", "", "n_pure_equilibria")]["crisis_perception_noise"] == ""
    model = {(r["pair"], r["outcome"]): r["value"] for r in rows if r["job"] == "0" and r["pair"].startswith("model")}
    assert model == {("model: brinkmanship", "r_min"): "0.1", ("model: brinkmanship", "window_exists"): "True",
                     ("model: brinkmanship", "by_side_a"): "3.0",
                     ("model: tying_hands", "equilibrium"): "semi_separating"}
    assert {(r["pair"], r["outcome"], r["value"]) for r in rows if r["job"] == "10"} == {("", "score", "1.5")}


def test_override_column_names_are_short_snake_case_and_distinct():
    from callbacks import column_name, override_columns

    assert column_name("game.war_cost") == "game_war_cost"
    assert column_name("+crisis.perception_noise") == "crisis_perception_noise"
    assert column_name("strategy@crisis.side_a") == "strategy_crisis_side_a"
    assert column_name("game.A") == "game_a"
    assert column_name("method") == "cfg_method" and column_name("seed") == "seed"
    assert column_name("models.brinkmanship.war_cost_challenger") == "war_cost_challenger"
    assert column_name("models.other.war_cost_challenger") == "other_war_cost_challenger"
    cols = override_columns(["game.war_cost", "game.war-cost", "x" * 40])
    assert list(cols.values()) == ["game_war_cost", "game_war_cost_2", "x" * 30]


def test_sweep_figures_pivot_the_scenario_pair_with_monte_carlo_bands(tmp_path):
    """Without exact rows the scenario pair's Monte Carlo rows are drawn, with their se as bands;
    a second varying override gives one line per value."""
    import callbacks

    job = 0
    for cost in (10, 20, 30):
        for noise in (0.0, 0.1):
            s = _run_summary(0.1 + cost / 100 + noise)
            s["crisis"]["pairs"] = {k: v for k, v in s["crisis"]["pairs"].items() if v["method"] == "monte_carlo"}
            _job(tmp_path, str(job), [f"game.war_cost={cost}", f"crisis.perception_noise={noise}"], s)
            job += 1
    callbacks.aggregate(tmp_path)
    table = callbacks.scenario_pair_table(pd.read_csv(tmp_path / "results.csv", dtype=str, keep_default_na=False))
    assert len(table) == 6 and table["p_war"].tolist() == pytest.approx([0.21, 0.31, 0.31, 0.41, 0.41, 0.51])
    assert table["p_war_sem"].tolist() == [0.02] * 6 and "expected_rounds_sem" not in table
    written = callbacks.sweep_figures(tmp_path)
    assert sorted(p.name for p in written) == ["sensitivity_crisis_perception_noise.png",
                                               "sensitivity_game_war_cost.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in written)


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
    while time.time() < deadline and proc.poll() is None and len(list(store.glob("*/points-*.json"))) < 2:
        time.sleep(0.02)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    before = len(list(store.glob("*/points-*.json")))
    done = _app(SWEEP, args, tmp_path)
    assert done.returncode == 0, done.stderr
    (out,) = [p.parent for p in tmp_path.glob("results/sweep/*/summary.json")]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["points"] == 16 and summary["reused"] == 2 * before  # every finished chunk read back
    assert killed or summary["reused"] == 16
    assert summary["reused"] + summary["computed"] == 16
    keys = [k for p in store.glob("*/points-*.json") for k in json.loads(p.read_text())["keys"]]
    assert len(keys) == len(set(keys)) == 16
    table = pd.read_csv(out / "table.csv")
    assert table.point_key.is_unique and sorted(table.point_key) == sorted(keys)
    # a kill during a write may leave a hidden temporary file, never a partial part (all parsed above)


def test_ctrl_c_stops_a_sweep_with_one_line_and_the_rerun_resumes_to_the_same_table(tmp_path):
    import signal
    import time

    store = tmp_path / "store"
    args = ["sweep.method=monte_carlo", "sweep.paths=20000", "sweep.chunk_points=2",
            "sweep.grid.war_cost.linspace=[0,300,16]", "sweep.grid.perception_noise.linspace=[0.05,0.05,1]",
            "sweep.outcomes=[p_war_by_T,payoff_a]"]
    env = dict(os.environ, MPLBACKEND="Agg", CI="true")
    env.pop("HYDRA_FULL_ERROR", None)
    # as in a terminal: SIGINT handled by default in the child, even when this test runs in a background
    # job of a non-interactive shell (which starts its children with SIGINT ignored)
    proc = subprocess.Popen([sys.executable, str(SWEEP), *args, f"sweep.store={store}"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and len(list(store.glob("*/points-*.json"))) < 2:
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err + out, err
    m = re.fullmatch(r"interrupted: (\d+) of 16 points stored; run the same command to resume", lines[0])
    assert m and 4 <= int(m.group(1)) < 16, lines
    stored = int(m.group(1))
    assert stored == 2 * len(list(store.glob("*/points-*.json")))   # every stored file is whole and counted
    assert not list(tmp_path.glob("results/sweep/*/summary.json")) and not list(store.rglob(".*tmp"))
    again = _app(SWEEP, [*args, f"sweep.store={store}"], tmp_path)  # the same command resumes
    assert again.returncode == 0, again.stderr
    (run_dir,) = [p.parent for p in tmp_path.glob("results/sweep/*/summary.json")]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["reused"], summary["computed"]) == (stored, 16 - stored)
    fresh = _app(SWEEP, [*args, f"sweep.store={tmp_path / 'fresh'}"], tmp_path)  # an uninterrupted run
    assert fresh.returncode == 0, fresh.stderr
    (fresh_dir,) = [p.parent for p in tmp_path.glob("results/sweep/*/summary.json") if p.parent != run_dir]
    assert (run_dir / "table.csv").read_text() == (fresh_dir / "table.csv").read_text()


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


def test_unique_rows_equals_numpy_unique_along_rows():
    """sim.sweeps.grid.unique_rows (a lexsort, so Ctrl-C stays a KeyboardInterrupt) gives np.unique(axis=0)'s
    rows and inverse on random integer-valued and real-valued arrays."""
    from sim.arrays import unique_rows

    rng = np.random.default_rng(3)
    for _ in range(100):
        a = rng.integers(0, 3, (rng.integers(1, 40), rng.integers(1, 4))).astype(float)
        if rng.random() < 0.3:
            a = a + rng.random(a.shape)  # all rows distinct
        u, inv = unique_rows(a)
        ref, ref_inv = np.unique(a, axis=0, return_inverse=True)
        assert np.array_equal(u, ref) and np.array_equal(inv, ref_inv.reshape(-1))
        assert np.array_equal(u[inv], a)
