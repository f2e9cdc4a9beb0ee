"""The state directory is checked before anything is written to AWS.

A write the tool cannot back up or log is a write nobody can undo, so ``check_state_dir`` runs before
the first AWS call of ``apply_plan`` and ``undo_last`` (and the commands call it before planning): it
creates the backup folder and the audit log, writes a test file as big as the set will need, and
checks the free space. Any problem is one sentence, ``StateDirError`` (exit 2):

    cannot write backups to /home/me/.local/state/s3repl-tui (No space left on device); nothing was changed

The TUI shows the same sentence (``StateDirError.message``) and must not say it is changing AWS.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from s3repl_tui.errors import EXIT_USAGE, NothingChanged

SETS = "fix-sets"
AUDIT_LOG = "audit.jsonl"
# Room for the set's manifest and backups, the audit records and the undo records that follow. Policies
# are at most tens of KB each (guards.SIZE_LIMITS); a replication configuration at most 2 MB.
MIN_FREE_BYTES = 4 * 1024 * 1024
_PROBE = ".s3repl-tui-write-test"


class StateDirError(NothingChanged):
    """The state directory cannot hold backups or the audit log; nothing was sent to AWS."""

    def __init__(self, root: Path, reason: str, *, what: str = "backups") -> None:
        super().__init__(
            f"cannot write {what} to {root} ({reason}); nothing was changed",
            hint="Free space or fix the folder's permissions, or point XDG_STATE_HOME at a writable folder.",
            exit_code=EXIT_USAGE,
        )
        self.root = root


def _reason(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "no space left on the device"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if error.errno == errno.EROFS:
        return "read-only file system"
    if error.errno == errno.ENOTDIR:
        return f"{error.filename or 'a part of the path'} is a file, not a folder"
    return error.strerror or type(error).__name__


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def _folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def check_state_dir(root: Path, *, needed_bytes: int = 0) -> None:
    """Raise StateDirError unless backups and the audit log can be written under ``root``."""
    try:
        _folder(root)
        _folder(root / SETS)
        audit = root / AUDIT_LOG
        if audit.exists() and not audit.is_file():
            raise StateDirError(root, f"{audit} is not a file", what="the audit log")
        # Opened for appending exactly as audit.append opens it; nothing is written to it here.
        os.close(os.open(audit, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        probe = root / SETS / _PROBE
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            block = b"\0" * min(max(needed_bytes, 4096), 1024 * 1024)
            os.write(descriptor, block)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
            probe.unlink(missing_ok=True)
        free = free_bytes(root)
    except StateDirError:
        raise
    except OSError as error:
        raise StateDirError(root, _reason(error)) from error
    wanted = max(needed_bytes * 4, MIN_FREE_BYTES)
    if free < wanted:
        raise StateDirError(root, f"only {free:,} bytes free, {wanted:,} needed")
