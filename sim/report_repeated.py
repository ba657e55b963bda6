"""The repeated crisis in numbers and words: the summary dict and the ``summary.md`` sections.

Summaries
    :func:`crisis_summary` gathers the results of several strategy pairs (exact
    :class:`~sim.markov.MarkovResult` or Monte-Carlo :class:`~sim.engine.SimulationResult`,
    read by duck typing on their shared fields) into a JSON-able dict;
    :func:`crisis_markdown` turns it into the plain-language section "How the crisis
    unfolds".  :func:`tournament_summary` and :func:`tournament_markdown` do the same for a
    :class:`~sim.tournament.TournamentResult`.  Nothing here simulates or solves: every
    number is read off the results (or is a sum, ratio or quantile of their arrays).

Derived per-round quantities
    :func:`rung_shares` (the distribution of each side's rung among the runs still in
    crisis), :func:`mean_rungs` and :func:`rung_quantiles` are shared with
    :mod:`sim.plots_repeated`, so figures and text use the same numbers.

Wording
    :data:`STRATEGY_LABELS` and :data:`STRATEGY_DESCRIPTIONS` name and explain the
    registered strategies of :mod:`sim.strategies` in plain language; a pair entry may
    override the description of a side's strategy (e.g. to cite a stated policy).
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from .report import _cap, _num, _pct, to_jsonable

__all__ = [
    "STRATEGY_LABELS",
    "STRATEGY_DESCRIPTIONS",
    "REPEATED_FIGURE_FILES",
    "strategy_label",
    "rung_shares",
    "mean_rungs",
    "rung_quantiles",
    "crisis_summary",
    "crisis_markdown",
    "tournament_summary",
    "tournament_markdown",
]

#: Readable names of the registered strategies (:data:`sim.strategies.REGISTRY`).
STRATEGY_LABELS: dict[str, str] = {
    "always_restrain": "always restrain",
    "always_escalate": "always escalate",
    "tit_for_tat": "tit for tat",
    "grim_trigger": "grim trigger",
    "generous_tit_for_tat": "generous tit for tat",
    "win_stay_lose_shift": "win-stay lose-shift",
    "tit_for_two_tats": "tit for two tats",
    "suspicious_tit_for_tat": "suspicious tit for tat",
    "alternator": "alternator",
    "random": "random",
    "graduated_response": "graduated response",
    "proportional_response": "proportional response",
    "overwhelming_response": "overwhelming response",
    "grit": "GRIT",
    "conditional_deescalation": "conditional de-escalation",
}

#: What each registered strategy does, as a clause ("starts at rung 0, then ...").
STRATEGY_DESCRIPTIONS: dict[str, str] = {
    "always_restrain": "stays at rung 0 whatever the other side does",
    "always_escalate": "plays the top rung every round",
    "tit_for_tat": "starts at rung 0, then answers at the rung it saw the other side use in the round before",
    "grim_trigger": ("stays at rung 0 until it sees the other side above rung 0, then plays the top rung "
                     "for the rest of the crisis"),
    "generous_tit_for_tat": ("answers at the rung it saw, like tit for tat, but sometimes forgives an "
                             "escalation and returns to rung 0"),
    "win_stay_lose_shift": ("keeps its rung while the other side stays at rung 0; otherwise it moves, up to the "
                            "other's rung from rung 0, or back down to rung 0 from above"),
    "tit_for_two_tats": "escalates only after seeing the other side escalate twice in a row",
    "suspicious_tit_for_tat": "answers at the rung it saw, like tit for tat, but opens one rung up",
    "alternator": "alternates between rung 0 and a higher rung whatever the other side does",
    "random": "picks a rung at random every round",
    "graduated_response": "answers one rung above the rung it saw (\"match plus one\"), and rung 0 to rung 0",
    "proportional_response": "answers in proportion to the rung it saw",
    "overwhelming_response": ("answers any escalation with the top rung and returns to rung 0 as soon as the "
                              "other side does"),
    "grit": ("returns restraint with restraint, matches escalation, and every few rounds takes a unilateral "
             "step down (Osgood's GRIT)"),
    "conditional_deescalation": ("never initiates, answers an attack in kind, and steps down as soon as the "
                                 "other side steps down"),
}

#: File names of the repeated-crisis figures, relative to the run directory.
REPEATED_FIGURE_FILES: dict[str, str] = {
    "trajectory_fan": "figures/trajectory_fan.png",
    "outcome_curves": "figures/outcome_curves.png",
    "compare_outcomes": "figures/compare_outcomes.png",
    "tournament_heatmap": "figures/tournament_heatmap.png",
    "replicator": "figures/replicator.png",
}

ENDINGS = ("war", "settled", "mediated")
#: Settings that do not change the model (left out of the comparison table's setting columns).
_BOOKKEEPING = {"paths", "seed", "threads", "chunk_paths", "keep_paths"}
_Z95 = 1.959963984540054
_DISCLAIMER = ("*These are results of a stylised model under the stated assumptions, not predictions of what "
               "any government will do.*")


def strategy_label(name: Any) -> str:
    """Readable name of a strategy (a registry name, a user's name, or a ``Strategy``)."""
    name = str(getattr(name, "name", name))
    return STRATEGY_LABELS.get(name, name.replace("_", " "))


# --------------------------------------------------------------------------- derived arrays
def _per_round(result, what: str = "this function") -> tuple[np.ndarray, np.ndarray]:
    """``rung_distribution`` (T, 2, K) and ``p_active`` (T,) of one crisis with a time axis."""
    rd = np.asarray(result.rung_distribution, dtype=np.float64)
    pa = np.asarray(result.p_active, dtype=np.float64)
    if rd.ndim == 2:
        raise ValueError(f"{what} needs a per-round result; this one is long-run (rounds=None): "
                         "analyse with rounds=T")
    if rd.ndim != 3 or pa.shape != rd.shape[:1]:
        raise ValueError(f"{what} takes one crisis, got a batch of shape {rd.shape[:-3]}; "
                         "select one parameter point first")
    return rd, pa


def rung_shares(result) -> np.ndarray:
    """Share of the runs still in crisis in which each side is at each rung.

    Returns
    -------
    ndarray (T, 2, K)
        ``rung_distribution / p_active``; each ``[t, side]`` row sums to 1 where the
        crisis is still going on in round t (``p_active[t] > 0``) and is NaN elsewhere.
    """
    rd, pa = _per_round(result, "rung_shares")
    out = np.full(rd.shape, np.nan)
    on = pa > 0
    out[on] = rd[on] / rd[on].sum(-1, keepdims=True)
    return out


def mean_rungs(result) -> np.ndarray:
    """(T, 2) mean rung of each side among the runs still in crisis in round t (NaN when none is)."""
    s = rung_shares(result)
    return s @ np.arange(s.shape[-1], dtype=np.float64)


def rung_quantiles(result, q: float) -> np.ndarray:
    """(T, 2) the q-quantile of each side's rung among the runs still in crisis: the lowest
    rung r with P(rung <= r) >= q (NaN when no run is in crisis)."""
    s = rung_shares(result)
    cdf = np.cumsum(np.nan_to_num(s), -1)
    r = np.argmax(cdf >= q - 1e-12, axis=-1).astype(np.float64)
    r[np.isnan(s[..., 0])] = np.nan
    return r


def _final(v) -> float:
    """Last value of a per-round curve, or the value itself for a long-run result."""
    a = np.asarray(v, dtype=np.float64)
    if a.ndim == 0:
        return float(a)
    if a.ndim == 1:
        return float(a[-1])
    raise ValueError(f"expected one crisis, got an array of shape {a.shape}; select one parameter point first")


def _is_monte_carlo(result) -> bool:
    return hasattr(result, "paths") and hasattr(result, "path_payoffs")


def _total_payoffs(result) -> np.ndarray:
    """Expected total payoffs (2,): ``total_payoffs`` when the result has them (MarkovResult), else ``payoffs``."""
    pay = getattr(result, "total_payoffs", None)
    pay = np.asarray(result.payoffs if pay is None else pay, dtype=np.float64)
    if pay.shape != (2,):
        raise ValueError(f"expected payoffs of shape (2,), got {pay.shape}; select one parameter point first")
    return pay


def _half_time(curve: np.ndarray, share: float = 0.5) -> int | None:
    """First round (1-based) by which ``share`` of the endings seen by the last round have happened."""
    if curve.ndim != 1 or curve.size == 0 or curve[-1] <= 0:
        return None
    return int(np.argmax(curve >= share * curve[-1] - 1e-15)) + 1


# --------------------------------------------------------------------------- the crisis summary
def _strategy_names(entry: Mapping[str, Any], sides: Sequence[str]) -> list[Any]:
    if "strategies" in entry:
        s = entry["strategies"]
        if isinstance(s, Mapping):
            missing = [side for side in sides if side not in s]
            if missing:
                raise ValueError(f"strategies has no entry for side {missing[0]!r}; give one per side {list(sides)}")
            return [s[side] for side in sides]
        s = list(s)
        if len(s) != 2:
            raise ValueError(f"strategies must name one strategy per side, got {len(s)}")
        return s
    if "strategy_a" in entry and "strategy_b" in entry:
        return [entry["strategy_a"], entry["strategy_b"]]
    raise ValueError("a pair needs 'strategies' (one per side) or 'strategy_a' and 'strategy_b'")


def _pair_summary(name: str, entry: Mapping[str, Any], sides: Sequence[str]) -> dict[str, Any]:
    if "result" not in entry:
        raise ValueError(f"pair {name!r} has no 'result'")
    r = entry["result"]
    strats = _strategy_names(entry, sides)
    keys = [str(getattr(s, "name", s)) for s in strats]
    desc_override = entry.get("descriptions") or {}
    settings = dict(entry.get("settings") or {})
    mc = _is_monte_carlo(r)
    long_run = np.asarray(r.p_war).ndim == 0
    pay = _total_payoffs(r)
    ended = {e: _final(getattr(r, f"p_{e}")) for e in ENDINGS}
    still = _final(r.p_active) if long_run else max(0.0, 1.0 - sum(ended.values()))
    out: dict[str, Any] = {
        "name": name,
        "strategies": dict(zip(sides, keys)),
        "strategy_labels": {side: strategy_label(k) for side, k in zip(sides, keys)},
        "strategy_descriptions": {side: desc_override.get(side, STRATEGY_DESCRIPTIONS.get(k))
                                  for side, k in zip(sides, keys)},
        "strategy_configs": {side: (s.to_config() if hasattr(s, "to_config") else {"name": k})
                             for side, s, k in zip(sides, strats, keys)},
        "description": entry.get("description"),
        "settings": settings,
        "method": "monte_carlo" if mc else "exact",
        "rounds": None if long_run else int(np.asarray(r.p_war).shape[0]),
        "horizon": "long_run" if long_run else "rounds",
        "p_war": ended["war"],
        "p_settled": ended["settled"],
        "p_mediated": ended["mediated"],
        "p_still_in_crisis": still,
        "expected_payoffs": dict(zip(sides, pay.tolist())),
        "expected_rounds": float(np.asarray(r.expected_rounds)),
    }
    if long_run:
        out["absorbed_surely"] = getattr(r, "absorbed_surely", None)
        out["payoffs_per_round"] = dict(zip(sides, np.asarray(r.payoffs, float).tolist()))
        rd = np.asarray(r.rung_distribution, float)  # (2, K) long-run, conditional on active below
        act = rd.sum(-1)
        out["mean_rung"] = {side: (float(rd[i] @ np.arange(rd.shape[-1]) / act[i]) if act[i] > 0 else None)
                            for i, side in enumerate(sides)}
    else:
        curves = {e: np.asarray(getattr(r, f"p_{e}"), float) for e in ENDINGS}
        rd, pa = _per_round(r, "crisis_summary")
        K = rd.shape[-1]
        weight = rd.sum(0)  # (2, K): expected rounds at each rung
        mr = mean_rungs(r)
        peak = {}
        for i, side in enumerate(sides):
            if np.all(np.isnan(mr[:, i])):
                peak[side] = None
            else:
                t = int(np.nanargmax(mr[:, i]))
                peak[side] = {"round": t + 1, "rung": float(mr[t, i])}
        out.update({
            "mean_rung": {side: (float(weight[i] @ np.arange(K) / weight[i].sum()) if weight[i].sum() > 0 else None)
                          for i, side in enumerate(sides)},
            "peak_mean_rung": peak,
            "median_round": {e: _half_time(curves[e]) for e in ENDINGS},
            "round_90": {e: _half_time(curves[e], 0.9) for e in ENDINGS},
            "curves": {"p_active": pa.tolist(), **{f"p_{e}": curves[e].tolist() for e in ENDINGS},
                       "mean_rung": {side: mr[:, i].tolist() for i, side in enumerate(sides)}},
        })
    if mc:
        n = int(r.paths)
        probs = {"p_war": ended["war"], "p_settled": ended["settled"], "p_mediated": ended["mediated"],
                 "p_still_in_crisis": still}
        q = np.asarray(r.payoff_quantiles, float)
        out["monte_carlo"] = {
            "paths": n,
            "seed_entropy": str(r.seed_entropy),
            "probability_se": {k: math.sqrt(max(p * (1 - p), 0.0) / n) for k, p in probs.items()},
            "payoff_std": dict(zip(sides, np.asarray(r.payoff_std, float).tolist())),
            "payoff_sem": dict(zip(sides, np.asarray(r.payoff_sem, float).tolist())),
            "payoff_quantiles": {"levels": list(r.quantile_levels),
                                 **{side: q[:, i].tolist() for i, side in enumerate(sides)}},
            "war_time_mean": float(r.war_time_mean),
            "war_time_median": float(r.war_time_median),
            "settle_time_mean": float(r.settle_time_mean),
            "settle_time_median": float(r.settle_time_median),
        }
    return out


def crisis_summary(*, sides: Sequence[str], labels: Sequence[str] | None, pairs: Mapping[str, Mapping[str, Any]],
                   main: str | None = None) -> dict:
    """Outcomes of several strategy pairs in the repeated crisis, as a JSON-able dict.

    Parameters
    ----------
    sides : (str, str)
        Names of side A (rows) and side B (columns).
    labels : sequence of str or None
        Rung labels ``0 .. K-1`` (``None``: plain rung numbers).
    pairs : mapping name -> entry
        One entry per strategy pair, in the order to report them.  Keys of an entry:

        - ``strategies``: one strategy per side, as a pair (A, B) or a mapping side -> strategy;
          each a registry name or a :class:`~sim.strategies.Strategy` (``strategy_a`` and
          ``strategy_b`` are accepted too);
        - ``settings``: the settings of the run (``rounds``, ``execution_noise``,
          ``perception_noise``, ``settle_after``, ``mediation``, ``mediation_slope``,
          ``discount``, ``war_risk_scale``, ``paths``, ``seed`` ...), reported as given;
        - ``result``: a :class:`~sim.markov.MarkovResult` or
          :class:`~sim.engine.SimulationResult` of *one* crisis (no batch dimensions);
        - optional ``descriptions`` (side -> clause, read after "it", replacing the strategy's standard
          description, e.g. a stated policy) and ``description`` (a note on the pair).
    main : str, optional
        The pair described in words; default the first.

    Returns
    -------
    dict
        ``sides``, ``labels``, ``K``, ``main`` and ``pairs`` (name -> dict, in order).  Each
        pair: ``strategies`` / ``strategy_labels`` / ``strategy_descriptions`` (side ->),
        ``settings``, ``method`` (``"exact"`` or ``"monte_carlo"``), ``rounds`` (T, or
        None for a long-run result, whose probabilities are "ever"), ``p_war``,
        ``p_settled``, ``p_mediated`` (by the end of round T), ``p_still_in_crisis``
        (after round T), ``expected_payoffs`` (side -> total), ``expected_rounds``,
        ``mean_rung`` (side -> average rung over the rounds played), ``peak_mean_rung``,
        ``median_round`` / ``round_90`` (ending -> round by which half / 90% of the runs
        that end that way by T have done so), ``curves`` (per-round arrays); Monte-Carlo
        results add ``monte_carlo`` (``paths``, ``seed_entropy`` as a string, binomial
        standard errors of the probabilities, payoff std / sem / quantiles, times to war
        and settlement).  Plain Python values, ready for :func:`sim.report.atomic_write_json`.
    """
    sides = [str(s) for s in sides]
    if len(sides) != 2:
        raise ValueError(f"sides must name two sides, got {sides}")
    if not pairs:
        raise ValueError("pairs is empty; give at least one strategy pair")
    names = [str(k) for k in pairs]
    if main is None:
        main = names[0]
    if main not in names:
        raise ValueError(f"main pair {main!r} is not among the pairs {names}")
    out_pairs = {str(k): _pair_summary(str(k), v, sides) for k, v in pairs.items()}
    K = int(np.asarray(next(iter(pairs.values()))["result"].rung_distribution).shape[-1])
    labels = [str(x) for x in labels] if labels is not None else [f"rung {i}" for i in range(K)]
    if len(labels) != K:
        raise ValueError(f"labels has {len(labels)} entries but the results have K={K} rungs")
    return to_jsonable({"sides": sides, "labels": labels, "K": K, "main": main, "pairs": out_pairs})


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
        return None if float(arr) == 0 else f"each side {what} in {_pct(float(arr))} of rounds"
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
        parts.append(f"{side} in {_pct(float(p))} of rounds" if p.ndim == 0 else f"{side} according to a "
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
            parts.append(f"a third party ends the crisis after a round with probability {_pct(mu0)}, rising to "
                         f"{_pct(top)} when a side is at the top rung")
        else:
            parts.append(f"a third party ends the crisis after any round with probability {_pct(mu0)}")
    d = settings.get("discount")
    if d is not None and float(d) != 1.0:
        parts.append(f"each round's payoffs count {_num(d)} times those of the round before (discounting)")
    w = settings.get("war_risk_scale")
    if w is not None and float(w) != 1.0:
        parts.append(f"the game's war risk is multiplied by {_num(w)}")
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
    return _num(100 * x, 2)


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
        bullets.append(f"the crisis **settles** {by} in **{_pct(ps)}** {'of the ' if mc else ''}{runs}"
                       f"{when('settled')}")
    elif p["settings"].get("settle_after"):
        bullets.append("the crisis never settles")
    pw = p["p_war"]
    if pw > 0:
        bullets.append(f"**war** breaks out {by} in **{_pct(pw)}**{when('war')}")
    else:
        bullets.append("no run ends in war" + (" (the game has no war risk, or the pair never climbs into it)"
                                                if not mc else f" among the {mc['paths']:,} simulated runs"))
    pm = p["p_mediated"]
    if pm > 0:
        bullets.append(f"a **third party ends** the crisis {by} in **{_pct(pm)}**{when('mediated')}")
    still = p["p_still_in_crisis"]
    if long_run:
        if still > 0:
            bullets.append(f"in **{_pct(still)}** the crisis goes on indefinitely (the pair can lock into a "
                           "pattern that neither ends in war nor settles)")
    else:
        bullets.append(f"**{_pct(still)}** are still in crisis after round {T}")
    rounds = p["expected_rounds"]
    tail = []
    if rounds is not None:
        tail.append(f"On average the crisis lasts {_num(rounds)} round{'s' if _num(rounds) != '1' else ''}.")
    mr = p.get("mean_rung") or {}
    if all(mr.get(x) is not None for x in (a, b)):
        top = len(labels) - 1
        tail.append(f"While it lasts, {a} is on average at rung {_num(mr[a], 2)} and {b} at rung "
                    f"{_num(mr[b], 2)} (0 = {labels[0] if labels[0] != 'rung 0' else 'restraint'}, "
                    f"{top} = {labels[top] if labels[top] != f'rung {top}' else 'the top rung'}).")
    pay = p["expected_payoffs"]
    pay_text = (f"Expected payoffs over the whole crisis: {a} {_num(pay[a])}, {b} {_num(pay[b])} "
                "(utility; higher is better for that side")
    if mc:
        sem = mc["payoff_sem"]
        pay_text += f"; ±{_num(_Z95 * sem[a], 2)} and ±{_num(_Z95 * sem[b], 2)} at 95% confidence"
    tail.append(pay_text + ").")
    if mc:
        tail.append(f"Monte-Carlo estimate from {mc['paths']:,} simulated runs: the percentages are within about "
                    f"±{_pp(_margin(p))} percentage points at 95% confidence.")
    else:
        tail.append("These numbers are exact (computed from the Markov chain of the two strategies), "
                    "not sampled.")
    lines = [text, ""] + [f"- {_capmd(x)};" for x in bullets[:-1]] + [f"- {_capmd(bullets[-1])}."]
    if sett:
        lines = [sett, ""] + lines
    return lines + [""] + [" ".join(tail)]


def _capmd(text: str) -> str:
    """Sentence case that skips leading markdown emphasis (``**war** ...`` -> ``**War** ...``)."""
    k = len(text) - len(text.lstrip("*_"))
    return text[:k] + _cap(text[k:])


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
        return _num(v)
    if np.ndim(v) == 2:
        return "matrix"
    return str(v)


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


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
    rows = ["| " + " | ".join(_md_cell(h) for h in head) + " |", "|" + "---|" * (3 + len(diff) + mixed)
            + "--:|" * 7]
    for p in pairs:
        name = f"**{p['name']}** (main)" if p["name"] == s["main"] else p["name"]
        cells = [name, p["strategy_labels"][a], p["strategy_labels"][b]]
        cells += [_setting_value(p["settings"].get(k)) for k in diff]
        if mixed:
            mc = p.get("monte_carlo")
            cells.append(f"Monte Carlo, {mc['paths']:,} runs" if mc else "exact")
        cells += [_pct(p["p_war"]), _pct(p["p_settled"]), _pct(p["p_mediated"]), _pct(p["p_still_in_crisis"]),
                  _num(p["expected_rounds"]), _num(p["expected_payoffs"][a]), _num(p["expected_payoffs"][b])]
        rows.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
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
        spread = _pct(min(pw)) if _pct(min(pw)) == _pct(max(pw)) else f"{_pct(min(pw))} to {_pct(max(pw))}"
        out.append(f"War is about equally likely with every pair ({spread}).")
    else:
        lo, hi = _extremes(pairs, "p_war", tol)
        vlo = min(pw)
        vhi = max(pw)
        out.append(f"War is least likely with {_names(lo)} ({_pct(vlo)}) and most likely with {_names(hi)} "
                   f"({_pct(vhi)}).")
    ps = [p["p_settled"] for p in pairs]
    if max(ps) - min(ps) > tol:
        _, hi = _extremes(pairs, "p_settled", tol)
        out.append(f"The crisis settles most often with {_names(hi)} ({_pct(max(ps))}).")
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
    lines = ["## How the crisis unfolds", "",
             "The crisis is repeated: each round both sides choose a rung at the same time, see (perhaps "
             "wrongly) what the other did, and choose again. After each round the crisis may slide into war, "
             "be ended by a third party, or settle; otherwise the next round is played.", ""]
    if main.get("description"):
        lines += [str(main["description"]).strip(), ""]
    lines += _main_paragraph(s, main) + [""]
    others = [p for p in s["pairs"].values() if p["name"] != s["main"]]
    if others:
        lines += ["### Other strategy pairs", "",
                  f"The same crisis with other strategies for {s['sides'][0]} and {s['sides'][1]} "
                  "(percentages are shares of runs):", ""]
        lines += _comparison(s) + [""]
        lines += [" ".join(_comparison_sentences(s)), ""]
    if figures:
        a, b = s["sides"]
        read = []
        if "trajectory_fan" in figures:
            read.append(f"`{figures['trajectory_fan']}`: for {a} and {b}, each column is one round; the colour "
                        "shows how the runs still in crisis are spread over the rungs (darker = more runs), the "
                        "black line is the average rung, thin coloured lines are single example runs, and the "
                        "strip on top is the share of runs still in crisis.")
        if "outcome_curves" in figures:
            read.append(f"`{figures['outcome_curves']}`: how the chances of war, settlement and mediation build "
                        "up round by round, and the share of runs still in crisis.")
        if "compare_outcomes" in figures:
            read.append(f"`{figures['compare_outcomes']}`: the strategy pairs side by side on the same scales: "
                        "how the crisis ends and the expected payoff of each side.")
        if read:
            lines += ["How to read the figures:", ""] + [f"- {t}" for t in read] + [""]
    lines += [_DISCLAIMER, ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- tournaments
def _mix_words(p: np.ndarray, names: Sequence[str]) -> str:
    order = [i for i in np.argsort(-p, kind="stable") if p[i] > 1e-7]
    if len(order) == 1:
        return strategy_label(names[order[0]])
    parts = [f"{_pct(p[i])} {strategy_label(names[i])}" for i in order]
    return ", ".join(parts[:-1]) + f" and {parts[-1]}"


def tournament_summary(tresult) -> dict:
    """A :class:`~sim.tournament.TournamentResult` as a JSON-able dict.

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
        lines.append(f"| {k + 1} | {_md_cell(strategy_label(n))} | {_num(score[n])} | {'yes' if n in ess else ''} | "
                     f"{_pct(t['final_shares'][n])}{' (survives)' if n in surv else ''} |")
    lines.append("")
    top = t["ranking"][0]
    lines += [f"**{_cap(strategy_label(top))}** scores highest ({_num(score[top])}). A high score says how a "
              "strategy does against this particular field of entrants; it does not say the strategy would do "
              "as well against others.", ""]
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
                    lines.append(f"- {_cap(body)} (each gets {_num(e['payoff_a'])}).")
                else:
                    lines.append(f"- One player uses {_mix_words(x, names)} and the other {_mix_words(y, names)} "
                                 f"(payoffs {_num(e['payoff_a'])} and {_num(e['payoff_b'])}).")
            if len(eqs) > 8:
                lines.append(f"- ... and {len(eqs) - 8} more, listed in `summary.json`.")
            if t.get("meta_equilibria_degenerate"):
                lines += ["", "The meta-game is degenerate (some payoffs tie), so there may be whole ranges of "
                              "equilibria between those listed."]
        lines += [""]
    ess_names = [strategy_label(n) for n in names if n in ess]
    if ess_names:
        lines += [f"{_cap(_join(ess_names))} {'is' if len(ess_names) == 1 else 'are'} *evolutionarily stable*: "
                  "a population that plays it cannot be invaded by a small group playing any other entrant "
                  "(Maynard Smith 1982).", ""]
    else:
        lines += ["No entrant is *evolutionarily stable*: a population playing any one of them can be invaded by "
                  "a small group playing some other entrant (Maynard Smith 1982).", ""]
    by_share = sorted((n for n in names if n in surv), key=lambda n: -t["final_shares"][n])
    shares = ", ".join(f"{strategy_label(n)} {_pct(t['final_shares'][n])}" for n in by_share)
    lines += [f"Starting from equal shares, *replicator dynamics* let each strategy grow in proportion to how much "
              f"better than the population average it scores (Taylor and Jonker 1978). At the end: {shares}"
              + ("; the other strategies die out." if len(surv) < N else "; no strategy dies out."), ""]
    if figures:
        read = []
        if "tournament_heatmap" in figures:
            read.append(f"`{figures['tournament_heatmap']}`: row strategy's payoff against the column strategy, "
                        "rows and columns ordered by rank; outlined diagonal cells are evolutionarily stable, stars "
                        "mark pure equilibria of the meta-game.")
        if "replicator" in figures:
            read.append(f"`{figures['replicator']}`: population shares over time under replicator dynamics; "
                        "survivors are labelled.")
        if read:
            lines += ["How to read the figures:", ""] + [f"- {x}" for x in read] + [""]
    lines += [_DISCLAIMER, ""]
    return "\n".join(lines)


def _join(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"
