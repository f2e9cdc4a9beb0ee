"""Checks that run before anything is written: AWS's size limits and the key-policy lockout.

Both raise ``FixRejected`` (a UserError: one sentence and a hint, nothing written) rather than let
AWS answer halfway through a set of writes.
"""

from __future__ import annotations

from s3repl_tui.errors import EXIT_FAIL, NothingChanged
from s3repl_tui.fixes.jsondoc import Document, compact, iam_chars
from s3repl_tui.fixes.model import Change
from s3repl_tui.policy import Request, evaluate

# https://docs.aws.amazon.com/AmazonS3/latest/userguide/BucketRestrictions.html (bucket policy 20 KB),
# https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html (key policy 32 KB),
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html (inline 10,240 for all of
# a role's inline policies together; trust policy 2,048 by default, at most 4,096 after a raise),
# S3 API reference PutBucketReplication (2 MB).
SIZE_LIMITS: dict[str, int] = {
    "bucket-policy": 20 * 1024,
    "key-policy": 32 * 1024,
    "role-inline-policy": 10_240,
    "role-trust": 4_096,
    "replication": 2 * 1024 * 1024,
    "kms-key": 32 * 1024,  # the key policy given to CreateKey
    "role": 4_096,  # the trust policy given to CreateRole
}


class FixRejected(NothingChanged):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message, hint, EXIT_FAIL)


def document_size(change: Change) -> int:
    if change.ref.kind == "kms-key":
        return len(compact(key_policy_of(change) or {}).encode("utf-8"))
    if change.ref.kind == "role":
        trust = change.after.get("AssumeRolePolicyDocument")
        return len(compact(trust if isinstance(trust, dict) else {}).encode("utf-8"))
    if change.ref.kind == "role-inline-policy":
        # IAM counts characters over all the role's inline policies together.
        return iam_chars(change.after) + change.sibling_inline_chars
    return len(compact(change.after).encode("utf-8"))


def check_size(change: Change) -> None:
    limit = SIZE_LIMITS.get(change.ref.kind)
    if limit is None:
        return
    size = document_size(change)
    if size <= limit:
        return
    if change.ref.kind == "role-inline-policy":
        raise FixRejected(
            f"The {change.ref.label} would bring the role's inline policies to {size:,} characters, "
            f"over IAM's limit of {limit:,}; nothing was written.",
            hint="Move statements into a customer managed policy attached to the role, then run fix again, "
            "or apply the exported document (fix --export json) by hand.",
        )
    raise FixRejected(
        f"The {change.ref.label} would be {size:,} bytes, over AWS's limit of {limit:,}; nothing was written.",
        hint="Remove statements that are no longer needed from the document, then run fix again.",
    )


def admin_keeps_access(policy: Document, caller_arn: str, key_arn: str, key_account: str) -> bool:
    """Whether ``policy`` still lets the caller manage the key: the account root delegation (then IAM
    decides) or a statement naming the caller. The caller's IAM policies are assumed to allow it;
    only the key policy is judged, which is what locks people out."""
    caller_may = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:PutKeyPolicy", "Resource": "*"}],
    }
    result = evaluate(
        Request(principal=caller_arn, action="kms:PutKeyPolicy", resource=key_arn),
        identity_policies=[caller_may],
        resource_policy=policy,
        resource_account=key_account,
        resource_kind="kms",
    )
    return result.allowed


def key_policy_of(change: Change) -> Document | None:
    """The key policy a change writes: the document of a key-policy change, or a new key's ``Policy``."""
    if change.ref.kind == "key-policy":
        return change.after
    if change.ref.kind == "kms-key":
        policy = change.after.get("Policy")
        return policy if isinstance(policy, dict) else {}
    return None


def check_key_admin(change: Change, caller_arn: str | None) -> None:
    policy = key_policy_of(change)
    if policy is None:
        return
    if not caller_arn or not admin_keeps_access(policy, caller_arn, change.ref.name, change.ref.account):
        who = caller_arn or "the caller (unknown identity)"
        raise FixRejected(
            f"The {change.ref.label} does not let {who} manage the key (no statement for the account root "
            "or for the caller grants kms:PutKeyPolicy), so writing it could lock you out; nothing was written.",
            hint="Have a key administrator add the statement shown by fix --dry-run, "
            "or run fix with the credentials of the key's administrator.",
        )
