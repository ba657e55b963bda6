"""Parameter sweeps: grids evaluated in vectorised batches, equilibrium maps, the resume store."""

from __future__ import annotations

from .grid import grid_sweep, evaluate_points, progress_bar
from .keys import point_seed, point_key
from .maps import EquilibriumMap, REGIMES, equilibrium_map, equilibrium_outcomes
from .plan import Plan, plan
from .spec import (Axis, Grid, GAME_OUTCOMES, CRISIS_OUTCOMES, MC_OUTCOMES, OUTCOMES, SETTING_PARAMETERS, METHODS,
                   sweepable_parameters, check_grid)
from .store import PointStore, SweepStoreWarning, SweepInterrupted, POINTS_PER_FILE

__all__ = ["grid_sweep", "evaluate_points", "progress_bar", "point_seed", "point_key", "EquilibriumMap", "REGIMES",
           "equilibrium_map", "equilibrium_outcomes", "Plan", "plan", "Axis", "Grid", "GAME_OUTCOMES",
           "CRISIS_OUTCOMES", "MC_OUTCOMES", "OUTCOMES", "SETTING_PARAMETERS", "METHODS",
           "sweepable_parameters", "check_grid", "PointStore", "SweepStoreWarning", "SweepInterrupted",
           "POINTS_PER_FILE"]
