"""sim.viz.background: figures written by forked children give the same files as written in
the parent, failures and warnings reach the parent, and the parent waits for every child."""

from __future__ import annotations

import os
import time
import warnings

import pytest
from matplotlib.figure import Figure

from sim.viz import background, save
from sim.viz.background import background_figures
from sim.viz.style import slide_set

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork: figures are written in the parent")


def _figure(k: int) -> Figure:
    fig = Figure(figsize=(6.0, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(range(10), [(i * k) % 7 for i in range(10)], label=f"series {k}")
    ax.set_title(f"Figure {k}: a title long enough to wrap on a slide")
    ax.set_xlabel("round")
    ax.legend()
    return fig


class _Broken(Figure):
    def draw(self, renderer):
        raise ValueError("this figure cannot be drawn")


def test_files_are_the_bytes_the_parent_writes(tmp_path):
    """Three figures and the slide of one: identical bytes whether the parent or children write them."""
    names = [f"f{k}.png" for k in range(3)]
    with slide_set(("f1.png",)):
        for k, name in enumerate(names):
            save(_figure(k), tmp_path / "inline" / name)
        with background_figures(workers=2):
            for k, name in enumerate(names):
                save(_figure(k), tmp_path / "bg" / name)
    for rel in names + ["slides/f1.png"]:
        assert (tmp_path / "bg" / rel).read_bytes() == (tmp_path / "inline" / rel).read_bytes(), rel
    assert sorted(p.name for p in (tmp_path / "bg").rglob("*")) == sorted(p.name for p in (tmp_path / "inline").rglob("*"))


def test_a_failed_figure_raises_in_the_parent_naming_the_file(tmp_path):
    fig = _Broken()
    fig.add_subplot()
    with pytest.raises(RuntimeError, match=r"broken\.png.*\n(.|\n)*this figure cannot be drawn"):
        with background_figures(workers=2):
            save(_figure(0), tmp_path / "good.png")
            save(fig, tmp_path / "broken.png")
    assert (tmp_path / "good.png").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.png"]  # no broken.png, no temporary file


def test_warnings_of_a_child_are_issued_in_the_parent():
    with pytest.warns(UserWarning, match="raised in the child"):
        with background_figures(workers=1):
            assert background.submit(lambda: warnings.warn("raised in the child", UserWarning), "x.png")


def test_without_a_block_or_with_no_workers_the_parent_writes(tmp_path):
    assert not background.submit(lambda: None, "x.png")
    with background_figures(workers=0):
        assert not background.submit(lambda: None, "x.png")
        pid = os.getpid()
        save(_figure(1), tmp_path / "a.png")
        assert os.getpid() == pid and (tmp_path / "a.png").is_file()


def test_an_error_in_the_block_still_waits_for_every_child(tmp_path):
    """The block's own error propagates, after its children have finished (no child left behind)."""
    def slow():
        time.sleep(0.3)
        (tmp_path / "late.txt").write_text("done")

    with pytest.raises(KeyError):
        with background_figures(workers=2):
            background.submit(slow, "late.txt")
            pids = background.running()
            raise KeyError("the block failed")
    assert (tmp_path / "late.txt").read_text() == "done"
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_at_most_workers_children_run_at_once(tmp_path):
    """With one worker the jobs run one after the other: each starts after the previous ended."""
    def job(k):
        def run():
            t0 = time.monotonic()
            time.sleep(0.2)
            (tmp_path / f"{k}.txt").write_text(f"{t0} {time.monotonic()}")
        return run

    with background_figures(workers=1):
        for k in range(3):
            background.submit(job(k), f"{k}.txt")
            assert len(background.running()) == 1
    spans = [tuple(map(float, (tmp_path / f"{k}.txt").read_text().split())) for k in range(3)]
    assert all(spans[k + 1][0] >= spans[k][1] for k in range(2)), spans


def test_a_child_that_is_interrupted_is_a_failure_not_a_second_caller(tmp_path):
    """A child leaves by os._exit whatever happens in it: a KeyboardInterrupt there becomes the
    parent's error, and no code after the block runs twice."""
    marker = tmp_path / "after.txt"

    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(RuntimeError, match="KeyboardInterrupt"):
        with background_figures(workers=1):
            background.submit(interrupted, "x.png")
    with open(marker, "a") as fh:  # the child would append a second line if it had come back here
        fh.write(f"{os.getpid()}\n")
    assert marker.read_text() == f"{os.getpid()}\n"


def test_a_warning_class_the_pipe_cannot_carry_arrives_as_a_user_warning():
    class Local(UserWarning):  # defined in a function: not picklable
        pass

    with pytest.warns(UserWarning, match="a local category") as record:
        with background_figures(workers=1):
            background.submit(lambda: warnings.warn("a local category", Local), "x.png")
    assert [type(w.message) for w in record] == [UserWarning]
