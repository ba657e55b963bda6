"""Observed crises as data: :class:`Sequences` and the ways to make them.

An observed crisis is a sequence of rounds; in each round each side's *executed* rung is
observed, observed only as one of several rungs (a contested report), or not observed at
all.  Each crisis also ends in a known way, or its record simply stops.  One
:class:`Sequences` holds C crises of up to T rounds as arrays:

- ``allowed`` (C, T, 2, K) bool: rungs consistent with what was observed of side A (index
  0) and side B (index 1) in round t (all True: not observed; one True: observed exactly);
  rounds after a crisis's length are all False and never read;
- ``lengths`` (C,) int: observed rounds per crisis (>= 1);
- ``endings`` (C,) int: how each record ends, a code into :data:`ENDING_CODES`:

  ``censored``   the record stops; the crisis may have gone on (nothing is assumed after it);
  ``war``        the crisis ended in war after its last observed round;
  ``settled``    it settled (the settlement rule of the crisis settings) after that round;
  ``mediated``   a third party ended it after that round;
  ``ceasefire``  it ended without war after that round (settled or mediated: who ended a
                 crisis is often itself contested);
  ``ended``      it ended after that round, in any way.

Three ways in: :func:`sequences_from_frame` (a pandas table, one row per round, e.g. read
from CSV by :func:`read_sequences`), :func:`sequences_from_phases` (a scenario's phase table)
and the :class:`Sequences` constructor on arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from sim.errors import ConfigError

__all__ = ["Sequences", "ENDING_CODES", "sequences_from_frame", "sequences_from_phases", "read_sequences"]

#: How an observed record ends (codes are positions in this tuple).
ENDING_CODES: tuple[str, ...] = ("censored", "war", "settled", "mediated", "ceasefire", "ended")


def _ending_code(value: Any, field_name: str) -> int:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return 0
    if isinstance(value, str) and value.strip().lower() in ENDING_CODES:
        return ENDING_CODES.index(value.strip().lower())
    raise ConfigError(field_name, f"must be one of {', '.join(ENDING_CODES)} (or empty: censored), got {value!r}")


@dataclass(frozen=True, eq=False)
class Sequences:
    """C observed crises (module docstring).

    Attributes
    ----------
    allowed : ndarray (C, T, 2, K) of bool
        ``allowed[c, t, side, k]``: rung k is consistent with what was observed of ``side``
        in round t + 1 of crisis c.
    lengths : ndarray (C,) of int
        Observed rounds of each crisis, 1 <= lengths[c] <= T.
    endings : ndarray (C,) of int
        Codes into :data:`ENDING_CODES`.
    ids : tuple of str
        A name per crisis.
    """

    allowed: np.ndarray
    lengths: np.ndarray
    endings: np.ndarray
    ids: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        allowed = np.asarray(self.allowed, dtype=bool)
        if allowed.ndim != 4 or allowed.shape[2] != 2 or allowed.shape[0] < 1 or allowed.shape[1] < 1:
            raise ConfigError("sequences.allowed", f"must have shape (crises, rounds, 2, K), got {allowed.shape}")
        C, T, _, K = allowed.shape
        lengths = np.asarray(self.lengths)
        if lengths.shape != (C,) or not np.issubdtype(lengths.dtype, np.integer) or np.any(lengths < 1) \
                or np.any(lengths > T):
            raise ConfigError("sequences.lengths", f"must be {C} integers in [1, {T}]")
        endings = np.asarray(self.endings)
        if endings.shape != (C,) or not np.issubdtype(endings.dtype, np.integer) or np.any(endings < 0) \
                or np.any(endings >= len(ENDING_CODES)):
            raise ConfigError("sequences.endings", f"must be {C} codes in [0, {len(ENDING_CODES) - 1}] "
                                                   f"({', '.join(ENDING_CODES)})")
        played = np.arange(T)[None, :] < lengths[:, None]
        empty = played[..., None] & ~allowed.any(-1)
        if np.any(empty):
            c, t, s = map(int, np.argwhere(empty)[0])
            raise ConfigError("sequences.allowed", f"crisis {c}, round {t + 1}, side {'AB'[s]}: no rung is allowed")
        allowed = allowed & played[:, :, None, None]
        ids = tuple(str(i) for i in self.ids) or tuple(f"crisis {c + 1}" for c in range(C))
        if len(ids) != C:
            raise ConfigError("sequences.ids", f"needs {C} names, got {len(ids)}")
        for name, arr in (("allowed", allowed), ("lengths", lengths.astype(np.int64)),
                          ("endings", endings.astype(np.int64))):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "ids", ids)

    @property
    def K(self) -> int:
        return self.allowed.shape[-1]

    @property
    def n_crises(self) -> int:
        return self.allowed.shape[0]

    @property
    def n_rounds(self) -> int:
        """Observed rounds in all (the n of BIC)."""
        return int(self.lengths.sum())

    @classmethod
    def from_rungs(cls, rungs, lengths=None, endings=None, ids=(), *, K: int) -> "Sequences":
        """From integer rungs ``(C, T, 2)`` (or one crisis ``(T, 2)``); -1 marks a rung not
        observed.  ``lengths`` default to T, ``endings`` (codes or names) to censored."""
        r = np.asarray(rungs)
        if r.ndim == 2:
            r = r[None]
        if r.ndim != 3 or r.shape[2] != 2 or not np.issubdtype(r.dtype, np.integer):
            raise ConfigError("sequences.rungs", f"must be integers of shape (crises, rounds, 2), got {r.shape}")
        if np.any((r < -1) | (r >= K)):
            raise ConfigError("sequences.rungs", f"must be rungs in [0, {K - 1}] or -1 (not observed)")
        C, T, _ = r.shape
        allowed = (r[..., None] == np.arange(K)) | (r[..., None] == -1)
        lengths = np.full(C, T) if lengths is None else np.asarray(lengths)
        if endings is None:
            endings = np.zeros(C, dtype=int)
        else:
            endings = np.array([e if isinstance(e, (int, np.integer)) else _ending_code(e, "sequences.endings")
                                for e in np.atleast_1d(np.asarray(endings, dtype=object))])
        return cls(allowed, lengths, endings, ids)

    def rungs(self) -> np.ndarray:
        """``(C, T, 2)`` rungs observed exactly; -1 where a rung is not observed (or only as a set) or not played."""
        exact = self.allowed.sum(-1) == 1
        return np.where(exact, self.allowed.argmax(-1), -1)


def sequences_from_frame(frame, K: int, *, crisis: str = "crisis", round: str = "round",
                         rung_a: str = "rung_a", rung_b: str = "rung_b", ending: str = "ending") -> Sequences:
    """Observed crises from a table with one row per round (e.g. read from CSV).

    Columns: ``crisis`` (an id), ``round`` (1, 2, ... without gaps within a crisis),
    ``rung_a``, ``rung_b`` (integers in [0, K-1]; empty/NaN = not observed; a text
    ``"4|5"`` = observed only as one of these rungs, e.g. a contested report), and
    optionally ``ending`` (one of :data:`ENDING_CODES`, given on the crisis's last row; other
    rows empty).  The column names are keywords.  Crises keep their order of first appearance.
    """
    for col in (crisis, round, rung_a, rung_b):
        if col not in frame.columns:
            raise ConfigError(f"sequences.{col}", f"column is missing; the table has {', '.join(map(str, frame.columns))}")
    ids = list(dict.fromkeys(frame[crisis].astype(str)))
    C = len(ids)
    if C == 0:
        raise ConfigError("sequences", "the table has no rows")
    rounds = frame[round].to_numpy()
    if not np.issubdtype(np.asarray(rounds).dtype, np.number) or np.any(np.asarray(rounds) != np.floor(rounds)) \
            or np.any(np.asarray(rounds) < 1):
        raise ConfigError(f"sequences.{round}", "must be integers >= 1")
    rounds = np.asarray(rounds, dtype=np.int64)
    cid = frame[crisis].astype(str).map({c: i for i, c in enumerate(ids)}).to_numpy()
    lengths = np.zeros(C, dtype=np.int64)
    np.maximum.at(lengths, cid, rounds)
    counts = np.bincount(cid, minlength=C)
    if np.any(counts != lengths) or len(set(zip(cid.tolist(), rounds.tolist()))) != len(rounds):
        bad = ids[int(np.flatnonzero(counts != lengths)[0])] if np.any(counts != lengths) else "?"
        raise ConfigError(f"sequences.{round}", f"crisis {bad!r}: rounds must run 1, 2, ... without gaps or repeats")
    T = int(lengths.max())
    allowed = np.zeros((C, T, 2, K), dtype=bool)
    for side, col in enumerate((rung_a, rung_b)):
        allowed[cid, rounds - 1, side] = _rung_sets(frame[col].tolist(), K, f"sequences.{col}")
    endings = np.zeros(C, dtype=np.int64)
    if ending in frame.columns:
        codes = np.array([_ending_code(v, f"sequences.{ending}") for v in frame[ending].tolist()])
        last = rounds == lengths[cid]
        if np.any(codes[~last] != 0):
            raise ConfigError(f"sequences.{ending}", "give the ending on a crisis's last row only")
        endings[cid[last]] = codes[last]
    return Sequences(allowed, lengths, endings, tuple(ids))


def _rung_sets(values: Sequence[Any], K: int, field_name: str) -> np.ndarray:
    """(n, K) bool from cells: an integer rung, empty/NaN (any rung), or ``"a|b|..."``.

    Numbers and empty cells are read as arrays; only the cells that list several rungs are
    split one by one (a few contested reports, not a loop over the data)."""
    import pandas as pd

    cells = pd.Series(list(values), dtype=object)
    text = cells.map(lambda v: isinstance(v, str))
    several = text & cells.map(lambda v: isinstance(v, str) and "|" in v)
    blank = cells.isna() | (text & cells.map(lambda v: isinstance(v, str) and not v.strip()))
    single = ~several & ~blank
    nums = pd.to_numeric(cells[single], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(nums) | (nums != np.floor(nums)) | (nums < 0) | (nums > K - 1)
    if np.any(bad):
        row = int(np.flatnonzero(single.to_numpy())[np.argmax(bad)])
        raise ConfigError(field_name, f"row {row}: must be an integer rung in [0, {K - 1}], empty, or rungs "
                                      f"joined by '|', got {values[row]!r}")
    out = np.zeros((len(cells), K), dtype=bool)
    out[blank.to_numpy()] = True
    out[np.flatnonzero(single.to_numpy()), nums.astype(int)] = True
    for row in np.flatnonzero(several.to_numpy()):  # the cells that list several rungs
        for part in str(values[row]).split("|"):
            try:
                f = float(part)
            except ValueError:
                f = np.nan
            if not np.isfinite(f) or not f.is_integer() or not 0 <= f <= K - 1:
                raise ConfigError(field_name, f"row {row}: rungs must be integers in [0, {K - 1}], got {values[row]!r}")
            out[row, int(f)] = True
    return out


def read_sequences(path, K: int, **columns: str) -> Sequences:
    """:func:`sequences_from_frame` of a CSV file (one row per round; module docstring)."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype={columns.get("rung_a", "rung_a"): object,
                                         columns.get("rung_b", "rung_b"): object})
    except (OSError, ValueError) as exc:
        raise ConfigError("sequences.path", f"cannot read {path}: {exc}") from None
    for col in (columns.get("rung_a", "rung_a"), columns.get("rung_b", "rung_b")):
        if col in frame.columns:
            frame[col] = [v if isinstance(v, str) and "|" in v else (np.nan if v is None or (isinstance(v, float)
                          and np.isnan(v)) else float(v)) for v in frame[col]]
    return sequences_from_frame(frame, K, **columns)


def sequences_from_phases(phases: Sequence[Mapping[str, Any] | Any], sides: Sequence[str], K: int, *,
                          start: int = 0, timing: str = "simultaneous", first_mover: str = "a",
                          contested: str | int = "reported", ending: str = "censored",
                          crisis_id: str = "observed", opening=None) -> Sequences:
    """One observed crisis from a scenario's phase table (``scenario.phases``).

    Each phase has ``rungs`` ``{side name: rung}`` and optionally ``contested`` (the sides
    whose rung rests on one side's claim).  Phases from index ``start`` on are the observed
    play (earlier ones are the background to the crisis's opening).

    Reading (a modelling choice, stated so that it can be changed):

    - ``timing="simultaneous"``: each phase is one round, its pair observed.
    - ``timing="alternating"``: each phase is two moves in turn order, ``first_mover``
      first: the mover's rung is the phase's rung for that side, the other side's stays at
      the rung it stood at, then the other side moves to its phase rung.  (A phase table
      does not say who moved first within a phase; alternating timing fixes the order.)
    - ``contested``: ``"reported"`` takes a contested rung as reported; ``"missing"``
      treats it as not observed; an integer ``w`` treats it as observed only within
      ``w`` rungs of the report.
    - ``ending``: how the record ends after its last phase (:data:`ENDING_CODES`).
    - ``opening``: the rung pair standing before the first phase (the crisis settings'
      opening): under alternating timing the side that answers first is observed at its
      opening rung in the first move (None: not observed there).
    """
    if len(sides) != 2:
        raise ConfigError("scenario.sides", f"needs two side names, got {list(sides)}")
    rows = list(phases)[start:]
    if not rows:
        raise ConfigError("sequences.start", f"leaves no phase (the table has {len(list(phases))})")
    if not (contested in ("reported", "missing") or (isinstance(contested, int) and not isinstance(contested, bool)
                                                   and contested >= 0)):
        raise ConfigError("sequences.contested", f"must be 'reported', 'missing' or a rung width >= 0, got {contested!r}")
    if timing not in ("simultaneous", "alternating"):
        raise ConfigError("timing", f"must be simultaneous or alternating, got {timing!r}")
    if first_mover not in ("a", "b"):
        raise ConfigError("first_mover", f"must be 'a' or 'b', got {first_mover!r}")
    ks = np.arange(K)
    sets = []
    for i, ph in enumerate(rows):
        get = ph.get if isinstance(ph, Mapping) else (lambda k, d=None, ph=ph: getattr(ph, k, d))
        rungs, disputed = get("rungs") or {}, set(get("contested", ()) or ())
        pair = []
        for side in sides:
            if side not in rungs:
                raise ConfigError(f"scenario.phases[{start + i}].rungs", f"has no rung for {side!r}")
            r = int(rungs[side])
            if not 0 <= r < K:
                raise ConfigError(f"scenario.phases[{start + i}].rungs.{side}", f"must be in [0, {K - 1}], got {r}")
            if side in disputed and contested == "missing":
                pair.append(np.ones(K, dtype=bool))
            elif side in disputed and isinstance(contested, int):
                pair.append(np.abs(ks - r) <= contested)
            else:
                pair.append(ks == r)
        sets.append(pair)
    if timing == "alternating":
        mover = 0 if first_mover == "a" else 1
        moves = []
        prev = None if opening is None else [ks == int(opening[0]), ks == int(opening[1])]
        for a_set, b_set in sets:
            cur = [a_set, b_set]
            first = [None, None]
            first[mover] = cur[mover]
            first[1 - mover] = prev[1 - mover] if prev is not None else np.ones(K, dtype=bool)
            moves.extend([first, cur])
            prev = cur
        sets = moves
    allowed = np.array(sets)[None]  # (1, T, 2, K)
    return Sequences(allowed, np.array([allowed.shape[1]]), np.array([_ending_code(ending, "sequences.ending")]),
                     (crisis_id,))
