"""Fix hints attached to findings: what would fix them, in which account, with which API.

Fix ids (stable; the fix planner dispatches on them). ``automatic`` ones carry in ``params`` everything
a planner needs; the others carry ``manual_steps`` with a ready command.

Automatic:
- ``enable-source-versioning`` / ``enable-destination-versioning`` (s3:PutBucketVersioning):
  bucket, account, region.
- ``add-trust-s3-principal`` (iam:UpdateAssumeRolePolicy): role_name, role_arn, account, service,
  statement.
- ``add-role-s3-permissions`` (iam:PutRolePolicy): role_name, role_arn, account, policy_name, actions,
  resources, statement.
- ``add-role-kms-permissions`` (iam:PutRolePolicy): role_name, role_arn, account, policy_name, key_arn,
  actions, context (kms:ViaService, kms:EncryptionContext:aws:s3:arn), statement.
- ``add-key-policy-statement`` (kms:PutKeyPolicy): key_arn, account, region, principal, actions,
  context, statement.
- ``amend-destination-bucket-policy`` (s3:PutBucketPolicy): bucket, account, region, principal, actions,
  resources, statement, create (True: the bucket has no policy yet).
- ``replace-stale-principal`` (s3:PutBucketPolicy): bucket, account, region, stale_principal,
  principal, sid, index.
- ``rule-add-sse-kms-opt-in`` (s3:PutBucketReplication): bucket, account, region, rule_id,
  replica_kms_key_id (the rule's, else the destination's default encryption key; without either the
  hint is manual). The role-kms and key-policy layers judge that key as the replica key to be
  (``facts.replica_key_to_be``), so their ``add-role-kms-permissions``/``add-key-policy-statement``
  hints for it come in the same report: one round of fixes.
- ``rule-enable`` (s3:PutBucketReplication): bucket, account, region, rule_id.
- ``rule-set-role-arn`` (s3:PutBucketReplication): bucket, account, region, role_arn, written_role_arn.
- ``rule-set-destination-account`` (s3:PutBucketReplication): bucket, account, region, rule_id,
  destination_account.
- ``rule-enable-metrics`` (s3:PutBucketReplication): bucket, account, region, rule_id, event_threshold_minutes.

Manual (``automatic=False``): ``remove-deny-statement``, ``edit-permissions-boundary``, ``enable-key``,
``cancel-key-deletion``, ``use-valid-replica-key``, ``create-destination-bucket``,
``enable-destination-object-lock``, ``create-role``, ``create-replication-configuration``,
``fix-rule-schema``, ``remove-existing-object-replication``, ``disable-requester-pays``,
``remove-owner-override``, ``fix-rule-destination``, ``amend-source-bucket-policy``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from s3repl_tui.checks.model import FixHint

S3_SERVICE = "s3.amazonaws.com"
ROLE_S3_POLICY_NAME = "s3repl-replication-s3"
ROLE_KMS_POLICY_NAME = "s3repl-replication-kms"


def _cli(document: Mapping[str, Any]) -> str:
    return "'" + json.dumps(document, separators=(",", ":")) + "'"


def enable_versioning(side: str, bucket: str, account: str | None, region: str | None) -> FixHint:
    return FixHint(
        f"enable-{side}-versioning",
        f"Enable versioning on {bucket}.",
        account,
        "s3:PutBucketVersioning",
        True,
        {"bucket": bucket, "account": account, "region": region},
    )


def add_trust_s3_principal(role_name: str, role_arn: str, account: str | None) -> FixHint:
    statement = {"Effect": "Allow", "Principal": {"Service": S3_SERVICE}, "Action": "sts:AssumeRole"}
    return FixHint(
        "add-trust-s3-principal",
        f"Let {S3_SERVICE} assume {role_name} (trust policy).",
        account,
        "iam:UpdateAssumeRolePolicy",
        True,
        {"role_name": role_name, "role_arn": role_arn, "account": account, "service": S3_SERVICE,
         "statement": statement},
    )


def add_role_s3_permissions(role_name: str, role_arn: str, account: str | None, actions: Sequence[str],
                            resources: Sequence[str]) -> FixHint:
    statement = {"Effect": "Allow", "Action": sorted(set(actions)), "Resource": sorted(set(resources))}
    return FixHint(
        "add-role-s3-permissions",
        f"Allow {', '.join(statement['Action'])} in {role_name}'s policy.",
        account,
        "iam:PutRolePolicy",
        True,
        {"role_name": role_name, "role_arn": role_arn, "account": account, "policy_name": ROLE_S3_POLICY_NAME,
         "actions": statement["Action"], "resources": statement["Resource"], "statement": statement},
    )


def kms_conditions(context: Mapping[str, Any]) -> dict[str, Any]:
    """The least-privilege conditions AWS documents for S3's use of a key (catalog §3.3)."""
    condition: dict[str, Any] = {}
    if "kms:ViaService" in context:
        condition["StringEquals"] = {"kms:ViaService": context["kms:ViaService"]}
    if "kms:EncryptionContext:aws:s3:arn" in context:
        arn = str(context["kms:EncryptionContext:aws:s3:arn"])
        # Object ARNs are scoped to the rule prefix (any object); a Bucket Key context is the bucket ARN.
        pattern = arn.rsplit("/", 1)[0] + "/*" if "/" in arn.split(":::", 1)[-1] else arn
        condition["StringLike"] = {"kms:EncryptionContext:aws:s3:arn": pattern}
    return condition


def add_role_kms_permissions(role_name: str, role_arn: str, account: str | None, key_arn: str,
                             actions: Sequence[str], context: Mapping[str, Any]) -> FixHint:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": sorted(set(actions)), "Resource": key_arn}
    condition = kms_conditions(context)
    if condition:
        statement["Condition"] = condition
    return FixHint(
        "add-role-kms-permissions",
        f"Allow {', '.join(statement['Action'])} on {key_arn} in {role_name}'s policy.",
        account,
        "iam:PutRolePolicy",
        True,
        {"role_name": role_name, "role_arn": role_arn, "account": account, "policy_name": ROLE_KMS_POLICY_NAME,
         "key_arn": key_arn, "actions": statement["Action"], "context": dict(context), "statement": statement},
    )


def add_key_policy_statement(key_arn: str, account: str | None, region: str | None, principal: str,
                             actions: Sequence[str], context: Mapping[str, Any]) -> FixHint:
    statement: dict[str, Any] = {
        "Sid": "AllowS3ReplicationRole",
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": sorted(set(actions)),
        "Resource": "*",  # in a key policy, "*" means this key
    }
    condition = kms_conditions(context)
    if condition:
        statement["Condition"] = condition
    return FixHint(
        "add-key-policy-statement",
        f"Let the replication role use {key_arn} ({', '.join(statement['Action'])}) in its key policy.",
        account,
        "kms:PutKeyPolicy",
        True,
        {"key_arn": key_arn, "account": account, "region": region, "principal": principal,
         "actions": statement["Action"], "context": dict(context), "statement": statement},
    )


def amend_destination_policy(bucket: str, account: str | None, region: str | None, principal: str,
                             actions: Sequence[str], resources: Sequence[str], create: bool) -> FixHint:
    statement = {
        "Sid": "AllowS3ReplicationRole",
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": sorted(set(actions)),
        "Resource": sorted(set(resources)),
    }
    verb = "Create" if create else "Amend"
    return FixHint(
        "amend-destination-bucket-policy",
        f"{verb} the bucket policy of {bucket} to allow the replication role {', '.join(statement['Action'])}.",
        account,
        "s3:PutBucketPolicy",
        True,
        {"bucket": bucket, "account": account, "region": region, "principal": principal,
         "actions": statement["Action"], "resources": statement["Resource"], "statement": statement,
         "create": create},
    )


def replace_stale_principal(bucket: str, account: str | None, region: str | None, stale: str, principal: str,
                            sid: str | None, index: int) -> FixHint:
    return FixHint(
        "replace-stale-principal",
        f"Replace the stale principal {stale} in the bucket policy of {bucket} with {principal}.",
        account,
        "s3:PutBucketPolicy",
        True,
        {"bucket": bucket, "account": account, "region": region, "stale_principal": stale,
         "principal": principal, "sid": sid, "index": index},
    )


def rule_fix(fix_id: str, summary: str, bucket: str, account: str | None, region: str | None,
             **params: Any) -> FixHint:
    return FixHint(fix_id, summary, account, "s3:PutBucketReplication", True,
                   {"bucket": bucket, "account": account, "region": region, **params})


def manual(fix_id: str, summary: str, account: str | None, api: str, steps: str, **params: Any) -> FixHint:
    return FixHint(fix_id, summary, account, api, False, dict(params), manual_steps=steps)


def create_destination_bucket(bucket: str, account: str | None) -> FixHint:
    return manual("create-destination-bucket", f"Create {bucket} (versioning enabled) or fix the rule.", account,
                  "s3:CreateBucket",
                  f"With the destination account's credentials: aws s3api create-bucket --bucket {bucket} "
                  f"&& aws s3api put-bucket-versioning --bucket {bucket} --versioning-configuration Status=Enabled",
                  bucket=bucket)


def remove_deny(policy: str, sid: str | None, index: int, statement: Mapping[str, Any], account: str | None,
                api: str, command: str) -> FixHint:
    where = f"statement {sid!r}" if sid else f"statement #{index + 1}"
    steps = (f"Remove or narrow {where} of {policy} so it no longer denies the replication role "
             f"(the statement is in the evidence). Read the current document with: {command}")
    return manual("remove-deny-statement", f"Remove the Deny ({where}) in {policy} that blocks replication.",
                  account, api, steps, policy=policy, sid=sid, index=index, statement=dict(statement))


def cli_document(document: Mapping[str, Any]) -> str:
    """A document quoted for a shell command line."""
    return _cli(document)
