"""Execution and perception noise as confusion matrices ``M[true rung, result rung]``.

Semantics in ``docs/repeated-model.md``: a rate ``e`` means the result is a uniformly
random *other* rung with probability ``e`` (K = 2: a flip, as in axelrod); a ``(K, K)``
row-stochastic matrix gives any confusion, e.g. :func:`biased_noise`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.repeated.strategies.automaton import _check_K, _prob_param
from sim.errors import ConfigError, check_distribution

__all__ = ["noise_matrix", "biased_noise", "side_noise"]


def noise_matrix(K: int, spec: Any, name: str = "noise") -> np.ndarray:
    """A validated ``(K, K)`` confusion matrix ``M[true, result]`` from a rate or a matrix.

    A rate ``e`` in [0, 1] means: with probability ``e`` the result is a uniformly random
    *other* rung (``M = (1 - e) I + e / (K - 1) (J - I)``; for K = 2 a flip, as in axelrod).
    A matrix must be ``(K, K)`` and row-stochastic.
    """
    K = _check_K(K)
    arr = np.asarray(spec, dtype=float) if not isinstance(spec, np.ndarray) else spec.astype(float)
    if arr.ndim == 0:
        e = float(arr)
        if not np.isfinite(e) or not 0.0 <= e <= 1.0:
            raise ConfigError(name, f"is a probability and must be in [0, 1], got {e:g}")
        M = np.full((K, K), e / (K - 1))
        np.fill_diagonal(M, 1.0 - e)
        return M
    if arr.shape != (K, K):
        raise ConfigError(name, f"must be a rate in [0, 1] or a ({K}, {K}) matrix, got shape {arr.shape}")
    check_distribution(name, arr)
    return arr.copy()


def biased_noise(K: int, up: float, down: float) -> np.ndarray:
    """Biased confusion matrix: from rung r, one rung higher with probability ``up`` (if
    r < K - 1), one rung lower with probability ``down`` (if r > 0), else unchanged.

    ``up > down`` models reading restraint as escalation more often than the reverse
    (Jervis 1976, *Perception and Misperception*, ch. 3).
    """
    K = _check_K(K)
    u = _prob_param("up", up)
    d = _prob_param("down", down)
    if u + d > 1:
        raise ConfigError("noise.up", f"up + down must be <= 1, got {u:g} + {d:g}")
    M = np.zeros((K, K))
    for r in range(K):
        if r < K - 1:
            M[r, r + 1] = u
        if r > 0:
            M[r, r - 1] = d
        M[r, r] = 1.0 - M[r].sum()
    return M


def side_noise(K: int, spec: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(side A, side B) confusion matrices from a rate, a pair, a matrix or a pair of matrices.

    One spec applies to both sides; a pair gives (side A, side B).  Used by the engine and
    the exact Markov analysis alike.
    """
    if isinstance(spec, (list, tuple)) and len(spec) == 2 and all(np.ndim(s) in (0, 2) for s in spec):
        return noise_matrix(K, spec[0], f"{name}[0]"), noise_matrix(K, spec[1], f"{name}[1]")
    try:
        arr = np.asarray(spec, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(name, f"must be a rate, a pair of rates, a ({K}, {K}) matrix or a pair of them") from None
    if arr.ndim == 1 and arr.shape == (2,):
        return noise_matrix(K, arr[0], f"{name}[0]"), noise_matrix(K, arr[1], f"{name}[1]")
    if arr.ndim == 3 and arr.shape[0] == 2:
        return noise_matrix(K, arr[0], f"{name}[0]"), noise_matrix(K, arr[1], f"{name}[1]")
    m = noise_matrix(K, arr, name)
    return m, m
