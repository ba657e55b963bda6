"""Noisy 200-round matches in the axelrod library and in sim.repeated.montecarlo, in one run.

Same process, same pair, same game, same noise: axelrod ``Match`` (noise 0.05 flips the
played action, as our ``execution_noise=0.05``) against ``sim.repeated.montecarlo.simulate`` with
many paths.  Prints path-rounds per second for both, the ratio, and the two mean scores
(which must agree within their standard errors).

    python benchmarks/bench_engine_vs_axelrod.py                     # TFT vs WSLS
    python benchmarks/bench_engine_vs_axelrod.py --pair TitForTat GTFT --paths 2000000

axelrod is a test-only dependency (``pip install -e .[test]``).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from sim import games
from sim.repeated import strategies as st
from sim.repeated.montecarlo.engine import simulate

OURS = {"TitForTat": "tit_for_tat", "WinStayLoseShift": "win_stay_lose_shift", "GTFT": "generous_tit_for_tat",
        "Grudger": "grim_trigger", "TitFor2Tats": "tit_for_two_tats", "Alternator": "alternator"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pair", nargs=2, default=["TitForTat", "WinStayLoseShift"], choices=sorted(OURS))
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--noise", type=float, default=0.05)
    ap.add_argument("--matches", type=int, default=300, help="axelrod matches")
    ap.add_argument("--paths", type=int, default=1_000_000, help="engine paths")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3, help="engine timing: best of this many runs")
    args = ap.parse_args()
    import axelrod as axl

    a, b = args.pair
    T = args.rounds
    t0 = time.perf_counter()
    scores = []
    for i in range(args.matches):
        m = axl.Match((getattr(axl, a)(), getattr(axl, b)()), turns=T, noise=args.noise, seed=i)
        m.play()
        scores.append(m.final_score())
    t_axl = time.perf_counter() - t0
    scores = np.asarray(scores, dtype=float)
    rate_axl = args.matches * T / t_axl

    game = games.prisoners_dilemma()
    sa, sb = st.get(OURS[a]), st.get(OURS[b])
    simulate(game, sa, sb, rounds=T, paths=10_000, execution_noise=args.noise, seed=0)  # warm-up
    best = np.inf
    for r in range(args.repeat):
        t0 = time.perf_counter()
        res = simulate(game, sa, sb, rounds=T, paths=args.paths, execution_noise=args.noise, seed=r,
                       threads=args.threads)
        best = min(best, time.perf_counter() - t0)
    rate_ours = args.paths * T / best

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"numpy {np.__version__}, axelrod {axl.__version__}, load average {load:.2f}")
    print(f"pair {a} vs {b}, {T} rounds, noise {args.noise}")
    print(f"axelrod : {args.matches:>9,d} matches in {t_axl:7.2f} s = {rate_axl:14,.0f} path-rounds/s")
    print(f"engine  : {args.paths:>9,d} paths   in {best:7.2f} s = {rate_ours:14,.0f} path-rounds/s "
          f"(threads={args.threads or 'all'}, best of {args.repeat})")
    print(f"ratio   : {rate_ours / rate_axl:,.0f}x")
    se = np.sqrt(scores.var(0, ddof=1) / len(scores) + res.payoff_sem ** 2)
    se_axl = scores.std(0, ddof=1) / np.sqrt(len(scores))
    print(f"mean score axelrod {np.round(scores.mean(0), 2)} +- {np.round(se_axl, 2)}, "
          f"engine {np.round(res.payoffs, 2)} +- {np.round(res.payoff_sem, 2)}, "
          f"z = {np.round((res.payoffs - scores.mean(0)) / se, 2)}")


if __name__ == "__main__":
    main()
