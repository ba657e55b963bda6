"""Best-response polytopes: degeneracy and exact (rational) vertex enumeration.

Used by :mod:`sim.equilibria` (``method="exact"``, ``Equilibria.degenerate``); the public
names are re-exported there.  References: von Stengel (2007), "Equilibrium computation for
two-player games in strategic and extensive form", in *Algorithmic Game Theory*, ch. 3;
Avis, Rosenberg, Savani and von Stengel (2010), *Economic Theory* 42.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from math import comb

import numpy as np

from sim.errors import ConfigError

__all__ = ["is_degenerate"]

TOL = 1e-9


def _normalise(M: np.ndarray) -> np.ndarray:
    """Positive affine map of each game's payoffs onto [0, 1] (constant games map to 0)."""
    lo = M.min(axis=(-2, -1), keepdims=True)
    span = M.max(axis=(-2, -1), keepdims=True) - lo
    return (M - lo) / np.where(span > 0, span, 1.0)


# --------------------------------------------------------------------------- degeneracy
def _overlabelled_vertex(M: np.ndarray, tol: float, max_bases: int) -> bool | None:
    """Does the polytope {z >= 0, M z <= 1} (M > 0, shape (c, d)) have a vertex on > d facets?"""
    c, d = M.shape
    n_bases = comb(c + d, d)
    if n_bases > max_bases:
        return None
    G = np.vstack([-np.eye(d), M])
    h = np.concatenate([np.zeros(d), np.ones(c)])
    combos = np.fromiter((i for cmb in combinations(range(c + d), d) for i in cmb), dtype=np.int64).reshape(-1, d)
    for start in range(0, len(combos), 20000):
        idx = combos[start:start + 20000]
        Gs, hs = G[idx], h[idx]
        with np.errstate(all="ignore"):
            sv = np.linalg.svd(Gs, compute_uv=False)
        ok = sv[:, -1] > 1e-10 * sv[:, 0]
        if not ok.any():
            continue
        z = np.linalg.solve(Gs[ok], hs[ok][..., None])[..., 0]
        slack = h[None, :] - z @ G.T
        feasible = np.all(slack >= -tol, axis=1)
        tight = np.sum(np.abs(slack) <= tol, axis=1)
        if np.any(feasible & (tight > d)):
            return True
    return False


def is_degenerate(A, B, tol: float = TOL, max_bases: int = 2_000_000) -> bool | None:
    """Whether a bimatrix game is degenerate (von Stengel 2007, def. 3.2).

    A game is degenerate when some mixed strategy with support size k has more than k
    pure best responses.  Equivalently (von Stengel 2007, sec. 3.4) a vertex of one of
    the best-response polytopes ``P = {x >= 0, B' x <= 1}``, ``Q = {y >= 0, A y <= 1}``
    (payoffs made positive) lies on more facets than its dimension.  We enumerate all
    bases of both polytopes in vectorised chunks and count tight constraints with
    tolerance ``tol`` on payoffs normalised to [1, 2].

    Returns None when a polytope has more than ``max_bases`` bases (too large to decide).
    """
    A, B = np.asarray(A, float), np.asarray(B, float)
    if A.size == 1:
        return False
    An, Bn = _normalise(A) + 1.0, _normalise(B) + 1.0
    p = _overlabelled_vertex(Bn.T, tol, max_bases)
    q = _overlabelled_vertex(An, tol, max_bases)
    if p is True or q is True:
        return True
    if p is None or q is None:
        return None
    return False


# --------------------------------------------------------------------------- exact method
def _solve_exact(M: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """Unique solution of the square system M z = b by Gauss-Jordan elimination, else None."""
    n = len(M)
    aug = [row[:] + [bi] for row, bi in zip(M, b)]
    for c in range(n):
        p = next((i for i in range(c, n) if aug[i][c] != 0), None)
        if p is None:
            return None  # singular
        aug[c], aug[p] = aug[p], aug[c]
        inv = 1 / aug[c][c]
        aug[c] = [v * inv for v in aug[c]]
        for i in range(n):
            if i != c and aug[i][c] != 0:
                f = aug[i][c]
                aug[i] = [vi - f * vc for vi, vc in zip(aug[i], aug[c])]
    return [aug[i][n] for i in range(n)]


def _exact_vertices(G: list[list[Fraction]], h: list[Fraction], d: int):
    """Vertices of {z : G z <= h} in R^d with their sets of tight constraints (exact)."""
    out = {}
    for basis in combinations(range(len(G)), d):
        z = _solve_exact([G[i] for i in basis], [h[i] for i in basis])
        if z is None:
            continue
        lhs = [sum(g * v for g, v in zip(row, z)) for row in G]
        if all(l <= hi for l, hi in zip(lhs, h)):
            key = tuple(z)
            if key not in out:
                out[key] = frozenset(i for i, (l, hi) in enumerate(zip(lhs, h)) if l == hi)
    return out


def _exact_equilibria(A: np.ndarray, B: np.ndarray, max_bases: int = 20_000):
    """Extreme Nash equilibria by vertex enumeration in exact rational arithmetic.

    Floats convert to fractions exactly, so this is exact for the given float payoffs.
    With payoffs shifted to be positive, the best-response polytopes are
    ``P = {x >= 0, B' x <= 1}`` and ``Q = {y >= 0, A y <= 1}``; label ``i`` (a row) is
    ``x_i = 0`` in P and ``(A y)_i = 1`` in Q, label ``m + j`` (a column) is
    ``(B' x)_j = 1`` in P and ``y_j = 0`` in Q.  Completely labelled vertex pairs other
    than (0, 0), normalised, are the extreme equilibria (von Stengel 2007, thm. 3.4;
    Avis, Rosenberg, Savani and von Stengel 2010).  Unlike support enumeration this is
    also complete for degenerate games, where it returns the extreme points of every
    equilibrium component.  Cost: ``C(m + n, m)`` exact solves per polytope.
    """
    m, n = A.shape
    if comb(m + n, m) > max_bases:
        raise ConfigError("method", f"'exact' enumerates {comb(m + n, m)} bases for a {m}x{n} game "
                                    f"(limit {max_bases}); use 'support', 'vertex' or 'lemke_howson'")
    Af = [[Fraction(float(v)) for v in row] for row in A]
    Bf = [[Fraction(float(v)) for v in row] for row in B]
    shift_a = 1 - min(min(r) for r in Af)
    shift_b = 1 - min(min(r) for r in Bf)
    Af = [[v + shift_a for v in r] for r in Af]
    Bf = [[v + shift_b for v in r] for r in Bf]
    one, zero = Fraction(1), Fraction(0)
    # P: constraints -x_i <= 0 (label i), (B' x)_j <= 1 (label m + j)
    GP = [[-one if k == i else zero for k in range(m)] for i in range(m)] + \
         [[Bf[i][j] for i in range(m)] for j in range(n)]
    hP = [zero] * m + [one] * n
    # Q: constraints (A y)_i <= 1 (label i), -y_j <= 0 (label m + j)
    GQ = [Af[i][:] for i in range(m)] + [[-one if k == j else zero for k in range(n)] for j in range(n)]
    hQ = [one] * m + [zero] * n
    VP = {z: lab for z, lab in _exact_vertices(GP, hP, m).items() if any(z)}
    VQ = {z: lab for z, lab in _exact_vertices(GQ, hQ, n).items() if any(z)}
    full = frozenset(range(m + n))
    found = []
    for u, lu in VP.items():
        su = sum(u)
        for v, lv in VQ.items():
            if lu | lv == full:
                sv = sum(v)
                found.append((np.array([float(c / su) for c in u]), np.array([float(c / sv) for c in v])))
    return found
