"""Per-round quantities derived from one repeated crisis, shared by reports and figures.

:func:`rung_shares` (the distribution of each side's rung among the runs still in
crisis), :func:`mean_rungs` and :func:`rung_quantiles`, plus the small readers of the
fields that exact :class:`~sim.repeated.markov.MarkovResult` and Monte-Carlo
:class:`~sim.repeated.montecarlo.SimulationResult` share (read by duck typing):
:func:`per_round_arrays`, :func:`final_value`, :func:`is_monte_carlo`,
:func:`expected_total_payoffs` and :func:`half_time`.  :mod:`sim.viz` and
:mod:`sim.report` read results through these, so figures and ``summary.md`` agree.
"""

from __future__ import annotations

import numpy as np

__all__ = ["per_round_arrays", "rung_shares", "mean_rungs", "rung_quantiles", "final_value", "is_monte_carlo", "expected_total_payoffs", "half_time"]




# --------------------------------------------------------------------------- derived arrays
def per_round_arrays(result, what: str = "this function") -> tuple[np.ndarray, np.ndarray]:
    """The per-round arrays of one crisis, checked: ``rung_distribution`` and ``p_active``.

    Parameters
    ----------
    result : MarkovResult or SimulationResult
        One crisis analysed or simulated with a time axis (``rounds=T``).
    what : str
        The caller's name, used in the error messages.

    Returns
    -------
    rung_distribution : ndarray (T, 2, K), float64
        P(the crisis is still going on in round t and side s is at rung k).
    p_active : ndarray (T,), float64
        P(the crisis is still going on in round t).

    Raises
    ------
    ValueError
        For a long-run result (``rounds=None``) or a batch of crises.
    """
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
    rd, pa = per_round_arrays(result, "rung_shares")
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


def final_value(v) -> float:
    """The last value of a per-round curve (T,), or the value itself for a long-run result (scalar).

    ``final_value(result.p_war)`` is P(war by the last round) or P(war ever).  Raises
    ``ValueError`` for a batch (more than one dimension).
    """
    a = np.asarray(v, dtype=np.float64)
    if a.ndim == 0:
        return float(a)
    if a.ndim == 1:
        return float(a[-1])
    raise ValueError(f"expected one crisis, got an array of shape {a.shape}; select one parameter point first")


def is_monte_carlo(result) -> bool:
    """True for a Monte-Carlo result (it has ``paths`` and ``path_payoffs``), False for an exact one."""
    return hasattr(result, "paths") and hasattr(result, "path_payoffs")


def expected_total_payoffs(result) -> np.ndarray:
    """Expected total payoffs of both sides, shape (2,).

    ``result.total_payoffs`` when the result has them (a per-round
    :class:`~sim.repeated.markov.MarkovResult`), else ``result.payoffs``.  Raises
    ``ValueError`` for a batch of crises.
    """
    pay = getattr(result, "total_payoffs", None)
    pay = np.asarray(result.payoffs if pay is None else pay, dtype=np.float64)
    if pay.shape != (2,):
        raise ValueError(f"expected payoffs of shape (2,), got {pay.shape}; select one parameter point first")
    return pay


def half_time(curve: np.ndarray, share: float = 0.5) -> int | None:
    """The first round (1-based) by which ``share`` of the endings seen by the last round have happened.

    ``curve`` is a cumulative per-round probability (T,) such as ``result.p_war``;
    ``half_time(p_war)`` is the median round of war among the runs that end in war by round
    T, ``half_time(p_war, 0.9)`` its 90th percentile.  None when nothing ends (or ``curve``
    is not a non-empty 1-d curve).
    """
    if curve.ndim != 1 or curve.size == 0 or curve[-1] <= 0:
        return None
    return int(np.argmax(curve >= share * curve[-1] - 1e-15)) + 1
