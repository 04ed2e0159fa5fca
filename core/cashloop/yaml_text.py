"""``safe_load_text``: ``yaml.safe_load`` through libyaml when PyYAML has it, with the pure-Python
parser's error messages. A module of its own so that plugins (the rtgs scenario loader, executor
workers) can use it without importing the config package."""

from __future__ import annotations

from typing import Any

__all__ = ["safe_load_text"]


def safe_load_text(text: str) -> Any:
    """``yaml.safe_load(text)``, parsed by libyaml when PyYAML has it (several times faster).

    Errors always come from the pure-Python parser, whose messages quote the offending line:
    when libyaml rejects the text it is parsed again by ``yaml.SafeLoader``, which raises (or,
    on the rare text only libyaml rejects, loads it as before). Text with a tab goes to the
    pure-Python parser directly, as libyaml accepts tabs as separators where it does not.
    """
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None and "\t" not in text:
        try:
            return yaml.load(text, Loader=fast)
        except (yaml.YAMLError, UnicodeEncodeError):  # lone surrogates: libyaml encodes first
            pass
    return yaml.safe_load(text)
