"""Run outputs in words and JSON: ``summary.json`` and ``summary.md`` for the stage game.

Writers
    :func:`atomic_write_text` and :func:`atomic_write_json` write a file completely or not
    at all: the text goes to a temporary file in the same directory, which is then moved
    over the target with :func:`os.replace` (atomic on POSIX and Windows), so a crash or a
    concurrent reader never sees half a file.

Summaries
    :func:`stage_summary` gathers the stage-game results (payoffs, class, equilibria and
    their refinements, the equilibrium map's regime shares) into a JSON-able dict;
    :func:`stage_markdown` turns that dict into a short plain-language ``summary.md``.
    Neither computes equilibria: they take the results of :mod:`sim.equilibria`,
    :mod:`sim.classify` and :mod:`sim.sweep` as arguments.  The one derived quantity is
    the best outcome cell that would leave *both* sides better off than an equilibrium,
    read off the payoff matrices.

Wording
    The readable names of game classes (:data:`CLASS_LABELS`) and of builder parameters
    with their units (:func:`param_label`) live here and are shared with
    :mod:`sim.plots`, so figures and text use the same words.

Module map
    The code lives in :mod:`sim.report_io` (writers), :mod:`sim.wording` (readable names,
    numbers in words), :mod:`sim.report_stage` (:func:`stage_summary`) and
    :mod:`sim.report_stage_text` (:func:`stage_markdown`); every name is importable from here.
"""


from __future__ import annotations

from . import report_io as _report_io
from . import report_stage as _report_stage
from . import wording as _wording
from .report_io import atomic_write_json, atomic_write_text, to_jsonable
from .report_stage import FIGURE_FILES, stage_summary
from .report_stage_text import stage_markdown
from .wording import CLASS_LABELS, PARAM_LABELS, class_label, param_label


__all__ = [
    "CLASS_LABELS",
    "FIGURE_FILES",
    "PARAM_LABELS",
    "atomic_write_text",
    "atomic_write_json",
    "to_jsonable",
    "class_label",
    "param_label",
    "stage_summary",
    "stage_markdown",
]


# Private helpers that other modules and tests import from here (defined in sim.wording, sim.report_io).
_cap, _num, _pct, _pname = _wording._cap, _wording._num, _wording._pct, _wording._pname
_atomic_write_bytes = _report_io._atomic_write_bytes
# Module constants that lived here before the split.
CLASS_MEANINGS, MAX_LISTED = _wording.CLASS_MEANINGS, _report_stage.MAX_LISTED
