"""A self-contained ``report.html`` for a finished run directory.

:func:`write_report` reads what an entry point wrote into its run directory
(``summary.md``, ``figures/*.png``, ``config.yaml``) and writes one HTML file that opens
anywhere, offline, and prints cleanly: inline CSS, every figure embedded as a base64
``data:image/png`` URI, no scripts, no web fonts, no external requests of any kind.

The report holds, in order: the title and a short table of contents; the scenario
narrative; the plain-language summary (``summary.md`` converted to HTML, its figure guide
moved next to the figures); every figure with its caption and the explanation that
``summary.md`` gives for it in its "How to read the figures" bullets (figures it does not
explain get a caption from their file name); a table of the resolved parameters (game,
crisis, seed, ... with the scenario's ``parameter_notes``); the sources.

Markdown conversion
    We convert markdown with our own small converter (:func:`markdown_to_html`, in
    :mod:`sim.report.markdown` and importable from here) rather than
    the ``markdown`` package, because (1) we only emit a small subset (ATX headings,
    paragraphs, ``-``/``1.`` lists, pipe tables with alignment, ``**bold**``, ``*italic*``,
    ```code``` spans, backslash escapes), which ~100 lines cover and the tests pin down;
    (2) ``summary.md`` quotes user-written scenario text, and Python-Markdown passes raw HTML
    through unchanged (a ``<script>`` in a narrative would run), while ours HTML-escapes
    every character of input before adding any markup; (3) no new dependency.

Every piece of text from the run directory is HTML-escaped.  The file is written
atomically (:func:`sim.files.atomic_write_text`); entry points call
:func:`write_report` just before ``summary.json``, so a finished run has both.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from sim.report.markdown import _HEADING, _inline, _strip_md, _unique_id, markdown_to_html
from sim.files import atomic_write_json, atomic_write_text
from sim.wording import sentence_case_md, param_label

__all__ = ["write_report", "finish_run", "render_report", "figure_explanations"]

_FIG_BULLET = re.compile(r"^\s*[-*]\s+`figures/([^`/]+\.png)`\s*:\s*(.*)$")
_GUIDE_LINE = re.compile(r"^\s*(#{1,6}\s*)?how to read the figures:?\s*$", re.I)

_CSS = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;line-height:1.55;
color:#1a1a1a;background:#fff;margin:0 auto;padding:1rem 1.25rem 3rem;max-width:60rem}
h1{font-size:1.7rem;line-height:1.25;margin:1rem 0 .5rem}
h2{font-size:1.35rem;margin:2.2rem 0 .6rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
h3{font-size:1.1rem;margin:1.5rem 0 .4rem}p,li{max-width:48rem}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;
background:#f3f3f3;padding:0 .2em;border-radius:3px;overflow-wrap:anywhere}
a{color:#0b5cad}.meta{color:#555;font-size:.92rem}
nav{background:#f6f8fa;border:1px solid #dde;padding:.4rem 1rem;border-radius:6px}
nav h2{border:0;margin:.4rem 0;font-size:1.05rem}nav ol{margin:.2rem 0 .5rem;padding-left:1.4rem}
.table-wrap{overflow-x:auto;margin:.8rem 0}table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}th{background:#f0f2f5}
td.r,th.r{text-align:right}td.c,th.c{text-align:center}
table{max-width:100%}td{overflow-wrap:anywhere}td.r,td.c{overflow-wrap:normal;white-space:nowrap}
figure{margin:1.5rem 0;padding:0;break-inside:avoid;page-break-inside:avoid}
figure img{display:block;max-width:100%;height:auto;border:1px solid #e3e3e3;box-sizing:border-box}
figcaption{font-size:.92rem;color:#333;margin-top:.4rem;max-width:48rem}.note{color:#444;font-size:.92rem}
@media print{body{max-width:none;padding:0;font-size:10.5pt}nav{display:none}a{color:inherit;text-decoration:none}
h2,h3{break-after:avoid;page-break-after:avoid}tr{break-inside:avoid}figure img{border:0}
.table-wrap{overflow:visible}table{font-size:7.5pt;width:100%;table-layout:auto}th,td{padding:.15em .3em}}
"""


def figure_explanations(markdown: str) -> dict[str, str]:
    """``{file name: explanation}`` from the ``- `figures/x.png`: ...`` bullets of a summary (markdown kept)."""
    out: dict[str, str] = {}
    lines = str(markdown).split("\n")
    for i, line in enumerate(lines):
        m = _FIG_BULLET.match(line)
        if m:
            text = [m.group(2).strip()]
            for cont in lines[i + 1:]:
                if not cont.strip() or not cont[:1].isspace():
                    break
                text.append(cont.strip())
            out.setdefault(m.group(1), " ".join(text))
    return out


def _body_without_guides(markdown: str) -> str:
    """The summary without its figure guides (they move next to the figures)."""
    keep, skipping = [], False
    for line in str(markdown).split("\n"):
        if _GUIDE_LINE.match(line):
            continue
        if _FIG_BULLET.match(line):
            skipping = True
            continue
        if skipping and line[:1].isspace() and line.strip():
            continue
        skipping = False
        keep.append(line)
    return "\n".join(keep)


def _sections(markdown: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Split a summary into (first ``#`` title, text before the first ``##``, [(heading, body)])."""
    title, intro, sections = "", [], []
    for line in str(markdown).split("\n"):
        m = _HEADING.match(line.strip())
        if m and len(m.group(1)) == 1 and not title and not sections:
            title = m.group(2)
        elif m and len(m.group(1)) <= 2:
            sections.append((m.group(2), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            intro.append(line)
    return title, "\n".join(intro), [(h, "\n".join(b)) for h, b in sections]


# --------------------------------------------------------------------------- parameters
def _value(v: Any, limit: int = 300) -> str:
    if v is None:
        return "null"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, dict)):
        if isinstance(v, dict) and "name" in v and all(not isinstance(x, (list, dict)) for x in v.values()):
            rest = ", ".join(f"{k}={_value(x)}" for k, x in v.items() if k != "name")  # a strategy spec
            s = f"{v['name']} ({rest})" if rest else str(v["name"])
        elif isinstance(v, list) and all(isinstance(x, str) for x in v):
            s = "; ".join(v)
        else:
            s = json.dumps(v, ensure_ascii=False)
    else:
        s = str(v)
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def _flatten(d: Mapping, prefix: str) -> list[tuple[str, Any]]:
    rows = []
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and v and not ("name" in v and key.endswith(("side_a", "side_b"))):
            rows += _flatten(v, key)
        else:
            rows.append((key, v))
    return rows


def _param_tables(cfg: Mapping[str, Any], ids: set) -> str:
    scen = cfg.get("scenario") if isinstance(cfg.get("scenario"), Mapping) else {}
    notes = dict(scen.get("parameter_notes") or {})
    sides = list(scen.get("sides") or ["side A", "side B"])
    used: set = set()
    groups: dict[str, list[tuple[str, Any]]] = {"run": []}
    for k, v in cfg.items():
        if k in ("hydra", "scenario"):
            continue
        if isinstance(v, Mapping):
            if v:
                groups[k] = _flatten(v, k)
        else:
            groups["run"].append((k, v))
    if scen:
        groups["run"][:0] = [("scenario", scen.get("name")), ("sides", sides)]
        if scen.get("rung_labels"):
            groups["run"].append(("rung labels", scen.get("rung_labels")))
    parts = []
    for group, rows in groups.items():
        if not rows:
            continue
        title = {"run": "Run settings", "game": "Game parameters", "crisis": "Crisis settings"}.get(
            group, f"{group.replace('_', ' ').capitalize()} settings")
        body = []
        for key, v in rows:
            leaf = key.rsplit(".", 1)[-1]
            hit = key if key in notes else (leaf if group == "game" and leaf in notes else None)
            note = notes[hit] if hit is not None else None
            used.add(hit)
            label = param_label(leaf) if group == "game" and leaf != "name" else key
            if key in ("crisis.side_a", "crisis.side_b"):
                label = f"{sides[0] if key.endswith('a') else sides[1]}: strategy ({key})"
            body.append(f"<tr><th scope=\"row\">{html.escape(str(label))}</th><td>{html.escape(_value(v))}</td>"
                        f"<td>{html.escape(str(note)) if note is not None else ''}</td></tr>")
        parts.append(f'<h3 id="{_unique_id(title, ids)}">{html.escape(title)}</h3>')
        parts.append('<div class="table-wrap"><table><thead><tr><th scope="col">Parameter</th>'
                     '<th scope="col">Value</th><th scope="col">Note</th></tr></thead><tbody>'
                     + "".join(body) + "</tbody></table></div>")
        if group in notes and not isinstance(notes[group], Mapping):
            used.add(group)
            parts.append(f'<p class="note"><strong>Note:</strong> {html.escape(str(notes[group]))}</p>')
    rest = {k: v for k, v in notes.items() if k not in used}
    if rest:
        parts.append('<p class="note"><strong>Other notes:</strong></p><ul class="note">'
                     + "".join(f"<li><code>{html.escape(str(k))}</code>: {html.escape(str(v))}</li>"
                               for k, v in rest.items()) + "</ul>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- the report
def _caption(name: str) -> str:
    stem = name[:-4] if name.lower().endswith(".png") else name
    return stem.replace("_", " ").replace("-", " ").strip().capitalize() or name


def _scenario_extras(body: str, narrative: str, sources: Sequence[str]) -> str:
    """Markdown of the summary's scenario section minus what the report shows elsewhere: the
    narrative's paragraphs, the "Sources:" list (the report's own Sources section) and the
    closing note.  What remains is the phase table and the stated policies."""
    flat = " ".join(narrative.split())
    src = {" ".join(x.split()) for x in sources}
    keep = []
    for block in re.split(r"\n\s*\n", body):
        text = " ".join(block.split())
        if not text or text in flat or text == "Sources:" or text.startswith("*The narrative"):
            continue
        lines = [ln for ln in block.splitlines() if " ".join(ln.lstrip("- ").split()) not in src]
        if lines:
            keep.append("\n".join(lines))
    return "\n\n".join(keep)


def render_report(*, config: Mapping[str, Any] | None = None, summary_md: str = "",
                  figures: Sequence[tuple[str, bytes]] = (), run_name: str = "") -> str:
    """The report as one HTML string (pure: no files).  ``figures`` = ``[(file name, PNG bytes)]``."""
    cfg = dict(config or {})
    scen = cfg.get("scenario") if isinstance(cfg.get("scenario"), Mapping) else {}
    explanations = figure_explanations(summary_md)
    ids: set = {"contents"}
    order = {n: i for i, n in enumerate(explanations)}
    figs = sorted(figures, key=lambda f: (order.get(f[0], len(order)), f[0]))
    fig_ids = {name: _unique_id("fig-" + name[:-4], ids) for name, _ in figs}
    md_title, intro, md_sections = _sections(_body_without_guides(summary_md))
    title = str(scen.get("title") or "") or _strip_md(md_title) or f"Results: {cfg.get('experiment', 'run')}"
    narrative = str(scen.get("narrative") or "").strip()
    probe = " ".join(re.split(r"\n\s*\n", narrative)[0].split())[:60]  # finds the summary's copy

    sections: list[tuple[str, str, str]] = []  # (id, heading, html)
    rest = ""  # the summary's scenario section without its copy of the narrative and sources
    for heading, body in md_sections:
        if probe and probe in " ".join(body.split()):
            rest = _scenario_extras(body, narrative, [str(x) for x in (scen.get("sources") or [])])
    if narrative:
        paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", narrative) if p.strip()]
        sid = _unique_id("the scenario", ids)
        sections.append((sid, "The scenario",
                         "".join(f"<p>{html.escape(p)}</p>" for p in paras)
                         + (markdown_to_html(rest, figure_ids=fig_ids, top_level=3, ids=ids) if rest else "")
                         + '<p class="note"><em>The narrative, phases, stated policies and sources are taken as '
                           'written from the scenario configuration.</em></p>'))
    for heading, body in md_sections:
        if probe and probe in " ".join(body.split()):
            continue  # the summary's scenario section: shown above (narrative as plain text)
        if not body.strip() and not heading.strip():
            continue
        sid = _unique_id(_strip_md(heading), ids)
        sections.append((sid, _inline(heading), markdown_to_html(body, figure_ids=fig_ids, top_level=3, ids=ids)))
    if figs:
        blocks = []
        for n, (name, data) in enumerate(figs, 1):
            cap = _caption(name)
            expl = explanations.get(name)
            text = _inline(sentence_case_md(expl)) if expl else "This figure is not described in the summary."
            uri = "data:image/png;base64," + base64.b64encode(bytes(data)).decode("ascii")
            blocks.append(f'<figure id="{fig_ids[name]}"><img src="{uri}" alt="{html.escape(cap)}" loading="eager">'
                          f"<figcaption><strong>Figure {n}: {html.escape(cap)}</strong> "
                          f"(<code>figures/{html.escape(name)}</code>). {text}</figcaption></figure>")
        sections.append((_unique_id("figures", ids), "Figures and how to read them", "\n".join(blocks)))
    params = _param_tables(cfg, ids) if cfg else ""
    if params:
        sections.append((_unique_id("parameters", ids), "Parameters", params))
    sources = [str(s) for s in (scen.get("sources") or [])]
    if sources:
        sections.append((_unique_id("sources", ids), "Sources",
                         "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in sources) + "</ul>"))

    meta = [f"Run folder <code>{html.escape(run_name)}</code>" if run_name else "",
            f"experiment <code>{html.escape(str(cfg['experiment']))}</code>" if "experiment" in cfg else "",
            f"seed {html.escape(str(cfg['seed']))}" if "seed" in cfg else ""]
    toc = "".join(f'<li><a href="#{sid}">{head}</a></li>' for sid, head, _ in sections)
    body = "\n".join(f'<section aria-labelledby="{sid}"><h2 id="{sid}">{head}</h2>\n{content}</section>'
                     for sid, head, content in sections)
    intro_html = markdown_to_html(intro, figure_ids=fig_ids, top_level=2, ids=ids) if intro.strip() else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<header>\n"
            f"<h1>{html.escape(title)}</h1>\n"
            f"<p class=\"meta\">{'; '.join(m for m in meta if m)}</p>\n{intro_html}\n</header>\n"
            f'<nav aria-labelledby="contents"><h2 id="contents">Contents</h2><ol>{toc}</ol></nav>\n'
            f"<main>\n{body}\n</main>\n</body>\n</html>\n")


def _load_config(path: Path) -> dict:
    if not path.is_file():
        return {}
    import yaml  # PyYAML, installed with omegaconf (hydra-core); safe_load builds no objects

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def write_report(run_dir) -> Path:
    """Write ``<run_dir>/report.html`` from the run's files (see the module docstring); returns its path.

    Missing pieces are left out (a sweep has no ``summary.md``; a run without
    ``config.yaml`` gets no parameter table).  Written atomically.
    """
    run_dir = Path(run_dir)
    md_path = run_dir / "summary.md"
    summary_md = md_path.read_text(encoding="utf-8") if md_path.is_file() else ""
    figures = [(p.name, p.read_bytes()) for p in sorted((run_dir / "figures").glob("*.png"))]
    text = render_report(config=_load_config(run_dir / "config.yaml"), summary_md=summary_md,
                         figures=figures, run_name=run_dir.name)
    return atomic_write_text(run_dir / "report.html", text)


def finish_run(run_dir, summary: dict) -> dict:
    """Close a run folder: ``report.html`` (every figure embedded), then ``summary.json``
    written last and atomically, so a folder with a ``summary.json`` is a finished run.
    Returns ``summary``."""
    run_dir = Path(run_dir)
    write_report(run_dir)
    atomic_write_json(run_dir / "summary.json", summary)
    return summary
