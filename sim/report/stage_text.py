"""The stage game in words: :func:`stage_markdown` turns :func:`~sim.report.stage_summary`'s
dict into a short plain-language ``summary.md``.  Re-exported from :mod:`sim.report`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from sim.report.stage import FIGURE_FILES, MAX_LISTED, _is_default_label, _scalar_params
from sim.wording import (CLASS_MEANINGS, class_label, fmt_number, fmt_percent, markdown_cell, param_phrase,
                         sentence_case, strategy_label)

__all__ = ["stage_markdown"]


# --------------------------------------------------------------------------- markdown
def _rung(i: int, labels: Sequence[str], *, ladder: bool) -> str:
    """``rung 4 (drones...)`` on ladders, ``"stand firm"`` on two-action games."""
    lab = labels[i]
    if _is_default_label(lab, i):
        return f"rung {i}"
    if ladder:
        return f"rung {i} ({lab})"
    return f"“{lab}”"


def _pair(a: str, b: str, i: int, j: int, la: Sequence[str], lb: Sequence[str], ladder: bool) -> str:
    """A clause naming one outcome cell: "both sides sit at rung 4 (...)", "India chooses “x” and Pakistan “y”"."""
    if list(la) == list(lb) and i == j:
        return (f"both sides sit at {_rung(i, la, ladder=True)}" if ladder or _is_default_label(la[i], i)
                else f"both sides choose {_rung(i, la, ladder=False)}")
    if ladder:
        return f"{a} is at {_rung(i, la, ladder=True)} and {b} at {_rung(j, lb, ladder=True)}"
    return f"{a} chooses {_rung(i, la, ladder=False)} and {b} {_rung(j, lb, ladder=False)}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _date_text(phase: Mapping[str, Any]) -> str:
    """``"22 Apr 2025"``, or a range ``"7 May - 9 May 2025"``, from a phase's ISO ``start``/``end``."""
    start, end = str(phase.get("start") or phase.get("date", "")), str(phase.get("end") or "")
    try:
        y0, m0, d0 = (int(v) for v in start.split("-"))
        y1, m1, d1 = (int(v) for v in (end or start).split("-"))
    except ValueError:
        return str(phase.get("date", ""))
    if (y0, m0, d0) == (y1, m1, d1):
        return f"{d0} {_MONTHS[m0 - 1]} {y0}"
    if (y0, m0) == (y1, m1):
        return f"{d0}-{d1} {_MONTHS[m1 - 1]} {y1}"
    return f"{d0} {_MONTHS[m0 - 1]}{'' if y0 == y1 else f' {y0}'} - {d1} {_MONTHS[m1 - 1]} {y1}"


def _rung_cell(rung: Any, labels: Sequence[str], contested: bool) -> str:
    if rung is None:
        text = "not reported"
    else:
        r = int(rung)
        lab = labels[r] if 0 <= r < len(labels) else ""
        text = str(r) if not lab or _is_default_label(lab, r) else f"{r} ({lab})"
    return text + (", contested" if contested else "")


def _refs(refs: Any) -> str:
    refs = [refs] if isinstance(refs, int) else list(refs or ())
    return ", ".join(f"[{r}]" for r in refs)


def _phase_lines(sc: Mapping[str, Any], la: Sequence[str], lb: Sequence[str]) -> list[str]:
    """The phase table of the scenario section (markdown lines; nothing if there are no phases)."""
    phases = sc.get("phases") or []
    if not phases:
        return []
    a, b = sc["sides"]
    lines = ["### Phases as reported", "",
             "Each side's rung on the ladder as its actions were reported; the rung numbers are the scenario's "
             "reading, not official designations. “Contested” marks a rung that rests on one side's claim.", "",
             f"| date | event | {markdown_cell(a)} | {markdown_cell(b)} | claims and notes | sources |",
             "| --- | --- | --- | --- | --- | --- |"]
    for ph in phases:
        rungs, contested = ph.get("rungs") or {}, set(ph.get("contested") or ())
        cells = [_date_text(ph), ph.get("event", ""), _rung_cell(rungs.get(a), la, a in contested),
                 _rung_cell(rungs.get(b), lb, b in contested), ph.get("claims") or "", _refs(ph.get("sources"))]
        lines.append("| " + " | ".join(markdown_cell(c) for c in cells) + " |")
    return lines + [""]


def _policy_lines(sc: Mapping[str, Any]) -> list[str]:
    """The stated policies of the scenario section (markdown lines; nothing if there are none)."""
    policies = sc.get("stated_policies") or {}
    if not policies:
        return []
    lines = ["### Stated policies", ""]
    for side, pol in policies.items():
        statement = str(pol.get("statement", "")).strip().rstrip(".")
        stated = pol.get("strategy", "")
        played = pol.get("played") or {}
        text = (f"- **{side}**: {statement} {_refs(pol.get('source'))}. "
                f"Modelled here as *{strategy_label(stated)}* (`{stated}`), a modelling choice.")
        if played and (played.get("name") != stated or len(played) > 2):
            params = {k: v for k, v in played.items() if k not in ("name", "K")}
            shown = strategy_label(played.get("name", "")) + (
                " (" + ", ".join(f"{k} {v}" for k, v in params.items()) + ")" if params else "")
            if played.get("name") != stated:
                text = (f"- **{side}**: {statement} {_refs(pol.get('source'))}. The scenario models this as "
                        f"*{strategy_label(stated)}* (`{stated}`), but **this run plays *{shown}* for {side}** "
                        "(an override): the crisis sections below describe what is played.")
            else:
                text += f" This run plays it with {', '.join(f'{k} {v}' for k, v in params.items())}."
        lines.append(text)
    return lines + [""]


def _game_paragraph(s: dict) -> str:
    g = s["game"]
    a, b = s["scenario"]["sides"]
    ka, kb = g["n_rungs"]
    la, lb = g["labels_a"], g["labels_b"]
    ladder = max(ka, kb) > 2
    A, B = np.asarray(g["payoff_a"], float), np.asarray(g["payoff_b"], float)
    p = _scalar_params(g["params"])
    name = g["name"]
    parts = []
    if ladder and ka == kb and la == lb:
        parts.append(f"{a} and {b} each choose, at the same time, one of {ka} rungs of an escalation ladder, "
                     f"from {_rung(0, la, ladder=True)} to {_rung(ka - 1, la, ladder=True)}.")
    elif ladder:
        parts.append(f"{a} chooses one of {ka} options and {b} one of {kb}, at the same time.")
    else:
        opts_a = " or ".join(f"“{x}”" for x in la)
        opts_b = " or ".join(f"“{x}”" for x in lb)
        parts.append(f"{a} chooses {opts_a}; {b} chooses {opts_b}; both choose at the same time."
                     if la != lb else f"{a} and {b} each choose {opts_a}, at the same time.")
    parts.append("Each pair of choices gives each side a payoff, a number in utility units per round: "
                 "higher is better for that side, and only differences between payoffs matter.")
    if name == "ladder" and p:
        parts.append(
            f"Here a side gains from standing higher on the ladder than the other (coercive advantage "
            f"{fmt_number(p.get('advantage'))} for the whole ladder), suffers damage from the other side's actions "
            f"({fmt_number(p.get('damage'))} when the other side is at the top rung), pays for its own actions "
            f"({fmt_number(p.get('cost'))} at its own top rung), and bears the expected cost of a slide into war: a war costing {fmt_number(p.get('war_cost'))} "
            f"breaks out with a probability per round that rises with both rungs, up to "
            f"{fmt_percent(p.get('war_risk', 0))} with both at the top.")
        own = [(f"{what} {fmt_number(p[k + '_b'])}") for k, what in
               (("advantage", "coercive advantage"), ("damage", "damage"), ("cost", "cost of its own actions"),
                ("war_cost", "war cost")) if p.get(k + "_b") is not None]
        if own:  # asymmetric sides: the figures above are side A's
            parts.append(f"These figures are {a}'s; {b}'s own are: " + ", ".join(own) + ".")
    elif name == "chicken" and p:
        v, c = p.get("value"), p.get("crash_cost")
        parts.append(f"A prize worth {fmt_number(v)} is at stake. A side that stands firm while the other backs down "
                     f"takes it all; if both back down they share it ({fmt_number(v / 2)} each); if both stand firm "
                     f"they clash at a cost of {fmt_number(c)} and each gets {fmt_number((v - c) / 2)}.")
    elif name == "deterrence" and p:
        parts.append(f"A successful challenge moves {fmt_number(p.get('gain'))} from defender to challenger; "
                     f"resisting means conflict, costing the challenger {fmt_number(p.get('challenger_cost'))} "
                     f"and the defender {fmt_number(p.get('defender_cost'))}.")
    elif name in ("prisoners_dilemma", "security_dilemma", "stag_hunt", "symmetric") and p:
        parts.append(f"If both restrain each gets {fmt_number(p.get('R'))}; if both escalate each gets "
                     f"{fmt_number(p.get('P'))}; a side that escalates alone gets {fmt_number(p.get('T'))} and the "
                     f"side that restrained gets {fmt_number(p.get('S'))}.")
    if ka == kb and la == lb:
        top = ka - 1
        parts.append(f"When {_pair(a, b, 0, 0, la, lb, ladder)}, {a} gets {fmt_number(A[0, 0])} and {b} gets "
                     f"{fmt_number(B[0, 0])}; when {_pair(a, b, top, top, la, lb, ladder)}, {a} gets "
                     f"{fmt_number(A[top, top])} and {b} gets {fmt_number(B[top, top])}.")
    else:
        ia = tuple(int(v) for v in np.unravel_index(int(np.argmax(A)), A.shape))
        ib = tuple(int(v) for v in np.unravel_index(int(np.argmax(B)), B.shape))
        parts.append(f"{a}'s best outcome ({fmt_number(A[ia])}) is when {_pair(a, b, *ia, la, lb, ladder)}; "
                     f"{b}'s best ({fmt_number(B[ib])}) is when {_pair(a, b, *ib, la, lb, ladder)}.")
    return " ".join(sentence_case(t) for t in parts)


def _mix_words(side: str, probs: Sequence[float], support: Sequence[int], labels: Sequence[str], ladder: bool) -> str:
    if len(support) == 1:
        return f"{side} plays {_rung(support[0], labels, ladder=ladder)}"
    order = sorted(support, key=lambda i: -probs[i])
    shown = order[:4]
    items = [f"{_rung(i, labels, ladder=ladder)} with probability {fmt_percent(probs[i])}" for i in shown]
    more = f" (and {len(order) - 4} more rungs)" if len(order) > 4 else ""
    return f"{side} plays " + ", ".join(items[:-1]) + f" and {items[-1]}" + more


def _equilibrium_sentence(e: dict, s: dict, only: bool) -> str:
    a, b = s["scenario"]["sides"]
    g = s["game"]
    la, lb = g["labels_a"], g["labels_b"]
    ladder = max(g["n_rungs"]) > 2
    sa, sb = e["support_a_rungs"], e["support_b_rungs"]
    pays = f"{a} gets {fmt_number(e['payoff_a'])} and {b} gets {fmt_number(e['payoff_b'])}"
    lead = "In the only equilibrium" if only else f"In **E{e['index']}**"
    if e["kind"] == "pure":
        text = f"{lead}{'' if only else ' (pure)'} {_pair(a, b, sa[0], sb[0], la, lb, ladder)}: {pays}."
    else:
        text = (f"{lead} (mixed: each side randomises, keeping the other guessing) "
                f"{_mix_words(a, e['x'], sa, la, ladder)}, while {_mix_words(b, e['y'], sb, lb, ladder)}. "
                f"On average {pays}.")
        if e["p_top"] > 0:
            text += (f" The outcome in which {_pair(a, b, len(la) - 1, len(lb) - 1, la, lb, ladder)}"
                     f"{' (the top of the ladder)' if ladder else ''} occurs with probability "
                     f"{fmt_percent(e['p_top'])}.")
    return text


def _meaning(s: dict) -> list[str]:
    a, b = s["scenario"]["sides"]
    g = s["game"]
    la, lb = g["labels_a"], g["labels_b"]
    ladder = max(g["n_rungs"]) > 2
    out = []
    cls = s.get("classification")
    if cls:
        name = cls["class"]
        meaning = CLASS_MEANINGS.get(name)
        if meaning:
            out.append(f"The game is of the **{class_label(name)}** type: {meaning}")
        if cls["class"] in ("asymmetric", "tied", "cyclic") and cls["type_a"] != cls["type_b"]:
            out.append(f"({a} ranks the outcomes like {class_label(cls['type_a'])}; "
                       f"{b} like {class_label(cls['type_b'])}.)")
    coordination: dict[int, list[str]] = {}
    for e in s["equilibria"]:
        better = e.get("both_better_at")
        if not better:
            continue
        i, j = better["rungs"]
        ref = "the equilibrium" if s["n_equilibria"] == 1 else f"E{e['index']}"
        same = [f["index"] for f in s["equilibria"]
                if f["kind"] == "pure" and f["support_a_rungs"] == [i] and f["support_b_rungs"] == [j]]
        if same:
            coordination.setdefault(same[0], []).append(f"E{e['index']}")
            continue
        text = (f"Both sides would get more ({a} {fmt_number(better['payoff_a'])}, "
                f"{b} {fmt_number(better['payoff_b'])}) when {_pair(a, b, i, j, la, lb, ladder)} than in {ref}, "
                f"but neither can get there by changing only its own choice.")
        if e["kind"] == "pure" and i <= e["support_a_rungs"][0] and j <= e["support_b_rungs"][0]:
            text += (" This gap between what is best for each side alone and what is better for both is the "
                     "logic of the security dilemma.")
        out.append(text)
    for k, worse in coordination.items():
        listed = worse[0] if len(worse) == 1 else ", ".join(worse[:-1]) + f" and {worse[-1]}"
        out.append(f"Both sides get more in E{k} than in {listed}. Since E{k} is itself an equilibrium, the "
                   f"sides face a problem of coordination and trust rather than of incentives: each does "
                   f"its part only if it expects the other to.")
    if s["n_equilibria"] > 1:
        if s.get("payoff_dominant"):
            out.append(f"E{s['payoff_dominant']} pays both sides at least as much as any other equilibrium "
                       f"(it is *payoff dominant*), so it is the natural one to coordinate on.")
        if s.get("risk_dominant"):
            out.append(f"E{s['risk_dominant']} is *risk dominant*: it is the safer bet when each side is unsure "
                       f"which equilibrium the other expects (Harsanyi and Selten 1988).")
        if not s.get("payoff_dominant"):
            out.append("No single equilibrium is best for both sides, so which one (if any) the sides reach depends on "
                       "history, expectations and signalling, which the stage game does not model.")
    if s.get("degenerate"):
        out.append("The game is *degenerate* (a side is indifferent between some rungs), so besides the "
                   "equilibria listed there may be whole ranges of equilibria between them.")
    return out


def _map_paragraph(m: dict, s: dict) -> str:
    ny, nx = m["shape"]
    shares = sorted(m["regime_shares"].items(), key=lambda kv: -kv[1])
    share_text = ", ".join(f"{class_label(k)} {fmt_percent(v)}" for k, v in shares)
    text = (f"The equilibrium map varies {param_phrase(m['x_name'])} "
            f"(from {fmt_number(m['x_range'][0])} to {fmt_number(m['x_range'][1])}) and "
            f"{param_phrase(m['y_name'])} (from {fmt_number(m['y_range'][0])} to "
            f"{fmt_number(m['y_range'][1])}) over a {nx} x {ny} grid, keeping the other parameters at the "
            f"scenario's values. Share of the grid in each regime: {share_text}.")
    px, py = m["point"]
    if m.get("point_on_map"):
        text += (f" The scenario itself ({param_phrase(m['x_name'])} {fmt_number(px)}, "
                 f"{param_phrase(m['y_name'])} {fmt_number(py)}) lies in the "
                 f"**{class_label(m['regime_at_point'])}** region")
        if m["kind"] == "equilibrium" and m.get("level_at_point") is not None:
            text += f", where the mean equilibrium rung is {fmt_number(m['level_at_point'], 2)}"
        text += "."
    elif math.isfinite(px if px is not None else float("nan")) and py is not None:
        text += " The scenario's own parameters lie outside the plotted range."
    return text


def stage_markdown(summary: Mapping[str, Any], *, figures: Mapping[str, str] | None = None) -> str:
    """A short plain-language ``summary.md`` of the stage game, from :func:`stage_summary`'s dict.

    ``figures`` maps ``"payoff_matrix"`` / ``"equilibrium_map"`` to the figure files
    (relative to the run directory); default :data:`FIGURE_FILES`.  The scenario's
    narrative and sources are reproduced as given in the scenario config.
    """
    s = summary
    figures = {**FIGURE_FILES, **(figures or {})}
    sc = s["scenario"]
    a, b = sc["sides"]
    lines = [f"# {sc.get('title') or sc.get('name') or 'Stage game'}", ""]

    if sc.get("narrative") or sc.get("sources") or sc.get("phases") or sc.get("stated_policies"):
        lines += ["## The scenario", ""]
        if sc.get("narrative"):
            lines += [str(sc["narrative"]).strip(), ""]
        lines += _phase_lines(sc, s["game"]["labels_a"], s["game"]["labels_b"])
        lines += _policy_lines(sc)
        if sc.get("sources"):
            lines += ["Sources:", ""]
            lines += [f"- {src}" for src in sc["sources"]]
            lines += [""]
        lines += ["*The narrative, phases, stated policies and sources above are taken as written from the "
                  "scenario configuration.*", ""]

    lines += ["## The game", "", _game_paragraph(s), ""]

    lines += ["## Equilibria", "",
              "A *Nash equilibrium* is a pair of choices in which neither side can do better by changing "
              "only its own choice.", ""]
    eqs = s["equilibria"]
    if not eqs:
        lines += ["No equilibrium was found by the method used.", ""]
    elif len(eqs) == 1:
        lines += [_equilibrium_sentence(eqs[0], s, only=True) + " (It is labelled E1 in the figures.)", ""]
    else:
        n_pure = sum(1 for e in eqs if e["kind"] == "pure")
        lines += [f"The game has {len(eqs)} equilibria ({n_pure} pure, {len(eqs) - n_pure} mixed):", ""]
        lines += [f"- {_equilibrium_sentence(e, s, only=False)}" for e in eqs[:MAX_LISTED]]
        if len(eqs) > MAX_LISTED:
            lines += [f"- ... and {len(eqs) - MAX_LISTED} more, all listed in `summary.json`."]
        lines += [""]

    meaning = _meaning(s)
    if meaning:
        lines += ["## What this means", ""] + [f"- {t}" for t in meaning] + [""]

    m = s.get("map")
    if m:
        lines += ["## The equilibrium map", "", _map_paragraph(m, s), ""]

    lines += ["## How to read the figures", "",
              f"- `{figures['payoff_matrix']}`: each cell is one pair of choices ({a}'s choice in rows, {b}'s in "
              f"columns) and shows \"{a}'s payoff, {b}'s payoff\"; the colour is the sum of both payoffs. "
              "Cells outlined in a thick box with a star are pure equilibria"
              + ("; each mixed equilibrium has a small panel on the right in which circle area is the "
                 "probability of each pair of choices" if any(e["kind"] == "mixed" for e in s["equilibria"]) else "")
              + ". The box under the matrix lists the equilibria (E1, E2, ...) with their payoffs."]
    if m:
        if m["kind"] == "class":
            what = "each colour is a game class (legend on the right)"
        else:
            what = ("the colour is the mean rung played in equilibrium (colour bar in rungs); hatched areas have "
                    "several pure equilibria and grey cross-hatched areas none")
        lines += [f"- `{figures['equilibrium_map']}`: {param_phrase(m['x_name'])} on the "
                  f"horizontal axis, {param_phrase(m['y_name'])} on the vertical; {what}. "
                  "Thin lines are the boundaries where the outcome changes; the star marks this scenario."]
    if sc.get("phases"):
        lines += [f"- `{figures['timeline']}`: the crisis as each side reported it: dates on the horizontal axis, "
                  "the rung of the ladder each side reached on the vertical (one line per side, numbers match the "
                  "rows of the phase table). Hollow markers are contested: a rung claimed by one side and disputed "
                  "by the other. When the run models the crisis, dotted lines show each side's median rung in the "
                  "model and a shaded band its middle 80% (illustrative), from the phase where the modelled "
                  "exchange opens, one model round per reported phase."]
    lines += ["",
              "*These are results of a stylised model under the stated assumptions, not predictions of what "
              "any government will do.*", ""]
    return "\n".join(lines)
