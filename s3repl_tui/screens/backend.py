"""The app's one door to the core: connect, list buckets, diagnose, plan, apply, undo, canary.

Every method blocks and is called from a worker thread; nothing here imports Textual. Tests and
snapshots swap in another ``Backend`` (fixed reports, failing probes) without touching AWS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from s3repl_tui.aws import Connection, ConnectOptions, error_code
from s3repl_tui.canary import (
    DEFAULT_POLL_SECONDS,
    DEFAULT_PREFIX,
    DEFAULT_TIMEOUT_SECONDS,
    NO_STATUS_GRACE_SECONDS,
    CanaryProgress,
    CanaryResult,
    ReplicationEmulator,
    ReplicationWatcher,
    S3ReplicationWatcher,
    read_target,
    run_canary,
)
from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Report
from s3repl_tui.errors import UserError
from s3repl_tui.fixes import apply_plan, check_state_dir, last_set, plan_fixes, resolve_state_dir, undo_last
from s3repl_tui.fixes.backup import DamagedBackup
from s3repl_tui.fixes.model import ApplyResult, DocumentRef, Plan, UndoResult
from s3repl_tui.observations import with_observations
from s3repl_tui.probes import probe
from s3repl_tui.probes.snapshot import Identity, Snapshot

ReplicationState = Literal["configured", "not-configured", "unknown"]


@dataclass(frozen=True)
class Identities:
    source: Identity
    dest: Identity | None  # None: no destination profile, the source credentials read both sides
    endpoint_url: str | None  # only when it is not AWS's own


@dataclass(frozen=True)
class BucketChoice:
    name: str
    region: str | None
    replication: ReplicationState
    detail: str = ""  # why "unknown"


@dataclass(frozen=True)
class ReplicationPath:
    """The hops of the flow picture: source bucket -> role -> destination bucket, with both keys."""

    source_bucket: str
    role_arn: str | None = None
    source_key: str | None = None
    destination_bucket: str | None = None
    replica_key: str | None = None
    rule_id: str | None = None


@dataclass(frozen=True)
class Diagnosis:
    report: Report
    path: ReplicationPath
    plan: Plan | None = None  # every automatic fix (for the panels' previews); None while probing
    final: bool = False


@dataclass(frozen=True)
class UndoPreview:
    """What ``undo`` would restore, newest first (the same set and order ``undo_last`` uses)."""

    set_id: str
    documents: tuple[DocumentRef, ...]

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(sorted({ref.account for ref in self.documents}))


def undo_preview(state_dir: Path | None) -> UndoPreview | None:
    """The CLI's preview (``fixes.last_set``), as data for the TUI's undo question."""
    check_state_dir(resolve_state_dir(state_dir))  # StateDirError before the question, as the CLI does
    pending = last_set(state_dir)
    if pending is None:
        return None
    refs = []
    for entry in reversed(pending.undoable):
        try:
            refs.append(entry.ref)
        except DamagedBackup:  # undo refuses it in its own sentence; the question lists what it can name
            continue
    return UndoPreview(pending.id, tuple(refs))


@dataclass(frozen=True)
class CanarySettings:
    prefix: str = DEFAULT_PREFIX
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    poll_seconds: float = DEFAULT_POLL_SECONDS
    no_status_grace_seconds: float = NO_STATUS_GRACE_SECONDS
    emulator_delay_seconds: float = 1.5


class Backend(Protocol):
    @property
    def emulated_replication(self) -> bool:
        """True in the demo: the canary's outcome comes from an emulator, not from S3."""
        ...

    def connect(self) -> Identities: ...

    def list_buckets(self) -> tuple[BucketChoice, ...]: ...

    def diagnose(self, bucket: str, on_update: Callable[[Diagnosis], None]) -> Diagnosis: ...

    def plan(self, layer_ids: tuple[str, ...] | None) -> Plan: ...

    def apply(self, plan: Plan, on_progress: Callable[[str], None]) -> ApplyResult: ...

    def undo(self) -> UndoResult: ...

    def undo_preview(self) -> UndoPreview | None:
        """What ``undo`` would restore, or None when no applied set waits (local files only)."""
        ...

    def canary(
        self, on_progress: Callable[[CanaryProgress], None], should_stop: Callable[[], bool]
    ) -> CanaryResult: ...


def replication_path(snapshot: Snapshot) -> ReplicationPath:
    """What the flow picture names, from whatever of the snapshot has been read so far."""
    configuration = snapshot.replication or {}
    rules = [rule for rule in configuration.get("Rules", []) if isinstance(rule, dict)]
    enabled = [rule for rule in rules if rule.get("Status") == "Enabled"] or rules
    rule: Mapping[str, Any] = enabled[0] if enabled else {}
    destination = rule.get("Destination", {})
    bucket_arn = str(destination.get("Bucket", ""))
    destination_name = bucket_arn.rsplit(":", 1)[-1] or next(iter(snapshot.destinations), None)
    destination_bucket = snapshot.destinations.get(destination_name or "")
    # Without a ReplicaKmsKeyID the replicas get the destination bucket's default encryption.
    replica_ref = destination.get("EncryptionConfiguration", {}).get("ReplicaKmsKeyID") or (
        destination_bucket.default_kms_key if destination_bucket is not None else None
    )
    source_ref = snapshot.source.default_kms_key

    def key_arn(reference: str | None) -> str | None:
        if reference is None:
            return None
        key = snapshot.keys.get(reference)
        return (key.arn if key is not None else None) or reference

    return ReplicationPath(
        source_bucket=snapshot.source_bucket,
        role_arn=snapshot.role.arn if snapshot.role is not None else configuration.get("Role"),
        source_key=key_arn(source_ref),
        destination_bucket=destination_name,
        replica_key=key_arn(replica_ref),
        rule_id=rule.get("ID"),
    )


def _is_aws_endpoint(url: str | None) -> bool:
    return not url or ".amazonaws.com" in url or ".amazonaws.com.cn" in url


@dataclass
class LiveBackend:
    """The real thing: boto3 through ``s3repl_tui.aws``; in the demo, replication is emulated."""

    options: ConnectOptions
    emulate_replication: bool = False
    canary_settings: CanarySettings = field(default_factory=CanarySettings)
    state_dir: Path | None = None  # backups and undo history (None: the user's XDG state directory)
    _connection: Connection | None = field(default=None, init=False)
    _snapshot: Snapshot | None = field(default=None, init=False)
    _report: Report | None = field(default=None, init=False)
    _probes_started: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @property
    def emulated_replication(self) -> bool:
        return self.emulate_replication

    @property
    def connection(self) -> Connection:
        with self._lock:
            if self._connection is None:
                self._connection = Connection.open(self.options)
            return self._connection

    def connect(self) -> Identities:
        connection = self.connection
        endpoint = connection.options.endpoint_url or connection.source.client("s3").meta.endpoint_url
        return Identities(
            source=connection.source.identity(),
            dest=connection.dest.identity() if connection.dest is not None else None,
            endpoint_url=None if _is_aws_endpoint(endpoint) else endpoint,
        )

    def list_buckets(self) -> tuple[BucketChoice, ...]:
        s3 = self.connection.source.client("s3")
        buckets = s3.list_buckets().get("Buckets", [])

        def inspect(bucket: Mapping[str, Any]) -> BucketChoice:
            name, region = str(bucket["Name"]), bucket.get("BucketRegion")
            try:
                self.connection.source.client("s3", region).get_bucket_replication(Bucket=name)
            except ClientError as error:
                code = error_code(error)
                if code == "ReplicationConfigurationNotFoundError":
                    return BucketChoice(name, region, "not-configured")
                return BucketChoice(name, region, "unknown", f"GetBucketReplication answered {code}")
            except BotoCoreError as error:
                return BucketChoice(name, region, "unknown", error_code(error))
            return BucketChoice(name, region, "configured")

        with ThreadPoolExecutor(max_workers=16, thread_name_prefix="s3repl-buckets") as pool:
            return tuple(pool.map(inspect, buckets))

    def diagnose(self, bucket: str, on_update: Callable[[Diagnosis], None]) -> Diagnosis:
        with self._lock:
            self._probes_started += 1
            this_probe = self._probes_started

        def partial(snapshot: Snapshot) -> None:
            on_update(Diagnosis(judge(snapshot), replication_path(snapshot)))

        snapshot = with_observations(probe(self.connection, bucket, on_update=partial), state_dir=self.state_dir)
        report = judge(snapshot)
        plan = plan_fixes(snapshot, report)
        with self._lock:
            # An older probe that finishes late must not replace what a newer one read (plans use it).
            if this_probe == self._probes_started:
                self._snapshot, self._report = snapshot, report
        return Diagnosis(report, replication_path(snapshot), plan, final=True)

    def _diagnosed(self) -> tuple[Snapshot, Report]:
        with self._lock:
            if self._snapshot is None or self._report is None:
                raise UserError("Nothing is diagnosed yet.", hint="Wait for the probe to finish, or press r.")
            return self._snapshot, self._report

    def plan(self, layer_ids: tuple[str, ...] | None) -> Plan:
        check_state_dir(resolve_state_dir(self.state_dir))  # before planning a write, as the CLI does
        snapshot, report = self._diagnosed()
        return plan_fixes(snapshot, report, layer_ids=list(layer_ids) if layer_ids is not None else None)

    def apply(self, plan: Plan, on_progress: Callable[[str], None]) -> ApplyResult:
        return apply_plan(plan, self.connection, state_dir=self.state_dir, on_progress=on_progress)

    def undo(self) -> UndoResult:
        return undo_last(self.connection, state_dir=self.state_dir)

    def undo_preview(self) -> UndoPreview | None:
        return undo_preview(self.state_dir)

    def canary(
        self, on_progress: Callable[[CanaryProgress], None], should_stop: Callable[[], bool]
    ) -> CanaryResult:
        snapshot, report = self._diagnosed()
        settings, connection = self.canary_settings, self.connection
        source_s3 = connection.source.client("s3", report.source.region)
        target = read_target(source_s3, snapshot.source_bucket, settings.prefix)
        destination = next((d for d in report.destinations if d.bucket == target.destination_bucket), None)
        dest_session = connection.for_account(destination.account) if destination is not None else None
        dest_s3 = dest_session.client("s3", destination.region) if dest_session and destination else None
        watcher: ReplicationWatcher
        if self.emulate_replication:
            watcher = ReplicationEmulator(
                report=report,
                target=target,
                source_s3=source_s3,
                dest_s3=dest_s3,
                delay_seconds=settings.emulator_delay_seconds,
            )
        else:
            watcher = S3ReplicationWatcher(source_s3, snapshot.source_bucket)
        return run_canary(
            source_s3=source_s3,
            dest_s3=dest_s3,
            target=target,
            watcher=watcher,
            report=report,
            timeout_seconds=settings.timeout_seconds,
            poll_seconds=settings.poll_seconds,
            no_status_grace_seconds=settings.no_status_grace_seconds,
            on_progress=on_progress,
            should_stop=should_stop,
        )
