"""``s3repl-tui undo``: restore the documents a fix set changed (the newest waiting set by default).

``--dry-run`` reads AWS and says what undo would restore or refuse, writing nothing; ``--list`` shows
every set and its state; ``--set ID`` undoes that set, also one marked refused (a set whose refusals
would not change on a second try is marked, so plain ``undo`` moves on to the set before it).

Exit codes: 0 when everything was restored (or there was nothing to undo, or the dry run found
nothing to refuse); 1 when a document was refused (changed since the fix, damaged backup), failed, or
the confirmation was declined; 2 usage error (no terminal to confirm on without ``--yes``, unknown set).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from s3repl_tui.aws import Connection
from s3repl_tui.commands.common import connect_options
from s3repl_tui.commands.fix import confirm
from s3repl_tui.errors import EXIT_FAIL, EXIT_PASS, UserError
from s3repl_tui.fixes import check_state_dir, resolve_state_dir
from s3repl_tui.fixes.backup import SETS, BackupSet, DamagedBackup
from s3repl_tui.fixes.undo import undo_set
from s3repl_tui.plain_text import printable_line


def _say(text: str, *, file: TextIO | None = None) -> None:
    """Manifest values came from AWS and from disk: shown as plain text, one line each."""
    print(printable_line(text), file=file or sys.stdout)


def _list(root: Path) -> int:
    listed = BackupSet.listing(root)
    if not listed:
        print(f"No fix sets in {root / SETS}.")
        return EXIT_PASS
    print(f"Fix sets in {root / SETS}, newest first:")
    for item in listed:
        if item.backup is None:
            _say(f"{item.directory.name}  damaged   {item.problem}")
            continue
        backup = item.backup
        labels = ", ".join(entry.label for entry in backup.entries)
        _say(f"{backup.id}  {backup.state():<9} {backup.manifest.get('created', '?')}  {labels}")
    return EXIT_PASS


def _chosen(root: Path, set_id: str | None) -> BackupSet | None:
    if not set_id:
        backup, damaged = BackupSet.latest_undoable(root)
        for sentence in damaged:
            _say(f"note: {sentence}")
        return backup
    try:
        backup = BackupSet.find(root, set_id)
    except DamagedBackup as error:
        raise UserError(f"{error}; it cannot be undone.") from error
    if backup is None:
        raise UserError(
            f"There is no fix set {set_id!r} in {root / SETS}.", hint="List them with: s3repl-tui undo --list"
        )
    return backup


def run(args: argparse.Namespace) -> int:
    root = resolve_state_dir()
    if args.list:
        return _list(root)
    if not args.dry_run:
        check_state_dir(root)  # undo records what it restores; stop before any call
    pending = _chosen(root, args.set)
    if pending is None or not pending.undoable:
        which = f"fix set {args.set} has" if args.set else "no applied fix set has"
        print(f"Nothing to undo: {which} documents waiting to be restored.")
        refused = [
            item.directory.name for item in BackupSet.listing(root) if item.backup and item.backup.state() == "refused"
        ]
        if refused and not args.set:
            print(f"{len(refused)} set(s) marked refused wait for `s3repl-tui undo --set ID` (see `undo --list`).")
        return EXIT_PASS
    _say(f"The fix set {pending.id} ({pending.directory}) changed, newest first:")
    for entry in reversed(pending.undoable):
        try:
            where = f" (account {entry.ref.account}, {entry.ref.region})"
        except DamagedBackup:
            where = " (its manifest entry is damaged)"
        _say(f"- {entry.label}{where}")
    if not args.dry_run and not args.yes and not confirm("Restore these documents?"):
        print("Nothing was changed.")
        return EXIT_FAIL
    connection = Connection.open(connect_options(args))

    def progress(message: str) -> None:
        _say(f"  {message}", file=sys.stderr)

    result = undo_set(connection, pending, on_progress=progress, dry_run=args.dry_run)
    for message in result.messages:
        _say(message)
    if args.dry_run:
        print("Dry run: nothing was changed.")
    elif pending.blocked and not result.complete:
        print(
            f"This set is marked refused: the next `s3repl-tui undo` restores the set before it; "
            f"`s3repl-tui undo --set {pending.id}` tries this one again."
        )
    return EXIT_PASS if result.complete else EXIT_FAIL
