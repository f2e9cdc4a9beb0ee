"""Informational notes of the rule layer (catalog §2 S1, S9/§1 #24, S14): who receives failure events,
whether the source still has ACLs on, and whether an owner override is redundant.

All of them are ``info`` and none is ever ``unknown``: they come from nice-to-have inputs (the source's
notification configuration, the buckets' Object Ownership) that no replication failure depends on, so
an unreadable input is said in an ``info`` note and never turns the layer ``unknown``. A read still
pending (partial snapshot) says nothing yet.
"""

from __future__ import annotations

from typing import Any

from s3repl_tui.checks import fixes
from s3repl_tui.checks.facts import RuleFacts
from s3repl_tui.checks.model import Finding, FixHint
from s3repl_tui.probes.snapshot import BucketSnapshot, Read, Snapshot

FAILURE_EVENTS = ("s3:Replication:OperationFailedReplication", "s3:Replication:*")
_SUBSCRIPTIONS = ("QueueConfigurations", "TopicConfigurations", "LambdaFunctionConfigurations")
ENFORCED = "BucketOwnerEnforced"


def _pending(read: Read[Any] | None) -> bool:
    return read is None or (read.error is not None and read.error.kind == "pending")


def _cannot_read(code: str, what: str, read: Read[Any], resource: str, command: str) -> Finding:
    error = read.error
    reason = f"{error.code}" if error is not None else "not read"
    return Finding(code, "info", f"{what} could not be read ({reason}); it is informational only, so nothing else "
                   f"depends on it. Its owner can read it with: {command}", resource, None,
                   {"reason": error.message if error else "not read", "error": error.code if error else None,
                    "operation": error.operation if error else None, "command": command})


def _subscribed(notification: dict[str, Any]) -> bool:
    if "EventBridgeConfiguration" in notification:  # present (even as {}) means enabled
        return True
    for kind in _SUBSCRIPTIONS:
        for entry in notification.get(kind) or []:
            if isinstance(entry, dict) and any(e in FAILURE_EVENTS for e in entry.get("Events") or []):
                return True
    return False


def failure_events(snapshot: Snapshot, rules: tuple[RuleFacts, ...]) -> list[Finding]:
    """S1: metrics make S3 emit OperationFailedReplication, but only to subscribers of the source bucket.
    Only said when some enabled rule has metrics on (otherwise ``rule-metrics-disabled`` says it). Part of
    the monitoring layer: a warning with an opt-in fix (EventBridge delivery), never a failure."""
    metered = [r.id for r in rules if r.enabled
               and ((r.raw.get("Destination") or {}).get("Metrics") or {}).get("Status") == "Enabled"]
    source, read = snapshot.source, snapshot.source.notification
    if not metered or read is None or _pending(read):
        return []
    command = f"aws s3api get-bucket-notification-configuration --bucket {source.name}"
    if read.is_error:
        return [_cannot_read("monitoring-failure-events-unreadable", f"The event notifications of {source.name}",
                             read, source.arn, command)]
    current = dict(read.value or {}) if read.is_ok else {}
    if _subscribed(current):
        return []
    wanted = {**current, "EventBridgeConfiguration": {}}  # keeps the existing subscriptions: put replaces them
    steps = (f"Subscribe a receiver to s3:Replication:OperationFailedReplication on {source.name} (put replaces "
             f"the whole configuration, so keep what is there). Simplest, via EventBridge (then add an EventBridge "
             f"rule on detail-type \"Object Replication Failed\"): aws s3api put-bucket-notification-configuration "
             f"--bucket {source.name} --notification-configuration {fixes.cli_document(wanted)}  "
             "Or add to it a QueueConfigurations/TopicConfigurations/LambdaFunctionConfigurations entry with "
             "\"Events\": [\"s3:Replication:OperationFailedReplication\"] (its policy must allow s3.amazonaws.com).")
    return [Finding(
        "monitoring-failure-events-unsubscribed", "warning",
        f"Replication metrics are on, so failure events are emitted but nobody receives them: subscribe "
        f"SNS/SQS/Lambda/EventBridge on {source.name} to s3:Replication:OperationFailedReplication.",
        source.arn, None, {"rules": metered, "notification": current, "command": command},
        FixHint("subscribe-failure-events-eventbridge", f"Deliver the event notifications of {source.name} to "
                "EventBridge (its other subscriptions stay).", source.owner_account,
                "s3:PutBucketNotificationConfiguration", True, {"bucket": source.name}, manual_steps=steps))]


def source_acls(snapshot: Snapshot) -> list[Finding]:
    """S9/#24: with ACLs on, an object another account writes without bucket-owner-full-control isn't the
    bucket owner's, and S3 can't replicate it (SrcGetAclNotPermitted)."""
    source = snapshot.source
    read = source.ownership
    command = f"aws s3api get-bucket-ownership-controls --bucket {source.name}"
    if _pending(read):
        return []
    if read.is_error:
        return [_cannot_read("source-ownership-unreadable", f"Object Ownership of {source.name}", read, source.arn,
                             command)]
    setting = read.value if read.is_ok and read.value else None
    if setting == ENFORCED:
        return []
    shown = setting or "not configured"
    return [Finding(
        "source-acls-enabled", "info",
        f"{source.name} has ACLs enabled (Object Ownership {shown}): objects other accounts write without "
        "bucket-owner-full-control aren't the bucket owner's and fail to replicate (SrcGetAclNotPermitted); "
        "set Object Ownership to BucketOwnerEnforced.", source.arn, "SrcGetAclNotPermitted",
        {"ObjectOwnership": setting, "command": command},
        fixes.manual("enforce-source-bucket-owner", f"Set Object Ownership of {source.name} to BucketOwnerEnforced.",
                     source.owner_account, "s3:PutBucketOwnershipControls",
                     f"First make sure no bucket ACL grants access you still need (it stops applying), then: aws "
                     f"s3api put-bucket-ownership-controls --bucket {source.name} --ownership-controls "
                     "'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'  Objects already FAILED need Batch "
                     "Replication afterwards.", bucket=source.name))]


def owner_override(snapshot: Snapshot, rule: RuleFacts, bucket: BucketSnapshot) -> list[Finding]:
    """S14: under BucketOwnerEnforced the destination owner already owns every replica. Said only when
    the destination's Object Ownership was read; otherwise nothing (the override is harmless)."""
    if not rule.owner_override or not bucket.ownership.is_ok or bucket.ownership.value != ENFORCED:
        return []
    return [Finding(
        "rule-owner-override-unnecessary", "info",
        f"{rule.label} overrides replica ownership (AccessControlTranslation), but {bucket.name} is "
        "BucketOwnerEnforced, which already makes its owner own every replica; the override is unnecessary.",
        snapshot.source.arn, None, {"rule": rule.id, "ObjectOwnership": ENFORCED})]
