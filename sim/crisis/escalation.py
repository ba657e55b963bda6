"""Zagare and Kilgour's deterrence games as :mod:`sim.crisis.trees` specs, solved by backward
induction (complete information), vectorised over payoff arrays.

Source: F. C. Zagare and D. M. Kilgour (2000), *Perfect Deterrence*, Cambridge UP:
ch. 4 (Unilateral Deterrence Game), ch. 6 (Asymmetric Escalation Game, complete
information), appendix 1 section A1.4 and appendix 8 (general incomplete-information
version); first published as Zagare and Kilgour (1995), "Assessing competing defense
postures: the strategic implications of Flexible Response", *World Politics* 47(3),
373-417.

Unilateral Deterrence Game (same model as :func:`sim.crisis.unilateral_deterrence`)
    Ch: status quo (``SQ``) or demand; Def: concede (``DC``) or deny; Ch: back down
    (``CB``) or fight (``CF``).  Ch is Hard iff ``CF > CB``, Def Hard iff ``CF > DC``.

Asymmetric Escalation Game (move order = escalation order, non-escalatory move first)::

    start (Ch):                    cooperate -> SQ        | defect -> def_response
    def_response (Def):            concede -> DC          | respond_in_kind -> ch_after_in_kind
                                                           | escalate -> ch_after_def_escalates
    ch_after_in_kind (Ch):         accept_limited -> DD   | escalate -> def_after_ch_escalates
    def_after_ch_escalates (Def):  no_counter -> ED       | counter_escalate -> EE
    ch_after_def_escalates (Ch):   no_counter -> DE       | counter_escalate -> EE

Outcome names: first letter Ch's level, second Def's (D = limited/tactical, E =
escalated/strategic); ``EE`` (all-out conflict) is one terminal reached by two
histories.

What was verified against published text, and what is reconstruction
    * Verified (Cambridge Core summary of *Perfect Deterrence* appendix 8, "Asymmetric
      Escalation Game: general version"): the outcomes SQ, DC, DD, ED, DE, EE; the
      preference assumptions, ascending,
      ``cEE- < cDE < cEE+ < cDD < cED < cSQ < cDC`` for Challenger and
      ``dEE- < dED < dEE+ < dDD- < dDC < dDD+ < dDE < dSQ`` for Defender; and the
      types: Ch strategically Hard iff its utility for EE is ``cEE+`` (> ``cDE``),
      Def strategically Hard iff ``dEE+`` (> ``dED``), tactically Hard iff ``dDD+``
      (> ``dDC``); Def types written tactical/strategic (Hard/Soft = tactically Hard,
      strategically Soft).
    * Verified (abstract of the 1995 *World Politics* article): Ch initiates or not;
      Def may do nothing (concede), respond in kind, or escalate; then Ch may escalate
      or counter-escalate, "and so on".
    * Reconstruction (not checked against the book's figure 6.1): the exact placement
      of the last moves in the tree above, i.e. that after a response in kind Ch
      chooses DD or escalation and Def then ED or EE, and after Def's escalation Ch
      chooses DE or EE; it is the placement the outcome names imply.
    * Not from the book: the default payoffs of the Unilateral Deterrence Game spec
      (an illustrative ordinal Hard/Hard assignment).
    * Derived, not quoted: the complete-information outcome by type
      (:func:`types_table`); the book's own chapter 6 table could not be consulted.
      Backward induction under the orderings above gives: Ch Soft -> SQ for every Def
      type (Def would escalate and a Soft Ch prefers DE to EE, and SQ to DE); Ch Hard
      -> SQ only against a Hard/Hard Def (Def responds in kind, and Ch prefers SQ to
      DD), and DC against Hard/Soft, Soft/Hard and Soft/Soft Defenders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.errors import ConfigError, as_float_array
from sim.crisis.trees import Tree, TreeSolution, solve

__all__ = [
    "UNILATERAL_OUTCOMES",
    "ESCALATION_OUTCOMES",
    "CHALLENGER_ORDER",
    "DEFENDER_ORDER",
    "DEFENDER_TYPES",
    "unilateral_deterrence_spec",
    "solve_unilateral",
    "asymmetric_escalation_spec",
    "AsymmetricEscalation",
    "asymmetric_escalation",
    "book_payoffs",
    "sample_payoffs",
    "types_table",
]

UNILATERAL_OUTCOMES = ("SQ", "DC", "CB", "CF")
ESCALATION_OUTCOMES = ("SQ", "DC", "DD", "ED", "DE", "EE")
#: the book's orderings, worst first; ``EE-``/``EE+`` are the Soft/Hard utilities for EE
CHALLENGER_ORDER = ("EE-", "DE", "EE+", "DD", "ED", "SQ", "DC")
DEFENDER_ORDER = ("EE-", "ED", "EE+", "DD-", "DC", "DD+", "DE", "SQ")
#: Defender types, tactical level / strategic level
DEFENDER_TYPES = ("Hard/Hard", "Hard/Soft", "Soft/Hard", "Soft/Soft")
PLAYERS = ("Challenger", "Defender")

# illustrative defaults: unilateral game with Hard Ch (CF > CB) and Hard Def (CF > DC)
_UNILATERAL_DEFAULTS = ({"SQ": 3, "DC": 4, "CB": 1, "CF": 2}, {"SQ": 4, "DC": 1, "CB": 3, "CF": 2})


def _spec(nodes: dict, outcomes: tuple, challenger, defender) -> dict:
    params = {}
    for who, pay in (("ch", challenger), ("def", defender)):
        for o in outcomes:
            params[f"{who}_{o}"] = float(pay[o])
    for o in outcomes:
        nodes[o] = {"payoffs": [f"ch_{o}", f"def_{o}"]}
    return {"players": list(PLAYERS), "params": params, "root": "start", "nodes": nodes}


def unilateral_deterrence_spec(challenger: Mapping | None = None, defender: Mapping | None = None) -> dict:
    """Tree spec of the Unilateral Deterrence Game; payoffs are parameters ``ch_<O>`` and
    ``def_<O>`` whose defaults are the given numbers (default: ordinal Hard/Hard)."""
    nodes = {
        "start": {"player": "Challenger", "moves": {"status_quo": "SQ", "demand": "def_reply"}},
        "def_reply": {"player": "Defender", "moves": {"concede": "DC", "deny": "ch_reply"}},
        "ch_reply": {"player": "Challenger", "moves": {"back_down": "CB", "fight": "CF"}},
    }
    return _spec(nodes, UNILATERAL_OUTCOMES, challenger or _UNILATERAL_DEFAULTS[0], defender or _UNILATERAL_DEFAULTS[1])


def _payoff_params(outcomes: tuple, challenger, defender) -> dict:
    """``{"ch_SQ": array, ...}`` from two mappings outcome -> array (or arrays with last axis
    ``len(outcomes)``), finite and broadcast together."""
    out = {}
    for who, name, pay in (("ch", "challenger", challenger), ("def", "defender", defender)):
        field = f"payoffs.{name}"
        if isinstance(pay, Mapping):
            missing = [k for k in outcomes if k not in pay]
            extra = [k for k in pay if k not in outcomes]
            if missing or extra:
                raise ConfigError(field, f"needs exactly the keys {', '.join(outcomes)}; missing {missing}, unknown {extra}")
            for o in outcomes:
                out[f"{who}_{o}"] = as_float_array(f"{field}.{o}", pay[o])
        else:
            arr = as_float_array(field, pay)
            if arr.ndim == 0 or arr.shape[-1] != len(outcomes):
                raise ConfigError(field, f"must be a mapping with keys {', '.join(outcomes)} or an array whose last axis is {len(outcomes)}, got shape {arr.shape}")
            for j, o in enumerate(outcomes):
                out[f"{who}_{o}"] = arr[..., j]
    try:
        np.broadcast_shapes(*(a.shape for a in out.values()))
    except ValueError:
        raise ConfigError("payoffs", "challenger and defender payoff shapes do not broadcast") from None
    return out


def solve_unilateral(challenger, defender) -> TreeSolution:
    """Backward induction on the Unilateral Deterrence Game tree (ties towards SQ, concede,
    back down).  Payoffs as in :func:`sim.crisis.unilateral_deterrence`."""
    tree = Tree.from_spec(unilateral_deterrence_spec())
    return solve(tree, **_payoff_params(UNILATERAL_OUTCOMES, challenger, defender))


def asymmetric_escalation_spec(challenger: Mapping | None = None, defender: Mapping | None = None) -> dict:
    """Tree spec of the Asymmetric Escalation Game (module docstring); payoff parameters
    ``ch_<O>``, ``def_<O>`` default to :func:`book_payoffs` for a Hard Ch and a Hard/Hard Def."""
    if challenger is None or defender is None:
        c, d = book_payoffs("Hard", "Hard/Hard")
        challenger, defender = challenger or c, defender or d
    nodes = {
        "start": {"player": "Challenger", "moves": {"cooperate": "SQ", "defect": "def_response"}},
        "def_response": {"player": "Defender", "moves": {"concede": "DC", "respond_in_kind": "ch_after_in_kind", "escalate": "ch_after_def_escalates"}},
        "ch_after_in_kind": {"player": "Challenger", "moves": {"accept_limited": "DD", "escalate": "def_after_ch_escalates"}},
        "def_after_ch_escalates": {"player": "Defender", "moves": {"no_counter": "ED", "counter_escalate": "EE"}},
        "ch_after_def_escalates": {"player": "Challenger", "moves": {"no_counter": "DE", "counter_escalate": "EE"}},
    }
    return _spec(nodes, ESCALATION_OUTCOMES, challenger, defender)


@dataclass(frozen=True, eq=False)
class AsymmetricEscalation:
    """Subgame-perfect equilibrium of the Asymmetric Escalation Game, per payoff point.

    All arrays have the broadcast shape ``S`` of the payoffs (``value``: ``S + (2,)``).

    outcome : int codes into :data:`ESCALATION_OUTCOMES` (SQ, DC, DD, ED, DE, EE = 0..5).
    challenger_defects : bool, Ch's first move.
    defender_response : int, 0 concede, 1 respond in kind, 2 escalate.
    challenger_escalates : bool, Ch escalates after a response in kind.
    defender_counter_escalates : bool, Def answers Ch's escalation with EE.
    challenger_counter_escalates : bool, Ch answers Def's escalation with EE.
    challenger_hard : bool, EE > DE for Ch (strategically Hard).
    defender_tactically_hard : bool, DD > DC for Def.
    defender_strategically_hard : bool, EE > ED for Def.
    tie : bool, a player indifferent at some decision node (first listed, least
        escalatory, move taken; the equilibrium may not be unique).
    value : equilibrium payoffs (Ch, Def).
    solution : the underlying :class:`sim.crisis.trees.TreeSolution`.
    """

    outcome: np.ndarray
    challenger_defects: np.ndarray
    defender_response: np.ndarray
    challenger_escalates: np.ndarray
    defender_counter_escalates: np.ndarray
    challenger_counter_escalates: np.ndarray
    challenger_hard: np.ndarray
    defender_tactically_hard: np.ndarray
    defender_strategically_hard: np.ndarray
    tie: np.ndarray
    value: np.ndarray
    solution: TreeSolution

    def outcome_labels(self) -> np.ndarray:
        return np.asarray(ESCALATION_OUTCOMES)[self.outcome]

    def challenger_type(self) -> np.ndarray:
        """``"Hard"`` or ``"Soft"`` per point."""
        return np.where(self.challenger_hard, "Hard", "Soft")

    def defender_type(self) -> np.ndarray:
        """``"tactical/strategic"``, e.g. ``"Hard/Soft"``, per point."""
        hs = lambda b: np.where(b, "Hard", "Soft")  # noqa: E731
        return np.char.add(np.char.add(hs(self.defender_tactically_hard), "/"), hs(self.defender_strategically_hard))


def asymmetric_escalation(challenger, defender) -> AsymmetricEscalation:
    """Solve the Asymmetric Escalation Game by backward induction (complete information).

    Parameters
    ----------
    challenger, defender : mapping ``{"SQ", "DC", "DD", "ED", "DE", "EE"} -> array`` or an
        array whose last axis holds the payoffs in :data:`ESCALATION_OUTCOMES` order.  All
        twelve arrays are broadcast together; any real payoffs are allowed (the book's
        orderings are not imposed, so ``types`` are read off the payoffs).
    """
    p = _payoff_params(ESCALATION_OUTCOMES, challenger, defender)
    s = solve(Tree.from_spec(asymmetric_escalation_spec()), **p)
    reach = np.stack([s.reach[o] for o in ESCALATION_OUTCOMES], axis=-1)
    return AsymmetricEscalation(
        outcome=np.argmax(reach, axis=-1),
        challenger_defects=s.choice["start"] == 1,
        defender_response=s.choice["def_response"],
        challenger_escalates=s.choice["ch_after_in_kind"] == 1,
        defender_counter_escalates=s.choice["def_after_ch_escalates"] == 1,
        challenger_counter_escalates=s.choice["ch_after_def_escalates"] == 1,
        challenger_hard=s.params["ch_EE"] > s.params["ch_DE"],
        defender_tactically_hard=s.params["def_DD"] > s.params["def_DC"],
        defender_strategically_hard=s.params["def_EE"] > s.params["def_ED"],
        tie=s.tie,
        value=s.value,
        solution=s,
    )


def _check_types(challenger_type: str, defender_type: str) -> None:
    if challenger_type not in ("Hard", "Soft"):
        raise ConfigError("challenger_type", f"must be 'Hard' or 'Soft', got {challenger_type!r}")
    if defender_type not in DEFENDER_TYPES:
        raise ConfigError("defender_type", f"must be one of {', '.join(DEFENDER_TYPES)} (tactical/strategic), got {defender_type!r}")


def _assign(values, challenger_type: str, defender_type: str):
    """Map values for the ordering slots (ascending, last axis) to outcome payoffs."""
    cv, dv = values
    tac, strat = defender_type.split("/")
    ch = {"SQ": cv[..., 5], "DC": cv[..., 6], "DD": cv[..., 3], "ED": cv[..., 4], "DE": cv[..., 1],
          "EE": cv[..., 2] if challenger_type == "Hard" else cv[..., 0]}
    de = {"SQ": dv[..., 7], "DC": dv[..., 4], "DD": dv[..., 5] if tac == "Hard" else dv[..., 3],
          "ED": dv[..., 1], "DE": dv[..., 6], "EE": dv[..., 2] if strat == "Hard" else dv[..., 0]}
    return ch, de


def book_payoffs(challenger_type: str, defender_type: str) -> tuple[dict, dict]:
    """Ordinal payoffs (rank in :data:`CHALLENGER_ORDER` / :data:`DEFENDER_ORDER`, 1 = worst)
    for the given types: ``(challenger, defender)`` mappings outcome -> float."""
    _check_types(challenger_type, defender_type)
    ch, de = _assign((np.arange(1.0, 8.0), np.arange(1.0, 9.0)), challenger_type, defender_type)
    return {k: float(v) for k, v in ch.items()}, {k: float(v) for k, v in de.items()}


def sample_payoffs(rng: np.random.Generator, challenger_type: str, defender_type: str, size) -> tuple[dict, dict]:
    """Random cardinal payoffs consistent with the book's orderings for the given types:
    sorted uniform draws on [0, 1) fill the ordering slots.  Arrays of shape ``size``."""
    _check_types(challenger_type, defender_type)
    size = (size,) if np.isscalar(size) else tuple(size)
    cv = np.sort(rng.random(size + (7,)), axis=-1)
    dv = np.sort(rng.random(size + (8,)), axis=-1)
    return _assign((cv, dv), challenger_type, defender_type)


def types_table() -> dict:
    """Complete-information SPE outcome for each type combination, solved on
    :func:`book_payoffs`: ``{(challenger_type, defender_type): outcome name}``."""
    keys = [(c, d) for c in ("Hard", "Soft") for d in DEFENDER_TYPES]
    pays = [book_payoffs(c, d) for c, d in keys]
    ch = {o: np.array([p[0][o] for p in pays]) for o in ESCALATION_OUTCOMES}
    de = {o: np.array([p[1][o] for p in pays]) for o in ESCALATION_OUTCOMES}
    labels = asymmetric_escalation(ch, de).outcome_labels()
    return {k: str(v) for k, v in zip(keys, labels)}
