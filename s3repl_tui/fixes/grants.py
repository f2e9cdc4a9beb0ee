"""The least-privilege statements AWS documents for replication (catalog §3), built for one setup.

They are built in ``s3repl_tui.checks.statements``, the one place both the checks (the statement a
finding shows its fix adds) and the planner (the statement it writes) take them from, so what is
shown is what is written (issue 13.13). This module keeps the planner's names for them, taking the
planner's ``Facts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from s3repl_tui.checks import statements as shared
from s3repl_tui.checks.statements import (
    DESTINATION_OBJECT_ACTIONS,
    OBJECT_LOCK_SOURCE_ACTIONS,
    OWNER_OVERRIDE_ACTION,
    REPLICA_KEY_ACTIONS,
    S3_SERVICE_PRINCIPAL,
    SOURCE_BUCKET_ACTIONS,
    SOURCE_KEY_ACTIONS,
    SOURCE_OBJECT_ACTIONS,
    Grant,
    MissingFact,
    allow_statement,
    kms_use_condition,
    trust_grant,
)
from s3repl_tui.fixes.facts import Facts

__all__ = [
    "DESTINATION_OBJECT_ACTIONS",
    "OBJECT_LOCK_SOURCE_ACTIONS",
    "OWNER_OVERRIDE_ACTION",
    "REPLICA_KEY_ACTIONS",
    "S3_SERVICE_PRINCIPAL",
    "SOURCE_BUCKET_ACTIONS",
    "SOURCE_KEY_ACTIONS",
    "SOURCE_OBJECT_ACTIONS",
    "Grant",
    "MissingFact",
    "allow_statement",
    "destination_policy_grant",
    "fix_statements",
    "key_policy_grant",
    "kms_use_condition",
    "role_key_grant",
    "role_s3_grants",
    "trust_grant",
]


def fix_statements(facts: Facts, fix_id: str, params: Mapping[str, Any]) -> list[Grant]:
    """What fix ``fix_id`` adds: the statements its finding shows (``checks.statements.fix_statements``)."""
    return shared.fix_statements(facts, fix_id, params)


def role_s3_grants(facts: Facts, destination: str, actions: Iterable[str] | None = None) -> list[Grant]:
    return shared.role_s3_grants(facts, destination, actions)


def default_key_actions(facts: Facts, bucket: str) -> list[str]:
    return shared.default_key_actions(facts, bucket)


def role_key_grant(facts: Facts, key_arn: str, bucket: str, actions: Iterable[str] | None = None) -> Grant:
    return shared.role_key_grant(facts, key_arn, bucket, actions)


def key_policy_grant(facts: Facts, bucket: str, principal: str | None, actions: Iterable[str] | None = None) -> Grant:
    return shared.key_policy_grant(facts, bucket, principal, actions)


def destination_policy_grant(
    facts: Facts, destination: str, principal: str | None, actions: Iterable[str] | None = None
) -> Grant:
    return shared.destination_policy_grant(facts, destination, principal, actions)
