"""Credibility with an opening under simultaneous timing: the best response starts from the other
side's automaton *after* it has observed the opening pair (as ``sim.analyse`` does)."""

from __future__ import annotations

import pytest

from sim.dynamic import credibility
from sim.games import build
from sim.repeated import CrisisSettings, analyse


def test_best_response_to_grim_after_an_opening_strike_is_to_escalate():
    """Prisoner's Dilemma (T, R, P, S) = (5, 3, 1, 0), discount 0.9: A has just defected (opening (1, 0)),
    so grim trigger B defects for ever; A's best is to defect too, P / (1 - 0.9) = 10, not R / (1 - 0.9) = 30."""
    g = build("prisoners_dilemma")
    cs = CrisisSettings(rounds=None, discount=0.9, opening=(1, 0))
    c = credibility(g, "always_restrain", "grim_trigger", settings=cs)
    restrain = analyse(g, "always_restrain", "grim_trigger", settings=cs).total_payoffs[0]
    escalate = analyse(g, "always_escalate", "grim_trigger", settings=cs).total_payoffs[0]
    assert c.value_a == pytest.approx(restrain, abs=1e-9) and restrain == pytest.approx(0.0, abs=1e-9)
    assert c.best_value_a == pytest.approx(escalate, abs=1e-9) and escalate == pytest.approx(10.0, abs=1e-9)
    assert c.gain_a == pytest.approx(10.0, abs=1e-9)


@pytest.mark.parametrize("opening", [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("a, b", [("tit_for_tat", "grim_trigger"), ("grim_trigger", "win_stay_lose_shift"),
                                  ("suspicious_tit_for_tat", "tit_for_two_tats")])
def test_best_value_is_at_least_the_stated_value_with_any_opening(opening, a, b):
    g = build("prisoners_dilemma")
    cs = CrisisSettings(rounds=None, discount=0.9, opening=opening, execution_noise=0.05, perception_noise=0.05,
                        settle_after=2)
    c = credibility(g, a, b, settings=cs)
    assert c.best_value_a >= c.value_a - 1e-9 and c.best_value_b >= c.value_b - 1e-9
    stated = analyse(g, a, b, settings=cs).total_payoffs
    assert c.value_a == pytest.approx(stated[0], abs=1e-9) and c.value_b == pytest.approx(stated[1], abs=1e-9)
