"""History beside the model (issue 12, item 4): the timeline figure overlays the model's median
rung and band of the scenario's crisis pair on the reported rungs, from the opening phase on."""

from __future__ import annotations

import datetime as dt

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from sim import games  # noqa: E402
from sim.repeated import CrisisSettings, analyse, simulate  # noqa: E402
from sim.repeated import strategies as S  # noqa: E402
from sim.viz import timeline_figure  # noqa: E402

K = 6
LABELS = [f"rung {i}" for i in range(K)]
SIDES = ("Left", "Right")
DATES = ["2020-01-01", "2020-01-05", "2020-01-06", "2020-01-09", "2020-01-10", "2020-01-20"]
RUNGS = [(0, 0), (1, 0), (3, 1), (3, 3), (4, 2), (1, 1)]


def _scenario(opening: str | None):
    sc = {"sides": list(SIDES), "phases": [{"date": d, "rungs": {SIDES[0]: a, SIDES[1]: b}}
                                           for d, (a, b) in zip(DATES, RUNGS)]}
    if opening is not None:
        sc["observed"] = {"from": opening}
    return sc


@pytest.fixture(scope="module", params=["exact", "monte_carlo"])
def result(request):
    g = games.ladder(K=K, war_risk=0.3, sides=SIDES)
    a, b = S.get("graduated_response", K=K, start=2), S.get("tit_for_tat", K=K)
    settings = CrisisSettings(rounds=12, execution_noise=0.1, settle_after=2)
    if request.param == "exact":
        return analyse(g, a, b, settings=settings)
    return simulate(g, a, b, settings=settings, paths=4000, seed=3)


def _by_gid(fig, gid):
    return [a for a in fig.findobj() if a.get_gid() == gid]


def _median_by_hand(result) -> np.ndarray:
    """(T, 2) median rung among the runs still in crisis, straight from ``rung_distribution``."""
    rd = np.asarray(result.rung_distribution, float)
    cdf = np.cumsum(rd, axis=-1) / rd.sum(axis=-1, keepdims=True)
    return (cdf >= 0.5 - 1e-12).argmax(axis=-1).astype(float)


@pytest.mark.parametrize("opening, first", [("2020-01-06", 2), (None, 0)])
def test_the_model_median_is_the_pairs_median_from_the_opening_phase(result, opening, first):
    fig = timeline_figure(_scenario(opening), LABELS, model=result)
    FigureCanvasAgg(fig).draw()
    n = min(len(DATES) - first, np.asarray(result.p_war).size)
    median = _median_by_hand(result)
    for i, offset in ((0, 0.12), (1, -0.12)):
        (line,) = _by_gid(fig, f"model-median-{i}")
        y = np.asarray(line.get_ydata(), float) - offset
        np.testing.assert_allclose(y[:n], median[:n, i], atol=1e-9)
        x = np.asarray(line.get_xdata(), float)
        # round 1 at the opening phase's date, round t at the t-th phase from there
        assert x[0] == pytest.approx(mdates.date2num(dt.date.fromisoformat(DATES[first])))
        np.testing.assert_allclose(x[:n], [mdates.date2num(dt.date.fromisoformat(d)) for d in DATES[first:first + n]])
        assert _by_gid(fig, f"model-band-{i}")
    legend = " ".join(t.get_text().replace("\n", " ") for t in fig.legends[0].get_texts())
    assert "as reported" in legend and "model (illustrative)" in legend


def test_without_a_model_the_timeline_draws_only_the_history():
    fig = timeline_figure(_scenario("2020-01-06"), LABELS)
    FigureCanvasAgg(fig).draw()
    assert not _by_gid(fig, "model-median-0") and _by_gid(fig, "timeline-0")
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "model" not in legend
