"""Benchmark: batched closed-form 2x2 equilibria (sim.equilibria.nash_2x2) vs a nashpy loop.

Builds N random 2x2 games (standard normal payoffs, non-degenerate with probability 1),
times one vectorised ``nash_2x2`` call on the whole batch (best of ``--repeats``), and
times a Python loop of ``nashpy.Game(A, B).support_enumeration()`` over the first M games
in the same run.  Prints games per second for both and the ratio of the per-game rates.
Before timing, checks on the nashpy subsample that both return the same equilibria.

    python benchmarks/bench_nash_2x2.py --games 20000 --nashpy-games 2000
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np


def _nashpy_all(A, B):
    import nashpy as nash

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for a, b in zip(A, B):
            out.append(list(nash.Game(a, b).support_enumeration()))
    return out


def _agree(res, theirs, tol=1e-9) -> bool:
    for i, eqs in enumerate(theirs):
        c = int(res.count[i])
        if c != len(eqs):
            return False
        for x, y in eqs:
            if not any(np.allclose(res.x[i, k], x, atol=tol) and np.allclose(res.y[i, k], y, atol=tol)
                       for k in range(c)):
                return False
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=20_000, help="batch size for nash_2x2 (default 20000)")
    ap.add_argument("--nashpy-games", type=int, default=2_000, help="games solved by the nashpy loop (default 2000)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats of the batched call; best is kept (default 5)")
    ap.add_argument("--seed", type=int, default=12345)
    args = ap.parse_args(argv)
    if args.games < 1 or args.nashpy_games < 1 or args.repeats < 1:
        ap.error("--games, --nashpy-games and --repeats must be >= 1")

    import nashpy
    from sim.equilibria import nash_2x2

    rng = np.random.default_rng(args.seed)
    A = rng.normal(size=(args.games, 2, 2))
    B = rng.normal(size=(args.games, 2, 2))
    m = min(args.nashpy_games, args.games)

    res = nash_2x2(A, B)  # warm-up, and the result checked below
    best = float("inf")
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        nash_2x2(A, B)
        best = min(best, time.perf_counter() - t0)

    t0 = time.perf_counter()
    theirs = _nashpy_all(A[:m], B[:m])
    t_nashpy = time.perf_counter() - t0

    ok = _agree(res, theirs)
    rate_ours = args.games / best
    rate_nashpy = m / t_nashpy
    print(f"machine: {platform.machine()}, nproc={os.cpu_count()}, python {platform.python_version()}, "
          f"numpy {np.__version__}, nashpy {nashpy.__version__}")
    print(f"nash_2x2 : {args.games:>8d} games in {best * 1e3:9.3f} ms (best of {args.repeats}) "
          f"-> {rate_ours:14,.0f} games/s")
    print(f"nashpy   : {m:>8d} games in {t_nashpy * 1e3:9.3f} ms (one loop)        "
          f"-> {rate_nashpy:14,.0f} games/s")
    print(f"speed-up (per-game rate ratio): {rate_ours / rate_nashpy:,.0f}x")
    print(f"same equilibria on the {m} nashpy games: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
