"""A commented, valid experiment config (``cashloop template``)."""

from __future__ import annotations

__all__ = ["TEMPLATE"]

TEMPLATE = """\
# cashloop experiment config. Validate with: cashloop validate THIS_FILE
name: my-experiment              # run ids start with this name
description: Castro et al. 12-period scenario, offline optimizer
master_seed: 42                  # every sample seed derives from this by hashing

# The evaluator scores policy profiles. Paths are relative to this file.
evaluator:
  type: rtgs
  scenario: castro_exp2          # a bundled scenario by name, or a file: scenarios/my.yaml
  sampling: full                 # or bootstrap-sandbox (SimCash's method)

optimized_agents: [BANK_A, BANK_B]   # empty: every agent of the evaluator

evaluation:
  mode: paired                   # paired: candidate vs incumbent on the same seeds; or temporal
  num_samples: 100               # each iteration's incumbent evaluation (shown, and in prompts)
  acceptance:
    rule: sequential             # common seeds in stages until sure; or paired-t, mean-improvement
    alpha: 0.05                  # the run's error budget, spread over its decisions
    error_control: run           # or decision: alpha for every decision
    initial_samples: 500         # first look; no acceptance before it (rare penalties)
    max_samples: 32000           # the most samples one decision may use
    min_improvement: 0.005       # stop and reject once a saving above 0.5 % is ruled out
  judging: sequential            # each agent against the profile with earlier decisions applied
  best_candidates: 3             # cheapest-looking profiles compared for "best"...
  final_samples: 2000            # ...on selection seeds, its cost then on hold-out seeds

convergence:
  max_iterations: 40             # reaching it is reported as NOT converged
  stability_window: 5
  stability_threshold: 0.01      # relative spread of the incumbent cost over the window
  # no_change_window: 5          # iterations without an accepted change (default: stability_window)
  # cv_threshold: 0.05           # optional CV + Mann-Kendall trend + regret test
  # regret_threshold: 0.02

# The proposer. local-search is offline and needs no API key.
llm:
  type: local-search
  # type: openai
  # model: gpt-4.1
  # api_key_env: OPENAI_API_KEY  # the key is read from this environment variable only; unset,
  #                               # OpenAI's own API reads OPENAI_API_KEY and a base_url gets no key
  # base_url: http://127.0.0.1:11434/v1   # Ollama, vLLM, LM Studio...
  max_retries: 2                 # attempts after the first when an answer is invalid
  concurrency: 4                 # proposals in flight at once

policy_constraints:
  allowed_parameters:
    - {name: initial_liquidity_fraction, param_type: float, min_value: 0.0, max_value: 1.0}
  allowed_fields: [system_tick_in_day, ticks_to_deadline, balance, amount]
  allowed_actions: {payment_tree: [Release, Hold]}

validators: [bounds]             # enforce policy_constraints on every proposal
outputs: [console]               # add {type: jsonl, path: results/events.jsonl} for a log
storage: {type: sqlite, path: results/cashloop.db}
executor: {type: serial}         # or {type: process, workers: 2}

# budget: {max_tokens: 200000, max_usd: 5.0, prices: {gpt-4.1: {prompt: 2.0, completion: 8.0}}}
# plugins: {disabled: [], modules: [my_company.cashloop_plugin]}
"""
