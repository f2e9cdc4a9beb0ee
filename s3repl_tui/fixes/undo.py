"""Undoing the last applied set: newest change first, each only if it is still what the tool wrote."""

from __future__ import annotations

from pathlib import Path

from s3repl_tui.fixes import audit, documents
from s3repl_tui.fixes.apply import AwsError, describe_error
from s3repl_tui.fixes.backup import BackupSet, Entry, resolve_state_dir
from s3repl_tui.fixes.guards import admin_keeps_access
from s3repl_tui.fixes.jsondoc import Document, same_meaning
from s3repl_tui.fixes.model import (
    ConnectionLike,
    DocumentRef,
    ProgressCallback,
    SessionCache,
    UndoOutcome,
    UndoOutcomeKind,
    UndoResult,
)
from s3repl_tui.fixes.state import check_state_dir


def last_set(state_dir: Path | None = None) -> BackupSet | None:
    """The set ``undo_last`` would restore (to show it before asking), or None."""
    return BackupSet.latest_undoable(resolve_state_dir(state_dir))


def undo_last(
    connection: ConnectionLike,
    *,
    state_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> UndoResult:
    root = resolve_state_dir(state_dir)
    check_state_dir(root)  # StateDirError: undo cannot record what it restores; nothing was sent
    backup = BackupSet.latest_undoable(root)
    if backup is None:
        return UndoResult(None)
    sessions = SessionCache(connection)
    outcomes = []
    for entry in reversed(backup.undoable):
        if on_progress is not None:
            on_progress(f"restoring the {entry.ref.label}")
        outcomes.append(_undo_one(entry, backup, sessions, root))
    return UndoResult(backup.directory, tuple(outcomes))


def _undo_one(entry: Entry, backup: BackupSet, sessions: SessionCache, root: Path) -> UndoOutcome:
    ref = entry.ref

    def finish(outcome: UndoOutcomeKind, message: str, after: Document | None = None) -> UndoOutcome:
        backup.record_undo(entry, outcome, message)
        if outcome != "refused":  # a refusal touched nothing; the manifest records it
            action = "delete" if outcome == "deleted" else "restore"
            audit.append(
                root,
                action=action,
                outcome=outcome,
                who=sessions.caller(ref.account),
                ref=ref,
                set_id=backup.id,
                before=entry.read_back or entry.written,
                after=after,
                message=message,
            )
        return UndoOutcome(ref.label, outcome, message)

    session = sessions.session(ref.account)
    if session is None:
        return finish("refused", f"no credentials for account {ref.account}; pass its profile and run undo again")
    try:
        current = documents.read(session, ref)
    except AwsError as error:
        return finish("failed", f"could not read it ({describe_error(error)}); left as it is")
    before = backup.before(entry)
    if entry.status == "writing" and same_meaning(current, before):
        return finish("restored", "the interrupted write never landed; it is as it was", current)
    written = [doc for doc in (entry.written, entry.read_back) if doc is not None]
    if not any(same_meaning(current, doc) for doc in written):
        return finish("refused", "it changed since the tool wrote it; left as it is (compare it with the backup)")

    if ref.kind == "bucket-versioning":
        previous = (before or {}).get("Status")
        if not previous:
            return finish(
                "kept",
                "versioning stays Enabled: S3 cannot return a bucket to never-versioned "
                "(only to Suspended, which you can set yourself if you must)",
                current,
            )
        before = {"Status": previous}
    if ref.kind == "key-policy" and before is not None:
        caller = sessions.caller(ref.account)
        if not admin_keeps_access(before, caller, ref.name, ref.account):
            return finish("refused", f"the backed-up key policy would not let {caller} manage the key")
    try:
        if before is None:
            documents.delete(session, ref)
        else:
            documents.write(session, ref, before)
    except AwsError as error:
        return finish("failed", f"AWS refused it ({describe_error(error)}); it is still what the tool wrote")
    outcome: UndoOutcomeKind = "deleted" if before is None else "restored"
    try:
        read_back = documents.read(session, ref)
    except AwsError as error:
        return finish(outcome, f"done, but it could not be read back ({describe_error(error)})", before)
    if not same_meaning(read_back, before):
        return finish("failed", "AWS reads back something other than the backup; check it by hand", read_back)
    message = _deleted_message(ref) if before is None else "restored from the backup"
    return finish(outcome, message, read_back)


def _deleted_message(ref: DocumentRef) -> str:
    if ref.kind == "kms-key":
        return (
            f"scheduled for deletion in {documents.KEY_DELETION_WINDOW_DAYS} days (the tool had created it; "
            f"KMS deletes no key at once); to keep it: aws kms cancel-key-deletion --key-id {ref.name} "
            f"--profile <profile-of-{ref.account or 'account'}> --region {ref.region}"
        )
    if ref.kind == "bucket-encryption":
        return "deleted (the tool had set it); S3 now applies its own default, SSE-S3"
    return "deleted (the tool had created it)"
