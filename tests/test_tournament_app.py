"""The Hydra app experiments/tournament.py: composed configs, a real subprocess run, bad input."""

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

from sim.config.tournament import validate_tournament
from sim.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
APP = ROOT / "experiments" / "tournament.py"
SCENARIOS = sorted(p.stem for p in (CONFIGS / "scenario").glob("*.yaml"))
PD4 = "[always_escalate,always_restrain,tit_for_tat,grim_trigger]"
ALL15 = ("[alternator,always_escalate,always_restrain,conditional_deescalation,generous_tit_for_tat,graduated_response,"
         "grim_trigger,grit,overwhelming_response,proportional_response,random,suspicious_tit_for_tat,tit_for_tat,"
         "tit_for_two_tats,win_stay_lose_shift]")


@pytest.fixture
def hydra_compose():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        yield lambda overrides=(): OmegaConf.to_container(
            compose(config_name="tournament", overrides=list(overrides)), resolve=True)
    GlobalHydra.instance().clear()


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "custom"])
def test_every_scenario_composes_and_validates(hydra_compose, scenario):
    tc = validate_tournament(hydra_compose([f"scenario={scenario}"]))
    assert tc.scenario.name == scenario
    assert tc.experiment == "tournament"


def test_default_config(hydra_compose):
    cfg = hydra_compose()
    tc = validate_tournament(cfg)
    assert tc.scenario.name == "india_pakistan_2025" and cfg["game"]["name"] == "ladder"
    assert {"tit_for_tat", "conditional_deescalation", "grit", "always_escalate", "always_restrain"} <= set(tc.names)
    assert len(tc.names) >= 8
    assert tc.settings.rounds == 30 and tc.exact is True
    entrants = tc.entrants  # built once while validating
    assert list(entrants) == list(tc.names)
    assert all(s.K == cfg["game"]["K"] for s in entrants.values())


def test_inline_specs_and_settings_reach_the_config(hydra_compose):
    tc = validate_tournament(hydra_compose([
        "scenario=classroom_security_dilemma", "tournament.strategies=[tit_for_tat,{name: grit, period: 2}]",
        "tournament.execution_noise=[0.01,0.02]", "tournament.settle_after=3", "tournament.rounds=null"]))
    assert tc.names == ("tit_for_tat", "grit(period=2)")
    assert tc.settings.execution_noise == (0.01, 0.02)
    assert tc.settings.settle_after == 3 and tc.settings.rounds is None


@pytest.mark.parametrize("overrides,field", [
    (["tournament.strategies=[tit_for_tat,tit_for_tat]"], "tournament.strategies[1]"),
    (["tournament.strategies=[tit_for_tat]"], "tournament.strategies"),
    (["tournament.strategies=[tit_for_tat,{name: grit, period: 0}]"], "tournament.strategies[1]"),
    (["tournament.strategies=[tit_for_tat,{kind: memory_one, K: 2, p: [1, 0, 1, 0]}]"], "tournament.strategies[1]"),
    (["tournament.exact=false"], "tournament.exact"),
    (["tournament.discount=0"], "tournament.discount"),
    (["tournament.mediation=1.5"], "tournament.mediation"),
    (["tournament.settle_after=0"], "tournament.settle_after"),
    (["tournament.perception_noise=[0.1,1.2]"], "tournament.perception_noise[1]"),
    (["tournament.equilibrium_method=magic"], "tournament.equilibrium_method"),
])
def test_validation_names_the_field(hydra_compose, overrides, field):
    with pytest.raises(ConfigError) as info:
        validate_tournament(hydra_compose(overrides))
    assert info.value.field == field or info.value.field.startswith(field + ".")
    assert "\n" not in str(info.value)


def _run(args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run([sys.executable, str(APP), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


_finished_runs = finished_runs


def test_prisoners_dilemma_tournament_as_a_subprocess(tmp_path):
    """Without noise or settlement every match of the PD has a closed form in R, S, T, P and n."""
    n = 50
    proc = _run(["scenario=classroom_security_dilemma", f"tournament.strategies={PD4}", f"tournament.rounds={n}",
                 "tournament.execution_noise=0", "tournament.perception_noise=0"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    runs = _finished_runs(tmp_path)
    assert len(runs) == 1
    out = runs[0]
    assert out.parent.name == "tournament" and out.parent.parent.name == "results"
    for name in ("config.yaml", "summary.md", "summary.json", "tournament.csv",
                 "figures/tournament_heatmap.png", "figures/replicator.png"):
        assert (out / name).is_file(), name
    assert (out / "figures/replicator.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    R, S, T, P = 3.0, 0.0, 5.0, 1.0  # configs/scenario/classroom_security_dilemma.yaml
    names = ["always_escalate", "always_restrain", "tit_for_tat", "grim_trigger"]
    coop = R * n
    expected = {  # row's total payoff against column
        ("always_escalate", "always_escalate"): P * n,
        ("always_escalate", "always_restrain"): T * n,
        ("always_restrain", "always_escalate"): S * n,
        ("always_restrain", "always_restrain"): coop,
    }
    for nice in ("tit_for_tat", "grim_trigger"):  # exploited once, then mutual escalation
        expected[nice, "always_escalate"] = S + P * (n - 1)
        expected["always_escalate", nice] = T + P * (n - 1)
        for other in ("always_restrain", "tit_for_tat", "grim_trigger"):
            expected[nice, other] = expected[other, nice] = coop

    with open(out / "tournament.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 16 and set(rows[0]) == {"row_strategy", "column_strategy", "payoff"}
    got = {(r["row_strategy"], r["column_strategy"]): float(r["payoff"]) for r in rows}
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key

    summary = json.loads((out / "summary.json").read_text())
    t = summary["tournament"]
    assert t["names"] == names
    M = np.array([[expected[a, b] for b in names] for a in names])
    np.testing.assert_allclose(np.array(t["M"]), M, atol=1e-9)
    np.testing.assert_allclose(t["scores"], M.mean(axis=1), atol=1e-9)
    assert summary["scenario"]["name"] == "classroom_security_dilemma"
    assert summary["settings"]["rounds"] == n
    md = (out / "summary.md").read_text()
    assert md.startswith("# Tournament:") and "classroom_security_dilemma" in md and "## Tournament" in md


BAD = [
    (["tournament.strategies=[tit_for_tat,nosuch]"], "tournament.strategies"),
    (["tournament.execution_noise=-0.1"], "tournament.execution_noise"),
    (["tournament.rounds=0"], "tournament.rounds"),
    (["+tournament.foo=1"], "tournament.foo"),
    (["-m", "tournament.rounds=10,0"], "tournament.rounds"),
]


@pytest.mark.parametrize("args,field", BAD, ids=[" ".join(a)[:50] for a, _ in BAD])
def test_bad_input_gives_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch, args, field):
    """The app's precheck, in-process: exactly what the command line runs before Hydra starts."""
    proc = precheck_in_process("tournament", ["scenario=classroom_security_dilemma", *args], tmp_path, capsys,
                               monkeypatch)
    assert_user_error(proc, field, tmp_path)


def test_error_found_inside_the_job_gives_one_line_and_writes_nothing(tmp_path):
    """Found only inside the Hydra job, after the round robin (the meta-game is too large to
    enumerate): a real subprocess, as the job's own output directory must be removed."""
    proc = _run(["scenario=classroom_security_dilemma", f"tournament.strategies={ALL15}", "tournament.rounds=5"],
                tmp_path)
    assert proc.returncode == 2
    assert_user_error(proc, "tournament.equilibrium_method", tmp_path)


def test_run_from_python_on_the_default_ladder(tmp_path, hydra_compose):
    """Everything the command line does is one call from Python."""
    sys.path.insert(0, str(ROOT / "experiments"))
    try:
        from tournament import run
    finally:
        sys.path.pop(0)
    cfg = hydra_compose(["tournament.rounds=10", "tournament.strategies=[tit_for_tat,grit,always_escalate]"])
    summary = run(cfg, tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").is_file()
    assert summary["scenario"]["name"] == "india_pakistan_2025"
    M = np.array(summary["tournament"]["M"])
    assert M.shape == (3, 3) and np.all(np.isfinite(M))
    assert sorted(summary["tournament"]["ranking"]) == ["always_escalate", "grit", "tit_for_tat"]
