"""The per-thread kernel of the Monte-Carlo engine: random-stream blocks and the worker pool.

:class:`_Block` is one random-stream unit of (point, path) pairs with its own generator and
statistics; :func:`_worker` advances a pool of blocks round by round (the loop of
``docs/repeated-model.md``, steps 1-8); :func:`_alias_draw` is the Walker alias draw on the
tables of :mod:`sim.repeated.montecarlo.tables`.  Used by :func:`sim.repeated.montecarlo.simulate`, which cuts the
paths into blocks, seeds them and runs the workers; the design (draws, blocks, pools,
threads, seeds, memory) is described in :mod:`sim.repeated.montecarlo`'s docstring.
"""

from __future__ import annotations

import numpy as np

from sim.repeated.montecarlo.tables import _CODE_MEDIATED, _CODE_SETTLED, _CODE_WAR, _Plan, _point_tables


def _alias_draw(base: np.ndarray, u: np.ndarray, tables: tuple) -> np.ndarray:
    thr, out, shift = tables
    i = u >> shift
    i += base
    c = u > thr.take(i)
    i += i
    i += c
    return out.take(i)


class _Block:
    """One random-stream unit: the consecutive (point, path) pairs ``start .. stop - 1``
    (point-major; at most ``sim.repeated.montecarlo.engine.BLOCK_PATHS`` of them, laid out by :func:`sim.repeated.montecarlo.simulate`),
    with its own generator ``SFC64(seed)``, its round counter, its stored rows and its statistics."""

    def __init__(self, plan: _Plan, index: int, seed: np.random.SeedSequence, start: int, stop: int):
        K, T, nc = plan.K, plan.T, plan.ncode
        self.index = index
        self.start = start
        self.stop = stop
        self.m = self.stop - self.start
        self.t = 0
        self.base = 0
        self.g_lo = self.start // plan.paths
        self.GL = (self.stop - 1) // plan.paths - self.g_lo + 1
        rng = np.random.Generator(np.random.SFC64(seed))
        self.bitgen = rng.bit_generator
        self.init = np.empty((2, self.m), dtype=np.int32)      # starting states, side A then side B
        for side, (values, p) in enumerate(plan.tables.init):
            if np.count_nonzero(p) == 1:
                self.init[side] = values[int(np.flatnonzero(p)[0])]
            else:
                self.init[side] = values[rng.choice(p.size, size=self.m, p=p)]
        self.local_g = (np.arange(self.start, self.stop) // plan.paths - self.g_lo).astype(np.int32)
        self.pay, self.thr_w, self.thr_e = _point_tables(plan, self.g_lo, self.g_lo + self.GL - 1)
        self.width = self.GL * K * K * nc
        self.store_joint = T * self.width <= 1 << 17   # joint counts up to 1 MiB, else marginals
        if self.store_joint:
            self.counts = np.zeros((T, self.width), dtype=np.int64)
        else:
            self.ra = np.zeros((T, self.GL, K), dtype=np.int64)
            self.rb = np.zeros((T, self.GL, K), dtype=np.int64)
            self.cd = np.zeros((T, self.GL, nc), dtype=np.int64)

    def words(self, k: int) -> np.ndarray:
        """The next k 31-bit uniforms of this block's stream (int32): ceil(k / 2) 64-bit
        outputs split in two, the last half-word discarded when k is odd.  Drawn just in
        time, so they are still in cache when used."""
        raw = self.bitgen.random_raw((k + 1) // 2).view(np.uint32)
        raw >>= np.uint32(1)
        return raw.view(np.int32)[:k]

    def record(self, seg: np.ndarray, K: int, nc: int) -> None:
        if self.store_joint:
            self.counts[self.t] = seg
        else:
            c = seg.reshape(self.GL, K, K, nc)
            self.ra[self.t] += c.sum(axis=(2, 3))
            self.rb[self.t] += c.sum(axis=(1, 3))
            self.cd[self.t] += c.sum(axis=(1, 2))

    def result(self, T: int, K: int, nc: int):
        if self.store_joint:
            c = self.counts.reshape(T, self.GL, K, K, nc)
            return self.g_lo, self.GL, c.sum(axis=(3, 4)), c.sum(axis=(2, 4)), c.sum(axis=(2, 3))
        return self.g_lo, self.GL, self.ra, self.rb, self.cd


def _pool_tables(plan: _Plan, blocks: list) -> tuple:
    """Point tables of the blocks in a pool: id 0 is the absorbing dummy point (zero payoff,
    never ends again), then each block's points from ``block.base`` on."""
    K, nc = plan.K, plan.ncode
    KK = K * K
    pays, tws, tes = [np.zeros((KK * nc, 2))], [np.full(KK, -1, np.int32)], [np.full(KK, -1, np.int32)]
    base = 1
    for b in blocks:
        b.base = base
        base += b.GL
        pays.append(b.pay)
        tws.append(b.thr_w)
        tes.append(b.thr_e)
    nextg = np.zeros((base, KK, nc), dtype=np.int32)          # ended (code > 0) -> dummy id 0
    nextg[:, :, 0] = (np.arange(base, dtype=np.int32) * KK)[:, None]
    return base, np.concatenate(pays), nextg.ravel(), np.concatenate(tws), np.concatenate(tes)


def _worker(plan: _Plan, take_block, target: int, out_pay: np.ndarray, out_rungs: np.ndarray | None, deliver) -> None:
    """Advance a pool of about ``target`` rows (paths still being played) round by round.

    Blocks enter the pool at their round 1 whenever it falls below ``target`` rows, and
    leave it after round T or when all their paths have ended, so the pool stays large
    while paths end.  Rows of different blocks may be at different rounds.  Everything a
    block does depends only on its own rows and its own stream: its uniforms are drawn in
    order, ``n_draws * (its stored rows)`` per round, and its ended rows are dropped once
    they are a quarter of its rows.  So results do not depend on the pool's composition,
    the pool size or the number of threads.
    """
    K, T, nc = plan.K, plan.T, plan.ncode
    KK = K * K
    tb = plan.tables
    n_act = 2 if tb.act is not None else 0
    n_tr = 2 if tb.tr is not None else 0
    nd = n_act + n_tr + (1 if (plan.has_war or plan.has_med) else 0)
    code_lut = np.array([_CODE_WAR, _CODE_MEDIATED, 0, _CODE_WAR, _CODE_MEDIATED, _CODE_SETTLED], dtype=np.int32)
    discounted = bool(np.any(plan.weights != 1.0))

    blocks: list[_Block] = []
    s = np.empty((2, 0), dtype=np.int32)       # automaton states: side A's row, side B's row
    gK = np.empty(0, dtype=np.int32)           # point id * K * K (id 0: ended)
    z = np.empty(0, dtype=np.int32)            # consecutive (0, 0) rounds
    acc = np.empty((0, 2))                     # payoff totals
    pid = np.empty(0, dtype=np.int64)          # flat (point, path) index
    n_ids, pay, nextg, thr_w, thr_e = _pool_tables(plan, blocks)
    more = True
    while True:
        # admit blocks ---------------------------------------------------------------
        new = []
        M = gK.size
        while more and M < target:
            b = take_block()
            if b is None:
                more = False
                break
            new.append(b)
            M += b.m
        if new:
            old = [(b, b.base) for b in blocks]
            old_n = n_ids
            blocks = blocks + new
            n_ids, pay, nextg, thr_w, thr_e = _pool_tables(plan, blocks)
            if gK.size:
                remap = np.zeros(old_n * KK, dtype=np.int32)
                for b, ob in old:
                    remap[np.arange(ob, ob + b.GL) * KK] = np.arange(b.base, b.base + b.GL, dtype=np.int32) * KK
                gK = remap.take(gK)
            s = np.concatenate([s] + [b.init for b in new], axis=1)
            gK = np.concatenate([gK] + [(b.local_g + b.base) * KK for b in new])
            z = np.concatenate([z] + [np.full(b.m, plan.z0, dtype=np.int32) for b in new])
            acc = np.concatenate([acc] + [np.zeros((b.m, 2)) for b in new])
            pid = np.concatenate([pid] + [np.arange(b.start, b.stop, dtype=np.int64) for b in new])
            for b in new:
                b.init = b.local_g = None
        if not blocks:
            return
        M = gK.size
        m_arr = np.array([b.m for b in blocks])
        # one round --------------------------------------------------------------------
        if nd:
            parts = [b.words(nd * b.m).reshape(nd, b.m) for b in blocks]
            u = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)       # (nd, M)
        sflat = s.ravel()
        # 1-2. executed rungs of both sides: r = [x; y]
        r = tb.act_det.take(sflat) if tb.act is None else _alias_draw(sflat, u[0:2].ravel(), tb.act)
        x, y = r[:M], r[M:]
        xy = x * K
        xy += y
        gxy = gK + xy
        if out_rungs is not None:
            live = gK != 0
            t_row = np.repeat(np.array([b.t for b in blocks]), m_arr)[live]
            rows = pid[live]
            out_rungs[rows, t_row, 0] = x[live]
            out_rungs[rows, t_row, 1] = y[live]
        # 6-8. war, mediation, settlement -> ending code
        if nc > 1:
            if nd > n_act + n_tr:
                ue = u[nd - 1]
                a = (ue > thr_w.take(gxy)).view(np.int8)
                code_idx = a + (ue > thr_e.take(gxy)).view(np.int8) if plan.has_med else a + a
            else:
                code_idx = np.full(M, 2, dtype=np.int8)
            if plan.settle is not None:
                z += 1
                z *= xy == 0
                code_idx = code_idx + 3 * (z >= plan.settle).view(np.int8)
            key = gxy * nc
            key += code_lut.take(code_idx)
        else:
            key = gxy
        # 3. payoffs (the war payoff sits in the table under code "war"), discounted per row
        pk = pay.take(key, axis=0)
        if discounted:
            pk *= np.repeat(plan.weights[np.array([b.t for b in blocks])], m_arr)[:, None]
        acc += pk
        bc = np.bincount(key, minlength=n_ids * KK * nc)
        for b in blocks:
            lo = b.base * KK * nc
            b.record(bc[lo:lo + b.width], K, nc)
        # 4-5. automata move: row of (own, other) = own * K + other, for A (x, y) and B (y, x)
        row = r * K
        row[:M] += y
        row[M:] += x
        if tb.Mt > 1:
            row *= tb.Mt
        row += sflat
        s = (tb.tr_det.take(row) if tb.tr is None else _alias_draw(row, u[n_act:n_act + 2].ravel(), tb.tr)).reshape(2, M)
        for b in blocks:
            b.t += 1
        # ended paths: id 0; a block drops them once they are a quarter of its rows
        if nc > 1:
            gK = nextg.take(key)
            dead = gK == 0
            starts = np.concatenate([[0], np.cumsum(m_arr)[:-1]])
            n_dead = np.add.reduceat(dead, starts, dtype=np.int64)
            due = n_dead > m_arr // 4
            if due.any():
                kill = dead & np.repeat(due, m_arr) if not due.all() else dead
                gone = np.flatnonzero(kill)
                out_pay[pid.take(gone)] = acc.take(gone, axis=0)
                keep = np.flatnonzero(~kill)      # index takes: far cheaper than 2-D boolean masks
                s, gK, z = s.take(keep, axis=1), gK.take(keep), z.take(keep)
                acc, pid = acc.take(keep, axis=0), pid.take(keep)
                for b, d, du in zip(blocks, n_dead, due):
                    if du:
                        b.m -= int(d)
        # blocks leave after round T (the oldest, at the front) or when empty
        n_front = 0
        for b in blocks:
            if b.t < T:
                break
            n_front += b.m
        if n_front:
            out_pay[pid[:n_front]] = acc[:n_front]
            s, gK, z, acc, pid = s[:, n_front:], gK[n_front:], z[n_front:], acc[n_front:], pid[n_front:]
        stay = []
        for b in blocks:
            if b.t >= T or b.m == 0:
                deliver(b.result(T, K, nc))
            else:
                stay.append(b)
        blocks = stay
