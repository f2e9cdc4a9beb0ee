"""The role changes a Batch Replication job needs, as a ``fixes.Plan`` so they go through the fixes'
safe-apply path (re-read, back up, write, read back, audit, ``s3repl-tui undo``).

Only what is missing is added, in the tool's own statements (Sid ``S3ReplTui...``) of the trust policy
and of the inline policy ``fix`` writes to; a Deny, a boundary or another account's bucket policy is
left to a person and listed in ``Plan.notes``.
"""

from __future__ import annotations

from s3repl_tui.batch.requirements import Checked
from s3repl_tui.fixes import Change, Plan
from s3repl_tui.fixes.facts import Facts
from s3repl_tui.fixes.jsondoc import Document
from s3repl_tui.fixes.merge import add_grant
from s3repl_tui.fixes.targets import Targets, Unplannable
from s3repl_tui.probes.snapshot import Snapshot

FIX_ID = "batch-replication-role"
_MANUAL = {
    "denied": "an explicit Deny blocks {summary}; remove or narrow it (s3repl-tui never removes a Deny)",
    "boundary": "the role's permissions boundary does not allow {summary}; widen the boundary",
    "bucket-policy": "the bucket policy must allow the role {summary}; ask the bucket's owner",
    "unknown": "{summary} could not be judged: {explanation}",
}


def _grants(before: Document | None, items: list[Checked]) -> Document:
    after = before
    for item in items:
        after = add_grant(after, item.requirement.grant)
    assert after is not None  # items is never empty here
    return after


def role_plan(
    snapshot: Snapshot, checked: tuple[Checked, ...], profile: str | None = None, endpoint_url: str | None = None
) -> Plan:
    """At most two changes (trust policy, inline policy), and notes for what a person must do."""
    targets = Targets(Facts(snapshot))
    changes: list[Change] = []
    notes = [
        _MANUAL[item.status].format(summary=item.requirement.summary, explanation=item.explanation)
        for item in checked
        if item.status in _MANUAL
    ]
    trust = [item for item in checked if item.fixable and item.requirement.document == "trust"]
    inline = [item for item in checked if item.fixable and item.requirement.document == "inline"]
    try:
        if trust:
            ref, before = targets.role_trust()
            changes.append(Change(
                f"role-trust:{ref.resource}", (FIX_ID,), "service-role", ref,
                "let S3 Batch Operations (batchoperations.s3.amazonaws.com) assume the replication role",
                before, _grants(before, trust), profile, endpoint_url,
            ))
        if inline:
            ref, before, others = targets.role_inline()
            actions = ", ".join(dict.fromkeys(item.requirement.request.action for item in inline))
            changes.append(Change(
                f"role-inline-policy:{ref.resource}:{ref.policy_name}", (FIX_ID,), "service-role", ref,
                f"allow the role what Batch Replication needs: {actions}",
                before, _grants(before, inline), profile, endpoint_url, sibling_inline_chars=others,
            ))
    except Unplannable as missing:
        notes.append(f"the role's changes could not be planned: {missing}")
    return Plan(changes=tuple(changes), notes=tuple(notes))
