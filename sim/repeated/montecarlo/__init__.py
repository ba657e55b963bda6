"""The vectorised Monte-Carlo engine of the repeated crisis (:func:`simulate`)."""

from __future__ import annotations

from .engine import SimulationResult, simulate, DEFAULT_CHUNK_PATHS, BLOCK_PATHS, QUANTILE_LEVELS

__all__ = ["SimulationResult", "simulate", "DEFAULT_CHUNK_PATHS", "BLOCK_PATHS", "QUANTILE_LEVELS"]
