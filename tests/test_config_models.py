"""The ``models:`` block of a run config: validation of each analytic model's parameters."""

from __future__ import annotations

import pytest

from sim.config.models import MODELS, validate_models
from sim.errors import ConfigError

SIDES = ("United States", "Soviet Union")
BRINK = dict(value=10, defender_value=8, war_cost_challenger=100, war_cost_defender=90, challenger="Soviet Union",
             risk=0.1)
RICH = dict(k=0.9, l=0.8, a=1.0, b=1.1, g=1.0, h=2.0, start=[5, 20], t_max=30, units="spending")
DETER = dict(challenger=dict(SQ=3, DC=4, CB=2, CF=1), defender=dict(SQ=4, DC=2, CB=3, CF=1))


def test_valid_blocks_round_trip():
    out = validate_models({"brinkmanship": BRINK, "richardson": RICH, "deterrence": DETER,
                           "qre": {"lambda_max": 50}}, SIDES)
    assert out["brinkmanship"]["challenger"] == "Soviet Union" and out["brinkmanship"]["risk"] == 0.1
    assert out["richardson"]["start"] == [5.0, 20.0] and out["richardson"]["t_max"] == 30.0
    assert out["deterrence"]["challenger_side"] == SIDES[0]  # default: the first side
    assert out["qre"] == {"lambda_max": 50.0}
    assert validate_models(None, SIDES) == {} and validate_models({}, SIDES) == {}
    assert set(MODELS) >= {"brinkmanship", "richardson", "deterrence", "qre", "tying_hands", "escalation"}


@pytest.mark.parametrize("raw, field", [
    ({"nope": {}}, "models.nope"),
    ({"brinkmanship": dict(BRINK, risk=1.5)}, "models.brinkmanship.risk"),
    ({"brinkmanship": dict(BRINK, war_cost_defender=0)}, "models.brinkmanship.war_cost_defender"),
    ({"brinkmanship": dict(BRINK, value=float("nan"))}, "models.brinkmanship.value"),
    ({"brinkmanship": dict(BRINK, challenger="France")}, "models.brinkmanship.challenger"),
    ({"brinkmanship": dict(BRINK, extra=1)}, "models.brinkmanship.extra"),
    ({"richardson": dict(RICH, k=-0.1)}, "models.richardson.k"),
    ({"richardson": dict(RICH, start=[1, 2, 3])}, "models.richardson.start"),
    ({"richardson": dict(RICH, t_max=0)}, "models.richardson.t_max"),
    ({"deterrence": dict(DETER, challenger=dict(SQ=1, DC=2, CB=3))}, "models.deterrence.challenger.CF"),
    ({"deterrence": dict(DETER, defender=dict(SQ=1, DC=2, CB=3, CF=4, XX=0))}, "models.deterrence.defender.XX"),
    ({"qre": {"lambda_max": -1}}, "models.qre.lambda_max"),
    ({"richardson": [1, 2]}, "models.richardson"),
])
def test_bad_blocks_name_the_field(raw, field):
    with pytest.raises(ConfigError) as err:
        validate_models(raw, SIDES)
    assert err.value.field == field
    assert "\n" not in str(err.value)
