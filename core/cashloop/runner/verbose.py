"""Which parts of a run the display shows (the CLI's ``--verbose`` family of flags)."""

from __future__ import annotations

import attrs

__all__ = ["VerboseConfig"]

_PREFIX = "verbose_"


@attrs.frozen(kw_only=True)
class VerboseConfig:
    """Display switches; the defaults show the iteration progress and the final summary.

    - ``iterations``: "Iteration N" headers, cost tables and one line per candidate policy.
    - ``policy``: parameter and decision-tree diffs of every candidate.
    - ``bootstrap``: per-sample tables (costs per seed, paired deltas).
    - ``llm``: one line per LLM call (model, tokens); with ``debug`` also the prompts and answer.
    - ``rejections``: why a proposal was rejected, with its validation errors.
    - ``debug``: low-level detail (prompts, raw answers, latency, unknown events).
    """

    iterations: bool = True
    policy: bool = False
    bootstrap: bool = False
    llm: bool = False
    rejections: bool = False
    debug: bool = False

    @classmethod
    def all_enabled(cls) -> VerboseConfig:
        """Everything except ``debug`` (prompts and raw answers are long)."""
        return cls(iterations=True, policy=True, bootstrap=True, llm=True, rejections=True)

    @classmethod
    def from_flags(cls, verbose: bool = False, **flags: bool | None) -> VerboseConfig:
        """Build from CLI flags: ``verbose`` turns on all but ``debug``; each flag then overrides.

        A flag may be spelled ``policy`` or ``verbose_policy``; ``None`` means "not given".
        """
        base = cls.all_enabled() if verbose else cls()
        names = {field.name for field in attrs.fields(cls)}
        changes: dict[str, bool] = {}
        for key, value in flags.items():
            name = key.removeprefix(_PREFIX)
            if name not in names:
                raise TypeError(f"unknown verbose flag {key!r}; expected one of {sorted(names)}")
            if value is not None:
                changes[name] = bool(value)
        return attrs.evolve(base, **changes)
