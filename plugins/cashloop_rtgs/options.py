"""The ``rtgs`` evaluator's options (the ``evaluator:`` section of an experiment config)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import attrs

__all__ = ["RtgsOptions"]


@attrs.frozen(kw_only=True)
class RtgsOptions:
    """Options of the ``rtgs`` evaluator.

    ``scenario`` is resolved against the experiment config's folder by the core.
    ``sampling``: ``full`` runs the whole scenario once per sample seed (common random numbers
    for paired comparisons); ``bootstrap-sandbox`` follows SimCash's resample-and-sandbox
    evaluation (opt-in and biased; how it differs from SimCash's is in ``sandbox.py``).
    ``semantics``: ``simcash`` keeps SimCash's known quirks, ``corrected`` fixes them (see the
    README of the plugin). ``context_seed`` seeds the bootstrap context run
    (default: the scenario's ``rng_seed``).
    """

    scenario: Path
    sampling: Literal["full", "bootstrap-sandbox"] = "full"
    semantics: Literal["simcash", "corrected"] = "simcash"
    context_seed: int | None = None
