"""The Hydra app experiments/compare.py: an end-to-end comparison, shared scales, the table
against the variants' own summary.json, override semantics and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from apphelpers import assert_user_error, finished_runs, precheck_in_process

from sim.errors import ConfigError
from sim.wording import fmt_number, fmt_percent

ROOT = Path(__file__).resolve().parent.parent
COMPARE = ROOT / "experiments" / "compare.py"
sys.path.insert(0, str(ROOT / "experiments"))
import compare  # noqa: E402

sys.path.pop(0)

SMALL = "common={map.points: 4, crisis.paths: 300, crisis.sample_paths: 1, crisis.rounds: 12}"
VARIANTS = ("variants=[{name: Baseline, overrides: {}}, "
            "{name: 'Pakistan retaliates harder', overrides: {crisis.side_b: {name: graduated_response}}}, "
            "{name: 'Classroom chicken', overrides: {scenario: classroom_chicken}}]")


def _run(args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run([sys.executable, str(COMPARE), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    proc = _run([SMALL, VARIANTS, "seed=5", "figure_formats=[png,svg]"], root)
    assert proc.returncode == 0, proc.stderr
    (out,) = sorted(p for p in (root / "results" / "compare").iterdir() if p.is_dir())
    return out


def test_compare_writes_every_file_and_a_complete_run_per_variant(comparison):
    out = comparison
    for name in ("config.yaml", "summary.md", "summary.json", "report.html"):
        assert (out / name).is_file(), name
    figs = sorted(p.name for p in (out / "figures").glob("*.png"))
    # the two 2025 variants have phase tables: their timelines side by side (issue 12, item 4); Chicken has none
    assert figs == ["compare_curves.png", "compare_outcomes.png", "compare_payoffs.png", "compare_rungs.png",
                    "compare_timelines.png"]
    summary = json.loads((out / "summary.json").read_text())
    assert [v["name"] for v in summary["variants"]] == ["Baseline", "Pakistan retaliates harder", "Classroom chicken"]
    assert (out / "report.html").stat().st_mtime_ns <= (out / "summary.json").stat().st_mtime_ns
    for v in summary["variants"]:
        vdir = out / v["dir"]
        for name in ("summary.json", "summary.md", "report.html", "figures/payoff_matrix.png"):
            assert (vdir / name).is_file(), (vdir, name)
        # common random numbers: every variant ran with the compare's seed, and the common overrides
        assert json.loads((vdir / "summary.json").read_text())["seed"] == 5
        assert "rounds: 12" in (vdir / "config.yaml").read_text()
    html = (out / "report.html").read_text()
    assert html.count("<img ") == 5 and html.count('src="data:image/png;base64,') == 5
    assert 'src="http' not in html and 'href="http' not in html
    md = (out / "summary.md").read_text()
    assert "same seed (5)" in md and "common random numbers" in md
    # the classroom Chicken variant is another game (2 rungs, not 11): the summary warns
    assert "Caution: these variants are different games" in md and "11, 2 rungs" in md


def test_table_equals_the_variants_own_summaries(comparison):
    out = comparison
    summary = json.loads((out / "summary.json").read_text())
    outcomes_md = (out / "summary.md").read_text().split("## Outcomes side by side")[1].split("\n## ")[0]
    md_rows = {line.split("|")[1].strip(): line for line in outcomes_md.splitlines()
               if line.startswith("| ") and "%" in line}
    for v in summary["variants"]:
        own = json.loads((out / v["dir"] / "summary.json").read_text())
        main = own["crisis"]["pairs"][own["crisis"]["main"]]
        sides = own["scenario"]["sides"]
        c = v["crisis"]
        for key in ("p_war", "p_settled", "p_mediated", "p_still_in_crisis", "expected_rounds"):
            assert c[key] == main[key], key
        assert c["expected_payoffs"] == [main["expected_payoffs"][s] for s in sides]
        assert c["peak_mean_rung"] == [main["peak_mean_rung"][s]["rung"] for s in sides]
        assert v["n_equilibria"] == own["n_equilibria"] and v["sides"] == sides
        row = md_rows[v["name"]]
        cells = [x.strip() for x in row.split("|")[1:-1]]
        assert cells[3:7] == [fmt_percent(main[k]) for k in ("p_war", "p_settled", "p_mediated", "p_still_in_crisis")]
        assert cells[9].endswith(fmt_number(main["expected_payoffs"][sides[0]]))
    # different scenarios: the second variant changed only Pakistan's strategy
    assert summary["variants"][1]["crisis"]["strategies"][1] == "graduated response"
    assert summary["variants"][2]["scenario"] == "classroom_chicken"


def test_briefing_exports_a_tidy_table_and_vector_figures(comparison):
    """Issue 11, item 5: the compare run writes its table as CSV (one row per variant, equal to the
    variants' own summaries) and, with figure_formats=[png, svg], every figure also as SVG."""
    import pandas as pd

    out = comparison
    table = pd.read_csv(out / "compare_table.csv")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files"]["table"] == "compare_table.csv"
    assert list(table["variant"]) == [v["name"] for v in summary["variants"]]
    for (_, row), v in zip(table.iterrows(), summary["variants"]):
        own = json.loads((out / v["dir"] / "summary.json").read_text())
        main = own["crisis"]["pairs"][own["crisis"]["main"]]
        sides = own["scenario"]["sides"]
        assert (row["side_a"], row["side_b"]) == tuple(sides)
        for key in ("p_war", "p_settled", "p_mediated", "p_still_in_crisis", "expected_rounds"):
            assert row[key] == pytest.approx(main[key], rel=1e-12), key
        assert row["payoff_a"] == pytest.approx(main["expected_payoffs"][sides[0]], rel=1e-12)
    for d in [out, *(out / v["dir"] for v in summary["variants"])]:
        pngs = sorted(p.stem for p in (d / "figures").glob("*.png"))
        assert pngs and pngs == sorted(p.stem for p in (d / "figures").glob("*.svg")), d
    # the policy team's question in one table: P(war) per variant with its interval and what drives it
    baseline = summary["variants"][0]
    own = json.loads((out / baseline["dir"] / "summary.json").read_text())
    unc = {r["outcome"]: r for r in own["uncertainty"]["outcomes"]}["p_war_by_T"]
    assert table["p_war_by_T_low"].iloc[0] == pytest.approx(unc["low"]) and table["p_war_by_T_high"].iloc[0] == \
        pytest.approx(unc["high"])
    assert table["p_war_by_T_matters_most"].iloc[0] == unc["top_parameter"]
    md = (out / "summary.md").read_text()
    assert "## P(war) with parameter uncertainty" in md
    svg = (out / "figures" / "compare_outcomes.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_every_figure_puts_all_variants_on_shared_scales(comparison):
    out = comparison
    summary = json.loads((out / "summary.json").read_text())
    rows = [compare.variant_row(compare.Variant(v["name"], v["dir"].split("/")[-1], v["overrides"], {}),
                                json.loads((out / v["dir"] / "summary.json").read_text()))
            for v in summary["variants"]]
    for build in (compare.outcome_figure, compare.curves_figure, compare.rungs_figure, compare.payoff_figure):
        fig = build(rows)
        axes = [ax for ax in fig.axes if ax.get_visible()]
        assert len(axes) == len(rows), build.__name__
        assert len({ax.get_ylim() for ax in axes}) == 1, build.__name__
        assert len({ax.get_xlim() for ax in axes}) == 1, build.__name__
    lo, hi = compare.payoff_figure(rows).axes[0].get_ylim()
    assert all(lo < p < hi for r in rows for p in r["crisis"]["expected_payoffs"])
    assert compare.outcome_figure(rows).axes[0].get_ylim() == (0, 105)


def test_overrides_merge_sections_but_replace_strategies():
    cfg = {"game": {"name": "ladder", "war_cost": 100.0, "K": 3},
           "crisis": {"rounds": 30, "side_b": {"name": "graduated_response", "step": 1, "start": 4}}}
    compare.apply_overrides(cfg, "game", {"war_cost": 50}, "f")
    compare.apply_overrides(cfg, "crisis.side_b", {"name": "grit", "period": 2}, "f")
    compare.apply_overrides(cfg, "crisis.rounds", 10, "f")
    assert cfg["game"] == {"name": "ladder", "war_cost": 50, "K": 3}
    assert cfg["crisis"] == {"rounds": 10, "side_b": {"name": "grit", "period": 2}}
    with pytest.raises(ConfigError, match="unknown config key 'warcost'"):
        compare.apply_overrides(cfg, "game.warcost", 1, "f")


V = "{name: a, overrides: {}}"
BAD_IN_PROCESS = [
    ({"variants": [{"name": "a"}]}, "variants"),
    ({"variants": [{"name": f"v{i}"} for i in range(7)]}, "variants"),
    ({"variants": [{"name": "Same"}, {"name": "same "}]}, "variants[1].name"),
    ({"variants": [{"name": "a"}, {"name": ""}]}, "variants[1].name"),
    ({"variants": [{"name": "a"}, {"name": "b", "overrides": {"crisis.foo": 1}}]}, "variants[1].overrides.crisis.foo"),
    ({"variants": [{"name": "a"}, {"name": "b", "overrides": {"scenario": "atlantis"}}]},
     "variants[1].overrides.scenario"),
    ({"variants": [{"name": "a"}, {"name": "b", "overrides": {"seed": 3}}]}, "variants[1].overrides.seed"),
    ({"variants": [{"name": "a"}, {"name": "b", "overrides": {"game": {"_target_": "os.system"}}}]},
     "variants[1].overrides.game"),
    ({"variants": [{"name": "a"}, {"name": "b", "overrides": {"hydra.run.dir": "/tmp"}}]},
     "variants[1].overrides.hydra.run.dir"),
    ({"variants": [{"name": "a"}, {"name": "b", "overrides": {"game.war_risk": 1.5}}]}, "variants[1].game.war_risk"),
    ({"variants": [{"name": "a"}, {"name": "b"}], "colour": 1}, "colour"),
]


@pytest.mark.parametrize("cfg,field", BAD_IN_PROCESS, ids=[f for _, f in BAD_IN_PROCESS])
def test_bad_compare_configs_raise_one_line_errors(cfg, field):
    with pytest.raises(ConfigError) as err:
        compare.validate_compare(dict({"seed": 0, "common": None}, **cfg))
    assert str(err.value).startswith(field + ":")
    assert "\n" not in str(err.value)


BAD_CLI = [
    ([f"variants=[{V}]"], "variants"),
    ([f"variants=[{V}, {{name: A, overrides: {{}}}}]"], "variants[1].name"),
    ([f"variants=[{V}, {{name: b, overrides: {{crisis.side_b: {{name: nosuch}}}}}}]"], "variants[1].crisis.side_b"),
    ([f"variants=[{V}, {{name: b, overrides: {{_target_: os.system}}}}]"], "variants[1].overrides._target_"),
]


@pytest.mark.parametrize("args,field", BAD_CLI, ids=[f for _, f in BAD_CLI])
def test_bad_input_on_the_command_line_gives_one_line_and_writes_nothing(tmp_path, capsys, monkeypatch, args, field):
    """The app's precheck, in-process: exactly what the command line runs before Hydra starts."""
    proc = precheck_in_process("compare", args, tmp_path, capsys, monkeypatch)
    assert proc.returncode == 2
    assert_user_error(proc, field, tmp_path)
    assert not finished_runs(tmp_path) and not (tmp_path / "results").exists()


def test_bad_input_as_a_subprocess(tmp_path):
    args, field = BAD_CLI[-1]  # a variant asking to build an object: refused before anything runs
    proc = _run(args, tmp_path)
    assert proc.returncode == 2
    assert_user_error(proc, field, tmp_path)
    assert not finished_runs(tmp_path) and not (tmp_path / "results").exists()


def test_payoff_panels_name_their_own_sides():
    """Variants of different scenarios: each payoff panel labels its own two sides (the panels share
    the payoff scale, not the side labels)."""
    from sim.viz.compare import payoff_figure

    rows = [{"name": "Cuba", "sides": ["United States", "Soviet Union"], "crisis": {"expected_payoffs": [-5.0, -7.0]}},
            {"name": "2025", "sides": ["India", "Pakistan"], "crisis": {"expected_payoffs": [-44.0, -61.0]}}]
    fig = payoff_figure(rows)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    labels = [[t.get_text() for t in ax.get_xticklabels()] for ax in axes]
    assert labels == [["United States", "Soviet Union"], ["India", "Pakistan"]]
    assert axes[0].get_ylim() == axes[1].get_ylim()
