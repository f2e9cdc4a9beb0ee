"""Facts derived from a Snapshot that several layers need: the rules in a normalised form, the role
as S3 will use it, bucket regions and encryption. Pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from s3repl_tui.probes.snapshot import BucketSnapshot, Document, KeySnapshot, Snapshot

# A key under the rule's prefix stands for "any object this rule replicates" in the requests we
# evaluate (policies are judged against object ARNs, not patterns).
PROBE_OBJECT = "s3repl-probe-object"
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


@dataclass(frozen=True)
class RuleFacts:
    """One replication rule, normalised across the V1 (``Prefix``) and V2 (``Filter``) schemas."""

    index: int
    id: str
    raw: Document
    enabled: bool
    schema: Literal["V1", "V2"]
    prefix: str
    tags: tuple[tuple[str, str], ...]
    priority: int | None
    destination_arn: str
    destination_bucket: str | None  # None: Destination.Bucket is not an S3 bucket ARN
    account: str | None  # Destination.Account
    owner_override: bool  # AccessControlTranslation.Owner == "Destination"
    replica_key_ref: str | None  # EncryptionConfiguration.ReplicaKmsKeyID
    sse_kms_opt_in: bool  # SourceSelectionCriteria.SseKmsEncryptedObjects.Status == "Enabled"
    replicates_delete_markers: bool  # V2 DeleteMarkerReplication Enabled, or any V1 rule

    @property
    def object_key(self) -> str:
        return f"{self.prefix}{PROBE_OBJECT}"

    @property
    def label(self) -> str:
        return f"rule {self.id!r}" if self.id else f"rule #{self.index + 1}"


def _status(element: Any) -> str:
    return str(element.get("Status", "")) if isinstance(element, dict) else ""


def bucket_name_from_arn(arn: str) -> str | None:
    if not arn.startswith("arn:aws") or ":s3:::" not in arn:
        return None
    name = arn.split(":::", 1)[1]
    return name if name and "/" not in name else None


def _filter_parts(rule: Document) -> tuple[str, tuple[tuple[str, str], ...]]:
    if "Filter" not in rule:
        return str(rule.get("Prefix", "")), ()
    flt = rule.get("Filter") or {}
    if not isinstance(flt, dict):
        return "", ()
    tags: list[tuple[str, str]] = []
    prefix = str(flt.get("Prefix", ""))
    if isinstance(flt.get("Tag"), dict):
        tags.append((str(flt["Tag"].get("Key", "")), str(flt["Tag"].get("Value", ""))))
    conj = flt.get("And")
    if isinstance(conj, dict):
        prefix = str(conj.get("Prefix", prefix))
        for tag in conj.get("Tags", []) or []:
            if isinstance(tag, dict):
                tags.append((str(tag.get("Key", "")), str(tag.get("Value", ""))))
    return prefix, tuple(tags)


# The last configuration normalised and its rules: every layer of one judgement asks for the same
# configuration (documents read from AWS are never changed afterwards). One tuple, replaced atomically;
# it holds the configuration, so its id is not reused.
_last_rules: tuple[Any, Any, tuple[RuleFacts, ...]] = (None, None, ())


def rule_facts(config: Document | None) -> tuple[RuleFacts, ...]:
    global _last_rules
    if not config:
        return ()
    last = _last_rules
    if last[0] is config and last[1] is config.get("Rules"):
        return last[2]
    found = _rule_facts(config)
    _last_rules = (config, config.get("Rules"), found)
    return found


def _rule_facts(config: Document) -> tuple[RuleFacts, ...]:
    facts: list[RuleFacts] = []
    for index, rule in enumerate(config.get("Rules", []) or []):
        if not isinstance(rule, dict):
            continue
        destination = rule.get("Destination") or {}
        schema: Literal["V1", "V2"] = "V2" if "Filter" in rule else "V1"
        prefix, tags = _filter_parts(rule)
        criteria = rule.get("SourceSelectionCriteria") or {}
        encryption = destination.get("EncryptionConfiguration") or {}
        priority = rule.get("Priority")
        facts.append(
            RuleFacts(
                index=index,
                id=str(rule.get("ID", "")),
                raw=rule,
                enabled=_status(rule) == "Enabled",
                schema=schema,
                prefix=prefix,
                tags=tags,
                priority=int(priority) if isinstance(priority, int | str) and str(priority).isdigit() else None,
                destination_arn=str(destination.get("Bucket", "")),
                destination_bucket=bucket_name_from_arn(str(destination.get("Bucket", ""))),
                account=str(destination["Account"]) if destination.get("Account") else None,
                owner_override=(destination.get("AccessControlTranslation") or {}).get("Owner") == "Destination",
                replica_key_ref=str(encryption["ReplicaKmsKeyID"]) if encryption.get("ReplicaKmsKeyID") else None,
                sse_kms_opt_in=_status(criteria.get("SseKmsEncryptedObjects")) == "Enabled",
                # V1 rules replicate user-initiated delete markers (catalog S10).
                replicates_delete_markers=schema == "V1"
                or _status(rule.get("DeleteMarkerReplication")) == "Enabled",
            )
        )
    return tuple(facts)


@dataclass(frozen=True)
class RoleRef:
    """The replication role as S3 uses it: the real ARN (GetRole) when known, else as written."""

    arn: str
    written_arn: str
    name: str
    account: str | None
    exists: bool | None  # None: could not be read
    tags: tuple[tuple[str, str], ...] = ()  # GetRole's Tags: the principal tags of the role's sessions


def role_ref(snapshot: Snapshot) -> RoleRef | None:
    role = snapshot.role
    if role is None:
        return None
    real = role.role.value.get("Arn") if role.role.is_ok and role.role.value else None
    exists: bool | None = True if role.role.is_ok else None
    if role.role.is_absent or (role.role.error is not None and role.role.error.kind == "not-found"):
        exists = False
    raw_tags = (role.role.value or {}).get("Tags") if role.role.is_ok else None
    tags = tuple((str(t["Key"]), str(t.get("Value", ""))) for t in raw_tags or () if isinstance(t, dict) and "Key" in t)
    return RoleRef(str(real or role.arn), role.arn, role.name, role.account, exists, tags)


def region_of(bucket: BucketSnapshot) -> str | None:
    return bucket.region.value if bucket.region.is_ok else None


def default_algorithm(bucket: BucketSnapshot) -> str | None:
    """SSEAlgorithm of the bucket's default encryption; "AES256" when none is configured (S3 encrypts
    every new object with SSE-S3 since 2023-01-05); None when it could not be read."""
    if bucket.encryption.is_absent:
        return "AES256"
    if not bucket.encryption.is_ok or bucket.encryption.value is None:
        return None
    for rule in bucket.encryption.value.get("Rules", []) or []:
        algorithm = (rule.get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm")
        if algorithm:
            return str(algorithm)
    return "AES256"


def bucket_missing(bucket: BucketSnapshot) -> bool:
    """The bucket does not exist (NoSuchBucket as "absent", or a not-found error)."""
    exists = bucket.exists
    return exists.is_absent or (exists.error is not None and exists.error.kind == "not-found")


def uses_kms(bucket: BucketSnapshot) -> bool | None:
    algorithm = default_algorithm(bucket)
    return None if algorithm is None else algorithm in KMS_ALGORITHMS


def object_lock_enabled(bucket: BucketSnapshot) -> bool | None:
    read = bucket.object_lock
    if read.is_absent:
        return False
    if not read.is_ok or read.value is None:
        return None
    return read.value.get("ObjectLockEnabled") == "Enabled"


def key_snapshot(snapshot: Snapshot, reference: str | None) -> KeySnapshot | None:
    return snapshot.keys.get(reference) if reference else None


def key_arn(snapshot: Snapshot, reference: str) -> str | None:
    """The full key ARN for a reference: from DescribeKey, or the reference itself if it is a key ARN."""
    key = key_snapshot(snapshot, reference)
    if key is not None and key.arn:
        return key.arn
    if key is not None and key.metadata.is_ok and key.metadata.value and key.metadata.value.get("Arn"):
        return str(key.metadata.value["Arn"])
    return reference if reference.startswith("arn:") and ":key/" in reference else None


def arn_region(arn: str | None) -> str | None:
    if not arn or not arn.startswith("arn:"):
        return None
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[3] else None


def arn_account(arn: str | None) -> str | None:
    if not arn or not arn.startswith("arn:"):
        return None
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def destination_bucket(snapshot: Snapshot, rule: RuleFacts) -> BucketSnapshot | None:
    return snapshot.destinations.get(rule.destination_bucket) if rule.destination_bucket else None


def destination_default_key(snapshot: Snapshot, rule: RuleFacts) -> str | None:
    """The KMSMasterKeyID of the rule's destination when its default encryption is SSE-KMS/DSSE-KMS."""
    destination = destination_bucket(snapshot, rule)
    if destination is None or not uses_kms(destination):
        return None
    return destination.default_kms_key


def replica_key_to_be(snapshot: Snapshot, rule: RuleFacts) -> str | None:
    """The key a rule that names no ReplicaKmsKeyID will encrypt replicas with once the rule layer's
    ``rule-add-sse-kms-opt-in`` fix is applied: the destination's default SSE-KMS key, which that fix
    names. The rule layer proposes it when the rule opts in without a key, has SourceSelectionCriteria
    without SseKmsEncryptedObjects, or doesn't opt in while the source encrypts with SSE-KMS (rule_kms).
    None: the rule names its own key, needs no opt-in, or the destination has no default key."""
    if rule.replica_key_ref:
        return None
    criteria = rule.raw.get("SourceSelectionCriteria") or {}
    incomplete = bool(criteria) and "SseKmsEncryptedObjects" not in criteria
    if not (rule.sse_kms_opt_in or incomplete or uses_kms(snapshot.source)):
        return None
    return destination_default_key(snapshot, rule)


def same_key(snapshot: Snapshot, first: str, second: str) -> bool:
    """Whether two references name one key (by resolved ARN when both resolve, else as written)."""
    if first == second:
        return True
    first_arn, second_arn = key_arn(snapshot, first), key_arn(snapshot, second)
    return first_arn is not None and first_arn == second_arn


def is_cross_account(first: str | None, second: str | None) -> bool | None:
    if first is None or second is None:
        return None
    return first != second

