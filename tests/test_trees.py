"""Tests for sim/crisis/trees.py: spec validation, backward induction against closed forms and
against a brute-force search over all pure strategy profiles (subgame perfection)."""

from __future__ import annotations

import itertools

import numpy as np
from pathlib import Path
import pytest

from sim.errors import ConfigError
from sim.crisis.trees import Tree, load_tree, solve


def brinkmanship_spec():
    """Ch demands or not; Def concedes or denies; denial leads to war w.p. r, else Ch backs down."""
    return {
        "players": ["Ch", "Def"],
        "params": {"v": 1.0, "c": 0.5, "r": 0.3},
        "root": "start",
        "nodes": {
            "start": {"player": "Ch", "moves": {"status_quo": "SQ", "demand": "d1"}},
            "d1": {"player": "Def", "moves": {"concede": "DC", "deny": "d2"}},
            "d2": {"chance": {"WAR": "r", "CB": {"r": -1, "const": 1}}},
            "SQ": {"payoffs": [0, 0]},
            "DC": {"payoffs": ["v", {"v": -1}]},
            "CB": {"payoffs": [0, 0]},
            "WAR": {"payoffs": [{"v": 1, "c": -1}, {"v": -1, "c": -1}]},
        },
    }


# ------------------------------------------------------------------------ hand-solved trees


def test_brinkmanship_tree_closed_form():
    """By hand: Def denies iff -r(v+c) > -v, i.e. r < v/(v+c); after a denial Ch gets
    r(v-c); Ch demands iff its value after demand is > 0 (ties towards status quo)."""
    v = np.array([1.0, 2.0, 0.5])[:, None, None]
    c = np.array([0.5, 3.0])[None, :, None]
    r = np.linspace(0.0, 1.0, 11)[None, None, :]
    s = solve(Tree.from_spec(brinkmanship_spec()), v=v, c=c, r=r)
    assert s.shape == (3, 2, 11) and s.value.shape == (3, 2, 11, 2)
    deny = -r * (v + c) > -v + 1e-12
    ch_after_demand = np.where(deny, r * (v - c), v)
    demand = ch_after_demand > 1e-12
    np.testing.assert_array_equal(s.choice["d1"], deny.astype(int))
    np.testing.assert_array_equal(s.choice["start"], demand.astype(int))
    np.testing.assert_allclose(s.value[..., 0], np.where(demand, ch_after_demand, 0.0))
    np.testing.assert_allclose(s.reach["WAR"], np.where(demand & deny, r, 0.0) + 0 * v * c)
    np.testing.assert_allclose(s.terminal_reach().sum(axis=-1), 1.0)
    assert s.move("start").shape == s.shape
    assert set(np.unique(s.move("d1"))) <= {"concede", "deny"}


def test_three_player_tree_and_tie_break():
    """A hand-solved 3-player tree.  P3 picks 'a' (3 > 1); P2 compares (.,2,.) from a with
    (.,5,.) from 'y' -> y; P1 compares 4 (left) with 7 (y) -> right.  With P1 indifferent
    (left = 7) the first listed move wins and the tie is flagged."""
    spec = {
        "players": ["P1", "P2", "P3"],
        "params": {"x": 4.0},
        "root": "n1",
        "nodes": {
            "n1": {"player": "P1", "moves": {"left": "L", "right": "n2"}},
            "n2": {"player": "P2", "moves": {"x": "n3", "y": "Y"}},
            "n3": {"player": "P3", "moves": {"a": "A", "b": "B"}},
            "L": {"payoffs": ["x", 0, 0]},
            "Y": {"payoffs": [7, 5, 0]},
            "A": {"payoffs": [9, 2, 3]},
            "B": {"payoffs": [0, 9, 1]},
        },
    }
    tree = Tree.from_spec(spec)
    s = solve(tree)
    assert [s.move(n).item() for n in ("n1", "n2", "n3")] == ["right", "y", "a"]
    np.testing.assert_array_equal(s.value, [7, 5, 0])
    assert not s.tie and float(s.reach["Y"]) == 1.0 and float(s.reach["A"]) == 0.0
    s = solve(tree, x=[7.0, 7.5])
    np.testing.assert_array_equal(s.move("n1"), ["left", "left"])
    np.testing.assert_array_equal(s.tie, [True, False])
    np.testing.assert_array_equal(s.node_tie["n1"], [True, False])
    assert s.describe(0).splitlines()[0] == "n1: P1 -> left"


def test_shared_terminal_reach_sums_over_histories():
    """Chance 0.5/0.5 into two decision nodes that both choose the shared terminal Z."""
    spec = {
        "players": ["A"],
        "root": "c",
        "nodes": {
            "c": {"chance": {"u": 0.5, "w": 0.5}},
            "u": {"player": "A", "moves": {"z": "Z", "y": "Y"}},
            "w": {"player": "A", "moves": {"y": "Y", "z": "Z"}},
            "Z": {"payoffs": [2]},
            "Y": {"payoffs": [1]},
        },
    }
    s = solve(Tree.from_spec(spec))
    assert float(s.reach["Z"]) == 1.0 and float(s.reach["Y"]) == 0.0 and s.value.tolist() == [2.0]


# --------------------------------------------------------------------- random trees, brute force


def random_tree(rng, n_players):
    """A random proper tree (every node one parent) with decision and chance nodes;
    terminal payoffs are parameters ``u<t>_<i>`` so that draws can be batched."""
    nodes, params, count = {}, {}, itertools.count()

    def build(depth):
        name = f"n{next(count)}"
        if depth >= 3 or (depth > 0 and rng.random() < 0.3):
            pay = []
            for i in range(n_players):
                params[f"u{name}_{i}"] = 0.0
                pay.append(f"u{name}_{i}")
            nodes[name] = {"payoffs": pay}
        elif rng.random() < 0.2:
            kids = [build(depth + 1) for _ in range(2)]
            p = float(rng.choice([0.25, 0.5, 0.7]))
            nodes[name] = {"chance": {kids[0]: p, kids[1]: {"const": 1.0 - p}}}
        else:
            k = int(rng.integers(2, 4)) if depth < 2 else 2
            kids = [build(depth + 1) for _ in range(k)]
            nodes[name] = {"player": f"P{int(rng.integers(n_players))}", "moves": {f"m{j}": c for j, c in enumerate(kids)}}
        return name

    root = build(0)
    return {"players": [f"P{i}" for i in range(n_players)], "params": params, "root": root, "nodes": nodes}


def all_profile_values(tree, payoffs, probs):
    """Brute force: for every pure profile (one move per decision node) the subgame value
    at every node.  Returns (decision nodes, profiles array (P, D), dict node -> (P, n))."""
    dec = list(tree.decision_nodes)
    nodes = tree.node
    combos = list(itertools.product(*[range(len(nodes[d].moves)) for d in dec]))
    profiles = np.array(combos, dtype=int).reshape(len(combos), len(dec))
    val = {}

    def value(name):
        if name in val:
            return val[name]
        nd = nodes[name]
        if name in payoffs:
            out = np.broadcast_to(payoffs[name], (len(profiles), len(tree.players)))
        elif name in probs:
            out = sum(p * value(c) for p, (c, _) in zip(probs[name], nd.branches))
        else:
            kids = np.stack([value(c) for _, c in nd.moves])  # (k, P, n)
            out = kids[profiles[:, dec.index(name)], np.arange(len(profiles))]
        val[name] = out
        return out

    for name in nodes:
        value(name)
    return dec, profiles, val


@pytest.mark.parametrize("seed", range(24))
def test_random_trees_backward_induction_is_subgame_perfect(seed):
    """For random trees and 40 payoff draws each (integers, so ties occur, and reals),
    the solver's profile is a Nash equilibrium of every subgame: no player gains by
    changing its own moves anywhere in the subgame (checked over all pure profiles).
    Without ties it is the unique pure subgame-perfect profile."""
    rng = np.random.default_rng(seed)
    n_players = int(rng.integers(1, 4))
    tree = Tree.from_spec(random_tree(rng, n_players))
    names = [k for k, _ in tree.params]
    draws = rng.integers(0, 4, size=(40, len(names))).astype(float)
    draws[20:] = rng.normal(size=(20, len(names)))
    s = solve(tree, **{k: draws[:, j] for j, k in enumerate(names)})
    nodes = tree.node
    for b in range(len(draws)):
        payoffs = {t: np.array([draws[b, names.index(f"u{t}_{i}")] for i in range(n_players)]) for t in tree.terminals}
        probs = {c: [p.evaluate({}) for _, p in nodes[c].branches] for c in nodes if c not in payoffs and c not in tree.decision_nodes}
        dec, profiles, val = all_profile_values(tree, payoffs, probs)
        star = np.array([s.choice[d][b] for d in dec], dtype=int)
        owner = np.array([nodes[d].player for d in dec], dtype=int)
        is_spe = np.ones(len(profiles), dtype=bool)  # brute-force set of all pure SPE
        for i in range(n_players):
            _, group = np.unique(profiles[:, owner != i], axis=0, return_inverse=True)
            group = group.ravel()
            for v in nodes:
                best = np.full(group.max() + 1, -np.inf)
                np.maximum.at(best, group, val[v][:, i])  # best deviation of i in v's subgame
                is_spe &= val[v][:, i] >= best[group] - 1e-9
        q_star = int(np.flatnonzero(np.all(profiles == star, axis=1))[0]) if len(dec) else 0
        assert is_spe[q_star]
        np.testing.assert_allclose(s.value[b], val[tree.root][q_star], atol=1e-12)
        if not s.tie[b]:
            assert is_spe.sum() == 1


def test_batch_equals_pointwise():
    rng = np.random.default_rng(7)
    tree = Tree.from_spec(random_tree(rng, 2))
    names = [k for k, _ in tree.params]
    draws = {k: rng.integers(0, 3, size=(6, 5)).astype(float) for k in names}
    s = solve(tree, **draws)
    for idx in np.ndindex(6, 5):
        p = solve(tree, **{k: float(v[idx]) for k, v in draws.items()})
        np.testing.assert_array_equal(s.value[idx], p.value)
        assert s.tie[idx] == p.tie
        for d in tree.decision_nodes:
            assert s.choice[d][idx] == p.choice[d]
        for t in tree.terminals:
            assert s.reach[t][idx] == p.reach[t]
        assert s.at(idx).describe() == p.describe()


def test_round_trip_and_yaml(tmp_path):
    import yaml

    tree = Tree.from_spec(brinkmanship_spec())
    assert Tree.from_spec(tree.to_spec()) == tree
    f = tmp_path / "t.yaml"
    f.write_text(yaml.safe_dump(tree.to_spec(), sort_keys=False))
    assert load_tree(f) == tree


# ------------------------------------------------------------------------------ validation


def _bad(mutate):
    spec = brinkmanship_spec()
    mutate(spec)
    return spec


@pytest.mark.parametrize(
    "mutate, field, words",
    [
        (lambda s: s["nodes"]["d1"]["moves"].update(deny="nowhere"), "tree.nodes.d1.moves.deny", "unknown node"),
        (lambda s: s["nodes"]["d1"]["moves"].update(deny="start"), "tree.nodes.d1", "cycle"),
        (lambda s: s["nodes"].update(orphan={"payoffs": [0, 0]}), "tree.nodes.orphan", "unreachable"),
        (lambda s: s["nodes"]["SQ"].update(moves={"a": "DC"}, player="Ch"), "tree.nodes.SQ", "exactly one of"),
        (lambda s: s["nodes"]["SQ"].update(payoffs=[0, 0, 0]), "tree.nodes.SQ.payoffs", "one payoff per player"),
        (lambda s: s["nodes"]["DC"].update(payoffs=["w", 0]), "tree.nodes.DC.payoffs[0]", "unknown parameter"),
        (lambda s: s["nodes"]["DC"].update(payoffs=["v + 1", 0]), "tree.nodes.DC.payoffs[0]", "never evaluated"),
        (lambda s: s["nodes"]["DC"].update(payoffs=[{"w": 1}, 0]), "tree.nodes.DC.payoffs[0].w", "unknown parameter"),
        (lambda s: s["nodes"]["DC"].update(payoffs=[float("nan"), 0]), "tree.nodes.DC.payoffs[0]", "finite"),
        (lambda s: s["nodes"]["d2"].update(chance={"WAR": 1.5, "CB": -0.5}), "tree.nodes.d2.chance.WAR", "[0, 1]"),
        (lambda s: s["nodes"]["d2"].update(chance={"WAR": 0.3, "CB": 0.6}), "tree.nodes.d2.chance", "sum to 1"),
        (lambda s: s["nodes"]["d1"].update(player="Nobody"), "tree.nodes.d1.player", "must be one of"),
        (lambda s: s.update(root="nope"), "tree.root", "must name a node"),
        (lambda s: s["params"].update(v=float("inf")), "tree.params.v", "finite"),
        (lambda s: s.update(extra=1), "tree.extra", "unknown key"),
        (lambda s: s["nodes"]["SQ"].update(label="x"), "tree.nodes.SQ.label", "unknown key"),
        (lambda s: s.update(players=["Ch", "Ch"]), "tree.players", "distinct"),
        (lambda s: s["nodes"].update(SQ=[0, 0]), "tree.nodes.SQ", "must be a mapping"),
        (lambda s: s["nodes"]["d1"].update(moves={}), "tree.nodes.d1.moves", "non-empty mapping"),
        (lambda s: s["params"].update(const=1.0), "tree.params", "other than 'const'"),
        (lambda s: s["nodes"]["DC"].update(payoffs=[True, 0]), "tree.nodes.DC.payoffs[0]", "allowed"),
    ],
)
def test_validation_errors_name_the_field(mutate, field, words):
    with pytest.raises(ConfigError) as err:
        Tree.from_spec(_bad(mutate))
    assert err.value.field == field
    assert words in err.value.message


def test_spec_must_be_a_mapping():
    with pytest.raises(ConfigError, match="^tree: must be a mapping"):
        Tree.from_spec([1, 2])


def test_solve_validates_parameters():
    tree = Tree.from_spec(brinkmanship_spec())
    with pytest.raises(ConfigError, match="tree.nodes.d2.chance.WAR"):
        solve(tree, r=[0.2, 1.2])
    with pytest.raises(ConfigError, match="tree.params.w: unknown parameter"):
        solve(tree, w=1.0)
    with pytest.raises(ConfigError, match="tree.params.v"):
        solve(tree, v=[1.0, np.nan])
    with pytest.raises(ConfigError, match="do not broadcast"):
        solve(tree, v=np.ones(3), c=np.ones(4))


def test_path_of_a_batch_needs_a_point():
    from sim.errors import ConfigError
    from sim.crisis.trees import load_tree

    tree = load_tree(Path(__file__).resolve().parent.parent / "configs" / "tree" / "brinkmanship_tree.yaml")
    sol = solve(tree, risk=np.array([0.05, 0.5]))
    assert [m for _, _, m, _ in sol.path(0)] == ["demand", "concede"]  # risk 0.05: pressing is credible
    assert [m for _, _, m, _ in sol.path(1)] == ["status_quo"]          # risk 0.5: it is not
    with pytest.raises(ConfigError):
        sol.path()
