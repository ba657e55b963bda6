"""The Richardson arms race: equilibrium, stability, trajectories and phase portraits.

All functions are pure kernels on numpy arrays (no files, no printing, no global RNG);
randomness only comes from a passed :class:`numpy.random.Generator` or
:class:`numpy.random.SeedSequence`.  Bad inputs raise :class:`sim.errors.ConfigError`
with a one-line message naming the field.

Richardson arms race (L. F. Richardson 1960, *Arms and Insecurity*)
    Armament levels ``x`` (side A) and ``y`` (side B) evolve as::

        dx/dt = k y - a x + g        k: defence (reaction) coefficient of A
        dy/dt = l x - b y + h        a: fatigue / cost coefficient of A
                                     g: grievance of A (any sign), likewise l, b, h for B

    ``k, l, a, b >= 0``.  The equilibrium (intersection of the nullclines) is::

        x* = (k h + b g) / (a b - k l),   y* = (l g + a h) / (a b - k l)

    and exists uniquely iff ``a b != k l``.  The Jacobian is ``[[-a, k], [l, -b]]``
    with trace ``-(a + b)`` and determinant ``a b - k l``; its eigenvalues are
    ``-(a + b)/2 +- sqrt((a - b)^2/4 + k l)`` (real when ``k l >= 0``).  The
    equilibrium is asymptotically stable iff both are negative, i.e. (for non-negative
    coefficients) iff ``a b > k l``: mutual restraint outweighs mutual reaction.  When
    ``a b < k l`` trajectories run away (an unbounded arms race or disarmament to the
    boundary, depending on the start).  Functions accept scalars or broadcastable
    arrays (parameter batches).

The escalation traps (war of attrition, dollar auction) are in :mod:`sim.crisis.traps`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
from scipy.integrate import solve_ivp

from sim.errors import ConfigError, as_float_array

__all__ = [
    "RichardsonParams",
    "RichardsonStability",
    "RichardsonTrajectory",
    "richardson_equilibrium",
    "richardson_stability",
    "richardson_trajectory",
    "richardson_phase", "RichardsonPhase",
]


# --------------------------------------------------------------------------- helpers


def _nonnegative(value, field: str) -> np.ndarray:
    arr = as_float_array(field, value)
    if np.any(arr < 0):
        raise ConfigError(field, f"must be >= 0, got {arr.min():g}")
    return arr


def _positive(value, field: str) -> np.ndarray:
    arr = as_float_array(field, value)
    if np.any(arr <= 0):
        raise ConfigError(field, f"must be > 0, got {arr.min():g}")
    return arr


def _as_generator(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator or SeedSequence, got {type(rng).__name__}")


# ---------------------------------------------------------------- Richardson model


@dataclass(frozen=True)
class RichardsonParams:
    """Coefficients of the Richardson model (scalars or broadcastable arrays)."""

    k: object
    l: object  # noqa: E741 - Richardson's own symbol
    a: object
    b: object
    g: object
    h: object

    @classmethod
    def coerce(cls, params) -> "RichardsonParams":
        """Accept a :class:`RichardsonParams`, a mapping with keys k, l, a, b, g, h, or a
        6-sequence in that order."""
        if isinstance(params, cls):
            return params
        names = [f.name for f in fields(cls)]
        if isinstance(params, Mapping):
            unknown = sorted(set(params) - set(names))
            if unknown:
                raise ConfigError(str(unknown[0]), f"unknown Richardson coefficient; allowed: {', '.join(names)}")
            missing = [n for n in names if n not in params]
            if missing:
                raise ConfigError(missing[0], "missing Richardson coefficient")
            return cls(**{n: params[n] for n in names})
        try:
            values = list(params)
        except TypeError:
            raise ConfigError("richardson", "params must be a mapping with keys k, l, a, b, g, h") from None
        if len(values) != 6:
            raise ConfigError("richardson", f"params must have 6 values (k, l, a, b, g, h), got {len(values)}")
        return cls(*values)

    def arrays(self) -> tuple[np.ndarray, ...]:
        """Validated, broadcast float arrays ``(k, l, a, b, g, h)``."""
        k = _nonnegative(self.k, "k")
        l = _nonnegative(self.l, "l")  # noqa: E741
        a = _nonnegative(self.a, "a")
        b = _nonnegative(self.b, "b")
        g = as_float_array("g", self.g)
        h = as_float_array("h", self.h)
        try:
            return tuple(np.broadcast_arrays(k, l, a, b, g, h))
        except ValueError:
            raise ConfigError("richardson", "coefficient arrays have incompatible shapes") from None


def _determinant(k, l, a, b):  # noqa: E741
    det = a * b - k * l
    scale = np.maximum(np.abs(a * b), np.abs(k * l))
    singular = np.abs(det) <= 1e-12 * np.where(scale > 0, scale, 1.0)
    return det, singular


def richardson_equilibrium(k, l, a, b, g, h) -> tuple[np.ndarray, np.ndarray]:  # noqa: E741
    """Equilibrium ``(x*, y*)`` of the Richardson model, broadcast over parameter batches.

    Raises :class:`ConfigError` if any ``a b - k l`` is zero (no unique equilibrium).
    """
    k, l, a, b, g, h = RichardsonParams(k, l, a, b, g, h).arrays()  # noqa: E741
    det, singular = _determinant(k, l, a, b)
    if np.any(singular):
        raise ConfigError("richardson", "a*b - k*l is 0: the nullclines are parallel and there is no unique equilibrium")
    return (k * h + b * g) / det, (l * g + a * h) / det


@dataclass(frozen=True)
class RichardsonStability:
    """Linear stability of the Richardson equilibrium (arrays of the batch shape)."""

    eigenvalues: np.ndarray  # shape batch + (2,), complex, sorted by real part
    trace: np.ndarray
    determinant: np.ndarray  # a b - k l
    stable: np.ndarray  # bool: both eigenvalues have negative real part


def richardson_stability(k, l, a, b, g=0.0, h=0.0) -> RichardsonStability:  # noqa: E741
    """Eigenvalues of the Jacobian ``[[-a, k], [l, -b]]`` and the stability verdict.

    ``g`` and ``h`` do not affect stability; they are accepted so a parameter set can be
    passed unchanged.  Stable iff trace < 0 and determinant > 0, which for
    non-negative coefficients is ``a b > k l``.
    """
    k, l, a, b, _, _ = RichardsonParams(k, l, a, b, g, h).arrays()  # noqa: E741
    trace = -(a + b)
    det = a * b - k * l
    root = np.sqrt((trace / 2.0) ** 2 - det + 0j)
    eig = np.stack([trace / 2.0 - root, trace / 2.0 + root], axis=-1)
    stable = (trace < 0) & (det > 0) & ~_determinant(k, l, a, b)[1]
    return RichardsonStability(eigenvalues=eig, trace=trace, determinant=det, stable=stable)


@dataclass(frozen=True)
class RichardsonTrajectory:
    """A solved trajectory: ``t`` has shape ``(n,)``; ``x`` and ``y`` batch + ``(n,)``."""

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray


def richardson_trajectory(params, x0, t_max: float, n: int = 201, *, rtol: float = 1e-8,
                          atol: float = 1e-10) -> RichardsonTrajectory:
    """Integrate the Richardson system from ``x0 = (x, y)`` over ``[0, t_max]`` with
    :func:`scipy.integrate.solve_ivp` (RK45), sampled at ``n`` evenly spaced times.

    ``params`` is a :class:`RichardsonParams`, a mapping or a 6-sequence; coefficient
    arrays and ``x0`` of shape batch + ``(2,)`` broadcast, and the whole batch is
    integrated as one stacked linear system.
    """
    k, l, a, b, g, h = RichardsonParams.coerce(params).arrays()  # noqa: E741
    start = as_float_array("x0", x0)
    if start.ndim == 0 or start.shape[-1] != 2:
        raise ConfigError("x0", f"must be a pair (x, y) or an array of pairs, got shape {start.shape}")
    t_max = float(_positive(t_max, "t_max"))
    if int(n) != n or n < 2:
        raise ConfigError("n", f"must be an integer >= 2, got {n!r}")
    try:
        shape = np.broadcast_shapes(k.shape, start.shape[:-1])
    except ValueError:
        raise ConfigError("x0", "shape does not broadcast with the coefficient arrays") from None
    coef = [np.broadcast_to(c, shape).ravel() for c in (k, l, a, b, g, h)]
    k1, l1, a1, b1, g1, h1 = coef
    s0 = np.broadcast_to(start, shape + (2,)).reshape(-1, 2)
    m = s0.shape[0]

    def rhs(_t, z):
        x, y = z[:m], z[m:]
        return np.concatenate([k1 * y - a1 * x + g1, l1 * x - b1 * y + h1])

    t_eval = np.linspace(0.0, t_max, int(n))
    sol = solve_ivp(rhs, (0.0, t_max), np.concatenate([s0[:, 0], s0[:, 1]]), t_eval=t_eval,
                    rtol=rtol, atol=atol)
    if not sol.success:  # pragma: no cover - linear system, should not happen
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    x = sol.y[:m].reshape(shape + (int(n),))
    y = sol.y[m:].reshape(shape + (int(n),))
    return RichardsonTrajectory(t=sol.t, x=x, y=y)


@dataclass(frozen=True)
class RichardsonPhase:
    """What a phase portrait of one (scalar) Richardson system shows (:func:`richardson_phase`).

    Attributes
    ----------
    coefficients : tuple of 6 floats
        ``(k, l, a, b, g, h)``.
    xlim, ylim : (float, float)
        The plotting box.
    grid_x, grid_y, dir_x, dir_y : ndarray (17, 17)
        Points of the direction field and the unit direction of ``(dx/dt, dy/dt)`` there.
    equilibrium : (float, float) or None
        ``(x*, y*)``, None when ``a b = k l`` (no unique equilibrium).
    stable : bool
        ``a b > k l`` (Richardson 1960).
    starts : ndarray (n, 2)
        Starting points of the trajectories.
    trajectory : RichardsonTrajectory
        Paths from ``starts`` over ``[0, t_max]`` (400 points each).
    """

    coefficients: tuple
    xlim: tuple
    ylim: tuple
    grid_x: np.ndarray
    grid_y: np.ndarray
    dir_x: np.ndarray
    dir_y: np.ndarray
    equilibrium: tuple | None
    stable: bool
    starts: np.ndarray
    trajectory: "RichardsonTrajectory"


def richardson_phase(params, *, xlim=None, ylim=None, starts=None, t_max: float = 20.0) -> RichardsonPhase:
    """The direction field, equilibrium and trajectories of one (scalar) Richardson system.

    Trajectories start from ``starts`` (default: eight points on the edge of the plotting
    box).  Limits default to a box around the equilibrium.  The figure is
    :func:`sim.viz.richardson_phase_figure`.
    """
    p = RichardsonParams.coerce(params)
    k, l, a, b, g, h = (float(v) if v.ndim == 0 else None for v in p.arrays())  # noqa: E741
    if None in (k, l, a, b, g, h):
        raise ConfigError("richardson", "a phase portrait needs scalar coefficients, not a batch")
    stab = richardson_stability(k, l, a, b)
    eq = None
    if not _determinant(k, l, a, b)[1]:
        xs, ys = richardson_equilibrium(k, l, a, b, g, h)
        eq = (float(xs), float(ys))
    if xlim is None or ylim is None:
        span = 2.0 * max(1.0, *(abs(v) for v in eq)) if eq is not None else 10.0
        lo = min(0.0, *(v for v in eq)) * 1.5 if eq is not None else 0.0
        xlim = xlim or (lo, max(span, lo + span))
        ylim = ylim or (lo, max(span, lo + span))
    (x_lo, x_hi), (y_lo, y_hi) = xlim, ylim
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, 17), np.linspace(y_lo, y_hi, 17))
    u, v = k * gy - a * gx + g, l * gx - b * gy + h
    norm = np.hypot(u, v)
    norm[norm == 0] = 1.0
    if starts is None:
        fx = np.array([0.0, 0.5, 1.0, 1.0, 1.0, 0.5, 0.0, 0.0])
        fy = np.array([0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0, 0.5])
        starts = np.stack([x_lo + fx * (x_hi - x_lo), y_lo + fy * (y_hi - y_lo)], axis=-1)
    starts = as_float_array("starts", starts).reshape(-1, 2)
    traj = richardson_trajectory(p, starts, t_max, 400)
    return RichardsonPhase((k, l, a, b, g, h), (x_lo, x_hi), (y_lo, y_hi), gx, gy, u / norm, v / norm, eq,
                           bool(stab.stable), starts, traj)
