"""Undoing an applied set: newest change first, each only if it is still what the tool wrote.

Each entry is undone on its own: a damaged manifest entry or backup, a document changed since, or an
AWS error refuses or fails that entry in one sentence and the others carry on. A set with refusals
that a second try cannot change is marked blocked, so the next ``undo`` restores the set before it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from s3repl_tui.fixes import audit, documents
from s3repl_tui.fixes.apply import AwsError, describe_error
from s3repl_tui.fixes.backup import BackupSet, DamagedBackup, Entry, resolve_state_dir
from s3repl_tui.fixes.guards import admin_keeps_access
from s3repl_tui.fixes.jsondoc import Document, same_meaning
from s3repl_tui.fixes.lock import setup_lock
from s3repl_tui.fixes.model import (
    AccountSessionLike,
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
    return BackupSet.latest_undoable(resolve_state_dir(state_dir))[0]


def undo_last(
    connection: ConnectionLike,
    *,
    state_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
    dry_run: bool = False,
) -> UndoResult:
    """Restore the newest set that is waiting (damaged sets are passed over and named in
    ``skipped_sets``; sets marked blocked wait for ``undo_set``)."""
    root = resolve_state_dir(state_dir)
    if not dry_run:
        check_state_dir(root)  # StateDirError: undo cannot record what it restores; nothing was sent
    backup, damaged = BackupSet.latest_undoable(root)
    if backup is None:
        return UndoResult(None, skipped_sets=damaged, dry_run=dry_run)
    result = undo_set(connection, backup, state_dir=root, on_progress=on_progress, dry_run=dry_run)
    return replace(result, skipped_sets=damaged)


def undo_set(
    connection: ConnectionLike,
    backup: BackupSet,
    *,
    state_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
    dry_run: bool = False,
) -> UndoResult:
    """Restore one set, newest change first; each entry on its own, so a bad one stops no other.
    ``dry_run``: read and decide, write and record nothing."""
    root = resolve_state_dir(state_dir)
    if not dry_run:
        check_state_dir(root)
    sessions = SessionCache(connection)
    outcomes: list[UndoOutcome] = []
    blocking = 0
    with setup_lock(root, backup.source_bucket):  # SetupBusy: a fix of the same setup is running
        for entry in reversed(backup.undoable):
            if on_progress is not None:
                on_progress(f"{'checking' if dry_run else 'restoring'} the {entry.label}")
            undo = _Undo(entry, backup, sessions, root, dry_run)
            outcomes.append(undo.run())
            blocking += undo.blocks
        if blocking and not dry_run:
            backup.mark_blocked(f"{blocking} document(s) refused")
    return UndoResult(backup.directory, tuple(outcomes), dry_run=dry_run)


@dataclass
class _Undo:
    """Undoing one entry of a set."""

    entry: Entry
    backup: BackupSet
    sessions: SessionCache
    root: Path
    dry_run: bool
    blocks: bool = False  # refused for a reason a second try cannot change: the set gets marked

    def log(self, outcome: str, after: Document | None, message: str, *, deleting: bool) -> None:
        ref = self.entry.ref
        audit.append(
            self.root,
            action="delete" if deleting else "restore",
            outcome=outcome,
            who=self.sessions.caller(ref.account),
            ref=ref,
            set_id=self.backup.id,
            before=self.entry.read_back or self.entry.written,
            after=after,
            message=message,
        )

    def finish(self, outcome: UndoOutcomeKind, message: str, after: Document | None = None) -> UndoOutcome:
        if self.dry_run:
            return UndoOutcome(self.entry.label, outcome, message)
        try:
            self.backup.record_undo(self.entry, outcome, message)
            if outcome != "refused":  # a refusal touched nothing; the manifest records it
                self.log(outcome, after, message, deleting=outcome == "deleted")
        except OSError as error:  # what AWS did stays done; say the record of it is missing
            message = f"{message}; the state directory could not record it ({error.strerror or error})"
        return UndoOutcome(self.entry.label, outcome, message)

    def refuse(self, message: str, *, blocks: bool = True) -> UndoOutcome:
        self.blocks = blocks
        return self.finish("refused", message)

    def run(self) -> UndoOutcome:
        try:
            ref = self.entry.ref
        except DamagedBackup as error:
            return self.refuse(str(error))
        session = self.sessions.session(ref.account)
        if session is None:
            return self.refuse(
                f"no credentials for account {ref.account}; pass its profile and run undo again", blocks=False
            )
        try:
            current = documents.read(session, ref)
        except AwsError as error:
            return self.finish("failed", f"could not read it ({describe_error(error)}); left as it is")
        try:
            before = self.backup.before(self.entry)
        except DamagedBackup as error:
            return self.refuse(str(error))
        if same_meaning(current, before):  # nothing to write: an interrupted write, or an undo that landed
            landed = "the interrupted write never landed" if self.entry.status == "writing" else "it already is"
            return self.finish("deleted" if before is None else "restored", f"{landed}; it is as it was", current)
        written = [doc for doc in (self.entry.written, self.entry.read_back) if doc is not None]
        if not any(same_meaning(current, doc) for doc in written):
            return self.refuse("it changed since the tool wrote it; left as it is (compare it with the backup)")

        if ref.kind == "bucket-versioning":
            previous = (before or {}).get("Status")
            if not previous:
                return self.finish(
                    "kept",
                    "versioning stays Enabled: S3 cannot return a bucket to never-versioned "
                    "(only to Suspended, which you can set yourself if you must)",
                    current,
                )
            before = {"Status": previous}
        if ref.kind == "key-policy" and before is not None:
            caller = self.sessions.caller(ref.account)
            if not admin_keeps_access(before, caller, ref.name, ref.account):
                return self.refuse(f"the backed-up key policy would not let {caller} manage the key")
        outcome: UndoOutcomeKind = "deleted" if before is None else "restored"
        if self.dry_run:
            return self.finish(outcome, "it is still what the tool wrote")
        return self.write(session, ref, before, outcome)

    def write(
        self, session: AccountSessionLike, ref: DocumentRef, before: Document | None, outcome: UndoOutcomeKind
    ) -> UndoOutcome:
        try:
            self.log("intent", before, "about to restore", deleting=before is None)
        except OSError as error:
            return self.refuse(f"could not log it ({error.strerror or error}); nothing written", blocks=False)
        try:
            if before is None:
                documents.delete(session, ref)
            else:
                documents.write(session, ref, before)
        except AwsError as error:
            # A 5xx or a lost answer may still have landed: read again, as apply does.
            try:
                now = documents.read(session, ref)
            except AwsError:
                now = self.entry.written
            if same_meaning(now, before):
                return self.finish(
                    outcome, f"AWS answered an error ({describe_error(error)}), yet it is as it was", now
                )
            return self.finish("failed", f"AWS refused it ({describe_error(error)}); it is still what the tool wrote")
        try:
            read_back = documents.read(session, ref)
        except AwsError as error:
            return self.finish(outcome, f"done, but it could not be read back ({describe_error(error)})", before)
        if not same_meaning(read_back, before):
            return self.finish("failed", "AWS reads back something other than the backup; check it by hand", read_back)
        message = _deleted_message(ref) if before is None else "restored from the backup"
        return self.finish(outcome, message, read_back)


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
