"""Parameter uncertainty (issue 11, item 4): ranges in the configs, propagation through the sweep
kernels, intervals and Sobol indices, the run's section and figure."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.config import validate_run
from sim.errors import ConfigError
from sim.repeated import analyse
from sim.repeated.strategies import get
from sim.sweeps.uncertainty import propagate, uncertain_spec

ROOT = Path(__file__).resolve().parent.parent
BASE = dict(K=5, advantage=20.0, damage=10.0, cost=2.0, war_risk=0.8, war_cost=100.0, risk_interaction=0.5,
            risk_exponent=3.0)
SETTINGS = dict(rounds=12, execution_noise=0.05, perception_noise=0.05, settle_after=3, mediation=0.05)




def _params():
    return [uncertain_spec("game.war_risk", {"low": 0.3, "high": 0.9}),
            uncertain_spec("game.war_cost", {"low": 50, "high": 200})]


def test_outcomes_are_the_kernels_at_each_sample_and_reproducible():
    s = get("tit_for_tat", K=5)
    res = propagate("ladder", BASE, _params(), ["p_war_by_T", "eq_level"], strategies=(s, s), settings=SETTINGS,
                    samples=16, seed=3)
    assert res.samples.shape == (16 * (2 + 2), 2)
    for i in (0, 7, 40):  # the outcome at a sample is the exact analysis at that sample's parameters
        wr, wc = res.samples[i]
        g = sim.games.build("ladder", **dict(BASE, war_risk=wr, war_cost=wc))
        assert res.outcomes["p_war_by_T"][i] == pytest.approx(float(analyse(g, s, s, **SETTINGS).p_war[-1]), abs=1e-12)
    lo, hi = res.intervals["p_war_by_T"]
    assert (lo, hi) == pytest.approx(tuple(np.quantile(res.outcomes["p_war_by_T"], [0.05, 0.95])))
    again = propagate("ladder", BASE, _params(), ["p_war_by_T", "eq_level"], strategies=(s, s), settings=SETTINGS,
                      samples=16, seed=3, chunk_points=7)  # other batch sizes: the same numbers
    np.testing.assert_array_equal(again.samples, res.samples)
    np.testing.assert_array_equal(again.outcomes["p_war_by_T"], res.outcomes["p_war_by_T"])
    other = propagate("ladder", BASE, _params(), ["p_war_by_T"], strategies=(s, s), settings=SETTINGS, samples=16,
                      seed=4)
    assert not np.array_equal(other.samples, res.samples)


def test_sobol_indices_know_what_a_fixed_rule_ignores():
    """Fixed rules ignore payoffs: P(war) does not depend on the war cost at all (its Sobol indices
    are 0) and depends only on the war risk (total index 1, first-order about 1); the stage
    game's equilibrium does depend on the war cost."""
    s = get("tit_for_tat", K=5)
    res = propagate("ladder", BASE, _params(), ["p_war_by_T", "eq_level"], strategies=(s, s), settings=SETTINGS,
                    samples=64, seed=1)
    si = res.sobol["p_war_by_T"]
    assert si["ST"][1] == pytest.approx(0.0, abs=1e-12) and si["S1"][1] == pytest.approx(0.0, abs=1e-12)
    assert si["ST"][0] == pytest.approx(1.0, abs=0.05) and si["S1"][0] == pytest.approx(1.0, abs=0.15)
    assert res.sobol["eq_level"]["ST"][1] > 0.05
    t = res.table()
    assert list(t[t.outcome == "p_war_by_T"]["parameter"]) == ["war_risk", "war_cost"]  # ranked by ST


def test_latin_hypercube_gives_intervals_only():
    s = get("tit_for_tat", K=5)
    res = propagate("ladder", BASE, _params(), ["p_war_by_T"], strategies=(s, s), settings=SETTINGS, samples=20,
                    method="lhs", seed=0)
    assert res.samples.shape == (20, 2) and res.sobol == {}
    # a Latin hypercube puts exactly one sample in each of the 20 equal strata of every parameter
    for j, (lo, hi) in enumerate([(0.3, 0.9), (50, 200)]):
        strata = np.floor((res.samples[:, j] - lo) / (hi - lo) * 20).astype(int)
        assert sorted(strata) == list(range(20))


@pytest.mark.parametrize("raw, field", [
    ({"low": 0.9, "high": 0.4}, "game.war_risk.high"),
    ({"low": 0.4}, "game.war_risk"),
    ({"mean": 0.5, "sd": -1}, "game.war_risk.sd"),
    ({"low": 0.4, "high": 0.9, "value": 0.95}, "game.war_risk.value"),
    ({"low": 0.4, "high": 0.9, "spread": 1}, "game.war_risk.spread"),
])
def test_bad_ranges_are_one_line(default_cfg, raw, field):
    cfg = json.loads(json.dumps(default_cfg))
    cfg["game"]["war_risk"] = raw
    with pytest.raises(ConfigError) as err:
        validate_run(cfg)
    assert err.value.field == field and "\n" not in str(err.value)


def test_a_range_is_analysed_at_its_value(default_cfg):
    rc = validate_run(default_cfg)
    assert rc.game["war_risk"] == 0.8 and rc.game["war_cost"] == 100.0 and rc.game["risk_exponent"] == 3.0
    assert {p.name for p in rc.uncertainty.params} == {"war_risk", "war_cost", "risk_exponent"}
    cfg = json.loads(json.dumps(default_cfg))
    cfg["game"].update(war_risk=0.8, war_cost=100.0, risk_exponent=3.0)
    plain = validate_run(cfg)
    assert plain.uncertainty is None  # no range left: nothing to propagate
    np.testing.assert_array_equal(plain.built_game.A, rc.built_game.A)
    # a crisis setting may carry a range too; a key that cannot is refused
    cfg["crisis"]["perception_noise"] = {"low": 0.0, "high": 0.1, "value": 0.05}
    assert [p.name for p in validate_run(cfg).uncertainty.params] == ["perception_noise"]
    cfg["crisis"]["settle_after"] = {"low": 1, "high": 3}
    with pytest.raises(ConfigError) as err:
        validate_run(cfg)
    assert err.value.field == "crisis.settle_after"


@pytest.mark.parametrize("change, field", [
    ({"samples": 12}, "uncertainty.samples"), ({"method": "morris"}, "uncertainty.method"),
    ({"level": 1.5}, "uncertainty.level"), ({"outcomes": ["p_peace"]}, "uncertainty.outcomes"),
    ({"extra": 1}, "uncertainty.extra"),
])
def test_bad_uncertainty_node_is_one_line(default_cfg, change, field):
    cfg = json.loads(json.dumps(default_cfg))
    cfg["uncertainty"] = {**cfg["uncertainty"], **change}
    with pytest.raises(ConfigError) as err:
        validate_run(cfg)
    assert err.value.field == field and "\n" not in str(err.value)


def test_default_run_shows_intervals_and_what_matters(default_run):
    out = default_run
    s = json.loads((out / "summary.json").read_text())
    u = s["uncertainty"]
    rows = {r["outcome"]: r for r in u["outcomes"]}
    main = s["crisis"]["pairs"][s["crisis"]["main"]]
    assert rows["p_war_by_T"]["value"] == pytest.approx(main["p_war"], abs=1e-12)  # the scenario's own answer
    assert rows["p_war_by_T"]["low"] < rows["p_war_by_T"]["high"]
    assert rows["p_war_by_T"]["sobol"]["war_cost"]["ST"] == pytest.approx(0.0, abs=1e-12)
    assert rows["p_war_by_T"]["top_parameter"] in ("risk_exponent", "war_risk")
    md = (out / "summary.md").read_text()
    assert "## How sure are these numbers? Parameter uncertainty" in md and "illustrative" in md
    assert "add `deviation_gain_a` and `deviation_gain_b` to `uncertainty.outcomes`" in md
    assert (out / "figures" / "sensitivity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "uncertainty.csv").is_file()


def test_credibility_gains_carry_intervals_too(tmp_path):
    """uncertainty.outcomes with deviation_gain_a/b: the value at the scenario's point is the
    credibility gain of a direct call; the interval comes from the same kernel at every sample."""
    from sim.dynamic import credibility
    from sim.report.uncertainty import run_uncertainty, uncertainty_markdown

    s = get("tit_for_tat", K=5)
    params = [uncertain_spec("game.war_risk", {"low": 0.3, "high": 0.9, "value": 0.8}),
              uncertain_spec("game.war_cost", {"low": 50, "high": 200, "value": 100})]
    rec = run_uncertainty("ladder", BASE, params, ["p_war_by_T", "deviation_gain_a", "deviation_gain_b"],
                          strategies=(s, s), settings=SETTINGS, samples=4, method="sobol", level=0.9, seed=0,
                          sides=("A", "B"), out_dir=tmp_path)
    rows = {r["outcome"]: r for r in rec["outcomes"]}
    c = credibility(sim.games.build("ladder", **BASE), s, s, **SETTINGS)
    assert rows["deviation_gain_a"]["value"] == pytest.approx(float(c.gain_a), rel=1e-9, abs=1e-9)
    assert rows["deviation_gain_b"]["value"] == pytest.approx(float(c.gain_b), rel=1e-9, abs=1e-9)
    assert rows["deviation_gain_a"]["low"] <= rows["deviation_gain_a"]["high"]
    md = uncertainty_markdown(rec)
    assert "A's gain from deviating" in md and "add `deviation_gain_a`" not in md
