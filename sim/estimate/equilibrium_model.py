"""Observed crises under the equilibrium of the dynamic game, with the precision lambda as a parameter.

The logit Markov QRE of the crisis as a stochastic game (:func:`sim.dynamic.markov_qre`) is a
model of play in which each side chooses better rungs more often, as ``lam`` grows: at
``lam = 0`` uniformly at random, as ``lam -> inf`` by the Markov perfect equilibrium the branch
selects.  :func:`equilibrium_likelihood` gives the exact log-likelihood of observed crises
(:class:`sim.estimate.Sequences`) under the QRE policies at many ``lam`` at once: one batched
``markov_qre`` call (every ``lam`` on its own branch point; :mod:`sim.dynamic.markov_batch`) and
one forward pass (:mod:`sim.estimate.forward`) over the whole batch of policies, which share
one automaton per side (:func:`sim.dynamic.policy_structure`: the automaton that tracks the
game's state).  :func:`fit_equilibrium` maximises it over ``lam`` with a profile-likelihood
interval.

Choices: the equilibrium is computed on the dynamic game of the crisis settings without
perception noise (a side that misreads the other's rung no longer knows the state) and at
``discount`` (the settings' discount if below 1, else the given one, as the run's MPE); the
observations are then modelled with the settings as they are (perception noise included), so
the QRE's own randomness and the crisis's execution noise both explain departures from the
equilibrium.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.dynamic import StochasticGame, escalation_game, markov_qre, policy_structure
from sim.errors import ConfigError, nonnegative_number, open_probability
from sim.repeated import CrisisSettings, automaton
from .forward import forward_loglik
from .sequence_data import Sequences
from .sequence_fit import ImpossibleData
from .sequences import _check_data, _check_memory, model_tables

__all__ = ["equilibrium_likelihood", "fit_equilibrium", "EquilibriumFit"]


def _settings(settings, overrides, discount: float) -> tuple[CrisisSettings, CrisisSettings]:
    cs = CrisisSettings.resolve(settings, **overrides)
    d = cs.discount if cs.discount < 1.0 else float(discount)
    if not 0.0 <= d < 1.0:
        raise ConfigError("discount", f"the dynamic game needs a discount in [0, 1), got {d:g}")
    return cs, dataclasses.replace(cs, perception_noise=0.0, discount=d)


def _templates(esc):
    """Each side's state-tracking automaton (actions are placeholders) and its policy rows."""
    out = []
    K = esc.rungs
    for side in (0, 1):
        initial, transition, rows = policy_structure(esc, side)
        act = np.zeros((len(rows), K))
        act[:, 0] = 1.0
        out.append((automaton(initial, act, transition, name=f"qre_policy_{'AB'[side]}"), rows))
    return out


def _actions(policy: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(L, n, K) action tables of the automaton states from policies (L, S, K)."""
    act = policy[:, np.maximum(rows, 0)]
    act[:, rows < 0] = 0.0
    act[:, rows < 0, 0] = 1.0
    return act


def equilibrium_likelihood(data: Sequences, game, lams, *, settings=None, discount: float = 0.95,
                           per_crisis: bool = False, memory_budget_gb: float | None = None, **overrides) -> np.ndarray:
    """Log-likelihood of observed crises under the logit Markov QRE policies at each ``lam``.

    Parameters
    ----------
    data : Sequences
    game : Game        one stage game (its ladder: payoffs, war risk, war payoff)
    lams : array_like (L,) of float >= 0   precisions (1 / payoff unit)
    settings, overrides : the crisis settings (module docstring for how they enter)
    discount : float   the dynamic game's discount when the settings' is 1

    Returns
    -------
    ndarray (L,) (or (L, C) with ``per_crisis``): natural-log likelihoods.
    """
    lams = np.atleast_1d(np.asarray(lams, dtype=float))
    if lams.ndim != 1 or lams.size == 0 or not np.all(np.isfinite(lams)) or np.any(lams < 0):
        raise ConfigError("lams", "must be a non-empty list of finite numbers >= 0")
    cs, dcs = _settings(settings, overrides, discount)
    esc = escalation_game(game, dcs)
    K = esc.rungs
    _check_data(data, K)
    L = lams.size
    batch = StochasticGame(np.broadcast_to(esc.payoffs, (L,) + esc.payoffs.shape),
                           np.broadcast_to(esc.transitions, (L,) + esc.transitions.shape), esc.discount)
    q = markov_qre(batch, lams, memory_budget_gb=memory_budget_gb)
    (ta, rows_a), (tb, rows_b) = _templates(esc)
    acts = (_actions(np.asarray(q.policy_a), rows_a), _actions(np.asarray(q.policy_b), rows_b))
    gshape, tab = model_tables(game, ta, tb, cs, None, actions=acts)
    _check_memory(tab.war.shape[0], data.n_crises, tab, memory_budget_gb)
    ll = forward_loglik(tab.act[0], tab.classes[0], tab.perc[0], tab.init[0], tab.act[1], tab.classes[1],
                        tab.perc[1], tab.init[1], tab.war, tab.med, tab.settle_after, tab.z0, data.allowed,
                        data.lengths, data.endings).reshape(gshape + (data.n_crises,))
    return ll if per_crisis else ll.sum(-1)


@dataclass(frozen=True)
class EquilibriumFit:
    """Maximum-likelihood precision of the logit Markov QRE model.

    ``lam`` (``inf`` if the likelihood still rises at the top of the range: the data look like
    the selected MPE), ``interval`` (profile likelihood at ``level``; an end at a bound reaches
    it), ``log_likelihood``, ``k = 1``, ``n`` observed rounds, ``aic``, ``bic``, and the profile
    ``lams``, ``profile`` it was read from."""

    lam: float
    interval: tuple[float, float]
    log_likelihood: float
    k: int
    n: int
    aic: float
    bic: float
    level: float
    lams: np.ndarray
    profile: np.ndarray


def fit_equilibrium(data: Sequences, game, *, lam_max: float = 50.0, points: int = 41, level: float = 0.95,
                    settings=None, discount: float = 0.95, **overrides) -> EquilibriumFit:
    """Maximum likelihood over ``lam`` in ``[0, lam_max]``: the profile on ``points`` values
    (one batched call, denser near 0 where the policies change fastest), the maximum refined by a
    bounded scalar search, the interval by ``brentq`` on ``chi2_1(level) / 2``."""
    from scipy import optimize, stats

    lam_max = nonnegative_number("lam_max", lam_max)
    if lam_max <= 0:
        raise ConfigError("lam_max", "must be > 0")
    level = open_probability("level", level)
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or not 5 <= points <= 401:
        raise ConfigError("points", f"must be an integer in [5, 401], got {points!r}")
    kw = dict(settings=settings, discount=discount, **overrides)
    lams = lam_max * np.linspace(0.0, 1.0, points) ** 2
    prof = equilibrium_likelihood(data, game, lams, **kw)
    if not np.any(np.isfinite(prof)):
        raise ImpossibleData("data", "has likelihood 0 under the equilibrium model at every lam")
    i = int(np.nanargmax(np.where(np.isfinite(prof), prof, -np.inf)))

    def ll(x):
        return float(equilibrium_likelihood(data, game, [x], **kw)[0])

    lam, best = float(lams[i]), float(prof[i])
    if 0 < i < points - 1:
        r = optimize.minimize_scalar(lambda x: -ll(x), bounds=(lams[i - 1], lams[i + 1]), method="bounded",
                                     options={"xatol": 1e-4 * max(lam_max, 1.0)})
        if -r.fun > best:
            lam, best = float(r.x), float(-r.fun)
    drop = stats.chi2.ppf(level, 1) / 2
    ends = []
    for j, edge in ((0, 0.0), (1, lam_max)):
        idx = np.arange(i, -1, -1) if j == 0 else np.arange(i, points)
        below = [k for k in idx if prof[k] < best - drop]
        if not below:
            ends.append(edge)
            continue
        k = below[0]
        a, b = sorted((lams[k], lam))
        ends.append(float(optimize.brentq(lambda x: ll(x) - (best - drop), a, b, xtol=1e-6 * max(lam_max, 1.0))))
    if i == points - 1:
        lam = np.inf  # still rising at the top of the range
    n = data.n_rounds
    return EquilibriumFit(lam, (ends[0], ends[1]), best, 1, n, 2 - 2 * best, np.log(n) - 2 * best, level, lams, prof)
