"""The resume store of a grid sweep: one directory per sweep definition, read incrementally.

Layout::

    <root>/<definition key>/definition.json            the resolved definition (for people)
    <root>/<definition key>/points-<lo>-<hi>.json      outcomes of points lo .. hi-1

The *definition key* is a BLAKE2b hash of everything that determines the points' values:
game, base parameters, grid, strategies, crisis settings, method, outcomes, and under
Monte Carlo the paths and the seed; not the output directory, the chunk size, the memory
budget or the number of workers.  So two different sweeps never share a directory, and a
sweep never reads another's files (before this store all sweeps shared one flat folder that
was read whole at every start).

Points are numbered in the sweep's evaluation order (a fixed function of the grid), and a
file's name says which points it holds, so a run lists the directory (names only) and
reads just the files that overlap the batch it is about to evaluate: memory and start-up
time follow the batch, not the store.  Each file is written atomically
(:func:`sim.files.atomic_write_text`): a file exists whole or not at all.

A file that cannot be used (not JSON, the wrong shape or keys, another definition's or
other points' rows, values of the wrong type) is reported with one line
(:class:`SweepStoreWarning`), deleted, and its points are computed again.

Clear a store by deleting its directory (or the whole root): it only ever saves time.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["PointStore", "SweepStoreWarning", "SweepInterrupted", "POINTS_PER_FILE"]

#: Points per store file at most (a file is then ~1 MB of JSON; reading one is cheap).
POINTS_PER_FILE = 4096
_NAME = re.compile(r"^points-(\d+)-(\d+)\.json$")
_FIELDS = {"definition", "lo", "hi", "keys", "outcomes"}


class SweepStoreWarning(UserWarning):
    """A store file was damaged or foreign; its points are recomputed."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`sim.sweeps.grid_sweep`; the message says how much is stored.

    A ``KeyboardInterrupt``, so code that handles Ctrl-C keeps working; entry points print
    ``str(exc)``: ``interrupted: N of M points stored; run the same command to resume``.
    """

    def __init__(self, stored: int, total: int, stored_anywhere: bool = True):
        self.stored, self.total = int(stored), int(total)
        text = (f"interrupted: {self.stored} of {self.total} points stored; run the same command to resume"
                if stored_anywhere else f"interrupted: no resume store was given, {self.total} points not saved")
        super().__init__(text)

    def __str__(self) -> str:
        return str(self.args[0])


class PointStore:
    """The files of one sweep definition under ``root`` (see the module docstring).

    Parameters
    ----------
    root : path
        The store root (``sweep.store``); the definition's directory is created under it.
    key : str
        The definition key (hex).
    definition : mapping
        The resolved definition, written once to ``definition.json``.
    outcomes : sequence of str
        Outcomes each file must hold.
    keys : callable ``(lo, hi) -> list[str]``
        The point keys of points ``lo .. hi-1``: a file's rows must carry exactly these.
    size : int
        Points in the sweep.
    """

    def __init__(self, root, key: str, definition: Mapping[str, Any], outcomes: Sequence[str],
                 keys: Callable[[int, int], list[str]], size: int):
        self.dir = Path(root) / key
        self.key = key
        self.outcomes = list(outcomes)
        self.size = int(size)
        self._keys = keys
        self._cache: tuple[Path, dict] | None = None
        self.dir.mkdir(parents=True, exist_ok=True)
        if not (self.dir / "definition.json").exists():
            from sim.files import atomic_write_json

            atomic_write_json(self.dir / "definition.json", {"key": key, **definition})
        self._files = self._scan()  # names only: nothing is read yet

    def _scan(self) -> list[tuple[int, int, Path]]:
        files = []
        with os.scandir(self.dir) as it:
            for entry in it:
                m = _NAME.match(entry.name)
                if m and int(m.group(1)) < int(m.group(2)):
                    files.append((int(m.group(1)), int(m.group(2)), Path(entry.path)))
        return sorted(files)

    # ----------------------------------------------------------------- reading
    def stored(self) -> int:
        """Points of the sweep that the store's file names cover now (the directory is listed again)."""
        total, end = 0, 0
        for lo, hi, _ in self._scan():
            lo, hi = max(lo, end), min(hi, self.size)
            if hi > lo:
                total += hi - lo
                end = hi
        return total

    def read(self, lo: int, hi: int) -> dict[int, dict[str, Any]]:
        """Stored outcomes of points ``lo .. hi-1``: ``{index: {outcome: value}}`` (usable files only)."""
        found: dict[int, dict[str, Any]] = {}
        for flo, fhi, path in list(self._files):
            if fhi <= lo or flo >= hi:
                continue
            data = self._load(flo, fhi, path)
            if data is None:
                continue
            cols = data["outcomes"]
            for i in range(max(lo, flo), min(hi, fhi)):
                if i not in found:
                    found[i] = {o: cols[o][i - flo] for o in self.outcomes}
        return found

    def _load(self, lo: int, hi: int, path: Path) -> dict | None:
        if self._cache is not None and self._cache[0] == path:
            return self._cache[1]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:  # removed by someone else meanwhile: just not stored
            self._files.remove((lo, hi, path))
            return None
        except (OSError, UnicodeDecodeError, ValueError):
            return self._reject(lo, hi, path, "is not valid JSON")
        problem = self._problem(data, lo, hi)
        if problem:
            return self._reject(lo, hi, path, problem)
        self._cache = (path, data)
        return data

    def _problem(self, data: Any, lo: int, hi: int) -> str | None:
        if not isinstance(data, dict) or set(data) != _FIELDS:
            return f"does not have the fields of a store file ({', '.join(sorted(_FIELDS))})"
        if data["definition"] != self.key:
            return "belongs to another sweep definition"
        if data["lo"] != lo or data["hi"] != hi:
            return f"holds points {data['lo']!r}..{data['hi']!r}, not the {lo}..{hi} its name says"
        if hi > self.size:
            return f"names points beyond the sweep's {self.size}"
        if data["keys"] != self._keys(lo, hi):
            return "holds other points than this sweep's (point keys differ)"
        cols = data["outcomes"]
        if not isinstance(cols, dict) or any(o not in cols for o in self.outcomes):
            return f"lacks outcomes ({', '.join(o for o in self.outcomes if not isinstance(cols, dict) or o not in cols)})"
        for o in self.outcomes:
            col = cols[o]
            if not isinstance(col, list) or len(col) != hi - lo:
                return f"has {o!r} of the wrong length"
            want = str if o == "game_class" else (int, float)
            if any(isinstance(v, bool) or not isinstance(v, want) for v in col):
                return f"has values of the wrong type in {o!r}"
        return None

    def _reject(self, lo: int, hi: int, path: Path, reason: str) -> None:
        warnings.warn(f"sweep store: {path.name} {reason}; its points are recomputed ({self.dir})",
                      SweepStoreWarning, stacklevel=4)
        self._files.remove((lo, hi, path))
        try:
            path.unlink()
        except OSError:
            pass
        return None

    # ----------------------------------------------------------------- writing
    def write(self, index: np.ndarray, keys: Sequence[str], values: Mapping[str, np.ndarray]) -> None:
        """Store points ``index`` (ascending evaluation indices) with their keys and outcomes.

        One atomic file per contiguous run of indices (at most :data:`POINTS_PER_FILE` each).
        """
        from sim.files import atomic_write_text

        index = np.asarray(index, dtype=np.int64)
        if index.size == 0:
            return
        breaks = np.flatnonzero(np.diff(index) != 1) + 1
        for run in np.split(np.arange(index.size), breaks):
            for start in range(0, run.size, POINTS_PER_FILE):
                part = run[start:start + POINTS_PER_FILE]
                lo, hi = int(index[part[0]]), int(index[part[-1]]) + 1
                record = {"definition": self.key, "lo": lo, "hi": hi, "keys": [keys[j] for j in part],
                          "outcomes": {o: [_plain(values[o][j]) for j in part] for o in self.outcomes}}
                path = self.dir / f"points-{lo}-{hi}.json"
                # JSON: floats round-trip exactly (NaN and infinities as JSON's NaN / Infinity tokens)
                atomic_write_text(path, json.dumps(record, separators=(",", ":")))
                self._files.append((lo, hi, path))
        self._files.sort()


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v
