"""Sequential crisis models: game trees, brinkmanship, deterrence, asymmetric escalation, tying hands;
arms races and attrition."""

from __future__ import annotations

from .bargaining import (CODES, LABELS, PARAMS, TyingHands, TyingHandsCurve, tying_hands, tying_hands_from_params,
                         tying_hands_curve)
from .brinkmanship import (BrinkmanshipWindow, brinkmanship_window, OUTCOMES, UnilateralDeterrence, unilateral_deterrence)
from .dynamics import (RichardsonParams, RichardsonStability, RichardsonTrajectory, richardson_equilibrium, richardson_stability,
                       richardson_trajectory, richardson_phase, RichardsonPhase)
from .escalation import (UNILATERAL_OUTCOMES, ESCALATION_OUTCOMES, CHALLENGER_ORDER, DEFENDER_ORDER, DEFENDER_TYPES,
                         unilateral_deterrence_spec, solve_unilateral, asymmetric_escalation_spec,
                         AsymmetricEscalation, asymmetric_escalation, book_payoffs, sample_payoffs,
                         types_table)
from .traps import attrition_hazard, simulate_attrition, DollarAuctionResult, dollar_auction
from .tree_spec import Linear, Decision, Chance, Terminal
from .trees import Tree, TreeSolution, solve, load_tree

__all__ = ["CODES", "LABELS", "PARAMS", "TyingHands", "TyingHandsCurve", "tying_hands", "tying_hands_from_params",
           "tying_hands_curve", "BrinkmanshipWindow", "brinkmanship_window", "OUTCOMES",
           "UnilateralDeterrence", "unilateral_deterrence", "RichardsonParams", "RichardsonStability",
           "RichardsonTrajectory", "richardson_equilibrium", "richardson_stability",
           "richardson_trajectory", "richardson_phase", "RichardsonPhase", "UNILATERAL_OUTCOMES",
           "ESCALATION_OUTCOMES", "CHALLENGER_ORDER", "DEFENDER_ORDER", "DEFENDER_TYPES",
           "unilateral_deterrence_spec", "solve_unilateral", "asymmetric_escalation_spec",
           "AsymmetricEscalation", "asymmetric_escalation", "book_payoffs", "sample_payoffs",
           "types_table", "attrition_hazard", "simulate_attrition", "DollarAuctionResult",
           "dollar_auction", "Linear", "Decision", "Chance", "Terminal", "Tree", "TreeSolution", "solve",
           "load_tree"]
