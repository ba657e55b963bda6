"""The models block of a run: kernels called with the config's numbers, figures written,
and the text quoting the same numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from sim import games
from sim.config.models import validate_models
from sim.report import MODEL_FIGURES, models_markdown
from sim.report.models import run_models
from sim.wording import fmt_percent

SIDES = ("United States", "Soviet Union")
BLOCKS = {
    "brinkmanship": dict(value=10, defender_value=8, war_cost_challenger=100, war_cost_defender=90,
                         challenger="Soviet Union", risk=0.085),
    "richardson": dict(k=0.9, l=0.8, a=1.0, b=1.1, g=1.0, h=2.0, start=[5, 20], t_max=30, units="spending"),
    "deterrence": dict(challenger=dict(SQ=2, DC=4, CB=1, CF=3), defender=dict(SQ=4, DC=2, CB=3, CF=1)),
    "qre": {"lambda_max": 200},
    "tying_hands": {"prior": 0.6, "audience_cost": 0.2},  # p > mu* = 0.5: pooling, the Challenger backs down
    "escalation": {"challenger": dict(SQ=6, DC=7, DD=4, ED=5, DE=2, EE=1),  # Soft Challenger
                   "defender": dict(SQ=8, DC=5, DD=6, ED=2, DE=7, EE=3)},  # Hard/Hard Defender
    "tree": {"players": ["A", "B"], "root": "s", "nodes": {"s": {"player": "A", "moves": {"x": "X", "y": "Y"}},
                                                             "X": {"payoffs": [1, 0]}, "Y": {"payoffs": [2, 0]}}},
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


def test_escalation_soft_challenger_keeps_the_status_quo(ran):
    """Soft Challenger (EE = 1 < DE = 2): if the Defender escalates the Challenger does not answer, so ...
    by hand: after Ch escalates, Def counter-escalates (EE 3 > ED 2); Ch then prefers DD (4) to EE (1)
    after a response in kind; Def escalating gives DE (7) since Ch will not counter (DE 2 > EE 1); Def's
    options DC 5, DD 6, DE 7: it escalates; Ch compares DE (2) with SQ (6): it does not initiate."""
    s = ran[1]["escalation"]
    assert s["outcome"] == "SQ" and s["challenger_type"] == "Soft" and s["defender_type"] == "Hard/Hard"
    assert ran[1]["tree"]["outcomes"] == {"Y": 1.0}


def test_markdown_quotes_the_summary(ran):
    _, summary = ran
    md = models_markdown(summary, SIDES)
    assert fmt_percent(summary["brinkmanship"]["r_min"]) in md and fmt_percent(summary["brinkmanship"]["r_max"]) in md
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
    assert fmt_percent(3 / 14) in md and fmt_percent(3 / 7) in md


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


def test_escalation_block_hard_challenger_against_hard_soft_defender(tmp_path):
    """Zagare-Kilgour orderings as ranks (1 = worst): Challenger EE-(1) DE(2) EE+(3) DD(4) ED(5) SQ(6) DC(7),
    Hard so EE = 3; Defender EE-(1) ED(2) EE+(3) DD-(4) DC(5) DD+(6) DE(7) SQ(8), Hard/Soft so DD = 6, EE = 1.
    By hand: after Ch escalates, Def prefers ED (2) to EE (1); so after a response in kind Ch escalates
    (ED 5 > DD 4); after Def escalates Ch counter-escalates (EE 3 > DE 2); Def's options are DC (5), ED (2),
    EE (1): it concedes; Ch prefers DC (7) to SQ (6) and initiates.  Outcome DC."""
    sides = ("Pakistan", "India")
    block = {"challenger": dict(SQ=6, DC=7, DD=4, ED=5, DE=2, EE=3),
             "defender": dict(SQ=8, DC=5, DD=6, ED=2, DE=7, EE=1), "challenger_side": "Pakistan"}
    models = validate_models({"escalation": block}, sides)
    s = run_models(models, sides=sides, game=games.chicken(), out_dir=tmp_path)["escalation"]
    assert s["outcome"] == "DC" and s["challenger_type"] == "Hard" and s["defender_type"] == "Hard/Soft"
    assert [(st["mover"], st["move"]) for st in s["path"]] == [("Pakistan", "defect"), ("India", "concede")]
    assert (tmp_path / MODEL_FIGURES["escalation"]).stat().st_size > 5000
    assert "**DC**" in models_markdown({"escalation": s}, sides)


def test_tree_block_with_a_chance_node(tmp_path):
    """A pushes or stays; B yields or resists; resisting leads to war with probability p = 0.3.
    At the chance node A expects 0.3 (-10) + 0.7 (-1) = -3.7 and B 0.3 (-10) + 0.7 (1) = -2.3; B prefers
    yielding (-2) to -2.3, so A pushes (2 > 0): outcome Y, payoffs (2, -2)."""
    spec = {"players": ["A", "B"], "params": {"p": 0.3}, "root": "start", "title": "Push or stay",
            "roles": {"A": "India", "B": "Pakistan"},
            "nodes": {"start": {"player": "A", "moves": {"stay": "SQ", "push": "b"}},
                      "b": {"player": "B", "moves": {"yield": "Y", "resist": "c"}},
                      "c": {"chance": {"W": "p", "F": {"p": -1, "const": 1}}},
                      "SQ": {"payoffs": [0, 0]}, "Y": {"payoffs": [2, -2]},
                      "W": {"payoffs": [-10, -10]}, "F": {"payoffs": [-1, 1]}}}
    models = validate_models({"tree": spec}, ("India", "Pakistan"))
    s = run_models(models, sides=("India", "Pakistan"), game=games.chicken(), out_dir=tmp_path)["tree"]
    assert s["outcomes"] == {"Y": pytest.approx(1.0)}
    assert s["value"] == {"India": pytest.approx(2.0), "Pakistan": pytest.approx(-2.0)}
    assert [st["move"] for st in s["path"]] == ["push", "yield"]
    assert (tmp_path / MODEL_FIGURES["tree"]).stat().st_size > 5000


@pytest.mark.parametrize("block, field", [
    ({"players": ["A"], "root": "x", "nodes": {"x": {"payoffs": [1, 2]}}}, "models.tree"),
    ({"players": ["A", "B"], "root": "x", "nodes": {"x": {"payoffs": [1, 2]}}, "roles": {"C": "India"}},
     "models.tree.roles.C"),
    ({"players": ["A", "B"], "root": "x", "nodes": {"x": {"payoffs": [1, 2]}}, "bogus": 1}, "models.tree.bogus"),
])
def test_tree_block_errors(block, field):
    from sim.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        validate_models({"tree": block}, ("India", "Pakistan"))
    assert err.value.field.startswith(field)


def test_brinkmanship_tree_config_threshold_is_the_closed_form():
    """configs/tree/brinkmanship_tree.yaml: pressing is credible iff r (-100) + (1 - r) 10 > -2, i.e.
    r < 12/110; then the Defender concedes at once (DC), otherwise the Challenger keeps the status quo.
    Solved for 2,001 risks in one batch."""
    from pathlib import Path

    from sim.crisis.trees import load_tree, solve

    tree = load_tree(Path(__file__).resolve().parent.parent / "configs" / "tree" / "brinkmanship_tree.yaml")
    risk = np.linspace(0.0, 0.5, 2001)
    sol = solve(tree, risk=risk)
    reach_dc = np.asarray(sol.reach["DC"])
    reach_sq = np.asarray(sol.reach["SQ"])
    credible = risk * -100 + (1 - risk) * 10 > -2
    np.testing.assert_array_equal(reach_dc == 1.0, credible)
    np.testing.assert_array_equal(reach_sq == 1.0, ~credible)


def test_qre_block_lists_every_equilibrium_of_symmetric_chicken(tmp_path):
    """Hawk-Dove Chicken (value 2, crash cost 6): the branch from random play stays symmetric and tends
    to the mixed equilibrium (stand firm with probability value / crash cost = 1/3); at high precision
    the two asymmetric QRE near the pure equilibria exist too, and the text says so."""
    sides = ("Side A", "Side B")
    models = validate_models({"qre": {"lambda_max": 100}}, sides)
    s = run_models(models, sides=sides, game=games.chicken(value=2, crash_cost=6), out_dir=tmp_path)["qre"]
    assert s["at_lambda_max"]["Side A"][-1] == pytest.approx(s["at_lambda_max"]["Side B"][-1], abs=1e-9)
    assert s["at_lambda_max"]["Side A"][-1] == pytest.approx(1 / 3, abs=0.02)
    assert len(s["all_at_lambda_max"]) == 3
    assert "the game has 3 logit equilibria" in models_markdown({"qre": s}, sides)
