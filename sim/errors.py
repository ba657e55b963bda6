"""The one user-facing error type.

Every mistake a user can make (an unknown key, a probability outside [0, 1], a ragged
or non-finite payoff matrix, an unknown game or strategy name) is raised as a
:class:`ConfigError` whose message is a single line naming the field and what is
allowed.  Entry points print that line and exit non-zero; they never show a traceback
for a ``ConfigError``.

It lives in its own module (rather than in ``sim/config/run.py`` as DESIGN.md sketches) so
that kernels and builders can raise it without importing the config layer, which itself
imports the builders: this keeps the import graph acyclic.
"""

from __future__ import annotations

import functools
import inspect
from typing import Callable

import numpy as np

__all__ = ["ConfigError", "as_float_array", "nonnegative_number", "open_probability", "check_probabilities",
           "check_distribution", "user_errors"]


class ConfigError(ValueError):
    """A user error: bad input with a one-line explanation.

    Parameters
    ----------
    field : str
        Dotted name of the offending field (``"game.war_risk"``), or ``""``.
    message : str
        What is wrong and what is allowed, e.g. ``"must be in [0, 1], got 1.3"``.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = " ".join(str(message).split())  # force a single line
        super().__init__(f"{field}: {self.message}" if field else self.message)

    def prefixed(self, prefix: str) -> "ConfigError":
        """The same error with ``prefix.`` put in front of its field name."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return ConfigError(field, self.message)


def user_errors(builder: Callable) -> Callable:
    """Turn the two mistakes numpy and Python report in their own words into one-line
    :class:`ConfigError` lines: an unknown keyword, and parameter arrays whose shapes do not
    broadcast together (``chicken(value=np.ones(3), crash_cost=np.ones(4))``)."""
    sig = inspect.signature(builder)

    @functools.wraps(builder)
    def checked(*args, **kwargs):
        unknown = [k for k in kwargs if k not in sig.parameters]
        if unknown:
            raise ConfigError(unknown[0], f"is not a parameter of {builder.__name__}; allowed: {', '.join(sig.parameters)}")
        try:
            return builder(*args, **kwargs)
        except ConfigError:
            raise
        except ValueError as exc:
            if "broadcast" not in str(exc) and "shape mismatch" not in str(exc):
                raise
            bound = sig.bind_partial(*args, **kwargs).arguments
            shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in bound.items()
                               if k != "sides" and not isinstance(v, str) and np.ndim(v) > 0)
            raise ConfigError(builder.__name__, f"parameter arrays do not broadcast together: {shapes}") from None

    return checked


def as_float_array(name: str, value) -> np.ndarray:
    """``value`` as a finite float64 array, or a one-line :class:`ConfigError` naming ``name``
    (ragged, non-numeric, NaN or infinite input).  The validator every builder and crisis
    model uses for its numeric parameters."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise ConfigError(name, "must be a number or a rectangular array of numbers (ragged or non-numeric input)") from None
    if not np.all(np.isfinite(arr)):
        raise ConfigError(name, "must be finite (got NaN or infinity)")
    return arr


def nonnegative_number(name: str, value) -> float:
    """``value`` as a finite float >= 0 (a precision lambda, a rate), or a one-line
    :class:`ConfigError` naming ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(name, f"must be a number >= 0, got {value!r}") from None
    if not np.isfinite(number) or number < 0:
        raise ConfigError(name, f"must be a finite number >= 0, got {number:g}")
    return number


def open_probability(name: str, value) -> float:
    """``value`` as a float strictly inside (0, 1) (a confidence level, an interval's coverage),
    or a one-line :class:`ConfigError` naming ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(name, f"must be a number in (0, 1), got {value!r}") from None
    if not 0.0 < number < 1.0:
        raise ConfigError(name, f"must be in (0, 1), got {number:g}")
    return number


#: Tolerance on the sum of a probability row.
SUM_TOL = 1e-9


def check_probabilities(field_name: str, arr: np.ndarray) -> None:
    """Every entry a finite probability in [0, 1], else a one-line ConfigError naming the entry."""
    if not np.all(np.isfinite(arr)):
        raise ConfigError(field_name, "must contain finite probabilities")
    bad = np.argwhere((arr < 0) | (arr > 1))
    if len(bad):
        idx = tuple(int(i) for i in bad[0])
        raise ConfigError(field_name, f"entry {idx} is {arr[idx]:g}, not a probability in [0, 1]")


def check_distribution(field_name: str, arr: np.ndarray) -> None:
    """Rows (the last axis) that are probability distributions: entries in [0, 1] summing to 1
    within :data:`SUM_TOL`, else a one-line ConfigError naming the entry or row."""
    check_probabilities(field_name, arr)
    sums = arr.sum(axis=-1)
    off = np.argwhere(np.abs(sums - 1) > SUM_TOL)
    if len(off):
        idx = tuple(int(i) for i in off[0])
        raise ConfigError(field_name, f"row {idx} sums to {sums[idx]:.6g}; each row must sum to 1")
