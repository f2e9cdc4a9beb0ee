"""From an object's facts, the rules and the judged requests to one diagnosis (pure).

Causes are ordered the way S3 works through a replication (the first one it meets is the code it
reports): assume the role, read the source object, decrypt it, find the destination, encrypt the
replica, write it.
"""

from __future__ import annotations

from collections.abc import Sequence

from s3repl_tui.checks import facts as check_facts
from s3repl_tui.objects import causes, failures
from s3repl_tui.objects.facts import ObjectFacts
from s3repl_tui.objects.model import Cause, CheckedRequest, ObjectDiagnosis, Outcome
from s3repl_tui.objects.requests import JudgedRequest
from s3repl_tui.objects.rules import RuleMatch, applying
from s3repl_tui.probes.snapshot import Snapshot

_BY_DESIGN = frozenset({"existed-before-rule", "tagged-after-upload-or-existing"})
# Where each request target sits in S3's order of work.
_STAGE = {"trust": 0, "source": 1, "kms-source": 2, "destination-state": 3, "kms-replica": 4, "destination": 5}


def _stage(judged: JudgedRequest) -> int:
    if judged.item.target == "kms":
        return _STAGE["kms-source" if judged.item.key_role == "source" else "kms-replica"]
    return _STAGE[judged.item.target]


def failure_causes(
    view: Snapshot, facts: ObjectFacts, matches: Sequence[RuleMatch], judged: Sequence[JudgedRequest]
) -> list[Cause]:
    """Every reason replicating this object fails now, in the order S3 meets them."""
    staged: list[tuple[int, Cause]] = []
    role = failures.role_missing(view)
    if role is not None:
        staged.append((0, role))
    else:
        staged += [(_stage(j), cause) for j, cause in failures.denied_causes(judged, facts)]
    owner = causes.owned_by_another_account(facts)
    if owner is not None:
        staged.append((1, owner))
    source_key = failures.source_key_unusable(view, facts)
    if source_key is not None:
        staged.append((2, source_key))
    for match in applying(matches):
        for problem in failures.destination_problems(view, match.rule):
            staged.append((4 if "key" in problem.code else 3, problem))
    staged.sort(key=lambda pair: pair[0])  # stable: within a stage, the order of the requests
    return [cause for _, cause in staged]


def silent_causes(snapshot: Snapshot, facts: ObjectFacts, matches: Sequence[RuleMatch]) -> list[Cause]:
    """Reasons S3 does not even try (no failure event, no status)."""
    found = [
        causes.no_configuration(snapshot),
        causes.configuration_unreadable(snapshot),
        causes.outside_every_rule(matches, facts),
        causes.archived(facts) if applying(matches) else None,
        causes.sse_kms_not_opted_in(matches, facts),
    ]
    return [cause for cause in found if cause is not None]


def _remedy(outcome: Outcome, bucket: str, first: Cause | None) -> str:
    retry = f"s3repl-tui retry --source-bucket {bucket}"
    if outcome in ("failed", "will-fail"):
        return (f"S3 never retries a FAILED object: once fixed, run {retry} --statuses FAILED (S3 Batch "
                "Replication), or copy the object onto itself so a new version replicates.")
    if outcome == "replica":
        return f"{retry} --statuses REPLICA re-replicates replicas with S3 Batch Replication."
    if outcome == "not-replicated" and first is not None:
        if first.code == "archived-object":
            return first.fix
        when = "" if first.code in _BY_DESIGN else "Once that is fixed, "
        return f"{when}{retry} --statuses NONE replicates it with S3 Batch Replication."
    return ""


def _checked(judged: Sequence[JudgedRequest]) -> tuple[CheckedRequest, ...]:
    return tuple(
        CheckedRequest(j.item.action, j.item.request.resource, j.decision, j.explanation, j.layer,
                       failures.failure_reason(j))
        for j in judged
    )


def _notes(judged: Sequence[JudgedRequest], facts: ObjectFacts) -> tuple[str, ...]:
    """The requests this object needs that could not be judged, one line per input that was missing."""
    by_input: dict[tuple[str, str, bool], list[str]] = {}
    for item in judged:
        if item.decision != "unknown" or not failures.matters(item, facts):
            continue
        if item.unreadable:
            for what, command in item.unreadable:
                by_input.setdefault((what, command, True), []).append(item.item.action)
        else:
            by_input.setdefault((item.explanation, "", False), []).append(item.item.action)
    notes = []
    for (what, command, unread), actions in by_input.items():
        names = ", ".join(dict.fromkeys(actions))
        if unread:
            notes.append(f"{what} could not be read, so {names} could not be judged"
                         + (f"; its owner can read it with: {command}" if command else ""))
        else:
            notes.append(f"{names}: {what}")
    return tuple(notes)


def _where(facts: ObjectFacts) -> str:
    return f"s3://{facts.bucket}/{facts.key}"


def diagnose(
    snapshot: Snapshot,
    view: Snapshot,
    facts: ObjectFacts,
    matches: tuple[RuleMatch, ...],
    judged: tuple[JudgedRequest, ...],
    never_replicates: bool = False,
) -> ObjectDiagnosis:
    """``never_replicates``: the endpoint is a sandbox where no object gets a status (moto)."""
    status = (facts.replication_status or "").upper()
    failures = failure_causes(view, facts, matches, judged)
    bucket = facts.bucket
    targets = ", ".join(dict.fromkeys(m.destination for m in applying(matches))) or "its destination"

    def result(outcome: Outcome, summary: str, found: Sequence[Cause]) -> ObjectDiagnosis:
        first = found[0] if found else None
        return ObjectDiagnosis(facts, matches, outcome, summary, tuple(found), _remedy(outcome, bucket, first),
                               _checked(judged), _notes(judged, facts))

    if status in causes.REPLICATED:
        return result("replicated", f"{_where(facts)} replicated to {targets} (status {status}).", [])
    if status == "REPLICA":
        return result("replica", f"{_where(facts)} is a replica (status REPLICA).", [causes.replica_of_replica(facts)])
    if status == "FAILED":
        # No failure now: the rules may have changed since (or could not be read), else it was fixed.
        found = failures or silent_causes(snapshot, facts, matches) or [_cause_not_found(view)]
        return result("failed", f"Replication of {_where(facts)} FAILED.", found)
    if status == "PENDING":
        if failures:
            return result("will-fail", f"{_where(facts)} is PENDING, and it will fail.", failures)
        return result("pending", f"{_where(facts)} is PENDING: S3 is replicating it to {targets}.", [])
    silent = silent_causes(snapshot, facts, matches)
    if not silent and applying(matches):
        owner = causes.owned_by_another_account(facts)
        by_design = causes.sandbox_never_replicates(facts) if never_replicates else \
            causes.not_replicated_by_design(matches, facts)
        silent = [owner] if owner is not None else [by_design]
    if never_replicates and not silent and not failures:
        silent = [causes.sandbox_never_replicates(facts)]
    if never_replicates:
        summary = f"{_where(facts)} has no replication status: this sandbox never replicates (not emulated)."
        return result("not-replicated", summary, silent + [cause for cause in failures if cause not in silent])
    # What a retry would also meet: the failures, after the reason it was skipped.
    found = silent + [cause for cause in failures if cause not in silent]
    return result("not-replicated", f"{_where(facts)} has no replication status: S3 did not replicate it.", found)


def _cause_not_found(view: Snapshot) -> Cause:
    role = check_facts.role_ref(view)
    return Cause(
        "cause-not-found", "object",
        "Every request S3 makes for this object is allowed as the setup reads now: the cause was probably "
        "fixed after the failure, or lies where policies cannot be read (SCPs, RCPs, a key state that "
        "changed since, a transient outage).",
        "Re-replicate it and watch the result: s3repl-tui retry --statuses FAILED.",
        certain=False, evidence={"role": role.arn if role else None},
    )
