"""The ``rtgs`` plugin: the RTGS evaluator, its policy validator and ``cashloop simulate``.

Registered through the ``cashloop`` entry point ``rtgs = "cashloop_rtgs.plugin"``. Heavy
modules are imported inside the factories so ``cashloop --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cashloop.plugin import EvaluatorSpec, ValidatorSpec, hookimpl
from cashloop_rtgs.options import RtgsOptions
from cashloop_rtgs.validator import RtgsPolicyValidator, RtgsPolicyValidatorOptions

if TYPE_CHECKING:
    import click

    from cashloop_rtgs.evaluator import RtgsEvaluator

__all__ = ["register_commands", "register_evaluators", "register_validators"]


def make_evaluator(options: RtgsOptions) -> RtgsEvaluator:
    """Load the scenario and build the evaluator (raises ScenarioError on a bad file)."""
    from cashloop_rtgs.errors import ScenarioError
    from cashloop_rtgs.evaluator import RtgsEvaluator
    from cashloop_rtgs.scenario.checks import overflow_problems

    evaluator = RtgsEvaluator(options)
    problems = overflow_problems(evaluator.scenario)
    if problems:  # an experiment's costs must fit its 64-bit records
        raise ScenarioError(problems, source=str(options.scenario))
    return evaluator


@hookimpl
def register_evaluators() -> list[EvaluatorSpec]:
    return [
        EvaluatorSpec(
            name="rtgs",
            factory=make_evaluator,
            options=RtgsOptions,
            description="RTGS payment-system simulator matching SimCash's Castro experiments "
            "(liquidity, delay and penalty costs in integer cents)",
        )
    ]


@hookimpl
def register_validators() -> list[ValidatorSpec]:
    return [
        ValidatorSpec(
            name="rtgs-policy",
            factory=RtgsPolicyValidator,
            options=RtgsPolicyValidatorOptions,
            description="schema check of rtgs decision-tree policies (fields, parameters, "
            "actions, node shapes)",
        )
    ]


@hookimpl
def register_commands(cli: click.Group) -> None:
    from cashloop_rtgs.cli import simulate

    cli.add_command(simulate)
