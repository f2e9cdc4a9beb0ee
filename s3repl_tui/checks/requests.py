"""The requests S3 makes when it replicates, with the request context S3 sends, as AWS documents it.

Sources (catalog §3): the role's minimum permissions [UG-PERM]; KMS statements and the encryption
context [UG-KMS][UG-SSEKMS] (object ARN, or the bucket ARN under an S3 Bucket Key [UG-BK]);
``kms:ViaService`` names the S3 endpoint of the key's bucket's Region (CRR walkthrough); the walkthrough
policy conditions ``s3:ReplicateObject`` on ``s3:x-amz-server-side-encryption`` and
``s3:x-amz-server-side-encryption-aws-kms-key-id``. Principal keys follow the IAM global condition keys
page: S3 acts as a session of the role, so ``aws:PrincipalArn`` is the role's ARN (path included, "for
IAM roles, the request context returns the ARN of the role"), ``aws:PrincipalType`` is ``AssumedRole``.

Context keys we deliberately leave out because S3's replication requests do not carry the values a
customer policy would look for: ``aws:SourceVpce``/``aws:SourceVpc``/``aws:VpcSourceIp`` (S3 does not
come through your VPC endpoint; catalog #16 lists such key policies as a cause) and ``aws:SourceIp``
(a service calling on your behalf shows its own address, never your CIDR: AWS Knowledge Center
"iam-restrict-calls-ip-addresses"). Keys whose presence AWS does not document for replication
(``aws:SecureTransport``, tags, org ids, ...) are
also left out; ``doubt.py`` makes any decision that hinges on them unknown instead of guessing.
``aws:CurrentTime``/``aws:EpochTime`` are in every request (IAM global condition keys: "always included
in the request context"): ``build_requests`` puts one "now" into all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal, TypeVar

from s3repl_tui.checks import facts
from s3repl_tui.checks.facts import RoleRef, RuleFacts
from s3repl_tui.policy import Request
from s3repl_tui.probes.snapshot import BucketSnapshot, Snapshot

Target = Literal["trust", "source", "destination", "kms"]
# required: replication fails without it; recommended: some objects or features fail (warning);
# optional: S3 does without it (ReplicateObject covers tags).
Need = Literal["required", "recommended", "optional"]
# replica: the rule's ReplicaKmsKeyID; intended-replica: the destination's default key, which becomes the
# replica key once the rule layer's fix opts the rule in (facts.replica_key_to_be); destination-default:
# the destination's default key, with which S3 encrypts replicas of plaintext and SSE-S3 objects.
KeyRole = Literal["source", "replica", "intended-replica", "destination-default"]
_Frozen = TypeVar("_Frozen", Request, "ReplicationRequest")

S3_PRINCIPAL = "s3.amazonaws.com"
REPLICA_ENCRYPT_GROUP = "replica-encrypt"
ENCRYPTION_HEADER_KEYS = frozenset({"s3:x-amz-server-side-encryption", "s3:x-amz-server-side-encryption-aws-kms-key-id",
                                    "s3:x-amz-server-side-encryption-customer-algorithm"})

# The failure reason S3 reports when the role may not do this (catalog §1).
FAILURE_REASONS: dict[str, str | None] = {
    "sts:AssumeRole": "AssumeRoleNotPermitted",
    "s3:GetReplicationConfiguration": None,
    "s3:ListBucket": None,
    "s3:GetObjectVersionForReplication": "SrcGetObjectNotPermitted",
    "s3:GetObjectVersionAcl": "SrcGetAclNotPermitted",
    "s3:GetObjectVersionTagging": "SrcGetTaggingNotPermitted",
    "s3:GetObjectRetention": "SrcGetRetentionNotPermitted",
    "s3:GetObjectLegalHold": "SrcGetLegalHoldNotPermitted",
    "s3:ReplicateObject": "DstPutObjectNotPermitted",
    "s3:ReplicateDelete": "DstDelObjNotPermitted",
    "s3:ReplicateTags": "DstPutTaggingNotPermitted",
    "s3:ObjectOwnerOverrideToBucketOwner": "DstPutObjectNotPermitted",
    "s3:PutObjectRetention": "DstPutRetentionNotPermitted",
    "s3:PutObjectLegalHold": "DstPutLegalHoldNotPermitted",
}


@dataclass(frozen=True)
class ReplicationRequest:
    target: Target
    request: Request
    need: Need
    failure_reason: str | None
    why: str
    rules: tuple[str, ...] = ()
    bucket: str | None = None  # the bucket acted on, or encrypted with the key
    resource_account: str | None = None
    key_ref: str | None = None  # kms: the key as referenced (rule or bucket encryption)
    key_role: KeyRole | None = None
    group: str | None = None  # kms: Encrypt/GenerateDataKey on the replica key, one is enough to work
    unresolved: str = ""  # non-empty: the resource ARN is unknown (why), the request can't be judged
    # Condition keys this request is known not to carry (beyond doubt.KNOWN_ABSENT).
    absent_keys: frozenset[str] = frozenset()

    @property
    def action(self) -> str:
        return self.request.action


def principal_context(role: RoleRef) -> dict[str, str]:
    """Keys of the role session S3 acts as; aws:PrincipalArn is the role ARN, path included."""
    context = {"aws:PrincipalArn": role.arn, "aws:PrincipalType": "AssumedRole"}
    if role.account:
        context["aws:PrincipalAccount"] = role.account
    for key, value in role.tags:  # a role session's principal tags are the role's tags
        context[f"aws:PrincipalTag/{key}"] = value
    return context


# AssumeRole keys only a caller passing them can send; S3 passes none of them [IAM sts condition keys].
TRUST_ABSENT_KEYS = frozenset({"sts:ExternalId"})


def trust_request(role: RoleRef, source_account: str | None = None, source_arn: str | None = None
                  ) -> ReplicationRequest:
    """S3 assuming the role for a source bucket: a service principal acting for a resource sends
    aws:SourceAccount and aws:SourceArn (the bucket's account and ARN, as S3's trust policy example
    conditions on them), never sts:ExternalId."""
    context = {"aws:PrincipalServiceName": S3_PRINCIPAL}
    if source_account:
        context["aws:SourceAccount"] = source_account
    if source_arn:
        context["aws:SourceArn"] = source_arn
    return ReplicationRequest(
        "trust",
        Request(S3_PRINCIPAL, "sts:AssumeRole", role.arn, context),
        "required",
        "AssumeRoleNotPermitted",
        "to assume the role",
        resource_account=role.account,
        absent_keys=TRUST_ABSENT_KEYS,
    )


def _s3_context(role: RoleRef, bucket: BucketSnapshot | None, account: str | None) -> dict[str, str]:
    context = principal_context(role)
    if account:
        context["aws:ResourceAccount"] = account
    region = facts.region_of(bucket) if bucket is not None else None
    if region:
        context["aws:RequestedRegion"] = region
    return context


def _source_requests(snapshot: Snapshot, role: RoleRef, rules: tuple[RuleFacts, ...]) -> list[ReplicationRequest]:
    source = snapshot.source
    account = source.owner_account
    context = _s3_context(role, source, account)
    ids = tuple(rule.id for rule in rules)
    made = [
        ReplicationRequest("source", Request(role.arn, action, source.arn, context), "required",
                           FAILURE_REASONS[action], why, ids, source.name, account,
                           absent_keys=ENCRYPTION_HEADER_KEYS)
        for action, why in (
            ("s3:GetReplicationConfiguration", "to read the replication configuration"),
            ("s3:ListBucket", "to list the source bucket (needed for delete markers)"),
        )
    ]
    object_actions = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
    if facts.object_lock_enabled(source):  # Object Lock sources need both reads [UG-PERM][UG-OL]
        object_actions += ["s3:GetObjectRetention", "s3:GetObjectLegalHold"]
    for rule in rules:
        resource = f"{source.arn}/{rule.object_key}"
        made += [
            ReplicationRequest("source", Request(role.arn, action, resource, context), "required",
                               FAILURE_REASONS[action], "to read source objects", (rule.id,), source.name, account,
                               absent_keys=ENCRYPTION_HEADER_KEYS)
            for action in object_actions
        ]
    return made


def _replica_encryption(snapshot: Snapshot, rule: RuleFacts) -> dict[str, str]:
    """The encryption headers of the replica S3 writes (the walkthrough policy conditions on them)."""
    algorithm = facts.default_algorithm(snapshot.source)
    if algorithm is None:
        return {}
    if rule.replica_key_ref and rule.sse_kms_opt_in and algorithm in facts.KMS_ALGORITHMS:
        key = facts.key_arn(snapshot, rule.replica_key_ref) or rule.replica_key_ref
        return {"s3:x-amz-server-side-encryption": algorithm,
                "s3:x-amz-server-side-encryption-aws-kms-key-id": key}
    return {"s3:x-amz-server-side-encryption": "AES256"} if algorithm == "AES256" else {}


def _destination_requests(snapshot: Snapshot, role: RoleRef, rule: RuleFacts) -> list[ReplicationRequest]:
    if rule.destination_bucket is None:
        return []
    bucket = facts.destination_bucket(snapshot, rule)
    account = (bucket.owner_account if bucket is not None else None) or rule.account
    context = _s3_context(role, bucket, account)
    resource = f"arn:aws:s3:::{rule.destination_bucket}/{rule.object_key}"
    source_lock = facts.object_lock_enabled(snapshot.source)
    wanted: list[tuple[str, Need, str]] = [
        ("s3:ReplicateObject", "required", "to write replicas"),
        ("s3:ReplicateDelete", "required" if rule.replicates_delete_markers else "optional",
         "to replicate delete markers (only asked for when the rule replicates them)"),
        ("s3:ReplicateTags", "optional", "to replicate tags (s3:ReplicateObject covers them)"),
    ]
    if rule.owner_override:
        wanted.append(("s3:ObjectOwnerOverrideToBucketOwner", "required", "to change replica ownership"))
    if source_lock:  # the failure table names these; the minimum policy pages don't (catalog #15, #17)
        wanted += [("s3:PutObjectRetention", "recommended", "to replicate Object Lock retention"),
                   ("s3:PutObjectLegalHold", "recommended", "to replicate Object Lock legal holds")]
    made = []
    for action, need, why in wanted:
        action_context = dict(context)
        absent: frozenset[str] = frozenset()
        if action == "s3:ReplicateObject":
            action_context.update(_replica_encryption(snapshot, rule))
        else:  # encryption headers only exist on the object write
            absent = ENCRYPTION_HEADER_KEYS
        made.append(ReplicationRequest("destination", Request(role.arn, action, resource, action_context), need,
                                       FAILURE_REASONS[action], why, (rule.id,), rule.destination_bucket, account,
                                       absent_keys=absent))
    return made


def _kms_context(role: RoleRef, bucket: BucketSnapshot | None, bucket_name: str, object_key: str,
                 key_account: str | None, key_region: str | None) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = dict(principal_context(role))
    if role.account:
        context["kms:CallerAccount"] = role.account
    if key_account:
        context["aws:ResourceAccount"] = key_account
    if key_region:
        context["aws:RequestedRegion"] = key_region
    context["kms:EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT"
    # S3 calls KMS through its endpoint in the bucket's Region; SSE-KMS needs the key in that Region, so
    # the key ARN's Region stands in while the bucket's is unread (a mismatch is the rule check's finding).
    region = (facts.region_of(bucket) if bucket is not None else None) or key_region
    if region:
        context["kms:ViaService"] = f"s3.{region}.amazonaws.com"
    bucket_key = bucket.bucket_key_enabled if bucket is not None else None
    if bucket_key is not None:
        # Under an S3 Bucket Key the context is the bucket ARN, not the object ARN [UG-KMS][UG-BK].
        arn = f"arn:aws:s3:::{bucket_name}"
        context["kms:EncryptionContext:aws:s3:arn"] = arn if bucket_key else f"{arn}/{object_key}"
        context["kms:EncryptionContextKeys"] = ["aws:s3:arn"]
    return context


def _kms_target(snapshot: Snapshot, role: RoleRef, rule: RuleFacts, key_ref: str, bucket: BucketSnapshot | None,
                bucket_name: str) -> tuple[str | None, str | None, dict[str, str | list[str]]]:
    """(key ARN, key account, request context) of the requests a rule makes with one key for one bucket."""
    key = facts.key_snapshot(snapshot, key_ref)
    arn = facts.key_arn(snapshot, key_ref)
    account = (key.account if key is not None else None) or facts.arn_account(arn)
    region = (key.region if key is not None else None) or facts.arn_region(arn)
    return arn, account, _kms_context(role, bucket, bucket_name, rule.object_key, account, region)


def _kms_request(target: tuple[str | None, str | None, dict[str, str | list[str]]], role: RoleRef, rule: RuleFacts,
                 key_ref: str, key_role: KeyRole, action: str, need: Need, bucket_name: str, why: str,
                 group: str | None = None) -> ReplicationRequest:
    arn, account, context = target
    reason = None if key_role == "source" else "DstPutObjectNotPermitted"
    return ReplicationRequest(
        "kms", Request(role.arn, action, arn or "", context), need, reason, why, (rule.id,), bucket_name,
        account, key_ref, key_role, group,
        unresolved="" if arn else f"the key {key_ref!r} could not be resolved to a key ARN",
    )


def _kms_requests(snapshot: Snapshot, role: RoleRef, rule: RuleFacts) -> list[ReplicationRequest]:
    source = snapshot.source
    made: list[ReplicationRequest] = []
    source_kms = facts.uses_kms(source)
    if source_kms and source.default_kms_key:
        target = _kms_target(snapshot, role, rule, source.default_kms_key, source, source.name)
        made.append(_kms_request(target, role, rule, source.default_kms_key, "source", "kms:Decrypt", "required",
                                 source.name, "to decrypt source objects"))
    destination = facts.destination_bucket(snapshot, rule)
    dest_name = rule.destination_bucket or ""
    replica, why = rule.replica_key_ref, "to encrypt replicas"
    key_role: KeyRole = "replica"
    if replica is None:
        # The rule layer's opt-in fix names the destination's default key as the replica key: judge what the
        # rule will need of it now, so that one round of fixes is enough.
        replica, key_role = facts.replica_key_to_be(snapshot, rule), "intended-replica"
        why = (f"to encrypt replicas once {rule.label} opts in to SSE-KMS objects (the rule layer's fix makes "
               "this key its replica key)")
    if replica:
        need: Need = "required" if source_kms else "recommended"
        replica_target = _kms_target(snapshot, role, rule, replica, destination, dest_name)
        for action in ("kms:Encrypt", "kms:GenerateDataKey"):
            made.append(_kms_request(replica_target, role, rule, replica, key_role, action, need,
                                     dest_name, why, REPLICA_ENCRYPT_GROUP))
        bucket_key = destination.bucket_key_enabled if destination is not None else None
        # With a destination Bucket Key the role needs kms:Decrypt on the replica key [UG-KMS]; without it
        # the failure table still names it (multipart uploads), so it is recommended (catalog §1 notes).
        made.append(_kms_request(replica_target, role, rule, replica, key_role, "kms:Decrypt",
                                 "required" if bucket_key else "recommended", dest_name,
                                 "to decrypt replicas (Bucket Key, multipart uploads)"))
    # The destination's default key is not among them: replicas keep the source object's encryption and
    # S3 encrypts every object since 2023-01-05, so only objects stored unencrypted before then would be
    # encrypted with it (role_kms notes that) [UG-KMS replication-config-for-kms-objects].
    return made


def _context_key(context: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """A context compared as text, in key order (the keys are distinct: sorting never compares values)."""
    return tuple((k, v if type(v) is str else str(v)) for k, v in sorted(context.items()))


def _merge(requests: list[ReplicationRequest]) -> tuple[ReplicationRequest, ...]:
    """One request per (target, action, resource, context); the rules that need it are merged.

    Requests to distinct resources never merge (rules with distinct prefixes send distinct object ARNs),
    so a context is compared only once a second request shares a (target, action, resource, key)."""
    slots: list[ReplicationRequest] = []  # in the order each (target, action, resource, context) first came
    alone: dict[tuple[object, ...], int] = {}  # coarse key -> slot of the one request with it so far
    shared: set[tuple[object, ...]] = set()  # coarse keys of several requests: compared with their contexts
    index: dict[tuple[object, ...], int] = {}
    contexts: dict[int, tuple[tuple[str, str], ...]] = {}  # by context object (requests often share one)
    folded: dict[int, _Merged] = {}  # slot -> what the requests merged into it change

    def context_key(item: ReplicationRequest) -> tuple[tuple[str, str], ...]:
        context = item.request.context
        found = contexts.get(id(context))
        if found is None:
            found = contexts[id(context)] = _context_key(context)
        return found

    for item in requests:
        coarse = (item.target, item.action, item.request.resource, item.key_ref)
        if coarse not in shared:
            first = alone.pop(coarse, None)
            if first is None:
                alone[coarse] = len(slots)
                slots.append(item)
                continue
            shared.add(coarse)
            index[(coarse, context_key(slots[first]))] = first
        key = (coarse, context_key(item))
        at = index.get(key)
        if at is None:
            index[key] = len(slots)
            slots.append(item)
            continue
        merged = folded.get(at)
        if merged is None:
            seen = slots[at]
            merged = folded[at] = _Merged(dict.fromkeys(seen.rules), seen.need, seen.group)
        merged.add(item)
    for at, merged in folded.items():  # one new request per merged slot, however many rules it has
        slots[at] = replace(slots[at], rules=tuple(merged.rules), need=merged.need, group=merged.group)
    return tuple(slots)


_NEED_ORDER: tuple[Need, ...] = ("required", "recommended", "optional")


@dataclass
class _Merged:
    """What merging requests changes of the first one: the rules that need it, its need and group."""

    rules: dict[str, None]
    need: Need
    group: str | None

    def add(self, item: ReplicationRequest) -> None:
        need = min(self.need, item.need, key=_NEED_ORDER.index)
        # A request no sibling action stands in for (no group) stays so if it is the strictest.
        alone = (self.group is None and self.need == need) or (item.group is None and item.need == need)
        self.group = None if alone else self.group or item.group
        self.need = need
        self.rules.update(dict.fromkeys(item.rules))


def time_context(now: datetime | None = None) -> dict[str, str]:
    """``aws:CurrentTime`` (ISO 8601, UTC) and ``aws:EpochTime`` (seconds): "always included in the
    request context" (IAM global condition keys page), so every request S3 makes carries them."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {"aws:CurrentTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "aws:EpochTime": str(int(moment.timestamp()))}


def _timed(requests: tuple[ReplicationRequest, ...], now: datetime | None) -> tuple[ReplicationRequest, ...]:
    """The same "now" in every request of one judgement (keys the request already has are kept).

    Requests that shared a context object share the timed one (contexts are never changed once built)."""
    times = time_context(now)
    contexts: dict[int, dict[str, object]] = {}
    timed = []
    for item in requests:
        request = item.request
        context = contexts.get(id(request.context))
        if context is None:
            context = contexts[id(request.context)] = {**times, **request.context}
        timed.append(_with(item, "request", _with(request, "context", context)))
    return tuple(timed)


def _with(value: _Frozen, name: str, new: object) -> _Frozen:
    """``replace(value, **{name: new})`` for a frozen dataclass without ``__post_init__`` (``Request``,
    ``ReplicationRequest``), without re-running its ``__init__``: a thousand requests for a hundred rules."""
    copied: _Frozen = object.__new__(type(value))
    copied.__dict__.update(value.__dict__)
    copied.__dict__[name] = new
    return copied


def build_requests(snapshot: Snapshot, now: datetime | None = None) -> tuple[ReplicationRequest, ...]:
    """Every request S3 makes for the enabled rules, starting with assuming the role, at ``now``."""
    role = facts.role_ref(snapshot)
    if role is None:
        return ()
    rules = tuple(rule for rule in facts.rule_facts(snapshot.replication) if rule.enabled)
    trust = trust_request(role, snapshot.source.owner_account, snapshot.source.arn)
    if not rules:
        return _timed((trust,), now)
    made = [trust, *_source_requests(snapshot, role, rules)]
    for rule in rules:
        made += _destination_requests(snapshot, role, rule)
        made += _kms_requests(snapshot, role, rule)
    return _timed(_merge(made), now)
