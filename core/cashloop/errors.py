"""User-facing errors: the CLI prints their message and exits 2, without a traceback."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["ConfigError", "PluginError", "PolicyEvaluationError", "StorageError", "UserError"]


class UserError(Exception):
    """A mistake the user can fix (bad config, unknown name, missing file). Exit code 2."""

    exit_code = 2


class ConfigError(UserError):
    """One or more invalid values, each named by its path: ``llm.temperature: must be <= 2.0``."""

    def __init__(self, errors: Sequence[str], source: str | None = None) -> None:
        self.errors = tuple(errors)
        self.source = source
        head = f"invalid configuration in {source}" if source else "invalid configuration"
        count = len(self.errors)
        noun = "error" if count == 1 else "errors"
        # an error of several lines (a parser's message quoting the line) stays under its bullet
        bullets = ("  " + e.replace("\n", "\n    ") for e in self.errors)
        lines = [f"{head} ({count} {noun}):", *bullets]
        super().__init__("\n".join(lines))


class PluginError(UserError):
    """A plugin problem the user must resolve (duplicate name, misspelled hook, unknown type)."""


class StorageError(Exception):
    """A storage backend failed; the run stops so nothing is silently lost."""


class PolicyEvaluationError(Exception):
    """One candidate policy failed while being evaluated (a division by zero, an overflow in
    its own arithmetic): that proposal is rejected with this message, the run goes on.

    Evaluators raise it for failures caused by the policy under test, never for their own bugs.
    ``agent_id`` names the agent whose policy failed, when the evaluator knows it.
    """

    def __init__(self, message: str, agent_id: str | None = None) -> None:
        super().__init__(message)
        self.agent_id = agent_id
