"""Run outputs in words and JSON: ``summary.json`` and ``summary.md`` for the stage game.

Writers
    :func:`atomic_write_text` and :func:`atomic_write_json` write a file completely or not
    at all: the text goes to a temporary file in the same directory, which is then moved
    over the target with :func:`os.replace` (atomic on POSIX and Windows), so a crash or a
    concurrent reader never sees half a file.

Summaries
    :func:`stage_summary` gathers the stage-game results (payoffs, class, equilibria and
    their refinements, the equilibrium map's regime shares) into a JSON-able dict;
    :func:`stage_markdown` turns that dict into a short plain-language ``summary.md``.
    Neither computes equilibria: they take the results of :mod:`sim.equilibria`,
    :mod:`sim.classify` and :mod:`sim.sweep` as arguments.  The one derived quantity is
    the best outcome cell that would leave *both* sides better off than an equilibrium,
    read off the payoff matrices.

Wording
    The readable names of game classes (:data:`CLASS_LABELS`) and of builder parameters
    with their units (:func:`param_label`) live here and are shared with
    :mod:`sim.plots`, so figures and text use the same words.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import uuid
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = [
    "CLASS_LABELS",
    "FIGURE_FILES",
    "PARAM_LABELS",
    "atomic_write_text",
    "atomic_write_json",
    "to_jsonable",
    "class_label",
    "param_label",
    "stage_summary",
    "stage_markdown",
]

#: Readable names of the game classes of :data:`sim.classify.CLASSES` and of the regimes of
#: :data:`sim.sweep.REGIMES`.
CLASS_LABELS: dict[str, str] = {
    "prisoners_dilemma": "Prisoner's Dilemma",
    "chicken": "Chicken",
    "stag_hunt": "Stag Hunt",
    "deadlock": "Deadlock",
    "harmony": "Harmony",
    "leader": "Leader",
    "battle_of_the_sexes": "Battle of the Sexes",
    "cyclic": "Cyclic (no pure equilibrium)",
    "asymmetric": "Asymmetric (sides differ)",
    "tied": "Tied payoffs",
    "other": "Other ordering",
    "unique pure equilibrium": "Unique pure equilibrium",
    "several pure equilibria": "Several pure equilibria",
    "no pure equilibrium": "No pure equilibrium",
}

#: One-line meaning of each game class, for readers new to game theory.
CLASS_MEANINGS: dict[str, str] = {
    "prisoners_dilemma": ("each side does better by escalating whatever the other does, yet both would be "
                          "better off if both restrained. It is the textbook model of the security dilemma "
                          "(Jervis 1978)."),
    "chicken": ("each side wants the other to back down; if neither does, both get their worst outcome. "
                "It is the textbook model of brinkmanship."),
    "stag_hunt": ("both restraining is best for both, but restraint is safe only if each side trusts the "
                  "other to restrain too (an assurance problem)."),
    "deadlock": "each side prefers mutual escalation to mutual restraint, so escalation is expected.",
    "harmony": "restraint is best for each side whatever the other does, so there is no dilemma.",
    "leader": ("each side prefers that exactly one side escalates, and prefers to be the one that restrains "
               "while the other leads."),
    "battle_of_the_sexes": ("each side prefers that exactly one side escalates, and prefers to be the one "
                            "that escalates."),
    "cyclic": "no pair of pure choices is stable: best replies chase each other round the four outcomes.",
    "asymmetric": "the two sides rank the four outcomes differently, so the game has no single textbook name.",
    "tied": "some side values two outcomes equally, so the textbook names do not apply exactly.",
}

#: Readable labels, with units, of the numeric builder parameters of :mod:`sim.games`.
PARAM_LABELS: dict[str, str] = {
    "advantage": "Coercive advantage (utility per round)",
    "damage": "Damage received (utility per round)",
    "cost": "Cost of own action (utility per round)",
    "war_risk": "War risk at the top rung (probability per round)",
    "war_cost": "War cost (utility, one-off)",
    "risk_interaction": "Risk interaction k (share, 0-1)",
    "risk_exponent": "Risk exponent e (dimensionless)",
    "value": "Value of the prize (utility)",
    "crash_cost": "Cost of a clash (utility)",
    "R": "R: payoff if both restrain (utility)",
    "S": "S: payoff if only the other escalates (utility)",
    "T": "T: payoff if only this side escalates (utility)",
    "P": "P: payoff if both escalate (utility)",
    "status_quo": "Status-quo payoff (utility)",
    "gain": "Gain from a successful challenge (utility)",
    "challenger_cost": "Challenger's cost of conflict (utility)",
    "defender_cost": "Defender's cost of conflict (utility)",
    "K": "Number of rungs",
}

#: Equilibria described one by one in ``summary.md`` (the rest are counted).
MAX_LISTED = 8

#: File names of the stage-game figures, relative to the run directory.
FIGURE_FILES: dict[str, str] = {
    "payoff_matrix": "figures/payoff_matrix.png",
    "equilibrium_map": "figures/equilibrium_map.png",
}


def class_label(name: str) -> str:
    """Readable name of a game class or regime (``"prisoners_dilemma"`` -> ``"Prisoner's Dilemma"``)."""
    return CLASS_LABELS.get(str(name), str(name).replace("_", " ").capitalize())


def param_label(name: str, *, units: bool = True) -> str:
    """Readable label of a builder parameter, with its unit unless ``units=False``."""
    label = PARAM_LABELS.get(str(name), str(name).replace("_", " ").capitalize())
    if not units and label.endswith(")") and " (" in label:
        label = label[: label.rindex(" (")]
    return label


def _pname(name: str) -> str:
    """Short name of a parameter for running text: ``"war cost"``; one-letter names (R, S, T, P) as they are."""
    return name if len(name) == 1 else param_label(name, units=False).lower()


# --------------------------------------------------------------------------- writers
def atomic_write_text(path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (temporary file in the same directory + ``os.replace``).

    Parent directories are created.  The temporary file is created with mode ``0o666``
    (minus the umask), like a plain ``open(path, "w")``, and removed if anything fails.
    Returns the path written.
    """
    data = str(text).encode(encoding)
    return _atomic_write_bytes(path, lambda fh: fh.write(data))


def _atomic_write_bytes(path, write) -> Path:
    """Call ``write(binary_file)`` on a temp file next to ``path``, then move it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def to_jsonable(obj: Any) -> Any:
    """``obj`` with numpy arrays/scalars as lists/numbers, NaN and infinities as ``None``.

    Mappings become dicts (keys as str), tuples/lists/sets/arrays lists, named tuples and
    dataclasses dicts, paths strings.  Other objects are left for :mod:`json` to reject.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, (complex, np.complexfloating)):
        raise TypeError(f"cannot write complex number {obj!r} to JSON")
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist()) if obj.dtype.kind != "O" else [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_asdict"):
        return to_jsonable(obj._asdict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    if isinstance(obj, (set, frozenset)):
        return [to_jsonable(v) for v in sorted(obj, key=repr)]
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return obj


def atomic_write_json(path, obj: Any, *, indent: int = 2) -> Path:
    """Write ``obj`` as JSON (UTF-8, ``indent=2``, keys in insertion order) atomically.

    numpy arrays and scalars are converted (see :func:`to_jsonable`); NaN and infinities
    are written as ``null``, so the file is strict JSON.
    """
    text = json.dumps(to_jsonable(obj), indent=indent, sort_keys=False, ensure_ascii=False, allow_nan=False)
    return atomic_write_text(path, text + "\n")


# --------------------------------------------------------------------------- numbers in words
def _num(v: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, no exponent for ordinary sizes, no '-0'."""
    if v is None:
        return "n/a"
    v = float(v)
    if not math.isfinite(v):
        return "n/a"
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    if mag >= 6 or mag < -4:
        return f"{v:.{digits}g}"
    dec = max(0, digits - 1 - mag)
    s = f"{v:.{dec}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _pct(p: float) -> str:
    """A probability as a percentage: ``0.3333 -> '33.3%'``, ``1 -> '100%'``."""
    p = float(p)
    if 0 < p < 0.0005:
        return "<0.1%"
    if 0.9995 < p < 1:
        return ">99.9%"
    s = f"{100 * p:.1f}".rstrip("0").rstrip(".")
    return f"{s}%"


def _cap(text: str) -> str:
    """Sentence case: first letter upper-cased (side names such as "challenger" start sentences)."""
    return text[:1].upper() + text[1:]


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
    classification : sim.classify.Classification, optional
        For 2x2 games, the result of :func:`sim.classify.classify` on ``game``.
    emap : sim.sweep.EquilibriumMap, optional
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
    from .classify import TYPES
    from .equilibria import pareto_undominated, payoff_dominant, risk_dominance_2x2

    if getattr(game, "is_batch", False):
        raise ValueError(f"stage_summary takes one game, got a batch of shape {game.batch_shape}")
    A, B = np.asarray(game.A, float), np.asarray(game.B, float)
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
            f"{_num(p.get('advantage'))} for the whole ladder), suffers damage from the other side's actions "
            f"({_num(p.get('damage'))} when the other side is at the top rung), pays for its own actions "
            f"({_num(p.get('cost'))} at its own top rung), and bears the expected cost of a slide into war: a war costing {_num(p.get('war_cost'))} "
            f"breaks out with a probability per round that rises with both rungs, up to "
            f"{_pct(p.get('war_risk', 0))} with both at the top.")
    elif name == "chicken" and p:
        v, c = p.get("value"), p.get("crash_cost")
        parts.append(f"A prize worth {_num(v)} is at stake. A side that stands firm while the other backs down "
                     f"takes it all; if both back down they share it ({_num(v / 2)} each); if both stand firm "
                     f"they clash at a cost of {_num(c)} and each gets {_num((v - c) / 2)}.")
    elif name == "deterrence" and p:
        parts.append(f"A successful challenge moves {_num(p.get('gain'))} from defender to challenger; "
                     f"resisting means conflict, costing the challenger {_num(p.get('challenger_cost'))} "
                     f"and the defender {_num(p.get('defender_cost'))}.")
    elif name in ("prisoners_dilemma", "security_dilemma", "stag_hunt", "symmetric") and p:
        parts.append(f"If both restrain each gets {_num(p.get('R'))}; if both escalate each gets "
                     f"{_num(p.get('P'))}; a side that escalates alone gets {_num(p.get('T'))} and the side "
                     f"that restrained gets {_num(p.get('S'))}.")
    if ka == kb and la == lb:
        top = ka - 1
        parts.append(f"When {_pair(a, b, 0, 0, la, lb, ladder)}, {a} gets {_num(A[0, 0])} and {b} gets "
                     f"{_num(B[0, 0])}; when {_pair(a, b, top, top, la, lb, ladder)}, {a} gets "
                     f"{_num(A[top, top])} and {b} gets {_num(B[top, top])}.")
    else:
        ia = tuple(int(v) for v in np.unravel_index(int(np.argmax(A)), A.shape))
        ib = tuple(int(v) for v in np.unravel_index(int(np.argmax(B)), B.shape))
        parts.append(f"{a}'s best outcome ({_num(A[ia])}) is when {_pair(a, b, *ia, la, lb, ladder)}; "
                     f"{b}'s best ({_num(B[ib])}) is when {_pair(a, b, *ib, la, lb, ladder)}.")
    return " ".join(_cap(t) for t in parts)


def _mix_words(side: str, probs: Sequence[float], support: Sequence[int], labels: Sequence[str], ladder: bool) -> str:
    if len(support) == 1:
        return f"{side} plays {_rung(support[0], labels, ladder=ladder)}"
    order = sorted(support, key=lambda i: -probs[i])
    shown = order[:4]
    items = [f"{_rung(i, labels, ladder=ladder)} with probability {_pct(probs[i])}" for i in shown]
    more = f" (and {len(order) - 4} more rungs)" if len(order) > 4 else ""
    return f"{side} plays " + ", ".join(items[:-1]) + f" and {items[-1]}" + more


def _equilibrium_sentence(e: dict, s: dict, only: bool) -> str:
    a, b = s["scenario"]["sides"]
    g = s["game"]
    la, lb = g["labels_a"], g["labels_b"]
    ladder = max(g["n_rungs"]) > 2
    sa, sb = e["support_a_rungs"], e["support_b_rungs"]
    pays = f"{a} gets {_num(e['payoff_a'])} and {b} gets {_num(e['payoff_b'])}"
    lead = "In the only equilibrium" if only else f"In **E{e['index']}**"
    if e["kind"] == "pure":
        text = f"{lead}{'' if only else ' (pure)'} {_pair(a, b, sa[0], sb[0], la, lb, ladder)}: {pays}."
    else:
        text = (f"{lead} (mixed: each side randomises, keeping the other guessing) "
                f"{_mix_words(a, e['x'], sa, la, ladder)}, while {_mix_words(b, e['y'], sb, lb, ladder)}. "
                f"On average {pays}.")
        if e["p_top"] > 0:
            text += (f" The outcome in which {_pair(a, b, len(la) - 1, len(lb) - 1, la, lb, ladder)}"
                     f"{' (the top of the ladder)' if ladder else ''} occurs with probability {_pct(e['p_top'])}.")
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
        text = (f"Both sides would get more ({a} {_num(better['payoff_a'])}, {b} {_num(better['payoff_b'])}) "
                f"when {_pair(a, b, i, j, la, lb, ladder)} than in {ref}, but neither can get there by "
                f"changing only its own choice.")
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
    share_text = ", ".join(f"{class_label(k)} {_pct(v)}" for k, v in shares)
    text = (f"The equilibrium map varies {_pname(m['x_name'])} "
            f"(from {_num(m['x_range'][0])} to {_num(m['x_range'][1])}) and "
            f"{_pname(m['y_name'])} (from {_num(m['y_range'][0])} to "
            f"{_num(m['y_range'][1])}) over a {nx} x {ny} grid, keeping the other parameters at the "
            f"scenario's values. Share of the grid in each regime: {share_text}.")
    px, py = m["point"]
    if m.get("point_on_map"):
        text += (f" The scenario itself ({_pname(m['x_name'])} {_num(px)}, "
                 f"{_pname(m['y_name'])} {_num(py)}) lies in the "
                 f"**{class_label(m['regime_at_point'])}** region")
        if m["kind"] == "equilibrium" and m.get("level_at_point") is not None:
            text += f", where the mean equilibrium rung is {_num(m['level_at_point'], 2)}"
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

    if sc.get("narrative") or sc.get("sources"):
        lines += ["## The scenario", ""]
        if sc.get("narrative"):
            lines += [str(sc["narrative"]).strip(), ""]
        if sc.get("sources"):
            lines += ["Sources:", ""]
            lines += [f"- {src}" for src in sc["sources"]]
            lines += [""]
        lines += ["*The narrative and sources above are taken as written from the scenario configuration.*", ""]

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
        lines += [f"- `{figures['equilibrium_map']}`: {_pname(m['x_name'])} on the "
                  f"horizontal axis, {_pname(m['y_name'])} on the vertical; {what}. "
                  "Thin lines are the boundaries where the outcome changes; the star marks this scenario."]
    lines += ["",
              "*These are results of a stylised model under the stated assumptions, not predictions of what "
              "any government will do.*", ""]
    return "\n".join(lines)
