"""Shared command-line plumbing for the Hydra entry points.

Each entry point calls :func:`main` with its config name and an importable
``run(cfg: dict, out_dir: Path)``.  Before Hydra creates any output directory we compose
the config ourselves (Hydra's compose API) and validate it with :mod:`sim.config`, so a
user mistake (unknown key, unknown scenario, a probability outside [0, 1]...) prints one
line and exits with status 2: no traceback, nothing written.  Inside the job, a
``ConfigError`` (possible for values that only a multirun sweep reaches) removes the
job's fresh output directory before exiting, so nothing that looks like a finished run
is left behind.  Ctrl-C (``KeyboardInterrupt``) does the same and prints one line, the
exception's own message when it has one (a sweep's ``interrupted: N of M points stored;
run the same command to resume``), and exits with status 130 (128 + SIGINT): no traceback.

Configs are data: before anything else, :mod:`guard` reads every config-group file the
command line may load (raw YAML) and refuses Hydra settings, ``_target_``-like keys and
resolvers other than plain ``${...}`` references in them, and in the command-line overrides
of our own keys; after composing, it checks the composed config again.  A user's own
scenario lives in a config directory given with ``--config-dir DIR`` (``DIR/scenario/NAME.yaml``)
and is checked and validated the same way.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Callable

from omegaconf import OmegaConf

import guard  # noqa: E402  (experiments/ is on sys.path: each entry point puts it there)
from sim.errors import ConfigError

CONFIG_DIR = (Path(__file__).resolve().parent.parent / "configs").resolve()
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C

# Hydra flags that show something instead of running the app: the files are still checked
# (--cfg --resolve would resolve ${oc.env:...}), the config is not validated.
_SHOW_FLAGS = ("help", "hydra_help", "cfg", "info", "shell_completion")

_HERE = str(Path(__file__).resolve().parent)
# Launcher workers (submitit_local, SLURM via submitit) start fresh interpreters that unpickle
# the job function from cli and the callback from callbacks: they need experiments/ on their path.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [_HERE] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != _HERE])

if not OmegaConf.has_resolver("pid"):
    # part of the run directory name, so that two runs started in the same microsecond differ;
    # cached, or each joblib worker would resolve the multirun dir with its own pid and the jobs
    # of one multirun would scatter over several directories (and miss the aggregation)
    OmegaConf.register_new_resolver("pid", lambda: str(os.getpid()), use_cache=True)


def fail(message: str) -> None:
    """Print one error line and exit with the user-error status."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(EXIT_USER_ERROR)


def _interrupted_line(exc: BaseException | None) -> str:
    text = " ".join(str(exc).split()) if exc is not None else ""
    return text if text.startswith("interrupted") else "interrupted"


def interrupted(exc: BaseException | None = None) -> None:
    """Ctrl-C: print one line (the exception's message if it starts with "interrupted") and exit 130."""
    print(_interrupted_line(exc), file=sys.stderr)
    sys.exit(EXIT_INTERRUPTED)


def _excepthook(kind, value, tb, _previous=sys.excepthook) -> None:
    # Ctrl-C before main() runs (while an entry point imports numpy, pandas, matplotlib...)
    if issubclass(kind, KeyboardInterrupt):
        print(_interrupted_line(value), file=sys.stderr, flush=True)
        os._exit(EXIT_INTERRUPTED)
    _previous(kind, value, tb)


sys.excepthook = _excepthook


def group_options(group: str, dirs=()) -> list[str]:
    """The options of a config group: its files in configs/ and in the extra config directories ``dirs``."""
    return sorted({p.stem for d in (CONFIG_DIR, *dirs) if (d / group).is_dir() for p in (d / group).glob("*.yaml")})


def _expand(overrides: list[str]) -> list[list[str]]:
    """Override lists to check: the first value of every sweep, then each sweep value in turn."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(overrides)
    values: list[list[str]] = []
    for ov in parsed:
        key = ov.get_key_element()
        if ov.is_sweep_override():
            try:
                vals = [f"{key}={v}" for v in ov.sweep_string_iterator()]
            except Exception:  # interval sweeps (optimisers): let Hydra handle them
                vals = []
            values.append(vals or [])
        else:
            values.append([ov.input_line])
    base = [v[0] for v in values if v]
    combos = [base]
    for i, vals in enumerate(values):
        for alt in vals[1:]:
            combo = [v[0] for v in values if v]
            combo[sum(1 for v in values[:i] if v)] = alt
            combos.append(combo)
    return combos


def _explain(exc: Exception, overrides: list[str], config_name: str, dirs=()) -> str:
    """One line for a Hydra composition error."""
    from hydra import compose

    text = " ".join(str(exc).split())
    for ov in overrides:
        key, _, value = ov.lstrip("+~").partition("=")
        group = key.split("@")[0]
        if "/" in group or "." in group or not value:
            continue
        options = group_options(group, dirs)
        if options and value not in options:
            return f"{key}: unknown {group} {value!r}; available: {', '.join(options)}"
    if "Could not override" in text or "not in struct" in text:
        for ov in overrides:
            key = ov.lstrip("+~").partition("=")[0]
            parent, _, leaf = key.rpartition(".")
            if not leaf or key.startswith("hydra"):
                continue
            try:
                cfg = compose(config_name=config_name, overrides=[o for o in overrides if o != ov])
                node = OmegaConf.select(cfg, parent) if parent else cfg
            except Exception:
                continue
            if node is not None and OmegaConf.is_dict(node) and leaf not in node:
                allowed = ", ".join(str(k) for k in node.keys())
                return f"{key}: unknown config key; allowed keys under {parent or 'the top level'!r}: {allowed}"
    if "Error parsing override" in text or "mismatched input" in text or "no viable alternative" in text:
        return f"could not parse the command-line override(s) {' '.join(overrides)!r}: use key=value"
    return text.split(" Set the environment variable HYDRA_FULL_ERROR")[0]


def _parse_args(argv: list[str]):
    """The command line as ``hydra.main`` will read it (Hydra's own argument parser; overrides
    after a flag, ``a=1 -m b=2``, are all collected: Hydra refuses them later, we check them all)."""
    from hydra._internal.utils import get_args_parser

    return get_args_parser().parse_intermixed_args(argv)


def precheck(config_name: str, argv: list[str], validate: Callable[[dict], object]) -> None:
    """Check the files and overrides of the command line, then compose and validate the config;
    or exit with one line (status 2) before Hydra creates any directory or runs any callback."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import open_dict

    args = _parse_args(argv)
    if args.experimental_rerun is not None:
        fail("--experimental-rerun is not supported: it loads a pickled config, and a pickle can run code")
    if args.config_path is not None:
        fail(f"--config-path: the apps read their configs from {CONFIG_DIR}; add your own config groups "
             "(e.g. DIR/scenario/NAME.yaml) with --config-dir DIR")
    if args.config_name is not None and args.config_name != config_name:
        fail(f"--config-name: this app's primary config is {config_name!r} (configs/{config_name}.yaml); add your "
             "own config groups (e.g. DIR/scenario/NAME.yaml) with --config-dir DIR")
    overrides = list(args.overrides)
    try:
        dirs = guard.command_line(config_name, overrides, args.config_dir)
    except ConfigError as err:
        fail(str(err))
    show = any(getattr(args, flag, None) for flag in _SHOW_FLAGS)  # Hydra shows; we only check
    searchpath = guard.searchpath_override(args.config_dir, guard.parse(overrides))
    user = [o for o in overrides if not o.lstrip("+~").startswith("hydra")]
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            try:
                combos = _expand(user)
                # the hydra node without any config group: what our primary config and Hydra set
                baseline = OmegaConf.to_container(
                    compose(config_name=config_name, overrides=guard.primary_groups(config_name) + searchpath,
                            return_hydra_config=True).hydra, resolve=False)
            except Exception as exc:
                if show:
                    return
                fail(f"could not parse the command line: {' '.join(str(exc).split())}")
            for combo in combos:
                try:
                    cfg = compose(config_name=config_name, overrides=combo + searchpath, return_hydra_config=True)
                    guard.composed(cfg, baseline)  # second line of defence, before anything is resolved
                    if show:
                        continue
                    with open_dict(cfg):
                        del cfg["hydra"]
                    plain = OmegaConf.to_container(cfg, resolve=True)
                except ConfigError as err:
                    fail(str(err))
                except Exception as exc:
                    if show:
                        return
                    fail(_explain(exc, combo, config_name, dirs))
                try:
                    validate(plain)
                except ConfigError as err:
                    fail(str(err))
    finally:
        GlobalHydra.instance().clear()


def main(config_name: str, run: Callable[[dict, Path], object], validate: Callable[[dict], object]) -> None:
    """Entry point: precheck, then hand over to ``hydra.main`` which calls ``run(cfg, out_dir)``."""
    import hydra
    from hydra.core.hydra_config import HydraConfig

    @hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name=config_name)
    def _app(cfg) -> None:
        out_dir = Path(HydraConfig.get().runtime.output_dir)
        try:
            plain = OmegaConf.to_container(cfg, resolve=True)
            return run(plain, out_dir)
        except ConfigError as err:
            shutil.rmtree(out_dir, ignore_errors=True)  # a fresh, unique directory: nothing else is in it
            fail(str(err))
        except KeyboardInterrupt:
            shutil.rmtree(out_dir, ignore_errors=True)  # an unfinished run; a sweep's points are in its store
            raise

    try:
        precheck(config_name, sys.argv[1:], validate)
        _app()
    except KeyboardInterrupt as exc:
        interrupted(exc)
