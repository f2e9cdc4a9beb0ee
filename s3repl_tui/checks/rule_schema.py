"""Rule checks that need nothing but the configuration: V1/V2 schema, filters, priorities and overlaps,
metrics and RTC, retired elements (catalog §4, §2 S1/S10/S16/S23/S24)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from s3repl_tui.checks import facts, fixes
from s3repl_tui.checks.facts import RuleFacts
from s3repl_tui.checks.model import Finding, FixHint
from s3repl_tui.probes.snapshot import Snapshot

_MINUTES = 15  # the only value S3 accepts for EventThreshold and ReplicationTime [UG-CFG][UG-RTC]


def _rule_arn(snapshot: Snapshot) -> str:
    return snapshot.source.arn


def _schema_fix(snapshot: Snapshot, rule: RuleFacts, what: str) -> FixHint:
    bucket = snapshot.source.name
    return fixes.manual("fix-rule-schema", f"Correct {rule.label}: {what}.", snapshot.source.owner_account,
                        "s3:PutBucketReplication",
                        f"Edit {rule.label} ({what}), then put the whole configuration back: aws s3api "
                        f"get-bucket-replication --bucket {bucket} > r.json; edit r.json; aws s3api "
                        f"put-bucket-replication --bucket {bucket} --replication-configuration file://r.json",
                        bucket=bucket, rule_id=rule.id)


def _error(snapshot: Snapshot, rule: RuleFacts, code: str, message: str, what: str) -> Finding:
    return Finding(code, "error", message, _rule_arn(snapshot), None, {"rule": rule.raw},
                   _schema_fix(snapshot, rule, what))


def _schema(snapshot: Snapshot, rule: RuleFacts) -> list[Finding]:
    raw, found = rule.raw, []
    if rule.schema == "V2":
        if "Priority" not in raw:
            found.append(_error(snapshot, rule, "rule-priority-missing",
                                f"{rule.label} uses Filter (schema V2) but has no Priority, which V2 requires.",
                                "add Priority"))
        if "DeleteMarkerReplication" not in raw:
            found.append(_error(snapshot, rule, "rule-delete-marker-replication-missing",
                                f"{rule.label} uses Filter (schema V2) but has no DeleteMarkerReplication, which V2 "
                                "requires.", "add DeleteMarkerReplication"))
        flt = raw.get("Filter")
        if isinstance(flt, dict) and len([k for k in ("Prefix", "Tag", "And") if k in flt]) > 1:
            found.append(_error(snapshot, rule, "rule-filter-invalid",
                                f"The Filter of {rule.label} has more than one of Prefix, Tag and And; use And to "
                                "combine them.", "use And in the Filter"))
    else:
        if "DeleteMarkerReplication" in raw:
            found.append(_error(snapshot, rule, "rule-v1-delete-marker-replication",
                                f"{rule.label} uses the V1 schema (Prefix on the rule), which can't carry "
                                "DeleteMarkerReplication; use a Filter.", "use Filter instead of Prefix"))
        if "ReplicaModifications" in (raw.get("SourceSelectionCriteria") or {}):
            found.append(_error(snapshot, rule, "rule-v1-replica-modifications",
                                f"{rule.label} uses the V1 schema, which can't carry ReplicaModifications.",
                                "use Filter instead of Prefix"))
    if rule.tags and rule.replicates_delete_markers and rule.schema == "V2":
        found.append(_error(snapshot, rule, "rule-tag-filter-with-delete-markers",
                            f"{rule.label} filters on tags and enables DeleteMarkerReplication; S3 can't replicate "
                            "delete markers for tag-based rules.", "disable DeleteMarkerReplication"))
    if rule.prefix.startswith("/"):
        found.append(Finding("rule-prefix-leading-slash", "warning",
                             f"The prefix of {rule.label} starts with '/' ({rule.prefix!r}); S3 keys rarely do, so it "
                             "probably matches nothing (write 'Tax/' rather than '/Tax/').", _rule_arn(snapshot), None,
                             {"rule": rule.id, "prefix": rule.prefix}, _schema_fix(snapshot, rule, "fix the prefix")))
    if len(rule.id) > 255 or not rule.id.isascii():
        found.append(_error(snapshot, rule, "rule-id-invalid",
                            f"{rule.label} has an ID longer than 255 characters or with non-ASCII characters.",
                            "shorten the ID to ASCII"))
    if "ExistingObjectReplication" in raw:
        finding = _error(snapshot, rule, "rule-existing-object-replication",
                         f"{rule.label} carries ExistingObjectReplication, which S3 no longer supports (new "
                         "configurations with it are rejected); remove it and use Batch Replication for "
                         "existing objects.", "remove ExistingObjectReplication")
        found.append(Finding(finding.code, "warning", finding.message, finding.resource, None, finding.evidence,
                             fixes.manual("remove-existing-object-replication", "Remove ExistingObjectReplication.",
                                          snapshot.source.owner_account, "s3:PutBucketReplication",
                                          finding.fix.manual_steps if finding.fix else "", rule_id=rule.id)))
    return found


def _status(element: Any) -> str | None:
    return str(element.get("Status")) if isinstance(element, dict) and "Status" in element else None


def _minutes(element: Any, *path: str) -> Any:
    for part in path:
        element = element.get(part) if isinstance(element, dict) else None
    return element


def _monitoring(snapshot: Snapshot, rule: RuleFacts) -> list[Finding]:
    destination = rule.raw.get("Destination") or {}
    metrics, rtc = destination.get("Metrics"), destination.get("ReplicationTime")
    found: list[Finding] = []
    if rtc is not None and (metrics is None or _status(metrics) != _status(rtc)):
        found.append(_error(snapshot, rule, "rule-rtc-without-metrics",
                            f"{rule.label} has ReplicationTime without Metrics of the same status; S3 requires both "
                            "or neither.", "set Metrics with the same Status as ReplicationTime"))
    for name, element, path in (("EventThreshold", metrics, ("EventThreshold", "Minutes")),
                                ("ReplicationTime", rtc, ("Time", "Minutes"))):
        value = _minutes(element, *path)
        if _status(element) == "Enabled" and value is not None and value != _MINUTES:
            found.append(_error(snapshot, rule, "rule-minutes-invalid",
                                f"{name} of {rule.label} is {value} minutes; S3 only accepts {_MINUTES}.",
                                f"set {name} minutes to {_MINUTES}"))
    if _status(metrics) != "Enabled":
        bucket = snapshot.source
        found.append(Finding(
            "rule-metrics-disabled", "warning",
            f"Replication metrics are off for {rule.label}, so S3 emits no failure events "
            "(OperationFailedReplication) and failures stay silent; enable metrics.",
            bucket.arn, None, {"rule": rule.id, "Metrics": metrics},
            fixes.rule_fix("rule-enable-metrics", f"Enable replication metrics on {rule.label}.", bucket.name,
                           bucket.owner_account, facts.region_of(bucket), rule_id=rule.id,
                           event_threshold_minutes=_MINUTES)))
    return found


def _overlap(first: RuleFacts, second: RuleFacts) -> str | None:
    """The key prefix both rules match, or None when their filters are disjoint."""
    if not (first.prefix.startswith(second.prefix) or second.prefix.startswith(first.prefix)):
        return None
    tags = dict(first.tags)
    if any(key in tags and tags[key] != value for key, value in second.tags):
        return None
    return max(first.prefix, second.prefix, key=len)


def _shadowing(snapshot: Snapshot, rules: tuple[RuleFacts, ...]) -> list[Finding]:
    """Overlapping rules to one destination: only the highest Priority applies (catalog S16)."""
    found = []
    for first, second in combinations([r for r in rules if r.enabled and r.schema == "V2"], 2):
        if first.destination_arn != second.destination_arn:
            continue
        shared = _overlap(first, second)
        if shared is None:
            continue
        where = f"keys under {shared!r}" if shared else "every key"
        if first.priority == second.priority:
            message = (f"{first.label} and {second.label} both match {where} for {second.destination_arn} with the "
                       "same Priority; give them distinct priorities or disjoint filters.")
            code = "rule-priority-duplicate"
        else:
            winner, loser = sorted((first, second), key=lambda r: r.priority or 0, reverse=True)
            message = (f"{winner.label} (priority {winner.priority}) and {loser.label} both match {where} for "
                       f"{winner.destination_arn}; only {winner.label} applies there, with its own KMS, storage "
                       "class and delete-marker settings.")
            code = "rule-priority-shadowing"
        found.append(Finding(code, "warning", message, snapshot.source.arn, None,
                             {"rules": [first.id, second.id], "overlap": shared}))
    return found


def check(snapshot: Snapshot, rules: tuple[RuleFacts, ...]) -> list[Finding]:
    found: list[Finding] = []
    schemas = {rule.schema for rule in rules}
    if len(schemas) > 1:
        found.append(Finding("rule-schema-mixed", "error",
                             "The configuration mixes V1 rules (Prefix) and V2 rules (Filter); use Filter everywhere.",
                             snapshot.source.arn, None, {"rules": [r.id for r in rules]}))
    for rule in rules:
        found += _schema(snapshot, rule)
        if rule.enabled:
            found += _monitoring(snapshot, rule)
    found += _shadowing(snapshot, rules)
    return found
