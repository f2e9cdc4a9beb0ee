"""Who is calling, and whether a policy's Principal / NotPrincipal names them.

AWS docs pinned here:
- Principal forms: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
  ("*" and {"AWS": "*"} are equivalent; an account id or ``:root`` ARN delegates to the account;
  no partial wildcards; a deleted role/user shows up as its unique id and matches no one).
- NotPrincipal: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
  (a role session is excluded from a Deny only if the session, the role and the account are all listed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .matching import parse_arn

CallerKind = Literal["root", "role", "session", "user", "federated-user", "service", "other"]

# How a matching Principal named the caller, which decides how far the grant reaches
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html).
GrantKind = Literal[
    "session", "user", "federated-user", "service", "federated", "canonical", "wildcard", "role", "account"
]

# Grants that reach the calling session itself: an implicit deny in identity policies or the
# permissions boundary does not limit them (same account only).
DIRECT_GRANTS: frozenset[str] = frozenset(
    {"session", "user", "federated-user", "service", "federated", "canonical", "wildcard"}
)
GRANT_STRENGTH: dict[str, int] = {
    "session": 0,
    "user": 0,
    "federated-user": 0,
    "service": 0,
    "federated": 0,
    "canonical": 0,
    "wildcard": 1,
    "role": 2,
    "account": 3,
}

ACCOUNT_ID = re.compile(r"^\d{12}$")
# Unique ids IAM stores for principals (AROA role, AIDA user, ...); seen in a policy they mean the
# role or user was deleted, so they can never match a caller again.
UNIQUE_ID = re.compile(r"^A(?:ROA|IDA|GPA|IPA|NPA|NVA|SIA|KIA|CCA|PKA)[A-Z0-9]{12,}$")
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")


@dataclass(frozen=True, slots=True)
class Caller:
    raw: str
    kind: CallerKind
    account: str | None
    partition: str = "aws"
    role_name: str | None = None


def parse_caller(principal: str) -> Caller:
    """Classify the request's principal string."""
    text = principal.strip()
    if ACCOUNT_ID.match(text):
        return Caller(f"arn:aws:iam::{text}:root", "root", text)
    arn = parse_arn(text)
    if arn is None:
        kind: CallerKind = (
            "service" if text.endswith(".amazonaws.com") or text.endswith(".amazonaws.com.cn") else "other"
        )
        return Caller(text, kind, None)
    account = arn.account if ACCOUNT_ID.match(arn.account) else None
    resource = arn.resource
    if arn.service == "iam":
        if resource == "root":
            return Caller(text, "root", account, arn.partition)
        if resource.startswith("role/"):
            return Caller(text, "role", account, arn.partition, resource.rsplit("/", 1)[-1])
        if resource.startswith("user/"):
            return Caller(text, "user", account, arn.partition)
    if arn.service == "sts":
        pieces = resource.split("/")
        if pieces[0] == "assumed-role" and len(pieces) >= 3:
            return Caller(text, "session", account, arn.partition, pieces[1])
        if pieces[0] == "federated-user" and len(pieces) >= 2:
            return Caller(text, "federated-user", account, arn.partition)
    return Caller(text, "other", account, arn.partition)


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A normalised Principal or NotPrincipal element."""

    wildcard: bool
    aws: tuple[str, ...]
    service: tuple[str, ...]
    federated: tuple[str, ...]
    canonical: tuple[str, ...]


def parse_principal(element: object) -> tuple[PrincipalSpec | None, list[str]]:
    """Normalise a Principal element; returns (spec or None if unusable, problems found)."""
    problems: list[str] = []
    if element == "*":
        return PrincipalSpec(True, (), (), (), ()), problems
    if not isinstance(element, dict) or not element:
        problems.append('Principal must be "*" or an object such as {"AWS": "<ARN or account id>"}')
        return None, problems
    values: dict[str, list[str]] = {name: [] for name in PRINCIPAL_TYPES}
    for key, raw in element.items():
        if key not in values:
            problems.append(f"unknown principal type {key!r} (expected one of {', '.join(PRINCIPAL_TYPES)})")
            continue
        items = raw if isinstance(raw, list) else [raw]
        for item in items:
            if isinstance(item, str):
                values[key].append(item.strip())
            else:
                problems.append(f"principal values must be strings, got {type(item).__name__} under {key!r}")
    if problems:
        return None, problems
    wildcard = "*" in values["AWS"]
    return (
        PrincipalSpec(
            wildcard,
            tuple(values["AWS"]),
            tuple(values["Service"]),
            tuple(values["Federated"]),
            tuple(values["CanonicalUser"]),
        ),
        problems,
    )


def _aws_value_grant(value: str, caller: Caller) -> GrantKind | None:
    if value == "*":
        return "wildcard"
    if caller.account is None:
        return None
    if ACCOUNT_ID.match(value):
        return "account" if value == caller.account else None
    arn = parse_arn(value)
    if arn is None or "*" in value or "?" in value:
        return None  # unique ids (stale principals), garbage, or partial wildcards never match
    if arn.partition != caller.partition or arn.account != caller.account:
        return None
    resource = arn.resource
    if arn.service == "iam":
        if resource == "root":
            return "account"
        if resource.startswith("role/"):
            if caller.kind == "role" and value == caller.raw:
                return "role"
            # A session ARN carries no role path, so a session matches its role by name.
            if caller.kind == "session" and resource.rsplit("/", 1)[-1] == caller.role_name:
                return "role"
            return None
        if resource.startswith("user/"):
            return "user" if caller.kind == "user" and value == caller.raw else None
        return None
    if arn.service == "sts":
        if resource.startswith("assumed-role/"):
            return "session" if caller.kind == "session" and value == caller.raw else None
        if resource.startswith("federated-user/"):
            return "federated-user" if caller.kind == "federated-user" and value == caller.raw else None
    return None


def principal_grant(spec: PrincipalSpec, caller: Caller) -> GrantKind | None:
    """How ``spec`` names the caller (strongest form), or None if it does not."""
    best: GrantKind | None = "wildcard" if spec.wildcard else None
    for value in spec.aws:
        grant = _aws_value_grant(value, caller)
        if grant is not None and (best is None or GRANT_STRENGTH[grant] < GRANT_STRENGTH[best]):
            best = grant
    raw_lower = caller.raw.lower()
    if caller.kind == "service" and any(value.lower() == raw_lower for value in spec.service):
        return "service"
    if any(value == caller.raw for value in spec.federated):
        return "federated"
    if any(value == caller.raw for value in spec.canonical):
        return "canonical"
    return best


def not_principal_excludes(spec: PrincipalSpec, caller: Caller) -> bool:
    """True if NotPrincipal lists every identity AWS checks for the caller (so the statement skips it)."""
    if spec.wildcard:
        return True
    grants = {_aws_value_grant(value, caller) for value in spec.aws}
    if caller.kind == "service":
        return any(value.lower() == caller.raw.lower() for value in spec.service)
    if caller.kind == "other":
        listed = spec.aws + spec.service + spec.federated + spec.canonical
        return caller.raw in listed
    required: set[str] = {"account"}
    if caller.kind == "role":
        required.add("role")
    elif caller.kind == "session":
        required |= {"role", "session"}
    elif caller.kind in ("user", "federated-user"):
        required.add(caller.kind)
    return required <= grants


def near_miss_role(spec: PrincipalSpec, caller: Caller) -> str | None:
    """A role ARN in ``spec`` with the caller's account and role name but another path (or case).

    Console-created replication roles live under ``role/service-role/``; a policy written for the
    CLI-created path names a different ARN and silently matches nothing.
    """
    if caller.kind != "role" or caller.role_name is None:
        return None
    for value in spec.aws:
        arn = parse_arn(value)
        if arn is None or arn.service != "iam" or arn.account != caller.account or value == caller.raw:
            continue
        if arn.resource.startswith("role/") and arn.resource.rsplit("/", 1)[-1].lower() == caller.role_name.lower():
            return value
    return None


def is_stale_unique_id(value: str) -> bool:
    return UNIQUE_ID.match(value) is not None
