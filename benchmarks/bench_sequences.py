"""Benchmark: exact likelihood of an observed crisis on a parameter grid (sim.estimate, issue 11).

Target (issue 11): the log-likelihood of a 30-round crisis on a 100 x 100 grid of parameters
in under a second.  The model is the 11-rung scenario ladder (the India-Pakistan 2025
parameters) with both sides playing ``conditional_deescalation`` (and ``tit_for_tat``; and
GRIT, 42 automaton states, on a 20 x 20 grid); the grid is execution noise x perception
noise; the crisis is 30 rounds drawn from the model at one grid point (so that it is
possible under every timing).  Timed: one batched call (best of ``--repeat``) against the same
points one call at a time (a loop over ``--loop`` points, extrapolated to the grid), in the
same run: there is no peer library for the likelihood of automaton pairs with perception
noise (an input-driven hidden Markov model), so the reference is the point-by-point call.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_sequences.py --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import sim  # noqa: E402
from sim.estimate import Sequences, sequence_likelihood  # noqa: E402
from sim.repeated.strategies import get  # noqa: E402

SCENARIO = dict(K=11, advantage=20.0, damage=10.0, cost=2.0, war_risk=0.8, war_cost=100.0, risk_interaction=0.5,
                risk_exponent=3.0)


def one(name: str, timing: str, n: int, repeat: int, loop: int) -> None:
    game = sim.games.build("ladder", **SCENARIO)
    s = get(name, K=11)
    kw = dict(timing=timing, opening=(4, 0), first_mover="b", mediation=0.01)
    res = sim.simulate(game, s, s, rounds=30, paths=2000, seed=1, keep_paths=True, execution_noise=0.1,
                       perception_noise=0.05, **kw)
    full = np.flatnonzero((res.rungs[:, :, 0] >= 0).all(1))[0]  # a path that ran 30 rounds
    data = Sequences.from_rungs(res.rungs[full].astype(int), K=11)
    grid = {"execution_noise": np.linspace(0.01, 0.5, n)[:, None], "perception_noise": np.linspace(0.0, 0.3, n)[None, :]}
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        ll = sequence_likelihood(data, game, s, s, grid=grid, **kw)
        best = min(best, time.perf_counter() - t)
    e, p = np.broadcast_arrays(grid["execution_noise"], grid["perception_noise"])
    t = time.perf_counter()
    for i in range(loop):  # the reference: one call per point
        k = np.unravel_index(i * (n * n // loop), (n, n))
        v = sequence_likelihood(data, game, s, s, execution_noise=float(e[k]), perception_noise=float(p[k]), **kw)
        assert abs(v - ll[k]) < 1e-9
    per_point = (time.perf_counter() - t) / loop
    print(f"{name:26s} {timing:12s} {n:3d} x {n:<3d} {best:7.3f} s   point by point {per_point * n * n:7.1f} s"
          f"   ratio {per_point * n * n / best:6.0f} x   max log L {ll.max():.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--loop", type=int, default=50)
    args = ap.parse_args()
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print("# 30-round crisis, grid = execution noise x perception noise; one batched call (best of "
          f"{args.repeat}) vs one call per point ({args.loop} points, extrapolated)")
    for name in ("conditional_deescalation", "tit_for_tat"):
        for timing in ("simultaneous", "alternating"):
            one(name, timing, 100, args.repeat, args.loop)
    one("grit", "simultaneous", 20, args.repeat, args.loop)


if __name__ == "__main__":
    main()
