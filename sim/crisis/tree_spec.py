"""The building blocks of a game tree spec (:mod:`sim.crisis.trees`): linear-form expressions, the
three node classes, and the validation helpers used by :meth:`sim.crisis.trees.Tree.from_spec`.

* :class:`Linear` is a payoff or probability expression ``const + sum(coef * param)``;
  :func:`_expr` parses a spec value (a number, a parameter name or ``{param: coef, const: c}``)
  into one.  Strings are never evaluated: a string must be exactly a parameter name.
* :class:`Decision`, :class:`Chance` and :class:`Terminal` are the parsed nodes; every node
  has ``moves``, a tuple of ``(move name, child node)`` (empty for a terminal; a chance
  node's move names are its children's names).
* :func:`_check_probabilities` checks that a chance node's probabilities lie in [0, 1] and
  sum to 1 within ``1e-9`` for the given parameter values (scalars or arrays);
  :func:`_postorder` lists the nodes reachable from the root children-first and refuses cycles.

Every mistake raises :class:`sim.errors.ConfigError` naming the field path.  The spec format
is described in :mod:`sim.crisis.trees`, where every public name here is also importable from.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.errors import ConfigError

__all__ = ["Linear", "Decision", "Chance", "Terminal"]

_SUM_TOL = 1e-9


@dataclass(frozen=True)
class Linear:
    """``const + sum(coef * param)``; ``coefs`` is a sorted tuple of ``(param, coef)``."""

    const: float = 0.0
    coefs: tuple = ()

    def evaluate(self, params: Mapping[str, np.ndarray]):
        out = self.const
        for name, coef in self.coefs:
            out = out + coef * params[name]
        return out

    def to_spec(self):
        """A number, a parameter name, or ``{param: coef, ..., const: c}`` (const if nonzero)."""
        if not self.coefs:
            return self.const
        if self.const == 0 and len(self.coefs) == 1 and self.coefs[0][1] == 1:
            return self.coefs[0][0]
        return dict(self.coefs) | ({"const": self.const} if self.const else {})


@dataclass(frozen=True)
class Decision:
    player: int
    moves: tuple  # ((move name, child), ...)


@dataclass(frozen=True)
class Chance:
    branches: tuple  # ((child, Linear probability), ...)

    @property
    def moves(self):
        return tuple((c, c) for c, _ in self.branches)


@dataclass(frozen=True)
class Terminal:
    payoffs: tuple  # (Linear, ...) one per player
    moves = ()


def _require(ok: bool, field: str, message: str) -> None:
    if not ok:
        raise ConfigError(field, message)


def _number(field: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(field, f"must be a number, got {value!r}")
    if not np.isfinite(float(value)):
        raise ConfigError(field, f"must be finite, got {value!r}")
    return float(value)


def _expr(field: str, value, params: Mapping[str, float]) -> Linear:
    allowed = f"a number, a parameter name ({', '.join(params) or 'none declared'}) or a linear form {{param: coef, const: number}}"
    if isinstance(value, str):
        if value not in params:
            raise ConfigError(field, f"unknown parameter {value!r}; allowed: {allowed} (strings are never evaluated)")
        return Linear(0.0, ((value, 1.0),))
    if isinstance(value, Mapping):
        if not value:
            raise ConfigError(field, f"empty linear form; allowed: {allowed}")
        const, coefs = 0.0, {}
        for k, c in value.items():
            if k == "const":
                const = _number(f"{field}.const", c)
            elif k in params:
                coefs[k] = _number(f"{field}.{k}", c)
            else:
                raise ConfigError(f"{field}.{k}", f"unknown parameter {k!r}; keys of a linear form are parameter names ({', '.join(params) or 'none declared'}) or 'const'")
        return Linear(const, tuple(sorted(coefs.items())))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(field, f"got {value!r}; allowed: {allowed}")
    return Linear(_number(field, value), ())


def _check_probabilities(field: str, node: str, branches, params) -> None:
    total = 0.0
    for child, p in branches:
        val = np.asarray(p.evaluate(params), dtype=float)
        if np.any((val < 0) | (val > 1)):
            bad = val[(val < 0) | (val > 1)].ravel()[0]
            raise ConfigError(f"{field}.nodes.{node}.chance.{child}", f"is a probability and must be in [0, 1], got {bad:g}")
        total = total + val
    total = np.asarray(total)
    if np.any(np.abs(total - 1) > _SUM_TOL):
        bad = total[np.abs(total - 1) > _SUM_TOL].ravel()[0]
        raise ConfigError(f"{field}.nodes.{node}.chance", f"probabilities must sum to 1 (within {_SUM_TOL:g}), got {bad:.12g}")


def _postorder(nodes: Mapping, root: str, field: str) -> tuple:
    """Nodes reachable from ``root``, children first (iterative DFS); a cycle is an error."""
    state, out = {root: 1}, []  # 1 = on the current path, 2 = done
    stack = [(root, iter(nodes[root].moves), (root,))]
    while stack:
        name, it, path = stack[-1]
        step = next(it, None)
        if step is None:
            state[name] = 2
            out.append(name)
            stack.pop()
        elif state.get(step[1]) == 1:
            raise ConfigError(f"{field}.nodes.{name}", f"cycle: {' -> '.join(path + (step[1],))}; a game tree must be acyclic")
        elif step[1] not in state:
            state[step[1]] = 1
            stack.append((step[1], iter(nodes[step[1]].moves), path + (step[1],)))
    return tuple(out)
