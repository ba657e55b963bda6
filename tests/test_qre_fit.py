"""Tests for sim/estimate/qre_fit.py (logit QRE fitted to choice counts, McKelvey and Palfrey 1995).

Expected values: a published fit (Ochs 1995 data as fitted by McKelvey and Palfrey 1995, in
Gambit's documented replication), the likelihood recomputed here with numpy from the QRE of
:func:`sim.equilibria.qre`, the likelihood-ratio cut-off ``chi2_1(0.95) / 2 = 1.9207`` from
scipy, and simulation (parameter recovery).  The cross-check against pygambit's
``logit_estimate`` is in ``tests/test_qre_fit_gambit.py`` (crosscheck tier).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

import sim
from sim.equilibria import qre
from sim.errors import ConfigError
from sim.estimate import QREFit, fit_qre
from sim.games import from_matrices, prisoners_dilemma

# Ochs (1995) game 2 (row's payoff 4 at (Up, Left)), payoffs converted to 1982 US cents by
# McKelvey and Palfrey (1995): row x 0.2785, column x 1.1141.
OCHS_2 = from_matrices([[1.1141, 0.0], [0.0, 0.2785]], [[0.0, 1.1141], [1.1141, 0.0]])
CUT = stats.chi2.ppf(0.95, 1) / 2.0     # 1.9207: the likelihood-ratio drop of a 95% interval


def _ll(A, B, lam, ca, cb) -> float:
    """sum c log p at the principal-branch QRE at ``lam``, recomputed with numpy."""
    p = qre((A, B), lam)
    return float(np.dot(ca, np.log(p.x)) + np.dot(cb, np.log(p.y)))


# --------------------------------------------------------------------------- (b) a published fit
def test_reproduces_the_mckelvey_palfrey_fit_of_ochs_game_2():
    """McKelvey and Palfrey (1995: their fit of Ochs's (1995) game 2, one block of 128
    choices a side; observed frequencies of Up 0.527 and Left 0.366).  The published values are
    those of Gambit's replication (doc/tutorials/advanced_tutorials/quantal_response.ipynb,
    gambitproject/gambit 8883f75), which states that it reproduces MP1995's lambda, fitted profile
    and log-likelihood (MP1995 print log-likelihoods ten times too large): lambda = 1.846, fitted
    P(Up) = 0.616, P(Left) = 0.383, log-likelihood -174.76.  We assert to those printed digits
    (half a unit of the last one)."""
    fit = fit_qre(OCHS_2, [[128 * 0.527, 128 * 0.473], [128 * 0.366, 128 * 0.634]])
    assert abs(float(fit.lam) - 1.846) <= 5e-4
    assert abs(fit.profile.x[0] - 0.616) <= 5e-4 and abs(fit.profile.y[0] - 0.383) <= 5e-4
    assert abs(float(fit.log_likelihood) - (-174.76)) <= 5e-3
    assert abs(10 * float(fit.log_likelihood) - (-1747.6)) <= 5e-2     # on MP1995's printed scale


# --------------------------------------------------------------------------- the fit itself
def test_fit_is_the_maximum_of_the_multinomial_likelihood_on_the_principal_branch():
    rng = np.random.default_rng(np.random.SeedSequence(20261130))
    A, B = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    p = qre((A, B), 2.0)
    ca, cb = rng.multinomial(100, p.x), rng.multinomial(100, p.y)
    fit = fit_qre((A, B), [ca, cb])
    lam = float(fit.lam)
    assert 0 < lam < np.inf
    point = qre((A, B), lam)                                     # the principal branch at lam
    np.testing.assert_allclose(fit.profile.x, point.x, atol=1e-9)
    np.testing.assert_allclose(fit.profile.y, point.y, atol=1e-9)
    assert float(fit.log_likelihood) == pytest.approx(_ll(A, B, lam, ca, cb), abs=1e-9)
    # a maximum: both neighbours lower, and the slope (central difference) zero
    for d in (1e-3, 1e-2, 0.1):
        assert _ll(A, B, lam * (1 + d), ca, cb) < float(fit.log_likelihood)
        assert _ll(A, B, lam * (1 - d), ca, cb) < float(fit.log_likelihood)
    h = 1e-4 * lam
    assert abs(_ll(A, B, lam + h, ca, cb) - _ll(A, B, lam - h, ca, cb)) / (2 * h) < 1e-5
    # the profile curve agrees with the direct computation
    lams = np.array([2.0, 0.0, 0.5 * lam, lam])
    np.testing.assert_allclose(fit.log_likelihood_at(lams), [_ll(A, B, v, ca, cb) for v in lams], atol=1e-9)


def test_likelihood_ratio_interval_ends_where_the_log_likelihood_has_dropped_by_1_92():
    fit = fit_qre(OCHS_2, [[67, 61], [47, 81]])
    low, high = fit.interval
    assert 0 < low < float(fit.lam) < high < np.inf
    np.testing.assert_allclose(fit.log_likelihood_at([low, high]) - fit.log_likelihood, -CUT, atol=1e-8)
    inside = np.linspace(low, high, 9)[1:-1]
    assert np.all(fit.log_likelihood_at(inside) > fit.log_likelihood - CUT)
    assert "likelihood ratio" in fit.interval_method and fit.level == 0.95
    # a wider level gives a wider interval
    wide = fit_qre(OCHS_2, [[67, 61], [47, 81]], level=0.99).interval
    assert wide[0] < low and wide[1] > high


def test_upper_end_is_infinite_when_the_data_cannot_rule_out_nearly_rational_play():
    """Frequencies at the game's mixed Nash equilibrium (Up 1/2, Left 1/5 in Ochs game 2), the limit
    of the principal branch: LL rises towards the saturated LL as lam -> inf, so no finite upper end."""
    fit = fit_qre(OCHS_2, [[50, 50], [20, 80]])
    assert fit.interval[1] == np.inf
    assert fit.lam > 10 and fit.interval[0] > 0


def test_a_payoff_rescale_rescales_lambda():
    """Only lam x payoff differences matter: payoffs x 10 divide lam and the interval by 10."""
    counts = [[70, 58], [40, 88]]
    base = fit_qre(OCHS_2, counts)
    tenfold = fit_qre((10 * np.asarray(OCHS_2.A), 10 * np.asarray(OCHS_2.B)), counts)
    assert float(tenfold.lam) == pytest.approx(float(base.lam) / 10, rel=1e-8)
    np.testing.assert_allclose(tenfold.interval, base.interval / 10, rtol=1e-7)
    assert float(tenfold.log_likelihood) == pytest.approx(float(base.log_likelihood), abs=1e-9)


# --------------------------------------------------------------------------- (c) parameter recovery, batched
def test_parameter_recovery_95_percent_intervals_cover_about_95_of_100_replications():
    """Counts simulated from the QRE at a known lam (150 choices a side, SeedSequence), fitted as
    one batch of 100 data sets.  If the intervals have exact 95% coverage, the number covering
    is Binomial(100, 0.95): P(<= 87) = 0.0015 and P(100) = 0.0059, so 88..99 fails a correct
    method with probability < 1% (the seed is fixed, so the test itself is deterministic)."""
    rng = np.random.default_rng(np.random.SeedSequence(11))
    A, B = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    true_lam = 1.5
    p = qre((A, B), true_lam)
    ca, cb = rng.multinomial(150, p.x, size=100), rng.multinomial(150, p.y, size=100)
    fit = fit_qre((A, B), [ca, cb])
    assert fit.lam.shape == (100,) and fit.interval.shape == (100, 2) and fit.profile.x.shape == (100, 3)
    covered = int(np.sum((fit.interval[:, 0] <= true_lam) & (true_lam <= fit.interval[:, 1])))
    assert 88 <= covered <= 99, covered
    assert abs(np.median(fit.lam) - true_lam) < 0.1 * true_lam


def test_a_batch_equals_the_data_sets_fitted_one_by_one():
    rng = np.random.default_rng(np.random.SeedSequence(5))
    p = qre(OCHS_2, 2.0)
    ca = rng.multinomial(80, p.x, size=(2, 3))
    cb = rng.multinomial(60, p.y, size=(2, 3))
    batch = fit_qre(OCHS_2, [ca, cb])
    assert batch.lam.shape == (2, 3) and batch.n.shape == (2, 3, 2)
    for idx in np.ndindex(2, 3):
        one = fit_qre(OCHS_2, [ca[idx], cb[idx]])
        assert float(one.lam) == pytest.approx(batch.lam[idx], rel=1e-10)
        np.testing.assert_allclose(one.interval, batch.interval[idx], rtol=1e-10)
        assert float(one.log_likelihood) == pytest.approx(batch.log_likelihood[idx], abs=1e-10)
    # a (2, K) array is a pair too
    assert float(fit_qre(OCHS_2, np.array([ca[0, 0], cb[0, 0]])).lam) == pytest.approx(batch.lam[0, 0], rel=1e-10)
    # one side's counts broadcast against the other side's batch
    shared = fit_qre(OCHS_2, [ca[0, 0], cb])
    assert shared.lam.shape == (2, 3)


# --------------------------------------------------------------------------- (d) invariants
def test_uniform_counts_fit_lambda_zero():
    rng = np.random.default_rng(np.random.SeedSequence(3))
    A, B = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    fit = fit_qre((A, B), [[10, 10, 10], [7, 7, 7]])
    assert float(fit.lam) == 0.0 and fit.interval[0] == 0.0
    assert float(fit.log_likelihood) == pytest.approx(float(fit.log_likelihood_uniform), abs=1e-12)
    np.testing.assert_allclose(fit.profile.x, 1 / 3)
    # uniform-ish counts: a small lam whose interval reaches down to 0 (noise cannot be ruled out)
    near = fit_qre((A, B), [[11, 10, 9], [7, 8, 6]])
    assert near.interval[0] == 0.0 and float(near.lam) < near.interval[1]


def test_uniform_le_fitted_le_saturated_log_likelihood():
    rng = np.random.default_rng(np.random.SeedSequence(9))
    A, B = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    ca, cb = rng.integers(0, 40, size=(50, 2)), rng.integers(0, 40, size=(50, 3))
    fit = fit_qre((A, B), [ca, cb])
    assert np.all(fit.log_likelihood_uniform <= fit.log_likelihood + 1e-9)
    assert np.all(fit.log_likelihood <= fit.log_likelihood_saturated + 1e-9)
    n = ca.sum(1), cb.sum(1)
    np.testing.assert_allclose(fit.n, np.stack(n, -1))
    np.testing.assert_allclose(fit.log_likelihood_uniform, -n[0] * np.log(2) - n[1] * np.log(3))
    with np.errstate(divide="ignore", invalid="ignore"):
        sat = np.nansum(ca * np.log(ca / n[0][:, None]), 1) + np.nansum(cb * np.log(cb / n[1][:, None]), 1)
    np.testing.assert_allclose(fit.log_likelihood_saturated, sat)
    np.testing.assert_allclose(fit.deviance, 2 * (sat - fit.log_likelihood))
    assert fit.df_residual == 2 and np.all(fit.lr_uniform >= -1e-9)


def test_data_on_a_pure_equilibrium_give_an_infinite_lambda():
    """Every choice on the prisoners' dilemma's dominant rung: LL -> 0 as lam -> inf."""
    fit = fit_qre(prisoners_dilemma(), [[0, 10], [0, 12]])
    assert fit.lam == np.inf and fit.interval[1] == np.inf and fit.interval[0] > 0
    assert fit.profile.x[1] > 1 - 1e-12 and float(fit.log_likelihood) <= 0.0


def test_result_is_a_frozen_dataclass_that_names_the_branch():
    fit = fit_qre(OCHS_2, [[60, 68], [50, 78]])
    assert isinstance(fit, QREFit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.lam = 1.0
    assert "principal branch" in fit.branch and "McKelvey and Palfrey 1995" in fit.branch
    assert sim.fit_qre is fit_qre and sim.QREFit is QREFit


# --------------------------------------------------------------------------- (e) bad input
@pytest.mark.parametrize("counts, field", [
    ([[5, -1], [3, 3]], "counts[0]"),
    ([[5, 1, 2], [3, 3]], "counts[0]"),
    ([[5, 1], [3]], "counts[1]"),
    ([[0, 0], [0, 0]], "counts"),
    ([[5, 1]], "counts"),
    (np.ones((3, 2)), "counts"),
    ("ab", "counts"),
    ([[5, np.nan], [3, 3]], "counts[0]"),
    ([["a", 1], [3, 3]], "counts[0]"),
    ([np.ones((3, 2)), np.ones((4, 2))], "counts"),
])
def test_bad_counts_are_one_line_config_errors(counts, field):
    with pytest.raises(ConfigError) as err:
        fit_qre(OCHS_2, counts)
    assert err.value.field == field and "\n" not in str(err.value)


def test_bad_game_and_level_are_config_errors():
    with pytest.raises(ConfigError, match="one game"):
        fit_qre((np.ones((3, 2, 2)), np.ones((3, 2, 2))), [[1, 1], [1, 1]])
    with pytest.raises(ConfigError, match="level"):
        fit_qre(OCHS_2, [[1, 1], [1, 1]], level=1.5)
    with pytest.raises(ConfigError, match="lams"):
        fit_qre(OCHS_2, [[3, 1], [1, 1]]).log_likelihood_at([-1.0])
    with pytest.raises(ConfigError, match=r"data set \(1,\)"):
        fit_qre(OCHS_2, [[[1, 1], [0, 0]], [[1, 1], [0, 0]]])


# --------------------------------------------------------------------------- the batched branch kernel
@pytest.mark.parametrize("name", ["chicken", "ladder", "random"])
def test_branch_grid_equals_the_traced_branch_at_every_grid_point(name):
    """Only every 4th grid point is traced; the Newton-corrected points between must be the
    principal branch too (also past the pitchfork of symmetric Chicken), i.e. equal what
    :func:`sim.equilibria.trace` gives at every point."""
    from sim.equilibria import trace
    from sim.estimate.qre_branch import branch_grid, log_branch

    game = {"chicken": sim.chicken(), "ladder": sim.ladder(K=5),
            "random": tuple(np.random.default_rng(np.random.SeedSequence(4)).normal(size=(2, 4, 3)))}[name]
    A, B = (np.asarray(m, float) for m in sim.payoff_matrices(game))
    grid = np.concatenate([[0.0], np.logspace(-2, 3, 121)]) / max(np.ptp(A), np.ptp(B))
    tr = trace((A, B), grid)
    np.testing.assert_allclose(np.exp(branch_grid(A, B, grid)), np.exp(log_branch(A, B, grid, tr.x, tr.y)), atol=1e-10)
