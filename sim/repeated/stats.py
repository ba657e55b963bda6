"""Per-round quantities derived from one repeated crisis, shared by reports and figures.

:func:`rung_shares` (the distribution of each side's rung among the runs still in
crisis), :func:`mean_rungs` and :func:`rung_quantiles`, plus the small readers of the
fields that exact :class:`~sim.repeated.markov.MarkovResult` and Monte-Carlo
:class:`~sim.repeated.montecarlo.SimulationResult` share (read by duck typing).  Re-exported from
:mod:`sim.report.repeated`.
"""

from __future__ import annotations

import numpy as np
from sim.repeated.settings import ENDINGS

__all__ = ["ENDINGS", "rung_shares", "mean_rungs", "rung_quantiles"]




# --------------------------------------------------------------------------- derived arrays
def _per_round(result, what: str = "this function") -> tuple[np.ndarray, np.ndarray]:
    """``rung_distribution`` (T, 2, K) and ``p_active`` (T,) of one crisis with a time axis."""
    rd = np.asarray(result.rung_distribution, dtype=np.float64)
    pa = np.asarray(result.p_active, dtype=np.float64)
    if rd.ndim == 2:
        raise ValueError(f"{what} needs a per-round result; this one is long-run (rounds=None): "
                         "analyse with rounds=T")
    if rd.ndim != 3 or pa.shape != rd.shape[:1]:
        raise ValueError(f"{what} takes one crisis, got a batch of shape {rd.shape[:-3]}; "
                         "select one parameter point first")
    return rd, pa


def rung_shares(result) -> np.ndarray:
    """Share of the runs still in crisis in which each side is at each rung.

    Returns
    -------
    ndarray (T, 2, K)
        ``rung_distribution / p_active``; each ``[t, side]`` row sums to 1 where the
        crisis is still going on in round t (``p_active[t] > 0``) and is NaN elsewhere.
    """
    rd, pa = _per_round(result, "rung_shares")
    out = np.full(rd.shape, np.nan)
    on = pa > 0
    out[on] = rd[on] / rd[on].sum(-1, keepdims=True)
    return out


def mean_rungs(result) -> np.ndarray:
    """(T, 2) mean rung of each side among the runs still in crisis in round t (NaN when none is)."""
    s = rung_shares(result)
    return s @ np.arange(s.shape[-1], dtype=np.float64)


def rung_quantiles(result, q: float) -> np.ndarray:
    """(T, 2) the q-quantile of each side's rung among the runs still in crisis: the lowest
    rung r with P(rung <= r) >= q (NaN when no run is in crisis)."""
    s = rung_shares(result)
    cdf = np.cumsum(np.nan_to_num(s), -1)
    r = np.argmax(cdf >= q - 1e-12, axis=-1).astype(np.float64)
    r[np.isnan(s[..., 0])] = np.nan
    return r


def _final(v) -> float:
    """Last value of a per-round curve, or the value itself for a long-run result."""
    a = np.asarray(v, dtype=np.float64)
    if a.ndim == 0:
        return float(a)
    if a.ndim == 1:
        return float(a[-1])
    raise ValueError(f"expected one crisis, got an array of shape {a.shape}; select one parameter point first")


def _is_monte_carlo(result) -> bool:
    return hasattr(result, "paths") and hasattr(result, "path_payoffs")


def _total_payoffs(result) -> np.ndarray:
    """Expected total payoffs (2,): ``total_payoffs`` when the result has them (MarkovResult), else ``payoffs``."""
    pay = getattr(result, "total_payoffs", None)
    pay = np.asarray(result.payoffs if pay is None else pay, dtype=np.float64)
    if pay.shape != (2,):
        raise ValueError(f"expected payoffs of shape (2,), got {pay.shape}; select one parameter point first")
    return pay


def _half_time(curve: np.ndarray, share: float = 0.5) -> int | None:
    """First round (1-based) by which ``share`` of the endings seen by the last round have happened."""
    if curve.ndim != 1 or curve.size == 0 or curve[-1] <= 0:
        return None
    return int(np.argmax(curve >= share * curve[-1] - 1e-15)) + 1
