"""Hydra callbacks shared by the entry points.

:class:`AggregateSummaries` runs at the end of a multirun: it reads every job's
``summary.json`` (a job without one did not finish and is skipped), flattens its scalar
fields (nested mappings as ``a.b`` columns; lists, ``None`` and prose strings (multi-line or over 120 characters) are left out) and the job's
command-line overrides (``.hydra/overrides.yaml``, one column per key) into one row, and
writes ``results.csv`` atomically in the sweep directory: one tidy table per multirun.
It then draws the sweep-level figures into ``<sweep dir>/figures/`` (:func:`sweep_figures`:
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
import sys
from pathlib import Path
from typing import Any, Mapping

from hydra.experimental.callback import Callback

__all__ = ["AggregateSummaries", "aggregate", "flatten", "sweep_figures"]


def flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Scalar fields of a nested mapping as ``{"a.b": value}`` (lists and None dropped)."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        elif isinstance(value, (bool, int, float, str)):
            out[name] = value
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


def aggregate(sweep_dir: str | Path, filename: str = "results.csv") -> Path | None:
    """Collect ``<sweep_dir>/*/summary.json`` into ``<sweep_dir>/<filename>``; ``None`` if no job finished."""
    from sim.files import atomic_write_text

    sweep_dir = Path(sweep_dir)
    rows = []
    for summary in sorted(sweep_dir.glob("*/summary.json"), key=lambda p: (len(p.parent.name), p.parent.name)):
        try:
            data = json.loads(summary.read_text())
        except (OSError, ValueError):
            continue
        row = {"job": summary.parent.name}
        row.update(_overrides(summary.parent))
        for key, value in flatten(data).items():
            if isinstance(value, str) and ("\n" in value or len(value) > 120):
                continue  # narratives, statements, explanations: prose, not a column of a tidy table
            row.setdefault(key, value)
        rows.append(row)
    if not rows:
        return None
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return atomic_write_text(sweep_dir / filename, buf.getvalue())


#: Outcome columns drawn first (substrings), then any other varying numeric column.
_PREFERRED = ("p_war", "p_settled", "payoff", "eq_level")
#: Bookkeeping columns of a summary: never drawn as outcomes.
_BOOKKEEPING = {"job", "seed", "seconds", "points", "computed", "reused", "paths"}
MAX_OUTCOMES = 6


def _override_keys(sweep_dir: Path) -> list[str]:
    keys: list[str] = []
    for summary in sorted(sweep_dir.glob("*/summary.json")):
        keys.extend(k for k in _overrides(summary.parent) if k not in keys)
    return keys


def _numeric(col):
    import pandas as pd

    vals = pd.to_numeric(col, errors="coerce")
    return vals if vals.notna().sum() == col.notna().sum() and vals.notna().any() else None


def sweep_figures(sweep_dir: str | Path, filename: str = "results.csv") -> list[Path]:
    """Sensitivity figures of a multirun's aggregated table into ``<sweep_dir>/figures/``.

    For every command-line override key that varies across jobs and is numeric, one figure
    ``sensitivity_<key>.png``: each varying numeric summary column (at most 6, those naming
    p_war, p_settled, payoff or eq_level first, ``_min``/``_max`` columns last) against that key.  With exactly one other
    varying override it draws one line per value of it; with more, the mean over them.
    ``<column>_sem`` columns give 95% bands.  Returns the written paths.
    """
    import pandas as pd

    from sim.viz.style import save
    from sim.viz.sweep import sensitivity_curves

    sweep_dir = Path(sweep_dir)
    table = pd.read_csv(sweep_dir / filename)
    keys = [k for k in _override_keys(sweep_dir) if k in table.columns]
    numeric_keys = []
    for k in keys:
        vals = _numeric(table[k])
        if vals is not None and vals.nunique() > 1:
            table[k] = vals
            numeric_keys.append(k)
    varying_keys = [k for k in keys if table[k].nunique(dropna=False) > 1]
    candidates = []
    for c in table.columns:
        parts = c.split(".")
        if (c in keys or c in _BOOKKEEPING or parts[-1] in _BOOKKEEPING
                or any(p.endswith(("_sem", "_std", "_se")) for p in parts)):  # uncertainty: bands, not outcomes
            continue
        vals = _numeric(table[c])
        if vals is not None and table[c].dtype != bool and vals.nunique() > 1:
            table[c] = vals
            candidates.append(c)
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
                note = f" (mean over {', '.join(others)})"
        if data[x].nunique() < 2:
            continue
        fig = sensitivity_curves(data, x, outcomes, by=by, title=f"Multirun: sensitivity to {x}{note}")
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in x)
        written.append(save(fig, sweep_dir / "figures" / f"sensitivity_{safe}.png"))
    return written


class AggregateSummaries(Callback):
    """On multirun end, write ``results.csv`` (one row per finished job) in the sweep directory,
    then the sweep-level figures (:func:`sweep_figures`; a failure there only warns)."""

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
