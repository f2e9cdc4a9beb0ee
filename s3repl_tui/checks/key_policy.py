"""Layer 2: the KMS keys replication uses (the source bucket's key, each rule's replica key, a
destination default key that encrypts plaintext replicas or becomes the replica key of a rule the rule
layer opts in to SSE-KMS objects). Each must exist, be ``Enabled``, be a
symmetric customer managed key usable by the role, and its key policy must allow (or delegate to the
account of) the role for what S3 does with it, under the context S3 sends (catalog §3.5, §1 #7/#8/#16).

The key's Region against the destination bucket's, and keys owned by the wrong account, are visible in
the rule's ReplicaKmsKeyID: the ``rule`` layer reports those.
"""

from __future__ import annotations

from s3repl_tui.checks import access, denials, facts, fixes
from s3repl_tui.checks.access import Access
from s3repl_tui.checks.denials import joined
from s3repl_tui.checks.evidence import missing_evidence, unreadable
from s3repl_tui.checks.facts import RoleRef
from s3repl_tui.checks.linting import lint_findings
from s3repl_tui.checks.model import Finding, FixHint
from s3repl_tui.checks.permissions import ProblemGroup, group, problems_of, unreadable_findings
from s3repl_tui.checks.requests import ReplicationRequest
from s3repl_tui.checks.role_kms import (
    CONTEXT_ARN,
    VIA_SERVICE,
    bucket_key_hint,
    context_words,
    key_words,
    other_action,
)
from s3repl_tui.checks.statements import SetupFacts
from s3repl_tui.policy import NamedPolicy
from s3repl_tui.probes.snapshot import KeySnapshot, Read, Snapshot

_INVALID_STATE_REASON = {"source": "SrcKmsKeyInvalidState"}
_NOT_FOUND_REASON = {"replica": "DstKmsKeyNotFound", "intended-replica": "DstKmsKeyNotFound",
                     "destination-default": "DstKmsKeyNotFound"}


def _used_keys(snapshot: Snapshot, accesses: tuple[Access, ...]) -> dict[str, str]:
    """Key reference -> its role (source/replica/destination-default), for every key replication uses."""
    used: dict[str, str] = {}
    if facts.uses_kms(snapshot.source) and snapshot.source.default_kms_key:
        used[snapshot.source.default_kms_key] = "source"
    for rule in facts.rule_facts(snapshot.replication):
        if rule.enabled and rule.replica_key_ref:
            used.setdefault(rule.replica_key_ref, "replica")
    for item in (a.item for a in accesses if a.item.target == "kms" and a.item.key_ref):
        used.setdefault(item.key_ref or "", item.key_role or "replica")
    return used


def _state_findings(snapshot: Snapshot, reference: str, key: KeySnapshot, key_role: str,
                    role: RoleRef | None) -> list[Finding]:
    meta = key.metadata.value or {}
    arn = key.arn or str(meta.get("Arn") or reference)
    state = str(meta.get("KeyState", "Enabled" if meta.get("Enabled", True) else "Disabled"))
    found: list[Finding] = []
    words = _key_kind(key_role)
    if state != "Enabled" or meta.get("Enabled") is False:
        pending = state == "PendingDeletion"
        reason = _INVALID_STATE_REASON.get(key_role, "DstKmsKeyInvalidState")
        key_id = str(meta.get("KeyId") or arn)
        steps = (f"aws kms cancel-key-deletion --key-id {key_id} && aws kms enable-key --key-id {key_id}"
                 if pending else f"aws kms enable-key --key-id {key_id}")
        fix = fixes.manual("cancel-key-deletion" if pending else "enable-key",
                           f"{'Cancel the deletion of' if pending else 'Enable'} the {words} {arn}.", key.account,
                           "kms:CancelKeyDeletion" if pending else "kms:EnableKey",
                           f"With the key owner's credentials in {key.region or 'its Region'}: {steps}",
                           key_arn=arn, key_id=key_id, region=key.region)
        found.append(Finding("key-pending-deletion" if pending else "key-not-enabled", "error",
                             f"The {words} {arn} is {state}, so S3 cannot use it ({reason}); "
                             f"{'cancel its deletion and enable it' if pending else 'enable it'}.",
                             arn, reason, {"KeyState": state, "DeletionDate": str(meta.get("DeletionDate") or "")},
                             fix))
    spec, usage = meta.get("KeySpec", "SYMMETRIC_DEFAULT"), meta.get("KeyUsage", "ENCRYPT_DECRYPT")
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        found.append(Finding("key-not-symmetric", "error",
                             f"The {words} {arn} is {spec}/{usage}; S3 only uses symmetric encryption keys "
                             "(SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).", arn, _NOT_FOUND_REASON.get(key_role),
                             {"KeySpec": spec, "KeyUsage": usage},
                             _valid_key_fix(arn, key)))
    found += _managed_findings(snapshot, reference, key, key_role, role)
    return found


def is_aws_managed(reference: str, key: KeySnapshot | None) -> bool:
    """KeyManager ``AWS``, or an ``alias/aws/`` alias: that prefix is reserved for AWS managed keys
    (https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html), so the reference alone
    says it even when DescribeKey could not be read (and moto answers KeyManager CUSTOMER for them)."""
    if _reserved_alias(reference):
        return True
    if key is None:
        return False
    meta = key.metadata.value if key.metadata.is_ok else None
    if meta and meta.get("KeyManager") == "AWS":
        return True
    return key.aliases.is_ok and any(_reserved_alias(alias) for alias in key.aliases.value or ())


def _reserved_alias(reference: str) -> bool:
    name = reference.split(":", 5)[5] if reference.startswith("arn:") and reference.count(":") >= 5 else reference
    return name.startswith("alias/aws/")


def _destination_accounts(snapshot: Snapshot, reference: str) -> set[str]:
    """The accounts of the destinations whose replicas this key encrypts."""
    accounts: set[str] = set()
    for rule in facts.rule_facts(snapshot.replication):
        if not rule.enabled:
            continue
        uses = rule.replica_key_ref == reference or facts.destination_default_key(snapshot, rule) == reference
        if not uses and rule.replica_key_ref is None:
            uses = facts.replica_key_to_be(snapshot, rule) == reference
        bucket = facts.destination_bucket(snapshot, rule)
        account = (bucket.owner_account if bucket is not None else None) or rule.account
        if uses and account:
            accounts.add(account)
    return accounts


def _managed_findings(snapshot: Snapshot, reference: str, key: KeySnapshot, key_role: str,
                      role: RoleRef | None) -> list[Finding]:
    """An AWS managed key encrypting replicas for another account: its policy can't be changed, so only its
    own account may use it; an alias in ReplicaKmsKeyID resolves in the requester's (source) account
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_EncryptionConfiguration.html), catalog S17."""
    if key_role == "source" or not is_aws_managed(reference, key):
        return []
    role_account = role.account if role is not None else None
    key_account = key.account or role_account  # a bare alias resolves in the requester's account
    others = sorted(a for a in _destination_accounts(snapshot, reference) | {role_account or ""}
                    if a and a != key_account)
    if not key_account or not others:
        return []
    arn = key.arn or reference
    words = _key_kind(key_role)
    return [Finding("key-aws-managed-cross-account", "error",
                    f"The {words} {reference} is an AWS managed key of account {key_account}, whose policy can't "
                    f"be changed, so account {others[0]} can't use it and cross-account replicas can't be "
                    "encrypted with it; use a customer managed key of the destination account (by its key ARN).",
                    arn, "DstPutObjectNotPermitted",
                    {"KeyManager": "AWS", "reference": reference, "key_account": key_account,
                     "role_account": role_account, "other_accounts": others},
                    _valid_key_fix(arn, key))]


def _key_kind(key_role: str) -> str:
    return {"source": "source key", "replica": "replica key"}.get(key_role, "destination default key")


def _valid_key_fix(arn: str, key: KeySnapshot) -> FixHint:
    return fixes.manual("use-valid-replica-key", "Use a symmetric customer managed key in the destination Region.",
                        key.account, "s3:PutBucketReplication",
                        "Create (or pick) a SYMMETRIC_DEFAULT customer managed key owned by the destination account "
                        "in the destination bucket's Region, then set it as ReplicaKmsKeyID: aws kms create-key "
                        "--region <destination-region>", key_arn=arn)


def _key_findings(snapshot: Snapshot, reference: str, key_role: str, role: RoleRef | None) -> list[Finding]:
    key = facts.key_snapshot(snapshot, reference)
    what = f"The {_key_kind(key_role)} {reference}"
    if key is None:
        return [unreadable("key-unreadable", what, Read.pending("kms:DescribeKey"), resource=reference,
                           judged="whether S3 can use it")]
    meta = key.metadata
    not_found = meta.is_absent or (meta.error is not None and meta.error.kind == "not-found"
                                   and key.account is not None and meta.error.account == key.account)
    if not_found:
        reason = _NOT_FOUND_REASON.get(key_role)
        return [Finding("key-not-found", "error",
                        f"{what} does not exist{' in ' + key.region if key.region else ''}, so S3 cannot use it"
                        f"{' (' + reason + ')' if reason else ''}; point the configuration at an existing key.",
                        key.arn or reference, reason, {"reference": reference, "region": key.region},
                        _valid_key_fix(key.arn or reference, key))]
    if meta.is_error:
        return [unreadable("key-unreadable", what, meta, resource=key.arn or reference,
                           judged="whether the key exists and is enabled",
                           command=f"aws kms describe-key --key-id {key.arn or reference}"),
                *_managed_findings(snapshot, reference, key, key_role, role)]
    found = _state_findings(snapshot, reference, key, key_role, role)
    if key.policy.is_ok and key.policy.value:
        found += lint_findings(NamedPolicy(f"key-policy:{key.arn or reference}", key.policy.value), "kms",
                               key.arn or reference)
    return found


def _diagnosis(snapshot: Snapshot, item: ReplicationRequest) -> tuple[str, tuple[str, ...]]:
    key = facts.key_snapshot(snapshot, item.key_ref)
    if key is None or not key.policy.is_ok:
        return "key-policy-missing-grant", ()
    policy = NamedPolicy(f"key-policy:{item.request.resource}", key.policy.value)
    culprits = access.culprit_keys(item, (access.ALLOW_EVERYTHING,), None, policy, item.resource_account,
                                   (VIA_SERVICE, CONTEXT_ARN))
    if not culprits:
        return "key-policy-missing-grant", ()
    if bucket_key_hint(item, culprits).startswith(" The bucket"):
        return "key-policy-bucket-key-context", culprits
    return "key-policy-condition-mismatch", culprits


def _missing(snapshot: Snapshot, grp: ProblemGroup) -> Finding:
    item = grp.first.item
    principal = item.request.principal
    fix = fixes.add_key_policy_statement(SetupFacts(snapshot), item.request.resource, item.resource_account,
                                         facts.arn_region(item.request.resource), principal, grp.actions,
                                         dict(item.request.context))
    evidence = missing_evidence(fix.params["statements"], f"key-policy:{item.request.resource}", item.request,
                                rules=grp.rules)
    if grp.first.downgraded:
        message = (f"The key policy of the {key_words(item)} lets the role {other_action(grp)} but not "
                   f"{joined(grp.actions)}; AWS's guides list both, grant both.")
        return Finding("key-policy-replica-encrypt-partial", "warning", message, item.request.resource,
                       grp.failure_reason, evidence, fix)
    code, culprits = _diagnosis(snapshot, item)
    if culprits:
        evidence["mismatched_conditions"] = list(culprits)
    message = (f"The key policy of the {key_words(item)} neither allows the role {principal} nor delegates to "
               f"its account {joined(grp.actions)}{context_words(item)}, needed {item.why}."
               f"{bucket_key_hint(item, culprits)}")
    return Finding(code, grp.severity, message, item.request.resource, grp.failure_reason, evidence, fix)


def _policy_findings(snapshot: Snapshot, accesses: tuple[Access, ...]) -> list[Finding]:
    def keep(a: Access) -> bool:
        return a.item.target == "kms"

    found = unreadable_findings(accesses, "resource", "key-policy-unreadable", "whether the key lets the role use it",
                                keep)
    for grp in group(problems_of(accesses, "resource", keep), lambda p: p.item.request.resource):
        item = grp.first.item
        if grp.kind == "deny":
            found.append(denials.deny_finding("key-policy-denies", grp, "the replication role",
                                              item.resource_account))
        elif grp.kind == "undetermined":
            found.append(denials.undetermined_finding("key-policy-unverifiable", grp,
                                                      f"the key policy of {item.request.resource}",
                                                      f"aws kms get-key-policy --key-id {item.request.resource} "
                                                      "--policy-name default"))
        elif grp.kind == "may-deny":
            found.append(denials.may_deny_finding("key-policy-may-deny", grp,
                                                  f"The key policy of {item.request.resource}"))
        else:
            found.append(_missing(snapshot, grp))
    return found


def check(snapshot: Snapshot, accesses: tuple[Access, ...]) -> tuple[Finding, ...]:
    role = facts.role_ref(snapshot)
    found: list[Finding] = []
    for reference, key_role in _used_keys(snapshot, accesses).items():
        found += _key_findings(snapshot, reference, key_role, role)
    found += _policy_findings(snapshot, accesses)
    return tuple(found)
