"""Size limits and the memory budget (sim.limits): one line before anything is allocated.

The same limits hold from the command line (exit 2, one ``error:`` line, nothing written)
and from Python (a one-line ``ConfigError``), and each check answers within a second.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

import sim
from sim import limits
from sim.config.run import validate_run
from sim.config.sweep import validate_sweep
from sim.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
EXPERIMENTS = ROOT / "experiments"
FAR = 100_000  # rungs: the payoff matrices alone would be 75 GiB each


@pytest.fixture
def config():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        def make(name, overrides=()):
            cfg = OmegaConf.to_container(compose(config_name=name, overrides=list(overrides)), resolve=True)
            cfg.pop("hydra", None)
            return cfg
        yield make
    GlobalHydra.instance().clear()


def _refused(call, field: str, *words: str) -> str:
    """``call()`` raises a one-line ConfigError naming ``field`` (and ``words``) within a second."""
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        call()
    elapsed = time.perf_counter() - t0
    text = str(err.value)
    assert elapsed < 1.0, f"{elapsed:.2f} s: {text}"
    assert "\n" not in text and text.startswith(field), text
    for w in words:
        assert w in text, text
    return text


# --------------------------------------------------------------------------- config validation (in process)
@pytest.mark.parametrize("name, overrides, field, words", [
    ("run", [f"game.K={FAR}"], "game.K", [f"maximum of {limits.MAX_RUNGS}"]),
    ("run", ["game.K=20000"], "game.K", [f"use K <= {limits.MAX_RUNGS}"]),
    ("run", ["map.points=2000"], "map.points", ["GiB", "memory budget (memory_budget_gb)", "points fit"]),
    ("run", ["crisis.paths=1e8"], "crisis.paths", ["100000000 paths", "30 rounds", "paths fit"]),
    ("run", ["memory_budget_gb=0"], "memory_budget_gb", ["> 0"]),
    ("run", ["strategy@crisis.side_a=grit", "crisis.side_a.period=1000"], "crisis.side_a", ["grit (period=1000)"]),
    ("sweep", [f"game.K={FAR}"], "game.K", [f"maximum of {limits.MAX_RUNGS}"]),
    ("sweep", ["sweep.grid.war_cost.linspace=[0,300,100000]", "sweep.grid.perception_noise.linspace=[0,0.3,100000]"],
     "sweep.grid", ["10000000000 points", f"maximum of {limits.MAX_GRID_POINTS}"]),
    ("sweep", ["sweep.grid.war_cost.linspace=[0,300,10000000000]"], "sweep.grid.war_cost.linspace",
     [f"maximum of {limits.MAX_GRID_POINTS}"]),
    ("sweep", ["sweep.method=monte_carlo", "sweep.paths=1e8"], "sweep.paths",
     ["100000000 paths", "for one point alone", "(sweep.memory_budget_gb)", "paths fit"]),
    ("sweep", ["sweep.method=monte_carlo", "sweep.paths=1000000", "sweep.memory_budget_gb=0.01",
               "sweep.grid.war_cost.linspace=[0,300,10]", "sweep.grid.perception_noise.linspace=[0,0.3,10]"],
     "sweep.paths", ["over the 0.01 GiB memory budget (sweep.memory_budget_gb)"]),
])
def test_config_sizes_are_one_line_errors_within_a_second(config, name, overrides, field, words):
    validate = validate_run if name == "run" else validate_sweep
    try:
        cfg = config(name, overrides)
    except ConfigError as err:  # the linspace above is refused while the config is composed
        assert str(err).startswith(field) and "\n" not in str(err)
        return
    _refused(lambda: validate(cfg), field, *words)


def test_the_budget_is_a_setting_and_the_limits_are_inclusive(config):
    validate_run(config("run", ["map.points=2000", "memory_budget_gb=32"]))        # fits a larger budget
    validate_sweep(config("sweep", ["sweep.method=monte_carlo", "sweep.paths=1e8", "sweep.memory_budget_gb=8"]))
    rc = validate_run(config("run", [f"game.K={limits.MAX_RUNGS}", "scenario.rung_labels=[]", "crisis=null"]))
    assert rc.game["K"] == limits.MAX_RUNGS and rc.memory_budget_gb == limits.DEFAULT_MEMORY_BUDGET_GB
    assert config("sweep")["sweep"]["memory_budget_gb"] == config("run")["memory_budget_gb"] == 4


# --------------------------------------------------------------------------- the API
PAIR = ("tit_for_tat", "conditional_deescalation")
GRIT_32, CD_32 = sim.strategies.get("grit", K=32), sim.strategies.get("conditional_deescalation", K=32)  # 126, 32 states


@pytest.mark.parametrize("call, field, words", [
    (lambda: sim.ladder(K=FAR), "K", ["maximum of 32"]),
    (lambda: sim.build("ladder", K=FAR), "game.K", ["maximum of 32"]),
    (lambda: sim.strategies.get("tit_for_tat", K=FAR), "strategy.K", ["maximum of 32"]),
    (lambda: sim.from_matrices(np.zeros((40, 40))), "A", ["maximum of 32"]),
    (lambda: sim.strategies.get("grit", K=32, period=1000), "strategy",
     ["grit (period=1000) has more than 220 states", "MAX_AUTOMATON_TABLE"]),
    (lambda: sim.simulate(sim.ladder(K=5), *PAIR, rounds=50, paths=10 ** 8), "paths",
     ["100000000 paths x 1 point x 50 rounds", "memory budget (memory_budget_gb)", "paths fit"]),
    (lambda: sim.simulate(sim.ladder(K=5, war_cost=np.arange(9.0)), *PAIR, rounds=50, paths=10 ** 7,
                          memory_budget_gb=1), "paths", ["x 9 points x 50 rounds", "over the 1 GiB"]),
    (lambda: sim.analyse(sim.ladder(K=32), GRIT_32, CD_32, execution_noise=0.02, perception_noise=0.05,
                         settle_after=3), "analyse",
     ["grit x conditional_deescalation", "product states", "long run", "product states fit"]),
    (lambda: sim.analyse(sim.ladder(K=5, war_risk=np.linspace(0, 1, 1000)), *PAIR, rounds=30, settle_after=3,
                         memory_budget_gb=0.001), "analyse", ["1000 distinct war-risk tables", "0.001 GiB"]),
    (lambda: sim.equilibrium_map("ladder", dict(K=11), "war_cost", np.linspace(0, 300, 2000), "advantage",
                                 np.linspace(0, 40, 2000)), "map", ["2000 x 2000 games of 11 x 11", "points fit"]),
    (lambda: sim.grid_sweep("ladder", dict(K=3), {"war_cost": {"linspace": [0, 1, 10 ** 5]},
                                                  "advantage": {"linspace": [0, 1, 10 ** 5]}}),
     "sweep.grid", ["10000000000 points"]),
    (lambda: sim.grid_sweep("ladder", dict(K=3), {"war_cost": [0.0, 1.0, 2.0]}, (sim.strategies.get(PAIR[0], K=3),
                            sim.strategies.get(PAIR[1], K=3)), method="monte_carlo", paths=10 ** 8,
                            settings=dict(rounds=50)), "paths", ["for one point alone", "paths fit"]),
])
def test_api_raises_config_error_for_the_same_limits(call, field, words):
    _refused(call, field, *words)


def test_a_sweep_plans_batches_inside_the_budget_without_changing_results():
    from sim.sweeps.plan import plan

    pair = (sim.strategies.get(PAIR[0], K=3), sim.strategies.get(PAIR[1], K=3))
    grid = {"war_risk": [0.2, 0.4, 0.6, 0.8], "perception_noise": [0.0, 0.1]}
    settings = dict(rounds=10, settle_after=2, execution_noise=0.05)
    outcomes = ["p_war_by_T", "payoff_a"]
    for method, budget, extra in (("exact", 25e3, {}), ("monte_carlo", 16.9e6, dict(paths=500, seed=2))):
        p = plan("ladder", dict(K=3), sim.Grid.from_spec(grid), pair, outcomes, method, settings,
                 extra.get("paths", 1000), 4096, budget)
        assert 1 <= p.batch < 8 and (p.chains == 1 if method == "exact" else p.chains is None)  # small batches
        kw = dict(settings=settings, progress=False, method=method, **extra)
        big = sim.grid_sweep("ladder", dict(K=3), grid, pair, outcomes, **kw)
        small = sim.grid_sweep("ladder", dict(K=3), grid, pair, outcomes, memory_budget_gb=budget / limits.GIB, **kw)
        np.testing.assert_allclose(small[outcomes].to_numpy(float), big[outcomes].to_numpy(float),
                                   rtol=1e-12, atol=1e-12)
    with pytest.raises(ConfigError, match=r"^sweep\.grid: 8 points need .* for the table alone"):
        plan("ladder", dict(K=3), sim.Grid.from_spec(grid), pair, outcomes, "exact", settings, 1000, 4096, 1000.0,
             grid_field="sweep.grid")


# --------------------------------------------------------------------------- the command line
def _app(script: str, args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg", CI="true")
    env.pop("HYDRA_FULL_ERROR", None)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(EXPERIMENTS / script), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)
    return proc, time.perf_counter() - t0


@pytest.mark.parametrize("script, args, field", [
    ("run.py", [f"game.K={FAR}"], "game.K"),
    ("sweep.py", ["sweep.grid.war_cost.linspace=[0,300,100000]", "sweep.grid.perception_noise.linspace=[0,0.3,100000]"],
     "sweep.grid"),
    ("sweep.py", ["sweep.method=monte_carlo", "sweep.paths=1e8"], "sweep.paths"),
])
def test_command_line_sizes_exit_2_with_one_line_in_seconds(tmp_path, script, args, field):
    proc, elapsed = _app(script, args, tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}") and "Traceback" not in proc.stderr, proc.stderr
    assert elapsed < 15, f"{elapsed:.1f} s including the interpreter start"  # ~3 s on the 2-core reference machine
    assert not (tmp_path / "results").exists()
