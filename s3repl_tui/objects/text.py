"""A diagnosis as plain text lines (the ``object`` command prints them; no rich markup, no Textual)."""

from __future__ import annotations

from s3repl_tui.objects.facts import ObjectFacts
from s3repl_tui.objects.model import ObjectDiagnosis
from s3repl_tui.objects.rules import RuleMatch

_HEADLINES = {
    "replicated": "REPLICATED",
    "pending": "PENDING",
    "will-fail": "WILL FAIL",
    "failed": "FAILED",
    "not-replicated": "NOT REPLICATED",
    "replica": "REPLICA",
}


def _encryption(facts: ObjectFacts) -> str:
    if facts.kms_encrypted:
        bucket_key = "with an S3 Bucket Key" if facts.bucket_key else "no Bucket Key"
        return f"{facts.encryption} with {facts.kms_key_id or 'the AWS managed key'} ({bucket_key})"
    return {"none": "not encrypted", "unknown": "unknown"}.get(facts.encryption, facts.encryption)


def _lock(facts: ObjectFacts) -> str:
    parts = []
    if facts.object_lock_mode:
        until = f" until {facts.object_lock_retain_until:%Y-%m-%d}" if facts.object_lock_retain_until else ""
        parts.append(f"{facts.object_lock_mode}{until}")
    if facts.legal_hold == "ON":
        parts.append("legal hold")
    return ", ".join(parts) or "none"


def _rule_line(match: RuleMatch) -> str:
    rule = match.rule
    priority = f", priority {rule.priority}" if rule.priority is not None else ""
    head = f"{rule.label} → {match.destination}{priority}"
    if match.applies:
        return f"{head}: applies"
    if match.shadowed_by:
        return f"{head}: matches, but {match.shadowed_by} has a higher priority"
    if match.filter_matches and not rule.enabled:
        return f"{head}: matches, but the rule is Disabled"
    return f"{head}: does not match ({'; '.join(match.reasons)})"


def _owner(facts: ObjectFacts) -> str:
    if facts.owner_id is None:
        return "the bucket owner (BucketOwnerEnforced)"
    other = facts.owned_by_other_account
    if other is None:
        return "unknown (the ACLs could not be read)"
    return "another account" if other else "the bucket owner"


def render_lines(diagnosis: ObjectDiagnosis) -> list[str]:
    facts = diagnosis.facts
    version = f" (version {facts.version_id})" if facts.version_id else ""
    written = f"{facts.last_modified:%Y-%m-%d %H:%M:%S} UTC" if facts.last_modified else "unknown"
    storage = facts.storage_class + (f", {facts.archive_status}" if facts.archive_status else "")
    lines = [
        f"s3://{facts.bucket}/{facts.key}{version}",
        f"  status      {facts.replication_status or '(none)'}",
        f"  written     {written}",
        f"  encryption  {_encryption(facts)}",
        f"  storage     {storage}",
        f"  lock        {_lock(facts)}",
        f"  owner       {_owner(facts)}",
    ]
    if facts.tags.is_ok and facts.tags.value:
        lines.append("  tags        " + ", ".join(f"{k}={v}" for k, v in sorted(facts.tags.value.items())))
    lines += [f"  rule        {_rule_line(match)}" for match in diagnosis.rules] or ["  rule        (none)"]
    lines += ["", f"{_HEADLINES[diagnosis.outcome]}: {diagnosis.summary}"]
    cause = diagnosis.cause
    if cause is not None:
        reason = cause.aws_failure_reason or "none (S3 reports nothing: the object is skipped silently)"
        lines += [
            f"  most likely   {cause.message}",
            f"  AWS reason    {reason}",
            f"  layer         {cause.layer}",
            f"  fix           {cause.fix}",
        ]
        if not cause.certain:
            lines.append("  (not certain: some inputs could not be read; see the notes)")
    for number, other in enumerate(diagnosis.causes[1:], start=2):
        lines += ["", f"  {number}. {other.message}", f"     fix: {other.fix}"]
        if other.aws_failure_reason:
            lines.append(f"     AWS reason: {other.aws_failure_reason} (layer {other.layer})")
    if diagnosis.remedy:
        lines += ["", f"Re-replicate: {diagnosis.remedy}"]
    if diagnosis.notes:
        lines += ["", "Not judged:"] + [f"  - {note}" for note in diagnosis.notes]
    return lines
