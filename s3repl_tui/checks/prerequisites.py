"""Inputs a whole layer depends on before any of its checks can run: unread, the layer is unknown (and
pending while they are being read), never a pass."""

from __future__ import annotations

from typing import Any

from s3repl_tui.checks import facts
from s3repl_tui.checks.evidence import unreadable
from s3repl_tui.checks.model import Finding
from s3repl_tui.probes.snapshot import BucketSnapshot, Read, Snapshot

# Layers whose every check starts from the replication configuration (it names role, keys, buckets).
_NEED_CONFIGURATION = ("key-policy", "service-role", "role-kms", "destination-policy", "source-policy", "monitoring")


def _destinations(snapshot: Snapshot) -> set[str]:
    names = {r.destination_bucket for r in facts.rule_facts(snapshot.replication) if r.enabled}
    return {name for name in names if name and name != snapshot.source.name}


# What each layer would judge from the configuration, for the note that it was not judged.
_JUDGED_FROM_CONFIGURATION = {
    "versioning": "the destination buckets' versioning",
    "key-policy": "the KMS keys' policies",
    "service-role": "the replication role",
    "role-kms": "the role's KMS permissions",
    "destination-policy": "the destination bucket policies",
    "source-policy": "the source bucket policy's effect on the role",
    "monitoring": "the rules whose replication metrics to read",
}


def _no_configuration(snapshot: Snapshot, layer: str) -> list[Finding]:
    """No configuration names a role, keys or destinations: these layers have nothing to judge, which is
    unknown, not pass (the rule layer holds the one error, pointing at ``s3repl-tui init``)."""
    source, config = snapshot.source, snapshot.source.replication
    judged = _JUDGED_FROM_CONFIGURATION.get(layer)
    if judged is None or config is None or not (config.is_absent or (config.is_ok and not config.value)):
        return []
    return [Finding(f"{layer}-no-configuration", "warning",
                    f"Not judged: {source.name} has no replication configuration naming {judged} "
                    "(see the rule layer).", source.arn, None,
                    {"reason": "no replication configuration", "see": "rule",
                     "command": f"aws s3api get-bucket-replication --bucket {source.name}"}, unknown=True)]


def _configuration(snapshot: Snapshot, layer: str) -> list[Finding]:
    source, config = snapshot.source, snapshot.source.replication
    if layer not in _NEED_CONFIGURATION or (config is not None and not config.is_error):
        return _no_configuration(snapshot, layer)
    read: Read[Any] = config if config is not None else Read.pending("s3:GetBucketReplication")
    return [unreadable(f"{layer}-configuration-unreadable", "The replication configuration", read,
                       resource=source.arn, judged="which role, keys and buckets to check",
                       command=f"aws s3api get-bucket-replication --bucket {source.name}")]


def _encryption(snapshot: Snapshot, layer: str) -> list[Finding]:
    """Which keys S3 uses, and the encryption context it sends, follow from default encryption."""
    if layer not in ("key-policy", "role-kms"):
        return []
    names = _destinations(snapshot)
    buckets: list[BucketSnapshot] = [snapshot.source]
    buckets += [bucket for name, bucket in snapshot.destinations.items() if name in names]
    return [unreadable(f"{layer}-encryption-unreadable", f"Default encryption of {bucket.name}", bucket.encryption,
                       resource=bucket.arn, judged="which KMS keys S3 uses and the context it sends",
                       command=f"aws s3api get-bucket-encryption --bucket {bucket.name}")
            for bucket in buckets if bucket.encryption.is_error and not facts.bucket_missing(bucket)]


def _role(snapshot: Snapshot, layer: str) -> list[Finding]:
    found = []
    written = (snapshot.replication or {}).get("Role")
    if layer in ("service-role", "role-kms") and written and snapshot.role is None:
        found.append(unreadable(f"{layer}-role-not-read", f"The role {written}", Read.pending("iam:GetRole"),
                                resource=str(written), judged="its permissions"))
    source = snapshot.source
    if layer == "service-role" and source.object_lock.is_error:
        found.append(unreadable("service-role-object-lock-unreadable", f"Object Lock of {source.name}",
                                source.object_lock, resource=source.arn,
                                judged="whether the role needs s3:GetObjectRetention/s3:GetObjectLegalHold",
                                command=f"aws s3api get-object-lock-configuration --bucket {source.name}"))
    return found


def _unread_destinations(snapshot: Snapshot, layer: str) -> list[Finding]:
    """A destination a rule names that the probe has not read (yet)."""
    if layer != "versioning":
        return []
    return [unreadable("destination-versioning-unreadable", f"Versioning of {name}",
                       Read.pending("s3:GetBucketVersioning"), resource=f"arn:aws:s3:::{name}",
                       judged="replication to it")
            for name in sorted(_destinations(snapshot) - set(snapshot.destinations))]


def prerequisites(snapshot: Snapshot, layer: str) -> list[Finding]:
    found = _configuration(snapshot, layer)
    if found:
        return found
    return _encryption(snapshot, layer) + _role(snapshot, layer) + _unread_destinations(snapshot, layer)
