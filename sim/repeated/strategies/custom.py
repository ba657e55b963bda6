"""User-defined strategies: memory-one and memory-n tables, automata, YAML specs.

Re-exported by :mod:`sim.repeated.strategies`; see that module for the automaton model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from sim.errors import ConfigError, check_distribution, check_probabilities

from sim.limits import MAX_AUTOMATON_TABLE
from sim.repeated.strategies.automaton import Strategy, _check_K, check_match

__all__ = ["memory_one", "memory_n", "automaton", "load", "as_strategy", "strategy_pair"]


def _initial_rungs(initial: Any, K: int, field_name: str) -> np.ndarray:
    """The first-round rung distribution: a restraint probability (K = 2) or K probabilities."""
    try:
        arr = np.asarray(initial, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(field_name, f"must be a probability or {K} probabilities, got {initial!r}") from None
    if arr.ndim == 0:
        check_probabilities(field_name, arr[None])
        q = float(arr)
        if K == 2:
            return np.array([q, 1.0 - q])
        if q == 1.0:
            return np.eye(K)[0]
        raise ConfigError(field_name, f"for K = {K} give {K} probabilities of the first rung, not one number")
    if arr.shape != (K,):
        raise ConfigError(field_name, f"needs {K} probabilities (one per rung), got shape {arr.shape}")
    check_distribution(field_name, arr)
    return arr


def memory_one(p, K: int = 2, initial: Any = 1.0, name: str = "memory_one") -> Strategy:
    """A memory-one strategy: the next rung depends only on the last round (own, seen).

    Parameters
    ----------
    p : array_like
        K = 2: the four probabilities of *restraint* after (restrain, restrain),
        (restrain, strike), (strike, restrain), (strike, strike), own move first, as in
        Press and Dyson (2012) and axelrod's ``MemoryOnePlayer`` (TFT = (1, 0, 1, 0),
        WSLS = (1, 0, 0, 1)).  Any K: a ``(K, K, K)`` table ``p[own, seen, next]`` of
        next-rung distributions.
    initial : float or array_like
        First-round restraint probability (K = 2; default 1), or K probabilities of the
        first rung.
    States: K ("play r"); the state is the rung drawn for the next round.
    """
    K = _check_K(K)
    arr = np.asarray(p, dtype=float)
    if K == 2 and arr.shape == (4,):
        check_probabilities(f"strategy {name}.p", arr)
        q = arr.reshape(2, 2)
        table = np.stack([q, 1 - q], -1)
    elif arr.shape == (K, K, K):
        check_distribution(f"strategy {name}.p", arr)
        table = arr
    else:
        want = "4 restraint probabilities or a (2, 2, 2) table" if K == 2 else f"a ({K}, {K}, {K}) table"
        raise ConfigError(f"strategy {name}.p", f"needs {want}, got shape {arr.shape}")
    init = _initial_rungs(initial, K, f"strategy {name}.initial")
    transition = np.broadcast_to(table[None, :, :, :], (K, K, K, K)).copy()
    params = {"kind": "memory_one", "p": arr.tolist(), "initial": np.asarray(initial).tolist()}
    return Strategy(name, init, np.eye(K), transition, params, tuple(f"play {r}" for r in range(K)))


_MAX_TABLE = MAX_AUTOMATON_TABLE  # sim.limits: entries S x K x K x S of one strategy's table


def memory_n(table, n: int, K: int = 2, initial: Any = 1.0, name: str = "memory_n") -> Strategy:
    """A memory-n strategy: the next rung depends on the last ``n`` rounds (own, seen).

    Parameters
    ----------
    table : array_like
        Shape ``(K,) * (2 n) + (K,)``: ``table[own_1, seen_1, ..., own_n, seen_n, next]``,
        oldest round first, the distribution of the next rung.  For K = 2 also shape
        ``(2,) * (2 n)``: the probability of *restraint* next.
    n : int >= 1
    initial : float or array_like
        First-round rung distribution (restraint probability for K = 2; default: rung 0).
        Before round n the missing history counts as rounds of mutual restraint (0, 0).

    States: ``K ** (2 (n - 1) + 1)``, a state being the last n - 1 rounds and the rung drawn
    for the next round.  ``memory_n(t, 1, K)`` equals ``memory_one(t, K)``.
    """
    K = _check_K(K)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"strategy {name}.n", f"must be an integer >= 1, got {n!r}")
    n = int(n)
    arr = np.asarray(table, dtype=float)
    if K == 2 and arr.shape == (2,) * (2 * n):
        full = np.stack([arr, 1 - arr], -1)
    elif arr.shape == (K,) * (2 * n + 1):
        full = arr
    else:
        raise ConfigError(f"strategy {name}.table",
                          f"needs shape {(K,) * (2 * n + 1)} for n = {n}, K = {K}, got {arr.shape}")
    check_distribution(f"strategy {name}.table", full)
    H = K ** (2 * (n - 1))
    S = H * K
    if S * K * K * S > _MAX_TABLE:
        raise ConfigError(f"strategy {name}.n",
                          f"memory-{n} with K = {K} needs {S} states, too many for the tables; use n <= {n - 1}")
    flat = full.reshape(H, K, K, K)  # (older n-1 rounds, own, seen, next)
    transition = np.zeros((H, K, K, K, H, K))  # (h, r, own, seen, h', r')
    h = np.arange(H)[:, None, None]
    own = np.arange(K)[None, :, None]
    seen = np.arange(K)[None, None, :]
    h_next = np.broadcast_to((h * K * K + own * K + seen) % H, (H, K, K))
    for hh in range(H):
        for o in range(K):
            for s in range(K):
                transition[hh, :, o, s, h_next[hh, o, s], :] = flat[hh, o, s]
    transition = transition.reshape(S, K, K, S)
    action = np.tile(np.eye(K), (H, 1))
    init = np.zeros(S)
    init[:K] = _initial_rungs(initial, K, f"strategy {name}.initial")
    params = {"kind": "memory_n", "n": n, "table": arr.tolist(), "initial": np.asarray(initial).tolist()}
    labels = tuple(f"h{hh}, play {r}" for hh in range(H) for r in range(K))
    return Strategy(name, init, action, transition, params, labels)


def automaton(initial, action, transition, name: str = "automaton",
              state_labels: Sequence[str] = ()) -> Strategy:
    """A user-defined automaton.

    Parameters
    ----------
    initial : int or array_like (S,)
        Starting state, or a distribution over the S states.
    action : array_like (S, K) or (S,) of ints
        Rung distribution per state, or the rung each state plays.
    transition : array_like (S, K, K, S) or (S, K, K) of ints
        ``transition[s, own, seen]``: the distribution of the next state, or the next state.
    """
    raw = {"initial": initial, "action": action, "transition": transition}
    try:
        act = np.asarray(action, dtype=float)
        tr = np.asarray(transition, dtype=float)
        init = np.asarray(initial, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"strategy {name}",
                          "initial, action and transition must be numbers or rectangular arrays") from None
    if act.ndim not in (1, 2):
        raise ConfigError(f"strategy {name}.action", f"must have shape (S, K) or (S,), got {act.shape}")
    if tr.ndim not in (3, 4):
        raise ConfigError(f"strategy {name}.transition", f"must have shape (S, K, K) or (S, K, K, S), got {tr.shape}")
    S = act.shape[0]
    K = act.shape[1] if act.ndim == 2 else tr.shape[1]
    if act.ndim == 1:
        act = _one_hot(f"strategy {name}.action", act, K)
    if tr.ndim == 3:
        if tr.shape != (S, K, K):
            raise ConfigError(f"strategy {name}.transition",
                              f"must have shape {(S, K, K)} (next states), got {tr.shape}")
        tr = _one_hot(f"strategy {name}.transition", tr, S)
    if init.ndim == 0:
        init = _one_hot(f"strategy {name}.initial", init[None], S)[0]
    params = {"kind": "automaton", **{k: np.asarray(v).tolist() for k, v in raw.items()}}
    if state_labels:
        params["state_labels"] = list(state_labels)
    return Strategy(name, init, act, tr, params, tuple(state_labels))


def _one_hot(field_name: str, idx: np.ndarray, n: int) -> np.ndarray:
    idx = np.asarray(idx)
    if idx.dtype.kind == "f" and np.all(np.isfinite(idx)) and np.all(idx == np.round(idx)):
        idx = idx.astype(int)
    if idx.dtype.kind not in "iu":
        raise ConfigError(field_name, f"must hold integers (indices) here, got {idx.dtype}")
    bad = np.argwhere((idx < 0) | (idx >= n))
    if len(bad):
        where = tuple(int(i) for i in bad[0])
        raise ConfigError(field_name, f"entry {where} is {int(idx[where])}, not in [0, {n - 1}]")
    return np.eye(n)[idx]


_SPEC_KEYS = {
    "automaton": {"kind", "name", "K", "initial", "action", "transition", "state_labels", "description", "source"},
    "memory_one": {"kind", "name", "K", "p", "initial", "description", "source"},
    "memory_n": {"kind", "name", "K", "n", "table", "initial", "description", "source"},
}


def load(spec: Any, K: int | None = None) -> Strategy:
    """A strategy from a YAML file (``configs/strategy/*.yaml``) or a dict.

    Spec forms (``description`` and ``source`` keys are allowed and ignored)::

        name: tit_for_tat          # a named strategy and its parameters
        K: 5
        ---
        kind: memory_one           # or memory_n (with n, table) or automaton
        name: my_strategy
        K: 2
        p: [1, 0.1, 1, 0.1]
        initial: 1
        ---
        kind: automaton
        name: two_state
        initial: 0
        action: [0, 1]             # rung per state (or an (S, K) table)
        transition: [[[0, 1], [0, 1]], [[0, 1], [0, 1]]]   # next state [s][own][seen]

    ``K`` (argument) is the number of rungs the caller needs; a spec with another K is an
    error.  Every mistake is a one-line :class:`ConfigError` naming the spec and the entry.
    """
    where = "strategy"
    if isinstance(spec, (str, Path)):
        path = Path(spec)
        where = f"strategy file {path.name}"
        if not path.is_file():
            raise ConfigError(where, f"no such file: {path}")
        import yaml  # PyYAML ships with hydra-core / omegaconf

        try:
            spec = yaml.safe_load(path.read_text())
        except yaml.YAMLError as err:
            raise ConfigError(where, f"is not valid YAML: {' '.join(str(err).split())}") from None
    if hasattr(spec, "items") and not isinstance(spec, Mapping):  # e.g. an OmegaConf DictConfig
        spec = dict(spec.items())
    if not isinstance(spec, Mapping):
        raise ConfigError(where, f"must be a mapping with 'name' or 'kind', got {type(spec).__name__}")
    spec = dict(spec)
    if K is not None and "K" not in spec and spec.get("kind") is None:
        spec["K"] = K  # a named strategy takes the caller's number of rungs
    try:
        strat = _from_spec(spec)
    except ConfigError as err:
        raise (err if where == "strategy" else err.prefixed(where)) from None
    if K is not None and strat.K != K:
        raise ConfigError(f"{where}.K", f"strategy {strat.name!r} has {strat.K} rungs but {K} are needed")
    return strat


def _from_spec(spec: dict) -> Strategy:
    kind = spec.get("kind")
    if kind is None:
        if "name" not in spec:
            raise ConfigError("strategy",
                              "spec needs 'name' (a registered strategy) or 'kind' (automaton, memory_one, memory_n)")
        params = {k: v for k, v in spec.items() if k not in ("name", "K", "description", "source")}
        from sim.repeated.strategies.named import get  # the registry (imported here: sim.repeated.strategies re-exports this module)

        return get(spec["name"], K=spec.get("K", 2), **params)
    if kind not in _SPEC_KEYS:
        raise ConfigError("strategy.kind", f"unknown kind {kind!r}; allowed: {', '.join(sorted(_SPEC_KEYS))}")
    extra = sorted(set(spec) - _SPEC_KEYS[kind])
    if extra:
        allowed = ", ".join(sorted(_SPEC_KEYS[kind]))
        raise ConfigError(f"strategy.{extra[0]}", f"is not a field of a {kind} spec; allowed: {allowed}")
    name = str(spec.get("name", kind))
    K = spec.get("K")
    if kind == "memory_one":
        if "p" not in spec:
            raise ConfigError(f"strategy {name}.p", "is required")
        strat = memory_one(spec["p"], K=_check_K(K if K is not None else _infer_K(spec["p"], 1)),
                           initial=spec.get("initial", 1.0), name=name)
    elif kind == "memory_n":
        for key in ("n", "table"):
            if key not in spec:
                raise ConfigError(f"strategy {name}.{key}", "is required")
        k = _check_K(K if K is not None else _infer_K(spec["table"], spec["n"]))
        strat = memory_n(spec["table"], spec["n"], K=k, initial=spec.get("initial", 1.0), name=name)
    else:
        for key in ("initial", "action", "transition"):
            if key not in spec:
                raise ConfigError(f"strategy {name}.{key}", "is required")
        strat = automaton(spec["initial"], spec["action"], spec["transition"], name=name,
                          state_labels=spec.get("state_labels", ()))
    if K is not None and strat.K != K:
        raise ConfigError(f"strategy {name}.K", f"is {K} but the tables have {strat.K} rungs")
    return strat


def _infer_K(table, n) -> int:
    shape = np.shape(table)
    return 2 if shape in ((4,), (2,) * (2 * int(n))) else (shape[0] if shape else 2)


def strategy_pair(game, strategy_a: Any, strategy_b: Any) -> tuple[Strategy, Strategy, int]:
    """The two strategies of a repeated crisis on ``game``, and K: each a :class:`Strategy`, a
    registry name or a spec dict (loaded with the game's K), checked against the game (square,
    K rungs on both sides).  The one place where the engine, the exact analysis and the
    tournament turn what a user passed into strategies."""
    if hasattr(game, "A"):
        K = int(np.shape(game.A)[-1])
        strategy_a, strategy_b = as_strategy(strategy_a, K), as_strategy(strategy_b, K)
    return strategy_a, strategy_b, check_match(game, strategy_a, strategy_b)


def as_strategy(spec: Any, K: int) -> Any:
    """A :class:`Strategy` as it is; a registry name (``"grit"``) or a spec dict
    (``{"name": "grit", "period": 2}``) loaded with ``K`` rungs; anything else unchanged (the
    caller's check then names it)."""
    if isinstance(spec, str):
        return load({"name": spec}, K=K)
    if isinstance(spec, Mapping):
        return load(spec, K=K)
    return spec
