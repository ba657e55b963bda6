"""Configs are data: the checks that keep a shared config file from running code.

Hydra and OmegaConf act on some keys and strings of a config: ``_target_`` (with ``_args_``,
``_partial_``, ``_call_``, ``_recursive_``, ``_convert_``) names a Python callable to
instantiate, a ``hydra:`` block can register callbacks or move the output directory, and a
resolver interpolation such as ``${oc.env:HOME}`` reads the environment when the config is
resolved.  This project builds nothing from configs: a config only *names* registered
games and strategies.  So a config given as data may hold none of these; plain references
into the config itself (``${game.war_cost}``) are fine.

:func:`check_data` walks a plain value (dicts, lists, strings: what ``yaml.safe_load``
returns) and raises a one-line :class:`~sim.errors.ConfigError` at the first offending key
or string; :func:`check_name` checks a name that becomes part of a file or folder name.
This module never imports Hydra or OmegaConf.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from sim.errors import ConfigError

__all__ = ["FORBIDDEN_KEYS", "RULE", "check_data", "check_name", "interpolation_problem", "forbidden_key"]

#: Keys through which Hydra's ``instantiate`` would call Python code.
FORBIDDEN_KEYS = frozenset({"_target_", "_call_", "_partial_", "_recursive_", "_convert_", "_args_"})
#: The rule, as quoted in every error message.
RULE = "configs are data: no Hydra settings, no _target_, no resolvers other than ${...} references"

_PLAIN_REF = re.compile(r"^\.*[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+|\[\d+\])*$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
MAX_NAME = 100


def forbidden_key(key: Any) -> bool:
    """True for ``_target_`` and its kin, also as a part of a dotted key (``a._target_``)."""
    return any(part in FORBIDDEN_KEYS for part in str(key).split("."))


def _interpolations(text: str) -> list[str]:
    """The bodies of the ``${...}`` in ``text`` (outermost, braces matched); an unclosed one gives
    everything after its ``${``.  Escapes (``\\${``) are not honoured: stricter, never looser."""
    out = []
    i = text.find("${")
    while i != -1:
        depth, j = 0, i
        while j < len(text):
            if text.startswith("${", j):
                depth += 1
                j += 2
                continue
            if text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        out.append(text[i + 2: j] + ("" if j < len(text) else "\0"))  # "\0": never closed
        i = text.find("${", j + 1)
    return out


def interpolation_problem(text: Any) -> str | None:
    """``None`` if ``text`` holds no interpolation or only plain references (``${game.war_cost}``,
    ``${..x}``, ``${a[0]}``); otherwise a short description of the first one that is not: a
    resolver call (``${oc.env:HOME}``, any ``${name:...}``), a nested or malformed one."""
    if not isinstance(text, str) or "${" not in text:
        return None
    for body in _interpolations(text):
        if _PLAIN_REF.match(body.strip()) and body == body.strip():
            continue
        if body.endswith("\0"):
            return f"has an unclosed interpolation ${{{body[:-1][:40]}"
        name = body.split(":", 1)[0].strip() if ":" in body else ""
        shown = "${" + body + "}" if len(body) <= 60 else "${" + body[:57] + "...}"
        if name and re.match(r"^[A-Za-z_][\w.]*$", name):
            return f"uses the resolver {name} ({shown})"
        return f"uses the interpolation {shown}, which is not a plain ${{...}} reference"
    return None


def check_data(value: Any, where: str, path: str = "", *, kind: str = "config") -> None:
    """Raise :class:`ConfigError` if ``value`` holds a ``_target_``-like key or a resolver.

    ``where`` names the file or field in the message, ``path`` is the dotted key of ``value``
    (``""`` at the top) and ``kind`` says what the value is ("scenario file", "command-line
    override").  Keys are checked at every depth, strings for interpolations.
    """
    if isinstance(value, Mapping):
        for key, sub in value.items():
            full = f"{path}.{key}" if path else str(key)
            if forbidden_key(key):
                raise ConfigError(where, f"{full} is not allowed in a {kind} ({RULE})")
            problem = interpolation_problem(key)
            if problem:
                raise ConfigError(where, f"the key {full} {problem}: not allowed in a {kind} ({RULE})")
            check_data(sub, where, full, kind=kind)
    elif isinstance(value, (list, tuple)):
        for i, sub in enumerate(value):
            check_data(sub, where, f"{path}[{i}]", kind=kind)
    else:
        problem = interpolation_problem(value)
        if problem:
            raise ConfigError(where, f"{path or 'the value'} {problem}: not allowed in a {kind} ({RULE})")


def check_name(field: str, name: Any) -> str:
    """A name that becomes part of a file or folder name: letters, digits, ``_``, ``.``, ``-``,
    no leading dot (so no ``..``), at most 100 characters.  Returns it or raises a one-line
    :class:`ConfigError` naming ``field``."""
    if not isinstance(name, str) or not name:
        raise ConfigError(field, f"must be a non-empty name, got {name!r}")
    if not _SAFE_NAME.match(name) or name.startswith(".") or len(name) > MAX_NAME:
        raise ConfigError(field, f"{name!r} is not a safe name: it becomes part of a file or folder name, so use "
                                 f"only letters, digits, '_', '.' and '-', no leading '.', at most {MAX_NAME} "
                                 "characters")
    return name
