"""Compile a checked policy tree into one generated Python function, once per policy.

The payment tree becomes ``decide(payment, snapshot) -> action code``: nested ``if``
statements over inlined field expressions, parameters and literals (all floats, as in SimCash's
f64 interpreter). Equality is within 1e-9, ``/`` refuses |divisor| < f64::EPSILON, rounding is
Rust's. The source is built only from the field catalogue, fixed operators and ``repr`` of
validated numbers, so nothing from the policy is executed as code.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import attrs

from cashloop_rtgs.policy.context import FIELD_EXPRESSIONS
from cashloop_rtgs.policy.grammar import FRACTION_PARAMETER
from cashloop_rtgs.rng import rust_round

__all__ = [
    "DROP",
    "HOLD",
    "RELEASE",
    "RELEASE_ALL",
    "CompiledPolicy",
    "TreeEvaluationError",
    "compile_policy",
]

RELEASE: Final = 0
HOLD: Final = 1
DROP: Final = 2
# A split into n parts is encoded as -n (n >= 2).
_CODES: Final = {"Release": RELEASE, "Hold": HOLD, "Drop": DROP}

EQ_EPSILON: Final = 1e-9
DIV_EPSILON: Final = sys.float_info.epsilon
USIZE_MAX: Final = (1 << 64) - 1
#: nested ``if`` levels per generated function (Python allows at most 100 indents)
_CHUNK_DEPTH: Final = 40

Decide = Callable[[Any, Any], int]


class TreeEvaluationError(Exception):
    """A tree failed while deciding a payment (the engine adds agent and tick)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@attrs.frozen(kw_only=True)
class CompiledPolicy:
    """A policy ready to run: the pool fraction and the payment decision.

    ``constant_action`` is set when the decision cannot depend on the payment (the engine then
    skips per-payment evaluation); otherwise ``decide`` returns RELEASE, HOLD, DROP or ``-n``
    for a split into ``n`` parts.
    """

    policy_id: str
    liquidity_fraction: float | None
    decide: Decide | None
    constant_action: int | None
    source: str = ""


#: Release everything, no pool preference (the sandbox's SOURCE and SINK).
RELEASE_ALL: Final = CompiledPolicy(
    policy_id="release_all", liquidity_fraction=None, decide=None, constant_action=RELEASE
)


def compile_policy(policy: Mapping[str, Any]) -> CompiledPolicy:
    """Compile a policy that passed ``check_policy``."""
    params = {k: float(v) for k, v in policy.get("parameters", {}).items()}
    fraction = params.get(FRACTION_PARAMETER)
    tree: Mapping[str, Any] | None = policy.get("payment_tree")
    constant = RELEASE if tree is None else _constant_action(tree)
    if tree is None or constant is not None:
        return CompiledPolicy(
            policy_id=policy["policy_id"],
            liquidity_fraction=fraction,
            decide=None,
            constant_action=constant,
        )
    source = _Generator(params).module(tree)
    namespace = dict(_RUNTIME)
    exec(compile(source, f"<policy {policy['policy_id']!r}>", "exec"), namespace)
    return CompiledPolicy(
        policy_id=policy["policy_id"],
        liquidity_fraction=fraction,
        decide=namespace["decide"],
        constant_action=None,
        source=source,
    )


def _constant_action(tree: Mapping[str, Any]) -> int | None:
    """The action every path reaches, when no condition can fail on the way."""
    leaves = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if node["type"] == "action":
            leaves.add(node["action"])
        else:
            stack += (node["on_true"], node["on_false"])
    if len(leaves) == 1 and (action := leaves.pop()) in _CODES and not _divides(tree):
        return _CODES[action]
    return None


def _divides(tree: Any) -> bool:
    """Whether ``tree`` contains a ``/`` (which can fail, so its condition must still run)."""
    if isinstance(tree, Mapping):
        return tree.get("op") == "/" or any(_divides(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_divides(v) for v in tree)
    return False


class _Generator:
    """Emit the source of ``decide`` (and helper functions for very deep trees)."""

    __slots__ = ("functions", "params", "temps")

    def __init__(self, params: dict[str, float]) -> None:
        self.params = params
        self.temps = 0
        self.functions: list[list[str]] = []

    def module(self, tree: Mapping[str, Any]) -> str:
        self.function("decide", tree, "payment_tree")
        return "\n".join("\n".join(lines) for lines in reversed(self.functions)) + "\n"

    def function(self, name: str, node: Mapping[str, Any], path: str) -> None:
        lines = [f"def {name}(p, s):"]
        self.functions.append(lines)
        lines.extend(self.node(node, path, 1))

    def node(self, node: Mapping[str, Any], path: str, depth: int) -> Iterator[str]:
        pad = "    " * depth
        if node["type"] == "action":
            yield pad + "return " + self.action(node, path)
        elif depth >= _CHUNK_DEPTH:
            name = f"_subtree{len(self.functions)}"
            self.function(name, node, path)
            yield f"{pad}return {name}(p, s)"
        else:
            yield f"{pad}if {self.condition(node['condition'], f'{path}.condition')}:"
            yield from self.node(node["on_true"], f"{path}.on_true", depth + 1)
            yield f"{pad}else:"
            yield from self.node(node["on_false"], f"{path}.on_false", depth + 1)

    def action(self, node: Mapping[str, Any], path: str) -> str:
        if node["action"] != "Split":
            return repr(_CODES[node["action"]])
        where = f"{path}.parameters.num_splits"
        return f"_split({self.value(node['parameters']['num_splits'], where)}, {where!r})"

    def temp(self) -> str:
        self.temps += 1
        return f"_t{self.temps}"

    def condition(self, expr: Mapping[str, Any], path: str) -> str:
        op = expr["op"]
        if op in ("and", "or"):
            parts = [
                self.condition(c, f"{path}.conditions[{i}]")
                for i, c in enumerate(expr["conditions"])
            ]
            return f"({f' {op} '.join(parts)})" if parts else repr(op == "and")
        if op == "not":
            return f"(not {self.condition(expr['condition'], f'{path}.condition')})"
        left = self.value(expr["left"], f"{path}.left")
        right = self.value(expr["right"], f"{path}.right")
        if op in ("<", ">"):
            return f"({left} {op} {right})"
        if op == "==":
            return f"(abs({left} - {right}) < {EQ_EPSILON!r})"
        if op == "!=":
            return f"(abs({left} - {right}) >= {EQ_EPSILON!r})"
        a, b = self.temp(), self.temp()  # <= and >= also accept near-equality
        return f"(({a} := {left}) {op} ({b} := {right}) or abs({a} - {b}) < {EQ_EPSILON!r})"

    def value(self, value: Mapping[str, Any], path: str) -> str:
        if "field" in value:
            return FIELD_EXPRESSIONS[value["field"]]
        if "param" in value:
            return repr(self.params[value["param"]])
        if "value" in value:
            return repr(float(value["value"]))
        comp = value["compute"]
        path = f"{path}.compute"
        op = comp["op"]
        if op in ("+", "-", "*"):
            return (
                f"({self.value(comp['left'], f'{path}.left')} {op} "
                f"{self.value(comp['right'], f'{path}.right')})"
            )
        if op == "/":
            return (
                f"_div({self.value(comp['left'], f'{path}.left')}, "
                f"{self.value(comp['right'], f'{path}.right')}, {path + '.right'!r})"
            )
        if op in ("max", "min"):
            items = ", ".join(
                self.value(v, f"{path}.values[{i}]") for i, v in enumerate(comp["values"])
            )
            return f"_{op}(({items},))"
        if op in ("ceil", "floor", "round", "abs"):
            return f"_{op}({self.value(comp['value'], f'{path}.value')})"
        if op == "clamp":
            args = ", ".join(self.value(comp[k], f"{path}.{k}") for k in ("value", "min", "max"))
            return f"_clamp({args})"
        num, den = self.temp(), self.temp()  # div0: numerator, denominator, then maybe default
        return (
            f"(({num} / {den}) if _usable(({num} := "
            f"{self.value(comp['numerator'], f'{path}.numerator')}), ({den} := "
            f"{self.value(comp['denominator'], f'{path}.denominator')})) else "
            f"{self.value(comp['default'], f'{path}.default')})"
        )


# -- runtime helpers of the generated code ---------------------------------------------------
def _div(a: float, b: float, where: str) -> float:
    if abs(b) < DIV_EPSILON:
        raise TreeEvaluationError(where, "division by zero (use the div0 op to give a default)")
    return a / b


def _usable(_numerator: float, denominator: float) -> bool:
    return abs(denominator) >= EQ_EPSILON


def _split(n_value: float, where: str) -> int:
    """``-n`` for a split into ``n`` parts; Rust's saturating ``f64 as usize`` first."""
    if math.isnan(n_value) or n_value <= 0.0:
        n = 0
    else:
        n = USIZE_MAX if n_value >= 1.8446744073709552e19 else int(n_value)
    if n < 2:
        raise TreeEvaluationError(where, f"num_splits must be >= 2, got {n_value}")
    return -n


def _rust_max(a: float, b: float) -> float:
    if a != a:
        return b
    if b != b:
        return a
    return a if a > b else b


def _rust_min(a: float, b: float) -> float:
    if a != a:
        return b
    if b != b:
        return a
    return a if a < b else b


def _max(values: tuple[float, ...]) -> float:
    best = -math.inf
    for v in values:
        if v > best:
            best = v
    return best


def _min(values: tuple[float, ...]) -> float:
    best = math.inf
    for v in values:
        if v < best:
            best = v
    return best


def _integral(op: Callable[[float], int]) -> Callable[[float], float]:
    def apply(x: float) -> float:
        if not math.isfinite(x):
            return x
        r = float(op(x))
        return math.copysign(0.0, x) if r == 0.0 else r

    return apply


def _clamp(value: float, lo: float, hi: float) -> float:
    return _rust_min(_rust_max(value, lo), hi)


_RUNTIME: Final[dict[str, Any]] = {
    "__builtins__": {"abs": abs, "max": max},
    "_f": float,
    "_div": _div,
    "_usable": _usable,
    "_split": _split,
    "_max": _max,
    "_min": _min,
    "_ceil": _integral(math.ceil),
    "_floor": _integral(math.floor),
    "_round": rust_round,
    "_abs": abs,
    "_clamp": _clamp,
}
