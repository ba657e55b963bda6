"""Small array helpers shared by every layer (a leaf: imports numpy only).

:func:`unique_rows` is ``np.unique(a, axis=0, return_inverse=True)`` by a lexicographic sort.
numpy's version views the rows as structured scalars, and its structured comparison turns any
exception raised while it compares (a ``KeyboardInterrupt`` from Ctrl-C included) into
``TypeError: Cannot compare structured arrays``: a user's Ctrl-C then reads as a crash.
"""

from __future__ import annotations

import numpy as np

__all__ = ["unique_rows"]


def unique_rows(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a 2-d array in lexicographic order and, for each row, the index of
    its distinct row: ``np.unique(a, axis=0, return_inverse=True)`` without its structured view.

    That view compares rows as structured scalars, and numpy turns any exception raised during
    the comparison (a KeyboardInterrupt from Ctrl-C included) into ``TypeError: Cannot compare
    structured arrays``; a sort with :func:`numpy.lexsort` keeps Ctrl-C a KeyboardInterrupt."""
    a = np.asarray(a)
    if a.shape[0] == 0:
        return a, np.zeros(0, dtype=np.intp)
    order = np.lexsort(a.T[::-1])
    s = a[order]
    new = np.ones(a.shape[0], dtype=bool)
    new[1:] = np.any(s[1:] != s[:-1], axis=1)
    inv = np.empty(a.shape[0], dtype=np.intp)
    inv[order] = np.cumsum(new) - 1
    return s[new], inv
