"""Fix hints attached to findings: what would fix them, in which account, with which API.

Fix ids (stable; the fix planner dispatches on them). ``automatic`` ones carry in ``params`` everything
a planner needs; the others carry ``manual_steps`` with a ready command.

Every fix that adds policy statements carries them in "statements" (and the first in "statement"),
built by ``checks.statements.fix_statements``, the code the planner writes with: the statement a
finding shows is the one written (same Sid, actions, resources, conditions, JSON shapes).

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
  principal, sid, index, statement (the owner's statement restated for the role by ARN).
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

from s3repl_tui.checks import statements
from s3repl_tui.checks.model import FixHint
from s3repl_tui.checks.statements import Grant, SetupFacts

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


def _shown(fix_id: str, params: dict[str, Any], facts: SetupFacts, fallback: Grant) -> dict[str, Any]:
    """``params`` with ``statements`` (and its first, ``statement``): what the fix adds, built by
    ``checks.statements.fix_statements``, the code the planner writes with, so the finding shows what
    is written. When the setup does not say enough to build them (a region, the role's ARN, the
    bucket a key serves), the plan cannot write them either; the finding then shows ``fallback``, the
    statement the failing request needs."""
    try:
        built = statements.fix_statements(facts, fix_id, params)
    except statements.MissingFact:
        built = []
    shown = built or [fallback]
    return {**params, "statements": shown, "statement": shown[0]}


def add_trust_s3_principal(role_name: str, role_arn: str, account: str | None) -> FixHint:
    statement = statements.trust_grant()
    return FixHint(
        "add-trust-s3-principal",
        f"Let {S3_SERVICE} assume {role_name} (trust policy).",
        account,
        "iam:UpdateAssumeRolePolicy",
        True,
        {"role_name": role_name, "role_arn": role_arn, "account": account, "service": S3_SERVICE,
         "statement": statement, "statements": [statement]},
    )


def add_role_s3_permissions(facts: SetupFacts, role_name: str, role_arn: str, account: str | None,
                            actions: Sequence[str], resources: Sequence[str]) -> FixHint:
    wanted, where = sorted(set(actions)), sorted(set(resources))
    params = {"role_name": role_name, "role_arn": role_arn, "account": account, "policy_name": ROLE_S3_POLICY_NAME,
              "actions": wanted, "resources": where}
    fallback = statements.allow_statement(statements.SID_DESTINATION_OBJECTS, wanted, where)
    return FixHint(
        "add-role-s3-permissions",
        f"Allow {', '.join(wanted)} in {role_name}'s policy.",
        account,
        "iam:PutRolePolicy",
        True,
        _shown("add-role-s3-permissions", params, facts, fallback),
    )


def kms_conditions(context: Mapping[str, Any]) -> dict[str, Any]:
    """The least-privilege conditions AWS documents for S3's use of a key (catalog §3.3), from what the
    failing request sends: the fallback when the setup does not say enough to build the statement."""
    condition: dict[str, Any] = {}
    if "kms:ViaService" in context:
        condition["StringEquals"] = {"kms:ViaService": context["kms:ViaService"]}
    if "kms:EncryptionContext:aws:s3:arn" in context:
        arn = str(context["kms:EncryptionContext:aws:s3:arn"])
        # Object ARNs are scoped to the rule prefix (any object); a Bucket Key context is the bucket ARN.
        pattern = arn.rsplit("/", 1)[0] + "/*" if "/" in arn.split(":::", 1)[-1] else arn
        condition["StringLike"] = {"kms:EncryptionContext:aws:s3:arn": [pattern]}
    return condition


def add_role_kms_permissions(facts: SetupFacts, role_name: str, role_arn: str, account: str | None, key_arn: str,
                             actions: Sequence[str], context: Mapping[str, Any]) -> FixHint:
    wanted = sorted(set(actions))
    params = {"role_name": role_name, "role_arn": role_arn, "account": account, "policy_name": ROLE_KMS_POLICY_NAME,
              "key_arn": key_arn, "actions": wanted, "context": dict(context)}
    fallback = statements.allow_statement(statements.SID_REPLICA_KEY, wanted, [key_arn], kms_conditions(context))
    return FixHint(
        "add-role-kms-permissions",
        f"Allow {', '.join(wanted)} on {key_arn} in {role_name}'s policy.",
        account,
        "iam:PutRolePolicy",
        True,
        _shown("add-role-kms-permissions", params, facts, fallback),
    )


def add_key_policy_statement(facts: SetupFacts, key_arn: str, account: str | None, region: str | None,
                             principal: str, actions: Sequence[str], context: Mapping[str, Any]) -> FixHint:
    wanted = sorted(set(actions))
    params = {"key_arn": key_arn, "account": account, "region": region, "principal": principal,
              "actions": wanted, "context": dict(context)}
    # In a key policy, "*" means this key.
    fallback = statements.allow_statement(statements.SID_KEY_POLICY, wanted, "*", kms_conditions(context),
                                          principal=principal)
    return FixHint(
        "add-key-policy-statement",
        f"Let the replication role use {key_arn} ({', '.join(wanted)}) in its key policy.",
        account,
        "kms:PutKeyPolicy",
        True,
        _shown("add-key-policy-statement", params, facts, fallback),
    )


def amend_destination_policy(facts: SetupFacts, bucket: str, account: str | None, region: str | None,
                             principal: str, actions: Sequence[str], resources: Sequence[str],
                             create: bool) -> FixHint:
    wanted, where = sorted(set(actions)), sorted(set(resources))
    params = {"bucket": bucket, "account": account, "region": region, "principal": principal,
              "actions": wanted, "resources": where, "create": create}
    fallback = statements.allow_statement(statements.SID_REPLICA_WRITES, wanted, where, principal=principal)
    verb = "Create" if create else "Amend"
    return FixHint(
        "amend-destination-bucket-policy",
        f"{verb} the bucket policy of {bucket} to allow the replication role {', '.join(wanted)}.",
        account,
        "s3:PutBucketPolicy",
        True,
        _shown("amend-destination-bucket-policy", params, facts, fallback),
    )


def replace_stale_principal(facts: SetupFacts, bucket: str, account: str | None, region: str | None, stale: str,
                            principal: str, sid: str | None, index: int,
                            statement: Mapping[str, Any]) -> FixHint:
    params = {"bucket": bucket, "account": account, "region": region, "stale_principal": stale,
              "principal": principal, "sid": sid, "index": index}
    shown = _shown("replace-stale-principal", {**params, "stale_statement": dict(statement)}, facts, dict(statement))
    shown.pop("stale_statement")
    return FixHint(
        "replace-stale-principal",
        f"Replace the stale principal {stale} in the bucket policy of {bucket} with {principal}.",
        account,
        "s3:PutBucketPolicy",
        True,
        shown,
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
