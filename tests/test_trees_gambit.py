"""Backward induction against Gambit, point by point.

For random parameter points of the Zagare-Kilgour asymmetric escalation game (generic normal
payoffs) and of the brinkmanship tree with a chance node (configs/tree/brinkmanship_tree.yaml),
pygambit 16 (``enumpure_agent_solve``: every pure agent-form equilibrium, in exact rationals)
filtered to the profiles with no profitable one-shot deviation at any decision node gives the
pure subgame-perfect equilibria.  They must be exactly our solution: the same move at every
decision node where ours is not indifferent, the same outcome probabilities, and a single
equilibrium wherever ours reports no tie.  The Gambit side is the one the benchmark times
(``benchmarks/bench_trees.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import require

pytestmark = pytest.mark.crosscheck  # needs pygambit: pip install -e ".[crosscheck]", then pytest -m crosscheck

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_trees import GambitTree, compare_solvers, draw, run_gambit, solvers  # noqa: E402

from sim.crisis.escalation import asymmetric_escalation_spec  # noqa: E402
from sim.crisis.trees import Tree, load_tree, solve  # noqa: E402


@pytest.mark.parametrize("kind", ["escalation", "brinkmanship"])
def test_subgame_perfect_equilibria_equal_gambits(kind):
    require("pygambit")  # bench_trees imports it where it builds the Gambit tree
    tree = (Tree.from_spec(asymmetric_escalation_spec()) if kind == "escalation"
            else load_tree(ROOT / "configs" / "tree" / "brinkmanship_tree.yaml"))
    params = draw(tree, kind, 80, np.random.SeedSequence([2026, 11, 24, len(kind)]))
    sol = solve(tree, **params)
    gt = GambitTree(tree)
    solver = solvers(gt, [0.0])["agent+SPE"]
    _, _, results = run_gambit(gt, solver, params, 80)
    assert compare_solvers(gt, sol, results, check_moves=True, unique=True, atol=1e-9) == 0
    if kind == "brinkmanship":  # the chance node is on the equilibrium path somewhere in the sample
        assert np.any(np.asarray(sol.reach["brink"]) > 0)
