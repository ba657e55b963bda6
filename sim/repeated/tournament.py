"""Round robins of strategies: the meta-game, its equilibria and evolutionary stability.

A round robin (Axelrod 1984) plays every strategy against every other and itself.  Its
result is the *meta-game*: the symmetric game whose pure strategies are the automata and
whose payoff ``M[i, j]`` is what strategy ``i`` expects against ``j`` in the repeated
crisis, computed exactly by :func:`sim.repeated.markov.analyse`.  On the meta-game we report

- scores and ranking (mean of ``M`` over all opponents, itself included);
- its Nash equilibria, via :func:`sim.equilibria.nash_equilibria` on ``(M, M.T)``;
- evolutionary stability of each pure strategy (Maynard Smith and Price 1973;
  Maynard Smith 1982): ``i`` is an ESS when for every ``j != i`` either
  ``M[i, i] > M[j, i]``, or ``M[i, i] == M[j, i]`` and ``M[i, j] > M[j, j]``;
- replicator dynamics (Taylor and Jonker 1978), ``dx_i/dt = x_i ((M x)_i - x . M x)``,
  integrated with :func:`scipy.integrate.solve_ivp`, and the strategies that survive.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Mapping, Sequence

import numpy as np
from scipy.integrate import solve_ivp

from sim.equilibria.nash import Equilibria, nash_equilibria
from sim.errors import ConfigError
from sim.repeated.markov.chain import analyse
from sim.repeated.settings import CrisisSettings
from sim.repeated.strategies.custom import as_strategy
from sim.repeated.strategies.automaton import Strategy

_DEFAULT_ROUNDS: Any = object()  # round_robin's rounds when not given: 200, or settings.rounds

__all__ = ["TournamentResult", "ReplicatorResult", "round_robin", "replicator", "is_ess"]


@dataclass(frozen=True, eq=False)
class ReplicatorResult:
    """A replicator-dynamics trajectory.

    Attributes
    ----------
    t : ndarray (n_t,)
        Times.
    x : ndarray (n_t, N)
        Population shares of the N strategies at each time (rows sum to 1).
    final : ndarray (N,)
        ``x[-1]``.
    survivors : ndarray of bool (N,)
        ``final > threshold``.
    threshold : float
    """

    t: np.ndarray
    x: np.ndarray
    final: np.ndarray
    survivors: np.ndarray
    threshold: float


@dataclass(frozen=True, eq=False)
class TournamentResult:
    """Result of :func:`round_robin` over N strategies.

    Attributes
    ----------
    names : tuple of str (N)
    M : ndarray (N, N)
        Meta-game payoffs: ``M[i, j]`` is the expected payoff of strategy i against j.
        ``score_kind`` says which payoff: ``"total"`` (expected total discounted payoff of
        the crisis, over ``rounds`` rounds or until it ends) or ``"per_round"`` (long-run
        payoff per round, for ``rounds=None`` when the crisis need not end and
        ``discount == 1``).
    scores : ndarray (N,)
        ``M.mean(axis=1)``: mean payoff against all N strategies (itself included, as in
        Axelrod's tournaments).
    ranking : tuple of str (N)
        Names by decreasing score (ties keep the input order).
    meta_equilibria : Equilibria or None
        Nash equilibria of the symmetric meta-game ``(M, M.T)``.
    ess : ndarray of bool (N,)
        Pure strategies that are evolutionarily stable (:func:`is_ess`).
    dynamics : ReplicatorResult
        Replicator dynamics from the uniform population, on ``M`` rescaled to payoff range 1
        (a positive affine change of payoffs only rescales time).
    survivors : tuple of str
        Strategies whose share at the end of ``dynamics`` exceeds its threshold.
    score_kind : {"total", "per_round"}
    rounds : int or None
    """

    names: tuple[str, ...]
    M: np.ndarray
    scores: np.ndarray
    ranking: tuple[str, ...]
    meta_equilibria: Equilibria | None
    ess: np.ndarray
    dynamics: ReplicatorResult
    survivors: tuple[str, ...]
    score_kind: str
    rounds: int | None


# --------------------------------------------------------------------------- meta-game analyses
def _square(M) -> np.ndarray:
    M = np.asarray(M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] < 1:
        raise ConfigError("M", f"must be a square (N, N) payoff matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ConfigError("M", "payoffs must be finite")
    return M


def is_ess(M, tol: float = 1e-9) -> np.ndarray:
    """Which pure strategies of the symmetric game ``M`` are evolutionarily stable.

    Maynard Smith's conditions: ``i`` is an ESS iff for every ``j != i`` either
    ``M[i, i] > M[j, i]`` (strict Nash), or ``M[i, i] == M[j, i]`` and
    ``M[i, j] > M[j, j]`` (stable against a neutral mutant).  Equality means within
    ``tol`` times the payoff range (at least 1).

    Returns
    -------
    bool ndarray (N,)
    """
    M = _square(M)
    eps = tol * max(1.0, float(np.ptp(M)))
    d = np.diag(M)
    first = d[None, :] - M                     # [j, i] = M[i, i] - M[j, i]
    second = M.T - d[:, None]                  # [j, i] = M[i, j] - M[j, j]
    ok = (first > eps) | ((np.abs(first) <= eps) & (second > eps))
    np.fill_diagonal(ok, True)
    return ok.all(axis=0)


def replicator(M, x0, t_max: float, *, n_points: int = 201, threshold: float = 1e-3,
               rtol: float = 1e-9, atol: float = 1e-12) -> ReplicatorResult:
    """Replicator dynamics ``dx_i/dt = x_i ((M x)_i - x . M x)`` on the symmetric game ``M``.

    Parameters
    ----------
    M : array_like (N, N)
        Payoff of strategy i against j.
    x0 : array_like (N,)
        Initial shares (non-negative, normalised to sum 1).
    t_max : float > 0
        End time; the trajectory is reported at ``n_points`` equally spaced times.
    threshold : float
        A strategy survives when its final share exceeds it.

    Returns
    -------
    ReplicatorResult
    """
    M = _square(M)
    N = M.shape[0]
    x0 = np.asarray(x0, dtype=np.float64)
    if x0.shape != (N,) or np.any(x0 < 0) or not np.isfinite(x0).all() or x0.sum() <= 0:
        raise ConfigError("x0", f"must be {N} non-negative shares with a positive sum, got {x0.tolist()}")
    if not (np.isfinite(t_max) and t_max > 0):
        raise ConfigError("t_max", f"must be > 0, got {t_max!r}")
    if int(n_points) < 2:
        raise ConfigError("n_points", f"must be >= 2, got {n_points!r}")
    x0 = x0 / x0.sum()

    def rhs(_t, x):
        f = M @ x
        return x * (f - x @ f)

    t_eval = np.linspace(0.0, float(t_max), int(n_points))
    sol = solve_ivp(rhs, (0.0, float(t_max)), x0, method="RK45", t_eval=t_eval, rtol=rtol, atol=atol)
    if not sol.success:  # pragma: no cover - RK45 on a smooth bounded field
        raise RuntimeError(f"replicator integration failed: {sol.message}")
    x = np.clip(sol.y.T, 0.0, None)
    x /= x.sum(axis=1, keepdims=True)
    final = x[-1].copy()
    return ReplicatorResult(sol.t, x, final, final > threshold, float(threshold))


# --------------------------------------------------------------------------- the tournament
def _named(strategies, K: int) -> tuple[list[str], list[Strategy]]:
    if isinstance(strategies, Mapping):
        names, strats = [str(k) for k in strategies], [as_strategy(v, K) for v in strategies.values()]
    elif isinstance(strategies, Sequence) and not isinstance(strategies, str):
        strats = [as_strategy(v, K) for v in strategies]
        names = []
        for s in strats:
            base = getattr(s, "name", "?")
            name, k = base, 2
            while name in names:
                name, k = f"{base}#{k}", k + 1
            names.append(name)
    else:
        raise ConfigError("strategies", "must be a dict name -> strategy or a list of strategies "
                                        "(Strategy objects, registry names or spec dicts)")
    if not strats:
        raise ConfigError("strategies", "needs at least one strategy")
    for name, s in zip(names, strats):
        if not isinstance(s, Strategy):
            raise ConfigError(f"strategies.{name}", f"must be a sim.repeated.strategies.Strategy, got {type(s).__name__}")
    return names, strats


def _is_symmetric(game) -> bool:
    A, B = np.asarray(game.A), np.asarray(game.B)
    if not np.allclose(A, np.swapaxes(B, -1, -2), rtol=0, atol=1e-12):
        return False
    if game.war_probability is not None:
        w = np.asarray(game.war_probability)
        if not np.allclose(w, np.swapaxes(w, -1, -2), rtol=0, atol=1e-15):
            return False
    if game.war_payoff is not None:
        wp = np.asarray(game.war_payoff)
        if not np.allclose(wp[..., 0], wp[..., 1], rtol=0, atol=1e-12):
            return False
    return True


def round_robin(game, strategies, *, rounds: int | None = _DEFAULT_ROUNDS, settings: CrisisSettings | None = None,
                exact: bool = True, execution_noise=None, perception_noise=None, equilibria: bool = True,
                equilibrium_method: str = "support", t_max: float = 200.0, survival_threshold: float = 1e-3,
                paths: int = 10_000, seed=None, **kwargs) -> TournamentResult:
    """Round robin of strategies in the repeated crisis, and its meta-game.

    Parameters
    ----------
    game : Game
        One (not a batch of) square game.
    strategies : dict name -> Strategy, or list of Strategy
        The entrants (a list is named by ``Strategy.name``, duplicates numbered).
    rounds : int or None
        Rounds per match; ``None`` for the long run (see ``TournamentResult.score_kind``).
        Default 200, or ``settings.rounds`` when ``settings`` is given.
    settings : CrisisSettings, optional
        The crisis settings of every match (:class:`sim.repeated.CrisisSettings`); keyword
        settings, where given, override its fields.
    exact : bool
        Exact expected payoffs through :func:`sim.repeated.markov.analyse`; ``False``: Monte-Carlo
        means over ``paths`` paths through :func:`sim.repeated.montecarlo.simulate` (needs ``rounds``).
        Each match's stream is derived from ``seed`` and the two strategies' names, so it
        does not depend on the order of the entrants.
    execution_noise, perception_noise
        As in :func:`sim.repeated.markov.analyse`.  A pair (side A, side B) is applied by role,
        so keep noise symmetric for a symmetric meta-game.
    equilibria : bool
        Compute the Nash equilibria of the meta-game (support enumeration can be slow
        beyond ~12 strategies).
    equilibrium_method : str
        Method for :func:`sim.equilibria.nash_equilibria`.
    t_max, survival_threshold
        Horizon of the replicator dynamics (on payoffs rescaled to range 1) and the share
        a strategy needs at the end to count as surviving.
    **kwargs
        Passed to :func:`sim.repeated.markov.analyse` (``settle_after``, ``mediation``,
        ``mediation_slope``, ``discount``, ``war_risk_scale``).

    Returns
    -------
    TournamentResult

    Notes
    -----
    In a symmetric game (``B == A.T``, symmetric war risk and payoff) one match per
    unordered pair gives both ``M[i, j]`` and ``M[j, i]``.  Otherwise every ordered pair
    is played and ``M[i, j]`` averages i's payoff over the two roles (side A against j as
    side B, and side B against j as side A), which makes the meta-game symmetric.
    """
    allowed = {"settle_after", "mediation", "mediation_slope", "discount", "war_risk_scale"}
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise ConfigError(unknown[0], f"unknown round_robin option; allowed: {', '.join(sorted(allowed))}")
    if rounds is _DEFAULT_ROUNDS:
        rounds = settings.rounds if isinstance(settings, CrisisSettings) else 200
    cs = dataclasses.replace(CrisisSettings.resolve(settings, execution_noise=execution_noise,
                                                    perception_noise=perception_noise, **kwargs), rounds=rounds)
    if not exact and cs.rounds is None:
        raise ConfigError("rounds", "Monte-Carlo tournaments (exact=False) need a number of rounds")
    if not hasattr(game, "A"):
        raise ConfigError("game", f"must be a sim.games.Game, got {type(game).__name__}")
    if game.A.ndim != 2:
        raise ConfigError("game", f"round_robin takes one game, got a batch of shape {game.A.shape[:-2]}; "
                                  "index the batch")
    names, strats = _named(strategies, int(np.asarray(game.A).shape[-1]))
    N = len(strats)
    opts = dict(settings=cs)

    results = {}
    K = game.A.shape[-1]
    symmetric = _is_symmetric(game) and all(np.array_equal(*side) for side in cs.noise(K))
    pairs = [(i, j) for i in range(N) for j in range(i, N)] if symmetric else \
        [(i, j) for i in range(N) for j in range(N)]
    for i, j in pairs:
        if exact:
            results[i, j] = analyse(game, strats[i], strats[j], **opts)
        else:
            from sim.repeated.montecarlo.engine import simulate

            # in a symmetric game play each match with the names in sorted order, so that the
            # stream (seed, name of side A, name of side B) does not depend on the entrants' order
            a, b = (j, i) if symmetric and names[j] < names[i] else (i, j)
            words = [int.from_bytes(hashlib.sha256(n.encode()).digest()[:4], "little") for n in (names[a], names[b])]
            base = np.random.SeedSequence(seed).entropy
            r = simulate(game, strats[a], strats[b], paths=paths, seed=np.random.SeedSequence([base, *words]), **opts)
            results[i, j] = r if (a, b) == (i, j) else SimpleNamespace(payoffs=np.asarray(r.payoffs)[::-1])

    score_kind = "total"
    if cs.rounds is None and cs.discount == 1.0 and \
            not all(bool(r.absorbed_surely) for r in results.values()):
        score_kind = "per_round"
    field = "total_payoffs" if score_kind == "total" else "payoffs"
    PA = np.full((N, N), np.nan)
    PB = np.full((N, N), np.nan)
    for (i, j), r in results.items():
        pay = np.asarray(getattr(r, field, None) if hasattr(r, field) else r.payoffs)
        if symmetric and i == j:
            PA[i, i] = PB[i, i] = (pay[0] + pay[1]) / 2.0
        elif symmetric:
            PA[i, j], PB[i, j] = pay[0], pay[1]
            PA[j, i], PB[j, i] = pay[1], pay[0]
        else:
            PA[i, j], PB[i, j] = pay[0], pay[1]
    M = PA if symmetric else (PA + PB.T) / 2.0

    scores = M.mean(axis=1)
    order = np.argsort(-scores, kind="stable")
    meta = nash_equilibria((M, M.T), equilibrium_method) if equilibria else None
    span = float(np.ptp(M))
    Mn = (M - M.min()) / span if span > 0 else np.zeros_like(M)
    dyn = replicator(Mn, np.full(N, 1.0 / N), t_max, threshold=survival_threshold)
    M.setflags(write=False)
    return TournamentResult(
        names=tuple(names), M=M, scores=scores, ranking=tuple(names[k] for k in order),
        meta_equilibria=meta, ess=is_ess(M), dynamics=dyn,
        survivors=tuple(n for n, s in zip(names, dyn.survivors) if s),
        score_kind=score_kind, rounds=rounds,
    )
