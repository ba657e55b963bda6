"""Round-robin tournament of strategies in a scenario's repeated crisis.

    python experiments/tournament.py                           # default scenario india_pakistan_2025
    python experiments/tournament.py scenario=classroom_security_dilemma tournament.rounds=200
    python experiments/tournament.py 'tournament.strategies=[tit_for_tat,{name: grit, period: 2},always_escalate]'
    python experiments/tournament.py -m tournament.perception_noise=0,0.05,0.1

Writes ``results/<experiment>/<timestamp>/`` with ``config.yaml`` (the resolved config),
``tournament.csv`` (the meta-game, tidy: ``row_strategy, column_strategy, payoff`` =
what the row strategy expects against the column strategy), ``summary.md``,
``figures/tournament_heatmap.png``, ``figures/replicator.png`` and ``summary.json``,
written last: a directory without it is not a finished run.

This file only wires config to kernels to writers; from Python call :func:`run` with a
plain dict config and an output directory.
"""

from __future__ import annotations

import os

# one BLAS thread: the kernels here solve many small dense systems, which two spinning BLAS
# threads slow down (markov_perfect on 11 rungs: 0.4 s vs 2.2 s; benchmarks/README.md); an
# OPENBLAS_NUM_THREADS set by the user wins.  Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import csv
import io
import sys
from pathlib import Path

from omegaconf import OmegaConf

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli import main  # noqa: E402

from sim.config.run import validate_figure_formats  # noqa: E402
from sim.viz.style import figure_formats  # noqa: E402
from sim import files  # noqa: E402
from sim import viz as plots  # noqa: E402
from sim.config import TournamentConfig, validate_tournament  # noqa: E402
from sim.errors import ConfigError  # noqa: E402
from sim.repeated import round_robin  # noqa: E402
from sim.report import REPEATED_FIGURE_FILES, finish_run, tournament_markdown, tournament_summary  # noqa: E402
from sim.viz import replicator_plot, tournament_heatmap  # noqa: E402
from sim.wording import strategy_label  # noqa: E402

FIGURES = {k: REPEATED_FIGURE_FILES[k] for k in ("tournament_heatmap", "replicator")}
_FIELDS = {"method": "tournament.equilibrium_method"}  # round_robin argument -> config field
_HINTS = {"method": " (here: tournament.equilibrium_method=lemke_howson, or null to skip the meta-game's equilibria)"}


def _csv(names, M) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["row_strategy", "column_strategy", "payoff"])
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            w.writerow([a, b, repr(float(M[i, j]))])
    return buf.getvalue()


def _settings_md(tc: TournamentConfig, game) -> str:
    rows = [("game", f"{tc.game['name']} ({game.n_actions[0]} rungs per side)"),
            ("entrants", ", ".join(f"{strategy_label(n)}" for n in tc.names))]
    rows += [(k, "null" if v is None else str(v)) for k, v in _settings(tc).items() if k != "equilibria"]
    rows.append(("seed", str(tc.seed)))
    return "\n".join(["## Settings", "", "| setting | value |", "|---|---|"]
                     + [f"| {k} | {str(v).replace('|', '/')} |" for k, v in rows] + [""])


def _settings(tc: TournamentConfig) -> dict:
    """The tournament's settings as plain values (summary.json, the settings table)."""
    return {**tc.settings.to_dict(), "exact": tc.exact, "equilibria": tc.equilibrium_method is not None,
            "equilibrium_method": tc.equilibrium_method or "support"}


def run(cfg: dict, out_dir: Path) -> dict:
    """:func:`_run` with the figures written in the configured ``figure_formats`` (PNG, plus SVG/PDF)."""
    with figure_formats(validate_figure_formats(cfg.get("figure_formats"))):
        return _run(cfg, out_dir)


def _run(cfg: dict, out_dir: Path) -> dict:
    """Play the configured round robin and write its results into ``out_dir``.

    Returns the summary dict (also written to ``summary.json``).
    """
    tc = validate_tournament(cfg)
    out_dir = Path(out_dir)
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    files.atomic_write_text(out_dir / "config.yaml", OmegaConf.to_yaml(cfg))

    game = tc.built_game
    try:
        result = round_robin(game, dict(tc.entrants), **tc.round_robin_options())
    except ConfigError as err:  # e.g. a meta-game too large to enumerate
        raise ConfigError(_FIELDS.get(err.field, f"tournament.{err.field}"),
                          err.message + _HINTS.get(err.field, "")) from None

    title = tc.scenario.title
    plots.save(tournament_heatmap(result, title=f"{title}: tournament"), out_dir / FIGURES["tournament_heatmap"])
    plots.save(replicator_plot(result.dynamics, result.names, title=f"{title}: replicator dynamics"),
               out_dir / FIGURES["replicator"])
    files.atomic_write_text(out_dir / "tournament.csv", _csv(result.names, result.M))

    md = [f"# Tournament: {title}", "", f"Scenario `{tc.scenario.name}`; sides {tc.scenario.sides[0]} and "
          f"{tc.scenario.sides[1]}.", "", _settings_md(tc, game), tournament_markdown(result, figures=FIGURES)]
    files.atomic_write_text(out_dir / "summary.md", "\n".join(md))

    summary = {
        "experiment": tc.experiment,
        "scenario": {"name": tc.scenario.name, "title": title, "sides": list(tc.scenario.sides)},
        "game": dict(tc.game),
        "seed": tc.seed,
        "settings": _settings(tc),
        "strategies": dict(zip(tc.names, (dict(s) for s in tc.strategies))),
        "tournament": tournament_summary(result),
        "files": {"csv": "tournament.csv", "markdown": "summary.md", **FIGURES},
    }
    finish_run(out_dir, summary)  # report.html, then summary.json last: marks the run finished
    print(f"results written to {out_dir}")
    return summary


if __name__ == "__main__":
    main("tournament", run, validate_tournament)
