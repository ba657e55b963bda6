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
    of 2x2 games in closed form, vectorised), implemented in :mod:`sim.equilibria.batched`; the exact
    method and the degeneracy test live in :mod:`sim.equilibria.polytope`.  All are re-exported here.

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
from math import comb
from typing import NamedTuple

import numpy as np

from sim.games import payoff_matrices
from sim.errors import ConfigError
from sim.equilibria.polytope import TOL, _exact_equilibria, _normalise, is_degenerate

__all__ = ["Equilibrium", "Equilibria", "METHODS", "nash_equilibria", "cross_check", "is_nash", "iterated_dominance", "pareto_undominated", "payoff_dominant"]

METHODS = ("support", "vertex", "lemke_howson", "exact")
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
def _single(game) -> tuple[np.ndarray, np.ndarray]:
    A, B = payoff_matrices(game)
    if A.ndim != 2:
        raise ConfigError("game", f"nash_equilibria takes one game, got a batch of shape {A.shape[:-2]}; "
                                  "use pure_equilibria or nash_2x2 for batches, or index the batch")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ConfigError("game", "payoffs must be finite")
    return A, B


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


def _clean_support(A, B, x, y, tol: float):
    """Drop the probability a solver left on rungs that are not best responses (numerical dust
    from nashpy's vertex enumeration or Lemke-Howson, e.g. 1e-8 on a rung worse by 1e-7),
    so that every rung played is a best response within ``tol`` (relative to the payoff range)."""
    An, Bn = _normalise(np.asarray(A, float)), _normalise(np.asarray(B, float))
    for _ in range(3):
        ra, cb = An @ y, x @ Bn
        x2 = np.where(ra >= ra.max() - tol, x, 0.0)
        y2 = np.where(cb >= cb.max() - tol, y, 0.0)
        if x2.sum() <= 0 or y2.sum() <= 0 or (np.array_equal(x2, x) and np.array_equal(y2, y)):
            break  # nothing to drop (then x, y are returned bit for bit)
        x, y = x2 / x2.sum(), y2 / y2.sum()
    return x, y


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
        x, y = _clean_support(A, B, x, y, tol)
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
