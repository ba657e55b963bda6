"""Helpers shared by the tests of the Hydra entry points."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


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


def _validator(app: str):
    sys.path.insert(0, str(EXPERIMENTS))
    try:
        if app == "compare":
            import compare

            return compare.validate_compare
    finally:
        sys.path.pop(0)
    from sim.config.run import validate_run
    from sim.config.sweep import validate_sweep
    from sim.config.tournament import validate_tournament

    return {"run": validate_run, "sweep": validate_sweep, "tournament": validate_tournament}[app]


def precheck_in_process(app: str, argv: list[str], root: Path, capsys, monkeypatch) -> SimpleNamespace:
    """What ``python experiments/<app>.py <argv>`` does with a bad command line, without a new
    interpreter: the entry points call ``cli.precheck`` before Hydra starts, and a user error
    there prints one line and exits with status 2.  Runs in ``root`` (as the cwd) and returns a
    stand-in for the finished process (``returncode``, ``stdout``, ``stderr``) for
    :func:`assert_user_error`.  A real subprocess per entry point still covers the same path."""
    sys.path.insert(0, str(EXPERIMENTS))
    try:
        import cli
    finally:
        sys.path.pop(0)
    monkeypatch.chdir(root)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        cli.precheck(app, list(argv), _validator(app))
    out = capsys.readouterr()
    assert exc.value.code == cli.EXIT_USER_ERROR
    return SimpleNamespace(returncode=exc.value.code, stdout=out.out, stderr=out.err)
