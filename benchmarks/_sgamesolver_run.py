"""Helper of bench_dynamic.py, run in sgamesolver's own venv (not the project's): solve one
stochastic game saved by bench_dynamic.py with sgamesolver's logit QRE homotopy and save the
limit strategies and the wall time.  Usage: python _sgamesolver_run.py game.npz out.npz
"""

import sys
import time

import numpy as np
import sgamesolver

src, dst = sys.argv[1], sys.argv[2]
data = np.load(src)
payoffs, transitions, discount = data["payoffs"], data["transitions"], float(data["discount"])
S = payoffs.shape[0]
t0 = time.perf_counter()
game = sgamesolver.SGame([payoffs[s].transpose(2, 0, 1) for s in range(S)],   # [p, a, b]
                         [transitions[s] for s in range(S)], discount)         # [a, b, s']
hom = sgamesolver.homotopy.QRE(game)
hom.solver_setup()
hom.solver.verbose = 0
hom.solve()
seconds = time.perf_counter() - t0
if hom.equilibrium is None:
    np.savez(dst, ok=False, seconds=seconds)
else:
    sig = np.asarray(hom.equilibrium.strategies)   # (S, 2, K_max)
    np.savez(dst, ok=True, seconds=seconds, policy_a=sig[:, 0], policy_b=sig[:, 1],
             lam=float(hom.equilibrium.homotopy_parameter))
