"""One write run per source bucket at a time on this machine (issue 12.5).

``fix`` holds the lock of its source bucket from planning to the check after applying; ``apply_plan``
and undo take it too, so a second ``fix --yes``, ``init`` or ``undo`` on the same setup refuses in one
sentence instead of planning on documents the first run is about to change. The lock is an ``flock``
on ``<state dir>/locks/<bucket>.lock``: the kernel releases it when its process ends, however it ends,
so a killed run never leaves a stale lock. Within one process it is re-entrant (the command holds it,
``apply_plan`` nests inside).

It is local: AWS offers no conditional policy writes (no ETag or version precondition on
PutBucketPolicy, PutRolePolicy, PutKeyPolicy, PutBucketReplication), so an edit that lands from
elsewhere between the tool's re-read and its write cannot be detected. The tool narrows that window by
re-reading each document immediately before writing it and reading it back right after.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from s3repl_tui.errors import EXIT_USAGE, NothingChanged
from s3repl_tui.fixes.state import StateDirError

LOCKS = "locks"
_held: dict[str, int] = {}  # lock path -> nesting depth, for this process
_guard = threading.Lock()


class SetupBusy(NothingChanged):
    """Another run holds the lock of this source bucket; nothing was changed."""

    def __init__(self, bucket: str, holder: str) -> None:
        super().__init__(
            f"another s3repl-tui run{holder} is changing the replication setup of {bucket}; "
            "nothing was changed, run this again once it has finished",
            exit_code=EXIT_USAGE,
        )


def lock_path(root: Path, bucket: str) -> Path:
    return root / LOCKS / f"{re.sub(r'[^A-Za-z0-9._-]', '_', bucket)}.lock"


@contextmanager
def setup_lock(root: Path, bucket: str) -> Iterator[None]:
    """Hold the lock of ``bucket``'s setup; raises SetupBusy when another process holds it. An empty
    ``bucket`` (a plan made without one) takes no lock."""
    if not bucket:
        yield
        return
    path = lock_path(root, bucket)
    key = str(path)
    with _guard:
        nested = key in _held
        if nested:
            _held[key] += 1
    if nested:
        try:
            yield
        finally:
            with _guard:
                _held[key] -= 1
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise StateDirError(root, error.strerror or str(error), what="the lock") from error
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StateDirError(root, error.strerror or str(error), what="the lock") from error
            holder = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
            raise SetupBusy(bucket, f" (process {holder})" if holder.isdigit() else "") from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        with _guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _guard:
                del _held[key]
    finally:
        os.close(descriptor)  # releases the flock
