"""The repeated crisis in words: :func:`crisis_markdown` turns
:func:`~sim.report.repeated.crisis_summary`'s dict into the plain-language section "How the
crisis unfolds".  Re-exported from :mod:`sim.report.repeated`.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from sim.wording import DISCLAIMER, figure_notes, fmt_number, fmt_percent, markdown_cell, sentence_case_md

__all__ = ["REPEATED_FIGURE_FILES", "crisis_markdown"]


#: File names of the repeated-crisis figures, relative to the run directory.
REPEATED_FIGURE_FILES: dict[str, str] = {
    "trajectory_fan": "figures/trajectory_fan.png",
    "outcome_curves": "figures/outcome_curves.png",
    "compare_outcomes": "figures/compare_outcomes.png",
    "tournament_heatmap": "figures/tournament_heatmap.png",
    "replicator": "figures/replicator.png",
}


#: Settings that do not change the model (left out of the comparison table's setting columns).
_BOOKKEEPING = {"paths", "seed", "threads", "chunk_paths", "keep_paths"}
_Z95 = 1.959963984540054


# --------------------------------------------------------------------------- words
def _noise_words(v, sides: Sequence[str], what: str) -> str | None:
    """'each side <what> in 5% of rounds' or per side; None when the noise is zero."""
    if v is None:
        return None
    try:
        arr = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    pair = None
    if arr is not None and arr.ndim == 0:
        return None if float(arr) == 0 else f"each side {what} in {fmt_percent(float(arr))} of rounds"
    if arr is not None and arr.ndim == 2:
        return f"each side {what} according to a configured confusion matrix"
    if arr is not None and arr.ndim in (1, 3) and arr.shape[0] == 2:
        pair = list(arr)
    elif isinstance(v, (list, tuple)) and len(v) == 2:
        pair = list(v)
    if pair is None:
        return None
    parts = []
    for side, p in zip(sides, pair):
        p = np.asarray(p, dtype=np.float64)
        if p.ndim == 0 and float(p) == 0:
            continue
        parts.append(f"{side} in {fmt_percent(float(p))} of rounds" if p.ndim == 0 else f"{side} according to a "
                     "configured confusion matrix")
    if not parts:
        return None
    return f"{what}: " + ", ".join(parts)


def _settings_sentence(settings: Mapping[str, Any], sides: Sequence[str], labels: Sequence[str]) -> str:
    parts = []
    ex = _noise_words(settings.get("execution_noise"), sides, "carries out a different rung than it intended")
    if ex:
        parts.append(ex)
    pe = _noise_words(settings.get("perception_noise"), sides, "misreads the other side's rung")
    if pe:
        parts.append(pe)
    m = settings.get("settle_after")
    if m:
        parts.append(f"the crisis counts as settled once both sides have been at rung 0 for {int(m)} "
                     f"round{'s' if int(m) != 1 else ''} in a row")
    mu0, mu1 = float(settings.get("mediation") or 0), float(settings.get("mediation_slope") or 0)
    if mu0 or mu1:
        top = min(1.0, mu0 + mu1)
        if mu1:
            parts.append(f"a third party ends the crisis after a round with probability {fmt_percent(mu0)}, rising to "
                         f"{fmt_percent(top)} when a side is at the top rung")
        else:
            parts.append(f"a third party ends the crisis after any round with probability {fmt_percent(mu0)}")
    d = settings.get("discount")
    if d is not None and float(d) != 1.0:
        parts.append(f"each round's payoffs count {fmt_number(d)} times those of the round before (discounting)")
    w = settings.get("war_risk_scale")
    if w is not None and float(w) != 1.0:
        parts.append(f"the game's war risk is multiplied by {fmt_number(w)}")
    if not parts:
        return ""
    return "In this setting " + "; ".join(parts) + "."


def _who(side: str, p: Mapping[str, Any]) -> str:
    label = p["strategy_labels"][side]
    desc = p["strategy_descriptions"].get(side)
    return f"{side} playing {label}" + (f" (it {desc})" if desc else "")


def _margin(p: Mapping[str, Any]) -> float | None:
    mc = p.get("monte_carlo")
    if not mc:
        return None
    return _Z95 * max(mc["probability_se"].values())


def _pp(x: float) -> str:
    """Percentage points: 0.0123 -> '1.2'."""
    return fmt_number(100 * x, 2)


def _main_paragraph(s: Mapping[str, Any], p: Mapping[str, Any]) -> list[str]:
    a, b = s["sides"]
    labels = s["labels"]
    T = p["rounds"]
    long_run = p["horizon"] == "long_run"
    horizon = "in the long run" if long_run else f"over at most {T} round{'s' if T != 1 else ''}"
    text = f"With {_who(a, p)} and {_who(b, p)}, {horizon}:"
    sett = _settings_sentence(p["settings"], s["sides"], labels)
    mc = p.get("monte_carlo")
    runs = "runs" if mc else "of runs"
    bullets = []
    by = "eventually" if long_run else f"by round {T}"

    def when(ending):
        if long_run:
            return ""
        med, r90 = p["median_round"].get(ending), p["round_90"].get(ending)
        if med is None or r90 is None:
            return ""
        if r90 == med:
            return f", at least 90% of these by round {med}" if med < T else ""
        return f"; half of these by round {med}, 90% by round {r90}"

    ps = p["p_settled"]
    if ps > 0:
        bullets.append(f"the crisis **settles** {by} in **{fmt_percent(ps)}** {'of the ' if mc else ''}{runs}"
                       f"{when('settled')}")
    elif p["settings"].get("settle_after"):
        bullets.append("the crisis never settles")
    pw = p["p_war"]
    if pw > 0:
        bullets.append(f"**war** breaks out {by} in **{fmt_percent(pw)}**{when('war')}")
    else:
        bullets.append("no run ends in war" + (" (the game has no war risk, or the pair never climbs into it)"
                                                if not mc else f" among the {mc['paths']:,} simulated runs"))
    pm = p["p_mediated"]
    if pm > 0:
        bullets.append(f"a **third party ends** the crisis {by} in **{fmt_percent(pm)}**{when('mediated')}")
    still = p["p_still_in_crisis"]
    if long_run:
        if still > 0:
            bullets.append(f"in **{fmt_percent(still)}** the crisis goes on indefinitely (the pair can lock into a "
                           "pattern that neither ends in war nor settles)")
    else:
        bullets.append(f"**{fmt_percent(still)}** are still in crisis after round {T}")
    rounds = p["expected_rounds"]
    tail = []
    if rounds is not None:
        n = fmt_number(rounds)
        tail.append(f"On average the crisis lasts {n} round{'s' if n != '1' else ''}.")
    mr = p.get("mean_rung") or {}
    if all(mr.get(x) is not None for x in (a, b)):
        top = len(labels) - 1
        tail.append(f"While it lasts, {a} is on average at rung {fmt_number(mr[a], 2)} and {b} at rung "
                    f"{fmt_number(mr[b], 2)} (0 = {labels[0] if labels[0] != 'rung 0' else 'restraint'}, "
                    f"{top} = {labels[top] if labels[top] != f'rung {top}' else 'the top rung'}).")
    pay = p["expected_payoffs"]
    pay_text = (f"Expected payoffs over the whole crisis: {a} {fmt_number(pay[a])}, {b} {fmt_number(pay[b])} "
                "(utility; higher is better for that side")
    if mc:
        sem = mc["payoff_sem"]
        pay_text += f"; ±{fmt_number(_Z95 * sem[a], 2)} and ±{fmt_number(_Z95 * sem[b], 2)} at 95% confidence"
    tail.append(pay_text + ").")
    if mc:
        tail.append(f"Monte-Carlo estimate from {mc['paths']:,} simulated runs: the percentages are within about "
                    f"±{_pp(_margin(p))} percentage points at 95% confidence.")
    else:
        tail.append("These numbers are exact (computed from the Markov chain of the two strategies), "
                    "not sampled.")
    lines = [text, ""] + [f"- {sentence_case_md(x)};" for x in bullets[:-1]] + [f"- {sentence_case_md(bullets[-1])}."]
    if sett:
        lines = [sett, ""] + lines
    return lines + [""] + [" ".join(tail)]


def _differing_settings(s: Mapping[str, Any]) -> list[str]:
    keys: list[str] = []
    for p in s["pairs"].values():
        for k in p["settings"]:
            if k not in keys:
                keys.append(k)
    keys = [k for k in keys if k not in _BOOKKEEPING]
    vals = [[repr(p["settings"].get(k)) for p in s["pairs"].values()] for k in keys]
    return [k for k, v in zip(keys, vals) if len(set(v)) > 1]


def _setting_value(v) -> str:
    if v is None:
        return "none"
    if isinstance(v, (list, tuple)) and np.ndim(v) == 1 and len(v) == 2:
        return "/".join(_setting_value(x) for x in v)
    if np.ndim(v) == 0 and not isinstance(v, str):
        return fmt_number(v)
    if np.ndim(v) == 2:
        return "matrix"
    return str(v)


def _comparison(s: Mapping[str, Any]) -> list[str]:
    a, b = s["sides"]
    pairs = list(s["pairs"].values())
    Ts = {p["rounds"] for p in pairs}
    by = "ever" if Ts == {None} else (f"by round {Ts.pop()}" if len(Ts) == 1 else "by the last round")
    diff = _differing_settings(s)
    mixed = len({p["method"] for p in pairs}) > 1
    head = (["Pair", f"{a} plays", f"{b} plays"] + [k.replace("_", " ") for k in diff] + (["Method"] if mixed else [])
            + [f"War {by}", "Settled", "Mediated", "Still in crisis", "Expected rounds", f"Payoff {a}",
               f"Payoff {b}"])
    rows = ["| " + " | ".join(markdown_cell(h) for h in head) + " |", "|" + "---|" * (3 + len(diff) + mixed)
            + "--:|" * 7]
    for p in pairs:
        name = f"**{p['name']}** (main)" if p["name"] == s["main"] else p["name"]
        cells = [name, p["strategy_labels"][a], p["strategy_labels"][b]]
        cells += [_setting_value(p["settings"].get(k)) for k in diff]
        if mixed:
            mc = p.get("monte_carlo")
            cells.append(f"Monte Carlo, {mc['paths']:,} runs" if mc else "exact")
        cells += [fmt_percent(p[k]) for k in ("p_war", "p_settled", "p_mediated", "p_still_in_crisis")]
        cells += [fmt_number(p["expected_rounds"]), fmt_number(p["expected_payoffs"][a]),
                  fmt_number(p["expected_payoffs"][b])]
        rows.append("| " + " | ".join(markdown_cell(c) for c in cells) + " |")
    return rows


def _extremes(pairs: list[Mapping[str, Any]], key: str, tol: float) -> tuple[list[str], list[str]]:
    v = np.array([p[key] for p in pairs], dtype=float)
    lo = [p["name"] for p, x in zip(pairs, v) if x <= v.min() + tol]
    hi = [p["name"] for p, x in zip(pairs, v) if x >= v.max() - tol]
    return lo, hi


def _names(names: list[str]) -> str:
    q = [f"**{n}**" for n in names]
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + f" and {q[-1]}"


def _comparison_sentences(s: Mapping[str, Any]) -> list[str]:
    pairs = list(s["pairs"].values())
    margins = [m for m in (_margin(p) for p in pairs) if m is not None]
    tol = max(margins) if margins else 1e-9
    out = []
    pw = [p["p_war"] for p in pairs]
    if max(pw) == 0:
        out.append("No pair ends in war.")
    elif max(pw) - min(pw) <= tol:
        lo_txt, hi_txt = fmt_percent(min(pw)), fmt_percent(max(pw))
        spread = lo_txt if lo_txt == hi_txt else f"{lo_txt} to {hi_txt}"
        out.append(f"War is about equally likely with every pair ({spread}).")
    else:
        lo, hi = _extremes(pairs, "p_war", tol)
        vlo = min(pw)
        vhi = max(pw)
        out.append(f"War is least likely with {_names(lo)} ({fmt_percent(vlo)}) and most likely with {_names(hi)} "
                   f"({fmt_percent(vhi)}).")
    ps = [p["p_settled"] for p in pairs]
    if max(ps) - min(ps) > tol:
        _, hi = _extremes(pairs, "p_settled", tol)
        out.append(f"The crisis settles most often with {_names(hi)} ({fmt_percent(max(ps))}).")
    a, b = s["sides"]
    pa = np.array([p["expected_payoffs"][a] for p in pairs], dtype=float)
    pb = np.array([p["expected_payoffs"][b] for p in pairs], dtype=float)
    if np.all(np.isfinite(pa)) and np.all(np.isfinite(pb)) and len(pairs) > 1:
        ia, ib = int(np.argmax(pa)), int(np.argmax(pb))
        if ia == ib:
            out.append(f"Both sides expect the highest payoff with **{pairs[ia]['name']}**.")
        else:
            out.append(f"{a} expects the highest payoff with **{pairs[ia]['name']}**, {b} with "
                       f"**{pairs[ib]['name']}**.")
    if margins:
        out.append(f"Differences smaller than about {_pp(tol)} percentage points are within Monte-Carlo error.")
    return out


def crisis_markdown(summary: Mapping[str, Any], *, figures: Mapping[str, str] | None = None) -> str:
    """The section "How the crisis unfolds" of ``summary.md``, from :func:`crisis_summary`'s dict.

    The main pair is described in words (strategies, settings, how often the crisis
    settles, ends in war or by mediation, how long it lasts, the mean rungs and payoffs);
    the other pairs follow in a comparison table (columns for settings that differ between
    pairs), with sentences on which pair has the lowest chance of war, settles most often
    and pays each side most, all read off the numbers.  ``figures`` maps keys of
    :data:`REPEATED_FIGURE_FILES` to the files written (relative to the run directory);
    only the figures named there are described.
    """
    s = summary
    main = s["pairs"][s["main"]]
    settings = main.get("settings") or {}
    if settings.get("timing") == "alternating":
        a, b = s["sides"]
        first, second = (a, b) if settings.get("first_mover", "a") == "a" else (b, a)
        how = (f"The crisis is repeated, one move at a time: {first} moves, {second} sees (perhaps wrongly) where "
               f"{first} now stands and answers, and so on; each move is one round. After each round the crisis may slide into "
               "war, be ended by a third party, or settle; otherwise the next round is played.")
        if settings.get("opening"):
            x, y = settings["opening"]
            how += f" It opens with {a} standing at rung {x} and {b} at rung {y} (the trigger)."
    else:
        how = ("The crisis is repeated: each round both sides choose a rung at the same time, see (perhaps "
               "wrongly) what the other did, and choose again. After each round the crisis may slide into war, "
               "be ended by a third party, or settle; otherwise the next round is played.")
    lines = ["## How the crisis unfolds", "", how, ""]
    if main.get("description"):
        lines += [str(main["description"]).strip(), ""]
    lines += _main_paragraph(s, main) + [""]
    for group in s.get("coinciding") or ():
        names = ", ".join(group[:-1]) + " and " + group[-1]
        lines += [f"Note: {names} are the same automaton here (their tables are identical), so they give the "
                  "same numbers; they differ in name and in the reading behind them, not in play.", ""]
    others = [p for p in s["pairs"].values() if p["name"] != s["main"]]
    if others:
        lines += ["### Other strategy pairs", "",
                  f"The same crisis with other strategies for {s['sides'][0]} and {s['sides'][1]} "
                  "(percentages are shares of runs):", ""]
        lines += _comparison(s) + [""]
        lines += [" ".join(_comparison_sentences(s)), ""]
    if figures:
        a, b = s["sides"]
        lines += figure_notes(figures, {
            "trajectory_fan": f"for {a} and {b}, each column is one round; the colour shows how the runs still in "
                              "crisis are spread over the rungs (darker = more runs), the black line is the average "
                              "rung, thin coloured lines are single example runs, and the strip on top is the share "
                              "of runs still in crisis; a round's column fades as that share falls, so rounds that few "
                              "crises reach do not look as if they mattered as much.",
            "outcome_curves": "how the chances of war, settlement and mediation build up round by round, and the "
                              "share of runs still in crisis.",
            "compare_outcomes": "the strategy pairs side by side on the same scales: how the crisis ends and the "
                                "expected payoff of each side."})
    lines += [DISCLAIMER, ""]
    return "\n".join(lines)
