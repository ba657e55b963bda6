"""Run one scenario: its stage game, equilibria, equilibrium map, figures and summaries.

    python experiments/run.py                                  # default scenario india_pakistan_2025
    python experiments/run.py scenario=classroom_chicken
    python experiments/run.py game.war_cost=50 map.points=100
    python experiments/run.py -m scenario=classroom_chicken,classroom_security_dilemma

Writes ``results/<experiment>/<timestamp>/`` with ``config.yaml`` (the resolved config),
``summary.json``, ``summary.md`` and ``figures/``.  ``summary.json`` is written last:
a directory without it is not a finished run.

This file only wires config to kernels to writers; from Python call :func:`run` with a
plain dict config and an output directory.
"""

from __future__ import annotations

import os

# one BLAS thread: the kernels here solve many small dense systems, which two spinning BLAS
# threads slow down (markov_perfect on 11 rungs: 0.4 s vs 2.2 s; benchmarks/README.md); an
# OPENBLAS_NUM_THREADS set by the user wins.  Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli import main  # noqa: E402

from sim.config.run import validate_figure_formats  # noqa: E402
from sim.viz.background import background_figures  # noqa: E402
from sim.viz.style import figure_formats, pair_display, slide_set  # noqa: E402
from sim import files, report, viz  # noqa: E402
from sim.config import RunConfig, validate_run  # noqa: E402
from sim.equilibria import nash_equilibria  # noqa: E402
from sim.games import classify  # noqa: E402
from sim.repeated import analyse, simulate  # noqa: E402
from sim.report import dynamic_markdown, finish_run, models_markdown, run_dynamic, run_models  # noqa: E402
from sim.report.evidence import evidence_markdown, run_evidence  # noqa: E402
from sim.report.explorer import explorer_markdown, write_explorer  # noqa: E402
from sim.report.glossary import with_terms  # noqa: E402
from sim.report.worksheet import write_worksheet  # noqa: E402
from sim.report.uncertainty import run_uncertainty, uncertainty_markdown  # noqa: E402
from sim.sweeps import equilibrium_map  # noqa: E402
from sim.viz import timeline_figure  # noqa: E402


def _axis(rng, value: float, points: int) -> np.ndarray:
    if rng is None:
        hi = 2 * abs(value) if value else 1.0
        rng = (0.0, hi) if value >= 0 else (-hi, 0.0)
    return np.linspace(rng[0], rng[1], points)


def run(cfg: dict, out_dir: Path) -> dict:
    """:func:`_run` with the figures written in the configured ``figure_formats`` (PNG, plus SVG/PDF)."""
    with figure_formats(validate_figure_formats(cfg.get("figure_formats"))):
        return _run(cfg, out_dir)


def _run(cfg: dict, out_dir: Path) -> dict:
    """Analyse the configured scenario and write its results into ``out_dir``.

    Returns the summary dict (also written to ``summary.json``).
    """
    rc: RunConfig = validate_run(cfg)
    with slide_set(_slide_names(rc)):  # viz.save writes these figures again as slides, wherever drawn
        # figures are drawn by forked children while the analysis goes on (the second core):
        # about 5 s of the default run's 11 s of CPU; all are on disk when the block ends
        with background_figures():
            summary, markdown = _analyse(rc, cfg, out_dir)
    markdown = with_terms(markdown)  # the illustrative-numbers note under the title, the terms explained at the end
    files.atomic_write_text(out_dir / "summary.md", markdown)
    write_worksheet(out_dir, summary)  # worksheet.md + worksheet.html: questions and answer key from this run
    finish_run(out_dir, summary)  # report.html, then summary.json last: marks the run finished
    print(f"results written to {out_dir}")
    return summary


def _analyse(rc: RunConfig, cfg: dict, out_dir: Path) -> tuple[dict, str]:
    """Every analysis and figure of the run: ``(summary, markdown)`` (the summary's text before its glossary)."""
    out_dir = Path(out_dir)
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    files.atomic_write_text(out_dir / "config.yaml", OmegaConf.to_yaml(cfg))

    game = rc.built_game
    eqs = nash_equilibria(game, rc.method)
    cls = classify(game) if game.n_actions == (2, 2) else None
    params = {k: v for k, v in rc.game.items() if k != "name"}
    emap = None
    if rc.map.x is not None:
        emap = equilibrium_map(game.name, params,
                               rc.map.x, _axis(rc.map.x_range, params[rc.map.x], rc.map.points),
                               rc.map.y, _axis(rc.map.y_range, params[rc.map.y], rc.map.points),
                               memory_budget_gb=rc.memory_budget_gb)

    title = rc.scenario.title
    viz.save(viz.payoff_heatmap(game, eqs, title=f"{title}: stage game and equilibria"),
               figures / "payoff_matrix.png")
    if emap is not None:
        viz.save(viz.equilibrium_map_figure(emap, title=f"{title}: equilibrium map"), figures / "equilibrium_map.png")

    scen = rc.scenario.to_summary()
    if rc.crisis is not None:  # what the crisis actually plays for each side (it may differ from the stated policy)
        for side, st in zip(game.sides, rc.crisis.strategies):
            if side in scen["stated_policies"]:
                scen["stated_policies"][side]["played"] = st.to_config()
                if scen["stated_policies"][side].get("strategy") != st.name:  # visible: the text says so too
                    print(f"warning: {side}'s stated policy is {scen['stated_policies'][side].get('strategy')}, but "
                          f"this run plays {st.name} for {side} (an override); the report says so", file=sys.stderr)
    summary = report.stage_summary(scenario=scen, game=game, equilibria=eqs,
                                   classification=cls, emap=emap)
    summary["seed"] = rc.seed
    markdown = report.stage_markdown(summary)
    main_result = None
    if rc.crisis is not None:
        summary["crisis"], main_result = _crisis(rc, game, figures)
        markdown += "\n\n" + report.crisis_markdown(summary["crisis"],
                                                               figures=report.REPEATED_FIGURE_FILES)
        keep: dict = {}
        if rc.dynamic is not None:
            summary["dynamic"] = _dynamic(rc, game, main_result, out_dir, keep)
            markdown += "\n\n" + dynamic_markdown(summary["dynamic"], rc.scenario.sources)
        if rc.evidence is not None:
            summary["evidence"] = _evidence(rc, game, keep.get("mpe_strategies"), out_dir)
            markdown += "\n\n" + evidence_markdown(summary["evidence"], game.sides)
    if rc.scenario.phases:  # the history, with the model's own crisis beside it when there is one
        viz.save(timeline_figure(rc.scenario, game.labels_a, model=main_result,
                                 title=f"{title}: the crisis as each side reported it"
                                       + (", and the model beside it" if main_result is not None else "")),
                 figures / "timeline.png")
    if rc.uncertainty is not None:
        summary["uncertainty"] = _uncertainty(rc, game, out_dir)
        markdown += "\n\n" + uncertainty_markdown(summary["uncertainty"])
    if rc.models:
        summary["models"] = run_models(rc.models, sides=game.sides, game=game, out_dir=out_dir)
        markdown += "\n\n" + models_markdown(summary["models"], game.sides)
    if rc.explorer is not None:  # explorer.html: sliders over a grid computed in advance
        summary["explorer"] = write_explorer(rc, game, out_dir)
        markdown += "\n\n" + explorer_markdown(summary["explorer"])
    return summary, markdown


#: Figures of the slide set (``slides: true``): those of a slide's shape (one or two panels, short
#: labels; tests/test_figures_fit.py checks them at 16:9 and 16 pt).  The timeline joins them on
#: ladders of up to 6 rungs: 11 long rung labels do not fit a 16:9 slide at 16 pt.
SLIDE_FIGURES = ("outcome_curves.png", "equilibrium_map.png", "credibility_map.png", "tying_hands.png")
SLIDE_TIMELINE_MAX_RUNGS = 6


def _slide_names(rc: RunConfig) -> tuple[str, ...]:
    """The file names of the run's slide set (none without ``slides: true``)."""
    if not rc.slides:
        return ()
    small = rc.built_game.n_actions[0] <= SLIDE_TIMELINE_MAX_RUNGS
    return SLIDE_FIGURES + (("timeline.png",) if small else ())


def _label(strategy) -> str:
    params = {k: v for k, v in strategy.params.items() if k != "kind"}
    return strategy.name + (f"({', '.join(f'{k}={v}' for k, v in params.items())})" if params else "")


def _pair_name(sides, a, b) -> str:
    return f"{sides[0]}: {_label(a)} / {sides[1]}: {_label(b)}"


def _crisis(rc: RunConfig, game, figures: Path) -> dict:
    """The repeated crisis: exact analysis of each policy pair, Monte Carlo for spreads and sample paths."""
    cc = rc.crisis
    cs = cc.settings
    kw = cs.to_dict()  # plain values for the summary
    budget = dict(memory_budget_gb=rc.memory_budget_gb)
    sides = game.sides
    a, b = cc.strategies
    mc = simulate(game, a, b, settings=cs, paths=cc.paths, seed=rc.seed, keep_paths=cc.sample_paths > 0, **budget)
    main = _pair_name(sides, a, b)
    pairs = {main: {"strategies": (a, b), "settings": kw, "result": analyse(game, a, b, settings=cs, **budget)}}
    pairs[main + " (Monte Carlo)"] = {"strategies": (a, b), "settings": dict(kw, paths=cc.paths, seed=rc.seed),
                                      "result": mc}
    for pa, pb in cc.compare_strategies:
        pairs.setdefault(_pair_name(sides, pa, pb), {"strategies": (pa, pb), "settings": kw,
                                                     "result": analyse(game, pa, pb, settings=cs, **budget)})
    summary = report.crisis_summary(sides=sides, labels=game.labels_a, pairs=pairs, main=main)
    files = report.REPEATED_FIGURE_FILES
    rungs = mc.rungs[: cc.sample_paths] if cc.sample_paths > 0 else None
    # figures name the pairs in plain words ("graduated response, opening at rung 4"), not by their keys
    shown = {k: pair_display(sides, *v["strategies"]) + (" (Monte Carlo)" if k.endswith(" (Monte Carlo)") else "")
             for k, v in pairs.items()}
    fig = viz.trajectory_fan(pairs[main]["result"], sides=sides, labels=game.labels_a, sample_paths=rungs,
                             title=f"How the crisis unfolds: {shown[main]}")
    viz.save(fig, figures.parent / files["trajectory_fan"])
    viz.save(viz.outcome_curves(pairs[main]["result"], title=f"How the crisis ends: {shown[main]}"),
             figures.parent / files["outcome_curves"])
    viz.save(viz.compare_outcomes({shown[k]: v["result"] for k, v in pairs.items()}, sides=sides,
                                               title="Policy pairs compared"),
               figures.parent / files["compare_outcomes"])
    return summary, pairs[main]["result"]


def _uncertainty(rc: RunConfig, game, out_dir: Path) -> dict:
    """Intervals from the parameter ranges and the Sobol indices (sim.sweeps.uncertainty)."""
    uc, cc = rc.uncertainty, rc.crisis
    params = {k: v for k, v in rc.game.items() if k != "name"}
    settings = cc.settings.to_dict() if cc is not None else {}
    return run_uncertainty(rc.game["name"], params, uc.params, uc.outcomes,
                           strategies=None if cc is None else cc.strategies, settings=settings,
                           samples=uc.samples, method=uc.method, level=uc.level, seed=rc.seed, sides=game.sides,
                           out_dir=out_dir, memory_budget_gb=rc.memory_budget_gb)


def _evidence(rc: RunConfig, game, mpe_strategies, out_dir: Path) -> dict:
    """The crisis model fitted to the reported sequence: the crisis's pair, the compare pairs, the MPE."""
    cc, sides = rc.crisis, game.sides
    a, b = cc.strategies
    stated = _pair_name(sides, a, b)
    candidates = {stated: (a, b)}
    for pa, pb in cc.compare_strategies:
        candidates.setdefault(_pair_name(sides, pa, pb), (pa, pb))
    if mpe_strategies is not None:
        candidates["equilibrium policies (MPE)"] = tuple(mpe_strategies)
    scen = rc.scenario.to_summary()
    ev = rc.evidence
    return run_evidence(game, candidates, cc.settings, phases=scen["phases"], sides=sides,
                        observed=scen["observed"], out_dir=out_dir, labels=game.labels_a, free=ev.free,
                        contested=ev.contested, points=ev.points, stated=stated,
                        qre={"lam_max": ev.qre_lam_max, "discount": rc.dynamic.discount if rc.dynamic else 0.95}
                        if ev.qre else None)


def _dynamic(rc: RunConfig, game, main_result, out_dir: Path, keep: dict | None = None) -> dict:
    """Strategic dynamics: credibility of the stated pair, the MPE, the credibility map, reported vs model."""
    dyn, cc = rc.dynamic, rc.crisis
    params = {k: v for k, v in rc.game.items() if k != "name"}
    map_spec = None
    if dyn.map_points and rc.map.x is not None:
        map_spec = {"game": rc.game["name"], "params": params, "x": rc.map.x, "y": rc.map.y,
                    "x_values": _axis(rc.map.x_range, params[rc.map.x], dyn.map_points),
                    "y_values": _axis(rc.map.y_range, params[rc.map.y], dyn.map_points)}
    scen = rc.scenario.to_summary()
    return run_dynamic(game, cc.strategies, cc.settings, sides=game.sides, out_dir=out_dir,
                       stated=scen["stated_policies"], phases=scen["phases"], stated_result=main_result,
                       labels=game.labels_a, do_credibility=dyn.credibility, do_mpe=dyn.mpe,
                       dynamic_discount=dyn.discount, map_spec=map_spec, keep=keep)


if __name__ == "__main__":
    main("run", run, validate_run)
