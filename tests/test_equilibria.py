"""Tests for sim/equilibria/nash.py.

Expected values are textbook closed forms, published examples (with their source), nashpy's
output, or invariants checked directly with numpy: the helper ``assert_equilibrium`` below
re-derives the mutual-best-response condition and deliberately does not call
``sim.equilibria.is_nash``.
"""

from __future__ import annotations

import signal
import warnings
from contextlib import contextmanager
from fractions import Fraction as F

import nashpy as nash
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.equilibria.nash import Equilibria, METHODS, cross_check, iterated_dominance, nash_equilibria, pareto_undominated, payoff_dominant
from sim.equilibria import is_degenerate, nash_2x2, pure_equilibria, risk_dominance_2x2
from sim.errors import ConfigError
from sim.games import chicken, deterrence, ladder, prisoners_dilemma, stag_hunt, symmetric

COMPLETE = ("support", "vertex", "exact")   # methods that return every equilibrium of a non-degenerate game
PROPS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# --------------------------------------------------------------------------- helpers
class _Hang(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


@contextmanager
def time_limit(seconds: float, what: str):
    def handler(signum, frame):
        raise _Hang()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Hang:
        pytest.fail(f"{what} did not return within {seconds} s", pytrace=False)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def assert_equilibrium(A, B, x, y, tol=1e-9):
    """Mutual best response, checked from scratch (payoff tolerance relative to the payoffs' scale:
    their range, or their size when the range is 0, as rounding in ``x @ B`` scales with it)."""
    A, B, x, y = (np.asarray(v, float) for v in (A, B, x, y))
    assert x.shape == (A.shape[0],) and y.shape == (A.shape[1],)
    assert np.all(x >= 0) and np.all(y >= 0), (x, y)
    assert abs(x.sum() - 1) < 1e-12 and abs(y.sum() - 1) < 1e-12
    ta = tol * max(np.ptp(A), np.abs(A).max() * 1e-6, 1e-300)
    tb = tol * max(np.ptp(B), np.abs(B).max() * 1e-6, 1e-300)
    row_pay, col_pay = A @ y, x @ B
    assert x @ row_pay >= row_pay.max() - ta
    assert col_pay @ y >= col_pay.max() - tb
    # every rung played with positive probability is itself a best response
    assert np.all(row_pay[x > 1e-9] >= row_pay.max() - ta - 1e-9 * np.ptp(A))
    assert np.all(col_pay[y > 1e-9] >= col_pay.max() - tb - 1e-9 * np.ptp(B))


def check_result(A, B, eqs):
    for e in eqs:
        assert_equilibrium(A, B, e.x, e.y)
        assert e.payoff_a == pytest.approx(float(e.x @ np.asarray(A, float) @ e.y), rel=1e-9, abs=1e-9)
        assert e.payoff_b == pytest.approx(float(e.x @ np.asarray(B, float) @ e.y), rel=1e-9, abs=1e-9)


def _match(e, x, y, atol):
    return np.allclose(e[0], x, atol=atol, rtol=0) and np.allclose(e[1], y, atol=atol, rtol=0)


def assert_same_set(found, expected, atol=1e-7):
    """Order-insensitive equality of two lists of (x, y) pairs (Equilibrium objects or tuples)."""
    found = [(np.asarray(e[0], float), np.asarray(e[1], float)) for e in found]
    expected = [(np.asarray([float(v) for v in x]), np.asarray([float(v) for v in y])) for x, y in expected]
    assert len(found) == len(expected), (found, expected)
    for x, y in expected:
        assert sum(_match(f, x, y, atol) for f in found) == 1, ((x, y), found)


def assert_subset(found, expected, atol=1e-7):
    expected = [(np.asarray([float(v) for v in x]), np.asarray([float(v) for v in y])) for x, y in expected]
    for e in found:
        assert any(_match((e[0], e[1]), x, y, atol) for x, y in expected), (e, expected)


def rand_games(rng, n, lo=2, hi=5, integer=False):
    for _ in range(n):
        m, k = (int(v) for v in rng.integers(lo, hi + 1, size=2))
        if integer:
            yield rng.integers(0, 3, size=(m, k)).astype(float), rng.integers(0, 3, size=(m, k)).astype(float)
        else:
            yield rng.normal(size=(m, k)), rng.normal(size=(m, k))


# --------------------------------------------------------------------------- textbook games
MP = np.array([[1.0, -1.0], [-1.0, 1.0]])
RPS = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
BOS = (np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 2.0]]))
# von Stengel, "Equilibrium computation for two-player games in strategic and extensive form",
# ch. 3 of Nisan et al. (eds), Algorithmic Game Theory (2007), eq. (3.3); also nashpy's own tests.
VS_A = np.array([[3.0, 3.0], [2.0, 5.0], [0.0, 6.0]])
VS_B = np.array([[3.0, 2.0], [2.0, 6.0], [3.0, 1.0]])


def _stag_mixed(R, S, T, P):
    q = F(P - S, R - T + P - S)   # docstring & Skyrms (2004): P(restrain) in the mixed equilibrium
    return (q, 1 - q), (q, 1 - q)


TEXTBOOK = {
    # Prisoner's Dilemma: escalation strictly dominant, unique equilibrium (1, 1).
    "prisoners_dilemma": (prisoners_dilemma(), [((0, 1), (0, 1))]),
    # Chicken value=2, crash_cost=6: the two "one side backs down" equilibria, and each side
    # stands firm with probability value / crash_cost = 1/3.
    "chicken": (chicken(2.0, 6.0), [((0, 1), (1, 0)), ((1, 0), (0, 1)),
                                    ((F(2, 3), F(1, 3)), (F(2, 3), F(1, 3)))]),
    "chicken_1_4": (chicken(1.0, 4.0), [((0, 1), (1, 0)), ((1, 0), (0, 1)),
                                        ((F(3, 4), F(1, 4)), (F(3, 4), F(1, 4)))]),
    "stag_hunt": (stag_hunt(), [((1, 0), (1, 0)), ((0, 1), (0, 1)), _stag_mixed(5, 0, 4, 2)]),
    "stag_hunt_4132": (stag_hunt(4.0, 1.0, 3.0, 2.0), [((1, 0), (1, 0)), ((0, 1), (0, 1)), _stag_mixed(4, 1, 3, 2)]),
    "matching_pennies": ((MP, -MP), [((F(1, 2), F(1, 2)), (F(1, 2), F(1, 2)))]),
    "battle_of_the_sexes": (BOS, [((1, 0), (1, 0)), ((0, 1), (0, 1)), ((F(2, 3), F(1, 3)), (F(1, 3), F(2, 3)))]),
    "rock_paper_scissors": ((RPS, -RPS), [((F(1, 3),) * 3, (F(1, 3),) * 3)]),
    "von_stengel_3x2": ((VS_A, VS_B), [((1, 0, 0), (1, 0)), ((F(4, 5), F(1, 5), 0), (F(2, 3), F(1, 3))),
                                       ((0, F(1, 3), F(2, 3)), (F(1, 3), F(2, 3)))]),
}


def _ab(game):
    return (game.A, game.B) if hasattr(game, "A") else game


@pytest.mark.parametrize("method", COMPLETE)
@pytest.mark.parametrize("name", list(TEXTBOOK))
def test_textbook_equilibrium_sets(name, method):
    game, expected = TEXTBOOK[name]
    found = nash_equilibria(game, method)
    assert isinstance(found, Equilibria) and found.method == method
    assert_same_set(found, expected)
    check_result(*_ab(game), found)
    assert found.degenerate is False


@pytest.mark.parametrize("name", list(TEXTBOOK))
def test_lemke_howson_returns_a_nonempty_subset(name):
    game, expected = TEXTBOOK[name]
    with time_limit(2, f"nash_equilibria({name}, 'lemke_howson')"):
        found = nash_equilibria(game, "lemke_howson")
    assert len(found) >= 1  # Lemke-Howson always ends at an equilibrium
    assert_subset(found, expected)
    check_result(*_ab(game), found)


@pytest.mark.parametrize("value, crash_cost", [(2.0, 6.0), (1.0, 4.0), (3.0, 5.0)])
def test_chicken_mixed_equilibrium_closed_form(value, crash_cost):
    found = nash_equilibria(chicken(value, crash_cost), "exact")
    mixed = [e for e in found if e.kind == "mixed"]
    assert len(mixed) == 1 and sum(e.is_pure for e in found) == 2
    m = mixed[0]
    assert m.x[1] == pytest.approx(value / crash_cost) and m.y[1] == pytest.approx(value / crash_cost)
    assert m.p_top == pytest.approx((value / crash_cost) ** 2)      # probability of a clash
    # Hawk-Dove mixed payoff (V/2)(1 - V/C)
    assert m.payoff_a == pytest.approx(value / 2 * (1 - value / crash_cost))
    assert m.support_a == (0, 1) and m.support_b == (0, 1)


def test_equilibrium_fields():
    found = nash_equilibria(prisoners_dilemma(), "support")
    (e,) = found
    assert e.is_pure and e.kind == "pure" and e.p_top == 1.0
    assert e.support_a == (1,) and e.support_b == (1,)
    assert (e.payoff_a, e.payoff_b) == (1.0, 1.0)   # P = 1 in Axelrod's payoffs


# --------------------------------------------------------------------------- degenerate published examples
def test_deterrence_equilibria_closed_form():
    """Hand derivation: with x = status quo the defender is indifferent; the status quo is a best
    reply iff P(resist) >= gain / (gain + challenger_cost).  Challenge-and-concede is the other
    equilibrium (defender_cost > gain).  Extreme points of the equilibrium set:"""
    for gain, ca, cb in [(1.0, 2.0, 3.0), (2.0, 3.0, 5.0)]:
        r = F(gain) / F(gain + ca)
        expected = [((1, 0), (0, 1)), ((1, 0), (1 - r, r)), ((0, 1), (1, 0))]
        for method in ("exact", "vertex"):
            found = nash_equilibria(deterrence(0.0, gain, ca, cb), method)
            assert_same_set(found, expected)
            assert found.degenerate is True


def test_von_stengel_degenerate_variant():
    """Same A, B's first row made [3, 3] (the degenerate example in von Stengel 2007 / sage's
    NormalFormGame.is_degenerate docs).  By hand: at x = (1,0,0) side B is indifferent and
    row 0 stays a best reply iff y_0 >= 2/3, giving the segment ((1,0,0), (q, 1-q)), q in
    [2/3, 1]; ((0,1/3,2/3), (1/3,2/3)) survives; ((4/5,1/5,0), (2/3,1/3)) no longer is one
    (column 1 pays B 18/5 > 14/5)."""
    B2 = np.array([[3.0, 3.0], [2.0, 6.0], [3.0, 1.0]])
    expected = [((1, 0, 0), (1, 0)), ((1, 0, 0), (F(2, 3), F(1, 3))), ((0, F(1, 3), F(2, 3)), (F(1, 3), F(2, 3)))]
    for method in ("exact", "vertex"):
        found = nash_equilibria((VS_A, B2), method)
        assert_same_set(found, expected)
        assert found.degenerate is True
    # support enumeration only sees equal-size supports: a subset on degenerate games
    assert_subset(nash_equilibria((VS_A, B2), "support"), expected)


def test_lrs_certified_degenerate_4x4():
    """Degenerate 4x4 game from sage's NormalFormGame docs, with the extreme equilibria
    reported by lrs (exact arithmetic).  Support enumeration misses the third one."""
    a = np.array([[-75, 18, 45, 33], [42, -8, -77, -18], [83, 18, 11, 40], [-10, -38, 76, -9]], float)
    b = np.array([[62, 64, 87, 51], [-41, -27, -69, 52], [-17, 25, -97, -82], [30, 31, -1, 50]], float)
    lrs = [((0, 0, 1, 0), (0, 1, 0, 0)),
           ((F(17, 29), 0, 0, F(12, 29)), (0, 0, F(42, 73), F(31, 73))),
           ((F(122, 145), 0, F(23, 145), 0), (0, 1, 0, 0))]
    for method in ("exact", "vertex"):
        found = nash_equilibria((a, b), method)
        assert_same_set(found, lrs)
        check_result(a, b, found)
        assert found.degenerate is True
    assert_subset(nash_equilibria((a, b), "support"), lrs)


RPSLS_BEATS = {0: (2, 3), 1: (0, 4), 2: (1, 3), 3: (4, 1), 4: (2, 0)}  # rock paper scissors lizard spock
RPSLS = np.array([[1.0 if j in RPSLS_BEATS[i] else -1.0 if i in RPSLS_BEATS[j] else 0.0 for j in range(5)]
                  for i in range(5)])

# Published degeneracy verdicts (sage NormalFormGame.is_degenerate docs; von Stengel 2007 def. 3.2)
DEGENERACY = [
    ("vS_3x2", VS_A, VS_B, False),
    ("vS_degenerate", VS_A, np.array([[3.0, 3.0], [2.0, 6.0], [3.0, 1.0]]), True),
    ("NN2007", np.array([[0.0, 6.0], [2.0, 5.0], [3.0, 3.0]]), np.array([[1.0, 0.0], [0.0, 2.0], [4.0, 4.0]]), True),
    ("pure_tie", np.array([[2.0, 1.0], [1.0, 1.0]]), np.array([[1.0, 1.0], [1.0, 2.0]]), True),
    # no two payoffs tie, but the mix (1/2, 1/2) of side B has three best replies
    ("mixed_tie", np.array([[3.0, 0.0], [0.0, 3.0], [1.5, 1.5]]), np.array([[4.0, 3.0], [2.0, 6.0], [3.0, 1.0]]), True),
    ("RPS", RPS, -RPS, False),
    ("RPSLS", RPSLS, -RPSLS, True),
    ("matching_pennies", MP, -MP, False),
    ("prisoners_dilemma", np.array([[2.0, 5.0], [0.0, 4.0]]), np.array([[2.0, 0.0], [5.0, 4.0]]), False),
]


@pytest.mark.parametrize("name, A, B, expected", DEGENERACY, ids=[d[0] for d in DEGENERACY])
def test_degeneracy_of_published_examples(name, A, B, expected):
    assert is_degenerate(A, B) is expected
    assert nash_equilibria((A, B), "support", reduce=False).degenerate is expected


def test_degenerate_flag_describes_the_reduced_game():
    # Documented semantics (Equilibria docstring): `.degenerate` describes the game left after
    # iterated strict dominance, which carries every equilibrium. Here column 0 of A ties at its
    # maximum, so the full game is degenerate (von Stengel 2007, def. 3.2), but B's rung 0 is
    # strictly dominated: the equilibrium set is the single point ((0, 1), (0, 1)).
    A = np.array([[1.0, 0.0], [1.0, 2.0]])
    B = np.array([[0.0, 1.0], [0.0, 1.0]])
    assert is_degenerate(A, B) is True
    assert nash_equilibria((A, B), "support", reduce=False).degenerate is True
    reduced = nash_equilibria((A, B), "support")
    assert reduced.degenerate is False
    assert len(reduced) == 1 and np.allclose(reduced[0].x, [0, 1]) and np.allclose(reduced[0].y, [0, 1])


# --------------------------------------------------------------------------- dominance-solvable games
DOMINANCE_SOLVABLE = {
    "prisoners_dilemma": (prisoners_dilemma(), [((0, 1), (0, 1))]),
    "harmony": (symmetric(4.0, 2.0, 3.0, 1.0), [((1, 0), (1, 0))]),
    "1x3": ((np.array([[1.0, 2.0, 3.0]]), np.array([[3.0, 1.0, 2.0]])), [((1,), (1, 0, 0))]),
    "ladder_K8": (ladder(K=8), [(np.eye(8)[3], np.eye(8)[3])]),
}


@pytest.mark.parametrize("name", list(DOMINANCE_SOLVABLE))
def test_vertex_on_games_that_reduce_to_one_rung(name):
    # BUG (sim/equilibria/nash.py, _candidates, method "vertex"): when iterated dominance leaves a
    # side with a single rung (any game with a dominant strategy, e.g. the Prisoner's Dilemma),
    # nashpy's vertex_enumeration builds a 1-D polytope and scipy's HalfspaceIntersection raises
    # QhullError "dimension 1 must be > 1".  Also for user-supplied 1xN games with reduce=False.
    game, expected = DOMINANCE_SOLVABLE[name]
    found = nash_equilibria(game, "vertex")
    assert_same_set(found, expected)


@pytest.mark.parametrize("name", list(DOMINANCE_SOLVABLE))
def test_lemke_howson_on_games_that_reduce_to_one_rung(name):
    # BUG (sim/equilibria/nash.py, _candidates, method "lemke_howson"): on a reduced 1x1 game
    # nashpy's lemke_howson(initial_dropped_label=0) never terminates (its pivoting loop never
    # becomes fully labelled); on 1xN / Nx1 games (reduce=False) it raises KeyError, which
    # `except Exception` swallows, so the method returns no equilibrium at all.
    game, expected = DOMINANCE_SOLVABLE[name]
    with time_limit(2, f"nash_equilibria({name}, 'lemke_howson')"):
        found = nash_equilibria(game, "lemke_howson")
    assert len(found) >= 1
    assert_subset(found, expected)


# --------------------------------------------------------------------------- property tests
@st.composite
def bimatrix(draw, lo=2, hi=4):
    m, n = draw(st.integers(lo, hi)), draw(st.integers(lo, hi))
    if draw(st.booleans()):
        el = st.integers(-3, 3).map(float)            # ties: degenerate games
    else:
        el = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
    return draw(arrays(np.float64, (m, n), elements=el)), draw(arrays(np.float64, (m, n), elements=el))


@pytest.mark.parametrize("method", METHODS)
@PROPS
@given(game=bimatrix())
def test_every_returned_equilibrium_is_a_mutual_best_response(method, game):
    A, B = game
    if method in ("vertex", "lemke_howson"):
        # games whose reduction leaves one rung are covered by the two bug tests above
        rows, cols = iterated_dominance(A, B)
        assume(len(rows) > 1 and len(cols) > 1)
    with time_limit(60, method):  # generous: a hang guard, not a speed test
        found = nash_equilibria((A, B), method)
    check_result(A, B, found)
    if method != "lemke_howson":
        assert len(found) >= 1  # every finite game has an equilibrium (Nash 1951)


@PROPS
@given(game=bimatrix())
def test_iterated_dominance_removes_no_equilibrium(game):
    A, B = game
    rows, cols = iterated_dominance(A, B)
    full = nash_equilibria((A, B), "exact", reduce=False, check_degeneracy=False)
    reduced = nash_equilibria((A, B), "exact", reduce=True, check_degeneracy=False)
    # strict dominance leaves the equilibrium set unchanged, hence its extreme points too
    assert_same_set(reduced, [(e.x, e.y) for e in full])
    dropped_rows = np.setdiff1d(np.arange(A.shape[0]), rows)
    dropped_cols = np.setdiff1d(np.arange(A.shape[1]), cols)
    for e in full:
        assert np.all(e.x[dropped_rows] == 0) and np.all(e.y[dropped_cols] == 0)


def test_iterated_dominance_textbook():
    # Gibbons (1992), sec. 1.1.B: Right is dominated by Middle, then Down by Up, then Left by
    # Middle: (Up, Middle) survives.
    A = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    B = np.array([[0.0, 2.0, 1.0], [3.0, 1.0, 0.0]])
    rows, cols = iterated_dominance(A, B)
    assert rows.tolist() == [0] and cols.tolist() == [1]
    rows, cols = iterated_dominance(prisoners_dilemma().A, prisoners_dilemma().B)
    assert rows.tolist() == [1] and cols.tolist() == [1]
    rows, cols = iterated_dominance(RPS, -RPS)
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [0, 1, 2]


# --------------------------------------------------------------------------- cross-checks
def test_methods_agree_on_random_continuous_games():
    rng = np.random.default_rng(2024)
    for A, B in rand_games(rng, 40):
        res = {m: nash_equilibria((A, B), m, reduce=False) for m in COMPLETE}
        for m in COMPLETE:
            check_result(A, B, res[m])
            assert res[m].degenerate is False   # random continuous games are non-degenerate a.s.
            assert len(res[m]) % 2 == 1          # oddness (Wilson 1971)
        assert_same_set(res["vertex"], [(e.x, e.y) for e in res["exact"]], atol=1e-7)
        assert_same_set(res["support"], [(e.x, e.y) for e in res["exact"]], atol=1e-7)


def test_vertex_and_exact_agree_on_random_small_integer_games():
    rng = np.random.default_rng(7)
    n_degenerate = 0
    for A, B in rand_games(rng, 60, hi=4, integer=True):
        v = nash_equilibria((A, B), "vertex", reduce=False)
        e = nash_equilibria((A, B), "exact", reduce=False, check_degeneracy=False)
        check_result(A, B, v)
        check_result(A, B, e)
        assert_same_set(v, [(q.x, q.y) for q in e], atol=1e-7)
        n_degenerate += bool(v.degenerate)
    assert n_degenerate > 20  # the sample really exercises degenerate games


def test_cross_check_helper():
    rng = np.random.default_rng(5)
    A, B = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    out = cross_check((A, B), reduce=False)
    assert out["agree"] is True and set(out) == {"support", "vertex", "exact", "agree"}


def test_degenerate_flag_for_ties_at_a_column_maximum():
    rng = np.random.default_rng(8)
    for A, B in rand_games(rng, 30):
        m, n = A.shape
        # side A gets two best replies to B's pure rung j: a tie at the maximum of column j of A
        At = A.copy()
        j = int(rng.integers(n))
        i1, i2 = rng.choice(m, size=2, replace=False)
        At[i1, j] = At[i2, j] = A[:, j].max() + 1.0
        assert nash_equilibria((At, B), "support", reduce=False).degenerate is True
        # side B gets two best replies to A's pure rung i: a tie at the maximum of row i of B
        Bt = B.copy()
        i = int(rng.integers(m))
        j1, j2 = rng.choice(n, size=2, replace=False)
        Bt[i, j1] = Bt[i, j2] = B[i].max() + 1.0
        assert nash_equilibria((A, Bt), "support", reduce=False).degenerate is True
        # the untouched game is not degenerate
        assert nash_equilibria((A, B), "support", reduce=False).degenerate is False


def test_degenerate_flag_2x2_is_exactly_a_tie():
    # A 2x2 game is degenerate iff a side is indifferent against a pure rung of the other.
    rng = np.random.default_rng(9)
    for _ in range(150):
        A = rng.integers(0, 3, size=(2, 2)).astype(float)
        B = rng.integers(0, 3, size=(2, 2)).astype(float)
        tie = (A[0] == A[1]).any() or (B[:, 0] == B[:, 1]).any()
        assert nash_equilibria((A, B), "exact", reduce=False).degenerate is bool(tie)


def _nashpy_raw_indifference(M, rows, cols):
    """The linear system of nashpy's solve_indifference, solved without its sign test."""
    sub = M[list(rows)]
    eqs = (sub - np.roll(sub, 1, axis=0))[:-1]
    zero = sorted(set(range(M.shape[1])) - set(cols))
    if zero:
        eqs = np.append(eqs, [[float(i == j) for i in range(M.shape[1])] for j in zero], axis=0)
    eqs = np.append(eqs, np.ones((1, M.shape[1])), axis=0)
    rhs = np.zeros(len(eqs))
    rhs[-1] = 1.0
    return np.linalg.solve(eqs, rhs)


def test_support_versus_nashpy_support_enumeration():
    """Ours contains nashpy's set; what nashpy misses it computed and then threw away.

    Observed with nashpy 0.0.43: with this seed nashpy's raw support_enumeration misses 54
    equilibria in 40 of the 120 games (about a quarter of 3,000 games in a larger run).  In every such
    case its own indifference solve produced our strategy (to 1e-9) and then rejected it
    because a probability that is zero by construction came out as about -1e-17
    (solve_indifference demands ``all(prob >= 0)``) or as about +1e-16 (above obey_support's
    tol of 1e-16).  Our support method solves for the support probabilities only.
    """
    rng = np.random.default_rng(31)
    for A, B in rand_games(rng, 120):
        ours = nash_equilibria((A, B), "support", reduce=False)
        assert ours.degenerate is False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = list(nash.Game(A, B).support_enumeration())
        assert_subset([(x, y) for x, y in theirs], [(e.x, e.y) for e in ours], atol=1e-9)
        for e in ours:
            if any(_match((x, y), e.x, e.y, 1e-9) for x, y in theirs):
                continue
            I, J = e.support_a, e.support_b
            x_raw = _nashpy_raw_indifference(B.T, J, I)
            y_raw = _nashpy_raw_indifference(A, I, J)
            np.testing.assert_allclose(x_raw, e.x, atol=1e-9)
            np.testing.assert_allclose(y_raw, e.y, atol=1e-9)
            off = np.concatenate([np.delete(x_raw, I), np.delete(y_raw, J)])
            assert (min(x_raw.min(), y_raw.min()) < 0) or np.any(off > 1e-16)


# Regression: a non-degenerate 2x3 game on which nashpy's support enumeration returns nothing.
REG_A = np.array([[1.848, -0.115, -1.127], [0.394, 0.762, -0.262]])
REG_B = np.array([[0.017, 1.335, 1.265], [0.710, -0.866, -0.054]])


def _reg_equilibrium():
    """By hand, in exact decimals: B indifferent between columns 0 and 2, A between its rows."""
    D = lambda s: F(s)
    a = [[D("1.848"), D("-0.115"), D("-1.127")], [D("0.394"), D("0.762"), D("-0.262")]]
    b = [[D("0.017"), D("1.335"), D("1.265")], [D("0.710"), D("-0.866"), D("-0.054")]]
    # y on {0, 2}: (a00 - a10) y0 = (a12 - a02) y2
    y0 = (a[1][2] - a[0][2]) / ((a[0][0] - a[1][0]) + (a[1][2] - a[0][2]))
    y = (y0, F(0), 1 - y0)
    # x: (b00 - b02) x0 = (b12 - b10) x1
    x0 = (b[1][2] - b[1][0]) / ((b[0][0] - b[0][2]) + (b[1][2] - b[1][0]))
    x = (x0, 1 - x0)
    # exact best-response check: both rows tie; column 1 is worse for B
    ra = [sum(a[i][j] * y[j] for j in range(3)) for i in range(2)]
    cb = [sum(b[i][j] * x[i] for i in range(2)) for j in range(3)]
    assert ra[0] == ra[1] and cb[0] == cb[2] > cb[1] and 0 < x0 < 1 and 0 < y0 < 1
    return x, y


def test_regression_support_finds_equilibrium_that_nashpy_misses():
    x, y = _reg_equilibrium()
    assert is_degenerate(REG_A, REG_B) is False
    for method in COMPLETE:
        found = nash_equilibria((REG_A, REG_B), method)
        assert_same_set(found, [(x, y)], atol=1e-12)   # the unique equilibrium (odd count, non-degenerate)


def test_regression_nashpy_raw_support_enumeration_misses_it():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = list(nash.Game(REG_A, REG_B).support_enumeration())
    if theirs:
        pytest.skip("nashpy's rounding did not reproduce with this LAPACK build")
    assert theirs == []   # an even number (zero) of equilibria for a non-degenerate game
    y_raw = _nashpy_raw_indifference(REG_A, (0, 1), (0, 2))
    assert y_raw[1] < 0 and abs(y_raw[1]) < 1e-15   # the forced zero came out as about -1e-17


# --------------------------------------------------------------------------- batched 2x2
def _nashpy_set(A, B):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(nash.Game(A, B).support_enumeration())


def test_nash_2x2_matches_nashpy_on_10000_random_games():
    rng = np.random.default_rng(2718)
    N = 10_000
    A, B = rng.normal(size=(N, 2, 2)), rng.normal(size=(N, 2, 2))
    res = nash_2x2(A, B)                                  # one vectorised call
    assert not res.degenerate.any()
    for i in range(N):                                    # nashpy, one game at a time
        theirs = _nashpy_set(A[i], B[i])
        c = int(res.count[i])
        assert c == len(theirs), i
        for x, y in theirs:
            assert sum(_match((res.x[i, k], res.y[i, k]), x, y, 1e-9) for k in range(c)) == 1, i


def test_nash_2x2_oddness_and_layout():
    rng = np.random.default_rng(3)
    A, B = rng.normal(size=(4, 5, 6, 2, 2)), rng.normal(size=(4, 5, 6, 2, 2))
    res = nash_2x2(A, B)
    x, y, count = res                          # unpacks as a tuple
    assert x.shape == y.shape == (4, 5, 6, 3, 2) and count.shape == (4, 5, 6)
    assert res.degenerate.shape == (4, 5, 6) and res.degenerate.dtype == bool
    assert res.x is x and res.y is y and res.count is count
    assert set(np.unique(count)) <= {1, 3}     # Wilson's oddness theorem
    slot = np.arange(3)
    beyond = slot >= count[..., None]
    assert np.isnan(x[beyond]).all() and np.isnan(y[beyond]).all()
    assert not np.isnan(x[~beyond]).any() and not np.isnan(y[~beyond]).any()
    # every listed profile is an equilibrium (vectorised direct check)
    ra = np.einsum("...ij,...kj->...ki", A, y)       # A's payoff of each rung vs each listed y
    cb = np.einsum("...ki,...ij->...kj", x, B)
    ua = np.einsum("...ki,...ki->...k", x, ra)
    ub = np.einsum("...kj,...kj->...k", cb, y)
    ok = (ua >= ra.max(-1) - 1e-12) & (ub >= cb.max(-1) - 1e-12)
    assert ok[~beyond].all()
    # payoffs() equals x A y computed directly
    pa, pb = res.payoffs(A, B)
    np.testing.assert_allclose(pa[~beyond], ua[~beyond], atol=1e-12)
    np.testing.assert_allclose(pb[~beyond], ub[~beyond], atol=1e-12)
    # a batch gives the same as its games one by one
    one = nash_2x2(A[1, 2, 3], B[1, 2, 3])
    np.testing.assert_array_equal(one.x, x[1, 2, 3])
    assert int(one.count) == int(count[1, 2, 3])


def test_nash_2x2_degenerate_flag_is_exactly_a_tie():
    rng = np.random.default_rng(4)
    A = rng.integers(0, 3, size=(20_000, 2, 2)).astype(float)
    B = rng.integers(0, 3, size=(20_000, 2, 2)).astype(float)
    res = nash_2x2(A, B)
    tie = (A[:, 0, :] == A[:, 1, :]).any(-1) | (B[:, :, 0] == B[:, :, 1]).any(-1)
    np.testing.assert_array_equal(res.degenerate, tie)
    assert set(np.unique(res.count[~tie])) <= {1, 3}
    # what is listed for degenerate games are still equilibria
    for i in np.flatnonzero(tie)[:500]:
        for k in range(int(res.count[i])):
            assert_equilibrium(A[i], B[i], res.x[i, k], res.y[i, k], tol=0.0)


def test_nash_2x2_chicken_grid_closed_form():
    value = np.linspace(0.5, 4.0, 8)[:, None]
    crash = np.linspace(5.0, 12.0, 9)[None, :]
    res = nash_2x2(chicken(value, crash))
    assert (res.count == 3).all()
    mixed_x, mixed_y = res.x[..., 2, :], res.y[..., 2, :]     # pure cells first, then the mixed one
    np.testing.assert_allclose(mixed_x[..., 1], np.broadcast_to(value / crash, (8, 9)), atol=1e-12)
    np.testing.assert_allclose(mixed_y[..., 1], np.broadcast_to(value / crash, (8, 9)), atol=1e-12)
    np.testing.assert_allclose(mixed_x[..., 1] * mixed_y[..., 1], (value / crash) ** 2, atol=1e-12)


def test_nash_2x2_input_checks_and_game_input():
    g = stag_hunt()
    a, b = nash_2x2(g), nash_2x2(g.A, g.B)
    np.testing.assert_array_equal(a.x, b.x)
    with pytest.raises(ConfigError):
        nash_2x2(np.zeros((3, 3)), np.zeros((3, 3)))


# --------------------------------------------------------------------------- batched pure equilibria
@pytest.mark.parametrize("shape", [(2, 2), (3, 4), (5, 3), (1, 4)])
def test_pure_equilibria_equals_brute_force(shape):
    rng = np.random.default_rng(sum(shape))
    A = rng.integers(0, 4, size=(40,) + shape).astype(float)
    B = rng.integers(0, 4, size=(40,) + shape).astype(float)
    got = pure_equilibria(A, B)
    assert got.shape == A.shape and got.dtype == bool
    m, n = shape
    for g in range(40):
        for x in range(m):
            for y in range(n):
                best_a = all(A[g, x, y] >= A[g, i, y] for i in range(m))
                best_b = all(B[g, x, y] >= B[g, x, j] for j in range(n))
                assert got[g, x, y] == (best_a and best_b)


def test_pure_equilibria_game_input():
    np.testing.assert_array_equal(pure_equilibria(chicken()), [[False, True], [True, False]])


# --------------------------------------------------------------------------- refinements
def _find(eqs, x, y):
    (i,) = [k for k, e in enumerate(eqs) if _match((e.x, e.y), x, y, 1e-9)]
    return i


def test_stag_hunt_refinements():
    g = stag_hunt()                         # R - T = 1 < P - S = 2
    eqs = nash_equilibria(g, "exact")
    assert tuple(risk_dominance_2x2(g)) == (1, 1)
    assert payoff_dominant(eqs) == _find(eqs, (1, 0), (1, 0))    # (5, 5) beats (2, 2) and (10/3, 10/3)
    mask = pareto_undominated(eqs)
    assert mask.tolist() == [k == _find(eqs, (1, 0), (1, 0)) for k in range(3)]


def test_risk_dominance_batch_matches_the_fifty_fifty_rule():
    # Symmetric 2x2 coordination games: (0,0) is risk dominant iff restraint is the best
    # reply to a 50-50 belief, R + S > T + P (Harsanyi and Selten 1988; Kandori et al. 1993).
    T, P = np.meshgrid([4.5, 4.0, 3.5, 3.0, 2.5], [0.5, 1.0, 1.5, 2.0], indexing="ij")
    R, S = 5.0, 0.0
    out = risk_dominance_2x2(stag_hunt(R, S, T, P))
    assert out.shape == (5, 4, 2)
    expected = np.where((R + S > T + P)[..., None], [0, 0], np.where((R + S < T + P)[..., None], [1, 1], [-1, -1]))
    np.testing.assert_array_equal(out, expected)
    assert (R + S == T + P).any()           # the grid contains exact ties


def test_risk_dominance_without_two_strict_equilibria_or_by_symmetry():
    assert tuple(risk_dominance_2x2(prisoners_dilemma())) == (-1, -1)        # one equilibrium
    assert tuple(risk_dominance_2x2(MP, -MP)) == (-1, -1)                   # none in pure strategies
    assert tuple(risk_dominance_2x2(chicken())) == (-1, -1)                 # symmetric anti-diagonal pair
    # asymmetric Chicken: side B loses more in a crash, so (A firm, B backs down) risk-dominates.
    A = np.array([[1.0, 0.0], [2.0, -2.0]])
    B = np.array([[1.0, 2.0], [0.0, -5.0]])
    # deviation-loss products: (1,0): (2-1)*(0+5) = 5 ; (0,1): (0+2)*(2-1) = 2
    assert tuple(risk_dominance_2x2(A, B)) == (1, 0)


def test_chicken_pareto_by_hand():
    # value 2, crash 6: pure payoffs (0, 2) and (2, 0), mixed (2/3, 2/3).  Neither pure
    # equilibrium pays both sides at least 2/3, and neither pure one dominates the other:
    # all three are Pareto-undominated, so there is no payoff-dominant equilibrium.
    eqs = nash_equilibria(chicken(2.0, 6.0), "exact")
    pays = sorted((round(e.payoff_a, 12), round(e.payoff_b, 12)) for e in eqs)
    assert pays == sorted([(0.0, 2.0), (2.0, 0.0), (round(2 / 3, 12), round(2 / 3, 12))])
    assert pareto_undominated(eqs).tolist() == [True, True, True]
    assert payoff_dominant(eqs) is None


def test_pareto_single_and_empty():
    assert pareto_undominated(nash_equilibria(prisoners_dilemma(), "support")).tolist() == [True]
    assert payoff_dominant(nash_equilibria(prisoners_dilemma(), "support")) is None
    assert pareto_undominated([]).shape == (0,)


# --------------------------------------------------------------------------- errors
def test_nash_equilibria_input_errors():
    with pytest.raises(ConfigError) as info:
        nash_equilibria(prisoners_dilemma(), "simplex")
    assert info.value.field == "method" and "\n" not in str(info.value)
    with pytest.raises(ConfigError):
        nash_equilibria(prisoners_dilemma(R=np.array([3.0, 4.0])))      # a batch
    with pytest.raises(ConfigError):
        nash_equilibria((np.array([[np.nan, 0.0], [0.0, 0.0]]), np.zeros((2, 2))))
    rng = np.random.default_rng(0)
    with pytest.raises(ConfigError) as info:
        nash_equilibria((rng.normal(size=(10, 10)), rng.normal(size=(10, 10))), "exact", reduce=False)
    assert info.value.field == "method" and "\n" not in str(info.value)


def test_pure_equilibria_rejects_non_finite_payoffs():
    from sim.errors import ConfigError

    with pytest.raises(ConfigError):
        pure_equilibria(np.array([[1.0, np.nan], [0.0, 1.0]]), np.eye(2))
