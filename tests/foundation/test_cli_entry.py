"""The ``cashloop`` command as users run it: the installed script (subprocess) where the real entry
point matters, ``main()`` in-process (CliRunner isolation) elsewhere."""

from __future__ import annotations

import json
import shutil
import tomllib

import yaml
from foundation_helpers import ROOT, run_cashloop, warning_lines

import cashloop

BUILTIN_PLUGINS = sorted(
    tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["cashloop"]
)


def _inventory(stdout: str) -> dict:
    return json.loads(stdout)


def _plugin(inventory: dict, name: str) -> dict:
    return next(p for p in inventory["plugins"] if p["name"] == name)


def test_version_from_the_installed_script():
    result = run_cashloop(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cashloop, version {cashloop.__version__}"


def test_plugins_json_lists_every_builtin_with_its_distribution():
    result = run_cashloop(["plugins", "--json"])
    assert result.exit_code == 0, result.stderr
    inventory = _inventory(result.stdout)
    builtins = {p["name"]: p for p in inventory["plugins"] if p["distribution"] == "cashloop"}
    assert sorted(builtins) == BUILTIN_PLUGINS
    assert {p["status"] for p in builtins.values()} == {"loaded"}, builtins
    assert {p["version"] for p in builtins.values()} == {cashloop.__version__}
    components = {(c["kind"], c["name"]) for p in builtins.values() for c in p["components"]}
    assert {("output", "console"), ("storage", "sqlite"), ("llm", "local-search")} <= components
    assert inventory["conflicts"] == []


def test_a_plugin_that_fails_to_import_leaves_the_cli_working_with_one_warning():
    result = run_cashloop(["plugins", "--json"], case="import_error")
    assert result.exit_code == 0
    assert "Traceback" not in result.stderr
    (line,) = warning_lines(result.stderr, "fake-broken")
    assert [x for x in result.stderr.splitlines() if x.startswith("cashloop: warning")] == [line]
    assert "cashloop-fake-broken" in line and "CASHLOOP_DISABLE_PLUGINS=fake-broken" in line
    inventory = _inventory(result.stdout)
    broken = _plugin(inventory, "fake-broken")
    assert (broken["status"], broken["distribution"]) == ("failed", "cashloop-fake-broken")
    assert _plugin(inventory, "console")["status"] == "loaded"


def test_the_ok_fake_distribution_is_listed_with_its_component(cli, fake_case):
    fake_case("ok")
    result = cli("plugins", "--json")
    assert result.exit_code == 0
    plugin = _plugin(_inventory(result.stdout), "fake-ok")
    assert (plugin["distribution"], plugin["version"]) == ("cashloop-fake-ok", "1.2.3")
    assert [(c["kind"], c["name"]) for c in plugin["components"]] == [("output", "fake-ok")]


def test_plugins_shows_a_misspelled_hook_as_invalid_and_validate_refuses_it(
    cli, fake_case, tmp_path
):
    fake_case("misspelled")
    listed = cli("plugins", "--json")
    assert listed.exit_code == 0
    plugin = _plugin(_inventory(listed.stdout), "fake-typo")
    assert plugin["status"] == "invalid"
    assert "unknown hook 'register_evaluater'" in plugin["error"]
    config = tmp_path / "exp.yaml"
    config.write_text("name: x\nevaluator: {type: toy}\n")
    checked = cli("validate", str(config))
    assert checked.exit_code == 2
    assert "'fake-typo'" in checked.stderr and "'register_evaluater'" in checked.stderr
    assert "Traceback" not in checked.stderr


def test_a_duplicate_component_name_is_a_conflict_naming_both_providers(cli, fake_case, tmp_path):
    fake_case("duplicate")
    listed = cli("plugins", "--json")
    assert listed.exit_code == 0
    (conflict,) = _inventory(listed.stdout)["conflicts"]
    assert "output handler 'console'" in conflict
    assert "'console'" in conflict and "'fake-dup'" in conflict
    config = tmp_path / "exp.yaml"
    config.write_text("name: x\nevaluator: {type: toy}\noutputs: [silent]\n")
    checked = cli("validate", str(config))
    assert checked.exit_code == 2
    assert "'fake-dup'" in checked.stderr and "Traceback" not in checked.stderr


def test_validate_prints_all_three_mistakes_with_their_paths_and_exits_2(tmp_path):
    config = tmp_path / "exp.yaml"
    config.write_text(
        "name: three-mistakes\n"
        "plugins: {modules: [toy_evaluator]}\n"
        "evaluator: {type: toy}\n"
        "evaluation: {num_samples: many}\n"
        "llm: {type: local-search, max_retries: -1}\n"
        "outputs: [console, foo]\n"
    )
    result = run_cashloop(["validate", str(config)])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert "(3 errors)" in result.stderr
    assert "evaluation.num_samples: expected int, got 'many'" in result.stderr
    assert "llm.max_retries: must be >= 0" in result.stderr
    assert "unknown output handler 'foo' at outputs[1]; available: " in result.stderr
    assert str(config) in result.stderr


def test_validate_with_set_overrides_fixes_the_mistakes(cli, toy_on_path, tmp_path):
    config = tmp_path / "exp.yaml"
    config.write_text(
        "name: x\nplugins: {modules: [toy_evaluator]}\nevaluator: toy\n"
        "evaluation: {num_samples: many}\n"
    )
    assert cli("validate", str(config)).exit_code == 2
    fixed = cli("validate", str(config), "--set", "evaluation.num_samples=3")
    assert fixed.exit_code == 0, fixed.stderr
    assert "valid" in fixed.stdout


def test_template_prints_a_config_that_validate_accepts(cli, tmp_path):
    template = cli("template")
    assert template.exit_code == 0
    data = yaml.safe_load(template.stdout)
    assert data["evaluator"]["type"] == "rtgs"
    config = tmp_path / "experiment.yaml"
    config.write_text(template.stdout)
    shutil.copytree(ROOT / "examples" / "scenarios", tmp_path / "scenarios")
    result = cli("validate", str(config))
    assert result.exit_code == 0, result.stderr
    assert f"{config}: valid" in result.stdout


def test_validate_of_a_missing_file_is_a_clear_error(cli, tmp_path):
    result = cli("validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "not found" in result.stderr and "Traceback" not in result.stderr


def test_help_lists_the_commands(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in (
        "plugins",
        "validate",
        "template",
        "run",
        "replay",
        "runs",
        "show",
        "events",
        "resume",
    ):
        assert f"  {command} " in result.stdout or f"  {command}\n" in result.stdout, command
