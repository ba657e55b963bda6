"""The run's pages in a real headless Chromium at 1280 px: every figure renders, nothing overflows.

``assert_page_fits`` (tests/browser.py) is the one check for every page a run writes:
report.html, explorer.html and worksheet.html."""

from __future__ import annotations

import pytest

from browser import assert_page_fits, console_problems, start_chromium


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), width=1280)
    yield driver
    driver.quit()


def test_report_renders_every_figure_and_fits_1280_px(chrome, default_run):
    n_png = len(list((default_run / "figures").glob("*.png")))
    m = assert_page_fits(chrome, default_run / "report.html", width=1280, images=n_png)
    assert n_png >= 4 and len(m["imgs"]) == n_png
    assert console_problems(chrome) == []


def test_explorer_fits_1280_px(chrome, default_run):
    assert_page_fits(chrome, default_run / "explorer.html", width=1280, images=0)
    assert console_problems(chrome) == []


def test_every_page_of_the_run_fits_1280_px(chrome, default_run):
    """Every HTML page the run writes (report.html, explorer.html, and any page added later, such as
    a worksheet) renders its figures and fits 1280 px."""
    pages = sorted(default_run.glob("*.html"))
    assert {"report.html", "explorer.html", "worksheet.html"} <= {p.name for p in pages}
    for path in pages:
        assert_page_fits(chrome, path, width=1280)
    assert console_problems(chrome) == []


def test_worksheet_renders_its_figures_and_fits_1280_px(chrome, default_run):
    """The print-friendly worksheet: every figure its questions show is there and renders."""
    import json

    from sim.report.worksheet_questions import worksheet_questions

    summary = json.loads((default_run / "summary.json").read_text(encoding="utf-8"))
    named = {q.figure for q in worksheet_questions(summary) if q.figure}
    n = len(named & {p.name for p in (default_run / "figures").glob("*.png")})
    m = assert_page_fits(chrome, default_run / "worksheet.html", width=1280, images=n)
    assert n >= 5 and len(m["imgs"]) == n
    assert console_problems(chrome) == []
