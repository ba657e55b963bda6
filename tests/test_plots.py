"""Figures: they build for every game shape, mark what they claim, and save atomically."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim import games
from sim.equilibria.nash import nash_equilibria
from sim.equilibria import pure_equilibria
from sim.viz import equilibrium_map_figure, save
from sim.viz.stage import payoff_heatmap
from sim.sweeps.maps import REGIMES, EquilibriumMap, equilibrium_map

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _by_gid(fig: Figure, gid: str) -> list:
    return list(fig.findobj(lambda a: a.get_gid() == gid))


def _draw(fig: Figure) -> None:
    FigureCanvasAgg(fig).draw()  # renders every artist: catches layout and text errors


def _texts(fig: Figure) -> str:
    """All text in the figure (titles, labels, annotations, legend, caption)."""
    return "\n".join(t.get_text() for t in fig.findobj(Text))


NONSQUARE = games.from_matrices([[3, 0, 2], [1, 2, 0]], [[1, 0, 3], [0, 2, 1]], sides=("Row", "Col"),
                                labels_a=["up", "down"], labels_b=["left", "mid", "right"])

# (game, number of pure equilibria worked out by hand or from the builder's docstring)
CASES = {
    "chicken": (games.chicken(sides=("India", "Pakistan")), 2),
    "prisoners_dilemma": (games.prisoners_dilemma(), 1),
    "ladder11": (games.ladder(K=11, sides=("India", "Pakistan")), None),  # counted with pure_equilibria
    "nonsquare": (NONSQUARE, 2),  # (up, right) and (down, mid)
}


@pytest.mark.parametrize("name", list(CASES))
def test_heatmap_builds_and_marks_every_pure_equilibrium(name):
    game, n_pure = CASES[name]
    eqs = nash_equilibria(game)
    fig = payoff_heatmap(game, eqs)
    assert isinstance(fig, Figure)
    _draw(fig)
    cells = pure_equilibria(game)  # an independent (vectorised) solver for the pure cells
    if n_pure is None:
        n_pure = int(cells.sum())
    assert int(cells.sum()) == n_pure
    boxes = _by_gid(fig, "pure-equilibrium")
    assert len(boxes) == n_pure
    assert len(_by_gid(fig, "pure-equilibrium-marker")) == n_pure
    # each box sits on a pure-equilibrium cell (box corner at column - 0.46, row - 0.46)
    marked = {(round(b.get_y() + 0.46), round(b.get_x() + 0.46)) for b in boxes}
    assert marked == {tuple(int(v) for v in ij) for ij in np.argwhere(cells)}


def test_heatmap_annotates_payoffs_and_shows_the_mixed_equilibrium():
    game = games.chicken(value=2, crash_cost=6)
    fig = payoff_heatmap(game, nash_equilibria(game))
    text = _texts(fig)
    for cell in ("1, 1", "0, 2", "2, 0", "\u22122, \u22122"):  # A[x, y], B[x, y] of Chicken (2, 6)
        assert cell in text
    circles = _by_gid(fig, "mixed-equilibrium")
    assert len(circles) == 4  # fully mixed: every cell has probability > 0
    # circle area proportional to the cell's probability: (2/3)^2, (2/3)(1/3), (1/3)(2/3), (1/3)^2
    areas = sorted(c.get_radius() ** 2 for c in circles)
    assert np.allclose(np.array(areas) / areas[-1], [1 / 4, 1 / 2, 1 / 2, 1])
    assert "E3 (mixed)" in text


def test_heatmap_ladder_shows_rung_labels_and_sides():
    labels = [f"step {i}" for i in range(11)]
    game = games.ladder(K=11, sides=("India", "Pakistan"), labels=labels)
    fig = payoff_heatmap(game, nash_equilibria(game), title="My title")
    text = _texts(fig)
    assert "4: step 4" in text and "10: step 10" in text
    assert "India's rung (rows)" in text and "Pakistan's rung (columns)" in text
    assert "My title" in text


def test_heatmap_caps_the_list_of_many_equilibria():
    game = games.from_matrices(np.eye(4), np.eye(4))  # 2^4 - 1 = 15 equilibria, 4 of them pure
    eqs = nash_equilibria(game)
    assert len(eqs) == 15
    fig = payoff_heatmap(game, eqs)
    _draw(fig)
    assert len(_by_gid(fig, "pure-equilibrium")) == 4
    assert "and 9 more" in _texts(fig)


def test_heatmap_rejects_a_batch():
    batch = games.chicken(value=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="batch"):
        payoff_heatmap(batch, [])


def _scenario_marker(fig):
    (marker,) = _by_gid(fig, "scenario-point")
    return float(marker.get_xdata()[0]), float(marker.get_ydata()[0])


def test_map_figure_class_kind_marks_the_scenario():
    emap = equilibrium_map("chicken", {"value": 2.0, "crash_cost": 6.0}, "value", np.linspace(0.5, 10, 30),
                           "crash_cost", np.linspace(0.5, 12, 25))
    assert emap.kind == "class"
    fig = equilibrium_map_figure(emap)
    _draw(fig)
    assert _scenario_marker(fig) == (2.0, 6.0)
    text = _texts(fig)
    assert "Chicken" in text and "Prisoner's Dilemma" in text and "this scenario" in text
    ax = fig.axes[0]
    assert ax.get_xlim()[0] < 0.5 and ax.get_xlim()[1] > 10  # real parameter values on the axes
    assert "Value of the prize" in ax.get_xlabel() and "Cost of a clash" in ax.get_ylabel()


def test_map_figure_equilibrium_kind_marks_the_scenario():
    emap = equilibrium_map("ladder", {"K": 5, "war_cost": 100.0, "war_risk": 0.3}, "war_cost",
                           np.linspace(0, 400, 40), "war_risk", np.linspace(0, 1, 30))
    assert emap.kind == "equilibrium"
    fig = equilibrium_map_figure(emap)
    _draw(fig)
    assert _scenario_marker(fig) == (100.0, 0.3)
    assert len(fig.axes) == 2  # the map and its colour bar (in rungs)
    assert "rung" in fig.axes[1].get_ylabel()
    assert "this scenario" in _texts(fig)


def test_map_figure_handles_no_equilibrium_nan_point_and_descending_axes():
    ny, nx = 12, 15
    yy, xx = np.mgrid[0:ny, 0:nx]
    n_pure = np.where(xx < 4, 0, np.where(yy > 8, 2, 1)).astype(np.int8)
    level = np.where(n_pure == 0, np.nan, np.floor(xx / 4.0))
    regime = np.where(n_pure == 1, 0, np.where(n_pure > 1, 1, 2)).astype(np.int8)
    emap = EquilibriumMap("ladder", {}, "damage", "cost", np.linspace(20, 0, nx), np.linspace(0, 5, ny),
                          (np.nan, np.nan), "equilibrium", regime, REGIMES, n_pure, level, np.zeros((ny, nx)), 4)
    fig = equilibrium_map_figure(emap)
    _draw(fig)
    assert _by_gid(fig, "scenario-point") == []
    text = _texts(fig)
    assert "no pure equilibrium" in text and "several pure equilibria" in text


def test_map_figure_is_fast_on_a_200_by_200_grid():
    emap = equilibrium_map("ladder", {"K": 11, "war_cost": 100.0, "war_risk": 0.3}, "war_cost",
                           np.linspace(0, 400, 200), "war_risk", np.linspace(0, 1, 200))
    start = time.perf_counter()
    _draw(equilibrium_map_figure(emap))
    assert time.perf_counter() - start < 2.0


def test_save_writes_png_atomically(tmp_path):
    game = games.prisoners_dilemma()
    fig = payoff_heatmap(game, nash_equilibria(game))
    path = tmp_path / "figures" / "payoff_matrix.png"  # parent is created
    assert save(fig, path) == path
    save(fig, path)  # overwriting is fine
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert sorted(p.name for p in path.parent.iterdir()) == ["payoff_matrix.png"]


def test_save_failure_leaves_no_temp_file_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "fig.png"
    path.write_bytes(b"old")

    class Broken:
        def savefig(self, *a, **k):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        save(Broken(), path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]


def test_plots_do_not_touch_pyplot():
    code = ("import sys, numpy as np; from sim import games; from sim.equilibria import nash_equilibria; "
            "import sim.viz as p; g = games.chicken(); p.payoff_heatmap(g, nash_equilibria(g)); "
            "print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_timeline_reads_plain_phase_values():
    """The timeline takes plain values (no sim.config): a raw mapping with ISO dates and ranges."""
    import datetime as dt

    from sim.viz import timeline_figure

    raw = {"sides": ["A", "B"],
           "phases": [{"date": "2020-01-01", "rungs": {"A": 0, "B": None}},
                      {"date": "2020-01-05/2020-01-09", "rungs": {"A": 2, "B": 1}, "contested": ["B"]},
                      {"date": dt.date(2020, 2, 1), "rungs": {"A": 1, "B": 1}}]}
    fig = timeline_figure(raw, ["r0", "r1", "r2"])
    ax = fig.axes[0]
    points = {g: sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() == g)
              for g in ("reported-0", "reported-1", "contested-1")}
    assert points == {"reported-0": 3, "reported-1": 1, "contested-1": 1}
    bad = {"sides": ["A", "B"], "phases": [{"date": "Jan 2020", "rungs": {"A": 0, "B": 0}}]}
    with pytest.raises(ValueError, match=r"scenario\.phases\[0\]\.date"):
        timeline_figure(bad, ["r0", "r1"])


def test_timelines_figure_puts_each_crisis_in_its_own_panel():
    """Issue 12, item 4: several crises' reported rungs, one panel each on one ladder."""
    from sim.viz import timelines_figure

    labels = [f"rung {k}" for k in range(4)]
    a = {"sides": ["A", "B"], "phases": [{"date": "2020-01-01", "rungs": {"A": 1, "B": 0}},
                                         {"date": "2020-01-05", "rungs": {"A": 3, "B": 2}, "contested": ["B"]}]}
    b = {"sides": ["A", "B"], "phases": [{"date": "2021-03-01", "rungs": {"A": 0, "B": 1}}]}
    fig = timelines_figure([("first", a), ("second", b)], labels)
    axes = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in axes] == ["first", "second"]
    gids = [[a.get_gid() for a in ax.get_children()] for ax in axes]
    assert "contested-1" in gids[0] and "contested-1" not in gids[1]
    assert all(ax.get_ylim() == (-0.5, 3.5) for ax in axes)
