"""Tests for sim/crisis/escalation.py: Zagare and Kilgour's Unilateral Deterrence and Asymmetric
Escalation Games built as sim.crisis.trees specs."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from sim.crisis.brinkmanship import OUTCOMES as CRISIS_OUTCOMES
from sim.crisis.brinkmanship import unilateral_deterrence
from sim.errors import ConfigError
from sim.crisis.escalation import (
    DEFENDER_TYPES,
    ESCALATION_OUTCOMES,
    UNILATERAL_OUTCOMES,
    asymmetric_escalation,
    asymmetric_escalation_spec,
    book_payoffs,
    sample_payoffs,
    solve_unilateral,
    types_table,
    unilateral_deterrence_spec,
)
from sim.crisis.trees import Tree, load_tree

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "tree"

# Outcome by type, derived by hand (the published ch. 6 table could not be consulted).
# Preference assumptions quoted from Zagare and Kilgour (2000), *Perfect Deterrence*,
# appendix 8 summary: "cEE- < cDE < cEE+ < cDD < cED < cSQ < cDC, and
# dEE- < dED < dEE+ < dDD- < dDC < dDD+ < dDE < dSQ"; Ch Hard has cEE+, Def strategically
# Hard dEE+, tactically Hard dDD+.  Backward induction by hand:
#   1. After Def escalates, Ch counter-escalates iff Hard (cEE+ > cDE > cEE-): E -> EE or DE.
#   2. After Ch escalates, Def counter-escalates iff strategically Hard: ED or EE.
#   3. After a response in kind Ch prefers ED > DD > EE (every type), so it escalates iff
#      Def is strategically Soft: in kind -> DD (Def strat. Hard) or ED (Soft).
#   4. Def's response.  Ch Soft: escalating gives DE, Def's best outcome after a
#      challenge (dDE > dDD+ > dDC), so Def escalates.  Ch Hard: escalating gives EE, below
#      DC for every Def type; in kind gives DD (strat. Hard) or ED (< DC).  Hence Def
#      responds in kind iff tactically and strategically Hard (dDD+ > dDC), else concedes.
#   5. Ch defects iff the result beats SQ: DE < SQ, DD < SQ, DC > SQ.
# So: Ch Soft -> SQ against every Def; Ch Hard -> SQ against Hard/Hard, DC otherwise.
HAND_TABLE = {("Soft", d): "SQ" for d in DEFENDER_TYPES}
HAND_TABLE.update({("Hard", "Hard/Hard"): "SQ", ("Hard", "Hard/Soft"): "DC", ("Hard", "Soft/Hard"): "DC", ("Hard", "Soft/Soft"): "DC"})
# Def's response in step 4: 0 concede, 1 in kind, 2 escalate
HAND_RESPONSE = {("Soft", d): 2 for d in DEFENDER_TYPES}
HAND_RESPONSE.update({("Hard", "Hard/Hard"): 1, ("Hard", "Hard/Soft"): 0, ("Hard", "Soft/Hard"): 0, ("Hard", "Soft/Soft"): 0})


def test_types_table_matches_hand_derivation():
    assert types_table() == HAND_TABLE


@pytest.mark.parametrize("ch_type, def_type", list(HAND_TABLE))
def test_random_payoffs_of_each_type_give_the_predicted_outcome(ch_type, def_type):
    """2,000 random cardinal payoff sets consistent with the orderings and the types."""
    rng = np.random.default_rng([list(HAND_TABLE).index((ch_type, def_type)), 6])
    ch, de = sample_payoffs(rng, ch_type, def_type, (40, 50))
    r = asymmetric_escalation(ch, de)
    assert r.outcome.shape == (40, 50)
    assert np.all(r.outcome_labels() == HAND_TABLE[ch_type, def_type])
    assert np.all(r.defender_response == HAND_RESPONSE[ch_type, def_type])
    assert np.all(r.challenger_type() == ch_type) and np.all(r.defender_type() == def_type)
    tac, strat = (x == "Hard" for x in def_type.split("/"))
    assert np.all(r.challenger_counter_escalates == (ch_type == "Hard"))  # step 1
    assert np.all(r.defender_counter_escalates == strat)  # step 2
    assert np.all(r.challenger_escalates == (not strat))  # step 3
    assert not r.tie.any()


# ------------------------------------------------------------------- brute-force perfection

NODES = ("start", "def_response", "ch_after_in_kind", "def_after_ch_escalates", "ch_after_def_escalates")
OWNER = np.array([0, 1, 0, 1, 0])
PROFILES = np.array(list(itertools.product(range(2), range(3), range(2), range(2), range(2))))


def outcome_from(node, prof):
    """The game's rules written out directly: terminal reached from ``node`` under ``prof``."""
    s0, s1, s2, s3, s4 = prof
    if node == "start":
        return "SQ" if s0 == 0 else outcome_from("def_response", prof)
    if node == "def_response":
        return ("DC", outcome_from("ch_after_in_kind", prof), outcome_from("ch_after_def_escalates", prof))[s1]
    if node == "ch_after_in_kind":
        return "DD" if s2 == 0 else outcome_from("def_after_ch_escalates", prof)
    if node == "def_after_ch_escalates":
        return ("ED", "EE")[s3]
    return ("DE", "EE")[s4]


OUTCOME_AT = {n: np.array([ESCALATION_OUTCOMES.index(outcome_from(n, p)) for p in PROFILES]) for n in NODES}


def test_asymmetric_escalation_is_subgame_perfect_by_brute_force():
    """400 generic payoff draws (no type restriction; integers give ties): the solver's
    profile is a Nash equilibrium in each of the 5 subgames over all 48 pure profiles,
    and the unique such profile when no player is ever indifferent."""
    rng = np.random.default_rng(11)
    pay = rng.integers(0, 4, size=(400, 2, 6)).astype(float)
    pay[200:] = rng.normal(size=(200, 2, 6))
    r = asymmetric_escalation(pay[:, 0], pay[:, 1])
    groups = [np.unique(PROFILES[:, OWNER != i], axis=0, return_inverse=True)[1].ravel() for i in range(2)]
    for b in range(len(pay)):
        star = (int(r.challenger_defects[b]), int(r.defender_response[b]), int(r.challenger_escalates[b]),
                int(r.defender_counter_escalates[b]), int(r.challenger_counter_escalates[b]))
        spe = np.ones(len(PROFILES), dtype=bool)
        for i in range(2):
            for n in NODES:
                u = pay[b, i, OUTCOME_AT[n]]
                best = np.full(groups[i].max() + 1, -np.inf)
                np.maximum.at(best, groups[i], u)
                spe &= u >= best[groups[i]] - 1e-12
        q = int(np.flatnonzero(np.all(PROFILES == star, axis=1))[0])
        assert spe[q]
        assert ESCALATION_OUTCOMES[r.outcome[b]] == outcome_from("start", star)
        if not r.tie[b]:
            assert spe.sum() == 1


def test_broadcasting_and_batch_equals_pointwise():
    rng = np.random.default_rng(3)
    ch = {o: rng.integers(0, 3, size=(5, 1)).astype(float) for o in ESCALATION_OUTCOMES}
    de = rng.integers(0, 3, size=(1, 4, 6)).astype(float)
    r = asymmetric_escalation(ch, de)
    assert r.outcome.shape == r.tie.shape == (5, 4) and r.value.shape == (5, 4, 2)
    for i, j in np.ndindex(5, 4):
        p = asymmetric_escalation({o: float(ch[o][i, 0]) for o in ch}, de[0, j])
        assert p.outcome == r.outcome[i, j] and p.tie == r.tie[i, j]
        assert p.defender_response == r.defender_response[i, j]
        np.testing.assert_array_equal(p.value, r.value[i, j])


def test_payoff_validation():
    c, d = book_payoffs("Hard", "Soft/Soft")
    with pytest.raises(ConfigError, match="payoffs.challenger"):
        asymmetric_escalation({k: v for k, v in c.items() if k != "EE"}, d)
    with pytest.raises(ConfigError, match="payoffs.defender.DD"):
        asymmetric_escalation(c, {**d, "DD": np.nan})
    with pytest.raises(ConfigError, match="last axis is 6"):
        asymmetric_escalation(c, np.zeros(5))
    with pytest.raises(ConfigError, match="defender_type"):
        book_payoffs("Hard", "Hard")


# -------------------------------------------------------------------- unilateral deterrence


def test_unilateral_tree_equals_sim_crisis_on_5000_random_payoff_sets():
    """Same SPE outcome, strategies and tie flags as sim.crisis.unilateral_deterrence
    (independent closed-form backward induction) on 5,000 payoff sets, half integer
    (ties) and half real."""
    rng = np.random.default_rng(2000)
    ch = rng.integers(0, 4, size=(5000, 4)).astype(float)
    de = rng.integers(0, 4, size=(5000, 4)).astype(float)
    ch[2500:], de[2500:] = rng.normal(size=(2500, 4)), rng.normal(size=(2500, 4))
    ref = unilateral_deterrence(ch, de)
    s = solve_unilateral(ch, de)
    assert UNILATERAL_OUTCOMES == CRISIS_OUTCOMES
    np.testing.assert_array_equal(s.outcome_labels(), ref.outcome_labels())
    np.testing.assert_array_equal(s.choice["start"] == 1, ref.challenger_demands)
    np.testing.assert_array_equal(s.choice["def_reply"] == 1, ref.defender_denies)
    np.testing.assert_array_equal(s.choice["ch_reply"] == 1, ref.challenger_fights)
    np.testing.assert_array_equal(s.tie, ref.tie)
    assert ref.tie.sum() > 100  # ties were exercised


# --------------------------------------------------------------------------------- configs


def test_config_files_match_the_module_specs():
    """The YAML examples are the module's trees with ordinal payoffs of the stated types:
    unilateral Hard/Hard (deterrence: SQ); escalation Ch Hard vs Def Hard/Hard (SQ)."""
    uni = load_tree(CONFIGS / "unilateral_deterrence.yaml")
    assert uni == Tree.from_spec(unilateral_deterrence_spec())
    esc = load_tree(CONFIGS / "asymmetric_escalation.yaml")
    assert esc == Tree.from_spec(asymmetric_escalation_spec(*book_payoffs("Hard", "Hard/Hard")))
    d = esc.defaults
    assert d["ch_EE"] > d["ch_DE"] and d["def_DD"] > d["def_DC"] and d["def_EE"] > d["def_ED"]
    u = uni.defaults
    assert u["ch_CF"] > u["ch_CB"] and u["def_CF"] > u["def_DC"]


# ----------------------------------------------------------------------------------- figure


def _edges(fig):
    return {ln.get_gid(): ln.get_linewidth() for ax in fig.axes for ln in ax.lines if (ln.get_gid() or "").startswith("edge:")}


@pytest.mark.parametrize(
    "ch_type, def_type, path",
    [
        ("Hard", "Hard/Hard", {"edge:start:cooperate"}),  # hand table: SQ
        ("Soft", "Soft/Soft", {"edge:start:cooperate"}),  # SQ
        ("Hard", "Soft/Soft", {"edge:start:defect", "edge:def_response:concede"}),  # DC
    ],
)
def test_tree_figure_highlights_the_path_escalation(ch_type, def_type, path):
    import io

    import matplotlib

    matplotlib.use("Agg")
    from sim.viz.tree import PATH_WIDTH, tree_figure

    tree = Tree.from_spec(asymmetric_escalation_spec(*book_payoffs(ch_type, def_type)))
    from sim.crisis.trees import solve

    fig = tree_figure(tree, solve(tree), title="Asymmetric Escalation Game", player_names=["Ch", "Def"])
    fig.savefig(io.BytesIO(), format="png")
    edges = _edges(fig)
    assert len(edges) == 11  # unfolded tree: 12 histories (EE drawn twice)
    assert {g for g, w in edges.items() if w == PATH_WIDTH} == path
    assert all(w < PATH_WIDTH for g, w in edges.items() if g not in path)


def test_tree_figure_unilateral_and_errors():
    import io

    import matplotlib

    matplotlib.use("Agg")
    from sim.viz.tree import PATH_WIDTH, tree_figure
    from sim.crisis.trees import solve

    tree = Tree.from_spec(unilateral_deterrence_spec())
    # default Hard/Hard: SQ; with u_Def(DC) = 2.5 > u_Def(CF) = 2 Def is Soft and concedes,
    # and Ch (DC = 4 > SQ = 3) demands
    sol = solve(tree, def_DC=[1.0, 2.5])
    for k, path in enumerate(({"edge:start:status_quo"}, {"edge:start:demand", "edge:def_reply:concede"})):
        fig = tree_figure(tree, sol.at(k), title=None, player_names={"Challenger": "Ch"})
        fig.savefig(io.BytesIO(), format="png")
        edges = _edges(fig)
        assert len(edges) == 6
        assert {g for g, w in edges.items() if w == PATH_WIDTH} == path
    with pytest.raises(ValueError, match="one parameter point"):
        tree_figure(tree, sol, title="x", player_names=None)
