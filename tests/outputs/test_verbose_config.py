"""VerboseConfig: frozen flags, the defaults, and the CLI constructor."""

from __future__ import annotations

import attrs
import pytest

from cashloop.runner.verbose import VerboseConfig


def test_defaults_show_iterations_only() -> None:
    config = VerboseConfig()
    assert config.iterations is True
    assert not (
        config.policy or config.bootstrap or config.llm or config.rejections or config.debug
    )


def test_is_frozen_and_keyword_only() -> None:
    config = VerboseConfig()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        config.policy = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        VerboseConfig(True)  # type: ignore[misc]


def test_all_enabled_is_everything_but_debug() -> None:
    assert VerboseConfig.all_enabled() == VerboseConfig(
        iterations=True, policy=True, bootstrap=True, llm=True, rejections=True, debug=False
    )


def test_from_flags_verbose_means_all_but_debug() -> None:
    assert VerboseConfig.from_flags(True) == VerboseConfig.all_enabled()
    assert VerboseConfig.from_flags(False) == VerboseConfig()


def test_from_flags_individual_flags_override() -> None:
    config = VerboseConfig.from_flags(False, policy=True, debug=True)
    assert config == VerboseConfig(policy=True, debug=True)
    assert VerboseConfig.from_flags(True, llm=False).llm is False
    assert VerboseConfig.from_flags(False, iterations=False).iterations is False


def test_from_flags_none_means_not_given_and_prefix_is_accepted() -> None:
    config = VerboseConfig.from_flags(True, policy=None, verbose_bootstrap=False)
    assert config.policy is True
    assert config.bootstrap is False


def test_from_flags_rejects_unknown_names() -> None:
    with pytest.raises(TypeError, match="polcy"):
        VerboseConfig.from_flags(False, polcy=True)
