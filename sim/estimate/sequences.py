"""Likelihood of observed crises under a model: ``sequence_likelihood`` (fits in :mod:`sim.estimate.sequence_fit`).

A *model* of an observed crisis is what ``sim.analyse`` plays: a game (its war risk), a
strategy pair and the crisis settings (noise, mediation, settlement, timing, opening).
:func:`sequence_likelihood` gives the exact log-likelihood of :class:`Sequences` under it
by the forward algorithm (:mod:`sim.estimate.forward`), on a whole grid of the numeric
settings at once (one call, no loop over grid points).  :func:`fit_sequences` maximises it
over the settings a user sets free and gives profile-likelihood intervals;
:func:`compare_models` fits several candidate pairs and ranks them by AIC and BIC.

The free parameters (:data:`GRID_FIELDS`) are the crisis settings that are numbers:
execution and perception noise as rates (both sides, or one side with ``_a``/``_b``), the
war-risk scale, and the mediation probability and slope.  Each is a probability or a
non-negative scale; the names and meanings are those of :class:`sim.repeated.CrisisSettings`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from sim.errors import ConfigError
from sim.limits import budget_bytes, gib
from sim.repeated import CrisisSettings, Strategy
from sim.repeated.strategies.automaton import check_match
from sim.repeated.strategies.timing import alternating_automaton
from .forward import forward_loglik, transition_classes
from .sequence_data import Sequences

__all__ = ["GRID_FIELDS", "sequence_likelihood", "model_tables"]

#: Numeric crisis settings that :func:`sequence_likelihood` takes on a grid, with their ranges.
GRID_FIELDS: dict[str, tuple[float, float]] = {
    "execution_noise": (0.0, 1.0), "execution_noise_a": (0.0, 1.0), "execution_noise_b": (0.0, 1.0),
    "perception_noise": (0.0, 1.0), "perception_noise_a": (0.0, 1.0), "perception_noise_b": (0.0, 1.0),
    "war_risk_scale": (0.0, np.inf), "mediation": (0.0, 1.0), "mediation_slope": (-1.0, 1.0),
}


def _rate_matrices(rate: np.ndarray, K: int) -> np.ndarray:
    """(G, K, K) confusion matrices of rates (G,): ``(1 - e) I + e / (K - 1) (J - I)``."""
    eye = np.eye(K)
    return (1 - rate)[:, None, None] * eye + (rate / (K - 1))[:, None, None] * (1 - eye)


def _grid(grid: Mapping[str, Any] | None) -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
    grid = dict(grid or {})
    for key in grid:
        if key not in GRID_FIELDS:
            raise ConfigError(f"grid.{key}", f"is not a grid parameter; allowed: {', '.join(GRID_FIELDS)}")
    for side in "ab":
        for base in ("execution_noise", "perception_noise"):
            if base in grid and f"{base}_{side}" in grid:
                raise ConfigError(f"grid.{base}_{side}", f"give {base} (both sides) or {base}_a/_b, not both")
    arrays = {}
    for key, value in grid.items():
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ConfigError(f"grid.{key}", f"must be numbers, got {value!r}") from None
        lo, hi = GRID_FIELDS[key]
        if not np.all(np.isfinite(arr)) or np.any((arr < lo) | (arr > hi)):
            raise ConfigError(f"grid.{key}", f"must be numbers in [{lo:g}, {hi:g}]")
        arrays[key] = arr
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values())) if arrays else ()
    except ValueError:
        raise ConfigError("grid", "the parameter arrays do not broadcast to one grid shape: "
                                  + ", ".join(f"{k} {a.shape}" for k, a in arrays.items())) from None
    return shape, arrays


@dataclass(frozen=True)
class _Tables:
    """What the forward algorithm needs, for G parameter points (``forward_loglik``'s arguments)."""

    act: tuple[np.ndarray, np.ndarray]
    classes: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    perc: tuple[np.ndarray, np.ndarray]
    init: tuple[np.ndarray, np.ndarray]
    war: np.ndarray
    med: np.ndarray
    settle_after: int | None
    z0: int


def model_tables(game, strategy_a: Strategy, strategy_b: Strategy, settings: CrisisSettings,
                 grid: Mapping[str, Any] | None = None, actions=None) -> tuple[tuple[int, ...], _Tables]:
    """The model's per-round tables at every grid point: ``(grid shape, tables)``.

    ``settings`` gives everything the grid does not; the grid's arrays broadcast together
    (and with the game's batch shape) to the grid shape.  Timing and opening turn the
    automata as :func:`sim.repeated.strategies.timing.timed_pair` does for the engine
    (execution noise folded into the moves; batched here over the grid's noise).
    ``actions``: optional ``(action_a (..., S_A, K), action_b (..., S_B, K))`` replacing the
    strategies' action tables point by point (a batch of policies on the same automata; its
    batch shape broadcasts with the grid's).
    """
    K = check_match(game, strategy_a, strategy_b)
    gshape, g = _grid(grid)
    gshape = np.broadcast_shapes(gshape, np.shape(game.A)[:-2])
    if actions is not None:
        gshape = np.broadcast_shapes(gshape, np.shape(actions[0])[:-2], np.shape(actions[1])[:-2])
    G = int(np.prod(gshape))
    g = {k: np.broadcast_to(v, gshape).reshape(G) for k, v in g.items()}
    (EA, EB), (PA, PB) = settings.noise(K)
    mats = {}
    for base, (Ma, Mb) in (("execution_noise", (EA, EB)), ("perception_noise", (PA, PB))):
        for side, M in (("a", Ma), ("b", Mb)):
            rate = g.get(f"{base}_{side}", g.get(base))
            mats[base, side] = np.broadcast_to(M, (G, K, K)) if rate is None else _rate_matrices(rate, K)
    scale = g.get("war_risk_scale", np.full(G, settings.war_risk_scale))
    wp = np.zeros((K, K)) if game.war_probability is None else np.asarray(game.war_probability, dtype=float)
    war = scale[:, None, None] * np.broadcast_to(wp, gshape + (K, K)).reshape(G, K, K)
    if np.any(war > 1 + 1e-12):
        raise ConfigError("war_risk_scale", f"war_risk_scale * war_probability must be <= 1, got {war.max():g}")
    war = np.minimum(war, 1.0)
    mu0 = g.get("mediation", np.full(G, settings.mediation))
    mu1 = g.get("mediation_slope", np.full(G, settings.mediation_slope))
    if np.any(mu0 + np.minimum(mu1, 0) < 0):
        raise ConfigError("grid.mediation_slope", "mediation + mediation_slope must be >= 0 (a probability)")
    s = np.arange(K) / (K - 1)
    med = np.minimum(1.0, mu0[:, None, None] + mu1[:, None, None] * np.maximum(s[:, None], s[None, :]))
    opening = settings.opening_pair(K)
    parts = []
    for side, st in ((0, strategy_a), (1, strategy_b)):
        E, P = mats["execution_noise", "ab"[side]], mats["perception_noise", "ab"[side]]
        start = np.broadcast_to(st.initial, (G, st.n_states))
        if opening is not None:  # the automaton observes the opening (own rung, other's through P)
            own, other = opening[side], opening[1 - side]
            start = np.einsum("s,gv,svt->gt", st.initial, P[:, other], st.transition[:, own])
        own = st.action if actions is None else np.broadcast_to(
            actions[side], gshape + st.action.shape).reshape((G,) + st.action.shape)
        moves = own @ E  # (G, S, K)
        if settings.alternating:
            first = settings.first == side
            hold = 0 if opening is None else opening[side]
            two, classes = _structure(st, True, first, hold)
            n, S = two.n_states, st.n_states
            act = np.broadcast_to(two.action, (G, n, K)).copy()
            act[:, :S] = moves
            init = np.broadcast_to(two.initial, (G, n)).copy()
            if first:
                init[:, :S] = start
            parts.append((act, classes, P, init))
        else:
            parts.append((moves, _structure(st, False, False, 0)[1], P, start))
    (aa, ta, pa, ia), (ab, tb, pb, ib) = parts
    z0 = int(opening == (0, 0)) if settings.settle_after is not None else 0
    return gshape, _Tables((aa, ab), (ta, tb), (pa, pb), (ia, ib), war, med, settings.settle_after, z0)


@functools.lru_cache(maxsize=64)
def _structure(strategy: Strategy, alternating: bool, first: bool, hold: int):
    """The automaton a side plays (its two-phase automaton under alternating timing, with no
    execution noise: the noise is folded into the moves per grid point) and its transition
    classes (:func:`sim.estimate.forward.transition_classes`).  Cached: a fit evaluates the
    same strategies many times, and these depend on the strategy and timing only."""
    if not alternating:
        return strategy, transition_classes(strategy.transition)
    K = strategy.K
    two = alternating_automaton(strategy, np.eye(K), moves_first=first, hold=hold)
    possible = two.action > 0
    possible[:strategy.n_states] = True  # a move can execute any rung (execution noise)
    return two, transition_classes(two.transition, possible)


def _check_data(data: Sequences, K: int) -> None:
    if not isinstance(data, Sequences):
        raise ConfigError("data", f"must be sim.estimate.Sequences, got {type(data).__name__}")
    if data.K != K:
        raise ConfigError("data", f"has rungs for K = {data.K} but the game has K = {K}")


def _check_memory(G: int, C: int, tables: _Tables, memory_budget_gb) -> None:
    """Peak of the forward pass: four arrays of the hidden states (the state, its next value,
    one candidate's step and a matmul temporary) and the per-crisis class transition rows
    (at most S x S per side), float64, per point and crisis."""
    SA, SB = tables.act[0].shape[1], tables.act[1].shape[1]
    Z = tables.settle_after or 1
    need = 8 * G * C * (4 * Z * SA * SB + 2 * SA * SA + 2 * SB * SB)
    budget = budget_bytes(memory_budget_gb)
    if need > budget:
        raise ConfigError("grid", f"{G:,} points x {C} crises x {Z * SA * SB:,} hidden states need about {gib(need)} GiB "
                                  f"(budget {gib(budget)} GiB, memory_budget_gb): use a coarser grid")


def sequence_likelihood(data: Sequences, game, strategy_a: Strategy, strategy_b: Strategy, *,
                        settings: CrisisSettings | Mapping[str, Any] | None = None, grid: Mapping[str, Any] | None = None,
                        per_crisis: bool = False, memory_budget_gb: float | None = None, **overrides) -> np.ndarray:
    """Exact log-likelihood of observed crises under a strategy pair, on a grid of settings.

    ``log L = sum_c log P(crisis c's rounds observed as they were, and its ending)``, by the
    forward algorithm over the hidden automaton states and settlement counter
    (:mod:`sim.estimate.forward`; the process is ``docs/repeated-model.md``'s).

    Parameters
    ----------
    data : Sequences
        Observed crises (:func:`sequences_from_frame`, :func:`sequences_from_phases`).
    game : Game
        Its ``war_probability`` is the per-round war risk; a batch of games broadcasts with the grid.
    strategy_a, strategy_b : Strategy
    settings : CrisisSettings or mapping, optional
        The crisis settings (``rounds`` is ignored: the data say how long each crisis ran);
        keyword ``overrides`` (``execution_noise=0.05``, ``timing="alternating"``, ...) replace fields.
    grid : mapping of field -> array, optional
        Numeric settings on a grid (:data:`GRID_FIELDS`; noise as rates), broadcast together
        to the grid shape ``...``; they replace the settings' values point by point.
    per_crisis : bool
        Return ``(..., C)`` (each crisis's log-likelihood) instead of the sum ``(...)``.
    memory_budget_gb : float, optional
        Refuse grids whose forward pass would need more (default ``sim.limits``).

    Returns
    -------
    ndarray (...) or (..., C) of float: log-likelihoods (natural log; ``-inf`` if impossible).
    """
    cs = CrisisSettings.resolve(settings, **overrides)
    gshape, tab = model_tables(game, strategy_a, strategy_b, cs, grid)
    _check_data(data, tab.war.shape[-1])
    G = tab.war.shape[0]
    _check_memory(G, data.n_crises, tab, memory_budget_gb)
    ll = forward_loglik(tab.act[0], tab.classes[0], tab.perc[0], tab.init[0], tab.act[1], tab.classes[1], tab.perc[1],
                        tab.init[1], tab.war, tab.med, tab.settle_after, tab.z0, data.allowed, data.lengths,
                        data.endings)
    ll = ll.reshape(gshape + (data.n_crises,))
    return ll if per_crisis else ll.sum(-1)
