"""Finite extensive-form games with perfect information and chance moves, solved by
backward induction vectorised over batches of parameter values.

Spec format (plain dicts, e.g. from YAML)
-----------------------------------------
::

    players: [Challenger, Defender]          # names, in payoff order
    params: {v: 1.0, c: 0.5, r: 0.3}         # every parameter with its default number
    root: start
    nodes:
      start: {player: Challenger, moves: {status_quo: SQ, demand: d1}}   # decision node
      d1:    {player: Defender, moves: {concede: DC, deny: d2}}
      d2:    {chance: {WAR: r, CB: {r: -1, const: 1}}}                     # chance node
      SQ:    {payoffs: [0, 0]}                                             # terminal node
      DC:    {payoffs: [v, {v: -1}]}
      CB:    {payoffs: [0, 0]}
      WAR:   {payoffs: [{v: 1, c: -1}, {v: -1, c: -1}]}

* A **decision node** has ``player`` (one of ``players``) and ``moves``, an ordered
  mapping ``move name -> child node``.  Move order matters: ties are broken towards
  the move listed *first*, so list moves in escalation order, the non-escalatory move
  first (then a tie is resolved in favour of restraint, as in Zagare and Kilgour 2000).
* A **chance node** has ``chance``, a mapping ``child node -> probability``; the move
  names of a chance node are its children's names.  Probabilities must lie in [0, 1]
  and sum to 1 within 1e-9 (checked with the defaults at construction and again with
  the actual values in :func:`solve`).
* A **terminal node** has ``payoffs``, one entry per player; its name is the outcome.
* Payoffs and probabilities are *expressions*: a number, a parameter name, or a linear
  form ``{param: coefficient, ..., const: number}`` (value ``const + sum coef*param``).
  Strings are never evaluated: a string must be exactly a parameter name.
* A node may be the child of several nodes (e.g. one terminal ``EE`` reached by two
  histories).  The game is then the tree obtained by unfolding; since the subgame
  below a node is the same wherever it is reached, backward induction is unchanged and
  a strategy prescribes one move per *node*.  Cycles and unreachable nodes are errors.

Every mistake raises :class:`sim.errors.ConfigError` naming the field path, e.g.
``tree.nodes.d2.chance.WAR``, and what is allowed.

Solution (Zermelo/Kuhn backward induction; Osborne and Rubinstein 1994, *A Course in
Game Theory*, ch. 6, Kuhn's theorem; chance nodes take expectations, Kuhn 1953)
----------------------------------------------------------------------------------
1. Visit nodes children-first.  A terminal's value is its payoff vector.
2. A chance node's value is ``sum_k p_k * value(child_k)``.
3. At a decision node of player ``i`` choose the first move whose child value for
   ``i`` is within ``1e-12 * max(1, |best|)`` of the best; the node's value is that
   child's value.  ``tie`` flags nodes where two or more moves are (so) optimal:
   there the subgame-perfect equilibrium may not be unique.
4. Walk forward from the root (probability 1) to get the probability of reaching
   every node on the equilibrium path.

Shapes: parameters are broadcast together to the batch shape ``S``; values have shape
``S + (n_players,)``, choices, reach probabilities and tie flags shape ``S``.  The
loop runs over nodes only, never over parameter points.

The expression and node classes (:class:`Linear`, :class:`Decision`, :class:`Chance`,
:class:`Terminal`) and the spec validation helpers live in :mod:`sim.crisis.tree_spec`; every
name is importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.errors import ConfigError, as_float_array
from sim.crisis.tree_spec import Chance, Decision, Terminal, _check_probabilities, _expr, _number, _postorder, _require

__all__ = ["Tree", "TreeSolution", "solve", "load_tree"]

_TIE_RTOL = 1e-12


@dataclass(frozen=True)
class Tree:
    """A validated game tree; build it with :meth:`Tree.from_spec`.

    players : tuple of names; params : tuple of ``(name, default)``; root : node name;
    nodes : tuple of ``(name, Decision | Chance | Terminal)`` in spec order.
    ``order`` (derived) lists the nodes children-first (post-order from the root).
    """

    players: tuple
    params: tuple
    root: str
    nodes: tuple

    @property
    def node(self) -> dict:
        return dict(self.nodes)

    @property
    def defaults(self) -> dict:
        return dict(self.params)

    @property
    def terminals(self) -> tuple:
        return tuple(n for n, v in self.nodes if isinstance(v, Terminal))

    @property
    def decision_nodes(self) -> tuple:
        return tuple(n for n, v in self.nodes if isinstance(v, Decision))

    @property
    def order(self) -> tuple:
        return _postorder(self.node, self.root, "tree")

    @classmethod
    def from_spec(cls, spec: Mapping, field: str = "tree") -> "Tree":
        """Validate ``spec`` (format in the module docstring) and build the tree."""
        _require(isinstance(spec, Mapping), field, "must be a mapping with keys players, params, root, nodes")
        extra = sorted(set(spec) - {"players", "params", "root", "nodes"})
        _require(not extra, f"{field}.{(extra or [None])[0]}", "unknown key; allowed: players, params, root, nodes")
        players = spec.get("players")
        _require(isinstance(players, (list, tuple)) and bool(players) and all(isinstance(p, str) for p in players), f"{field}.players", "must be a non-empty list of player names")
        _require(len(set(players)) == len(players), f"{field}.players", f"names must be distinct, got {list(players)}")
        raw_params = spec.get("params") or {}
        _require(isinstance(raw_params, Mapping), f"{field}.params", "must be a mapping parameter name -> default number")
        params = {}
        for k, v in raw_params.items():
            _require(isinstance(k, str) and k not in ("", "const"), f"{field}.params", f"parameter names must be non-empty strings other than 'const', got {k!r}")
            params[k] = _number(f"{field}.params.{k}", v)
        raw_nodes = spec.get("nodes")
        _require(isinstance(raw_nodes, Mapping) and bool(raw_nodes), f"{field}.nodes", "must be a non-empty mapping node name -> node")
        root = spec.get("root")
        _require(root in raw_nodes, f"{field}.root", f"must name a node ({', '.join(map(str, raw_nodes))}), got {root!r}")

        def child(f, c):
            _require(isinstance(c, str) and c in raw_nodes, f, f"unknown node {c!r}; allowed: {', '.join(map(str, raw_nodes))}")
            return c

        nodes = []
        for name, nd in raw_nodes.items():
            f = f"{field}.nodes.{name}"
            _require(isinstance(nd, Mapping), f, "must be a mapping: {player, moves} (decision), {chance} or {payoffs} (terminal)")
            kinds = [k for k in ("moves", "chance", "payoffs") if k in nd]
            _require(len(kinds) == 1, f, f"must be exactly one of decision {{player, moves}}, chance {{chance}} or terminal {{payoffs}}; has {kinds or list(nd)}")
            allowed = {"moves": {"player", "moves"}, "chance": {"chance"}, "payoffs": {"payoffs"}}[kinds[0]]
            extra = sorted(set(nd) - allowed)
            _require(not extra, f"{f}.{(extra or [None])[0]}", f"unknown key for a {'decision' if kinds[0] == 'moves' else kinds[0]} node; allowed: {', '.join(sorted(allowed))}")
            if kinds[0] == "moves":
                _require(nd.get("player") in players, f"{f}.player", f"must be one of {list(players)}, got {nd.get('player')!r}")
                mv = nd["moves"]
                _require(isinstance(mv, Mapping) and bool(mv), f"{f}.moves", "must be a non-empty mapping move name -> child node")
                moves = tuple((str(m), child(f"{f}.moves.{m}", c)) for m, c in mv.items())
                nodes.append((name, Decision(players.index(nd["player"]), moves)))
            elif kinds[0] == "chance":
                ch = nd["chance"]
                _require(isinstance(ch, Mapping) and bool(ch), f"{f}.chance", "must be a non-empty mapping child node -> probability")
                br = tuple((child(f"{f}.chance.{c}", c), _expr(f"{f}.chance.{c}", p, params)) for c, p in ch.items())
                nodes.append((name, Chance(br)))
            else:
                pay = nd["payoffs"]
                if not isinstance(pay, (list, tuple)) or len(pay) != len(players):
                    n = len(pay) if isinstance(pay, (list, tuple)) else "not a list"
                    raise ConfigError(f"{f}.payoffs", f"needs one payoff per player ({len(players)}: {', '.join(players)}), got {n}")
                nodes.append((name, Terminal(tuple(_expr(f"{f}.payoffs[{i}]", p, params) for i, p in enumerate(pay)))))
        tree = cls(tuple(players), tuple(params.items()), root, tuple(nodes))
        tree._check_structure(field)
        for name, nd in tree.nodes:
            if isinstance(nd, Chance):
                _check_probabilities(field, name, nd.branches, params)
        return tree

    def _check_structure(self, field: str) -> None:
        reached = set(_postorder(self.node, self.root, field))
        unreachable = [n for n, _ in self.nodes if n not in reached]
        if unreachable:
            raise ConfigError(f"{field}.nodes.{unreachable[0]}", f"unreachable from root {self.root!r} (unreachable: {', '.join(unreachable)})")

    def to_spec(self) -> dict:
        """The spec dict; ``Tree.from_spec(tree.to_spec()) == tree``."""
        nodes = {}
        for name, nd in self.nodes:
            if isinstance(nd, Decision):
                nodes[name] = {"player": self.players[nd.player], "moves": dict(nd.moves)}
            elif isinstance(nd, Chance):
                nodes[name] = {"chance": {c: p.to_spec() for c, p in nd.branches}}
            else:
                nodes[name] = {"payoffs": [p.to_spec() for p in nd.payoffs]}
        return {"players": list(self.players), "params": dict(self.params), "root": self.root, "nodes": nodes}


def load_tree(path) -> Tree:
    """Read a YAML spec file (``yaml.safe_load``; nothing is evaluated) into a :class:`Tree`."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    return Tree.from_spec(spec)


@dataclass(frozen=True, eq=False)
class TreeSolution:
    """Subgame-perfect equilibrium by backward induction, per parameter point.

    Shapes: ``S`` is the broadcast shape of the parameters, ``n`` the number of players.

    tree : the :class:`Tree` solved.
    params : dict name -> float array of shape ``S`` (the values used).
    value : ``S + (n,)``, equilibrium payoff of each player (order of ``tree.players``).
    node_value : dict node -> ``S + (n,)``, value of the subgame at every node.
    choice : dict decision node -> int array ``S``, index of the chosen move in the
        node's ``moves`` (the full strategy profile, reached or not).
    node_tie : dict decision node -> bool ``S``, several moves optimal there.
    tie : bool ``S``, a tie at some decision node (reached or not).
    probabilities : dict chance node -> ``S + (k,)``, the branch probabilities.
    reach : dict node -> float ``S``, probability that equilibrium play reaches the node.
    """

    tree: Tree
    params: dict
    value: np.ndarray
    node_value: dict
    choice: dict
    node_tie: dict
    tie: np.ndarray
    probabilities: dict
    reach: dict

    @property
    def shape(self) -> tuple:
        return self.tie.shape

    def move(self, node: str) -> np.ndarray:
        """Names of the chosen moves at decision ``node`` (str array of shape ``S``)."""
        return np.asarray([m for m, _ in self.tree.node[node].moves])[self.choice[node]]

    def terminal_reach(self) -> np.ndarray:
        """``S + (T,)`` probabilities of the terminals, in the order of ``tree.terminals``."""
        return np.stack([self.reach[t] for t in self.tree.terminals], axis=-1)

    def outcome(self) -> np.ndarray:
        """Index into ``tree.terminals`` of the most probable terminal (first on ties), ``S``."""
        return np.argmax(self.terminal_reach(), axis=-1)

    def outcome_labels(self) -> np.ndarray:
        return np.asarray(self.tree.terminals)[self.outcome()]

    def at(self, index) -> "TreeSolution":
        """The solution at one parameter point (all arrays indexed by ``index``)."""
        idx = index if isinstance(index, tuple) else (index,)
        pick = lambda d: {k: np.asarray(v[idx]) for k, v in d.items()}  # noqa: E731
        return TreeSolution(self.tree, pick(self.params), np.asarray(self.value[idx]), pick(self.node_value), pick(self.choice),
                            pick(self.node_tie), np.asarray(self.tie[idx]), pick(self.probabilities), pick(self.reach))

    def _point(self, index):
        if self.shape and (not isinstance(index, tuple) or len(index) != len(self.shape)):
            if not (isinstance(index, (int, np.integer)) and len(self.shape) == 1):
                raise ConfigError("index", f"a batch of shape {self.shape} needs the index of one point "
                                           f"(e.g. path({(0,) * len(self.shape)})), got {index!r}")
        return self.at(index) if self.shape else self

    def path(self, index=()) -> list:
        """Equilibrium path at one point as ``[(node, mover, move, probability), ...]``.

        Decision nodes give the chosen move with probability 1; chance nodes list every
        branch of positive probability (the walk continues down each of them, depth first).
        """
        s = self._point(index)
        nodes, out = self.tree.node, []

        def walk(name):
            nd = nodes[name]
            if isinstance(nd, Decision):
                k = int(s.choice[name])
                out.append((name, self.tree.players[nd.player], nd.moves[k][0], 1.0))
                walk(nd.moves[k][1])
            elif isinstance(nd, Chance):
                for k, (c, _) in enumerate(nd.branches):
                    p = float(s.probabilities[name][k])
                    if p > 0:
                        out.append((name, "chance", c, p))
                        walk(c)

        walk(self.tree.root)
        return out

    def describe(self, index=()) -> str:
        """One line per step of the equilibrium path, then the outcome probabilities."""
        s = self._point(index)
        lines = [f"{n}: {who} -> {m}" + (f" (p={p:.3g})" if who == "chance" else "") for n, who, m, p in self.path(index)]
        ends = [f"{t} p={float(s.reach[t]):.3g}" for t in self.tree.terminals if float(s.reach[t]) > 0]
        return "\n".join(lines + ["outcome: " + ", ".join(ends)])


def solve(tree: Tree, **param_arrays) -> TreeSolution:
    """Backward induction (steps in the module docstring), vectorised over parameters.

    ``param_arrays`` override the defaults of ``tree.params`` with numbers or arrays;
    all are broadcast together.  Unknown names, non-finite values and invalid chance
    probabilities raise :class:`ConfigError`.
    """
    defaults = tree.defaults
    unknown = sorted(set(param_arrays) - set(defaults))
    if unknown:
        raise ConfigError(f"tree.params.{unknown[0]}", f"unknown parameter; allowed: {', '.join(defaults) or 'none'}")
    vals = {k: as_float_array(f"tree.params.{k}", param_arrays.get(k, v)) for k, v in defaults.items()}
    try:
        arrays = np.broadcast_arrays(*vals.values()) if vals else []
    except ValueError:
        shapes = ", ".join(f"{k}{v.shape}" for k, v in vals.items())
        raise ConfigError("tree.params", f"shapes do not broadcast: {shapes}") from None
    shape = arrays[0].shape if arrays else ()
    params = {k: np.array(a, dtype=float) for k, a in zip(vals, arrays)}
    n = len(tree.players)
    nodes = tree.node
    node_value, choice, node_tie, probs = {}, {}, {}, {}
    for name in tree.order:
        nd = nodes[name]
        if isinstance(nd, Terminal):
            node_value[name] = np.stack([np.broadcast_to(p.evaluate(params), shape) for p in nd.payoffs], axis=-1).astype(float)
        elif isinstance(nd, Chance):
            _check_probabilities("tree", name, nd.branches, params)
            p = np.stack([np.broadcast_to(np.asarray(b.evaluate(params), dtype=float), shape) for _, b in nd.branches], axis=-1)
            probs[name] = p
            kids = np.stack([node_value[c] for c, _ in nd.branches], axis=-2)  # S + (k, n)
            node_value[name] = np.einsum("...k,...kn->...n", p, kids)
        else:
            kids = np.stack([node_value[c] for _, c in nd.moves], axis=-2)  # S + (k, n)
            own = kids[..., nd.player]  # S + (k,)
            best = own.max(axis=-1, keepdims=True)
            near = own >= best - _TIE_RTOL * np.maximum(1.0, np.abs(best))
            k = np.argmax(near, axis=-1)  # first (least escalatory) optimal move
            choice[name] = k
            node_tie[name] = near.sum(axis=-1) > 1
            node_value[name] = np.take_along_axis(kids, k[..., None, None], axis=-2)[..., 0, :]
    reach = {name: np.zeros(shape) for name, _ in tree.nodes}
    reach[tree.root] = np.ones(shape)
    for name in reversed(tree.order):  # parents before children
        nd = nodes[name]
        if isinstance(nd, Decision):
            for k, (_, c) in enumerate(nd.moves):
                reach[c] = reach[c] + reach[name] * (choice[name] == k)
        elif isinstance(nd, Chance):
            for k, (c, _) in enumerate(nd.branches):
                reach[c] = reach[c] + reach[name] * probs[name][..., k]
    tie = np.zeros(shape, dtype=bool)
    for t in node_tie.values():
        tie = tie | t
    return TreeSolution(tree, params, node_value[tree.root].reshape(shape + (n,)), node_value, choice, node_tie, tie, probs, reach)
