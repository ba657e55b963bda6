"""Size limits and memory estimates: the one place they are written down.

Every check here runs *before* the arrays it is about are allocated and raises a one-line
:class:`~sim.errors.ConfigError` that says what fits.  Config validation (:mod:`sim.config`)
and the public API (:func:`sim.games.ladder` / :func:`sim.games.build`, the strategy
builders, :func:`sim.repeated.montecarlo.simulate`, :func:`sim.repeated.markov.analyse`,
:func:`sim.sweeps.equilibrium_map`, :func:`sim.sweeps.grid_sweep`) call these same functions,
so the command line and Python refuse the same sizes with the same words.

Fixed limits
------------
:data:`MAX_RUNGS` = 32
    Rungs K per side of any game or strategy.  Measured on the reference machine (2 cores,
    24 GiB): the default run (exact Markov analysis of the scenario's pair and of the four
    pairs in ``crisis.compare``, GRIT among them; Monte Carlo with 20,000 paths; the payoff
    figure) takes 22 s and 1.3 GB at K = 32.  Above that the code does not serve the
    defaults within the default budget: at K = 48 the GRIT x conditional de-escalation
    product chain has 27,360 states (~6 GB for its transition matrix alone); at K = 64 the
    Monte-Carlo alias tables of two K-state automata take 4.3 GB and 58 s, the exact
    analysis of two K-state automata 3.2 GB and the payoff figure 38 s and 2.5 GB.  At
    K = 10^5 the ladder's payoff matrices alone would be 75 GiB each.
:data:`MAX_AUTOMATON_TABLE` = 50,000,000
    Entries ``S x K x K x S`` of one strategy's transition table (400 MB of float64): at
    K = 11 at most 642 automaton states, at K = 32 at most 220 (GRIT with period 3 has
    126).  A larger automaton could not be analysed exactly within the default budget
    anyway (its product chain with a K-state opponent would need more than ~7 GB), and
    building it is already slow (GRIT with period 1000 at K = 32 could have up to 64,000
    states: a 34 TB table after minutes of search).
:data:`MAX_GRID_POINTS` = 1,000,000
    Points of one sweep grid.  The table of a sweep is held in memory, written as
    ``table.csv`` (~180 bytes a row) and kept in the resume store (~200 bytes a row): at
    10^6 points that is ~0.2 GB of CSV, ~0.2 GB of store and ~2 minutes of exact
    evaluation of the default scenario (~25 minutes of Monte Carlo at 1,000 paths x 30
    rounds).  A 10^10-point grid would fill the disk.

The memory budget (a setting)
-----------------------------
:data:`DEFAULT_MEMORY_BUDGET_GB` = 4 GiB, a safe share of the 24 GiB reference machine that
several people use at once.  Set it with ``memory_budget_gb`` (run and compare configs),
``sweep.memory_budget_gb`` (sweep config) or the ``memory_budget_gb=`` keyword of the
API functions.  Peak memory is estimated from the sizes and compared with it:

- Monte Carlo (:func:`simulate_bytes`): points x paths x (48 bytes, + 2 x rounds bytes
  when every path's rungs are kept), + points x rounds x (2 K + 4) x 24 bytes of
  per-round statistics, + 130 bytes per alias-table entry (states x K^2 x next states).
- Exact Markov analysis (:func:`markov_bytes`): distinct chains x n^2 x 8 bytes x 2
  (finite horizon) or x 8 (long run), n = product states (automaton states of A x of B x
  settlement counter), + the strategies' K^2 S^2 tables and the per-round outputs.
- Equilibrium map (:func:`map_bytes`): an element budget, points_x x points_y x K_A x K_B
  payoff entries at 36 bytes each (2 x 2 games: 480 bytes a game).
- Sweep table (:func:`table_bytes`): 400 bytes a row.

The byte factors are peaks measured with ``tracemalloc`` and resident-set size on the
reference machine, rounded up; the estimates err on the safe side.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from sim.errors import ConfigError

__all__ = ["MAX_RUNGS", "MAX_AUTOMATON_TABLE", "MAX_GRID_POINTS", "DEFAULT_MEMORY_BUDGET_GB", "GIB", "budget_bytes",
           "check_rungs", "max_automaton_states", "check_grid_points", "simulate_bytes", "alias_table_entries",
           "mc_table_entries", "markov_bytes", "map_bytes", "table_bytes", "check_simulate", "check_markov", "check_map",
           "max_paths", "max_map_points", "gib"]

#: Rungs per side of any game or strategy (see the module docstring for the measurements).
MAX_RUNGS = 32
#: Points of one sweep grid.
MAX_GRID_POINTS = 1_000_000
#: Entries S x K x K x S of one strategy automaton's transition table (float64: 400 MB).
MAX_AUTOMATON_TABLE = 50_000_000
#: Default memory budget in GiB (``memory_budget_gb`` / ``sweep.memory_budget_gb``).
DEFAULT_MEMORY_BUDGET_GB = 4.0
GIB = 1024 ** 3

# measured peak bytes (tracemalloc and resident set size, 2-core / 24 GiB machine), rounded up
_MC_PER_PATH = 48          # per path and point: 16 B of payoff totals + spread and quantile temporaries
_MC_PER_KEPT_ROUND = 2     # keep_paths: one int8 rung per side and round
_MC_PER_STAT = 24          # per point, round and statistic: int64 counts, float shares, cumulative sums
_MC_PER_TABLE_ENTRY = 130  # alias tables (Walker): probabilities, aliases, thresholds and their temporaries
_MC_PER_PAYOFF_CELL = 96   # per point and rung pair: payoff tables under each ending code
_MC_FIXED = 16 * 1024 ** 2  # per-thread work arrays (two threads, ~100 B x 32768 paths each)
_MARKOV_FINITE = 2         # x 8 n^2 per chain: the transition matrix and one working copy
_MARKOV_LONG_RUN = 8       # x 8 n^2 per chain: full chain, fundamental-matrix solves and their copies
_MARKOV_PER_TABLE = 32     # x K^2 S^2 per side: perception-folded transitions and the pair kernel's factors
_MAP_PER_ELEMENT = 36      # per payoff entry of a map of K x K games (A, B, war risk, pure-equilibrium masks)
_MAP_PER_2X2 = 480         # per 2 x 2 game: closed-form equilibria and the game classes
_TABLE_PER_ROW = 400       # per sweep point: the table, its CSV text and the concatenation copies


# --------------------------------------------------------------------------- settings and fixed limits
def gib(n_bytes: float) -> str:
    """``n_bytes`` in GiB for a message: ``"21.5"``, ``"0.37"``."""
    v = n_bytes / GIB
    return f"{v:.1f}" if v >= 1 else f"{v:.2g}"


def budget_bytes(memory_budget_gb: Any = None, field: str = "memory_budget_gb") -> float:
    """The memory budget in bytes; ``None`` is :data:`DEFAULT_MEMORY_BUDGET_GB`.

    Raises a one-line ``ConfigError`` unless it is a finite number > 0.
    """
    if memory_budget_gb is None:
        memory_budget_gb = DEFAULT_MEMORY_BUDGET_GB
    if isinstance(memory_budget_gb, bool) or not isinstance(memory_budget_gb, numbers.Real) \
            or not math.isfinite(memory_budget_gb) or memory_budget_gb <= 0:
        raise ConfigError(field, f"must be a number of GiB > 0 (default {DEFAULT_MEMORY_BUDGET_GB:g}), "
                                 f"got {memory_budget_gb!r}")
    return float(memory_budget_gb) * GIB


def _budget_text(budget: float, field: str) -> str:
    return f"over the {budget / GIB:g} GiB memory budget ({field})"


def check_rungs(K: Any, field: str = "K") -> int:
    """``K`` as an int in ``[2, MAX_RUNGS]``, or a one-line ``ConfigError`` (nothing allocated)."""
    try:
        ok = not isinstance(K, (bool, str)) and int(K) == K
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or int(K) < 2:
        raise ConfigError(field, f"must be an integer >= 2 (number of rungs), got {K!r}")
    if int(K) > MAX_RUNGS:
        raise ConfigError(field, f"{int(K)} rungs is over the maximum of {MAX_RUNGS} (what the exact analysis, the "
                                 f"Monte-Carlo tables and the figures serve); use K <= {MAX_RUNGS}")
    return int(K)


def max_automaton_states(K: int) -> int:
    """The most automaton states a strategy over K rungs may have (:data:`MAX_AUTOMATON_TABLE`)."""
    return math.isqrt(MAX_AUTOMATON_TABLE // (int(K) * int(K)))


def check_grid_points(shape: tuple[int, ...], field: str = "sweep.grid") -> int:
    """The number of points of a grid of this shape, or a ``ConfigError`` above :data:`MAX_GRID_POINTS`."""
    n = 1
    for s in shape:
        n *= int(s)
    if n > MAX_GRID_POINTS:
        dims = " x ".join(str(int(s)) for s in shape)
        raise ConfigError(field, f"{n} points ({dims}) is over the maximum of {MAX_GRID_POINTS} points per sweep "
                                 f"(the table, table.csv and the resume store grow with it); use fewer values")
    return n


# --------------------------------------------------------------------------- estimates
def alias_table_entries(states: int, K: int, next_states: int) -> int:
    """Entries of one automaton's Monte-Carlo transition tables: rows (state, own, other) x
    columns (the next-state count rounded up to a power of two)."""
    m = max(1, int(next_states))
    cols = 1 if m <= 1 else 1 << (m - 1).bit_length()
    return int(states) * int(K) * int(K) * cols


def mc_table_entries(transition, perception) -> int:
    """Alias-table entries of one automaton (``transition (S, K, K, S)``) under a perception
    confusion matrix ``(K, K)``: a row can reach at most (next states per seen rung) x (rungs
    a true rung may be seen as) states."""
    S, K = transition.shape[0], transition.shape[1]
    per_seen = int((np.asarray(transition) > 0).sum(-1).max()) if S else 1
    seen = int((np.asarray(perception) > 0).sum(-1).max())
    return alias_table_entries(S, K, min(S, per_seen * seen))


def simulate_bytes(points: int, paths: int, rounds: int, K: int, keep_paths: bool = False,
                   table_entries: int = 0) -> int:
    """Peak bytes of one :func:`~sim.repeated.montecarlo.simulate` call (see the module docstring)."""
    per_path = _MC_PER_PATH + (_MC_PER_KEPT_ROUND * rounds if keep_paths else 0)
    return int(points * paths * per_path + points * rounds * (2 * K + 4) * _MC_PER_STAT
               + points * K * K * _MC_PER_PAYOFF_CELL + table_entries * _MC_PER_TABLE_ENTRY + _MC_FIXED)


def markov_bytes(chains: int, states: int, points: int, rounds: int | None, K: int,
                 automaton_states: tuple[int, int] = (0, 0)) -> int:
    """Peak bytes of one :func:`~sim.repeated.markov.analyse` call: ``chains`` distinct chains of
    ``states`` product states each, ``points`` games, ``rounds`` (None: long run)."""
    factor = _MARKOV_LONG_RUN if rounds is None else _MARKOV_FINITE
    sa, sb = automaton_states
    return int(chains * states * states * 8 * factor + _MARKOV_PER_TABLE * K * K * (sa * sa + sb * sb)
               + points * (rounds or 1) * (2 * K + 4) * _MC_PER_STAT + points * states * 8 * 4)


def map_bytes(nx: int, ny: int, ka: int, kb: int) -> int:
    """Peak bytes of an equilibrium map of ``ny x nx`` games of ``ka x kb`` rungs."""
    games = int(nx) * int(ny)
    if (ka, kb) == (2, 2):
        return games * _MAP_PER_2X2
    return games * int(ka) * int(kb) * _MAP_PER_ELEMENT


def table_bytes(points: int) -> int:
    """Bytes of a sweep table of ``points`` rows (frame, CSV text and copies)."""
    return int(points) * _TABLE_PER_ROW


# --------------------------------------------------------------------------- checks
def max_paths(budget: float, points: int, rounds: int, K: int, keep_paths: bool = False,
              table_entries: int = 0) -> int:
    """The most paths per point that fit ``budget`` bytes (0 if not even one)."""
    fixed = simulate_bytes(points, 0, rounds, K, keep_paths, table_entries)
    per = simulate_bytes(points, 1, rounds, K, keep_paths, table_entries) - fixed
    return max(0, int((budget - fixed) // per))


def check_simulate(points: int, paths: int, rounds: int, K: int, *, keep_paths: bool = False,
                   table_entries: int = 0, budget: float, reserved: float = 0, paths_field: str = "paths",
                   budget_field: str = "memory_budget_gb", single: bool = False) -> int:
    """Refuse a Monte-Carlo batch whose estimated peak is over ``budget`` bytes; returns the estimate.

    ``reserved``: bytes of the budget already taken (a sweep's table).  ``single``: the
    caller evaluates points in batches that fit and this is one point (sweeps).
    """
    need = simulate_bytes(points, paths, rounds, K, keep_paths, table_entries)
    if need + reserved <= budget:
        return need
    fit = max_paths(budget - reserved, points, rounds, K, keep_paths, table_entries)
    where = "" if single else f" x {points} point{'s' if points != 1 else ''}"
    alone = " for one point alone (sweeps evaluate points in batches that fit)" if single else ""
    kept = " (keeping every path's rungs for the sample paths)" if keep_paths else ""
    tail = f"at most {fit} paths fit" if fit >= 1 else \
        f"not even one path fits: the tables of these strategies need ~{gib(need - points * paths * _MC_PER_PATH)} GiB"
    raise ConfigError(paths_field, f"{paths} paths{where} x {rounds} rounds need ~{gib(need)} GiB{alone}{kept}, "
                                   f"{_budget_text(budget, budget_field)}; {tail}")


def check_markov(chains: int, states: int, points: int, rounds: int | None, K: int, *,
                 automaton_states: tuple[int, int] = (0, 0), budget: float, reserved: float = 0,
                 field: str = "analyse", budget_field: str = "memory_budget_gb", what: str = "") -> int:
    """Refuse an exact analysis whose estimated peak is over ``budget`` bytes; returns the estimate.

    ``reserved``: bytes of the budget already taken (a sweep's table).
    """
    need = markov_bytes(chains, states, points, rounds, K, automaton_states)
    if need + reserved <= budget:
        return need
    factor = _MARKOV_LONG_RUN if rounds is None else _MARKOV_FINITE
    rest = need - chains * states * states * 8 * factor + reserved
    fit = int(math.sqrt(max(0.0, budget - rest) / (chains * 8 * factor)))
    sa, sb = automaton_states
    shape = f": {sa} x {sb} automaton states x {states // max(1, sa * sb)} settlement counts" if sa and sb else ""
    horizon = "the long run" if rounds is None else f"{rounds} rounds"
    many = f", x {chains} distinct war-risk tables" if chains > 1 else ""
    raise ConfigError(field, f"the exact analysis{(' of ' + what) if what else ''} ({states} product states{shape}"
                             f"{many}) needs ~{gib(need)} GiB for {horizon}, "
                             f"{_budget_text(budget, budget_field)}; at most ~{fit} product states fit "
                             f"(use simpler strategies, fewer rungs or a larger budget)")


def max_map_points(budget: float, ka: int, kb: int) -> int:
    """The most points per axis of a square equilibrium map that fit ``budget`` bytes."""
    per = map_bytes(1, 1, ka, kb)
    return int(math.isqrt(int(budget // per)))


def check_map(nx: int, ny: int, ka: int, kb: int, *, budget: float, field: str = "map.points",
              budget_field: str = "memory_budget_gb") -> int:
    """Refuse an equilibrium map whose payoff entries would not fit ``budget`` bytes."""
    need = map_bytes(nx, ny, ka, kb)
    if need <= budget:
        return need
    entries = int(nx) * int(ny) * int(ka) * int(kb)
    raise ConfigError(field, f"{nx} x {ny} games of {ka} x {kb} rungs ({entries} payoff entries) need "
                             f"~{gib(need)} GiB, {_budget_text(budget, budget_field)}; at most "
                             f"{max_map_points(budget, ka, kb)} x {max_map_points(budget, ka, kb)} points fit")
