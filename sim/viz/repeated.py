"""Figures of the repeated crisis and of tournaments, under their earlier module name.

Every function takes result values and returns a :class:`matplotlib.figure.Figure` built
without pyplot; nothing here simulates or computes equilibria.  Each figure lives in its own
module: :func:`trajectory_fan` in :mod:`sim.viz.trajectory`, :func:`outcome_curves` and
:data:`OUTCOME_COLOURS` in :mod:`sim.viz.outcomes`, :func:`compare_outcomes` in
:mod:`sim.viz.pairs`, :func:`tournament_heatmap` and :func:`replicator_plot` in
:mod:`sim.viz.tournament`, :func:`save` in :mod:`sim.viz.style`.  All are importable from
:mod:`sim.viz`; this module re-exports them so ``from sim.viz.repeated import ...`` keeps working.
"""

from __future__ import annotations

from sim.viz.outcomes import OUTCOME_COLOURS, outcome_curves
from sim.viz.pairs import compare_outcomes
from sim.viz.style import save
from sim.viz.tournament import replicator_plot, tournament_heatmap
from sim.viz.trajectory import trajectory_fan

__all__ = ["OUTCOME_COLOURS", "trajectory_fan", "outcome_curves", "compare_outcomes", "tournament_heatmap",
           "replicator_plot", "save"]
