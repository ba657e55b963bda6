"""Exact analysis of a repeated crisis as a Markov chain on the product state.

Two automata (:class:`sim.repeated.strategies.Strategy`) playing the repeated crisis of
``docs/repeated-model.md`` form one Markov chain.  Its transient states are the triples
``(s_A, s_B, c)``: the two automaton states and the counter ``c = 0 .. m-1`` of
consecutive rounds at ``(0, 0)`` (``m = settle_after``; one counter value when settlement
is off).  Three absorbing states follow them: **war**, **settled**, **mediated**.  The
transient states are flattened in C order, ``index = (s_A * S_B + s_B) * m + c``.

Algorithm
---------
1. Execution: ``exec_A[s, x] = sum_i action_A[s, i] * E_A[i, x]`` (same for B), with
   ``E`` the execution confusion matrix.  Perception is folded into the transitions:
   ``T_A[s, x, y, s2] = sum_v P_A[y, v] * transition_A[s, x, v, s2]`` (A executed ``x``, B
   executed ``y``, A saw ``v``), and ``T_B[s, y, x, s2]`` likewise.
2. Ending rules in the fixed order war -> mediation -> settlement: after a round at
   ``(x, y)`` war comes with ``w[x, y]``, mediation with ``(1 - w) * mu(x, y)``, and the
   crisis goes on with ``cont = (1 - w) * (1 - mu)``; then the (0, 0) counter moves and
   reaching ``m`` settles.
3. One round (``einsum`` over the tables)::

       Q[(a, b) -> (a2, b2)] = sum_{x, y} exec_A[a, x] exec_B[b, y] cont[x, y]
                                          T_A[a, x, y, a2] T_B[b, y, x, b2]

   split into the (0, 0) cell (counter ``c -> c + 1``) and all other cells
   (counter ``-> 0``).  ``exits[:, (war, settled, mediated)]`` are the one-round
   absorption probabilities and ``rewards`` the expected stage payoff of a round played
   in each state, ``E[base[x, y] + w[x, y] * war_payoff]``.
4. Finite horizon (``rounds=T``): the distribution ``v_t`` over transient states is
   pushed forward ``T`` times; everything else is a linear read-out of ``v_t``.
5. Long run (``rounds=None``): the communicating classes of the full chain
   (``scipy.sparse.csgraph``) split states into closed classes (the three absorbing
   states and any closed class of the transient states, e.g. noise-free mutual
   restraint without war risk) and the rest.  Each closed class gets its stationary
   distribution (``pi (P - I) = 0``, ``sum pi = 1``); the absorption probabilities into
   closed classes come from the fundamental matrix, ``(I - Q_TT)^{-1} R_TC`` (Kemeny
   and Snell 1960, ch. 3).  Their product is the Cesaro limit of the distribution, which
   gives the eventual ending probabilities and the long-run per-round payoff.  Expected
   total discounted payoffs are ``v0 (I - delta Q)^{-1} r``; with ``delta = 1`` this is
   finite when the crisis ends with probability one.

Batches: everything is vectorised over the game's batch dimensions.  The chain depends on
the game only through the war probabilities, so it is built once per distinct war-risk
table (``np.unique``), advanced with batched ``matmul`` and solved with batched
``np.linalg.solve``; the graph analysis of step 5 runs once per distinct zero pattern.

Where things live: this module builds the chain (steps 1-3: :func:`product_chain`,
:class:`ProductChain`) and assembles :class:`MarkovResult` in :func:`analyse`; the
finite-horizon and long-run solvers (steps 4-5: ``_finite``, ``_long_run``,
``_long_run_group``, ``_solve``) live in :mod:`sim.repeated.markov.solve`, and the result types
(:class:`ProductChain`, :class:`MarkovResult`) in :mod:`sim.repeated.markov.result`; all are importable from here.

Timing and opening (:class:`sim.repeated.CrisisSettings`): an opening pair changes the
automata's initial distributions (both observe it; an opening ``(0, 0)`` starts the counter at
1).  Under alternating timing the chain above is replaced by the *period chain* of
:mod:`sim.repeated.markov.alternating` (phase, both automaton states, the standing rung of the
side not moving, counter; ``2 S_A S_B K m`` states): the long run solves it densely as above,
the finite horizon pushes it move by move without building it (``alternating_step``).
"""

from __future__ import annotations


import numpy as np

from sim.arrays import unique_rows
from sim import limits
from sim.repeated.markov.alternating import (alternating_exits, alternating_kernel, alternating_step,
                                             alternating_readout, alternating_rewards, alternating_tables,
                                             push_states)
from sim.repeated.markov.result import MarkovResult, ProductChain
from sim.repeated.markov.solve import _finite, _long_run
from sim.repeated.strategies.custom import strategy_pair
from sim.repeated.settings import CrisisSettings
from sim.repeated.strategies.automaton import Strategy
from sim.repeated.strategies.timing import timed_pair

__all__ = ["product_chain", "analyse", "crisis_stage"]

def crisis_stage(game, cs: CrisisSettings):
    """Flattened stage data: each round's expected payoffs at the scaled war risk
    (stage payoffs plus ``ws * war_payoff``: war pays once, in the round it breaks out), the
    scaled war risk ``ws`` and the batch shape."""
    A, B = np.asarray(game.A, float), np.asarray(game.B, float)
    batch = A.shape[:-2]
    K = A.shape[-1]
    w = np.zeros(A.shape) if game.war_probability is None else \
        np.broadcast_to(np.asarray(game.war_probability, float), A.shape)
    wpay = np.zeros(batch + (2,)) if game.war_payoff is None else \
        np.broadcast_to(np.asarray(game.war_payoff, float), batch + (2,))
    ws = cs.war_probability(w)
    Ae = A + ws * wpay[..., 0, None, None]
    Be = B + ws * wpay[..., 1, None, None]
    N = int(np.prod(batch, dtype=int))
    return Ae.reshape(N, K, K), Be.reshape(N, K, K), ws.reshape(N, K, K), batch


# --------------------------------------------------------------------------- the kernel
def _tables(strategy_a, strategy_b, cs: CrisisSettings, K):
    (EA, EB), (PA, PB) = cs.noise(K)
    exec_a = strategy_a.action @ EA
    exec_b = strategy_b.action @ EB
    # T_A[a, x, y, a2]: A executed x, B executed y, A saw v ~ P_A[y, v]
    TA = np.einsum("yv,axvc->axyc", PA, strategy_a.transition)
    # T_B[b, y, x, b2]: B executed y, A executed x, B saw v ~ P_B[x, v]
    TB = np.einsum("xv,byvd->byxd", PB, strategy_b.transition)
    return exec_a, exec_b, TA, TB


def _pair_kernel(cont, exec_a, exec_b, TA, TB):
    """R[g, a, b, a2, b2] = sum_xy exec_a[a, x] exec_b[b, y] cont[g, x, y] T_A[a, x, y, a2] T_B[b, y, x, b2].

    Done as one batched matmul over the K*K rung pairs.
    """
    G, K = cont.shape[0], cont.shape[-1]
    SA, SB = exec_a.shape[0], exec_b.shape[0]
    la = cont[:, None, :, :, None] * (exec_a[:, :, None, None] * TA)[None]  # (G, a, x, y, a2)
    la = la.transpose(0, 1, 4, 2, 3).reshape(G, SA * SA, K * K)
    lb = (exec_b[:, :, None, None] * TB).transpose(2, 1, 0, 3).reshape(K * K, SB * SB)  # (x, y, b, b2)
    R = (la @ lb).reshape(G, SA, SA, SB, SB)
    return R.transpose(0, 1, 3, 2, 4)


def _chain_kernel(w, exec_a, exec_b, TA, TB, mu, m, settle):
    """Q (G, n, n) and exits (G, n, 3) for war tables w (G, K, K)."""
    G = w.shape[0]
    SA, SB = exec_a.shape[0], exec_b.shape[0]
    cont = (1.0 - w) * (1.0 - mu)
    if settle:
        cont_n = cont.copy()
        cont_n[:, 0, 0] = 0.0
        Rn = _pair_kernel(cont_n, exec_a, exec_b, TA, TB)  # counter resets
        R0 = np.einsum("a,b,g,ac,bd->gabcd", exec_a[:, 0], exec_b[:, 0], cont[:, 0, 0], TA[:, 0, 0], TB[:, 0, 0])
        Q = np.zeros((G, SA, SB, m, SA, SB, m))
        Q[..., 0] = Rn[:, :, :, None]
        for c in range(m - 1):
            Q[:, :, :, c, :, :, c + 1] = R0
    else:
        Q = _pair_kernel(cont, exec_a, exec_b, TA, TB)
    n = SA * SB * m
    exits = np.zeros((G, SA, SB, m, 3))
    exits[..., 0] = np.einsum("ax,by,gxy->gab", exec_a, exec_b, w)[..., None]
    exits[..., 2] = np.einsum("ax,by,gxy->gab", exec_a, exec_b, (1.0 - w) * mu)[..., None]
    if settle:
        exits[:, :, :, m - 1, 1] = exec_a[None, :, 0, None] * exec_b[None, None, :, 0] * cont[:, 0, 0, None, None]
    return Q.reshape(G, n, n), exits.reshape(G, n, 3)


def _rewards(Ae, Be, exec_a, exec_b, m):
    """(N, n, 2) expected payoff of a round in each transient state."""
    r = np.stack([np.einsum("ax,by,gxy->gab", exec_a, exec_b, Ae),
                  np.einsum("ax,by,gxy->gab", exec_a, exec_b, Be)], -1)
    r = np.broadcast_to(r[:, :, :, None, :], r.shape[:3] + (m, 2))
    return r.reshape(r.shape[0], -1, 2)


def _setup(game, strategy_a, strategy_b, cs: CrisisSettings):
    K = game.A.shape[-1]
    Ae, Be, ws, batch = crisis_stage(game, cs)
    mu = cs.mediation_table(K)
    settle = cs.settle_after is not None
    m = cs.settle_after if settle else 1
    common = dict(K=K, Ae=Ae, Be=Be, ws=ws, batch=batch, mu=mu, settle=settle, m=m)
    if cs.alternating:
        t = alternating_tables(strategy_a, strategy_b, cs, K)
        ra, rb = alternating_readout(t, m)
        return dict(common, **t, rung_a=ra, rung_b=rb)
    opening = cs.opening_pair(K)
    if opening is not None:  # both automata first observe the opening pair
        strategy_a, strategy_b, _, _ = timed_pair(strategy_a, strategy_b, cs, K)
    exec_a, exec_b, TA, TB = _tables(strategy_a, strategy_b, cs, K)
    SA, SB = strategy_a.n_states, strategy_b.n_states
    v0 = np.zeros((SA, SB, m))
    v0[:, :, 1 if opening == (0, 0) and settle else 0] = np.outer(strategy_a.initial, strategy_b.initial)
    n = SA * SB * m
    ra = np.broadcast_to(exec_a[:, None, None, :], (SA, SB, m, K)).reshape(n, K)
    rb = np.broadcast_to(exec_b[None, :, None, :], (SA, SB, m, K)).reshape(n, K)
    return dict(common, exec_a=exec_a, exec_b=exec_b, TA=TA, TB=TB, v0=v0.reshape(-1), shape=(SA, SB, m),
                rung_a=ra, rung_b=rb)


def _kernel(w, d):
    """``Q``, ``exits`` of the setup ``d`` for war tables ``w`` (G, K, K), either timing."""
    if len(d["shape"]) == 5:
        return alternating_kernel(w, d["mu"], d, d["m"], d["settle"])
    return _chain_kernel(w, d["exec_a"], d["exec_b"], d["TA"], d["TB"], d["mu"], d["m"], d["settle"])


def _round_rewards(d):
    if len(d["shape"]) == 5:
        return alternating_rewards(d["Ae"], d["Be"], d, d["m"])
    return _rewards(d["Ae"], d["Be"], d["exec_a"], d["exec_b"], d["m"])


def _readout(d):
    """``v (G, n) -> (rungs of A (G, K), rungs of B (G, K))`` in the round played from ``v``."""
    if len(d["shape"]) == 5:
        return lambda v: (v @ d["rung_a"], v @ d["rung_b"])
    SA, SB, m = d["shape"]

    def simultaneous(v):
        vab = v.reshape(v.shape[0], SA, SB, m).sum(-1)
        return vab.sum(2) @ d["exec_a"], vab.sum(1) @ d["exec_b"]
    return simultaneous


def _n_states(strategy_a, strategy_b, cs, K) -> int:
    n = strategy_a.n_states * strategy_b.n_states * (cs.settle_after or 1)
    return 2 * K * n if cs.alternating else n


def _pair_text(strategy_a, strategy_b) -> str:
    return f"{getattr(strategy_a, 'name', 'A')} x {getattr(strategy_b, 'name', 'B')}"


def product_chain(game, strategy_a: Strategy, strategy_b: Strategy, *, settings: CrisisSettings | None = None,
                  execution_noise=None, perception_noise=None, settle_after: int | None = None,
                  mediation: float | None = None, mediation_slope: float | None = None,
                  war_risk_scale: float | None = None, timing: str | None = None,
                  opening=None, first_mover: str | None = None, memory_budget_gb: float | None = None) -> ProductChain:
    """The one-round transition of a strategy pair (see :class:`ProductChain`).

    Arguments as in :func:`analyse`.  Useful for custom analyses; :func:`analyse` builds
    the same chain internally (once per distinct war-risk table).  Here every game of a
    batch gets its own chain, and the memory check counts them all.
    """
    strategy_a, strategy_b, K = strategy_pair(game, strategy_a, strategy_b)  # names and specs accepted too
    cs = CrisisSettings.resolve(settings, execution_noise=execution_noise, perception_noise=perception_noise,
                                settle_after=settle_after, mediation=mediation, mediation_slope=mediation_slope,
                                war_risk_scale=war_risk_scale,
                                timing=timing, opening=opening, first_mover=first_mover)
    states = (strategy_a.n_states, strategy_b.n_states)
    N = int(np.prod(np.shape(game.A)[:-2], dtype=np.int64))
    limits.check_markov(N, _n_states(strategy_a, strategy_b, cs, K), N, 1, K,
                        automaton_states=states, budget=limits.budget_bytes(memory_budget_gb),
                        what=_pair_text(strategy_a, strategy_b))
    d = _setup(game, strategy_a, strategy_b, cs)
    Q, exits = _kernel(d["ws"], d)
    r = _round_rewards(d)
    b, n = d["batch"], Q.shape[-1]
    return ProductChain(Q.reshape(b + (n, n)), exits.reshape(b + (n, 3)), r.reshape(b + (n, 2)), d["v0"],
                        d["exec_a"], d["exec_b"], d["shape"], d["rung_a"], d["rung_b"])


# --------------------------------------------------------------------------- public entry
def analyse(game, strategy_a: Strategy, strategy_b: Strategy, *, rounds: int | None = None,
            settings: CrisisSettings | None = None, execution_noise=None, perception_noise=None,
            settle_after: int | None = None, mediation: float | None = None, mediation_slope: float | None = None,
            discount: float | None = None, war_risk_scale: float | None = None, timing: str | None = None,
                  opening=None, first_mover: str | None = None,
            memory_budget_gb: float | None = None) -> MarkovResult:
    """Exact distribution of outcomes of a strategy pair in the repeated crisis.

    Implements ``docs/repeated-model.md`` exactly (the Monte-Carlo engine's process), as a
    Markov chain on the product of the two automata (see the module docstring for the
    algorithm).

    Parameters
    ----------
    game : Game
        One game or a batch, ``A.shape == (..., K, K)``.  ``war_probability`` and
        ``war_payoff`` (ladder games) give the per-round war risk and the war payoff.
    strategy_a, strategy_b : Strategy
        Automata over the game's K rungs (side A = rows, side B = columns).
    rounds : int or None
        Horizon T; ``None`` for the long run (see :class:`MarkovResult`).
    settings : CrisisSettings, optional
        The crisis settings at once; the keyword settings, where given (not None), override
        its fields.  For the long run of settings with a horizon, pass
        ``dataclasses.replace(settings, rounds=None)``.
    execution_noise, perception_noise : float, (K, K) array, or a pair of them
        Per side (a single value applies to both): a rate ``e`` (with probability ``e`` a
        uniformly random other rung) or a row-stochastic confusion matrix ``M[true, result]``.
    settle_after : int or None
        m: settled after m consecutive rounds with both sides executing rung 0.
    mediation, mediation_slope : float
        Per-round probability of mediation ``min(1, mu0 + mu1 * max(x, y) / (K - 1))``.
    discount : float in (0, 1]
        Round t is weighted by ``discount ** (t - 1)``.
    war_risk_scale : float >= 0
        Multiplies the game's war probabilities (the result must stay <= 1).
    timing : "simultaneous" or "alternating"
        Both sides move each round, or they take turns, side A first (a strike, then the
        answer); see :class:`sim.repeated.CrisisSettings`.
    opening : (rung_a, rung_b) or None
        The rung pair standing when the crisis opens (the trigger); see
        :class:`sim.repeated.CrisisSettings`.
    first_mover : "a" or "b"
        Under alternating timing, the side that moves first.
    memory_budget_gb : float or None
        Refuse (``ConfigError``, before the chains are built) an analysis whose estimated
        peak memory (:func:`sim.limits.markov_bytes`: distinct chains x product states^2)
        is over this many GiB; default :data:`sim.limits.DEFAULT_MEMORY_BUDGET_GB`.

    Returns
    -------
    MarkovResult

    Raises
    ------
    ConfigError
        On a bad argument (one line naming it), or an estimated peak memory over the budget.

    Notes
    -----
    The chain has ``S_A * S_B * m`` transient states; memory and time grow with its
    square (storage) and cube (long-run solves) per distinct war-risk table in the batch.
    """
    strategy_a, strategy_b, K = strategy_pair(game, strategy_a, strategy_b)  # names and specs accepted too
    cs = CrisisSettings.resolve(settings, rounds=rounds, execution_noise=execution_noise,
                                perception_noise=perception_noise, settle_after=settle_after, mediation=mediation,
                                mediation_slope=mediation_slope, discount=discount, war_risk_scale=war_risk_scale,
                                timing=timing, opening=opening, first_mover=first_mover)
    rounds, discount = cs.rounds, cs.discount
    budget = limits.budget_bytes(memory_budget_gb)
    states = (strategy_a.n_states, strategy_b.n_states)
    n_states = _n_states(strategy_a, strategy_b, cs, K)
    if cs.alternating and rounds is not None:  # no dense chain (alternating_step): count its arrays
        n_states = push_states(*states, K, cs.settle_after or 1)
    # before any table is built: one chain must fit (all distinct chains are counted below)
    limits.check_markov(1, n_states, 1, rounds, K, automaton_states=states, budget=budget,
                        what=_pair_text(strategy_a, strategy_b))
    d = _setup(game, strategy_a, strategy_b, cs)
    batch, K, shape = d["batch"], d["K"], d["shape"]
    N = d["ws"].shape[0]
    # one chain per distinct war-risk table
    wu, inv = unique_rows(d["ws"].reshape(N, -1))
    inv = inv.reshape(-1)
    wu = wu.reshape(-1, K, K)
    limits.check_markov(wu.shape[0], n_states, N, rounds, K, automaton_states=states, budget=budget,
                        what=_pair_text(strategy_a, strategy_b))
    alternating_finite_horizon = rounds is not None and len(shape) == 5
    if alternating_finite_horizon:  # pushed move by move through the automaton tables, no dense Q
        exits = alternating_exits(wu, d["mu"], d, d["m"], d["settle"])
    else:
        Q, exits = _kernel(wu, d)
    r = _round_rewards(d)  # (N, n, 2)

    if rounds is not None:
        T = int(rounds)
        step = alternating_step(wu, d["mu"], d, d["m"], d["settle"]) if alternating_finite_horizon else \
            (lambda v: np.matmul(v[:, None, :], Q)[:, 0])
        rung, active, ended, occ = _finite(step, exits, d["v0"], _readout(d), K, T, float(discount))
        pay = np.einsum("gn,gnj->gj", occ[inv], r)
        out = dict(rung_distribution=rung[inv].reshape(batch + (T, 2, K)),
                   p_active=active[inv].reshape(batch + (T,)),
                   p_war=ended[inv, :, 0].reshape(batch + (T,)),
                   p_settled=ended[inv, :, 1].reshape(batch + (T,)),
                   p_mediated=ended[inv, :, 2].reshape(batch + (T,)),
                   payoffs=pay.reshape(batch + (2,)))
        out["total_payoffs"] = out["payoffs"]
        out["expected_rounds"] = out["p_active"].sum(-1)
        return MarkovResult(**out, rounds=T, state_shape=shape)

    limit, occ_disc, occ1, surely = _long_run(Q, exits, d["v0"], wu, float(discount))
    n = Q.shape[-1]
    stat = limit[:, :n][inv]  # (N, n)
    rung = np.stack(_readout(d)(stat), 1)
    per_round = np.einsum("gn,gnj->gj", stat, r)
    total = np.einsum("gn,gnj->gj", np.nan_to_num(occ_disc[inv], nan=0.0), r)
    finite = ~np.isnan(occ_disc[inv, 0])
    scale = np.abs(r).max(axis=(1, 2))
    sign = np.where(np.abs(per_round) <= 1e-12 * np.maximum(scale, 1.0)[:, None], np.nan, np.sign(per_round))
    total = np.where(finite[:, None], total, sign * np.inf)
    exp_rounds = np.where(surely[inv], np.nan_to_num(occ1[inv], nan=0.0).sum(-1), np.inf)
    return MarkovResult(
        rung_distribution=rung.reshape(batch + (2, K)),
        p_active=stat.sum(-1).reshape(batch),
        p_war=limit[inv, n].reshape(batch),
        p_settled=limit[inv, n + 1].reshape(batch),
        p_mediated=limit[inv, n + 2].reshape(batch),
        payoffs=per_round.reshape(batch + (2,)),
        total_payoffs=total.reshape(batch + (2,)),
        expected_rounds=exp_rounds.reshape(batch),
        rounds=None,
        state_shape=shape,
        absorbed_surely=surely[inv].reshape(batch),
        stationary=stat.reshape(batch + shape),
    )
