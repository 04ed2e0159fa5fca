"""``OptimizationLoop``: evaluate the incumbent, ask for proposals, accept on paired deltas."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from cashloop import events as ev
from cashloop.json_copy import copy_json
from cashloop.money import mean_cents
from cashloop.prompts import AgentContext, build_system_prompt
from cashloop.runner.acceptance import decide
from cashloop.runner.accounting import budget_verdict, price_of_call
from cashloop.runner.components import Components, build_components
from cashloop.runner.convergence import ConvergenceDetector, Verdict
from cashloop.runner.dispatcher import EventDispatcher
from cashloop.runner.evaluation import EvaluationService
from cashloop.runner.event_payloads import (
    bootstrap_payload,
    iteration_history,
    policy_change_payload,
)
from cashloop.runner.loop_state import BestProfile, LoopState
from cashloop.runner.proposals import ProposalOutcome, ProposalService
from cashloop.runner.result import ExperimentResult
from cashloop.runner.run_id import new_run_id
from cashloop.runner.seeds import derive_seed, sample_seeds
from cashloop.runner.state_provider import LiveStateProvider
from cashloop.types import RunInfo, SampleResult

if TYPE_CHECKING:
    from cashloop.config import ExperimentConfig
    from cashloop.host import PluginHost
    from cashloop.protocols import LLMClient
    from cashloop.runner.verbose import VerboseConfig

__all__ = ["OptimizationLoop"]


def _mean_costs(results: Sequence[SampleResult], agents: Sequence[str]) -> dict[str, int]:
    return {a: mean_cents([r.costs.get(a, 0) for r in results]) for a in agents}


class OptimizationLoop:
    """One experiment's loop. Every event goes through the one dispatcher."""

    def __init__(
        self,
        config: ExperimentConfig,
        config_dir: Path | None = None,
        verbose_config: VerboseConfig | None = None,
        run_id: str | None = None,
        *,
        host: PluginHost | None = None,
        components: Components | None = None,
        critical_plugins: frozenset[str] = frozenset(),
        resume_events: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self._config = config
        self._config_dir = Path(config_dir) if config_dir is not None else config.config_dir
        self._verbose_config = verbose_config
        self._run_id = run_id or new_run_id(config.name)
        self._host = host
        self._components = components
        self._critical = critical_plugins
        self._resume_events = list(resume_events)
        self._llm_client: LLMClient | None = None
        self._state_provider = LiveStateProvider(
            experiment_name=config.name,
            experiment_type="generic",
            config=config.to_dict(),
            run_id=self._run_id,
        )
        self.max_iterations = config.convergence.max_iterations
        self._current_iteration = 0
        self._policies: dict[str, dict[str, Any]] = {}
        self._started = time.monotonic()

    @property
    def run_id(self) -> str:
        return self._run_id

    @property
    def state_provider(self) -> LiveStateProvider:
        return self._state_provider

    def _setup(self) -> tuple[Components, PluginHost | None]:
        host = self._host
        if self._components is None:
            if host is None:
                from cashloop.host import PluginHost

                host = PluginHost.load(
                    disabled=self._config.plugins.disabled, modules=self._config.plugins.modules
                )
            self._components = build_components(self._config, host)
        return self._components, host

    async def run(self) -> ExperimentResult:
        cfg = self._config
        comps, host = self._setup()
        evaluator = comps.evaluator
        all_agents = list(evaluator.agents())
        agents = list(cfg.optimized_agents) or all_agents
        run = RunInfo(
            run_id=self._run_id,
            experiment_name=cfg.name,
            master_seed=cfg.master_seed,
            config_dir=str(self._config_dir),
        )
        self._dispatch = EventDispatcher(
            run=run,
            provider=self._state_provider,
            host=host,
            critical=self._critical,
            duration=lambda: time.monotonic() - self._started,
        )
        self._evals = EvaluationService(evaluator, comps.executor)
        self._proposer = ProposalService(
            self._llm_client or comps.llm,
            evaluator=evaluator,
            validators=comps.validators,
            constraints=cfg.policy_constraints,
            system_prompt=build_system_prompt(
                describe=evaluator.describe(),
                schema=evaluator.policy_schema(),
                constraints=cfg.policy_constraints,
                role=cfg.llm.system_prompt,
            ),
            max_retries=cfg.llm.max_retries,
            concurrency=cfg.llm.concurrency,
            schema=evaluator.policy_schema(),
        )
        state = LoopState(
            policies={a: evaluator.initial_policy(a) for a in all_agents},
            detector=ConvergenceDetector(cfg.convergence, cfg.evaluation.mode),
            history={a: [] for a in agents},
        )
        self._policies = state.policies
        self._state = state
        if self._resume_events:
            self._load_stored(self._resume_events)
        else:
            self._emit(
                0,
                ev.EXPERIMENT_START,
                {
                    "experiment_name": cfg.name,
                    "run_id": self._run_id,
                    "max_iterations": self.max_iterations,
                    "num_samples": cfg.evaluation.num_samples,
                    "evaluation_mode": cfg.evaluation.mode,
                    "model": cfg.llm.model,
                    "agents": agents,
                    "master_seed": cfg.master_seed,
                    "acceptance_rule": cfg.evaluation.acceptance.rule,
                    "evaluator": evaluator.describe(),
                },
            )
        verdict = state.detector.check() if state.iteration else None
        while verdict is None:
            state.iteration += 1
            self._current_iteration = state.iteration
            await self._iteration(state, agents, all_agents)
            verdict = (
                budget_verdict(cfg.budget, state.prompt_tokens + state.completion_tokens, state.usd)
                or state.detector.check()
            )
        return self._finish(state, all_agents, verdict)

    def _load_stored(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Put a resumed run's committed events (and their iteration records) in the live
        provider, and apply each to the loop's state as the live run did when it emitted it."""
        for event in events:
            self._state.apply(event)
            data = {k: v for k, v in event.items() if k not in ("event_type", "iteration")}
            self._state_provider.record_event(event["iteration"], event["event_type"], data)
            if event["event_type"] == ev.ITERATION_COMPLETE:
                self._state_provider.record_iteration(
                    event["iteration"] - 1,
                    data["costs_per_agent"],
                    data["accepted_changes"],
                    data["policies"],
                )

    def _emit(
        self, iteration: int, event_type: str, data: Mapping[str, Any], *, fresh: bool = False
    ) -> dict[str, Any]:
        """Emit one event, then apply it to the loop's state (the one way state follows)."""
        native = self._dispatch.emit(iteration, event_type, data, fresh=fresh)
        self._state.apply({"event_type": event_type, "iteration": iteration, **native})
        return native

    def _evaluate_incumbent(
        self, state: LoopState, all_agents: list[str]
    ) -> tuple[list[SampleResult], dict[str, int]]:
        cfg, it = self._config, state.iteration
        seeds = sample_seeds(cfg.master_seed, it, "*", cfg.evaluation.num_samples)
        results = self._evals.evaluate(state.policies, seeds)
        costs = _mean_costs(results, all_agents)
        self._emit(
            it,
            ev.ITERATION_START,
            {"iteration": it, "total_cost": sum(costs.values()), "costs_per_agent": costs},
        )
        self._emit(it, ev.BOOTSTRAP_EVALUATION, bootstrap_payload(results, None), fresh=True)
        return results, costs

    async def _iteration(self, state: LoopState, agents: list[str], all_agents: list[str]) -> None:
        cfg, it = self._config, state.iteration
        results, costs = self._evaluate_incumbent(state, all_agents)
        custom = cfg.llm.prompt_customization
        contexts = [
            AgentContext(
                agent_id=a,
                iteration=it,
                current_policy=copy_json(state.policies[a]),
                incumbent_costs=costs,
                samples=results,
                history=tuple(state.history[a]),
                customization="\n".join(t for t in (custom.get("all", ""), custom.get(a, "")) if t),
            )
            for a in agents
        ]
        seeds = {a: derive_seed(cfg.master_seed, it, a, "proposal") for a in agents}
        outcomes = await self._proposer.propose_all(contexts, seeds)
        for outcome in outcomes:
            self._record_attempts(state, outcome)
        accepted = {a: False for a in agents}
        changed = False  # whether an accepted candidate differs from the policy it replaced
        for outcome in outcomes:
            if outcome.policy is not None:
                old = state.policies[outcome.agent_id]
                accepted[outcome.agent_id] = self._judge(state, outcome.agent_id, outcome.policy)
                changed = changed or state.policies[outcome.agent_id] != old
        self._emit(
            it,
            ev.ITERATION_COMPLETE,
            {
                "iteration": it,
                "costs_per_agent": costs,
                "accepted_changes": accepted,
                "policies": state.policies,
                "total_cost": sum(costs.values()),
                "changed": changed,
            },
        )

    def _record_attempts(self, state: LoopState, outcome: ProposalOutcome) -> None:
        it = state.iteration
        for attempt in outcome.attempts:
            data = attempt.event()
            data["cost_usd"] = price_of_call(self._config.budget, self._config.llm.model, data)
            self._emit(it, ev.LLM_CALL, data)
        if outcome.policy is None:
            last = outcome.attempts[-1]
            self._emit(
                it,
                ev.POLICY_REJECTED,
                {
                    "agent_id": outcome.agent_id,
                    "rejection_reason": last.kind,
                    "validation_errors": list(last.errors),
                    "attempts": len(outcome.attempts),
                },
            )

    def _judge(self, state: LoopState, agent: str, candidate: dict[str, Any]) -> bool:
        """Evaluate a candidate against the incumbent on the same seeds; emit ``policy_change``."""
        cfg, it = self._config, state.iteration
        seeds = sample_seeds(cfg.master_seed, it, agent, cfg.evaluation.num_samples)
        trial = {**state.policies, agent: candidate}
        incumbent, challenger = self._evals.evaluate_many([state.policies, trial], seeds)
        old = [r.costs.get(agent, 0) for r in incumbent]
        new = [r.costs.get(agent, 0) for r in challenger]
        deltas = [o - n for o, n in zip(old, new, strict=True)]
        acc = cfg.evaluation.acceptance
        decision = decide(acc.rule, deltas, acc.alpha)
        accepted = decision.accepted
        reason = decision.reason
        if cfg.evaluation.mode == "temporal":
            accepted, reason = True, "temporal mode: every valid proposal is adopted"
        event = self._emit(
            it,
            ev.POLICY_CHANGE,
            policy_change_payload(
                agent_id=agent,
                old_policy=state.policies[agent],
                new_policy=candidate,
                old_costs=old,
                new_costs=new,
                deltas=deltas,
                decision=decision,
                accepted=accepted,
                reason=reason,
            ),
        )
        return bool(event["accepted"])

    def _pick_best(
        self, state: LoopState, all_agents: list[str]
    ) -> tuple[dict[str, int], BestProfile, list[dict[str, int]]]:
        """The final profile's costs and the best profile, both on the final evaluation's seeds.

        Each iteration's estimate comes from that iteration's own seeds, so the lowest of them is
        biased low. The final profile and the ``best_candidates`` cheapest-looking earlier
        incumbents are therefore evaluated together on the final seeds (common random numbers),
        and the cheapest there is the best profile. Returns the comparison too: (first
        iteration, total cost) of each profile compared, the final profile first.
        """
        cfg, it = self._config, state.iteration
        seeds = sample_seeds(cfg.master_seed, "final", "*", cfg.evaluation.num_samples)
        others = state.cheapest(cfg.evaluation.best_candidates, besides=state.policies)
        profiles = [state.policies, *(dict(p.policies) for p in others)]
        results = self._evals.evaluate_many(profiles, seeds)
        final_costs = _mean_costs(results[0], all_agents)
        pool = [
            BestProfile(
                iteration=state.first_seen(state.policies, it),
                total_cost=sum(final_costs.values()),
                costs=final_costs,
                policies=copy_json(state.policies),
            )
        ]
        for earlier, samples in zip(others, results[1:], strict=True):
            costs = _mean_costs(samples, all_agents)
            pool.append(attrs.evolve(earlier, total_cost=sum(costs.values()), costs=costs))
        best = min(pool, key=lambda p: (p.total_cost, p.iteration))
        compared = [{"iteration": p.iteration, "total_cost": p.total_cost} for p in pool]
        return final_costs, best, compared

    def _finish(
        self, state: LoopState, all_agents: list[str], verdict: Verdict
    ) -> ExperimentResult:
        cfg, it = self._config, state.iteration
        final_costs, best, compared = self._pick_best(state, all_agents)
        self._emit(
            it,
            ev.CONVERGENCE,
            {
                "reason": verdict.reason,
                "diagnostics": {
                    **verdict.diagnostics,
                    "prompt_tokens": state.prompt_tokens,
                    "completion_tokens": state.completion_tokens,
                    "tokens_by_agent": dict(sorted(state.tokens_by_agent.items())),
                    "cost_usd": round(state.usd, 6),
                },
            },
        )
        end = self._emit(
            it,
            ev.EXPERIMENT_END,
            {
                "final_cost": sum(final_costs.values()),
                "best_cost": best.total_cost,
                "converged": verdict.converged,
                "convergence_reason": verdict.reason,
                "num_iterations": it,
                "final_costs": final_costs,
                "final_policies": state.policies,
                "best_costs": dict(best.costs),
                "best_policies": dict(best.policies),
                "best_iteration": best.iteration,
                "best_compared": compared,
            },
        )
        history = iteration_history(self._state_provider)
        return ExperimentResult(
            experiment_name=cfg.name,
            num_iterations=it,
            converged=verdict.converged,
            convergence_reason=verdict.reason,
            final_costs=end["final_costs"],
            total_duration_seconds=time.monotonic() - self._started,
            iteration_history=history,
            final_policies=end["final_policies"],
            best_costs=end["best_costs"],
            best_policies=end["best_policies"],
            best_iteration=best.iteration,
            run_id=self._run_id,
        )
