"""Evidence in the run (issue 11, item 1): the default run fits each candidate policy pair to the
reported 2025 sequence; its numbers equal direct calls of sim.estimate; the config layer's errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.config import validate_run
from sim.errors import ConfigError
from sim.estimate import fit_sequences, sequence_likelihood, sequences_from_phases
from sim.report.evidence import EVIDENCE_FIGURES, start_index

ROOT = Path(__file__).resolve().parent.parent




def test_observed_play_of_2025_is_read_from_the_phase_table(default_cfg):
    rc = validate_run(default_cfg)
    scen = rc.scenario.to_summary()
    assert scen["observed"] == {"from": "2025-05-07", "ending": "ceasefire"}
    cs = rc.crisis.settings
    data = sequences_from_phases(scen["phases"], rc.scenario.sides, 11, start=start_index(scen["phases"], "2025-05-07"),
                                 timing=cs.timing, first_mover=cs.first_mover, ending="ceasefire", opening=cs.opening)
    # Pakistan answers first (opening India 4, Pakistan 0), then India; one phase = two moves
    np.testing.assert_array_equal(data.rungs()[0], [[4, 3], [4, 3], [4, 5], [5, 5], [5, 6], [6, 6], [6, 1], [1, 1]])
    assert data.endings.tolist() == [4]


def test_default_run_evidence_equals_direct_calls(default_run):
    out = default_run
    ev = json.loads((out / "summary.json").read_text())["evidence"]
    table = pd.read_csv(out / ev["table"])
    assert list(table["model"]) == [m["model"] for m in ev["models"]]
    assert np.all(np.diff(table["aic"]) >= 0) and table["akaike_weight"].sum() == pytest.approx(1.0)
    assert "equilibrium policies (MPE)" in set(table["model"])
    rc = validate_run(OmegaConf.to_container(OmegaConf.load(out / "config.yaml")))
    scen = rc.scenario.to_summary()
    cs = rc.crisis.settings
    data = sequences_from_phases(scen["phases"], rc.scenario.sides, 11, start=start_index(scen["phases"], ev["from"]),
                                 timing=cs.timing, first_mover=cs.first_mover, ending=ev["ending"], opening=cs.opening)
    a, b = rc.crisis.strategies
    stated = table[table["model"] == ev["stated"]].iloc[0]
    fit = fit_sequences(data, rc.built_game, a, b, settings=cs, free={"execution_noise": (0.0, 0.9)},
                        points=rc.evidence.points)
    assert stated["log_likelihood"] == pytest.approx(fit.log_likelihood, abs=1e-9)
    assert stated["execution_noise"] == pytest.approx(fit.params["execution_noise"], abs=1e-6)
    # the reported maximum is the likelihood at the reported estimate, and no grid point beats it
    ll = sequence_likelihood(data, rc.built_game, a, b, settings=cs, execution_noise=stated["execution_noise"])
    assert ll == pytest.approx(stated["log_likelihood"], abs=1e-9)
    grid = sequence_likelihood(data, rc.built_game, a, b, settings=cs,
                               grid={"execution_noise": np.linspace(0, 0.9, 181)})
    assert grid.max() <= stated["log_likelihood"] + 1e-9
    # AIC = 2k - 2 log L with one fitted setting
    assert stated["aic"] == pytest.approx(2 - 2 * stated["log_likelihood"])
    assert stated["bic"] == pytest.approx(math.log(8) - 2 * stated["log_likelihood"])


def test_default_run_says_it_plainly(default_run):
    md = (default_run / "summary.md").read_text()
    ev = json.loads((default_run / "summary.json").read_text())["evidence"]
    if ev["check"]["band_width"] >= 4:  # a noisy best model: the report says the check is weak
        assert "the check is weak here" in (default_run / "summary.md").read_text()
    for words in ("## Which model explains the reported sequence?", "one crisis is not a data set",
                  "Akaike weight", "Posterior predictive check", "cannot show what either government intended"):
        assert words in md, words
    assert (default_run / EVIDENCE_FIGURES["posterior_predictive"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "posterior_predictive.png" in (default_run / "report.html").read_text()


@pytest.mark.parametrize("change, field", [
    ({"evidence": {"free": {"noise": [0, 1]}}}, "evidence.free.noise"),
    ({"evidence": {"free": {"execution_noise": [0.5, 0.2]}}}, "evidence.free.execution_noise"),
    ({"evidence": {"free": {}}}, "evidence.free"),
    ({"evidence": {"contested": "maybe"}}, "evidence.contested"),
    ({"evidence": {"points": 2}}, "evidence.points"),
    ({"evidence": {"what": 1}}, "evidence.what"),
    ({"evidence": {"qre": "yes"}}, "evidence.qre"),
    ({"evidence": {"qre_lam_max": -1}}, "evidence.qre_lam_max"),
    ({"scenario": {"observed": {"from": "2025-06-01"}}}, "scenario.observed.from"),
    ({"scenario": {"observed": {"ending": "truce"}}}, "scenario.observed.ending"),
])
def test_bad_evidence_config_is_one_line(default_cfg, change, field):
    cfg = json.loads(json.dumps(default_cfg))
    for key, value in change.items():
        cfg[key] = {**(cfg.get(key) or {}), **value}
    with pytest.raises(ConfigError) as err:
        validate_run(cfg)
    assert err.value.field == field or str(err.value).startswith(field)
    assert "\n" not in str(err.value)


def test_evidence_off(default_cfg):
    cfg = dict(default_cfg, evidence=None)
    assert validate_run(cfg).evidence is None


@pytest.mark.parametrize("value", [["gif"], "jpeg", [], 3])
def test_bad_figure_formats_is_one_line(default_cfg, value):
    with pytest.raises(ConfigError) as err:
        validate_run(dict(default_cfg, figure_formats=value))
    assert err.value.field == "figure_formats" and "\n" not in str(err.value)


def test_figure_formats_png_always_first(default_cfg):
    assert validate_run(dict(default_cfg, figure_formats=["svg"])).figure_formats == ("png", "svg")
    assert validate_run(dict(default_cfg, figure_formats=None)).figure_formats == ("png",)


def test_run_evidence_with_the_qre_model_on_a_small_ladder(tmp_path):
    """evidence.qre: the logit Markov QRE (lambda fitted) joins the candidates; its row is
    fit_equilibrium's, the ranking is by AIC and the Akaike weights sum to 1."""
    import sim
    from sim.estimate import fit_equilibrium
    from sim.repeated import CrisisSettings
    from sim.repeated.strategies import get
    from sim.report.evidence import QRE_MODEL, evidence_markdown, run_evidence

    game = sim.games.build("ladder", K=3, advantage=20.0, damage=10.0, cost=2.0, war_risk=0.5, war_cost=100.0,
                           risk_interaction=0.5, risk_exponent=2.0)
    cs = CrisisSettings(rounds=8, execution_noise=0.05, mediation=0.1, timing="alternating", opening=(2, 0),
                        first_mover="b")
    phases = [{"date": "d1", "rungs": {"A": 2, "B": 1}}, {"date": "d2", "rungs": {"A": 1, "B": 1}},
              {"date": "d3", "rungs": {"A": 0, "B": 0}}]
    cd, tft = get("conditional_deescalation", K=3), get("grim_trigger", K=3)
    rec = run_evidence(game, {"cd": (cd, cd), "grim": (tft, tft)}, cs, phases=phases, sides=("A", "B"),
                       observed={"from": None, "ending": "ceasefire"}, out_dir=tmp_path, points=11,
                       qre={"lam_max": 1.0, "discount": 0.9})
    rows = {r["model"]: r for r in rec["models"]}
    assert QRE_MODEL in rows
    data = sequences_from_phases(phases, ("A", "B"), 3, timing="alternating", first_mover="b", ending="ceasefire",
                                 opening=(2, 0))
    fit = fit_equilibrium(data, game, lam_max=1.0, points=11, settings=cs, discount=0.9)
    assert rows[QRE_MODEL]["log_likelihood"] == pytest.approx(fit.log_likelihood, abs=1e-9)
    assert sum(r["akaike_weight"] for r in rec["models"]) == pytest.approx(1.0)
    aics = [r["aic"] for r in rec["models"]]
    assert aics == sorted(aics)
    json.dumps(rec, allow_nan=False)  # plain JSON: no NaN
    assert "lambda" in evidence_markdown(rec, ("A", "B"))
