"""Batched solvers: pure equilibria of games of any size and all equilibria of 2x2 games.

Vectorised over leading batch dimensions (``(..., K_A, K_B)``); re-exported by
:mod:`sim.equilibria`.
"""

from __future__ import annotations

import numpy as np

from sim.errors import ConfigError
from sim.games import payoff_matrices

__all__ = ["pure_equilibria", "Nash2x2", "nash_2x2", "risk_dominance_2x2"]


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
        A, B = payoff_matrices(A)
    A, B = np.asarray(A, float), np.asarray(B, float)
    for name, M in (("A", A), ("B", B)):
        if not np.all(np.isfinite(M)):
            raise ConfigError(name, "payoffs must be finite numbers (found NaN or infinity)")
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
        A, B = payoff_matrices(A)
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
        A, B = payoff_matrices(A)
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
