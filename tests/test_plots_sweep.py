"""Sweep-level figures (sim.viz.sweep), the sweep app's sensitivity figure and the
multirun callback's figures."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection, QuadMesh  # noqa: E402

from sim.viz import Z95  # noqa: E402
from sim.viz.sweep import sensitivity_curves, small_multiples  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "experiments"))


def _table(sem: bool) -> pd.DataFrame:
    x = np.linspace(0.0, 300.0, 7)
    rows = []
    for b in (0.0, 0.1):
        for v in x:
            row = {"war_cost": v, "perception_noise": b, "p_war_by_T": 0.2 + b + v / 1000, "payoff_a": -v / 3 - b}
            if sem:
                row["payoff_a_sem"] = 0.5 + v / 100
            rows.append(row)
    return pd.DataFrame(rows)


def _lines(ax):
    return {ln.get_gid(): ln for ln in ax.get_lines()}


def _bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection) and (c.get_gid() or "").startswith("band:")]


def test_sensitivity_lines_equal_table_values_and_no_band_for_exact():
    t = _table(sem=False)
    sub = t[t.perception_noise == 0.0]
    fig = sensitivity_curves(sub, "war_cost", ["p_war_by_T", "payoff_a"])
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    for ax, o in zip(axes, ["p_war_by_T", "payoff_a"]):
        line = _lines(ax)[o]
        np.testing.assert_array_equal(line.get_xdata(), sub.war_cost.to_numpy())
        np.testing.assert_array_equal(line.get_ydata(), sub[o].to_numpy())
        assert _bands(ax) == []
    assert axes[0].get_shared_x_axes().joined(axes[0], axes[1])


def test_sensitivity_by_draws_one_line_per_value_and_bands_iff_sem():
    t = _table(sem=True)
    fig = sensitivity_curves(t, "war_cost", ["p_war_by_T", "payoff_a"], by="perception_noise")
    ax_p, ax_a = [ax for ax in fig.axes if ax.get_visible()]
    lines = _lines(ax_a)
    assert set(lines) == {"payoff_a|0", "payoff_a|0.1"}
    sub = t[t.perception_noise == 0.1]
    np.testing.assert_array_equal(lines["payoff_a|0.1"].get_ydata(), sub.payoff_a.to_numpy())
    assert lines["payoff_a|0"].get_color() != lines["payoff_a|0.1"].get_color()
    assert lines["payoff_a|0"].get_linestyle() != lines["payoff_a|0.1"].get_linestyle()
    bands = _bands(ax_a)
    assert len(bands) == 2 and _bands(ax_p) == []  # p_war_by_T has no sem column
    band = next(b for b in bands if b.get_gid() == "band:payoff_a|0.1")
    ys = band.get_paths()[0].vertices[:, 1]
    lo = (sub.payoff_a - Z95 * sub.payoff_a_sem).to_numpy()
    hi = (sub.payoff_a + Z95 * sub.payoff_a_sem).to_numpy()
    assert ys.min() == pytest.approx(lo.min()) and ys.max() == pytest.approx(hi.max())


def test_sensitivity_rejects_duplicate_points():
    with pytest.raises(ValueError, match="several rows"):
        sensitivity_curves(_table(sem=False), "war_cost", ["p_war_by_T"])


def test_small_multiples_share_colour_limits():
    t = _table(sem=False)
    t = pd.concat([t.assign(pair="TFT vs CD"), t.assign(pair="Grim vs GRIT", payoff_a=t.payoff_a * 2)])
    for outcome, limits in (("payoff_a", (float(t.payoff_a.min()), float(t.payoff_a.max()))),
                            ("p_war_by_T", (0.0, 1.0))):
        fig = small_multiples(t, "war_cost", "perception_noise", outcome, by="pair")
        meshes = [c for ax in fig.axes for c in ax.collections
                  if isinstance(c, QuadMesh) and (c.get_gid() or "").startswith("panel:")]
        assert len(meshes) == 2
        assert all(m.get_clim() == pytest.approx(limits) for m in meshes)
        assert {m.get_gid() for m in meshes} == {"panel:TFT vs CD", "panel:Grim vs GRIT"}


def _app_in_process(overrides, root: Path, monkeypatch) -> Path:
    """experiments/sweep.py's ``run(cfg, out_dir)`` on the composed config (the command line only adds
    Hydra's run dir; real subprocesses of the app run in test_sweep.py).  Returns the run dir."""
    import sweep as app
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    monkeypatch.chdir(root)
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = OmegaConf.to_container(compose(config_name="sweep", overrides=list(overrides)), resolve=True)
    GlobalHydra.instance().clear()
    cfg.pop("hydra", None)
    out = root / "results" / "sweep" / "run"
    app.run(cfg, out)
    assert (out / "summary.json").is_file()
    return out


ONE = ["sweep.grid.war_cost.linspace=[0,300,5]", "sweep.grid.perception_noise.linspace=[0.05,0.05,1]",
       "sweep.outcomes=[p_war_by_T,payoff_a]"]


def _png(path: Path) -> bool:
    return path.is_file() and path.read_bytes()[:4] == b"\x89PNG"


def test_one_parameter_sweep_app_writes_sensitivity_not_maps(tmp_path, monkeypatch):
    out = _app_in_process(ONE, tmp_path, monkeypatch)
    assert _png(out / "figures" / "sensitivity.png")
    assert not list((out / "figures").glob("map_*.png"))


def test_two_parameter_sweep_app_writes_maps_and_sensitivity(tmp_path, monkeypatch):
    out = _app_in_process(["sweep.grid.war_cost.linspace=[0,300,4]", "sweep.grid.perception_noise.linspace=[0,0.3,9]",
                           "sweep.outcomes=[p_war_by_T]"], tmp_path, monkeypatch)
    assert _png(out / "figures" / "map_p_war_by_T.png") and _png(out / "figures" / "sensitivity.png")


# The multirun callback's figure in a real joblib multirun: tests/test_sweep.py
# (test_joblib_multirun_of_run_app_aggregates_with_the_callback: sensitivity_game_war_cost.png).


def test_callback_figure_failure_only_warns(tmp_path, monkeypatch, capsys):
    import callbacks
    from omegaconf import OmegaConf

    (tmp_path / "0").mkdir()
    (tmp_path / "0" / "summary.json").write_text('{"seed": 1, "p_war_by_T_mean": 0.5}')

    def boom(*a, **k):
        raise RuntimeError("no\ndisplay")

    monkeypatch.setattr(callbacks, "sweep_figures", boom)
    callbacks.AggregateSummaries().on_multirun_end(OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)}}}))
    err = capsys.readouterr().err.strip().splitlines()
    assert (tmp_path / "results.csv").is_file()
    assert err == ["warning: sweep figures not drawn: RuntimeError: no display"]
