"""Judging an iteration's candidates: every open test's next stage in one batch.

Each agent's candidate is a *trial*: the candidate's profile against an incumbent profile on the
agent's own common seeds ``(iteration, agent, sample)``, decided by the acceptance rule, which may
ask for more samples in stages. With ``judging: simultaneous`` every trial's incumbent is the
iteration's profile. With ``judging: sequential`` (Gauss-Seidel, the default) an agent's incumbent
is the profile with the earlier agents' decisions of this iteration applied, so its trial depends
on their outcomes. To keep all workers busy anyway, a later agent's trial may run *speculatively*
for each outcome of up to ``speculation`` undecided earlier agents; once those decide, the trial
of the real branch is the one that counts and the others are dropped.

Every stage of every live trial goes to the evaluation service in one batch. A trial's outcome
depends only on its two profiles, its seeds and the rule, never on which other trials ran beside
it, so the decisions are identical for any executor and any speculation depth.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from cashloop.errors import PolicyEvaluationError
from cashloop.runner.acceptance import Decision, Verdicts
from cashloop.runner.evaluation import EvaluationService, Job
from cashloop.types import SampleResult

__all__ = ["Trial", "judge_candidates"]

Profile = dict[str, dict[str, Any]]
#: the outcomes an agent's trial assumes for the agents judged before it (None: not judged)
Assumption = tuple[bool | None, ...]


@attrs.define
class Trial:
    """One candidate against one incumbent profile on the agent's common seeds."""

    agent: str
    incumbent: Profile
    challenger: Profile
    verdicts: Verdicts
    seeds: Callable[[int, int], list[int]]
    old: list[int] = attrs.field(factory=list)
    new: list[int] = attrs.field(factory=list)
    seed_list: list[int] = attrs.field(factory=list)
    decision: Decision | None = None

    def next_job(self) -> Job:
        wanted = self.verdicts.next_size()
        more = self.seeds(len(self.seed_list), wanted)
        self.seed_list.extend(more)
        return Job((self.incumbent, self.challenger), tuple(more))

    def absorb(self, results: Sequence[Sequence[SampleResult]]) -> None:
        incumbent, challenger = results
        self.old.extend(r.costs.get(self.agent, 0) for r in incumbent)
        self.new.extend(r.costs.get(self.agent, 0) for r in challenger)
        self.decision = self.verdicts.look(self.old, self.new)

    def fail(self, message: str) -> None:
        """The candidate failed while being evaluated: rejected, with that reason."""
        self.decision = Decision(
            accepted=False,
            reason=f"the candidate failed while being evaluated: {message}",
            rule="error",
            samples=len(self.old),
            mean_delta=0.0,
            std_delta=0.0,
            lower_bound=None,
            p_value=None,
            level=0.0,
            alpha=0.0,
            error=message,
        )


def judge_candidates(
    evals: EvaluationService,
    policies: Mapping[str, dict[str, Any]],
    candidates: Mapping[str, dict[str, Any]],
    order: Sequence[str],
    *,
    make_verdicts: Callable[[str, int], Verdicts],
    seeds: Callable[[str], Callable[[int, int], list[int]]],
    simultaneous: bool,
    speculation: int,
) -> dict[str, Trial]:
    """The deciding trial of each agent in ``order`` that has a candidate.

    ``make_verdicts(agent, index)`` builds the rule's state for the agent's ``index``-th decision
    of the iteration; ``seeds(agent)(start, stop)`` gives that agent's common seeds.
    """
    agents = [a for a in order if a in candidates]
    outcomes: dict[str, bool] = {}
    trials: dict[tuple[str, Assumption], Trial] = {}

    def trial_for(index: int, assumption: Assumption) -> Trial:
        agent = agents[index]
        key = (agent, assumption)
        if key not in trials:
            incumbent = dict(policies)
            for earlier, accepted in zip(agents, assumption, strict=False):
                if accepted:
                    incumbent[earlier] = candidates[earlier]
            challenger = {**incumbent, agent: candidates[agent]}
            trials[key] = Trial(
                agent=agent,
                incumbent=incumbent,
                challenger=challenger,
                verdicts=make_verdicts(agent, index),
                seeds=seeds(agent),
            )
        return trials[key]

    def live() -> list[Trial]:
        found = []
        for index, agent in enumerate(agents):
            if agent in outcomes:
                continue
            if simultaneous:
                found.append(trial_for(index, ()))
                continue
            earlier = agents[:index]
            open_ = [a for a in earlier if a not in outcomes]
            if len(open_) > speculation:
                break  # later agents have even more undecided predecessors
            for combo in itertools.product((False, True), repeat=len(open_)):
                guess = dict(zip(open_, combo, strict=True))
                assumption = tuple(outcomes.get(a, guess.get(a)) for a in earlier)
                found.append(trial_for(index, assumption))
        return [t for t in found if t.decision is None]

    def settle() -> None:
        for index, agent in enumerate(agents):
            if agent in outcomes:
                continue
            assumption: Assumption = ()
            if not simultaneous:
                if any(a not in outcomes for a in agents[:index]):
                    return
                assumption = tuple(outcomes[a] for a in agents[:index])
            trial = trials.get((agent, assumption))
            if trial is None or trial.decision is None:
                if not simultaneous:
                    return
                continue
            outcomes[agent] = trial.decision.accepted

    while len(outcomes) < len(agents):
        running = live()
        _run_stage(evals, running)
        settle()
    return {
        agent: trials[(agent, () if simultaneous else tuple(outcomes[a] for a in agents[:i]))]
        for i, agent in enumerate(agents)
    }


def _run_stage(evals: EvaluationService, running: Sequence[Trial]) -> None:
    """The next stage of every running trial, in one batch; a candidate that fails while being
    evaluated fails its own trial only (the batch is then evaluated trial by trial)."""
    jobs = [trial.next_job() for trial in running]
    try:
        results = evals.evaluate_jobs(jobs)
    except PolicyEvaluationError:
        for trial, job in zip(running, jobs, strict=True):
            try:
                trial.absorb(evals.evaluate_jobs([job])[0])
            except PolicyEvaluationError as exc:
                trial.fail(str(exc))
        return
    for trial, result in zip(running, results, strict=True):
        trial.absorb(result)
