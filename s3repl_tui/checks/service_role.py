"""Layer 3: the service role. It exists at the exact ARN in the rule, its trust policy lets
``s3.amazonaws.com`` assume it (catalog §3.1), and its permission policies, within any boundary, allow
every S3 action replication needs on the right resources (catalog §3.2). Explicit Denies in its
policies or boundary fail it. (A path that differs from the rule's ARN is the ``rule`` layer's.)
"""

from __future__ import annotations

from collections.abc import Callable

from s3repl_tui.checks import access, denials, doubt, facts, fixes
from s3repl_tui.checks.access import Access
from s3repl_tui.checks.denials import joined, pattern
from s3repl_tui.checks.evidence import missing_evidence, request_evidence, unreadable
from s3repl_tui.checks.facts import RoleRef
from s3repl_tui.checks.linting import lint_findings
from s3repl_tui.checks.model import Finding
from s3repl_tui.checks.permissions import ProblemGroup, group, problems_of, unreadable_findings
from s3repl_tui.checks.requests import ReplicationRequest
from s3repl_tui.checks.statements import SetupFacts
from s3repl_tui.policy import NamedPolicy
from s3repl_tui.probes.snapshot import Snapshot

_S3_TARGETS = ("source", "destination")


def _role_exists(snapshot: Snapshot, role: RoleRef) -> list[Finding]:
    read = snapshot.role.role if snapshot.role is not None else None
    if role.exists is False:
        return [Finding(
            "role-not-found", "error",
            f"The replication role {role.written_arn} does not exist, so S3 cannot assume it "
            "(AssumeRoleNotPermitted); create it or point the rule at an existing role.",
            role.written_arn, "AssumeRoleNotPermitted",
            {"role": role.written_arn, "command": f"aws iam get-role --role-name {role.name}"},
            fixes.manual("create-role", f"Create the replication role {role.name}.", role.account,
                         "iam:CreateRole",
                         f"aws iam create-role --role-name {role.name} --assume-role-policy-document "
                         + fixes.cli_document({"Version": "2012-10-17", "Statement": [
                             {"Effect": "Allow", "Principal": {"Service": fixes.S3_SERVICE},
                              "Action": "sts:AssumeRole"}]})
                         + ", then grant it the permissions this report lists.",
                         role_name=role.name, role_arn=role.written_arn))]
    if read is not None and read.is_error:
        return [unreadable("role-unreadable", f"The role {role.name}", read, resource=role.written_arn,
                           judged="its trust and permissions", command=f"aws iam get-role --role-name {role.name}")]
    return []


def _trust(snapshot: Snapshot, accesses: tuple[Access, ...], role: RoleRef) -> list[Finding]:
    info = snapshot.role
    if info is None or not info.role.is_ok or not info.role.value:
        return []  # unreadable or missing role: said by _role_exists
    trust = NamedPolicy(f"trust-policy:{role.name}", info.role.value.get("AssumeRolePolicyDocument"))
    found = lint_findings(trust, "role-trust", role.arn)
    command = f"aws iam get-role --role-name {role.name}"
    for grp in group(problems_of(accesses, "resource", lambda a: a.item.target == "trust"), lambda p: 0):
        item = grp.first.item
        if grp.kind == "undetermined":
            where = f"the trust policy of {role.name}"
            found.append(denials.undetermined_finding("role-trust-unverifiable", grp, where, command))
        elif grp.kind == "deny":
            found.append(denials.deny_finding("role-trust-denies", grp, fixes.S3_SERVICE, role.account))
        elif grp.kind == "missing" and (unmet := _unmet_trust_condition(item, trust, role)) is not None:
            found.append(unmet)
        elif grp.kind == "missing":
            fix = fixes.add_trust_s3_principal(role.name, role.arn, role.account)
            found.append(Finding(
                "role-trust-missing-s3", "error",
                f"The trust policy of {role.name} does not let {fixes.S3_SERVICE} assume it, so replication fails "
                "with AssumeRoleNotPermitted; add the S3 service principal.", role.arn, "AssumeRoleNotPermitted",
                missing_evidence(fix.params["statements"], trust.name, item.request, command=command), fix))
    return found


# What S3 sends on each trust key it could be conditioned on, for the message.
_TRUST_KEY_WORDS = {
    "sts:externalid": "S3 never passes an external ID when it assumes a role",
    "aws:sourceaccount": "S3 sends the source bucket's account",
    "aws:sourcearn": "S3 sends the source bucket's ARN",
}


def _written_condition_keys(trust: NamedPolicy) -> tuple[str, ...]:
    keys: dict[str, str] = {}
    for statement in doubt.statements(trust.document):
        condition = statement.get("Condition") if isinstance(statement, dict) else None
        for block in (condition or {}).values() if isinstance(condition, dict) else ():
            if isinstance(block, dict):
                keys.update({str(key).lower(): str(key) for key in block})
    return tuple(keys.values())


def _unmet_trust_condition(item: ReplicationRequest, trust: NamedPolicy, role: RoleRef) -> Finding | None:
    """The trust policy lets S3 in but for a condition on a key S3 sends otherwise (or never sends):
    say which, rather than "add the S3 principal" (the key pages cited in tests/checks/test_trust_conditions)."""
    culprits = access.culprit_keys(item, (), None, trust, item.resource_account, _written_condition_keys(trust))
    if not culprits:
        return None
    key = culprits[0]
    sent = item.request.context.get(key) or next(
        (v for k, v in item.request.context.items() if k.lower() == key.lower()), None)
    words = _TRUST_KEY_WORDS.get(key.lower(), f"S3 sends no value for {key} that matches")
    if sent is not None and key.lower() != "sts:externalid":
        words += f" ({sent})"
    fix = fixes.add_trust_s3_principal(role.name, role.arn, role.account)
    return Finding(
        "role-trust-condition-unmet", "error",
        f"The trust policy of {role.name} lets {fixes.S3_SERVICE} assume it only under a condition on {key}, "
        f"which S3 cannot meet: {words}; replication fails with AssumeRoleNotPermitted, so change or drop "
        "that condition.", role.arn, "AssumeRoleNotPermitted",
        {"condition_keys": list(culprits), "sent": {k: item.request.context.get(k) for k in culprits},
         "policy": trust.name, "request": request_evidence(item.request)},
        fix)


def _missing(snapshot: Snapshot, grp: ProblemGroup, role: RoleRef) -> Finding:
    actions, resources = grp.actions, [pattern(r) for r in grp.resources]
    fix = fixes.add_role_s3_permissions(SetupFacts(snapshot), role.name, role.arn, role.account, actions, resources)
    why = grp.first.item.why
    tail = (f" ({grp.failure_reason})" if grp.failure_reason else "")
    message = (f"The role {role.name} is not allowed {joined(actions)} on {joined(resources)}, which S3 needs "
               f"{why}{tail}; add it to the role's policy.")
    if grp.severity != "error":
        message = (f"The role {role.name} is not allowed {joined(actions)} on {joined(resources)}, needed {why}; "
                   "add it unless you don't use this feature.")
    return Finding("role-permission-missing", grp.severity, message, grp.first.item.request.resource,
                   grp.failure_reason, missing_evidence(fix.params["statements"], f"role:{role.name}",
                                                        grp.first.item.request, rules=grp.rules), fix)


def _boundary(code: str, grp: ProblemGroup, role: RoleRef, boundary: str) -> Finding:
    resources = [pattern(r) for r in grp.resources]
    message = (f"The permissions boundary of {role.name} does not allow {joined(grp.actions)} on "
               f"{joined(resources)}, so the role's own Allow has no effect; extend the boundary.")
    return Finding(code, grp.severity, message, grp.first.item.request.resource,
                   grp.failure_reason,
                   {"policy": boundary, "request": request_evidence(grp.first.item.request),
                    "missing": {"Effect": "Allow", "Action": grp.actions, "Resource": resources}},
                   denials.boundary_fix(boundary, grp.actions, resources, role.account))


def boundary_name(snapshot: Snapshot) -> str:
    role = snapshot.role
    if role is not None and role.role.is_ok and role.role.value:
        arn = (role.role.value.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if arn:
            return str(arn)
    return "the permissions boundary"


MissingRenderer = Callable[[ProblemGroup, RoleRef], Finding]


def identity_findings(snapshot: Snapshot, accesses: tuple[Access, ...], role: RoleRef, kms: bool,
                      render_missing: MissingRenderer | None = None) -> list[Finding]:
    """Problems of the role's identity side, for S3 (this layer) or KMS (``role-kms``) requests."""
    keep = (lambda a: a.item.target == "kms") if kms else (lambda a: a.item.target in _S3_TARGETS)
    prefix = "role-kms" if kms else "role"
    found = unreadable_findings(accesses, "identity", f"{prefix}-policies-unreadable",
                                "the role's KMS permissions" if kms else "the role's permissions", keep)
    problems = problems_of(accesses, "identity", keep)
    for grp in group(problems, lambda p: (p.item.request.resource if kms else pattern(p.item.request.resource),
                                          p.item.key_ref)):
        if grp.kind == "deny":
            ref = grp.first.refs[0]
            code = f"{prefix}-boundary-denies" if ref.policy.startswith("boundary:") else f"{prefix}-policy-denies"
            found.append(denials.deny_finding(code, grp, f"the role {role.name}", role.account, role.name))
        elif grp.kind == "boundary":
            found.append(_boundary(f"{prefix}-boundary-blocks", grp, role, boundary_name(snapshot)))
        elif grp.kind == "undetermined":
            found.append(denials.undetermined_finding(f"{prefix}-permission-unverifiable", grp,
                                                      f"the policies of {role.name}",
                                                      f"aws iam list-role-policies --role-name {role.name}"))
        elif grp.kind == "may-deny":
            found.append(denials.may_deny_finding(f"{prefix}-permission-may-be-denied", grp,
                                                  f"The policies of {role.name}"))
        elif render_missing is not None:
            found.append(render_missing(grp, role))
        else:
            found.append(_missing(snapshot, grp, role))
    return found


def _lint(snapshot: Snapshot, role: RoleRef) -> list[Finding]:
    info = snapshot.role
    if info is None:
        return []
    found: list[Finding] = []
    if info.inline_policies.is_ok and info.inline_policies.value:
        for name, doc in info.inline_policies.value.items():
            found += lint_findings(NamedPolicy(f"inline:{name}", doc), "identity", role.arn)
    if info.attached_policies.is_ok and info.attached_policies.value:
        for arn, doc in info.attached_policies.value.items():
            found += lint_findings(NamedPolicy(arn, doc), "identity", role.arn)
    if info.boundary.is_ok and info.boundary.value:
        found += lint_findings(NamedPolicy(boundary_name(snapshot), info.boundary.value), "boundary", role.arn)
    return found


def check(snapshot: Snapshot, accesses: tuple[Access, ...]) -> tuple[Finding, ...]:
    role = facts.role_ref(snapshot)
    if role is None:
        return ()  # no configuration (unknown, see judge) or no role in it (the rule layer says so)
    found = _role_exists(snapshot, role)
    if role.exists is False:
        return tuple(found)
    found += _trust(snapshot, accesses, role)
    found += identity_findings(snapshot, accesses, role, kms=False)
    found += _lint(snapshot, role)
    return tuple(found)
