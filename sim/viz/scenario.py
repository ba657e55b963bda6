"""The scenario's history as a figure: each side's reported rung against the date.

:func:`timeline_figure` draws the dated phase table of a scenario (``scenario.phases``,
schema in :mod:`sim.config.scenario`) as a step plot: one line per side, a marker per
reported phase, rung labels on the vertical axis and dates on the horizontal.  Rungs that
rest on one side's claim (a phase's ``contested`` list) get a hollow marker.  Like the
other plot modules it builds a :class:`matplotlib.figure.Figure` without pyplot, computes
nothing, and leaves saving to :func:`sim.viz.style.save`.  It reads the phases as plain
values (a phase's ``start`` date, ``rungs`` and ``contested``, by attribute or by key), so it
works on validated configs, raw config mappings and ``summary.json`` alike without importing
:mod:`sim.config`.

Given a crisis result of the scenario's own strategy pair (``model=``), :func:`timeline_figure`
also draws the model beside the history (issue 12, item 4): each side's median rung among the
runs still in crisis and the band between two quantiles, from :func:`sim.repeated.stats.rung_quantiles`
(the numbers of ``summary.md`` and of the trajectory fan).  Model round 1 sits at the phase the
modelled exchange opens with (``observed.from``, else the first phase) and round ``t`` at the
``t``-th reported phase from there: the model is aligned to the reported phases, not to the
calendar, and it is illustrative (the legend says what is reported and what is model).

Artists carry a ``gid``: ``"timeline-<i>"`` (the step line of side ``i``, 0 or 1),
``"reported-<i>"`` (filled markers) and ``"contested-<i>"`` (hollow markers),
``"phase-number"`` (the row numbers of the phase table along the top), and with a model
``"model-median-<i>"`` (the median's step line; y-data = the median rung of each drawn round,
the last repeated to close the step, nudged by the reported line's offset, +0.12 for side A and
-0.12 for side B) and ``"model-band-<i>"`` (the band).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Mapping, Sequence

import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import numpy as np

from sim.viz.style import (MIN_FONT, SIDE_COLOURS, _BASE_FONT, _STROKE, _tick_labels, enforce_min_font, wrap_label,
                           wrap_title)

__all__ = ["timeline_figure", "timelines_figure", "CONTESTED_LABEL"]

#: Legend entry of the hollow markers.
CONTESTED_LABEL = "contested (claimed by one side)"

_MARKERS = ("o", "s")
_STYLES = ("-", "--")
_OFFSET = 0.12  # vertical nudge (in rungs) so the two sides' lines stay visible when equal


def _field(obj: Any, key: str, default: Any = None) -> Any:
    """``obj[key]`` of a mapping, ``obj.key`` of any other object; ``default`` when missing or None."""
    value = obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    return default if value is None else value


def _start_date(where: str, value: Any) -> _dt.date:
    """The first day of a phase: a date, or the ISO text of a date or of a range ``start/end``."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.split("/")[0].strip())
        except ValueError:
            pass
    raise ValueError(f"{where} must be a date or an ISO date \"YYYY-MM-DD\" (or range \"YYYY-MM-DD/YYYY-MM-DD\"), "
                     f"got {value!r}")


def _phases(scenario: Any) -> tuple[tuple[str, str], list[dict[str, Any]]]:
    """Side names and phases as plain dicts (``start``, ``rungs``, ``contested``) from any scenario form.

    Accepts a :class:`~sim.config.ScenarioConfig` (its phases are
    :class:`~sim.config.Phase` objects), a raw scenario config mapping (as in the YAML) or the
    ``scenario`` dict of ``summary.json``: each phase is read by attribute or by key, its
    first day from ``start`` or else from ``date``.
    """
    sides = _field(scenario, "sides")
    raw = _field(scenario, "phases", ())
    if not sides or len(sides) != 2:
        raise ValueError(f"the scenario must name two sides, got {sides!r}")
    out = []
    for i, ph in enumerate(raw):
        start = _start_date(f"scenario.phases[{i}].date", _field(ph, "start", _field(ph, "date")))
        out.append({"start": start, "rungs": dict(_field(ph, "rungs", {})),
                    "contested": set(_field(ph, "contested", ()))})
    if not out:
        raise ValueError("the scenario has no phases to draw; add a dated phase table (scenario.phases)")
    return (str(sides[0]), str(sides[1])), out


def _positions(phases: Sequence[Mapping[str, Any]]) -> list[float]:
    """Matplotlib date numbers of the phases; phases starting the same day are spread across that day."""
    counts: dict[_dt.date, int] = {}
    for ph in phases:
        counts[ph["start"]] = counts.get(ph["start"], 0) + 1
    seen: dict[_dt.date, int] = {}
    xs = []
    for ph in phases:
        k = seen.get(ph["start"], 0)
        seen[ph["start"]] = k + 1
        xs.append(float(mdates.date2num(ph["start"])) + k / counts[ph["start"]])
    return xs


def timeline_figure(scenario: Any, rung_labels: Sequence[str], *, title: str | None = None, model=None,
                    band: tuple[float, float] = (0.1, 0.9), model_label: str | None = None) -> Figure:
    """Step plot of each side's reported rung against the date of each phase, and the model beside it.

    Parameters
    ----------
    scenario : ScenarioConfig or mapping
        A validated :class:`~sim.config.ScenarioConfig`, a raw scenario config mapping or
        the ``scenario`` dict of ``summary.json``; its ``sides`` and ``phases`` are drawn.
    rung_labels : sequence of str
        The game's rung labels, ``K`` of them (the vertical axis shows the whole ladder,
        so the distance to the top rung stays visible).  Written in full (wrapped).
    title : str, optional
        Figure title (wrapped to the figure width).
    model : MarkovResult or SimulationResult, optional
        The scenario's crisis pair analysed with a time axis.  Its median rung per side (dotted
        step line) and the band between the ``band`` quantiles (shaded) among the runs still in
        crisis are drawn from the opening phase (``observed.from``) on, model round ``t`` at the
        ``t``-th phase from there, for as many rounds as there are phases.
    band : (float, float)
        Quantile levels of the model's band (default the middle 80%).
    model_label : str, optional
        What the model is, for the legend (default "model (illustrative)").

    Returns
    -------
    matplotlib.figure.Figure
        One axes.  Each side's rung holds from a phase's start until the next phase in
        which that side's rung is reported; phases without a reported rung for a side
        draw no marker for it.  Filled markers are rungs as reported; hollow ones rest on
        one side's claim (legend entry :data:`CONTESTED_LABEL`, shown when there are
        any).  Numbers along the top are the rows of the scenario's phase table, in order.
    """
    K = len(rung_labels)
    if K < 2:
        raise ValueError(f"rung_labels needs at least two labels, got {K}")
    ticks = _rung_ticks(rung_labels)
    lines = max(t.count("\n") + 1 for t in ticks)
    fig = Figure(figsize=(11.5, 3.0 + (0.34 if lines == 1 else 0.4) * K + (0.5 if model is not None else 0)),
                 layout="constrained")
    ax = fig.add_subplot()
    handles = _draw_timeline(ax, scenario, rung_labels)
    if model is not None:
        handles += _draw_model(ax, scenario, model, K, band, model_label or "model (illustrative)")
    width = fig.get_figwidth()
    ncol = 2 if model is not None else min(len(handles), 3)
    chars = int(width * 72 / ((_BASE_FONT - 1) * 0.55) / ncol) - 8
    fig.legend(handles=handles, labels=[wrap_label(h.get_label(), chars) for h in handles],
               loc="outside lower center", ncol=ncol, frameon=False, fontsize=_BASE_FONT - 1)
    if title:
        fig.suptitle(wrap_title(title, width, _BASE_FONT + 3), fontsize=_BASE_FONT + 3, fontweight="bold")
    return enforce_min_font(fig)


def _rung_ticks(rung_labels: Sequence[str]) -> list[str]:
    """Rung labels in full: "4: strikes on declared non-state targets", wrapped at 40 characters."""
    return [wrap_label(t, 40) for t in _tick_labels(list(rung_labels), 10_000, ladder=len(rung_labels) > 2)]


def _opening(scenario: Any, phases: Sequence[Mapping[str, Any]]) -> int:
    """Index of the phase the modelled exchange opens with: the first phase starting on the
    scenario's ``observed.from`` date, else 0."""
    observed = _field(scenario, "observed", {})
    start = _field(observed, "from") if observed else None
    if start is None:
        return 0
    day = _start_date("scenario.observed.from", start)
    return next((i for i, ph in enumerate(phases) if ph["start"] == day), 0)


def _draw_model(ax, scenario: Any, model, K: int, band: tuple[float, float], label: str) -> list:
    """The model's median rung and quantile band of each side, round t at the t-th phase from the opening."""
    from sim.repeated.stats import rung_quantiles

    sides, phases = _phases(scenario)
    xs = _positions(phases)
    first = _opening(scenario, phases)
    med = rung_quantiles(model, 0.5)
    lo, hi = rung_quantiles(model, band[0]), rung_quantiles(model, band[1])
    n = min(med.shape[0], len(xs) - first)
    x = np.asarray(xs[first:first + n] + [max(xs) + max(1.0, 0.04 * (max(xs) - min(xs)))])[: n + 1]
    if x.size == n:  # no phase after the last drawn round: hold it for one more phase gap
        x = np.r_[x, x[-1] + 1.0]
    handles = []
    for i, side in enumerate(sides):
        colour, offset = SIDE_COLOURS[i], (_OFFSET if i == 0 else -_OFFSET)  # as the reported lines
        y = np.r_[med[:n, i], med[n - 1, i]] + offset
        ax.fill_between(x, np.r_[lo[:n, i], lo[n - 1, i]] - 0.3, np.r_[hi[:n, i], hi[n - 1, i]] + 0.3, step="post",
                        color=colour, alpha=0.13, linewidth=0, zorder=2, gid=f"model-band-{i}")
        ax.step(x, y, where="post", color=colour, linestyle=":", linewidth=2.6, zorder=2.5, gid=f"model-median-{i}")
        handles.append(Line2D([], [], color=colour, linestyle=":", linewidth=2.6,
                              label=f"{side}: {label}, median rung"))
    handles.append(Patch(facecolor="#888888", alpha=0.3, linewidth=0,
                         label=f"{label}: middle {100 * (band[1] - band[0]):.0f}% of the runs still in crisis; "
                               f"round 1 at phase {first + 1}, one round per reported phase"))
    return handles


def _draw_timeline(ax, scenario: Any, rung_labels: Sequence[str]) -> list:
    """Draw one scenario's reported rungs into ``ax`` (see :func:`timeline_figure`); returns the legend handles."""
    sides, phases = _phases(scenario)
    K = len(rung_labels)
    xs = _positions(phases)
    span = max(xs) - min(xs)
    pad = max(1.0, 0.04 * span)

    handles = []
    for i, side in enumerate(sides):
        colour, offset = SIDE_COLOURS[i], (_OFFSET if i == 0 else -_OFFSET)
        pts = [(x, int(ph["rungs"][side]), side in ph["contested"]) for x, ph in zip(xs, phases)
               if ph["rungs"].get(side) is not None]
        for x, r, _ in pts:
            if not 0 <= r < K:
                raise ValueError(f"{side}'s rung {r} is outside the ladder's {K} rungs")
        if not pts:
            continue
        px = [p[0] for p in pts] + [max(xs) + pad]
        py = [p[1] + offset for p in pts] + [pts[-1][1] + offset]
        ax.step(px, py, where="post", color=colour, linestyle=_STYLES[i], linewidth=2.2, gid=f"timeline-{i}",
                zorder=3, path_effects=_STROKE)
        solid = [(x, r + offset) for x, r, c in pts if not c]
        hollow = [(x, r + offset) for x, r, c in pts if c]
        if solid:
            ax.scatter(*zip(*solid), marker=_MARKERS[i], s=70, color=colour, edgecolors="white", linewidths=1.0,
                       zorder=5, gid=f"reported-{i}")
        if hollow:
            ax.scatter(*zip(*hollow), marker=_MARKERS[i], s=80, facecolors="white", edgecolors=colour,
                       linewidths=2.0, zorder=6, gid=f"contested-{i}")
        handles.append(Line2D([], [], color=colour, linestyle=_STYLES[i], linewidth=2.2, marker=_MARKERS[i],
                              markersize=8, markeredgecolor="white", label=f"{side}: rung as reported"))
    if any(ph["contested"] for ph in phases):
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=8, markerfacecolor="white",
                              markeredgecolor="#3a3a3a", markeredgewidth=2.0, label=CONTESTED_LABEL))

    for n, x in enumerate(xs, start=1):
        ax.axvline(x, color="#d0d0d0", linewidth=0.8, zorder=1)
        ax.text(x, K - 0.45, str(n), ha="center", va="bottom", fontsize=MIN_FONT, color="#555555",
                gid="phase-number", clip_on=False)
    ax.set_ylim(-0.5, K - 0.5)
    ax.set_yticks(range(K))
    ax.set_yticklabels(_rung_ticks(rung_labels), fontsize=_BASE_FONT - 1, linespacing=0.95)
    ax.set_ylabel("Rung (reported)", fontsize=_BASE_FONT + 1)
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    years = sorted({ph["start"].year for ph in phases})
    if len(years) == 1:  # one year: "22 Apr" ticks, the year once in the axis label
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        when = f"Date in {years[0]}"
    else:
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
        when = "Date"
    ax.tick_params(axis="x", labelsize=_BASE_FONT - 1)
    ax.set_xlabel(f"{when} (numbers along the top: rows of the phase table)", fontsize=_BASE_FONT)
    ax.grid(axis="y", color="#ececec", linewidth=0.8, zorder=0)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return handles


def timelines_figure(scenarios: Sequence[tuple[str, Any]], rung_labels: Sequence[str], *,
                     title: str | None = None) -> Figure:
    """The reported rungs of several crises, one panel each on the same ladder (issue 12: the
    compare report shows each scenario's timeline side by side).  ``scenarios`` is a list of
    ``(panel title, scenario)`` with the scenario as :func:`timeline_figure` takes it; each
    panel has its own dates.  Panels carry the gids of :func:`timeline_figure`."""
    K = len(rung_labels)
    if K < 2 or not scenarios:
        raise ValueError("timelines_figure needs at least one scenario and two rung labels")
    n = len(scenarios)
    lines = max(t.count("\n") + 1 for t in _rung_ticks(rung_labels))
    fig = Figure(figsize=(12.0, n * (1.8 + (0.3 if lines == 1 else 0.4) * K) + 1.4), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    handles: dict[str, Any] = {}
    for ax, (name, sc) in zip(axes, scenarios):
        for h in _draw_timeline(ax, sc, rung_labels):
            handles.setdefault(h.get_label(), h)
        ax.set_title(wrap_title(str(name), 8.0, _BASE_FONT + 1), fontsize=_BASE_FONT + 1, fontweight="bold",
                     loc="left", pad=16)
    chars = int(fig.get_figwidth() * 72 / ((_BASE_FONT - 1) * 0.55) / 3) - 8
    fig.legend(handles=list(handles.values()), labels=[wrap_label(k, chars) for k in handles],
               loc="outside lower center", ncol=min(len(handles), 3), frameon=False, fontsize=_BASE_FONT - 1)
    fig.suptitle(wrap_title(title or "The crises as each side reported them, side by side", fig.get_figwidth(),
                            _BASE_FONT + 3), fontsize=_BASE_FONT + 3, fontweight="bold")
    return enforce_min_font(fig)
