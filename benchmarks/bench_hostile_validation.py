"""Time to parse and validate hostile answers, as the proposal phase does: each must stay far
below a second (validation is linear in the answer's size).

    .venv/bin/python benchmarks/bench_hostile_validation.py [--repeat 3]

Each answer goes through ``parse_policy_json`` and ``ProposalService.validate`` with the rtgs
evaluator and the bounds validator of castro_exp2, the limits raised so that the big answers
reach the validators; the median seconds per answer are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from cashloop.config import ExperimentConfig
from cashloop.host import PluginHost
from cashloop.policy_json import PolicyParseError, parse_policy_json
from cashloop.runner.answer_limits import AnswerLimits
from cashloop.runner.components import build_components
from cashloop.runner.proposals import ProposalService

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _answers() -> dict[str, str]:
    base = {
        "version": "2.0",
        "policy_id": "x",
        "parameters": {"initial_liquidity_fraction": 0.3},
        "payment_tree": {"type": "action", "node_id": "r", "action": "Release"},
    }
    answers = {}
    for count in (20_000, 100_000):
        flooded = json.loads(json.dumps(base))
        flooded["parameters"].update({f"p{i}": 0.5 for i in range(count)})
        answers[f"{count:,} unknown parameters"] = json.dumps(flooded)
    answers["400-digit integer"] = json.dumps(base).replace("0.3", "9" * 400)
    answers["nested 1,000 deep"] = '{"a": ' + "[" * 1000 + "]" * 1000 + "}"
    answers["nested 190 deep"] = '{"a": ' + "[" * 190 + "]" * 190 + "}"
    answers["20 MB of text"] = '{"description": "' + "x" * 20_000_000 + '"}'
    answers["200,000 braces"] = "{" * 200_000
    return answers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cfg = ExperimentConfig.from_yaml(EXAMPLES / "castro_exp2.yaml")
    comps = build_components(cfg, PluginHost.load())
    service = ProposalService(
        comps.llm,
        evaluator=comps.evaluator,
        validators=comps.validators,
        constraints=cfg.policy_constraints,
        system_prompt="",
        max_retries=0,
        concurrency=1,
        schema="",
        limits=AnswerLimits(max_answer_chars=10**9, max_policy_chars=10**9),
    )
    for name, text in _answers().items():
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            try:
                problems = service.validate("BANK_A", parse_policy_json(text))
            except PolicyParseError as exc:
                problems = [str(exc)]
            times.append(time.perf_counter() - started)
        print(f"{name:>28}: {statistics.median(times):8.3f} s  ({len(problems):,} problems)")


if __name__ == "__main__":
    main()
