"""Layer 4: the role's own KMS permissions, judged against the context S3 sends (catalog §3.3):
``kms:Decrypt`` on the source key, ``kms:Encrypt``/``kms:GenerateDataKey`` on the replica key
(``kms:Decrypt`` too under a destination Bucket Key), ``kms:GenerateDataKey`` on the destination's default
SSE-KMS key (it encrypts replicas of plaintext and SSE-S3 objects), conditions on ``kms:ViaService`` (the S3 endpoint
of each key's bucket's Region) and ``kms:EncryptionContext:aws:s3:arn`` (object ARN, or bucket ARN under
an S3 Bucket Key). Cross-account keys need this IAM side as well as the key policy [UG-KMS].

A rule without ReplicaKmsKeyID that the rule layer opts in to SSE-KMS objects gets the destination's
default key as its replica key (``rule-add-sse-kms-opt-in``): the role is judged for that key now, so
that one round of fixes is enough (requests.py, ``intended-replica``).

Only kms:Encrypt or only kms:GenerateDataKey on the replica key is a warning, not a failure: the docs
disagree, and an AWS reproduction succeeded with Encrypt alone (catalog §1 notes, ISS-LZA1144).
"""

from __future__ import annotations

from s3repl_tui.checks import access, facts, fixes
from s3repl_tui.checks.access import Access
from s3repl_tui.checks.denials import joined
from s3repl_tui.checks.evidence import missing_evidence
from s3repl_tui.checks.facts import RoleRef
from s3repl_tui.checks.model import Finding
from s3repl_tui.checks.permissions import ProblemGroup
from s3repl_tui.checks.requests import ReplicationRequest
from s3repl_tui.checks.service_role import MissingRenderer, identity_findings
from s3repl_tui.checks.statements import SetupFacts
from s3repl_tui.probes.snapshot import Snapshot

VIA_SERVICE = "kms:ViaService"
CONTEXT_ARN = "kms:EncryptionContext:aws:s3:arn"
_KEY_WORDS = {"source": "source key", "replica": "replica key", "intended-replica": "destination's default key",
              "destination-default": "destination's default key"}


def key_words(item: ReplicationRequest) -> str:
    return f"{_KEY_WORDS.get(item.key_role or '', 'key')} {item.request.resource}"


def context_words(item: ReplicationRequest) -> str:
    context = item.request.context
    parts = [f"{key}={context[key]}" for key in (VIA_SERVICE, CONTEXT_ARN) if key in context]
    return f" with {', '.join(parts)}" if parts else ""


def bucket_key_hint(item: ReplicationRequest, culprits: tuple[str, ...]) -> str:
    arn = str(item.request.context.get(CONTEXT_ARN, ""))
    if CONTEXT_ARN in culprits and arn and "/" not in arn.split(":::", 1)[-1]:
        return (f" The bucket {item.bucket} uses an S3 Bucket Key, so S3's encryption context is the bucket ARN "
                f"{arn}, not an object ARN: a condition on {arn}/* no longer matches.")
    if VIA_SERVICE in culprits:
        return f" S3 calls KMS through {item.request.context.get(VIA_SERVICE)}; the condition names another endpoint."
    return ""


def other_action(grp: ProblemGroup) -> str:
    """For a replica Encrypt/GenerateDataKey pair with one missing: the one that is allowed."""
    rest = [a for a in ("kms:Encrypt", "kms:GenerateDataKey") if a not in grp.actions]
    return joined(rest) or "kms:Encrypt or kms:GenerateDataKey"


def diagnosis(snapshot: Snapshot, item: ReplicationRequest) -> tuple[str, tuple[str, ...]]:
    """(code, culprit keys) for a KMS request the role's policies don't allow."""
    role = access.role_inputs(snapshot)
    if role is None:
        return "role-kms-permission-missing", ()
    stand_in, account = access.identity_stand_in(item, role)
    culprits = access.culprit_keys(item, role.policies, role.boundary, stand_in, account, (VIA_SERVICE, CONTEXT_ARN))
    if not culprits:
        return "role-kms-permission-missing", ()
    if bucket_key_hint(item, culprits).startswith(" The bucket"):
        return "role-kms-bucket-key-context", culprits
    return "role-kms-condition-mismatch", culprits


def _missing_renderer(snapshot: Snapshot) -> MissingRenderer:
    def render(grp: ProblemGroup, role: RoleRef) -> Finding:
        item = grp.first.item
        fix = fixes.add_role_kms_permissions(SetupFacts(snapshot), role.name, role.arn, role.account,
                                             item.request.resource, grp.actions, dict(item.request.context))
        evidence = missing_evidence(fix.params["statements"], f"role:{role.name}", item.request, rules=grp.rules)
        if grp.first.downgraded:
            message = (f"The role {role.name} may {other_action(grp)} with the {key_words(item)} but not "
                       f"{joined(grp.actions)}; AWS's guides list both (only one is enough in AWS's own "
                       "reproduction), grant both.")
            return Finding("role-kms-replica-encrypt-partial", "warning", message, item.request.resource,
                           grp.failure_reason, evidence, fix)
        code, culprits = diagnosis(snapshot, item)
        if culprits:
            evidence["mismatched_conditions"] = list(culprits)
        need = "needs" if grp.severity == "error" else "should have"
        message = (f"The role {role.name} {need} {joined(grp.actions)} on the {key_words(item)}"
                   f"{context_words(item)} {item.why}, and its policies don't allow it."
                   f"{bucket_key_hint(item, culprits)}")
        return Finding(code, grp.severity, message, item.request.resource, grp.failure_reason, evidence, fix)

    return render


def check(snapshot: Snapshot, accesses: tuple[Access, ...]) -> tuple[Finding, ...]:
    role = facts.role_ref(snapshot)
    if role is None or role.exists is False:
        return ()  # the service-role layer reports a missing role
    found = identity_findings(snapshot, accesses, role, kms=True, render_missing=_missing_renderer(snapshot))
    return (*found, *_default_key_notes(snapshot))


def _default_key_notes(snapshot: Snapshot) -> list[Finding]:
    """The destination's default SSE-KMS key is no requirement: replicas keep the source object's
    encryption, and S3 encrypts every new object since 2023-01-05
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html). Only
    objects stored unencrypted before then would get it: an info note, once per key."""
    notes: dict[str, Finding] = {}
    for rule in facts.rule_facts(snapshot.replication):
        key = facts.destination_default_key(snapshot, rule) if rule.enabled else None
        replica = rule.replica_key_ref or facts.replica_key_to_be(snapshot, rule)
        if not key or key in notes or (replica is not None and facts.same_key(snapshot, key, replica)):
            continue  # the replica key's own requests already ask for what it needs
        notes[key] = Finding(
            "role-kms-destination-default-key-unused", "info",
            f"Replicas keep their source object's encryption, so the destination's default key {key} is not "
            "used, except for objects stored unencrypted before 2023-01-05 (if any), which would need "
            "kms:GenerateDataKey on it.", key, None,
            {"destination": rule.destination_bucket, "key": key, "rules": [rule.id]})
    return list(notes.values())
