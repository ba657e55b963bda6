"""A real headless Chromium for the page tests (selenium with Debian's chromium and chromium-driver).

:func:`start_chromium` starts one offline browser (no network, no first-run, a fresh profile,
the browser console captured); :func:`assert_page_fits` loads a page at a fixed viewport
width (1280 px by default) and checks that no figure is missing and nothing overflows
horizontally.  Missing peers (selenium, chromium, chromedriver) skip the test on a
developer's machine and fail it under CI (``conftest.require`` / ``require_program``).
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import require, require_program

#: Flags of every headless Chromium the tests start (the machine has no network).
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")


def start_chromium(profile: Path, width: int = 1280, height: int = 900):
    """A selenium ``webdriver.Chrome`` on Debian's chromium through ``/usr/bin/chromedriver``
    (an explicit Service: Selenium Manager never downloads anything), viewport ``width`` x ``height``
    CSS pixels, the browser console kept (``goog:loggingPrefs``)."""
    webdriver = require("selenium.webdriver")
    service_mod = require("selenium.webdriver.chrome.service")
    driver_path = require_program("chromedriver", "/usr/bin/chromedriver")
    browser_path = require_program("chromium", "/usr/bin/chromium")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser_path
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={width},{height}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=service_mod.Service(executable_path=driver_path), options=opts)
    set_viewport(driver, width, height)
    return driver


def set_viewport(driver, width: int = 1280, height: int = 900) -> None:
    """Fix the layout viewport at exactly ``width`` x ``height`` CSS pixels (DevTools emulation)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def console_problems(driver) -> list[str]:
    """Browser console entries that are errors: SEVERE ones, CSP violations, uncaught exceptions."""
    out = []
    for entry in driver.get_log("browser"):
        msg = str(entry.get("message", ""))
        if entry.get("level") == "SEVERE" or "Content Security Policy" in msg or "Uncaught" in msg:
            out.append(f"{entry.get('level')}: {msg}")
    return out


_FIT = """
var vw = document.documentElement.clientWidth, out = {viewport: window.innerWidth, usable: vw, imgs: [], overflow: []};
out.page = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
Array.prototype.forEach.call(document.images, function (im) {
  out.imgs.push({alt: im.alt, complete: im.complete, w: im.naturalWidth, h: im.naturalHeight,
                 right: im.getBoundingClientRect().right});
});
function check(el, what) {
  var r = el.getBoundingClientRect(), parent = el.parentElement;
  if (el.scrollWidth > el.clientWidth + 1 || r.right > vw + 0.5 ||
      (parent && el.scrollWidth > parent.clientWidth + 1)) {
    out.overflow.push(what + " " + (el.id || el.className || el.tagName) + ": scrollWidth " + el.scrollWidth +
                      ", clientWidth " + el.clientWidth + ", parent " + (parent ? parent.clientWidth : "-") +
                      ", right " + r.right);
  }
}
document.querySelectorAll("table").forEach(function (t) { check(t, "table"); });
document.querySelectorAll(".table-wrap, pre, figure, svg, .sliders").forEach(function (t) { check(t, "block"); });
return JSON.stringify(out);
"""


def assert_page_fits(driver, path, width: int = 1280, images: int | None = None) -> dict:
    """Load the page at ``path`` at ``width`` CSS pixels and assert that every ``<img>`` rendered
    (complete, natural width > 0; ``images``: how many there must be), and that nothing overflows
    horizontally: the page is no wider than the viewport, and no table (nor a table's scroll
    wrapper, a figure, an SVG) is wider than its container or reaches past the viewport's right
    edge.  A scroll bar inside a wrapper counts as overflow: the content must fit.  Returns the
    measurements."""
    set_viewport(driver, width)
    driver.get(Path(path).resolve().as_uri())
    driver.execute_script("return document.readyState")
    m = json.loads(driver.execute_script(_FIT))
    assert m["viewport"] == width, m["viewport"]
    broken = [i for i in m["imgs"] if not (i["complete"] and i["w"] > 0)]
    assert not broken, f"{path}: figures not rendered: {broken}"
    if images is not None:
        assert len(m["imgs"]) == images, (len(m["imgs"]), images)
    assert m["page"] <= m["usable"], f"{path}: the page is {m['page']} px wide, {m['usable']} px fit at {width} px"
    assert not m["overflow"], f"{path}: overflow at {width} px: " + "; ".join(m["overflow"])
    return m
