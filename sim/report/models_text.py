"""The analytic crisis models in words: the "Crisis models" section of ``summary.md``.

:func:`models_markdown` turns the JSON-able summary of :func:`sim.report.models.run_models`
into plain-language paragraphs, one per model, with a "How to read the figures" list for
the figure files in :data:`MODEL_FIGURES`.  Every number in the text comes from the summary,
so ``summary.json``, ``summary.md`` and the figures agree.  Nothing here computes.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from sim.wording import DISCLAIMER, figure_guide, fmt_number, fmt_percent

__all__ = ["MODEL_FIGURES", "TYING_HANDS_PLAIN", "models_markdown"]

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
                     f"are worth running. With these stakes, which are assumed for illustration and not measured, "
                     f"the Challenger ({ch}) has the greater resolve (it would accept a larger risk of war than "
                     f"{de}), and in this model brinkmanship favours the side with the greater resolve.")
    else:
        lines.append(f"No risk is both effective and acceptable. With these stakes, which are assumed for illustration "
                     f"and not measured, the Defender ({de}) has the greater resolve, so any risk large enough to "
                     f"move {de} costs {ch} more than backing down.")
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


#: One plain sentence per equilibrium type of the tying-hands game (sim.crisis.bargaining.CODES), for
#: summary.md and explorer.html's audience-cost panel (sim.report.explorer).
TYING_HANDS_PLAIN = {
    "separating": "only a resolved {de} threatens, so a threat reveals that it would fight and {ch} backs down.",
    "semi_separating": "a resolved {de} always threatens and an unresolved one sometimes bluffs, so a threat makes "
                       "{ch} more wary without settling its doubt, and {ch} presses only some of the time.",
    "pooling_deterred": "both kinds of {de} threaten, so a threat tells {ch} nothing, and {ch} backs down: bluffs succeed.",
    "pooling_pressed": "both kinds of {de} threaten, so a threat tells {ch} nothing, and {ch} presses anyway.",
    "committed": "the audience cost makes even an unresolved {de} fight rather than back down, so every threat is "
                 "real and {ch} backs down.",
}


def _tying_hands_md(s: Mapping[str, Any]) -> list[str]:
    de, ch = s["defender"], s["challenger"]
    p = s["parameters"]
    lines = ["### Tying hands: threats, bluffs and audience costs (Fearon 1994, 1997)", "",
             f"{ch} does not know whether {de} is resolved (prepared to fight; prior {fmt_percent(p['prior'])}). "
             f"{de} can make a public threat; backing down after it costs an audience cost of "
             f"{fmt_number(p['audience_cost'])} (in units where prevailing is worth 1). {ch} then presses or "
             "backs down.",
             f"The equilibrium (perfect Bayesian) is of the *{s['equilibrium_label'].split(':')[0]}* type. In plain words: "
             + TYING_HANDS_PLAIN.get(s["equilibrium"], "").format(de=de, ch=ch)]
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
