"""Deciding one request against identity policies, a permissions boundary and a resource policy.

The decision order is AWS's
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html):
1. an applicable Deny in any policy wins;
2. same account: an identity allow inside the boundary suffices, and so does a resource-policy allow
   that names the calling session, the user, or ``*``; one naming the role ARN is still limited by the
   boundary; one naming the account only delegates to the identity policies;
3. cross account: the identity policies (inside the boundary) and the resource policy must both allow;
4. KMS: the key policy must allow (the principal, or its account to delegate to IAM policies), in every
   case (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html);
5. role trust: the trust policy must allow; a service principal needs nothing else, an IAM caller is
   judged as in 2-4 (an explicit Deny in its policies wins; cross-account its identity policies, within
   its boundary, must allow too; same account a trust policy naming the account delegates to them).
SCPs, RCPs and session policies are not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .matching import NormalizedContext, normalize_context, parse_arn
from .model import (
    RESOURCE_KINDS,
    EvaluationResult,
    NamedPolicy,
    PolicyError,
    PolicyPart,
    Request,
    ResourceKind,
    StatementRef,
)
from .parse import ParsedPolicy, ParsedStatement, parse_policy
from .principals import (
    DIRECT_GRANTS,
    GRANT_STRENGTH,
    Caller,
    GrantKind,
    is_stale_unique_id,
    near_miss_role,
    not_principal_excludes,
    parse_caller,
    principal_grant,
)

_MISSING_ORDER: tuple[PolicyPart, ...] = ("identity", "resource", "boundary")


@dataclass
class _Findings:
    """What the statements of one evaluation said."""

    denying: list[StatementRef] = field(default_factory=list)
    identity_allows: list[StatementRef] = field(default_factory=list)
    boundary_allows: list[StatementRef] = field(default_factory=list)
    resource_allows: list[tuple[StatementRef, GrantKind]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Call:
    caller: Caller
    action: str
    resource: str
    context: NormalizedContext
    has_boundary: bool


def _label(policy: object, default: str) -> str:
    return policy.name if isinstance(policy, NamedPolicy) else default


def _ref(label: str, statement: ParsedStatement) -> StatementRef:
    return StatementRef(label, statement.sid, statement.index, statement.raw)


_DEFAULT_LABEL_WORDS = {"resource": "the resource policy", "boundary": "the permissions boundary"}


def _statement_name(label: str, statement: ParsedStatement) -> str:
    name = f'"{statement.sid}"' if statement.sid else f"#{statement.index + 1}"
    return f"statement {name} of {_DEFAULT_LABEL_WORDS.get(label, label)}"


def _action_matches(statement: ParsedStatement, action: str) -> bool:
    hit = any(matcher.matches(action, {}) for matcher in statement.actions)
    return hit != statement.not_action


def _resource_matches(statement: ParsedStatement, call: _Call, resource_optional: bool) -> bool | None:
    """None when a policy variable in Resource cannot be resolved (the statement is then invalid)."""
    if statement.resources is None:
        return resource_optional
    unresolved = False
    hit = False
    for matcher in statement.resources:
        outcome = matcher.matches(call.resource, call.context)
        if outcome is None:
            unresolved = True
        elif outcome:
            hit = True
            break
    if unresolved and not hit:
        return None
    return hit != statement.not_resource


def _conditions_hold(statement: ParsedStatement, call: _Call) -> bool | None:
    unresolved = False
    for test in statement.condition.tests:
        outcome = test.evaluate(call.context)
        if outcome is False:
            return False
        if outcome is None:
            unresolved = True
    return None if unresolved else True


def _principal_grant(statement: ParsedStatement, call: _Call) -> GrantKind | None:
    spec = statement.principal
    if spec is None:
        return None
    if not statement.not_principal:
        return principal_grant(spec, call.caller)
    # NotPrincipal + Deny always hits an IAM principal that has a permissions boundary
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
    boundary_exception = (
        statement.effect == "Deny" and call.has_boundary and call.caller.kind in ("role", "session", "user")
    )
    if boundary_exception or not not_principal_excludes(spec, call.caller):
        return "wildcard"
    return None


def _explain_skip(label: str, statement: ParsedStatement, why: str, notes: list[str]) -> None:
    notes.append(f"{_statement_name(label, statement)} is ignored: {why}.")


def _scan(
    policy: ParsedPolicy,
    label: str,
    call: _Call,
    *,
    is_resource_policy: bool,
    resource_optional: bool,
    findings: _Findings,
    allows: list[StatementRef] | None,
) -> None:
    """Record the statements of one policy that apply to the call."""
    for statement in policy.statements:
        if not statement.actions or not _action_matches(statement, call.action):
            continue
        if not statement.usable:
            if statement.condition.unknown_operators:
                ops = ", ".join(statement.condition.unknown_operators)
                _explain_skip(label, statement, f"unknown condition operator {ops}", findings.notes)
            elif statement.effect is None:
                _explain_skip(label, statement, "Effect must be Allow or Deny", findings.notes)
            else:
                problems = statement.problems + statement.condition.problems
                _explain_skip(label, statement, problems[0], findings.notes)
            continue
        if statement.has_principal != is_resource_policy:
            why = (
                "a resource policy statement needs a Principal"
                if is_resource_policy
                else ("identity policies cannot have a Principal")
            )
            _explain_skip(label, statement, why, findings.notes)
            continue
        resource_hit = _resource_matches(statement, call, resource_optional)
        if resource_hit is None:
            _explain_skip(label, statement, "a policy variable in Resource has no value in the request", findings.notes)
            continue
        if not resource_hit:
            continue
        grant: GrantKind | None = None
        if is_resource_policy:
            grant = _principal_grant(statement, call)
            if grant is None:
                spec = statement.principal
                stale = [value for value in (spec.aws if spec else ()) if is_stale_unique_id(value)]
                if stale:
                    findings.notes.append(
                        f"{_statement_name(label, statement)} names {stale[0]}, the unique id of a deleted "
                        "role or user, which no longer matches anyone."
                    )
                near = near_miss_role(spec, call.caller) if spec else None
                if near is not None:
                    findings.notes.append(
                        f"{_statement_name(label, statement)} names {near}, not {call.caller.raw}: AWS matches "
                        "role ARNs exactly, including the path (console roles live under role/service-role/)."
                    )
                continue
        conditions = _conditions_hold(statement, call)
        if conditions is None:
            _explain_skip(label, statement, "a policy variable in its Condition has no value", findings.notes)
            continue
        if not conditions:
            continue
        ref = _ref(label, statement)
        if statement.effect == "Deny":
            findings.denying.append(ref)
        elif grant is not None:
            findings.resource_allows.append((ref, grant))
        elif allows is not None:
            allows.append(ref)


def _resolve_account(resource_account: str | None, resource: str, caller: Caller) -> str | None:
    if resource_account:
        return str(resource_account)
    arn = parse_arn(resource)
    if arn is not None and arn.account:
        return arn.account
    return caller.account


def _as_list(policies: object) -> list[object]:
    if policies is None:
        return []
    if isinstance(policies, dict | str | bytes | NamedPolicy):
        return [policies]  # one document passed where a list was expected
    if isinstance(policies, Iterable):
        return list(policies)
    raise PolicyError(f"identity_policies must be a list of policy documents, not {type(policies).__name__}.")


def evaluate(
    request: Request,
    identity_policies: Sequence[dict[str, Any] | NamedPolicy] | None = (),
    permission_boundary: dict[str, Any] | NamedPolicy | None = None,
    resource_policy: dict[str, Any] | NamedPolicy | None = None,
    resource_account: str | None = None,
    resource_kind: ResourceKind = "s3",
) -> EvaluationResult:
    """Decide whether ``request`` is allowed, and explain why."""
    if resource_kind not in RESOURCE_KINDS:
        raise PolicyError(f"resource_kind must be one of {', '.join(RESOURCE_KINDS)}, not {resource_kind!r}.")
    principal = str(getattr(request, "principal", ""))
    action = str(getattr(request, "action", ""))
    resource = str(getattr(request, "resource", ""))
    caller = parse_caller(principal)
    call = _Call(
        caller,
        action,
        resource,
        normalize_context(getattr(request, "context", None)),
        permission_boundary is not None and caller.account is not None,
    )

    # A service principal has no identity policies or boundary: the trust policy alone decides for it.
    service_trust = resource_kind == "role-trust" and caller.account is None
    identity_docs = [] if service_trust else _as_list(identity_policies)
    identity = [(_label(doc, f"identity[{i}]"), parse_policy(doc)) for i, doc in enumerate(identity_docs)]
    boundary = None
    if permission_boundary is not None and not service_trust:
        boundary = (_label(permission_boundary, "boundary"), parse_policy(permission_boundary))
    resource_doc = None
    if resource_policy is not None:
        resource_doc = (_label(resource_policy, "resource"), parse_policy(resource_policy))

    findings = _Findings()
    for label, parsed in identity:
        _scan(
            parsed,
            label,
            call,
            is_resource_policy=False,
            resource_optional=False,
            findings=findings,
            allows=findings.identity_allows,
        )
    if boundary is not None:
        _scan(
            boundary[1],
            boundary[0],
            call,
            is_resource_policy=False,
            resource_optional=False,
            findings=findings,
            allows=findings.boundary_allows,
        )
    if resource_doc is not None:
        # Key policies and trust policies may omit Resource: it then means this key / this role.
        _scan(
            resource_doc[1],
            resource_doc[0],
            call,
            is_resource_policy=True,
            resource_optional=resource_kind != "s3",
            findings=findings,
            allows=None,
        )

    account = _resolve_account(resource_account, resource, caller)
    cross_account = caller.account is not None and account is not None and account != caller.account
    return _decide(call, findings, resource_kind, cross_account, boundary is not None, resource_doc is not None)


def _best_grant(allows: list[tuple[StatementRef, GrantKind]]) -> GrantKind | None:
    best: GrantKind | None = None
    for _, grant in allows:
        if best is None or GRANT_STRENGTH[grant] < GRANT_STRENGTH[best]:
            best = grant
    return best


def _decide(
    call: _Call,
    findings: _Findings,
    kind: str,
    cross_account: bool,
    has_boundary: bool,
    has_resource_policy: bool,
) -> EvaluationResult:
    caller = call.caller
    allowing_all = tuple(findings.identity_allows + findings.boundary_allows + [r for r, _ in findings.resource_allows])
    notes = tuple(dict.fromkeys(findings.notes))
    words = _Words(call, kind, cross_account, has_resource_policy)
    if findings.denying:
        return EvaluationResult(
            False,
            "explicit-deny",
            allowing_all,
            tuple(findings.denying),
            (),
            words.explicit_deny(findings.denying[0]),
            cross_account,
            notes,
        )

    identity_ok = caller.kind == "root" or bool(findings.identity_allows)  # root needs no IAM policy
    boundary_ok = not has_boundary or bool(findings.boundary_allows)
    resource_ok = bool(findings.resource_allows)
    grant = _best_grant(findings.resource_allows)
    missing: list[PolicyPart] = []

    def lacking(*parts: PolicyPart) -> None:
        checks = {"identity": identity_ok, "boundary": boundary_ok, "resource": resource_ok}
        missing.extend(part for part in parts if not checks[part])

    if caller.account is None:
        # Service principals and the like have no identity policies: the resource policy decides.
        allowed = resource_ok
        lacking("resource")
    elif kind in ("kms", "role-trust"):  # the key policy / trust policy must allow, in every case
        if not resource_ok:
            allowed = False
            lacking("resource", "boundary", *(("identity",) if cross_account else ()))
        elif not cross_account and grant in DIRECT_GRANTS:
            allowed = True
        elif not cross_account and grant == "role":
            allowed = boundary_ok
            lacking("boundary")
        else:  # the key policy names the account (or it is cross-account): IAM policies must allow too
            allowed = identity_ok and boundary_ok
            lacking("identity", "boundary")
    elif cross_account:
        allowed = identity_ok and boundary_ok and resource_ok
        lacking("identity", "resource", "boundary")
    else:
        identity_path = identity_ok and boundary_ok
        allowed = identity_path or grant in DIRECT_GRANTS or (grant == "role" and boundary_ok)
        if grant == "role":
            lacking("boundary")
        else:
            lacking("identity", "boundary")

    ordered = tuple(part for part in _MISSING_ORDER if part in missing)
    if allowed:
        return EvaluationResult(True, "allow", allowing_all, (), (), words.allow(findings, grant), cross_account, notes)
    return EvaluationResult(
        False,
        "implicit-deny",
        allowing_all,
        (),
        ordered,
        words.implicit_deny(ordered, grant),
        cross_account,
        notes,
    )


class _Words:
    """The one-sentence explanations."""

    def __init__(self, call: _Call, kind: str, cross_account: bool, has_resource_policy: bool) -> None:
        self.call = call
        self.kind = kind
        self.cross_account = cross_account
        self.has_resource_policy = has_resource_policy
        caller_kind = call.caller.kind
        owner = {"role": "role's", "session": "role's", "user": "user's"}.get(caller_kind, "principal's")
        self.identity = f"the {owner} policies"
        self.resource = {
            "s3": "the bucket policy",
            "kms": "the key policy",
            "role-trust": "the trust policy",
        }[kind]
        self.boundary = "the permissions boundary"

    def _part(self, part: str) -> str:
        return {"identity": self.identity, "resource": self.resource, "boundary": self.boundary}[part]

    def _where(self, ref: StatementRef) -> str:
        name = f'"{ref.sid}"' if ref.sid else f"#{ref.index + 1}"
        if ref.policy == "resource":
            return f"statement {name} of {self.resource}"
        if ref.policy == "boundary":
            return f"statement {name} of {self.boundary}"
        return f"statement {name} of {ref.policy}"

    def explicit_deny(self, ref: StatementRef) -> str:
        c = self.call
        return (
            f"Denied: {self._where(ref)} explicitly denies {c.caller.raw} calling {c.action} "
            f"on {c.resource or '*'} (an explicit Deny overrides every Allow)."
        )

    def allow(self, findings: _Findings, grant: GrantKind | None) -> str:
        c = self.call
        sources: list[str] = []
        if findings.identity_allows:
            sources.append(self.identity)
        if findings.resource_allows:
            sources.append(self.resource)
        if not sources:
            sources.append("the account root user's implicit permissions")
        subject = " and ".join(sources)
        verb = "allow" if len(sources) > 1 or sources[0].endswith("policies") else "allows"
        return f"Allowed: {subject} {verb} {c.caller.raw} to call {c.action} on {c.resource or '*'}."

    def implicit_deny(self, missing: tuple[PolicyPart, ...], grant: GrantKind | None) -> str:
        c = self.call
        target = f"{c.caller.raw} to call {c.action} on {c.resource or '*'}"
        if missing == ("boundary",):
            return (
                f"Denied: {self.boundary} does not allow {c.action} on {c.resource or '*'}, so the allow "
                f"for {c.caller.raw} has no effect (a boundary caps what the role's policies and a resource "
                "policy naming the role can grant)."
            )
        if self.kind == "kms" and "resource" in missing:
            return (
                f"Denied: no statement in {self.resource} allows {target} (AWS KMS ignores IAM policies "
                "unless the key policy allows the principal or its account)."
            )
        if self.kind == "role-trust" and missing == ("resource",):
            return f"Denied: no statement in {self.resource} allows {target}."
        parts = " or ".join(self._part(part) for part in missing) or self.identity
        if self.cross_account:
            suffix = " (cross-account requests need both the role's policies and the resource policy)."
        elif self.kind == "kms" and grant == "account":
            suffix = " (the key policy only delegates to the account, so IAM policies must allow it)."
        elif self.has_resource_policy and grant == "account":
            suffix = f" ({self.resource} only names the account, which delegates to its IAM policies)."
        else:
            suffix = "."
        return f"Denied: no statement in {parts} allows {target}{suffix}"
