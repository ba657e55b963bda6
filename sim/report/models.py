"""Run the analytic models of a run's ``models:`` block and describe them in words.

:func:`run_models` takes the validated blocks of :func:`sim.config.models.validate_models`,
calls the kernels (:mod:`sim.crisis`, :mod:`sim.crisis.dynamics`, :mod:`sim.equilibria.logit_qre`, and, where
present, :mod:`sim.crisis.escalation` and :mod:`sim.crisis.bargaining`), saves one figure per model in
``figures/`` and returns a JSON-able summary; :func:`models_markdown` turns the summary
into the "Crisis models" section of ``summary.md``.  Every number in the text comes from
the summary, so ``summary.json``, ``summary.md`` and the figures agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from sim.viz import models as plots_models
from sim.crisis.brinkmanship import OUTCOMES as DETERRENCE_OUTCOMES
from sim.crisis.brinkmanship import brinkmanship_window, unilateral_deterrence
from sim.crisis.dynamics import (richardson_equilibrium, richardson_phase_portrait, richardson_stability,
                       richardson_trajectory)
from sim.viz.style import save
from sim.equilibria.logit_qre import trace
from sim.viz.qre import plot_correspondence
from sim.wording import DISCLAIMER, figure_guide, fmt_number, fmt_percent

__all__ = ["MODEL_FIGURES", "run_models", "models_markdown"]

#: Figure files of each model, relative to the run directory.
MODEL_FIGURES = {
    "brinkmanship": "figures/brinkmanship_window.png",
    "richardson": "figures/richardson_phase.png",
    "richardson_time": "figures/richardson_time.png",
    "qre": "figures/qre_correspondence.png",
    "tying_hands": "figures/tying_hands.png",
    "deterrence": "figures/deterrence_tree.png",
    "escalation": "figures/escalation_tree.png",
    "tree": "figures/tree.png",
}

_TIE = "Some side is exactly indifferent at some step, so other outcomes are equally rational."

_ESCALATION_WORDS = {
    "SQ": "the status quo holds: the Challenger does not initiate",
    "DC": "the Challenger initiates and the Defender concedes",
    "DD": "limited conflict: the Defender responds in kind and neither side escalates further",
    "ED": "the Challenger escalates and the Defender does not follow",
    "DE": "the Defender escalates and the Challenger does not follow",
    "EE": "all-out conflict: both sides escalate",
}

_DETERRENCE_WORDS = {
    "SQ": "the status quo holds: the Challenger makes no demand",
    "DC": "the Defender concedes to the Challenger's demand",
    "CB": "the Defender denies the demand and the Challenger backs down",
    "CF": "the Defender denies the demand and the Challenger fights: conflict",
}


def _other(sides: Sequence[str], side: str) -> str:
    return sides[1] if side == sides[0] else sides[0]


def _brinkmanship(p: Mapping[str, Any], sides: Sequence[str], out_dir: Path) -> dict:
    ch = p["challenger"]
    de = _other(sides, ch)
    w = brinkmanship_window(p["value"], p["war_cost_challenger"], p["war_cost_defender"], p["defender_value"])
    risk = p.get("risk")
    save(plots_models.brinkmanship_figure(dict(p), challenger=ch, defender=de), out_dir / MODEL_FIGURES["brinkmanship"])
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
    save(richardson_phase_portrait(coef, xlim=lim, ylim=lim, t_max=p["t_max"], sides=sides, units=p["units"]),
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
    scale = max(float(np.ptp(game.A)), float(np.ptp(game.B)), 1e-12)
    tr = trace((np.asarray(game.A) / scale, np.asarray(game.B) / scale), lams)
    fig = plot_correspondence(tr, sides=sides, labels_a=game.labels_a, labels_b=game.labels_b)
    fig.axes[0].set_xlabel("precision lambda (per payoff range)")
    fig.axes[1].set_xlabel("precision lambda (per payoff range)")
    save(fig, out_dir / MODEL_FIGURES["qre"])
    every = None
    if game.n_actions == (2, 2):  # all logit QRE at lambda_max, not only the branch from random play
        from sim.equilibria.logit_qre import qre_2x2_all

        every = [{sides[0]: q.x.tolist(), sides[1]: q.y.tolist()}
                 for q in qre_2x2_all((np.asarray(game.A) / scale, np.asarray(game.B) / scale), p["lambda_max"])]
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
    save(tying_hands_figure(curve, title=f"Tying hands: {de}'s public threat and its audience cost"),
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


def _brinkmanship_md(s: Mapping[str, Any]) -> list[str]:
    ch, de = s["challenger"], s["defender"]
    lines = ["### Brinkmanship: how much risk works (Schelling 1960; Powell 1990)", "",
             f"{ch} presses a demand by running a shared risk of war that neither side fully controls. "
             f"A risk is *effective* if {de} would rather concede than run it: here any risk of at least "
             f"{fmt_percent(s['r_min'])} per confrontation. It is *acceptable* if {ch} would rather run it than "
             f"back down: here at most {fmt_percent(s['r_max'])}."]
    if s["window_exists"] and fmt_percent(s["r_min"]) == fmt_percent(s["r_max"]):
        lines.append(f"The two resolves are (nearly) equal, so only a risk of about {fmt_percent(s['r_min'])} "
                     "both works and is worth running: a knife-edge.")
    elif s["window_exists"]:
        lines.append(f"So risks between {fmt_percent(s['r_min'])} and {fmt_percent(s['r_max'])} both work and "
                     f"are worth running: with these stakes the Challenger ({ch}) has the greater resolve, and in "
                     "this model brinkmanship favours the side with the greater resolve.")
    else:
        lines.append(f"No risk is both effective and acceptable: with these stakes the Defender ({de}) has the "
                     f"greater resolve, so any risk large enough to move {de} costs {ch} more than backing down.")
    if s.get("risk") is not None:
        verdict = "inside" if s["risk_in_window"] else "outside"
        lines.append(f"The scenario's reading of the risk actually run, {fmt_percent(s['risk'])}, lies {verdict} "
                     "the window.")
    return lines + [""]


def _richardson_md(s: Mapping[str, Any], sides: Sequence[str]) -> list[str]:
    p = s["parameters"]
    lines = ["### Arms race (Richardson 1960)", "",
             f"Each side builds arms in reaction to the other's arms (reaction k = {fmt_number(p['k'])} for "
             f"{sides[0]}, l = {fmt_number(p['l'])} for {sides[1]}), is held back by the cost of its own "
             f"(a = {fmt_number(p['a'])}, b = {fmt_number(p['b'])}), and has standing grievances "
             f"(g = {fmt_number(p['g'])}, h = {fmt_number(p['h'])})."]
    if s["stable"] and s["equilibrium"] is not None:
        x, y = s["equilibrium"]
        lines.append(f"Restraint outweighs reaction (a·b = {fmt_number(p['a'] * p['b'])} > "
                     f"k·l = {fmt_number(p['k'] * p['l'])}), so the race levels off: {sides[0]} at {fmt_number(x)} "
                     f"and {sides[1]} at {fmt_number(y)} ({p['units']}), whatever the starting levels.")
    else:
        lines.append(f"Reaction outweighs restraint (a·b = {fmt_number(p['a'] * p['b'])} <= "
                     f"k·l = {fmt_number(p['k'] * p['l'])}), so there is no stable level: from most starting points "
                     "the race runs away (or collapses towards disarmament).")
    lines.append(f"From the start ({fmt_number(p['start'][0])}, {fmt_number(p['start'][1])}) the levels after "
                 f"{fmt_number(s['t_max'])} time units are {fmt_number(s['end'][0])} and {fmt_number(s['end'][1])}.")
    return lines + [""]


def _deterrence_md(s: Mapping[str, Any]) -> list[str]:
    ch, de = s["challenger"], s["defender"]
    lines = ["### Deterrence with complete information (Zagare and Kilgour 2000)", "",
             f"{ch} may demand a change; {de} may concede or deny; if denied, {ch} backs down or fights. "
             f"With the payoffs set in the scenario (an illustration, not a measurement), "
             f"{ch} is {'Hard' if s['challenger_hard'] else 'Soft'} (it {'prefers' if s['challenger_hard'] else 'does not prefer'} "
             f"fighting to backing down) and {de} is {'Hard' if s['defender_hard'] else 'Soft'} "
             f"(it {'prefers' if s['defender_hard'] else 'does not prefer'} conflict to conceding).",
             f"Solving backwards, the outcome is **{s['outcome']}**: {_DETERRENCE_WORDS[s['outcome']]}."]
    if s["tie"]:
        lines.append(_TIE)
    return lines + [""]


def _path_md(path: Sequence[Mapping[str, Any]]) -> str:
    steps = [f"{st['mover']} chooses *{st['move'].replace('_', ' ')}*" if st["mover"] != "chance"
             else f"chance: *{st['move'].replace('_', ' ')}* (probability {fmt_percent(st['probability'])})"
             for st in path]
    return "; then ".join(steps) if steps else "no move"


def _escalation_md(s: Mapping[str, Any]) -> list[str]:
    ch, de = s["challenger"], s["defender"]
    lines = ["### Asymmetric escalation with complete information (Zagare and Kilgour 2000)", "",
             f"{ch} may initiate; {de} may concede, respond in kind, or escalate; each side can then escalate or "
             f"counter-escalate. With the payoffs set in the scenario (an illustration, not a measurement), "
             f"{ch} is {s['challenger_type']} (it {'prefers' if s['challenger_type'] == 'Hard' else 'does not prefer'} "
             f"all-out conflict to being escalated against without answering); {de} is {s['defender_type']} "
             "(tactical/strategic: whether it prefers a limited fight to conceding, and all-out conflict to "
             "leaving an escalation unanswered).",
             f"Solving backwards, the outcome is **{s['outcome']}**: {_ESCALATION_WORDS[s['outcome']]}. "
             f"Equilibrium path: {_path_md(s['path'])}."]
    if s["tie"]:
        lines.append(_TIE)
    return lines + [""]


def _tree_md(s: Mapping[str, Any]) -> list[str]:
    ends = ", ".join(f"{t} ({fmt_percent(p)})" for t, p in s["outcomes"].items())
    values = ", ".join(f"{who} {fmt_number(v)}" for who, v in s["value"].items())
    lines = [f"### {s['title']} (game tree, solved backwards)", "",
             f"Subgame-perfect play: {_path_md(s['path'])}.",
             f"Outcome: {ends}; expected payoffs: {values}."]
    if s["tie"]:
        lines.append("Some player is exactly indifferent at some node (the first listed move was taken).")
    return lines + [""]


def _qre_md(s: Mapping[str, Any], sides: Sequence[str]) -> list[str]:
    lines = ["### Bounded rationality: logit quantal response (McKelvey and Palfrey 1995)", "",
             "With noisy best responses each side plays every option with a probability that grows with its "
             "payoff; the precision lambda runs from pure noise (0) towards full rationality."]
    for side in sides:
        probs = s["at_lambda_1"][side]
        lines.append(f"At lambda = 1 (per payoff range) {side} chooses its most escalatory option "
                     f"(\"{s['top_option'][side]}\") with probability {fmt_percent(probs[-1])}; at lambda = "
                     f"{fmt_number(s['lambda_max'])}, {fmt_percent(s['at_lambda_max'][side][-1])}.")
    every = s.get("all_at_lambda_max") or []
    if len(every) > 1:
        alts = "; ".join(", ".join(f"{side} {fmt_percent(q[side][-1])}" for side in sides) for q in every)
        lines.append(f"At lambda = {fmt_number(s['lambda_max'])} the game has {len(every)} logit equilibria "
                     f"(probability of the most escalatory option: {alts}); the figure and the numbers above follow "
                     "the one reached continuously from random play.")
    return lines + [""]


def _tying_hands_md(s: Mapping[str, Any]) -> list[str]:
    de, ch = s["defender"], s["challenger"]
    p = s["parameters"]
    lines = ["### Tying hands: threats, bluffs and audience costs (Fearon 1994, 1997)", "",
             f"{ch} does not know whether {de} is resolved (prepared to fight; prior {fmt_percent(p['prior'])}). "
             f"{de} can make a public threat; backing down after it costs an audience cost of "
             f"{fmt_number(p['audience_cost'])} (in units where prevailing is worth 1). {ch} then presses or "
             "backs down.",
             f"Equilibrium: {s['equilibrium_label']}."]
    if s["p_threat"] is not None:
        lines.append(f"{de} threatens with probability {fmt_percent(s['p_threat'])}; an unresolved {de} bluffs with "
                     f"probability {fmt_percent(s['bluff'] or 0.0)}; after a threat {ch} presses with probability "
                     f"{fmt_percent(s['press'] or 0.0)}; the chance of war is {fmt_percent(s['p_war'] or 0.0)}.")
    lines.append(f"An audience cost above {fmt_number(s['commitment_threshold'])} commits even an unresolved {de} to "
                 "fight, so its threats become fully credible and bluffing disappears.")
    if s["tie"]:
        lines.append("These parameters sit on a boundary between equilibrium types; more than one outcome is "
                     "consistent with rational play.")
    return lines + [""]


#: How to read each model's figures (figure key -> text), in the order the sections appear.
_GUIDE: dict[str, tuple[tuple[str, str], ...]] = {
    "brinkmanship": (("brinkmanship", "left, the risks of war that would make the Defender concede (blue), those the "
                      "Challenger would run (orange) and their overlap, the window (green); right, how the window "
                      "moves as the Challenger's stake grows."),),
    "richardson": (("richardson", "each axis is one side's arms; grey arrows show where the race moves from each "
                    "point, coloured lines are where one side stops changing, black lines are example races, the "
                    "big dot is the equilibrium (filled if stable)."),
                   ("richardson_time", "both sides' arms over time from the scenario's start; dashed lines are the "
                    "levels where the race settles if it is stable.")),
    "deterrence": (("deterrence", "the deterrence game as a tree, read from the left; thick edges are the moves "
                    "actually played in equilibrium, dashed edges what a side would do at points that are not "
                    "reached; each end shows the outcome and both sides' payoffs."),),
    "escalation": (("escalation", "the asymmetric escalation game as a tree; thick edges are the equilibrium path, "
                    "dashed edges the planned moves off the path, each end the outcome and payoffs (Challenger, "
                    "Defender)."),),
    "tree": (("tree", "the scenario's escalation tree; thick edges are the equilibrium path, dashed edges planned "
              "moves off the path, chance branches carry their probabilities."),),
    "tying_hands": (("tying_hands", "how the equilibrium changes with the audience cost (horizontal axis): the "
                     "bluffing probability, the probability the other side presses, the chance of war; shaded bands "
                     "mark the type of equilibrium."),),
    "qre": (("qre", "each line is the probability of one option as the precision lambda grows (log scale); at the "
             "left play is random, at the right it approaches a Nash equilibrium."),),
}


def models_markdown(summary: Mapping[str, Any], sides: Sequence[str]) -> str:
    """The "Crisis models" section of ``summary.md`` (empty string if no model ran)."""
    if not summary:
        return ""
    sections = {"brinkmanship": lambda s: _brinkmanship_md(s), "richardson": lambda s: _richardson_md(s, sides),
                "deterrence": lambda s: _deterrence_md(s), "escalation": lambda s: _escalation_md(s),
                "tree": lambda s: _tree_md(s), "tying_hands": lambda s: _tying_hands_md(s),
                "qre": lambda s: _qre_md(s, sides)}
    lines = ["## Crisis models", ""]
    read = []
    for model, section in sections.items():
        if model in summary:
            lines += section(summary[model])
            read += [f"`{MODEL_FIGURES[key]}`: {text}" for key, text in _GUIDE[model]]
    return "\n".join(lines + figure_guide(read) + [DISCLAIMER])
