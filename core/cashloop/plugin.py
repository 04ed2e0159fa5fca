"""The public plugin API: everything a third-party plugin needs, in one import.

from cashloop.plugin import hookimpl, EvaluatorSpec, SampleResult
"""

from __future__ import annotations

from cashloop.errors import ConfigError, PluginError, PolicyEvaluationError, UserError
from cashloop.events import (
    ALL_EVENTS,
    BOOTSTRAP_EVALUATION,
    CONVERGENCE,
    EQUILIBRIUM,
    EXPERIMENT_END,
    EXPERIMENT_START,
    ITERATION_COMPLETE,
    ITERATION_START,
    LLM_CALL,
    POLICY_CHANGE,
    POLICY_REJECTED,
)
from cashloop.hookspecs import PROJECT_NAME, LifecycleSpecs, RegistrationSpecs, hookimpl
from cashloop.policy_json import PolicyParseError, parse_policy_json
from cashloop.policy_tree import (
    COMPARISON_OPS,
    COMPUTE_OPERANDS,
    LOGICAL_OPS,
    PolicyScan,
    TreeReference,
    scan_policy,
    scan_tree,
    tree_names,
)
from cashloop.protocols import (
    ConstraintValidator,
    EvaluatorHost,
    LLMClient,
    PolicyEvaluator,
    RunSummary,
    StorageBackend,
)
from cashloop.runner.evaluation import load_evaluator
from cashloop.specs import (
    ComponentSpec,
    EvaluatorSpec,
    ExecutorSpec,
    LLMClientSpec,
    OutputHandlerSpec,
    StorageBackendSpec,
    ValidatorSpec,
)
from cashloop.types import (
    ParameterSpec,
    PolicyConstraints,
    PolicyProposal,
    PolicyRequest,
    ProposalRecord,
    RunInfo,
    SampleResult,
    ValidationResult,
    breakdown_key,
)

__all__ = [
    "ALL_EVENTS",
    "BOOTSTRAP_EVALUATION",
    "COMPARISON_OPS",
    "COMPUTE_OPERANDS",
    "CONVERGENCE",
    "EQUILIBRIUM",
    "EXPERIMENT_END",
    "EXPERIMENT_START",
    "ITERATION_COMPLETE",
    "ITERATION_START",
    "LLM_CALL",
    "LOGICAL_OPS",
    "POLICY_CHANGE",
    "POLICY_REJECTED",
    "PROJECT_NAME",
    "ComponentSpec",
    "ConfigError",
    "ConstraintValidator",
    "EvaluatorHost",
    "EvaluatorSpec",
    "ExecutorSpec",
    "LLMClient",
    "LLMClientSpec",
    "LifecycleSpecs",
    "OutputHandlerSpec",
    "ParameterSpec",
    "PluginError",
    "PolicyConstraints",
    "PolicyEvaluationError",
    "PolicyEvaluator",
    "PolicyParseError",
    "PolicyProposal",
    "PolicyRequest",
    "PolicyScan",
    "ProposalRecord",
    "RegistrationSpecs",
    "RunInfo",
    "RunSummary",
    "SampleResult",
    "StorageBackend",
    "StorageBackendSpec",
    "TreeReference",
    "UserError",
    "ValidationResult",
    "ValidatorSpec",
    "breakdown_key",
    "hookimpl",
    "load_evaluator",
    "parse_policy_json",
    "scan_policy",
    "scan_tree",
    "tree_names",
]
