"""What the planner needs to know about a setup, taken from a Snapshot (no I/O).

Every fact can be missing (a read failed, the rule names no key...): callers get None and say which
fix could not be planned instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from s3repl_tui.checks import facts as checked
from s3repl_tui.checks.facts import RuleFacts
from s3repl_tui.probes.snapshot import BucketSnapshot, KeySnapshot, Snapshot


@dataclass(frozen=True)
class Facts:
    snapshot: Snapshot

    @property
    def source(self) -> BucketSnapshot:
        return self.snapshot.source

    @property
    def source_account(self) -> str | None:
        return self.source.owner_account or self.snapshot.source_identity.account

    @property
    def source_region(self) -> str | None:
        return checked.region_of(self.source)

    @property
    def rules(self) -> tuple[RuleFacts, ...]:
        """Every rule, enabled or not: a fix may enable one, and its objects need the same grants."""
        return checked.rule_facts(self.snapshot.replication)

    def rules_to(self, destination: str) -> list[RuleFacts]:
        return [rule for rule in self.rules if rule.destination_bucket == destination]

    def rule(self, rule_id: str | None) -> RuleFacts | None:
        return next((rule for rule in self.rules if rule_id is None or rule.id == rule_id), None)

    @property
    def destination_names(self) -> list[str]:
        names = [rule.destination_bucket for rule in self.rules if rule.destination_bucket]
        return list(dict.fromkeys(names)) or list(self.snapshot.destinations)

    def destination(self, name: str | None) -> BucketSnapshot | None:
        return self.snapshot.destinations.get(name) if name else None

    def bucket(self, name: str) -> BucketSnapshot | None:
        if name == self.source.name:
            return self.source
        return self.snapshot.destinations.get(name)

    @staticmethod
    def bucket_region(bucket: BucketSnapshot) -> str | None:
        return checked.region_of(bucket)

    # The role ---------------------------------------------------------------------------------

    @property
    def role_arn(self) -> str | None:
        """The role's real ARN (GetRole, path included), else the one the configuration names."""
        role = checked.role_ref(self.snapshot)
        return role.arn if role is not None else None

    def overrides_owner_to(self, destination: str) -> bool:
        return any(rule.owner_override for rule in self.rules_to(destination))

    @property
    def source_object_lock(self) -> bool:
        return checked.object_lock_enabled(self.source) is True

    # Keys ---------------------------------------------------------------------------------------

    def key(self, reference: str | None) -> KeySnapshot | None:
        """The key read for a reference as written, or for its resolved ARN."""
        if not reference:
            return None
        found = checked.key_snapshot(self.snapshot, reference)
        return found or next((k for k in self.snapshot.keys.values() if reference == k.arn), None)

    def key_arn(self, reference: str | None) -> str | None:
        if not reference:
            return None
        key = self.key(reference)
        return checked.key_arn(self.snapshot, key.reference if key is not None else reference)

    def replica_key_reference(self, destination: str) -> str | None:
        """The ReplicaKmsKeyID of the rules to ``destination``, else the destination's default key."""
        for rule in self.rules_to(destination):
            if rule.replica_key_ref:
                return rule.replica_key_ref
        bucket = self.destination(destination)
        return bucket.default_kms_key if bucket is not None else None

    def bucket_of_key(self, key_arn: str) -> str | None:
        """The bucket whose objects S3 encrypts or decrypts with ``key_arn`` for replication."""
        if self.key_arn(self.source.default_kms_key) == key_arn:
            return self.source.name
        for name in self.destination_names:
            bucket = self.destination(name)
            default = bucket.default_kms_key if bucket is not None else None
            if key_arn in (self.key_arn(self.replica_key_reference(name)), self.key_arn(default)):
                return name
        return None

    # Resources and conditions, least privilege --------------------------------------------------

    def object_arns(self, bucket: str) -> list[str]:
        """``arn:aws:s3:::B/*``, or ``B/prefix*`` per rule when every rule involved selects a prefix."""
        involved = self.rules if bucket == self.source.name else self.rules_to(bucket)
        prefixes = [rule.prefix for rule in involved]
        if not prefixes or "" in prefixes:
            return [f"arn:aws:s3:::{bucket}/*"]
        return list(dict.fromkeys(f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in prefixes))

    def encryption_context(self, bucket: str) -> list[str]:
        """What S3 sends as ``kms:EncryptionContext:aws:s3:arn`` for objects of ``bucket``.

        With S3 Bucket Keys it is the bucket ARN; without, the object ARN. When the bucket's setting
        could not be read both forms are allowed, each still limited to this bucket.
        """
        snapshot = self.bucket(bucket)
        bucket_key = snapshot.bucket_key_enabled if snapshot is not None else None
        if bucket_key is True:
            return [f"arn:aws:s3:::{bucket}"]
        if bucket_key is False:
            return self.object_arns(bucket)
        return [f"arn:aws:s3:::{bucket}", *self.object_arns(bucket)]

    def profile_for(self, account: str) -> str | None:
        for identity in (self.snapshot.source_identity, self.snapshot.dest_identity):
            if identity is not None and identity.account == account:
                return identity.profile
        return None
