"""What ``s3repl-tui object`` answers: the object's facts, the rule that applies, the most likely cause
and what re-replicates it. ``ObjectDiagnosis.to_json`` is what the TUI and scripts read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from s3repl_tui.objects.facts import ObjectFacts
from s3repl_tui.objects.rules import RuleMatch

# replicated: COMPLETED. pending: PENDING and nothing found that would fail it. will-fail: PENDING but a
# request S3 makes is denied. failed: FAILED. not-replicated: no status (no rule, or by design).
# replica: a replica written by another bucket's replication; not replicated onwards.
Outcome = Literal["replicated", "pending", "will-fail", "failed", "not-replicated", "replica"]
OK_OUTCOMES: frozenset[str] = frozenset({"replicated", "pending"})


@dataclass(frozen=True)
class Cause:
    """One reason the object failed or was not replicated, with its fix."""

    code: str  # ours, e.g. "sse-kms-not-opted-in", "role-cannot-decrypt-source-key"
    layer: str  # a layer id of the report (design.md), or "object"
    message: str  # one sentence a person can act on
    fix: str  # one sentence, often with a command
    aws_failure_reason: str | None = None  # catalog §1 code S3 reports, None for silent causes
    catalog: str = ""  # where the catalog describes it: "§1 #26", "S6"
    certain: bool = True  # False: the inputs that decide it could not all be read
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "layer": self.layer,
            "message": self.message,
            "fix": self.fix,
            "aws_failure_reason": self.aws_failure_reason,
            "catalog": self.catalog,
            "certain": self.certain,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True)
class CheckedRequest:
    """One request S3 makes to replicate this object, and what the policies decide."""

    action: str
    resource: str
    decision: Literal["allow", "deny", "unknown"]
    explanation: str
    layer: str
    failure_reason: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "decision": self.decision,
            "explanation": self.explanation,
            "layer": self.layer,
            "aws_failure_reason": self.failure_reason,
        }


@dataclass(frozen=True)
class ObjectDiagnosis:
    facts: ObjectFacts
    rules: tuple[RuleMatch, ...]
    outcome: Outcome
    summary: str  # one sentence: what happened to the object
    causes: tuple[Cause, ...] = ()  # most likely first
    remedy: str = ""  # what re-replicates the object once the causes are fixed
    requests: tuple[CheckedRequest, ...] = ()
    notes: tuple[str, ...] = ()  # what could not be read or judged

    @property
    def replicates(self) -> bool:
        """The object replicated or will: exit code 0."""
        return self.outcome in OK_OUTCOMES

    @property
    def cause(self) -> Cause | None:
        return self.causes[0] if self.causes else None

    def to_json(self) -> dict[str, Any]:
        cause = self.cause
        return {
            "schema": 1,
            "object": self.facts.to_json(),
            "outcome": self.outcome,
            "replicates": self.replicates,
            "summary": self.summary,
            "aws_failure_reason": cause.aws_failure_reason if cause else None,
            "layer": cause.layer if cause else None,
            "causes": [c.to_json() for c in self.causes],
            "remedy": self.remedy,
            "rules": [r.to_json() for r in self.rules],
            "requests": [r.to_json() for r in self.requests],
            "notes": list(self.notes),
        }
