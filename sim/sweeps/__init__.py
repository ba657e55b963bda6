"""Parameter sweeps: grids evaluated in vectorised batches, equilibrium maps, the resume store."""

from __future__ import annotations

from .grid import Axis, Grid, grid_sweep, point_seed, point_key, GAME_OUTCOMES, CRISIS_OUTCOMES, MC_OUTCOMES, OUTCOMES, SETTING_PARAMETERS, sweepable_parameters
from .maps import EquilibriumMap, REGIMES, equilibrium_map, equilibrium_outcomes
from .plan import Plan, plan
from .store import PointStore, SweepInterrupted, SweepStoreWarning

__all__ = ["Axis", "Grid", "grid_sweep", "point_seed", "point_key", "GAME_OUTCOMES", "CRISIS_OUTCOMES", "MC_OUTCOMES", "OUTCOMES", "SETTING_PARAMETERS", "sweepable_parameters", "EquilibriumMap", "REGIMES", "equilibrium_map", "equilibrium_outcomes", "Plan", "plan", "PointStore", "SweepInterrupted", "SweepStoreWarning"]
