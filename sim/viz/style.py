"""Shared plotting style: font size, text strokes, number and label formatting, the
categorical palette and line styles, game titles, :data:`Z95` (error bands) and :func:`save`
(atomic PNG writes).

Side names in other scripts (``भारत``, ``中国``): matplotlib's default font, DejaVu Sans,
has Latin, Greek, Cyrillic, Arabic and Hebrew but no Devanagari or CJK glyphs, and warns
once per missing glyph per drawing.  :func:`save` (and :func:`fit_fonts`, for figures shown
in a notebook) then gives the texts that need them a font family list ending in an installed
font that has the glyphs (Noto fonts first; matplotlib falls back glyph by glyph), or, if none
is installed, emits one ``UserWarning`` naming the text and the font package to install.
Figures whose texts DejaVu Sans can draw are written exactly as before.

Figures that project (issue 12, item 3)
    :data:`MIN_FONT` is the smallest font size any text of a report figure may have (points
    at the saved size), :data:`SLIDE_MIN_FONT` that of a slide (:func:`slide`, 16:9 at
    :data:`SLIDE_SIZE`).  :func:`wrap_label` wraps long labels and legend entries (never cuts
    them), :func:`strategy_display` and :func:`pair_display` give strategies and strategy pairs
    plain-language names (``graduated_response(start=4)`` -> "graduated response, opening at
    rung 4"), :func:`enforce_min_font` raises any smaller text to the floor.

One meaning per colour
    Sides and outcomes draw their colours from disjoint sets, so a colour never means both a
    side and a way a crisis ends: :data:`SIDE_COLOURS` (side A blue ``#0072B2``, side B reddish
    purple ``#CC79A7``), :data:`OUTCOME_COLOURS` (war vermillion ``#D55E00``, settled bluish green
    ``#009E73``, ended by a third party gold ``#C7A600``, still in crisis grey ``#B0B0B0``) and
    :data:`SERIES_COLOURS` for anything else drawn as several series (strategy pairs, sample runs:
    black, sky blue, orange, brown, with line styles), all from or near the Okabe-Ito palette.

Used by every figure module of :mod:`sim.viz`; nothing here imports pyplot.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import math
import re
import textwrap
import unicodedata
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib import patheffects as pe
from matplotlib.figure import Figure

from sim.files import atomic_write_bytes

__all__ = ["save", "fit_fonts", "figure_formats", "FIGURE_FORMATS", "Z95", "MIN_FONT", "SLIDE_MIN_FONT", "SLIDE_SIZE",
           "SIDE_COLOURS", "OUTCOME_COLOURS", "SERIES_COLOURS", "wrap_label", "wrap_title", "strategy_display", "pair_display", "slide_set",
           "enforce_min_font", "slide", "mark_scenario"]

#: Two-sided 95% normal quantile: bands and error bars are ``mean +- Z95 * sem``.
Z95 = 1.959963984540054


_GAME_TITLES = {
    "ladder": "Escalation ladder",
    "prisoners_dilemma": "Prisoner's Dilemma",
    "security_dilemma": "Security dilemma (Prisoner's Dilemma)",
    "chicken": "Chicken",
    "stag_hunt": "Stag Hunt",
    "deterrence": "Deterrence",
    "symmetric": "Symmetric 2x2 game",
    "matrix": "Game",
}
#: Smallest font size (points at the saved size) of any text in a report figure.  Report figures
#: are 7.5-13 in wide and saved at 150 dpi (1100-2000 px); a projector or a laptop shows them about
#: 1000-1900 px wide, so a 10 pt text is 12-21 px high on screen: readable from the back of a
#: classroom, as slide body text of 10-12 pt on a 10 in slide is.  Below ~9 pt digits blur
#: (the issue's 6-point payoff numbers).
MIN_FONT = 10.0
#: Slides (:func:`slide`): 16:9 at 13.33 x 7.5 in (PowerPoint's widescreen size), and no text under
#: 16 pt, the usual floor for slide text.
SLIDE_SIZE = (13.333, 7.5)
SLIDE_MIN_FONT = 16.0
_BASE_FONT = 11
_MINUS = "\u2212"
_STROKE = [pe.withStroke(linewidth=5.5, foreground="white")]
_THIN_STROKE = [pe.withStroke(linewidth=3.5, foreground="white")]


#: Colours of side A and side B (never used for an outcome).
SIDE_COLOURS = ("#0072B2", "#CC79A7")
#: Colours of the ways a crisis ends (never used for a side).
OUTCOME_COLOURS: dict[str, str] = {"war": "#D55E00", "settled": "#009E73", "mediated": "#C7A600",
                                   "still": "#B0B0B0"}
#: Colours of other series (strategy pairs, sample runs): neither a side's nor an outcome's.
SERIES_COLOURS = ("#000000", "#56B4E9", "#E69F00", "#8C564B", "#7F7F7F")

_CATEGORY = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
_LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), (0, (3, 1, 1, 1)))


def _fmt(v: float, decimals: int) -> str:
    s = f"{v:.{decimals}f}"
    if s.lstrip("-").strip("0.") == "":
        s = s.lstrip("-")
    return s.replace("-", _MINUS)


def _decimals(values: np.ndarray, digits: int = 3) -> int:
    """Decimals that give the largest |value| ``digits`` significant digits (0 .. 3)."""
    m = float(np.max(np.abs(values))) if values.size else 0.0
    if m == 0 or not math.isfinite(m):
        return 0
    dec = digits - 1 - math.floor(math.log10(m))
    # integers stay integers
    if np.all(np.abs(values - np.round(values)) < 1e-9):
        return 0
    return int(min(3, max(0, dec)))


def _short(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def _tick_labels(labels: Sequence[str], n: int, ladder: bool) -> list[str]:
    """Axis labels of rungs: ``"4: drones..."`` on ladders, the bare label on two-action games."""
    out = []
    for i, lab in enumerate(labels):
        out.append(str(i) if lab == f"rung {i}" else (f"{i}: {_short(lab, n)}" if ladder else _short(lab, n)))
    return out


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), max(20, width)))


def wrap_label(text: str, width: int = 40) -> str:
    """``text`` wrapped onto lines of at most ``width`` characters (existing line breaks kept;
    words longer than ``width`` are not broken).  Labels and legend entries are wrapped, never
    cut: every character of ``text`` is kept."""
    return "\n".join(line for part in str(text).split("\n")
                     for line in (textwrap.wrap(part, max(8, int(width)), break_long_words=False,
                                                break_on_hyphens=False) or [""]))


def wrap_title(text: str, width_in: float, fontsize: float) -> str:
    """``text`` wrapped to fit a figure ``width_in`` inches wide at ``fontsize`` points (bold
    sans-serif averages ~0.62 em per character; a quarter inch margin on each side)."""
    return wrap_label(text, int((width_in - 0.5) * 72 / (fontsize * 0.62)))


def _param_phrase(key: str, value) -> str:
    """A strategy parameter in words (``start=4`` -> "opening at rung 4")."""
    phrases = {"start": "opening at rung {}", "step": "{} rungs above the rung seen", "rung": "at rung {}",
               "period": "a step down every {} rounds", "ratio": "ratio {}", "g": "forgiving {}"}
    if key == "step_down":
        return "full step-down" if value == "full" else "step down to the rung seen"
    if key == "step" and value == 1:
        return "one rung above the rung seen"
    if key == "probabilities":
        return "fixed probabilities"
    if key in phrases:
        return phrases[key].format(value)
    return f"{key.replace('_', ' ')} {value}"


def strategy_display(strategy, params=None) -> str:
    """Plain-language name of a strategy: a :class:`~sim.repeated.strategies.Strategy`, a registry
    name with ``params``, or a config mapping ``{"name": ..., **params}``.

    ``graduated_response`` with ``start=4`` -> "graduated response, opening at rung 4"; names come
    from :data:`sim.wording.STRATEGY_LABELS` (as in the reports); parameters left at their
    builder's default (or None) are not mentioned.
    """
    import inspect

    from sim.repeated.strategies import REGISTRY
    from sim.wording import strategy_label

    if isinstance(strategy, dict):
        params = {k: v for k, v in strategy.items() if k not in ("name", "K")}
        strategy = strategy["name"]
    elif params is None:
        params = dict(getattr(strategy, "params", {}) or {})
    name = str(getattr(strategy, "name", strategy))
    defaults = ({k: p.default for k, p in inspect.signature(REGISTRY[name]).parameters.items()}
                if name in REGISTRY else {})
    extra = [_param_phrase(k, v) for k, v in (params or {}).items()
             if k != "kind" and v is not None and not (k in defaults and defaults[k] == v)]
    return ", ".join([strategy_label(name)] + extra)


def pair_display(sides: Sequence[str], a, b) -> str:
    """Plain-language name of a strategy pair: "India: graduated response, opening at rung 4 /
    Pakistan: conditional de-escalation" (see :func:`strategy_display`)."""
    return f"{sides[0]}: {strategy_display(a)} / {sides[1]}: {strategy_display(b)}"


def _tick_size(axis, which: str) -> float:
    """Font size (points) of ``axis``'s ``which`` tick labels as configured, without creating ticks."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    size = axis.get_tick_params(which=which).get("labelsize", rcParams[f"{axis.axis_name}tick.labelsize"])
    return FontProperties(size=size).get_size_in_points()


def enforce_min_font(fig: Figure, floor: float = MIN_FONT) -> Figure:
    """Raise every text of ``fig`` smaller than ``floor`` points (tick labels included) to ``floor``.
    Figure functions call it last, so no text is drawn under the projection minimum; returns ``fig``."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for which in ("major", "minor"):
                if _tick_size(axis, which) < floor:
                    axis.set_tick_params(which=which, labelsize=floor)
    for text in _texts_without_ticks(fig):
        if text.get_fontsize() < floor:
            text.set_fontsize(floor)
    return fig


def _texts_without_ticks(artist):
    """The texts under ``artist`` except tick labels (which :func:`_tick_size` covers), found without
    asking an axis for its ticks: that would create them, which costs more than the rest of the figure."""
    from matplotlib.axis import Axis
    from matplotlib.table import Table
    from matplotlib.text import Text

    if isinstance(artist, Axis):
        yield from (artist.label, artist.offsetText)
        return
    if isinstance(artist, Text):
        yield artist
    if isinstance(artist, Table):
        yield from (cell.get_text() for cell in artist.get_celld().values())
    for child in artist.get_children():
        yield from _texts_without_ticks(child)


def slide(fig: Figure, *, size: tuple[float, float] = SLIDE_SIZE, floor: float = SLIDE_MIN_FONT) -> Figure:
    """``fig`` made slide-ready, in place: 16:9 at ``size`` inches (13.33 x 7.5, PowerPoint's
    widescreen), every text scaled up by one factor so that the smallest is ``floor`` points (the
    order of sizes, title over labels over ticks, is kept), the layout redone.  Meant for figures
    of a slide's shape (one or two panels); returns ``fig``.  Save it with :func:`save` (the
    slide set of a run is written to ``figures/slides/``, which the HTML report does not embed)."""
    texts = list(_texts(fig))
    ticks = [(axis, which, _tick_size(axis, which)) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
             for which in ("major", "minor")]
    sizes = [t.get_fontsize() for t in texts if t.get_text().strip()] + [sz for _, _, sz in ticks]
    scale = max(1.0, floor / min(sizes)) if sizes else 1.0
    for t in texts:
        t.set_fontsize(max(floor, t.get_fontsize() * scale))
    for axis, which, sz in ticks:
        axis.set_tick_params(which=which, labelsize=max(floor, sz * scale))
    for ax in fig.axes:
        for line in ax.get_lines():
            line.set_linewidth(line.get_linewidth() * 1.25)
    from matplotlib.legend import Legend

    for leg in fig.findobj(Legend):  # larger type, same width: entries wrap onto more lines
        for t in leg.get_texts():
            longest = max(len(line) for line in t.get_text().split("\n"))
            t.set_text(wrap_label(" ".join(t.get_text().split()), max(16, int(longest / scale))))
    title = getattr(fig, "_suptitle", None)
    if title is not None and title.get_text():
        title.set_text(wrap_title(" ".join(title.get_text().split()), size[0], title.get_fontsize()))
    fig.set_size_inches(*size)
    return fig


def mark_scenario(ax, point, *, size: float = 20, label: str = "this scenario") -> tuple[bool, object]:
    """The scenario's point on a map ``ax`` (call after the limits and scales are set), always
    inside the axes: a white star with a black edge (gid ``"scenario-point"``) at the point, or,
    when the point lies outside the plotted range, a hollow dashed star at the nearest edge with a
    note giving the point's values.  Returns ``(inside, legend handle)``."""
    from matplotlib.lines import Line2D

    from sim.wording import fmt_number

    px, py = (float(v) for v in point)
    ax.get_xlim(), ax.get_ylim()  # settle a pending autoscale (after pcolormesh, say): transLimits reads viewLim
    to_axes = ax.transScale + ax.transLimits
    fx, fy = to_axes.transform((px, py))
    inside = 0.0 <= fx <= 1.0 and 0.0 <= fy <= 1.0
    cx, cy = float(np.clip(fx, 0.035, 0.965)), float(np.clip(fy, 0.035, 0.965))
    x, y = (px, py) if inside else to_axes.inverted().transform((cx, cy))
    kw = dict(marker="*", markersize=size, markeredgecolor="black", markeredgewidth=1.6, linestyle="none", zorder=10)
    if inside:
        ax.plot([x], [y], markerfacecolor="white", gid="scenario-point", label=label, **kw)
        return True, Line2D([], [], markerfacecolor="white", label=label, **dict(kw, markersize=size * 0.75))
    ax.plot([x], [y], markerfacecolor="none", gid="scenario-point", label=label, **kw)
    note = f"{label} ({fmt_number(px)}, {fmt_number(py)}):\noutside the map, shown at its edge"
    ax.annotate(note, xy=(cx, cy), xycoords="axes fraction", xytext=(-8 if cx > 0.5 else 8, -8 if cy > 0.5 else 8),
                textcoords="offset points", ha="right" if cx > 0.5 else "left", va="top" if cy > 0.5 else "bottom",
                fontsize=MIN_FONT, zorder=11, annotation_clip=False,
                bbox=dict(boxstyle="round,pad=0.25", facecolor="white", edgecolor="#555555", alpha=0.9))
    return False, Line2D([], [], markerfacecolor="none", label=f"{label}: outside the map, shown at its edge",
                         **dict(kw, markersize=size * 0.75))


def _game_title(game) -> str:
    base = _GAME_TITLES.get(game.name, game.name.replace("_", " ").capitalize())
    ka, kb = game.n_actions
    if game.name == "ladder":
        base += f" ({ka} rungs)"
    elif game.name == "matrix":
        base += f" ({ka} x {kb})"
    return base


def _luminance(rgba) -> float:
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# --------------------------------------------------------------------------- fonts for other scripts
_GLYPH_WARNING = re.compile(r"^Glyph (\d+) .*missing from font")
_CHARMAPS: dict[str, frozenset[int]] = {}
_WARNED: set[str] = set()
_CJK = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC")


#: zlib level of the PNG files: 3 encodes the default run's 18 figures (42 million pixels) in
#: about 1.0 s of CPU instead of 1.5 s at Pillow's default 6, for files about 10% larger.
PNG_COMPRESSION = 3


def _render(fig: Figure, fh, dpi: int) -> set[str]:
    """``fig.savefig`` into ``fh``; returns the characters matplotlib found no glyph for (its
    per-glyph warnings are swallowed, every other warning is passed on)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(fh, format="png", dpi=dpi, facecolor="white", pil_kwargs={"compress_level": PNG_COMPRESSION})
    missing = set()
    for w in caught:
        m = _GLYPH_WARNING.match(str(w.message))
        if m:
            missing.add(chr(int(m.group(1))))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return missing


def _charmap(path: str) -> frozenset[int]:
    if path not in _CHARMAPS:
        from matplotlib.ft2font import FT2Font

        try:
            _CHARMAPS[path] = frozenset(FT2Font(path).get_charmap())
        except Exception:  # noqa: BLE001  (a font file FreeType cannot read covers nothing)
            _CHARMAPS[path] = frozenset()
    return _CHARMAPS[path]


def fallback_families(chars: set[str]) -> tuple[list[str], set[str]]:
    """Installed font families (Noto Sans first, then other Noto, then the rest) that together have
    glyphs for ``chars``, and the characters none of them has.  matplotlib's Last Resort font (its
    glyphs are placeholder boxes), DejaVu (the default) and colour emoji fonts are left out."""
    from matplotlib import font_manager

    def rank(entry):
        name = entry.name
        return (not name.startswith("Noto Sans"), not name.startswith("Noto"), "Mono" in name,
                entry.style != "normal", entry.weight not in (400, "normal", "regular"), name)

    need = {ord(c) for c in chars}
    families: list[str] = []
    tried: set[str] = set()
    for entry in sorted(font_manager.fontManager.ttflist, key=rank):
        if not need:
            break
        name = entry.name
        if name in tried or "Last Resort" in name or name.startswith("DejaVu") or "Emoji" in name:
            continue
        tried.add(name)
        covered = need & _charmap(entry.fname)
        if covered:
            families.append(name)
            need -= covered
    return families, {chr(c) for c in need}


def _texts(fig: Figure):
    """Every text of ``fig`` (titles, labels, tick labels once drawn, legends, annotations, table cells)."""
    from matplotlib.table import Table
    from matplotlib.text import Text

    yield from fig.findobj(Text)
    for table in fig.findobj(Table):
        for cell in table.get_celld().values():
            yield cell.get_text()


def _use_families(fig: Figure, chars: set[str], families: list[str]) -> None:
    for text in _texts(fig):
        if chars & set(text.get_text()):
            current = list(text.get_fontfamily())
            text.set_fontfamily(current + [f for f in families if f not in current])


def _warn_missing(fig: Figure, chars: set[str], stacklevel: int) -> None:
    """One ``UserWarning`` naming the texts (words) that need ``chars`` and the font package to install."""
    words: list[str] = []
    for text in _texts(fig):
        for word in text.get_text().split():
            word = re.sub(r"['\u2019]s$", "", word.strip(":;,.()[]{}\"'"))
            if chars & set(word) and word not in words:
                words.append(word)
    names = {unicodedata.name(c, "") for c in chars}
    scripts = sorted({("CJK" if n.startswith(_CJK) else n.split(" ")[0].title()) for n in names if n})
    cjk = "CJK" in scripts
    packages = (["fonts-noto-core"] if any(s != "CJK" for s in scripts) or not scripts else []) + \
               (["fonts-noto-cjk"] if cjk else [])
    shown = ", ".join(repr(w) for w in words[:3]) + (" ..." if len(words) > 3 else "") or repr("".join(sorted(chars)))
    message = (f"figure text {shown} needs glyphs ({', '.join(scripts) or 'other scripts'}) that no installed font "
               f"has; they are drawn as empty boxes. Install a font that has them, e.g. Noto "
               f"(Debian/Ubuntu: apt install {' '.join(packages)}); it is then used automatically")
    if message not in _WARNED:  # once per process, not once per glyph and figure
        _WARNED.add(message)
        warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)


def _fit(fig: Figure, missing: set[str], rerender, stacklevel: int) -> None:
    """Give the texts that need ``missing`` characters fallback fonts and draw again with
    ``rerender() -> still missing``; warn once about what no installed font has."""
    families, _ = fallback_families(missing)
    if families:
        _use_families(fig, missing, families)
        missing = rerender()
    if missing:
        _warn_missing(fig, missing, stacklevel + 1)


def fit_fonts(fig: Figure) -> Figure:
    """Let ``fig`` draw text in other scripts: texts with characters that the default font lacks
    get a font family list ending in installed fonts that have them (one warning if none does).

    :func:`save` does this by itself; call it on a figure you show rather than save (a notebook).
    Draws the figure once (twice if fonts are added); returns ``fig``.
    """
    missing = _render(fig, io.BytesIO(), 72)
    if missing:
        _fit(fig, missing, lambda: _render(fig, io.BytesIO(), 72), stacklevel=2)
    return fig


# --------------------------------------------------------------------------- saving
#: Formats a figure can be saved in besides PNG (``figure_formats`` in the configs).
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
_EXTRA_FORMATS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("figure_formats", default=())


@contextlib.contextmanager
def figure_formats(formats):
    """Within this block, :func:`save` also writes each figure as every format in ``formats``
    besides PNG (``"svg"``, ``"pdf"``), next to the PNG with the same name (vector figures for
    briefings and print).  PNG is always written: the reports embed it."""
    extra = tuple(f for f in dict.fromkeys(formats or ()) if f != "png")
    bad = [f for f in extra if f not in FIGURE_FORMATS]
    if bad:
        raise ValueError(f"unknown figure format {bad[0]!r}; allowed: {', '.join(FIGURE_FORMATS)}")
    token = _EXTRA_FORMATS.set(extra)
    try:
        yield extra
    finally:
        _EXTRA_FORMATS.reset(token)


_SLIDE_NAMES: contextvars.ContextVar[frozenset] = contextvars.ContextVar("slide_set", default=frozenset())


@contextlib.contextmanager
def slide_set(names):
    """Within this block, :func:`save` writes each figure whose file name is in ``names`` (e.g.
    ``"outcome_curves.png"``) a second time, made a slide by :func:`slide` (16:9, 1920 x 1080 px,
    type >= :data:`SLIDE_MIN_FONT`), to ``slides/<name>`` beside it.  A run's slide set, wherever
    its figures are drawn; the HTML report embeds ``figures/*.png`` only, so never a slide."""
    token = _SLIDE_NAMES.set(frozenset(names or ()))
    try:
        yield
    finally:
        _SLIDE_NAMES.reset(token)


def save(fig: Figure, path, *, dpi: int = 150, formats=None) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically (temp file in the same directory + ``os.replace``).

    Parent directories are created; returns the path.  Texts in scripts the default font lacks
    are drawn with an installed font that has them (see :func:`fit_fonts`).  ``formats`` (or,
    when None, those set by :func:`figure_formats`): further formats written beside the PNG,
    e.g. ``("svg",)`` writes ``path`` with the suffix ``.svg`` too.  Within :func:`slide_set`,
    a figure of the set is also written as a slide to ``slides/`` beside ``path`` (after the
    figure itself: :func:`slide` changes ``fig``).  Within
    :func:`sim.viz.background.background_figures` the file is written by a forked child while
    the caller goes on (the same bytes; it exists when the block ends).
    """
    from sim.viz.background import submit

    if submit(lambda: _save_now(fig, path, dpi, formats), Path(path).name):  # in background_figures()
        return Path(path)
    return _save_now(fig, path, dpi, formats)


def _save_now(fig: Figure, path, dpi: int, formats) -> Path:
    """:func:`save` in this process."""
    def write(fh) -> None:
        missing = _render(fig, fh, dpi)
        if missing:
            def rerender() -> set[str]:
                fh.seek(0)
                fh.truncate()
                return _render(fig, fh, dpi)

            _fit(fig, missing, rerender, stacklevel=5)  # the caller of save()

    out = atomic_write_bytes(path, write)
    for fmt in (_EXTRA_FORMATS.get() if formats is None else tuple(f for f in formats if f != "png")):
        atomic_write_bytes(Path(path).with_suffix("." + fmt),
                           lambda fh, fmt=fmt: fig.savefig(fh, format=fmt, facecolor="white"))
    if Path(path).name in _SLIDE_NAMES.get():
        with slide_set(()):  # the slide itself is not a member of the set
            save(slide(fig), Path(path).parent / "slides" / Path(path).name, dpi=144, formats=())
    return out


def _share_axes(ax, xlabel: str, ylabel: str, grid: str = "#e0e0e0") -> None:
    """A y axis of shares in percent ([0, 1] with a little room), labels, a light grid, no top or
    right frame: the look of every "share of runs / of the population" panel."""
    from matplotlib.ticker import PercentFormatter

    ax.set_ylim(-0.01, 1.01)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(xlabel, fontsize=_BASE_FONT + 1)
    ax.set_ylabel(ylabel, fontsize=_BASE_FONT + 1)
    ax.grid(color=grid, linewidth=0.6)
    ax.tick_params(labelsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _cell_borders(ax, n_rows: int, n_cols: int) -> None:
    """White lines between the cells of a matrix drawn with ``imshow``, no frame."""
    ax.set_xticks(np.arange(-0.5, n_cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.0)
    ax.tick_params(which="minor", length=0)
    for s in ax.spines.values():
        s.set_visible(False)
