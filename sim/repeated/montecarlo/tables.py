"""Look-up tables of the Monte-Carlo engine: alias tables per automaton state and noise.

Walker's alias method (Walker 1977; Vose 1991) turns each row of a probability table into
two integer arrays, so one draw costs one 31-bit uniform and a compare whatever the number
of outcomes.  Re-exported by :mod:`sim.repeated.montecarlo`; see its docstring for the design.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.repeated.strategies.automaton import Strategy
from sim.repeated.settings import Ending

_ONE = 1 << 31  # uniforms are 31-bit integers in [0, 2**31)
# how a path ended: the codes of sim.repeated.settings.Ending (0 = still active)
_CODE_WAR, _CODE_SETTLED, _CODE_MEDIATED = int(Ending.WAR), int(Ending.SETTLED), int(Ending.MEDIATED)

def alias_table(prob: np.ndarray, values: np.ndarray, M: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Alias tables for rows of ``prob`` (rows, m) over outcome ``values`` (rows, m).

    Returns ``(thr, out, shift)``: with M = 2**b >= m columns per row (``M`` may be given),
    ``thr`` (rows * M,) int32 and ``out`` (rows * M * 2,) int32, and ``shift = 31 - b``.
    For a 31-bit uniform ``u`` and a row starting at ``base = row * M``:
    ``i = base + (u >> shift)``; ``outcome = out[2 i + (u > thr[i])]``.  Column j of a row
    takes its own outcome with probability ``q_j`` and its alias otherwise (Walker 1977;
    each step pairs the smallest remaining column with the largest).
    """
    rows, m = prob.shape
    if M is None:
        M = 1 << int(math.ceil(math.log2(m))) if m > 1 else 1
    b = M.bit_length() - 1
    p = np.zeros((rows, M))
    v = np.zeros((rows, M), dtype=np.int64)
    p[:, :m] = prob
    v[:, :m] = values
    v[:, m:] = values[:, :1]
    q = p * M
    thr = np.ones((rows, M))
    alias = np.tile(np.arange(M), (rows, 1))
    done = np.zeros((rows, M), dtype=bool)
    r = np.arange(rows)
    for _ in range(M - 1):
        i = np.argmin(np.where(done, np.inf, q), axis=1)
        big = np.where(done, -np.inf, q)
        big[r, i] = -np.inf
        j = np.argmax(big, axis=1)
        thr[r, i] = q[r, i]
        alias[r, i] = j
        q[r, j] -= 1.0 - q[r, i]
        done[r, i] = True
    shift = 31 - b
    unit = 1 << shift
    qi = np.clip(np.rint(np.clip(thr, 0.0, 1.0) * unit), 0, unit).astype(np.int64)
    col = np.arange(M)[None, :]
    thr_i = (col * unit + qi - 1).astype(np.int32).ravel()
    out = np.stack([v, np.take_along_axis(v, alias, axis=1)], -1).astype(np.int32).ravel()
    return thr_i, out, shift


def _sparse_rows(P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of P (rows, n) compressed to their non-zero entries: (prob, index), (rows, m)."""
    nz = P > 0
    m = max(1, int(nz.sum(1).max()))
    order = np.argsort(~nz, axis=1, kind="stable")[:, :m]
    prob = np.take_along_axis(P, order, axis=1) * np.take_along_axis(nz, order, axis=1)
    return prob, order


def _pow2(m: int) -> int:
    return 1 if m <= 1 else 1 << int(math.ceil(math.log2(m)))


@dataclass
class _Tables:
    """Look-up tables of both automata, side A's then side B's, in one index space.

    A path's two states live in one array of length 2 m (side A's m, then side B's m), each
    stored as ``offset + s * R`` so that every row index is a sum: the action row of a state
    starts at its value, the transition row after (own, other) at
    ``value + (own * K + other) * Mt``.  Deterministic parts are plain look-ups (``*_det``);
    random parts alias tables ``(thr, out, shift)`` (:func:`alias_table`).
    """

    R: int
    Mt: int
    act_det: np.ndarray | None
    act: tuple | None
    tr_det: np.ndarray | None
    tr: tuple | None
    init: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]  # per side (values, probabilities)


def _pair_tables(strategies: tuple[Strategy, Strategy], E: tuple, P: tuple) -> _Tables:
    K = strategies[0].K
    acts, trs = [], []
    for strat, e, p in zip(strategies, E, P):
        S = strat.n_states
        acts.append(_sparse_rows(strat.action @ e))                           # law of the executed rung
        Tp = np.einsum("yk,sokt->soyt", p, strat.transition)                 # next state given other's true rung
        trs.append(_sparse_rows(Tp.reshape(S * K * K, S)))
    Mt = _pow2(max(t[0].shape[1] for t in trs))
    Ma = _pow2(max(a[0].shape[1] for a in acts))
    R = K * K * Mt
    S_a, S_b = (st.n_states for st in strategies)
    off = (0, S_a * R)
    total = (S_a + S_b) * R
    # transitions: rows (s, own, other) at off + s * R + (own * K + other) * Mt, values next * R + off
    tr_prob = [t[0] for t in trs]
    tr_val = [t[1] * R + o for t, o in zip(trs, off)]
    if Mt == 1:
        tr_det, tr = np.concatenate([v[:, 0] for v in tr_val]).astype(np.int32), None
    else:
        width = Mt
        prob = np.concatenate([np.pad(pp, ((0, 0), (0, width - pp.shape[1]))) for pp in tr_prob])
        val = np.concatenate([np.pad(vv, ((0, 0), (0, width - vv.shape[1])), mode="edge") for vv in tr_val])
        tr_det, tr = None, alias_table(prob, val, Mt)
    # actions: rows at off + s * R (the first Ma entries of each R-long block)
    row_start = np.concatenate([np.arange(S_a) * R, S_a * R + np.arange(S_b) * R])
    if Ma == 1:
        act_det = np.zeros(total, dtype=np.int32)
        act_det[row_start] = np.concatenate([a[1][:, 0] for a in acts])
        act = None
    else:
        prob = np.concatenate([np.pad(a[0], ((0, 0), (0, Ma - a[0].shape[1]))) for a in acts])
        val = np.concatenate([np.pad(a[1], ((0, 0), (0, Ma - a[1].shape[1])), mode="edge") for a in acts])
        thr, out, shift = alias_table(prob, val, Ma)
        pos = (row_start[:, None] + np.arange(Ma)[None, :]).ravel()
        thr_f = np.full(total, -1, dtype=np.int32)
        out_f = np.zeros(2 * total, dtype=np.int32)
        thr_f[pos] = thr
        out_f[2 * pos] = out[0::2]
        out_f[2 * pos + 1] = out[1::2]
        act_det, act = None, (thr_f, out_f, shift)
    init = tuple(((np.arange(st.n_states) * R + o).astype(np.int32), st.initial) for st, o in zip(strategies, off))
    return _Tables(R, Mt, act_det, act, tr_det, tr, init)


@dataclass
class _Plan:
    K: int
    T: int
    paths: int
    G: int
    tables: _Tables
    base: np.ndarray          # (G, K, K, 2) stage payoffs without the war term
    war_payoff: np.ndarray    # (G, 2)
    thr_war: np.ndarray       # (G, K, K) int: war iff u < thr_war
    thr_end: np.ndarray       # (G, K, K) int: war or mediation iff u < thr_end
    has_war: bool
    has_med: bool
    settle: int | None
    weights: np.ndarray       # (T,) delta ** (t - 1)
    keep_paths: bool
    z0: int = 0               # (0, 0) rounds before round 1 (1 when the opening pair is (0, 0))

    @property
    def ncode(self) -> int:
        return 4 if (self.has_war or self.has_med or self.settle is not None) else 1


def _point_tables(plan: _Plan, g_lo: int, g_hi: int):
    """Tables of points g_lo..g_hi: payoff (GL*K*K*nc, 2) under each ending code, and the
    war / war-or-mediation thresholds minus one (GL*K*K,) int32 (``u > thr - 1`` is
    ``u >= thr``: the path goes on; thr - 1 lies in [-1, 2**31 - 1])."""
    K, nc = plan.K, plan.ncode
    GL = g_hi - g_lo + 1
    pay = np.zeros((GL, K, K, nc, 2))
    pay[:] = plan.base[g_lo:g_hi + 1, :, :, None, :]
    if nc > 1:
        pay[:, :, :, _CODE_WAR, :] += plan.war_payoff[g_lo:g_hi + 1, None, None, :]
    thr_w = (plan.thr_war[g_lo:g_hi + 1].ravel() - 1).astype(np.int32)
    thr_e = (plan.thr_end[g_lo:g_hi + 1].ravel() - 1).astype(np.int32)
    return pay.reshape(-1, 2), thr_w, thr_e
