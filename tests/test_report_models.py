"""The models block of a run: kernels called with the config's numbers, figures written,
and the text quoting the same numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from sim import games
from sim.config_models import validate_models
from sim.report_models import MODEL_FIGURES, models_markdown, run_models
from sim.wording import _pct

SIDES = ("United States", "Soviet Union")
BLOCKS = {
    "brinkmanship": dict(value=10, defender_value=8, war_cost_challenger=100, war_cost_defender=90,
                         challenger="Soviet Union", risk=0.085),
    "richardson": dict(k=0.9, l=0.8, a=1.0, b=1.1, g=1.0, h=2.0, start=[5, 20], t_max=30, units="spending"),
    "deterrence": dict(challenger=dict(SQ=2, DC=4, CB=1, CF=3), defender=dict(SQ=4, DC=2, CB=3, CF=1)),
    "qre": {"lambda_max": 200},
    "tying_hands": {"prior": 0.6, "audience_cost": 0.2},  # p > mu* = 0.5: pooling, the Challenger backs down
}


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    models = validate_models(BLOCKS, SIDES)
    summary = run_models(models, sides=SIDES, game=games.prisoners_dilemma(), out_dir=out)
    return out, summary


def test_every_figure_is_written(ran):
    out, _ = ran
    for rel in MODEL_FIGURES.values():
        assert (out / rel).stat().st_size > 5000, rel


def test_brinkmanship_numbers_are_the_closed_form(ran):
    s = ran[1]["brinkmanship"]
    assert s["defender"] == "United States"
    assert s["r_min"] == pytest.approx(8 / (8 + 90))  # Defender's resolve
    assert s["r_max"] == pytest.approx(10 / (10 + 100))  # Challenger's resolve
    assert s["window_exists"] and s["risk_in_window"]


def test_richardson_equilibrium_is_where_both_rates_vanish(ran):
    s = ran[1]["richardson"]
    x, y = s["equilibrium"]
    assert 0.9 * y - 1.0 * x + 1.0 == pytest.approx(0, abs=1e-12)
    assert 0.8 * x - 1.1 * y + 2.0 == pytest.approx(0, abs=1e-12)
    assert s["stable"] is True  # a b = 1.1 > k l = 0.72
    # the linear system's exact solution: z(t) = z* + expm(J t) (z0 - z*), J = [[-a, k], [l, -b]]
    J = np.array([[-1.0, 0.9], [0.8, -1.1]])
    exact = np.array([x, y]) + expm(J * 30.0) @ (np.array([5.0, 20.0]) - np.array([x, y]))
    assert s["end"] == pytest.approx(exact, rel=1e-6)


def test_deterrence_backward_induction(ran):
    s = ran[1]["deterrence"]
    # Challenger Hard (CF 3 > CB 1) so denial leads to conflict; Defender prefers DC (2) to CF (1): concedes;
    # Challenger prefers DC (4) to SQ (2): demands.  Outcome DC.
    assert s["outcome"] == "DC" and s["challenger_hard"] and not s["defender_hard"]


def test_qre_reaches_the_dominant_strategy(ran):
    s = ran[1]["qre"]
    # in the Prisoner's Dilemma escalation is dominant: nearly certain at high precision
    for side in SIDES:
        assert s["at_lambda_max"][side][-1] > 0.99
        assert np.isclose(sum(s["at_lambda_1"][side]), 1.0)


def test_tying_hands_pooling(ran):
    s = ran[1]["tying_hands"]
    assert s["defender"] == "United States" and s["equilibrium"] == "pooling_deterred"
    assert s["p_threat"] == pytest.approx(1.0) and s["p_war"] == pytest.approx(0.0)


def test_markdown_quotes_the_summary(ran):
    _, summary = ran
    md = models_markdown(summary, SIDES)
    assert _pct(summary["brinkmanship"]["r_min"]) in md and _pct(summary["brinkmanship"]["r_max"]) in md
    assert "**DC**" in md and "inside the window" in md
    for rel in MODEL_FIGURES.values():
        assert f"`{rel}`" in md
    assert models_markdown({}, SIDES) == ""


def test_tying_hands_block_semi_separating_closed_form(tmp_path):
    """p = 0.3 < mu* = 1/(1 - c_w) = 0.5 and a = 0.4 < a* = -w_U = 1: the unresolved type bluffs with
    q = p (1 - mu*) / ((1 - p) mu*) = 3/7, the Challenger presses with r = 1/(1 + a) = 5/7, and war
    comes when the resolved type is pressed: P(war) = p r = 3/14."""
    sides = ("India", "Pakistan")
    models = validate_models({"tying_hands": dict(prior=0.3, audience_cost=0.4, defender="Pakistan")}, sides)
    s = run_models(models, sides=sides, game=games.chicken(), out_dir=tmp_path)["tying_hands"]
    assert s["challenger"] == "India" and s["equilibrium"] == "semi_separating"
    assert s["bluff"] == pytest.approx(3 / 7) and s["press"] == pytest.approx(5 / 7)
    assert s["p_war"] == pytest.approx(3 / 14) and s["posterior"] == pytest.approx(0.5)
    assert (tmp_path / MODEL_FIGURES["tying_hands"]).stat().st_size > 5000
    md = models_markdown({"tying_hands": s}, sides)
    assert _pct(3 / 14) in md and _pct(3 / 7) in md


@pytest.mark.parametrize("block, field", [
    (dict(prior=1.3), "models.tying_hands.prior"),
    (dict(audience_cost=-1), "models.tying_hands.audience_cost"),
    (dict(foo=1), "models.tying_hands.foo"),
    (dict(defender="Atlantis"), "models.tying_hands.defender"),
])
def test_tying_hands_block_errors(block, field):
    from sim.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        validate_models({"tying_hands": block}, ("India", "Pakistan"))
    assert err.value.field == field
