"""Tests for sim/equilibria/logit_qre.py (logit quantal response equilibria).

Expected values are closed forms derived in the docstrings below, limits proved by
McKelvey and Palfrey (1995), Nash equilibria from nashpy, or the fixed-point condition
re-derived here with numpy (``_softmax`` below), independently of ``sim.equilibria.logit_qre``.
"""

from __future__ import annotations

import io

import nashpy as nash
import numpy as np
import pytest
from matplotlib.figure import Figure

from sim.equilibria.nash import nash_equilibria
from sim.equilibria import risk_dominance_2x2
from sim.errors import ConfigError
from sim.games import chicken, from_matrices, prisoners_dilemma, stag_hunt, symmetric
from sim.equilibria import QREPoint, QRETrace, logit_response, qre, qre_2x2_all, trace
from sim.viz.qre import plot_correspondence

LAMS = np.concatenate([[0.0], np.logspace(-2, 2.5, 30)])
MATCHING_PENNIES = from_matrices([[1.0, -1.0], [-1.0, 1.0]])
# McKelvey and Palfrey (1995, sec. 4, fig. 1) asymmetric matching pennies: row's payoff 9 at (Up, Left)
ASYM_PENNIES = from_matrices([[9.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]])


def _softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


def _residual(A, B, lam, x, y) -> float:
    """max |x - softmax(lam A y)|, |y - softmax(lam x B)|, computed without sim.equilibria.logit_qre."""
    A, B = np.asarray(A), np.asarray(B)
    return max(np.abs(x - _softmax(lam * (A @ y))).max(), np.abs(y - _softmax(lam * (x @ B))).max())


def _logistic(s):
    return 1.0 / (1.0 + np.exp(-s))


# --------------------------------------------------------------------------- lam = 0
def test_lambda_zero_is_uniform_play():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    tr = trace((A, B), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(tr.x[:2], 1 / 3)
    np.testing.assert_allclose(tr.y[:2], 1 / 4)
    x, y = qre((A, B), 0.0)
    np.testing.assert_allclose(x, 1 / 3)
    np.testing.assert_allclose(y, 1 / 4)
    (only,) = qre_2x2_all(stag_hunt(), 0.0)
    np.testing.assert_allclose(only.x, 0.5)
    np.testing.assert_allclose(only.y, 0.5)


# --------------------------------------------------------------------------- large lam -> Nash
def test_prisoners_dilemma_escalation_probability_tends_to_one():
    g = prisoners_dilemma()
    (ne,) = nash.Game(g.A, g.B).support_enumeration()  # unique: mutual escalation
    np.testing.assert_allclose(ne[0], [0, 1])
    (eq,) = nash_equilibria(g)
    np.testing.assert_allclose(eq.x, [0, 1])
    tr = trace(g, LAMS)
    assert np.all(np.diff(tr.x[:, 0]) < 0)           # restraint falls (escalation rises) with precision
    assert tr.x[-1, 0] < 1e-100 and tr.y[-1, 0] < 1e-100   # lam ~ 316: restraint ~ exp(-316)
    # escalation gains at least P - S = 1 whatever B does, so 1 - p <= logistic(-lam)
    assert np.all(tr.x[:, 0] <= _logistic(-LAMS) * (1 + 1e-9))   # equality in the limit q -> 1


def test_matching_pennies_qre_is_one_half_for_every_lambda():
    tr = trace(MATCHING_PENNIES, LAMS)
    np.testing.assert_allclose(tr.x, 0.5, atol=1e-12)
    np.testing.assert_allclose(tr.y, 0.5, atol=1e-12)
    for lam in (0.3, 5.0, 300.0):
        (only,) = qre_2x2_all(MATCHING_PENNIES, lam)
        np.testing.assert_allclose(only.x, 0.5, atol=1e-12)
        np.testing.assert_allclose(only.y, 0.5, atol=1e-12)


def test_asymmetric_matching_pennies_mckelvey_palfrey_1995():
    """MP (1995, fig. 1): Nash is Up 1/2, Left 1/10; along the logit branch row's Up
    probability stays above 1/2 (own-payoff effect) and column's Left falls from 1/2 to 1/10."""
    g = ASYM_PENNIES
    (ne,) = nash.Game(g.A, g.B).support_enumeration()
    np.testing.assert_allclose(ne[0], [0.5, 0.5])
    np.testing.assert_allclose(ne[1], [0.1, 0.9])
    lams = np.concatenate([[0.0], np.logspace(-2, 3, 40)])
    tr = trace(g, lams)
    assert np.all(tr.x[1:, 0] > 0.5)
    assert np.all(tr.y[1:, 0] < 0.5)
    assert np.all(np.diff(tr.y[:, 0]) < 0)
    assert abs(tr.x[-1, 0] - 0.5) < 1e-2 and abs(tr.y[-1, 0] - 0.1) < 1e-2   # lam = 1000
    # near lam = 0: dp/dlam = (1/4) * (row's payoff gain of Up at uniform play) = (9/2 - 1/2)/4 = 1
    lam = 1e-4
    x, _ = qre(g, lam)
    assert x[0] - 0.5 == pytest.approx(lam, rel=1e-3)
    # the QRE is unique at every lambda and is the traced one
    for k in (5, 20, 35):
        (only,) = qre_2x2_all(g, lams[k])
        np.testing.assert_allclose(only.x, tr.x[k], atol=1e-9)
        np.testing.assert_allclose(only.y, tr.y[k], atol=1e-9)


# --------------------------------------------------------------------------- closed forms
def test_dominant_strategy_closed_form():
    """symmetric(R=3, S=0, T=5, P=2): escalating gains T - R = P - S = 2 against either
    rung, so the logit response ignores the other side: p = 1 / (1 + exp(-2 lam)) exactly."""
    g = symmetric(R=3.0, S=0.0, T=5.0, P=2.0)
    exact = 1.0 / (1.0 + np.exp(-2.0 * LAMS))
    tr = trace(g, LAMS)
    np.testing.assert_allclose(tr.x[:, 1], exact, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tr.y[:, 1], exact, rtol=1e-12, atol=1e-14)
    for lam in (0.1, 1.0, 7.0):
        (only,) = qre_2x2_all(g, lam)
        assert only.x[1] == pytest.approx(1.0 / (1.0 + np.exp(-2.0 * lam)), rel=1e-12)


def test_stag_hunt_principal_branch_matches_inverse_closed_form():
    """Stag Hunt (5, 0, 4, 2): escalating gains D(p) = (T - R)(1 - p) + (P - S) p = 3p - 1
    against escalation probability p, so a symmetric QRE satisfies p = logistic(lam D(p)),
    i.e. lam = logit(p) / (3p - 1): exact (lam, p) pairs for p in (1/2, 1)."""
    p = np.array([0.55, 0.7, 0.9, 0.99, 0.999999])
    lam = np.log(p / (1 - p)) / (3 * p - 1)
    assert np.all(np.diff(lam) > 0)      # the branch is monotone there, so trace passes each pair
    tr = trace(stag_hunt(), lam)
    np.testing.assert_allclose(tr.x[:, 1], p, rtol=1e-9)
    np.testing.assert_allclose(tr.y[:, 1], p, rtol=1e-9)
    # it selects the risk-dominant equilibrium (mutual escalation here)
    np.testing.assert_array_equal(risk_dominance_2x2(stag_hunt()), [1, 1])


@pytest.mark.parametrize("game", [stag_hunt(), from_matrices([[2.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 2.0]])],
                         ids=["stag_hunt", "battle_of_sexes"])
def test_coordination_games_have_three_qre_at_high_lambda_and_one_at_low(game):
    assert len(qre_2x2_all(game, 0.3)) == 1
    many = qre_2x2_all(game, 10.0)
    assert len(many) == 3
    for pt in many:
        assert _residual(game.A, game.B, 10.0, pt.x, pt.y) < 1e-12
    # near each pure Nash equilibrium and near the mixed one
    nash_x = sorted(e.x[1] for e in nash_equilibria(game))
    np.testing.assert_allclose([pt.x[1] for pt in many], nash_x, atol=0.1)
    # the traced (principal) QRE is one of them
    x, y = qre(game, 10.0)
    assert min(np.abs(pt.x - x).max() + np.abs(pt.y - y).max() for pt in many) < 1e-9


def test_qre_from_start_point_is_a_fixed_point():
    g = stag_hunt()
    pts = qre_2x2_all(g, 10.0)
    low = pts[0]                                        # the QRE near mutual restraint
    x, y = qre(g, 10.0, x0=(low.x, low.y))
    np.testing.assert_allclose(x, low.x, atol=1e-12)
    x, y = qre(g, 10.0, x0=([0.8, 0.2], [0.3, 0.7]))
    assert _residual(g.A, g.B, 10.0, x, y) < 1e-12


# --------------------------------------------------------------------------- residuals
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fixed_point_residual_vanishes_along_the_trace(seed):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    lams = np.concatenate([[0.0], np.logspace(-2, 3, 25)])
    tr = trace((A, B), lams)
    assert isinstance(tr, QRETrace) and tr.x.shape == (26, 3) and tr.y.shape == (26, 4)
    for lam, x, y in zip(tr.lambdas, tr.x, tr.y):
        assert _residual(A, B, lam, x, y) < 1e-10
        assert x.sum() == pytest.approx(1) and y.sum() == pytest.approx(1)
    # the limit is close to a Nash equilibrium (McKelvey and Palfrey 1995, thm. 2)
    dist = min(max(np.abs(e.x - tr.x[-1]).max(), np.abs(e.y - tr.y[-1]).max()) for e in nash_equilibria((A, B)))
    assert dist < 0.05


def test_logit_response_broadcasts_over_a_batch():
    g = chicken(value=[1.0, 2.0, 3.0], crash_cost=6.0)
    x = np.array([[0.2, 0.8], [0.5, 0.5], [0.9, 0.1]])
    y = np.array([[0.6, 0.4], [0.1, 0.9], [0.5, 0.5]])
    xn, yn = logit_response(g.A, g.B, x, y, 2.0)
    for k in range(3):
        np.testing.assert_allclose(xn[k], _softmax(2.0 * (g.A[k] @ y[k])))
        np.testing.assert_allclose(yn[k], _softmax(2.0 * (x[k] @ g.B[k])))


# --------------------------------------------------------------------------- errors and plot
@pytest.mark.parametrize("call", [
    lambda: qre(stag_hunt(), -1.0),
    lambda: trace(stag_hunt(), [0.0, -0.5]),
    lambda: trace(stag_hunt(), [2.0, 1.0]),
    lambda: qre_2x2_all(stag_hunt(), float("nan")),
    lambda: qre(stag_hunt(R=[5.0, 6.0]), 1.0),
    lambda: trace(stag_hunt(R=[5.0, 6.0]), [1.0]),
    lambda: qre_2x2_all(from_matrices(np.eye(3)), 1.0),
    lambda: qre(stag_hunt(), 1.0, x0=([1.0, 0.0, 0.0], [0.5, 0.5])),
])
def test_bad_input_gives_one_line_config_error(call):
    with pytest.raises(ConfigError) as info:
        call()
    assert "\n" not in str(info.value)


def test_plot_correspondence_draws_each_rung_on_a_log_axis():
    tr = trace(from_matrices(np.arange(6.0).reshape(2, 3), np.arange(6.0)[::-1].reshape(2, 3)), LAMS)
    fig = plot_correspondence(tr)
    assert isinstance(fig, Figure)
    ax_a, ax_b = fig.axes
    assert ax_a.get_xscale() == "log" and ax_b.get_xscale() == "log"
    assert len(ax_a.get_lines()) == 2 and len(ax_b.get_lines()) == 3
    np.testing.assert_allclose(ax_b.get_lines()[0].get_xdata(), LAMS[1:])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"
    assert isinstance(qre(stag_hunt(), 1.0), QREPoint)


def test_published_point_of_the_ochs_mckelvey_palfrey_branch():
    """A published QRE value: Gambit's documentation (tutorial "Quantal response equilibria",
    gambitproject.readthedocs.io, pygambit 16) traces the logit branch of Ochs' (1995) asymmetric
    matching pennies as transformed by McKelvey and Palfrey (1995), A = [[1.1141, 0], [0, 0.2785]],
    B = [[0, 1.1141], [1.1141, 0]], and prints the point [[0.5182276540742868, 0.4817723459257562],
    [0.49821668880066783, 0.5017833111993909]] and the limit [[0.5, 0.5], [0.2, 0.8]].  The page does
    not print that point's lambda, so we find the lambda at which our branch gives the row player's
    published 0.5182276540742868 and check the column player's published 0.49821668880066783 there."""
    from scipy.optimize import brentq

    A = np.array([[1.1141, 0.0], [0.0, 0.2785]])
    B = np.array([[0.0, 1.1141], [1.1141, 0.0]])
    lam = brentq(lambda v: qre((A, B), v).x[0] - 0.5182276540742868, 1e-6, 1.0, xtol=1e-14)
    point = qre((A, B), lam)
    assert point.y[0] == pytest.approx(0.49821668880066783, abs=1e-10)
    # and the published limit, the Nash equilibrium (1/2, 1/5), at high precision on the principal branch
    tr = trace((A, B), [0.0, lam, 2000.0])
    np.testing.assert_allclose(tr.x[1], point.x, atol=1e-10)
    np.testing.assert_allclose([tr.x[-1][0], tr.y[-1][0]], [0.5, 0.2], atol=2e-3)


def test_trace_passes_the_pitchfork_of_symmetric_games():
    """Symmetric games have pitchfork bifurcations on the principal branch, where the continuation
    matrix loses rank.  The trace steps over them (regression: Chicken with value 2 and crash cost 6
    used to stall at lambda 1.37); every point returned is a logit fixed point."""
    tr = trace(chicken(value=2, crash_cost=6), [0.5, 1, 2, 5, 10, 50])
    np.testing.assert_allclose(tr.x, tr.y, atol=1e-9)  # it stays on the symmetric branch
    rng = np.random.default_rng(np.random.SeedSequence(7))
    for _ in range(120):
        M = rng.normal(size=(2, 2)) * rng.choice([0.3, 1.0, 3.0, 10.0, 30.0])
        tr = trace((M, M.T), np.linspace(0.1, 60, 25))
        for x, y, lam in zip(tr.x, tr.y, tr.lambdas):
            bx, by = logit_response(M, M.T, x, y, lam)
            assert np.max(np.abs(bx - x)) < 1e-9 and np.max(np.abs(by - y)) < 1e-9
