"""Benchmark: Markov perfect equilibrium of the escalation game and a credibility map (sim.dynamic).

1. ``markov_perfect(escalation_game(ladder, settings))`` on the 11-rung scenario ladder
   (the India-Pakistan 2025 parameters of bench_sweep.py; discount 0.9, execution noise 0.02,
   settlement after 3 rounds at (0, 0), mediation 0.02 + 0.2 slope): best of ``--repeat`` runs;
   the one-shot gap of the returned MPE is printed (<= 1e-9 by construction).
2. ``credibility(batch, "conditional_deescalation", "graduated_response", discount=0.9, ...)``
   on the same ladder built over an ``--grid`` x ``--grid`` grid of (war_cost, advantage) in one
   call (``sim.games.build`` with broadcasting arrays): values, best responses and gains
   (``subgame_perfect=False``: what a map shows); then an ``--fallback-grid`` x ``--fallback-grid``
   grid with the subgame-perfection test as well (the one-shot deviations at every product
   state, the costly part).  A refused batch (over ``sim.dynamic.credibility_core.MAX_BYTES``) is
   reported as refused.
3. Batched MPE: the ladder over a ``--batch`` x ``--batch`` grid of (war_cost, advantage) with
   ``--batch-rungs`` rungs (default the scenario's 11), the same settings:
   ``markov_perfect(escalation_game(batch))`` in one call (the branches of all games advance
   together, sim.dynamic.markov_batch) against a loop of single ``markov_perfect`` calls on the
   same games, measured in the same run; the largest policy difference between the two and the
   largest one-shot gap are printed.
4. With ``--sgamesolver PYTHON`` (a Python with sgamesolver installed; it needs numpy < 2, so
   its own venv): the same escalation game is saved with ``np.save`` and solved there by
   ``sgamesolver.homotopy.QRE`` (subprocess, benchmarks/_sgamesolver_run.py); both limits are
   compared (max abs policy difference) and the time ratio printed.  ``--sgamesolver-game``:
   the full game, the game with its identical states merged (what markov_perfect traces,
   sim.dynamic.game.merge_identical_states; sgamesolver's limit is lifted back), or both.

    python benchmarks/bench_dynamic.py --repeat 3 --grid 200 --sgamesolver /work/venv-sgs/bin/python
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import sim  # noqa: E402
from sim.dynamic import credibility, escalation_game, markov_perfect, one_shot_gap  # noqa: E402
from sim.dynamic.game import merge_identical_states  # noqa: E402
from sim.dynamic.markov_select import indifference_solve  # noqa: E402
from sim.errors import ConfigError  # noqa: E402
from sim.repeated import CrisisSettings  # noqa: E402

SCENARIO = dict(K=11, advantage=20.0, damage=10.0, cost=2.0, war_risk=0.8, war_cost=100.0, risk_interaction=0.5,
                risk_exponent=3.0)
SETTINGS = dict(discount=0.9, execution_noise=0.02, settle_after=3, mediation=0.02, mediation_slope=0.2)
HERE = Path(__file__).resolve().parent


def bench_mpe(repeat: int):
    eg = escalation_game(sim.games.build("ladder", **SCENARIO), CrisisSettings(**SETTINGS))
    times, res = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        res = markov_perfect(eg)
        times.append(time.perf_counter() - t)
    return eg, res, min(times)


def bench_credibility(n: int, subgame_perfect: bool = False):
    params = {k: v for k, v in SCENARIO.items() if k not in ("war_cost", "advantage")}
    g = sim.games.build("ladder", war_cost=np.linspace(20.0, 300.0, n)[:, None],
                        advantage=np.linspace(5.0, 40.0, n)[None, :], **params)
    t = time.perf_counter()
    c = credibility(g, "conditional_deescalation", "graduated_response", subgame_perfect=subgame_perfect,
                    **SETTINGS)
    return c, time.perf_counter() - t


def bench_batch(n: int, K: int):
    """One batched ``markov_perfect`` on an n x n grid of K-rung escalation games vs a loop of single calls."""
    params = {k: v for k, v in SCENARIO.items() if k not in ("war_cost", "advantage", "K")}
    war_cost, advantage = np.linspace(20.0, 300.0, n), np.linspace(5.0, 40.0, n)
    cs = CrisisSettings(**SETTINGS)
    t = time.perf_counter()
    eb = escalation_game(sim.games.build("ladder", K=K, war_cost=war_cost[:, None], advantage=advantage[None, :],
                                        **params), cs)
    build = time.perf_counter() - t
    t = time.perf_counter()
    mb = markov_perfect(eb)
    batch = time.perf_counter() - t
    t = time.perf_counter()
    diff, gap = 0.0, 0.0
    for i in range(n):  # the reference: one call per game
        for j in range(n):
            g = escalation_game(sim.games.build("ladder", K=K, war_cost=war_cost[i], advantage=advantage[j], **params),
                                cs)
            m = markov_perfect(g)
            diff = max(diff, np.abs(m.policy_a - mb.policy_a[i, j]).max(), np.abs(m.policy_b - mb.policy_b[i, j]).max())
            gap = max(gap, one_shot_gap(g, mb.policy_a[i, j], mb.policy_b[i, j]))
    loop = time.perf_counter() - t
    return eb, mb, build, batch, loop, diff, gap


def _map_row(c, n, sec, sp):
    what = "values, best responses, gains" + (" and subgame perfection" if sp else "")
    extra = f"; subgame perfect at {np.mean(c.is_subgame_perfect):.1%}" if sp else ""
    return (f"credibility map {n} x {n} (one call: {what})", f"{sec:.2f} s",
            f"{n * n / sec:,.0f} games/s; best response for A at {np.mean(c.gain_a <= 1e-9):.1%}{extra}")


def bench_sgamesolver(python: str, eg, res, merged: bool):
    """sgamesolver on ``eg`` (or, ``merged``, on ``eg`` with its identical states merged, the game
    ``markov_perfect`` traces); its limit (lifted to ``eg``) is compared with ``res``."""
    game, cls = merge_identical_states(eg) if merged else (eg, None)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp, "game.npz"), Path(tmp, "out.npz")
        np.savez(src, payoffs=game.payoffs, transitions=game.transitions, discount=game.discount)
        t = time.perf_counter()
        proc = subprocess.run([python, str(HERE / "_sgamesolver_run.py"), str(src), str(dst)],
                              capture_output=True, text=True, timeout=3600)
        wall = time.perf_counter() - t
        if proc.returncode != 0 or not dst.exists():
            return dict(error=(proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["failed"])
        out = dict(np.load(dst))
    if not out["ok"]:
        return dict(error=["sgamesolver's homotopy reported no equilibrium"], seconds=float(out["seconds"]))
    K = eg.n_actions[0]
    pa, pb = out["policy_a"][:, :K], out["policy_b"][:, :K]
    if cls is not None:
        pa, pb = pa[cls], pb[cls]
    diff = max(np.abs(pa - res.policy_a).max(), np.abs(pb - res.policy_b).max())
    # sgamesolver stops at its own tolerance (1e-7 on the homotopy): solve its support exactly
    # (probabilities > 1e-3) for indifference and compare that MPE with ours too
    fine = indifference_solve(eg, pa, pb, 1e-3)
    fine_diff = np.inf if fine is None else max(np.abs(fine[0] - res.policy_a).max(), np.abs(fine[1] - res.policy_b).max())
    return dict(seconds=float(out["seconds"]), wall=wall, diff=float(diff), gap=one_shot_gap(eg, pa, pb),
                lam=float(out["lam"]), fine_diff=float(fine_diff))


class _Rows(list):
    """Table rows, each printed as soon as it is measured."""

    def append(self, row):
        super().append(row)
        print(f"{row[0]:<72}  {row[1]:>9}  {row[2]}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="markov_perfect runs (best of)")
    ap.add_argument("--grid", type=int, default=200, help="credibility map is grid x grid games")
    ap.add_argument("--fallback-grid", type=int, default=40,
                    help="grid also timed with the subgame-perfection test (one-shot deviations at every state)")
    ap.add_argument("--batch", type=int, default=10, help="batched MPE on a batch x batch grid (0: skip)")
    ap.add_argument("--batch-rungs", type=int, default=11, help="rungs of the batched escalation games")
    ap.add_argument("--skip-credibility", action="store_true", help="skip the credibility maps")
    ap.add_argument("--sgamesolver", default=None, metavar="PYTHON", help="python of a venv with sgamesolver")
    ap.add_argument("--sgamesolver-game", choices=["full", "merged", "both"], default="both",
                    help="solve the full escalation game, the merged one, or both (default)")
    args = ap.parse_args(argv)

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    rows = _Rows()
    eg, res, best = bench_mpe(args.repeat)
    rows.append((f"markov_perfect, 11-rung escalation game ({eg.n_states} states, 11 x 11 actions), "
                 f"best of {args.repeat}", f"{best:.3f} s",
                 f"gap {res.one_shot_gap:.1e}, lam {res.lam:.4g}, {'pure' if res.pure else 'mixed'}"))
    if args.batch:
        eb, mb, build, batch, loop, diff, gap = bench_batch(args.batch, args.batch_rungs)
        G = args.batch ** 2
        rows.append((f"markov_perfect, {G} escalation games ({args.batch_rungs} rungs, {eb.n_states} states) in one call",
                     f"{batch:.2f} s", f"build {build:.2f} s; {np.mean(mb.pure):.0%} pure; max gap {gap:.1e}"))
        rows.append((f"markov_perfect, the same {G} games one call each (loop)", f"{loop:.2f} s",
                     f"batch speed-up {loop / batch:.1f}x; max |policy diff| batch vs loop {diff:.1e}"))
    for n, sp in ((args.grid, False), (args.fallback_grid, True)):
        if args.skip_credibility:
            break
        try:
            c, sec = bench_credibility(n, sp)
            rows.append(_map_row(c, n, sec, sp))
        except ConfigError as err:
            rows.append((f"credibility map {n} x {n} (one call)", "refused", str(err)[:90] + "..."))
    for merged in {"full": [False], "merged": [True], "both": [True, False]}[args.sgamesolver_game]:
        if not args.sgamesolver:
            break
        s = bench_sgamesolver(args.sgamesolver, eg, res, merged)
        what = "merged game (the one markov_perfect traces)" if merged else f"same game ({eg.n_states} states)"
        if "error" in s:
            rows.append((f"sgamesolver QRE homotopy, {what}", "failed", " ".join(s["error"])[:120]))
        else:
            rows.append((f"sgamesolver QRE homotopy, {what}", f"{s['seconds']:.3f} s",
                         f"max |policy diff| {s['diff']:.1e} (within 1e-6: {s['diff'] <= 1e-6}), its one-shot gap "
                         f"{s['gap']:.1e}; its support solved exactly: diff {s['fine_diff']:.1e}; "
                         f"time ratio sgamesolver / sim {s['seconds'] / best:.1f}"))


if __name__ == "__main__":
    main()
