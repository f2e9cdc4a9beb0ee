"""Rule checks about SSE-KMS: the opt-in (``SseKmsEncryptedObjects`` + ``ReplicaKmsKeyID``, a pair
[TF-KMSERR1][TF-KMSERR2]) without which S3 silently skips KMS-encrypted objects (catalog S6), and the
replica key reference: a full key ARN in the destination Region (DstKmsKeyNotFound otherwise,
catalog #8, S18), not an alias or key id that resolves in the source account, not a source-account key
for a cross-account destination (S17)."""

from __future__ import annotations

from s3repl_tui.checks import facts, fixes
from s3repl_tui.checks.evidence import unreadable
from s3repl_tui.checks.facts import RuleFacts
from s3repl_tui.checks.model import Finding, FixHint
from s3repl_tui.probes.snapshot import Snapshot


def _opt_in_fix(snapshot: Snapshot, rule: RuleFacts) -> FixHint:
    source = snapshot.source
    # The same key the role-kms and key-policy layers judge as the replica key to be (facts.replica_key_to_be).
    key = rule.replica_key_ref or facts.destination_default_key(snapshot, rule)
    if key:
        return fixes.rule_fix("rule-add-sse-kms-opt-in",
                              f"Replicate SSE-KMS objects in {rule.label}, encrypting replicas with {key}.",
                              source.name, source.owner_account, facts.region_of(source), rule_id=rule.id,
                              replica_kms_key_id=key)
    return fixes.manual("rule-add-sse-kms-opt-in", f"Replicate SSE-KMS objects in {rule.label}.",
                        source.owner_account, "s3:PutBucketReplication",
                        f"Pick a customer managed key in the destination Region (owned by the destination account), "
                        f"then set SourceSelectionCriteria.SseKmsEncryptedObjects.Status=Enabled and "
                        f"Destination.EncryptionConfiguration.ReplicaKmsKeyID=<key ARN> in {rule.label}: "
                        f"aws s3api get-bucket-replication --bucket {source.name}", rule_id=rule.id)


def _opt_in(snapshot: Snapshot, rule: RuleFacts) -> list[Finding]:
    source = snapshot.source
    criteria = (rule.raw.get("SourceSelectionCriteria") or {})
    has_criteria = "SseKmsEncryptedObjects" in criteria
    if rule.sse_kms_opt_in and not rule.replica_key_ref:
        return [Finding("rule-replica-key-missing", "error",
                        f"{rule.label} opts in to SSE-KMS objects but names no ReplicaKmsKeyID; S3 needs both "
                        "(\"ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present\").",
                        source.arn, None, {"rule": rule.raw}, _opt_in_fix(snapshot, rule))]
    if rule.replica_key_ref and not has_criteria:
        return [Finding("rule-sse-kms-criteria-missing", "error",
                        f"{rule.label} sets ReplicaKmsKeyID without SourceSelectionCriteria.SseKmsEncryptedObjects; "
                        "S3 needs both (\"SseKmsEncryptedObjects must be specified if EncryptionConfiguration is "
                        "present\").", source.arn, None, {"rule": rule.raw}, _opt_in_fix(snapshot, rule))]
    if criteria and not has_criteria:
        return [Finding("rule-source-selection-incomplete", "error",
                        f"{rule.label} has SourceSelectionCriteria without SseKmsEncryptedObjects, which S3 requires "
                        "whenever SourceSelectionCriteria is present.", source.arn, None, {"rule": rule.raw},
                        _opt_in_fix(snapshot, rule))]
    kms = facts.uses_kms(source)
    if kms is None:
        return [unreadable("source-encryption-unreadable", f"Default encryption of {source.name}",
                           source.encryption, resource=source.arn,
                           judged=f"whether {rule.label} must opt in to SSE-KMS objects",
                           command=f"aws s3api get-bucket-encryption --bucket {source.name}")]
    if kms and not rule.sse_kms_opt_in:
        algorithm = facts.default_algorithm(source)
        return [Finding("rule-sse-kms-opt-in-missing", "error",
                        f"{source.name} encrypts objects with {algorithm} by default, but {rule.label} doesn't opt in "
                        "to SSE-KMS objects, so S3 silently skips them; enable SseKmsEncryptedObjects and set "
                        "ReplicaKmsKeyID.", source.arn, None,
                        {"default_encryption": algorithm, "rule": rule.raw}, _opt_in_fix(snapshot, rule))]
    return []


def _reference(snapshot: Snapshot, rule: RuleFacts) -> list[Finding]:
    reference = rule.replica_key_ref
    if not reference:
        return []
    source = snapshot.source
    destination = facts.destination_bucket(snapshot, rule)
    evidence = {"ReplicaKmsKeyID": reference, "rule": rule.id}
    manual = fixes.manual("use-valid-replica-key", f"Set ReplicaKmsKeyID of {rule.label} to a full key ARN.",
                          source.owner_account, "s3:PutBucketReplication",
                          "Use the full ARN of a symmetric customer managed key owned by the destination account in "
                          "the destination bucket's Region: aws kms list-keys --region <destination-region>",
                          rule_id=rule.id, reference=reference)
    if reference.startswith("alias/") or ":alias/" in reference or not reference.startswith("arn:"):
        form = "an alias" if "alias/" in reference else "a key id"
        return [Finding("rule-replica-key-not-arn", "warning",
                        f"ReplicaKmsKeyID of {rule.label} is {form} ({reference}); KMS resolves it in the requester's "
                        "(source) account, so replicas may be encrypted with a key the destination can't use. "
                        "Use the full key ARN.", reference, "DstKmsKeyNotFound", evidence, manual)]
    found: list[Finding] = []
    key_region = facts.arn_region(reference)
    dest_region = facts.region_of(destination) if destination is not None else None
    if key_region and dest_region and key_region != dest_region:
        key = facts.key_snapshot(snapshot, reference)
        meta = key.metadata.value if key is not None and key.metadata.is_ok else None
        multi = " It is a multi-Region key: S3 treats it as single-Region, so name its replica in " \
                f"{dest_region}." if meta and meta.get("MultiRegion") else ""
        found.append(Finding("rule-replica-key-wrong-region", "error",
                             f"The replica key of {rule.label} is in {key_region}, but the destination bucket is in "
                             f"{dest_region}; S3 needs a key in the destination's Region (DstKmsKeyNotFound).{multi}",
                             reference, "DstKmsKeyNotFound", {**evidence, "key_region": key_region,
                                                              "destination_region": dest_region}, manual))
    key_account = facts.arn_account(reference)
    dest_owner = destination.owner_account if destination is not None else rule.account
    if key_account and dest_owner and source.owner_account and dest_owner != source.owner_account \
            and key_account == source.owner_account:
        found.append(Finding("rule-replica-key-source-account", "warning",
                             f"The replica key of {rule.label} belongs to the source account {key_account}; replicas "
                             f"in {rule.destination_bucket} (account {dest_owner}) will be encrypted with a key that "
                             "account can only use if you grant it. Prefer a key owned by the destination account.",
                             reference, None, {**evidence, "key_account": key_account,
                                               "destination_account": dest_owner}, manual))
    return found


def _confirmation(snapshot: Snapshot, rule: RuleFacts) -> list[Finding]:
    if not (rule.sse_kms_opt_in and rule.replica_key_ref):
        return []
    return [Finding("rule-replica-encryption", "info",
                    f"{rule.label} replicates SSE-KMS objects and encrypts the replicas with {rule.replica_key_ref}.",
                    rule.replica_key_ref, None, {"rule": rule.id, "ReplicaKmsKeyID": rule.replica_key_ref})]


def check(snapshot: Snapshot, rule: RuleFacts) -> list[Finding]:
    found = _opt_in(snapshot, rule) + _reference(snapshot, rule)
    return found or _confirmation(snapshot, rule)
