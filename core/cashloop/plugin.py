"""The public plugin API: everything a third-party plugin needs, in one import.

from cashloop.plugin import hookimpl, EvaluatorSpec, SampleResult
"""

from __future__ import annotations

from cashloop.errors import (
    ConfigError,
    PluginError,
    PolicyEvaluationError,
    StorageError,
    UserError,
)
from cashloop.events import (
    ALL_EVENTS,
    BOOTSTRAP_EVALUATION,
    CONVERGENCE,
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
    FailureRecording,
    LLMClient,
    PolicyEvaluator,
    ResumableStorage,
    RunSummary,
    StorageBackend,
    StoredRun,
)
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
    "EvaluatorSpec",
    "ExecutorSpec",
    "FailureRecording",
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
    "ResumableStorage",
    "RunInfo",
    "RunSummary",
    "SampleResult",
    "StorageBackend",
    "StorageBackendSpec",
    "StorageError",
    "StoredRun",
    "TreeReference",
    "UserError",
    "ValidationResult",
    "ValidatorSpec",
    "breakdown_key",
    "hookimpl",
    "parse_policy_json",
    "scan_policy",
    "scan_tree",
    "tree_names",
]
