"""Why replicating one object fails with the setup as it stands: the role, the buckets and keys of the
rule that applies, and the requests S3 makes that the policies deny (pure). Each cause carries the
failure reason code S3 reports (catalog §1)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from s3repl_tui.checks import facts as check_facts
from s3repl_tui.checks.facts import RuleFacts
from s3repl_tui.checks.requests import ReplicationRequest
from s3repl_tui.objects.causes import fix_command
from s3repl_tui.objects.facts import ObjectFacts
from s3repl_tui.objects.model import Cause
from s3repl_tui.objects.requests import JudgedRequest
from s3repl_tui.probes.snapshot import KeySnapshot, Snapshot

# The setup as it stands for this object's rule: buckets and keys -----------------------------------


def _key_state(key: KeySnapshot | None) -> str | None:
    """KeyState when it is not usable, "missing" when it does not exist, None when fine or unknown."""
    if key is None:
        return None
    if key.metadata.is_absent:
        return "missing"
    if key.metadata.is_ok and key.metadata.value is not None:
        state = str(key.metadata.value.get("KeyState", "Enabled"))
        return None if state == "Enabled" else state
    return None


def role_missing(snapshot: Snapshot) -> Cause | None:
    role = check_facts.role_ref(snapshot)
    if role is None or role.exists is not False:
        return None
    return Cause(
        "role-missing", "service-role",
        f"The replication role {role.written_arn} does not exist, so S3 cannot assume it.",
        "Create the role, or point the configuration at the right ARN (path included): "
        + fix_command(snapshot.source_bucket, "rule"),
        aws_failure_reason="AssumeRoleNotPermitted", catalog="§1 #1",
    )


def source_key_unusable(view: Snapshot, facts: ObjectFacts) -> Cause | None:
    if not facts.kms_encrypted or not facts.kms_key_id:
        return None
    state = _key_state(view.keys.get(facts.kms_key_id))
    if state is None:
        return None
    what = "no longer exists" if state == "missing" else f"is {state}"
    return Cause(
        "source-key-unusable", "key-policy", f"The object's KMS key {facts.kms_key_id} {what}.",
        "Enable the key or cancel its deletion (aws kms enable-key / cancel-key-deletion), then retry.",
        aws_failure_reason="SrcKmsKeyInvalidState", catalog="§1 #31",
    )


def destination_problems(view: Snapshot, rule: RuleFacts) -> list[Cause]:
    """The destination bucket and the replica key of the rule that replicates the object."""
    causes: list[Cause] = []
    bucket = check_facts.destination_bucket(view, rule)
    name = rule.destination_bucket or rule.destination_arn
    source = view.source_bucket
    if bucket is not None and bucket.exists.is_absent:
        causes.append(Cause(
            "destination-missing", "rule", f"The destination bucket {name} of {rule.label} does not exist.",
            f"Create it (versioning on) or correct the rule: {fix_command(source, 'rule')}",
            aws_failure_reason="DstBucketNotFound", catalog="§1 #3",
        ))
        return causes
    if bucket is not None and bucket.versioning.is_ok and bucket.versioning.value != "Enabled":
        causes.append(Cause(
            "destination-unversioned", "versioning", f"Versioning is not enabled on the destination bucket {name}.",
            fix_command(source, "versioning"), aws_failure_reason="DstBucketUnversioned", catalog="§1 #5",
        ))
    if bucket is not None and check_facts.object_lock_enabled(view.source) and (
        check_facts.object_lock_enabled(bucket) is False
    ):
        causes.append(Cause(
            "destination-object-lock-missing", "rule",
            f"The source uses Object Lock and the destination bucket {name} does not.",
            f"Enable Object Lock on {name} (aws s3api put-object-lock-configuration); it cannot be turned off.",
            aws_failure_reason="DstBucketObjectLockConfigMissing", catalog="§1 #4",
        ))
    if rule.replica_key_ref:
        state = _key_state(check_facts.key_snapshot(view, rule.replica_key_ref))
        if state == "missing":
            causes.append(Cause(
                "replica-key-missing", "rule",
                f"The replica key {rule.replica_key_ref} of {rule.label} does not exist.",
                "Set ReplicaKmsKeyID to the full ARN of a customer managed key in the destination's region.",
                aws_failure_reason="DstKmsKeyNotFound", catalog="§1 #8",
            ))
        elif state is not None:
            causes.append(Cause(
                "replica-key-unusable", "key-policy", f"The replica key {rule.replica_key_ref} is {state}.",
                "Enable the key or cancel its deletion in the destination account, then retry.",
                aws_failure_reason="DstKmsKeyInvalidState", catalog="§1 #7",
            ))
    return causes


# Denied requests --------------------------------------------------------------------------------


def failure_reason(judged: JudgedRequest) -> str | None:
    if judged.item.failure_reason:
        return judged.item.failure_reason
    if judged.item.key_role == "source":
        # The catalog cannot confirm which code a denied source-key Decrypt gives; GetObject is the read.
        return "SrcGetObjectNotPermitted"
    return None


def _fix(judged: JudgedRequest, bucket: str) -> str:
    if "explicitly denies" in judged.explanation or "explicit Deny" in judged.explanation:
        return "Remove or narrow that Deny statement (s3repl-tui never removes a Deny for you)."
    return f"{fix_command(bucket, judged.layer)} adds the least-privilege statement."


def _resource_policy_name(item: ReplicationRequest) -> str:
    if item.target == "trust":
        return "the role's trust policy"
    if item.target == "kms":
        return "the key policy"
    return f"the bucket policy of {item.bucket}"


def _who_denies(judged: JudgedRequest) -> str:
    """The end of the sentence: which policy stands in the way (the engine's words for a Deny)."""
    explanation = judged.explanation.removeprefix("Denied: ")
    if "explicitly denies" in explanation:
        return explanation
    resource = _resource_policy_name(judged.item)
    who = {
        "identity": "the role's policies do not allow it",
        "resource": f"{resource} does not allow it",
        "both": f"neither the role's policies nor {resource} allow it",
    }.get(judged.blame, "it is not allowed")
    detail = re.search(r"(\([^()]*\))\.?$", explanation)  # the engine's "(why)" at the end, if any
    return f"{who} {detail.group(1)}." if detail else f"{who}."


def denied(judged: JudgedRequest, bucket: str, alternatives: Sequence[JudgedRequest] = ()) -> Cause:
    """A denied request as a cause; ``alternatives``: sibling actions of which any one would do."""
    item = judged.item
    actions = list(dict.fromkeys([item.action, *(other.item.action for other in alternatives)]))
    message = f"S3 needs {' or '.join(actions)} on {item.request.resource} {item.why}, but {_who_denies(judged)}"
    evidence = {"actions": actions, "resource": item.request.resource, "principal": item.request.principal,
                "context": dict(item.request.context), "blame": judged.blame, "explanation": judged.explanation}
    if item.key_role == "source" and not item.failure_reason:
        evidence["reason_note"] = ("AWS does not document which code a denied source-key Decrypt reports; "
                                   "SrcGetObjectNotPermitted is the closest (catalog §1 #26).")
    return Cause(
        f"{judged.layer}-denies-{item.action.split(':', 1)[-1].lower()}",
        judged.layer,
        message,
        _fix(judged, bucket),
        aws_failure_reason=failure_reason(judged),
        catalog="§1",
        evidence=evidence,
    )


def denied_causes(judged: Sequence[JudgedRequest], facts: ObjectFacts) -> list[tuple[JudgedRequest, Cause]]:
    """One cause per blocking request; the replica key's Encrypt/GenerateDataKey pair makes one."""
    stopping = blocking(judged, facts)
    made: list[tuple[JudgedRequest, Cause]] = []
    grouped: set[tuple[str, str | None]] = set()
    for item in stopping:
        group = item.item.group
        if group:
            if (group, item.item.key_ref) in grouped:
                continue
            grouped.add((group, item.item.key_ref))
            siblings = [o for o in stopping if o is not item and o.item.group == group
                        and o.item.key_ref == item.item.key_ref]
            made.append((item, denied(item, facts.bucket, siblings)))
        else:
            made.append((item, denied(item, facts.bucket)))
    return made


def matters(judged: JudgedRequest, facts: ObjectFacts) -> bool:
    """Whether this object needs the request: required ones, and Object Lock writes for a locked object
    (not ReplicateDelete: an object version is not a delete marker)."""
    action = judged.item.action
    if action == "s3:ReplicateDelete":
        return False
    lock_write = action in ("s3:PutObjectRetention", "s3:PutObjectLegalHold")
    return judged.item.need == "required" or (lock_write and facts.uses_object_lock)


def blocking(judged: Sequence[JudgedRequest], facts: ObjectFacts) -> list[JudgedRequest]:
    """The denied requests that stop this object. Of the replica key's Encrypt/GenerateDataKey one suffices."""
    allowed_groups = {(j.item.group, j.item.key_ref) for j in judged if j.item.group and j.decision == "allow"}
    return [
        item for item in judged
        if item.decision == "deny" and matters(item, facts)
        and not (item.item.group and (item.item.group, item.item.key_ref) in allowed_groups)
    ]
