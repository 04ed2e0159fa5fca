"""Compile a checked policy tree into nested closures, once per policy.

Every value becomes ``fn(payment, snapshot) -> float`` (literals and parameters are folded to
constants), every condition ``fn(payment, snapshot) -> bool`` and the payment tree
``decide(payment, snapshot) -> action code``. Arithmetic mirrors SimCash's interpreter: f64
throughout, equality within 1e-9, ``/`` refusing |divisor| < f64::EPSILON, Rust rounding.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from cashloop_rtgs.policy.context import FIELDS
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

EQ_EPSILON: Final = 1e-9
DIV_EPSILON: Final = sys.float_info.epsilon
USIZE_MAX: Final = (1 << 64) - 1

Fn = Callable[[Any, Any], Any]


class TreeEvaluationError(Exception):
    """A tree failed while deciding a payment (the engine adds agent and tick)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@attrs.frozen(kw_only=True)
class CompiledPolicy:
    """A policy ready to run: the pool fraction and the payment decision.

    ``constant_action`` is set when the decision never depends on the payment (the engine then
    skips per-payment evaluation); otherwise ``decide`` returns RELEASE, HOLD, DROP or ``-n``
    for a split into ``n`` parts.
    """

    policy_id: str
    liquidity_fraction: float | None
    decide: Fn | None
    constant_action: int | None


#: Release everything, no pool preference (the sandbox's SOURCE and SINK).
RELEASE_ALL: Final = CompiledPolicy(
    policy_id="release_all", liquidity_fraction=None, decide=None, constant_action=RELEASE
)


def compile_policy(policy: Mapping[str, Any]) -> CompiledPolicy:
    """Compile a policy that passed ``check_policy``."""
    params = {k: float(v) for k, v in policy.get("parameters", {}).items()}
    fraction = params.get(FRACTION_PARAMETER)
    tree = policy.get("payment_tree")
    if tree is None:  # no payment tree: release everything, as a FIFO bank would
        return CompiledPolicy(
            policy_id=policy["policy_id"],
            liquidity_fraction=fraction,
            decide=None,
            constant_action=RELEASE,
        )
    decide, constant = _Compiler(params).node(tree, "payment_tree")
    return CompiledPolicy(
        policy_id=policy["policy_id"],
        liquidity_fraction=fraction,
        decide=decide,
        constant_action=constant,
    )


def _usize(x: float) -> int:
    """Rust's saturating ``f64 as usize``."""
    if math.isnan(x) or x <= 0.0:
        return 0
    return USIZE_MAX if x >= 1.8446744073709552e19 else int(x)


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


def _integral(op: Callable[[float], int]) -> Callable[[float], float]:
    def apply(x: float) -> float:
        if not math.isfinite(x):
            return x
        r = float(op(x))
        return math.copysign(0.0, x) if r == 0.0 else r

    return apply


_UNARY: Final[dict[str, Callable[[float], float]]] = {
    "ceil": _integral(math.ceil),
    "floor": _integral(math.floor),
    "round": rust_round,
    "abs": abs,
}


class _Compiler:
    __slots__ = ("params",)

    def __init__(self, params: dict[str, float]) -> None:
        self.params = params

    # -- nodes -------------------------------------------------------------------------------
    def node(self, node: Mapping[str, Any], path: str) -> tuple[Fn | None, int | None]:
        """Return ``(decide, None)`` or ``(None, constant_action)``."""
        if node["type"] == "action":
            return self.action(node, path)
        cond = self.condition(node["condition"], f"{path}.condition")
        t_fn, t_const = self.node(node["on_true"], f"{path}.on_true")
        f_fn, f_const = self.node(node["on_false"], f"{path}.on_false")
        if t_const is not None and t_const == f_const and not _may_fail(node["condition"]):
            return None, t_const  # both branches agree: the condition need not run
        on_true = t_fn if t_fn is not None else (lambda p, s, c=t_const: c)
        on_false = f_fn if f_fn is not None else (lambda p, s, c=f_const: c)
        return (lambda p, s: on_true(p, s) if cond(p, s) else on_false(p, s)), None

    def action(self, node: Mapping[str, Any], path: str) -> tuple[Fn | None, int | None]:
        action = node["action"]
        if action == "Hold":
            return None, HOLD
        if action == "Drop":
            return None, DROP
        if action != "Split":
            return None, RELEASE
        n_fn, n_const = self.value(
            node["parameters"]["num_splits"], f"{path}.parameters.num_splits"
        )
        where = f"{path}.parameters.num_splits"

        def split_code(n_value: float) -> int:
            n = _usize(n_value)
            if n < 2:
                raise TreeEvaluationError(where, f"num_splits must be >= 2, got {n_value}")
            return -n

        if n_fn is None:
            return (lambda p, s: split_code(n_const)), None  # type: ignore[arg-type]
        return (lambda p, s: split_code(n_fn(p, s))), None

    # -- conditions --------------------------------------------------------------------------
    def condition(self, expr: Mapping[str, Any], path: str) -> Fn:
        op = expr["op"]
        if op in ("and", "or"):
            subs = [
                self.condition(c, f"{path}.conditions[{i}]")
                for i, c in enumerate(expr["conditions"])
            ]
            if op == "and":
                return lambda p, s: all(c(p, s) for c in subs)
            return lambda p, s: any(c(p, s) for c in subs)
        if op == "not":
            inner = self.condition(expr["condition"], f"{path}.condition")
            return lambda p, s: not inner(p, s)
        lf, lc = self.value(expr["left"], f"{path}.left")
        rf, rc = self.value(expr["right"], f"{path}.right")
        compare = _COMPARE[op]
        if lf is None and rf is None:
            result = compare(lc, rc)
            return lambda p, s: result
        if rf is None:
            return lambda p, s: compare(lf(p, s), rc)  # type: ignore[misc]
        if lf is None:
            return lambda p, s: compare(lc, rf(p, s))
        return lambda p, s: compare(lf(p, s), rf(p, s))

    # -- values ------------------------------------------------------------------------------
    def value(self, value: Mapping[str, Any], path: str) -> tuple[Fn | None, float | None]:
        """Return ``(fn, None)`` or ``(None, constant)``."""
        if "field" in value:
            return FIELDS[value["field"]], None
        if "param" in value:
            return None, self.params[value["param"]]
        if "value" in value:
            return None, float(value["value"])
        return self.compute(value["compute"], f"{path}.compute")

    def operand(self, value: Mapping[str, Any], path: str) -> Fn:
        fn, const = self.value(value, path)
        return fn if fn is not None else (lambda p, s, c=const: c)

    def compute(self, comp: Mapping[str, Any], path: str) -> tuple[Fn | None, float | None]:
        op = comp["op"]
        if op in _BINARY:
            return self.binary(op, comp, path)
        if op in ("max", "min"):
            items = [self.operand(v, f"{path}.values[{i}]") for i, v in enumerate(comp["values"])]
            pick = _max_of if op == "max" else _min_of
            return (lambda p, s: pick([f(p, s) for f in items])), None
        if op in _UNARY:
            fn, const = self.value(comp["value"], f"{path}.value")
            unary = _UNARY[op]
            if fn is None:
                return None, unary(const)  # type: ignore[arg-type]
            return (lambda p, s: unary(fn(p, s))), None
        if op == "clamp":
            v = self.operand(comp["value"], f"{path}.value")
            lo = self.operand(comp["min"], f"{path}.min")
            hi = self.operand(comp["max"], f"{path}.max")
            return (lambda p, s: _rust_min(_rust_max(v(p, s), lo(p, s)), hi(p, s))), None
        num = self.operand(comp["numerator"], f"{path}.numerator")
        den = self.operand(comp["denominator"], f"{path}.denominator")
        default = self.operand(comp["default"], f"{path}.default")

        def div0(p: Any, s: Any) -> float:
            n = num(p, s)
            d = den(p, s)
            return default(p, s) if abs(d) < EQ_EPSILON else n / d

        return div0, None

    def binary(self, op: str, comp: Mapping[str, Any], path: str) -> tuple[Fn | None, float | None]:
        lf, lc = self.value(comp["left"], f"{path}.left")
        rf, rc = self.value(comp["right"], f"{path}.right")
        apply = _BINARY[op]
        if op == "/":
            where = f"{path}.right"

            def apply(a: float, b: float) -> float:
                if abs(b) < DIV_EPSILON:
                    raise TreeEvaluationError(
                        where, "division by zero (use the div0 op to give a default)"
                    )
                return a / b

        if lf is None and rf is None:
            if op == "/" and abs(rc) < DIV_EPSILON:  # type: ignore[arg-type]
                return (lambda p, s: apply(lc, rc)), None  # fails only if reached, as in SimCash
            return None, apply(lc, rc)  # type: ignore[arg-type]
        if rf is None:
            return (lambda p, s: apply(lf(p, s), rc)), None  # type: ignore[misc]
        if lf is None:
            return (lambda p, s: apply(lc, rf(p, s))), None
        return (lambda p, s: apply(lf(p, s), rf(p, s))), None


def _may_fail(tree: Any) -> bool:
    """Whether evaluating ``tree`` can raise (it divides): such a condition must still run."""
    if isinstance(tree, Mapping):
        return tree.get("op") == "/" or any(_may_fail(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_may_fail(v) for v in tree)
    return False


def _max_of(values: list[float]) -> float:
    best = -math.inf
    for v in values:
        if v > best:
            best = v
    return best


def _min_of(values: list[float]) -> float:
    best = math.inf
    for v in values:
        if v < best:
            best = v
    return best


_BINARY: Final[dict[str, Callable[[float, float], float]]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,  # replaced by the checked version in _Compiler.binary
}

_COMPARE: Final[dict[str, Callable[[float, float], bool]]] = {
    "==": lambda a, b: abs(a - b) < EQ_EPSILON,
    "!=": lambda a, b: abs(a - b) >= EQ_EPSILON,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b or abs(a - b) < EQ_EPSILON,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b or abs(a - b) < EQ_EPSILON,
}
