"""Shared builders for the policy engine tests: the seed setup's accounts, role and buckets."""

from __future__ import annotations

from typing import Any

from s3repl_tui.policy import EvaluationResult, Request, evaluate

SRC_ACCOUNT = "111122223333"
DST_ACCOUNT = "444455556666"
ROLE = f"arn:aws:iam::{SRC_ACCOUNT}:role/service-role/s3crr_role"
SESSION = f"arn:aws:sts::{SRC_ACCOUNT}:assumed-role/s3crr_role/s3-replication"
DST_OBJECT = "arn:aws:s3:::dst-bucket/photos/cat.jpg"
SRC_OBJECT = "arn:aws:s3:::src-bucket/photos/cat.jpg"
SRC_KEY = f"arn:aws:kms:us-east-1:{SRC_ACCOUNT}:key/1111aaaa-2222-3333-4444-555566667777"
DST_KEY = f"arn:aws:kms:us-west-2:{DST_ACCOUNT}:key/9999bbbb-2222-3333-4444-555566667777"


def policy(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return document


def allow(
    action: Any = "s3:ReplicateObject", resource: Any = "arn:aws:s3:::dst-bucket/*", **extra: Any
) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action}
    if resource is not None:
        statement["Resource"] = resource
    statement.update(extra)
    return statement


def deny(
    action: Any = "s3:ReplicateObject", resource: Any = "arn:aws:s3:::dst-bucket/*", **extra: Any
) -> dict[str, Any]:
    statement = allow(action, resource, **extra)
    statement["Effect"] = "Deny"
    return statement


def grant(principal: Any, action: Any = "s3:ReplicateObject", resource: Any = "arn:aws:s3:::dst-bucket/*",
          effect: str = "Allow", **extra: Any) -> dict[str, Any]:  # fmt: skip
    statement: dict[str, Any] = {"Effect": effect, "Principal": principal, "Action": action}
    if resource is not None:
        statement["Resource"] = resource
    statement.update(extra)
    return statement


def decide(
    *,
    principal: str = ROLE,
    action: str = "s3:ReplicateObject",
    resource: str = DST_OBJECT,
    context: dict[str, Any] | None = None,
    **kwargs: Any,
) -> EvaluationResult:
    return evaluate(Request(principal, action, resource, context or {}), **kwargs)


def condition_allows(condition: dict[str, Any], context: dict[str, Any] | None = None, **statement: Any) -> bool:
    """Does an identity policy whose only statement carries ``condition`` allow the request?"""
    document = policy(allow(Condition=condition, **statement))
    result = decide(context=context, identity_policies=[document], resource_account=SRC_ACCOUNT)
    return result.allowed
