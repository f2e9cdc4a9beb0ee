"""Edits of a replication configuration. PutBucketReplication replaces the whole configuration, so
each edit copies it and changes only the fields the fix is about, in the rules it is about.

What S3 requires of what we send (catalog §4): a V2 rule (one with ``Filter``) keeps ``Priority`` and
``DeleteMarkerReplication``; ``SseKmsEncryptedObjects`` and ``ReplicaKmsKeyID`` come as a pair;
``Metrics`` and ``ReplicationTime`` are both present with the same status, or RTC is absent.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from s3repl_tui.fixes.jsondoc import Document

Rule = dict[str, Any]
METRICS_ENABLED = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}


class RuleNotFound(LookupError):
    pass


def _edit_rules(config: Document | None, rule_id: str | None, edit: Callable[[Rule], None]) -> Document:
    if config is None:
        raise RuleNotFound("the bucket has no replication configuration")
    result = copy.deepcopy(config)
    touched = False
    for rule in result.get("Rules", []):
        if rule_id is None or rule.get("ID") == rule_id:
            edit(rule)
            _keep_v2_complete(rule)
            touched = True
    if not touched:
        raise RuleNotFound(f"no rule with ID {rule_id!r}")
    return result


def _keep_v2_complete(rule: Rule) -> None:
    """A V2 rule S3 accepts: the two elements it requires, with the values S3 assumes when absent."""
    if "Filter" not in rule:
        return
    rule.setdefault("Priority", 0)
    rule.setdefault("DeleteMarkerReplication", {"Status": "Disabled"})


def enable_sse_kms(config: Document | None, rule_id: str | None, replica_key_arn: str) -> Document:
    """Opt the rule in to SSE-KMS objects, encrypting replicas with ``replica_key_arn``."""

    def edit(rule: Rule) -> None:
        criteria = rule.setdefault("SourceSelectionCriteria", {})
        criteria["SseKmsEncryptedObjects"] = {"Status": "Enabled"}
        destination = rule.setdefault("Destination", {})
        destination.setdefault("EncryptionConfiguration", {})["ReplicaKmsKeyID"] = replica_key_arn

    return _edit_rules(config, rule_id, edit)


def enable_rule(config: Document | None, rule_id: str | None) -> Document:
    def edit(rule: Rule) -> None:
        rule["Status"] = "Enabled"

    return _edit_rules(config, rule_id, edit)


def set_role(config: Document | None, role_arn: str) -> Document:
    if config is None:
        raise RuleNotFound("the bucket has no replication configuration")
    result = copy.deepcopy(config)
    result["Role"] = role_arn
    return result


def set_destination_account(config: Document | None, rule_id: str | None, account: str) -> Document:
    """``Account`` is required with an owner override and must be the destination bucket's owner."""

    def edit(rule: Rule) -> None:
        rule.setdefault("Destination", {})["Account"] = account

    return _edit_rules(config, rule_id, edit)


def enable_metrics(config: Document | None, rule_id: str | None) -> Document:
    """Metrics on (failure events need them). A disabled RTC element would then disagree with the
    metrics' status, which S3 rejects; it is dropped, which means the same as Disabled."""

    def edit(rule: Rule) -> None:
        destination = rule.setdefault("Destination", {})
        destination["Metrics"] = copy.deepcopy(METRICS_ENABLED)
        rtc = destination.get("ReplicationTime")
        if isinstance(rtc, dict) and rtc.get("Status") != "Enabled":
            del destination["ReplicationTime"]

    return _edit_rules(config, rule_id, edit)
