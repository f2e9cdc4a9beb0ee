"""Judge every replication request three ways: the role's side alone (identity policies within the
boundary), the resource's side alone (bucket, key or trust policy), and both together as AWS does.

Layers own sides: ``service-role``/``role-kms`` the identity side, ``destination-policy``,
``source-policy`` and ``key-policy`` the resource side. The combined decision keeps a layer from
failing a request that AWS allows anyway (a same-account bucket policy naming the role grants it even
when the role's own policies don't [IAM policy evaluation logic]).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

from s3repl_tui.checks import decisions, doubt, facts, grants
from s3repl_tui.checks.requests import ReplicationRequest
from s3repl_tui.policy import EvaluationResult, NamedPolicy, ResourceKind, evaluate
from s3repl_tui.probes.snapshot import Read, ReadError, Snapshot

Doubt = Literal["", "may-allow", "may-deny"]
Side = Literal["identity", "resource"]

# Stand-ins for "the other side allows": judging one side alone.
ALLOW_EVERYTHING = NamedPolicy("assumed:other-side-allows", {
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
})


_OTHER_SIDE_ALLOWS = (ALLOW_EVERYTHING,)


@functools.lru_cache(maxsize=64)
def _delegating_key_policy(account: str) -> NamedPolicy:
    """A default key policy (delegates to the account's IAM) to judge the role's IAM side of a key."""
    return NamedPolicy("assumed:default-key-policy", {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                       "Action": "kms:*", "Resource": "*"}],
    })


@dataclass(frozen=True)
class Judgement:
    result: EvaluationResult
    doubt: Doubt = ""
    doubtful_keys: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.result.allowed

    @property
    def certain_deny(self) -> bool:
        return not self.result.allowed and self.doubt != "may-allow"


@dataclass(frozen=True)
class Unreadable:
    what: str
    read: Read[Any]
    resource: str | None
    command: str = ""


@dataclass(frozen=True)
class SideResult:
    judgement: Judgement | None
    unreadable: tuple[Unreadable, ...] = ()
    skipped: str = ""  # non-empty: nothing to judge (e.g. the destination bucket does not exist)


@dataclass(frozen=True)
class Access:
    item: ReplicationRequest
    identity: SideResult
    resource: SideResult
    combined: Judgement | None

    def side(self, side: Side) -> SideResult:
        return self.identity if side == "identity" else self.resource


@dataclass(frozen=True)
class RoleInputs:
    policies: tuple[NamedPolicy, ...]
    boundary: NamedPolicy | None
    unreadable: tuple[Unreadable, ...]
    account: str | None


def role_inputs(snapshot: Snapshot) -> RoleInputs | None:
    role = snapshot.role
    if role is None:
        return None
    role_ref = facts.role_ref(snapshot)
    if role_ref is not None and role_ref.exists is False:
        return None
    missing: list[Unreadable] = []
    policies: list[NamedPolicy] = []
    name = role.name
    for read, label, command in (
        (role.inline_policies, "inline:", f"aws iam list-role-policies --role-name {name}"),
        (role.attached_policies, "", f"aws iam list-attached-role-policies --role-name {name}"),
    ):
        if read.is_ok and read.value is not None:
            policies += [NamedPolicy(f"{label}{key}", doc) for key, doc in read.value.items()]
        elif read.is_error:
            what = "the role's inline policies" if label else "the role's managed policies"
            missing.append(Unreadable(what, read, role.arn, command))
    boundary: NamedPolicy | None = None
    if role.boundary.is_ok and role.boundary.value is not None:
        arn = ""
        if role.role.is_ok and role.role.value:
            arn = str((role.role.value.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""))
        boundary = NamedPolicy(f"boundary:{arn or 'permissions-boundary'}", role.boundary.value)
    elif role.boundary.is_error:
        missing.append(Unreadable("the role's permissions boundary", role.boundary, role.arn,
                                  f"aws iam get-role --role-name {name}"))
    return RoleInputs(tuple(policies), boundary, tuple(missing), role.account)


def _documents(*policies: NamedPolicy | None) -> list[Any]:
    return [p.document for p in policies if p is not None]


def _resolved(policy: NamedPolicy | None, keys: tuple[str, ...], mode: doubt.Mode) -> NamedPolicy | None:
    return None if policy is None else NamedPolicy(policy.name, doubt.resolve(policy.document, keys, mode))


@decisions.cached_judgement  # identical requests across rules are judged once
def judge_request(item: ReplicationRequest, identity: tuple[NamedPolicy, ...], boundary: NamedPolicy | None,
                  resource_policy: NamedPolicy | None, resource_account: str | None) -> Judgement:
    kind: ResourceKind = "role-trust" if item.target == "trust" else "kms" if item.target == "kms" else "s3"

    def run(ids: tuple[NamedPolicy, ...], bound: NamedPolicy | None, res: NamedPolicy | None) -> EvaluationResult:
        return evaluate(item.request, identity_policies=list(ids), permission_boundary=bound,
                        resource_policy=res, resource_account=resource_account, resource_kind=kind)

    actual = run(identity, boundary, resource_policy)
    keys = doubt.undetermined_keys(_documents(*identity, boundary, resource_policy), item.request.context,
                                   item.absent_keys)
    if not keys:
        return Judgement(actual)
    mode: doubt.Mode = "pessimistic" if actual.allowed else "optimistic"
    if actual.allowed:
        keys = tuple(key for key in keys if key not in doubt.NO_DENY_DOUBT)
        if not keys:
            return Judgement(actual)
    other = run(tuple(_resolved(p, keys, mode) or p for p in identity), _resolved(boundary, keys, mode),
                _resolved(resource_policy, keys, mode))
    if other.allowed == actual.allowed:
        return Judgement(actual)
    return Judgement(actual, "may-deny" if actual.allowed else "may-allow", keys)


def _resource_input(snapshot: Snapshot, item: ReplicationRequest) -> tuple[NamedPolicy | None, Unreadable | None, str]:
    """The resource policy of the request's target: (policy or None, what could not be read, skip reason)."""
    if item.target == "trust":
        role = snapshot.role
        if role is None or not role.role.is_ok or not role.role.value:
            read = role.role if role is not None else Read.pending("iam:GetRole")
            return None, Unreadable("the role's trust policy", read, item.request.resource), ""
        return NamedPolicy(f"trust-policy:{role.name}", role.role.value.get("AssumeRolePolicyDocument")), None, ""
    if item.target == "kms":
        key = facts.key_snapshot(snapshot, item.key_ref)
        if key is None:
            pending: Read[Any] = Read.pending("kms:DescribeKey")
            return None, Unreadable(f"the key {item.key_ref}", pending, item.request.resource), ""
        if key.metadata.is_absent:
            return None, None, "the key does not exist"
        if key.policy.is_error:
            return None, Unreadable(f"the key policy of {item.key_ref}", key.policy, item.request.resource,
                                    f"aws kms get-key-policy --key-id {item.request.resource or item.key_ref} "
                                    "--policy-name default"), ""
        document = key.policy.value if key.policy.is_ok else None
        if key.grants.is_ok and key.grants.value:
            document = grants.with_grants(document, key.grants.value)  # grants count alongside the policy
        named = NamedPolicy(f"key-policy:{item.request.resource}", document) if document is not None else None
        return named, None, ""
    bucket = snapshot.source if item.target == "source" else snapshot.destinations.get(item.bucket or "")
    if bucket is None:
        pending_bucket: Read[Any] = Read.pending("s3:HeadBucket")
        return None, Unreadable(f"the bucket {item.bucket}", pending_bucket, f"arn:aws:s3:::{item.bucket}"), ""
    if facts.bucket_missing(bucket):
        return None, None, "the bucket does not exist"
    if bucket.policy.is_error:
        return None, Unreadable(f"the bucket policy of {bucket.name}", bucket.policy, bucket.arn,
                                f"aws s3api get-bucket-policy --bucket {bucket.name}"), ""
    label = f"bucket-policy:{bucket.name}"
    return (NamedPolicy(label, bucket.policy.value) if bucket.policy.is_ok else None), None, ""


def _unresolved(item: ReplicationRequest) -> Unreadable:
    """A key reference (alias, key id) that never resolved to a key ARN: policies can't be judged for it."""
    key = item.key_ref or ""
    read: Read[Any] = Read.failed(ReadError("other", "KeyNotResolved", f"{key} did not resolve to a key ARN.",
                                            "kms:DescribeKey", command=f"aws kms describe-key --key-id {key}"))
    return Unreadable(f"the key {key}", read, key)


def _identity_call(item: ReplicationRequest, role: RoleInputs | None) -> SideResult | decisions.Call:
    """The role's side: a result without a judgement, or the judge_request call that judges it."""
    if item.target == "trust":  # the trust policy alone decides AssumeRole by a service principal
        return SideResult(None, skipped="not an identity request")
    if role is None:
        return SideResult(None, skipped="the role does not exist or is not named")
    if role.unreadable:
        return SideResult(None, role.unreadable)
    if item.unresolved:
        return SideResult(None, (_unresolved(item),))
    stand_in, account = identity_stand_in(item, role)
    return role.policies, role.boundary, stand_in, account


def identity_stand_in(item: ReplicationRequest, role: RoleInputs) -> tuple[NamedPolicy | None, str]:
    """(resource policy, resource account) that make a request judge the role's IAM side alone."""
    account = role.account or facts.arn_account(item.request.principal) or ""
    return (_delegating_key_policy(account) if item.target == "kms" else None), account


# Stands in for the role's boundary when judging the resource side alone: whether the role has one
# changes what a resource policy's Deny with NotPrincipal does (it then always denies,
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html),
# while what the boundary caps belongs to the role's side.
ANY_BOUNDARY = NamedPolicy("assumed:role-has-a-boundary", ALLOW_EVERYTHING.document)


def _boundary_stand_in(item: ReplicationRequest, role: RoleInputs | None) -> NamedPolicy | None:
    if item.target == "trust" or role is None or role.boundary is None:
        return None
    return ANY_BOUNDARY


def _unless_grants_unread(snapshot: Snapshot, item: ReplicationRequest, resource: SideResult) -> SideResult:
    """A key policy that does not allow the role may be made up for by a grant: with the grant list
    unread that is unknown, not a fail (an explicit Deny still fails: no grant overrides it)."""
    judged = resource.judgement
    if item.target != "kms" or judged is None or judged.allowed or judged.result.decision == "explicit-deny":
        return resource
    key = facts.key_snapshot(snapshot, item.key_ref)
    if key is None or not key.grants.is_error:
        return resource
    command = f"aws kms list-grants --key-id {item.request.resource or item.key_ref}"
    return SideResult(None, (Unreadable(f"the grants of {item.key_ref}", key.grants, item.request.resource, command),))


def _input_key(item: ReplicationRequest) -> tuple[object, ...]:
    """What ``_resource_input`` reads of a request (its bucket's, key's or role's policy)."""
    if item.target in ("source", "destination"):
        return item.target, item.bucket
    return item.target, item.key_ref, item.request.resource


def _calls(snapshot: Snapshot, item: ReplicationRequest, role: RoleInputs | None,
           inputs: dict[tuple[object, ...], tuple[NamedPolicy | None, Unreadable | None, str]]
           ) -> tuple[SideResult | None, SideResult | None, tuple[decisions.Call, decisions.Call, decisions.Call]]:
    """(identity result or None, resource result or None, the judge_request calls that judge the rest)."""
    identity_call = _identity_call(item, role)
    input_key = _input_key(item)
    if input_key not in inputs:
        inputs[input_key] = _resource_input(snapshot, item)
    policy, missing, skipped = inputs[input_key]
    resource_call: decisions.Call = None
    combined_call: decisions.Call = None
    if skipped:
        resource: SideResult | None = SideResult(None, skipped=skipped)
    elif missing is not None:
        resource = SideResult(None, (missing,))
    elif item.unresolved:
        resource = SideResult(None, (_unresolved(item),))
    else:
        resource = None
        stand_in = () if item.target == "trust" else _OTHER_SIDE_ALLOWS
        resource_call = (stand_in, _boundary_stand_in(item, role), policy, item.resource_account)
        if role is not None and not role.unreadable and item.target != "trust":
            combined_call = (role.policies, role.boundary, policy, item.resource_account)
    if isinstance(identity_call, SideResult):
        return identity_call, resource, (None, resource_call, combined_call)
    return None, resource, (identity_call, resource_call, combined_call)


def _shape(item: ReplicationRequest) -> tuple[object, ...]:
    """All ``_calls`` reads of a request: requests of one shape (every rule's requests to one bucket or
    key, for instance) are judged with the same calls."""
    return (_input_key(item), item.target, item.unresolved, item.key_ref, item.request.principal,
            item.resource_account)


def assess(snapshot: Snapshot, items: tuple[ReplicationRequest, ...]) -> tuple[Access, ...]:
    role = role_inputs(snapshot)
    assessed: list[Access] = []
    # One policy object per resource: every rule's requests to a bucket or key judge the same document.
    inputs: dict[tuple[object, ...], tuple[NamedPolicy | None, Unreadable | None, str]] = {}
    shapes: dict[tuple[object, ...], tuple[SideResult | None, SideResult | None,
                                           tuple[decisions.Call, decisions.Call, decisions.Call]]] = {}
    for item in items:
        shape = _shape(item)
        found = shapes.get(shape)
        if found is None:
            found = shapes[shape] = _calls(snapshot, item, role, inputs)
        identity_result, resource, calls = found
        # Identical requests across rules (and requests the documents can't tell apart) are judged once.
        judged = decisions.judge_together(judge_request, item, calls)
        identity = identity_result if identity_result is not None else SideResult(judged[0])
        if resource is None:
            resource = _unless_grants_unread(snapshot, item, SideResult(judged[1]))
        combined = resource.judgement if item.target == "trust" else None  # the trust policy alone decides
        if calls[2] is not None and resource.judgement is not None:
            combined = judged[2]
        assessed.append(Access(item, identity, resource, combined))
    return tuple(assessed)


def culprit_keys(item: ReplicationRequest, identity: tuple[NamedPolicy, ...], boundary: NamedPolicy | None,
                 resource_policy: NamedPolicy | None, resource_account: str | None,
                 candidates: tuple[str, ...]) -> tuple[str, ...]:
    """Which of ``candidates`` (condition keys) alone keep the request from being allowed: resolving the
    conditions on that key as satisfied turns the decision into an allow."""
    documents = _documents(*identity, boundary, resource_policy)
    used = {key for document in documents for statement in doubt.statements(document)
            for key in doubt.condition_keys(statement)}
    found = []
    for key in candidates:
        if key.lower() not in used:
            continue
        keys = (key,)
        judged = judge_request(item, tuple(_resolved(p, keys, "optimistic") or p for p in identity),
                               _resolved(boundary, keys, "optimistic"),
                               _resolved(resource_policy, keys, "optimistic"), resource_account)
        if judged.allowed:
            found.append(key)
    return tuple(found)
