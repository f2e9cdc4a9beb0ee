"""Findings, layer results and the report: the contract of ``check --format json`` (design.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
LayerStatus = Literal["pass", "warn", "fail", "unknown"]
Verdict = Literal["pass", "fail", "unknown"]

# The six layers in the order replication needs them (design.md); extra layers follow them.
LAYERS: tuple[tuple[str, str], ...] = (
    ("versioning", "Versioning"),
    ("key-policy", "KMS key policies"),
    ("service-role", "Service role"),
    ("role-kms", "Role KMS permissions"),
    ("destination-policy", "Destination bucket policy"),
    ("rule", "Replication rule"),
)
EXTRA_LAYERS: tuple[tuple[str, str], ...] = (
    ("source-policy", "Source bucket policy"),
    ("monitoring", "Monitoring"),  # what S3 reports is happening (checks/monitoring.py), judged last
)
LAYER_TITLES: dict[str, str] = dict(LAYERS + EXTRA_LAYERS)


@dataclass(frozen=True)
class FixHint:
    """What would fix a finding. ``params`` carries what the fix planner needs (not in the JSON)."""

    id: str  # e.g. "enable-destination-versioning"
    summary: str
    account: str | None
    api: str  # e.g. "s3:PutBucketVersioning"
    automatic: bool
    params: Mapping[str, Any] = field(default_factory=dict)
    manual_steps: str = ""  # for automatic=False: what a person must do, with a ready command

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "summary": self.summary,
            "account": self.account,
            "api": self.api,
            "automatic": self.automatic,
        }


@dataclass(frozen=True)
class Finding:
    code: str  # e.g. "destination-versioning-suspended"
    severity: Severity
    message: str  # one sentence a person can act on
    resource: str | None = None  # ARN
    aws_failure_reason: str | None = None  # catalog section 1 code, e.g. "DstBucketUnversioned"
    evidence: Mapping[str, Any] = field(default_factory=dict)  # {"statement": {...}, "policy": "..."}
    fix: FixHint | None = None
    unknown: bool = False  # an input could not be read: the layer is "unknown", never "pass"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "resource": self.resource,
            "aws_failure_reason": self.aws_failure_reason,
            "evidence": dict(self.evidence),
            "fix": self.fix.to_json() if self.fix else None,
        }


def layer_status(findings: tuple[Finding, ...]) -> LayerStatus:
    """fail beats unknown beats warn beats pass: an unread input can never turn into a pass."""
    if any(f.severity == "error" and not f.unknown for f in findings):
        return "fail"
    if any(f.unknown for f in findings):
        return "unknown"
    if any(f.severity == "warning" for f in findings):
        return "warn"
    return "pass"


@dataclass(frozen=True)
class LayerResult:
    id: str
    title: str
    findings: tuple[Finding, ...] = ()

    @property
    def status(self) -> LayerStatus:
        return layer_status(self.findings)

    @property
    def pending(self) -> bool:
        """True while an input of this layer is still being read (partial snapshots)."""
        return any(f.unknown and f.evidence.get("pending") for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass(frozen=True)
class BucketRef:
    bucket: str
    account: str | None
    region: str | None
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    source: BucketRef
    destinations: tuple[BucketRef, ...]
    layers: tuple[LayerResult, ...]
    call_count: int = 0
    wall_seconds: float = 0.0

    @property
    def verdict(self) -> Verdict:
        statuses = [layer.status for layer in self.layers]
        if "fail" in statuses:
            return "fail"
        if "unknown" in statuses:
            return "unknown"
        return "pass"

    def layer(self, layer_id: str) -> LayerResult:
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(layer_id)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for layer in self.layers for f in layer.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "verdict": self.verdict,
            "source": {"bucket": self.source.bucket, "account": self.source.account, "region": self.source.region},
            "destinations": [
                {"bucket": d.bucket, "account": d.account, "region": d.region, "rules": list(d.rules)}
                for d in self.destinations
            ],
            "layers": [layer.to_json() for layer in self.layers],
            "calls": {"count": self.call_count, "wall_seconds": round(self.wall_seconds, 3)},
        }
