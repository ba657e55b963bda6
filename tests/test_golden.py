"""Golden outputs: today's numbers of a fixed set of public calls, bit for bit.

``benchmarks/golden.py`` computes them; ``tests/data/golden.npz`` froze them (written with
``python benchmarks/golden.py --write``).  A refactor that changes no number keeps every
key present with the same dtype, shape and bits (NaN matches NaN); no tolerance.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
GOLDEN_NPZ = HERE / "data" / "golden.npz"
GOLDEN_PY = HERE.parent / "benchmarks" / "golden.py"


def _golden_module():
    spec = importlib.util.spec_from_file_location("golden_outputs", GOLDEN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_golden_outputs_are_bit_identical():
    with np.load(GOLDEN_NPZ) as f:
        expected = {k: f[k] for k in f.files}
    actual = _golden_module().compute()
    problems = []
    for key in sorted(set(expected) | set(actual)):
        if key not in actual:
            problems.append(f"{key}: missing from compute()")
            continue
        if key not in expected:
            problems.append(f"{key}: not in {GOLDEN_NPZ.name}")
            continue
        e, a = expected[key], np.asarray(actual[key])
        if a.dtype != e.dtype:
            problems.append(f"{key}: dtype {a.dtype} != golden {e.dtype}")
        elif a.shape != e.shape:
            problems.append(f"{key}: shape {a.shape} != golden {e.shape}")
        elif not np.array_equal(a, e, equal_nan=e.dtype.kind in "fc"):
            problems.append(f"{key}: values differ")
    assert not problems, f"{len(problems)} of {len(expected)} golden keys differ:\n" + "\n".join(problems)
