"""Dynamic games of the crisis (issue 10); here: the credibility of a stated policy."""

from __future__ import annotations

from .credibility import Credibility, credibility

__all__ = ["Credibility", "credibility"]
