"""A small converter from the markdown subset our reports emit to HTML (:func:`markdown_to_html`).

Used by :mod:`sim.report.html` (and importable from there).  The subset: ATX headings,
paragraphs, ``-``/``1.`` lists (indented lines continue an item), pipe tables with
alignment (``:--``, ``--:``, ``:-:``), ``**bold**``, ``*italic*``, ```code``` spans and
backslash escapes of ``\\ | * ` _ #``.  Why our own converter rather than the ``markdown``
package is explained in :mod:`sim.report.html`: in short, every character of input is
HTML-escaped before any markup is added, so raw HTML in user-written text never passes through.

Helpers shared with the report: :func:`_inline` (one line of inline syntax), :func:`_strip_md`
(heading text without markup) and :func:`_unique_id` (unique ``id`` attributes).
"""

from __future__ import annotations

import html
import re
from typing import Mapping

__all__ = ["markdown_to_html"]

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ULIST = re.compile(r"^\s*[-*+]\s+(.*)$")
_OLIST = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
_ESCAPES = {"\\\\": "&#92;", "\\|": "&#124;", "\\*": "&#42;", "\\`": "&#96;", "\\_": "&#95;", "\\#": "&#35;"}


def _inline(text: str, figure_ids: Mapping[str, str] | None = None) -> str:
    """One line of markdown inline syntax as HTML; everything is escaped first."""
    out = []
    pos = 0
    for m in _CODE.finditer(text):
        out.append(_emphasis(text[pos:m.start()]))
        inner = m.group(1)
        code = f"<code>{html.escape(inner)}</code>"
        name = inner[len("figures/"):] if inner.startswith("figures/") else None
        if figure_ids and name in figure_ids:
            code = f'<a href="#{figure_ids[name]}">{code}</a>'
        out.append(code)
        pos = m.end()
    out.append(_emphasis(text[pos:]))
    return "".join(out)


def _emphasis(text: str) -> str:
    text = html.escape(text, quote=True)
    for k, v in _ESCAPES.items():
        text = text.replace(k, v)
    text = _STRONG.sub(r"<strong>\1</strong>", text)
    return _EM.sub(r"<em>\1</em>", text)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)]


def _table(lines: list[str], figure_ids) -> str:
    head, aligns = _cells(lines[0]), []
    for spec in _cells(lines[1]):
        aligns.append("c" if spec.startswith(":") and spec.endswith(":") else "r" if spec.endswith(":") else "")
    cls = lambda i: f' class="{aligns[i]}"' if i < len(aligns) and aligns[i] else ""  # noqa: E731
    rows = ["<thead><tr>" + "".join(f"<th scope=\"col\"{cls(i)}>{_inline(c, figure_ids)}</th>"
                                    for i, c in enumerate(head)) + "</tr></thead><tbody>"]
    for line in lines[2:]:
        cells = (_cells(line) + [""] * len(head))[: len(head)]
        rows.append("<tr>" + "".join(f"<td{cls(i)}>{_inline(c, figure_ids)}</td>" for i, c in enumerate(cells))
                    + "</tr>")
    return '<div class="table-wrap"><table>' + "".join(rows) + "</tbody></table></div>"


def markdown_to_html(text: str, *, figure_ids: Mapping[str, str] | None = None, top_level: int = 2,
                     ids: set | None = None) -> str:
    """Convert the markdown subset that our reports emit to HTML (all input text escaped).

    Headings map ``#`` -> ``<h{top_level}>``, ``##`` one deeper and so on, never skipping a
    level below the previous heading (so the document outline stays in order); each gets a
    unique ``id`` (registered in ``ids``).  Code spans naming ``figures/<file>`` become links
    to ``#<figure_ids[file]>`` when the file is in ``figure_ids``.
    """
    ids = set() if ids is None else ids
    lines = str(text).replace("\r\n", "\n").split("\n")
    out: list[str] = []
    para: list[str] = []
    prev = top_level - 1
    i = 0

    def flush() -> None:
        if para:
            out.append("<p>" + " ".join(_inline(s.strip(), figure_ids) for s in para) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
            i += 1
        elif _HEADING.match(stripped):
            flush()
            hashes, title = _HEADING.match(stripped).groups()
            level = min(max(top_level, top_level + len(hashes) - 1), prev + 1, 6)
            prev = level
            out.append(f'<h{level} id="{_unique_id(_strip_md(title), ids)}">{_inline(title, figure_ids)}</h{level}>')
            i += 1
        elif stripped.startswith("|") and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]):
            flush()
            j = i + 2
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            out.append(_table([ln for ln in lines[i:j]], figure_ids))
            i = j
        elif _ULIST.match(line) or _OLIST.match(line):
            flush()
            tag, pattern = ("ul", _ULIST) if _ULIST.match(line) else ("ol", _OLIST)
            items: list[list[str]] = []
            while i < len(lines) and lines[i].strip():
                m = pattern.match(lines[i])
                if m:
                    items.append([m.group(1)])
                elif lines[i][:1].isspace() and items:
                    items[-1].append(lines[i].strip())  # continuation of the item
                else:
                    break
                i += 1
            out.append(f"<{tag}>" + "".join("<li>" + " ".join(_inline(s, figure_ids) for s in it) + "</li>"
                                            for it in items) + f"</{tag}>")
        else:
            para.append(line)
            i += 1
    flush()
    return "\n".join(out)


def _strip_md(text: str) -> str:
    return re.sub(r"[*`\\]", "", text)


def _unique_id(text: str, ids: set) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    new, n = base, 2
    while new in ids:
        new, n = f"{base}-{n}", n + 1
    ids.add(new)
    return new
