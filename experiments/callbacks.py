"""Hydra callbacks shared by the entry points.

:class:`AggregateSummaries` runs at the end of a multirun: it reads every job's
``summary.json`` (a job without one did not finish and is skipped) and its command-line
overrides (``.hydra/overrides.yaml``) and writes ``results.csv`` atomically in the sweep
directory: one tidy table in long form, one row per (job, policy pair, method, outcome).
Columns, in this order:

``job``
    The job number (the job's folder name under the sweep directory).
one column per override key
    The key in snake_case (``game.war_cost`` -> ``game_war_cost``,
    ``strategy@crisis.side_a`` -> ``strategy_crisis_side_a``), holding the job's value as
    given on the command line (empty for a job without that override).  Over 30
    characters, leading parts are dropped (``models.brinkmanship.war_cost_challenger`` ->
    ``war_cost_challenger``); a key that would take the name of one of the columns below
    gets the prefix ``cfg_`` (``method=vertex`` -> ``cfg_method``); names that still
    clash get ``_2``, ``_3``...
``pair``
    What the row is about: a policy pair's readable name (``"India: tit_for_tat(start=4) /
    Pakistan: conditional_deescalation"``), ``"stage game"`` for the stage game's
    outcomes, ``"model: <name>"`` for an analytic model (``models:`` block), a strategy's
    name for a tournament's per-strategy results.
``scenario_pair``
    ``True`` for the scenario's own pair (the main pair of the run: exact analysis and its
    Monte Carlo check alike), ``False`` otherwise.
``method``
    ``exact`` or ``monte_carlo`` for a policy pair's outcomes; empty for the stage game,
    the models and a tournament.
``outcome``
    The outcome's snake_case name.  A policy pair of ``experiments/run.py``: ``p_war``,
    ``p_settled``, ``p_mediated``, ``p_still_in_crisis`` (by the last round),
    ``payoff_a``, ``payoff_b`` (expected payoffs of side A and side B), ``expected_rounds``,
    ``mean_rung_a``, ``mean_rung_b``.  The stage game: ``game_class`` (the 2x2 class, or the
    pure-equilibrium regime of a larger game, as in a sweep's ``table.csv``),
    ``n_equilibria``, ``n_pure_equilibria``.  A model: its scalar results (numbers,
    yes/no, snake_case labels), nested fields joined with ``_``, the sides as ``a``/``b``.  A job of
    ``experiments/sweep.py``: its grid statistics as in its ``summary.json``
    (``p_war_by_T_mean``, ``_min``, ``_max``...; ``game_class_share_<class>``).  A
    tournament: ``score``, ``rank``, ``final_share``, ``ess``, ``survives``.
``value``
    The number (or label, or ``True``/``False``) exactly as in the job's ``summary.json``.
``se``
    The Monte Carlo standard error of ``value`` (probabilities and expected payoffs of a
    ``monte_carlo`` row); empty otherwise.

Read it with pandas and pivot what you need, e.g. one row per job for the scenario's own
pair::

    t = pd.read_csv("results.csv")
    own = t[t.scenario_pair & (t.method == "exact")]
    own.pivot(index=["job", "game_war_cost"], columns="outcome", values="value")

Then it draws the sweep-level figures into ``<sweep dir>/figures/`` (:func:`sweep_figures`:
a sensitivity curve per numeric override that varies); a failure there prints one warning
line and never breaks the multirun.

Importability: Hydra imports the class named by ``_target_`` in the launching process
(and joblib workers unpickle it).  ``experiments/`` is not a package, but every entry point
is a script in it, so Python puts ``experiments/`` first on ``sys.path`` and loky passes
``sys.path`` to its workers: the target is ``callbacks.AggregateSummaries``.  Register it in a
primary config::

    hydra:
      callbacks:
        aggregate:
          _target_: callbacks.AggregateSummaries

This module imports Hydra; ``sim/`` stays free of it (DESIGN.md example 7).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterator, Mapping

from hydra.experimental.callback import Callback

__all__ = ["AggregateSummaries", "aggregate", "column_name", "override_columns", "scenario_pair_table", "summary_rows",
           "sweep_figures"]

#: The table's own columns (override columns go between ``job`` and ``pair``).
COLUMNS = ("job", "pair", "scenario_pair", "method", "outcome", "value", "se")
#: ``pair`` of the stage game's rows.
STAGE = "stage game"
#: Longest column name.
MAX_NAME = 30
#: A policy pair's outcomes in ``experiments/run.py``'s summary: outcome -> (field, side index or None).
_PAIR_OUTCOMES = {"p_war": ("p_war", None), "p_settled": ("p_settled", None), "p_mediated": ("p_mediated", None),
                  "p_still_in_crisis": ("p_still_in_crisis", None),
                  "payoff_a": ("expected_payoffs", 0), "payoff_b": ("expected_payoffs", 1),
                  "expected_rounds": ("expected_rounds", None),
                  "mean_rung_a": ("mean_rung", 0), "mean_rung_b": ("mean_rung", 1)}
_MC_SUFFIX = " (Monte Carlo)"
_LABEL = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _snake(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")


def column_name(key: str) -> str:
    """A command-line override key as a snake_case column name of at most 30 characters.

    ``game.war_cost`` -> ``game_war_cost``; over 30 characters, leading parts are dropped
    (then the name is cut); a name of the table's own columns gets the prefix ``cfg_``.
    """
    parts = [p for p in (_snake(p) for p in re.split(r"[.@/]", str(key).lstrip("+~"))) if p] or ["override"]
    while len(parts) > 1 and len("_".join(parts)) > MAX_NAME:
        parts = parts[1:]
    name = "_".join(parts)[:MAX_NAME].strip("_")
    if name[0].isdigit():
        name = ("k_" + name)[:MAX_NAME]
    return ("cfg_" + name)[:MAX_NAME] if name in COLUMNS else name


def override_columns(keys) -> dict[str, str]:
    """``{override key: column name}``, distinct names (a clash gets ``_2``, ``_3``...)."""
    out: dict[str, str] = {}
    for key in keys:
        name, k = column_name(key), 2
        while name in out.values():
            name = f"{column_name(key)[:MAX_NAME - 1 - len(str(k))]}_{k}"
            k += 1
        out[key] = name
    return out


def _overrides(job_dir: Path) -> dict[str, str]:
    path = job_dir / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return {}
    import yaml

    out = {}
    for item in yaml.safe_load(path.read_text()) or []:
        key, _, value = str(item).lstrip("+~").partition("=")
        out[key] = value
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _row(pair: str, outcome: str, value: Any, *, scenario_pair: bool = False, method: str = "",
         se: Any = None) -> dict[str, Any]:
    return {"pair": pair, "scenario_pair": scenario_pair, "method": method, "outcome": outcome,
            "value": value, "se": se if _is_number(se) else None}


def _scalars(obj: Mapping[str, Any], sides, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Numbers, yes/no and snake_case labels (``semi_separating``) of a nested mapping as
    ``(snake_name, value)``; the sides' keys as ``a``/``b``; ``parameters`` (inputs) left out."""
    side_key = {str(s): k for s, k in zip(sides or (), ("a", "b"))}
    for key, value in obj.items():
        name = prefix + side_key.get(str(key), _snake(key))
        if isinstance(value, Mapping):
            if key != "parameters":  # a model's inputs, not its results
                yield from _scalars(value, sides, name + "_")
        elif isinstance(value, bool) or _is_number(value) or (isinstance(value, str) and _LABEL.fullmatch(value)):
            yield name, value


def _run_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of an ``experiments/run.py`` summary: stage game, policy pairs, models."""
    from sim.sweeps.maps import REGIMES

    rows = []
    cls = summary.get("classification")
    n_pure = summary.get("n_pure")
    if isinstance(cls, Mapping) and cls.get("class") is not None:
        rows.append(_row(STAGE, "game_class", cls["class"]))
    elif _is_number(n_pure):
        rows.append(_row(STAGE, "game_class", REGIMES[0 if n_pure == 1 else 1 if n_pure > 1 else 2]))
    for outcome, field in (("n_equilibria", "n_equilibria"), ("n_pure_equilibria", "n_pure")):
        if _is_number(summary.get(field)):
            rows.append(_row(STAGE, outcome, summary[field]))
    crisis = summary.get("crisis") or {}
    sides = list(crisis.get("sides") or (summary.get("scenario") or {}).get("sides") or ())
    for key, entry in (crisis.get("pairs") or {}).items():
        method = str(entry.get("method") or "")
        name = str(entry.get("name") or key)
        if method == "monte_carlo" and name.endswith(_MC_SUFFIX):
            name = name[: -len(_MC_SUFFIX)]
        mc = entry.get("monte_carlo") or {}
        ses = dict(mc.get("probability_se") or {})
        for outcome, (field, side) in _PAIR_OUTCOMES.items():
            value = entry.get(field)
            se = ses.get(field)
            if side is not None:
                if not isinstance(value, Mapping) or len(sides) < 2:
                    continue
                value = value.get(sides[side])
                se = (mc.get("payoff_sem") or {}).get(sides[side]) if field == "expected_payoffs" else None
            if _is_number(value):
                rows.append(_row(name, outcome, value, scenario_pair=name == crisis.get("main"), method=method, se=se))
    for model, result in (summary.get("models") or {}).items():
        if isinstance(result, Mapping):
            rows.extend(_row(f"model: {model}", outcome, value) for outcome, value in _scalars(result, sides))
    return rows


def _sweep_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of an ``experiments/sweep.py`` summary: its grid statistics (stage game and the swept pair)."""
    from sim.sweeps import GAME_OUTCOMES

    strategies = summary.get("strategies") or []
    pair = " / ".join(map(str, strategies))
    method = str(summary.get("method") or "")
    rows = []
    for cls, share in (summary.get("game_class_shares") or {}).items():
        rows.append(_row(STAGE, f"game_class_share_{_snake(cls)}", share))
    for outcome in summary.get("outcomes") or []:
        for stat in ("mean", "min", "max"):
            value = summary.get(f"{outcome}_{stat}")
            if not _is_number(value):
                continue
            if outcome in GAME_OUTCOMES:
                rows.append(_row(STAGE, f"{outcome}_{stat}", value))
            else:
                rows.append(_row(pair, f"{outcome}_{stat}", value, scenario_pair=True, method=method))
    return rows


def _tournament_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of an ``experiments/tournament.py`` summary: one group per strategy."""
    t = summary["tournament"]
    names = [str(n) for n in t.get("names") or []]
    ranking = [str(n) for n in t.get("ranking") or []]
    scores = t.get("scores") or []
    shares = t.get("final_shares") or {}
    rows = []
    for k, name in enumerate(names):
        if k < len(scores) and _is_number(scores[k]):
            rows.append(_row(name, "score", scores[k]))
        if name in ranking:
            rows.append(_row(name, "rank", ranking.index(name) + 1))
        if _is_number(shares.get(name)):
            rows.append(_row(name, "final_share", shares[name]))
        rows.append(_row(name, "ess", name in (t.get("ess") or [])))
        rows.append(_row(name, "survives", name in (t.get("survivors") or [])))
    return rows


def summary_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One job's ``summary.json`` as long-form rows (``pair``, ``scenario_pair``, ``method``,
    ``outcome``, ``value``, ``se``) for the entry point that wrote it; an unknown summary
    gives its top-level numbers at ``pair`` ``""``."""
    if isinstance(summary.get("tournament"), Mapping):
        return _tournament_rows(summary)
    if isinstance(summary.get("grid"), Mapping) and "points" in summary:
        return _sweep_rows(summary)
    if "equilibria" in summary or "crisis" in summary:
        return _run_rows(summary)
    return [_row("", _snake(k), v) for k, v in summary.items()
            if (isinstance(v, bool) or _is_number(v)) and k not in ("seed", "seconds")]


def _job_number(name: str):
    return int(name) if name.isdigit() else name


def aggregate(sweep_dir: str | Path, filename: str = "results.csv") -> Path | None:
    """Collect ``<sweep_dir>/*/summary.json`` into the long table ``<sweep_dir>/<filename>``
    (columns: module docstring); ``None`` if no job finished."""
    from sim.files import atomic_write_text

    sweep_dir = Path(sweep_dir)
    jobs = []
    for summary in sorted(sweep_dir.glob("*/summary.json"), key=lambda p: (len(p.parent.name), p.parent.name)):
        try:
            data = json.loads(summary.read_text())
        except (OSError, ValueError):
            continue
        jobs.append((summary.parent.name, _overrides(summary.parent), summary_rows(data)))
    if not jobs:
        return None
    keys: list[str] = []
    for _, overrides, _ in jobs:
        keys.extend(k for k in overrides if k not in keys)
    names = override_columns(keys)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([COLUMNS[0], *names.values(), *COLUMNS[1:]])
    for job, overrides, rows in jobs:
        head = [_job_number(job), *(overrides.get(k, "") for k in names)]
        for r in rows:
            writer.writerow(head + ["" if r[c] is None else r[c] for c in COLUMNS[1:]])
    return atomic_write_text(sweep_dir / filename, buf.getvalue())


#: Outcomes drawn first (substrings, in this order), then any other varying numeric outcome.
_PREFERRED = ("p_war", "p_settled", "p_mediated", "payoff", "expected_rounds", "eq_level")
MAX_OUTCOMES = 6


def _override_keys(sweep_dir: Path) -> list[str]:
    keys: list[str] = []
    for summary in sorted(sweep_dir.glob("*/summary.json")):
        keys.extend(k for k in _overrides(summary.parent) if k not in keys)
    return keys


def _numeric(col):
    import pandas as pd

    present = col.notna() & (col.astype(str) != "")
    vals = pd.to_numeric(col.where(present), errors="coerce")
    return vals if vals.notna().sum() == present.sum() and vals.notna().any() else None


def scenario_pair_table(table):
    """One row per job of the long table: its override columns, the scenario pair's numeric
    outcomes (the exact rows when the pair has any, else Monte Carlo) and the stage game's,
    one column each, with ``<outcome>_sem`` columns from ``se`` where there are any."""
    import pandas as pd

    cols = list(table.columns)
    ov = cols[1:cols.index("pair")]
    own = table[table["scenario_pair"].astype(str) == "True"]
    methods = set(own["method"].astype(str))
    if "exact" in methods:
        own = own[own["method"].astype(str) == "exact"]
    sel = pd.concat([own, table[table["pair"].astype(str) == STAGE]])
    sel = sel.assign(v=pd.to_numeric(sel["value"], errors="coerce"), s=pd.to_numeric(sel["se"], errors="coerce"))
    sel = sel[sel["v"].notna()].drop_duplicates(subset=["job", "outcome"])
    jobs = table.groupby("job", sort=True)[ov].first()
    if sel.empty:
        return jobs.reset_index()
    wide = sel.pivot(index="job", columns="outcome", values="v")
    sem = sel.pivot(index="job", columns="outcome", values="s").dropna(axis=1, how="all")
    wide = wide.join(sem.add_suffix("_sem"))
    return jobs.join(wide).reset_index()


def sweep_figures(sweep_dir: str | Path, filename: str = "results.csv") -> list[Path]:
    """Sensitivity figures of a multirun's long table into ``<sweep_dir>/figures/``.

    The table is first pivoted to one row per job (:func:`scenario_pair_table`: the
    scenario's own pair and the stage game).  For every override column that varies across
    jobs and is numeric, one figure ``sensitivity_<column>.png``: each varying numeric
    outcome (at most 6; p_war, p_settled, p_mediated, payoffs, expected rounds first,
    ``_min``/``_max`` grid statistics last) against that override.  With exactly one other
    varying override (at most 8 values) it draws one line per value of it; with more, the
    mean over them.  Monte Carlo standard errors (``se``) give 95% bands.  Returns the
    written paths.
    """
    import pandas as pd

    from sim.viz.style import save
    from sim.viz.sweep import sensitivity_curves

    sweep_dir = Path(sweep_dir)
    long = pd.read_csv(sweep_dir / filename, dtype=str, keep_default_na=False)
    table = scenario_pair_table(long)
    cols = list(long.columns)
    ov = cols[1:cols.index("pair")]
    label = {c: k for k, c in override_columns(_override_keys(sweep_dir)).items()}  # column -> override key
    numeric_keys = []
    for k in ov:
        vals = _numeric(table[k])
        if vals is not None and vals.nunique() > 1:
            table[k] = vals
            numeric_keys.append(k)
    varying_keys = [k for k in ov if table[k].nunique(dropna=False) > 1]
    candidates = [c for c in table.columns
                  if c not in ov and c != "job" and not c.endswith("_sem") and table[c].nunique() > 1]
    rank = {c: next((i for i, p in enumerate(_PREFERRED) if p in c), len(_PREFERRED)) for c in candidates}
    spread = {c: c.endswith(("_min", "_max")) for c in candidates}  # means before ranges
    outcomes = sorted(candidates, key=lambda c: (spread[c], rank[c], candidates.index(c)))[:MAX_OUTCOMES]
    written: list[Path] = []
    if not outcomes:
        return written
    for x in numeric_keys:
        others = [k for k in varying_keys if k != x]
        cols = outcomes + [f"{o}_sem" for o in outcomes if f"{o}_sem" in table.columns]
        by, note = None, ""
        if len(others) == 1 and table[others[0]].nunique() <= 8:
            by = others[0]
            data = table[[x, by] + cols].drop_duplicates(subset=[x, by])
        else:
            data = table[[x] + outcomes].groupby(x, as_index=False).mean()
            if others:
                note = f" (mean over {', '.join(label.get(k, k) for k in others)})"
        if data[x].nunique() < 2:
            continue
        # the figure names the parameters by their override keys (``game.war_cost``: "War cost")
        data = data.rename(columns={c: label[c] for c in (x, by) if c in label})
        fig = sensitivity_curves(data, label.get(x, x), outcomes, by=label.get(by, by),
                                 title=f"Multirun: sensitivity to {label.get(x, x)}{note}")
        written.append(save(fig, sweep_dir / "figures" / f"sensitivity_{x}.png"))
    return written


class AggregateSummaries(Callback):
    """On multirun end, write ``results.csv`` in the sweep directory (long form: one row per
    job, policy pair, method and outcome; columns in the module docstring), then the
    sweep-level figures (:func:`sweep_figures`; a failure there only warns)."""

    def __init__(self, filename: str = "results.csv") -> None:
        self.filename = filename

    def on_multirun_end(self, config, **kwargs: Any) -> None:
        path = aggregate(Path(config.hydra.sweep.dir), self.filename)
        if path is not None:
            print(f"aggregated table written to {path}")
            try:
                for fig in sweep_figures(path.parent, self.filename):
                    print(f"sweep figure written to {fig}")
            except Exception as exc:  # drawing must never break the multirun
                msg = " ".join(f"{type(exc).__name__}: {exc}".split())
                print(f"warning: sweep figures not drawn: {msg}", file=sys.stderr)
