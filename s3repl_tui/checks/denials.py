"""Findings every permission layer words the same way: an explicit Deny, a boundary that doesn't allow,
a decision that hinges on context keys S3 may or may not send."""

from __future__ import annotations

from s3repl_tui.checks import fixes
from s3repl_tui.checks.evidence import request_evidence, statement_evidence
from s3repl_tui.checks.facts import PROBE_OBJECT
from s3repl_tui.checks.model import Finding, FixHint
from s3repl_tui.checks.permissions import ProblemGroup


def pattern(resource: str) -> str:
    """The resource a statement should name: the rule's prefix (any object) instead of our probe key."""
    return resource[: -len(PROBE_OBJECT)] + "*" if resource.endswith(PROBE_OBJECT) else resource


def joined(items: list[str]) -> str:
    return ", ".join(items)


def _read_command(policy: str, account: str | None) -> tuple[str, str]:
    """(api to change it, command to read it) for a policy label."""
    kind, _, name = policy.partition(":")
    if kind == "inline":
        return "iam:PutRolePolicy", f"aws iam get-role-policy --role-name <role> --policy-name {name}"
    if kind == "bucket-policy":
        return "s3:PutBucketPolicy", f"aws s3api get-bucket-policy --bucket {name}"
    if kind == "key-policy":
        return "kms:PutKeyPolicy", f"aws kms get-key-policy --key-id {name} --policy-name default"
    if kind == "trust-policy":
        return "iam:UpdateAssumeRolePolicy", f"aws iam get-role --role-name {name}"
    if kind == "boundary":
        return "iam:CreatePolicyVersion", f"aws iam get-policy --policy-arn {name}"
    return "iam:CreatePolicyVersion", f"aws iam get-policy --policy-arn {policy}"


def deny_finding(code: str, group: ProblemGroup, who: str, account: str | None,
                 role_name: str | None = None) -> Finding:
    ref = group.first.refs[0]
    api, command = _read_command(ref.policy, account)
    if role_name:
        command = command.replace("<role>", role_name)
    where = f"statement {ref.sid!r}" if ref.sid else f"statement #{ref.index + 1}"
    resources = joined([pattern(r) for r in group.resources])
    message = (f"{where} of {ref.policy} explicitly denies {who} {joined(group.actions)} on {resources}; "
               "remove or narrow that Deny.")
    return Finding(code, group.severity, message, group.first.item.request.resource, group.failure_reason,
                   statement_evidence(group.first.refs, group.first.item.request),
                   fixes.remove_deny(ref.policy, ref.sid, ref.index, ref.statement, account, api, command))


def undetermined_finding(code: str, group: ProblemGroup, where: str, command: str) -> Finding:
    """Unknown: whether the statement applies depends on context keys AWS doesn't document for S3."""
    keys = sorted({key for p in group.problems for key in p.keys})
    request = group.first.item.request
    message = (f"Whether {where} lets S3 {joined(group.actions)} on {joined([pattern(r) for r in group.resources])} "
               f"depends on condition keys ({joined(keys)}) that AWS does not document for replication requests.")
    return Finding(code, "warning", message, request.resource, group.failure_reason,
                   {"reason": f"conditions on {joined(keys)} can't be evaluated for S3's replication requests",
                    "keys": keys, "request": request_evidence(request), "command": command}, unknown=True)


def may_deny_finding(code: str, group: ProblemGroup, where: str) -> Finding:
    keys = sorted({key for p in group.problems for key in p.keys})
    request = group.first.item.request
    message = (f"{where}: {joined(group.actions)} is allowed only as long as conditions on {joined(keys)} hold; "
               "AWS does not document these keys for S3 replication requests, so they may deny it.")
    return Finding(code, "warning", message, request.resource, group.failure_reason,
                   {"keys": keys, "request": request_evidence(request)})


def boundary_fix(boundary: str, actions: list[str], resources: list[str], account: str | None) -> FixHint:
    steps = (f"Add {joined(actions)} on {joined(resources)} to the permissions boundary {boundary} (a new default "
             f"version), or remove the boundary: aws iam get-policy --policy-arn {boundary}")
    return fixes.manual("edit-permissions-boundary", f"Let the permissions boundary allow {joined(actions)}.",
                        account, "iam:CreatePolicyVersion", steps, boundary=boundary, actions=actions,
                        resources=resources)
