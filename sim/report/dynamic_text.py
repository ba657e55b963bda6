"""The "Strategic dynamics" section of ``summary.md``: the summary of
:func:`sim.report.dynamic.run_dynamic` in words a student can follow.

Every payoff number is labelled illustrative (it comes from the scenario's ladder parameters,
chosen for teaching, not measured); each government's statements are quoted as claims with
their source numbers.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from sim.wording import figure_notes, fmt_number, fmt_percent, markdown_cell, strategy_label

__all__ = ["dynamic_markdown", "path_words", "rung_ranges", "EQUILIBRIUM_POLICY", "CREDIBLE"]

#: What an equilibrium policy is, for students (1-2 sentences).
EQUILIBRIUM_POLICY = (
    "An **equilibrium policy** tells each side which rung to play in every situation of the crisis (here: the "
    "rungs both sides stand at and whose move it is), chosen so that, whatever situation arises, neither side "
    "could expect to do better by playing differently while the other keeps to its policy.")
#: What "credible" means here, for students.
CREDIBLE = (
    "A stated policy is **credible** here when it is a **best response** to the other side's stated policy: no "
    "other way of playing would give that side a higher expected payoff. The pair is **subgame perfect** when "
    "this holds in every situation, including ones that never arise if both keep to their word, so that carrying "
    "out a threat or a promise would still pay when the moment came.")

_ILLUSTRATIVE = ("All payoffs here are **illustrative**: they follow from the scenario's ladder parameters (value of "
                 "advantage, damage, costs, war risk and war cost), which are chosen for teaching, not measured.")


def path_words(path: Sequence[Sequence[int]], sides: Sequence[str]) -> str:
    """``[(mover, rung_a, rung_b), ...]`` as words: "India 4, Pakistan 4, India 0, ..." (mover 2: both)."""
    words = []
    for mover, x, y in path:
        if mover == 0:
            words.append(f"{sides[0]} {x}")
        elif mover == 1:
            words.append(f"{sides[1]} {y}")
        else:
            words.append(f"({x}, {y})")
    return ", ".join(words) if words else "(no moves)"


def _stated(s: Mapping[str, Any], sources: Sequence[str]) -> list[str]:
    sides = s["sides"]
    if not s["stated_policies"]:
        a, b = s["strategies"]
        return [f"This scenario records no publicly stated policies; below, the *stated rules* are the policies its "
                f"crisis plays: {sides[0]} *{strategy_label(a)}*, {sides[1]} *{strategy_label(b)}*.", ""]
    lines = ["### What each side said (claims, with sources)", ""]
    for k, side in enumerate(sides):
        pol = s["stated_policies"].get(side)
        if pol is None:
            continue
        refs = ", ".join(f"[{n}]" for n in pol["source"])
        lines.append(f"- **{side}** (its government's claim; sources {refs}): {str(pol['statement']).strip()} "
                     f"Modelled as *{strategy_label(pol['strategy'])}* (`{pol['strategy']}`).")
    lines.append("")
    if s.get("same_rule"):
        rule = next(iter(s["stated_policies"].values()))["strategy"]
        lines += [f"Both sides are modelled by the same rule, *{strategy_label(rule)}*, read from each government's "
                  "own public statements; readings of their actions are kept apart (they appear only as comparisons).",
                  ""]
    for w in s.get("warnings", []):
        lines += [f"**Warning:** {w}", ""]
    used = sorted({n for p in s["stated_policies"].values() for n in p["source"]})
    if used and sources:
        lines += ["Numbers in brackets refer to the scenario's sources (listed with the scenario); each statement "
                  "is that government's own account.", ""]
    return lines


def rung_ranges(rungs: Sequence[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3 and 5"``."""
    parts, start = [], None
    for i, k in enumerate(rungs):
        if start is None:
            start = k
        if i + 1 == len(rungs) or rungs[i + 1] != k + 1:
            parts.append(str(start) if start == k else f"{start}-{k}")
            start = None
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _opening(s: Mapping[str, Any]) -> str:
    a, b = s["sides"]
    first, second = (a, b) if s.get("first_mover", "a") == "a" else (b, a)
    timing = ("one side moves at a time: " + first + " moves, then " + second + " answers, and so on (one move per "
              "round)"
              if s["timing"] == "alternating" else "both sides choose their rungs at the same time each round")
    text = f"In the model {timing}."
    if s.get("opening"):
        x, y = s["opening"]
        text += (f" The modelled exchange opens with {a} standing at rung {x} and {b} at rung {y}: the trigger "
                 "is taken as given, and whatever came before it is not modelled as a rung of either side.")
    return text


def _credibility(c: Mapping[str, Any], sides: Sequence[str]) -> list[str]:
    horizon = ("an infinite horizon at discount " + fmt_number(c["discount"]) if c["horizon"] == "infinite"
               else f"the crisis's {c['rounds']} rounds without discounting (the scenario's discount is 1)")
    lines = ["### Is each stated policy in that side's interest? (illustrative payoffs)", "",
             f"Expected payoffs over {horizon}, with the crisis's noise, war risk, mediation and settlement rules. "
             "The best response is computed as if the side knew the state of the other's rule.", "",
             "| side | payoff of the stated rules (illustrative) | payoff of its best response (illustrative) | "
             "gain from deviating (illustrative) | stated rule a best response? |",
             "|---|---:|---:|---:|---|"]
    for r in c["sides"]:
        lines.append(f"| {markdown_cell(r['side'])} | {fmt_number(r['value'])} | {fmt_number(r['best_value'])} | "
                     f"{fmt_number(r['gain'])} | {'yes' if r['is_best_response'] else 'no'} |")
    lines.append("")
    sp = c["is_subgame_perfect"]
    lines += [f"The stated pair **is {'' if sp else 'not '}subgame perfect**: "
              + ("no side gains from a one-round deviation in any situation." if sp else
                 "in some situation at least one side would gain by deviating for one round (largest such gain, "
                 "illustrative: " + ", ".join(f"{r['side']} {fmt_number(r['max_one_shot_gain'])}"
                                              for r in c["sides"]) + ")."), ""]
    for k, r in enumerate(c["sides"]):
        other = sides[1 - k]
        if r["is_best_response"]:
            lines.append(f"- Against {other}'s stated rule, {r['side']}'s stated rule is already a best response: "
                         "no other way of playing pays more (illustrative payoffs).")
        else:
            same = r["stated_path"] == r["best_response_path"]
            text = (f"- Against {other}'s stated rule, {r['side']} would gain {fmt_number(r['gain'])} (illustrative) "
                    f"by deviating. Without noise, the stated rules play {path_words(r['stated_path'], sides)}")
            text += ("; the best response plays the same there, so its gain comes from the situations that noise "
                     "and misperception create." if same else
                     f"; with {r['side']}'s best response instead: {path_words(r['best_response_path'], sides)}.")
            g = r.get("largest_gap")
            if g and g["gain"] > 0:
                if g["other_standing"] is None:
                    where = f"{other}'s rule is about to play {g['other_next_rung']}"
                elif g["other_standing"] == g["other_next_rung"]:
                    where = f"{other} stands at rung {g['other_standing']}, as its rule intended"
                else:  # under alternating timing the other's rule state is the one it last acted from
                    where = (f"{other} stands at rung {g['other_standing']} although its rule had intended rung "
                             f"{g['other_next_rung']} (a slip in carrying it out)")
                kind = g["other_standing"] is not None and g["stated_rung"] == g["other_standing"]
                by_rung = g.get("answer_in_kind_gain_by_rung")
                if by_rung:
                    tol = 1e-9 * max(1.0, abs(r["best_value"]))
                    bad = [k for k, v in enumerate(by_rung) if v is not None and v > tol and k > 0]
                    good = [k for k, v in enumerate(by_rung) if v is not None and v <= tol and k > 0]
                    if bad:
                        many = len(bad) > 1
                        text += (f" In some situations where {other} stands at rung{'s' if many else ''} "
                                 f"{rung_ranges(bad)}, answering in kind would not be in {r['side']}'s interest: a "
                                 "one-round deviation gains something (illustrative payoffs)"
                                 + (f"; where {other} stands at rung{'s' if len(good) > 1 else ''} {rung_ranges(good)} it "
                                    "never does" if good else "") + ".")
                if kind:
                    text += (f" Where its rule answers in kind, a one-round deviation pays most "
                             f"({fmt_number(g['gain'])}, illustrative) when {where}: rather than answer at rung "
                             f"{g['stated_rung']}, its best response plays rung {g['best_rung']}.")
                else:
                    text += (f" A one-round deviation pays most ({fmt_number(g['gain'])}, illustrative) when {where} "
                             f"and {r['side']}'s rule says rung {g['stated_rung']}: its best response there plays "
                             f"rung {g['best_rung']}.")
            lines.append(text)
    lines.append("")
    return lines


def _mpe(m: Mapping[str, Any], sides: Sequence[str]) -> list[str]:
    a, b = sides
    lines = ["### The equilibrium of the dynamic game (illustrative payoffs)", "",
             f"The Markov perfect equilibrium selected by the logit Markov QRE homotopy, without perception noise "
             f"(a side that misreads the other's rung no longer knows the situation) and at discount "
             f"{fmt_number(m['discount'])}; {m['states']} states; largest gain of a one-round deviation "
             f"{fmt_number(m['one_shot_gap'])} (0 = an exact equilibrium); computed in {m['seconds']:.1f} s.", "",
             f"- Without noise, from the opening the equilibrium plays: {path_words(m['path'], sides)}."]
    for k, side in enumerate(sides):
        diag = m["answer_at_same_rung"][side]
        pairs = [f"{r}->{v}" for r, v in enumerate(diag) if v is not None and r > 0]
        if pairs:
            lines.append(f"- When both stand at the same rung k and {side} is to move, it plays (k->rung): "
                         + ", ".join(pairs) + ".")
    T = len(m["p_war_by_round"])
    lines += [f"- Over {T} rounds: war {fmt_percent(m['p_war'])}, settled {fmt_percent(m['p_settled'])}, "
              f"ended by a third party {fmt_percent(m['p_mediated'])}, still in crisis "
              f"{fmt_percent(m['p_still_in_crisis'])}; expected payoffs (illustrative) {a} "
              f"{fmt_number(m['payoffs'][a])}, {b} {fmt_number(m['payoffs'][b])}.", ""]
    return lines


def _reported(s: Mapping[str, Any], moves: int = 10) -> list[str]:
    a, b = s["sides"]
    r = s["reported"]
    lines = ["### The reported sequence beside the model's", "",
             "Left, each side's rung as that side's actions were reported (claims where contested; see the phase "
             "table); right, the model's first moves under the stated rules (the share of runs still in crisis, "
             "each side's mean rung among them, and the most likely rung pair among them). The model's moves are "
             "not dated: one move is roughly one exchange.", "",
             f"| phase | {markdown_cell(a)} (reported) | {markdown_cell(b)} (reported) |", "|---|---:|---:|"]
    for date, (x, y) in zip(r["dates"], r["rungs"]):
        lines.append(f"| {markdown_cell(date)} | {fmt_number(x)} | {fmt_number(y)} |")
    mean = np.asarray(s["stated_trajectory"]["mean_rung_by_round"], float)
    likely = r["model_most_likely"]
    alt = s["timing"] == "alternating"
    first = 0 if s.get("first_mover", "a") == "a" else 1
    active = s["stated_trajectory"].get("p_active_by_round")
    lines += ["", f"| model move | {'who moves | ' if alt else ''}still in crisis | {markdown_cell(a)} mean | "
                  f"{markdown_cell(b)} mean | most likely pair |",
              "|---:|" + ("---|" if alt else "") + "---:|---:|---:|---|"]
    for t in range(min(moves, mean.shape[0])):
        who = (a if (t + first) % 2 == 0 else b) + " | " if alt else ""
        still = fmt_percent(active[t]) if active else "n/a"
        lines.append(f"| {t + 1} | {who}{still} | {fmt_number(mean[t, 0])} | {fmt_number(mean[t, 1])} | "
                     f"({likely[t][0]}, {likely[t][1]}) |")
    lines.append("")
    reported = np.asarray(r["rungs"], float)
    if np.isfinite(reported).any() and s.get("stated_path"):
        lines += [f"Without noise, the stated rules play {path_words(s['stated_path'], (a, b))}"
                  + (" and the crisis settles" if s.get("stated_path_settles") else "")
                  + f"; the reported sequence peaked at rung {fmt_number(np.nanmax(reported))} before the ceasefire. "
                  "Where the model climbs, it is through noise and misperception (execution and perception errors), "
                  "which the means above include.", ""]
    return lines


def dynamic_markdown(s: Mapping[str, Any], sources: Sequence[str] = ()) -> str:
    """The "Strategic dynamics" section of ``summary.md`` from :func:`sim.report.dynamic.run_dynamic`'s summary."""
    sides = s["sides"]
    lines = ["## Strategic dynamics: is each side's stated policy in its own interest?", "",
             EQUILIBRIUM_POLICY, "", CREDIBLE, "", _ILLUSTRATIVE, "", _opening(s), ""]
    lines += _stated(s, sources)
    if "credibility" in s:
        lines += _credibility(s["credibility"], sides)
    elif "credibility_skipped" in s:
        lines += ["### Is each stated policy credible?", "",
                  f"Not computed in this run: the exact product of these two policies is too large "
                  f"({s['credibility_skipped']}). Policies with many automaton states (GRIT counts rounds) "
                  "multiply the states of the crisis; the outcomes above are still exact.", ""]
    if "mpe" in s:
        lines += _mpe(s["mpe"], sides)
    else:
        lines += ["### The equilibrium of the dynamic game", "",
                  "Not computed in this run (`dynamic.mpe: false`). Run `python experiments/run.py "
                  "dynamic.mpe=true` (the default) to add the equilibrium policy, its trajectories and their "
                  "figures.", ""]
    if "map" in s:
        mp = s["map"]
        lines += ["### Credibility map (illustrative payoffs)", "",
                  f"The gain from deviating for each side over {mp['x']} and {mp['y']} "
                  f"({len(mp['x_values'])} x {len(mp['y_values'])} points, {mp['horizon']}; the scenario's point is "
                  f"marked). Share of the map where the stated rule is a best response: {sides[0]} "
                  f"{fmt_percent(mp['share_best_response'][0])}, {sides[1]} "
                  f"{fmt_percent(mp['share_best_response'][1])}; largest gain (illustrative): {sides[0]} "
                  f"{fmt_number(mp['max_gain'][0])}, {sides[1]} {fmt_number(mp['max_gain'][1])}.", ""]
    else:
        lines += ["The credibility map (gain from deviating over two parameters) is off in this run "
                  "(`dynamic.map_points: 0`); `python experiments/run.py dynamic.map_points=20` draws a 20 x 20 map.",
                  ""]
    if "reported" in s:
        lines += _reported(s)
    figs = s.get("figures", {})
    if figs:
        a, b = sides
        lines += figure_notes(figs, {
            "policy_heatmap": f"the equilibrium policy: for the side to move ({a} left, {b} right), each cell is the "
                              "rung it plays (most likely) given its own standing rung (columns) and the other "
                              "side's (rows); blank cells are situations where it is not its move.",
            "equilibrium_trajectory": "left, each side's mean rung per round under the equilibrium (solid) and under "
                                      "the stated rules (dashed); right, the chance that war has broken out by each "
                                      "round, for both.",
            "credibility_map": "how much each side would gain by deviating from its stated rule, over two parameters "
                               "(darker = more; green line = where the gain reaches 0); the star is this scenario.",
            "reported_vs_model": "left, the rungs as each side's actions were reported, phase by phase; right, the "
                                 "model's mean rung per move under the stated rules (lines), its most likely rung "
                                 "(squares) and, if computed, the equilibrium's mean rung (dotted)."})
    return "\n".join(lines)
