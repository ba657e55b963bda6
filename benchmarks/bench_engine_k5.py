"""Engine throughput and memory on a K = 5 escalation ladder with noisy strategies.

Each case simulates a pair of K = 5 strategies with execution noise 0.05 and biased
perception noise (restraint read as escalation: up 0.05, down 0.02), 200 rounds, on
``sim.games.ladder(K=5)``.

- ``no-endings``: ``war_risk_scale=0``, no settlement or mediation, so every path plays
  every round and path-rounds = paths x rounds exactly.
- ``endings``: war risk x 0.05, settlement after 5 rounds at (0, 0), mediation 0.01;
  reports both nominal (paths x rounds) and actually played path-rounds.

Peak memory: ``ru_maxrss`` of the process (includes the interpreter and libraries) and,
with ``--tracemalloc``, the peak of numpy's traced allocations in a separate run.

    python benchmarks/bench_engine_k5.py                        # 10**6 paths, 1 and 2 threads
    python benchmarks/bench_engine_k5.py --paths 10000000 --threads 2 --cases no-endings --pairs 1 --repeat 1 --tracemalloc
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc

import numpy as np

from sim import games
from sim.repeated import strategies as st
from sim.repeated.montecarlo.engine import DEFAULT_CHUNK_PATHS, simulate

PAIRS = [("grit", "graduated_response"), ("conditional_deescalation", "graduated_response"),
         ("generous_tit_for_tat", "win_stay_lose_shift")]
CASES = {
    "no-endings": dict(war_risk_scale=0.0),
    "endings": dict(war_risk_scale=0.05, settle_after=5, mediation=0.01),
}


def run(pair, case, paths, rounds, threads, chunk, seed=0):
    K = 5
    game = games.ladder(K=K)
    kw = dict(rounds=rounds, paths=paths, execution_noise=0.05, perception_noise=st.biased_noise(K, 0.05, 0.02),
              seed=seed, threads=threads, chunk_paths=chunk, **CASES[case])
    t0 = time.perf_counter()
    res = simulate(game, st.get(pair[0], K=K), st.get(pair[1], K=K), **kw)
    return time.perf_counter() - t0, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--chunk", type=int, default=DEFAULT_CHUNK_PATHS, help="paths in play per thread (speed only)")
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs")
    ap.add_argument("--pairs", type=int, default=len(PAIRS), help="run only the first N strategy pairs")
    ap.add_argument("--tracemalloc", action="store_true", help="also measure traced peak memory (separate run)")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, numpy {np.__version__}, "
          f"load average {load:.2f}; paths {args.paths:,}, rounds {args.rounds}, chunk_paths {args.chunk}")
    run(PAIRS[0], "no-endings", 20_000, 20, 1, args.chunk)  # warm-up
    for case in args.cases:
        for pair in PAIRS[:args.pairs]:
            for th in args.threads:
                best, res = np.inf, None
                for r in range(args.repeat):
                    dt, res = run(pair, case, args.paths, args.rounds, th, args.chunk, seed=r)
                    best = min(best, dt)
                nominal = args.paths * args.rounds
                played = float(res.expected_rounds) * args.paths
                extra = "" if case == "no-endings" else \
                    f"  (played {played / best / 1e6:6.1f} M/s; P(war) {res.p_war[-1]:.3f}, " \
                    f"P(settled) {res.p_settled[-1]:.3f}, P(mediated) {res.p_mediated[-1]:.3f})"
                print(f"{case:10s} {pair[0]:>24s} vs {pair[1]:<20s} threads {th}: {best:6.2f} s, "
                      f"{nominal / best / 1e6:6.1f} M path-rounds/s{extra}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:,.0f} MiB")
    if args.tracemalloc:
        tracemalloc.start()
        run(PAIRS[0], args.cases[0], args.paths, args.rounds, max(args.threads), args.chunk)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"traced peak during one run ({args.paths:,} paths, {args.cases[0]}): {peak / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
