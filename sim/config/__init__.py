"""Validated, typed configs of every entry point (plain dataclasses; never imports Hydra)."""

from __future__ import annotations

from .explorer import ExplorerAxis, ExplorerConfig, validate_explorer
from .models import MODELS, validate_models
from .run import (ScenarioConfig, MapConfig, CrisisConfig, DynamicConfig, EvidenceConfig, RunConfig, validate_run,
                  build_game, validate_crisis, validate_dynamic, validate_evidence, check_crisis_size)
from .safety import FORBIDDEN_KEYS, RULE, check_data, check_name, interpolation_problem, forbidden_key
from .scenario import (Phase, StatedPolicy, parse_date, validate_phases, validate_policies, check_phase_rungs,
                       check_source_numbers, phase_records, policy_records)
from .sweep import SweepSpec, SweepConfig, validate_sweep
from .tournament import TournamentConfig, validate_tournament, TOURNAMENT_KEYS

__all__ = ["ExplorerAxis", "ExplorerConfig", "validate_explorer", "MODELS", "validate_models", "ScenarioConfig", "MapConfig", "CrisisConfig", "DynamicConfig", "EvidenceConfig", "RunConfig", "validate_run",
           "validate_dynamic", "validate_evidence",
           "build_game", "validate_crisis", "check_crisis_size", "FORBIDDEN_KEYS", "RULE", "check_data",
           "check_name", "interpolation_problem", "forbidden_key", "Phase", "StatedPolicy", "parse_date",
           "validate_phases", "validate_policies", "check_phase_rungs", "check_source_numbers",
           "phase_records", "policy_records", "SweepSpec", "SweepConfig", "validate_sweep",
           "TournamentConfig", "validate_tournament", "TOURNAMENT_KEYS"]
