"""The installed ``cashloop-example`` distribution (contrib/cashloop-example, ``pip install -e``):
found through its entry point, selected in config, and given every event of a run in order."""

from __future__ import annotations

import json

import pytest
from foundation_helpers import run_cashloop

from cashloop.testing import arun_experiment

pytest.importorskip(
    "cashloop_example",
    reason="install it: .venv/bin/pip install -e contrib/cashloop-example",
)


def test_plugins_json_lists_the_example_components_with_their_distribution(cli):
    result = cli("plugins", "--json")
    assert result.exit_code == 0, result.stderr
    plugin = next(p for p in json.loads(result.stdout)["plugins"] if p["name"] == "example")
    assert (plugin["distribution"], plugin["version"], plugin["status"]) == (
        "cashloop-example",
        "0.1.0",
        "loaded",
    )
    assert {(c["kind"], c["name"]) for c in plugin["components"]} == {
        ("output", "example-jsonl"),
        ("storage", "example-jsondir"),
    }


async def test_third_party_output_and_storage_receive_every_event_in_order(toy_on_path, tmp_path):
    config = {
        "name": "third-party",
        "master_seed": 11,
        "plugins": {"modules": ["toy_evaluator"]},
        "evaluator": {"type": "toy"},
        "evaluation": {"num_samples": 4},
        "convergence": {"max_iterations": 3, "stability_window": 5},
        "policy_constraints": {
            "allowed_parameters": [
                {
                    "name": "initial_liquidity_fraction",
                    "param_type": "float",
                    "min_value": 0.0,
                    "max_value": 1.0,
                }
            ]
        },
        "outputs": [{"type": "example-jsonl", "path": "out/events.jsonl"}],
        "storage": {"type": "example-jsondir", "root": "runs"},
    }
    result, provider = await arun_experiment(config, tmp_path)
    live = list(provider.get_all_events())
    assert {e["event_type"] for e in live} >= {
        "experiment_start",
        "iteration_start",
        "bootstrap_evaluation",
        "llm_call",
        "policy_change",
        "iteration_complete",
        "convergence",
        "experiment_end",
    }

    lines = (tmp_path / "out" / "events.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == live

    from cashloop_example import JsonDirOptions, JsonDirStorage

    storage = JsonDirStorage(JsonDirOptions(root=tmp_path / "runs"))
    stored = storage.open_run(result.run_id)
    assert list(stored.get_all_events()) == live
    assert stored.get_total_iterations() == result.num_iterations == 3
    assert stored.get_iteration_costs(2) == provider.get_iteration_costs(2)
    assert stored.get_final_result() == {
        k: provider.get_final_result()[k]
        for k in ("final_cost", "best_cost", "converged", "convergence_reason")
    }
    (row,) = storage.list_runs()
    assert (row.run_id, row.status, row.experiment_name) == (
        result.run_id,
        "completed",
        "third-party",
    )


def test_cashloop_run_uses_a_third_party_storage_backend_selected_in_config(tmp_path):
    (tmp_path / "exp.yaml").write_text(
        "name: cli-third-party\n"
        "master_seed: 5\n"
        "plugins: {modules: [toy_evaluator]}\n"
        "evaluator: {type: toy}\n"
        "evaluation: {num_samples: 3}\n"
        "convergence: {max_iterations: 2}\n"
        "policy_constraints:\n"
        "  allowed_parameters:\n"
        "    - {name: initial_liquidity_fraction, param_type: float,"
        " min_value: 0.0, max_value: 1.0}\n"
        "outputs: [{type: example-jsonl, path: out/events.jsonl}]\n"
        "storage: {type: example-jsondir, root: runs}\n"
    )
    result = run_cashloop(["run", "exp.yaml", "--json"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    run_id = json.loads(result.stdout)["run_id"]
    lines = (tmp_path / "out" / "events.jsonl").read_text().splitlines()
    stored = (tmp_path / "runs" / run_id / "events.jsonl").read_text().splitlines()
    assert [json.loads(x) for x in lines] == [json.loads(x) for x in stored]
    assert json.loads(lines[-1])["event_type"] == "experiment_end"
    assert not (tmp_path / "results").exists()  # no stray SQLite database
