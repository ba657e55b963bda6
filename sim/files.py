"""Writing run outputs: atomic text, bytes and JSON files.

:func:`atomic_write_text`, :func:`atomic_write_json` and :func:`atomic_write_bytes` write a
file completely or not at all: the text goes to a temporary file in the same directory, which is then moved
over the target with :func:`os.replace` (atomic on POSIX and Windows), so a crash or a
concurrent reader never sees half a file.  :func:`to_jsonable` turns numpy arrays,
scalars and dataclasses into plain JSON values.  A shared leaf: it imports nothing from
:mod:`sim`; :func:`sim.viz.save` writes figures with :func:`atomic_write_bytes`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import uuid
from pathlib import Path
from typing import Any, BinaryIO, Callable, Mapping

import numpy as np

__all__ = ["atomic_write_text", "atomic_write_json", "atomic_write_bytes", "to_jsonable"]


# --------------------------------------------------------------------------- writers
def atomic_write_text(path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (temporary file in the same directory + ``os.replace``).

    Parent directories are created.  The temporary file is created with mode ``0o666``
    (minus the umask), like a plain ``open(path, "w")``, and removed if anything fails.
    Returns the path written.
    """
    data = str(text).encode(encoding)
    return atomic_write_bytes(path, lambda fh: fh.write(data))


def atomic_write_bytes(path, write: Callable[[BinaryIO], object]) -> Path:
    """Write a binary file atomically: ``write(fh)`` fills a temporary file, which then replaces ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; parent directories are created.
    write : callable
        Called once with the temporary file opened for binary writing (e.g.
        ``lambda fh: fig.savefig(fh, format="png")``); what it returns is ignored.

    The temporary file (``.<name>.<random>.tmp`` in the same directory, mode ``0o666`` minus
    the umask) is flushed and fsynced, then moved over ``path`` with :func:`os.replace`; if
    ``write`` raises, the temporary file is removed, ``path`` is left as it was and the
    exception propagates.  Returns the path written.
    """
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
