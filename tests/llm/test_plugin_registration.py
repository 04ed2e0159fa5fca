"""The plugin is found through its real entry point and registers the three backends."""

from __future__ import annotations

import pathlib
from importlib.metadata import entry_points

import cattrs
import pluggy
import pytest

from cashloop.plugin import PROJECT_NAME, LLMClient, LLMClientSpec, RegistrationSpecs
from cashloop_llm.options import AnthropicOptions, OpenAIOptions, ScriptedOptions


def _specs() -> dict[str, LLMClientSpec]:
    (entry_point,) = entry_points(group=PROJECT_NAME, name="llm")
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(RegistrationSpecs)
    plugin = entry_point.load()
    assert getattr(plugin, "__file__", None), (
        "cashloop_llm was imported as a namespace package: the editable install predates "
        "plugins/cashloop_llm/__init__.py; re-run `pip install -e .`"
    )
    manager.register(plugin, name=entry_point.name)
    manager.check_pending()
    return {spec.name: spec for specs in manager.hook.register_llm_clients() for spec in specs}


def test_entry_point_registers_openai_anthropic_and_scripted() -> None:
    specs = _specs()
    assert set(specs) == {"openai", "anthropic", "scripted"}
    assert specs["openai"].options is OpenAIOptions
    assert specs["anthropic"].options is AnthropicOptions
    assert specs["scripted"].options is ScriptedOptions
    assert all(isinstance(spec, LLMClientSpec) and spec.description for spec in specs.values())


def test_options_structure_from_config_with_extra_keys_forbidden() -> None:
    converter = cattrs.Converter(forbid_extra_keys=True)
    options = converter.structure(
        {"model": "llama3", "base_url": "http://localhost:11434/v1", "temperature": 0.5},
        OpenAIOptions,
    )
    assert options == OpenAIOptions(
        model="llama3", base_url="http://localhost:11434/v1", temperature=0.5
    )
    with pytest.raises(cattrs.errors.ClassValidationError):
        converter.structure({"model": "m", "api_key": "sk-no"}, OpenAIOptions)
    scripted = converter.structure({"path": "answers.yaml"}, ScriptedOptions)
    assert scripted.path == pathlib.Path("answers.yaml")


def test_factories_build_llm_clients(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASHLOOP_TEST_FAKE_KEY", "sk-fake")
    answers = tmp_path / "answers.yaml"
    answers.write_text("- {p: 1}\n", encoding="utf-8")
    specs = _specs()
    clients = [
        specs["openai"].factory(OpenAIOptions(model="m", api_key_env="CASHLOOP_TEST_FAKE_KEY")),
        specs["anthropic"].factory(
            AnthropicOptions(model="c", api_key_env="CASHLOOP_TEST_FAKE_KEY")
        ),
        specs["scripted"].factory(ScriptedOptions(path=answers)),
    ]
    assert all(isinstance(client, LLMClient) for client in clients)


def test_built_like_a_run_relative_scripted_path_resolves_against_the_config_folder(
    tmp_path: pathlib.Path,
) -> None:
    from cashloop.testing import run_component

    (tmp_path / "answers.yaml").write_text("- {p: 1}\n", encoding="utf-8")
    client = run_component(_specs()["scripted"], {"path": "answers.yaml"}, base_dir=tmp_path)
    assert client.script.path == tmp_path / "answers.yaml"


def test_built_like_a_run_bad_values_are_config_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cashloop.errors import ConfigError, UserError
    from cashloop.testing import run_component

    monkeypatch.setenv("CASHLOOP_TEST_FAKE_KEY", "sk-fake")
    spec = _specs()["openai"]
    with pytest.raises(ConfigError, match=r"llm\.temperature: must be <= 2\.0"):
        run_component(
            spec, {"model": "m", "temperature": 3, "api_key_env": "CASHLOOP_TEST_FAKE_KEY"}
        )
    with pytest.raises(UserError, match="api_key"):
        run_component(spec, {"model": "m", "api_key": "sk-inline"})
