"""The system prompt: domain, objective, schema filtered by constraints, rules of a valid answer."""

from __future__ import annotations

from cashloop.types import PolicyConstraints

__all__ = ["build_system_prompt"]

_DEFAULT_ROLE = (
    "You are optimizing the policy of one agent in a simulated system. Your goal is to minimize "
    "this agent's expected total cost, measured in integer cents over many random samples."
)

_RULES = """Rules of a valid answer:
- Reply with exactly one JSON object: the complete new policy (not a diff), optionally inside a
  ```json fenced block. Keep "version" and "policy_id"; numeric tunables live under "parameters".
- Use only the parameters, fields and actions allowed below; stay inside every range.
- Your policy is compared with the incumbent on the same random samples; it is kept only if it
  is cheaper by a statistically meaningful margin."""


def _constraints_text(constraints: PolicyConstraints) -> str:
    lines: list[str] = []
    if constraints.allowed_parameters:
        lines.append("Allowed parameters:")
        for p in constraints.allowed_parameters:
            lo = "-inf" if p.min_value is None else f"{p.min_value:g}"
            hi = "+inf" if p.max_value is None else f"{p.max_value:g}"
            extra = f" — {p.description}" if p.description else ""
            lines.append(f"- {p.name} ({p.param_type}, {lo} to {hi}){extra}")
    if constraints.allowed_fields:
        lines.append("Allowed fields: " + ", ".join(constraints.allowed_fields))
    for tree, actions in sorted(constraints.allowed_actions.items()):
        lines.append(f"Allowed actions in {tree}: " + ", ".join(actions))
    return "\n".join(lines)


def build_system_prompt(
    *, describe: str, schema: str, constraints: PolicyConstraints, role: str | None = None
) -> str:
    """Assemble the system prompt; ``role`` (config ``llm.system_prompt``) replaces the intro."""
    parts = [
        (role or _DEFAULT_ROLE).strip(),
        "## The system\n" + describe.strip(),
        "## Policy format\n" + schema.strip(),
    ]
    limits = _constraints_text(constraints)
    if limits:
        parts.append("## Constraints\n" + limits)
    parts.append(_RULES)
    return "\n\n".join(parts) + "\n"
