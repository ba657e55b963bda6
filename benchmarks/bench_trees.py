"""Benchmark: batched backward induction (sim.crisis.trees.solve) vs pygambit, one game per point.

Two trees: the Asymmetric Escalation Game (``sim.crisis.escalation.asymmetric_escalation_spec``:
5 decision nodes, 6 outcomes, 12 payoff parameters, standard normal, so generic) and the
brinkmanship tree (``configs/tree/brinkmanship_tree.yaml``: 3 decision nodes and a chance
node; the risk of war uniform on (0, 1), the other five parameters uniform on ranges that
make every outcome occur).

For each tree:

* ours: one ``sim.crisis.trees.solve(tree, **params)`` call on ``--points`` parameter points
  (best of ``--repeats``); it returns the subgame-perfect strategy at every decision node
  and the probability of every terminal.
* gambit: the same extensive game built once with ``Game.new_tree`` / ``append_move`` /
  ``add_outcome`` / ``set_chance_probs``; then, in a Python loop over ``--gambit-points``
  points, the outcome payoffs and chance probabilities are overwritten and the game is
  solved.  pygambit 16 has no subgame-perfect solver, so two routes to the subgame-perfect
  equilibrium (SPE) are timed, and one plain Nash solver for reference:

  - ``logit``: ``gbt.nash.logit_solve`` on the tree (agent logit QRE traced to large
    lambda; its limit is a sequential equilibrium, which for a generic game of perfect
    information is the unique SPE; floating point, stops at a regret of 1e-8 times the
    payoff range, so off-equilibrium moves keep probabilities up to about 1e-5);
  - ``agent+SPE``: ``gbt.nash.enumpure_agent_solve`` (every pure agent-form equilibrium,
    exact rationals), keeping the profiles where no decision node has a better move
    according to ``profile.node_value`` (one-shot deviation check = SPE);
  - ``lcp``: ``gbt.nash.lcp_solve(rational=False)`` on the sequence form: one Nash
    equilibrium, not necessarily subgame perfect (moves off the path are not determined).

Each gambit result is compared with ours on the same points: the probability of every
outcome (atol 1e-9; 1e-2 for ``logit``, which is approximate) and, for the SPE routes, the
move at every decision node (for ``logit`` its most probable move) except where ours flags
a tie; ``agent+SPE`` must also find exactly one SPE where ours has no tie.  In the escalation
game about 11 % of the points have a tie at ``def_response``: both of the Defender's
non-conceding moves lead to the same terminal EE, so the SPE outcome is unique but the
Defender's move there is not (ours takes the first listed move, gambit lists both).  Exit
status 1 if the exact route ``agent+SPE`` disagrees with ours at any point.  The others are
reported, not errors: ``lcp`` differs on 5-15 % of the points (Nash equilibria
held up by non-credible threats), and ``logit`` can stop before the moves at unreached nodes
are optimal when the payoff difference there is small (its regret test weights a node by
its probability of being reached), which gives a Nash, not subgame-perfect, profile.
Only ``set_point`` and the solver call are timed, not reading the profiles afterwards.

    python benchmarks/bench_trees.py --points 1000000 --gambit-points 500
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from sim.crisis.escalation import asymmetric_escalation_spec  # noqa: E402
from sim.crisis import Chance, Decision  # noqa: E402
from sim.crisis.trees import Tree, load_tree, solve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BRINK_RANGES = {"value": (0.0, 20.0), "defender_value": (0.0, 20.0), "war_cost_challenger": (0.0, 40.0),
                "war_cost_defender": (0.0, 20.0), "backdown_cost": (0.0, 10.0), "risk": (0.0, 1.0)}


def draw(tree: Tree, kind: str, n: int, seed: np.random.SeedSequence) -> dict:
    rng = np.random.default_rng(seed)
    if kind == "escalation":
        return {k: rng.standard_normal(n) for k, _ in tree.params}
    return {k: rng.uniform(*BRINK_RANGES[k], size=n) for k, _ in tree.params}


class GambitTree:
    """The extensive game of ``tree`` in pygambit, built once; ``set_point`` rewrites its
    payoffs and chance probabilities for one parameter point."""

    def __init__(self, tree: Tree):
        import pygambit as gbt

        self.tree, self.game = tree, gbt.Game.new_tree(players=list(tree.players), title="bench")
        g, nodes = self.game, tree.node
        self.outcomes, self.chance, self.decisions, self.terminals = {}, [], [], []

        def grow(gnode, name):  # unfolds shared nodes (e.g. EE reached by two histories)
            nd = nodes[name]
            if isinstance(nd, Decision):
                g.append_move(gnode, tree.players[nd.player], [m for m, _ in nd.moves])
                self.decisions.append((gnode, name, nd.player))
                for child, (_, c) in zip(gnode.children, nd.moves):
                    grow(child, c)
            elif isinstance(nd, Chance):
                g.append_move(gnode, g.players.chance, [c for c, _ in nd.branches])
                self.chance.append((gnode.infoset, nd))
                for child, (c, _) in zip(gnode.children, nd.branches):
                    grow(child, c)
            else:
                if name not in self.outcomes:
                    self.outcomes[name] = (g.add_outcome(name), nd)
                g.set_outcome(gnode, self.outcomes[name][0])
                self.terminals.append((gnode, name))

        grow(g.root, tree.root)
        self.players = list(g.players)

    def set_point(self, point: dict) -> None:
        for out, nd in self.outcomes.values():
            for pl, expr in zip(self.players, nd.payoffs):
                out[pl] = float(expr.evaluate(point))
        for infoset, nd in self.chance:  # exact fractions of the float probabilities, summing to 1
            ps = [Fraction(float(p.evaluate(point))) for _, p in nd.branches]
            ps[-1] = 1 - sum(ps[:-1])
            self.game.set_chance_probs(infoset, [str(p) for p in ps])

    def read(self, prof) -> tuple:
        """(move index at every decision node in ``self.decisions`` order, outcome probabilities
        in ``tree.terminals`` order) of a behaviour profile."""
        moves = tuple(int(np.argmax([float(prof[a]) for a in gnode.infoset.actions])) for gnode, _, _ in self.decisions)
        reach = dict.fromkeys(self.tree.terminals, 0.0)
        for gnode, name in self.terminals:
            reach[name] += float(prof.realiz_prob(gnode))
        return moves, np.array([reach[t] for t in self.tree.terminals])

    def is_spe(self, prof) -> bool:
        """One-shot deviation check at every decision node, exact (rational profiles)."""
        for gnode, _, who in self.decisions:
            pl = self.players[who]
            vals = [prof.node_value(pl, c) for c in gnode.children]
            chosen = [k for k, a in enumerate(gnode.infoset.actions) if prof[a] == 1][0]
            if vals[chosen] < max(vals):
                return False
        return True


def solvers(gt: GambitTree, filter_time: list) -> dict:
    import pygambit as gbt

    def agent_spe(game):
        eqs = gbt.nash.enumpure_agent_solve(game).equilibria
        t0 = time.perf_counter()
        out = [e for e in eqs if gt.is_spe(e)]
        filter_time[0] += time.perf_counter() - t0
        return out

    return {"logit": lambda game: list(gbt.nash.logit_solve(game).equilibria),
            "agent+SPE": agent_spe,
            "lcp": lambda game: list(gbt.nash.lcp_solve(game, rational=False).equilibria)}


def run_gambit(gt: GambitTree, solver, params: dict, m: int):
    """Loop over the m points; returns (seconds spent in set_point + solve, of which in set_point, per point the list
    of equilibria found, each read as (moves, outcome probabilities)).  Reading the profiles
    is not timed."""
    spent, setting, out = 0.0, 0.0, []
    for i in range(m):
        point = {k: v[i] for k, v in params.items()}
        t0 = time.perf_counter()
        gt.set_point(point)
        t1 = time.perf_counter()
        eqs = solver(gt.game)
        t2 = time.perf_counter()
        spent += t2 - t0
        setting += t1 - t0
        out.append([gt.read(e) for e in eqs])
    return spent, setting, out


def compare_solvers(gt: GambitTree, sol, results, check_moves: bool, unique: bool, atol: float) -> int:
    """Number of points where no equilibrium found by gambit matches ours: same outcome
    probabilities (``atol``) and, if ``check_moves``, the same move at every decision node where
    ours is not indifferent.  ``unique``: also require a single equilibrium where ours has no tie."""
    bad = 0
    reach = sol.terminal_reach()
    for i, eqs in enumerate(results):
        ours = [(int(sol.choice[name][i]), bool(sol.node_tie[name][i])) for _, name, _ in gt.decisions]

        def match(moves, r):
            if not np.allclose(r, reach[i], atol=atol):
                return False
            return not check_moves or all(tie or mv == k for mv, (k, tie) in zip(moves, ours))

        ok = any(match(mv, r) for mv, r in eqs)
        if unique and not sol.tie[i]:
            ok = ok and len(eqs) == 1
        bad += not ok
    return bad


def _bench_tree(kind: str, tree: Tree, args, seeds) -> bool:
    n, m = args.points, args.gambit_points
    big = draw(tree, kind, n, seeds[0])
    small = draw(tree, kind, m, seeds[1])

    solve(tree, **{k: v[:1000] for k, v in big.items()})  # warm-up
    best = float("inf")
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        res = solve(tree, **big)
        best = min(best, time.perf_counter() - t0)
    mix = ", ".join(f"{t} {p:.3f}" for t, p in zip(tree.terminals, res.terminal_reach().mean(axis=0)))
    rate_ours = n / best
    print(f"\n[{kind}] {len(tree.decision_nodes)} decision nodes, {len(tree.terminals)} outcomes, "
          f"{len(tree.params)} parameters; mean outcome probabilities over the {n:,} points: {mix}")
    print(f"  ours      : {n:>9,d} points in {best * 1e3:10.2f} ms (best of {args.repeats}) -> {rate_ours:14,.0f} points/s"
          f"  (points with a tie: {res.tie.mean():.1%})")

    sol = solve(tree, **small)
    ok = True
    gt = GambitTree(tree)
    filter_time = [0.0]
    for name, solver in solvers(gt, filter_time).items():
        spent, setting, results = run_gambit(gt, solver, small, m)
        is_spe_route = name != "lcp"
        bad = compare_solvers(gt, sol, results, check_moves=is_spe_route, unique=name == "agent+SPE",
                       atol=1e-2 if name == "logit" else 1e-9)
        rate = m / spent
        what = "same SPE (all moves, outcome probabilities)" if is_spe_route else "same outcome probabilities"
        print(f"  {name:<10}: {m:>9,d} points in {spent * 1e3:10.2f} ms (one loop)     -> {rate:14,.0f} points/s"
              f"  ratio {rate_ours / rate:>10,.0f}x; {what} on {m - bad}/{m}")
        print(f"{'':14}(of which setting payoffs and probabilities {setting * 1e3:.1f} ms"
              + (f", SPE filter {filter_time[0] * 1e3:.1f} ms)" if name == "agent+SPE" else ")"))
        if name == "agent+SPE":
            rate_enum = m / (spent - filter_time[0])
            print(f"{'':14}without the filter (enumpure_agent_solve alone): {rate_enum:,.0f} points/s, "
                  f"ratio {rate_ours / rate_enum:,.0f}x")
            ok = ok and not bad
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000, help="batch size for sim.crisis.trees.solve (default 10**6)")
    ap.add_argument("--gambit-points", type=int, default=500, help="points solved one by one by pygambit (default 500)")
    ap.add_argument("--repeats", type=int, default=3, help="repeats of the batched call; best is kept (default 3)")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--trees", default="escalation,brinkmanship", help="comma-separated subset of escalation,brinkmanship")
    args = ap.parse_args(argv)
    if args.points < 1 or args.gambit_points < 1 or args.repeats < 1:
        ap.error("--points, --gambit-points and --repeats must be >= 1")
    kinds = [k.strip() for k in args.trees.split(",") if k.strip()]
    if not kinds or set(kinds) - {"escalation", "brinkmanship"}:
        ap.error("--trees must list escalation and/or brinkmanship")

    import pygambit

    print(f"machine: {platform.machine()}, nproc={os.cpu_count()}, python {platform.python_version()}, "
          f"numpy {np.__version__}, pygambit {pygambit.__version__}, load average {os.getloadavg()[0]:.2f}")
    trees = {"escalation": lambda: Tree.from_spec(asymmetric_escalation_spec()),
             "brinkmanship": lambda: load_tree(ROOT / "configs" / "tree" / "brinkmanship_tree.yaml")}
    seeds = np.random.SeedSequence(args.seed).spawn(2)
    ok = True
    for kind, ss in zip(("escalation", "brinkmanship"), seeds):
        if kind in kinds:
            ok &= _bench_tree(kind, trees[kind](), args, ss.spawn(2))
    print(f"\nexact SPE route (agent+SPE) agrees with sim.crisis.trees.solve on every gambit point: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
