"""Hand-built reports, plans and a fake backend: deterministic screens for snapshots and Pilot tests
(fixed ARNs and key ids, no clock, no random ids)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from s3repl_tui.canary import CanaryProgress, CanaryResult, ReplicaCheck
from s3repl_tui.checks.model import LAYERS, BucketRef, Finding, FixHint, LayerResult, Report
from s3repl_tui.fixes.model import (
    ApplyResult,
    Change,
    ChangeOutcome,
    DocumentRef,
    Plan,
    UndoOutcome,
    UndoResult,
)
from s3repl_tui.probes.snapshot import Identity
from s3repl_tui.screens.backend import BucketChoice, Diagnosis, Identities, ReplicationPath, UndoPreview

SRC, DST = "111122223333", "444455556666"
SOURCE_BUCKET, DEST_BUCKET = "orders-src", "orders-dst"
ROLE_ARN = f"arn:aws:iam::{SRC}:role/service-role/s3crr_role_for_orders-src"
SOURCE_KEY = f"arn:aws:kms:us-east-1:{SRC}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
REPLICA_KEY = f"arn:aws:kms:us-west-2:{DST}:key/9876fedc-98fe-76dc-54ba-0987654321fe"
PATH = ReplicationPath(SOURCE_BUCKET, ROLE_ARN, SOURCE_KEY, DEST_BUCKET, REPLICA_KEY, "orders-rule")
IDENTITIES = Identities(
    source=Identity("source", "prod-src", SRC, f"arn:aws:sts::{SRC}:assumed-role/Admin/alice"),
    dest=Identity("destination", "prod-dst", DST, f"arn:aws:sts::{DST}:assumed-role/Admin/alice"),
    endpoint_url="http://127.0.0.1:5000",
)

ROLE_KMS_STATEMENT = {
    "Sid": "S3ReplTuiReplicaKey",
    "Effect": "Allow",
    "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
    "Resource": REPLICA_KEY,
    "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{DEST_BUCKET}/*"}},
}
DENY_STATEMENT = {
    "Sid": "DenyOutsiders",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": f"arn:aws:s3:::{DEST_BUCKET}/*",
    "Condition": {"StringNotEquals": {"aws:PrincipalAccount": DST}},
}


def _failing_findings() -> dict[str, tuple[Finding, ...]]:
    return {
        "versioning": (
            Finding(
                "destination-versioning-suspended", "error",
                f"Versioning is Suspended on the destination bucket {DEST_BUCKET}; replication needs Enabled.",
                f"arn:aws:s3:::{DEST_BUCKET}", "DstBucketUnversioned",
                fix=FixHint("enable-destination-versioning", f"Enable versioning on {DEST_BUCKET}", DST,
                            "s3:PutBucketVersioning", True),
            ),
        ),
        "key-policy": (
            Finding(
                "replica-key-policy-denies-role", "error",
                "The replica key's policy neither allows the role nor delegates to its account.",
                REPLICA_KEY, "DstPutObjectNotPermitted",
                evidence={"missing": {"Sid": "S3ReplTuiReplication", "Effect": "Allow",
                                      "Principal": {"AWS": ROLE_ARN},
                                      "Action": ["kms:Encrypt", "kms:GenerateDataKey"], "Resource": "*"},
                          "policy": "key policy of the replica key"},
                fix=FixHint("add-replica-key-policy-statement", "Allow the role to use the replica key", DST,
                            "kms:PutKeyPolicy", True),
            ),
        ),
        "service-role": (
            Finding(
                "role-missing-s3-permission", "error",
                "The role may not s3:GetObjectVersionForReplication on the source objects.",
                ROLE_ARN, "SrcGetObjectNotPermitted",
                fix=FixHint("add-role-s3-permissions", "Add the S3 read permissions replication needs", SRC,
                            "iam:PutRolePolicy", True),
            ),
        ),
        "role-kms": (
            Finding(
                "role-kms-missing-replica", "error",
                "The role may not kms:GenerateDataKey with the replica key, so S3 cannot encrypt replicas.",
                ROLE_ARN, "DstPutObjectNotPermitted",
                evidence={"missing": ROLE_KMS_STATEMENT, "policy": "inline policy of the role"},
                fix=FixHint("add-role-kms-statement", "Add the role's KMS statement", SRC, "iam:PutRolePolicy",
                            True),
            ),
        ),
        "destination-policy": (
            Finding(
                "destination-policy-denies-role", "error",
                f"The bucket policy of {DEST_BUCKET} denies the role s3:ReplicateObject (statement DenyOutsiders).",
                f"arn:aws:s3:::{DEST_BUCKET}", "DstPutObjectNotPermitted",
                evidence={"statement": DENY_STATEMENT, "policy": f"bucket policy of {DEST_BUCKET}",
                          "sid": "DenyOutsiders",
                          "request": {"principal": ROLE_ARN, "action": "s3:ReplicateObject",
                                      "resource": f"arn:aws:s3:::{DEST_BUCKET}/doc.pdf",
                                      "context": {"aws:PrincipalAccount": SRC}}},
                fix=FixHint("narrow-deny", "Exempt the replication role from DenyOutsiders", DST,
                            "s3:PutBucketPolicy", False,
                            manual_steps="Add the role ARN to an ArnNotEquals aws:PrincipalArn condition."),
            ),
        ),
        "rule": (
            Finding(
                "rule-sse-kms-not-opted-in", "error",
                "Rule orders-rule does not opt in SSE-KMS objects, so S3 skips every object here.",
                f"arn:aws:s3:::{SOURCE_BUCKET}",
                fix=FixHint("enable-sse-kms-replication", "Opt in SSE-KMS objects with the replica key", SRC,
                            "s3:PutBucketReplication", True),
            ),
        ),
    }


def _report(findings: dict[str, tuple[Finding, ...]]) -> Report:
    return Report(
        source=BucketRef(SOURCE_BUCKET, SRC, "us-east-1"),
        destinations=(BucketRef(DEST_BUCKET, DST, "us-west-2", ("orders-rule",)),),
        layers=tuple(LayerResult(layer_id, title, findings.get(layer_id, ())) for layer_id, title in LAYERS),
        call_count=31,
        wall_seconds=0.42,
    )


def all_red() -> Report:
    return _report(_failing_findings())


def mixed() -> Report:
    failing = _failing_findings()
    unknown = Finding(
        "replica-key-policy-unreadable", "warning",
        "The replica key's policy could not be read (AccessDeniedException), so it cannot be judged.",
        REPLICA_KEY, unknown=True,
        evidence={"reason": "AccessDeniedException", "command":
                  f"aws kms get-key-policy --key-id {REPLICA_KEY} --policy-name default --profile <destination-profile>"},
    )
    warning = Finding("replication-metrics-off", "warning",
                      "Replication metrics are off, so S3 emits no failure events for this rule.")
    return _report({
        "versioning": (), "key-policy": (unknown,), "service-role": (),
        "role-kms": failing["role-kms"], "destination-policy": (), "rule": (warning,),
    })


def all_green() -> Report:
    return _report({})


def plan_for(report: Report, layer_ids: tuple[str, ...] | None = None) -> Plan:
    """One change per automatic fix of the failing layers, with fixed documents."""
    changes = []
    manual = []
    for layer in report.layers:
        if layer_ids is not None and layer.id not in layer_ids:
            continue
        for finding in layer.findings:
            if finding.fix is None:
                continue
            if not finding.fix.automatic:
                manual.append(finding)
                continue
            changes.append(_change(layer.id, finding.fix))
    return Plan(tuple(changes), tuple(manual))


def _change(layer: str, fix: FixHint) -> Change:
    if layer == "versioning":
        ref = DocumentRef("bucket-versioning", DST, "us-west-2", f"arn:aws:s3:::{DEST_BUCKET}", DEST_BUCKET)
        return Change(f"versioning:{DEST_BUCKET}", (fix.id,), layer, ref, fix.summary,
                      {"Status": "Suspended"}, {"Status": "Enabled"})
    ref = DocumentRef("role-inline-policy", SRC, "us-east-1", ROLE_ARN, "s3crr_role_for_orders-src",
                      policy_name="s3repl-tui-replication")
    if layer == "key-policy":
        ref = DocumentRef("key-policy", DST, "us-west-2", REPLICA_KEY, REPLICA_KEY)
    if layer == "rule":
        ref = DocumentRef("replication", SRC, "us-east-1", f"arn:aws:s3:::{SOURCE_BUCKET}", SOURCE_BUCKET)
    before = {"Version": "2012-10-17", "Statement": []}
    after = {"Version": "2012-10-17", "Statement": [ROLE_KMS_STATEMENT]}
    return Change(f"{layer}:{ref.resource}", (fix.id,), layer, ref, fix.summary, before, after)


@dataclass
class FakeBackend:
    """Answers from a list of reports: each diagnosis takes the next one (the last one repeats)."""

    reports: list[Report]
    emulated_replication: bool = True
    buckets: tuple[BucketChoice, ...] = (
        BucketChoice(SOURCE_BUCKET, "us-east-1", "configured"),
        BucketChoice("logs", "us-east-1", "not-configured"),
    )
    fail_diagnosis: Exception | None = None
    canary_outcome: CanaryResult | None = None
    calls: list[str] = field(default_factory=list)
    gate: threading.Event | None = None  # when set, diagnose waits for it (to see the probing state)
    _index: int = 0
    _undo_available: bool = False

    def connect(self) -> Identities:
        self.calls.append("connect")
        return IDENTITIES

    def list_buckets(self) -> tuple[BucketChoice, ...]:
        self.calls.append("list_buckets")
        return self.buckets

    @property
    def report(self) -> Report:
        return self.reports[min(self._index, len(self.reports) - 1)]

    def diagnose(self, bucket: str, on_update: Callable[[Diagnosis], None]) -> Diagnosis:
        self.calls.append(f"diagnose {bucket}")
        if self.fail_diagnosis is not None:
            raise self.fail_diagnosis
        if self.gate is not None:
            on_update(Diagnosis(_pending_report(), PATH))
            self.gate.wait(10)
        report = self.report
        return Diagnosis(report, PATH, plan_for(report), final=True)

    def plan(self, layer_ids: tuple[str, ...] | None) -> Plan:
        self.calls.append(f"plan {layer_ids}")
        return plan_for(self.report, layer_ids)

    def apply(self, plan: Plan, on_progress: Callable[[str], None]) -> ApplyResult:
        self.calls.append(f"apply {len(plan.changes)}")
        self._index += 1
        self._undo_available = True
        return ApplyResult(tuple(ChangeOutcome(c.id, c.ref.label, "applied", "ok") for c in plan.changes))

    def undo(self) -> UndoResult:
        self.calls.append("undo")
        if not self._undo_available:
            return UndoResult(None)
        self._index = max(0, self._index - 1)
        self._undo_available = False
        return UndoResult(Path("undo-set"), (UndoOutcome("versioning of bucket orders-dst", "restored", "ok"),))

    def undo_preview(self) -> UndoPreview | None:
        if not self._undo_available:
            return None
        return UndoPreview("20261206T120000Z-abc123", (
            DocumentRef("bucket-policy", DST, "us-west-2", f"arn:aws:s3:::{DEST_BUCKET}", DEST_BUCKET),
            DocumentRef("bucket-versioning", DST, "us-west-2", f"arn:aws:s3:::{DEST_BUCKET}", DEST_BUCKET),
        ))

    def canary(
        self, on_progress: Callable[[CanaryProgress], None], should_stop: Callable[[], bool]
    ) -> CanaryResult:
        self.calls.append("canary")
        on_progress(CanaryProgress("waiting", "PENDING", 0.5, "ReplicationStatus PENDING"))
        return self.canary_outcome or CanaryResult(
            "COMPLETED", SOURCE_BUCKET, ".s3repl-tui/canary/x.txt", "v1", "COMPLETED", 1.0, True,
            "The canary replicated to s3://orders-dst in 1.0 s (replication emulated).",
            replica_checks=(ReplicaCheck("replication status", True, "ReplicationStatus REPLICA"),),
        )


def _pending_report() -> Report:
    pending = Finding("pending", "warning", "Still reading.", unknown=True, evidence={"pending": True})
    findings = {layer_id: (pending,) for layer_id, _title in LAYERS}
    findings["versioning"] = _failing_findings()["versioning"]
    return _report(findings)
