"""Helpers shared by the tests of the Hydra entry points."""

from __future__ import annotations

from pathlib import Path


def finished_runs(root: Path) -> list[Path]:
    """Run directories under ``root/results`` that hold a summary.json (written last)."""
    return sorted(p.parent for p in root.glob("results/**/summary.json"))


def assert_user_error(proc, field: str, root: Path) -> None:
    """A user mistake: non-zero exit, one stderr line naming ``field``, no traceback, nothing written."""
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert field in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not finished_runs(root)
    assert not (root / "results").exists() or not any((root / "results").rglob("*.png"))
