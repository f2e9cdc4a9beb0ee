"""What a Terraform plan decides about one replication setup, as the probe's reads: every input the plan
holds becomes ``Read.ok`` with the planned value, a value known only after apply becomes an error read
(``KnownAfterApply``: unknown, never a pass), and what the plan does not hold is left for a live read.

Resources and arguments of the AWS provider v5 (the same ones ``fix --export terraform`` writes):
aws_s3_bucket, aws_s3_bucket_versioning, aws_s3_bucket_server_side_encryption_configuration,
aws_s3_bucket_ownership_controls, aws_s3_bucket_policy, aws_s3_bucket_object_lock_configuration,
aws_s3_bucket_request_payment_configuration, aws_s3_bucket_replication_configuration, aws_iam_role,
aws_iam_role_policy, aws_iam_policy, aws_iam_role_policy_attachment, aws_kms_key, aws_kms_key_policy,
aws_kms_alias; data.aws_caller_identity names an account. A value known only after apply is followed
through its configuration references: ``role = aws_iam_role.r.arn`` is the ARN IAM gives that role
(``arn:aws:iam::<account>:role<path><name>``) when its account is known, and its planned documents."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from s3repl_tui.aws.arns import Arn, KeyReference, bucket_name, role_name
from s3repl_tui.fixes.export_iac import REPLICATION_RULE_FIELDS
from s3repl_tui.probes.snapshot import Document, Read, ReadError
from s3repl_tui.probes.state import BUCKET_OPERATIONS, SOURCE_ONLY_OPERATIONS
from s3repl_tui.terraform_plan.plan_file import UNKNOWN, Plan, PlanError, Resource

KNOWN_AFTER_APPLY = "KnownAfterApply"
ROLE_PLACEHOLDER = "(known after apply)"


def after_apply(what: str, operation: str, address: str) -> Read[Any]:
    message = f"{what} is known only after `terraform apply` ({address})."
    return Read.failed(ReadError("other", KNOWN_AFTER_APPLY, message, operation))


def _document(text: Any, what: str, operation: str, address: str) -> Read[Any]:
    if text is UNKNOWN:
        return after_apply(what, operation, address)
    if not isinstance(text, str) or not text.strip():
        return Read.failed(ReadError("other", "NoDocument", f"{what} is empty in the plan ({address}).", operation))
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return Read.failed(ReadError("other", "MalformedPolicy", f"{what} is not JSON ({address}).", operation))
    return Read.ok(parsed) if isinstance(parsed, dict) else Read.failed(
        ReadError("other", "MalformedPolicy", f"{what} is not a JSON object ({address}).", operation))


def _blocks(resource: Resource, *path: str | int) -> Any:
    """A repeated block's planned items, ``UNKNOWN`` when the whole block is known only after apply."""
    value = resource.get(*path)
    return value if value is UNKNOWN else list(value or [])


def _first(value: Any) -> Any:
    """A nested block of at most one (``destination``, ``versioning_configuration``): its object, or None."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


@dataclass
class PlannedBucket:
    name: str
    resource: Resource | None  # the aws_s3_bucket, when the plan holds it
    owner_account: str | None = None
    reads: dict[str, Read[Any]] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)  # input -> the resource that decides it

    @property
    def created(self) -> bool:
        return self.resource is not None and self.resource.created


@dataclass
class PlannedRole:
    arn: str
    name: str
    account: str | None
    reads: dict[str, Read[Any]]
    addresses: list[str]
    live_policies: list[str] = field(default_factory=list)  # managed policy ARNs the plan does not hold
    planned_policies: dict[str, Any] = field(default_factory=dict)  # label -> document, beside them
    live_boundary: str | None = None  # a boundary ARN the plan does not hold


@dataclass
class PlannedKey:
    reference: str
    arn: str | None
    region: str | None
    account: str | None
    reads: dict[str, Read[Any]]
    address: str


@dataclass
class PlannedSetup:
    plan: Plan
    source_bucket: str
    replication_address: str
    buckets: dict[str, PlannedBucket]  # source and every destination, planned or not
    destinations: list[tuple[str, str | None]]  # (bucket, Destination.Account) in rule order
    role: PlannedRole | None  # None: the role is not in the plan (read live) or named by no rule
    role_arn: str | None  # as the configuration will name it; None: unknown
    keys: dict[str, PlannedKey]  # reference as in the snapshot -> the planned key
    live_keys: list[tuple[str, str | None, str, tuple[int, int]]]  # (reference, account, bucket, rank)
    unknown: list[str] = field(default_factory=list)  # what is known only after apply, in words
    # Paths of the replication document other than Role known only after apply (left out of the document).
    rule_unknown: list[str] = field(default_factory=list)
    # A role the plan does not hold: the inline policies the plan puts on it (name -> document), by address.
    added_inline: dict[str, Read[Any]] = field(default_factory=dict)
    added_addresses: list[str] = field(default_factory=list)

    @property
    def role_unknown(self) -> bool:
        return self.role_arn is None


class _Resolver:
    """Values of the plan, following references where the value itself is known only after apply."""

    def __init__(self, plan: Plan, hints: Mapping[str, str]) -> None:
        self.plan = plan
        self.hints = dict(hints)  # provider key -> account, from what the plan or the rules say

    def account(self, resource: Resource) -> str | None:
        key = resource.provider_key
        for identity in self.plan.data("aws_caller_identity"):
            account = identity.get("account_id")
            if identity.provider_key == key and isinstance(account, str) and account:
                return account
        allowed = self.plan.provider_value(resource, "allowed_account_ids")
        if isinstance(allowed, list) and len(allowed) == 1:
            return str(allowed[0])
        assumed = (self.plan.providers.get(key) or {}).get("expressions", {}).get("assume_role")
        if isinstance(assumed, list) and assumed:
            arn = Arn.parse(str(self.plan.constant(assumed[0].get("role_arn")) or ""))
            if arn is not None and arn.account:
                return arn.account
        for other in self.plan.resources.values():
            arn = Arn.parse(str(other.get("arn") or "")) if other.provider_key == key else None
            if arn is not None and arn.account and arn.service in ("iam", "kms"):
                return arn.account
        return self.hints.get(key)

    def region(self, resource: Resource) -> str | None:
        region = self.plan.provider_value(resource, "region")
        if isinstance(region, str) and region:
            return region
        value = resource.get("region")
        return value if isinstance(value, str) and value else None

    def value(self, resource: Resource, *path: str | int) -> Any:
        """The planned value, else what the resource it refers to will give (``UNKNOWN`` if neither)."""
        value = resource.get(*path)
        if value is not UNKNOWN:
            return value
        target = self.plan.referenced(resource, *path)
        if target is None:
            return UNKNOWN
        attribute = next((ref[len(target.address) + 1:].split(".")[0] for ref in resource.references(*path)
                          if ref.startswith(target.address + ".")), "id")
        return self.attribute(target, attribute)

    def attribute(self, target: Resource, attribute: str) -> Any:
        known = target.get(attribute)
        if known is not UNKNOWN and known not in (None, ""):
            return known
        if target.type == "aws_s3_bucket":
            name = target.get("bucket")
            if not isinstance(name, str) or not name:
                return UNKNOWN
            return f"arn:aws:s3:::{name}" if attribute == "arn" else name
        if target.type in ("aws_iam_role", "aws_iam_policy"):
            name = target.get("name")
            if not isinstance(name, str) or not name:
                return UNKNOWN
            if attribute in ("name", "id"):
                return name
            account, path = self.account(target), target.get("path")
            path = path if isinstance(path, str) and path else "/"
            kind = "role" if target.type == "aws_iam_role" else "policy"
            return f"arn:aws:iam::{account}:{kind}{path}{name}" if account else UNKNOWN
        if target.type == "aws_kms_key":
            return key_stand_in(target, self.region(target), self.account(target))
        if target.type == "aws_kms_alias" and attribute in ("name", "id"):
            name = target.get("name")
            return name if isinstance(name, str) else UNKNOWN
        if target.type == "aws_kms_alias":
            aimed = self.plan.referenced(target, "target_key_id")
            return self.attribute(aimed, "arn") if aimed is not None else UNKNOWN
        return UNKNOWN


def key_stand_in(key: Resource, region: str | None, account: str | None) -> str:
    """A key created by the plan has its id only after apply; it stands in as an ARN naming its address
    (in its account and region when known), so the policies that grant it by ``*`` can be judged."""
    if region and account:
        return f"arn:aws:kms:{region}:{account}:key/(known after apply: {key.address})"
    return f"(known after apply: {key.address})"


# The S3 API's shapes from the provider's blocks --------------------------------------------------


def _api(values: Any, spec: Mapping[str, tuple[str, Any]], resolver: _Resolver, resource: Resource,
         path: tuple[str | int, ...]) -> dict[str, Any]:
    """The inverse of the Terraform export's spec: blocks of one become objects, "" and [] unset."""
    result: dict[str, Any] = {}
    if not isinstance(values, Mapping):
        return result
    for api_key, (name, inner) in spec.items():
        if name not in values and resource.get(*path, name) is not UNKNOWN:
            continue
        item = values.get(name)
        here = (*path, name)
        if inner is None:
            item = resolver.value(resource, *here)
            if item is UNKNOWN:
                result[api_key] = UNKNOWN
            elif item not in (None, "") or (api_key == "Prefix" and "filter" in path):
                result[api_key] = item
        elif inner == "tag-map":
            if isinstance(item, Mapping) and item:
                result[api_key] = [{"Key": str(k), "Value": str(v)} for k, v in item.items()]
        else:
            block = _first(item)
            if block is not None:
                result[api_key] = _api(block, inner, resolver, resource, (*here, 0))
    return result


def _unknowns(value: Any, where: str = "") -> list[str]:
    if value is UNKNOWN:
        return [where or "the value"]
    if isinstance(value, dict):
        return [u for key, item in value.items() for u in _unknowns(item, f"{where}.{key}" if where else key)]
    if isinstance(value, list):
        return [u for index, item in enumerate(value) for u in _unknowns(item, f"{where}[{index}]")]
    return []


def replication_document(resource: Resource, resolver: _Resolver) -> tuple[Document, list[str]]:
    """``{"Role": ..., "Rules": [...]}`` as PutBucketReplication would receive it, and what in it is
    known only after apply (its paths)."""
    rules: list[Any] = []
    planned_rules = _blocks(resource, "rule")
    for index, rule in enumerate(planned_rules if planned_rules is not UNKNOWN else []):
        api = _api(rule, REPLICATION_RULE_FIELDS, resolver, resource, ("rule", index))
        if "Filter" in api:
            api.pop("Prefix", None)
        else:
            api.pop("Priority", None)  # the provider sends Priority with a filter only (V2 rules)
        rules.append(api)
    role = resolver.value(resource, "role")
    document: Document = {"Role": role, "Rules": rules}
    return document, ["Rules"] * (planned_rules is UNKNOWN) + _unknowns(document)


def _encryption(resource: Resource, resolver: _Resolver) -> Any:
    """GetBucketEncryption's document; ``UNKNOWN`` (or holding it) where the plan knows it only after apply."""
    planned_rules = _blocks(resource, "rule")
    if planned_rules is UNKNOWN:
        return UNKNOWN
    rules = []
    for index, rule in enumerate(planned_rules):
        default = _first(rule.get("apply_server_side_encryption_by_default"))  # {}: all its values unknown
        api: dict[str, Any] = {}
        if default is not None or resource.get("rule", index, "apply_server_side_encryption_by_default") is UNKNOWN:
            path = ("rule", index, "apply_server_side_encryption_by_default", 0)
            by_default: dict[str, Any] = {"SSEAlgorithm": resource.get(*path, "sse_algorithm")}
            key = resolver.value(resource, *path, "kms_master_key_id")
            if key not in (None, ""):
                by_default["KMSMasterKeyID"] = key
            api["ApplyServerSideEncryptionByDefault"] = by_default
        enabled = resource.get("rule", index, "bucket_key_enabled")
        api["BucketKeyEnabled"] = enabled if enabled is UNKNOWN else bool(enabled)
        rules.append(api)
    return {"Rules": rules}


# The setup ---------------------------------------------------------------------------------------

_BUCKET_SETTINGS = {
    "aws_s3_bucket_versioning": "versioning",
    "aws_s3_bucket_server_side_encryption_configuration": "encryption",
    "aws_s3_bucket_ownership_controls": "ownership",
    "aws_s3_bucket_object_lock_configuration": "object_lock",
    "aws_s3_bucket_policy": "policy",
    "aws_s3_bucket_request_payment_configuration": "request_payment",
    "aws_s3_bucket_replication_configuration": "replication",
    "aws_s3_bucket_notification": "notification",
}
_OPERATIONS = {**BUCKET_OPERATIONS, **SOURCE_ONLY_OPERATIONS}  # the read each planned field stands in for
# aws_s3_bucket_notification's blocks -> GetBucketNotificationConfiguration's lists (and their ARN key).
_NOTIFICATIONS = (("queue", "QueueConfigurations", "queue_arn", "QueueArn"),
                  ("topic", "TopicConfigurations", "topic_arn", "TopicArn"),
                  ("lambda_function", "LambdaFunctionConfigurations", "lambda_function_arn", "LambdaFunctionArn"))
# What a bucket the plan creates has when no resource sets it (S3's defaults for new buckets since 2023:
# SSE-S3 by default, BucketOwnerEnforced, no policy, no Object Lock, the owner pays, no notifications).
_NEW_BUCKET: dict[str, Read[Any]] = {
    "versioning": Read.ok(""),
    "encryption": Read.ok({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                                      "BucketKeyEnabled": False}]}),
    "ownership": Read.ok("BucketOwnerEnforced"),
    "object_lock": Read.absent("ObjectLockConfigurationNotFoundError"),
    "policy": Read.absent("NoSuchBucketPolicy"),
    "request_payment": Read.ok("BucketOwner"),
    "notification": Read.ok({}),
}


def _bucket_of(resolver: _Resolver, resource: Resource) -> str | None:
    value = resolver.value(resource, "bucket")
    return bucket_name(value) if isinstance(value, str) and value else None


def _setting(field_name: str, resource: Resource, resolver: _Resolver, bucket: str) -> Read[Any]:
    operation, address = _OPERATIONS[field_name], resource.address
    what = f"The planned {field_name.replace('_', ' ')} of {bucket}"
    if field_name == "versioning":
        status = resource.get("versioning_configuration", 0, "status")
        if status is UNKNOWN:
            return after_apply(what, operation, address)
        return Read.ok("" if status in (None, "Disabled") else str(status))
    if field_name == "encryption":
        document = _encryption(resource, resolver)
        return after_apply(what, operation, address) if _unknowns(document) else Read.ok(document)
    if field_name == "ownership":
        ownership = resource.get("rule", 0, "object_ownership")
        return after_apply(what, operation, address) if ownership is UNKNOWN else Read.ok(str(ownership or ""))
    if field_name == "object_lock":
        rule = _first(resource.get("rule")) or {}
        retention = _first(rule.get("default_retention")) if isinstance(rule, dict) else None
        lock: Document = {"ObjectLockEnabled": "Enabled"}
        if retention:
            lock["Rule"] = {"DefaultRetention": {k: v for k, v in (("Mode", retention.get("mode")),
                            ("Days", retention.get("days")), ("Years", retention.get("years"))) if v}}
        return Read.ok(lock)
    if field_name == "policy":
        return _document(resource.get("policy"), f"The planned bucket policy of {bucket}", operation, address)
    if field_name == "notification":
        return _notification(resource, resolver, what, operation)
    if field_name == "request_payment":
        payer = resource.get("payer")
        return after_apply(what, operation, address) if payer is UNKNOWN else Read.ok(str(payer or "BucketOwner"))
    raise ValueError(field_name)


def _notification(resource: Resource, resolver: _Resolver, what: str, operation: str) -> Read[Any]:
    document: Document = {}
    if resource.get("eventbridge") is True:
        document["EventBridgeConfiguration"] = {}
    for block, key, arn_name, arn_key in _NOTIFICATIONS:
        items = []
        planned_items = _blocks(resource, block)
        if planned_items is UNKNOWN or resource.get("eventbridge") is UNKNOWN:
            return after_apply(what, operation, resource.address)
        for index, item in enumerate(planned_items):
            arn = resolver.value(resource, block, index, arn_name)
            events = resource.get(block, index, "events")
            if arn is UNKNOWN or events is UNKNOWN:
                return after_apply(what, operation, resource.address)
            entry: Document = {arn_key: arn, "Events": list(events or [])}
            if isinstance(item, dict) and item.get("id"):
                entry["Id"] = item["id"]
            items.append(entry)
        if items:
            document[key] = items
    return Read.ok(document)


def _planned_buckets(plan: Plan, resolver: _Resolver, names: list[str]) -> dict[str, PlannedBucket]:
    by_name: dict[str, Resource] = {}
    for bucket_resource in plan.of_type("aws_s3_bucket"):
        name = bucket_resource.get("bucket")
        if isinstance(name, str) and name:
            by_name[name] = bucket_resource
    buckets = {name: PlannedBucket(name, by_name.get(name)) for name in names}
    for planned in buckets.values():
        resource = planned.resource
        if resource is None:
            continue
        planned.owner_account = resolver.account(resource)
        planned.reads["exists"] = Read.ok(True)
        planned.addresses["exists"] = resource.address
        region = resolver.region(resource)
        if region:
            planned.reads["region"] = Read.ok(region)
        if planned.created:
            planned.reads.update(_NEW_BUCKET)
            if resource.get("object_lock_enabled") is True:
                planned.reads["object_lock"] = Read.ok({"ObjectLockEnabled": "Enabled"})
        for name in ("versioning", "encryption", "ownership", "object_lock", "policy", "request_payment"):
            if planned.created:
                planned.addresses[name] = resource.address
        if planned.created:
            planned.addresses["notification"] = resource.address
    for resource in plan.resources.values():
        field_name = _BUCKET_SETTINGS.get(resource.type)
        if field_name is None or field_name == "replication" or resource.mode != "managed":
            continue
        name = _bucket_of(resolver, resource)
        if name not in buckets:
            continue
        planned = buckets[name]
        planned.reads[field_name] = _setting(field_name, resource, resolver, name)
        planned.addresses[field_name] = resource.address
        if planned.owner_account is None:
            planned.owner_account = resolver.account(resource)
    return buckets


def _targets(plan: Plan, resolver: _Resolver, resource: Resource, attribute: str, role: Resource,
             role_name_: str) -> bool:
    aimed = plan.referenced(resource, attribute)
    if aimed is not None:
        return aimed.address == role.address
    value = resource.get(attribute)
    return isinstance(value, str) and value in (role_name_, resolver.attribute(role, "arn"))


def _managed_policy(plan: Plan, resolver: _Resolver, arn: Any, holder: Resource, attribute: str
                    ) -> tuple[str, Read[Any]] | None:
    """(label, document) of a managed policy the plan holds; None: not in the plan (read it live)."""
    policy: Resource | None = plan.referenced(holder, attribute)
    if policy is None:
        policy = next((p for p in plan.of_type("aws_iam_policy") if isinstance(arn, str) and arn
                       and arn in (p.get("arn"), resolver.attribute(p, "arn"))), None)
    if policy is None or policy.type != "aws_iam_policy":
        return None
    label = resolver.attribute(policy, "arn")
    label = label if isinstance(label, str) else policy.address
    return label, _document(policy.get("policy"), f"The planned policy {policy.address}", "iam:GetPolicyVersion",
                            policy.address)


def _planned_role(plan: Plan, resolver: _Resolver, role: Resource, arn: str | None) -> PlannedRole:
    name = str(role.get("name") or "")
    path = role.get("path")
    path = path if isinstance(path, str) and path else "/"
    account = resolver.account(role)
    shown_arn = arn or f"arn:aws:iam::{account or '(known after apply)'}:role{path}{name}"
    addresses = [role.address]
    reads: dict[str, Read[Any]] = {}
    trust = _document(role.get("assume_role_policy"), f"The planned trust policy of {name}", "iam:GetRole",
                      role.address)
    if trust.is_ok:
        value: Document = {"RoleName": name, "Path": path, "AssumeRolePolicyDocument": trust.value}
        if arn:
            value["Arn"] = arn
        tags = role.get("tags")
        if isinstance(tags, dict):
            value["Tags"] = [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
        boundary_arn = role.get("permissions_boundary")
        if isinstance(boundary_arn, str) and boundary_arn:
            value["PermissionsBoundary"] = {"PermissionsBoundaryArn": boundary_arn,
                                            "PermissionsBoundaryType": "Policy"}
        reads["role"] = Read.ok(value)
    else:
        reads["role"] = trust
    inline: dict[str, Any] = {}
    inline_error: Read[Any] | None = None
    for block in role.get("inline_policy") or [] if role.get("inline_policy") is not UNKNOWN else []:
        if isinstance(block, dict) and block.get("name"):
            read = _document(block.get("policy"), f"The inline policy {block['name']}", "iam:GetRolePolicy",
                             role.address)
            inline_error = inline_error or (read if read.is_error else None)
            inline[str(block["name"])] = read.value
    for policy in plan.of_type("aws_iam_role_policy"):
        if _targets(plan, resolver, policy, "role", role, name):
            addresses.append(policy.address)
            policy_name = policy.get("name")
            read = _document(policy.get("policy"), f"The planned inline policy {policy.address}",
                             "iam:GetRolePolicy", policy.address)
            inline_error = inline_error or (read if read.is_error else None)
            inline[str(policy_name) if isinstance(policy_name, str) and policy_name else policy.address] = read.value
    reads["inline_policies"] = inline_error if inline_error is not None else Read.ok(inline)
    attached: dict[str, Any] = {}
    attached_error: Read[Any] | None = None
    live: list[str] = []
    for attachment in plan.of_type("aws_iam_role_policy_attachment"):
        if not _targets(plan, resolver, attachment, "role", role, name):
            continue
        addresses.append(attachment.address)
        found = _managed_policy(plan, resolver, attachment.get("policy_arn"), attachment, "policy_arn")
        if found is None:
            policy_arn = attachment.get("policy_arn")
            if isinstance(policy_arn, str) and policy_arn:
                live.append(policy_arn)
            else:
                attached_error = attached_error or after_apply(
                    f"The policy attached by {attachment.address}", "iam:GetPolicyVersion", attachment.address)
            continue
        label, read = found
        addresses.append(label)
        attached_error = attached_error or (read if read.is_error else None)
        attached[label] = read.value
    existing = role.get("managed_policy_arns") if not role.created else None
    for policy_arn in existing if isinstance(existing, list) else ():
        if isinstance(policy_arn, str) and policy_arn not in attached and policy_arn not in live:
            live.append(policy_arn)
    if attached_error is not None:
        reads["attached_policies"] = attached_error
    elif not live:
        reads["attached_policies"] = Read.ok(attached)  # else: with the ones read live (check._role_reads)
    boundary = role.get("permissions_boundary")
    live_boundary: str | None = None
    if boundary is UNKNOWN or (isinstance(boundary, str) and boundary):
        found = _managed_policy(plan, resolver, boundary, role, "permissions_boundary")
        if found is None and boundary is UNKNOWN:
            reads["boundary"] = after_apply(f"The permissions boundary of {name}", "iam:GetPolicyVersion",
                                            role.address)
        elif found is None:
            live_boundary = str(boundary)
        else:
            reads["boundary"] = found[1]
    else:
        reads["boundary"] = Read.absent("NoPermissionsBoundary")
    planned_role = PlannedRole(shown_arn, name, account, reads, addresses, live, attached, live_boundary)
    return planned_role


def _default_key_policy(account: str) -> Document:
    """The policy AWS gives a key created without one (KMS developer guide, "Default key policy")."""
    return {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*", "Resource": "*"}]}


def _planned_key(plan: Plan, resolver: _Resolver, key: Resource, reference: str) -> PlannedKey:
    region, account = resolver.region(key), resolver.account(key)
    arn = key.get("arn")
    arn = arn if isinstance(arn, str) and arn else (reference if KeyReference.parse(reference).region else None)
    enabled = key.get("is_enabled")
    enabled = enabled is not False
    metadata: Document = {
        "Enabled": enabled, "KeyState": "Enabled" if enabled else "Disabled", "KeyManager": "CUSTOMER",
        "KeyUsage": str(key.get("key_usage") or "ENCRYPT_DECRYPT"),
        "KeySpec": str(key.get("customer_master_key_spec") or "SYMMETRIC_DEFAULT"),
        "MultiRegion": key.get("multi_region") is True, "Origin": "AWS_KMS",
    }
    if arn:
        metadata["Arn"] = arn
        metadata["KeyId"] = arn.rsplit("/", 1)[-1]
    policy_resource = next((p for p in plan.of_type("aws_kms_key_policy")
                            if (aimed := plan.referenced(p, "key_id")) is not None and aimed.address == key.address),
                           None)
    policy: Read[Any]
    if policy_resource is not None:
        policy = _document(policy_resource.get("policy"), f"The planned key policy of {key.address}",
                           "kms:GetKeyPolicy", policy_resource.address)
    elif key.get("policy") is UNKNOWN and key.created and "policy" not in key.expressions and account:
        policy = Read.ok(_default_key_policy(account))
    else:
        policy = _document(key.get("policy"), f"The planned key policy of {key.address}", "kms:GetKeyPolicy",
                           key.address)
    aliases = tuple(str(a.get("name")) for a in plan.of_type("aws_kms_alias")
                    if (aimed := plan.referenced(a, "target_key_id")) is not None and aimed.address == key.address
                    and isinstance(a.get("name"), str))
    reads = {"metadata": Read.ok(metadata), "policy": policy, "aliases": Read.ok(aliases), "grants": Read.ok(())}
    return PlannedKey(reference, arn, region, account, reads, key.address)


def _key_resource(plan: Plan, resolver: _Resolver, reference: str) -> Resource | None:
    for key in plan.of_type("aws_kms_key"):
        if reference in (key.get("arn"), key.get("key_id"), resolver.attribute(key, "arn")):
            return key
    for alias in plan.of_type("aws_kms_alias"):
        names = {alias.get("name"), alias.get("arn")}
        if reference in names:
            aimed = plan.referenced(alias, "target_key_id")
            if aimed is not None and aimed.type == "aws_kms_key":
                return aimed
    return None


def choose_replication(plan: Plan, source_bucket: str | None) -> tuple[Resource, str]:
    resolver = _Resolver(plan, {})
    found: dict[str, Resource] = {}
    for resource in plan.of_type("aws_s3_bucket_replication_configuration"):
        name = _bucket_of(resolver, resource)
        if name is None:
            raise PlanError(f"The bucket of {resource.address} is known only after apply, so its replication "
                            "cannot be checked from the plan.", hint="Name the bucket in the configuration.")
        found[name] = resource
    if not found:
        raise PlanError(f"{plan.path} plans no aws_s3_bucket_replication_configuration, so there is no replication "
                        "to check.", hint="Check a live setup with `s3repl-tui check --source-bucket B`.")
    if source_bucket is not None:
        if source_bucket not in found:
            raise PlanError(f"{plan.path} plans no replication configuration for {source_bucket} "
                            f"(it plans one for {', '.join(sorted(found))}).", hint="Pick one with --source-bucket.")
        return found[source_bucket], source_bucket
    if len(found) > 1:
        raise PlanError(f"{plan.path} plans replication of several buckets ({', '.join(sorted(found))}); "
                        "choose one with --source-bucket.", hint="Run check once per source bucket.")
    name, resource = next(iter(found.items()))
    return resource, name


def planned_setup(plan: Plan, source_bucket: str | None, source_account: str | None = None) -> PlannedSetup:
    """Everything the plan says about the replication of ``source_bucket`` (the only one if None).
    ``source_account``: the source credentials' account, when they were given."""
    replication, source = choose_replication(plan, source_bucket)
    hints: dict[str, str] = {}
    if source_account:
        hints[replication.provider_key] = source_account
    resolver = _Resolver(plan, hints)
    document, unknown = replication_document(replication, resolver)
    destinations: list[tuple[str, str | None]] = []
    for index, rule in enumerate(document["Rules"]):
        target = (rule.get("Destination") or {}).get("Bucket")
        account = (rule.get("Destination") or {}).get("Account")
        if isinstance(target, str) and target:
            destinations.append((bucket_name(target), account if isinstance(account, str) else None))
            aimed = plan.referenced(replication, "rule", index, "destination", 0, "bucket")
            if aimed is not None and isinstance(account, str) and account:
                hints.setdefault(aimed.provider_key, account)
    resolver.hints = hints
    names = [source] + [name for name, _ in destinations if name != source]
    buckets = _planned_buckets(plan, resolver, list(dict.fromkeys(names)))
    role_arn: str | None = document["Role"] if isinstance(document["Role"], str) else None
    role_resource = plan.referenced(replication, "role")
    if role_resource is None and role_arn:
        role_resource = next((r for r in plan.of_type("aws_iam_role") if r.get("name") == role_name(role_arn)), None)
    role: PlannedRole | None = None
    if role_resource is not None and role_resource.type == "aws_iam_role":
        role = _planned_role(plan, resolver, role_resource, role_arn)
    setup = PlannedSetup(plan, source, replication.address, buckets, destinations, role, role_arn, {}, [])
    if role is None and role_arn:
        for policy in plan.of_type("aws_iam_role_policy"):
            if policy.get("role") == role_name(role_arn) and isinstance(policy.get("name"), str):
                setup.added_inline[str(policy.get("name"))] = _document(
                    policy.get("policy"), f"The planned inline policy {policy.address}", "iam:GetRolePolicy",
                    policy.address)
                setup.added_addresses.append(policy.address)
    if role_arn is None:
        setup.unknown.append(f"the replication role's ARN ({replication.address} role)")
        document["Role"] = role.arn if role is not None else ROLE_PLACEHOLDER
    for path in unknown:
        if path != "Role":
            setup.unknown.append(f"{path} of {replication.address}")
            setup.rule_unknown.append(path)
    _replace_unknowns(document)
    source_reads = buckets[source].reads
    source_reads["replication"] = Read.ok(document)
    buckets[source].addresses["replication"] = replication.address
    _plan_keys(setup, resolver, document)
    return setup


def _replace_unknowns(document: Any) -> None:
    """Parts of the configuration known only after apply are left out (the layers that need them then
    say they are unknown); a destination bucket is kept as written."""
    if isinstance(document, dict):
        for key in [k for k, v in document.items() if v is UNKNOWN]:
            document.pop(key)
        for value in document.values():
            _replace_unknowns(value)
    elif isinstance(document, list):
        for item in document:
            _replace_unknowns(item)


def _plan_keys(setup: PlannedSetup, resolver: _Resolver, document: Document) -> None:
    plan = setup.plan
    wanted: list[tuple[str, str | None, str, tuple[int, int]]] = []
    source = setup.buckets[setup.source_bucket]
    encryption = source.reads.get("encryption")
    if encryption is not None and encryption.is_ok:
        for rule in (encryption.value or {}).get("Rules", []):
            key = (rule.get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
            if isinstance(key, str) and key:
                wanted.append((key, source.owner_account, source.name, (0, 0)))
    role_parsed = Arn.parse(setup.role_arn) if setup.role_arn else None
    role_account = role_parsed.account if role_parsed is not None else None
    for number, rule in enumerate(document["Rules"]):
        destination = rule.get("Destination") or {}
        key = (destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
        bucket = bucket_name(str(destination.get("Bucket", "")))
        if isinstance(key, str) and key:
            wanted.append((key, role_account or source.owner_account, bucket, (1, number)))
        planned = setup.buckets.get(bucket)
        read = planned.reads.get("encryption") if planned is not None else None
        if read is not None and read.is_ok:
            for item in (read.value or {}).get("Rules", []):
                default = (item.get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
                if isinstance(default, str) and default and planned is not None:
                    wanted.append((default, planned.owner_account, bucket, (2, number)))
    for reference, account, bucket, rank in wanted:
        if reference in setup.keys or any(reference == w[0] for w in setup.live_keys):
            continue
        resource = _key_resource(plan, resolver, reference)
        if resource is None and reference.startswith("(known after apply: "):
            resource = plan.resources.get(reference.removeprefix("(known after apply: ").removesuffix(")"))
        if resource is None and "key/(known after apply: " in reference:
            resource = plan.resources.get(reference.split("key/(known after apply: ", 1)[1].removesuffix(")"))
        if resource is not None:
            setup.keys[reference] = _planned_key(plan, resolver, resource, reference)
        else:
            setup.live_keys.append((reference, account, bucket, rank))
