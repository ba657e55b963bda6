"""Tests for sim/crisis/dynamics.py against closed forms and independent facts."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import integrate, stats

from sim.crisis import (
    RichardsonParams,
    attrition_hazard,
    dollar_auction,
    richardson_equilibrium,
    richardson_phase,
    richardson_stability,
    richardson_trajectory,
    simulate_attrition,
)
from sim.errors import ConfigError

STABLE = dict(k=0.5, l=0.4, a=1.0, b=0.8, g=2.0, h=1.0)  # ab = 0.8 > kl = 0.2
UNSTABLE = dict(k=1.0, l=0.9, a=0.5, b=0.6, g=1.0, h=1.0)  # ab = 0.3 < kl = 0.9


# ------------------------------------------------------------------- Richardson


def test_equilibrium_matches_closed_form_and_zeroes_the_vector_field_batched():
    rng = np.random.default_rng(0)
    k, l, a, b = rng.uniform(0.1, 2.0, (4, 50))  # noqa: E741
    g, h = rng.uniform(-1.0, 3.0, (2, 50))
    xs, ys = richardson_equilibrium(k, l, a, b, g, h)
    assert xs.shape == ys.shape == (50,)
    det = a * b - k * l
    np.testing.assert_allclose(xs, (k * h + b * g) / det, rtol=1e-12)
    np.testing.assert_allclose(ys, (l * g + a * h) / det, rtol=1e-12)
    # independent check: solve the linear system [[-a, k], [l, -b]] z = -(g, h)
    for i in range(50):
        z = np.linalg.solve([[-a[i], k[i]], [l[i], -b[i]]], [-g[i], -h[i]])
        np.testing.assert_allclose([xs[i], ys[i]], z, rtol=1e-9, atol=1e-12)


def test_stable_trajectory_converges_to_equilibrium():
    xs, ys = richardson_equilibrium(**STABLE)
    assert richardson_stability(**STABLE).stable
    traj = richardson_trajectory(STABLE, [[0.0, 0.0], [10.0, 1.0], [1.0, 12.0]], t_max=60.0, n=301)
    assert traj.x.shape == (3, 301) and traj.t.shape == (301,)
    np.testing.assert_allclose(traj.x[:, -1], xs, rtol=1e-6)
    np.testing.assert_allclose(traj.y[:, -1], ys, rtol=1e-6)


def test_trajectory_matches_matrix_exponential():
    from scipy.linalg import expm

    p = RichardsonParams(**STABLE)
    A = np.array([[-p.a, p.k], [p.l, -p.b]])
    z_star = np.array(richardson_equilibrium(**STABLE), dtype=float)
    z0 = np.array([3.0, 0.5])
    traj = richardson_trajectory(p, z0, t_max=5.0, n=11)
    for t, x, y in zip(traj.t, traj.x, traj.y):
        exact = z_star + expm(A * t) @ (z0 - z_star)
        np.testing.assert_allclose([x, y], exact, rtol=1e-6, atol=1e-8)


def test_unstable_trajectory_diverges():
    assert not richardson_stability(**UNSTABLE).stable
    xs, ys = richardson_equilibrium(**UNSTABLE)  # negative: no feasible balance point
    traj = richardson_trajectory(UNSTABLE, [1.0, 1.0], t_max=40.0, n=101)
    dist = np.hypot(traj.x - xs, traj.y - ys)
    assert dist[-1] > 1e4 * dist[0]  # grows like exp(0.4 t), e^16 ~ 9e6
    assert np.all(np.diff(dist) > 0)
    assert traj.x[-1] > 1e4 and traj.y[-1] > 1e4  # runaway arms race


def test_trajectory_batches_parameters():
    params = {key: np.array([STABLE[key], UNSTABLE[key]]) for key in STABLE}
    traj = richardson_trajectory(params, [1.0, 1.0], t_max=10.0, n=5)
    assert traj.x.shape == (2, 5)
    single = richardson_trajectory(UNSTABLE, [1.0, 1.0], t_max=10.0, n=5)
    np.testing.assert_allclose(traj.x[1], single.x, rtol=1e-6)


def test_eigenvalues_match_numpy_and_stability_rule():
    rng = np.random.default_rng(1)
    k, l, a, b = rng.uniform(0.0, 2.0, (4, 200))  # noqa: E741
    st = richardson_stability(k, l, a, b)
    assert st.eigenvalues.shape == (200, 2)
    for i in range(200):
        ref = np.sort(np.linalg.eigvals([[-a[i], k[i]], [l[i], -b[i]]]).real)
        np.testing.assert_allclose(np.sort(st.eigenvalues[i].real), ref, atol=1e-10)
    np.testing.assert_array_equal(st.stable, a * b > k * l)
    np.testing.assert_array_equal(st.stable, st.eigenvalues.real.max(axis=-1) < 0)
    np.testing.assert_allclose(st.eigenvalues.sum(axis=-1).real, -(a + b), atol=1e-12)
    np.testing.assert_allclose(st.eigenvalues.prod(axis=-1).real, a * b - k * l, atol=1e-12)


def test_phase_portrait_is_a_figure():
    from sim.viz import richardson_phase_figure

    for params in (STABLE, UNSTABLE, dict(STABLE, k=0.0, l=0.0)):
        phase = richardson_phase(params, t_max=10.0)
        # the direction field points along (dx/dt, dy/dt) = (k y - a x + g, l x - b y + h)
        k, l, a, b, g, h = phase.coefficients  # noqa: E741
        u = k * phase.grid_y - a * phase.grid_x + g
        v = l * phase.grid_x - b * phase.grid_y + h
        np.testing.assert_allclose(phase.dir_x * np.hypot(u, v), u, atol=1e-12)
        np.testing.assert_allclose(phase.dir_y * np.hypot(u, v), v, atol=1e-12)
        assert phase.stable == (a * b > k * l)
        fig = richardson_phase_figure(phase)
        assert isinstance(fig, Figure)
        ax = fig.axes[0]
        labels = [line.get_label() for line in ax.get_lines()]
        assert any("nullcline" in s for s in labels)
        assert any("equilibrium" in s for s in labels)
        assert any("trajector" in s for s in labels)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(k=1.0, l=1.0, a=1.0, b=1.0, g=1.0, h=1.0), "richardson"),  # ab == kl
        (dict(k=2.0, l=0.5, a=0.5, b=2.0, g=0.0, h=0.0), "richardson"),
        (dict(STABLE, a=-1.0), "a"),
        (dict(STABLE, k=np.nan), "k"),
    ],
)
def test_richardson_bad_inputs(kwargs, field):
    with pytest.raises(ConfigError) as err:
        richardson_equilibrium(**kwargs)
    assert err.value.field == field
    assert "\n" not in str(err.value)


def test_richardson_bad_params_and_x0():
    with pytest.raises(ConfigError, match="^zeta:"):
        richardson_trajectory(dict(STABLE, zeta=1.0), [0.0, 0.0], 1.0)
    with pytest.raises(ConfigError, match="^x0:"):
        richardson_trajectory(STABLE, [0.0, 0.0, 0.0], 1.0)
    with pytest.raises(ConfigError, match="^t_max:"):
        richardson_trajectory(STABLE, [0.0, 0.0], -1.0)


# ------------------------------------------------------------- war of attrition


def test_attrition_hazard_closed_form_and_indifference():
    V = np.array([1.0, 2.0, 10.0])
    c = np.array([0.5, 0.1, 3.0])
    np.testing.assert_allclose(attrition_hazard(V, c), c / V)
    # Equilibrium property: against an opponent quitting at hazard c/V, every pure
    # quitting time t earns the same expected payoff (zero).
    Vs, cs = 4.0, 1.0
    lam = float(attrition_hazard(Vs, cs))
    for t in (0.0, 0.5, 2.0, 7.0):
        win, _ = integrate.quad(lambda s: (Vs - cs * s) * lam * np.exp(-lam * s), 0.0, t)
        lose = -cs * t * np.exp(-lam * t)
        assert abs(win + lose) < 1e-9
    # and a different hazard breaks indifference
    lam2 = 2 * lam
    win, _ = integrate.quad(lambda s: (Vs - cs * s) * lam2 * np.exp(-lam2 * s), 0.0, 2.0)
    assert win - cs * 2.0 * np.exp(-lam2 * 2.0) > 0.1


def test_simulated_attrition_mean_length():
    V = np.array([1.0, 5.0, 2.0])
    c = np.array([1.0, 0.5, 4.0])
    n = 20_000
    lengths = simulate_attrition(V, c, n, np.random.default_rng(2024))
    assert lengths.shape == (3, n) and np.all(lengths >= 0)
    mean = lengths.mean(axis=-1)
    se = lengths.std(axis=-1, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(mean - V / (2 * c)) < 4 * se)
    # the distribution is exponential with rate 2c/V
    p = stats.kstest(lengths[1], "expon", args=(0, V[1] / (2 * c[1]))).pvalue
    assert p > 1e-3


def test_simulate_attrition_reproducible_from_seed_sequence():
    a = simulate_attrition(1.0, 1.0, 10, np.random.SeedSequence(7))
    b = simulate_attrition(1.0, 1.0, 10, np.random.SeedSequence(7))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError):
        simulate_attrition(1.0, 1.0, 10, 7)


@pytest.mark.parametrize("V, c, field", [(1.0, -1.0, "c"), (1.0, 0.0, "c"), (-2.0, 1.0, "V")])
def test_attrition_bad_inputs(V, c, field):
    with pytest.raises(ConfigError) as err:
        simulate_attrition(V, c, 10, np.random.default_rng(0))
    assert err.value.field == field


# --------------------------------------------------------------- dollar auction


def test_dollar_auction_opening_bid_matches_oneill_formula():
    for s in range(2, 13):
        for b in range(s, 41):
            res = dollar_auction(s, b)
            expected = (b - 1) % (s - 1) + 1
            assert res.opening_bid_units == expected, (s, b)
            # the second bidder passes at once; the first nets stake - opening bid
            assert res.path_units == (expected,)
            assert res.payoff_first == pytest.approx(s - expected)
            assert res.payoff_second == pytest.approx(0.0)


def test_dollar_auction_with_increment_oneill_example():
    # $1 stake, $2.50 budgets, 5-cent increments: open with 60 cents.
    res = dollar_auction(1.0, 2.5, increment=0.05)
    assert (res.stake_units, res.budget_units) == (20, 50)
    assert res.opening_bid_units == 12
    assert res.opening_bid == pytest.approx(0.60)


def _brute_force(s, b):
    """Plain recursive game-tree search with the same tie rules (independent code)."""
    from functools import lru_cache

    @lru_cache(maxsize=None)
    def solve(x, y):  # returns (mover payoff, other payoff)
        best = (-y, s - x) if x > 0 else (0, 0)
        for z in range(x + 1, b + 1):
            other, me = solve(z, x)
            if me > best[0]:
                best = (me, other)
        return best

    first = solve(0, 0)
    opening = None
    for z in range(1, b + 1):
        _, me = solve(z, 0)
        if me == first[0] and me > 0:
            opening = z
            break
    return first, opening or 0


@pytest.mark.parametrize("s, b", [(2, 5), (3, 3), (3, 10), (5, 17), (7, 7), (4, 2), (1, 4)])
def test_dollar_auction_matches_brute_force(s, b):
    res = dollar_auction(s, b)
    (pf, ps), opening = _brute_force(s, b)
    assert res.opening_bid_units == opening
    assert res.payoff_first == pytest.approx(pf)
    assert res.payoff_second == pytest.approx(ps)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(stake=0, budget=5), "stake"),
        (dict(stake=3, budget=-1), "budget"),
        (dict(stake=1.0, budget=2.52, increment=0.05), "budget"),
        (dict(stake=3, budget=5, increment=0), "increment"),
    ],
)
def test_dollar_auction_bad_inputs(kwargs, field):
    with pytest.raises(ConfigError) as err:
        dollar_auction(**kwargs)
    assert err.value.field == field
