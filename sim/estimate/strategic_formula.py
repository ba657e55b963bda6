"""Pandas front end of the strategic deterrence estimator in the formula syntax of the R package
``games`` (``Formula`` objects with one right-hand side per utility).

``"esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2"`` reads:

- left of ``~``: one outcome column with values 1, 3, 4 (or a categorical column with three
  categories, in the order status quo, backs down, war), or two 0/1 indicator columns
  ``challenge + fight`` (``games``' ``y1 + y2``: the second is ignored where the first is 0);
- right of ``~``: four equations separated by ``|``, for u11, u13, u14, u24.  Each has an
  intercept unless it contains ``0`` or ``-1`` (as in R); ``0`` alone fixes that utility at 0,
  ``1`` alone is an intercept only.  Terms are column names joined by ``+``; ``a:b`` is the product
  of two numeric columns.  A categorical (object, category or bool) column enters as treatment
  dummies named ``<column><level>``, levels sorted (or the categorical's order), the first left
  out when the equation has an intercept (R's ``model.matrix`` coding).

Rows with a missing value in any column the formula uses are dropped (R's default ``na.omit``).
"""

from __future__ import annotations

import re

import numpy as np

from sim.errors import ConfigError
from sim.estimate.strategic import StrategicFit, strategic_deterrence

__all__ = ["strategic_deterrence_formula", "parse_formula", "design_from_formula"]


def parse_formula(formula: str) -> tuple[list[str], list[tuple[bool, list[str]]]]:
    """Split a formula into the outcome column(s) and, per utility, ``(intercept, terms)``."""
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise ConfigError("formula", "must be a string 'outcome ~ u11 | u13 | u14 | u24', e.g. 'y ~ x1 | 0 | x2 | x3'")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    outcome = [t.strip() for t in lhs.split("+") if t.strip()]
    if len(outcome) not in (1, 2):
        raise ConfigError("formula", f"left of '~' must be one outcome column or two indicators 'y1 + y2', got {lhs!r}")
    parts = rhs.split("|")
    if len(parts) != 4:
        raise ConfigError("formula", f"needs four equations separated by '|' (u11 | u13 | u14 | u24), got {len(parts)}")
    equations = []
    for part in parts:
        tokens = [t.strip() for t in re.sub(r"-\s*", "+-", part).split("+") if t.strip()]
        intercept, terms = True, []
        for tok in tokens:
            if tok in ("0", "-1"):
                intercept = False
            elif tok == "1":
                continue
            elif tok.startswith("-"):
                raise ConfigError("formula", f"removing a term ({tok!r}) is not supported; only '- 1' or '0'")
            else:
                terms.append(tok)
        equations.append((intercept, terms))
    return outcome, equations


def _column(data, name: str):
    if name not in data.columns:
        raise ConfigError("formula", f"column {name!r} is not in the data; columns: {', '.join(map(str, data.columns))}")
    return data[name]


def _is_categorical(s) -> bool:
    import pandas as pd

    return isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or s.dtype == bool or \
        pd.api.types.is_string_dtype(s.dtype)


def _levels(s) -> list:
    import pandas as pd

    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(s.dropna().unique().tolist())


def _equation_matrix(data, intercept: bool, terms: list[str]):
    """One utility's design matrix ``(n, k)`` and column names, R's ``model.matrix`` coding."""
    cols, names = [], []
    if intercept:
        cols.append(np.ones(len(data)))
        names.append("(Intercept)")
    full_dummies = not intercept          # R: without an intercept the first factor keeps all levels
    for term in terms:
        factors = [f.strip() for f in term.split(":")]
        series = [_column(data, f) for f in factors]
        if len(factors) == 1 and _is_categorical(series[0]):
            s = series[0]
            levels = _levels(s)
            keep = levels if full_dummies else levels[1:]
            full_dummies = False
            for lev in keep:
                cols.append((s == lev).to_numpy(dtype=float))
                names.append(f"{factors[0]}{lev}")
            continue
        if any(_is_categorical(s) for s in series):
            raise ConfigError("formula", f"interaction {term!r} with a categorical column is not supported")
        cols.append(np.prod([s.to_numpy(dtype=float) for s in series], axis=0))
        names.append(term)
    X = np.column_stack(cols) if cols else np.zeros((len(data), 0))
    return X, names


def _outcome_codes(data, outcome: list[str]) -> np.ndarray:
    if len(outcome) == 2:
        a, b = (_column(data, c).to_numpy(dtype=float) for c in outcome)
        for c, v in zip(outcome, (a, b)):
            if not np.all(np.isin(v, (0, 1))):
                raise ConfigError("formula", f"indicator {c!r} must be 0/1")
        return np.where(a == 0, 1, np.where(b == 1, 4, 3))
    s = _column(data, outcome[0])
    if _is_categorical(s):
        levels = _levels(s)
        if len(levels) != 3:
            raise ConfigError("y", f"a categorical outcome needs exactly 3 categories (status quo, backs down, war), "
                                   f"got {len(levels)}")
        return np.select([s == levels[0], s == levels[1]], [1, 3], 4)
    return s.to_numpy(dtype=float)


def design_from_formula(data, formula: str):
    """``(y, [X11, X13, X14, X24], [names per utility], rows_used)`` from a DataFrame and a formula."""
    outcome, equations = parse_formula(formula)
    used = list(outcome) + [f.strip() for _, terms in equations for t in terms for f in t.split(":")]
    for c in used:
        _column(data, c)
    rows = data[used].notna().all(axis=1).to_numpy() if used else np.ones(len(data), bool)
    data = data.loc[rows]
    y = _outcome_codes(data, outcome)
    Xs, names = zip(*(_equation_matrix(data, icpt, terms) for icpt, terms in equations))
    return y, list(Xs), list(names), rows


def strategic_deterrence_formula(data, formula: str, *, link: str = "probit", errors: str = "agent",
                                 start=None) -> StrategicFit:
    """Fit the strategic deterrence model from a pandas DataFrame and an R ``games``-style formula.

    Parameters
    ----------
    data : pandas.DataFrame
    formula : str
        ``"y ~ u11 terms | u13 terms | u14 terms | u24 terms"`` (module docstring for the syntax),
        e.g. ``"esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2"``, the
        ``egame12`` example of Kenkel and Signorino (2014).
    link, errors, start
        As :func:`sim.estimate.strategic_deterrence`.

    Returns
    -------
    StrategicFit
        Term names as R's ``model.matrix`` writes them (``(Intercept)``, ``regime1dem``, ...).
    """
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise ConfigError("data", f"must be a pandas DataFrame, got {type(data).__name__}")
    y, Xs, names, _ = design_from_formula(data, formula)
    frames = [pd.DataFrame(X, columns=n) for X, n in zip(Xs, names)]
    return strategic_deterrence(y, *frames, link=link, errors=errors, start=start)
