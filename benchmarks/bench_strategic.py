"""Benchmark: the strategic deterrence estimator (sim.estimate.strategic_deterrence) on
7,240 observations with 18 regressors (the size of Leblang 2003, the JSS paper's example),
against peers measured in the same run.

Data: simulated from the agent-error probit ``egame12`` model, ``SeedSequence(20141130)``:
u11 on 9 standard-normal regressors (no intercept), u13 and u14 intercepts only, u24 an
intercept and 9 more regressors: 18 regressors, 21 coefficients (Leblang's specification has
19).  Timed, best of ``--repeats``:

* ours: ``strategic_deterrence(y, X11, X13, X14, X24)``: the whole fit (SBI start, BFGS with
  the analytic gradient, Newton polish, Hessian by differences of the gradient, standard errors);
* statsmodels: ``sm.Probit(challenge, [1, all 18 regressors]).fit()`` (Newton with analytic
  Hessian) and its standard errors: a single binary probit on the same n and regressors, the
  cheapest comparable maximum-likelihood fit in Python;
* R ``games::egame12`` on the same data (the data go over a CSV), timed inside R with
  ``system.time`` (best of the same repeats, model frame and all), if ``Rscript`` and the
  ``games`` package are there; otherwise skipped with a note.  Its log-likelihood and largest
  coefficient difference to ours are printed.  With R there, the real Leblang (2003) data
  (``data(leblang2003)``, private information, 19 coefficients) are also fitted by both.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_strategic.py            # ~10 s with R
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from scipy import special  # noqa: E402

from sim.estimate import strategic_deterrence, strategic_deterrence_formula  # noqa: E402

R_SCRIPT = r"""
suppressPackageStartupMessages(library(games))
args <- commandArgs(TRUE)
d <- read.csv(args[1]); reps <- as.integer(args[2]); out <- args[3]
k <- (ncol(d) - 1) / 2
f <- as.Formula(paste("y ~", paste0("a", 1:k, collapse = " + "), "- 1 | 1 | 1 |",
                      paste0("b", 1:k, collapse = " + ")))
best <- Inf
for (r in 1:reps) { t <- system.time(m <- egame12(f, data = d))[["elapsed"]]; best <- min(best, t) }
data(leblang2003)
fl <- outcome ~ capcont + lreserves + overval + creditgrow + USinterest + service + contagion +
    prioratt - 1 | 1 | 1 | unifgov + lexports + preelec + postelec + rightgov + realinterest + capcont + lreserves
bestl <- Inf
for (r in 1:reps) { t <- system.time(ml <- egame12(as.Formula(fl), data = leblang2003, type = "private"))[["elapsed"]]; bestl <- min(bestl, t) }
write.csv(leblang2003, file.path(dirname(out), "leblang2003.csv"), row.names = FALSE)
cat(sprintf("{\"time\": %.6f, \"loglik\": %.10f, \"coef\": [%s], \"time_leb\": %.6f, \"loglik_leb\": %.10f, \"coef_leb\": [%s], \"version\": \"%s\", \"R\": \"%s\"}",
            best, sum(m$log.likelihood), paste(sprintf("%.10g", coef(m)), collapse = ", "),
            bestl, sum(ml$log.likelihood), paste(sprintf("%.10g", coef(ml)), collapse = ", "),
            as.character(packageVersion("games")), R.version.string), file = out)
"""


def simulate(n: int, k: int, seed: int):
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    A = rng.standard_normal((n, k))
    B = rng.standard_normal((n, k))
    b11 = rng.normal(0, 0.3, k)
    b24 = rng.normal(0, 0.3, k)
    u11 = A @ b11
    u13, u14 = -0.5, -1.0
    u24 = 0.2 + B @ b24
    p4 = special.ndtr(u24 / np.sqrt(2))
    p2 = special.ndtr(((1 - p4) * u13 + p4 * u14 - u11) / np.sqrt(2))
    challenge = rng.random(n) < p2
    fight = rng.random(n) < p4
    y = np.where(challenge, np.where(fight, 4, 3), 1)
    one = np.ones((n, 1))
    return y, A, one, one, np.hstack([one, B])


def best_time(fn, repeats: int):
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=7240)
    ap.add_argument("--regressors", type=int, default=18, help="total; split evenly between u11 and u24")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20141130)
    ap.add_argument("--no-r", action="store_true", help="skip R even if it is installed")
    a = ap.parse_args(argv)
    k = a.regressors // 2
    y, X11, X13, X14, X24 = simulate(a.n, k, a.seed)
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__},"
          f" OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, load {os.getloadavg()[0]:.1f}")
    print(f"# n = {a.n}, {2 * k} regressors, {2 * k + 3} coefficients; outcomes 1/3/4: "
          f"{[int(np.sum(y == v)) for v in (1, 3, 4)]}; best of {a.repeats}")

    t_ours, fit = best_time(lambda: strategic_deterrence(y, X11, X13, X14, X24), a.repeats)
    print(f"ours   strategic_deterrence (agent probit)        {t_ours:8.3f} s  log L {fit.log_likelihood:.6f}, "
          f"converged {fit.converged}, {fit.n_iter} iterations")

    import statsmodels.api as sm

    Z = np.hstack([np.ones((a.n, 1)), X11, X24[:, 1:]])

    def probit():
        r = sm.Probit((y != 1).astype(float), Z).fit(disp=0)
        return r.bse

    t_sm, _ = best_time(probit, a.repeats)
    print(f"peer   statsmodels Probit (challenge on all {2 * k} + 1)  {t_sm:8.3f} s  ratio ours / statsmodels "
          f"{t_ours / t_sm:.2f}")

    if a.no_r or shutil.which("Rscript") is None:
        print("R      skipped: " + ("--no-r" if a.no_r else "Rscript not found") + " (R games::egame12 not timed)")
        return 0
    check = subprocess.run(["Rscript", "-e", "library(games)"], capture_output=True, text=True)
    if check.returncode != 0:
        print("R      skipped: the R package 'games' is not installed (R games::egame12 not timed)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        import pandas as pd

        cols = {"y": y, **{f"a{i + 1}": X11[:, i] for i in range(k)}, **{f"b{i + 1}": X24[:, i + 1] for i in range(k)}}
        pd.DataFrame(cols).to_csv(Path(tmp, "d.csv"), index=False, float_format="%.17g")
        Path(tmp, "run.R").write_text(R_SCRIPT)
        out = Path(tmp, "out.json")
        proc = subprocess.run(["Rscript", str(Path(tmp, "run.R")), str(Path(tmp, "d.csv")), str(a.repeats), str(out)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print("R      failed: " + proc.stderr.strip().splitlines()[-1])
            return 0
        r = json.loads(out.read_text())
        leb = pd.read_csv(Path(tmp, "leblang2003.csv"))
    dcoef = np.max(np.abs(fit.coef - r["coef"]))
    print(f"peer   R games {r['version']} egame12 (same data)       {r['time']:8.3f} s  ratio R / ours "
          f"{r['time'] / t_ours:.1f}; log L {r['loglik']:.6f} (ours - R: {fit.log_likelihood - r['loglik']:.2e}), "
          f"max |coef diff| {dcoef:.1e}")
    leb["outcome"] = pd.Categorical(leb.outcome, categories=["no attack", "devaluation", "defense"])
    formula = ("outcome ~ capcont + lreserves + overval + creditgrow + USinterest + service + contagion + prioratt - 1"
               " | 1 | 1 | unifgov + lexports + preelec + postelec + rightgov + realinterest + capcont + lreserves")
    t_leb, fl = best_time(lambda: strategic_deterrence_formula(leb, formula, errors="private"), a.repeats)
    print(f"Leblang (2003), private information, n = {fl.n}, {fl.k} coefficients:")
    print(f"ours   strategic_deterrence_formula                {t_leb:8.3f} s  log L {fl.log_likelihood:.6f}")
    print(f"peer   R games egame12                            {r['time_leb']:8.3f} s  ratio R / ours "
          f"{r['time_leb'] / t_leb:.1f}; log L {r['loglik_leb']:.6f} (ours - R: "
          f"{fl.log_likelihood - r['loglik_leb']:.2e}), max |coef diff| {np.max(np.abs(fl.coef - r['coef_leb'])):.1e}")
    print(f"# {r['R']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
