"""The Monte-Carlo kernel of the repeated crisis (``docs/repeated-model.md``).

All paths, and all parameter points of a batch of games, advance together one round at a
time.  The only Python loops are over rounds and over the few blocks of paths in play; per
path and per point everything is a numpy array operation.

How a round is computed (the same law as ``docs/repeated-model.md``, fewer draws)
---------------------------------------------------------------------------------
1. Steps 1-2 (intended rung, execution noise) are one draw of the *executed* rung from
   ``action[s] @ E`` (E = that side's execution confusion matrix): the intended rung is
   used nowhere else, so the executed rung has exactly the documented distribution.
2. Step 3: stage payoffs ``base[x, y]`` weighted by ``delta**(t-1)``.
3. Steps 4-5 (perception, automaton move) are one draw of the next state from
   ``sum_seen P[y, seen] * transition[s, x, seen, :]``: the misperceived rung only enters
   the transition.
4. Steps 6-8: one uniform decides war (``u < p_war``), else mediation, in that order; then
   the (0, 0) counter decides settlement.

Sampling.  Automaton states and rungs are small integers indexing precomputed tables; both
sides' states sit in one array (side A's paths, then side B's), so one numpy call serves
both automata.  A draw from a table row uses one 31-bit integer uniform and Walker's alias
method (Walker 1977): the top bits pick a column, one integer comparison against the
column's threshold picks the column's own outcome or its alias, so a draw costs the same
whatever the number of outcomes; there is no ``searchsorted``.  Thresholds are integers
(probabilities rounded to multiples of 2**-26 or finer, better than float32's 2**-24);
probabilities 0 and 1 are exact, so deterministic rows never misfire.  Deterministic
tables (no noise, deterministic strategies) are plain look-ups that draw nothing, and when
no war, mediation or settlement is possible the ending step is skipped.

Blocks, pools, threads and seeds.  The G * paths (point, path) pairs, point-major, are cut
into blocks of 32768.  Block i draws from its own generator,
``SFC64(SeedSequence(seed).spawn(n_blocks)[i])`` (the caller's ``SeedSequence`` is not
advanced): each round ``n_draws * (its stored paths)`` 31-bit words, in order.  A worker
thread keeps a *pool* of about ``chunk_paths`` paths being played: blocks join it at their
round 1 whenever it runs low and leave it after round T or when all their paths have ended
(an ended path moves to an absorbing dummy point with zero payoff; a block drops its ended
paths once they are a quarter of its stored paths).  So the arrays stay cache-sized and
large while paths end (no long tails of nearly empty arrays), and rows of different blocks
may be at different rounds.  What a block does depends only on its own paths and its own
stream, so results are identical for any number of threads and any ``chunk_paths``.
Workers run on a ``ThreadPoolExecutor`` (numpy releases the GIL in these operations);
statistics are integer counts summed per block and per-path totals written to their own
slots.

Memory.  Bounded independently of the number of paths except for the per-path payoff
totals: ``16 * G * paths`` bytes of ``path_payoffs`` (plus ``2 * G * paths * rounds`` bytes
of ``rungs`` with ``keep_paths=True``), about ``100 * chunk_paths`` bytes of work arrays per
thread, ``O(G * rounds * K)`` for the per-round statistics (the size of the outputs; each
block in play holds those of its own points), and ``8 * G * paths`` bytes transiently for
the payoff spread at the end.  Measured: 10**7 paths x 200 rounds of one
game peak at ~0.25 GiB traced (~0.3 GiB resident including the interpreter); see
``benchmarks/README.md``.

Where things live.  This module: :func:`simulate` (validation, per-point tables, the cut
into blocks and their seeds, the threads), :class:`SimulationResult` and the summary of
the counts into it.  :mod:`sim.repeated.montecarlo.blocks`: the per-thread kernel (``_Block``, the
random-stream unit, and ``_worker``, the pool loop of one thread).  :mod:`sim.repeated.montecarlo.tables`:
the look-up and alias tables (``alias_table``, ``_Plan``).  The block size ``BLOCK_PATHS`` is read
here only: blocks receive their (point, path) range from :func:`simulate`.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim import limits
from sim.errors import ConfigError
from sim.games.game import Game
from sim.repeated.settings import CrisisSettings
from sim.repeated.montecarlo.blocks import _Block, _worker
from sim.repeated.montecarlo.tables import _CODE_MEDIATED, _CODE_SETTLED, _CODE_WAR, _ONE, _pair_tables, _Plan
from sim.repeated.strategies.custom import strategy_pair
from sim.repeated.strategies.automaton import Strategy
from sim.repeated.strategies.timing import timed_pair
from sim.repeated.outcome import CrisisOutcome

__all__ = ["SimulationResult", "simulate", "DEFAULT_CHUNK_PATHS", "BLOCK_PATHS", "QUANTILE_LEVELS"]

DEFAULT_CHUNK_PATHS = 1 << 15
BLOCK_PATHS = 1 << 15  #: paths per random stream: fixed, so results do not depend on chunk_paths or threads
QUANTILE_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True, eq=False)
class SimulationResult(CrisisOutcome):
    """Monte-Carlo estimate of a repeated crisis (``...`` = the game's batch shape).

    Attributes
    ----------
    rung_distribution : ndarray (..., T, 2, K)
        P(round t is played and the side (0 = A, 1 = B) *executes* rung k).
    p_active : ndarray (..., T)
        P(round t is played); ``rung_distribution.sum(-1)[..., s] == p_active``.
    p_war, p_settled, p_mediated : ndarray (..., T)
        P(the crisis ended that way by the end of round t).  ``p_active[t + 1] ==
        1 - p_war[t] - p_settled[t] - p_mediated[t]``.
    payoffs : ndarray (..., 2)
        Mean total discounted payoff of (A, B) over paths.
    payoff_std, payoff_sem : ndarray (..., 2)
        Standard deviation over paths (ddof = 1; 0 for one path) and standard error of ``payoffs``.
    payoff_quantiles : ndarray (..., Q, 2)
        Quantiles of the path totals at ``quantile_levels``.
    quantile_levels : tuple of float, length Q
    path_payoffs : ndarray (..., paths, 2)
        Each path's total discounted payoff.
    war_time_mean, war_time_median, settle_time_mean, settle_time_median : ndarray (...)
        Round (1-based) at which war broke out / the crisis settled, among paths where it
        happened by round T; NaN where it never did.
    expected_rounds : ndarray (...)
        Expected number of rounds played, ``p_active.sum(-1)``.
    rungs : ndarray (..., paths, T, 2) of int8, or None
        Executed rungs of every path (``keep_paths=True``); -1 for rounds not played.
    seed_entropy : int
        Entropy of the ``SeedSequence`` that produced the sample (``seed=seed_entropy``
        reproduces it).
    seed_spawn_key : tuple of int
        Its spawn key (empty unless a child ``SeedSequence`` was passed as ``seed``).
    rounds, paths, chunk_paths : int
        T, the number of paths per parameter point, and the pool size used (speed only).
    """

    payoff_std: np.ndarray
    payoff_sem: np.ndarray
    payoff_quantiles: np.ndarray
    quantile_levels: tuple[float, ...]
    path_payoffs: np.ndarray
    war_time_mean: np.ndarray
    war_time_median: np.ndarray
    settle_time_mean: np.ndarray
    settle_time_median: np.ndarray
    expected_rounds: np.ndarray
    rungs: np.ndarray | None
    seed_entropy: int
    seed_spawn_key: tuple
    rounds: int
    paths: int
    chunk_paths: int


# =========================================================================== validation
def _int_param(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < low:
        raise ConfigError(name, f"must be an integer >= {low}, got {value!r}")
    return int(value)


# =========================================================================== public
def simulate(game: Game, strategy_a: Strategy, strategy_b: Strategy, *, rounds: int | None = None,
             paths: int, settings: CrisisSettings | None = None, execution_noise: Any = None,
             perception_noise: Any = None, settle_after: int | None = None, mediation: float | None = None,
             mediation_slope: float | None = None, discount: float | None = None,
             war_risk_scale: float | None = None, timing: str | None = None,
                  opening=None, first_mover: str | None = None, seed: Any = None, keep_paths: bool = False,
             chunk_paths: int | None = None, threads: int | None = None,
             point_seeds: Any = None, memory_budget_gb: float | None = None) -> SimulationResult:
    """Monte-Carlo simulation of the repeated crisis of ``docs/repeated-model.md``.

    Parameters
    ----------
    game : Game
        Stage game with K x K payoffs, possibly a batch (batch shape ``...``); every
        parameter point runs in this one call.  ``game.war_probability`` (if any) is the
        per-round war risk; stage payoffs exclude its expected cost (see the doc).
    strategy_a, strategy_b : Strategy
        Automata of side A (rows) and side B (columns), with the game's K.
    rounds, paths : int >= 1
        Rounds T per crisis, and paths per parameter point.
    settings : CrisisSettings, optional
        The crisis settings at once (:class:`sim.repeated.CrisisSettings`); the keyword
        settings below, where given, override its fields.  ``rounds`` is required (here or in
        ``settings``): Monte Carlo has no long run.
    execution_noise, perception_noise : float, pair, (K, K) matrix or pair of matrices
        Per side (a single value applies to both).  A rate e: with probability e the
        result is a uniformly random other rung (a flip for K = 2, as in axelrod); a
        matrix is ``M[true, result]`` (see :func:`sim.repeated.strategies.biased_noise`).
    settle_after : int >= 1 or None
        Settled after this many consecutive rounds with both executed rungs 0.
    mediation, mediation_slope : float
        Third-party ending probability after a round, ``min(1, mediation + mediation_slope max(x, y)/(K-1))``;
        must be >= 0 at every rung pair.
    discount : float in (0, 1]
        Round t's payoffs are weighted by ``discount ** (t - 1)``.
    war_risk_scale : float >= 0
        Multiplies ``game.war_probability``; the product must stay <= 1.
    timing : "simultaneous" or "alternating"
        Both sides move each round, or they take turns, side A first (a strike, then the
        answer); see :class:`sim.repeated.CrisisSettings`.
    opening : (rung_a, rung_b) or None
        The rung pair standing when the crisis opens (the trigger); see
        :class:`sim.repeated.CrisisSettings`.
    first_mover : "a" or "b"
        Under alternating timing, the side that moves first.
    seed : int, sequence of ints, SeedSequence or None
        Root of ``SeedSequence(seed)``; its entropy is returned as ``seed_entropy``.
    point_seeds : sequence of G seeds (int, sequence of ints or SeedSequence), optional
        One root seed per parameter point of a game batch (flattened, C order).  Each
        point's paths then draw only from its own streams (blocks of 32768 paths never
        straddle two points), so a point's numbers do not depend on which other points
        share the batch or on their order: what parameter sweeps need (``sim.sweeps.grid`` derives
        each point's seed from its own parameter values).  ``seed_entropy`` then reports
        ``seed``'s entropy, which is unused.
    keep_paths : bool
        Also return every path's executed rungs (int8, ``(..., paths, T, 2)``).
    chunk_paths : int or None
        Paths each worker thread keeps in play at once (default 32768: cache-sized; at
        least one block of 32768 is always in play).  Speed only; does not change the
        results.
    threads : int or None
        Worker threads (default: the CPUs available).  Does not change the results.
    memory_budget_gb : float or None
        Refuse (``ConfigError``, before allocating) a call whose estimated peak memory
        (:func:`sim.limits.simulate_bytes`: points x paths, rounds with ``keep_paths``, the
        tables) is over this many GiB; default :data:`sim.limits.DEFAULT_MEMORY_BUDGET_GB`.

    Returns
    -------
    SimulationResult
        Shapes in its docstring.  Memory is O(G * paths) for the per-path totals (16 bytes
        per path), plus O(threads * chunk_paths) work space and O(G * T * K) statistics
        (see the module docstring).

    Raises
    ------
    ConfigError
        Noise outside [0, 1] or not a stochastic matrix, K mismatch between the game and a
        strategy, a non-square game, rounds or paths < 1, discount outside (0, 1], a
        negative mediation probability, war risk above 1 after scaling, an estimated peak
        memory over ``memory_budget_gb`` (the message says how many paths fit).
    """
    if not isinstance(game, Game):
        raise ConfigError("game", f"must be a sim.games.Game, got {type(game).__name__}")
    strategy_a, strategy_b, K = strategy_pair(game, strategy_a, strategy_b)  # names and specs accepted too
    cs = CrisisSettings.resolve(settings, rounds=rounds, execution_noise=execution_noise,
                                perception_noise=perception_noise, settle_after=settle_after, mediation=mediation,
                                mediation_slope=mediation_slope, discount=discount, war_risk_scale=war_risk_scale,
                                timing=timing, opening=opening, first_mover=first_mover)
    if cs.rounds is None:
        raise ConfigError("rounds", "must be an integer >= 1 for a Monte-Carlo simulation (the long run is "
                                    "analyse(..., rounds=None))")
    T = cs.rounds
    n_paths = _int_param("paths", paths, 1)
    # timing and opening are automata transformations (sim.repeated.strategies.timing)
    strategy_a, strategy_b, (E_a, E_b), (P_a, P_b) = timed_pair(strategy_a, strategy_b, cs, K)
    chunk = DEFAULT_CHUNK_PATHS if chunk_paths is None else _int_param("chunk_paths", chunk_paths, 1)
    n_threads = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)) \
        if threads is None else _int_param("threads", threads, 1)
    try:
        ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    except (TypeError, ValueError):
        raise ConfigError("seed", f"must be a non-negative integer, a sequence of them, a SeedSequence or None, "
                                  f"got {seed!r}") from None

    # per-point tables ------------------------------------------------------------
    batch = game.batch_shape
    G = int(np.prod(batch, dtype=np.int64)) if batch else 1
    entries = sum(limits.mc_table_entries(st.transition, p) for st, p in ((strategy_a, P_a), (strategy_b, P_b)))
    limits.check_simulate(G, n_paths, T, K, keep_paths=bool(keep_paths), table_entries=entries,
                          budget=limits.budget_bytes(memory_budget_gb))
    A = game.A.reshape(G, K, K)
    B = game.B.reshape(G, K, K)
    if game.war_probability is not None:
        wp = np.broadcast_to(game.war_probability, game.A.shape).reshape(G, K, K)
        wpay = np.broadcast_to(game.war_payoff, batch + (2,)).reshape(G, 2) if game.war_payoff is not None \
            else np.zeros((G, 2))
    else:
        wp = np.zeros((G, K, K))
        wpay = np.zeros((G, 2))
    base = np.stack([A, B], -1)  # stage payoffs; war pays war_payoff once, when it breaks out
    pw = cs.war_probability(wp)
    mu = cs.mediation_table(K)
    p_end = pw + (1 - pw) * mu
    thr_war = np.rint(pw * _ONE).astype(np.int64)
    thr_end = np.rint(p_end * _ONE).astype(np.int64)
    plan = _Plan(K=K, T=T, paths=n_paths, G=G,
                 tables=_pair_tables((strategy_a, strategy_b), (E_a, E_b), (P_a, P_b)),
                 base=np.ascontiguousarray(base), war_payoff=np.ascontiguousarray(wpay, dtype=float),
                 thr_war=thr_war, thr_end=thr_end, has_war=bool(np.any(pw > 0)), has_med=bool(np.any(mu > 0)),
                 settle=cs.settle_after, z0=int(cs.opening_pair(K) == (0, 0)), weights=cs.discount ** np.arange(T, dtype=float), keep_paths=bool(keep_paths))

    # blocks of paths over threads ---------------------------------------------------
    N = G * n_paths
    n_blocks = -(-N // BLOCK_PATHS)
    if point_seeds is not None:
        if len(point_seeds) != G:
            raise ConfigError("point_seeds", f"needs one seed per parameter point ({G}), got {len(point_seeds)}")
        roots = [p if isinstance(p, np.random.SeedSequence) else np.random.SeedSequence(p) for p in point_seeds]
        per_point = -(-n_paths // BLOCK_PATHS)
        n_blocks = G * per_point
    out_pay = np.zeros((N, 2))
    out_rungs = np.full((N, T, 2), -1, dtype=np.int8) if plan.keep_paths else None
    rung_counts = np.zeros((G, T, 2, K), dtype=np.int64)
    code_counts = np.zeros((G, T, plan.ncode), dtype=np.int64)
    lock = threading.Lock()
    counter = iter(range(n_blocks))

    def take_block():
        with lock:
            i = next(counter, None)
        if i is None:
            return None
        if point_seeds is None:
            seed_i = np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + (i,), pool_size=ss.pool_size)
            return _Block(plan, i, seed_i, i * BLOCK_PATHS, min((i + 1) * BLOCK_PATHS, N))
        g, k = divmod(i, per_point)
        root = roots[g]
        seed_i = np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (k,), pool_size=root.pool_size)
        start = g * n_paths + k * BLOCK_PATHS
        return _Block(plan, i, seed_i, start, min(start + BLOCK_PATHS, (g + 1) * n_paths))

    def deliver(res):
        g_lo, GL, ra, rb, cd = res
        with lock:
            rung_counts[g_lo:g_lo + GL, :, 0] += np.moveaxis(ra, 0, 1)
            rung_counts[g_lo:g_lo + GL, :, 1] += np.moveaxis(rb, 0, 1)
            code_counts[g_lo:g_lo + GL] += np.moveaxis(cd, 0, 1)

    n_workers = max(1, min(n_threads, n_blocks, -(-N // chunk)))
    if n_workers == 1:
        _worker(plan, take_block, chunk, out_pay, out_rungs, deliver)
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as ex:
            futures = [ex.submit(_worker, plan, take_block, chunk, out_pay, out_rungs, deliver)
                       for _ in range(n_workers)]
            for f in futures:
                f.result()
    return _summarise(plan, rung_counts, code_counts, out_pay, out_rungs, batch, ss, chunk)


def _event_times(p_cum: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and median (1-based) round of an event from its cumulative probability (..., T)."""
    T = p_cum.shape[-1]
    inc = np.diff(p_cum, axis=-1, prepend=0.0)
    total = p_cum[..., -1]
    t = np.arange(1, T + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(total > 0, (inc * t).sum(-1) / total, np.nan)
        med_idx = np.argmax(p_cum >= total[..., None] / 2, axis=-1)
    median = np.where(total > 0, med_idx + 1.0, np.nan)
    return mean, median


def _summarise(plan: _Plan, rung_counts, code_counts, out_pay, out_rungs, batch, ss, chunk) -> SimulationResult:
    G, T, n = plan.G, plan.T, plan.paths
    dist = rung_counts / n                                            # (G, T, 2, K)
    p_active = rung_counts[:, :, 0].sum(-1) / n
    if plan.ncode > 1:
        cum = np.cumsum(code_counts, axis=1) / n                      # (G, T, 4)
        p_war, p_med, p_set = cum[..., _CODE_WAR], cum[..., _CODE_MEDIATED], cum[..., _CODE_SETTLED]
    else:
        p_war = p_med = p_set = np.zeros((G, T))
    pay = out_pay.reshape(G, n, 2)
    mean = np.empty((G, 2))
    std = np.zeros((G, 2))
    quant = np.empty((G, len(QUANTILE_LEVELS), 2))
    for side in range(2):  # one side at a time: temporaries of 8 * G * paths bytes, not 16
        col = np.ascontiguousarray(pay[:, :, side])
        mean[:, side] = col.mean(axis=1)
        if n > 1:
            sq = np.zeros(G)
            for lo in range(0, n, 1 << 20):  # blocked two-pass variance: small temporaries
                d = col[:, lo:lo + (1 << 20)] - mean[:, side, None]
                sq += np.einsum("gp,gp->g", d, d)
            std[:, side] = np.sqrt(sq / (n - 1))
        quant[:, :, side] = np.quantile(col, QUANTILE_LEVELS, axis=1, overwrite_input=True).T
        del col
    wmean, wmed = _event_times(p_war)
    smean, smed = _event_times(p_set)

    def shape(a):
        return np.ascontiguousarray(a).reshape(batch + tuple(a.shape[1:]))

    rungs = None if out_rungs is None else out_rungs.reshape(batch + (n, T, 2))
    return SimulationResult(
        rung_distribution=shape(dist), p_active=shape(p_active), p_war=shape(p_war),
        p_settled=shape(p_set), p_mediated=shape(p_med), payoffs=shape(mean), payoff_std=shape(std),
        payoff_sem=shape(std / math.sqrt(n)), payoff_quantiles=shape(quant), quantile_levels=QUANTILE_LEVELS,
        path_payoffs=pay.reshape(batch + (n, 2)), war_time_mean=shape(wmean), war_time_median=shape(wmed),
        settle_time_mean=shape(smean), settle_time_median=shape(smed), expected_rounds=shape(p_active.sum(-1)),
        rungs=rungs, seed_entropy=int(ss.entropy) if not isinstance(ss.entropy, (list, tuple)) else ss.entropy,
        seed_spawn_key=tuple(ss.spawn_key), rounds=T, paths=n, chunk_paths=chunk)
