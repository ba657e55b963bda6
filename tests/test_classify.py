"""Tests for sim/games/classify.py: ordinal classes of 2x2 games.

The reference below names a side's type from the *ranking* of its four payoffs (a string
such as "TRPS"), the way the literature states them, and counts pure equilibria by brute
force; it shares no code with ``classify``.
"""

from __future__ import annotations

from itertools import permutations, product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.games.classify import CLASSES, TYPES, classify
from sim.games import chicken, deterrence, prisoners_dilemma, stag_hunt

PROPS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow])

# Strict rankings, best first, of (R, S, T, P) from one side's point of view.
RANKING_TYPE = {
    "TRPS": "prisoners_dilemma",    # Rapoport and Chammah (1965)
    "TRSP": "chicken",
    "RTPS": "stag_hunt",
    "TPRS": "deadlock",             # Snyder and Diesing (1977)
    "TSRP": "leader",               # Rapoport and Guyer (1966)
    "STRP": "battle_of_the_sexes",  # "hero"
    # Harmony: restraint strictly dominant (R > T, S > P) and R the best outcome.
    "RTSP": "harmony", "RSTP": "harmony", "RSPT": "harmony",
}


def side_payoffs(A, B):
    """(R, S, T, P) of side A and of side B, each from its own point of view."""
    return ((A[0, 0], A[0, 1], A[1, 0], A[1, 1]), (B[0, 0], B[1, 0], B[0, 1], B[1, 1]))


def reference_type(R, S, T, P):
    vals = {"R": R, "S": S, "T": T, "P": P}
    ranking = "".join(sorted(vals, key=lambda k: -vals[k]))
    return RANKING_TYPE.get(ranking, "other")


def brute_pure_count(A, B):
    return sum(A[x, y] >= A[:, y].max() and B[x, y] >= B[x, :].max() for x in range(2) for y in range(2))


def reference_class(A, B):
    """Class of a 2x2 game with no ties among each side's four payoffs."""
    ta, tb = (reference_type(*s) for s in side_payoffs(A, B))
    if ta == tb and ta != "other":
        return ta
    return "cyclic" if brute_pure_count(A, B) == 0 else "asymmetric"


def sym(R, S, T, P):
    A = np.array([[R, S], [T, P]], float)
    return A, A.T.copy()


# --------------------------------------------------------------------------- textbook games
TEXTBOOK = [
    ("prisoners_dilemma", sym(3, 0, 5, 1), 1),     # Axelrod (1984)
    ("chicken", sym(3, 1, 4, 0), 2),
    ("stag_hunt", sym(4, 1, 3, 2), 2),
    ("deadlock", sym(2, 1, 4, 3), 1),
    ("harmony", sym(4, 2, 3, 1), 1),
    ("leader", sym(2, 3, 4, 1), 2),
    ("battle_of_the_sexes", sym(2, 4, 3, 1), 2),
]


@pytest.mark.parametrize("name, game, n_pure", TEXTBOOK, ids=[t[0] for t in TEXTBOOK])
def test_textbook_classes(name, game, n_pure):
    c = classify(game)
    assert c.name == name
    assert TYPES[int(c.type_a)] == name and TYPES[int(c.type_b)] == name
    assert int(c.n_pure) == n_pure == brute_pure_count(*game)
    assert not bool(c.ties) and not bool(c.degenerate)


def test_builders_are_classified_as_named():
    assert classify(prisoners_dilemma()).name == "prisoners_dilemma"
    assert classify(chicken()).name == "chicken"
    assert classify(stag_hunt()).name == "stag_hunt"


def test_matching_pennies_is_cyclic():
    A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    c = classify((A, -A))
    assert c.name == "cyclic"
    assert int(c.n_pure) == 0
    assert bool(c.ties)              # each side has two payoffs of +1 and two of -1
    assert not bool(c.degenerate)    # ... but is never indifferent between its rungs


def test_asymmetric_prisoners_dilemma_vs_chicken():
    A = np.array([[3.0, 0.0], [5.0, 1.0]])   # side A: R=3, S=0, T=5, P=1  (PD)
    B = np.array([[3.0, 4.0], [1.0, 0.0]])   # side B: R=3, S=1, T=4, P=0  (Chicken)
    c = classify((A, B))
    assert c.name == "asymmetric"
    assert TYPES[int(c.type_a)] == "prisoners_dilemma"
    assert TYPES[int(c.type_b)] == "chicken"
    # A escalates (dominant); B's best reply to escalation is to back down.
    assert int(c.n_pure) == 1 == brute_pure_count(A, B)


def test_classic_battle_of_the_sexes_matrix_is_reported_tied():
    # [[2,0],[0,1]] / [[1,0],[0,2]]: side A has S == T == 0, so no strict ranking exists.
    c = classify((np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 2.0]])))
    assert bool(c.ties)
    assert c.name == "tied"
    assert int(c.n_pure) == 2


def test_tie_that_a_named_ordering_does_not_need_is_still_reported():
    # Harmony only needs R > T, S > P, R > S: T == S is allowed but is a tie.
    c = classify(sym(4, 2, 2, 1))
    assert c.name == "harmony"
    assert bool(c.ties)


def test_deterrence_is_degenerate():
    c = classify(deterrence())
    assert bool(c.degenerate) and bool(c.ties)


# --------------------------------------------------------------------------- exhaustive / random
def test_every_strict_ordinal_game():
    """All 24 x 24 pairs of strict preference orders (every strict ordinal 2x2 game)."""
    A, B, expected = [], [], []
    for pa in permutations((1.0, 2.0, 3.0, 4.0)):
        for pb in permutations((1.0, 2.0, 3.0, 4.0)):
            a = np.array([[pa[0], pa[1]], [pa[2], pa[3]]])          # R, S, T, P of A
            b = np.array([[pb[0], pb[2]], [pb[1], pb[3]]])          # R, T, S, P placed for B
            A.append(a)
            B.append(b)
            expected.append(reference_class(a, b))
    A, B = np.array(A), np.array(B)
    c = classify((A, B))
    assert c.code.shape == (576,)
    assert list(c.name) == expected
    assert np.array_equal(c.n_pure, [brute_pure_count(a, b) for a, b in zip(A, B)])
    assert not c.ties.any() and not c.degenerate.any()
    # every named type appears on the diagonal of the type table
    assert set(expected) >= set(CLASSES[:7]) | {"cyclic", "asymmetric"}


def test_random_continuous_games_match_reference():
    rng = np.random.default_rng(11)
    A, B = rng.normal(size=(3000, 2, 2)), rng.normal(size=(3000, 2, 2))
    c = classify((A, B))
    assert list(c.name) == [reference_class(a, b) for a, b in zip(A, B)]


def test_random_integer_games_ties_degeneracy_and_pure_count():
    rng = np.random.default_rng(12)
    A = rng.integers(0, 3, size=(2000, 2, 2)).astype(float)
    B = rng.integers(0, 3, size=(2000, 2, 2)).astype(float)
    c = classify((A, B))
    for i in range(len(A)):
        sa, sb = side_payoffs(A[i], B[i])
        assert bool(c.ties[i]) == (len(set(sa)) < 4 or len(set(sb)) < 4)
        tie_col_a = A[i, 0, 0] == A[i, 1, 0] or A[i, 0, 1] == A[i, 1, 1]
        tie_row_b = B[i, 0, 0] == B[i, 0, 1] or B[i, 1, 0] == B[i, 1, 1]
        assert bool(c.degenerate[i]) == (tie_col_a or tie_row_b)
        assert int(c.n_pure[i]) == brute_pure_count(A[i], B[i])


def test_batch_equals_one_by_one():
    rng = np.random.default_rng(13)
    A = rng.integers(-2, 3, size=(7, 9, 2, 2)).astype(float)
    B = rng.integers(-2, 3, size=(7, 9, 2, 2)).astype(float)
    c = classify((A, B))
    assert c.code.shape == (7, 9) and c.name.shape == (7, 9)
    for i, j in product(range(7), range(9)):
        one = classify((A[i, j], B[i, j]))
        assert one.name == c.name[i, j]
        for f in ("code", "type_a", "type_b", "ties", "degenerate", "n_pure"):
            assert getattr(one, f) == getattr(c, f)[i, j], f


def test_classify_rejects_non_2x2():
    with pytest.raises(ValueError):
        classify((np.zeros((3, 3)), np.zeros((3, 3))))


# --------------------------------------------------------------------------- invariances
small_game = arrays(np.float64, (2, 2), elements=st.integers(-4, 4).map(float))


def _fields(c):
    return tuple(np.asarray(getattr(c, f)).item() for f in ("code", "type_a", "type_b", "ties", "degenerate", "n_pure"))


@PROPS
@given(A=small_game, B=small_game, sa=st.integers(1, 16), sb=st.integers(1, 16),
       ta=st.integers(-50, 50), tb=st.integers(-50, 50), dyadic=st.booleans())
def test_invariant_under_positive_affine_maps_of_each_side(A, B, sa, sb, ta, tb, dyadic):
    # integer or dyadic scales keep the arithmetic exact, so ties stay ties
    fa, fb = (sa / 8, sb / 4) if dyadic else (sa, sb)
    assert _fields(classify((fa * A + ta, fb * B + tb))) == _fields(classify((A, B)))


@PROPS
@given(A=small_game, B=small_game)
def test_swapping_sides_keeps_the_class(A, B):
    c, s = classify((A, B)), classify((B.T.copy(), A.T.copy()))
    assert c.name == s.name
    assert int(s.type_a) == int(c.type_b) and int(s.type_b) == int(c.type_a)
    assert int(s.n_pure) == int(c.n_pure)
    assert bool(s.ties) == bool(c.ties) and bool(s.degenerate) == bool(c.degenerate)
