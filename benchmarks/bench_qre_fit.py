"""Time ``sim.estimate.fit_qre`` against ``pygambit.qre.logit_estimate`` in the same run.

For one random game (standard normal payoffs) and N count vectors simulated from its logit QRE
at lambda = 2 (SeedSequence 2026; 200 choices a side), it times

- ``fit_qre`` on one data set, and on all N at once (one batched call);
- a Python loop of pygambit's ``logit_estimate`` over the N data sets (Gambit has no batch);

best of ``--repeat`` runs each (``time.perf_counter``), and checks that the estimates agree to
Gambit's precision (lambda within 1e-3 relative and 1% of the interval width, log-likelihood within
1e-4; see tests/test_qre_fit_gambit.py) and that no Gambit lambda has a higher log-likelihood
on our branch than ours (exit status 1 otherwise).

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_qre_fit.py --sets 100 --shape 3 3
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=100)
    ap.add_argument("--shape", type=int, nargs=2, default=(3, 3))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import pygambit as gbt

    from sim.equilibria import qre
    from sim.estimate import fit_qre

    rng = np.random.default_rng(np.random.SeedSequence(2026))
    A, B = rng.normal(size=args.shape), rng.normal(size=args.shape)
    p = qre((A, B), 2.0)
    ca, cb = rng.multinomial(200, p.x, size=args.sets), rng.multinomial(200, p.y, size=args.sets)

    def best(fn):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return min(times), out

    t_one, _ = best(lambda: fit_qre((A, B), [ca[0], cb[0]]))
    t_batch, fit = best(lambda: fit_qre((A, B), [ca, cb]))
    g = gbt.Game.from_arrays(A, B)

    def gambit_loop():
        out = []
        for i in range(args.sets):
            data = g.mixed_strategy_profile([[float(v) for v in ca[i]], [float(v) for v in cb[i]]])
            res = gbt.qre.logit_estimate(data)
            out.append((res.lam, res.log_like))
        return np.array(out)

    t_gbt, ref = best(gambit_loop)
    width = fit.interval[:, 1] - fit.interval[:, 0]
    at_gambit = np.diagonal(fit.log_likelihood_at(ref[:, 0]))
    same = bool(np.allclose(fit.lam, ref[:, 0], rtol=1e-3, atol=0)
                and np.all(np.abs(fit.lam - ref[:, 0]) <= 0.01 * width)
                and np.allclose(fit.log_likelihood, ref[:, 1], atol=1e-4)
                and np.all(at_gambit <= fit.log_likelihood + 1e-9))
    print(f"game {args.shape[0]}x{args.shape[1]}, {args.sets} data sets, best of {args.repeat}")
    print(f"fit_qre, one data set      : {1e3 * t_one:9.1f} ms")
    print(f"fit_qre, {args.sets} sets (batch) : {1e3 * t_batch:9.1f} ms  ({1e3 * t_batch / args.sets:.2f} ms a set)")
    print(f"pygambit logit_estimate loop: {1e3 * t_gbt:9.1f} ms  ({1e3 * t_gbt / args.sets:.2f} ms a set)")
    print(f"batch vs Gambit loop: {t_gbt / t_batch:.2f}x; one set vs one Gambit fit: {t_gbt / args.sets / t_one:.3f}x")
    print(f"same estimates to Gambit's precision: {same}; max |d lambda| / lambda = "
          f"{np.max(np.abs(fit.lam - ref[:, 0]) / ref[:, 0]):.1e}, / interval width = "
          f"{np.max(np.abs(fit.lam - ref[:, 0]) / width):.1e}; max |d LL| = "
          f"{np.max(np.abs(fit.log_likelihood - ref[:, 1])):.1e}; max LL(Gambit's lambda) - LL(ours) on our branch = "
          f"{np.max(at_gambit - fit.log_likelihood):.1e}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
