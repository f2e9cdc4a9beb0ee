"""After setup: the same check ``s3repl-tui check`` runs (probe + judge), then the canary.

The canary (``s3repl_tui.canary``) writes one small object under ``.s3repl-tui/canary/``, waits for S3
to replicate it and deletes its versions afterwards. Where nothing replicates (the moto sandbox),
``emulate=True`` stands in for S3 the way ``s3repl-tui demo`` does, and the result says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from s3repl_tui.aws import Connection
from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Report
from s3repl_tui.observations import with_observations
from s3repl_tui.probes import probe
from s3repl_tui.sandbox.emulation import NOT_EMULATED, is_sandbox_endpoint

Say = Callable[[str], None]


def check(connection: Connection, source_bucket: str) -> Report:
    return judge(with_observations(probe(connection, source_bucket)))


def canary_available() -> bool:
    try:
        import s3repl_tui.canary  # noqa: F401
    except ImportError:
        return False
    return True


SANDBOX_CANARY_SKIPPED = (
    f"The canary did not run: this endpoint is a local sandbox, and {NOT_EMULATED}, so it would report "
    "NOT_REPLICATED whatever the setup. Run init with --emulate-replication to watch an emulated replication."
)


def never_replicates(connection: Connection, report: Report) -> bool:
    """The source's S3 endpoint is a local sandbox (moto), where the canary's outcome means nothing."""
    return is_sandbox_endpoint(connection.source.client("s3", report.source.region).meta.endpoint_url)


def run_canary(
    connection: Connection,
    report: Report,
    *,
    emulate: bool,
    on_progress: Callable[[str], None],
    timeout_seconds: float | None = None,
) -> Any:
    """A ``canary.CanaryResult``: COMPLETED, FAILED, NOT_REPLICATED or TIMEOUT, with one sentence."""
    from s3repl_tui import canary

    source_s3 = connection.source.client("s3", report.source.region)
    target = canary.read_target(source_s3, report.source.bucket)
    destination = next((d for d in report.destinations if d.bucket == target.destination_bucket), None)
    dest_session = connection.for_account(destination.account) if destination is not None else None
    dest_s3 = dest_session.client("s3", destination.region) if dest_session and destination else None
    watcher: Any
    if emulate:
        watcher = canary.ReplicationEmulator(
            report=report, target=target, source_s3=source_s3, dest_s3=dest_s3, delay_seconds=0.5
        )
        poll, timeout = 0.25, 30.0
    else:
        watcher = canary.S3ReplicationWatcher(source_s3, report.source.bucket)
        poll, timeout = canary.DEFAULT_POLL_SECONDS, canary.DEFAULT_TIMEOUT_SECONDS
    last: list[str] = []

    def progress(update: Any) -> None:
        line = f"canary: {update.message}"
        if not last or last[-1] != line:  # the status repeats while S3 works; say it once
            last.append(line)
            on_progress(line)

    return canary.run_canary(
        source_s3=source_s3,
        dest_s3=dest_s3,
        target=target,
        watcher=watcher,
        report=report,
        timeout_seconds=timeout_seconds or timeout,
        poll_seconds=poll,
        on_progress=progress,
    )
