"""The statements a fix adds, built once: the finding shows them, the plan writes them (issue 13.13).

The least-privilege statements AWS documents for replication (catalog §3), for one setup: exact
actions, exact resources (object ARNs with ``/*`` or the rules' prefixes), the role ARN as the principal
in resource policies, and on every KMS grant the conditions S3 meets when it calls KMS for the role:
``kms:ViaService`` of the key's bucket Region and ``kms:EncryptionContext:aws:s3:arn`` in the form that
bucket's S3 Bucket Key setting makes S3 send.

``fix_statements(facts, fix_id, params)`` is the one function both sides call: the checks put its
result in a hint's ``params["statements"]`` and in the finding's ``evidence["missing"]``, and the
planner (``fixes.plan``) merges exactly that into the document as read. Pure (a Snapshot in, dicts
out), so the checks may use it: no AWS SDK, no Textual. Statements carry a Sid starting with
``S3ReplTui`` (``fixes.merge`` widens those and never touches the owner's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from s3repl_tui.checks import facts as checked
from s3repl_tui.checks.facts import RuleFacts
from s3repl_tui.probes.snapshot import BucketSnapshot, Snapshot

Grant = dict[str, Any]

SOURCE_BUCKET_ACTIONS = ("s3:GetReplicationConfiguration", "s3:ListBucket")
SOURCE_OBJECT_ACTIONS = ("s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging")
OBJECT_LOCK_SOURCE_ACTIONS = ("s3:GetObjectRetention", "s3:GetObjectLegalHold")
DESTINATION_OBJECT_ACTIONS = ("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags")
OWNER_OVERRIDE_ACTION = "s3:ObjectOwnerOverrideToBucketOwner"
# Encrypt and GenerateDataKey write replicas; Decrypt is needed for multipart replicas and under a
# destination Bucket Key (catalog §1 #9, §3.3). The conditions keep all three to S3 on this bucket.
REPLICA_KEY_ACTIONS = ("kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt")
SOURCE_KEY_ACTIONS = ("kms:Decrypt",)
S3_SERVICE_PRINCIPAL = "s3.amazonaws.com"

# The Sids of the tool's statements, one per purpose (``init`` writes the same ones).
SID_TRUST = "S3ReplTuiS3Assume"
SID_SOURCE_BUCKET = "S3ReplTuiSourceBucket"
SID_SOURCE_OBJECTS = "S3ReplTuiSourceObjects"
SID_DESTINATION_OBJECTS = "S3ReplTuiDestinationObjects"
SID_SOURCE_KEY = "S3ReplTuiSourceKey"
SID_REPLICA_KEY = "S3ReplTuiReplicaKey"
SID_KEY_POLICY = "S3ReplTuiReplicationRole"
SID_REPLICA_WRITES = "S3ReplTuiReplicaWrites"
SID_RESTATED = "S3ReplTuiRestated"


class MissingFact(LookupError):
    """A fact the grant needs was not read (or the setup does not name it)."""


def _need(value: Any, what: str) -> Any:
    if value in (None, "", []):
        raise MissingFact(what)
    return value


@dataclass(frozen=True)
class SetupFacts:
    """What the statements depend on, read from a Snapshot; every fact may be missing (None)."""

    snapshot: Snapshot

    @property
    def source(self) -> BucketSnapshot:
        return self.snapshot.source

    @cached_property
    def rules(self) -> tuple[RuleFacts, ...]:
        """Every rule, enabled or not: a fix may enable one, and its objects need the same grants
        (parsed once per SetupFacts: a configuration may hold a thousand rules)."""
        return checked.rule_facts(self.snapshot.replication)

    def rules_to(self, destination: str) -> list[RuleFacts]:
        return [rule for rule in self.rules if rule.destination_bucket == destination]

    @property
    def destination_names(self) -> list[str]:
        names = [rule.destination_bucket for rule in self.rules if rule.destination_bucket]
        return list(dict.fromkeys(names)) or list(self.snapshot.destinations)

    def bucket(self, name: str) -> BucketSnapshot | None:
        if name == self.source.name:
            return self.source
        return self.snapshot.destinations.get(name)

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

    def key_arn(self, reference: str | None) -> str | None:
        if not reference:
            return None
        found = checked.key_snapshot(self.snapshot, reference) or next(
            (k for k in self.snapshot.keys.values() if reference == k.arn), None
        )
        return checked.key_arn(self.snapshot, found.reference if found is not None else reference)

    def _replica_key_reference(self, destination: str) -> str | None:
        for rule in self.rules_to(destination):
            if rule.replica_key_ref:
                return rule.replica_key_ref
        bucket = self.snapshot.destinations.get(destination)
        return bucket.default_kms_key if bucket is not None else None

    def bucket_of_key(self, key_arn: str) -> str | None:
        """The bucket whose objects S3 encrypts or decrypts with ``key_arn`` for replication."""
        if self.key_arn(self.source.default_kms_key) == key_arn:
            return self.source.name
        for name in self.destination_names:
            bucket = self.snapshot.destinations.get(name)
            default = bucket.default_kms_key if bucket is not None else None
            if key_arn in (self.key_arn(self._replica_key_reference(name)), self.key_arn(default)):
                return name
        return None

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

    def bucket_region(self, bucket: str) -> str | None:
        snapshot = self.bucket(bucket)
        return checked.region_of(snapshot) if snapshot is not None else None


# Statement builders -------------------------------------------------------------------------------


def allow_statement(
    sid: str,
    actions: list[str],
    resources: list[str] | str,
    condition: dict[str, Any] | None = None,
    principal: str | None = None,
) -> Grant:
    grant: Grant = {"Sid": sid, "Effect": "Allow"}
    if principal is not None:
        grant["Principal"] = {"AWS": principal}
    grant["Action"] = actions
    grant["Resource"] = resources
    if condition:
        grant["Condition"] = condition
    return grant


def trust_grant() -> Grant:
    return {
        "Sid": SID_TRUST,
        "Effect": "Allow",
        "Principal": {"Service": S3_SERVICE_PRINCIPAL},
        "Action": "sts:AssumeRole",
    }


def kms_use_condition(region: str, encryption_contexts: list[str]) -> dict[str, Any]:
    """S3's use of a key for one bucket (catalog §3.3): through S3 in the bucket's Region, for its objects
    (or the bucket ARN under an S3 Bucket Key)."""
    return {
        "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": encryption_contexts},
    }


def _destination_kind(action: str) -> bool:
    lowered = action.lower()
    return lowered.startswith(("s3:replicate", "s3:objectowneroverride", "s3:putobject"))


def role_s3_grants(facts: SetupFacts, destination: str, actions: Iterable[str] | None = None) -> list[Grant]:
    """Statements for the role's own permission policy (catalog §3.2); ``actions``: only those."""
    source = facts.source.name
    if actions is None:
        wanted = [*SOURCE_BUCKET_ACTIONS, *SOURCE_OBJECT_ACTIONS, *DESTINATION_OBJECT_ACTIONS]
        if facts.source_object_lock:
            wanted += OBJECT_LOCK_SOURCE_ACTIONS
        if facts.overrides_owner_to(destination):
            wanted.append(OWNER_OVERRIDE_ACTION)
    else:
        wanted = list(dict.fromkeys(actions))
    bucket_level = [a for a in wanted if a.lower() in {b.lower() for b in SOURCE_BUCKET_ACTIONS}]
    destination_level = [a for a in wanted if _destination_kind(a)]
    source_objects = [a for a in wanted if a not in bucket_level and a not in destination_level]
    grants: list[Grant] = []
    if bucket_level:
        grants.append(allow_statement(SID_SOURCE_BUCKET, bucket_level, [f"arn:aws:s3:::{source}"]))
    if source_objects:
        grants.append(allow_statement(SID_SOURCE_OBJECTS, source_objects, facts.object_arns(source)))
    if destination_level:
        grants.append(allow_statement(SID_DESTINATION_OBJECTS, destination_level, facts.object_arns(destination)))
    return grants


def default_key_actions(facts: SetupFacts, bucket: str) -> list[str]:
    return list(SOURCE_KEY_ACTIONS if bucket == facts.source.name else REPLICA_KEY_ACTIONS)


def _kms_condition(facts: SetupFacts, bucket: str) -> dict[str, Any]:
    region = _need(facts.bucket_region(bucket), f"the region of bucket {bucket}")
    return kms_use_condition(region, facts.encryption_context(bucket))


def role_key_grant(facts: SetupFacts, key_arn: str, bucket: str, actions: Iterable[str] | None = None) -> Grant:
    """The role's own KMS statement for one key, limited to S3's use of it for ``bucket`` (§3.3)."""
    sid = SID_SOURCE_KEY if bucket == facts.source.name else SID_REPLICA_KEY
    wanted = list(actions) if actions else default_key_actions(facts, bucket)
    return allow_statement(sid, wanted, [key_arn], _kms_condition(facts, bucket))


def key_policy_grant(
    facts: SetupFacts, bucket: str, principal: str | None, actions: Iterable[str] | None = None
) -> Grant:
    """A key policy statement for the role (§3.5); in a key policy, Resource "*" means this key only."""
    role_arn = _need(principal or facts.role_arn, "the replication role's ARN")
    wanted = list(actions) if actions else default_key_actions(facts, bucket)
    return allow_statement(SID_KEY_POLICY, wanted, "*", _kms_condition(facts, bucket), principal=role_arn)


def destination_policy_grant(
    facts: SetupFacts, destination: str, principal: str | None, actions: Iterable[str] | None = None
) -> Grant:
    """§3.4: the role may replicate into the bucket (and hand ownership over when a rule says so)."""
    role_arn = _need(principal or facts.role_arn, "the replication role's ARN")
    if actions:
        wanted = list(actions)
    else:
        wanted = ["s3:ReplicateObject", "s3:ReplicateDelete"]
        if facts.overrides_owner_to(destination):
            wanted.append(OWNER_OVERRIDE_ACTION)
    return allow_statement(SID_REPLICA_WRITES, wanted, facts.object_arns(destination), principal=role_arn)


def restated_grant(statement: Mapping[str, Any], principal: str) -> Grant:
    """An owner's Allow that names a deleted role's unique id, restated for the role by ARN."""
    restated = {k: v for k, v in statement.items() if k not in ("Sid", "Principal")}
    return {"Sid": SID_RESTATED, **restated, "Principal": {"AWS": principal}}


# One function per fix id: what the finding shows and the plan writes -------------------------------


def _param(params: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = params.get(name)
        if value not in (None, ""):
            return value
    return None


def fix_destinations(facts: SetupFacts, params: Mapping[str, Any]) -> list[str]:
    """The destination buckets a bucket-policy fix is about: the one it names, else every one."""
    named = _param(params, "bucket", "destination")
    if named:
        return [str(named).split(":::", 1)[-1]]
    return facts.destination_names


def key_bucket(facts: SetupFacts, params: Mapping[str, Any]) -> tuple[str, str]:
    """The key a KMS fix is about, and the bucket whose objects S3 uses it for."""
    key_arn = _param(params, "key_arn")
    if not key_arn:
        raise MissingFact("the key the fix is about")
    bucket = facts.bucket_of_key(str(key_arn))
    if bucket is None:
        raise MissingFact(f"a bucket of this setup that encrypts with {key_arn}")
    return str(key_arn), bucket


def _unique(grants: list[Grant]) -> list[Grant]:
    seen: list[Grant] = []
    for grant in grants:
        if grant not in seen:
            seen.append(grant)
    return seen


def role_s3_statements(facts: SetupFacts, params: Mapping[str, Any]) -> list[Grant]:
    actions = _param(params, "actions")
    named = {str(resource).split(":::", 1)[-1].split("/", 1)[0] for resource in _param(params, "resources") or []}
    everywhere = facts.destination_names
    items: list[Grant] = []
    for destination in [d for d in everywhere if d in named] or everywhere:
        items += role_s3_grants(facts, destination, list(actions) if actions else None)
    return _unique(items)


def destination_policy_statements(facts: SetupFacts, destination: str, params: Mapping[str, Any]) -> list[Grant]:
    """The statement for one destination's bucket policy; ``params["actions"]``: only those."""
    actions = params.get("actions")
    if actions == []:
        return []
    return [destination_policy_grant(facts, destination, _param(params, "principal"), actions or None)]


def fix_statements(facts: SetupFacts, fix_id: str, params: Mapping[str, Any]) -> list[Grant]:
    """The statements fix ``fix_id`` adds (in every document it edits), from the hint's ``params``.

    Raises ``MissingFact`` when the setup does not say enough to build them; ``[]`` for fix ids that
    edit no policy statement.
    """
    if fix_id == "add-trust-s3-principal":
        return [trust_grant()]
    if fix_id == "add-role-s3-permissions":
        return role_s3_statements(facts, params)
    if fix_id == "add-role-kms-permissions":
        key_arn, bucket = key_bucket(facts, params)
        return [role_key_grant(facts, key_arn, bucket, _param(params, "actions"))]
    if fix_id == "add-key-policy-statement":
        _, bucket = key_bucket(facts, params)
        return [key_policy_grant(facts, bucket, _param(params, "principal"), _param(params, "actions"))]
    if fix_id == "amend-destination-bucket-policy":
        return _unique([g for d in fix_destinations(facts, params) for g in destination_policy_statements(
            facts, d, params)])
    if fix_id == "replace-stale-principal":
        statement, principal = params.get("stale_statement"), _param(params, "principal")
        if not isinstance(statement, Mapping) or not principal:
            raise MissingFact("the statement with the stale principal")
        return [restated_grant(statement, str(principal))]
    return []
