"""Ordinal classification of 2x2 games, vectorised over batches.

Rung 0 is "restrain" (cooperate), rung 1 "escalate" (defect).  For each side we read its
four payoffs in the Rapoport-Guyer (1966) naming, from that side's point of view::

    R = both restrain      S = I restrain, they escalate
    T = I escalate alone   P = both escalate

(side A: ``R, S, T, P = A[0,0], A[0,1], A[1,0], A[1,1]``; side B: ``B[0,0], B[1,0],
B[0,1], B[1,1]``), and name the side's *preference type* by the strict order of the four:

=====================  ====================  =====================================
type                   order                 source
=====================  ====================  =====================================
prisoners_dilemma      T > R > P > S         Rapoport and Chammah (1965)
chicken                T > R > S > P         Rapoport and Chammah (1966)
stag_hunt              R > T > P > S         Skyrms (2004); Jervis (1978)
deadlock               T > P > R > S         Snyder and Diesing (1977)
harmony                R > T, S > P, R > S   restraint dominant and best (Jervis 1978)
leader                 T > S > R > P         Rapoport and Guyer (1966)
battle_of_the_sexes    S > T > R > P         Luce and Raiffa (1957) ("hero")
=====================  ====================  =====================================

The game's class is the common type when both sides share one.  Otherwise:
``cyclic`` when there is no pure equilibrium (Matching Pennies and other games whose
best responses chase each other round the four cells), ``asymmetric`` when the two sides
have different (or unnamed) types, and ``tied`` when a side has equal payoffs that the
comparisons above need; ties are also reported per game in ``Classification.ties``.
``degenerate`` flags *strategic* ties (a side indifferent between its two rungs against
some pure rung of the other), which make equilibrium sets non-generic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sim.games.game import payoff_matrices

__all__ = ["CLASSES", "TYPES", "Classification", "classify"]

#: Preference types of a single side, in code order.
TYPES = ("prisoners_dilemma", "chicken", "stag_hunt", "deadlock", "harmony", "leader",
         "battle_of_the_sexes", "other", "tied")
#: Game classes, in code order (``Classification.code`` indexes this tuple).
CLASSES = TYPES[:7] + ("cyclic", "asymmetric", "tied")


@dataclass(frozen=True)
class Classification:
    """Result of :func:`classify`; every array has the batch shape of the games.

    Attributes
    ----------
    code : int8 array, index into :data:`CLASSES`
    type_a, type_b : int8 arrays, index into :data:`TYPES` (each side's preference type)
    ties : bool array, some side has two equal payoffs among its four
    degenerate : bool array, some side is indifferent between its rungs against a pure rung
    n_pure : int8 array, number of pure-strategy equilibria (weak inequalities)
    """

    code: np.ndarray
    type_a: np.ndarray
    type_b: np.ndarray
    ties: np.ndarray
    degenerate: np.ndarray
    n_pure: np.ndarray

    @property
    def name(self):
        """Class name (str for a single game, object array of str for a batch)."""
        names = np.asarray(CLASSES, dtype=object)[self.code]
        return str(names) if np.ndim(self.code) == 0 else names


def _side_type(R, S, T, P):
    """Preference type code per element and a ties flag (all inputs same shape)."""
    vals = np.stack([R, S, T, P], -1)
    srt = np.sort(vals, -1)
    ties = np.any(np.diff(srt, axis=-1) == 0, axis=-1)
    conds = [
        (T > R) & (R > P) & (P > S),   # prisoners_dilemma
        (T > R) & (R > S) & (S > P),   # chicken
        (R > T) & (T > P) & (P > S),   # stag_hunt
        (T > P) & (P > R) & (R > S),   # deadlock
        (R > T) & (S > P) & (R > S),   # harmony (restraint strictly dominant and the best outcome)
        (T > S) & (S > R) & (R > P),   # leader
        (S > T) & (T > R) & (R > P),   # battle_of_the_sexes
    ]
    code = np.select(conds, list(range(7)), default=7)
    code = np.where(ties & (code == 7), 8, code)
    return code.astype(np.int8), ties


def classify(game) -> Classification:
    """Name the ordinal structure of each 2x2 game in a batch.

    Parameters
    ----------
    game : Game or tuple (A, B)
        Payoffs of shape ``(..., 2, 2)``.

    Returns
    -------
    Classification
        Arrays of the batch shape; ``.name`` gives the class names.
    """
    A, B = payoff_matrices(game)
    if A.shape[-2:] != (2, 2):
        raise ValueError(f"classify needs 2x2 games, got action shape {A.shape[-2:]}")
    ta, tie_a = _side_type(A[..., 0, 0], A[..., 0, 1], A[..., 1, 0], A[..., 1, 1])
    tb, tie_b = _side_type(B[..., 0, 0], B[..., 1, 0], B[..., 0, 1], B[..., 1, 1])
    # pure equilibria with weak inequalities
    best_a = A >= A.max(axis=-2, keepdims=True)
    best_b = B >= B.max(axis=-1, keepdims=True)
    n_pure = (best_a & best_b).sum(axis=(-2, -1)).astype(np.int8)
    degenerate = ((A[..., 0, :] == A[..., 1, :]).any(-1) | (B[..., :, 0] == B[..., :, 1]).any(-1))
    same = (ta == tb) & (ta < 7)
    code = np.where(same, ta, np.where(n_pure == 0, 7, np.where((ta == 8) | (tb == 8), 9, 8)))
    return Classification(code.astype(np.int8), ta, tb, tie_a | tie_b, degenerate, n_pure)
