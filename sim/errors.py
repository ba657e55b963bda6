"""The one user-facing error type.

Every mistake a user can make (an unknown key, a probability outside [0, 1], a ragged
or non-finite payoff matrix, an unknown game or strategy name) is raised as a
:class:`ConfigError` whose message is a single line naming the field and what is
allowed.  Entry points print that line and exit non-zero; they never show a traceback
for a ``ConfigError``.

It lives in its own module (rather than in ``sim/config.py`` as DESIGN.md sketches) so
that kernels and builders can raise it without importing the config layer, which itself
imports the builders: this keeps the import graph acyclic.
"""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """A user error: bad input with a one-line explanation.

    Parameters
    ----------
    field : str
        Dotted name of the offending field (``"game.war_risk"``), or ``""``.
    message : str
        What is wrong and what is allowed, e.g. ``"must be in [0, 1], got 1.3"``.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = " ".join(str(message).split())  # force a single line
        super().__init__(f"{field}: {self.message}" if field else self.message)

    def prefixed(self, prefix: str) -> "ConfigError":
        """The same error with ``prefix.`` put in front of its field name."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return ConfigError(field, self.message)
