"""The dated, sourced parts of a scenario config: its phase table and stated policies.

A scenario (``configs/scenario/*.yaml``) may add, next to its narrative and numbered
``sources`` list::

    phases:                                # in date order
      - date: "2025-04-22"                 # ISO date, or an ISO range "2025-05-07/2025-05-09"
        event: "Attack on tourists near Pahalgam"
        rungs: {India: 0, Pakistan: null}  # each side's reported rung (null: none reported)
        contested: [Pakistan]              # optional: sides whose rung rests on one side's claim
        claims: "India said ...; Pakistan said ..."   # optional; required if contested is set
        sources: [1, 2]                    # 1-based references into scenario.sources
    stated_policies:
      Pakistan:
        statement: "Never initiate; respond if attacked; de-escalate if the other side does"
        source: [5]                        # 1-based references into scenario.sources
        strategy: conditional_deescalation # the registered strategy that expresses it

:func:`validate_phases` and :func:`validate_policies` turn each mistake into one
:class:`~sim.errors.ConfigError` naming the field (``scenario.phases[2].date``).  Rungs are
checked against ``0 .. K-1`` by :func:`check_phase_rungs` once the game's K is known.
This module never imports Hydra.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from sim.errors import ConfigError

__all__ = ["Phase", "StatedPolicy", "parse_date", "validate_phases", "validate_policies", "check_phase_rungs",
           "check_source_numbers", "phase_records", "policy_records"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBERED = re.compile(r"^\s*\[(\d+)\]")


@dataclass(frozen=True)
class Phase:
    """One dated row of a scenario's phase table.

    ``date`` is the ISO text as written (``"2025-05-07"`` or ``"2025-05-07/2025-05-09"``);
    ``start`` / ``end`` are the parsed dates (equal for a single day).  ``rungs`` maps each
    side name to its reported rung or ``None``; ``contested`` lists the sides whose rung
    rests on one side's claim; ``sources`` are 1-based references into the scenario's
    ``sources``.
    """

    date: str
    start: _dt.date
    end: _dt.date
    event: str
    rungs: Mapping[str, int | None]
    sources: tuple[int, ...]
    claims: str = ""
    contested: tuple[str, ...] = ()

    @property
    def midpoint(self) -> _dt.date:
        """The middle day of the phase (its date for a single day)."""
        return self.start + (self.end - self.start) / 2

    def to_config(self) -> dict[str, Any]:
        """The phase as a plain config mapping (round-trips through :func:`validate_phases`)."""
        out: dict[str, Any] = {"date": self.date, "event": self.event, "rungs": dict(self.rungs),
                               "sources": list(self.sources)}
        if self.claims:
            out["claims"] = self.claims
        if self.contested:
            out["contested"] = list(self.contested)
        return out


@dataclass(frozen=True)
class StatedPolicy:
    """A side's publicly stated policy, where it was stated, and the strategy that expresses it."""

    statement: str
    source: tuple[int, ...]
    strategy: str

    def to_config(self) -> dict[str, Any]:
        """The policy as a plain config mapping."""
        return {"statement": self.statement, "source": list(self.source), "strategy": self.strategy}


def _text(name: str, value: Any, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(name, f"must be a non-empty string, got {value!r}")
    return value.strip()


def _iso(name: str, text: str) -> _dt.date:
    if not _DATE.match(text):
        raise ConfigError(name, f"must be an ISO date YYYY-MM-DD (or a range YYYY-MM-DD/YYYY-MM-DD), got {text!r}")
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(name, f"is not a calendar date: {text!r}") from None


def parse_date(name: str, value: Any) -> tuple[str, _dt.date, _dt.date]:
    """``(text, start, end)`` of an ISO date or ``start/end`` range (YAML dates accepted too)."""
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value.isoformat(), value, value
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(name, f"must be an ISO date \"YYYY-MM-DD\" or range \"YYYY-MM-DD/YYYY-MM-DD\", got {value!r}")
    text = value.strip()
    parts = text.split("/")
    if len(parts) > 2:
        raise ConfigError(name, f"a range has exactly one '/', got {text!r}")
    start = _iso(name, parts[0].strip())
    end = _iso(name, parts[-1].strip())
    if end < start:
        raise ConfigError(name, f"range ends before it starts: {text!r}")
    return text, start, end


def _refs(name: str, value: Any, n_sources: int) -> tuple[int, ...]:
    """1-based references into the sources list; at least one, each existing."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(name, f"must cite at least one source: a list of numbers 1..{n_sources} "
                                f"into scenario.sources, got {value!r}")
    out = []
    for i, ref in enumerate(value):
        if isinstance(ref, bool) or not isinstance(ref, int):
            raise ConfigError(f"{name}[{i}]", f"must be a source number 1..{n_sources}, got {ref!r}")
        if not 1 <= ref <= n_sources:
            raise ConfigError(f"{name}[{i}]", f"source [{ref}] does not exist; scenario.sources has "
                                              f"{n_sources} entr{'y' if n_sources == 1 else 'ies'}")
        out.append(ref)
    return tuple(out)


def check_source_numbers(sources: Sequence[str]) -> None:
    """Sources written as ``"[n] ..."`` must carry their own 1-based position ``n``."""
    for i, src in enumerate(sources):
        m = _NUMBERED.match(src)
        if m and int(m.group(1)) != i + 1:
            raise ConfigError(f"scenario.sources[{i}]", f"is numbered [{m.group(1)}] but is entry {i + 1} "
                                                        f"of the list; phases cite sources by position")


def validate_phases(raw: Any, sides: Sequence[str], n_sources: int, K: int | None = None) -> tuple[Phase, ...]:
    """Check ``scenario.phases`` (a list of mappings, in date order) and return :class:`Phase` rows.

    ``K`` (if known) bounds the rungs to ``0 .. K-1``; otherwise call
    :func:`check_phase_rungs` once the game is built.
    """
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)):
        raise ConfigError("scenario.phases", f"must be a list of phases, got {type(raw).__name__}")
    allowed = ("date", "event", "rungs", "claims", "sources", "contested")
    out: list[Phase] = []
    for i, ph in enumerate(raw):
        n = f"scenario.phases[{i}]"
        if not isinstance(ph, Mapping):
            raise ConfigError(n, f"must be a mapping with keys {', '.join(allowed)}, got {ph!r}")
        for key in ph:
            if key not in allowed:
                raise ConfigError(f"{n}.{key}", f"unknown key; allowed keys of a phase: {', '.join(allowed)}")
        text, start, end = parse_date(f"{n}.date", ph.get("date"))
        if out and start < out[-1].start:
            raise ConfigError(f"{n}.date", f"{text} comes before the previous phase ({out[-1].date}); "
                                           "list phases in date order")
        event = _text(f"{n}.event", ph.get("event"))
        rungs_raw = ph.get("rungs") or {}
        if not isinstance(rungs_raw, Mapping):
            raise ConfigError(f"{n}.rungs", f"must map side names ({', '.join(sides)}) to rungs, got {rungs_raw!r}")
        rungs: dict[str, int | None] = {s: None for s in sides}
        for side, rung in rungs_raw.items():
            if side not in sides:
                raise ConfigError(f"{n}.rungs.{side}", f"unknown side; the scenario's sides are {', '.join(sides)}")
            if rung is not None:
                hi = f"{K - 1}" if K else "K-1"
                if isinstance(rung, bool) or not isinstance(rung, int) or rung < 0 or (K and rung >= K):
                    raise ConfigError(f"{n}.rungs.{side}", f"must be a rung 0..{hi} or null, got {rung!r}")
            rungs[side] = rung
        contested = ph.get("contested") or ()
        if isinstance(contested, str):
            contested = (contested,)
        if not isinstance(contested, (list, tuple)):
            raise ConfigError(f"{n}.contested", f"must be a list of side names, got {contested!r}")
        for j, side in enumerate(contested):
            if side not in sides:
                raise ConfigError(f"{n}.contested[{j}]", f"unknown side {side!r}; the scenario's sides are "
                                                         f"{', '.join(sides)}")
        claims = _text(f"{n}.claims", ph.get("claims"), required=False)
        if contested and not claims:
            raise ConfigError(f"{n}.claims", "a phase with contested rungs needs claims text saying who claimed what")
        refs = _refs(f"{n}.sources", ph.get("sources"), n_sources)
        out.append(Phase(text, start, end, event, rungs, refs, claims, tuple(str(s) for s in contested)))
    return tuple(out)


def check_phase_rungs(phases: Sequence[Phase], K: int) -> None:
    """Every reported rung of ``phases`` lies in ``0 .. K-1`` (one ConfigError naming the first that does not)."""
    for i, ph in enumerate(phases):
        for side, rung in ph.rungs.items():
            if rung is not None and not 0 <= rung < K:
                raise ConfigError(f"scenario.phases[{i}].rungs.{side}",
                                  f"must be a rung 0..{K - 1} of the game (it has {K} rungs), got {rung}")


def validate_policies(raw: Any, sides: Sequence[str], n_sources: int) -> dict[str, StatedPolicy]:
    """Check ``scenario.stated_policies`` (side name -> statement, source refs, registered strategy)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError("scenario.stated_policies", f"must map side names to policies, got {type(raw).__name__}")
    from sim.repeated.strategies.named import REGISTRY

    out: dict[str, StatedPolicy] = {}
    for side, pol in raw.items():
        n = f"scenario.stated_policies.{side}"
        if side not in sides:
            raise ConfigError(n, f"unknown side; the scenario's sides are {', '.join(sides)}")
        if not isinstance(pol, Mapping):
            raise ConfigError(n, f"must be a mapping with statement, source and strategy, got {pol!r}")
        for key in pol:
            if key not in ("statement", "source", "strategy"):
                raise ConfigError(f"{n}.{key}", "unknown key; allowed keys of a stated policy: statement, source, strategy")
        statement = _text(f"{n}.statement", pol.get("statement"))
        refs = _refs(f"{n}.source", pol.get("source"), n_sources)
        strategy = pol.get("strategy")
        if strategy not in REGISTRY:
            raise ConfigError(f"{n}.strategy", f"unknown strategy {strategy!r}; registered: {', '.join(sorted(REGISTRY))}")
        out[str(side)] = StatedPolicy(statement, refs, str(strategy))
    return out


def phase_records(phases: Any) -> list[dict[str, Any]]:
    """Phases (:class:`Phase` objects or plain mappings) as JSON-able dicts with ISO ``start``/``end``."""
    out = []
    for ph in phases or ():
        if isinstance(ph, Phase):
            out.append(dict(ph.to_config(), start=ph.start.isoformat(), end=ph.end.isoformat()))
        else:
            rec = dict(ph)
            if "start" not in rec or "end" not in rec:
                _, start, end = parse_date("scenario.phases.date", rec.get("date"))
                rec.setdefault("start", start.isoformat())
                rec.setdefault("end", end.isoformat())
            out.append(rec)
    return out


def policy_records(policies: Any) -> dict[str, dict[str, Any]]:
    """Stated policies (:class:`StatedPolicy` objects or plain mappings) as JSON-able dicts."""
    return {str(side): (pol.to_config() if isinstance(pol, StatedPolicy) else dict(pol))
            for side, pol in dict(policies or {}).items()}
