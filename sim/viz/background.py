"""Figures written by forked child processes while the caller goes on computing.

Drawing and encoding a figure is pure Python in matplotlib (text layout, ticks, constrained
layout) and takes 0.15-0.5 s of one core each; the default run writes 18 of them, about 5 s,
while its own computations leave the machine's second core idle.  Inside
:func:`background_figures`, :func:`sim.viz.save` hands each figure to a child made by
``os.fork``: the child holds a copy of the figure (no pickling), writes it exactly as ``save``
would in the parent (same bytes, atomically) and exits; the parent goes straight on.  At most
``workers`` children run at once (the parent waits for the oldest before it starts another);
leaving the block waits for every child, so the files exist after it, as they would without it.
On 2 cores the default run takes 9-12 s instead of 12-15 s, for about 2 s more CPU in all
(copied pages, the children's own start).

Numbers: the parent never draws, and waits for children only at points fixed by its own
sequence of calls, so its memory layout (which sets the last bits of some numpy sums) is the
same in every run: a run repeats its numbers bit for bit.  They can differ in the last bits
(1e-14 relative, in the MPE's homotopy) from a run that draws in the parent (``workers=0``).

What a child reports comes back through a pipe: the warnings it raised (re-issued in the
parent, e.g. the missing-font warning of :func:`sim.viz.style.save`) and, if it failed, its
traceback, raised in the parent as a :class:`RuntimeError` naming the file (when the parent
waits for that child).  A child never returns into the caller's code: it leaves by
``os._exit``.  Without ``os.fork`` (Windows) or with ``workers=0`` everything is written in
the parent, as before.

The parent's figure is not touched by the child (a forked copy), so a caller may go on using it.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import os
import pickle
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator

__all__ = ["background_figures", "submit", "running", "WORKERS"]

#: The longest traceback a child sends back (a pipe holds 64 KiB before the writer blocks).
_MAX_REPORT = 32_000


class _Children:
    """The running children of one :func:`background_figures` block, oldest first."""

    def __init__(self, workers: int):
        self.workers = workers
        self.running: dict[int, tuple[str, int]] = {}  # pid -> (file name, read end of its pipe)

    def submit(self, job: Callable[[], object], name: str) -> None:
        """Run ``job`` in a new child, after waiting for the oldest one when ``workers`` are running."""
        if len(self.running) >= self.workers:
            self.collect(next(iter(self.running)))
        r, w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        gc.freeze()  # the parent's objects out of the collector's reach in the child: its collections
        pid = os.fork()  # would write to every object's header, copying the parent's pages
        if pid == 0:  # the child: write the figure, report, leave without running any caller code
            code = 1
            try:
                gc.disable()  # a short life: no collection at all
                os.close(r)
                _ACTIVE.set(None)  # the child writes its figure (and slide) itself: no grandchildren
                report: dict = {}
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        job()
                    report["warnings"] = [(str(c.message), _sendable(c.category)) for c in caught]
                    code = 0
                except BaseException:  # noqa: BLE001 (a KeyboardInterrupt too: the parent learns of it)
                    report["error"] = traceback.format_exc()[-_MAX_REPORT:]
                with os.fdopen(w, "wb") as fh:
                    pickle.dump(report, fh)
            finally:
                os._exit(code)
        gc.unfreeze()
        os.close(w)
        self.running[pid] = (name, r)

    def collect(self, pid: int | None = None) -> None:
        """Wait for the child ``pid`` (None: every child, oldest first); re-issue their warnings
        and raise on a failure.  Children are waited for only here, at points fixed by the
        caller's sequence of :func:`submit` calls and never by how fast a child was: the
        parent's own work (and its memory layout, which sets the last bits of some numpy sums)
        does not depend on timing, so a run gives the same numbers every time."""
        errors = []
        for p in ([pid] if pid is not None else list(self.running)):
            name, r = self.running.pop(p)
            with os.fdopen(r, "rb") as fh:
                data = fh.read()
            os.waitpid(p, 0)
            try:
                report = pickle.loads(data) if data else {"error": "the process ended without a report"}
            except Exception:  # noqa: BLE001
                report = {"error": "its report could not be read"}
            for message, category in report.get("warnings", ()):
                warnings.warn(message, category, stacklevel=3)
            if "error" in report:
                errors.append(f"writing {name} in a background process failed:\n{report['error']}")
        if errors:
            raise RuntimeError("\n".join(errors))


def _sendable(category: type) -> type:
    """A warning category the pipe can carry (a class defined inside a function cannot be pickled)."""
    try:
        pickle.dumps(category)
    except Exception:  # noqa: BLE001
        return UserWarning
    return category


_ACTIVE: contextvars.ContextVar[_Children | None] = contextvars.ContextVar("background_figures", default=None)


#: Children at once.  A constant, not the machine's core count: when the parent waits for a
#: child is then the same on every machine (see :meth:`_Children.collect`); on fewer cores the
#: children share them, at the same total CPU time.
WORKERS = 4


def _warm_up() -> None:
    """Draw a small figure once in the parent, so that every child inherits loaded fonts and
    matplotlib's caches instead of building them again (about 0.1 s per child otherwise)."""
    from io import BytesIO

    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.0, 2.0), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set_title("Title", fontweight="bold")
    ax.set_xlabel("x 0.5%")
    ax.legend()
    fig.suptitle("Suptitle")
    fig.savefig(BytesIO(), format="png", dpi=50)


@contextlib.contextmanager
def background_figures(workers: int | None = None) -> Iterator[None]:
    """Within the block, :func:`sim.viz.save` writes figures in forked children (see the module
    docstring); on leaving, waits for all of them and raises on a failure.  ``workers``:
    children at once (None: :data:`WORKERS`; 0, or no ``os.fork``: no children)."""
    n = WORKERS if workers is None else int(workers)
    if n <= 0 or not hasattr(os, "fork"):
        yield
        return
    _warm_up()
    children = _Children(n)
    token = _ACTIVE.set(children)
    try:
        yield
    except BaseException:
        _ACTIVE.reset(token)
        with contextlib.suppress(Exception):  # the block's own error is the one to report
            children.collect()
        raise
    _ACTIVE.reset(token)
    children.collect()


def submit(job: Callable[[], object], name: str) -> bool:
    """Run ``job`` (writing the file ``name``) in a child of the active :func:`background_figures`
    block; False when there is no block (then the caller writes it)."""
    children = _ACTIVE.get()
    if children is None:
        return False
    children.submit(job, name)
    return True


def running() -> tuple[int, ...]:
    """Process ids of the active block's children not yet waited for, oldest first (() outside a block)."""
    children = _ACTIVE.get()
    return () if children is None else tuple(children.running)
