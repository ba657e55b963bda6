"""The stage game in numbers: :func:`stage_summary`, a JSON-able dict of the results.

Gathers the stage-game results (payoffs, class, equilibria and their refinements, the
equilibrium map's regime shares).  Nothing here computes equilibria: it takes the results
of :mod:`sim.equilibria`, :mod:`sim.games.classify` and :mod:`sim.sweeps.maps` as arguments.  The one
derived quantity is the best outcome cell that would leave *both* sides better off than
an equilibrium, read off the payoff matrices.  Re-exported from :mod:`sim.report`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from sim.config.scenario import phase_records, policy_records
from sim.files import to_jsonable
from sim.wording import class_label, param_label
from sim.games import payoff_matrices

__all__ = ["FIGURE_FILES", "MAX_LISTED", "stage_summary"]


#: Equilibria described one by one in ``summary.md`` (the rest are counted).
MAX_LISTED = 8

#: File names of the stage-game figures, relative to the run directory.
FIGURE_FILES: dict[str, str] = {
    "payoff_matrix": "figures/payoff_matrix.png",
    "equilibrium_map": "figures/equilibrium_map.png",
    "timeline": "figures/timeline.png",
}


def _scalar_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Builder parameters that are scalars (drops matrices and arrays)."""
    out = {}
    for k, v in params.items():
        if k == "name":
            continue
        if np.ndim(v) == 0 and not isinstance(v, str):
            try:
                out[k] = float(v)
            except (TypeError, ValueError):
                pass
    return out


# --------------------------------------------------------------------------- summary
def _is_default_label(label: str, i: int) -> bool:
    return label == f"rung {i}"


def _grid_index(values: np.ndarray, v: float) -> int | None:
    """Index of the grid value nearest ``v``, or None when ``v`` is NaN or outside the grid by > half a step."""
    if not math.isfinite(v):
        return None
    i = int(np.argmin(np.abs(values - v)))
    lo, hi = float(values.min()), float(values.max())
    step = float(np.min(np.abs(np.diff(values)))) if values.size > 1 else 0.0
    if v < lo - step / 2 or v > hi + step / 2:
        return None
    return i


def _map_summary(emap) -> dict[str, Any]:
    regime = np.asarray(emap.regime)
    names = tuple(emap.regime_names)
    total = regime.size
    codes, counts = np.unique(regime, return_counts=True)
    shares = {names[int(c)]: float(n) / total for c, n in zip(codes, counts)}
    xv, yv = np.asarray(emap.x_values, float), np.asarray(emap.y_values, float)
    n_pure = np.asarray(emap.n_pure)
    out: dict[str, Any] = {
        "game": emap.game,
        "kind": emap.kind,
        "x_name": emap.x_name,
        "y_name": emap.y_name,
        "x_label": param_label(emap.x_name),
        "y_label": param_label(emap.y_name),
        "x_range": [float(xv.min()), float(xv.max())],
        "y_range": [float(yv.min()), float(yv.max())],
        "shape": [int(yv.size), int(xv.size)],
        "fixed_params": {k: v for k, v in _scalar_params(emap.params).items() if k not in (emap.x_name, emap.y_name)},
        "regime_shares": shares,
        "regime_labels": {k: class_label(k) for k in shares},
        "share_several_pure": float(np.mean(n_pure > 1)),
        "share_no_pure": float(np.mean(n_pure == 0)),
        "point": [float(emap.point[0]), float(emap.point[1])],
    }
    ix, iy = _grid_index(xv, float(emap.point[0])), _grid_index(yv, float(emap.point[1]))
    if ix is None or iy is None:
        out.update(point_on_map=False, regime_at_point=None, level_at_point=None, n_pure_at_point=None,
                   p_top_at_point=None)
    else:
        out.update(point_on_map=True,
                   nearest_grid_point=[float(xv[ix]), float(yv[iy])],
                   regime_at_point=names[int(regime[iy, ix])],
                   level_at_point=float(np.asarray(emap.level)[iy, ix]),
                   n_pure_at_point=int(n_pure[iy, ix]),
                   p_top_at_point=float(np.asarray(emap.p_top)[iy, ix]))
    return out


def _better_cell(A: np.ndarray, B: np.ndarray, pa: float, pb: float) -> dict[str, Any] | None:
    """The outcome cell paying *both* sides strictly more than (pa, pb) with the largest sum, if any."""
    span = max(1.0, float(np.ptp(A)), float(np.ptp(B)))
    tol = 1e-9 * span
    better = (A > pa + tol) & (B > pb + tol)
    if not better.any():
        return None
    total = np.where(better, A + B, -np.inf)
    i, j = np.unravel_index(int(np.argmax(total)), A.shape)
    return {"rungs": [int(i), int(j)], "payoff_a": float(A[i, j]), "payoff_b": float(B[i, j])}


def stage_summary(*, scenario: Mapping[str, Any], game, equilibria, classification=None, emap=None) -> dict:
    """The stage-game results of a run as a JSON-able dict (the stage part of ``summary.json``).

    Parameters
    ----------
    scenario : mapping
        The scenario config; read keys ``name``, ``title``, ``sides``, ``narrative``,
        ``sources`` (all optional; ``sides`` defaults to ``game.sides``).
    game : sim.games.Game
        One game (no batch dimensions).
    equilibria : sim.equilibria.Equilibria
        Its equilibria, from :func:`sim.equilibria.nash_equilibria`.
    classification : sim.games.classify.Classification, optional
        For 2x2 games, the result of :func:`sim.games.classify.classify` on ``game``.
    emap : sim.sweeps.maps.EquilibriumMap, optional
        The equilibrium map around the scenario's parameters.

    Returns
    -------
    dict
        Keys ``scenario``, ``game``, ``classification`` (or None), ``equilibria`` (one
        dict per equilibrium, in the given order: ``index`` (1-based, as "E1" in the
        figures), ``kind``, ``x``, ``y``, ``payoff_a``, ``payoff_b``, ``support_a``/``_b``
        (rung labels), ``support_a_rungs``/``_b_rungs``, ``p_top``, ``pareto_undominated``,
        ``both_better_at`` (a cell paying both sides more, or None)), ``n_equilibria``,
        ``method``, ``degenerate``, ``pareto_undominated`` (1-based indices),
        ``payoff_dominant`` and ``risk_dominant`` (1-based index or None), ``map`` (or None).
        Values are plain Python (numpy is converted), ready for :func:`atomic_write_json`.
    """
    from sim.games.classify import TYPES
    from sim.equilibria.nash import pareto_undominated, payoff_dominant
    from sim.equilibria import risk_dominance_2x2

    if getattr(game, "is_batch", False):
        raise ValueError(f"stage_summary takes one game, got a batch of shape {game.batch_shape}")
    A, B = payoff_matrices(game)
    la, lb = tuple(game.labels_a), tuple(game.labels_b)
    sides = tuple(scenario.get("sides") or game.sides)
    sides = (str(sides[0]), str(sides[1])) if len(sides) >= 2 else tuple(game.sides)
    sources = scenario.get("sources") or []
    if isinstance(sources, str):
        sources = [sources]

    summary: dict[str, Any] = {
        "scenario": {
            "name": scenario.get("name"),
            "title": scenario.get("title") or scenario.get("name"),
            "sides": list(sides),
            "narrative": scenario.get("narrative"),
            "sources": [to_jsonable(s) for s in sources],
            # the dated phase table and stated policies (sim.config.scenario), when the scenario has them
            "phases": to_jsonable(phase_records(scenario.get("phases"))),
            "stated_policies": to_jsonable(policy_records(scenario.get("stated_policies"))),
        },
        "game": {
            "name": game.name,
            "params": to_jsonable(game.to_config()),
            "sides": list(game.sides),
            "n_rungs": [int(A.shape[0]), int(A.shape[1])],
            "labels_a": list(la),
            "labels_b": list(lb),
            "payoff_a": A.tolist(),
            "payoff_b": B.tolist(),
        },
    }
    if getattr(game, "war_probability", None) is not None:
        summary["game"]["war_probability"] = np.asarray(game.war_probability, float).tolist()

    if classification is not None:
        code = np.asarray(classification.code)
        if code.ndim != 0:
            raise ValueError(f"classification must be of one game, got batch shape {code.shape}")
        name = classification.name
        summary["classification"] = {
            "class": name,
            "label": class_label(name),
            "type_a": TYPES[int(classification.type_a)],
            "type_b": TYPES[int(classification.type_b)],
            "ties": bool(classification.ties),
            "degenerate": bool(classification.degenerate),
            "n_pure": int(classification.n_pure),
        }
    else:
        summary["classification"] = None

    eqs = list(equilibria)
    undominated = pareto_undominated(eqs) if eqs else np.zeros(0, bool)
    pd_index = payoff_dominant(eqs) if eqs else None
    rows = []
    for k, e in enumerate(eqs):
        x, y = np.asarray(e.x, float), np.asarray(e.y, float)
        sa, sb = e.support_a, e.support_b
        better = _better_cell(A, B, e.payoff_a, e.payoff_b)
        if better is not None:
            better["labels"] = [la[better["rungs"][0]], lb[better["rungs"][1]]]
        rows.append({
            "index": k + 1,
            "kind": e.kind,
            "x": x.tolist(),
            "y": y.tolist(),
            "payoff_a": float(e.payoff_a),
            "payoff_b": float(e.payoff_b),
            "support_a": [la[i] for i in sa],
            "support_b": [lb[j] for j in sb],
            "support_a_rungs": list(sa),
            "support_b_rungs": list(sb),
            "p_top": float(e.p_top),
            "pareto_undominated": bool(undominated[k]),
            "both_better_at": better,
        })
    risk = None
    if A.shape == (2, 2):
        r, c = (int(v) for v in np.asarray(risk_dominance_2x2(A, B)))
        if r >= 0:
            for k, e in enumerate(eqs):
                if e.is_pure and e.support_a == (r,) and e.support_b == (c,):
                    risk = k + 1
    summary.update({
        "equilibria": rows,
        "n_equilibria": len(rows),
        "n_pure": sum(1 for e in eqs if e.is_pure),
        "method": getattr(equilibria, "method", None),
        "degenerate": getattr(equilibria, "degenerate", None),
        "pareto_undominated": [k + 1 for k in np.flatnonzero(undominated).tolist()],
        "payoff_dominant": None if pd_index is None else int(pd_index) + 1,
        "risk_dominant": risk,
        "map": _map_summary(emap) if emap is not None else None,
    })
    return to_jsonable(summary)
