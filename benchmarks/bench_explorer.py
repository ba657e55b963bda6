"""Benchmark: explorer.html's grid and the alternating-timing credibility it rests on (issue 12).

On the default run config (``configs/run.yaml``: India-Pakistan 2025, 11 rungs, alternating timing,
conditional de-escalation on both sides, 30 rounds, discount 1):

1. ``credibility(game, a, b, settings)`` of the stated pair at the scenario's point, with the
   subgame-perfection test (what the run's credibility section computes), best of ``--repeat``;
2. ``credibility`` of a 3 x 3 batch over (war_cost, war_risk): 3 war-risk tables, best of ``--repeat``;
3. ``analyse`` (the exact finite-horizon analysis) of 80 games that differ in their war tables,
   as the run's Sobol uncertainty evaluates them, best of ``--repeat``;
4. ``explorer_data(run_config, game)``: the whole explorer grid with the config's ``explorer``
   settings (``--points`` / ``--credibility-points`` override them), best of ``--repeat``, with
   the size of the page ``render_explorer`` makes.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_explorer.py --repeat 3
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def _config(points: int | None, cred: int | None) -> dict:
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = OmegaConf.to_container(compose(config_name="run"), resolve=True)
    cfg = copy.deepcopy(cfg)
    if points is not None:
        cfg["explorer"]["points"] = points
    if cred is not None:
        cfg["explorer"]["credibility_points"] = cred
    return cfg


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--points", type=int, default=None)
    ap.add_argument("--credibility-points", type=int, default=None)
    args = ap.parse_args()

    from sim.config import validate_run
    from sim.dynamic import credibility
    from sim.games import build
    from sim.report.explorer import explorer_data
    from sim.report.explorer_page import render_explorer

    rc = validate_run(_config(args.points, args.credibility_points))
    game, cs = rc.built_game, rc.crisis.settings
    a, b = rc.crisis.strategies
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, load {os.getloadavg()[0]:.1f}")
    t, c = _best(lambda: credibility(game, a, b, settings=cs), args.repeat)
    print(f"credibility, stated pair, scenario point (with subgame perfection)   {t:7.3f} s  "
          f"gains {c.gain_a:.4f}, {c.gain_b:.4f}")
    params = {k: v for k, v in rc.game.items() if k != "name"}
    g = build("ladder", **{**params, "war_cost": np.array([50.0, 100.0, 200.0])[:, None],
                           "war_risk": np.array([0.4, 0.65, 0.9])})
    t, c = _best(lambda: credibility(g, a, b, settings=dataclasses.replace(cs, perception_noise=0.1)), args.repeat)
    print(f"credibility, 3 x 3 batch over (war_cost, war_risk), 3 war tables     {t:7.3f} s")
    from sim.repeated.markov.chain import analyse

    rng = np.random.default_rng(0)  # 80 games, each its own war table: the run's Sobol uncertainty (16 x 5 points)
    g80 = build("ladder", **{**params, "war_risk": rng.uniform(0.4, 0.9, 80), "war_cost": rng.uniform(50, 200, 80)})
    t, r = _best(lambda: analyse(g80, a, b, settings=cs), args.repeat)
    print(f"analyse, 80 games with 80 war tables, {cs.rounds} rounds (exact, alternating)  {t:7.3f} s  "
          f"mean P(war) {r.p_war[:, -1].mean():.6f}")
    t, d = _best(lambda: explorer_data(rc, game), args.repeat)
    page = render_explorer(d)
    ex = rc.explorer
    print(f"explorer_data, {len(ex.axes)} sliders x {ex.points} points, credibility on {ex.credibility_points} per slider "
          f"{t:7.3f} s  (credibility {d['credibility']['seconds']:.3f} s); page {len(page.encode()) / 1e3:.1f} kB")


if __name__ == "__main__":
    main()
