"""Layer 6: the replication configuration itself, everything catalog §2 and §4 can see from it: it
exists (SrcBucketReplicationConfigMissing), names the role by its exact ARN (AssumeRoleNotPermitted),
has enabled rules (a Disabled rule replicates nothing, silently), each destination exists
(DstBucketNotFound), is not the source, has Object Lock when the source has it
(DstBucketObjectLockConfigMissing), owner override comes with the right ``Account`` (S14), plus the
SSE-KMS opt-in (``rule_kms``) and schema, metrics and priorities (``rule_schema``), and informational
notes that never make the layer unknown (``rule_notes``: failure-event subscribers S1, source ACLs S9,
a redundant owner override S14).
"""

from __future__ import annotations

from typing import Any

from s3repl_tui.checks import facts, fixes, rule_kms, rule_notes, rule_schema
from s3repl_tui.checks.evidence import unreadable
from s3repl_tui.checks.facts import RuleFacts
from s3repl_tui.checks.model import Finding, FixHint
from s3repl_tui.probes.snapshot import BucketSnapshot, Read, Snapshot


def _configuration(snapshot: Snapshot) -> tuple[dict[str, Any] | None, list[Finding]]:
    source = snapshot.source
    read = source.replication
    command = f"aws s3api get-bucket-replication --bucket {source.name}"
    if read is None or read.is_error:
        missing: Read[Any] = read if read is not None else Read.pending("s3:GetBucketReplication")
        return None, [unreadable("replication-configuration-unreadable", f"The replication configuration of "
                                 f"{source.name}", missing, resource=source.arn, judged="replication", command=command)]
    if read.is_absent or not read.value:
        return None, [Finding(
            "replication-configuration-missing", "error",
            f"{source.name} has no replication configuration, so nothing is replicated "
            f"(SrcBucketReplicationConfigMissing); set it up with `s3repl-tui init --source-bucket {source.name}`.",
            source.arn, "SrcBucketReplicationConfigMissing",
            {"command": command},
            fixes.manual("create-replication-configuration", f"Add a replication configuration to {source.name}.",
                         source.owner_account, "s3:PutBucketReplication",
                         f"Run `s3repl-tui init --source-bucket {source.name}` or: aws s3api put-bucket-replication "
                         f"--bucket {source.name} --replication-configuration file://replication.json",
                         bucket=source.name))]
    return read.value, []


def _role(snapshot: Snapshot, config: dict[str, Any]) -> list[Finding]:
    source = snapshot.source
    written = str(config.get("Role") or "")
    if not written:
        return [Finding("rule-role-missing", "error",
                        "The replication configuration names no IAM role, so S3 cannot replicate "
                        "(AssumeRoleNotPermitted).", source.arn, "AssumeRoleNotPermitted", {"Role": None},
                        fixes.manual("create-role", "Name an existing replication role in the configuration.",
                                     source.owner_account, "s3:PutBucketReplication",
                                     f"aws s3api get-bucket-replication --bucket {source.name}"))]
    role = facts.role_ref(snapshot)
    if role is not None and role.exists and role.arn != written:
        return [Finding(
            "rule-role-arn-mismatch", "error",
            f"The configuration names the role {written}, but the role's ARN is {role.arn} (the path differs), so "
            "S3 cannot assume it (AssumeRoleNotPermitted); use the exact ARN.", written, "AssumeRoleNotPermitted",
            {"written": written, "actual": role.arn},
            fixes.rule_fix("rule-set-role-arn", f"Set the configuration's Role to {role.arn}.", source.name,
                           source.owner_account, facts.region_of(source), role_arn=role.arn,
                           written_role_arn=written))]
    return []


def _statuses(snapshot: Snapshot, rules: tuple[RuleFacts, ...]) -> list[Finding]:
    source = snapshot.source
    if not rules:
        return [Finding("rule-none", "error", "The replication configuration has no rules, so nothing is replicated.",
                        source.arn, None, {"Rules": []})]
    enabled = any(rule.enabled for rule in rules)
    found = []
    for rule in rules:
        if rule.enabled:
            continue
        tail = "nothing is replicated" if not enabled else "objects only it matches are not replicated"
        found.append(Finding(
            "rule-disabled", "error" if not enabled else "warning",
            f"{rule.label} is Disabled, so {tail} (silently, no failure event); enable it.",
            source.arn, None, {"rule": rule.id, "Status": rule.raw.get("Status")},
            fixes.rule_fix("rule-enable", f"Enable {rule.label}.", source.name, source.owner_account,
                           facts.region_of(source), rule_id=rule.id)))
    return found


def _exists(snapshot: Snapshot, rule: RuleFacts) -> tuple[BucketSnapshot | None, list[Finding]]:
    """The destination, if it exists; else the finding that says why it can't be judged or doesn't exist."""
    source = snapshot.source
    name = rule.destination_bucket
    if name is None:
        return None, [Finding("rule-destination-invalid", "error",
                              f"The destination of {rule.label} ({rule.destination_arn!r}) is not an S3 bucket ARN.",
                              source.arn, "DstBucketNotFound", {"Bucket": rule.destination_arn},
                              fixes.manual("fix-rule-destination", "Name the destination as arn:aws:s3:::<bucket>.",
                                           source.owner_account, "s3:PutBucketReplication",
                                           f"aws s3api get-bucket-replication --bucket {source.name}",
                                           rule_id=rule.id))]
    if name == source.name:
        return None, [Finding("rule-destination-is-source", "error",
                              f"{rule.label} replicates {name} into itself; pick another destination bucket.",
                              source.arn, None, {"Bucket": rule.destination_arn})]
    bucket = snapshot.destinations.get(name)
    exists: Read[Any] = bucket.exists if bucket is not None else Read.pending("s3:HeadBucket")
    if bucket is not None and facts.bucket_missing(bucket):
        return None, [Finding(
            "destination-bucket-not-found", "error",
            f"The destination bucket {name} of {rule.label} does not exist, so replication fails (DstBucketNotFound); "
            "create it with versioning enabled, or fix the rule.", f"arn:aws:s3:::{name}", "DstBucketNotFound",
            {"bucket": name}, fixes.create_destination_bucket(name, rule.account))]
    if exists.is_error:
        return bucket, [unreadable("destination-bucket-unreadable", f"The destination bucket {name}", exists,
                                   resource=f"arn:aws:s3:::{name}", judged="whether it exists",
                                   command=f"aws s3api head-bucket --bucket {name}")]
    return bucket, []


def _ownership(snapshot: Snapshot, rule: RuleFacts, bucket: BucketSnapshot | None) -> list[Finding]:
    source = snapshot.source
    owner = bucket.owner_account if bucket is not None else None
    region = facts.region_of(source)

    def set_account(account: str | None) -> FixHint | None:
        if account is None:
            return None
        return fixes.rule_fix("rule-set-destination-account", f"Set Destination.Account of {rule.label} to {account}.",
                              source.name, source.owner_account, region, rule_id=rule.id, destination_account=account)

    if rule.owner_override and not rule.account:
        return [Finding("rule-owner-override-without-account", "error",
                        f"{rule.label} changes replica ownership (AccessControlTranslation) without "
                        "Destination.Account, which S3 requires with it; add the destination owner's account id.",
                        source.arn, None, {"rule": rule.raw}, set_account(owner))]
    if rule.account and owner and rule.account != owner:
        return [Finding("rule-account-mismatch", "error",
                        f"Destination.Account of {rule.label} is {rule.account}, but {rule.destination_bucket} "
                        f"belongs to {owner}; S3 requires the bucket owner's account.",
                        source.arn, None, {"Account": rule.account, "owner": owner}, set_account(owner))]
    if rule.owner_override and owner and source.owner_account == owner:
        return [Finding("rule-owner-override-same-account", "warning",
                        f"{rule.label} overrides replica ownership although both buckets are in account {owner}; "
                        "S3 applies it anyway and later ACL changes won't replicate (S14).",
                        source.arn, None, {"rule": rule.id},
                        fixes.manual("remove-owner-override", "Remove AccessControlTranslation from the rule.",
                                     source.owner_account, "s3:PutBucketReplication",
                                     f"aws s3api get-bucket-replication --bucket {source.name}", rule_id=rule.id))]
    return []


def _object_lock(snapshot: Snapshot, rule: RuleFacts, bucket: BucketSnapshot) -> list[Finding]:
    source = snapshot.source
    source_lock = facts.object_lock_enabled(source)
    if source_lock is None:
        return [unreadable("source-object-lock-unreadable", f"Object Lock of {source.name}", source.object_lock,
                           resource=source.arn, judged="whether destinations need Object Lock",
                           command=f"aws s3api get-object-lock-configuration --bucket {source.name}")]
    if not source_lock:
        return []
    dest_lock = facts.object_lock_enabled(bucket)
    if dest_lock is None:
        return [unreadable("destination-object-lock-unreadable", f"Object Lock of {bucket.name}", bucket.object_lock,
                           resource=bucket.arn, judged="whether it can take locked replicas",
                           command=f"aws s3api get-object-lock-configuration --bucket {bucket.name}")]
    if dest_lock:
        return []
    return [Finding(
        "destination-object-lock-missing", "error",
        f"{source.name} uses Object Lock but the destination {bucket.name} doesn't, so replication fails "
        "(DstBucketObjectLockConfigMissing); enable Object Lock on the destination.", bucket.arn,
        "DstBucketObjectLockConfigMissing", {"source": "Enabled", "destination": None},
        fixes.manual("enable-destination-object-lock", f"Enable Object Lock on {bucket.name} (irreversible).",
                     bucket.owner_account, "s3:PutObjectLockConfiguration",
                     f"aws s3api put-object-lock-configuration --bucket {bucket.name} --object-lock-configuration "
                     "ObjectLockEnabled=Enabled (older buckets may need a token from AWS Support)",
                     bucket=bucket.name))]


def check(snapshot: Snapshot) -> tuple[Finding, ...]:
    config, found = _configuration(snapshot)
    if config is None:
        return tuple(found)
    rules = facts.rule_facts(config)
    found += _role(snapshot, config) + _statuses(snapshot, rules) + rule_schema.check(snapshot, rules)
    for rule in rules:
        if not rule.enabled:
            continue
        bucket, problems = _exists(snapshot, rule)
        found += problems
        found += rule_kms.check(snapshot, rule)
        if bucket is None or problems:
            continue
        ownership = _ownership(snapshot, rule, bucket)
        found += ownership or rule_notes.owner_override(snapshot, rule, bucket)
        found += _object_lock(snapshot, rule, bucket)
    found += rule_notes.source_acls(snapshot)  # failure events: the monitoring layer
    destinations = {r.destination_bucket for r in rules if r.enabled and r.destination_bucket}
    if len(destinations) > 1:
        found.append(Finding("rule-multiple-destinations", "info",
                             f"Objects replicate to {len(destinations)} buckets; a source object shows COMPLETED only "
                             "when every destination succeeded.", snapshot.source.arn, None,
                             {"destinations": sorted(d for d in destinations if d)}))
    unique = {(f.code, f.message, f.resource): f for f in found}  # rules sharing a destination say it once
    return tuple(unique.values())
