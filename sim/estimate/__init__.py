"""Evidence: models fitted to observed crises and crisis games estimated from data (issue 11).

- :mod:`sim.estimate.qre_fit`: ``fit_qre``: logit quantal response equilibrium fitted to choice
  counts of a normal-form game by maximum likelihood (McKelvey and Palfrey 1995).
  :mod:`sim.estimate.qre_branch` holds its batched kernel (the principal branch on a grid,
  Newton corrections at any lambda, a vectorised bracketed root finder).
- :mod:`sim.estimate.strategic`: ``strategic_deterrence``: the two-player deterrence tree estimated
  by strategic probit/logit (Signorino 1999, 2003; Kenkel and Signorino 2014, R package ``games``,
  ``egame12``).
- :mod:`sim.estimate.sequence_data`: ``Sequences`` (observed crises) and its readers (CSV, phase table).
- :mod:`sim.estimate.sequences`: ``sequence_likelihood``: exact likelihood of observed rung sequences
  by the forward algorithm (:mod:`sim.estimate.forward`) over hidden automaton states, on a grid of
  settings; :mod:`sim.estimate.sequence_fit`: ``fit_sequences`` (maximum likelihood, profile
  intervals) and ``compare_models`` (AIC / BIC).
- :mod:`sim.estimate.equilibrium_model`: ``equilibrium_likelihood`` and ``fit_equilibrium``: the same
  under the logit Markov QRE policies of the dynamic game, with the precision lambda as a parameter.

Layering: ``sim.estimate`` sits beside ``sim.sweeps``, above ``sim.dynamic`` and ``sim.repeated``.
"""

from __future__ import annotations

from .sequence_data import ENDING_CODES, Sequences, read_sequences, sequences_from_frame, sequences_from_phases
from .sequences import GRID_FIELDS, sequence_likelihood
from .sequence_fit import SequenceFit, compare_models, fit_sequences, fitted_settings
from .strategic import StrategicBootstrap, StrategicFit, strategic_deterrence
from .strategic_formula import strategic_deterrence_formula
from .qre_fit import QREFit, fit_qre
from .equilibrium_model import EquilibriumFit, equilibrium_likelihood, fit_equilibrium

__all__ = ["ENDING_CODES", "Sequences", "read_sequences", "sequences_from_frame", "sequences_from_phases",
           "GRID_FIELDS", "SequenceFit", "compare_models", "fit_sequences", "fitted_settings", "sequence_likelihood",
           "strategic_deterrence", "strategic_deterrence_formula", "StrategicFit", "StrategicBootstrap",
           "QREFit", "fit_qre", "EquilibriumFit", "equilibrium_likelihood", "fit_equilibrium"]
