"""Configs are data: check every config file a command line will load, before Hydra acts on it.

Hydra lets any composed file act: a ``# @package _global_`` scenario with a ``hydra:`` block
can register a callback (``hydra.callbacks.x._target_`` runs any Python callable) or move the
output (``hydra.run.dir``), and ``${oc.env:...}`` reads the environment when the config is
resolved.  A scenario, game, strategy, tree or sweep file shared by someone else must do
none of that.  So, before Hydra composes anything:

1. :func:`command_line` finds the extra config directories (``--config-dir``,
   ``hydra.searchpath``), refuses a ``hydra/`` folder in them, checks the command-line
   overrides (no ``_target_``-like key, no resolver in a value, safe group option names)
   and then :func:`scan` walks the defaults lists from the primary config
   (``configs/<app>.yaml``, ours and trusted) through every group option chosen there or
   on the command line, reading each file's raw YAML with ``yaml.safe_load`` and checking
   it with :func:`sim.config.safety.check_data` plus the rules on where its content lands
   (nothing under ``hydra``, no ``sweep.store`` path) and on its own defaults list (no
   Hydra config groups, no interpolation, safe option names).  It scans every file any
   defaults entry could select (also an option another entry overrides): more files than
   Hydra loads, never fewer.
2. After our own compose, :func:`composed` checks the composed, unresolved config again
   (second line of defence) and compares its ``hydra`` node with the one composed without
   any config group, so whatever a group file managed to put under ``hydra`` is refused.

The primary configs ``configs/*.yaml`` and ``configs/hydra/**`` are ours and trusted; so
are Hydra's own and its installed plugins' configs (``pkg://``: installed code anyway).
Every refusal is a :class:`~sim.errors.ConfigError` naming the file (or override) and the key.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from sim.config.safety import RULE, check_data, check_name, forbidden_key
from sim.errors import ConfigError

CONFIG_DIR = (Path(__file__).resolve().parent.parent / "configs").resolve()
ROOT = CONFIG_DIR.parent
#: Keys of the composed config that hold a path: they come from the command line, never from a file.
PATH_KEYS = ("sweep.store",)
#: Parts of the ``hydra`` node that differ between any two compositions (the choices made).
_HYDRA_BOOKKEEPING = ("runtime", "overrides", "job.override_dirname")


# --------------------------------------------------------------------------- search path
def extra_dirs(config_dir: str | None, overrides: Iterable) -> list[Path]:
    """The extra file-system config directories: ``--config-dir`` and ``hydra.searchpath`` entries.

    ``overrides`` are parsed Hydra overrides; ``pkg://`` entries (installed packages) are skipped.
    """
    out: list[Path] = []
    if config_dir:
        out.append(Path(config_dir).expanduser().resolve())
    for ov in overrides:
        if ov.get_key_element() != "hydra.searchpath":
            continue
        value = ov.value()
        for entry in value if isinstance(value, (list, tuple)) else [value]:
            entry = str(_plain(entry))
            scheme, sep, rest = entry.partition("://")
            if not sep:
                out.append(Path(entry).expanduser().resolve())
            elif scheme == "file":
                out.append(Path(rest).expanduser().resolve())
    return [d for i, d in enumerate(out) if d != CONFIG_DIR and d not in out[:i]]


def searchpath_override(config_dir: str | None, overrides: Iterable) -> list[str]:
    """The ``hydra.searchpath=[...]`` override that gives Hydra's compose API the same search path
    as the command line (``--config-dir`` is a flag of ``hydra.main`` only); [] if nothing is added."""
    entries: list[str] = []
    for ov in overrides:
        if ov.get_key_element() == "hydra.searchpath":
            value = ov.value()
            entries += [str(_plain(v)) for v in (value if isinstance(value, (list, tuple)) else [value])]
    if config_dir:
        entries.append(f"file://{Path(config_dir).expanduser().resolve()}")
    if not entries:
        return []
    return ["hydra.searchpath=[" + ",".join(repr(e) for e in entries) + "]"]


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _check_extra_dir(d: Path) -> None:
    """A user config dir may hold config groups, never Hydra's own settings (``hydra/``): a file
    there would shadow an installed launcher's config, e.g. ``hydra/launcher=joblib``."""
    hydra_dir = d / "hydra"
    if hydra_dir.is_dir():
        found = sorted(hydra_dir.rglob("*.yaml"))
        if found:
            raise ConfigError(_display(found[0]), f"Hydra settings are not allowed in a user config directory "
                                                  f"({RULE}); remove {_display(hydra_dir)}")


# --------------------------------------------------------------------------- the command line
def _is_group(key: str, dirs: list[Path]) -> bool:
    return "/" in key or any((d / key).is_dir() for d in [CONFIG_DIR, *dirs])


def _plain(value: Any) -> Any:
    """An override value with Hydra's ``QuotedString`` elements of a sweep as plain strings."""
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    text = getattr(value, "text", None)
    return text if isinstance(text, str) and type(value).__name__ == "QuotedString" else value


def _values(ov) -> list[Any]:
    """Every value an override takes (each element of a sweep), as plain values."""
    if not ov.is_sweep_override():
        return [_plain(ov.value())]
    try:
        return [_plain(v) for v in ov.sweep_iterator()]
    except Exception:  # noqa: BLE001  interval sweeps (numbers for optimisers): nothing to check
        return []


def parse(overrides: list[str]) -> list:
    """Hydra's parsed overrides.  An override of a ``hydra.*`` key that does not parse (a README
    placeholder such as ``hydra.launcher.partition=<partition>``) is left for Hydra to report."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            parsed.append(parser.parse_override(text))
        except Exception as exc:  # noqa: BLE001  (one line for any parse problem)
            if text.lstrip("+~").startswith("hydra"):
                continue
            raise ConfigError("", f"could not parse the command line: {' '.join(str(exc).split())}") from None
    return parsed


def command_line(config_name: str, overrides: list[str], config_dir: str | None = None) -> list[Path]:
    """Check a command line before Hydra acts on it; returns the extra config directories.

    Raises :class:`ConfigError` (one line naming the override or file and the key) for a
    ``_target_``-like key or a resolver in a value of an override of our own keys, an unsafe
    config-group option name, a ``hydra/`` folder in a user config directory, or any file the
    composition may load that is not plain data (see :func:`scan`).  Overrides of ``hydra.*``
    are the user's own Hydra settings and are left to Hydra.
    """
    parsed = parse(overrides)
    dirs = extra_dirs(config_dir, parsed)
    for d in dirs:
        if not d.is_dir():
            raise ConfigError("", f"config directory {str(d)!r} not found")
        _check_extra_dir(d)
    choices: list[tuple[str, str | None, str]] = []
    for ov in parsed:
        key = ov.key_or_group
        if key == "hydra" or key.startswith(("hydra.", "hydra/")):
            continue
        if ov.is_delete():
            continue
        if _is_group(key, dirs) or ov.package is not None:
            for value in _values(ov):
                for option in value if isinstance(value, (list, tuple)) else [value]:
                    if option is None:
                        continue
                    check_name(f"{key}" + (f"@{ov.package}" if ov.package else ""), str(option))
                    choices.append((key, ov.package, str(option)))
            continue
        if forbidden_key(key):
            raise ConfigError("command line", f"{key} is not allowed in a command-line override ({RULE})")
        for value in _values(ov):
            check_data(value, "command line", key, kind="command-line override")
    scan(config_name, choices, dirs)
    return dirs


# --------------------------------------------------------------------------- the files
def _header_package(text: str) -> str | None:
    """The ``# @package`` header, read the way Hydra reads it (leading comment lines of the first 512 characters)."""
    for line in text[:512].splitlines():
        line = line.strip()
        if not line:
            continue
        if not re.match(r"^\s*#\s*@", line):
            break
        parts = line.lstrip("#").strip().split()
        if len(parts) == 2 and parts[0] == "@package":
            return parts[1]
    return None


def _final_package(parent: str, package: str | None, group: str) -> str:
    """Where a config's content lands (Hydra's ``_get_final_package``): ``package`` relative to the
    parent's, ``_global_`` resets to the root; without one, the config group's path."""
    if package is None:
        package = group.replace("/", ".")
    if "_group_" in package:
        package = "_global_." + package.replace("_group_", group.replace("/", "."))
    joined = package if not parent else (parent if not package else f"{parent}.{package}")
    i = joined.rfind("_global_")
    return joined if i == -1 else joined[i + len("_global_") + 1:]


def _header_to_package(header: str | None) -> str | None:
    if header is None or header == "_group_":
        return None
    return header if header == "_global_" or header.startswith("_global_.") else f"_global_.{header}"


def _under(prefix: str, key: str) -> bool:
    return key == prefix or key.startswith(prefix + ".")


def _check_landing(content: Mapping, package: str, where: str, kind: str) -> None:
    """Nothing of a group file may land under ``hydra`` (at most three parts of the key are named),
    nor set a path key (:data:`PATH_KEYS`)."""
    body = {k: v for k, v in content.items() if k != "defaults"}
    for key, value in _flat(body, package).items():
        if _under("hydra", key):
            raise ConfigError(where, f"{'.'.join(key.split('.')[:3])} is not allowed in a {kind} ({RULE})")
        for path_key in PATH_KEYS:
            if _under(path_key, key) and value is not None:
                raise ConfigError(where, f"{path_key} is a file path: set it on the command line, not in a {kind} "
                                         "(configs are data: a shared file does not choose where output goes)")


def _defaults(raw: Any, where: str, kind: str, parent_dir: str, package: str):
    """The entries of a group file's defaults list, checked, as ``(group or None, option or config
    path, entry package or None, relative group)``; group None for a plain config path."""
    if not isinstance(raw, list):
        return  # absent, or Hydra reports it
    for entry in raw:
        if isinstance(entry, str):
            if entry == "_self_":
                continue
            if "${" in entry:
                raise ConfigError(where, f"defaults entry {entry!r} uses an interpolation: not allowed in a {kind} ({RULE})")
            written = entry.strip()
            path = written.lstrip("/") if written.startswith("/") else (f"{parent_dir}/{written}" if parent_dir else written)
            if path == "hydra" or path.startswith("hydra/"):
                raise ConfigError(where, f"defaults entry {entry!r} selects Hydra settings: not allowed in a {kind} ({RULE})")
            for part in written.lstrip("/").split("/"):
                check_name(f"{where}: defaults entry {entry!r}", part)
            rel = written.lstrip("/").rsplit("/", 1)[0] if "/" in written.lstrip("/") else ""
            yield None, path, None, rel
            continue
        if not isinstance(entry, Mapping) or len(entry) != 1:
            continue  # Hydra reports it
        (key, value), = entry.items()
        shown = f"defaults entry {str(key)!r}"
        if "${" in str(key):
            raise ConfigError(where, f"{shown} uses an interpolation: not allowed in a {kind} ({RULE})")
        words = str(key).split()
        group, _, pkg = (words[-1] if words else "").partition("@")
        rel = group.lstrip("/")
        full_group = rel if group.startswith("/") or not parent_dir else f"{parent_dir}/{rel}"
        if any(g == "hydra" or g.startswith("hydra/") for g in (rel, full_group)):
            raise ConfigError(where, f"{shown} selects Hydra settings: not allowed in a {kind} ({RULE})")
        if pkg and _under("hydra", _final_package(package, pkg, rel)):
            raise ConfigError(where, f"{shown} puts a config under hydra: not allowed in a {kind} ({RULE})")
        for option in value if isinstance(value, list) else [value]:
            if option is None or option == "???" or not isinstance(option, str):
                continue  # no choice, or Hydra reports it
            if "${" in option:
                raise ConfigError(where, f"{shown} uses an interpolation: not allowed in a {kind} ({RULE})")
            check_name(f"{where}: {shown}", option)
            yield full_group, option, pkg or None, rel


def _candidates(config_path: str, dirs: list[Path]) -> list[Path]:
    name = config_path if config_path.endswith(".yaml") else config_path + ".yaml"
    return [d / name for d in [CONFIG_DIR, *dirs] if (d / name).is_file()]


def _kind(config_path: str) -> str:
    group = config_path.split("/")[0] if "/" in config_path else ""
    return f"{group} file" if group else "config file"


def check_file(path: Path, config_path: str, parent_package: str = "", entry_package: str | None = None,
               rel_group: str | None = None) -> tuple[str, list]:
    """Check one config file (its raw YAML, read with ``yaml.safe_load``).

    ``config_path`` is its path in the search path without ``.yaml`` (``scenario/evil``);
    ``parent_package``, ``entry_package`` (the ``@package`` of the entry that selects it) and
    ``rel_group`` (the group as that entry wrote it) place its content as Hydra would.
    Returns the file's package and its checked defaults entries (see :func:`_defaults`).
    """
    where = _display(path)
    kind = _kind(config_path)
    try:
        text = path.read_text(encoding="utf-8")
        content = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        first = " ".join(str(exc).split())[:200]
        raise ConfigError(where, f"is not a plain YAML file ({first})") from None
    if not isinstance(content, Mapping):
        return parent_package, []  # empty, or Hydra reports it
    header = _header_to_package(_header_package(text))
    if rel_group is None:
        rel_group = config_path.rsplit("/", 1)[0] if "/" in config_path else ""
    package = _final_package(parent_package, entry_package if entry_package is not None else header, rel_group)
    _check_landing(content, package, where, kind)
    check_data({k: v for k, v in content.items() if k != "defaults"}, where, kind=kind)
    parent_dir = config_path.rsplit("/", 1)[0] if "/" in config_path else ""
    return package, list(_defaults(content.get("defaults"), where, kind, parent_dir, package))


def _primary_defaults(config_name: str):
    """``(group or None, option, package or None)`` of the primary config's defaults (Hydra groups left out)."""
    raw = yaml.safe_load((CONFIG_DIR / f"{config_name}.yaml").read_text(encoding="utf-8")) or {}
    for entry in raw.get("defaults") or []:
        if isinstance(entry, Mapping) and len(entry) == 1:
            (key, value), = entry.items()
            group, _, pkg = str(key).split()[-1].partition("@")
            group = group.lstrip("/")
            if group == "hydra" or group.startswith("hydra/"):
                continue  # Hydra settings of our own primary config: trusted
            for option in value if isinstance(value, list) else [value]:
                if isinstance(option, str) and option != "???":
                    yield group, option, pkg or None
        elif isinstance(entry, str) and entry != "_self_":
            yield None, entry.lstrip("/"), None


def scan(config_name: str, choices: list[tuple[str, str | None, str]], dirs: list[Path]) -> list[Path]:
    """Check every file the composition of ``config_name`` with these group ``choices``
    (``(group, package or None, option)``, from the command line) may load; returns their paths.

    Starts from the primary config's defaults list and the command-line choices, then follows
    each file's own defaults list.  Every candidate of a config path in every search directory
    is checked (also one that another shadows), and every option an entry names (also one that
    an ``override`` entry or the command line replaces): more files than Hydra loads, never fewer.
    """
    # (group or None, option or config path, parent package, entry package, group as written)
    todo: deque = deque()
    for group, option, pkg in _primary_defaults(config_name):
        todo.append((group, option, "", pkg, group))
    for group, pkg, option in choices:
        todo.append((group, option, "", pkg, group))
    seen: set[Path] = set()
    while todo:
        group, option, parent_package, pkg, rel = todo.popleft()
        config_path = f"{group}/{option}" if group else option
        for path in _candidates(config_path, dirs):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            package, entries = check_file(path, config_path, parent_package, pkg,
                                          rel if group else (option.rsplit("/", 1)[0] if "/" in option else ""))
            for sub_group, sub_option, sub_pkg, sub_rel in entries:
                todo.append((sub_group, sub_option, package, sub_pkg, sub_rel))
    return sorted(seen)


# --------------------------------------------------------------------------- after composing
def _flat(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{path}.{k}" if path else str(k)))
        return out
    return {path: value}


def composed(cfg, baseline_hydra: Mapping | None = None) -> None:
    """Second line of defence on a config composed by Hydra's compose API, before it is resolved.

    ``cfg`` is the composed ``DictConfig`` (with its ``hydra`` node if ``baseline_hydra`` is
    given, which is the unresolved ``hydra`` node composed without any config group).
    Raises :class:`ConfigError` for a ``_target_``-like key or a resolver anywhere outside
    ``hydra``, or for any Hydra setting that only a config group file can have brought in.
    """
    from omegaconf import OmegaConf

    plain = OmegaConf.to_container(cfg, resolve=False)
    hydra_node = plain.pop("hydra", None)
    check_data(plain, "composed config", kind="config group file")
    if baseline_hydra is None or hydra_node is None:
        return
    got, base = _flat(hydra_node), _flat(baseline_hydra)
    for key in sorted(set(got) | set(base)):
        if any(_under(skip, key) for skip in _HYDRA_BOOKKEEPING):
            continue
        if key not in got or key not in base or got[key] != base[key]:
            raise ConfigError("composed config", f"hydra.{key} is set by a config group file: not allowed ({RULE})")


def primary_groups(config_name: str) -> list[str]:
    """``~group@package`` overrides that drop every non-Hydra config group of the primary config
    (to compose the baseline ``hydra`` node of :func:`composed`)."""
    out = []
    for group, option, pkg in _primary_defaults(config_name):
        if group is not None:
            out.append(f"~{group}" + (f"@{pkg}" if pkg else ""))
    return list(dict.fromkeys(out))


def check_choices(groups: Mapping[str, str], config_name: str = "run") -> None:
    """Check the files that choosing these config-group options (``{"scenario": "kargil_1999",
    "strategy@crisis.side_a": "grit"}``) in ``config_name`` may load (compare's variants)."""
    choices = []
    for key, option in groups.items():
        group, _, pkg = key.partition("@")
        check_name(key, option)
        choices.append((group, pkg or None, option))
    scan(config_name, choices, [])
