"""Credibility of a stated policy: is each side's stated strategy a best response to the other's?

A *stated policy* is a repeated-crisis strategy (a :class:`sim.repeated.strategies.Strategy`
automaton).  Given a stated pair ``(a, b)`` on a game and crisis settings
(``docs/repeated-model.md``), :func:`credibility` answers three questions, exactly:

1. **Value** of the stated pair for each side: the expected total discounted payoffs, equal to
   ``sim.analyse(game, a, b, ...).total_payoffs`` (``.payoffs`` for a finite horizon).
2. **Best response**: the best a side can do against the other's stated automaton, and the
   gain ``best - stated >= 0``.  A gain of zero means the stated policy is a best response
   *on the path* (a Nash equilibrium of the repeated crisis when both gains are zero).
3. **Subgame perfection**: is each stated policy a best response in *every* state of the
   product (own automaton state, other's automaton state, crisis state), reachable or not?
   By the one-shot deviation principle (discount < 1 or a finite horizon) this holds iff no
   single-round deviation to another intended rung, followed by a return to the stated
   automaton, gains anything; the largest such gain per product state is the deviation gap.

Model of the responder
----------------------
The responder faces a Markov decision process whose state is ``(o, c)``: the other side's
automaton state ``o`` and the crisis state (active with the settlement counter
``c = 0 .. m-1``; war, settled and mediated are absorbing with payoff 0 afterwards).  Its
action is its *intended* rung ``i``; its own execution noise turns ``i`` into the executed
``x ~ E_own[i, :]``, the other executes ``y ~ exec_other[o, :]``, the responder receives the
stage payoff plus the war payoff times the (scaled) war risk of ``(x, y)`` (war pays once, in
the round it breaks out), and the other's automaton moves on its own (noisy) perception of
``x``.  War, then mediation, then settlement end the crisis exactly as in
``docs/repeated-model.md``.

**Assumption** (the standard benchmark): the best response is computed as if the responder
knew the other's automaton state (and the crisis state).  The responder's own perception
noise therefore plays no role in its best response; it does matter for the value of the
stated pair and for the deviation gaps, where the responder follows its own automaton, which
moves on what it perceives.  With perception noise the best response value is thus an upper
bound on what a responder that only sees noisy signals can achieve.

Algorithm
---------
- Infinite horizon (``rounds=None``): exact policy iteration (Howard 1960) on the responder's
  MDP, each evaluation a batched ``np.linalg.solve``; ties keep the current action, so it
  terminates.  ``discount == 1`` is accepted only when every round ends the crisis with
  positive probability whatever is played (war risk or mediation everywhere); otherwise a
  ``ConfigError``.
- Finite horizon (``rounds=T``): backward induction over T rounds.
- The stated pair is evaluated on the full product chain
  (:func:`sim.repeated.product_chain`), and the one-shot deviations on the product state
  space from those values.

Everything is vectorised over the game's batch dimensions (no Python loop over games); the
only loops are over policy-iteration steps and rounds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.errors import ConfigError
from sim.games import Game
from sim.repeated import CrisisSettings, crisis_stage, product_chain
from sim.dynamic.credibility_turns import deviation_values, responder_mdp, responder_rewards
from sim.repeated.markov.alternating import alternating_rewards
from sim.repeated.strategies import Strategy, observe_opening, strategy_pair

__all__ = ["Credibility", "credibility", "credibility_bytes"]


@dataclass(frozen=True, eq=False)
class Credibility:
    """How credible a stated pair of policies is (see the module docstring).

    Array fields have the game's batch shape ``...`` first (0-d arrays become floats/bools for
    a single game).

    Attributes
    ----------
    value_a, value_b : float or ndarray (...)
        Expected total discounted payoffs of the stated pair (``sim.analyse(...).total_payoffs``).
    best_value_a, best_value_b : float or ndarray (...)
        Value of each side's exact best response to the other's stated automaton.
    gain_a, gain_b : float or ndarray (...)
        ``best - stated``, >= 0 (clipped at 0 against round-off).
    is_subgame_perfect : bool or ndarray (...), or None
        Both deviation gaps are <= ``tol`` (scaled) in every product state (every round for a
        finite horizon); None when called with ``subgame_perfect=False``.
    best_response_a : ndarray (..., S_B, m) int, or (..., T, S_B, m) for ``rounds=T``
        A's best response: the intended rung in each (B's automaton state, settlement
        counter) (and round).  ``best_response_b`` likewise, ``(..., S_A, m)``.
    deviation_gap_a, deviation_gap_b : ndarray (..., S_A, S_B, m)
        Largest gain of a one-shot deviation by that side from its stated automaton, in each
        product state ``(s_A, s_B, c)`` (both indexed A first); for a finite horizon the
        maximum over rounds.
    rounds, discount : the horizon (None: infinite) and the discount.
    tol : the tolerance used for ``is_subgame_perfect`` (times the payoff scale, at least 1).
    """

    value_a: object
    value_b: object
    best_value_a: object
    best_value_b: object
    gain_a: object
    gain_b: object
    is_subgame_perfect: object
    best_response_a: np.ndarray
    best_response_b: np.ndarray
    deviation_gap_a: np.ndarray
    deviation_gap_b: np.ndarray
    rounds: int | None
    discount: float
    tol: float


def _side(own: Strategy, other: Strategy, E_own, E_other, P_own, P_other, R, cont):
    """The data of one responder, own rung first: ``R[g, x, y]`` its payoffs, ``cont[g, x, y]``
    the continuation probability, ``exec_o[o, y]``, ``T_own[s, x, y, s2]`` (own automaton, own
    executed x, other executed y seen through P_own), ``T_o[o, y, x, o2]`` (other's automaton,
    its executed y, responder's executed x seen through P_other)."""
    T_own = np.einsum("yv,sxvt->sxyt", P_own, own.transition)
    T_o = np.einsum("xv,oyvp->oyxp", P_other, other.transition)
    return dict(R=R, cont=cont, E=E_own, exec_own=own.action @ E_own, exec_o=other.action @ E_other,
                T_own=T_own, T_o=T_o, action_own=own.action)


def _mdp(sd, m, settle):
    """The responder's MDP: rewards ``r[g, i, o]`` and kernel ``P[g, i, (o, c), (o2, c2)]``."""
    E, exec_o, T_o, cont = sd["E"], sd["exec_o"], sd["T_o"], sd["cont"]
    G, K, So = cont.shape[0], E.shape[0], exec_o.shape[0]
    r = np.einsum("ix,oy,gxy->gio", E, exec_o, sd["R"])
    cont_n = cont.copy()
    if settle:
        cont_n[:, 0, 0] = 0.0
    Pn = np.einsum("ix,oy,gxy,oyxp->giop", E, exec_o, cont_n, T_o, optimize=True)
    P = np.zeros((G, K, So, m, So, m))
    P[:, :, :, :, :, 0] = Pn[:, :, :, None, :]
    if settle:
        P0 = np.einsum("i,o,g,op->giop", E[:, 0], exec_o[:, 0], cont[:, 0, 0], T_o[:, 0, 0])
        for c in range(m - 1):
            P[:, :, :, c, :, c + 1] += P0
    n = So * m
    rf = np.broadcast_to(r[:, :, :, None], (G, K, So, m)).reshape(G, K, n)
    return rf, P.reshape(G, K, n, n)


def _apply_chain(P, groups, V):
    """``P[table of g] @ V[g]`` for every game: one matmul per war table (not per game).
    ``P (U, n, n)`` and ``V (G, n, ...)``; or ``P (U, K, n, n)`` and ``V (G, n)`` -> ``(G, K, n)``."""
    if groups is None:  # one kernel per game
        return np.einsum("gkst,gt->gks", P, V) if P.ndim == 4 else np.einsum("gst,gt...->gs...", P, V)
    out = np.empty((V.shape[0],) + P.shape[1:-1] + V.shape[2:])
    for u, idx in enumerate(groups):
        if P.ndim == 4:  # one BLAS product: (K n, n) @ (n, games)
            K, n = P.shape[1], P.shape[2]
            out[idx] = (P[u].reshape(K * n, n) @ V[idx].T).reshape(K, n, -1).transpose(2, 0, 1)
        else:
            out[idx] = np.einsum("st,gt...->gs...", P[u], V[idx])
    return out


def _policy_iteration(rf, P, d, scale, inv, groups):
    """Howard's policy iteration on G MDPs sharing the kernels ``P (U, K, n, n)`` of their war
    tables (``inv[g]``), each with its own rewards ``rf (G, K, n)``.  Each step evaluates and
    improves only the games whose policy changed in the previous step (ties keep the current
    action, so every game stops)."""
    G, K, n = rf.shape
    U = P.shape[0]
    si = np.arange(n)[None, :]
    pi = rf.argmax(1)
    V = np.zeros((G, n))
    P_rows = P.reshape(U * K * n, n)  # row (u, k, s): flat takes are much faster than fancy indexing
    live = np.arange(G)
    for _ in range(10_000):
        p, u = pi[live], inv[live]
        M = P_rows.take(((u[:, None] * K + p) * n + si).ravel(), axis=0).reshape(-1, n, n)
        M *= -d
        M.reshape(-1, n * n)[:, ::n + 1] += 1.0  # I - d P_pi, in place
        rpi = np.take_along_axis(rf[live], p[:, None, :], 1)[:, 0]
        V[live] = np.linalg.solve(M, rpi[..., None])[..., 0]
        sub = None if groups is None else [np.flatnonzero(u == k) for k in range(U)]
        Qv = rf[live] + d * _apply_chain(P if groups is not None else P[live], sub, V[live])
        best = Qv.max(1)
        keep = np.take_along_axis(Qv, p[:, None], 1)[:, 0] >= best - 1e-12 * scale[live, None]
        new = np.where(keep, p, Qv.argmax(1))
        changed = np.any(new != p, axis=1)
        pi[live] = new
        live = live[changed]
        if live.size == 0:
            return V, pi
    raise RuntimeError("policy iteration did not converge")  # pragma: no cover (finite MDP)


def _backward(rf, P, d, T, groups):
    G, K, n = rf.shape
    V = np.zeros((G, n))
    pol = np.zeros((T, G, n), dtype=np.int16)
    for t in range(T - 1, -1, -1):
        Qv = rf + d * _apply_chain(P, groups, V)
        pol[t] = Qv.argmax(1)
        V = Qv.max(1)
    return V, pol.transpose(1, 0, 2)


def _one_shot(sd, W, d, m, settle):
    """``D[g, s, o, c, i]``: the responder's value of intending rung ``i`` this round in product
    state (own s, other o, counter c), then following its own automaton; ``W[g, s, o, c]`` is
    its value from the next round on (stated pair)."""
    E, exec_o, cont = sd["E"], sd["exec_o"], sd["cont"]
    X = np.einsum("sxyt,gtpc->gsxypc", sd["T_own"], W, optimize=True)
    F = np.einsum("oyxp,gsxypc->gsxyoc", sd["T_o"], X, optimize=True)  # (g, s, x, y, o, c2)
    cont_n = cont.copy()
    if settle:
        cont_n[:, 0, 0] = 0.0
    r = np.einsum("ix,oy,gxy->gio", E, exec_o, sd["R"])
    Gn = np.einsum("ix,oy,gxy,gsxyo->gsoi", E, exec_o, cont_n, F[..., 0], optimize=True)
    D = r.transpose(0, 2, 1)[:, None, :, None, :] + d * Gn[:, :, :, None, :]
    if settle and m > 1:
        shift = np.zeros(F.shape[:2] + (F.shape[4], m))  # (g, s, o, c)
        shift[..., :m - 1] = F[:, :, 0, 0, :, 1:]
        D = D + d * (cont[:, 0, 0, None, None, None, None] * exec_o[None, None, :, 0, None, None]
                     * shift[..., None] * E[None, None, None, None, :, 0])
    return D


def _gap(sd, D):
    stated = np.einsum("si,gsoci->gsoc", sd["action_own"], D)
    return D.max(-1) - stated


def _scalar(x):
    x = np.asarray(x)
    return x.item() if x.ndim == 0 else x


#: Largest array (bytes) credibility builds: the responders' MDP kernels ``(N, K, n, n)``, the
#: product chain ``(N, n, n)`` and the one-shot deviation tables ``(N, S, K, K, S, m)``.
MAX_BYTES = 2 * 1024 ** 3


def credibility_bytes(K: int, SA: int, SB: int, m: int, alternating: bool = False) -> int:
    """Bytes of the largest array :func:`credibility` builds *per game* (the responders' MDP
    kernels, the product chain, the one-shot deviation tables); callers cut a batch into
    calls of at most ``MAX_BYTES // credibility_bytes(...)`` games."""
    if alternating:
        n, n_r = 2 * SA * SB * K * m, 2 * max(SA, SB) * K * m
        return 8 * max(n * n, K * n_r * n_r, SA * SB * K * K * K * m)
    n = SA * SB * m
    return 8 * max(K * (max(SA, SB) * m) ** 2, n * n, SA * SB * K * K * m)


def _check_size(G, K, SA, SB, m, alternating=False):
    biggest = G * credibility_bytes(K, SA, SB, m, alternating)
    if biggest > MAX_BYTES:
        raise ConfigError("credibility", f"needs an array of {biggest / 1024 ** 3:.1f} GiB ({G} games, automaton "
                                         f"states {SA} x {SB}, counter {m}), over {MAX_BYTES / 1024 ** 3:g} GiB; "
                                         f"use fewer games, rungs or a smaller settle_after")


#: Product chains with more states than this are evaluated as sparse matrices (one per game): under
#: alternating timing the period chain has 2 x S_A x S_B x K x m states (~8,000 for two 11-state
#: automata on 11 rungs), of which each row reaches at most K x S_B x ... a few dozen.
SPARSE_STATES = 1500


def _sparse_chain(Q):
    """Per-game CSR copies of the product chain ``Q (G, n, n)`` when it is large, else None."""
    if Q.shape[-1] <= SPARSE_STATES:
        return None
    from scipy.sparse import csr_matrix

    return [csr_matrix(q) for q in Q]


def _chain_step(Q, Qs, W):
    """``Q @ W`` for ``W (G, n, 2)``, sparse when :func:`_sparse_chain` made copies."""
    if Qs is None:
        return Q @ W
    return np.stack([q @ w for q, w in zip(Qs, W)])


def _solve_chain(Q, Qs, rew, d):
    """``(I - d Q)^-1 rew`` per game, sparse LU when :func:`_sparse_chain` made copies."""
    n = Q.shape[-1]
    if Qs is None:
        return np.linalg.solve(np.eye(n) - d * Q, rew)
    from scipy.sparse import identity
    from scipy.sparse.linalg import spsolve

    return np.stack([np.asarray(spsolve((identity(n, format="csc") - d * q).tocsc(), r)).reshape(n, -1)
                     for q, r in zip(Qs, rew)])


def _war_tables(ws):
    """``(wu (U, K, K), inv (G,), groups)``: the distinct war tables of a batch, which game has
    which, and the games of each (the chains depend on a game only through its war table)."""
    G = ws.shape[0]
    flat = ws.reshape(G, -1)
    if np.all(flat == flat[:1]):  # the common case of a map over payoff parameters: one war table
        wu, inv = ws[:1].copy(), np.zeros(G, dtype=np.intp)
    else:
        wu, inv = np.unique(flat, axis=0, return_inverse=True)
        wu, inv = wu.reshape((-1,) + ws.shape[1:]), inv.reshape(-1)
    return wu, inv, [np.flatnonzero(inv == u) for u in range(wu.shape[0])]


def _chains(wu, sa, sb, cs):
    """The stated pair's product chains, one per war table (payoffs play no part in them)."""
    U = wu.shape[0]
    return product_chain(Game(np.zeros_like(wu), np.zeros_like(wu), war_probability=wu, war_payoff=np.zeros((U, 2))),
                         sa, sb, settings=dataclasses.replace(cs, war_risk_scale=1.0))


def _alternating(game, sa, sb, cs, K, Ae, Be, ws, batch, cont, d, T, tol, scale, m, settle,
                 subgame_perfect) -> Credibility:
    """:func:`credibility` under alternating timing (:mod:`sim.dynamic.credibility_turns`)."""
    G, SA, SB = Ae.shape[0], sa.n_states, sb.n_states
    n = 2 * SA * SB * K * m
    wu, inv, groups = _war_tables(ws)
    U = wu.shape[0]
    _check_size(U, K, SA, SB, m, alternating=True)
    (EA, EB), (PA, PB) = cs.noise(K)
    TA = np.einsum("yu,axut->axyt", PA, sa.transition)  # A's update on (own x, B's y)
    TB = np.einsum("xv,byvt->byxt", PB, sb.transition)  # B's update on (own y, A's x)
    pc = _chains(wu, sa, sb, cs)
    Q = np.asarray(pc.Q, float).reshape(U, n, n)
    ex = dict(exec_a=sa.action @ EA, exec_b=sb.action @ EB)
    rew = alternating_rewards(Ae, Be, ex, m)  # (G, n, 2)
    v0 = np.asarray(pc.initial, float)
    Bo, co = Be.transpose(0, 2, 1), cont.transpose(0, 2, 1)  # B's payoffs and continuation, own rung first
    gaps = [np.zeros((G, SA, SB, K, m)), np.zeros((G, SB, SA, K, m))]

    def gaps_from(W):  # W (G, n, 2): the stated pair's values from the next round on
        Wr = W.reshape(G, 2, SA, SB, K, m, 2)
        DA = deviation_values(Ae, cont, EA, TB, Wr[:, 1, ..., 0], d, m, settle)
        DB = deviation_values(Bo, co, EB, TA, Wr[:, 0, ..., 1].transpose(0, 2, 1, 3, 4), d, m, settle)
        gaps[0] = np.maximum(gaps[0], DA.max(-1) - np.einsum("ai,gabkci->gabkc", sa.action, DA))
        gaps[1] = np.maximum(gaps[1], DB.max(-1) - np.einsum("bi,gbakci->gbakc", sb.action, DB))

    Qs = _sparse_chain(Q)  # per war table, not per game

    def by_table(u, X):  # (n, cols) -> (n, cols): Q_u @ X
        return Q[u] @ X if Qs is None else Qs[u] @ X

    W = np.zeros((G, n, 2))
    if T is None:
        for u, idx in enumerate(groups):  # one factorisation per war table, every game a right-hand side
            rhs = rew[idx].transpose(1, 0, 2).reshape(n, -1)
            W[idx] = _solve_chain(Q[u:u + 1], None if Qs is None else Qs[u:u + 1], rhs[None], d)[0].reshape(
                n, len(idx), 2).transpose(1, 0, 2)
        if subgame_perfect:
            gaps_from(W)
    else:
        for _ in range(T):
            if subgame_perfect:
                gaps_from(W)
            nxt = np.empty_like(W)
            for u, idx in enumerate(groups):
                nxt[idx] = by_table(u, W[idx].transpose(1, 0, 2).reshape(n, -1)).reshape(n, len(idx), 2).transpose(1, 0, 2)
            W = rew + d * nxt
    value = np.einsum("n,gnj->gj", v0, W)

    opening = cs.opening_pair(K)
    stand = (0, 0) if opening is None else opening
    c0 = 1 if opening == (0, 0) and settle else 0
    starts = (sa.initial if opening is None else observe_opening(sa, stand[0], stand[1], PA),
              sb.initial if opening is None else observe_opening(sb, stand[1], stand[0], PB))
    best, policies = [], []
    cu = (1.0 - wu) * (1.0 - cs.mediation_table(K))[None]
    for k, (R, c_u, E, other, T_o) in enumerate(((Ae, cu, EA, sb, TB), (Bo, cu.transpose(0, 2, 1), EB, sa, TA))):
        exec_o = other.action @ (EB if k == 0 else EA)
        _, P = responder_mdp(np.zeros_like(c_u), c_u, E, exec_o, T_o, m, settle)  # kernels per war table
        rf = responder_rewards(R, E, exec_o, m)                                   # rewards per game
        So = other.n_states
        init = np.zeros((2, So, K, m))
        if cs.first == k:  # the responder moves first, against the other's standing rung
            init[0, :, stand[1 - k], c0] = other.initial
        else:              # the other moves first (after observing the opening), the responder stands
            init[1, :, stand[k], c0] = starts[1 - k]
        if T is None:
            V, pol = _policy_iteration(rf, P, d, scale, inv, groups)
            pol = pol.reshape(G, 2, So, K, m)[:, 0]
        else:
            V, pol = _backward(rf, P, d, T, groups)
            pol = pol.reshape(G, T, 2, So, K, m)[:, :, 0]
        best.append(V @ init.reshape(-1))
        policies.append(pol.reshape(batch + pol.shape[1:]))
    gain = [np.maximum(best[k] - value[:, k], 0.0) for k in range(2)]
    shape = (SA, SB, K, m)
    if subgame_perfect:
        gap_a = np.maximum(gaps[0], 0.0)
        gap_b = np.maximum(gaps[1], 0.0).transpose(0, 2, 1, 3, 4)
        ok = (gap_a.reshape(G, -1).max(1) <= tol * scale) & (gap_b.reshape(G, -1).max(1) <= tol * scale)
        ok, gap_a, gap_b = _scalar(ok.reshape(batch)), gap_a.reshape(batch + shape), gap_b.reshape(batch + shape)
    else:
        ok = gap_a = gap_b = None
    return Credibility(
        value_a=_scalar(value[:, 0].reshape(batch)), value_b=_scalar(value[:, 1].reshape(batch)),
        best_value_a=_scalar(best[0].reshape(batch)), best_value_b=_scalar(best[1].reshape(batch)),
        gain_a=_scalar(gain[0].reshape(batch)), gain_b=_scalar(gain[1].reshape(batch)),
        is_subgame_perfect=ok, best_response_a=policies[0], best_response_b=policies[1],
        deviation_gap_a=gap_a, deviation_gap_b=gap_b,
        rounds=T, discount=d, tol=float(tol))


# --------------------------------------------------------------------------- public entry
def credibility(game, a, b, *, discount=None, rounds=None, settings=None, tol: float = 1e-9,
                subgame_perfect: bool = True, **crisis_settings) -> Credibility:
    """How credible the stated pair ``(a, b)`` is: values, best responses, subgame perfection.

    Parameters
    ----------
    game : sim.games.Game
        One game or a batch (``A.shape == (..., K, K)``); ladder games bring war risk and payoff.
    a, b : Strategy, registry name or spec dict
        The stated policies of side A (rows) and side B (columns).
    discount, rounds, settings, **crisis_settings
        Crisis settings as in :func:`sim.analyse` (:meth:`CrisisSettings.resolve`).
        ``rounds=None`` is the infinite horizon: it needs ``discount < 1``, or every round
        ending the crisis with positive probability (war risk or mediation everywhere).
    tol : float
        Tolerance of :attr:`Credibility.is_subgame_perfect`, times ``max(1, payoff scale)``.
    subgame_perfect : bool
        Also test subgame perfection (the one-shot deviations at every product state, the
        costly part for large batches).  ``False``: ``is_subgame_perfect`` and the deviation
        gaps are None (values, best responses and gains are computed either way).

    Returns
    -------
    Credibility

    Raises
    ------
    ConfigError
        On a bad argument, or an infinite horizon without discounting or sure absorption.
    """
    sa, sb, K = strategy_pair(game, a, b)
    known = {f.name for f in dataclasses.fields(CrisisSettings)}
    for key in crisis_settings:
        if key not in known:
            raise ConfigError(key, f"is not a crisis setting; allowed: {', '.join(sorted(known))}")
    cs = CrisisSettings.resolve(settings, discount=discount, rounds=rounds, **crisis_settings)
    d, T = float(cs.discount), cs.rounds
    Ae, Be, ws, batch = crisis_stage(game, cs)
    G = Ae.shape[0]
    mu = cs.mediation_table(K)
    cont = (1.0 - ws) * (1.0 - mu)[None]
    if T is None and d >= 1.0 and cont.max() >= 1.0 - 1e-12:
        raise ConfigError("discount", "must be < 1 for rounds=None unless war risk or mediation can end every "
                                      "round; pass discount < 1 or rounds")
    settle = cs.settle_after is not None
    m = cs.settle_after if settle else 1
    scale = np.maximum(1.0, np.maximum(np.abs(Ae).max((1, 2)), np.abs(Be).max((1, 2))))
    scale = scale / (1.0 - d) if T is None and d < 1.0 else (scale * T if T is not None else scale)
    if cs.alternating:
        return _alternating(game, sa, sb, cs, K, Ae, Be, ws, batch, cont, d, T, tol, scale, m, settle,
                            subgame_perfect)
    (EA, EB), (PA, PB) = cs.noise(K)
    SA, SB = sa.n_states, sb.n_states
    n = SA * SB * m
    # the chains depend on the games only through their war tables: one per distinct table
    wu, inv, groups = _war_tables(ws)
    U = wu.shape[0]
    _check_size(U, K, SA, SB, m)
    contu = (1.0 - wu) * (1.0 - mu)[None]
    sides = (_side(sa, sb, EA, EB, PA, PB, Ae, cont),
             _side(sb, sa, EB, EA, PB, PA, Be.transpose(0, 2, 1), cont.transpose(0, 2, 1)))

    # the stated pair: its product chain per war table, its round payoffs per game
    chains = _chains(wu, sa, sb, cs)
    Q = np.asarray(chains.Q, float).reshape(U, n, n)
    v0 = np.asarray(chains.initial, float)
    ex_a, ex_b = sa.action @ EA, sb.action @ EB
    rew = np.stack([ex_a @ M @ ex_b.T for M in (Ae, Be)], -1)  # (G, SA, SB, 2)
    rew = np.broadcast_to(rew[:, :, :, None], (G, SA, SB, m, 2)).reshape(G, n, 2)
    gaps = [np.zeros((G, SA, SB, m)), np.zeros((G, SB, SA, m))] if subgame_perfect else None
    per_game = 8 * 3 * SA * SB * K * K * m  # the one-shot tables of one game (and their copies)
    step = max(1, MAX_BYTES // per_game)

    def gaps_from(Wnext):  # Wnext (G, n, 2): values from the next round on; games in chunks
        for lo in range(0, G, step):
            sl = slice(lo, lo + step)
            Wn = Wnext[sl].reshape(-1, SA, SB, m, 2)
            for k, (sd, Wk) in enumerate(zip(sides, (Wn[..., 0], Wn[..., 1].transpose(0, 2, 1, 3)))):
                sdc = dict(sd, R=sd["R"][sl], cont=sd["cont"][sl])
                gaps[k][sl] = np.maximum(gaps[k][sl], _gap(sdc, _one_shot(sdc, Wk, d, m, settle)))

    W = np.zeros((G, n, 2))
    if T is None:
        for u, idx in enumerate(groups):  # one factorisation per war table, every game a right-hand side
            rhs = rew[idx].transpose(1, 0, 2).reshape(n, -1)
            W[idx] = np.linalg.solve(np.eye(n) - d * Q[u], rhs).reshape(n, len(idx), 2).transpose(1, 0, 2)
        if subgame_perfect:
            gaps_from(W)
    else:
        for _ in range(T):
            if subgame_perfect:
                gaps_from(W)
            W = rew + d * _apply_chain(Q, groups, W)
    value = np.einsum("n,gnj->gj", v0, W)

    # each responder's MDP: kernels per war table, rewards per game; it opens where the other's
    # automaton is after observing the opening pair (if any), at counter 0 (1 for an opening (0, 0))
    opening = cs.opening_pair(K)
    c0 = 1 if opening == (0, 0) and settle and m > 1 else 0
    starts = (sb.initial, sa.initial) if opening is None else (
        observe_opening(sb, opening[1], opening[0], PB), observe_opening(sa, opening[0], opening[1], PA))
    best, policies = [], []
    for k, (sd, other, start) in enumerate(zip(sides, (sb, sa), starts)):
        cu = contu if k == 0 else contu.transpose(0, 2, 1)
        _, P = _mdp(dict(sd, cont=cu, R=np.zeros_like(cu)), m, settle)  # (U, K, n_r, n_r)
        r = sd["E"] @ sd["R"] @ sd["exec_o"].T  # (G, K, S_other)
        rf = np.broadcast_to(r[:, :, :, None], r.shape + (m,)).reshape(G, K, -1)
        if T is None:
            V, pol = _policy_iteration(rf, P, d, scale, inv, groups)
            pol = pol.reshape((G, other.n_states, m))
        else:
            V, pol = _backward(rf, P, d, T, groups)
            pol = pol.reshape((G, T, other.n_states, m))
        best.append(V.reshape(G, other.n_states, m)[:, :, c0] @ start)
        policies.append(pol.reshape(batch + pol.shape[1:]))

    gain = [np.maximum(best[k] - value[:, k], 0.0) for k in range(2)]
    shape = (SA, SB, m)
    if subgame_perfect:
        gap_a = np.maximum(gaps[0], 0.0)
        gap_b = np.maximum(gaps[1], 0.0).transpose(0, 2, 1, 3)
        ok = (gap_a.reshape(G, -1).max(1) <= tol * scale) & (gap_b.reshape(G, -1).max(1) <= tol * scale)
        ok, gap_a, gap_b = _scalar(ok.reshape(batch)), gap_a.reshape(batch + shape), gap_b.reshape(batch + shape)
    else:
        ok = gap_a = gap_b = None
    return Credibility(
        value_a=_scalar(value[:, 0].reshape(batch)), value_b=_scalar(value[:, 1].reshape(batch)),
        best_value_a=_scalar(best[0].reshape(batch)), best_value_b=_scalar(best[1].reshape(batch)),
        gain_a=_scalar(gain[0].reshape(batch)), gain_b=_scalar(gain[1].reshape(batch)),
        is_subgame_perfect=ok, best_response_a=policies[0], best_response_b=policies[1],
        deviation_gap_a=gap_a, deviation_gap_b=gap_b,
        rounds=T, discount=d, tol=float(tol))
