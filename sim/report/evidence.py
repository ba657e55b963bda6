"""Evidence in a run: which candidate model explains the reported sequence best (issue 11, item 1).

:func:`run_evidence` reads the scenario's phase table as an observed crisis
(:func:`sim.estimate.sequences_from_phases`, in the crisis's timing), fits each candidate
policy pair's free settings by maximum likelihood (:func:`sim.estimate.compare_models`),
draws the best model's fan chart over the observed path (a posterior predictive check) and
returns a JSON-able summary; :func:`evidence_markdown` says it in words.

Choices (written into the summary):

- The observed play starts at the phase ``scenario.observed.from`` (rows before it are the
  background to the crisis's opening) and ends as ``scenario.observed.ending`` says.
- Under alternating timing each phase is read as two moves in turn order, the crisis's first
  mover first (a phase table does not say who moved first within a day).
- Contested rungs are taken as reported (``evidence.contested``: ``missing`` or a width
  widens them).
- Every candidate is fitted with the same free settings (default: the execution-noise rate),
  all other settings as the crisis has them.  The model's noise is what lets a rule produce
  moves it would not choose; the fitted rate says how much of it each rule needs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from sim import files
from sim.estimate import compare_models, fit_equilibrium, fitted_settings, sequences_from_phases
from sim.repeated import CrisisSettings, analyse, rung_quantiles
from sim.viz import trajectory_fan
from sim.viz.style import save
from sim.wording import figure_notes, fmt_percent

__all__ = ["EVIDENCE_FIGURES", "run_evidence", "evidence_markdown", "start_index"]

EVIDENCE_FIGURES: dict[str, str] = {"posterior_predictive": "figures/posterior_predictive.png"}
EVIDENCE_TABLE = "evidence.csv"


def start_index(phases: Sequence[Mapping[str, Any]], start: str | None) -> int:
    """Index of the first phase whose date (or start date) is ``start``; 0 for None."""
    if start is None:
        return 0
    for i, ph in enumerate(phases):
        if str(ph.get("date", "")).split("/")[0] == str(start) or str(ph.get("start", "")) == str(start):
            return i
    raise ValueError(f"no phase dated {start}")


def run_evidence(game, candidates: Mapping[str, tuple], settings: CrisisSettings, *, phases, sides: Sequence[str],
                 observed: Mapping[str, Any], out_dir: Path, labels: Sequence[str] = (),
                 free: Mapping[str, Sequence[float]] | None = None, contested: str | int = "reported",
                 points: int = 41, stated: str | None = None, qre: Mapping[str, Any] | None = None) -> dict:
    """Fit every candidate pair to the scenario's reported sequence; save the figure and table.

    ``candidates``: name -> (strategy_a, strategy_b); ``observed``: ``{"from": date or None,
    "ending": one of sim.estimate.ENDING_CODES}``; ``stated``: the candidate that is the
    sides' stated policies (named in the text); ``qre``: ``{"lam_max", "discount"}`` adds the
    logit Markov QRE of the dynamic game with lambda fitted (:func:`sim.estimate.fit_equilibrium`;
    the crisis's own execution noise, one parameter) as a candidate.  Returns the summary (JSON-able).
    """
    K = int(np.shape(game.A)[-1])
    free = dict(free or {"execution_noise": (0.0, 0.9)})
    start = start_index(phases, observed.get("from"))
    data = sequences_from_phases(phases, sides, K, start=start, timing=settings.timing,
                                 first_mover=settings.first_mover, contested=contested,
                                 ending=observed.get("ending", "censored"), opening=settings.opening)
    table = compare_models(data, game, candidates, free=free, settings=settings, points=points)
    if qre is not None:
        table = _with_qre(table, data, game, settings, qre, points)
    files.atomic_write_text(Path(out_dir) / EVIDENCE_TABLE, table.to_csv(index=False))
    best = str(table["model"].iloc[0])
    clean = table.replace([np.inf, -np.inf], np.nan).astype(object)
    rows = clean.where(clean.notna(), None).to_dict(orient="records")  # JSON: no NaN, no inf
    rec = {"from": phases[start].get("date") if phases else None, "moves": int(data.n_rounds),
           "ending": observed.get("ending", "censored"), "timing": settings.timing,
           "first_mover": sides[settings.first], "contested": contested, "free": {k: list(v) for k, v in free.items()},
           "observed": data.rungs()[0].tolist(), "models": rows, "best": best, "stated": stated,
           "table": EVIDENCE_TABLE}
    if np.isfinite(table["log_likelihood"].iloc[0]) and best in candidates:
        sa, sb = candidates[best]
        fitted = {p: float(table[p].iloc[0]) for p in free}
        fcs = fitted_settings(settings, fitted)
        T = max(int(data.n_rounds) + 4, 10)
        res = analyse(game, sa, sb, settings=dataclasses.replace(fcs, rounds=T))
        obs = data.rungs()[0]
        inside, width = _inside_band(res, obs)
        rec["check"] = {"rounds": T, "fitted": fitted, "share_inside_band": inside, "band_width": width,
                        "p_war_by_end": float(res.p_war[len(obs) - 1]), "p_war": float(res.p_war[-1])}
        save(trajectory_fan(res, sides=sides, labels=labels or None, observed=obs,
                            observed_label="the reported sequence (this scenario's reading)",
                            title=f"Does the best-fitting model reproduce the reported sequence? {best}, "
                                  f"execution noise fitted"),
             Path(out_dir) / EVIDENCE_FIGURES["posterior_predictive"])
    return rec


QRE_MODEL = "equilibrium play with noise (logit Markov QRE, lambda fitted)"


def _with_qre(table, data, game, settings, qre, points):
    """The table with the logit Markov QRE model's row, re-ranked by AIC and re-weighted."""
    import pandas as pd

    fit = fit_equilibrium(data, game, lam_max=float(qre.get("lam_max", 2.0)), points=points, settings=settings,
                          discount=float(qre.get("discount", 0.95)))
    row = {"model": QRE_MODEL, "log_likelihood": fit.log_likelihood, "k": fit.k, "n": fit.n, "aic": fit.aic,
           "bic": fit.bic, "lam": fit.lam, "lam_low": fit.interval[0], "lam_high": fit.interval[1]}
    out = pd.concat([table.drop(columns=["delta_aic", "akaike_weight"]), pd.DataFrame([row])], ignore_index=True)
    out = out.sort_values("aic", kind="stable").reset_index(drop=True)
    out["delta_aic"] = out["aic"] - out["aic"].iloc[0]
    w = np.exp(-0.5 * out["delta_aic"].to_numpy())
    out["akaike_weight"] = w / w.sum()
    return out


def _inside_band(result, obs: np.ndarray, band=(0.1, 0.9)) -> tuple[float, float]:
    """Share of the observed rungs inside the model's middle-80% band of the runs still in crisis,
    and the band's mean width in rungs at those moves (a wide band makes the check weak)."""
    lo, hi = rung_quantiles(result, band[0]), rung_quantiles(result, band[1])
    n = len(obs)
    seen = obs >= 0
    ok = (obs >= lo[:n]) & (obs <= hi[:n]) & seen
    width = (hi[:n] - lo[:n] + 1)[seen]
    return float(ok.sum() / max(seen.sum(), 1)), float(width.mean()) if width.size else float("nan")


#: How the record's ending reads in the evidence sentence (sim.estimate.ENDING_CODES).
_ENDING_WORDS = {"censored": "the record stops there (censored)", "war": "it ended in a war",
                 "settled": "it ended in a settlement", "mediated": "a third party ended it",
                 "ceasefire": "it ended in a ceasefire", "ended": "it ended (how is left open)"}


def evidence_markdown(rec: Mapping[str, Any], sides: Sequence[str]) -> str:
    """The evidence section of summary.md, in plain words."""
    models = rec["models"]
    lines = ["## Which model explains the reported sequence?", ""]
    turns = (f"{rec['moves']} moves, {sides[0]} and {sides[1]} taking turns, {rec['first_mover']} first"
             if rec.get("timing", "alternating") == "alternating"
             else f"{rec['moves']} rounds, {sides[0]} and {sides[1]} moving at once")
    lines.append(
        f"The reported sequence (this scenario's reading of the phase table from {rec['from']}: "
        f"{turns}; {_ENDING_WORDS.get(rec['ending'], 'it ended: ' + str(rec['ending']))}) is treated as data. Each candidate pair of policies is a model "
        f"of how such a sequence comes about; its likelihood is the exact probability that the model "
        f"produces this sequence and this ending. Each model's execution-noise rate (how often a side "
        f"carries out a rung other than its rule's) is fitted to the sequence.")
    lines.append("")
    lines.append("| model | log-likelihood | AIC | Akaike weight | fitted noise (95% interval) |")
    lines.append("|---|---:|---:|---:|---|")
    free = list(rec["free"])
    for r in models:
        ll = r["log_likelihood"]
        if ll is None:
            lines.append(f"| {r['model']} | impossible | | 0 | |")
            continue
        p = free[0]
        if r.get(p) is None:  # the QRE model: lambda instead of the noise
            noise = f"lambda {r['lam']:.3g} ({r['lam_low']:.3g}-{r['lam_high']:.3g})"
        else:
            noise = f"{r[p]:.2f} ({r[p + '_low']:.2f}-{r[p + '_high']:.2f})"
        lines.append(f"| {r['model']} | {ll:.2f} | {r['aic']:.1f} | {r['akaike_weight']:.2f} | {noise} |")
    best = models[0]
    lines.append("")
    if best["log_likelihood"] is None:
        lines.append("No candidate can produce the reported sequence.")
        return "\n".join(lines)
    said = (f"**{best['model']}** explains the reported sequence best: its Akaike weight is "
            f"{best['akaike_weight']:.2f}, the share of support among these candidates (Burnham and Anderson 2002).")
    if len(models) > 1 and models[1]["log_likelihood"] is not None:
        gap = models[1]["aic"] - best["aic"]
        said += (f" The next, {models[1]['model']}, is {gap:.1f} AIC points behind"
                 + (" (under 2 points: the data hardly tell them apart)." if gap < 2 else "."))
    lines.append(said)
    noise_key = "execution_noise" if "execution_noise" in best else None
    if noise_key and best.get(noise_key) is not None and best[noise_key] > 0.2:
        lines.append(f"Even so, the best model needs a side to depart from its rule in about "
                     f"{fmt_percent(best[noise_key])} of moves (the fitted execution noise): none of these rules "
                     f"produces the reported sequence on its own; they differ in how much of it they leave to chance.")
    if rec.get("stated") and rec["stated"] != best["model"]:
        st = next((r for r in models if r["model"] == rec["stated"]), None)
        if st is not None and st["log_likelihood"] is not None:
            lines.append(f"The stated policies ({rec['stated']}) have Akaike weight {st['akaike_weight']:.2f}.")
    chk = rec.get("check")
    if chk:
        lines.append("")
        lines.append(
            f"Posterior predictive check: under the best model, with its fitted noise, "
            f"{fmt_percent(chk['share_inside_band'])} of the reported rungs lie inside the middle 80% of the model's "
            f"crises still running at that move, and the model gives P(war) = {fmt_percent(chk['p_war_by_end'])} by the "
            f"move the record ends ({EVIDENCE_FIGURES['posterior_predictive']}).")
        if chk.get("band_width") is not None and chk["band_width"] >= 4:
            lines.append(f"That band spans {chk['band_width']:.1f} rungs on average, so the check is weak here: a model "
                         "this noisy can reproduce almost any sequence.")
    lines.append("")
    lines.append(
        "Caveat: one crisis is not a data set. A handful of moves, read from contested reports onto an "
        "illustrative ladder, can rule a rule out (a likelihood of zero) or rank rules weakly; it cannot "
        "show what either government intended. The table is in " + rec["table"] + ".")
    if chk:
        lines += [""] + figure_notes(EVIDENCE_FIGURES, {
            "posterior_predictive": "the best-fitting model's crises, move by move, with its fitted noise (shading: "
                                    "the share of the model's crises still running that are at each rung; black: "
                                    "their mean rung), and the reported sequence over it (magenta squares)."})
    return "\n".join(lines)
