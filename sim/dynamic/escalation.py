"""The repeated crisis of ``docs/repeated-model.md`` as a stochastic game.

States (in this order):

- the **opening** state ``"start"`` (the first round; the settlement counter is 0), unless
  ``opening=(x, y)`` is given: then the crisis opens in the state of the last rung pair
  ``(x, y)`` ("as if the last round had been (x, y)"; for ``(0, 0)`` with settlement that
  round counts once towards it);
- one state per last *executed* rung pair ``(x, y)``, in C order; with ``settle_after = m > 1``
  the pair ``(0, 0)`` is split into ``m - 1`` states carrying the counter ``c = 1 .. m-1`` of
  consecutive rounds at ``(0, 0)`` (with ``m = 1`` a round at ``(0, 0)`` settles, so there is no
  ``(0, 0)`` state);
- the absorbing states ``war``, ``settled``, ``mediated`` (self-loops, zero payoff), in the
  :class:`sim.repeated.Ending` order.

One round in an active state at intended rungs ``(i, j)``: execution noise gives executed
rungs ``(x, y)`` with probability ``E_A[i, x] E_B[j, y]``; both receive ``A[x, y]``,
``B[x, y]`` plus ``w[x, y] * war_payoff`` (war pays once, in the round it breaks out;
``w`` = the game's war probability times ``war_risk_scale``); then war with ``w[x, y]``,
else mediation with ``mu(x, y)``, else the counter moves and the crisis goes on in state
``(x, y)`` or settles.  This is the process of ``sim.analyse``, so a memory-one strategy pair
(:func:`sim.dynamic.policy_to_strategy`) has ``policy_values(...)[opening_state]`` equal to
``sim.analyse(game, a, b, rounds=None, discount=...).total_payoffs``.

**Alternating timing** (``settings.timing == "alternating"``; ``settings.first_mover`` moves
first): each round one side moves and the other's rung stands, as in ``sim.simulate`` and
``sim.analyse`` under the same settings.  The active states are then the *A-to-move* states
``"A (x, y)"`` and the *B-to-move* states ``"B (x, y)"`` of the standing pair ``(x, y)`` (each
with the ``(0, 0)`` counter split as above), after the opening state ``"start"`` (the first
mover to move, no history, the other side standing at 0) unless an opening is given (then
the crisis opens in the first mover's state of ``(x0, y0)``, e.g. ``"B (4, 0)"``, an opening
``(0, 0)`` counting once towards settlement).  In a state where one side moves, the
other side's action changes nothing (payoffs and transitions do not depend on it): it is
indifferent there, so its Markov QRE play is uniform and its one-shot gap 0.  ``mover[s]``
records who moves (0: A, 1: B, 2: both, under simultaneous timing; -1: absorbing).  A round here is one move, with the
settings' per-round discount.

Perception noise is not part of this game (a side that misreads the other's rung no longer
knows the state): non-zero perception noise is a ``ConfigError``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import limits
from sim.dynamic.game import StochasticGame
from sim.errors import ConfigError
from sim.repeated import CrisisSettings

__all__ = ["EscalationGame", "escalation_game"]


@dataclass(frozen=True, eq=False, repr=False)
class EscalationGame(StochasticGame):
    """A :class:`StochasticGame` built by :func:`escalation_game`, with its state map.

    Extra attributes
    ----------------
    rungs : int
        K, the rungs of the ladder (actions of each side).
    opening_state : int
        Index of the state the crisis opens in.
    last_pair : ndarray (S, 2) of int
        The last executed rung pair of each state; ``-1`` for the ``start`` state and the
        absorbing states.
    counter : ndarray (S,) of int
        Consecutive rounds at ``(0, 0)`` so far (0 except in the ``(0, 0)`` states).
    next_state : ndarray (max(1, m), K, K) of int, or (2, max(1, m), K, K) when alternating
        ``next_state[c, x, y]``: the state after executed ``(x, y)`` at counter ``c`` when the
        crisis goes on (the ``settled`` state when it completes the settlement run).  When
        alternating, ``next_state[p, c, x, y]`` from a state where side ``p`` moved (0: A).
    mover : ndarray (S,) of int
        Who moves in each state: 0 (A), 1 (B), 2 (both: simultaneous timing), -1 (absorbing).
    settings : CrisisSettings
        The settings it was built from.
    """

    rungs: int = 2
    opening_state: int = 0
    last_pair: np.ndarray | None = None
    counter: np.ndarray | None = None
    next_state: np.ndarray | None = None
    mover: np.ndarray | None = None
    settings: CrisisSettings | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("last_pair", "counter", "next_state", "mover"):
            if getattr(self, name) is None:
                raise ConfigError(name, "is required: build an EscalationGame with sim.dynamic.escalation_game")
            arr = np.array(getattr(self, name), dtype=int)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    def __repr__(self) -> str:
        return (f"EscalationGame(K={self.rungs}, states={self.n_states}, discount={self.discount:g}, "
                f"opening={self.state_labels[self.opening_state]!r})")

    @property
    def absorbing(self) -> dict[str, int]:
        """``{"war": S - 3, "settled": S - 2, "mediated": S - 1}``: the last three states."""
        S = self.n_states
        return {"war": S - 3, "settled": S - 2, "mediated": S - 1}

    @property
    def alternating(self) -> bool:
        """Whether the sides take turns (built with ``timing="alternating"``)."""
        return self.next_state.ndim == 4

    def state_after(self, state: int, x: int, y: int) -> int:
        """The state after executed rungs ``(x, y)`` in active ``state`` when neither war nor
        mediation ends the crisis (``settled`` when that round completes the settlement run).
        When alternating, ``(x, y)`` is the pair that stands after the move."""
        c = int(self.counter[state])
        if self.alternating:
            return int(self.next_state[int(self.mover[state]), c, x, y])
        return int(self.next_state[c, x, y])


def _states(K: int, m: int | None, start: bool):
    """Labels, last pairs and counters of the states."""
    labels, pairs, counters = (["start"], [(-1, -1)], [0]) if start else ([], [], [])
    for x in range(K):
        for y in range(K):
            if (x, y) != (0, 0) or m is None:
                labels.append(f"({x}, {y})"), pairs.append((x, y)), counters.append(0)
            else:
                for c in range(1, m):
                    labels.append(f"(0, 0) x{c}"), pairs.append((0, 0)), counters.append(c)
    for name in ("war", "settled", "mediated"):
        labels.append(name), pairs.append((-1, -1)), counters.append(0)
    return labels, np.array(pairs, dtype=int), np.array(counters, dtype=int)


def _next_table(K: int, m: int | None, index: dict, settled: int) -> np.ndarray:
    """``nxt[c, x, y]``: the state after executed ``(x, y)`` at counter c (crisis goes on)."""
    nxt = np.zeros((m or 1, K, K), dtype=int)
    for c in range(m or 1):
        for x in range(K):
            for y in range(K):
                if (x, y) != (0, 0) or m is None:
                    nxt[c, x, y] = index[(x, y, 0)]
                else:
                    nxt[c, x, y] = settled if c + 1 >= m else index[(0, 0, c + 1)]
    return nxt


def _alternating(K, m, opening, first, stage, w, mu, EA, EB):
    """States, payoffs and transitions of the alternating game (module docstring)."""
    labels, pairs, counters, movers = [], [], [], []
    if opening is None:  # the first mover, no history; the other side stands at 0
        labels.append("start"), pairs.append((-1, 0) if first == 0 else (0, -1))
        counters.append(0), movers.append(first)
    for p, side in enumerate("AB"):
        lab, pr, cn = _states(K, m, False)
        k = len(lab) - 3
        labels += [f"{side} {l}" for l in lab[:k]]
        pairs += [tuple(q) for q in pr[:k]]
        counters += list(cn[:k])
        movers += [p] * k
    for name in ("war", "settled", "mediated"):
        labels.append(name), pairs.append((-1, -1)), counters.append(0), movers.append(-1)
    pairs, counters, movers = np.array(pairs, dtype=int), np.array(counters, dtype=int), np.array(movers, dtype=int)
    S = len(labels)
    war, settled, mediated = S - 3, S - 2, S - 1
    index = {(int(mv), int(x), int(y), int(c)): s for s, (mv, (x, y), c) in enumerate(zip(movers, pairs, counters))
             if x >= 0}
    # next_state[p, c, x, y]: side p moved at counter c and (x, y) stands -> the other side's state
    nxt = np.zeros((2, m or 1, K, K), dtype=int)
    for p in range(2):
        sub = {(x, y, c): s for (mv, x, y, c), s in index.items() if mv == 1 - p}
        nxt[p] = _next_table(K, m, sub, settled)
    cont = (1.0 - w) * (1.0 - mu)
    xs, ys = np.meshgrid(np.arange(K), np.arange(K), indexing="ij")
    bs = w.shape[:-2]  # the batch shape of a batch of stage games
    payoffs = np.zeros(bs + (S, K, K, 2))
    transitions = np.zeros(bs + (S, K, K, S))
    for s in range(S - 3):  # a loop over states (not games)
        p, (x0, y0), c = movers[s], pairs[s], counters[s]
        step = np.zeros(bs + (K, K, S))  # the standing pair (x, y) after the move -> next state
        step[..., war] = w
        step[..., mediated] += (1.0 - w) * mu
        step[..., xs, ys, nxt[p, c]] += cont
        if p == 0:  # A moves; B's rung y0 stands
            payoffs[..., s, :, :, :] = (EA @ stage[..., :, y0, :])[..., :, None, :]
            transitions[..., s, :, :, :] = (EA @ step[..., :, y0, :])[..., :, None, :]
        else:       # B moves; A's rung x0 stands
            payoffs[..., s, :, :, :] = (EB @ stage[..., x0, :, :])[..., None, :, :]
            transitions[..., s, :, :, :] = (EB @ step[..., x0, :, :])[..., None, :, :]
    for s in (war, settled, mediated):
        transitions[..., s, :, :, s] = 1.0
    payoffs.setflags(write=False), transitions.setflags(write=False)  # handed over to the game, not copied
    if opening is None:
        start = 0
    else:
        start = index[(first, *opening, 1 if tuple(opening) == (0, 0) and m is not None else 0)]
    return labels, pairs, counters, movers, nxt, payoffs, transitions, start


def _stage(game, cs: CrisisSettings):
    """Per-round expected payoffs (..., K, K, 2) at executed rungs and the scaled war risk (..., K, K)."""
    A, B = np.asarray(game.A, float), np.asarray(game.B, float)
    w = np.zeros(A.shape) if game.war_probability is None else np.asarray(game.war_probability, float)
    wpay = np.zeros(2) if game.war_payoff is None else np.asarray(game.war_payoff, float)
    shape = np.broadcast_shapes(A.shape, B.shape, w.shape, wpay.shape[:-1] + (1, 1))
    ws = np.broadcast_to(cs.war_probability(w), shape)
    wa, wb = wpay[..., 0, None, None], wpay[..., 1, None, None]
    return np.stack(np.broadcast_arrays(A + ws * wa, B + ws * wb), -1), ws


def _check_batch_size(batch_shape, K: int, m: int | None, start: bool, alternating: bool, memory_budget_gb) -> None:
    """A batch's payoffs and transitions fit the memory budget, or one line (before allocating)."""
    pairs = len(_states(K, m, False)[0]) - 3
    S = int(start) + pairs * (2 if alternating else 1) + 3
    G = int(np.prod(batch_shape, dtype=float)) if batch_shape else 1
    need = 8.0 * G * S * K * K * (S + 2)
    budget = limits.budget_bytes(memory_budget_gb)
    if need > budget:
        raise ConfigError("game", f"a batch of {G} escalation games of {S} states needs ~{limits.gib(need)} GiB, over "
                                  f"the {budget / limits.GIB:g} GiB memory budget; at most {max(0, int(budget // (need / G)))} "
                                  f"games fit at once")


def escalation_game(game, settings: CrisisSettings | None = None, *, timing: str | None = None,
                    opening: tuple[int, int] | None = None, memory_budget_gb: float | None = None) -> EscalationGame:
    """The repeated crisis of a stage game as a stochastic game (see the module docstring).

    Parameters
    ----------
    game : sim.games.Game
        A square K x K game, or a batch of them (``A.shape == (..., K, K)``, e.g. a ladder
        built over a parameter grid): then the result is a batch of stochastic games with the
        same states (payoffs ``(..., S, K, K, 2)``), for :func:`sim.dynamic.markov_perfect`.
        ``A``, ``B`` are the stage payoffs; its ``war_probability`` and ``war_payoff`` give
        the war risk and the war payoff.
    settings : CrisisSettings, optional
        ``discount`` must be < 1 (infinite horizon; ``rounds`` is ignored); execution noise,
        ``settle_after``, mediation and ``war_risk_scale`` are used; perception noise must be 0.
    timing : "simultaneous" or "alternating", optional
        Overrides ``settings.timing`` (module docstring).
    opening : (x, y), optional
        Overrides ``settings.opening``: open the crisis as if the last executed rung pair were
        ``(x, y)``; default: a ``start`` state of its own.
    memory_budget_gb : float, optional
        A batch whose ``payoffs`` and ``transitions`` (``8 S K^2 (S + 2)`` bytes a game) would
        exceed it is refused before allocating (default :data:`sim.limits.DEFAULT_MEMORY_BUDGET_GB`).

    Returns
    -------
    EscalationGame
        A :class:`StochasticGame` with ``S = [1] + K*K (+ m - 2 with settlement) + 3`` states
        (alternating: twice the pair states).
    """
    cs = CrisisSettings.resolve(settings, timing=timing, opening=opening)
    opening = cs.opening
    if not hasattr(game, "A") or not hasattr(game, "B"):
        raise ConfigError("game", f"must be a sim.games.Game, got {type(game).__name__}")
    if np.ndim(game.A) < 2:
        raise ConfigError("game", f"needs K x K payoff matrices, got A of shape {np.shape(game.A)}")
    K, KB = np.shape(game.A)[-2:]
    if K != KB:
        raise ConfigError("game", f"the repeated crisis needs a square K x K game, got {K} x {KB}")
    if not cs.discount < 1.0:
        raise ConfigError("settings.discount", f"must be < 1 for the infinite-horizon game, got {cs.discount:g}")
    (EA, EB), (PA, PB) = cs.noise(K)
    if not (np.allclose(PA, np.eye(K), rtol=0, atol=0) and np.allclose(PB, np.eye(K), rtol=0, atol=0)):
        raise ConfigError("settings.perception_noise", "must be 0: the stochastic game's state is the true last "
                                                       "rung pair (a side that misreads it does not know the state)")
    m = cs.settle_after
    cs.opening_pair(K)
    _check_batch_size(np.broadcast_shapes(*(np.shape(x)[:-2] for x in (game.A, game.B) if np.ndim(x) >= 2)), K, m,
                      opening is None, cs.alternating, memory_budget_gb)
    if cs.alternating:
        stage, w = _stage(game, cs)
        labels, pairs, counters, movers, nxt, payoffs, transitions, start = _alternating(
            K, m, opening, cs.first, stage, w, cs.mediation_table(K), EA, EB)
        return EscalationGame(payoffs, transitions, cs.discount, tuple(labels), rungs=int(K), opening_state=start,
                              last_pair=pairs, counter=counters, next_state=nxt, mover=movers, settings=cs)
    labels, pairs, counters = _states(K, m, opening is None)
    S = len(labels)
    index = {(int(x), int(y), int(c)): s for s, ((x, y), c) in enumerate(zip(pairs, counters)) if x >= 0}
    war, settled, mediated = S - 3, S - 2, S - 1
    nxt = _next_table(K, m, index, settled)

    stage, w = _stage(game, cs)  # (K, K, 2), (K, K)
    mu = cs.mediation_table(K)
    cont = (1.0 - w) * (1.0 - mu)
    exec_pair = EA[:, None, :, None] * EB[None, :, None, :]  # (i, j, x, y)
    bs = w.shape[:-2]  # the batch shape of a batch of stage games
    payoffs = np.zeros(bs + (S, K, K, 2))
    transitions = np.zeros(bs + (S, K, K, S))
    active = S - 3
    payoffs[..., :active, :, :, :] = np.einsum("ijxy,...xyk->...ijk", exec_pair, stage)[..., None, :, :, :]
    xs, ys = np.meshgrid(np.arange(K), np.arange(K), indexing="ij")
    by_counter = []
    for c in range(m or 1):  # the transition of an active state depends only on its counter
        step = np.zeros(bs + (K, K, S))  # executed (x, y) -> next state
        step[..., war] = w
        step[..., mediated] += (1.0 - w) * mu
        step[..., xs, ys, nxt[c]] += cont
        by_counter.append(np.einsum("ijxy,...xyt->...ijt", exec_pair, step))
    for s in range(active):
        transitions[..., s, :, :, :] = by_counter[counters[s]]
    for s in (war, settled, mediated):
        transitions[..., s, :, :, s] = 1.0
    payoffs.setflags(write=False), transitions.setflags(write=False)  # handed over to the game, not copied
    if opening is None:
        start = 0
    else:
        start = int(nxt[0, opening[0], opening[1]])
    movers = np.where(np.arange(S) < active, 2, -1)
    return EscalationGame(payoffs, transitions, cs.discount, tuple(labels), rungs=int(K), opening_state=start,
                          last_pair=pairs, counter=counters, next_state=nxt, mover=movers, settings=cs)
