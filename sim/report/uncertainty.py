"""Parameter uncertainty in a run: an interval beside every headline number, and which parameter
matters most (issue 11, item 4).

:func:`run_uncertainty` propagates the ranges given in the scenario's ``game:`` and ``crisis:``
nodes through :func:`sim.sweeps.uncertainty.propagate` (one batched evaluation of the sweep
kernels over all samples), evaluates the same outcomes at the scenario's own values, saves the
sensitivity figure and the tidy table, and returns a JSON-able summary;
:func:`uncertainty_markdown` says it in words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from sim import files
from sim.sweeps import evaluate_points
from sim.sweeps.uncertainty import propagate
from sim.viz.style import save
from sim.viz.uncertainty import sensitivity_bars
from sim.wording import figure_notes, fmt_number, fmt_percent, param_label

__all__ = ["UNCERTAINTY_FIGURES", "UNCERTAINTY_TABLE", "run_uncertainty", "uncertainty_markdown", "outcome_label"]

UNCERTAINTY_FIGURES = {"sensitivity": "figures/sensitivity.png"}
UNCERTAINTY_TABLE = "uncertainty.csv"
_PROBABILITIES = ("p_war_by_T", "p_settled_by_T", "p_mediated_by_T", "p_top")


def outcome_label(o: str, sides: Sequence[str], rounds: int | None = None) -> str:
    """Plain words for a sweep outcome."""
    by = f" by round {rounds}" if rounds else ""
    return {"p_war_by_T": f"P(war{by})", "p_settled_by_T": f"P(settled{by})", "p_mediated_by_T": f"P(mediated{by})",
            "payoff_a": f"{sides[0]}'s expected payoff", "payoff_b": f"{sides[1]}'s expected payoff",
            "expected_rounds": "expected rounds", "eq_level": "equilibrium rung (stage game, mean)",
            "p_top": "P(both at the top rung in equilibrium)",
            "deviation_gain_a": f"{sides[0]}'s gain from deviating",
            "deviation_gain_b": f"{sides[1]}'s gain from deviating"}.get(o, o)


def _fmt(o: str, v: float) -> str:
    if v is None or not np.isfinite(v):
        return "n/a"
    return fmt_percent(v) if o in _PROBABILITIES else fmt_number(v)


def run_uncertainty(game_name: str, base: Mapping[str, Any], params, outcomes: Sequence[str], *, strategies,
                    settings: Mapping[str, Any], samples: int, method: str, level: float, seed: int,
                    sides: Sequence[str], out_dir: Path, memory_budget_gb: float | None = None) -> dict:
    """Propagate the uncertain ``params`` (from the run config) and write figure and table."""
    import time

    t0 = time.perf_counter()
    clip = {p.name: (0.0, 1.0) for p in params if p.name in ("execution_noise", "perception_noise", "mediation")}
    clip.update({p.name: (0.0, np.inf) for p in params if p.name in ("war_risk_scale", "war_cost", "war_risk")})
    res = propagate(game_name, base, params, outcomes, strategies=strategies, settings=settings, samples=samples,
                    method=method, level=level, seed=seed, memory_budget_gb=memory_budget_gb, clip=clip)
    at = evaluate_points(game_name, {k: v for k, v in base.items() if k not in [p.name for p in params]},
                         {p.name: np.array([p.value]) for p in params}, strategies, list(outcomes), "exact",
                         dict(settings), 1, 0)
    table = res.table()
    files.atomic_write_text(Path(out_dir) / UNCERTAINTY_TABLE, table.to_csv(index=False))
    rounds = settings.get("rounds")
    labels = {o: outcome_label(o, sides, rounds) for o in outcomes}
    rows = []
    for o in outcomes:
        t = table[table["outcome"] == o]
        top = t.iloc[0] if method == "sobol" and np.isfinite(t["ST"].iloc[0]) else None
        rows.append({"outcome": o, "label": labels[o], "value": float(np.asarray(at[o], float)[0]),
                     "low": res.intervals[o][0], "high": res.intervals[o][1], "mean": res.mean[o],
                     "top_parameter": None if top is None else str(top["parameter"]),
                     "top_ST": None if top is None else float(top["ST"]),
                     "sobol": None if top is None else {r["parameter"]: {"ST": float(r["ST"]), "S1": float(r["S1"]),
                                                                          "ST_conf": float(r["ST_conf"])}
                                                         for _, r in t.iterrows()}})
    rec = {"method": method, "samples": samples, "evaluations": int(res.samples.shape[0]), "level": level,
           "seed_entropy": res.seed_entropy, "seconds": time.perf_counter() - t0,
           "params": [{"name": p.name, "range": p.describe(), "value": p.value} for p in params],
           "outcomes": rows, "table": UNCERTAINTY_TABLE, "figures": {}, "crisis": strategies is not None}
    if method == "sobol":
        save(sensitivity_bars(table, outcome_labels=labels,
                              title="Which uncertain parameter drives each answer (Sobol indices)"),
             Path(out_dir) / UNCERTAINTY_FIGURES["sensitivity"])
        rec["figures"]["sensitivity"] = UNCERTAINTY_FIGURES["sensitivity"]
    return rec


def uncertainty_markdown(rec: Mapping[str, Any]) -> str:
    """The parameter-uncertainty section of summary.md."""
    pct = f"{100 * rec['level']:g}%"
    lines = ["## How sure are these numbers? Parameter uncertainty", "",
             "Some parameters of this scenario are illustrative: instead of one value, the scenario gives a range. "
             f"Every answer below is computed at the scenario's own values and over {rec['evaluations']} combinations "
             f"of values drawn from the ranges ({'Sobol-Saltelli' if rec['method'] == 'sobol' else 'Latin hypercube'} "
             f"sampling, SALib); the interval is the middle {pct} of the answers over those combinations. It says how "
             "much the answer depends on numbers nobody knows precisely, not how likely any outcome is in reality.", "",
             "Ranges (illustrative): " + "; ".join(f"{param_label(p['name'], units=False)}: {p['range']} "
                                                   f"(scenario value {fmt_number(p['value'])})" for p in rec["params"])
             + ".", "",
             f"| answer | at the scenario's values | middle {pct} over the ranges | matters most (share of variance) |",
             "|---|---:|---:|---|"]
    for r in rec["outcomes"]:
        top = "" if r["top_parameter"] is None else \
            f"{param_label(r['top_parameter'], units=False)} ({fmt_percent(max(r['top_ST'], 0.0))})"
        lines.append(f"| {r['label']} | {_fmt(r['outcome'], r['value'])} | "
                     f"{_fmt(r['outcome'], r['low'])} to {_fmt(r['outcome'], r['high'])} | {top} |")
    lines.append("")
    if rec.get("crisis") and not any(r["outcome"].startswith("deviation_gain") for r in rec["outcomes"]):
        lines += ["The credibility gains (what deviating from each stated rule would pay) can carry the same interval: "
                  "add `deviation_gain_a` and `deviation_gain_b` to `uncertainty.outcomes` (slower: about a second "
                  "per combination at 11 rungs, so not in the default run).", ""]
    if rec["method"] == "sobol":
        lines.append("The share of variance is the total-order Sobol index (Saltelli et al. 2010): the part of the "
                     "answer's spread that involves this parameter, alone or together with others. A share near 0 "
                     "means the answer does not depend on that parameter over its range. The full table is in "
                     f"{rec['table']}.")
        lines += [""] + figure_notes(rec["figures"], {
            "sensitivity": "for each answer, the uncertain parameters ranked by how much of the answer's spread "
                           "they drive (bars: total-order Sobol index, with a 95% bootstrap whisker; with few samples "
                           "the whiskers are wide: raise uncertainty.samples for a firmer ranking)."})
    return "\n".join(lines)
