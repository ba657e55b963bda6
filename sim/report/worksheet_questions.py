"""The questions of a run's worksheet and their answer key, computed from the run's summary.

:func:`worksheet_questions` reads the summary dict that ``experiments/run.py`` writes to
``summary.json`` (the library's numbers) and returns the questions a student can answer from
that run's ``report.html``, each with the answer a teacher checks against.  Only parts the run
computed are asked: a 2 x 2 classroom game without a crisis gets the stage-game questions;
the India-Pakistan scenario gets the case, the game, the crisis, credibility, the equilibrium
of the dynamic game, the evidence fit, parameter uncertainty and the crisis models.

Every number in an answer is the summary's number, formatted as summary.md formats it
(:func:`sim.wording.fmt_number`, :func:`sim.wording.fmt_percent`); payoffs are marked
illustrative.  The layout (markdown and print HTML) is :mod:`sim.report.worksheet`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from sim.report.stage_text import _date_text
from sim.wording import fmt_number, fmt_percent, join_words, param_label, strategy_label

__all__ = ["Question", "worksheet_questions"]


@dataclass(frozen=True)
class Question:
    """One worksheet question.

    ``part``: the heading it sits under; ``text``: the question (markdown inline syntax);
    ``answer``: the answer key (markdown inline syntax, numbers from the run); ``figure``: the
    file name under ``figures/`` the question points at, or None; ``lines``: answer lines on the
    printed sheet."""

    part: str
    text: str
    answer: str
    figure: str | None = None
    lines: int = 3


def _rung_words(labels: Sequence[str], k: int) -> str:
    return f"rung {k} ({labels[k]})" if 0 <= k < len(labels) else f"rung {k}"


def _case(s: Mapping[str, Any]) -> list[Question]:
    scen = s.get("scenario") or {}
    phases, sides = scen.get("phases") or [], list(scen.get("sides") or [])
    if not phases or len(sides) != 2:
        return []
    part = "The case, as each side reported it"
    contested = [f"{_date_text(p)}: {join_words(list(p['contested']))}" for p in phases if p.get("contested")]
    out = [Question(part, "In the phase table (and `figures/timeline.png`), which rungs rest on one side's claim "
                          "that the other disputes (marked contested)? Give the date and the side.",
                    ("Contested: " + "; ".join(contested) + ".") if contested else
                    "None: every rung in this scenario's table is marked as undisputed.",
                    figure="timeline.png")]
    peaks = []
    for side in sides:
        seen = [(p["rungs"][side], _date_text(p)) for p in phases if p.get("rungs", {}).get(side) is not None]
        if seen:
            top = max(r for r, _ in seen)
            peaks.append(f"{side}: rung {top}, on {join_words([d for r, d in seen if r == top])}")
    if peaks:
        out.append(Question(part, "What is the highest rung each side reached, as reported, and when?",
                            "; ".join(peaks) + " (the rung numbers are the scenario's reading of the reports, "
                                               "not official designations).", figure="timeline.png", lines=2))
    out.append(Question(part, f"Why does the table say \"{sides[0]} said\" and \"{sides[1]} said\" rather than "
                              f"\"{sides[0]} did\"?",
                        "Many events rest on one government's account and are disputed by the other; the table "
                        "attributes each claim to the side that made it, with its source, and takes no side.",
                        lines=2))
    return out


def _equilibrium_words(eq: Mapping[str, Any], sides: Sequence[str], labels: tuple[Sequence[str], Sequence[str]]) -> str:
    pays = f"{sides[0]} gets {fmt_number(eq['payoff_a'])} and {sides[1]} {fmt_number(eq['payoff_b'])}"
    if eq.get("kind") == "pure":
        ra, rb = eq["support_a_rungs"][0], eq["support_b_rungs"][0]
        if len(labels[0]) > 2:  # a ladder: rungs
            where = (f"both sides at {_rung_words(labels[0], ra)}" if ra == rb else
                     f"{sides[0]} at {_rung_words(labels[0], ra)} and {sides[1]} at {_rung_words(labels[1], rb)}")
        else:
            where = f"{sides[0]} plays {labels[0][ra]} and {sides[1]} {labels[1][rb]}"
        return f"{where}: {pays}"
    mix = []
    for side, probs, lab in zip(sides, (eq["x"], eq["y"]), labels):
        parts = [f"{lab[i]} {fmt_percent(p)}" for i, p in enumerate(probs) if p > 0]
        mix.append(f"{side} mixes {join_words(parts)}")
    return f"{'; '.join(mix)}: {pays} on average"


def _game(s: Mapping[str, Any]) -> list[Question]:
    game, eqs = s.get("game") or {}, s.get("equilibria") or []
    if not game or not eqs:
        return []
    part = "One round as a game"
    sides = game["sides"]
    labels = (game["labels_a"], game["labels_b"])
    words = [f"E{e['index']}: " + _equilibrium_words(e, sides, labels) for e in eqs]
    n = len(eqs)
    out = [Question(part, "Find the Nash equilibrium (or equilibria) of one round in `figures/payoff_matrix.png`. "
                          "What does each side play, and what does each get (illustrative payoffs)?",
                    ("The only equilibrium: " if n == 1 else f"{n} equilibria: ") + "; ".join(words) + ".",
                    figure="payoff_matrix.png")]
    better = [e for e in eqs if e.get("both_better_at")]
    if better:
        e = better[0]
        bb = e["both_better_at"]
        ra, rb = bb["rungs"]
        where = (f"both at {_rung_words(labels[0], ra)}" if len(labels[0]) > 2 and ra == rb else
                 f"{sides[0]} at {labels[0][ra]} and {sides[1]} at {labels[1][rb]}")
        ans = (f"Yes: with {where}, {sides[0]} would get {fmt_number(bb['payoff_a'])} and {sides[1]} "
               f"{fmt_number(bb['payoff_b'])}, more than in E{e['index']}; but neither can get there by changing only "
               f"its own choice, so neither does (the security dilemma).")
    else:
        ans = "No: no pair of choices gives both sides more than an equilibrium does."
    out.append(Question(part, "Is there a pair of choices where both sides would be better off than in the "
                              "equilibrium? If so, why don't they go there?", ans, figure="payoff_matrix.png"))
    m = s.get("map")
    if m and m.get("regime_at_point"):
        level = m.get("level_at_point")
        out.append(Question(part, "On the equilibrium map (`figures/equilibrium_map.png`), in which region does the "
                                  "scenario (the star) lie, and what is the mean equilibrium rung there?",
                            f"In the region '{m['regime_labels'].get(m['regime_at_point'], m['regime_at_point'])}'"
                            + (f", with mean equilibrium rung {fmt_number(level)}." if level is not None else ".")
                            + f" The map varies {m['x_label'].split(' (')[0].lower()} and "
                              f"{m['y_label'].split(' (')[0].lower()}.", figure="equilibrium_map.png", lines=2))
    return out


def _pair_words(pair: Mapping[str, Any], sides: Sequence[str]) -> str:
    """``"India plays graduated response, Pakistan plays conditional de-escalation"``."""
    labels = pair.get("strategy_labels") or {}
    return ", ".join(f"{side} plays {labels.get(side) or strategy_label(pair['strategies'][side])}" for side in sides)


def _crisis(s: Mapping[str, Any]) -> list[Question]:
    c = s.get("crisis")
    if not c:
        return []
    part = "Policies meet: the repeated crisis"
    sides, main = c["sides"], c["pairs"][c["main"]]
    T = main["rounds"]
    plays = _pair_words(main, sides)
    out = [Question(part, f"Under the run's policies ({plays}), what share of crises ends in war within {T} rounds? "
                          f"What share settles, and what share is ended by a third party?",
                    f"War {fmt_percent(main['p_war'])}, settled {fmt_percent(main['p_settled'])}, ended by a third "
                    f"party {fmt_percent(main['p_mediated'])}, still in crisis {fmt_percent(main['p_still_in_crisis'])} "
                    f"(exact, from the Markov chain of the two policies).", figure="outcome_curves.png"),
           Question(part, "How many rounds does such a crisis last on average?",
                    f"{fmt_number(main['expected_rounds'])} rounds.", lines=1)]
    exact = [p for p in c["pairs"].values() if p.get("method") == "exact"]
    if len(exact) >= 2:
        lo = min(exact, key=lambda p: p["p_war"])
        hi = max(exact, key=lambda p: p["p_war"])
        out.append(Question(part, "Of the policy pairs compared, which gives the lowest chance of war, and which "
                                  "the highest?",
                            f"Lowest: {_pair_words(lo, sides)} ({fmt_percent(lo['p_war'])}); highest: "
                            f"{_pair_words(hi, sides)} "
                            f"({fmt_percent(hi['p_war'])}).", figure="compare_outcomes.png", lines=2))
    return out


def _dynamic(s: Mapping[str, Any]) -> list[Question]:
    d = s.get("dynamic") or {}
    out: list[Question] = []
    part = "Is each stated policy in that side's interest?"
    cred = d.get("credibility")
    if cred and cred.get("sides"):
        for side in cred["sides"]:
            other = next(x for x in d["sides"] if x != side["side"])
            verdict = ("Yes: no other way of playing gives it more" if side["is_best_response"] else
                       f"No: its best response gives {fmt_number(side['best_value'])} instead of "
                       f"{fmt_number(side['value'])}, a gain of {fmt_number(side['gain'])}")
            out.append(Question(part, f"Is {side['side']}'s stated rule a best response to {other}'s? What would "
                                      f"{side['side']} gain by playing differently (illustrative payoffs)?",
                                verdict + " (illustrative payoffs).", lines=2))
        out.append(Question(part, "Is the stated pair subgame perfect? Say in one sentence what that means.",
                            ("Yes" if cred["is_subgame_perfect"] else "No") +
                            ": subgame perfect means that carrying out each rule pays in every situation, including "
                            "ones that never arise if both keep to their word"
                            + ("." if cred["is_subgame_perfect"] else
                               "; here at least one side would gain by deviating for a round in some situation."),
                            lines=2))
    mpe = d.get("mpe")
    if mpe and mpe.get("values"):
        vals = mpe["values"]
        top = max(vals, key=vals.get)
        out.append(Question("The equilibrium of the dynamic game",
                            f"In the equilibrium policy of the dynamic game (`figures/equilibrium_trajectory.png`), "
                            f"what is the chance of war within {mpe['rounds']} rounds, and which side does better?",
                            f"War {fmt_percent(mpe['p_war'])}; {top} does better (expected payoffs, illustrative: "
                            + ", ".join(f"{k} {fmt_number(v)}" for k, v in vals.items()) + ").",
                            figure="equilibrium_trajectory.png", lines=2))
    return out


def _evidence(s: Mapping[str, Any]) -> list[Question]:
    e = s.get("evidence")
    if not e or not e.get("models"):
        return []
    best = next(m for m in e["models"] if m["model"] == e["best"])
    noise = best.get("execution_noise")
    crisis = s.get("crisis") or {}
    pair = (crisis.get("pairs") or {}).get(e["best"])  # candidates named like the crisis's pairs: readable words
    name = _pair_words(pair, crisis["sides"]) if pair else e["best"]
    return [Question("Which model explains the record?",
                     "Which pair of policies explains the reported sequence best, with what Akaike weight, and how "
                     "often must a side depart from its rule (the fitted execution noise) for it to fit?",
                     f"{name}: Akaike weight {fmt_number(best['akaike_weight'], 2)}"
                     + (f", fitted noise {fmt_percent(noise)} of moves" if noise is not None else "")
                     + ". One crisis is not a data set: the ranking is weak evidence about any government's intent.",
                     figure="posterior_predictive.png")]


def _uncertainty(s: Mapping[str, Any]) -> list[Question]:
    u = s.get("uncertainty")
    if not u or not u.get("outcomes"):
        return []
    o = u["outcomes"][0]
    level = fmt_percent(u["level"]).rstrip("%")
    top = o.get("top_parameter")
    pct = o["outcome"].startswith("p_")
    low, high = (fmt_percent(o[k]) if pct else fmt_number(o[k]) for k in ("low", "high"))
    return [Question("How sure are the numbers?",
                     f"Over the scenario's illustrative parameter ranges, between which values does "
                     f"{o['label']} lie (middle {level}%), and which parameter matters most?",
                     f"From {low} to {high}"
                     + (f"; {param_label(top, units=False).lower()} matters most (total-order Sobol index "
                        f"{fmt_number(o['top_ST'], 2)})." if top else "."),
                     figure="sensitivity.png", lines=2)]


def _models(s: Mapping[str, Any]) -> list[Question]:
    m = s.get("models") or {}
    out = []
    th = m.get("tying_hands")
    if th and th.get("bluff") is not None:
        p = th["parameters"]
        out.append(Question("Threats and bluffs",
                            f"With an audience cost of {fmt_number(p['audience_cost'])}, how often does an unresolved "
                            f"{th['defender']} bluff, and how often does {th['challenger']} press after a threat? What "
                            f"changes when the audience cost rises above {fmt_number(th['commitment_threshold'])}?",
                            f"It bluffs with probability {fmt_percent(th['bluff'])}; {th['challenger']} presses with "
                            f"probability {fmt_percent(th['press'])}; the chance of war is {fmt_percent(th['p_war'])}. "
                            f"Above {fmt_number(th['commitment_threshold'])} backing down costs more than fighting even "
                            f"for an unresolved {th['defender']}: its threats are no longer bluffs.",
                            figure="tying_hands.png"))
    b = m.get("brinkmanship")
    if b and b.get("r_min") is not None:
        ans = (f"Risks from {fmt_percent(b['r_min'])} to {fmt_percent(b['r_max'])} per confrontation both make "
               f"{b['defender']} concede and are worth running for {b['challenger']}." if b["window_exists"] else
               f"None: a risk large enough to make {b['defender']} concede ({fmt_percent(b['r_min'])} or more) is "
               f"more than {b['challenger']} would run ({fmt_percent(b['r_max'])} at most).")
        out.append(Question("Threats and bluffs",
                            f"Brinkmanship: which risks of war per confrontation would work for {b['challenger']} "
                            f"and be worth running (illustrative stakes)?", ans, figure="brinkmanship_window.png",
                            lines=2))
    return out


def _discussion(s: Mapping[str, Any]) -> list[Question]:
    part = "Discuss"
    out = [Question(part, "Name two things this model leaves out that could change its answers.",
                    "For example: domestic politics, third parties' own interests, nuclear thresholds as more than a "
                    "payoff, learning between crises, and the fact that the payoffs are illustrative.", lines=3)]
    if s.get("crisis"):
        out.append(Question(part, "What would you need to know to set the perception noise (how often a side misreads "
                                  "the other's rung)?",
                            "How often each side's reading of the other's actions was wrong in comparable crises: "
                            "e.g. disputed claims of strikes and losses, and how long they took to be settled.", lines=3))
    return out


def worksheet_questions(summary: Mapping[str, Any]) -> list[Question]:
    """The worksheet's questions, in the order of the report, for whatever the run computed."""
    out: list[Question] = []
    for part in (_case, _game, _crisis, _dynamic, _evidence, _uncertainty, _models, _discussion):
        out += part(summary)
    return out
