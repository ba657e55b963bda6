"""Benchmark: grid-sweep throughput (sim.sweeps.grid.grid_sweep) and joblib speed-up.

1. 2x2 equilibrium map: a K = 2 ladder over war_cost x advantage (``game_class``,
   ``n_pure``, ``eq_level``), points per second.
2. Exact P(war) map: the default scenario (India-Pakistan 2025, K = 11, graduated
   response vs conditional de-escalation, T = 30) over war_cost x perception noise,
   exact Markov analysis, points per second.
3. joblib speed-up on a CPU-bound sweep: a Monte-Carlo grid split into ``--jobs`` halves
   run with ``joblib.Parallel`` (loky processes, as hydra-joblib-launcher uses) at
   ``n_jobs=1`` and ``n_jobs=--jobs``; the merged tables are checked to be identical
   (per-point seeds), and the ratio of wall times is printed (target >= 1.6 on 2 cores).

    python benchmarks/bench_sweep.py --n 300 --mc-points 64 --paths 30000
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

from sim.sweeps import grid_sweep  # noqa: E402
from sim.repeated import load  # noqa: E402

SCENARIO = dict(K=11, advantage=20.0, damage=10.0, cost=2.0, war_risk=0.8, war_cost=100.0, risk_interaction=0.5,
                risk_exponent=3.0)
SETTINGS = dict(rounds=30, execution_noise=0.02, perception_noise=0.05, settle_after=3, mediation=0.02,
                mediation_slope=0.2)


def _pair():
    return load({"name": "graduated_response", "start": 4}, K=11), load({"name": "conditional_deescalation"}, K=11)


def _mc_half(values, paths):
    return grid_sweep("ladder", SCENARIO, {"war_cost": list(values)}, _pair(), ["p_war_by_T", "payoff_a"],
                      method="monte_carlo", settings=SETTINGS, paths=paths, seed=1, progress=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300, help="grid points per axis of the maps")
    ap.add_argument("--mc-points", type=int, default=64)
    ap.add_argument("--paths", type=int, default=30000)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}")
    n = a.n
    t = time.perf_counter()
    tab = grid_sweep("ladder", dict(K=2), {"war_cost": {"linspace": [0, 300, n]}, "advantage": {"linspace": [0, 40, n]}},
                     None, ["game_class", "n_pure", "eq_level"], chunk_points=16384, progress=False)
    dt = time.perf_counter() - t
    print(f"2x2 equilibrium map {n}x{n}: {len(tab) / dt:,.0f} points/s ({dt:.2f} s)")
    t = time.perf_counter()
    tab = grid_sweep("ladder", SCENARIO, {"war_cost": {"linspace": [0, 300, n]},
                                          "perception_noise": {"linspace": [0, 0.3, n]}},
                     _pair(), ["p_war_by_T", "payoff_a", "payoff_b", "expected_rounds"], settings=SETTINGS,
                     chunk_points=16384, progress=False)
    dt = time.perf_counter() - t
    print(f"exact P(war) map {n}x{n} (K=11, T=30): {len(tab) / dt:,.0f} points/s ({dt:.2f} s)")

    from joblib import Parallel, delayed

    values = np.linspace(0, 300, a.mc_points)
    parts = np.array_split(values, a.jobs)
    times = {}
    tables = {}
    for jobs in (1, a.jobs):
        Parallel(n_jobs=jobs)(delayed(_mc_half)(p[:1], 100) for p in parts)  # warm the workers
        t = time.perf_counter()
        res = Parallel(n_jobs=jobs)(delayed(_mc_half)(p, a.paths) for p in parts)
        times[jobs] = time.perf_counter() - t
        tables[jobs] = np.concatenate([r["p_war_by_T"].to_numpy() for r in res])
    assert np.array_equal(tables[1], tables[a.jobs]), "results depend on the number of workers"
    print(f"Monte-Carlo sweep, {a.mc_points} points x {a.paths} paths: 1 job {times[1]:.2f} s, "
          f"{a.jobs} jobs {times[a.jobs]:.2f} s, speed-up {times[1] / times[a.jobs]:.2f}x (identical results)")


if __name__ == "__main__":
    main()
