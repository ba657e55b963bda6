"""Run the analytic models of a run's ``models:`` block: numbers and figures.

:func:`run_models` takes the validated blocks of :func:`sim.config.models.validate_models`,
calls the kernels (:mod:`sim.crisis`, :mod:`sim.crisis.dynamics`, :mod:`sim.equilibria.logit_qre`, and, where
present, :mod:`sim.crisis.escalation` and :mod:`sim.crisis.bargaining`), saves one figure per model in
``figures/`` (:data:`MODEL_FIGURES`) and returns a JSON-able summary.
:func:`models_markdown` (defined in :mod:`sim.report.models_text`, importable from here)
turns the summary into the "Crisis models" section of ``summary.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from sim.viz import models as plots_models
from sim.crisis.brinkmanship import OUTCOMES as DETERRENCE_OUTCOMES
from sim.crisis.brinkmanship import brinkmanship_window, unilateral_deterrence
from sim.crisis import (richardson_equilibrium, richardson_phase, richardson_stability,
                       richardson_trajectory)
from sim.report.models_text import MODEL_FIGURES
from sim.viz.style import save
from sim.equilibria import trace
from sim.viz.qre import plot_correspondence
from sim.games import payoff_matrices

__all__ = ["run_models"]


def _other(sides: Sequence[str], side: str) -> str:
    return sides[1] if side == sides[0] else sides[0]


def _brinkmanship(p: Mapping[str, Any], sides: Sequence[str], out_dir: Path) -> dict:
    ch = p["challenger"]
    de = _other(sides, ch)
    w = brinkmanship_window(p["value"], p["war_cost_challenger"], p["war_cost_defender"], p["defender_value"])
    risk = p.get("risk")
    stakes = np.linspace(0.0, 3.0 * max(p["value"], 1e-9), 301)  # the stake from 0 to three times its value
    curve = brinkmanship_window(stakes, p["war_cost_challenger"], p["war_cost_defender"], p["defender_value"])
    save(plots_models.brinkmanship_figure(w, stakes, curve, value=p["value"], risk=p.get("risk"), challenger=ch,
                                          defender=de), out_dir / MODEL_FIGURES["brinkmanship"])
    return {"challenger": ch, "defender": de, "parameters": dict(p), "r_min": float(w.r_min),
            "r_max": float(w.r_max), "window_exists": bool(w.exists),
            "risk": risk, "risk_in_window": None if risk is None else bool(w.contains(risk))}


def _richardson(p: Mapping[str, Any], sides: Sequence[str], out_dir: Path) -> dict:
    coef = {k: p[k] for k in ("k", "l", "a", "b", "g", "h")}
    stab = richardson_stability(**coef)
    singular = abs(float(stab.determinant)) <= 1e-12 * max(abs(p["a"] * p["b"]), abs(p["k"] * p["l"]), 1e-300)
    eq = None if singular else tuple(float(v) for v in richardson_equilibrium(**coef))
    traj = richardson_trajectory(coef, p["start"], p["t_max"], 301)
    stable = bool(stab.stable)
    lim = None
    if eq is not None and stable:
        hi = 1.6 * max(eq[0], eq[1], *p["start"], 1e-9)
        lim = (0.0, hi)
    save(plots_models.richardson_phase_figure(richardson_phase(coef, xlim=lim, ylim=lim, t_max=p["t_max"]),
                                              sides=sides, units=p["units"]),
         out_dir / MODEL_FIGURES["richardson"])
    save(plots_models.richardson_time_figure(traj, eq if stable else None, sides=sides, units=p["units"]),
         out_dir / MODEL_FIGURES["richardson_time"])
    return {"parameters": dict(p), "equilibrium": eq, "stable": stable,
            "determinant": float(stab.determinant),
            "eigenvalues": [complex(v).real for v in np.ravel(stab.eigenvalues)],
            "end": [float(traj.x[..., -1]), float(traj.y[..., -1])], "t_max": p["t_max"]}


def _point(sol):
    return sol.at(()) if sol.shape else sol


def _path(sol, names: Mapping[str, str]) -> list[dict]:
    return [{"node": n, "mover": names.get(who, who), "move": m, "probability": float(p)}
            for n, who, m, p in _point(sol).path()]


def _draw_tree(sol, names: Mapping[str, str], title: str, out_dir: Path, key: str) -> None:
    from sim.viz.tree import tree_figure

    save(tree_figure(sol.tree, _point(sol), title=title, player_names=dict(names)), out_dir / MODEL_FIGURES[key])


def _deterrence(p: Mapping[str, Any], sides: Sequence[str], out_dir: Path) -> dict:
    from sim.crisis.escalation import solve_unilateral

    res = unilateral_deterrence(p["challenger"], p["defender"])
    ch = p["challenger_side"]
    names = {"Challenger": ch, "Defender": _other(sides, ch)}
    _draw_tree(solve_unilateral(p["challenger"], p["defender"]), names,
               f"Deterrence: {ch} challenges, {names['Defender']} defends", out_dir, "deterrence")
    outcome = DETERRENCE_OUTCOMES[int(res.outcome)]
    return {"challenger": ch, "defender": _other(sides, ch), "outcome": outcome,
            "challenger_hard": bool(res.challenger_hard), "defender_hard": bool(res.defender_hard),
            "challenger_demands": bool(res.challenger_demands), "defender_denies": bool(res.defender_denies),
            "challenger_fights": bool(res.challenger_fights), "tie": bool(res.tie),
            "payoffs": {"challenger": dict(p["challenger"]), "defender": dict(p["defender"])}}


def _escalation(p: Mapping[str, Any], sides: Sequence[str], out_dir: Path) -> dict:
    from sim.crisis.escalation import asymmetric_escalation

    res = asymmetric_escalation(p["challenger"], p["defender"])
    ch = p["challenger_side"]
    names = {"Challenger": ch, "Defender": _other(sides, ch)}
    _draw_tree(res.solution, names, f"Asymmetric escalation: {ch} challenges, {names['Defender']} defends",
               out_dir, "escalation")
    return {"challenger": ch, "defender": names["Defender"], "outcome": str(res.outcome_labels()),
            "challenger_type": str(res.challenger_type()), "defender_type": str(res.defender_type()),
            "tie": bool(res.tie), "path": _path(res.solution, names),
            "payoffs": {"challenger": dict(p["challenger"]), "defender": dict(p["defender"])}}


def _tree(p: Mapping[str, Any], out_dir: Path) -> dict:
    from sim.crisis.trees import Tree, solve

    tree = Tree.from_spec(p["spec"], field="models.tree")
    sol = solve(tree)
    names = {pl: p["roles"].get(pl, pl) for pl in tree.players}
    _draw_tree(sol, names, p["title"], out_dir, "tree")
    point = _point(sol)
    reach = {t: float(point.reach[t]) for t in tree.terminals if float(point.reach[t]) > 0}
    return {"title": p["title"], "players": [names[pl] for pl in tree.players], "path": _path(sol, names),
            "outcomes": reach, "value": dict(zip([names[pl] for pl in tree.players],
                                                 np.asarray(point.value, float).tolist())),
            "tie": bool(point.tie)}


def _qre(p: Mapping[str, Any], game, sides: Sequence[str], out_dir: Path) -> dict:
    lams = np.concatenate([[0.0], np.logspace(-2, np.log10(p["lambda_max"]), 120)])
    A, B = payoff_matrices(game)
    scale = max(float(np.ptp(A)), float(np.ptp(B)), 1e-12)
    tr = trace((A / scale, B / scale), lams)
    fig = plot_correspondence(tr, sides=sides, labels_a=game.labels_a, labels_b=game.labels_b)
    fig.axes[0].set_xlabel("precision lambda (per payoff range)")
    fig.axes[1].set_xlabel("precision lambda (per payoff range)")
    save(fig, out_dir / MODEL_FIGURES["qre"])
    every = None
    if game.n_actions == (2, 2):  # all logit QRE at lambda_max, not only the branch from random play
        from sim.equilibria.logit_qre import qre_2x2_all

        every = [{sides[0]: q.x.tolist(), sides[1]: q.y.tolist()}
                 for q in qre_2x2_all((A / scale, B / scale), p["lambda_max"])]
    return {"lambda_max": p["lambda_max"], "payoff_scale": scale, "all_at_lambda_max": every,
            "top_option": {sides[0]: str(game.labels_a[-1]), sides[1]: str(game.labels_b[-1])},
            "at_lambda_max": {sides[0]: tr.x[-1].tolist(), sides[1]: tr.y[-1].tolist()},
            "at_lambda_1": {sides[0]: tr.x[np.searchsorted(lams, 1.0)].tolist(),
                            sides[1]: tr.y[np.searchsorted(lams, 1.0)].tolist()}}


def _tying_hands(p: Mapping[str, Any], sides: Sequence[str], out_dir: Path) -> dict:
    from sim.crisis.bargaining import CODES, LABELS, PARAMS, tying_hands_curve, tying_hands_from_params
    from sim.viz.bargaining import tying_hands_figure

    res = tying_hands_from_params(p["params"])
    de = p["defender"]
    params = {k: p["params"].get(k, d) for k, (d, _) in PARAMS.items()}
    curve = tying_hands_curve("audience_cost", **{k: v for k, v in params.items() if k != "audience_cost"})
    save(tying_hands_figure(curve, title=f"Tying hands: {de}'s public threat and its audience cost",
                            point=params["audience_cost"], point_label=f"this scenario ({de}'s audience cost)"),
         out_dir / MODEL_FIGURES["tying_hands"])
    code = int(res.primary("code"))
    out = {"defender": de, "challenger": _other(sides, de), "parameters": params,
           "equilibrium": CODES[code], "equilibrium_label": LABELS[code],
           "n_equilibria": int(res.n_equilibria), "tie": bool(res.tie),
           "cutoff_belief": float(res.cutoff), "commitment_threshold": float(res.commitment_threshold)}
    for name in ("bluff", "press", "posterior", "p_threat", "p_war", "p_challenger_backs_down", "p_bluff_called",
                 "payoff_defender", "payoff_challenger"):
        value = float(res.primary(name))
        out[name] = None if not np.isfinite(value) else value
    return out


def run_models(models: Mapping[str, Mapping[str, Any]], *, sides: Sequence[str], game, out_dir: Path) -> dict:
    """Solve every block of ``models`` and save its figures under ``out_dir/figures``.

    ``game`` is the run's stage game (used by ``qre``).  Returns ``{model: summary}``.
    """
    out_dir = Path(out_dir)
    out: dict[str, Any] = {}
    if "brinkmanship" in models:
        out["brinkmanship"] = _brinkmanship(models["brinkmanship"], sides, out_dir)
    if "richardson" in models:
        out["richardson"] = _richardson(models["richardson"], sides, out_dir)
    if "deterrence" in models:
        out["deterrence"] = _deterrence(models["deterrence"], sides, out_dir)
    if "escalation" in models:
        out["escalation"] = _escalation(models["escalation"], sides, out_dir)
    if "tree" in models:
        out["tree"] = _tree(models["tree"], out_dir)
    if "tying_hands" in models:
        out["tying_hands"] = _tying_hands(models["tying_hands"], sides, out_dir)
    if "qre" in models and not game.is_batch:
        out["qre"] = _qre(models["qre"], game, sides, out_dir)
    return out
