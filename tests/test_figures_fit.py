"""Figures that project (issue 12, item 3): every public figure of :mod:`sim.viz`, drawn with the
longest labels of the scenario library, keeps all its text inside the figure, in full, and at
least at the projection minimum font size.

The labels are read from ``configs/scenario/*.yaml`` and ``configs/strategy/*.yaml`` (never typed
here): the longest side name, the longest scenario title, the ladder with the longest rung labels
and the longest strategy display names; side B is given a non-Latin name (Devanagari), as a user's
scenario may have.  Each figure is rendered with Agg and every visible text artist (titles, axis
and tick labels, legend entries and titles, colour-bar labels, annotations) is checked:

* its window extent lies inside the figure (1 px tolerance);
* its font size is at least :data:`sim.viz.style.MIN_FONT`;
* legend entries are not cut: no ellipsis, and the long names given appear in full.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from sim import games  # noqa: E402
from sim.repeated import CrisisSettings, analyse, simulate  # noqa: E402
from sim.repeated import strategies as S  # noqa: E402
from sim.viz import style  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NON_LATIN = "\u092d\u093e\u0930\u0924 \u0917\u0923\u0930\u093e\u091c\u094d\u092f"  # "Bharat Ganarajya", Devanagari


def _load(path: Path) -> dict:
    """A config file without its Hydra ``defaults`` list."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _library() -> dict:
    """The longest texts of the scenario library: side name, title, ladder (rung labels), strategies."""
    scenarios = [_load(p) for p in sorted((ROOT / "configs" / "scenario").glob("*.yaml"))]
    scen = [s["scenario"] for s in scenarios if "scenario" in s]
    sides = [str(x) for s in scen for x in s.get("sides", [])]
    ladders = [list(map(str, s["rung_labels"])) for s in scen if s.get("rung_labels")]
    strategies = [_load(p) for p in sorted((ROOT / "configs" / "strategy").glob("*.yaml"))]
    named = [s for s in strategies if s.get("name") in S.names()]
    for s in scenarios:
        for pair in (s.get("crisis") or {}).get("compare", []) or []:
            named += [x if isinstance(x, dict) else {"name": x} for x in pair]
    displays = sorted({style.strategy_display(s) for s in named}, key=len, reverse=True)
    return {"side": max(sides, key=len), "title": max((str(s["title"]) for s in scen), key=len),
            "ladder": max(ladders, key=lambda labels: sum(map(len, labels))), "strategies": displays[:3],
            "named": sorted(named, key=lambda s: len(style.strategy_display(s)), reverse=True)}


LIB = _library()
SIDES = (LIB["side"], NON_LATIN)
LADDER = LIB["ladder"]
K = len(LADDER)


def test_the_library_has_long_labels_to_test_with():
    """The inputs are the hard case the issue names: an 11-rung ladder with long labels, long names."""
    assert K >= 11 and max(map(len, LADDER)) >= 40
    assert len(LIB["side"]) >= 12 and len(LIB["title"]) >= 80
    assert "opening at rung" in " ".join(LIB["strategies"])


# --------------------------------------------------------------------------- inputs, built once
@pytest.fixture(scope="module")
def ladder():
    return games.ladder(K=K, war_risk=0.5, war_cost=100.0, advantage=20.0, damage=10.0, cost=2.0, sides=SIDES,
                        labels=LADDER)


@pytest.fixture(scope="module")
def crisis(ladder):
    """The main pair (exact and Monte Carlo) and two compare pairs with the longest strategy names."""
    settings = CrisisSettings(rounds=20, execution_noise=0.02, settle_after=2, mediation=0.02)
    named = [S.get(s["name"], K=K, **{k: v for k, v in s.items() if k not in ("name", "K")})
             for s in LIB["named"][:2]]
    a, b = named[0], S.get("conditional_deescalation", K=K)
    exact = analyse(ladder, a, b, settings=settings)
    mc = simulate(ladder, a, b, settings=settings, paths=2000, seed=1, keep_paths=True)
    pairs = {style.pair_display(SIDES, a, b): exact, style.pair_display(SIDES, a, b) + " (Monte Carlo)": mc,
             style.pair_display(SIDES, named[1], b): analyse(ladder, named[1], b, settings=settings)}
    return {"exact": exact, "mc": mc, "pairs": pairs}


def _scenario():
    """A phase table with the longest side names, crossing two years."""
    dates = ["2001-12-13", "2001-12-21", "2002-01-12", "2002-05-14", "2002-06-10", "2002-10-16"]
    rungs = [(0, 0), (3, 2), (2, 2), (5, 4), (3, 3), (1, 1)]
    return {"sides": list(SIDES), "phases": [{"date": d, "rungs": {SIDES[0]: r[0], SIDES[1]: r[1]},
                                              "contested": [SIDES[1]] if i % 2 else []}
                                             for i, (d, r) in enumerate(zip(dates, rungs))],
            "observed": {"from": "2001-12-21"}}


def _rows():
    """Comparison rows (``experiments/compare.py``'s ``variant_row``) with long variant names."""
    T = 20
    t = np.arange(1, T + 1) / T
    rows = []
    for i, name in enumerate(LIB["strategies"][:3]):
        rows.append({"name": f"{SIDES[0]} plays {name}", "sides": list(SIDES),
                     "crisis": {"p_war": 0.2 + 0.1 * i, "p_settled": 0.3, "p_mediated": 0.2,
                                "p_still_in_crisis": 0.3 - 0.1 * i, "K": K, "expected_payoffs": [-60.0 - i, -3.0],
                                "curves": {"p_war": (0.3 * t).tolist(), "p_settled": (0.3 * t).tolist(),
                                           "p_mediated": (0.2 * t).tolist(),
                                           "mean_rung": {SIDES[0]: (4 * t).tolist(), SIDES[1]: (3 * t).tolist()}}}})
    return rows


def _table():
    """A grid-sweep table over two parameters with two variants."""
    xs, ys = np.linspace(0, 300, 6), np.linspace(0, 40, 5)
    X, Y = np.meshgrid(xs, ys)
    frames = [pd.DataFrame({"war_cost": X.ravel(), "advantage": Y.ravel(),
                            "p_war_by_T": np.clip((Y / 40 - X / 600 + k * 0.2).ravel(), 0, 1),
                            "payoff_a": (-X / 10 + Y).ravel(), "pair": name})
              for k, name in enumerate(LIB["strategies"][:2])]
    return pd.concat(frames, ignore_index=True)


def _figures(ladder, crisis):
    """(name, figure builder) of every public figure function of sim.viz."""
    from sim import viz
    from sim.crisis.bargaining import tying_hands_curve
    from sim.crisis.brinkmanship import brinkmanship_window
    from sim.crisis.dynamics import richardson_phase, richardson_trajectory
    from sim.crisis.escalation import solve_unilateral
    from sim.equilibria import nash_equilibria, trace
    from sim.repeated.tournament import round_robin
    from sim.sweeps import equilibrium_map
    from sim.viz import dynamic as dyn
    from sim.viz.uncertainty import sensitivity_bars

    title = LIB["title"]
    T = 20
    params = dict(K=K, war_risk=0.5, war_cost=100.0, advantage=20.0, damage=10.0, cost=2.0)
    emap = {"class": lambda: equilibrium_map("chicken", dict(value=2.0, crash_cost=6.0), "value",  # noqa: E731
                                             np.linspace(-2, 4, 8), "crash_cost", np.linspace(-3, 9, 8)),
            "equilibrium": lambda: equilibrium_map("ladder", params, "war_cost", np.linspace(0, 300, 8),
                                                   "advantage", np.linspace(0, 15, 8))}
    w = brinkmanship_window(10.0, 100.0, 100.0, 8.0)
    stakes = np.linspace(0, 30, 61)
    rich = dict(k=0.9, l=0.9, a=1.0, b=1.0, g=0.5, h=0.5)
    ents = {n: S.get(n, K=2) for n in ("tit_for_tat", "always_escalate", "always_restrain", "generous_tit_for_tat",
                                       "suspicious_tit_for_tat")}
    tour = round_robin(games.prisoners_dilemma(), ents, rounds=10)
    eqs = nash_equilibria(ladder)
    mean = np.column_stack([np.linspace(4, 1, T), np.linspace(0, 3, T)])
    sens = pd.DataFrame({"outcome": ["p_war_by_T"] * 3, "parameter": ["war_cost", "war_risk", "risk_exponent"],
                         "ST": [0.6, 0.3, 0.1], "ST_conf": [0.05] * 3, "S1": [0.5, 0.2, 0.1]})
    scen = _scenario()
    return {
        "payoff_heatmap": lambda: viz.payoff_heatmap(ladder, eqs, title=title),
        "equilibrium_map_figure(class)": lambda: viz.equilibrium_map_figure(emap["class"](), title=title),
        "equilibrium_map_figure(equilibrium)": lambda: viz.equilibrium_map_figure(emap["equilibrium"](), title=title),
        "outcome_map_figure": lambda: viz.outcome_map_figure(_table().query("pair == @LIB['strategies'][0]"),
                                                             "war_cost", "advantage", "p_war_by_T",
                                                             point=(400.0, 20.0), title=title),
        "timeline_figure": lambda: viz.timeline_figure(scen, LADDER, title=title),
        "timelines_figure": lambda: viz.timelines_figure([(title, scen), (title, scen)], LADDER, title=title),
        "trajectory_fan": lambda: viz.trajectory_fan(crisis["mc"], sides=SIDES, labels=LADDER, sample_paths=3,
                                                     title=title),
        "outcome_curves": lambda: viz.outcome_curves(crisis["mc"], title=title),
        "compare_outcomes": lambda: viz.compare_outcomes(crisis["pairs"], sides=SIDES, title=title),
        "outcome_figure": lambda: viz.outcome_figure(_rows()),
        "curves_figure": lambda: viz.curves_figure(_rows()),
        "rungs_figure": lambda: viz.rungs_figure(_rows()),
        "payoff_figure": lambda: viz.payoff_figure(_rows()),
        "tying_hands_figure": lambda: viz.tying_hands_figure(tying_hands_curve(), title=title,
                                                                     point=0.6),
        "brinkmanship_figure": lambda: viz.brinkmanship_figure(w, stakes, brinkmanship_window(stakes, 100.0, 100.0,
                                                                                              8.0),
                                                               value=10.0, challenger=SIDES[0], defender=SIDES[1],
                                                               risk=0.2, title=title),
        "richardson_time_figure": lambda: viz.richardson_time_figure(richardson_trajectory(rich, (1.0, 2.0), 10.0,
                                                                                           101),
                                                                     (5.0, 5.0), sides=SIDES,
                                                                     units="military spending (billion dollars)"),
        "richardson_phase_figure": lambda: viz.richardson_phase_figure(richardson_phase(rich, t_max=10.0),
                                                                       sides=SIDES,
                                                                       units="military spending (billion dollars)"),
        "plot_correspondence": lambda: viz.plot_correspondence(trace(games.build("ladder", K=4),
                                                                     np.logspace(-2, 1, 20)),
                                                               sides=SIDES, labels_a=LADDER[:4], labels_b=LADDER[:4]),
        "tournament_heatmap": lambda: viz.tournament_heatmap(tour, title=title),
        "replicator_plot": lambda: viz.replicator_plot(tour.dynamics, tour.names, title=title),
        "tree_figure": lambda: viz.tree_figure(*_tree(solve_unilateral), title=title,
                                               player_names={"Challenger": SIDES[0], "Defender": SIDES[1]}),
        "sensitivity_curves": lambda: viz.sensitivity_curves(_table().query("advantage == 20"), "war_cost", ["p_war_by_T", "payoff_a"],
                                                             by="pair", title=title),
        "small_multiples": lambda: viz.small_multiples(_table(), "war_cost", "advantage", "payoff_a", by="pair",
                                                       title=title),
        "sensitivity_bars": lambda: sensitivity_bars(sens, title=title),
        "policy_heatmap": lambda: dyn.policy_heatmap([np.tile(np.arange(K), (K, 1)), np.tile(np.arange(K), (K, 1))],
                                                     sides=SIDES, labels=LADDER, title=title),
        "equilibrium_trajectory": lambda: dyn.equilibrium_trajectory(mean, np.linspace(0, 0.3, T), mean[::-1],
                                                                     np.linspace(0, 0.2, T), sides=SIDES, title=title),
        "credibility_map": lambda: dyn.credibility_map(np.linspace(0, 300, 6), np.linspace(0, 40, 5),
                                                       np.random.default_rng(0).random((2, 5, 6)),
                                                       point=(400.0, 60.0), x="war_cost", y="advantage", sides=SIDES,
                                                       title=title),
        "reported_vs_model": lambda: dyn.reported_vs_model([p["date"] for p in scen["phases"]],
                                                           np.array([list(p["rungs"].values()) for p in
                                                                     scen["phases"]], float),
                                                           mean, np.rint(mean), mean, sides=SIDES, title=title),
    }


def _tree(solve_unilateral):
    """The unilateral deterrence tree and its solution at one point."""
    sol = solve_unilateral({"SQ": 0.0, "DC": 1.0, "CF": -1.0, "CB": -0.5},
                           {"SQ": 0.0, "DC": -1.0, "CF": -0.5, "CB": 0.5})
    return sol.tree, (sol.at(()) if sol.shape else sol)


def _visible(text: Text) -> bool:
    """Drawn: visible itself and in a visible axes, not empty."""
    if not text.get_visible() or not text.get_text().strip():
        return False
    ax = text.axes
    return ax is None or ax.get_visible()


def _drawn_texts(fig):
    """Every text that the figure draws: tick labels only of ticks inside the view."""
    out = []
    for t in fig.findobj(Text):
        if _visible(t) and not _is_tick_label(t):
            out.append(t)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.get_visible():
                continue
            lo, hi = sorted(axis.get_view_interval())
            span = (hi - lo) * 1e-6 + 1e-12
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if lo - span <= tick.get_loc() <= hi + span:
                    out += [lab for lab in (tick.label1, tick.label2) if lab.get_visible() and lab.get_text().strip()]
    return out


def _is_tick_label(t: Text) -> bool:
    from matplotlib.axis import Tick

    return any(isinstance(p, Tick) for p in _parents(t))


def _parents(t):
    fig = t.get_figure()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if t is tick.label1 or t is tick.label2:
                    yield tick


BUILDERS = ["payoff_heatmap", "equilibrium_map_figure(class)", "equilibrium_map_figure(equilibrium)",
            "outcome_map_figure", "timeline_figure", "timelines_figure", "trajectory_fan", "outcome_curves",
            "compare_outcomes", "outcome_figure", "curves_figure", "rungs_figure", "payoff_figure",
            "tying_hands_figure", "brinkmanship_figure", "richardson_time_figure", "richardson_phase_figure",
            "plot_correspondence", "tournament_heatmap", "replicator_plot", "tree_figure", "sensitivity_curves",
            "small_multiples", "sensitivity_bars", "policy_heatmap", "equilibrium_trajectory", "credibility_map",
            "reported_vs_model"]


def test_every_public_figure_function_is_checked():
    """A new figure function of sim.viz must be added to BUILDERS (and so to the fit check)."""
    import inspect

    from sim import viz
    from sim.viz import dynamic, uncertainty

    public = {n for n in viz.__all__ if n.endswith(("_figure", "_heatmap", "_curves", "_plot", "_fan", "_outcomes",
                                                   "_multiples", "_correspondence"))
              and inspect.isfunction(getattr(viz, n))}
    public |= set(dynamic.__all__) | set(uncertainty.__all__)
    checked = {re.sub(r"\(.*\)$", "", b) for b in BUILDERS}
    assert public <= checked, sorted(public - checked)


def _problems(fig, floor: float) -> list[str]:
    """What does not fit: texts outside the figure, under ``floor`` points, or cut (ellipsis)."""
    import warnings

    FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a missing font for the non-Latin name: one warning in save
        style.fit_fonts(fig)  # as save does: texts in other scripts get a font that has their glyphs
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    bad = []
    for t in _drawn_texts(fig):
        e = t.get_window_extent(renderer)
        label = t.get_text().replace("\n", " ")[:60]
        if e.x0 < box.x0 - 1 or e.y0 < box.y0 - 1 or e.x1 > box.x1 + 1 or e.y1 > box.y1 + 1:
            bad.append(f"outside the figure: {label!r} {tuple(round(v) for v in e.extents)} of "
                       f"{tuple(round(v) for v in box.extents)}")
        if t.get_fontsize() < floor - 1e-9:
            bad.append(f"font {t.get_fontsize():g} pt < {floor:g}: {label!r}")
    for leg in fig.findobj(Legend):
        for t in leg.get_texts():
            if "\u2026" in t.get_text() or t.get_text().rstrip().endswith("..."):
                bad.append(f"legend entry cut: {t.get_text()!r}")
    return bad


def _words(fig) -> str:
    return " ".join(" ".join(t.get_text().split()) for t in fig.findobj(Text))


@pytest.mark.parametrize("name", BUILDERS)
def test_figure_fits_with_the_longest_labels(name, ladder, crisis):
    """No text outside the figure, none under the projection minimum, no legend entry cut."""
    fig = _figures(ladder, crisis)[name]()
    bad = _problems(fig, style.MIN_FONT)
    assert not bad, f"{name}: " + "; ".join(bad[:6]) + (f" ... ({len(bad)} in all)" if len(bad) > 6 else "")


def test_compare_outcomes_names_pairs_in_plain_words_in_full(ladder, crisis):
    """The strategy pairs appear under their full display names, with no code names or keys."""
    from sim import viz

    fig = viz.compare_outcomes(crisis["pairs"], sides=SIDES)
    _problems(fig, style.MIN_FONT)
    words = _words(fig)
    for name in crisis["pairs"]:
        assert " ".join(name.split()) in words.replace("- ", "-")
    assert not re.search(r"\w+_\w+\(", words) and "start=" not in words


def test_strategy_display_names_are_plain_words():
    assert style.strategy_display(S.get("graduated_response", K=11, start=4)) == \
        "graduated response, opening at rung 4"
    assert style.strategy_display({"name": "conditional_deescalation"}) == "conditional de-escalation"
    assert style.strategy_display("tit_for_tat", {"start": 0}) == "tit for tat"


def test_wrap_label_keeps_every_character():
    text = LADDER[-1] + " " + max(LADDER, key=len)
    wrapped = style.wrap_label(text, 20)
    assert wrapped.replace("\n", " ") == text and max(map(len, wrapped.split("\n"))) <= max(20, max(
        map(len, text.split())))


def test_side_and_outcome_colours_are_disjoint():
    from matplotlib.colors import to_hex

    sides = {to_hex(c) for c in style.SIDE_COLOURS}
    outcomes = {to_hex(c) for c in style.OUTCOME_COLOURS.values()}
    assert not sides & outcomes and len(outcomes) == 4 and len(sides) == 2


SLIDES = ["outcome_curves", "equilibrium_map_figure(class)", "equilibrium_map_figure(equilibrium)", "credibility_map",
          "tying_hands_figure"]


@pytest.mark.parametrize("name", SLIDES)
def test_slide_versions_are_16_by_9_in_large_type_and_fit(name, ladder, crisis):
    """The slide set of a run (``slides: true``): 16:9, no text under SLIDE_MIN_FONT, nothing outside."""
    fig = style.slide(_figures(ladder, crisis)[name]())
    w, h = fig.get_size_inches()
    assert w / h == pytest.approx(16 / 9, rel=1e-3)
    bad = _problems(fig, style.SLIDE_MIN_FONT)
    assert not bad, f"{name}: " + "; ".join(bad[:6])


def test_the_html_report_embeds_report_figures_but_not_slides(tmp_path):
    """Slides in figures/slides/ are written beside the report figures but not embedded twice."""
    from sim.report.html import write_report

    png = (ROOT / "tests" / "data").glob("*.png")
    data = next(png, None)
    body = data.read_bytes() if data else b"\x89PNG\r\n\x1a\n" + b"0" * 64
    (tmp_path / "figures" / "slides").mkdir(parents=True)
    (tmp_path / "figures" / "outcome_curves.png").write_bytes(body)
    (tmp_path / "figures" / "slides" / "outcome_curves.png").write_bytes(body)
    html = write_report(tmp_path).read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 1


@pytest.mark.parametrize("point, inside", [((100.0, 20.0), True), ((400.0, 20.0), False), ((0.0, 0.0), True)])
def test_the_credibility_map_marks_the_scenario_where_it_is(point, inside):
    """The star sits at the scenario's own values when they lie on the map (pcolormesh autoscales
    lazily: the marker must read the settled limits), at the edge with a note only when they do not."""
    from sim.viz import dynamic as dyn

    xs, ys = np.linspace(0, 300, 4), np.linspace(0, 40, 4)
    fig = dyn.credibility_map(xs, ys, np.ones((2, 4, 4)), point=point, x="war_cost", y="advantage", sides=SIDES)
    stars = [a for a in fig.findobj() if getattr(a, "get_gid", lambda: None)() == "scenario-point"]
    assert len(stars) == 2
    for star in stars:
        (sx,), (sy,) = star.get_data()
        assert ((sx, sy) == point) is inside
    notes = [t.get_text() for t in fig.findobj(matplotlib.text.Text) if "outside the map" in t.get_text()]
    assert bool(notes) is (not inside)


def test_compare_panels_label_their_own_axes_and_outcomes_keep_their_colours():
    """Four variants on a 3-column grid: the panels of the top row with nothing below them still show
    what their bars are; the curves use the outcome colours (mediated is never a side's blue)."""
    from matplotlib.colors import to_hex

    from sim import viz

    crisis = {"p_war": 0.3, "p_settled": 0.1, "p_mediated": 0.5, "p_still_in_crisis": 0.1,
              "curves": {"p_war": [0.1, 0.3], "p_settled": [0.0, 0.1], "p_mediated": [0.2, 0.5]}}
    rows = [{"name": f"variant {i}", "crisis": crisis} for i in range(4)]
    fig = viz.outcome_figure(rows)
    fig.canvas.draw()
    for ax in [a for a in fig.axes if a.get_visible()]:
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
        assert [lab.replace("\n", " ") for lab in labels] == ["War", "Settled", "Mediated", "Still in crisis"]
    fig = viz.curves_figure(rows)
    colours = {line.get_label(): to_hex(line.get_color()) for ax in fig.axes for line in ax.get_lines()}
    assert colours["mediated"] == to_hex(style.OUTCOME_COLOURS["mediated"])
    assert not {colours[k] for k in ("war", "settled", "mediated")} & {to_hex(c) for c in style.SIDE_COLOURS}
