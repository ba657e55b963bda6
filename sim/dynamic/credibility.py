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

import numpy as np

from sim.dynamic.credibility_core import (MAX_BYTES, Credibility, _backward, _chains, _check_size, _policy_iteration,
                                          _result, _stated_values, _war_tables)
from sim.dynamic.credibility_turns import alternating_credibility
from sim.errors import ConfigError
from sim.repeated import CrisisSettings, crisis_stage
from sim.repeated.strategies import Strategy, observe_opening, strategy_pair

__all__ = ["credibility"]


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
        return alternating_credibility(game, sa, sb, cs, K, Ae, Be, ws, batch, cont, d, T, tol, scale, m, settle,
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

    W = _stated_values(Q, inv, groups, rew, d, T, gaps_from if subgame_perfect else None)
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
            V, pol = _policy_iteration(rf, P, d, scale, inv)
            pol = pol.reshape((G, other.n_states, m))
        else:
            V, pol = _backward(rf, P, d, T, inv)
            pol = pol.reshape((G, T, other.n_states, m))
        best.append(V.reshape(G, other.n_states, m)[:, :, c0] @ start)
        policies.append(pol.reshape(batch + pol.shape[1:]))

    gaps = None if not subgame_perfect else (gaps[0], gaps[1].transpose(0, 2, 1, 3))  # B's: A's state first
    return _result(value, best, policies, gaps, batch, (SA, SB, m), scale, T, d, tol)
