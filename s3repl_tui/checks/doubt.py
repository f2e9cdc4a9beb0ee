"""Decisions that hinge on context keys we cannot know are unknown, not pass or fail.

A policy may condition on a key whose presence in S3's replication requests AWS does not document
(``aws:SecureTransport``, ``aws:SourceAccount`` on the trust, principal tags, ...). We evaluate the
request as built (those keys absent), then again with the doubtful conditions resolved the other way:
``optimistic`` treats them as satisfied in Allow statements and never matching in Deny statements;
``pessimistic`` the reverse. A fail that the optimistic reading turns into an allow is unknown; a pass
that the pessimistic reading turns into a deny is a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

Mode = Literal["optimistic", "pessimistic"]

# Keys S3 replication requests never carry with a value a customer policy could match, so their
# absence is the truth, not a guess (see requests.py): a Deny on "not from my VPC endpoint" does hit.
KNOWN_ABSENT: frozenset[str] = frozenset(
    {
        "aws:sourcevpce",
        "aws:sourcevpc",
        "aws:vpcsourceip",
        "aws:sourceip",
        # Grant-only KMS keys: absent on Encrypt/Decrypt/GenerateDataKey.
        "kms:grantisforawsresource",
        "kms:grantoperations",
        "kms:grantconstrainttype",
        "kms:granteeprincipal",
        "kms:retiringprincipal",
    }
)
# Keys we don't raise a "may deny" doubt for. aws:SecureTransport: the TLS-only Deny
# ({"Bool": {"aws:SecureTransport": "false"}}) is AWS's own recommended bucket policy and is used on
# replication buckets everywhere; S3 talks to S3 and KMS over TLS (INFERENCE, not documented per
# request). An Allow that *requires* the key stays unknown.
NO_DENY_DOUBT: frozenset[str] = frozenset({"aws:securetransport"})
# S3's SSE-KMS encryption context has exactly one pair, aws:s3:arn [UG-SSEKMS]; any other
# kms:EncryptionContext:<name> key is absent from S3's requests.
_CONTEXT_PREFIX = "kms:encryptioncontext:"


def statements(document: Any) -> list[Any]:
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def condition_keys(statement: Any) -> set[str]:
    condition = statement.get("Condition") if isinstance(statement, dict) else None
    keys: set[str] = set()
    if isinstance(condition, dict):
        for block in condition.values():
            if isinstance(block, dict):
                keys |= {str(key).lower() for key in block}
    return keys


def is_determined(key: str, context: Mapping[str, Any], absent: frozenset[str] = frozenset()) -> bool:
    lowered = key.lower()
    known = {str(k).lower() for k in context} | {k.lower() for k in absent}
    if lowered in known or lowered in KNOWN_ABSENT:
        return True
    return lowered.startswith(_CONTEXT_PREFIX) and lowered != _CONTEXT_PREFIX + "aws:s3:arn"


def undetermined_keys(documents: Iterable[Any], context: Mapping[str, Any],
                      absent: frozenset[str] = frozenset()) -> tuple[str, ...]:
    found: set[str] = set()
    for document in documents:
        for statement in statements(document):
            found |= {key for key in condition_keys(statement) if not is_determined(key, context, absent)}
    return tuple(sorted(found))


def _without_keys(condition: dict[str, Any], doubtful: set[str]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for operator, block in condition.items():
        if not isinstance(block, dict):
            kept[operator] = block
            continue
        rest = {key: value for key, value in block.items() if str(key).lower() not in doubtful}
        if rest:
            kept[operator] = rest
    return kept


def _resolve_statement(statement: Any, doubtful: set[str], mode: Mode) -> Any | None:
    """The statement with doubtful conditions resolved one way; None drops the statement."""
    if not isinstance(statement, dict) or not (condition_keys(statement) & doubtful):
        return statement
    allow = statement.get("Effect") == "Allow"
    satisfied = allow == (mode == "optimistic")
    if not satisfied:
        return None
    resolved = dict(statement)
    remaining = _without_keys(statement["Condition"], doubtful)
    if remaining:
        resolved["Condition"] = remaining
    else:
        resolved.pop("Condition", None)
    return resolved


def resolve(document: Any, doubtful: Iterable[str], mode: Mode) -> Any:
    """A copy of ``document`` whose conditions on ``doubtful`` keys are resolved per ``mode``."""
    keys = {key.lower() for key in doubtful}
    if not isinstance(document, dict) or not keys:
        return document
    raw = document.get("Statement", [])
    items = raw if isinstance(raw, list) else [raw]
    resolved = [s for s in (_resolve_statement(s, keys, mode) for s in items) if s is not None]
    return {**document, "Statement": resolved}
