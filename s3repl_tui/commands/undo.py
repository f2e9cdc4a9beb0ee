"""``s3repl-tui undo``: restore the documents the last applied fix set changed.

Exit codes: 0 when everything was restored (or there was nothing to undo); 1 when a document was
refused (changed since the fix), failed, or the confirmation was declined; 2 usage error (no terminal
to confirm on without ``--yes``).
"""

from __future__ import annotations

import argparse
import sys

from s3repl_tui.aws import Connection
from s3repl_tui.commands.common import connect_options
from s3repl_tui.commands.fix import confirm
from s3repl_tui.errors import EXIT_FAIL, EXIT_PASS
from s3repl_tui.fixes import check_state_dir, last_set, resolve_state_dir, undo_last


def run(args: argparse.Namespace) -> int:
    check_state_dir(resolve_state_dir())  # undo records what it restores; stop before any call
    pending = last_set()
    if pending is None:
        print("Nothing to undo: no applied fix set is waiting to be restored.")
        return EXIT_PASS
    print(f"The last fix set ({pending.directory}) changed, newest first:")
    for entry in reversed(pending.undoable):
        ref = entry.ref
        print(f"- {ref.label} (account {ref.account}, {ref.region})")
    if not args.yes and not confirm("Restore these documents?"):
        print("Nothing was changed.")
        return EXIT_FAIL
    connection = Connection.open(connect_options(args))

    def progress(message: str) -> None:
        print(f"  {message}", file=sys.stderr)

    result = undo_last(connection, on_progress=progress)
    for message in result.messages:
        print(message)
    return EXIT_PASS if result.complete else EXIT_FAIL
