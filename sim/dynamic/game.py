"""Two-player discounted stochastic games: the data type and exact policy evaluation.

A :class:`StochasticGame` (Shapley 1953) has S states; in state ``s`` side A picks action
``a`` (of ``K_A``) and side B action ``b`` (of ``K_B``) at once, both receive
``payoffs[s, a, b, :]`` and the game moves to state ``s2`` with probability
``transitions[s, a, b, s2]``.  Payoffs are discounted by ``discount`` per step.

A Markov (stationary) policy of a side is a table ``(S, K)`` of action distributions, one
row per state.  Values are the *expected discounted sums* of stage payoffs (not normalised
by ``1 - discount``)::

    V = r_pi + discount * P_pi V                                          (exact, numpy.linalg.solve)
    Q_A[s, a] = sum_b pi_B[s, b] (payoffs[s, a, b, 0] + discount * sum_s2 T[s, a, b, s2] V[s2, 0])

A profile is a Markov perfect equilibrium iff no side gains from a one-shot deviation in
any state (the one-shot deviation principle, Fudenberg and Tirole 1991, Thm 4.2):
:func:`one_shot_gap` is that largest gain, zero at an equilibrium.  :func:`best_response`
solves the single-agent MDP against a fixed Markov policy by exact policy iteration
(Howard 1960; Puterman 1994, sec. 6.4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ConfigError, check_distribution

__all__ = ["StochasticGame", "policy_values", "action_values", "deviation_gains", "one_shot_gap",
           "best_response"]



def _array(name: str, value: Any, ndim: int, batch: bool = False) -> np.ndarray:
    try:  # an owning read-only float64 array (as the builders hand over) is kept, anything else copied
        owned = isinstance(value, np.ndarray) and value.dtype == np.float64 and value.base is None \
            and not value.flags.writeable
        arr = value if owned else np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(name, "must be a rectangular array of numbers") from None
    if arr.ndim < ndim or (arr.ndim != ndim and not batch):
        raise ConfigError(name, f"must have {ndim} dimensions{' (after any batch dimensions)' if batch else ''}, "
                                f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ConfigError(name, "must be finite (got NaN or infinity)")
    return arr


@dataclass(frozen=True, eq=False)
class StochasticGame:
    """A two-player discounted stochastic game, validated once on construction.

    Attributes
    ----------
    payoffs : ndarray (..., S, K_A, K_B, 2)
        Stage payoffs ``payoffs[s, a, b, side]`` (side 0 = A, 1 = B), finite floats.  Leading
        dimensions ``...`` (``batch_shape``) make a *batch* of games with the same states and
        actions (one per parameter point); only :func:`sim.dynamic.markov_perfect` and
        :func:`sim.dynamic.markov_qre` take batches, the other functions one game.
    transitions : ndarray (..., S, K_A, K_B, S)
        ``transitions[s, a, b, s2]``: probability of moving to ``s2``; non-negative, each
        row sums to 1 (within 1e-9).  Same batch shape as ``payoffs``.
    discount : float in [0, 1)
        Weight of the next step (step t weighted by ``discount ** t``, t = 0, 1, ...).
    state_labels : tuple of str
        Optional readable names of the S states (default ``s0, s1, ...``).

    Raises
    ------
    ConfigError
        One line naming the field (``payoffs``, ``transitions``, ``discount``, ``state_labels``).
    """

    payoffs: np.ndarray
    transitions: np.ndarray
    discount: float
    state_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        pay = _array("payoffs", self.payoffs, 4, batch=True)
        if pay.shape[-1] != 2 or min(pay.shape[-4:-1]) < 1 or 0 in pay.shape:
            raise ConfigError("payoffs", f"must have shape (..., S, K_A, K_B, 2), got {pay.shape}")
        S, KA, KB, _ = pay.shape[-4:]
        tr = _array("transitions", self.transitions, 4, batch=True)
        want = pay.shape[:-4] + (S, KA, KB, S)
        if tr.shape != want:
            raise ConfigError("transitions", f"must have shape {want} (from payoffs), got {tr.shape}")
        check_distribution("transitions", tr)
        d = self.discount
        if isinstance(d, bool) or not isinstance(d, (int, float, np.integer, np.floating)) or not math.isfinite(d) \
                or not 0.0 <= float(d) < 1.0:
            raise ConfigError("discount", f"must be a number in [0, 1), got {d!r}")
        labels = tuple(str(s) for s in self.state_labels) or tuple(f"s{i}" for i in range(S))
        if len(labels) != S:
            raise ConfigError("state_labels", f"needs {S} labels (one per state), got {len(labels)}")
        for a in (pay, tr):
            a.setflags(write=False)
        object.__setattr__(self, "payoffs", pay)
        object.__setattr__(self, "transitions", tr)
        object.__setattr__(self, "discount", float(d))
        object.__setattr__(self, "state_labels", labels)

    @property
    def n_states(self) -> int:
        return self.payoffs.shape[-4]

    @property
    def n_actions(self) -> tuple[int, int]:
        """``(K_A, K_B)``."""
        return self.payoffs.shape[-3], self.payoffs.shape[-2]

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The leading batch dimensions (``()`` for one game)."""
        return self.payoffs.shape[:-4]

    def __repr__(self) -> str:
        batch = f"batch={self.batch_shape}, " if self.batch_shape else ""
        return f"StochasticGame({batch}states={self.n_states}, actions={self.n_actions}, discount={self.discount:g})"


# --------------------------------------------------------------------------- validation of policies
def _check_game(game: Any, batch: bool = False) -> StochasticGame:
    """``game`` if it is a StochasticGame (one game unless ``batch``), else a one-line ConfigError."""
    if not isinstance(game, StochasticGame):
        raise ConfigError("game", f"must be a sim.dynamic.StochasticGame, got {type(game).__name__}")
    if game.batch_shape and not batch:
        raise ConfigError("game", f"must be one game here, got a batch of shape {game.batch_shape} "
                                  f"(batches: markov_perfect, markov_qre)")
    return game


def _policy(name: str, value: Any, S: int, K: int) -> np.ndarray:
    """A Markov policy ``(S, K)``: rows are distributions."""
    arr = _array(name, value, 2)
    if arr.shape != (S, K):
        raise ConfigError(name, f"must have shape {(S, K)} (states, actions), got {arr.shape}")
    check_distribution(name, arr)
    return arr


def _policies(game, policy_a, policy_b) -> tuple[np.ndarray, np.ndarray]:
    S, (KA, KB) = game.n_states, game.n_actions
    return _policy("policy_a", policy_a, S, KA), _policy("policy_b", policy_b, S, KB)


# --------------------------------------------------------------------------- kernels
def _evaluate(r: np.ndarray, P: np.ndarray, discount: float) -> np.ndarray:
    """Solve ``V = r + discount P V`` for r of shape (S,) or (S, n)."""
    S = P.shape[0]
    return np.linalg.solve(np.eye(S) - discount * P, r)


def _profile_values(game: StochasticGame, pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
    r = np.einsum("sa,sb,sabj->sj", pa, pb, game.payoffs)
    P = np.einsum("sa,sb,sabt->st", pa, pb, game.transitions)
    return _evaluate(r, P, game.discount)


def _q_values(game: StochasticGame, pa: np.ndarray, pb: np.ndarray, V: np.ndarray):
    cont = game.discount * np.einsum("sabt,tj->sabj", game.transitions, V)  # (S, K_A, K_B, 2)
    total = game.payoffs + cont
    qa = np.einsum("sb,sab->sa", pb, total[..., 0])
    qb = np.einsum("sa,sab->sb", pa, total[..., 1])
    return qa, qb


# --------------------------------------------------------------------------- public functions
def policy_values(game: StochasticGame, policy_a, policy_b) -> np.ndarray:
    """Expected discounted payoff sums of a Markov profile from each state.

    Parameters
    ----------
    game : StochasticGame
    policy_a : array_like (S, K_A)
        Side A's action distribution in each state.
    policy_b : array_like (S, K_B)

    Returns
    -------
    ndarray (S, 2)
        ``V[s, side]`` solving ``V = r_pi + discount * P_pi V`` exactly.
    """
    game = _check_game(game)
    pa, pb = _policies(game, policy_a, policy_b)
    return _profile_values(game, pa, pb)


def action_values(game: StochasticGame, policy_a, policy_b) -> tuple[np.ndarray, np.ndarray]:
    """Each side's value of taking an action in a state, then following the profile.

    Returns
    -------
    Q_A : ndarray (S, K_A)
        ``Q_A[s, a]``: A plays ``a`` in ``s`` (B plays ``policy_b[s]``), then both follow the profile.
    Q_B : ndarray (S, K_B)
    """
    game = _check_game(game)
    pa, pb = _policies(game, policy_a, policy_b)
    return _q_values(game, pa, pb, _profile_values(game, pa, pb))


def deviation_gains(game: StochasticGame, policy_a, policy_b) -> np.ndarray:
    """Gain of each side's best one-shot deviation in each state, ``(S, 2)``:
    ``max_a Q_A(s, a) - V_A(s)`` and ``max_b Q_B(s, b) - V_B(s)`` (>= 0 up to rounding)."""
    game = _check_game(game)
    pa, pb = _policies(game, policy_a, policy_b)
    V = _profile_values(game, pa, pb)
    qa, qb = _q_values(game, pa, pb, V)
    return np.stack([qa.max(1) - V[:, 0], qb.max(1) - V[:, 1]], -1)


def one_shot_gap(game: StochasticGame, policy_a, policy_b) -> float:
    """The largest gain of a one-shot deviation, over states and both sides.

    ``max_{s, side} (max_a Q_side(s, a) - V_side(s))``; zero (up to rounding) iff the
    profile is a Markov perfect equilibrium (one-shot deviation principle).  States that
    the profile never reaches count too: the criterion is subgame perfection.
    """
    return float(deviation_gains(game, policy_a, policy_b).max())


def best_response(game: StochasticGame, side: int, other_policy, *, max_iter: int = 10_000):
    """An optimal Markov policy of ``side`` against the other side's fixed Markov policy.

    The single-agent MDP ``R[s, a] = sum_o other[s, o] payoffs[s, a, o, side]``,
    ``P[s, a, s2] = sum_o other[s, o] T[s, a, o, s2]`` is solved by exact policy iteration
    (Howard 1960): evaluate the current deterministic policy with ``numpy.linalg.solve``,
    switch a state's action only where another action gains more than
    ``1e-12 * (1 + max |Q|)`` (keeps ties and guarantees termination), stop when nothing
    switches.

    Parameters
    ----------
    side : 0 (A) or 1 (B)
    other_policy : array_like (S, K_other)

    Returns
    -------
    policy : ndarray (S, K_side)
        Deterministic (one-hot) best response.
    values : ndarray (S, 2)
        ``policy_values`` of the profile (best response, other_policy); column ``side``
        is the optimal value of the MDP.
    """
    game = _check_game(game)
    if side not in (0, 1) or isinstance(side, bool):
        raise ConfigError("side", f"must be 0 (A) or 1 (B), got {side!r}")
    S, (KA, KB) = game.n_states, game.n_actions
    pay, tr = game.payoffs[..., side], game.transitions
    if side == 1:  # put the responding side first
        pay, tr = pay.transpose(0, 2, 1), tr.transpose(0, 2, 1, 3)
    K, Ko = (KA, KB) if side == 0 else (KB, KA)
    other = _policy("other_policy", other_policy, S, Ko)
    R = np.einsum("so,sao->sa", other, pay)
    P = np.einsum("so,saot->sat", other, tr)
    states = np.arange(S)
    act = R.argmax(1)  # start greedy on the stage reward
    for _ in range(max_iter):
        v = _evaluate(R[states, act], P[states, act], game.discount)
        q = R + game.discount * P @ v  # (S, K)
        best = q.argmax(1)
        tol = 1e-12 * (1.0 + np.abs(q).max())
        switch = q[states, best] > q[states, act] + tol
        if not switch.any():
            break
        act = np.where(switch, best, act)
    else:  # pragma: no cover - policy iteration ends in at most prod(K) steps, far fewer in practice
        raise ConfigError("best_response", f"policy iteration did not converge in {max_iter} steps")
    policy = np.eye(K)[act]
    pa, pb = (policy, other) if side == 0 else (other, policy)
    return policy, _profile_values(game, pa, pb)


# --------------------------------------------------------------------------- identical states
def merge_identical_states(game: StochasticGame):
    """``(reduced, cls)``: states with bitwise identical rows merged, or ``(game, None)`` if none are.

    States ``s, s'`` with bitwise the same payoffs ``R[s] == R[s']`` and the same transitions
    ``T[s] == T[s']`` have equal values, hence equal action values and equal logit responses,
    under every profile that plays alike in them; the logit map keeps such profiles, and the
    branch from uniform play stays among them.  ``reduced`` has one state per class ``k``
    (its first member's payoffs, transitions summed over the members of each target class);
    ``cls (S,)`` maps each state to its class, so ``policy_red[cls]`` is the full policy.
    Results are re-verified on ``game`` (residual, one-shot gap), not taken on trust.

    For a batch of games (``game.batch_shape != ()``) the partition is the one common to all
    games (states whose rows are identical in every game of the batch), so the reduced batch
    has one shape.
    """
    S = game.n_states
    pay = game.payoffs.reshape((-1,) + game.payoffs.shape[-4:])
    tr = game.transitions.reshape((-1,) + game.transitions.shape[-4:])
    rows = np.ascontiguousarray(np.concatenate([pay[0].reshape(S, -1), tr[0].reshape(S, -1)], axis=1))
    keys = rows.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()  # one bytes key per row
    _, rep, cls = np.unique(keys, return_index=True, return_inverse=True)
    cls = cls.ravel()
    if pay.shape[0] > 1:  # a batch: split off the states that differ from their class's first in some game
        first = rep[cls]
        for s in np.flatnonzero(first != np.arange(S)):  # a loop over states (memory: one state of every game)
            if not (np.array_equal(pay[:, s], pay[:, first[s]]) and np.array_equal(tr[:, s], tr[:, first[s]])):
                cls[s] = -1
        cls = np.where(cls >= 0, cls, cls.max() + 1 + np.cumsum(cls < 0) - 1)
        _, rep, cls = np.unique(cls, return_index=True, return_inverse=True)
    C = rep.size
    if C == S:
        return game, None
    member = np.zeros((S, C))
    member[np.arange(S), cls] = 1.0
    KA, KB = game.n_actions
    bs = game.batch_shape
    T = (game.transitions[..., rep, :, :, :].reshape(-1, S) @ member).reshape(bs + (C, KA, KB, C))
    T /= T.sum(-1, keepdims=True)
    return StochasticGame(game.payoffs[..., rep, :, :, :], T, game.discount), cls
