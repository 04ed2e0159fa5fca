"""The loader against real entry points: committed fake distributions put on ``sys.path``."""

from __future__ import annotations

import pytest
from foundation_helpers import warning_lines

from cashloop.errors import PluginError
from cashloop.host import PluginHost
from cashloop.loader import PluginRecord, load_plugins
from cashloop.plugin_manager import new_plugin_manager


def _record(host: PluginHost, name: str) -> PluginRecord:
    return next(r for r in host.records if r.name == name)


def test_an_installed_plugin_is_registered_with_its_distribution_and_version(fake_case):
    fake_case("ok")
    host = PluginHost.load()
    record = _record(host, "fake-ok")
    assert (record.status, record.distribution, record.version, record.module) == (
        "loaded",
        "cashloop-fake-ok",
        "1.2.3",
        "cashloop_fake_ok",
    )
    assert host.registry.provider("output", "fake-ok") == "fake-ok"
    assert "fake-ok" in host.registry.names("output")


def test_builtins_are_found_through_the_cashloop_distribution():
    host = PluginHost.load()
    assert _record(host, "console").distribution == "cashloop"
    assert {"console", "jsonl", "silent"} <= set(host.registry.names("output"))
    assert "sqlite" in host.registry.names("storage")


def test_a_plugin_whose_import_fails_is_skipped_with_one_warning(fake_case, capsys):
    fake_case("import_error")
    host = PluginHost.load()
    PluginHost.load()  # the CLI loads plugins more than once: still one warning
    record = _record(host, "fake-broken")
    assert record.status == "failed"
    assert "cashloop_fake_missing_dependency" in (record.error or "")
    lines = warning_lines(capsys.readouterr().err, "fake-broken")
    assert len(lines) == 1
    line = lines[0]
    assert "cashloop-fake-broken" in line  # the distribution to fix or uninstall
    assert "CASHLOOP_DISABLE_PLUGINS=fake-broken" in line  # the way out
    assert "console" in host.registry.names("output")  # everything else still works


def test_strict_mode_re_raises_the_import_error(fake_case, monkeypatch):
    fake_case("import_error")
    monkeypatch.setenv("CASHLOOP_STRICT_PLUGINS", "1")
    with pytest.raises(ModuleNotFoundError, match="cashloop_fake_missing_dependency"):
        PluginHost.load()


def test_the_environment_block_list_skips_a_plugin_without_importing_it(
    fake_case, capsys, monkeypatch
):
    fake_case("import_error")
    monkeypatch.setenv("CASHLOOP_DISABLE_PLUGINS", "jsonl, fake-broken")
    host = PluginHost.load()
    assert _record(host, "fake-broken").status == "disabled"
    assert _record(host, "jsonl").status == "disabled"
    assert "jsonl" not in host.registry.names("output")
    assert warning_lines(capsys.readouterr().err, "fake-broken") == []


def test_config_plugins_disabled_blocks_a_plugin(fake_case):
    fake_case("duplicate")
    host = PluginHost.load(disabled=["fake-dup"])
    assert _record(host, "fake-dup").status == "disabled"
    assert host.registry.provider("output", "console") == "console"


def test_plugins_modules_registers_an_in_house_module_by_dotted_path(toy_on_path):
    host = PluginHost.load(modules=["toy_evaluator"])
    record = _record(host, "toy_evaluator")
    assert (record.status, record.distribution) == ("loaded", None)
    assert host.registry.provider("evaluator", "toy") == "toy_evaluator"


def test_a_bad_dotted_path_is_a_clear_error():
    with pytest.raises(PluginError) as info:
        PluginHost.load(modules=["no_such_company.cashloop_plugin"])
    message = str(info.value)
    assert "plugins.modules" in message
    assert "'no_such_company.cashloop_plugin'" in message
    assert "PYTHONPATH" in message


def test_a_misspelled_hook_is_an_error_naming_the_hook(fake_case):
    fake_case("misspelled")
    with pytest.raises(PluginError) as info:
        PluginHost.load()
    message = str(info.value)
    assert "'fake-typo'" in message
    assert "'register_evaluater'" in message
    assert "register_evaluators" in message  # what it should have been called


def test_keep_going_records_a_misspelled_plugin_as_invalid_and_loads_the_rest(fake_case):
    fake_case("misspelled")
    pm = new_plugin_manager()
    records = {r.name: r for r in load_plugins(pm, keep_going=True)}
    assert records["fake-typo"].status == "invalid"
    assert "register_evaluater" in (records["fake-typo"].error or "")
    assert not pm.has_plugin("fake-typo")
    assert pm.has_plugin("console")


def test_a_duplicate_component_name_is_an_error_naming_both_providers(fake_case):
    fake_case("duplicate")
    host = PluginHost.load()
    with pytest.raises(PluginError) as info:
        host.registry  # noqa: B018 - building the registry is what detects the clash
    message = str(info.value)
    assert "output handler 'console'" in message
    assert "'console'" in message and "'fake-dup'" in message
    assert "CASHLOOP_DISABLE_PLUGINS" in message


def test_fake_distributions_do_not_leak_between_tests():
    host = PluginHost.load()
    assert not any(r.name.startswith("fake-") for r in host.records)
