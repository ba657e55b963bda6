"""Strategic dynamics of a run's crisis: credibility of the stated policies, the Markov perfect
equilibrium, the credibility map, the reported sequence beside the model's (issue 10, item 6).

:func:`run_dynamic` calls the kernels of :mod:`sim.dynamic` and :func:`sim.repeated.analyse`,
saves the figures of :data:`DYNAMIC_FIGURES` and returns a JSON-able summary;
:func:`sim.report.dynamic_text.dynamic_markdown` turns it into words.

Choices (each written into the summary, so the report can say them):

- **Credibility** of the stated pair uses the crisis settings as they are (timing, opening,
  noise).  Infinite horizon at the crisis discount when it is below 1; with discount 1 the
  horizon is ``crisis.rounds`` rounds (an undiscounted infinite horizon has no natural scale).
  A side's stated policy is called a *best response* when its gain from deviating is at most
  ``BEST_RESPONSE_TOL`` times ``max(1, |best value|)``.
- **The MPE** is computed on the dynamic game without perception noise (a side that misreads
  the other's rung no longer knows the state) and at the crisis discount if below 1, else at
  ``dynamic_discount``; its trajectories come from :func:`sim.repeated.analyse` of the
  equilibrium policies played as automata over ``crisis.rounds`` rounds with those settings.
- **Paths in words** ("India plays 4, Pakistan answers 4, ...") follow each automaton's or
  policy's most likely rung and ignore noise, war, mediation and settlement: they describe a
  policy, the probabilities come from the exact analysis.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from sim.dynamic import credibility, escalation_game, markov_perfect, policy_to_strategy
from sim.errors import ConfigError
from sim.games import build
from sim.repeated import CrisisSettings, analyse
from sim.repeated.strategies import Strategy, observe_opening
from sim.viz import dynamic as plots
from sim.viz.style import save

__all__ = ["DYNAMIC_FIGURES", "BEST_RESPONSE_TOL", "run_dynamic", "mean_rungs", "stated_path", "best_response_path",
           "policy_rungs", "mpe_path", "largest_gap"]

#: File names of the strategic-dynamics figures, relative to the run directory.
DYNAMIC_FIGURES: dict[str, str] = {
    "policy_heatmap": "figures/equilibrium_policy.png",
    "equilibrium_trajectory": "figures/equilibrium_trajectory.png",
    "credibility_map": "figures/credibility_map.png",
    "reported_vs_model": "figures/reported_vs_model.png",
}

#: A stated policy is a best response when its gain from deviating is at most this times max(1, |best value|).
BEST_RESPONSE_TOL = 1e-9
#: Moves shown in the paths described in words.
PATH_MOVES = 8


def mean_rungs(result) -> np.ndarray:
    """``(T, 2)`` mean rung of each side in each round, given the crisis is still going on (NaN after)."""
    dist = np.asarray(result.rung_distribution, float)  # (T, 2, K)
    active = np.asarray(result.p_active, float)[:, None]
    mean = dist @ np.arange(dist.shape[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(active > 1e-12, mean / np.where(active > 1e-12, active, 1.0), np.nan)


def _likely(p) -> int:
    return int(np.argmax(p))


def _start(a: Strategy, b: Strategy, cs: CrisisSettings, K: int):
    """Noise-free automaton states and standing rungs when the crisis opens."""
    opening = cs.opening_pair(K)
    eye = np.eye(K)
    if opening is None:
        return _likely(a.initial), _likely(b.initial), None, 0
    # as the engine and the exact analysis play it (sim.repeated.strategies.timing.timed_pair): under
    # alternating timing only the first mover's automaton observes the opening; the other side's first
    # observation follows the first move
    sees_a = not cs.alternating or cs.first == 0
    sees_b = not cs.alternating or cs.first == 1
    sa = _likely(observe_opening(a, opening[0], opening[1], eye) if sees_a else a.initial)
    sb = _likely(observe_opening(b, opening[1], opening[0], eye) if sees_b else b.initial)
    return sa, sb, opening[0], opening[1]


def _settles(counter: int, pair, m: int | None) -> tuple[int, bool]:
    counter = counter + 1 if pair == (0, 0) else 0
    return counter, m is not None and counter >= m


def stated_path(a: Strategy, b: Strategy, cs: CrisisSettings, K: int, moves: int = PATH_MOVES,
                respond: Mapping[int, Any] | None = None) -> list[tuple[int, int, int]]:
    """The most likely path of the stated pair without noise: ``[(mover, rung_a, rung_b), ...]``
    (mover 0: A, 1: B, 2: both), stopping at settlement.

    ``respond`` optionally replaces one side's automaton by a best-response policy:
    ``{side: policy}`` with the policy of :attr:`sim.dynamic.Credibility.best_response_a` /
    ``_b`` (indexed by round when finite); see :func:`best_response_path`.
    """
    respond = respond or {}
    sa, sb, x, y = _start(a, b, cs, K)
    x = 0 if x is None else x
    m, c, path = cs.settle_after, 0, []
    if cs.alternating:
        for t in range(moves):
            mover = (t + cs.first) % 2
            if mover == 0:  # A moves against B's standing y; B's automaton updates on (own y, A's x)
                x = _br(respond[0], t, sb, y, c) if 0 in respond else _likely(a.action[sa])
                sb = _likely(b.transition[sb, y, x])
            else:  # B answers; A's automaton updates on (own x, B's y)
                y = _br(respond[1], t, sa, x, c) if 1 in respond else _likely(b.action[sb])
                sa = _likely(a.transition[sa, x, y])
            path.append((mover, x, y))
            c, done = _settles(c, (x, y), m)
            if done:
                break
        return path
    for t in range(moves):
        x = _br(respond[0], t, sb, None, c) if 0 in respond else _likely(a.action[sa])
        y = _br(respond[1], t, sa, None, c) if 1 in respond else _likely(b.action[sb])
        sa, sb = _likely(a.transition[sa, x, y]), _likely(b.transition[sb, y, x])
        path.append((2, x, y))
        c, done = _settles(c, (x, y), m)
        if done:
            break
    return path


def _br(policy: np.ndarray, t: int, o: int, k: int | None, c: int) -> int:
    """The best response's intended rung at move t (policy ``(T, S_O[, K], m)`` or ``(S_O[, K], m)``)."""
    pol = np.asarray(policy)
    finite = pol.ndim == (4 if k is not None else 3)
    if finite:
        pol = pol[min(t, pol.shape[0] - 1)]
    return int(pol[o, k, c] if k is not None else pol[o, c])


def best_response_path(cred, side: int, a: Strategy, b: Strategy, cs: CrisisSettings, K: int,
                       moves: int = PATH_MOVES) -> list[tuple[int, int, int]]:
    """The most likely path (no noise) when ``side`` plays its best response against the other's
    stated automaton (:func:`stated_path` with that side replaced)."""
    policy = np.asarray(cred.best_response_a if side == 0 else cred.best_response_b)
    return stated_path(a, b, cs, K, moves, respond={side: policy})


def policy_rungs(esc, policy: np.ndarray, side: int) -> np.ndarray:
    """``(K, K)`` most likely rung of ``side`` in each of its move states, indexed
    ``[other side's standing rung, own standing rung]`` (NaN where it does not move there;
    for the ``(0, 0)`` pair, its first counter state)."""
    K = esc.rungs
    out = np.full((K, K), np.nan)
    mover = np.asarray(esc.mover)
    for s in range(esc.n_states):
        if mover[s] not in (side, 2):
            continue
        x, y = (int(v) for v in esc.last_pair[s])
        if x < 0:
            continue
        own, other = (x, y) if side == 0 else (y, x)
        if np.isnan(out[other, own]):
            out[other, own] = _likely(policy[s])
    return out


def mpe_path(esc, pa: np.ndarray, pb: np.ndarray, moves: int = PATH_MOVES) -> list[tuple[int, int, int]]:
    """The MPE's most likely path from the opening state without noise: ``[(mover, rung_a, rung_b)]``."""
    s, path = esc.opening_state, []
    absorbing = set(esc.absorbing.values())
    x, y = (int(v) for v in esc.last_pair[s])
    x, y = max(x, 0), max(y, 0)
    for _ in range(moves):
        if s in absorbing:
            break
        mv = int(esc.mover[s])
        if mv in (0, 2):
            x = _likely(pa[s])
        if mv in (1, 2):
            y = _likely(pb[s])
        path.append((mv, x, y))
        s = esc.state_after(s, x, y)
    return path


def largest_gap(cred, side: int, a: Strategy, b: Strategy, alternating: bool) -> dict:
    """Where a one-round deviation from ``side``'s stated rule pays most: the product state
    (own rule's state, other's rule's state, other's standing rung under alternating timing,
    settlement counter), the rung the stated rule plays there, the other's next rung, the
    best response's rung there (at the start of a finite horizon) and the gain."""
    gap = np.asarray(cred.deviation_gap_a if side == 0 else cred.deviation_gap_b)
    own_rule = a if side == 0 else b
    search, by_rung = gap, None
    if alternating:  # prefer situations where the stated rule answers in kind (own rung = the other's standing)
        rung = own_rule.action.argmax(-1)  # (S_own,)
        k = np.arange(gap.shape[2])
        kind = (rung[:, None, None, None] == k[None, None, :, None]) if side == 0 else \
            (rung[None, :, None, None] == k[None, None, :, None])
        masked = np.where(np.broadcast_to(kind, gap.shape), gap, -np.inf)
        by_rung = [float(v) if np.isfinite(v) else None for v in masked.max(axis=(0, 1, 3))]
        if np.isfinite(masked).any() and masked.max() > 0:
            search = masked
    idx = np.unravel_index(int(np.argmax(search)), gap.shape)
    s_a, s_b = int(idx[0]), int(idx[1])
    k = int(idx[2]) if alternating else None
    c = int(idx[-1])
    own, other = (a, b) if side == 0 else (b, a)
    s_own, s_other = (s_a, s_b) if side == 0 else (s_b, s_a)
    policy = np.asarray(cred.best_response_a if side == 0 else cred.best_response_b)
    return {"gain": float(gap[idx]), "stated_rung": _likely(own.action[s_own]),
            "other_next_rung": _likely(other.action[s_other]), "other_standing": k, "counter": c,
            "best_rung": _br(policy, 0, s_other, k, c), "answer_in_kind_gain_by_rung": by_rung}


def _side_record(cred, side: int, sides, a, b, cs, K) -> dict:
    key = "ab"[side]
    value, best = float(getattr(cred, f"value_{key}")), float(getattr(cred, f"best_value_{key}"))
    gain = float(getattr(cred, f"gain_{key}"))
    gap = float(np.max(getattr(cred, f"deviation_gap_{key}")))
    scale = max(1.0, abs(best))
    return {"side": sides[side], "value": value, "best_value": best, "gain": gain,
            "is_best_response": bool(gain <= BEST_RESPONSE_TOL * scale),
            "max_one_shot_gain": gap,
            "stated_path": [list(p) for p in stated_path(a, b, cs, K)],
            "best_response_path": [list(p) for p in best_response_path(cred, side, a, b, cs, K)],
            "largest_gap": largest_gap(cred, side, a, b, cs.alternating)}


def _credibility(game, a, b, cs: CrisisSettings, sides, K) -> tuple[dict, Any]:
    if cs.discount < 1.0:
        ccs, horizon = dataclasses.replace(cs, rounds=None), "infinite"
    else:
        ccs, horizon = cs, f"{cs.rounds} rounds"
    t0 = time.perf_counter()
    cred = credibility(game, a, b, settings=ccs)
    rec = {"horizon": horizon, "rounds": ccs.rounds, "discount": float(ccs.discount),
           "is_subgame_perfect": bool(cred.is_subgame_perfect),
           "sides": [_side_record(cred, k, sides, a, b, ccs, K) for k in (0, 1)],
           "seconds": time.perf_counter() - t0}
    return rec, cred


def _mpe(game, cs: CrisisSettings, dynamic_discount: float, sides, K) -> tuple[dict, dict]:
    d = cs.discount if cs.discount < 1.0 else dynamic_discount
    dcs = dataclasses.replace(cs, perception_noise=0.0, discount=d)
    t0 = time.perf_counter()
    esc = escalation_game(game, dcs)
    eq = markov_perfect(esc)
    seconds = time.perf_counter() - t0
    pa, pb = np.asarray(eq.policy_a), np.asarray(eq.policy_b)
    sa, sb = policy_to_strategy(esc, pa, 0), policy_to_strategy(esc, pb, 1)
    res = analyse(game, sa, sb, settings=dcs)
    rungs = [policy_rungs(esc, pa, 0), policy_rungs(esc, pb, 1)]
    diag = {sides[p]: [None if np.isnan(rungs[p][k, k]) else int(rungs[p][k, k]) for k in range(K)] for p in (0, 1)}
    opening = esc.opening_state
    rec = {"discount": float(d), "perception_noise": 0.0, "rounds": cs.rounds, "states": int(esc.n_states),
           "one_shot_gap": float(eq.one_shot_gap), "seconds": seconds,
           "values": {sides[0]: float(eq.values[opening, 0]), sides[1]: float(eq.values[opening, 1])},
           "payoffs": {sides[0]: float(res.payoffs[0]), sides[1]: float(res.payoffs[1])},
           "p_war_by_round": [float(v) for v in res.p_war], "p_settled": float(res.p_settled[-1]),
           "p_mediated": float(res.p_mediated[-1]), "p_war": float(res.p_war[-1]),
           "p_still_in_crisis": float(1.0 - res.p_war[-1] - res.p_settled[-1] - res.p_mediated[-1]),
           "mean_rung_by_round": mean_rungs(res).tolist(),
           "path": [list(p) for p in mpe_path(esc, pa, pb)],
           "answer_at_same_rung": diag,
           "policy_rungs": {sides[p]: [[None if np.isnan(v) else int(v) for v in row] for row in rungs[p]]
                            for p in (0, 1)}}
    return rec, {"rungs": rungs, "result": res, "strategies": (sa, sb)}


def _map(game_name: str, params: Mapping[str, Any], x: str, xs, y: str, ys, a, b, cs: CrisisSettings):
    """Gains from deviating over the (y, x) grid: one batched credibility call (the games share
    their chains when only payoffs vary), without the subgame-perfection test (best responses
    and gains only)."""
    if cs.discount < 1.0:
        cs = dataclasses.replace(cs, rounds=None)
    t0 = time.perf_counter()
    g = build(game_name, **{**params, x: np.asarray(xs, float)[None, :], y: np.asarray(ys, float)[:, None]})
    c = credibility(g, a, b, settings=cs, subgame_perfect=False)
    gain = np.stack([np.broadcast_to(c.gain_a, (len(ys), len(xs))), np.broadcast_to(c.gain_b, (len(ys), len(xs)))])
    return {"x": x, "y": y, "x_values": list(map(float, xs)), "y_values": list(map(float, ys)),
            "gain": gain, "seconds": time.perf_counter() - t0,
            "horizon": "infinite" if cs.rounds is None else f"{cs.rounds} rounds"}


def _warnings(stated: Mapping[str, Any], sides: Sequence[str], strategies) -> list[str]:
    out = []
    if not stated:  # a scenario without stated policies: the crisis's pair is what the section analyses
        return out
    for side, strat in zip(sides, strategies):
        pol = stated.get(side)
        if pol is None:
            out.append(f"{side} has no stated policy in this scenario; the crisis plays {strat.name} for it.")
        elif pol["strategy"] != strat.name:
            out.append(f"{side}'s stated policy names {pol['strategy']}, but the crisis plays {strat.name} for it: "
                       f"the credibility numbers below are for {strat.name}.")
    return out


def run_dynamic(game, strategies, settings: CrisisSettings, *, sides: Sequence[str], out_dir: Path,
                stated: Mapping[str, Any] | None = None, phases: Sequence[Mapping[str, Any]] = (),
                stated_result=None, labels: Sequence[str] = (), do_credibility: bool = True, do_mpe: bool = False,
                dynamic_discount: float = 0.95, map_spec: Mapping[str, Any] | None = None,
                keep: dict | None = None) -> dict:
    """Credibility, MPE, credibility map and the reported-vs-model comparison; figures into ``out_dir``.

    ``strategies`` are the crisis's (side A, side B) automata, ``settings`` its
    :class:`CrisisSettings`; ``stated`` the scenario's stated policies as records
    (``{side: {"statement", "source", "strategy"}}``); ``phases`` the phase records
    (``{"date", "rungs": {side: rung}}``); ``stated_result`` the exact analysis of the stated
    pair (recomputed if None); ``map_spec`` ``{"game", "params", "x", "x_values", "y",
    "y_values"}`` for the credibility map (None: no map).  ``keep``: a dict that receives the
    equilibrium's strategies as ``keep["mpe_strategies"]`` (for later sections of a run).
    """
    out_dir = Path(out_dir)
    a, b = strategies
    K = a.K
    stated = dict(stated or {})
    summary: dict[str, Any] = {"sides": list(sides), "timing": settings.timing, "first_mover": settings.first_mover,
                               "opening": None if settings.opening is None else list(settings.opening),
                               "strategies": [a.name, b.name], "stated_policies": stated,
                               "same_rule": len(stated) == 2 and len({p["strategy"] for p in stated.values()}) == 1,
                               "warnings": _warnings(stated, sides, (a, b)), "figures": {}}
    if stated_result is None:
        stated_result = analyse(game, a, b, settings=settings)
    stated_mean = mean_rungs(stated_result)
    summary["stated_trajectory"] = {"mean_rung_by_round": stated_mean.tolist(),
                                    "p_war_by_round": [float(v) for v in stated_result.p_war],
                                    "p_active_by_round": [float(v) for v in stated_result.p_active],
                                    "p_war": float(stated_result.p_war[-1])}
    path = stated_path(a, b, settings, K)
    summary["stated_path"] = [list(p) for p in path]
    summary["stated_path_settles"] = bool(len(path) < PATH_MOVES and settings.settle_after is not None)
    if do_credibility:
        try:
            summary["credibility"], _ = _credibility(game, a, b, settings, sides, K)
        except ConfigError as err:  # a pair too large for the exact product (e.g. GRIT's many states)
            if err.field != "credibility":
                raise
            summary["credibility_skipped"] = err.message
    mpe_data = None
    if do_mpe:
        summary["mpe"], mpe_data = _mpe(game, settings, dynamic_discount, sides, K)
        if keep is not None:
            keep["mpe_strategies"] = mpe_data["strategies"]
        save(plots.policy_heatmap(mpe_data["rungs"], sides=sides, labels=labels,
                                  title="The equilibrium policy: the rung each side plays when it moves"),
             out_dir / DYNAMIC_FIGURES["policy_heatmap"])
        m = np.asarray(summary["mpe"]["mean_rung_by_round"], float)
        save(plots.equilibrium_trajectory(m, np.asarray(summary["mpe"]["p_war_by_round"]), stated_mean,
                                          np.asarray(stated_result.p_war), sides=sides,
                                          title="How the crisis unfolds: equilibrium vs the stated rules"),
             out_dir / DYNAMIC_FIGURES["equilibrium_trajectory"])
        summary["figures"]["policy_heatmap"] = DYNAMIC_FIGURES["policy_heatmap"]
        summary["figures"]["equilibrium_trajectory"] = DYNAMIC_FIGURES["equilibrium_trajectory"]
    if map_spec is not None and "credibility_skipped" not in summary:
        mp = _map(map_spec["game"], map_spec["params"], map_spec["x"], map_spec["x_values"], map_spec["y"],
                  map_spec["y_values"], a, b, settings)
        point = (float(map_spec["params"][map_spec["x"]]), float(map_spec["params"][map_spec["y"]]))
        save(plots.credibility_map(np.asarray(mp["x_values"]), np.asarray(mp["y_values"]), mp["gain"], point=point,
                                   x=mp["x"], y=mp["y"], sides=sides,
                                   title="Credibility map: what deviating from the stated rule would gain"),
             out_dir / DYNAMIC_FIGURES["credibility_map"])
        summary["map"] = {k: v for k, v in mp.items() if k != "gain"}
        summary["map"].update(point=list(point), max_gain=[float(mp["gain"][0].max()), float(mp["gain"][1].max())],
                              share_best_response=[float(np.mean(mp["gain"][k] <= 1e-6)) for k in (0, 1)])
        summary["figures"]["credibility_map"] = DYNAMIC_FIGURES["credibility_map"]
    if phases:
        reported = np.array([[np.nan if ph["rungs"].get(s) is None else ph["rungs"][s] for s in sides]
                             for ph in phases], float)
        likely = np.argmax(np.asarray(stated_result.rung_distribution), axis=-1)  # (T, 2)
        summary["reported"] = {"dates": [ph["date"] for ph in phases], "rungs": reported.tolist(),
                               "model_most_likely": likely.tolist()}
        mpe_mean = None if mpe_data is None else np.asarray(summary["mpe"]["mean_rung_by_round"], float)
        save(plots.reported_vs_model([ph["date"] for ph in phases], reported, stated_mean, likely, mpe_mean,
                                     sides=sides, alternating=settings.alternating,
                                     title="As reported (left) and as modelled (right)"),
             out_dir / DYNAMIC_FIGURES["reported_vs_model"])
        summary["figures"]["reported_vs_model"] = DYNAMIC_FIGURES["reported_vs_model"]
    return summary
