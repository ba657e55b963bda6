"""report.html (sim/report/html.py): markdown subset, escaping, embedded figures, structure,
and a real headless Chromium rendering a real run's report."""

from __future__ import annotations

import base64
import io
import re
import subprocess
from html.parser import HTMLParser

import pytest
from matplotlib.figure import Figure

from sim.report.html import figure_explanations, render_report, write_report
from sim.report import markdown_to_html

from conftest import require_program

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HOSTILE = "<script>alert(1)</script>"


class Outline(HTMLParser):
    """Checks nesting and collects tags, attributes, headings, ids and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.headings, self.ids, self.text = [], [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if dict(attrs).get("id"):
            self.ids.append(dict(attrs)["id"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Outline:
    p = Outline()
    p.feed(html)
    p.close()
    return p


def png(width=2.0) -> bytes:
    fig = Figure(figsize=(width, 1.5))
    fig.subplots().plot([0, 1], [1, 0])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    return buf.getvalue()


def assert_well_formed(html: str) -> Outline:
    """Balanced tags, lang, one h1, no skipped heading level, unique ids, TOC targets exist, alt text."""
    p = parse(html)
    assert not p.errors and not p.stack, (p.errors, p.stack)
    assert html.startswith("<!DOCTYPE html>")
    assert any(t == "html" and a.get("lang") for t, a in p.tags)
    assert p.headings.count(1) == 1 and p.headings[0] == 1
    for prev, cur in zip(p.headings, p.headings[1:]):
        assert cur <= prev + 1, p.headings
    assert len(p.ids) == len(set(p.ids))
    for t, a in p.tags:
        if t == "a" and a.get("href", "").startswith("#"):
            assert a["href"][1:] in p.ids, a["href"]
        if t == "img":
            assert a.get("alt", "").strip()
    return p


def assert_offline(p: Outline) -> None:
    """No script, no stylesheet link, no reference outside the file in any attribute."""
    assert not [t for t, _ in p.tags if t in ("script", "link", "iframe", "object", "embed")]
    for t, a in p.tags:
        for k in ("src", "href", "srcset", "action", "poster", "data"):
            v = (a.get(k) or "").strip().lower()
            assert not v.startswith(("http:", "https:", "//", "ftp:")), (t, k, v)
            if t == "img" and k == "src":
                assert v.startswith("data:image/png;base64,")


# --------------------------------------------------------------------------- markdown subset
def test_markdown_subset_headings_tables_lists_and_inline():
    md = ("# Title\n\nSome **bold**, *italic* and `code_x` text\nwrapped.\n\n## Part\n\n"
          "| a | b \\| c | n |\n|---|:-:|--:|\n| x | *y* | 1.5 |\n\n- one\n  continued\n- two `figures/f.png`\n\n"
          "1. first\n2. second\n\n#### deep\n")
    out = markdown_to_html(md, figure_ids={"f.png": "fig-f"}, top_level=2)
    assert '<h2 id="title">Title</h2>' in out and '<h3 id="part">Part</h3>' in out
    assert "<h4" in out and "<h5" not in out  # '####' after '##' is clamped: no level skipped
    assert "<p>Some <strong>bold</strong>, <em>italic</em> and <code>code_x</code> text wrapped.</p>" in out
    assert '<th scope="col" class="c">b &#124; c</th>' in out and '<td class="r">1.5</td>' in out
    assert "<td class=\"c\"><em>y</em></td>" in out
    assert "<li>one continued</li>" in out
    assert '<a href="#fig-f"><code>figures/f.png</code></a>' in out
    assert "<ol><li>first</li><li>second</li></ol>" in out
    assert not parse(out).errors


def test_markdown_escapes_everything_and_keeps_snake_case():
    out = markdown_to_html(f"{HOSTILE} a_b_c 2*3*4 & `<b>` | **<i>x</i>**")
    assert "<script" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "a_b_c" in out and "<em>" not in out.split("2*3*4")[0]
    assert "&amp;" in out and "<code>&lt;b&gt;</code>" in out
    assert "<strong>&lt;i&gt;x&lt;/i&gt;</strong>" in out


def test_figure_explanations_are_read_from_the_guide_bullets():
    md = ("How to read the figures:\n\n- `figures/a.png`: the first\n  figure.\n- `figures/b.png`: *second*.\n"
          "- not a figure\n")
    assert figure_explanations(md) == {"a.png": "the first figure.", "b.png": "*second*."}


# --------------------------------------------------------------------------- the report
CFG = {"experiment": "run", "seed": 7,
       "scenario": {"name": "evil", "title": f"Title {HOSTILE}", "sides": ["Red <i>", "Blue"],
                    "narrative": f"First paragraph {HOSTILE}\nsame paragraph.\n\nSecond & last.",
                    "sources": ["[1] A report, https://example.org/report?a=1&b=2", f"[2] {HOSTILE}"],
                    "parameter_notes": {"war_cost": f"loss from war {HOSTILE}", "crisis": "policy choice note",
                                        "stray": "a note with no parameter"}},
       "game": {"name": "ladder", "K": 3, "war_cost": 100.0},
       "crisis": {"rounds": 5, "side_a": {"name": "grit", "period": 2}, "side_b": "tit_for_tat"}}
MD = ("# Title\n\nIntro with `code`.\n\n## The scenario\n\nFirst paragraph <script>alert(1)</script>\nsame "
      "paragraph.\n\n## Results\n\n| k | v |\n|---|--:|\n| <b>x</b> | 1 |\n\n## How to read the figures\n\n"
      "- `figures/explained.png`: what the **explained** figure shows.\n")


@pytest.fixture(scope="module")
def hostile_report():
    figs = [("explained.png", png()), ("zz_unexplained_one.png", png(3.0))]
    return render_report(config=CFG, summary_md=MD, figures=figs, run_name="run<1>"), figs


def test_hostile_text_is_escaped_everywhere(hostile_report):
    html, _ = hostile_report
    assert "<script" not in html.lower() and "<i>" not in html and "<b>x" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # title, narrative, note, source
    p = assert_well_formed(html)
    assert_offline(p)


def test_every_figure_is_embedded_with_caption_and_explanation(hostile_report):
    html, figs = hostile_report
    imgs = [a for t, a in parse(html).tags if t == "img"]
    assert len(imgs) == len(figs)
    assert [base64.b64decode(a["src"].split(",", 1)[1]) for a in imgs] == [data for _, data in figs]
    assert [a["alt"] for a in imgs] == ["Explained", "Zz unexplained one"]
    assert "What the <strong>explained</strong> figure shows." in html
    assert "not described in the summary" in html  # the unexplained figure still has a caption
    assert '<a href="#fig-explained"' not in html or 'id="fig-explained"' in html
    assert "figures/explained.png`:" not in html  # the guide bullet moved next to its figure


def test_narrative_once_sources_as_text_and_parameter_notes(hostile_report):
    html, _ = hostile_report
    text = "".join(parse(html).text)
    assert text.count("same paragraph") == 1  # the summary's copy of the narrative is dropped
    assert "https://example.org/report?a=1&b=2" in text  # URL shown as plain text, never as href/src
    assert "Second & last." in text
    assert "loss from war" in text and "policy choice note" in text and "a note with no parameter" in text
    assert "grit (period=2)" in text and "Red <i>: strategy (crisis.side_a)" in text
    assert re.search(r"seed\s*7", text)
    assert "Intro with code." in text
    toc = re.search(r"<nav.*?</nav>", html, re.S).group(0)
    for name in ("The scenario", "Results", "Figures and how to read them", "Parameters", "Sources"):
        assert name in toc


def test_report_without_summary_or_config_still_valid(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "only.png").write_bytes(png())
    out = write_report(tmp_path)
    html = out.read_text()
    assert out.name == "report.html"
    assert_offline(assert_well_formed(html))
    assert html.count("<img ") == 1 and "Only" in html


# --------------------------------------------------------------------------- a real run
@pytest.fixture
def real_run(default_run):
    """The finished run of `python experiments/run.py` (tests/conftest.py: one subprocess per session)."""
    return default_run


def test_real_run_has_report_before_summary(real_run):
    report, summary = real_run / "report.html", real_run / "summary.json"
    assert report.is_file() and summary.is_file()
    assert report.stat().st_mtime_ns <= summary.stat().st_mtime_ns
    html = report.read_text(encoding="utf-8")
    p = assert_well_formed(html)
    assert_offline(p)
    pngs = sorted((real_run / "figures").glob("*.png"))
    assert len(pngs) >= 4
    srcs = [a["src"] for t, a in p.tags if t == "img"]
    embedded = sorted(base64.b64decode(s.split(",", 1)[1]) for s in srcs)
    assert embedded == sorted(f.read_bytes() for f in pngs)
    text = " ".join("".join(p.text).split())
    md = (real_run / "summary.md").read_text(encoding="utf-8")
    for name, expl in figure_explanations(md).items():
        plain = re.sub(r"[*`]", "", expl)
        assert " ".join(plain.split())[1:60] in text, name
    assert text.count("gunmen killed 26 people") == 1  # the narrative once
    # the scenario's phase table and stated policies from summary.md, its sources once (their own section)
    assert "Phases as reported" in text and "Stated policies" in text
    assert text.count("Operation Bunyan-um-Marsoos") == 1 and text.count("[5] Khawaja Asif") == 1
    assert sum(1 for t, _ in p.tags if t == "table") >= 2  # phases + parameters
    assert "11 rungs: the classroom ladder" in text  # the scenario's parameter_notes
    assert "graduated_response" in text and "seed" in text


CHECK = """<script>
window.addEventListener("load", function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) { if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++; }
  var d = document.createElement("p"); d.id = "img-check";
  d.textContent = "IMAGES-RENDERED " + ok + " OF " + imgs.length; document.body.appendChild(d);
});
</script>"""


def test_headless_chromium_renders_every_figure(real_run, tmp_path):
    chromium = require_program("chromium", "/usr/bin/chromium")  # under CI a missing browser fails
    html = (real_run / "report.html").read_text(encoding="utf-8")
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    assert csp in html  # the report forbids every request except data: images
    page = tmp_path / "report.html"
    page.write_text(html.replace(csp, csp + "; script-src 'unsafe-inline'").replace("</body>", CHECK + "</body>"),
                    encoding="utf-8")
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    m = re.search(r"IMAGES-RENDERED (\d+) OF (\d+)", proc.stdout)
    assert m, f"no result in the DOM (exit {proc.returncode}): {proc.stderr[-2000:]}"
    ok, total = int(m.group(1)), int(m.group(2))
    n_png = len(list((real_run / "figures").glob("*.png")))
    assert total == n_png and ok == total, (ok, total, n_png)
