"""Sweep a parameter grid of a scenario through the numpy core (sim.sweeps.grid.grid_sweep).

    python experiments/sweep.py                                  # sweep/war_cost_x_noise: 300 x 300, exact
    python experiments/sweep.py sweep=war_cost_x_advantage       # stage-game regimes
    python experiments/sweep.py sweep.grid.war_cost.linspace=[0,300,20] sweep.grid.perception_noise=[0,0.1]
    python experiments/sweep.py -m seed=1,2 sweep.method=monte_carlo hydra/launcher=joblib

Writes ``results/<experiment>/<timestamp>/`` with ``config.yaml``, ``table.csv`` (one row
per grid point: parameters, outcomes, point_key), ``figures/`` (a region map per
probability outcome with contours and the scenario's point; the equilibrium map when both
axes are game parameters; ``sensitivity.png``: each outcome against the first parameter, one
line per value of the second (at most 6, evenly picked), or, when only one parameter
varies, the curves instead of the maps, with 95% bands under Monte Carlo) and ``summary.json`` last.  Finished points are also kept in the
resume store, one directory per sweep definition (``<sweep.store>/<definition key>/``;
default ``sweep.store``: ``<run dir>/../store``, i.e. ``results/sweep/store``): a re-run, e.g.
after Ctrl-C, reads them back and computes only the rest.  Batches are sized to fit
``sweep.memory_budget_gb`` (default 4 GiB); see ``sim.limits``.  A multirun ends with
``results.csv`` in the sweep directory (``experiments/callbacks.py``).
"""

from __future__ import annotations

import os

# one BLAS thread: the kernels here solve many small dense systems, which two spinning BLAS
# threads slow down (markov_perfect on 11 rungs: 0.4 s vs 2.2 s; benchmarks/README.md); an
# OPENBLAS_NUM_THREADS set by the user wins.  Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys
import time
import warnings
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

_HERE = str(Path(__file__).resolve().parent)
sys.path.insert(0, _HERE)
from cli import main  # noqa: E402

from sim.config.run import validate_figure_formats  # noqa: E402
from sim.viz.style import figure_formats  # noqa: E402
from sim import files  # noqa: E402
from sim import viz as plots  # noqa: E402
from sim.config import SweepConfig, validate_sweep  # noqa: E402
from sim.errors import ConfigError  # noqa: E402
from sim.report import write_report  # noqa: E402
from sim.sweeps import GAME_OUTCOMES, SETTING_PARAMETERS, SweepStoreWarning, equilibrium_map, grid_sweep  # noqa: E402
from sim.viz import outcome_label, outcome_map_figure, sensitivity_curves  # noqa: E402
from sim.wording import param_phrase  # noqa: E402

#: At most this many lines (values of the second parameter) in the sensitivity figure.
MAX_LINES = 6

_format_warning = warnings.formatwarning


def _one_line_warning(message, category, filename, lineno, line=None):
    """A damaged store file is reported as one ``warning: ...`` line (not file, line and source)."""
    if issubclass(category, SweepStoreWarning):
        return f"warning: {message}\n"
    return _format_warning(message, category, filename, lineno, line)


warnings.formatwarning = _one_line_warning


def _even_pick(values, k: int = MAX_LINES) -> list:
    """At most ``k`` of ``values``, evenly spread and always including both ends."""
    values = list(values)
    if len(values) <= k:
        return values
    idx = np.unique(np.round(np.linspace(0, len(values) - 1, k)).astype(int))
    return [values[i] for i in idx]


def run(cfg: dict, out_dir: Path) -> dict:
    """:func:`_run` with the figures written in the configured ``figure_formats`` (PNG, plus SVG/PDF)."""
    with figure_formats(validate_figure_formats(cfg.get("figure_formats"))):
        return _run(cfg, out_dir)


def _run(cfg: dict, out_dir: Path) -> dict:
    """Run the configured grid sweep into ``out_dir``; returns the summary (also ``summary.json``)."""
    sc: SweepConfig = validate_sweep(cfg)
    sp = sc.sweep
    out_dir = Path(out_dir)
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    files.atomic_write_text(out_dir / "config.yaml", OmegaConf.to_yaml(cfg))
    t0 = time.perf_counter()

    name = sc.game["name"]
    base = {k: v for k, v in sc.game.items() if k != "name"}
    strategies, settings = None, None
    if sc.crisis is not None:
        strategies, settings = sc.crisis.strategies, sc.crisis.settings
    store = Path(sp.store) if sp.store else out_dir.parent / "store"
    table = grid_sweep(name, base, sp.grid, strategies, sp.outcomes, method=sp.method, settings=settings,
                       paths=sp.paths, seed=sc.seed, chunk_points=sp.chunk_points, store=store, progress=sp.progress,
                       memory_budget_gb=sp.memory_budget_gb)
    files.atomic_write_text(out_dir / "table.csv", table.to_csv(index=False))

    varying = [a.name for a in sp.grid.axes if a.values.size > 1]
    x = sp.x if sp.x in varying else (varying[0] if varying else None)
    y = sp.y if sp.y in varying and sp.y != x else next((v for v in varying if v != x), None)
    figure_files = []
    scenario_values = dict(base, **(settings.to_dict() if settings is not None else {}))
    curve_outcomes = [o for o in sp.outcomes if o != "game_class" and not o.endswith("_sem")]
    if x and y and x != y:
        point = (float(scenario_values.get(x, np.nan)), float(scenario_values.get(y, np.nan)))
        sub = table
        for other in sp.grid.axes:  # other swept parameters: the slice at their first value
            if other.name not in (x, y):
                sub = sub[sub[other.name] == other.values[0]]
        for o in sp.outcomes:
            if o in GAME_OUTCOMES and o != "eq_level":
                continue
            fig = outcome_map_figure(sub, x, y, o, point=point,
                                     title=f"{sc.scenario.title}: {outcome_label(o)}")
            plots.save(fig, figures / f"map_{o}.png")
            figure_files.append(f"figures/map_{o}.png")
        if any(o in GAME_OUTCOMES for o in sp.outcomes) and x not in SETTING_PARAMETERS \
                and y not in SETTING_PARAMETERS:
            xs = sp.grid.axes[sp.grid.names.index(x)].values
            ys = sp.grid.axes[sp.grid.names.index(y)].values
            try:  # one batch of len(xs) x len(ys) games: drawn only if it fits the budget
                emap = equilibrium_map(name, base, x, xs, y, ys, memory_budget_gb=sp.memory_budget_gb)
            except ConfigError as err:
                print(f"note: no equilibrium map figure: {err}", file=sys.stderr)
            else:
                plots.save(plots.equilibrium_map_figure(emap, title=f"{sc.scenario.title}: equilibrium map"),
                           figures / "equilibrium_map.png")
                figure_files.append("figures/equilibrium_map.png")
        if curve_outcomes:  # x across, one line per (evenly picked) value of y; other parameters sliced
            keep = _even_pick(sp.grid.axes[sp.grid.names.index(y)].values)
            cur = sub[sub[y].isin(keep)]
            fig = sensitivity_curves(cur, x, curve_outcomes, by=y,
                                     title=f"{sc.scenario.title}: sensitivity to {param_phrase(x)}")
            plots.save(fig, figures / "sensitivity.png")
            figure_files.append("figures/sensitivity.png")
    elif x and curve_outcomes:  # one swept parameter: curves instead of maps
        sub = table
        for other in sp.grid.axes:
            if other.name != x:
                sub = sub[sub[other.name] == other.values[0]]
        fig = sensitivity_curves(sub, x, curve_outcomes,
                                 title=f"{sc.scenario.title}: sensitivity to {param_phrase(x)}")
        plots.save(fig, figures / "sensitivity.png")
        figure_files.append("figures/sensitivity.png")

    summary = {
        "experiment": sc.experiment, "seed": sc.seed, "scenario": sc.scenario.name, "game": name,
        "method": sp.method, "paths": sp.paths if sp.method == "monte_carlo" else None,
        "strategies": None if strategies is None else [strategies[0].name, strategies[1].name],
        "grid": {a.name: {"min": float(a.values.min()), "max": float(a.values.max()), "n": int(a.values.size)}
                 for a in sp.grid.axes},
        "points": int(len(table)), "computed": int(table.attrs.get("computed", len(table))),
        "reused": int(table.attrs.get("reused", 0)), "store": table.attrs.get("store"),
        "seconds": round(time.perf_counter() - t0, 3),
        "outcomes": list(sp.outcomes), "table": "table.csv", "figures": figure_files,
    }
    for o in sp.outcomes:
        col = table[o]
        if o == "game_class":
            summary["game_class_shares"] = {str(k): float(v) for k, v in col.value_counts(normalize=True).items()}
            continue
        vals = col.to_numpy(float)
        summary[f"{o}_mean"] = float(np.nanmean(vals)) if np.isfinite(vals).any() else None
        summary[f"{o}_min"] = float(np.nanmin(vals)) if np.isfinite(vals).any() else None
        summary[f"{o}_max"] = float(np.nanmax(vals)) if np.isfinite(vals).any() else None
    write_report(out_dir)  # report.html: every figure embedded; written before summary.json
    files.atomic_write_json(out_dir / "summary.json", summary)  # last: marks the run finished
    print(f"results written to {out_dir}")
    return summary


if __name__ == "__main__":
    main("sweep", run, validate_sweep)
