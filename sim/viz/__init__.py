"""Figures: every function takes result values and returns a matplotlib Figure; nothing here computes
equilibria or simulates."""

from __future__ import annotations

from .bargaining import REGION_COLOURS, tying_hands_figure
from .compare import OUTCOMES, outcome_figure, curves_figure, rungs_figure, payoff_figure
from .map import CLASS_COLOURS, CLASS_HATCHES, equilibrium_map_figure, outcome_map_figure
from .models import brinkmanship_figure, richardson_time_figure, richardson_phase_figure
from .outcomes import OUTCOME_COLOURS, outcome_curves
from .pairs import compare_outcomes
from .qre import plot_correspondence
from .scenario import timeline_figure, timelines_figure, CONTESTED_LABEL
from .stage import payoff_heatmap
from .style import save, fit_fonts, Z95
from .sweep import sensitivity_curves, small_multiples, outcome_label
from .tournament import tournament_heatmap, replicator_plot
from .trajectory import trajectory_fan
from .tree import tree_figure, PATH_WIDTH, CHOICE_WIDTH, EDGE_WIDTH

__all__ = ["REGION_COLOURS", "tying_hands_figure", "OUTCOMES", "outcome_figure", "curves_figure", "rungs_figure",
           "payoff_figure", "CLASS_COLOURS", "CLASS_HATCHES", "equilibrium_map_figure",
           "outcome_map_figure", "brinkmanship_figure", "richardson_time_figure",
           "richardson_phase_figure", "OUTCOME_COLOURS", "outcome_curves", "compare_outcomes",
           "plot_correspondence", "timeline_figure", "timelines_figure", "CONTESTED_LABEL", "payoff_heatmap", "save",
           "fit_fonts", "Z95", "sensitivity_curves", "small_multiples", "outcome_label",
           "tournament_heatmap", "replicator_plot", "trajectory_fan", "tree_figure", "PATH_WIDTH",
           "CHOICE_WIDTH", "EDGE_WIDTH"]
