"""Layer 5: the destination bucket policy. Cross-account, it must allow the role (or its account)
``s3:ReplicateObject`` (+``ReplicateDelete`` for delete markers, +``ObjectOwnerOverrideToBucketOwner``
with an owner override) on the destination objects [UG-PERM][UG-OWN]; in any setup no Deny may hit the
role [UG-TS]. A principal stored as a unique id (``AROA…``) belongs to a deleted role and matches no one
[IAM-PRINC]; a cross-account destination can't be Requester Pays [UG-REQ] (catalog S26). A destination
that does not exist has no policy to judge: the layer is unknown, never a pass.
"""

from __future__ import annotations

from typing import Any

from s3repl_tui.checks import denials, facts, fixes
from s3repl_tui.checks.access import Access
from s3repl_tui.checks.denials import joined, pattern
from s3repl_tui.checks.evidence import missing_evidence, unreadable
from s3repl_tui.checks.facts import RoleRef
from s3repl_tui.checks.linting import lint_findings
from s3repl_tui.checks.model import Finding
from s3repl_tui.checks.permissions import ProblemGroup, group, problems_of, unreadable_findings
from s3repl_tui.checks.statements import SetupFacts
from s3repl_tui.policy import NamedPolicy
from s3repl_tui.policy.principals import is_stale_unique_id
from s3repl_tui.probes.snapshot import BucketSnapshot, Snapshot


def _aws_principals(statement: Any) -> list[str]:
    principal = statement.get("Principal") if isinstance(statement, dict) else None
    if not isinstance(principal, dict):
        return []
    values = principal.get("AWS", [])
    return [str(v) for v in (values if isinstance(values, list) else [values])]


def _statements(document: Any) -> list[Any]:
    raw = document.get("Statement", []) if isinstance(document, dict) else []
    return raw if isinstance(raw, list) else [raw]


def _stale(snapshot: Snapshot, bucket: BucketSnapshot, role: RoleRef | None) -> list[Finding]:
    if not bucket.policy.is_ok or not bucket.policy.value:
        return []
    found = []
    for index, statement in enumerate(_statements(bucket.policy.value)):
        for value in _aws_principals(statement):
            if not is_stale_unique_id(value):
                continue
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            fix = (fixes.replace_stale_principal(SetupFacts(snapshot), bucket.name, bucket.owner_account,
                                                 facts.region_of(bucket), value, role.arn, sid, index, statement)
                   if role is not None else None)
            found.append(Finding(
                "destination-policy-stale-principal", "warning",
                f"The bucket policy of {bucket.name} names {value}, the unique id of a deleted role or user; it "
                "matches no one, not even a role recreated with the same name. Name the role by its ARN.",
                bucket.arn, "DstPutObjectNotPermitted",
                {"policy": f"bucket-policy:{bucket.name}", "sid": sid, "index": index, "statement": statement},
                fix))
    return found


def _path_mismatch(bucket: BucketSnapshot | None, role: RoleRef) -> str | None:
    """A principal naming the role by name but with another path (it never matches the role)."""
    if bucket is None or not bucket.policy.is_ok or not bucket.policy.value:
        return None
    for statement in _statements(bucket.policy.value):
        for value in _aws_principals(statement):
            if (value != role.arn and value.startswith(f"arn:aws:iam::{role.account}:role/")
                    and value.rsplit("/", 1)[-1] == role.name):
                return value
    return None


def _missing(snapshot: Snapshot, grp: ProblemGroup, role: RoleRef) -> Finding:
    item = grp.first.item
    bucket = snapshot.destinations.get(item.bucket or "")
    create = bucket is None or not bucket.policy.is_ok
    resources = [pattern(r) for r in grp.resources]
    region = facts.region_of(bucket) if bucket is not None else None
    fix = fixes.amend_destination_policy(SetupFacts(snapshot), item.bucket or "", item.resource_account, region,
                                         role.arn, grp.actions, resources, create)
    evidence = missing_evidence(fix.params["statements"], f"bucket-policy:{item.bucket}", item.request,
                                rules=grp.rules)
    wrong_path = _path_mismatch(bucket, role)
    code = "destination-policy-missing" if create else "destination-policy-missing-grant"
    if wrong_path:
        code = "destination-policy-role-path-mismatch"
        evidence["named_principal"] = wrong_path
    owner = f" (account {item.resource_account})" if item.resource_account else ""
    if create:
        lead = f"The destination bucket {item.bucket}{owner} has no bucket policy, so it doesn't allow"
    elif wrong_path:
        lead = (f"The bucket policy of {item.bucket}{owner} names {wrong_path}, not the role's ARN {role.arn} "
                "(the path differs), so it doesn't allow")
    else:
        lead = f"The bucket policy of {item.bucket}{owner} doesn't allow"
    message = (f"{lead} the replication role from account {role.account} {joined(grp.actions)} on "
               f"{joined(resources)}; cross-account replicas need the destination owner's permission.")
    return Finding(code, grp.severity, message, f"arn:aws:s3:::{item.bucket}", grp.failure_reason, evidence, fix)


def _requester_pays(bucket: BucketSnapshot, role: RoleRef | None) -> list[Finding]:
    cross = facts.is_cross_account(bucket.owner_account, role.account if role else None)
    if cross is False or facts.bucket_missing(bucket):
        return []
    read = bucket.request_payment
    if read.is_error:
        return [unreadable("destination-request-payment-unreadable", f"Request payment of {bucket.name}", read,
                           resource=bucket.arn, judged="whether it is Requester Pays",
                           command=f"aws s3api get-bucket-request-payment --bucket {bucket.name}")]
    if read.is_ok and read.value == "Requester" and cross:
        steps = (f"With the destination owner's credentials: aws s3api put-bucket-request-payment --bucket "
                 f"{bucket.name} --request-payment-configuration Payer=BucketOwner")
        return [Finding("destination-requester-pays", "error",
                        f"The destination bucket {bucket.name} is Requester Pays, which a cross-account "
                        "replication destination can't be; make the bucket owner pay.",
                        bucket.arn, None, {"Payer": "Requester"},
                        fixes.manual("disable-requester-pays", f"Turn off Requester Pays on {bucket.name}.",
                                     bucket.owner_account, "s3:PutBucketRequestPayment", steps, bucket=bucket.name))]
    return []


def _missing_buckets(snapshot: Snapshot) -> list[Finding]:
    """A destination that does not exist has no policy to judge: unknown, never a pass (the rule and
    versioning layers fail with DstBucketNotFound and its manual fix)."""
    names = {r.destination_bucket for r in facts.rule_facts(snapshot.replication) if r.enabled}
    found = []
    for name in sorted(n for n in names if n and n != snapshot.source.name):
        bucket = snapshot.destinations.get(name)
        if bucket is None or not facts.bucket_missing(bucket):
            continue
        found.append(Finding("destination-policy-bucket-not-found", "warning",
                             f"The destination bucket {name} does not exist, so there is no bucket policy to judge "
                             "(DstBucketNotFound, see the rule layer); create the bucket, then check again.",
                             bucket.arn, "DstBucketNotFound",
                             {"bucket": name, "command": f"aws s3api head-bucket --bucket {name}"}, unknown=True))
    return found


def check(snapshot: Snapshot, accesses: tuple[Access, ...]) -> tuple[Finding, ...]:
    role = facts.role_ref(snapshot)

    def keep(a: Access) -> bool:
        return a.item.target == "destination"

    found = _missing_buckets(snapshot)
    found += unreadable_findings(accesses, "resource", "destination-policy-unreadable",
                                 "whether it lets the replication role write replicas", keep)
    for grp in group(problems_of(accesses, "resource", keep), lambda p: p.item.bucket):
        item = grp.first.item
        if grp.kind == "deny":
            tags = grp.actions == ["s3:ReplicateTags"]
            finding = denials.deny_finding("destination-policy-blocks-tags" if tags else "destination-policy-denies",
                                           grp, "the replication role", item.resource_account)
            if tags:
                finding = Finding(finding.code, "warning",
                                  f"{finding.message} Tags won't be replicated (deliberate, if the owner chose it).",
                                  finding.resource, finding.aws_failure_reason, finding.evidence, finding.fix)
            found.append(finding)
        elif grp.kind == "undetermined":
            found.append(denials.undetermined_finding("destination-policy-unverifiable", grp,
                                                      f"the bucket policy of {item.bucket}",
                                                      f"aws s3api get-bucket-policy --bucket {item.bucket}"))
        elif grp.kind == "may-deny":
            found.append(denials.may_deny_finding("destination-policy-may-deny", grp,
                                                  f"The bucket policy of {item.bucket}"))
        elif role is not None:
            found.append(_missing(snapshot, grp, role))
    names = {a.item.bucket for a in accesses if keep(a)}
    for bucket in snapshot.destinations.values():
        if bucket.name not in names:
            continue
        found += _stale(snapshot, bucket, role)
        found += _requester_pays(bucket, role)
        if bucket.policy.is_ok and bucket.policy.value:
            found += lint_findings(NamedPolicy(f"bucket-policy:{bucket.name}", bucket.policy.value), "s3",
                                   bucket.arn, skip=frozenset({"stale-principal"}))
    return tuple(found)
