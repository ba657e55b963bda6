"""Logit Markov quantal response equilibria and the Markov perfect equilibrium they select.

Model (Eibelshaeuser and Poensgen 2019, "Markov quantal response equilibrium and a homotopy
method for computing and selecting Markov perfect equilibria of dynamic stochastic games";
their ``sgamesolver`` is the reference implementation, not a dependency)
    In every state ``s`` each side plays action ``a`` with probability proportional to
    ``exp(lam * Q(s, a))``, where ``Q`` is that side's action value under the profile
    (:func:`sim.dynamic.action_values`: play ``a`` in ``s``, then follow the profile).  At
    ``lam = 0`` play is uniform; as ``lam -> inf`` limits of the principal branch (the one
    through uniform play) are Markov perfect equilibria.  With one state and discount 0 this
    is the static logit QRE of :mod:`sim.equilibria.logit_qre` (``Q_A = A y``).

Computation: arc-length continuation in log-probabilities with the analytic Jacobian
(:mod:`sim.dynamic.markov_trace`); every returned QRE has ``max |H| <= 1e-10``.
:func:`markov_perfect` follows the branch as ``lam`` grows and after each accepted step
tests a candidate MPE: its profile with nearly pure rows made pure, and (every time
``lam`` has doubled, the policies moved less than ``near`` since ``lam / 2`` and no
probability lies in ``(support_tol, 1e-3)``) the support of
the current policies, solved exactly for the
indifference conditions by Newton's method; a candidate is tested only once every
probability of the branch is within ``near`` of it.  A candidate is returned only if its
one-shot gap (:func:`sim.dynamic.one_shot_gap`) is ``<= gap_tol`` (one-shot deviation
principle).  When the policies are settled but not clear-cut, the support without the
probabilities that fell by a quarter or more since ``lam / 2`` (a vanishing probability falls
at least like ``1 / lam``) is solved as well, so a mixed limit with slowly vanishing actions is
found at moderate ``lam``.

States with identical rows (payoffs and transitions, as the rung-pair states of an escalation
game) play alike on the branch, so the branch is traced on the game with those states merged
(:func:`sim.dynamic.game.merge_identical_states`) and the results are lifted back and verified on the
original game; :mod:`sim.dynamic.markov_select` refines the branch's limit into an exact MPE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.dynamic.game import (StochasticGame, _check_game, _policies, merge_identical_states, one_shot_gap,
                              policy_values)
from sim.dynamic.markov_select import _indifference, _snap
from sim import limits
from sim.dynamic import markov_batch, markov_batch_select
from sim.dynamic.markov_trace import TOL, Kernel, branch, solve_fixed
from sim.errors import ConfigError, nonnegative_number

__all__ = ["MarkovQRE", "MarkovPerfect", "markov_qre", "markov_perfect"]


@dataclass(frozen=True, eq=False)
class MarkovQRE:
    """A logit Markov QRE (for a batch of games, every field has the batch shape ``...`` first).

    Attributes
    ----------
    policy_a : ndarray (..., S, K_A)   side A's action distribution in each state
    policy_b : ndarray (..., S, K_B)
    values : ndarray (..., S, 2)       ``policy_values`` of the profile
    lam : float, or ndarray (...)      precision (1 / payoff unit)
    """

    policy_a: np.ndarray
    policy_b: np.ndarray
    values: np.ndarray
    lam: float


@dataclass(frozen=True, eq=False)
class MarkovPerfect:
    """A Markov perfect equilibrium selected by the logit Markov QRE branch.

    For a batch of games (``game.batch_shape == (...)``) every field has that batch shape first.

    Attributes
    ----------
    policy_a, policy_b : ndarray (..., S, K_A), (..., S, K_B)
    values : ndarray (..., S, 2)
    lam : float or ndarray (...)           the precision the branch had reached when the candidate passed
    one_shot_gap : float or ndarray (...)  largest gain of a one-shot deviation (<= gap_tol)
    pure : bool or ndarray (...) of bool   True when both policies are deterministic
    """

    policy_a: np.ndarray
    policy_b: np.ndarray
    values: np.ndarray
    lam: float
    one_shot_gap: float
    pure: bool


def _lam(value, name: str = "lam") -> float:
    return nonnegative_number(name, value)


def _result(game, kern, w, lam) -> MarkovQRE:
    pa, pb = kern.split(w)
    return MarkovQRE(pa, pb, policy_values(game, pa, pb), float(lam))


def markov_qre(game: StochasticGame, lam, *, x0=None, memory_budget_gb: float | None = None) -> MarkovQRE:
    """The logit Markov QRE of ``game`` at precision ``lam``.

    Parameters
    ----------
    game : StochasticGame
        One game, or a batch (``payoffs (..., S, K_A, K_B, 2)``): the branches of all games are
        followed together (:mod:`sim.dynamic.markov_batch`; no loop over games).
    lam : float >= 0, or (for a batch) an array broadcasting to ``game.batch_shape``
    x0 : (policy_a, policy_b), optional
        Default ``None``: the QRE on the principal branch, followed from uniform play at
        ``lam = 0`` (at a fold, the first point where the branch reaches ``lam``).  Given,
        Newton's method at fixed ``lam`` from ``log x0`` (finds *a* QRE, usually near ``x0``).
        One game only.
    memory_budget_gb : float, optional
        A batch is solved in chunks of games that fit this budget (default
        :data:`sim.limits.DEFAULT_MEMORY_BUDGET_GB`); one game over it is a ``ConfigError``.

    Returns
    -------
    MarkovQRE, with fixed-point residual ``max |H| <= 1e-10`` in log-probabilities (fields with
    the batch shape first for a batch).

    Raises
    ------
    ConfigError   bad game, ``lam`` or ``x0``
    RuntimeError  if the continuation stalls or Newton fails from ``x0``
    """
    game = _check_game(game, batch=True)
    if game.batch_shape:
        if x0 is not None:
            raise ConfigError("x0", "is for one game, not a batch of games")
        return _qre_batch(game, lam, memory_budget_gb)
    lam = _lam(lam)
    kern = Kernel(game)
    if x0 is not None:
        try:
            pa, pb = x0
        except (TypeError, ValueError):
            raise ConfigError("x0", "must be a pair (policy_a, policy_b)") from None
        pa, pb = _policies(game, pa, pb)
        w0 = np.log(np.clip(np.concatenate([pa.ravel(), pb.ravel()]), 1e-300, None))
        w = solve_fixed(kern, w0, lam)
        if w is None:
            raise RuntimeError(f"Markov QRE: Newton did not converge at lam={lam:g} from x0; try x0=None")
        return _result(game, kern, w, lam)
    if lam == 0.0:
        return _result(game, kern, kern.uniform(), 0.0)
    red, cls = merge_identical_states(game)
    if cls is not None:  # trace the branch of the game with identical states merged, check it on ``game``
        rkern = Kernel(red)
        wr = _trace(rkern, lam)
        w = np.concatenate([wr[:rkern.nA].reshape(-1, rkern.KA)[cls].ravel(),
                            wr[rkern.nA:].reshape(-1, rkern.KB)[cls].ravel()])
        if np.max(np.abs(kern.H(w, lam))) <= TOL:
            return _result(game, kern, w, lam)
    return _result(game, kern, _trace(kern, lam), lam)


def _trace(kern: Kernel, lam: float) -> np.ndarray:
    """Log-probabilities of the principal branch at ``lam > 0`` (corrected to ``max |H| <= TOL``)."""
    prev = None
    for w, l in branch(kern):
        if l >= lam:
            frac = (lam - prev[1]) / (l - prev[1])
            w_int = (1 - frac) * prev[0] + frac * w
            w_fix = solve_fixed(kern, w_int, lam)
            if w_fix is None:
                w_fix = solve_fixed(kern, w if l - lam < lam - prev[1] else prev[0], lam)
            if w_fix is None:
                raise RuntimeError(f"Markov QRE: correction at lam={lam:g} failed")
            return w_fix
        prev = (w, l)
    raise AssertionError("unreachable")  # pragma: no cover - branch() raises instead of ending


# --------------------------------------------------------------------------- Markov perfect equilibria
def markov_perfect(game: StochasticGame, *, lam_max: float = 1e6, gap_tol: float = 1e-9,
                   support_tol: float = 1e-6, near: float = 0.05,
                   memory_budget_gb: float | None = None, errors: str = "raise") -> MarkovPerfect:
    """The Markov perfect equilibrium selected by the principal logit Markov QRE branch.

    Follows the branch from uniform play (``lam = 0``) as ``lam`` grows (module docstring).
    After each accepted step the branch's profile with its nearly pure rows (largest
    probability ``>= 1 - near``) made pure is tested (rows with exact ties, as in absorbing
    states, stay as they are); each time ``lam`` has doubled, if the policies moved by less
    than ``near`` since ``lam / 2`` and the support is clear-cut (no probability in
    ``(support_tol, 1e-3)``), the policies' support
    (probabilities ``> support_tol``) is also solved exactly for indifference.  The first candidate with
    ``one_shot_gap <= gap_tol`` is returned.

    Parameters
    ----------
    game : StochasticGame
        One game, or a batch (``payoffs (..., S, K_A, K_B, 2)``, e.g. one per point of a
        parameter grid): then all branches advance together (:mod:`sim.dynamic.markov_batch`:
        each game with its own ``lam``, step size and tangent; stacked solves; a game leaves
        the active set when its MPE is found), identical states are merged by the partition
        common to all games, and every field of the result has the batch shape first.  Each
        game gets the MPE its own call would give (the same steps, up to rounding).
    lam_max : float        give up when the branch passes this precision (1 / payoff unit)
    gap_tol : float        largest accepted one-shot deviation gain
    support_tol : float    probabilities above this count as the support of a mixed limit
    near : float           a candidate is tested only once the branch is this close to it
                           (max abs difference of probabilities), so that it is the
                           branch's limit rather than a passing profile
    memory_budget_gb : float, optional
        A batch is solved in chunks of games that fit this budget
        (:func:`sim.dynamic.markov_batch.batch_bytes` per game; default
        :data:`sim.limits.DEFAULT_MEMORY_BUDGET_GB`); one game over it is a ``ConfigError``.
    errors : "raise" or "nan"
        For a batch: a game whose continuation fails (or finds no MPE by ``lam_max``) raises
        ``RuntimeError`` for the whole call (``"raise"``), or gets NaN policies, values and
        ``lam``, ``one_shot_gap = inf`` and ``pure = False`` (``"nan"``, what sweeps use).

    Returns
    -------
    MarkovPerfect

    Raises
    ------
    ConfigError   bad game or parameters
    RuntimeError  if the continuation stalls, or no candidate passes by ``lam_max`` (the
                  message gives the smallest gap seen, and for a batch the game's flat index)
    """
    game = _check_game(game, batch=True)
    lam_max, gap_tol = _lam(lam_max, "lam_max"), _lam(gap_tol, "gap_tol")
    if errors not in ("raise", "nan"):
        raise ConfigError("errors", f"must be 'raise' or 'nan', got {errors!r}")
    if game.batch_shape:
        return _perfect_batch(game, lam_max, gap_tol, support_tol, near, memory_budget_gb, errors)
    red, cls = merge_identical_states(game)  # identical states share policies on the branch: trace the merged game
    kern = Kernel(red)
    lift = (lambda p: p) if cls is None else (lambda p: p[cls])
    best, last = np.inf, None
    next_mixed = 1.0 / (1e-12 + np.ptp(game.payoffs))
    for w, lam in branch(kern):
        pa, pb = kern.split(w)
        cands = [(_snap(pa, near), _snap(pb, near))]
        probs = np.concatenate([pa.ravel(), pb.ravel()])
        separated = not np.any((probs > support_tol) & (probs < 1e-3))  # the support is clear-cut
        if lam >= next_mixed:
            next_mixed = 2 * lam
            settled = last is not None and np.abs(probs - last).max() < near  # moved little since lam / 2
            mixed = _indifference(kern, pa, pb, support_tol) if settled and separated else None
            if mixed is not None:
                cands.append(mixed)
            elif settled:
                # probabilities that lost a quarter or more since lam / 2 are leaving the support
                # (a vanishing probability falls at least like 1 / lam); solve on the rest
                supp = (probs > support_tol) & (probs >= 0.75 * last)
                if np.any(supp != (probs > support_tol)):
                    mixed = _indifference(kern, pa, pb, support_tol, supp=supp)
                    if mixed is not None:
                        cands.append(mixed)
            last = probs
        for ca, cb in cands:
            if max(np.abs(ca - pa).max(), np.abs(cb - pb).max()) > near:
                continue
            gap = one_shot_gap(red, ca, cb)  # equal to the gap on ``game`` (up to rounding): checked there
            best = min(best, gap)
            if gap <= gap_tol and cls is not None:
                ca, cb = lift(ca), lift(cb)
                gap = one_shot_gap(game, ca, cb)
            if gap <= gap_tol:
                pure = bool(np.all((ca == 0) | (ca == 1)) and np.all((cb == 0) | (cb == 1)))
                return MarkovPerfect(ca, cb, policy_values(game, ca, cb), float(lam), gap, pure)
        if lam > lam_max:
            raise RuntimeError(f"markov_perfect: no Markov perfect equilibrium with one-shot gap <= {gap_tol:g} "
                               f"found by lam={lam:.6g} (smallest gap {best:.3g})")
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- batches of games
def _flat(game: StochasticGame):
    """``(R (G, S, K_A, K_B, 2), T (G, S, K_A, K_B, S))`` of a batch."""
    S, (KA, KB) = game.n_states, game.n_actions
    return game.payoffs.reshape(-1, S, KA, KB, 2), game.transitions.reshape(-1, S, KA, KB, S)


def _chunks(game: StochasticGame, red: StochasticGame, memory_budget_gb) -> int:
    """Games per chunk within the memory budget (one-line ConfigError if one game does not fit)."""
    budget = limits.budget_bytes(memory_budget_gb)
    S, (KA, KB) = game.n_states, game.n_actions
    per = markov_batch.batch_bytes(red.n_states, *red.n_actions) + 8 * S * KA * KB * (3 * 2 + S)  # + the game's rows
    if per > budget:
        raise ConfigError("memory_budget_gb", f"one game of {game.n_states} states and {game.n_actions} actions needs "
                                              f"~{limits.gib(per)} GiB for markov_perfect, "
                                              f"over the {budget / limits.GIB:g} GiB memory budget")
    return int(budget // per)


def _perfect_batch(game, lam_max, gap_tol, support_tol, near, memory_budget_gb, errors) -> MarkovPerfect:
    """:func:`markov_perfect` of a batch: chunks of games that fit the budget, each one stacked call."""
    red, cls = merge_identical_states(game)
    step = _chunks(game, red, memory_budget_gb)
    R, T = _flat(game)
    Rr, Tr = _flat(red)
    G = R.shape[0]
    pa, pb = np.zeros(R.shape[:3]), np.zeros(R.shape[:2] + R.shape[3:4])
    lam, gap = np.zeros(G), np.zeros(G)
    failed = np.zeros(G, bool)
    for lo in range(0, G, step):  # a loop over memory-sized chunks of games, not over games
        sl = slice(lo, lo + step)
        pa[sl], pb[sl], lam[sl], gap[sl], bad = markov_batch_select.perfect(
            Rr[sl], Tr[sl], game.discount, cls, R[sl], T[sl], lam_max=lam_max, gap_tol=gap_tol,
            support_tol=support_tol, near=near)
        if bad and errors == "raise":
            g, msg = min(bad.items())
            raise RuntimeError(f"{msg} in game {lo + g} of the batch (flat index)")
        failed[[lo + g for g in bad]] = True
    pa[failed], pb[failed] = 1.0 / pa.shape[-1], 1.0 / pb.shape[-1]  # placeholders for the values, then NaN
    V = markov_batch.values(R, T, game.discount, pa, pb)[1]
    pure = np.all((pa == 0) | (pa == 1), (1, 2)) & np.all((pb == 0) | (pb == 1), (1, 2)) & ~failed
    pa[failed], pb[failed], V[failed], lam[failed], gap[failed] = np.nan, np.nan, np.nan, np.nan, np.inf
    bs = game.batch_shape
    return MarkovPerfect(pa.reshape(bs + pa.shape[1:]), pb.reshape(bs + pb.shape[1:]), V.reshape(bs + V.shape[1:]),
                         lam.reshape(bs), gap.reshape(bs), pure.reshape(bs))


def _qre_batch(game, lam, memory_budget_gb) -> MarkovQRE:
    """:func:`markov_qre` of a batch (the merged game's branch, checked on the full game)."""
    bs = game.batch_shape
    try:
        lam = np.broadcast_to(np.asarray(lam, dtype=float), bs).ravel()
    except (TypeError, ValueError):
        raise ConfigError("lam", f"must be a number >= 0 or an array broadcasting to the batch shape {bs}") from None
    if not np.all(np.isfinite(lam) & (lam >= 0)):
        raise ConfigError("lam", f"must be finite and >= 0, got minimum {np.min(lam)!r}")
    red, cls = merge_identical_states(game)
    step = _chunks(game, red, memory_budget_gb)
    R, T = _flat(game)
    S, (KA, KB) = game.n_states, game.n_actions
    G, d = R.shape[0], game.discount
    w = np.concatenate([np.full((G, S * KA), -np.log(KA)), np.full((G, S * KB), -np.log(KB))], 1)
    todo = np.flatnonzero(lam > 0)
    for lo in range(0, todo.size, step):  # memory-sized chunks of games
        idx = todo[lo:lo + step]
        ok = np.zeros(idx.size, bool)
        if cls is not None:
            Rr, Tr = _flat(red)
            wr, good = markov_batch_select.trace(Rr[idx], Tr[idx], d, lam[idx])
            C = red.n_states
            wl = np.concatenate([wr[:, :C * KA].reshape(-1, C, KA)[:, cls].reshape(idx.size, -1),
                                 wr[:, C * KA:].reshape(-1, C, KB)[:, cls].reshape(idx.size, -1)], 1)
            res = np.abs(markov_batch._h(R[idx], T[idx], d, wl, lam[idx])).max(1)
            ok = good & (res <= TOL)
            w[idx[ok]] = wl[ok]
        rest = idx[~ok]
        if rest.size:
            wf, good = markov_batch_select.trace(R[rest], T[rest], d, lam[rest])
            if not good.all():
                raise RuntimeError(f"Markov QRE: correction at lam={lam[rest][~good][0]:g} failed in game "
                                   f"{int(rest[~good][0])} of the batch")
            w[rest] = wf
    pa, pb = markov_batch._split(w, S, KA, KB)
    V = markov_batch.values(R, T, d, pa, pb)[1]
    return MarkovQRE(pa.reshape(bs + pa.shape[1:]), pb.reshape(bs + pb.shape[1:]), V.reshape(bs + V.shape[1:]),
                     lam.reshape(bs))
