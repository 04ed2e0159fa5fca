"""``OptimizationLoop``: evaluate the incumbent, ask for proposals, accept on paired deltas."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashloop import events as ev
from cashloop.campaigns.provenance import run_provenance
from cashloop.json_copy import copy_json
from cashloop.prompts import AgentContext, build_system_prompt
from cashloop.runner.acceptance import FixedRule, SequentialRule, Verdicts
from cashloop.runner.accounting import budget_verdict, price_of_call
from cashloop.runner.answer_limits import AnswerLimits
from cashloop.runner.best_profile import choose_best, mean_costs
from cashloop.runner.components import Components, build_components
from cashloop.runner.convergence import (
    ConvergenceDetector,
    Verdict,
    combined_exhaustion,
    settle_with_equilibrium,
)
from cashloop.runner.dispatcher import EventDispatcher
from cashloop.runner.equilibrium import report_for_run
from cashloop.runner.error_budget import ErrorBudget
from cashloop.runner.evaluation import EvaluationService
from cashloop.runner.event_payloads import (
    bootstrap_payload,
    iteration_history,
    policy_change_payload,
)
from cashloop.runner.judging import judge_candidates
from cashloop.runner.loop_state import LoopState
from cashloop.runner.proposals import ProposalOutcome, ProposalService
from cashloop.runner.provider_health import ProviderHealth
from cashloop.runner.result import ExperimentResult
from cashloop.runner.run_id import new_run_id
from cashloop.runner.seeds import derive_seed, sample_seeds
from cashloop.runner.sequential import SequentialPlan
from cashloop.runner.state_provider import LiveStateProvider
from cashloop.types import RunInfo, SampleResult

if TYPE_CHECKING:
    from cashloop.config import ExperimentConfig
    from cashloop.host import PluginHost
    from cashloop.protocols import LLMClient
    from cashloop.runner.verbose import VerboseConfig

__all__ = ["OptimizationLoop"]


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
        self._evals = EvaluationService(
            evaluator, comps.executor, min_batch_seconds=cfg.evaluation.min_batch_ms / 1000.0
        )
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
            limits=AnswerLimits(
                max_answer_chars=cfg.llm.max_answer_chars,
                max_policy_chars=cfg.llm.max_policy_chars,
                max_policy_depth=cfg.llm.max_policy_depth,
                max_feedback_errors=cfg.llm.max_feedback_errors,
            ),
        )
        self._health = ProviderHealth(cfg.llm.max_provider_failures)
        state = LoopState(
            policies={a: evaluator.initial_policy(a) for a in all_agents},
            detector=ConvergenceDetector(cfg.convergence, cfg.evaluation.mode),
            history={a: [] for a in agents},
            budget=ErrorBudget(
                alpha=cfg.evaluation.acceptance.alpha,
                planned=cfg.convergence.max_iterations * len(agents),
                control=cfg.evaluation.acceptance.error_control,
            ),
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
                    "provenance": run_provenance(cfg, evaluator, self._config_dir),
                },
            )
        verdict = state.detector.check() if state.iteration else None
        while verdict is None:
            state.iteration += 1
            self._current_iteration = state.iteration
            await self._iteration(state, agents, all_agents)
            tokens = state.prompt_tokens + state.completion_tokens
            verdict = (
                self._health.verdict()
                or budget_verdict(cfg.budget, tokens, state.usd)
                or state.detector.check()
            )
        return self._finish(state, all_agents, self._health.final(verdict))

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
        costs = mean_costs(results, all_agents)
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
        self._health.observe(outcomes)
        for outcome in outcomes:
            self._record_attempts(state, outcome)
        exhausted = combined_exhaustion([o.exhausted for o in outcomes])
        proposed = any(o.policy is not None for o in outcomes)
        candidates = {o.agent_id: o.policy for o in outcomes if o.policy is not None}
        accepted, changed = self._judge_all(state, agents, candidates)
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
                "exhausted": exhausted,
                "proposed": proposed,
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

    def _verdicts(self, state: LoopState) -> Callable[[str, int], Verdicts]:
        """The acceptance rule's state for the iteration's ``index``-th decision."""
        ev_cfg = self._config.evaluation
        acc = ev_cfg.acceptance
        budget = state.budget

        def make(agent: str, index: int) -> Verdicts:
            level = budget.level(budget.decisions + index)
            if ev_cfg.mode == "temporal" or acc.rule != "sequential":
                rule = "mean-improvement" if ev_cfg.mode == "temporal" else acc.rule
                return FixedRule(rule, level, ev_cfg.num_samples)
            plan = SequentialPlan(
                alpha=level,
                initial=acc.initial_samples,
                maximum=acc.max_samples,
                min_improvement=acc.min_improvement,
            )
            return SequentialRule(plan)

        return make

    def _judge_all(
        self, state: LoopState, agents: list[str], candidates: Mapping[str, dict[str, Any]]
    ) -> tuple[dict[str, bool], bool]:
        """Judge every candidate (``cashloop.runner.judging``), then emit each decision in agent
        order and apply the accepted ones. Returns who was accepted and whether the profile
        changed."""
        cfg, it = self._config, state.iteration
        ev_cfg = cfg.evaluation
        trials = judge_candidates(
            self._evals,
            state.policies,
            candidates,
            agents,
            make_verdicts=self._verdicts(state),
            seeds=lambda agent: (
                lambda start, stop: sample_seeds(cfg.master_seed, it, agent, stop, start)
            ),
            simultaneous=ev_cfg.judging == "simultaneous",
            speculation=ev_cfg.speculation if self._evals.parallelism > 1 else 0,
        )
        accepted = {a: False for a in agents}
        changed = False
        for agent, trial in trials.items():
            decision = trial.decision
            assert decision is not None
            if decision.error is not None:
                self._emit(
                    it,
                    ev.POLICY_REJECTED,
                    {
                        "agent_id": agent,
                        "rejection_reason": "evaluation_error",
                        "validation_errors": [decision.error],
                        "attempts": 1,
                    },
                )
                continue
            ok, reason, charged = decision.accepted, decision.reason, decision.alpha
            if ev_cfg.mode == "temporal":
                ok, reason, charged = True, "temporal mode: every valid proposal is adopted", 0.0
            charged = round(charged, 12)  # as stored, so a resumed run adds up the same
            candidate = candidates[agent]
            accepted[agent] = ok
            changed = changed or (ok and state.policies[agent] != candidate)
            # applying the event charges the budget, records the history and adopts the policy
            self._emit(
                it,
                ev.POLICY_CHANGE,
                policy_change_payload(
                    agent_id=agent,
                    old_policy=state.policies[agent],
                    new_policy=candidate,
                    old_costs=trial.old,
                    new_costs=trial.new,
                    decision=decision,
                    accepted=ok,
                    reason=reason,
                    seed_label=[it, agent],
                    charged=charged,
                ),
            )
        return accepted, changed

    def _finish(
        self, state: LoopState, all_agents: list[str], verdict: Verdict
    ) -> ExperimentResult:
        cfg, it = self._config, state.iteration
        report = choose_best(
            self._evals,
            state,
            all_agents,
            master_seed=cfg.master_seed,
            samples=cfg.evaluation.final_samples,
            candidates=cfg.evaluation.best_candidates,
        )
        final_costs, best = report.final_costs, report.best
        agents = list(cfg.optimized_agents) or all_agents
        equilibrium = report_for_run(cfg, self._evals.evaluate_many, state.policies, agents)
        if equilibrium is not None:
            self._emit(it, ev.EQUILIBRIUM, equilibrium)
        passes = None if equilibrium is None else equilibrium["passes"]
        verdict = settle_with_equilibrium(verdict, passes)
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
                "best_compared": report.compared,
                "final_cost_interval": report.final_interval,
                "best_cost_interval": report.best_interval,
                "holdout_samples": report.holdout_samples,
                "decisions": state.budget.report(),
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
