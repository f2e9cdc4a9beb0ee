"""Public value types of the policy engine: requests, results, lint findings, errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

# A request context value: single-valued keys carry str/bool/int, multivalued keys a list of str.
ContextValue = str | bool | int | Sequence[str]

Decision = Literal["allow", "explicit-deny", "implicit-deny"]
ResourceKind = Literal["s3", "kms", "role-trust"]
PolicyPart = Literal["identity", "resource", "boundary"]
Severity = Literal["error", "warning", "info"]

RESOURCE_KINDS: tuple[str, ...] = ("s3", "kms", "role-trust")


class PolicyError(ValueError):
    """A document handed to the engine is not a JSON object (a policy) at all."""


@dataclass(frozen=True)
class Request:
    """One API call to judge: who calls which action on which resource, with which context keys.

    Context keys absent from ``context`` are absent from the request, exactly as AWS treats keys it
    does not send (``...IfExists``, ``Null`` and negated operators then behave as documented).
    """

    principal: str
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class NamedPolicy:
    """A policy document with a label used in explanations (``inline:Name`` or a managed policy ARN)."""

    name: str
    document: Any


@dataclass(frozen=True)
class StatementRef:
    """Points at one statement: which policy, its Sid, its position, and the statement as written."""

    policy: str
    sid: str | None
    index: int
    statement: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class EvaluationResult:
    """The decision for one request and why it was reached."""

    allowed: bool
    decision: Decision
    allowing: tuple[StatementRef, ...]
    denying: tuple[StatementRef, ...]
    # For an implicit deny: the parts that lack an allow, among "identity", "resource", "boundary".
    missing: tuple[PolicyPart, ...]
    reason: str
    cross_account: bool = False
    # Facts worth showing next to the decision (stale principals, unknown operators met, ...).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LintFinding:
    """One problem found in a policy document, tied to the statement it came from."""

    code: str
    severity: Severity
    message: str
    index: int | None = None
    sid: str | None = None
    policy: str = "policy"
