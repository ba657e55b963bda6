"""A worksheet per run: ``worksheet.md`` and a print-friendly ``worksheet.html``.

The questions and their answer key come from :func:`sim.report.worksheet_questions.worksheet_questions`
(numbers from the run's summary).  Students answer from the run's ``report.html``; the
teacher keeps the answer key, which starts on a new printed page.

``worksheet.html`` is self-contained like ``report.html``: inline CSS, the figures the
questions point at embedded as ``data:image/png`` URIs, no scripts, and a Content-Security-
Policy that allows nothing else.  Every piece of text is HTML-escaped (scenario titles and
side names come from user configs).  Printed on A4 or Letter, each question keeps its answer
lines on the same page.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any, Mapping, Sequence

from sim.files import atomic_write_text
from sim.report.markdown import _inline
from sim.report.worksheet_questions import Question, worksheet_questions

__all__ = ["worksheet_markdown", "worksheet_html", "write_worksheet"]

_INTRO = ("Answer from the run's `report.html` (or `summary.md` and the figures). All payoffs and most "
          "probabilities here come from illustrative parameters chosen for teaching, not measured: they show how "
          "the model works, not what any government will do.")
_KEY = "Answer key (for the teacher)"


def _title(summary: Mapping[str, Any]) -> str:
    scen = summary.get("scenario") or {}
    return f"Worksheet: {scen.get('title') or scen.get('name') or 'escalation-sim run'}"


def _parts(questions: Sequence[Question]) -> list[tuple[str, list[tuple[int, Question]]]]:
    parts: list[tuple[str, list[tuple[int, Question]]]] = []
    for n, q in enumerate(questions, 1):
        if not parts or parts[-1][0] != q.part:
            parts.append((q.part, []))
        parts[-1][1].append((n, q))
    return parts


def worksheet_markdown(summary: Mapping[str, Any], *, run_name: str = "") -> str:
    """The worksheet as markdown: the questions by part, then the answer key, numbered alike."""
    qs = worksheet_questions(summary)
    lines = [f"# {_title(summary)}", "", _INTRO, ""]
    if run_name:
        lines += [f"Numbers from the run `{run_name}` (seed {summary.get('seed', 'n/a')}).", ""]
    for part, items in _parts(qs):
        lines += [f"## {part}", ""]
        for n, q in items:
            fig = f" (see `figures/{q.figure}`)" if q.figure and f"figures/{q.figure}" not in q.text else ""
            lines += [f"{n}. {q.text}{fig}", ""]
    lines += [f"## {_KEY}", ""]
    for n, q in enumerate(qs, 1):
        lines += [f"{n}. {q.answer}", ""]
    return "\n".join(lines)


_CSS = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.5;color:#111;
background:#fff;margin:0 auto;padding:1rem 1.25rem 3rem;max-width:52rem}
h1{font-size:1.6rem;margin:.8rem 0 .4rem}h2{font-size:1.2rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #bbb}
.intro{font-size:.95rem;color:#333}ol{padding-left:1.6rem}li{margin:.2rem 0 1rem;overflow-wrap:anywhere}
.q{break-inside:avoid;page-break-inside:avoid}
.lines{border-bottom:1px solid #999;height:1.7rem}
figure{margin:.5rem 0 1rem;break-inside:avoid;page-break-inside:avoid}
figure img{display:block;max-width:100%;height:auto;border:1px solid #ddd;box-sizing:border-box}
figcaption{font-size:.85rem;color:#444}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
.key{break-before:page;page-break-before:always}
@media print{body{max-width:none;padding:0;font-size:11pt}figure img{max-height:9cm;width:auto;border:0}}
"""


def worksheet_html(summary: Mapping[str, Any], *, figures: Mapping[str, bytes] | None = None,
                   run_name: str = "") -> str:
    """The worksheet as one print-friendly HTML page.  ``figures``: ``{file name: PNG bytes}``;
    a question's figure is shown (once, at its first question) when present there."""
    qs = worksheet_questions(summary)
    figures = dict(figures or {})
    shown: set[str] = set()
    title = html.escape(_title(summary))
    body = [f"<h1>{title}</h1>", f'<p class="intro">{_inline(_INTRO)}</p>']
    if run_name:
        body.append(f'<p class="intro">Numbers from the run <code>{html.escape(run_name)}</code> '
                    f"(seed {html.escape(str(summary.get('seed', 'n/a')))}).</p>")
    for part, items in _parts(qs):
        body.append(f"<h2>{html.escape(part)}</h2>")
        body.append(f'<ol start="{items[0][0]}">')
        for n, q in items:
            fig = ""
            if q.figure in figures and q.figure not in shown:
                shown.add(q.figure)
                uri = "data:image/png;base64," + base64.b64encode(figures[q.figure]).decode("ascii")
                name = html.escape(q.figure)
                fig = (f'<figure><img src="{uri}" alt="Figure {name}" loading="eager">'
                       f"<figcaption><code>figures/{name}</code></figcaption></figure>")
            lines = '<div class="lines"></div>' * q.lines
            body.append(f'<li class="q"><p>{_inline(q.text)}</p>{fig}{lines}</li>')
        body.append("</ol>")
    body.append(f'<section class="key"><h2>{_KEY}</h2><ol>')
    body += [f"<li>{_inline(q.answer)}</li>" for q in qs]
    body.append("</ol></section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">\n"
            f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def write_worksheet(run_dir, summary: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write ``worksheet.md`` and ``worksheet.html`` into ``run_dir`` (atomically); returns both paths."""
    run_dir = Path(run_dir)
    figures = {p.name: p.read_bytes() for p in sorted((run_dir / "figures").glob("*.png"))}
    md, page = run_dir / "worksheet.md", run_dir / "worksheet.html"
    atomic_write_text(md, worksheet_markdown(summary, run_name=run_dir.name))
    atomic_write_text(page, worksheet_html(summary, figures=figures, run_name=run_dir.name))
    return md, page
