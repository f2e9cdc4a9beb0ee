"""What a Batch Replication job needs of its role (catalog §3.1, §3.7), judged with the policy engine.

The job runs as the replication role: Batch Operations must be able to assume it
(``batchoperations.s3.amazonaws.com`` in the trust policy), and with a generated manifest it needs
``s3:InitiateReplication`` on the source objects, ``s3:GetReplicationConfiguration`` and
``s3:PutInventoryConfiguration`` on the source bucket, and ``s3:PutObject`` (plus reading back the
manifest it stored) where the report and manifest go. With a listed manifest (``retry --manifest``) it
reads that list from the report area instead, and needs nothing that generates one. Pure: a Snapshot in,
judged requirements out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from s3repl_tui.checks import facts as check_facts
from s3repl_tui.checks.access import role_inputs
from s3repl_tui.checks.facts import PROBE_OBJECT
from s3repl_tui.checks.requests import principal_context
from s3repl_tui.fixes.grants import allow_statement
from s3repl_tui.policy import EvaluationResult, NamedPolicy, Request, evaluate
from s3repl_tui.probes.snapshot import Document, Read, Snapshot

BATCH_PRINCIPAL = "batchoperations.s3.amazonaws.com"
# missing: the role's policies lack it (we can add it); denied: an explicit Deny; boundary: the permissions
# boundary does not allow it; bucket-policy: the bucket's owner must grant it; unknown: not readable.
Status = Literal["ok", "missing", "denied", "boundary", "bucket-policy", "unknown"]
Target = Literal["trust", "inline"]


@dataclass(frozen=True)
class Requirement:
    id: str
    summary: str  # "Batch Operations may assume the role"
    request: Request
    document: Target  # where the grant goes
    grant: Document  # the least-privilege statement that provides it (Sid S3ReplTui...)
    failure_reason: str | None  # what the job reports without it (catalog §1)
    bucket: str | None = None  # the bucket whose policy also decides (None: the trust policy)


@dataclass(frozen=True)
class Checked:
    requirement: Requirement
    status: Status
    explanation: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def fixable(self) -> bool:
        """Adding the grant to the role fixes it (a Deny or a boundary needs a person)."""
        return self.status == "missing"


def requirements(
    snapshot: Snapshot, report_bucket: str | None, report_prefix: str, generated_manifest: bool = True
) -> tuple[Requirement, ...]:
    role = check_facts.role_ref(snapshot)
    if role is None:
        return ()
    source = snapshot.source_bucket
    context = principal_context(role)
    made = [
        Requirement(
            "trust-batch-operations", f"{BATCH_PRINCIPAL} may assume the role",
            Request(BATCH_PRINCIPAL, "sts:AssumeRole", role.arn, {"aws:PrincipalServiceName": BATCH_PRINCIPAL}),
            "trust",
            {"Sid": "S3ReplTuiBatchAssume", "Effect": "Allow", "Principal": {"Service": BATCH_PRINCIPAL},
             "Action": "sts:AssumeRole"},
            "AssumeRoleNotPermitted",
        ),
        Requirement(
            "initiate-replication", f"s3:InitiateReplication on arn:aws:s3:::{source}/*",
            Request(role.arn, "s3:InitiateReplication", f"arn:aws:s3:::{source}/{PROBE_OBJECT}", context),
            "inline",
            allow_statement("S3ReplTuiBatchInitiate", ["s3:InitiateReplication"], [f"arn:aws:s3:::{source}/*"]),
            "InitiateReplicationNotPermitted", source,
        ),
    ]
    for action in ("s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration") if generated_manifest else ():
        made.append(Requirement(
            action.split(":")[1], f"{action} on arn:aws:s3:::{source} (to generate the manifest)",
            Request(role.arn, action, f"arn:aws:s3:::{source}", context), "inline",
            allow_statement("S3ReplTuiBatchManifest", [action], [f"arn:aws:s3:::{source}"]), None, source,
        ))
    if report_bucket:
        area = f"arn:aws:s3:::{report_bucket}/{report_prefix}/*"
        sample = f"arn:aws:s3:::{report_bucket}/{report_prefix}/{PROBE_OBJECT}"
        manifest = "the manifest it generated" if generated_manifest else "the listed manifest"
        for action, why in (("s3:PutObject", "to write the report" + (" and the manifest" if generated_manifest
                                                                       else "")),
                            ("s3:GetObject", f"to read {manifest}"),
                            ("s3:GetObjectVersion", f"to read {manifest}")):
            made.append(Requirement(
                action.split(":")[1].lower() + "-report", f"{action} on {area} ({why})",
                Request(role.arn, action, sample, context), "inline",
                allow_statement("S3ReplTuiBatchReport", [action], [area]), None, report_bucket,
            ))
    return tuple(made)


def _status(result: EvaluationResult) -> Status:
    if result.allowed:
        return "ok"
    if result.decision == "explicit-deny":
        return "denied"
    if result.missing == ("boundary",):
        return "boundary"
    if "identity" not in result.missing and "resource" in result.missing:
        return "bucket-policy"
    return "missing"


def check(
    snapshot: Snapshot,
    report_bucket: str | None,
    report_prefix: str,
    report_policy: Read[Document] | None = None,
    report_account: str | None = None,
    generated_manifest: bool = True,
) -> tuple[Checked, ...]:
    """Each requirement judged against the role's trust and permission policies, its boundary, and the
    bucket policy of the bucket it touches (``report_policy``: the report bucket's, read by the caller)."""
    role = snapshot.role
    inputs = role_inputs(snapshot)
    checked: list[Checked] = []
    for need in requirements(snapshot, report_bucket, report_prefix, generated_manifest):
        if need.document == "trust":
            trust = role.role.value.get("AssumeRolePolicyDocument") if role and role.role.is_ok and role.role.value \
                else None
            if trust is None:
                checked.append(Checked(need, "unknown", "the role's trust policy could not be read"))
                continue
            result = evaluate(need.request, resource_policy=NamedPolicy("trust-policy", trust),
                              resource_kind="role-trust")
            status: Status = "denied" if result.decision == "explicit-deny" else "ok" if result.allowed else "missing"
            checked.append(Checked(need, status, result.reason))
            continue
        if inputs is None or inputs.unreadable:
            what = ", ".join(u.what for u in inputs.unreadable) if inputs else "the role"
            checked.append(Checked(need, "unknown", f"{what} could not be read"))
            continue
        policy, account = _bucket_policy(snapshot, need.bucket, report_bucket, report_policy, report_account)
        if isinstance(policy, str):
            checked.append(Checked(need, "unknown", policy))
            continue
        result = evaluate(need.request, identity_policies=list(inputs.policies), permission_boundary=inputs.boundary,
                          resource_policy=policy, resource_account=account, resource_kind="s3")
        checked.append(Checked(need, _status(result), result.reason))
    return tuple(checked)


def _bucket_policy(
    snapshot: Snapshot, bucket: str | None, report_bucket: str | None, report_policy: Read[Document] | None,
    report_account: str | None,
) -> tuple[NamedPolicy | str | None, str | None]:
    """(the bucket's policy, its account), or (why it is unknown, None)."""
    if bucket == snapshot.source_bucket:
        read: Read[Document] | None = snapshot.source.policy
        account = snapshot.source.owner_account
    else:
        read, account = report_policy, report_account
    if read is None or read.is_absent:
        return None, account
    if not read.is_ok:
        reason = read.error.message if read.error else "not read"
        return f"the bucket policy of {bucket or report_bucket} could not be read ({reason})", None
    return NamedPolicy(f"bucket-policy:{bucket}", read.value), account
