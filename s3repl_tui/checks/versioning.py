"""Layer 1: versioning ``Enabled`` on the source and every destination bucket.

A Suspended or never-enabled destination fails every replication with DstBucketUnversioned and leaves
source objects FAILED [UG-REQ]; the source must be Enabled before a configuration can be put at all
(catalog §4). A destination that does not exist has no versioning to enable: this layer fails with the
``rule`` layer's DstBucketNotFound finding rather than pass over it.
"""

from __future__ import annotations

from s3repl_tui.checks import facts, fixes
from s3repl_tui.checks.evidence import unreadable
from s3repl_tui.checks.model import Finding
from s3repl_tui.probes.snapshot import BucketSnapshot, Snapshot


def _state(status: str) -> str:
    return "suspended" if status == "Suspended" else "never enabled"


def _not_found(snapshot: Snapshot, bucket: BucketSnapshot) -> Finding:
    rules = [r for r in facts.rule_facts(snapshot.replication) if r.destination_bucket == bucket.name]
    account = bucket.owner_account or next((r.account for r in rules if r.account), None)
    return Finding("destination-bucket-not-found", "error",
                   f"The destination bucket {bucket.name} does not exist, so it has no versioning and replication to "
                   "it fails (DstBucketNotFound); create it with versioning enabled, or fix the rule.", bucket.arn,
                   "DstBucketNotFound", {"bucket": bucket.name, "rules": [r.id for r in rules],
                                         "command": f"aws s3api head-bucket --bucket {bucket.name}"},
                   fixes.create_destination_bucket(bucket.name, account))


def _bucket_findings(bucket: BucketSnapshot, side: str) -> list[Finding]:
    region = facts.region_of(bucket)
    read = bucket.versioning
    if read.is_error:
        return [unreadable(f"{side}-versioning-unreadable", f"Versioning of {bucket.name}", read,
                           resource=bucket.arn, judged="replication to it" if side == "destination" else
                           "replication from it",
                           command=f"aws s3api get-bucket-versioning --bucket {bucket.name}")]
    status = str(read.value or "") if read.is_ok else ""
    if status == "Enabled":
        return []
    state = _state(status)
    if side == "source":
        message = (f"Versioning is {state} on the source bucket {bucket.name}; replication needs it Enabled "
                   "(S3 replicates object versions).")
        reason = None
    else:
        message = (f"Versioning is {state} on the destination bucket {bucket.name}, so every replication to it "
                   "fails (DstBucketUnversioned); enable it, then re-replicate FAILED objects.")
        reason = "DstBucketUnversioned"
    code = f"{side}-versioning-{'suspended' if status == 'Suspended' else 'disabled'}"
    return [Finding(code, "error", message, bucket.arn, reason,
                    {"versioning": status or None, "bucket": bucket.name,
                     "command": f"aws s3api get-bucket-versioning --bucket {bucket.name}"},
                    fixes.enable_versioning(side, bucket.name, bucket.owner_account, region))]


def check(snapshot: Snapshot) -> tuple[Finding, ...]:
    found = _bucket_findings(snapshot.source, "source")
    for bucket in snapshot.destinations.values():
        if bucket.name == snapshot.source.name:
            continue
        if facts.bucket_missing(bucket):
            found.append(_not_found(snapshot, bucket))
        else:
            found += _bucket_findings(bucket, "destination")
    return tuple(found)
