"""Logit QRE against Gambit, the reference implementation of the logit correspondence.

Gambit's ``pygambit.qre.logit_solve_lambda`` (Turocy 2005, "A dynamic homotopy
interpretation of the logit quantal response equilibrium correspondence", *Games and
Economic Behavior* 51, 243-263; Gambit 16) follows the principal branch from uniform
play at lambda = 0, exactly as :func:`sim.equilibria.trace` does, so at every lambda both must
give the same mixed profile.  Gambit uses the same logit form
``p_i ∝ exp(lambda * u_i)`` as McKelvey and Palfrey (1995).

Games checked: McKelvey and Palfrey's (1995) asymmetric matching pennies (row payoff 9
in the top-left cell), the stage games the simulator ships (Chicken, Stag Hunt, a
5-rung ladder), and random 2x2, 3x3 and 2x4 games.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import games
from sim.equilibria import qre, qre_2x2_all, trace

from conftest import require

pytestmark = pytest.mark.crosscheck  # needs pygambit: pip install -e ".[crosscheck]", then pytest -m crosscheck

LAMBDAS = [0.05, 0.3, 1.0, 2.5, 6.0]


@pytest.fixture(scope="module")
def gbt():
    return require("pygambit")


def _gambit(gbt, A, B, lams):
    g = gbt.Game.from_arrays(np.asarray(A, float), np.asarray(B, float))
    out = []
    for res in gbt.qre.logit_solve_lambda(g, lam=list(lams)):
        probs = np.array([float(res.profile[s]) for s in g.strategies])
        out.append((probs[: A.shape[0]], probs[A.shape[0]:]))
    return out


def _games():
    rng = np.random.default_rng(np.random.SeedSequence(2026))
    yield "McKelvey-Palfrey asymmetric matching pennies", np.array([[9.0, 0.0], [0.0, 1.0]]), \
        np.array([[0.0, 1.0], [1.0, 0.0]])
    for g in (games.stag_hunt(), games.ladder(K=5)):
        yield g.name, np.asarray(g.A, float), np.asarray(g.B, float)
    for shape in [(2, 2)] * 4 + [(3, 3)] * 3 + [(2, 4)] * 2:
        yield f"random {shape}", rng.normal(size=shape), rng.normal(size=shape)


@pytest.mark.parametrize("name, A, B", list(_games()), ids=lambda v: v if isinstance(v, str) else "")
def test_principal_branch_matches_gambit(gbt, name, A, B):
    # scale to a payoff range of about 1 so the lambdas span noisy to nearly rational play
    scale = max(np.ptp(A), np.ptp(B))
    A, B = A / scale, B / scale
    tr = trace((A, B), LAMBDAS)
    ref = _gambit(gbt, A, B, LAMBDAS)
    for i, (gx, gy) in enumerate(ref):
        np.testing.assert_allclose(tr.x[i], gx, atol=2e-6, err_msg=f"{name}, lambda={LAMBDAS[i]}")
        np.testing.assert_allclose(tr.y[i], gy, atol=2e-6, err_msg=f"{name}, lambda={LAMBDAS[i]}")


def test_single_lambda_solver_matches_gambit_on_the_mckelvey_palfrey_game(gbt):
    """``qre`` (fixed point from the uniform start) equals Gambit's QRE at lambda 0.5 and 2."""
    A, B = np.array([[9.0, 0.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    for lam, (gx, gy) in zip((0.5, 2.0), _gambit(gbt, A, B, (0.5, 2.0))):
        point = qre((A, B), lam)
        np.testing.assert_allclose(point.x, gx, atol=1e-7)
        np.testing.assert_allclose(point.y, gy, atol=1e-7)


def test_symmetric_chicken_past_the_pitchfork(gbt):
    """In symmetric Chicken the principal branch meets a pitchfork bifurcation: the
    symmetric QRE continues, and two asymmetric branches split off.  The continuation
    through a symmetric bifurcation is not unique, so Gambit and we may leave it on
    different branches.  Every point either returns must be among *all* the QRE of the
    game at that lambda (found by :func:`qre_2x2_all`), and before the bifurcation both
    must agree."""
    g = games.chicken()
    A, B = np.asarray(g.A, float), np.asarray(g.B, float)
    scale = max(np.ptp(A), np.ptp(B))
    A, B = A / scale, B / scale
    tr = trace((A, B), LAMBDAS)
    for i, (lam, (gx, gy)) in enumerate(zip(LAMBDAS, _gambit(gbt, A, B, LAMBDAS))):
        everyone = qre_2x2_all((A, B), lam)
        for x, y in ((tr.x[i], tr.y[i]), (gx, gy)):
            assert min(abs(p.x[0] - x[0]) + abs(p.y[0] - y[0]) for p in everyone) < 1e-5, (lam, x, y)
        if len(everyone) == 1:  # before the bifurcation the branch is unique
            np.testing.assert_allclose(tr.x[i], gx, atol=2e-6)
            np.testing.assert_allclose(tr.y[i], gy, atol=2e-6)
