"""Hydra callbacks shared by the entry points.

:class:`AggregateSummaries` runs at the end of a multirun: it reads every job's
``summary.json`` (a job without one did not finish and is skipped), flattens its scalar
fields (nested mappings as ``a.b`` columns; lists and ``None`` are left out) and the job's
command-line overrides (``.hydra/overrides.yaml``, one column per key) into one row, and
writes ``results.csv`` atomically in the sweep directory: one tidy table per multirun.

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
from pathlib import Path
from typing import Any, Mapping

from hydra.experimental.callback import Callback

__all__ = ["AggregateSummaries", "aggregate", "flatten"]


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
    from sim.report import atomic_write_text

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


class AggregateSummaries(Callback):
    """On multirun end, write ``results.csv`` (one row per finished job) in the sweep directory."""

    def __init__(self, filename: str = "results.csv") -> None:
        self.filename = filename

    def on_multirun_end(self, config, **kwargs: Any) -> None:
        path = aggregate(Path(config.hydra.sweep.dir), self.filename)
        if path is not None:
            print(f"aggregated table written to {path}")
