"""MPE selection and QRE tracing for a batch of games: the drivers over :mod:`sim.dynamic.markov_batch`.

Steps (``logit_markov.markov_perfect`` and ``logit_markov._trace`` for G games at once):

4. :func:`_indifference`: Newton on the indifference conditions on a per-game support (a masked
   least-squares step by the stacked pseudo-inverse); :func:`_snap`: nearly pure rows made pure.
5. :func:`perfect` (MPE: after every accepted step, the candidates of the games that moved are
   tested together; a game that passes leaves the branch) and :func:`trace` (QRE at each game's
   ``lam``: the first accepted point past it, interpolated and corrected by :func:`solve_fixed`).

Arrays as in :mod:`sim.dynamic.markov_batch`.
"""

from __future__ import annotations

import numpy as np

from sim.dynamic.markov_batch import _Branch, _h, _lse_softmax, _q, _solve, _split, gaps
from sim.dynamic.markov_trace import TOL

__all__ = ["perfect", "trace", "solve_fixed"]


# --------------------------------------------------------------------------- 4. indifference
def _indifference(R, T, d, pa, pb, supp, max_iter: int = 30):
    """``(pa, pb, ok)``: ``markov_select._indifference`` for every game on its support ``supp (G, n)``.

    The least-squares Newton step on the support is the stacked pseudo-inverse of the full
    system with the rows and columns off the support zeroed (its minimum-norm solution leaves
    those probabilities at 0).
    """
    G, S, KA, KB, _ = R.shape
    nA, n, nb = S * KA, S * (KA + KB), 2 * S
    pi = np.where(supp, np.concatenate([pa.reshape(G, -1), pb.reshape(G, -1)], 1), 0.0)
    blocks = np.concatenate([np.repeat(np.arange(S), KA), S + np.repeat(np.arange(S), KB)])
    B = (blocks[None, :] == np.arange(nb)[:, None]).astype(float)  # (nb, n)
    alive = np.ones(G, bool)
    done = np.zeros(G, bool)
    prev = np.full(G, np.inf)
    for _ in range(max_iter):
        r = np.flatnonzero(alive & ~done)
        if r.size == 0:
            break
        p, sp = pi[r], supp[r]
        Q, D = _q(R[r], T[r], d, p[:, :nA].reshape(-1, S, KA), p[:, nA:].reshape(-1, S, KB), True)
        vbar = (p * Q) @ B.T
        F = np.concatenate([np.where(sp, Q - vbar[:, blocks], 0.0), p @ B.T - 1.0], 1)
        err = np.abs(F).max(1)
        conv = err <= 1e-13 * (1 + np.abs(Q).max(1))
        done[r[conv]] = True
        bad = ~conv & (err > 0.5 * prev[r])
        alive[r[bad]] = False
        go = ~conv & ~bad
        if not go.any():
            continue
        g, p, sp, Q, D, F = r[go], p[go], sp[go], Q[go], D[go], F[go]
        prev[g] = err[go]
        dv = np.einsum("bn,gnk->gbk", B, p[:, :, None] * D) + B[None] * Q[:, None, :]  # d vbar / d pi
        top = (D - dv[:, blocks, :]) * sp[:, :, None] * sp[:, None, :]
        Jf = np.concatenate([top, B[None] * sp[:, None, :]], 1)  # (g, n + nb, n)
        step = (np.linalg.pinv(Jf, rcond=np.finfo(float).eps * (n + nb)) @ F[..., None])[..., 0]
        pi[g] = np.where(sp, p - step, 0.0)
        alive[g[~np.all(np.isfinite(pi[g]), 1)]] = False
    ok = alive & np.all(pi >= -1e-12, 1)
    pi = np.clip(np.where(ok[:, None], pi, 1.0), 0.0, None)
    qa, qb = pi[:, :nA].reshape(G, S, KA), pi[:, nA:].reshape(G, S, KB)
    return qa / qa.sum(-1, keepdims=True), qb / qb.sum(-1, keepdims=True), ok


def _snap(p, near: float):
    """Rows whose largest probability is ``>= 1 - near`` made one-hot (``markov_select._snap``, stacked)."""
    hot = np.eye(p.shape[-1])[p.argmax(-1)]
    return np.where((p.max(-1) >= 1 - near)[..., None], hot, p)


# --------------------------------------------------------------------------- 5. drivers
def perfect(R, T, d, lift, full_R, full_T, *, lam_max, gap_tol, support_tol, near):
    """MPE of every game (``logit_markov.markov_perfect``, stacked).

    ``R, T`` the traced (merged) games ``(G, C, ...)``; ``lift (S,)`` or None maps the full
    game's states to the merged ones; ``full_R, full_T (G, S, ...)`` the games the result is
    verified on.  Returns ``policy_a (G, S, K_A)``, ``policy_b``, ``lam (G,)``, ``gap (G,)`` and
    ``failed``: ``{game: message}`` for the games whose continuation stalled or found no MPE by
    ``lam_max`` (their rows are left at 0).
    """
    G, S, KA, KB, _ = R.shape
    n = S * (KA + KB)
    out_a, out_b = np.zeros((G,) + full_R.shape[1:3]), np.zeros((G, full_R.shape[1], KB))
    out_lam, out_gap = np.zeros(G), np.zeros(G)
    best = np.full(G, np.inf)
    last, has_last = np.zeros((G, n)), np.zeros(G, bool)
    next_mixed = 1.0 / (1e-12 + np.ptp(full_R.reshape(G, -1), axis=1))
    br = _Branch(R, T, d)
    pos = np.arange(G)  # first the start point (lam = 0) of every game, as markov_trace.branch yields it
    while br.games.size:
        if pos.size == 0:  # every active game rejected its step (and halved it)
            pos = br.step()
            continue
        gi = br.games[pos]  # original indices of the games with a new point
        w, lam = br.x[pos, :-1], br.x[pos, -1]
        Rg, Tg = br.R[pos], br.T[pos]
        pa, pb = _split(w, S, KA, KB)
        probs = np.concatenate([pa.reshape(len(pos), -1), pb.reshape(len(pos), -1)], 1)
        cands = [(_snap(pa, near), _snap(pb, near), np.ones(len(pos), bool))]
        separated = ~np.any((probs > support_tol) & (probs < 1e-3), 1)
        due = lam >= next_mixed[gi]
        next_mixed[gi[due]] = 2 * lam[due]
        settled = due & has_last[gi] & (np.abs(probs - last[gi]).max(1) < near)
        ma, mb, mok = np.zeros_like(pa), np.zeros_like(pb), np.zeros(len(pos), bool)
        first = np.flatnonzero(settled & separated)
        if first.size:
            a_, b_, o_ = _indifference(Rg[first], Tg[first], d, pa[first], pb[first], probs[first] > support_tol)
            ma[first], mb[first], mok[first] = a_, b_, o_
        # settled but no mixed candidate yet: solve without the probabilities that fell by a quarter
        supp2 = (probs > support_tol) & (probs >= 0.75 * last[gi])
        second = np.flatnonzero(settled & ~mok & np.any(supp2 != (probs > support_tol), 1))
        if second.size:
            a_, b_, o_ = _indifference(Rg[second], Tg[second], d, pa[second], pb[second], supp2[second])
            ma[second], mb[second], mok[second] = a_, b_, o_
        cands.append((ma, mb, mok))
        last[gi[due]], has_last[gi[due]] = probs[due], True
        found = np.zeros(len(pos), bool)
        for ca, cb, avail in cands:
            close = np.maximum(np.abs(ca - pa).max((1, 2)), np.abs(cb - pb).max((1, 2))) <= near
            c = np.flatnonzero(avail & close & ~found)
            if c.size == 0:
                continue
            gap = gaps(Rg[c], Tg[c], d, ca[c], cb[c])[0]
            best[gi[c]] = np.minimum(best[gi[c]], gap)
            c, gap = c[gap <= gap_tol], gap[gap <= gap_tol]
            fa, fb = ca[c], cb[c]
            if lift is not None:
                fa, fb = fa[:, lift], fb[:, lift]
                gap = gaps(full_R[gi[c]], full_T[gi[c]], d, fa, fb)[0] if c.size else gap
                c, fa, fb, gap = c[gap <= gap_tol], fa[gap <= gap_tol], fb[gap <= gap_tol], gap[gap <= gap_tol]
            found[c] = True
            out_a[gi[c]], out_b[gi[c]], out_lam[gi[c]], out_gap[gi[c]] = fa, fb, lam[c], gap
        over = ~found & (lam > lam_max)
        for g, lg in zip(gi[over], lam[over]):  # a loop over the (rare) failed games, to word their messages
            br.failed[int(g)] = (f"markov_perfect: no Markov perfect equilibrium with one-shot gap <= {gap_tol:g} "
                                 f"found by lam={lg:.6g} (smallest gap {best[g]:.3g})")
        if found.any() or over.any():
            keep = np.ones(br.games.size, bool)
            keep[pos[found | over]] = False
            br.keep(keep)
        if br.games.size == 0:
            break
        pos = br.step()
    return out_a, out_b, out_lam, out_gap, br.failed


def trace(R, T, d, lam):
    """Log-probabilities ``(G, n)`` of every game's principal branch at its ``lam (G,) > 0``
    (``logit_markov._trace``, stacked): the first accepted point past ``lam``, interpolated
    and corrected at fixed ``lam`` by Newton.  Returns ``(w, ok)``."""
    G = R.shape[0]
    n = R.shape[1] * (R.shape[2] + R.shape[3])
    out, ok = np.zeros((G, n)), np.zeros(G, bool)
    br = _Branch(R, T, d)
    prev = br.x.copy()
    while br.games.size:
        pos = br.step()
        gi = br.games[pos]
        x = br.x[pos]
        past = x[:, -1] >= lam[gi]
        if past.any():
            p, g = pos[past], gi[past]
            xp, xo = x[past], prev[g]
            frac = (lam[g] - xo[:, -1]) / (xp[:, -1] - xo[:, -1])
            w_int = (1 - frac)[:, None] * xo[:, :-1] + frac[:, None] * xp[:, :-1]
            w, good = solve_fixed(br.R[p], br.T[p], d, w_int, lam[g])
            retry = ~good
            if retry.any():
                near_new = (xp[:, -1] - lam[g]) < (lam[g] - xo[:, -1])
                w0 = np.where(near_new[:, None], xp[:, :-1], xo[:, :-1])
                w2, g2 = solve_fixed(br.R[p[retry]], br.T[p[retry]], d, w0[retry], lam[g][retry])
                w[retry], good[retry] = w2, g2
            out[g], ok[g] = w, good
            keep = np.ones(br.games.size, bool)
            keep[p] = False
        prev[gi] = x
        if past.any():
            br.keep(keep)
    return out, ok


def _normalise(w, S, KA, KB):
    G, nA = w.shape[0], S * KA
    a = w[:, :nA].reshape(G, S, KA)
    b = w[:, nA:].reshape(G, S, KB)
    return np.concatenate([(a - _lse_softmax(a)[0]).reshape(G, -1), (b - _lse_softmax(b)[0]).reshape(G, -1)], 1)


def solve_fixed(R, T, d, w0, lam, max_iter: int = 50):
    """``(w, ok)``: Newton at fixed ``lam (G,)`` with backtracking (``markov_trace.solve_fixed``, stacked)."""
    G, S, KA, KB, _ = R.shape
    w = np.array(w0, float)
    H = _h(R, T, d, w, lam)
    err = np.abs(H).max(1)
    run = np.ones(G, bool)
    ok = np.zeros(G, bool)
    for _ in range(max_iter):
        run &= np.isfinite(err)
        small = run & (err <= TOL)
        if small.any():  # return normalised log-probabilities, checked again
            s = np.flatnonzero(small)
            wn = _normalise(w[s], S, KA, KB)
            e2 = np.abs(_h(R[s], T[s], d, wn, lam[s])).max(1)
            w[s], err[s] = wn, e2
            fin = s[e2 <= TOL]
            ok[fin], run[fin] = True, False
        r = np.flatnonzero(run)
        if r.size == 0:
            break
        H, J, _ = _h(R[r], T[r], d, w[r], lam[r], True)
        step, solved = _solve(J, H)
        run[r[~solved]] = False
        a = np.ones(r.size)
        moved = np.zeros(r.size, bool)
        w_new, e_new = w[r].copy(), err[r].copy()
        while np.any(~moved & (a > 1e-4) & solved):
            k = np.flatnonzero(~moved & (a > 1e-4) & solved)
            cand = w[r[k]] - a[k, None] * step[k]
            e = np.abs(_h(R[r[k]], T[r[k]], d, cand, lam[r[k]])).max(1)
            better = np.isfinite(e) & (e < err[r[k]])
            w_new[k[better]], e_new[k[better]], moved[k[better]] = cand[better], e[better], True
            a[k[~better]] *= 0.5
        run[r[~moved]] = False
        w[r[moved]], err[r[moved]] = w_new[moved], e_new[moved]
    left = run & (err <= TOL)
    ok |= left
    return w, ok
