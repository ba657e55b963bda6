"""The README's Python examples run as written (what a newcomer would paste)."""

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2
    ns: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), ns)  # noqa: S102 - our own documentation
    # the examples' claims hold: a unique pure equilibrium on the default ladder, a 200x200 batch
    assert ns["eqs"].degenerate is False and len(ns["eqs"]) == 1 and ns["eqs"][0].is_pure
    assert ns["x"].shape == (200, 200, 3, 2)
    degenerate = ns["nash_2x2"](ns["grid"]).degenerate
    assert np.all(np.isin(ns["count"][~degenerate], (1, 3)))  # Wilson's oddness theorem
    assert ns["exact"].p_war.shape == (30,)
    assert abs(ns["mc"].p_war[-1] - ns["exact"].p_war[-1]) < 5 * np.sqrt(0.25 / 100_000)
    assert ns["t"].M.shape == (3, 3)
    table = ns["table"]
    assert len(table) == 10
    # without noise two reciprocating policies starting at rung 0 never leave it: no war, payoff 0
    quiet = table[table.perception_noise == 0.0]
    assert (quiet.p_war_by_T == 0).all() and (quiet.payoff_a == 0).all()
