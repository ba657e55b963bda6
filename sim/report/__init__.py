"""Words and pages: summaries (JSON, markdown), the crisis in words, the self-contained report.html."""

from __future__ import annotations

from .crisis_text import REPEATED_FIGURE_FILES, crisis_markdown
from .dynamic import DYNAMIC_FIGURES, run_dynamic
from .dynamic_text import dynamic_markdown
from .explorer import explorer_data, explorer_markdown, write_explorer
from .html import write_report, finish_run, render_report, figure_explanations
from .markdown import markdown_to_html
from .models import run_models
from .models_text import MODEL_FIGURES, models_markdown
from .repeated import crisis_summary
from .stage import FIGURE_FILES, MAX_LISTED, stage_summary
from .stage_text import stage_markdown
from .tournament import tournament_summary, tournament_markdown

__all__ = ["REPEATED_FIGURE_FILES", "crisis_markdown", "DYNAMIC_FIGURES", "run_dynamic", "dynamic_markdown",
           "explorer_data", "explorer_markdown", "write_explorer", "write_report", "finish_run", "render_report",
           "figure_explanations", "markdown_to_html", "run_models", "MODEL_FIGURES", "models_markdown",
           "crisis_summary", "FIGURE_FILES", "MAX_LISTED", "stage_summary", "stage_markdown",
           "tournament_summary", "tournament_markdown"]
