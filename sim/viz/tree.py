"""Figure of a game tree (:mod:`sim.crisis.trees`) with its subgame-perfect equilibrium path.

:func:`tree_figure` draws the tree left to right: the root at depth 0, one column per
depth, terminals in the order of the spec's moves.  A node shared by several parents
(e.g. ``EE`` in the Asymmetric Escalation Game) is drawn once per history, so the
picture is the unfolded game tree.  Edges carry the move name (chance edges also the
probability); edges on the equilibrium path (reached with positive probability) are
drawn thick and dark (``PATH_WIDTH``); moves the equilibrium strategies choose off
the path are dashed (``CHOICE_WIDTH``), the others thin and grey (``EDGE_WIDTH``).  Terminals show the outcome name and
the payoff vector.  Decision nodes are coloured by player.

Each edge is a ``Line2D`` with ``gid = "edge:<node>:<move>"`` (node = the parent), so
tests and callers can find it.  Plots never solve games: pass the solution at one
point (``solution.at(index)``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.viz.style import (MIN_FONT, SIDE_COLOURS, _BASE_FONT, _CATEGORY, _STROKE, _THIN_STROKE, _decimals, _fmt,
                           enforce_min_font, wrap_title)
from sim.crisis import Chance, Decision, Terminal
from sim.crisis.trees import Tree, TreeSolution

__all__ = ["tree_figure", "PATH_WIDTH", "CHOICE_WIDTH", "EDGE_WIDTH"]

PATH_WIDTH = 3.5
CHOICE_WIDTH = 1.6
EDGE_WIDTH = 1.0
_PATH_COLOR = "#222222"
_EDGE_COLOR = "#9a9a9a"


def _unfold(tree: Tree, sol: TreeSolution) -> list[dict]:
    """Histories depth-first: dicts with node, depth, parent index, move, label, reach, y."""
    nodes, out, leaf = tree.node, [], [0]

    def visit(name, depth, parent, move, label, reach):
        h = {"node": name, "depth": depth, "parent": parent, "move": move, "label": label, "reach": reach, "kids": []}
        out.append(h)
        me = len(out) - 1
        nd = nodes[name]
        if isinstance(nd, Terminal):
            h["y"] = float(leaf[0])
            leaf[0] += 1
            return me
        for k, (mv, child) in enumerate(nd.moves):
            if isinstance(nd, Decision):
                r = reach * float(int(sol.choice[name]) == k)
                label = mv
            else:
                p = float(sol.probabilities[name][k])
                r, label = reach * p, f"{mv} (p={p:.2g})"
            h["kids"].append(visit(child, depth + 1, me, mv, label, r))
        h["y"] = sum(out[c]["y"] for c in h["kids"]) / len(h["kids"])
        return me

    visit(tree.root, 0, None, None, None, 1.0)
    return out


def tree_figure(tree: Tree, solution_point: TreeSolution, *, title: str | None = None,
                player_names: dict | list | None = None) -> Figure:
    """Draw ``tree`` with the equilibrium path of ``solution_point`` (a 0-d solution).

    Parameters
    ----------
    tree : the :class:`sim.crisis.trees.Tree` that was solved.
    solution_point : :class:`sim.crisis.trees.TreeSolution` of shape ``()`` (use ``.at(index)``).
    title : figure title (default: "Game tree and subgame-perfect path").
    player_names : display names, a list in player order or a dict name -> display name.

    Returns a matplotlib ``Figure`` (no pyplot, so any backend, e.g. Agg, works).
    """
    if solution_point.shape != ():
        raise ValueError(f"solution_point must be one parameter point (shape ()), got shape {solution_point.shape}; use solution.at(index)")
    if solution_point.tree != tree:
        raise ValueError("solution_point was computed for a different tree")
    names = list(tree.players)
    if isinstance(player_names, dict):
        names = [player_names.get(p, p) for p in names]
    elif player_names is not None:
        if len(player_names) != len(names):
            raise ValueError(f"player_names needs {len(names)} names, got {len(player_names)}")
        names = [str(p) for p in player_names]

    hist = _unfold(tree, solution_point)
    n_leaves = sum(1 for h in hist if not h["kids"])
    depth = max(h["depth"] for h in hist)
    fig = Figure(figsize=(2.4 * depth + 4.2, max(3.0, 0.62 * n_leaves + 1.4)), layout="constrained")
    ax = fig.add_subplot()
    nodes = tree.node
    payoffs = [solution_point.node_value[t] for t in tree.terminals]
    dec = _decimals(np.abs(np.concatenate([np.ravel(p) for p in payoffs]))) if payoffs else 0

    for i, h in enumerate(hist):
        if h["parent"] is None:
            continue
        par = hist[h["parent"]]
        on = h["reach"] > 0
        pn = nodes[par["node"]]
        chosen = isinstance(pn, Decision) and pn.moves[int(solution_point.choice[par["node"]])][0] == h["move"]
        x0, y0, x1, y1 = par["depth"], -par["y"], h["depth"], -h["y"]
        lw = PATH_WIDTH if on else (CHOICE_WIDTH if chosen else EDGE_WIDTH)
        line = Line2D([x0, x1], [y0, y1], lw=lw, color=_PATH_COLOR if on or chosen else _EDGE_COLOR,
                      ls="-" if on or not chosen else "--", zorder=3 if on else 1, solid_capstyle="round")
        line.set_gid(f"edge:{par['node']}:{h['move']}")
        ax.add_line(line)
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.08, h["label"].replace("_", " "), ha="center", va="bottom",
                fontsize=_BASE_FONT - 2, color="black" if on else "#555555", path_effects=_THIN_STROKE, zorder=5)

    for h in hist:
        nd, x, y = nodes[h["node"]], h["depth"], -h["y"]
        if isinstance(nd, Decision):
            color = (SIDE_COLOURS + _CATEGORY[2:])[nd.player % len(_CATEGORY)]
            ax.plot([x], [y], "o", ms=11, color=color, mec="white", zorder=6)
            ax.text(x, y + 0.22, names[nd.player], ha="center", va="bottom", fontsize=_BASE_FONT - 1, color=color,
                    fontweight="bold", path_effects=_STROKE, zorder=7)
        elif isinstance(nd, Chance):
            ax.plot([x], [y], "D", ms=9, color="#777777", mec="white", zorder=6)
            ax.text(x, y + 0.22, "chance", ha="center", va="bottom", fontsize=_BASE_FONT - 2, color="#555555",
                    path_effects=_STROKE, zorder=7)
        else:
            reached = h["reach"] > 0
            ax.plot([x], [y], "s", ms=7, color=_PATH_COLOR if reached else _EDGE_COLOR, zorder=6)
            vals = ", ".join(_fmt(float(v), dec) for v in solution_point.node_value[h["node"]])
            ax.text(x + 0.12, y, f"{h['node']}  ({vals})", ha="left", va="center", fontsize=_BASE_FONT - 1,
                    fontweight="bold" if reached else "normal", path_effects=_STROKE, zorder=7)

    ax.set_xlim(-0.4, depth + 1.3)
    ax.set_ylim(-(n_leaves - 1) - 0.6, 0.8)
    ax.axis("off")
    handles = [Line2D([], [], lw=PATH_WIDTH, color=_PATH_COLOR, label="equilibrium path"),
               Line2D([], [], lw=CHOICE_WIDTH, ls="--", color=_PATH_COLOR, label="chosen off the path"),
               Line2D([], [], lw=EDGE_WIDTH, color=_EDGE_COLOR, label="not chosen")]
    handles += [Line2D([], [], ls="", marker="o", ms=9, color=(SIDE_COLOURS + _CATEGORY[2:])[i % len(_CATEGORY)],
                       label=n) for i, n in enumerate(names)]
    handles.append(Line2D([], [], ls="", label="payoffs in player order: " + ", ".join(names)))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=MIN_FONT, frameon=False)
    fig.suptitle(wrap_title(title or "Game tree and subgame-perfect path", fig.get_figwidth(), _BASE_FONT + 1),
                 fontsize=_BASE_FONT + 1)
    return enforce_min_font(fig)
