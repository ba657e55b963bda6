"""escalation-sim: escalation game theory, from stage games to repeated crises.

The package is a house with rooms (see README "Layout"); each room is a subpackage:

- :mod:`sim.games`: :class:`Game`, the builders (``ladder``, ``chicken``, ...), ``build``, ``classify``.
- :mod:`sim.equilibria`: ``nash_equilibria``, ``pure_equilibria``, ``nash_2x2``, refinements, logit QRE.
- :mod:`sim.repeated`: ``CrisisSettings``, strategies as automata, ``simulate`` (Monte Carlo),
  ``analyse`` (exact Markov chain), ``round_robin`` and ``replicator``.
- :mod:`sim.dynamic`: the repeated crisis as a stochastic game: ``StochasticGame``, ``escalation_game``,
  ``policy_values``, ``one_shot_gap``, ``best_response``.
- :mod:`sim.crisis`: trees, brinkmanship, deterrence, asymmetric escalation, tying hands, arms races.
- :mod:`sim.estimate`: models fitted to data: ``Sequences`` and ``sequence_likelihood`` / ``fit_sequences`` /
  ``compare_models`` (observed crises), ``equilibrium_likelihood`` / ``fit_equilibrium`` (the logit Markov
  QRE with lambda as a parameter), ``fit_qre`` (choice counts), ``strategic_deterrence`` (egame12).
- :mod:`sim.sweeps`: ``Grid``, ``grid_sweep``, ``equilibrium_map``; parameter uncertainty in
  :mod:`sim.sweeps.uncertainty`.
- :mod:`sim.limits`: size limits (``MAX_RUNGS``, ``MAX_GRID_POINTS``) and the memory budget.
- :mod:`sim.config`: validated configs (plain dataclasses; no Hydra).
- :mod:`sim.viz`: figures (each takes result values and returns a Figure).
- :mod:`sim.report`: summaries in words, ``write_report`` (report.html).

Every public name below is importable from ``sim`` itself.  The re-exports are lazy
(PEP 562): ``import sim`` loads no subpackage, so it never imports matplotlib or
scipy.integrate; a name's subpackage is imported the first time the name is used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> the subpackage (or module) that defines it
_EXPORTS: dict[str, str] = {
    "ConfigError": "sim.errors",
    # games
    **dict.fromkeys(["Game", "build", "chicken", "deterrence", "from_matrices", "ladder", "prisoners_dilemma",
                     "stag_hunt", "symmetric", "classify", "GAMES", "builder_parameters", "payoff_matrices"],
                    "sim.games"),
    # equilibria
    **dict.fromkeys(["Equilibrium", "Equilibria", "nash_2x2", "nash_equilibria", "pure_equilibria", "cross_check",
                     "is_nash", "qre", "qre_2x2_all", "QREPoint", "QRETrace"], "sim.equilibria"),
    # repeated crisis
    **dict.fromkeys(["CrisisSettings", "Ending", "ENDINGS", "Strategy", "simulate", "SimulationResult", "analyse",
                     "MarkovResult", "product_chain", "round_robin", "replicator", "TournamentResult"], "sim.repeated"),
    # strategic dynamics
    **dict.fromkeys(["StochasticGame", "escalation_game", "policy_values", "one_shot_gap", "best_response",
                     "credibility", "Credibility", "markov_qre", "markov_perfect", "MarkovQRE", "MarkovPerfect"],
                    "sim.dynamic"),
    # crisis models
    **dict.fromkeys(["TyingHands", "tying_hands", "brinkmanship_window", "unilateral_deterrence", "dollar_auction",
                     "richardson_equilibrium", "richardson_stability", "richardson_trajectory", "Tree",
                     "TreeSolution", "load_tree", "AsymmetricEscalation", "asymmetric_escalation"], "sim.crisis"),
    # sweeps
    **dict.fromkeys(["Grid", "grid_sweep", "equilibrium_map", "EquilibriumMap", "SweepInterrupted"], "sim.sweeps"),
    # evidence: fits and estimators (issue 11)
    **dict.fromkeys(["strategic_deterrence", "strategic_deterrence_formula", "StrategicFit", "StrategicBootstrap",
                     "fit_qre", "QREFit", "Sequences", "read_sequences", "sequences_from_frame", "sequences_from_phases",
                     "sequence_likelihood", "fit_sequences", "compare_models", "SequenceFit", "equilibrium_likelihood",
                     "fit_equilibrium", "EquilibriumFit"], "sim.estimate"),
}
_RENAMED = {"solve_tree": ("sim.crisis", "solve"), "qre_trace": ("sim.equilibria", "trace")}
_SUBPACKAGES = {"games", "equilibria", "repeated", "dynamic", "crisis", "sweeps", "estimate", "config", "viz", "report", "errors",
                "wording", "files", "limits"}
# ``sim.strategies`` (README: ``sim.strategies.get(name, K)``) is the strategies package of sim.repeated
_ALIASES = {"strategies": "sim.repeated.strategies"}

__all__ = sorted([*_EXPORTS, *_RENAMED, *_ALIASES])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _RENAMED:
        module, attr = _RENAMED[name]
        value = getattr(importlib.import_module(module), attr)
    elif name in _ALIASES:
        value = importlib.import_module(_ALIASES[name])
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"sim.{name}")
    else:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    globals()[name] = value  # cache: later look-ups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBPACKAGES)
