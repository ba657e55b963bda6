"""Tournaments in numbers and words: :func:`tournament_summary` (a JSON-able dict of a
:class:`~sim.repeated.tournament.TournamentResult`) and :func:`tournament_markdown` (its
``summary.md`` section).  Nothing here solves: every number is read off the result.
Re-exported from :mod:`sim.report.repeated`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from sim.files import to_jsonable
from sim.wording import (DISCLAIMER, figure_notes, fmt_number, fmt_percent, join_words, markdown_cell, sentence_case,
                         strategy_label)

__all__ = ["tournament_summary", "tournament_markdown"]


# --------------------------------------------------------------------------- tournaments
def _mix_words(p: np.ndarray, names: Sequence[str]) -> str:
    order = [i for i in np.argsort(-p, kind="stable") if p[i] > 1e-7]
    if len(order) == 1:
        return strategy_label(names[order[0]])
    parts = [f"{fmt_percent(p[i])} {strategy_label(names[i])}" for i in order]
    return ", ".join(parts[:-1]) + f" and {parts[-1]}"


def tournament_summary(tresult) -> dict:
    """A :class:`~sim.repeated.tournament.TournamentResult` as a JSON-able dict.

    Keys: ``names``, ``labels`` (readable), ``M``, ``scores``, ``ranking``, ``ess``
    (names), ``survivors``, ``final_shares`` (name -> share after the replicator
    dynamics), ``meta_equilibria`` (list of ``{"x", "y", "payoff_a", "payoff_b",
    "symmetric", "kind"}``, or None when not computed), ``score_kind``, ``rounds``.
    """
    names = list(tresult.names)
    eqs = None
    if tresult.meta_equilibria is not None:
        eqs = []
        for e in tresult.meta_equilibria:
            x, y = np.asarray(e.x, float), np.asarray(e.y, float)
            eqs.append({"x": x, "y": y, "payoff_a": float(e.payoff_a), "payoff_b": float(e.payoff_b),
                        "symmetric": bool(np.allclose(x, y, atol=1e-7)), "kind": e.kind})
    return to_jsonable({
        "names": names,
        "labels": [strategy_label(n) for n in names],
        "M": np.asarray(tresult.M, float),
        "scores": np.asarray(tresult.scores, float),
        "ranking": list(tresult.ranking),
        "ess": [n for n, e in zip(names, np.asarray(tresult.ess)) if e],
        "survivors": list(tresult.survivors),
        "final_shares": dict(zip(names, np.asarray(tresult.dynamics.final, float).tolist())),
        "meta_equilibria": eqs,
        "meta_equilibria_degenerate": getattr(tresult.meta_equilibria, "degenerate", None),
        "score_kind": tresult.score_kind,
        "rounds": tresult.rounds,
    })


def tournament_markdown(tresult, *, figures: Mapping[str, str] | None = None) -> str:
    """Section "Tournament" of ``summary.md``: ranking, meta-game equilibria in words, ESS, survivors.

    ``figures`` maps ``"tournament_heatmap"`` / ``"replicator"`` to the files written.
    """
    t = tournament_summary(tresult)
    names = t["names"]
    N = len(names)
    score = {n: v for n, v in zip(names, t["scores"])}
    ess = set(t["ess"])
    surv = set(t["survivors"])
    if t["score_kind"] == "per_round":
        what = "long-run payoff per round"
    elif t["rounds"] is None:
        what = "expected total payoff over the whole crisis"
    else:
        what = f"expected total payoff over a crisis of at most {t['rounds']} rounds"
    lines = ["## Tournament", "",
             f"{N} strategies met each other and themselves in the repeated crisis, as in Axelrod's tournaments "
             f"(Axelrod 1984). A match's payoff is the {what}; a strategy's score is its mean payoff against all "
             f"{N} entrants, itself included.", ""]
    lines += ["| Rank | Strategy | Mean score | Evolutionarily stable | Share after replicator dynamics |",
              "|--:|---|--:|:-:|--:|"]
    for k, n in enumerate(t["ranking"]):
        lines.append(f"| {k + 1} | {markdown_cell(strategy_label(n))} | {fmt_number(score[n])} | "
                     f"{'yes' if n in ess else ''} | "
                     f"{fmt_percent(t['final_shares'][n])}{' (survives)' if n in surv else ''} |")
    lines.append("")
    top = t["ranking"][0]
    lines += [f"**{sentence_case(strategy_label(top))}** scores highest ({fmt_number(score[top])}). "
              "A high score says how a strategy does against this particular field of entrants; it does not say "
              "the strategy would do as well against others.", ""]
    eqs = t["meta_equilibria"]
    if eqs is not None:
        lines += ["Treating each strategy as a single move gives the *meta-game*; in its Nash equilibria no "
                  "player gains by switching to another entrant."]
        if not eqs:
            lines += ["", "No equilibrium of the meta-game was found by the method used."]
        else:
            lines += [""]
            # symmetric (population) equilibria first, pure before mixed, higher payoff first
            eqs = sorted(eqs, key=lambda e: (not e["symmetric"], e["kind"] != "pure",
                                             -(e["payoff_a"] + e["payoff_b"])))
            for e in eqs[:8]:
                x, y = np.asarray(e["x"]), np.asarray(e["y"])
                if e["symmetric"]:
                    body = (f"everyone plays {_mix_words(x, names)}" if e["kind"] == "pure"
                            else f"a population mixing {_mix_words(x, names)}")
                    lines.append(f"- {sentence_case(body)} (each gets {fmt_number(e['payoff_a'])}).")
                else:
                    lines.append(f"- One player uses {_mix_words(x, names)} and the other {_mix_words(y, names)} "
                                 f"(payoffs {fmt_number(e['payoff_a'])} and {fmt_number(e['payoff_b'])}).")
            if len(eqs) > 8:
                lines.append(f"- ... and {len(eqs) - 8} more, listed in `summary.json`.")
            if t.get("meta_equilibria_degenerate"):
                lines += ["", "The meta-game is degenerate (some payoffs tie), so there may be whole ranges of "
                              "equilibria between those listed."]
        lines += [""]
    ess_names = [strategy_label(n) for n in names if n in ess]
    if ess_names:
        lines += [f"{sentence_case(join_words(ess_names))} {'is' if len(ess_names) == 1 else 'are'} "
                  "*evolutionarily stable*: a population that plays it cannot be invaded by a small group playing "
                  "any other entrant (Maynard Smith 1982).", ""]
    else:
        lines += ["No entrant is *evolutionarily stable*: a population playing any one of them can be invaded by "
                  "a small group playing some other entrant (Maynard Smith 1982).", ""]
    by_share = sorted((n for n in names if n in surv), key=lambda n: -t["final_shares"][n])
    shares = ", ".join(f"{strategy_label(n)} {fmt_percent(t['final_shares'][n])}" for n in by_share)
    lines += [f"Starting from equal shares, *replicator dynamics* let each strategy grow in proportion to how much "
              f"better than the population average it scores (Taylor and Jonker 1978). At the end: {shares}"
              + ("; the other strategies die out." if len(surv) < N else "; no strategy dies out."), ""]
    if figures:
        lines += figure_notes(figures, {
            "tournament_heatmap": "row strategy's payoff against the column strategy, rows and columns ordered by "
                                  "rank; outlined diagonal cells are evolutionarily stable, stars mark pure "
                                  "equilibria of the meta-game.",
            "replicator": "population shares over time under replicator dynamics; survivors are labelled."})
    lines += [DISCLAIMER, ""]
    return "\n".join(lines)
