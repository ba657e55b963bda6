"""QRE estimation against Gambit: ``sim.estimate.fit_qre`` vs ``pygambit.qre.logit_estimate``.

Gambit 16's ``logit_estimate`` (Bland and Turocy 2023, "Quantal response equilibrium as a
structural model for estimation: the missing manual") maximises the same multinomial
log-likelihood ``sum c log p`` over the same principal branch of the logit QRE correspondence
(McKelvey and Palfrey 1995), given a ``MixedStrategyProfile`` of counts.  So lambda, the fitted
profile and the log-likelihood must agree.

Tolerances, set by Gambit's precision.  Gambit's branch points solve the QRE condition only to
its corrector tolerance: its fitted profiles miss the fixed point by ~5e-8 and their
probabilities sum to 1 + ~1e-7, which moves its reported log-likelihood by up to ~2e-5 (upwards
as often as not) and, where the likelihood is flat, its lambda by up to ~2e-4 relative (we
measured 1.9e-4 relative, 1.6e-3 of the 95% interval's width, on 1000 simulated data sets,
``benchmarks/bench_qre_fit.py``; 1.2e-8 on the games below).  So we require: lambda within
``rtol = 1e-3`` and within 1% of the interval's width; the log-likelihood within 1e-4; the profile
within 1e-5; and ours the better maximiser: our log-likelihood at Gambit's lambda no higher than
at ours (to 1e-9: n x the 1e-12 tolerance of our QRE solves), both on our branch.

Games: Ochs's (1995) game 2 as scaled by McKelvey and Palfrey (1995), the stage games the
simulator ships (Stag Hunt, a 3-rung ladder), and random 2x2, 3x3, 2x4 and 4x3 games, each
with counts simulated from its QRE at a known lambda (numpy SeedSequence).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import games
from sim.equilibria import qre
from sim.estimate import fit_qre

from conftest import require

pytestmark = pytest.mark.crosscheck  # needs pygambit: pip install -e ".[crosscheck]", then pytest -m crosscheck


@pytest.fixture(scope="module")
def gbt():
    return require("pygambit")


def _gambit_fit(gbt, A, B, ca, cb):
    g = gbt.Game.from_arrays(np.asarray(A, float), np.asarray(B, float))
    data = g.mixed_strategy_profile([[float(v) for v in ca], [float(v) for v in cb]])
    res = gbt.qre.logit_estimate(data)
    probs = np.array([float(res.profile[s]) for s in g.strategies])
    return float(res.lam), float(res.log_like), probs[: A.shape[0]], probs[A.shape[0]:]


def _cases():
    rng = np.random.default_rng(np.random.SeedSequence(20261130))
    yield "Ochs game 2 (MP1995 block)", np.array([[1.1141, 0.0], [0.0, 0.2785]]), \
        np.array([[0.0, 1.1141], [1.1141, 0.0]]), [67.456, 60.544], [46.848, 81.152]
    for g in (games.stag_hunt(), games.ladder(K=3)):
        A, B = (np.asarray(m, float) for m in games.payoff_matrices(g))
        scale = max(np.ptp(A), np.ptp(B))
        p = qre((A, B), 1.5 / scale)
        yield g.name, A, B, rng.multinomial(120, p.x), rng.multinomial(120, p.y)
    for shape in [(2, 2)] * 3 + [(3, 3)] * 3 + [(2, 4), (4, 3)]:
        A, B = rng.normal(size=shape), rng.normal(size=shape)
        p = qre((A, B), 2.0)
        yield f"random {shape}", A, B, rng.multinomial(200, p.x), rng.multinomial(150, p.y)


@pytest.mark.parametrize("name, A, B, ca, cb", list(_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_fit_matches_gambit_logit_estimate(gbt, name, A, B, ca, cb):
    fit = fit_qre((A, B), [ca, cb])
    lam, ll, gx, gy = _gambit_fit(gbt, A, B, ca, cb)
    assert np.isfinite(fit.lam), name
    assert float(fit.lam) == pytest.approx(lam, rel=1e-3), name
    assert abs(float(fit.lam) - lam) <= 0.01 * (fit.interval[1] - fit.interval[0]), name
    assert float(fit.log_likelihood) == pytest.approx(ll, abs=1e-4), name
    assert fit.log_likelihood_at([lam])[0] <= fit.log_likelihood + 1e-9, name
    np.testing.assert_allclose(fit.profile.x, gx, atol=1e-5, err_msg=name)
    np.testing.assert_allclose(fit.profile.y, gy, atol=1e-5, err_msg=name)


def test_batch_matches_gambit_data_set_by_data_set(gbt):
    """A batch of 40 data sets on one game: each entry equals Gambit's fit of that data set (to
    Gambit's precision, module docstring), and no Gambit lambda beats ours on our branch."""
    A, B = np.array([[1.1141, 0.0], [0.0, 0.2785]]), np.array([[0.0, 1.1141], [1.1141, 0.0]])
    rng = np.random.default_rng(np.random.SeedSequence(7))
    p = qre((A, B), 2.5)
    ca, cb = rng.multinomial(100, p.x, size=40), rng.multinomial(100, p.y, size=40)
    fit = fit_qre((A, B), [ca, cb])
    ref = np.array([_gambit_fit(gbt, A, B, ca[i], cb[i])[:2] for i in range(40)])
    np.testing.assert_allclose(fit.lam, ref[:, 0], rtol=1e-3)
    assert np.all(np.abs(fit.lam - ref[:, 0]) <= 0.01 * (fit.interval[:, 1] - fit.interval[:, 0]))
    np.testing.assert_allclose(fit.log_likelihood, ref[:, 1], atol=1e-4)
    at_gambit = np.diagonal(fit.log_likelihood_at(ref[:, 0]))          # data set i at Gambit's lambda i
    assert np.all(at_gambit <= fit.log_likelihood + 1e-9)
