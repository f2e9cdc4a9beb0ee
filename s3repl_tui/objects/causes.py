"""Why S3 skips one object without trying (no failure event, often no status), and the object-level
reasons: one builder per cause, pure, each returning a ``Cause`` or None. The catalog
(shared/reference/replication-failure-catalog.md) names each one (S2-S9)."""

from __future__ import annotations

from collections.abc import Sequence

from s3repl_tui.objects.facts import ObjectFacts
from s3repl_tui.objects.model import Cause
from s3repl_tui.objects.rules import RuleMatch, applying
from s3repl_tui.probes.snapshot import Snapshot

REPLICATED = frozenset({"COMPLETED", "COMPLETE"})  # COMPLETE: the SDK's legacy spelling


def fix_command(bucket: str, layer: str) -> str:
    return f"s3repl-tui fix --source-bucket {bucket} --layer {layer}"


# Rule-level, silent causes (no failure event: the object just gets no replication status) ----------


def no_configuration(snapshot: Snapshot) -> Cause | None:
    read = snapshot.source.replication
    if read is None or not read.is_absent:
        return None
    return Cause(
        "no-replication-configuration", "rule",
        f"s3://{snapshot.source_bucket} has no replication configuration, so none of its objects replicate.",
        "Create a replication rule (s3repl-tui init), then replicate existing objects with s3repl-tui retry.",
        catalog="§1 #23",
    )


def configuration_unreadable(snapshot: Snapshot) -> Cause | None:
    read = snapshot.source.replication
    if read is None or not read.is_error:
        return None
    error = read.error
    reason = f"{error.code}: {error.message}" if error else "not read"
    return Cause(
        "replication-configuration-unreadable", "rule",
        f"The replication configuration of {snapshot.source_bucket} could not be read ({reason}), so which rule "
        "applies to the object is unknown.",
        "Use --source-profile with credentials of the source bucket's account (s3:GetReplicationConfiguration).",
        certain=False,
    )


def outside_every_rule(matches: Sequence[RuleMatch], facts: ObjectFacts) -> Cause | None:
    if applying(matches) or not matches:
        return None
    disabled = [m for m in matches if m.filter_matches and not m.rule.enabled]
    if disabled:
        labels = ", ".join(m.rule.label for m in disabled)
        return Cause(
            "rule-disabled", "rule", f"Only {labels} matches this object, and it is Disabled.",
            f"Enable the rule ({fix_command(facts.bucket, 'rule')}), then re-replicate with s3repl-tui retry "
            f"--source-bucket {facts.bucket} --statuses NONE.",
            catalog="S3", evidence={"rules": [m.rule.id for m in disabled]},
        )
    unknown_tags = any("could not be read" in reason for m in matches for reason in m.reasons)
    why = "; ".join(f"{m.rule.label}: {m.reasons[0]}" for m in matches if m.reasons)
    return Cause(
        "outside-rule-filter", "rule",
        f"No replication rule selects {facts.key!r} ({why}), so S3 never replicates it.",
        "Widen or correct the rule's filter (prefix, tags; prefixes have no leading slash and are case-sensitive), "
        f"or write the object under the rule's prefix; then s3repl-tui retry --source-bucket {facts.bucket} "
        "--statuses NONE.",
        catalog="S4", certain=not unknown_tags,
        evidence={"rules": [m.to_json() for m in matches]},
    )


def archived(facts: ObjectFacts) -> Cause | None:
    if not facts.archived:
        return None
    where = facts.archive_status or facts.storage_class
    return Cause(
        "archived-object", "object",
        f"The object is archived ({where}); S3 replicates no object in Glacier Flexible Retrieval, Deep Archive "
        "or an Intelligent-Tiering archive tier.",
        f"Restore it (aws s3api restore-object --bucket {facts.bucket} --key {facts.key} ...), then copy it in "
        "place so a new version replicates; Batch Replication skips archived objects too.",
        aws_failure_reason="SrcObjectNotEligible", catalog="S8, §1 #32",
    )


def sse_kms_not_opted_in(matches: Sequence[RuleMatch], facts: ObjectFacts) -> Cause | None:
    if not facts.kms_encrypted:
        return None
    rules = [m.rule for m in applying(matches) if not (m.rule.sse_kms_opt_in and m.rule.replica_key_ref)]
    if not rules:
        return None
    labels = ", ".join(rule.label for rule in rules)
    return Cause(
        "sse-kms-not-opted-in", "rule",
        f"The object is {facts.encryption}, and {labels} does not opt in to KMS-encrypted objects "
        "(SourceSelectionCriteria.SseKmsEncryptedObjects and a ReplicaKmsKeyID), so S3 skips it.",
        f"{fix_command(facts.bucket, 'rule')} adds the opt-in and the replica key; then s3repl-tui retry "
        f"--source-bucket {facts.bucket} --statuses NONE.",
        catalog="S6", evidence={"rules": [rule.id for rule in rules], "kms_key": facts.kms_key_id},
    )


def owned_by_another_account(facts: ObjectFacts) -> Cause | None:
    if facts.owned_by_other_account is not True:
        return None
    owner = facts.owner_id.value if facts.owner_id is not None else None
    return Cause(
        "object-owned-by-another-account", "object",
        "Another account owns this object (ACLs are on and it was written without bucket-owner-full-control), "
        "so the bucket owner's replication role may not read it.",
        f"Set Object Ownership to BucketOwnerEnforced (aws s3api put-bucket-ownership-controls --bucket "
        f"{facts.bucket} --ownership-controls Rules=[{{ObjectOwnership=BucketOwnerEnforced}}]), then retry.",
        aws_failure_reason="SrcGetAclNotPermitted", catalog="S9, §1 #24", evidence={"object_owner": owner},
    )


def not_replicated_by_design(matches: Sequence[RuleMatch], facts: ObjectFacts) -> Cause:
    """A rule applies, nothing stops it, and still no status: the object was there before the rule, or
    the tag the rule selects on was added after the upload (S3 looks at the tags of the PUT only)."""
    by_tag = [m.rule for m in applying(matches) if m.rule.tags]
    written = f" (written {facts.last_modified:%Y-%m-%d %H:%M} UTC)" if facts.last_modified else ""
    if by_tag:
        tags = ", ".join(f"{name}={value}" for rule in by_tag for name, value in rule.tags)
        return Cause(
            "tagged-after-upload-or-existing", "rule",
            f"{by_tag[0].label} selects this object by its tag {tags} now, but S3 gave it no replication "
            f"status{written}: the tag was added after the upload, or the object predates the rule.",
            "Tag objects in the PutObject request; re-replicate this one with s3repl-tui retry --source-bucket "
            f"{facts.bucket} --statuses NONE.",
            catalog="S5, S2",
        )
    return Cause(
        "existed-before-rule", "rule",
        f"A rule selects this object, but it has no replication status{written}: it existed before the "
        "replication configuration, and S3 replicates only objects written after it.",
        f"Re-replicate existing objects with s3repl-tui retry --source-bucket {facts.bucket} --statuses NONE "
        "(S3 Batch Replication).",
        catalog="S2",
    )


def replica_of_replica(facts: ObjectFacts) -> Cause:
    return Cause(
        "replica-not-replicated-onwards", "object",
        "This object is a replica written by another bucket's replication; S3 does not replicate replicas "
        "onwards (A→B→C).",
        f"Replicate it with s3repl-tui retry --source-bucket {facts.bucket} --statuses REPLICA, or add this "
        "destination to the original "
        "bucket's configuration.",
        catalog="S7",
    )


def sandbox_never_replicates(facts: ObjectFacts) -> Cause:
    """On a local endpoint (moto) no object ever gets a status: saying why it has none would be made up."""
    from s3repl_tui.sandbox.emulation import NOT_EMULATED

    return Cause(
        "sandbox-never-replicates", "object",
        f"This endpoint is a local sandbox: {NOT_EMULATED}. That this object has no status says nothing "
        "about the setup; the requests below are what S3 would be asked on AWS.",
        "Judge the setup with s3repl-tui check, or run init's canary with --emulate-replication.",
        certain=False,
    )
