"""The numbers behind ``explorer.html``: a grid over the scenario's key parameters, computed in
advance by the batched kernels (issue 12, item 1).

Every run writes ``explorer.html`` (:func:`write_explorer`): sliders over the axes of
:class:`sim.config.explorer.ExplorerConfig`, and for the point they select

- the **stage game's equilibrium**: the rung played in equilibrium as the equilibrium map
  defines it (``eq_level`` of :func:`sim.sweeps.equilibrium_outcomes`: the mean rung over both
  sides and the pure equilibria; for 2x2 games over all equilibria) and the pure equilibria
  themselves (:func:`sim.equilibria.pure_equilibria`);
- **how the crisis of the stated pair ends**: P(war by round t) for t = 1..T and the shares
  at round T (war, settled, ended by a third party, still running), by
  :func:`sim.repeated.analyse` (exact);
- **credibility** of each side's stated policy, as the run's credibility section defines it
  (:mod:`sim.report.dynamic`): the payoff of the stated pair, of the side's best response
  and the gain from deviating; *credible* when the gain is at most ``BEST_RESPONSE_TOL`` times
  ``max(1, |best|)``; by :func:`sim.dynamic.credibility` (``subgame_perfect=False``: values
  and best responses only), on a coarser sub-grid (``explorer.credibility_points`` values per
  slider) because it is the costly part.  The page says which points these are and never
  shows a credibility number at a point where it was not computed as if it were;
- when the run's config has ``models.tying_hands``, an **audience-cost panel**, separate from the
  grid above (its numbers depend only on the tying-hands parameters): over :data:`AUDIENCE_POINTS`
  audience costs from 0 to ``max(2, 2 a)`` (the scenario's ``a`` exactly among them), the
  equilibrium type in plain words and the probabilities that the defender threatens, that an
  unresolved defender bluffs, that the challenger presses after a threat and of war, by one array
  call of :func:`sim.crisis.bargaining.tying_hands_curve` (:func:`audience_panel`).

No Python loop over grid points.  Each quantity is stored over the axes it depends on (the
stage game: the game parameters; the crisis outcomes: the settings and the game parameters
that change the war-risk table, since the automata's chain does not depend on payoffs;
credibility: every axis), each computed by one batched call per combination of the crisis
settings on the sliders (settings are scalars of the kernels), as :func:`sim.sweeps.evaluate_points`
groups them.  Shapes: an axis list ``axes`` and a flat C-order list of values over those
axes' grid values.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from sim.dynamic import credibility
from sim.dynamic.credibility_core import MAX_BYTES, credibility_bytes
from sim.equilibria import pure_equilibria
from sim.errors import ConfigError
from sim.games import build, payoff_matrices
from sim.repeated import CrisisSettings, analyse
from sim.report.dynamic import BEST_RESPONSE_TOL
from sim.sweeps import equilibrium_outcomes

__all__ = ["explorer_data", "write_explorer", "explorer_markdown", "credibility_settings", "audience_panel",
           "LISTED_EQUILIBRIA", "AUDIENCE_POINTS", "EXPLORER_FILE"]

#: Pure equilibria listed per point (the count is always given).
LISTED_EQUILIBRIA = 3
EXPLORER_FILE = "explorer.html"
#: Values of the audience-cost slider (the tying-hands panel).
AUDIENCE_POINTS = 41


def credibility_settings(cs: CrisisSettings) -> CrisisSettings:
    """The settings credibility is computed with, as in the run's credibility section: an infinite
    horizon at the crisis discount when it is below 1, else the crisis's rounds."""
    return dataclasses.replace(cs, rounds=None) if cs.discount < 1.0 else cs


def _grid_params(base: Mapping[str, Any], axes, which: Sequence[int], idx: Sequence[Sequence[int]] | None = None):
    """Builder parameters with the game axes ``which`` broadcast along their own dimension
    (``idx``: the indices of each axis's values to use; default all)."""
    params = dict(base)
    n = len(which)
    for d, j in enumerate(which):
        v = np.asarray(axes[j].values, float)
        if idx is not None:
            v = v[list(idx[d])]
        shape = [1] * n
        shape[d] = v.size
        params[axes[j].name] = v.reshape(shape)
    return params


def _full(M, shape):
    return np.broadcast_to(M, tuple(shape) + M.shape[-2:])


def _stage(game_name: str, base, axes, gaxes: list[int]) -> dict:
    """Equilibria of the stage game over the game axes: one batched build and solve."""
    shape = [len(axes[j].values) for j in gaxes]
    g = build(game_name, **_grid_params(base, axes, gaxes))
    Ae, Be = payoff_matrices(g)
    A, B = _full(Ae, shape), _full(Be, shape)
    kind, regime, names, n_pure, level, _ = equilibrium_outcomes(A, B)
    pure = pure_equilibria(A, B).reshape(-1, A.shape[-2] * A.shape[-1])
    kb = A.shape[-1]
    # the first LISTED_EQUILIBRIA pure equilibria (x, y) per point, lowest rungs first (C order)
    order = np.argsort(~pure, axis=1, kind="stable")[:, :LISTED_EQUILIBRIA]
    listed = [[[int(c // kb), int(c % kb)] for c, ok in zip(row, pure[i, row]) if ok] for i, row in enumerate(order)]
    return {"axes": [axes[j].name for j in gaxes], "kind": kind,
            "eq_level": [None if not np.isfinite(v) else float(v) for v in np.ravel(level)],
            "n_pure": [int(v) for v in np.ravel(n_pure)], "pure": listed,
            "regime": [str(names[int(r)]) for r in np.ravel(regime)]}


def _changes_war_table(game_name: str, base, axis) -> bool:
    g = build(game_name, **dict(base, **{axis.name: np.asarray(axis.values, float)}))
    w = g.war_probability
    if w is None:
        return False
    w = np.asarray(w).reshape(-1, *np.shape(w)[-2:])
    return bool(w.shape[0] > 1 and not np.all(w == w[:1]))


def _by_settings(axes, saxes: list[int], idx: Mapping[int, Sequence[int]] | None, cs: CrisisSettings):
    """Every combination of the setting sliders' values (C order), as CrisisSettings."""
    lists = [list(idx[j]) if idx is not None else range(len(axes[j].values)) for j in saxes]
    for combo in itertools.product(*lists):
        yield dataclasses.replace(cs, **{axes[j].name: float(axes[j].values[i]) for j, i in zip(saxes, combo)})


def _order(arr: np.ndarray, first: list[int], second: list[int], extra: int = 0) -> tuple[np.ndarray, list[int]]:
    """``arr`` of dims (first..., second..., extra...) with the axis dims put back in slider order."""
    dims = first + second
    perm = list(np.argsort(dims)) + list(range(len(dims), len(dims) + extra))
    return np.transpose(arr, perm), sorted(dims)


def _crisis(game_name: str, base, axes, strategies, cs: CrisisSettings, gaxes, saxes, budget) -> dict:
    """The stated pair's outcomes over the axes that change its chain: one batched ``analyse``
    per combination of the setting sliders."""
    caxes = [j for j in gaxes if _changes_war_table(game_name, base, axes[j])]
    g = build(game_name, **_grid_params(base, axes, caxes))
    shape = [len(axes[j].values) for j in caxes]
    n = int(np.prod(shape, dtype=int))
    Ae, Be = payoff_matrices(g)
    batch = dataclasses.replace(g, A=_full(np.asarray(g.A), shape).reshape(n, *Ae.shape[-2:]).copy(),
                                B=_full(np.asarray(g.B), shape).reshape(n, *Be.shape[-2:]).copy(),
                                war_probability=None if g.war_probability is None else
                                _full(np.asarray(g.war_probability), shape).reshape(n, *Ae.shape[-2:]).copy(),
                                war_payoff=None if g.war_payoff is None else
                                np.broadcast_to(g.war_payoff, tuple(shape) + (2,)).reshape(n, 2).copy())
    a, b = strategies
    runs = [analyse(batch, a, b, settings=c, memory_budget_gb=budget) for c in _by_settings(axes, saxes, None, cs)]
    sshape = [len(axes[j].values) for j in saxes]
    T = cs.rounds

    def stack(name, last=False):
        x = np.stack([np.asarray(getattr(r, name)).reshape(n, T) for r in runs])  # (settings, games, T)
        x = x.reshape(tuple(sshape) + tuple(shape) + (T,))
        x = np.moveaxis(x, list(range(len(sshape))), list(range(len(shape), len(shape) + len(sshape))))
        x, dims = _order(x, caxes, saxes, extra=1)
        return (x[..., -1] if last else x), dims

    p_war, dims = stack("p_war")
    settled, _ = stack("p_settled", True)
    mediated, _ = stack("p_mediated", True)
    war = p_war[..., -1]
    flat = lambda x: [float(v) for v in np.ravel(x)]  # noqa: E731
    return {"axes": [axes[j].name for j in dims], "rounds": int(T),
            "p_war_by_round": [[float(v) for v in row] for row in p_war.reshape(-1, T)],
            "war": flat(war), "settled": flat(settled), "mediated": flat(mediated),
            "running": flat(1.0 - war - settled - mediated)}


def _credibility(game_name: str, base, axes, strategies, cs: CrisisSettings, gaxes, saxes) -> dict:
    """Credibility of the stated pair on the sub-grid ``axes[j].credibility``: one batched call per
    combination of the setting sliders' sub-grid values."""
    ccs = credibility_settings(cs)
    gidx = [axes[j].credibility for j in gaxes]
    g = build(game_name, **_grid_params(base, axes, gaxes, gidx))
    shape = [len(i) for i in gidx]
    n = int(np.prod(shape, dtype=int))
    Ae, _ = payoff_matrices(g)
    K = Ae.shape[-1]
    batch = dataclasses.replace(g, A=_full(np.asarray(g.A), shape).reshape(n, K, K).copy(),
                                B=_full(np.asarray(g.B), shape).reshape(n, K, K).copy(),
                                war_probability=None if g.war_probability is None else
                                _full(np.asarray(g.war_probability), shape).reshape(n, K, K).copy(),
                                war_payoff=None if g.war_payoff is None else
                                np.broadcast_to(g.war_payoff, tuple(shape) + (2,)).reshape(n, 2).copy())
    a, b = strategies
    sidx = {j: axes[j].credibility for j in saxes}
    per = credibility_bytes(K, a.n_states, b.n_states, ccs.settle_after or 1, ccs.alternating)
    step = max(1, MAX_BYTES // per)  # games per call, as sim.sweeps cuts a batch (a loop over chunks, not points)
    t0 = time.perf_counter()
    keys = ("value_a", "value_b", "best_value_a", "best_value_b", "gain_a", "gain_b")
    res = []  # per settings combination: {key: (n,)}
    for c in _by_settings(axes, saxes, sidx, ccs):
        parts = [credibility(batch[lo:lo + step], a, b, settings=c, subgame_perfect=False) for lo in range(0, n, step)]
        res.append({k: np.concatenate([np.asarray(getattr(r, k), float).reshape(-1) for r in parts]) for k in keys})
    sshape = [len(axes[j].credibility) for j in saxes]
    out = {}
    for key in keys:
        x = np.stack([r[key] for r in res]).reshape(tuple(sshape) + tuple(shape))
        x = np.moveaxis(x, list(range(len(sshape))), list(range(len(shape), len(shape) + len(sshape))))
        x, dims = _order(x, list(gaxes), list(saxes))
        out[key] = [float(v) for v in np.ravel(x)]
    for s in "ab":
        out[f"credible_{s}"] = [bool(gn <= BEST_RESPONSE_TOL * max(1.0, abs(bv)))
                                for gn, bv in zip(out[f"gain_{s}"], out[f"best_value_{s}"])]
    return dict(out, axes=[axes[j].name for j in sorted(list(gaxes) + list(saxes))],
                index={axes[j].name: list(axes[j].credibility) for j in range(len(axes))},
                horizon="infinite" if ccs.rounds is None else f"{ccs.rounds} rounds", discount=float(ccs.discount),
                seconds=time.perf_counter() - t0)


def _finite(x) -> list:
    return [float(v) if np.isfinite(v) else None for v in np.ravel(np.asarray(x, float))]


def audience_panel(block: Mapping[str, Any] | None, sides: Sequence[str]) -> dict | None:
    """The audience-cost panel of the tying-hands model (None without ``block``, the validated
    ``models.tying_hands`` block: ``defender`` and ``params``; ``sides``: the run's two sides).

    Keys: ``defender``, ``challenger``; ``params`` (every keyword of the model, the scenario's
    values); ``values`` (P,) audience costs, :data:`AUDIENCE_POINTS` evenly spaced from 0 to
    ``max(2, 2 a)`` with the grid point nearest the scenario's ``a`` replaced by ``a`` itself;
    ``initial`` (index of ``a``); per point, of the primary equilibrium: ``type`` (index into
    ``types``), ``p_threat``, ``bluff``, ``press``, ``p_war`` (None where undefined), ``tie``;
    ``types``: per equilibrium type met, ``code``, ``name`` and ``plain`` (the sentence of
    :data:`sim.report.models_text.TYING_HANDS_PLAIN` with the side names); ``commitment_threshold``."""
    if not block:
        return None
    from sim.crisis.bargaining import CODES, LABELS, PARAMS, tying_hands_curve
    from sim.report.models_text import TYING_HANDS_PLAIN

    de = block["defender"]
    ch = sides[1] if de == sides[0] else sides[0]
    params = {k: float(block["params"].get(k, d)) for k, (d, _) in PARAMS.items()}
    a0 = params["audience_cost"]
    values = np.linspace(0.0, max(2.0, 2.0 * a0), AUDIENCE_POINTS)
    initial = int(np.argmin(np.abs(values - a0)))
    values[initial] = a0  # the scenario's value exactly (within half a step of its neighbour: order kept)
    curve = tying_hands_curve("audience_cost", values=values,  # one array call over every slider value
                              **{k: v for k, v in params.items() if k != "audience_cost"})
    res = curve.result
    codes = [int(c) for c in res.primary("code")]
    met = sorted(set(codes))
    return {"defender": de, "challenger": ch, "params": params, "values": [float(v) for v in curve.values],
            "initial": initial, "type": [met.index(c) for c in codes],
            "types": [{"code": CODES[c], "name": LABELS[c].split(":")[0],
                       "plain": TYING_HANDS_PLAIN[CODES[c]].format(de=de, ch=ch)} for c in met],
            **{k: _finite(res.primary(k)) for k in ("p_threat", "bluff", "press", "p_war")},
            "tie": [bool(t) for t in np.ravel(res.tie)],
            "commitment_threshold": float(res.commitment_threshold[0])}


def explorer_data(rc, game) -> dict:
    """The explorer's data (JSON-able) for a validated run config ``rc`` (:class:`sim.config.RunConfig`
    with ``rc.explorer`` set) and its built game (side names and rung labels).

    Keys: ``axes`` (per slider: ``name``, ``kind``, ``values`` (P,), ``initial`` index,
    ``credibility`` indices); ``stage`` over the game sliders ``stage["axes"]`` (N points, C order):
    ``eq_level`` (N,) in rungs (None: no equilibrium listed), ``n_pure`` (N,), ``pure`` (N lists of
    at most :data:`LISTED_EQUILIBRIA` ``[rung_a, rung_b]``), ``regime`` (N,) names, ``kind``;
    ``crisis`` (None without a crisis) over ``crisis["axes"]`` (M points): ``p_war_by_round``
    (M, T) probabilities, ``war``, ``settled``, ``mediated``, ``running`` (M,) at round T;
    ``credibility`` (None when off or not computed; the reason in ``credibility_note``) over every
    slider restricted to ``index[name]`` (C points): ``value_a/b``, ``best_value_a/b``, ``gain_a/b``
    (C,) in payoff units (illustrative), ``credible_a/b`` (C,) bools, ``horizon``, ``discount``;
    ``audience`` (None without ``models.tying_hands``): the audience-cost panel, :func:`audience_panel`;
    ``title``, ``sides``, ``labels``, ``labels_b``, ``K``, ``strategies``, ``notes``, ``seconds``."""
    ex = rc.explorer
    axes = list(ex.axes)
    game_name = rc.game["name"]
    base = {k: v for k, v in rc.game.items() if k != "name"}
    gaxes = [j for j, ax in enumerate(axes) if ax.kind == "game"]
    saxes = [j for j, ax in enumerate(axes) if ax.kind == "setting"]
    t0 = time.perf_counter()
    data: dict[str, Any] = {
        "title": rc.scenario.title, "sides": list(game.sides), "labels": list(game.labels_a),
        "labels_b": list(game.labels_b), "K": list(game.n_actions),
        "axes": [{"name": ax.name, "kind": ax.kind, "values": [float(v) for v in ax.values], "initial": ax.initial,
                  "credibility": list(ax.credibility)} for ax in axes],
        "notes": list(ex.notes), "stage": _stage(game_name, base, axes, gaxes), "crisis": None, "credibility": None}
    cc = rc.crisis
    if cc is None:
        data["crisis_note"] = "This run has no repeated crisis (crisis: null), so the page shows the stage game only."
    else:
        a, b = cc.strategies
        data["strategies"] = [a.name, b.name]
        data["crisis"] = _crisis(game_name, base, axes, cc.strategies, cc.settings, gaxes, saxes, rc.memory_budget_gb)
        if ex.credibility_points == 0:
            data["credibility_note"] = "Credibility is off (explorer.credibility_points = 0)."
        else:
            try:
                data["credibility"] = _credibility(game_name, base, axes, cc.strategies, cc.settings, gaxes, saxes)
            except ConfigError as err:  # a pair too large for the exact product (e.g. GRIT's many states)
                if err.field != "credibility":
                    raise
                data["credibility_note"] = f"Credibility was not computed: {err.message}."
    data["audience"] = audience_panel((rc.models or {}).get("tying_hands"), game.sides)
    data["seconds"] = time.perf_counter() - t0
    return data


def write_explorer(rc, game, out_dir) -> dict:
    """Compute the grid, write ``<out_dir>/explorer.html`` atomically, return a summary for
    ``summary.json`` (file, sliders, sizes, seconds)."""
    from sim.files import atomic_write_text
    from sim.report.explorer_page import render_explorer

    t0 = time.perf_counter()
    data = explorer_data(rc, game)
    page = render_explorer(data)
    size = len(page.encode("utf-8"))
    budget = int(rc.explorer.max_mb * 1e6)
    if size > budget:  # explorer_bytes bounds it; a scenario with very long texts could still exceed it
        raise ConfigError("explorer.max_mb", f"explorer.html would be {size / 1e6:.2f} MB, over {rc.explorer.max_mb:g} MB")
    atomic_write_text(Path(out_dir) / EXPLORER_FILE, page)
    cred = data["credibility"]
    return {"file": EXPLORER_FILE, "sliders": {ax["name"]: ax["values"] for ax in data["axes"]},
            "points": int(np.prod([len(ax["values"]) for ax in data["axes"]], dtype=int)),
            "credibility_points": None if cred is None else {k: [data["axes"][i]["values"][j] for j in v]
                                                             for i, (k, v) in enumerate(cred["index"].items())},
            "audience_cost": None if data["audience"] is None else
            {"values": len(data["audience"]["values"]), "initial": data["audience"]["values"][data["audience"]["initial"]]},
            "bytes": size, "seconds": time.perf_counter() - t0, "notes": data["notes"]
            + [data[k] for k in ("crisis_note", "credibility_note") if k in data]}


def explorer_markdown(s: Mapping[str, Any]) -> str:
    """A short section of ``summary.md`` pointing to the page."""
    from sim.wording import param_label

    sliders = ", ".join(f"{param_label(k)} ({len(v)} values)" for k, v in s["sliders"].items()) or "none"
    lines = ["## Explorer", "",
             f"Open `{s['file']}` in any browser (it works offline, with no server): sliders over {sliders} show the "
             "stage game's equilibrium, how the crisis of the stated policies ends and whether each stated policy is "
             f"credible, all computed in advance at {s['points']} grid points "
             f"({s['bytes'] / 1e6:.2f} MB)."]
    if s.get("audience_cost"):
        lines[-1] += (f" A separate slider moves the audience cost of the tying-hands model ({s['audience_cost']['values']} "
                      "values) and shows its equilibrium and the chances of a threat, a bluff, pressing and war.")
    if s.get("credibility_points"):
        lines[-1] += (" Credibility is computed on a coarser grid (the page marks where); the other numbers at "
                      "every point.")
    for note in s.get("notes", []):
        lines += ["", f"*{note}*"]
    return "\n".join(lines)
