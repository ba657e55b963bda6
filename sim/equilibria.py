"""Nash equilibria: nashpy for single games, our own batched solvers, refinements.

Single games
    :func:`nash_equilibria` wraps nashpy's support enumeration, vertex enumeration and
    Lemke-Howson, and adds ``method="exact"``, an independent support enumeration in
    exact rational arithmetic (:mod:`fractions`).  Every candidate a method returns is
    re-checked as a mutual best response with a documented tolerance (nashpy's own
    check compares floats with ``==`` and can drop equilibria; see below), duplicates
    are merged, and the game's degeneracy is computed and attached to the result.

Batches
    :func:`pure_equilibria` (any size, vectorised) and :func:`nash_2x2` (all equilibria
    of 2x2 games in closed form, vectorised).

Refinements
    :func:`pareto_undominated`, :func:`payoff_dominant`, :func:`risk_dominance_2x2`.

Tolerances
    Payoffs are first mapped to [0, 1] per game by a positive affine transformation
    (which changes no best response); a strategy is a best response when its payoff is
    within ``tol`` (default ``1e-9``) of the best, and a probability counts as zero
    below ``tol``.  Two equilibria are the same when their strategies differ by less
    than ``1e-7`` in every entry.

Why not trust one algorithm
    nashpy's ``support_enumeration`` accepts a candidate only if
    ``max(row payoffs) == max(row payoffs on the support)`` *exactly*; rounding in the
    indifference solve can make two equal payoffs differ by one ulp and the equilibrium
    is silently dropped.  Its vertex enumeration shifts payoffs to be positive and
    enumerates polytope vertices with ``scipy.spatial.HalfspaceIntersection``, which is
    exact only for non-degenerate games (nashpy issues #39, #41, #82, #231).  We therefore
    use nashpy's candidate generators, apply our tolerant best-response test, and test
    all methods against each other and against ``method="exact"`` (``tests/``).
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from itertools import combinations
from math import comb
from typing import NamedTuple

import numpy as np

from .errors import ConfigError

__all__ = [
    "Equilibrium",
    "Equilibria",
    "METHODS",
    "nash_equilibria",
    "cross_check",
    "is_degenerate",
    "is_nash",
    "pure_equilibria",
    "iterated_dominance",
    "Nash2x2",
    "nash_2x2",
    "pareto_undominated",
    "payoff_dominant",
    "risk_dominance_2x2",
]

METHODS = ("support", "vertex", "lemke_howson", "exact")
TOL = 1e-9
SAME = 1e-7
MAX_ENUMERATION = 200_000  # C(K_A + K_B, K_A): support pairs / polytope bases an enumeration visits


class Equilibrium(NamedTuple):
    """One Nash equilibrium of a single game.

    Fields
    ------
    x : ndarray (K_A,)   side A's mixed strategy (probability of each rung)
    y : ndarray (K_B,)   side B's mixed strategy
    payoff_a, payoff_b : float   expected payoffs ``x @ A @ y`` and ``x @ B @ y``
    """

    x: np.ndarray
    y: np.ndarray
    payoff_a: float
    payoff_b: float

    @property
    def is_pure(self) -> bool:
        return bool(np.isclose(self.x.max(), 1.0, atol=SAME) and np.isclose(self.y.max(), 1.0, atol=SAME))

    @property
    def support_a(self) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(self.x > SAME))

    @property
    def support_b(self) -> tuple[int, ...]:
        return tuple(int(i) for i in np.flatnonzero(self.y > SAME))

    @property
    def p_top(self) -> float:
        """Probability that both sides end on their top rung: ``x[-1] * y[-1]``."""
        return float(self.x[-1] * self.y[-1])

    @property
    def kind(self) -> str:
        return "pure" if self.is_pure else "mixed"


class Equilibria(list):
    """A list of :class:`Equilibrium` with the method used and the game's degeneracy.

    ``degenerate`` is True when some mixed strategy with support size k has more than k
    pure best responses (von Stengel 2007, def. 3.2) in the game left after removing
    strictly dominated rungs (``reduced``), which carries every equilibrium; then the
    equilibrium set may contain continua and the list holds extreme points found by the
    method.  Ties among dominated rungs do not count: they change no equilibrium (use
    :func:`is_degenerate` for the full game).  ``None`` when too large to decide.
    """

    def __init__(self, items=(), method: str = "", degenerate: bool | None = None, reduced: tuple = ()):
        super().__init__(items)
        self.method = method
        self.degenerate = degenerate
        self.reduced = reduced  # (kept rows, kept columns) after iterated strict dominance

    def __repr__(self) -> str:
        return f"Equilibria({list.__repr__(self)}, method={self.method!r}, degenerate={self.degenerate})"


# --------------------------------------------------------------------------- helpers
def _matrices(game) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(game, "A"):
        A, B = np.asarray(game.A, float), np.asarray(game.B, float)
    else:
        A, B = (np.asarray(m, float) for m in game)
    return A, B


def _single(game) -> tuple[np.ndarray, np.ndarray]:
    A, B = _matrices(game)
    if A.ndim != 2:
        raise ConfigError("game", f"nash_equilibria takes one game, got a batch of shape {A.shape[:-2]}; "
                                  "use pure_equilibria or nash_2x2 for batches, or index the batch")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ConfigError("game", "payoffs must be finite")
    return A, B


def _normalise(M: np.ndarray) -> np.ndarray:
    """Positive affine map of each game's payoffs onto [0, 1] (constant games map to 0)."""
    lo = M.min(axis=(-2, -1), keepdims=True)
    span = M.max(axis=(-2, -1), keepdims=True) - lo
    return (M - lo) / np.where(span > 0, span, 1.0)


def is_nash(A, B, x, y, tol: float = TOL) -> bool:
    """True when ``(x, y)`` is a mutual best response in ``(A, B)`` up to ``tol``.

    Payoffs are normalised to [0, 1] first, so ``tol`` is relative to the payoff range.
    """
    An, Bn = _normalise(np.asarray(A, float)), _normalise(np.asarray(B, float))
    x, y = np.asarray(x, float), np.asarray(y, float)
    if np.any(x < -tol) or np.any(y < -tol) or abs(x.sum() - 1) > tol or abs(y.sum() - 1) > tol:
        return False
    ra, cb = An @ y, x @ Bn
    return bool(x @ ra >= ra.max() - tol and cb @ y >= cb.max() - tol)


def _record(A, B, x, y) -> Equilibrium:
    x = np.where(np.abs(x) < 1e-13, 0.0, np.asarray(x, float))
    y = np.where(np.abs(y) < 1e-13, 0.0, np.asarray(y, float))
    x, y = x / x.sum(), y / y.sum()
    x.setflags(write=False)
    y.setflags(write=False)
    return Equilibrium(x, y, float(x @ A @ y), float(x @ B @ y))


def _dedupe(eqs):
    out = []
    for e in eqs:
        if not any(np.allclose(e.x, f.x, atol=SAME, rtol=0) and np.allclose(e.y, f.y, atol=SAME, rtol=0) for f in out):
            out.append(e)
    # stable, readable order: pure first, then by A's strategy
    out.sort(key=lambda e: (not e.is_pure, tuple(-e.x), tuple(-e.y)))
    return out


def iterated_dominance(A, B, tol: float = TOL) -> tuple[np.ndarray, np.ndarray]:
    """Indices of rungs that survive iterated elimination of strictly dominated rungs.

    Only pure-by-pure strict domination (by more than ``tol`` after normalisation) is
    used; it removes no Nash equilibrium (Fudenberg and Tirole 1991, sec. 2.1).

    Returns ``(rows, cols)``, sorted integer arrays.
    """
    An, Bn = _normalise(np.asarray(A, float)), _normalise(np.asarray(B, float))
    rows, cols = np.arange(An.shape[0]), np.arange(An.shape[1])
    while True:
        a = An[np.ix_(rows, cols)]
        # dom[i, k]: row k strictly dominates row i
        dom_r = np.all(a[None, :, :] > a[:, None, :] + tol, axis=-1)
        keep_r = ~dom_r.any(axis=1)
        b = Bn[np.ix_(rows, cols)]
        dom_c = np.all(b.T[None, :, :] > b.T[:, None, :] + tol, axis=-1)
        keep_c = ~dom_c.any(axis=1)
        if keep_r.all() and keep_c.all():
            return rows, cols
        rows, cols = rows[keep_r], cols[keep_c]


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


# --------------------------------------------------------------------------- nashpy wrappers
def _indifference_on_support(M: np.ndarray, rows, cols, size: int, tol: float) -> np.ndarray | None:
    """Mix ``z`` over ``cols`` (``|rows| == |cols|``) that makes every row in ``rows`` of M pay the same.

    Replaces nashpy's ``solve_indifference``, which also solves for the columns forced
    to zero and then demands ``all(prob >= 0)`` exactly: a forced zero computed as
    ``-1.6e-17`` rejects a genuine equilibrium (seen on random 4x3 games; our
    cross-check tests catch it).  Here the unknowns are the support probabilities only
    and positivity is judged with ``tol``.
    """
    rows, cols = np.asarray(rows), np.asarray(cols)
    sub = M[np.ix_(rows, cols)]
    eqs = np.vstack([sub[1:] - sub[:1], np.ones((1, len(cols)))])
    rhs = np.zeros(len(cols))
    rhs[-1] = 1.0
    try:
        z = np.linalg.solve(eqs, rhs)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(z)) or np.any(z <= tol):
        return None
    out = np.zeros(size)
    out[cols] = z
    return out


def _candidates(A: np.ndarray, B: np.ndarray, method: str, tol: float):
    import nashpy as nash
    from nashpy.algorithms.support_enumeration import potential_support_pairs

    if method == "exact":
        return _exact_equilibria(A, B)
    # nashpy gets payoffs mapped onto [1, 2] by a positive affine transformation (same
    # equilibria): its vertex enumeration needs positive payoffs to bound the polytopes
    # and fails on constant games otherwise.
    A, B = _normalise(A) + 1.0, _normalise(B) + 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nashpy warns on even counts / LH degeneracy; we report it ourselves
        if method == "support":
            # nashpy's support pairs; the indifference equations solved on the supports by us
            out = []
            for I, J in potential_support_pairs(A, B, non_degenerate=True):
                x = _indifference_on_support(B.T, J, I, A.shape[0], tol)
                y = _indifference_on_support(A, I, J, A.shape[1], tol) if x is not None else None
                if y is not None:
                    out.append((x, y))
            return out
        if method == "vertex":
            return list(nash.Game(A, B).vertex_enumeration())
        if method == "lemke_howson":
            out = []
            for label in range(sum(A.shape)):
                try:
                    x, y = nash.Game(A, B).lemke_howson(initial_dropped_label=label)
                except Exception:  # nashpy raises on some degenerate pivots
                    continue
                out.append((x, y))
            return out
    raise ConfigError("method", f"unknown method {method!r}; allowed: {', '.join(METHODS)}")


def nash_equilibria(game, method: str = "support", *, tol: float = TOL, reduce: bool = True,
                    check_degeneracy: bool = True) -> Equilibria:
    """All Nash equilibria of one bimatrix game.

    Parameters
    ----------
    game : Game or (A, B)
        One game; payoffs of shape ``(K_A, K_B)``.
    method : {"support", "vertex", "lemke_howson", "exact"}
        ``support``: support enumeration (Nisan et al. 2007, alg. 3.4) over nashpy's
        equal-size support pairs, which is complete for non-degenerate games.  ``vertex``: vertex enumeration of the best-response
        polytopes (alg. 3.5) through nashpy.  ``lemke_howson``: Lemke-Howson from every
        initial dropped label (alg. 3.6) through nashpy; finds *some* equilibria, not
        necessarily all.  ``exact``: our support enumeration in rational arithmetic.
        Support and vertex enumeration return every equilibrium of a non-degenerate game.
    tol : float
        Best-response tolerance on payoffs normalised to [0, 1].
    reduce : bool
        First remove strictly dominated rungs (iteratively); this removes no
        equilibrium and makes large ladders tractable.
    check_degeneracy : bool
        Compute ``result.degenerate`` for the reduced game (see :class:`Equilibria`).

    Returns
    -------
    Equilibria
        A list of :class:`Equilibrium` (pure ones first), with ``.method``,
        ``.degenerate`` and ``.reduced`` (kept rungs of each side).
    """
    if method not in METHODS:
        raise ConfigError("method", f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    A, B = _single(game)
    rows, cols = iterated_dominance(A, B, tol) if reduce else (np.arange(A.shape[0]), np.arange(A.shape[1]))
    a, b = A[np.ix_(rows, cols)], B[np.ix_(rows, cols)]
    if method in ("support", "vertex") and comb(sum(a.shape), a.shape[0]) > MAX_ENUMERATION:
        raise ConfigError("method", f"{method!r} enumeration of a {a.shape[0]}x{a.shape[1]} game (after removing "
                                    f"dominated rungs) visits {comb(sum(a.shape), a.shape[0])} support pairs or "
                                    f"bases, over the limit {MAX_ENUMERATION}; use method='lemke_howson' "
                                    "(finds some equilibria) or a smaller game")
    eqs = []
    if min(a.shape) == 1:
        # one rung left for a side: the equilibria are that rung against each pure best reply
        # (nashpy's vertex enumeration fails and its Lemke-Howson never returns on such games)
        bn, an = _normalise(b), _normalise(a)
        if a.shape[0] == 1:
            cands = [(np.ones(1), np.eye(a.shape[1])[j]) for j in np.flatnonzero(bn[0] >= bn[0].max() - tol)]
        else:
            cands = [(np.eye(a.shape[0])[i], np.ones(1)) for i in np.flatnonzero(an[:, 0] >= an[:, 0].max() - tol)]
    else:
        cands = _candidates(a, b, method, tol)
    for xs, ys in cands:
        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))) or xs.sum() <= 0 or ys.sum() <= 0:
            continue
        x = np.zeros(A.shape[0])
        y = np.zeros(A.shape[1])
        x[rows], y[cols] = xs / xs.sum(), ys / ys.sum()
        if is_nash(A, B, x, y, tol):
            eqs.append(_record(A, B, x, y))
    degenerate = is_degenerate(a, b, tol) if check_degeneracy else None
    return Equilibria(_dedupe(eqs), method, degenerate, (rows, cols))


def _same_set(e1, e2) -> bool:
    match = lambda e, f: np.allclose(e.x, f.x, atol=1e-6, rtol=0) and np.allclose(e.y, f.y, atol=1e-6, rtol=0)
    return len(e1) == len(e2) and all(any(match(e, f) for f in e2) for e in e1)


def cross_check(game, methods=("support", "vertex", "exact"), **kwargs) -> dict:
    """Run several methods on one game and report whether they return the same set.

    Returns a dict with one :class:`Equilibria` per method and ``"agree"`` (bool).
    Lemke-Howson is excluded by default because it is not meant to find every equilibrium.
    """
    out = {m: nash_equilibria(game, m, **kwargs) for m in methods}
    first = out[methods[0]]
    out["agree"] = all(_same_set(first, out[m]) for m in methods[1:])
    return out


# --------------------------------------------------------------------------- batched solvers
def pure_equilibria(A, B=None, tol: float = 0.0) -> np.ndarray:
    """Pure-strategy Nash equilibria of a batch of games of any size, vectorised.

    Parameters
    ----------
    A, B : array_like, shape ``(..., K_A, K_B)`` (or a Game as the first argument)
    tol : float
        Absolute tolerance: ``(x, y)`` is an equilibrium when ``A[x, y] >= max_i A[i, y] - tol``
        and ``B[x, y] >= max_j B[x, j] - tol``.

    Returns
    -------
    bool ndarray, shape ``(..., K_A, K_B)``: True at each pure equilibrium.
    """
    if B is None:
        A, B = _matrices(A)
    A, B = np.asarray(A, float), np.asarray(B, float)
    return (A >= A.max(axis=-2, keepdims=True) - tol) & (B >= B.max(axis=-1, keepdims=True) - tol)


class Nash2x2(tuple):
    """Result of :func:`nash_2x2`: unpacks as ``x, y, count``; ``.degenerate`` alongside.

    Attributes
    ----------
    x, y : ndarray, shape ``(..., 3, 2)``
        Up to three equilibria per game (pure ones in the order (0,0), (0,1), (1,0),
        (1,1), then the mixed one), NaN beyond ``count``.
    count : int8 ndarray, shape ``(...)``
    degenerate : bool ndarray, shape ``(...)``
        A side is indifferent between its rungs against a pure rung of the other.
        Such games can have a continuum of equilibria; ``x, y`` then hold the weak pure
        equilibria and the fully mixed point if isolated, and ``count`` says how many.
    """

    def __new__(cls, x, y, count, degenerate):
        obj = super().__new__(cls, (x, y, count))
        obj.degenerate = degenerate
        return obj

    x = property(lambda self: self[0])
    y = property(lambda self: self[1])
    count = property(lambda self: self[2])

    def payoffs(self, A, B):
        """Expected payoffs of each listed equilibrium, two arrays of shape ``(..., 3)``."""
        A, B = np.asarray(A, float), np.asarray(B, float)
        pa = np.einsum("...ki,...ij,...kj->...k", self.x, A, self.y)
        pb = np.einsum("...ki,...ij,...kj->...k", self.x, B, self.y)
        return pa, pb


def nash_2x2(A, B=None, tol: float = 0.0) -> Nash2x2:
    """Every Nash equilibrium of a batch of 2x2 games, in closed form, vectorised.

    For side A let ``a = A[0,0] - A[1,0]`` and ``b = A[0,1] - A[1,1]`` (its gain from
    rung 0 over rung 1 against each rung of B); for side B let ``c = B[0,0] - B[0,1]``
    and ``e = B[1,0] - B[1,1]``.  Pure equilibria are the cells where both are best
    responses.  A fully mixed equilibrium exists iff ``a * b < 0`` and ``c * e < 0``;
    then B plays rung 0 with ``q = b / (b - a)`` and A plays rung 0 with
    ``p = e / (e - c)``, the indifference conditions (e.g. Gibbons 1992, sec. 1.3).
    A non-degenerate 2x2 game has 1 or 3 equilibria (Wilson's oddness theorem).

    Parameters
    ----------
    A, B : array_like, shape ``(..., 2, 2)`` (or a Game as the first argument)
    tol : float
        Differences with absolute value ``<= tol`` count as ties (degenerate).

    Returns
    -------
    Nash2x2 ``(x, y, count)`` with ``.degenerate``.
    """
    if B is None:
        A, B = _matrices(A)
    A, B = np.asarray(A, float), np.asarray(B, float)
    if A.shape[-2:] != (2, 2) or B.shape != A.shape:
        raise ConfigError("game", f"nash_2x2 needs A and B of the same shape (..., 2, 2), got {A.shape} and {B.shape}")
    batch = A.shape[:-2]
    a = A[..., 0, 0] - A[..., 1, 0]
    b = A[..., 0, 1] - A[..., 1, 1]
    c = B[..., 0, 0] - B[..., 0, 1]
    e = B[..., 1, 0] - B[..., 1, 1]
    degenerate = (np.abs(a) <= tol) | (np.abs(b) <= tol) | (np.abs(c) <= tol) | (np.abs(e) <= tol)
    # pure cells from the signs of the differences (cheaper than reductions over length-2 axes)
    pure = np.stack([(a >= -tol) & (c >= -tol), (b >= -tol) & (c <= tol),
                     (a <= tol) & (e >= -tol), (b <= tol) & (e <= tol)], -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = b / (b - a)
        p = e / (e - c)
    mixed = (a * b < 0) & (c * e < 0) & ~degenerate

    # candidates: 4 pure cells then the mixed point; compact the valid ones to the front
    px = np.array([1.0, 1.0, 0.0, 0.0])  # P(A plays rung 0) in cells (0,0),(0,1),(1,0),(1,1)
    qy = np.array([1.0, 0.0, 1.0, 0.0])
    cand_p = np.concatenate([np.broadcast_to(px, batch + (4,)), p[..., None]], -1)
    cand_q = np.concatenate([np.broadcast_to(qy, batch + (4,)), q[..., None]], -1)
    valid = np.concatenate([pure, mixed[..., None]], -1)
    rank = np.cumsum(valid, axis=-1) * valid  # k-th valid candidate has rank k
    slots = rank[..., None, :] == np.arange(1, 4)[:, None]  # (..., 3, 5)
    keep = slots.any(-1)
    order = slots.argmax(-1)
    sel_p = np.where(keep, np.take_along_axis(cand_p, order, -1), np.nan)
    sel_q = np.where(keep, np.take_along_axis(cand_q, order, -1), np.nan)
    x = np.stack([sel_p, 1 - sel_p], -1)
    y = np.stack([sel_q, 1 - sel_q], -1)
    count = np.minimum(valid.sum(-1), 3).astype(np.int8)
    return Nash2x2(x, y, count, degenerate)


# --------------------------------------------------------------------------- refinements
def pareto_undominated(equilibria) -> np.ndarray:
    """Bool mask: equilibria that no other equilibrium Pareto-dominates.

    ``e`` is dominated when another equilibrium pays both sides at least as much and one
    strictly more (payoffs compared with tolerance 1e-9 relative to their range).
    """
    pay = np.array([[e.payoff_a, e.payoff_b] for e in equilibria], float).reshape(-1, 2)
    if len(pay) == 0:
        return np.zeros(0, bool)
    tol = 1e-9 * max(1.0, np.ptp(pay))
    ge = np.all(pay[None, :, :] >= pay[:, None, :] - tol, axis=-1)
    gt = np.any(pay[None, :, :] > pay[:, None, :] + tol, axis=-1)
    return ~np.any(ge & gt, axis=1)


def payoff_dominant(equilibria) -> int | None:
    """Index of the equilibrium that Pareto-dominates every other (Harsanyi and Selten 1988), or None."""
    mask = pareto_undominated(equilibria)
    if mask.sum() != 1 or len(equilibria) < 2:
        return None
    i = int(np.flatnonzero(mask)[0])
    pay = np.array([[e.payoff_a, e.payoff_b] for e in equilibria])
    others = np.delete(pay, i, axis=0)
    return i if np.all(pay[i] >= others) and np.all(np.any(pay[i] > others, axis=1)) else None


def risk_dominance_2x2(A, B=None) -> np.ndarray:
    """The risk-dominant pure equilibrium of 2x2 games with two strict pure equilibria.

    Harsanyi and Selten (1988, sec. 3.9): for strict equilibria on the diagonal,
    (0,0) risk-dominates (1,1) when the product of deviation losses is larger,
    ``(A00 - A10)(B00 - B01) > (A11 - A01)(B11 - B10)``; likewise for the anti-diagonal
    pair (0,1) vs (1,0) with ``(A01 - A11)(B01 - B00)`` vs ``(A10 - A00)(B10 - B11)``.

    Returns
    -------
    int8 ndarray, shape ``(..., 2)``: the (row, column) of the risk-dominant equilibrium,
    ``(-1, -1)`` where the game does not have exactly two strict pure equilibria or the
    products tie.
    """
    if B is None:
        A, B = _matrices(A)
    A, B = np.asarray(A, float), np.asarray(B, float)
    strict_a = np.stack([A[..., 0, :] > A[..., 1, :], A[..., 1, :] > A[..., 0, :]], -2)  # strict best row
    strict_b = np.stack([B[..., :, 0] > B[..., :, 1], B[..., :, 1] > B[..., :, 0]], -1)  # strict best col
    strict = strict_a & strict_b
    diag = strict[..., 0, 0] & strict[..., 1, 1]
    anti = strict[..., 0, 1] & strict[..., 1, 0]
    l00 = (A[..., 0, 0] - A[..., 1, 0]) * (B[..., 0, 0] - B[..., 0, 1])
    l11 = (A[..., 1, 1] - A[..., 0, 1]) * (B[..., 1, 1] - B[..., 1, 0])
    l01 = (A[..., 0, 1] - A[..., 1, 1]) * (B[..., 0, 1] - B[..., 0, 0])
    l10 = (A[..., 1, 0] - A[..., 0, 0]) * (B[..., 1, 0] - B[..., 1, 1])
    out = np.full(A.shape[:-2] + (2,), -1, np.int8)
    for cond, la, lb, ca, cb in ((diag, l00, l11, (0, 0), (1, 1)), (anti, l01, l10, (0, 1), (1, 0))):
        out = np.where((cond & (la > lb))[..., None], np.array(ca, np.int8), out)
        out = np.where((cond & (lb > la))[..., None], np.array(cb, np.int8), out)
    return out
