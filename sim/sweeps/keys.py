"""Hashes of resolved configs: point keys, sweep-definition keys and point seeds.

A value is first put in a canonical JSON form (mappings by sorted key, integral floats as
integers, other floats by ``repr``, arrays as lists), then hashed with BLAKE2b (16 bytes).
The same resolved values give the same hash on any machine, in any order, with any number
of workers: what resuming a sweep and seeding its points need.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

import numpy as np

__all__ = ["point_seed", "point_key"]


def _canonical(value: Any) -> Any:
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return int(v) if v.is_integer() and abs(v) < 2 ** 53 else repr(v)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_canonical(v) for v in value]
    return repr(value)


def _digest(obj: Any) -> bytes:
    text = json.dumps(_canonical(obj), sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def point_seed(seed: int, point: Mapping[str, Any]) -> np.random.SeedSequence:
    """The Monte-Carlo stream of one point: ``SeedSequence([seed, *hash_words(point)])``.

    ``point`` is the point's resolved parameter values (game parameters and settings);
    the hash is BLAKE2b over their canonical JSON, as four 32-bit words.
    """
    words = np.frombuffer(_digest(point), dtype="<u4").tolist()
    return np.random.SeedSequence(entropy=[int(seed), *words])


def point_key(config: Mapping[str, Any]) -> str:
    """Hex key of a resolved config (a point's, or a whole sweep definition's)."""
    return _digest(config).hex()
