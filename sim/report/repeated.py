"""The repeated crisis in numbers and words: the summary dict and the ``summary.md`` sections.

Summaries
    :func:`crisis_summary` gathers the results of several strategy pairs (exact
    :class:`~sim.repeated.markov.MarkovResult` or Monte-Carlo :class:`~sim.repeated.montecarlo.SimulationResult`,
    read by duck typing on their shared fields) into a JSON-able dict;
    :func:`crisis_markdown` turns it into the plain-language section "How the crisis
    unfolds".  :func:`tournament_summary` and :func:`tournament_markdown` do the same for a
    :class:`~sim.repeated.tournament.TournamentResult`.  Nothing here simulates or solves: every
    number is read off the results (or is a sum, ratio or quantile of their arrays).

Derived per-round quantities
    :func:`rung_shares` (the distribution of each side's rung among the runs still in
    crisis), :func:`mean_rungs` and :func:`rung_quantiles` (defined in
    :mod:`sim.repeated.stats`) are shared with :mod:`sim.viz.trajectory`, so figures and
    text use the same numbers.

Wording
    :data:`STRATEGY_LABELS` and :data:`STRATEGY_DESCRIPTIONS` name and explain the
    registered strategies of :mod:`sim.repeated.strategies` in plain language; a pair entry may
    override the description of a side's strategy (e.g. to cite a stated policy).

Module map
    The code lives in :mod:`sim.wording` (strategy names), :mod:`sim.repeated.stats` (derived
    per-round quantities), :mod:`sim.report.crisis_text` (:func:`crisis_markdown`) and
    :mod:`sim.report.tournament`; :func:`crisis_summary` is defined here.  Every name is
    importable from here.
"""


from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from sim.repeated import ENDINGS
from sim.repeated.stats import expected_total_payoffs, final_value, half_time, is_monte_carlo, mean_rungs, per_round_arrays
from sim.files import to_jsonable
from sim.wording import strategy_description, strategy_display, strategy_label


__all__ = ["crisis_summary"]


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
    mc = is_monte_carlo(r)
    long_run = np.asarray(r.p_war).ndim == 0
    pay = expected_total_payoffs(r)
    ended = {e: final_value(getattr(r, f"p_{e}")) for e in ENDINGS}
    still = final_value(r.p_active) if long_run else max(0.0, 1.0 - sum(ended.values()))
    out: dict[str, Any] = {
        "name": name,
        "strategies": dict(zip(sides, keys)),
        "strategy_labels": {side: strategy_display(k, getattr(st, "params", None))
                            for side, k, st in zip(sides, keys, strats)},
        "strategy_descriptions": {side: desc_override.get(side, strategy_description(k, getattr(st, "params", None)))
                                  for side, k, st in zip(sides, keys, strats)},
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
        rd, pa = per_round_arrays(r, "crisis_summary")
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
            "median_round": {e: half_time(curves[e]) for e in ENDINGS},
            "round_90": {e: half_time(curves[e], 0.9) for e in ENDINGS},
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
          each a registry name or a :class:`~sim.repeated.strategies.Strategy` (``strategy_a`` and
          ``strategy_b`` are accepted too);
        - ``settings``: the settings of the run (``rounds``, ``execution_noise``,
          ``perception_noise``, ``settle_after``, ``mediation``, ``mediation_slope``,
          ``discount``, ``war_risk_scale``, ``paths``, ``seed`` ...), reported as given;
        - ``result``: a :class:`~sim.repeated.markov.MarkovResult` or
          :class:`~sim.repeated.montecarlo.SimulationResult` of *one* crisis (no batch dimensions);
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
    return to_jsonable({"sides": sides, "labels": labels, "K": K, "main": main, "pairs": out_pairs,
                        "coinciding": coinciding([st for v in pairs.values() for st in _strategy_names(v, sides)])})


def coinciding(strategies) -> list[list[str]]:
    """Groups of differently named strategies that are the same automaton (equal initial, action
    and transition tables), as readable labels: e.g. tit for tat and conditional de-escalation
    (its default reading).  Registry names (strings) are skipped."""
    seen: dict[bytes, dict[str, None]] = {}
    for st in strategies:
        if not hasattr(st, "transition"):
            continue
        key = b"".join(np.ascontiguousarray(a, dtype=float).tobytes() + str(a.shape).encode()
                       for a in (st.initial, st.action, st.transition))
        label = strategy_label(st) + _params_text(st)
        seen.setdefault(key, {})[label] = None
    return [list(g) for g in seen.values() if len(g) > 1]


def _params_text(st) -> str:
    params = {k: v for k, v in dict(getattr(st, "params", {}) or {}).items() if k != "kind"}
    return f" ({', '.join(f'{k} {v}' for k, v in params.items())})" if params else ""
