"""Shared test helpers: peers that a cross-check needs, and one real run of the default scenario.

A test that checks us against a peer (axelrod, pygambit, a headless Chromium) gets it from
:func:`require` / :func:`require_program`.  On a developer's machine a missing peer skips
the test with the install hint; under CI (``CI=true``, as ``.ci/run`` runs) it FAILS the
test, so a broken install never turns a cross-check into a silent skip.  Call them inside a
test or fixture, never at module level: collection happens before ``-m`` deselects, so a
module-level failure would break the quick tier too.

``nashpy`` is a hard dependency of the package: tests import it directly (a missing one is
an import error, never a skip).
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: How to get each peer, for the message of a skip or a failure.
INSTALL = {
    "axelrod": 'pip install -e ".[test]"',
    "pygambit": 'pip install -e ".[crosscheck]" (builds Gambit from source: about 20 minutes)',
    "chromium": "apt-get install chromium chromium-driver (.ci/run installs both, matching versions)",
    "chromedriver": "apt-get install chromium chromium-driver (.ci/run installs both, matching versions)",
    "selenium": 'pip install -e ".[test]" (selenium drives the headless Chromium)',
}


def under_ci() -> bool:
    """True when the CI variable is set to anything but an explicit no ('', 0, false, no)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_peer(name: str, why: str = "") -> None:
    """Skip locally, fail under CI: the one policy for an absent peer library or program."""
    message = f"{name} is not available{f' ({why})' if why else ''}; install: {INSTALL.get(name, name)}"
    if under_ci():
        pytest.fail(f"{message}. Required under CI: a cross-check must not skip there.", pytrace=False)
    pytest.skip(message)


def require(module_name: str):
    """Import and return the peer module ``module_name``; skip locally / fail under CI if it is missing."""
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        missing_peer(module_name.split(".")[0], str(exc))


def require_program(name: str, *candidates: str) -> str:
    """Path of the program ``name`` (on PATH or at one of ``candidates``); skip locally / fail under CI."""
    found = shutil.which(name) or next((c for c in candidates if os.access(c, os.X_OK)), None)
    if found is None:
        missing_peer(name)
    return found


# --------------------------------------------------------------------------- one real default run
def _start_default_run(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("HYDRA_FULL_ERROR", None)
    import json
    import resource
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "experiments" / "run.py")], cwd=root, capture_output=True,
                          text=True, timeout=300, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr
    runs = sorted(p.parent for p in root.glob("results/**/summary.json"))
    assert len(runs) == 1, runs
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    (root / "default_run_seconds.json").write_text(json.dumps({"wall": wall, "cpu": cpu}))  # beside results/
    return runs[0]


def _whole_quick_tier(config) -> bool:
    """True for the README's plain ``pytest``: every test file, the quick tier, no ``-k``."""
    return (config.args_source == pytest.Config.ArgsSource.TESTPATHS and not config.option.keyword
            and config.option.markexpr == "not crosscheck")


def pytest_sessionstart(session) -> None:
    """The plain ``pytest`` under pytest-xdist: the controller does the default run before it
    starts the workers, so the run is timed on an otherwise idle machine, as the README's
    "under 15 s" is meant (run inside a worker it shared the cores with the other worker's
    tests, which added about a fifth to its CPU time).  The workers then read it
    (:func:`default_run`).  A run that fails here is left to the fixture, which reruns it and
    fails the tests that need it with the run's own error."""
    config = session.config
    if (os.environ.get("PYTEST_XDIST_WORKER") is not None or not getattr(config.option, "numprocesses", None)
            or not _whole_quick_tier(config)):
        return
    shared = config._tmp_path_factory.getbasetemp()  # the workers' basetemps are popen-gw<N> inside it
    try:
        out = _start_default_run(shared / "default_run")
    except Exception:  # noqa: BLE001 (reported by the fixture's rerun, in the tests)
        shutil.rmtree(shared / "default_run", ignore_errors=True)
        return
    (shared / "default_run.path").write_text(str(out))


@pytest.fixture(scope="session")
def default_run(tmp_path_factory) -> Path:
    """``python experiments/run.py`` with no arguments (the README's first command), run once as a
    real subprocess in a fresh folder; returns the finished run directory.  Used by
    test_run_app.py, test_report_html.py and test_scenarios.py.  Under pytest-xdist the workers
    share one run: the first to need it runs it under a file lock in the session's common
    temporary folder, the others wait and read it.  Tests only read it (test_run_app.py adds one
    run beside it, and changes nothing in it)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return _start_default_run(tmp_path_factory.mktemp("default_run"))
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent  # common to the workers of this session
    with open(shared / "default_run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = shared / "default_run.path"
            if done.is_file():
                return Path(done.read_text())
            out = _start_default_run(shared / "default_run")
            done.write_text(str(out))
            return out
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def default_cfg() -> dict:
    """The default run config (``configs/run.yaml``) composed by Hydra and resolved, as a plain dict.
    Shared: tests copy it (``json.loads(json.dumps(...))``) before changing anything."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
            return OmegaConf.to_container(compose(config_name="run"), resolve=True)
    finally:
        GlobalHydra.instance().clear()
