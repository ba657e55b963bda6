"""explorer.html (sim.report.explorer, sim.report.explorer_page): its numbers are the library's at
every grid point checked, its data cannot break out of their block, its one script runs by the
CSP hash, it references nothing outside the file, and a real headless Chromium moving its
sliders shows the library's numbers."""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from sim.config import validate_run
from sim.crisis.bargaining import CODES, LABELS, tying_hands_from_params
from sim.dynamic import credibility
from sim.errors import ConfigError
from sim.games import build, payoff_matrices
from sim.repeated import analyse
from sim.report.explorer import explorer_data
from sim.report.explorer_page import SCRIPT, embed_json, page_data, render_explorer
from sim.report.models_text import TYING_HANDS_PLAIN

from browser import console_problems, start_chromium
from conftest import ROOT

HOSTILE = "</script><script>alert(1)</script><!--"


# --------------------------------------------------------------------------- the library, directly
def library_at(rc, point: dict) -> dict:
    """Everything the page shows at ``point`` ({parameter: value}), computed here from the public
    API without the explorer's code: the game built at the point, its pure equilibria by brute force,
    ``analyse`` of the stated pair, ``credibility`` with the run's horizon."""
    base = {k: v for k, v in rc.game.items() if k != "name"}
    settings = {k: v for k, v in point.items() if k not in base}
    g = build(rc.game["name"], **{**base, **{k: v for k, v in point.items() if k in base}})
    A, B = (np.asarray(M) for M in payoff_matrices(g))
    pure = (A >= A.max(axis=0, keepdims=True)) & (B >= B.max(axis=1, keepdims=True))
    pairs = [(int(x), int(y)) for x, y in np.argwhere(pure)]
    out = {"pairs": pairs, "level": float(np.mean([(x + y) / 2 for x, y in pairs])) if pairs else None}
    if rc.crisis is None:
        return out
    cs = dataclasses.replace(rc.crisis.settings, **settings)
    a, b = rc.crisis.strategies
    r = analyse(g, a, b, settings=cs)
    war, settled, mediated = float(r.p_war[-1]), float(r.p_settled[-1]), float(r.p_mediated[-1])
    out.update(p_war=np.asarray(r.p_war, float), war=war, settled=settled, mediated=mediated,
               running=1.0 - war - settled - mediated)
    ccs = cs if cs.discount >= 1.0 else dataclasses.replace(cs, rounds=None)
    c = credibility(g, a, b, settings=ccs)
    for s in "ab":
        gain, best = float(getattr(c, f"gain_{s}")), float(getattr(c, f"best_value_{s}"))
        out[f"cred_{s}"] = {"value": float(getattr(c, f"value_{s}")), "best": best, "gain": gain,
                            "credible": gain <= 1e-9 * max(1.0, abs(best))}
    return out


def _flat(data, names, idx: dict) -> int:
    shape = [len(data["axes"][[a["name"] for a in data["axes"]].index(n)]["values"]) for n in names]
    return int(np.ravel_multi_index([idx[n] for n in names], shape)) if names else 0


def _point(data, idx: dict) -> dict:
    return {a["name"]: a["values"][idx[a["name"]]] for a in data["axes"]}


@pytest.fixture(scope="module")
def run_config(default_cfg):
    return validate_run(copy.deepcopy(default_cfg))


@pytest.fixture(scope="module")
def data(run_config):
    return explorer_data(run_config, run_config.built_game)


def _sub_corner(data) -> dict:
    """A credibility sub-grid point with every slider away from the scenario's value."""
    return {a["name"]: next(i for i in a["credibility"] if i != a["initial"]) for a in data["axes"]}


# --------------------------------------------------------------------------- unit: the grid is the library's
def test_grid_holds_the_scenarios_point_and_the_default_sliders(data, run_config):
    names = [a["name"] for a in data["axes"]]
    assert names == ["war_cost", "war_risk", "perception_noise", "advantage"]
    scenario = {"war_cost": run_config.game["war_cost"], "war_risk": run_config.game["war_risk"],
                "perception_noise": run_config.crisis.settings.perception_noise,
                "advantage": run_config.game["advantage"]}
    for a in data["axes"]:
        assert a["values"][a["initial"]] == scenario[a["name"]]  # exactly, and the slider starts there
        assert a["initial"] in a["credibility"] and len(a["credibility"]) == 2
        assert np.all(np.diff(a["values"]) > 0)
    # the crisis outcomes depend on the chain (war risk, noise), not on payoffs: stored over those axes
    assert data["crisis"]["axes"] == ["war_risk", "perception_noise"]
    assert data["stage"]["axes"] == ["war_cost", "war_risk", "advantage"]
    assert data["credibility"]["axes"] == names


@pytest.mark.parametrize("where", ["scenario", "low", "high", "mixed", "credibility_corner"])
def test_numbers_equal_direct_library_calls(data, run_config, where):
    axes = data["axes"]
    idx = {"scenario": {a["name"]: a["initial"] for a in axes},
           "low": {a["name"]: 0 for a in axes},
           "high": {a["name"]: len(a["values"]) - 1 for a in axes},
           "mixed": {a["name"]: (k * 3 + 1) % len(a["values"]) for k, a in enumerate(axes)},
           "credibility_corner": _sub_corner(data)}[where]
    lib = library_at(run_config, _point(data, idx))
    st = data["stage"]
    i = _flat(data, st["axes"], idx)
    assert st["n_pure"][i] == len(lib["pairs"])
    assert [tuple(p) for p in st["pure"][i]] == lib["pairs"][:3]
    assert st["eq_level"][i] == pytest.approx(lib["level"], abs=1e-12)
    cr = data["crisis"]
    j = _flat(data, cr["axes"], idx)
    np.testing.assert_allclose(cr["p_war_by_round"][j], lib["p_war"], rtol=1e-10, atol=1e-12)
    for k in ("war", "settled", "mediated", "running"):
        assert cr[k][j] == pytest.approx(lib[k], abs=1e-12), k
    c = data["credibility"]
    on_sub = all(idx[n] in c["index"][n] for n in c["axes"])
    if where in ("scenario", "credibility_corner"):
        assert on_sub
    if on_sub:
        sub = {n: c["index"][n].index(idx[n]) for n in c["axes"]}
        shape = [len(c["index"][n]) for n in c["axes"]]
        m = int(np.ravel_multi_index([sub[n] for n in c["axes"]], shape))
        for s in "ab":
            assert c[f"value_{s}"][m] == pytest.approx(lib[f"cred_{s}"]["value"], rel=1e-9, abs=1e-9)
            assert c[f"best_value_{s}"][m] == pytest.approx(lib[f"cred_{s}"]["best"], rel=1e-9, abs=1e-9)
            assert c[f"gain_{s}"][m] == pytest.approx(lib[f"cred_{s}"]["gain"], rel=1e-7, abs=1e-7)
            assert c[f"credible_{s}"][m] == lib[f"cred_{s}"]["credible"]


def test_the_scenarios_credibility_is_the_run_sections(data, default_run):
    """At the scenario's point the page's credibility is what summary.json's credibility section says."""
    summary = json.loads((default_run / "summary.json").read_text())
    sides = summary["dynamic"]["credibility"]["sides"]
    c = data["credibility"]
    sub = {n: c["index"][n].index(a["initial"]) for n, a in zip(c["axes"], data["axes"])}
    m = int(np.ravel_multi_index([sub[n] for n in c["axes"]], [len(c["index"][n]) for n in c["axes"]]))
    for s, side in zip("ab", sides):
        assert c[f"gain_{s}"][m] == pytest.approx(side["gain"], rel=1e-9, abs=1e-9)
        assert c[f"credible_{s}"][m] == side["is_best_response"]
    assert summary["explorer"]["file"] == "explorer.html" and summary["explorer"]["bytes"] < 4e6


# --------------------------------------------------------------------------- unit: the audience-cost panel
def audience_library_at(rc, cost: float) -> dict:
    """The tying-hands model at audience cost ``cost``, from the run config's block by the library's
    own entry point (not the explorer's curve call)."""
    block = rc.models["tying_hands"]
    res = tying_hands_from_params({**block["params"], "audience_cost": cost})
    code = int(res.primary("code"))
    de = block["defender"]
    ch = next(s for s in rc.built_game.sides if s != de)
    out = {"code": CODES[code], "name": LABELS[code].split(":")[0],
           "plain": TYING_HANDS_PLAIN[CODES[code]].format(de=de, ch=ch), "tie": bool(res.tie),
           "threshold": float(res.commitment_threshold)}
    for k in ("p_threat", "bluff", "press", "p_war"):
        out[k] = float(res.primary(k))
    return out


def test_audience_panel_grid_holds_the_scenarios_cost(data, run_config, default_run):
    A = data["audience"]
    a0 = run_config.models["tying_hands"]["params"]["audience_cost"]
    assert len(A["values"]) == 41 and A["values"][0] == 0.0 and A["values"][-1] == pytest.approx(max(2.0, 2 * a0))
    assert A["values"][A["initial"]] == a0  # exactly, and the slider starts there
    assert np.all(np.diff(A["values"]) > 0)
    summary = json.loads((default_run / "summary.json").read_text())
    th = summary["models"]["tying_hands"]
    assert (A["defender"], A["challenger"]) == (th["defender"], th["challenger"])
    assert A["types"][A["type"][A["initial"]]]["code"] == th["equilibrium"]
    assert A["p_war"][A["initial"]] == pytest.approx(th["p_war"], abs=1e-12)
    assert A["commitment_threshold"] == th["commitment_threshold"]
    assert summary["explorer"]["audience_cost"] == {"values": 41, "initial": a0}
    # kept apart from the ladder's grid: no audience-cost axis among the sliders
    assert "audience_cost" not in [a["name"] for a in data["axes"]]


@pytest.mark.parametrize("where", ["scenario", "zero", "last", "threshold", "middle", "between"])
def test_audience_panel_numbers_equal_the_library(data, run_config, where):
    A = data["audience"]
    n = len(A["values"])
    i = {"scenario": A["initial"], "zero": 0, "last": n - 1, "middle": n // 2,
         "threshold": int(np.argmin(np.abs(np.array(A["values"]) - A["commitment_threshold"]))),
         "between": (A["initial"] + n - 1) // 2 + 1}[where]
    lib = audience_library_at(run_config, A["values"][i])
    t = A["types"][A["type"][i]]
    assert (t["code"], t["name"], t["plain"]) == (lib["code"], lib["name"], lib["plain"])
    assert A["tie"][i] == lib["tie"] and A["commitment_threshold"] == lib["threshold"]
    for k in ("p_threat", "bluff", "press", "p_war"):
        assert A[k][i] == pytest.approx(lib[k], abs=1e-14), k
    page = render_explorer(data)
    assert 'id="audience-slider"' in page and "Audience costs: the tying-hands model (illustrative)" in page


def test_audience_panel_spans_every_type_it_reaches(data, run_config):
    """Across the slider the types differ (semi-separating below the threshold, committed above it
    in the default scenario), and every point is the library's."""
    A = data["audience"]
    for i, v in enumerate(A["values"]):
        lib = audience_library_at(run_config, v)
        assert A["types"][A["type"][i]]["code"] == lib["code"]
        assert A["p_war"][i] == pytest.approx(lib["p_war"], abs=1e-14)
    assert len(A["types"]) >= 2


# --------------------------------------------------------------------------- unit: the page
class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in = dict(attrs)
            self.scripts.append([dict(attrs), ""])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = None

    def handle_data(self, d):
        if self._in is not None:
            self.scripts[-1][1] += d


def _hostile(data) -> dict:
    d = copy.deepcopy(data)
    d["title"] = HOSTILE + " & <b>bold</b>"
    d["sides"] = [HOSTILE, "B \u2028 </SCRIPT >"]
    d["labels"] = [HOSTILE] * len(d["labels"])
    return d


def test_hostile_names_stay_in_the_json_block(data):
    hostile = _hostile(data)
    page = render_explorer(hostile)
    assert page.lower().count("<script") == 2 and page.lower().count("</script") == 2
    p = Tags()
    p.feed(page)
    (json_attrs, blob), (script_attrs, code) = p.scripts
    assert json_attrs == {"type": "application/json", "id": "explorer-data"} and script_attrs == {}
    assert json.loads(blob) == json.loads(json.dumps(page_data(hostile)))  # the data come back unchanged
    assert "seconds" in hostile and "seconds" not in json.loads(blob)  # timings stay out: the same run, the same page
    assert "<" not in blob and ">" not in blob and "&" not in blob
    assert code == SCRIPT
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert embed_json({"x": "</script>"}) == '{"x":"\\u003c/script\\u003e"}'


def test_csp_allows_exactly_the_inline_script_by_its_hash(data):
    page = render_explorer(data)
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    p = Tags()
    p.feed(page)
    code = p.scripts[1][1]
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode()
    assert meta == f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    assert "'unsafe-inline'" not in meta.split("script-src")[1]


def test_no_reference_outside_the_file(data):
    page = render_explorer(data)
    p = Tags()
    p.feed(page)
    for tag, attrs in p.tags:
        assert tag not in ("link", "iframe", "object", "embed", "img", "base", "form"), tag
        for k in ("src", "href", "srcset", "action", "poster", "data", "xlink:href"):
            assert k not in attrs, (tag, k)
    assert "fetch(" not in SCRIPT and "XMLHttpRequest" not in SCRIPT and "innerHTML" not in SCRIPT
    assert "import(" not in SCRIPT and ".src" not in SCRIPT


# --------------------------------------------------------------------------- config
@pytest.mark.parametrize("override, field", [
    ({"points": 100}, "explorer.points"),
    ({"points": 41, "max_mb": 0.5}, "explorer.points"),        # over the byte budget: refused before computing
    ({"params": ["nonsense"]}, "explorer.params"),
    ({"params": ["war_cost", "war_cost"]}, "explorer.params"),
    ({"credibility_points": 9}, "explorer.credibility_points"),
    ({"ranges": {"war_risk": [0.0, 2.0]}}, "explorer.ranges.war_risk"),
    ({"ranges": {"damage": [0.0, 2.0]}}, "explorer.ranges.damage"),
    ({"max_mb": -1}, "explorer.max_mb"),
    ({"pointz": 3}, "explorer.pointz"),
])
def test_bad_explorer_config_is_one_line(default_cfg, override, field):
    cfg = copy.deepcopy(default_cfg)
    cfg["explorer"].update(override)
    with pytest.raises(ConfigError) as err:
        validate_run(cfg)
    assert err.value.field == field and "\n" not in str(err.value)


def test_explorer_off_and_ranges(default_cfg):
    cfg = copy.deepcopy(default_cfg)
    cfg["explorer"] = None
    assert validate_run(cfg).explorer is None
    cfg = copy.deepcopy(default_cfg)
    cfg["explorer"].update(ranges={"war_cost": [0.0, 300.0]}, points=4, params=["war_cost", "mediation"])
    ex = validate_run(cfg).explorer
    assert [a.name for a in ex.axes] == ["war_cost", "mediation"] and [a.kind for a in ex.axes] == ["game", "setting"]
    assert ex.axes[0].values[0] == 0.0 and ex.axes[0].values[-1] == 300.0 and 100.0 in ex.axes[0].values


def _compose(overrides):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
            return OmegaConf.to_container(compose(config_name="run", overrides=overrides), resolve=True)
    finally:
        GlobalHydra.instance().clear()


@pytest.mark.parametrize("overrides", [["scenario=classroom_chicken"], ["scenario=classroom_chicken", "crisis=null"]])
def test_two_by_two_and_no_crisis(overrides):
    rc = validate_run(_compose(overrides))
    d = explorer_data(rc, rc.built_game)
    page = render_explorer(d)
    assert d["stage"]["kind"] == "class" and d["axes"]
    assert not rc.models.get("tying_hands") and d["audience"] is None  # no tying hands: no panel
    assert 'id="audience-slider"' not in page and "tying-hands" not in page  # (the fixed script names its ids)
    if rc.crisis is None:
        assert d["crisis"] is None and d["credibility"] is None and "no repeated crisis" in page
    else:
        idx = {a["name"]: len(a["values"]) - 1 for a in d["axes"]}
        lib = library_at(rc, _point(d, idx))
        j = _flat(d, d["crisis"]["axes"], idx)
        assert d["crisis"]["war"][j] == pytest.approx(lib["war"], abs=1e-12)


# --------------------------------------------------------------------------- a real browser
@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def _num(text: str) -> float:
    return float(text.strip().rstrip("%"))


def _shown(driver, idx_of) -> dict:
    """The numbers the page shows now, read from the DOM."""
    from selenium.webdriver.common.by import By

    t = lambda i: driver.find_element(By.ID, i).get_attribute("textContent")  # noqa: E731
    rows = driver.find_elements(By.CSS_SELECTOR, "#pwar-rows td[id^=pwar-r]")
    out = {"level": t("eq-level"), "count": int(t("eq-count")),
           "pairs": [tuple(int(x) for x in re.findall(r"at rung (\d+)", li.get_attribute("textContent")))
                     for li in driver.find_elements(By.CSS_SELECTOR, "#eq-list li")],
           "p_war": [_num(r.get_attribute("textContent")) / 100 for r in rows],
           "p_war_final": _num(t("p-war-final")) / 100,
           "where": t("cred-where"), "index": idx_of()}
    for k in ("war", "settled", "mediated", "running"):
        out[k] = _num(t(f"share-{k}")) / 100
    for s in "ab":
        out[f"cred_{s}"] = {k: t(f"cred-{k}-{s}") for k in ("value", "best", "gain", "verdict")}
    return out


def _assert_page_equals_library(shown, lib, on_sub: bool):
    half_pct = 0.0005 + 1e-12  # one decimal of a percentage
    assert _num(shown["level"]) == pytest.approx(lib["level"], abs=0.005 + 1e-12)
    assert shown["count"] == len(lib["pairs"]) and shown["pairs"] == lib["pairs"][:3]
    assert len(shown["p_war"]) == len(lib["p_war"])
    assert np.all(np.abs(np.array(shown["p_war"]) - lib["p_war"]) <= half_pct)
    assert abs(shown["p_war_final"] - lib["war"]) <= half_pct
    for k in ("war", "settled", "mediated", "running"):
        assert abs(shown[k] - lib[k]) <= half_pct, k
    for s in "ab":
        c, want = shown[f"cred_{s}"], lib[f"cred_{s}"]
        if not on_sub:
            assert c["gain"] == "not computed here" and "not computed" in c["verdict"]
            assert shown["where"].startswith("Not computed at this point")
            continue
        assert shown["where"].startswith("Computed at this point")
        for k, key in (("value", "value"), ("best", "best"), ("gain", "gain")):
            assert abs(float(c[k]) - want[key]) <= 0.005 + 1e-9, (s, k, c[k], want[key])
        assert c["verdict"].startswith("credible" if want["credible"] else "not credible"), c["verdict"]


def _open_page(chrome, page):
    """Load ``page`` in the browser, wait for its script to mark the body ready, and return the
    data block the page was written with (its escaped JSON, read from the file)."""
    from selenium.webdriver.common.by import By

    chrome.get(page.as_uri())
    assert chrome.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1"
    html = page.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', html,
                                re.S).group(1))


def test_sliders_in_headless_chromium_show_the_librarys_numbers(chrome, default_run, run_config):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    data = _open_page(chrome, default_run / "explorer.html")
    names = [a["name"] for a in data["axes"]]
    sliders = {n: chrome.find_element(By.ID, f"slider-{n}") for n in names}

    def idx_of():
        return {n: int(sliders[n].get_attribute("value")) for n in names}

    def check(expect_on_sub=None):
        idx = idx_of()
        c = data["credibility"]
        on_sub = all(idx[n] in c["index"][n] for n in names)
        if expect_on_sub is not None:
            assert on_sub == expect_on_sub
        point = _point(data, idx)
        shown = _shown(chrome, idx_of)
        assert chrome.find_element(By.ID, "point").get_attribute("textContent") == \
            "; ".join(f"{n}={_js_number(point[n])}" for n in names)
        _assert_page_equals_library(shown, library_at(run_config, point), on_sub)
        return shown

    # the scenario's point, as the page opens
    assert idx_of() == {a["name"]: a["initial"] for a in data["axes"]}
    first = check(expect_on_sub=True)
    # a user moves every slider with the keyboard, to a corner of the credibility grid
    target = _sub_corner(data)
    for n in names:
        sliders[n].send_keys(Keys.HOME)
        for _ in range(target[n]):
            sliders[n].send_keys(Keys.ARROW_RIGHT)
    assert idx_of() == target
    moved = check(expect_on_sub=True)
    assert moved["p_war"] != first["p_war"] and moved["cred_a"] != first["cred_a"]
    # one step off the credibility grid: credibility says it was not computed here, the rest updates
    off = names[2]
    sliders[off].send_keys(Keys.ARROW_LEFT if target[off] > 0 else Keys.ARROW_RIGHT)
    check(expect_on_sub=False)
    # every slider to its far end
    for n in names:
        sliders[n].send_keys(Keys.END)
    check()
    assert console_problems(chrome) == []


def _js_number(v: float) -> str:
    """How JavaScript's String(number) writes these grid values (shortest round-trip repr)."""
    r = repr(float(v))
    return r[:-2] if r.endswith(".0") else r


def _shown_audience(driver) -> dict:
    from selenium.webdriver.common.by import By

    t = lambda i: driver.find_element(By.ID, i).get_attribute("textContent")  # noqa: E731
    out = {k: t(f"audience-{k}") for k in ("value", "type", "plain", "tied", "tie")}
    for k, key in (("threat", "p_threat"), ("bluff", "bluff"), ("press", "press"), ("war", "p_war")):
        out[key] = _num(t(f"audience-{k}")) / 100
    return out


def test_audience_slider_in_headless_chromium_shows_the_librarys_numbers(chrome, default_run, run_config):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    A = _open_page(chrome, default_run / "explorer.html")["audience"]
    slider = chrome.find_element(By.ID, "audience-slider")
    ladder = {e.get_attribute("id"): e.get_attribute("value")
              for e in chrome.find_elements(By.CSS_SELECTOR, "input[id^=slider-]")}
    half_pct = 0.0005 + 1e-12  # one decimal of a percentage

    def check(i: int) -> dict:
        assert int(slider.get_attribute("value")) == i
        v = A["values"][i]
        lib = audience_library_at(run_config, v)
        shown = _shown_audience(chrome)
        assert shown["value"] == _js_number(float(f"{v:.4g}")) + (" (the scenario's value)" if i == A["initial"] else "")
        assert shown["type"] == lib["name"] and shown["plain"] == lib["plain"]
        for k in ("p_threat", "bluff", "press", "p_war"):
            assert abs(shown[k] - lib[k]) <= half_pct, (i, k, shown[k], lib[k])
        assert shown["tied"].startswith("Above" if v > lib["threshold"] else "Below" if v < lib["threshold"]
                                        else "Exactly")
        assert bool(shown["tie"]) == lib["tie"]
        return shown

    first = check(A["initial"])
    assert first["value"].endswith("(the scenario's value)")
    # a user moves the audience-cost slider with the keyboard: to 0, then step by step past the threshold
    slider.send_keys(Keys.HOME)
    check(0)
    above = int(np.searchsorted(A["values"], A["commitment_threshold"], side="right"))
    for _ in range(above):
        slider.send_keys(Keys.ARROW_RIGHT)
    moved = check(above)
    assert moved["type"] != first["type"]  # past the threshold: committed
    slider.send_keys(Keys.ARROW_LEFT)
    check(above - 1)
    slider.send_keys(Keys.END)
    check(len(A["values"]) - 1)
    # the ladder's sliders did not move, and the panel does not move them
    assert {e.get_attribute("id"): e.get_attribute("value")
            for e in chrome.find_elements(By.CSS_SELECTOR, "input[id^=slider-]")} == ladder
    assert console_problems(chrome) == []


def test_hostile_page_in_chromium_runs_no_injected_script(chrome, data, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    page = tmp_path / "explorer.html"
    page.write_text(render_explorer(_hostile(data)), encoding="utf-8")
    chrome.get(page.as_uri())
    assert chrome.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1"
    with pytest.raises(NoAlertPresentException):
        chrome.switch_to.alert.text  # noqa: B018
    assert HOSTILE in chrome.find_element(By.ID, "eq-list").get_attribute("textContent")
    assert len(chrome.find_elements(By.TAG_NAME, "script")) == 2
    assert console_problems(chrome) == []
