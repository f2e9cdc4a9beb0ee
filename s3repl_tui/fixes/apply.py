"""Applying a plan safely, one document after the other.

For each change: re-read the document and refuse if it is no longer what the plan was made from;
back it up; write; read it back and check it holds what was written; log it. The first change that
does not end "applied" stops the run: what follows is skipped, and what was written stays undoable.

A change that creates a resource (``Change.creates``, a new KMS key) fills a placeholder with the new
ARN; every later change gets it substituted before it is re-read and written, and the backup records
the real ARN, so undo finds what was created (fixes.placeholders).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3repl_tui.fixes import audit, documents
from s3repl_tui.fixes.backup import BackupSet, resolve_state_dir
from s3repl_tui.fixes.guards import FixRejected, check_key_admin, check_size, key_policy_of
from s3repl_tui.fixes.jsondoc import Document, compact, contains, same_meaning
from s3repl_tui.fixes.lock import setup_lock
from s3repl_tui.fixes.model import (
    AccountSessionLike,
    ApplyResult,
    Change,
    ChangeOutcome,
    ConnectionLike,
    DocumentRef,
    Outcome,
    Plan,
    ProgressCallback,
    SessionCache,
)
from s3repl_tui.fixes.placeholders import names_in, substitute, token
from s3repl_tui.fixes.state import StateDirError, check_state_dir

AwsError = (ClientError, BotoCoreError)


class ApplyInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``apply_plan``: ``result`` says what landed (the change in flight is
    "interrupted"; the backup set records it, so undo restores it if its write landed)."""

    def __init__(self, result: ApplyResult) -> None:
        super().__init__()
        self.result = result


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def describe_error(error: Exception) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', '')}".rstrip(": ")
    return str(error) or type(error).__name__


def _after_failed_write(
    session: AccountSessionLike, change: Change, before: Document | None, error: str
) -> tuple[Outcome, str, str]:
    """(outcome, backup status, message) after AWS answered a write with an error. A 5xx or a lost answer
    may still have landed, so read the document again rather than claim nothing changed."""
    try:
        now = documents.read(session, change.ref)
    except AwsError as read_error:
        return (
            "failed",
            "writing",
            (
                f"the write failed ({error}) and the document could not be read again ({describe_error(read_error)}):"
                " whether it landed is unknown; undo restores the backup if it did"
            ),
        )
    if same_meaning(now, before):
        return "failed", "failed", f"AWS refused the write ({error}); nothing changed"
    if same_meaning(now, change.after):
        return (
            "unverified",
            "unverified",
            (f"AWS answered an error ({error}), yet the document now reads as the fix wrote it; undo restores it"),
        )
    return (
        "failed",
        "writing",
        (
            f"the write failed ({error}) and the document now differs from both the backup and the fix; "
            "check it by hand (undo only restores what it can prove the tool wrote)"
        ),
    )


def _check_placeholders(changes: tuple[Change, ...]) -> None:
    """Every placeholder a change uses must be created by an earlier change of the plan."""
    created: set[str] = set()
    for change in changes:
        used = names_in([change.ref.name, change.ref.resource, change.before, change.after])
        missing = sorted(used - created - ({change.creates} if change.creates else set()))
        if missing:
            raise FixRejected(
                f"The {change.ref.label} uses {token(missing[0])}, which no earlier change of the plan creates; "
                "nothing was written.",
                hint="Plan again: the change that creates it must come first.",
            )
        if change.creates:
            created.add(change.creates)


def resolve(change: Change, values: dict[str, str]) -> Change:
    """``change`` with every placeholder it uses filled from ``values`` (ARNs created so far)."""
    if not values:
        return change
    ref = change.ref
    resolved_ref = DocumentRef(
        ref.kind,
        ref.account,
        ref.region,
        substitute(ref.resource, values),
        substitute(ref.name, values),
        ref.policy_name,
    )
    return replace(
        change, ref=resolved_ref, before=substitute(change.before, values), after=substitute(change.after, values)
    )


def plan_bytes(plan: Plan) -> int:
    """About what the set's backups and manifest take on disk."""
    return sum(len(compact(c.after)) + len(compact(c.before or {})) for c in plan.changes) * 2


def _preflight(changes: tuple[Change, ...], sessions: SessionCache) -> None:
    """Everything that can be known before the first write; raises FixRejected, writes nothing."""
    _check_placeholders(changes)
    for change in changes:
        check_size(change)
        if sessions.session(change.account) is None:
            raise FixRejected(
                f"There are no credentials for account {change.account}, which owns the {change.ref.label}; "
                "nothing was written.",
                hint="Pass --dest-profile (or --source-profile) with credentials for that account, "
                "or give that account's owner the commands of fix --export cli.",
            )
        if key_policy_of(change) is not None:
            caller = sessions.caller(change.account)
            check_key_admin(change, None if caller == "unknown" else caller)


def apply_plan(
    plan: Plan,
    connection: ConnectionLike,
    *,
    state_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> ApplyResult:
    """Apply ``plan.changes`` in order. Raises FixRejected (nothing written) when a size limit or the
    key-policy lockout check fails or an account has no credentials; every other problem is reported
    in the result."""
    if not plan.changes:
        return ApplyResult()
    root = resolve_state_dir(state_dir)
    sessions = SessionCache(connection)
    _preflight(plan.changes, sessions)
    check_state_dir(root, needed_bytes=plan_bytes(plan))  # StateDirError: nothing was sent
    with setup_lock(root, plan.source_bucket):  # SetupBusy: another run is changing this setup
        return _apply_locked(plan, sessions, root, on_progress)


def _apply_locked(
    plan: Plan, sessions: SessionCache, root: Path, on_progress: ProgressCallback | None
) -> ApplyResult:
    try:
        backup = BackupSet.create(root, plan.changes, plan.source_bucket)
    except OSError as error:
        raise StateDirError(root, str(error.strerror or error)) from error
    outcomes: list[ChangeOutcome] = []
    created: dict[str, str] = {}  # placeholder name -> ARN of what an earlier change created
    total = len(plan.changes)
    try:
        for index, planned in enumerate(plan.changes, start=1):
            change = resolve(planned, created)
            if outcomes and (outcomes[-1].outcome != "applied" or outcomes[-1].record_error):
                message = "not attempted: an earlier change did not apply"
                if outcomes[-1].record_error:
                    message = "not attempted: the state directory stopped taking backups"
                _best_effort(backup.record, index, "skipped", message)
                outcomes.append(ChangeOutcome(change.id, change.ref.label, "skipped", message))
                continue
            if on_progress is not None:
                on_progress(f"[{index}/{total}] {change.api} {change.ref.label}")
            outcome, arn = _apply_one(index, change, sessions, backup, root)
            if arn and change.creates:
                created[change.creates] = arn
            outcomes.append(outcome)
    except KeyboardInterrupt:
        raise ApplyInterrupted(_interrupted(plan, outcomes, backup)) from None
    written = any(o.outcome in ("applied", "unverified") for o in outcomes)
    return ApplyResult(tuple(outcomes), backup.directory if written else None)


def _interrupted(plan: Plan, outcomes: list[ChangeOutcome], backup: BackupSet) -> ApplyResult:
    """What landed when Ctrl-C came: the change in flight may have, the ones after it did not."""
    finished = list(outcomes)
    for position, change in enumerate(plan.changes[len(outcomes) :]):
        if position == 0:
            message = "interrupted while it was being applied: if its write landed, undo restores it"
            finished.append(ChangeOutcome(change.id, change.ref.label, "interrupted", message))
        else:
            finished.append(ChangeOutcome(change.id, change.ref.label, "skipped", "not attempted: interrupted"))
    return ApplyResult(tuple(finished), backup.directory)


def _best_effort(step: Callable[..., None], *args: Any, **kwargs: Any) -> str:
    """A bookkeeping step that must not undo what AWS already did: "" or why the state directory
    refused it."""
    try:
        step(*args, **kwargs)
    except OSError as error:
        return _reason(error)
    return ""


def _apply_one(
    index: int, change: Change, sessions: SessionCache, backup: BackupSet, root: Path
) -> tuple[ChangeOutcome, str | None]:
    """The outcome, and the ARN of the resource the write created (kinds that create one)."""
    created: list[str] = []
    outcome = _write_one(index, change, sessions, backup, root, created)
    return outcome, (created[0] if created else None)


def _write_one(
    index: int, change: Change, sessions: SessionCache, backup: BackupSet, root: Path, created: list[str]
) -> ChangeOutcome:
    session = sessions.session(change.account)
    assert session is not None  # checked by _preflight

    def done(outcome: Outcome, message: str) -> ChangeOutcome:
        return ChangeOutcome(change.id, change.ref.label, outcome, message)

    try:
        current = documents.read(session, change.ref)
    except AwsError as error:
        _best_effort(backup.record, index, "failed", f"could not re-read it: {describe_error(error)}")
        return done("failed", f"could not re-read it before writing ({describe_error(error)}); nothing written")
    if not same_meaning(current, change.before):
        message = "it changed since the plan was made; nothing written (run fix again to plan on the current one)"
        _best_effort(backup.record, index, "refused", message)
        return done("refused", message)

    who = sessions.caller(change.account)

    def log(outcome: str, after: Document | None, message: str) -> None:
        audit.append(
            root,
            action="write",
            outcome=outcome,
            who=who,
            ref=change.ref,
            set_id=backup.id,
            before=current,
            after=after,
            message=message,
        )

    try:
        backup.set_ref(index, change.ref)  # placeholders filled: the name undo must find
        backup.keep_before(index, current)
        # Recorded before the call: if the process dies mid-write, undo still knows this may have landed.
        backup.record(index, "writing", "", written=change.after)
        log("intent", change.after, "about to write")
    except OSError as error:
        message = f"could not back it up or log it ({_reason(error)}); nothing written"
        _best_effort(backup.record, index, "failed", message)
        return done("failed", message)
    try:
        arn = documents.write(session, change.ref, change.after, new_principal=change.new_principal)
    except AwsError as error:
        outcome, backup_status, message = _after_failed_write(session, change, current, describe_error(error))
        problem = _best_effort(backup.record, index, backup_status, message)
        problem = _best_effort(log, outcome, change.after, message) or problem
        return _recorded(done(outcome, message), problem)

    problems: list[str] = []
    if arn and change.ref.kind == "kms-key":
        # The key exists now: from here on (read-back, audit, undo) it is named by its ARN.
        change = replace(change, ref=replace(change.ref, resource=arn, name=arn))
        problems.append(_best_effort(backup.set_ref, index, change.ref))
    if arn:
        created.append(arn)
    try:
        read_back = documents.read(session, change.ref)
        verified = contains(read_back, change.after)
        message = "written and read back" if verified else "written, but AWS reads back a different document"
    except AwsError as error:
        read_back, verified = None, False
        message = f"written, but could not be read back ({describe_error(error)})"
    status: Outcome = "applied" if verified else "unverified"
    problems.append(_best_effort(backup.record, index, status, message, written=change.after, read_back=read_back))
    problems.append(_best_effort(log, status, read_back if read_back is not None else change.after, message))
    return _recorded(done(status, message), next((p for p in problems if p), ""))


def _recorded(outcome: ChangeOutcome, problem: str) -> ChangeOutcome:
    """``outcome``, noting that its write landed but the backup or audit record of it did not."""
    if not problem:
        return outcome
    message = f"{outcome.message}; the state directory could not record it ({problem})"
    return replace(outcome, message=message, record_error=problem)
