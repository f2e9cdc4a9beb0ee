"""``scan``: every bucket of one or more source accounts that has a replication configuration, each
judged by the engine ``check`` uses (``probes.probe`` + ``checks.judge``), a bounded number at a time.

Per account: ``s3:ListBuckets`` (paginated), then per bucket ``s3:GetBucketReplication`` in the bucket's
Region: ``ReplicationConfigurationNotFoundError`` means the bucket is not listed; any other answer
(AccessDenied, a network error) makes the bucket's row ``unknown`` with the reason, never ``pass``. A
bucket with a configuration is probed and judged exactly as ``check --source-bucket`` would.

With several profiles (``--profiles a,b``), a bucket whose destinations all belong to another scanned
account is read with that account's credentials as the destination side (as ``--dest-profile`` would).

Throttling: every client of a scan retries in botocore's ``adaptive`` mode (standard retries plus a
client-side rate limiter that slows down after throttling answers; one limiter per client, and the
clients are shared by every probe of an account), https://docs.aws.amazon.com/boto3/latest/guide/retries.html.

Nothing here imports Textual: the CLI and the TUI's scan screen both call ``Scanner.run``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from s3repl_tui.aws import AccountSession, Connection, ConnectOptions, error_code
from s3repl_tui.aws.arns import bucket_name
from s3repl_tui.aws.connect_errors import profile_not_found
from s3repl_tui.aws.retries import RETRIES_AFTER_FIRST
from s3repl_tui.checks import judge
from s3repl_tui.checks.model import Report, Verdict
from s3repl_tui.errors import EXIT_FAIL, EXIT_PASS, EXIT_UNKNOWN, UserError
from s3repl_tui.observations import with_observations
from s3repl_tui.probes.snapshot import DEFAULT_WINDOW_SECONDS, Snapshot

DEFAULT_CONCURRENCY = 8
ADAPTIVE = Config(retries={"mode": "adaptive", "max_attempts": RETRIES_AFTER_FIRST})
NOT_CONFIGURED = "ReplicationConfigurationNotFoundError"
GONE = "NoSuchBucket"  # deleted between ListBuckets and its turn: nothing to judge, not listed

ProbeFunction = Callable[[Connection, str], Snapshot]


class _AdaptiveSession(AccountSession):
    """An account session whose clients retry in adaptive mode (the scan's many parallel probes)."""

    def _make_client(self, service: str, region: str, config: Config) -> Any:
        return super()._make_client(service, region, config.merge(ADAPTIVE))


class _AdaptiveConnection(Connection):
    @classmethod
    def _sessions(cls, options: ConnectOptions) -> Connection:
        source = _AdaptiveSession.from_profile("source", options.source_profile, options)
        dest = (_AdaptiveSession.from_profile("destination", options.dest_profile, options, source.meter)
                if options.dest_profile else None)
        if dest is not None:
            dest.share_models_with(source)
        return cls(source, dest, options)


def connect(options: ConnectOptions) -> Connection:
    """A connection whose identities are on the wire (``Connection.start``), with adaptive retries."""
    try:
        return _AdaptiveConnection.start(options)
    except ProfileNotFound as error:
        raise profile_not_found(error) from None


@dataclass(frozen=True)
class Destination:
    bucket: str
    account: str | None
    region: str | None
    rules: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "account": self.account, "region": self.region, "rules": list(self.rules)}


@dataclass(frozen=True)
class UnknownLayer:
    id: str
    reason: str


@dataclass(frozen=True)
class ScanRow:
    """One bucket's line: the verdict ``check`` would give, its failing layers, and why it is unknown."""

    bucket: str
    account: str | None
    region: str | None
    profile: str | None
    verdict: Verdict
    destinations: tuple[Destination, ...] = ()
    failing_layers: tuple[str, ...] = ()
    unknown_layers: tuple[UnknownLayer, ...] = ()
    error: str | None = None  # the bucket itself could not be read: why (the verdict is unknown)
    # OperationsFailedReplication summed over the rules whose metrics were read (the monitoring layer, in
    # the probe's window); None: nothing observed (metrics off or unreadable), never "0 failures".
    observed_failures: float | None = None
    calls: int = 0
    report: Report | None = field(default=None, compare=False)  # the full report (not in the JSON line)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.account, self.bucket)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the verdict is unknown: the bucket's error, else each unknown layer's first reason."""
        if self.error:
            return (self.error,)
        return tuple(f"{layer.id}: {layer.reason}" for layer in self.unknown_layers)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "bucket": self.bucket,
            "account": self.account,
            "region": self.region,
            "profile": self.profile,
            "destinations": [d.to_json() for d in self.destinations],
            "verdict": self.verdict,
            "failing_layers": list(self.failing_layers),
            "unknown_layers": [{"id": u.id, "reason": u.reason} for u in self.unknown_layers],
            "error": self.error,
            "observed_failures": _number(self.observed_failures),
            "calls": self.calls,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScanRow:
        """A row of an earlier run's output (``--resume``); KeyError/TypeError/ValueError if it is not one."""
        verdict = data["verdict"]
        if verdict not in ("pass", "fail", "unknown") or not isinstance(data["bucket"], str):
            raise ValueError("not a scan row")
        return cls(
            bucket=data["bucket"],
            account=data.get("account"),
            region=data.get("region"),
            profile=data.get("profile"),
            verdict=verdict,
            destinations=tuple(
                Destination(str(d["bucket"]), d.get("account"), d.get("region"), tuple(d.get("rules") or ()))
                for d in data.get("destinations") or ()
            ),
            failing_layers=tuple(str(layer) for layer in data.get("failing_layers") or ()),
            unknown_layers=tuple(
                UnknownLayer(str(u["id"]), str(u["reason"])) for u in data.get("unknown_layers") or ()
            ),
            error=data.get("error"),
            observed_failures=_observed(data.get("observed_failures")),
            calls=int(data.get("calls") or 0),
        )


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value


def _observed(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("observed_failures is not a number")
    return float(value)


def observed_failures(report: Report) -> float | None:
    """Failed replication operations S3 reported (CloudWatch), per rule and destination once, summed;
    None when no rule's metrics were read (or there is no monitoring layer)."""
    try:
        layer = report.layer("monitoring")
    except KeyError:
        return None
    per_rule: dict[tuple[Any, Any], float] = {}
    for finding in layer.findings:
        evidence = finding.evidence
        count = evidence.get("failed_operations")
        if isinstance(count, int | float) and not isinstance(count, bool):
            per_rule[(evidence.get("rule"), evidence.get("destination"))] = float(count)
    return sum(per_rule.values()) if per_rule else None


def row_from_report(report: Report, profile: str | None) -> ScanRow:
    unknown = []
    for layer in report.layers:
        if layer.status == "unknown":
            reason = next((f.message for f in layer.findings if f.unknown), "could not be read")
            unknown.append(UnknownLayer(layer.id, reason))
    return ScanRow(
        bucket=report.source.bucket,
        account=report.source.account,
        region=report.source.region,
        profile=profile,
        verdict=report.verdict,
        destinations=tuple(Destination(d.bucket, d.account, d.region, d.rules) for d in report.destinations),
        failing_layers=tuple(layer.id for layer in report.layers if layer.status == "fail"),
        unknown_layers=tuple(unknown),
        observed_failures=observed_failures(report),
        calls=report.call_count,
        report=report,
    )


def exit_code(rows: Iterable[ScanRow]) -> int:
    """design.md's exit codes of ``check``, over every row: 1 if any fails, else 3 if any is unknown."""
    verdicts = {row.verdict for row in rows}
    if "fail" in verdicts:
        return EXIT_FAIL
    if "unknown" in verdicts:
        return EXIT_UNKNOWN
    return EXIT_PASS


@dataclass(frozen=True)
class ScanAccount:
    """One source account of the scan: the profile it was reached with, and its connection."""

    profile: str | None
    connection: Connection

    @property
    def account(self) -> str | None:
        return self.connection.source.account


@dataclass(frozen=True)
class ListedBucket:
    name: str
    region: str | None
    owner: ScanAccount


@dataclass(frozen=True)
class Progress:
    checked: int  # buckets done (with or without replication, resumed ones included)
    total: int  # buckets listed
    rows: int  # buckets with replication (or unreadable) so far

    @property
    def line(self) -> str:
        return f"checked {self.checked} of {self.total} buckets ({self.rows} with replication or unreadable)"


def open_accounts(profiles: Sequence[str | None], options: ConnectOptions) -> list[ScanAccount]:
    """A connection per profile (``options.dest_profile``, if given, as every one's destination), the
    identities asked for at once; UserError if one does not work."""
    started = [ScanAccount(p, connect(replace(options, source_profile=p))) for p in profiles]
    for account in started:
        account.connection.prove()
    return started


def list_buckets(account: ScanAccount) -> list[ListedBucket]:
    """Every bucket of the account (ListBuckets answers only the caller's own); UserError if denied."""
    session = account.connection.source
    try:
        pages = session.client("s3").get_paginator("list_buckets").paginate()
        return [ListedBucket(str(b["Name"]), b.get("BucketRegion"), account)
                for page in pages for b in page.get("Buckets", [])]
    except (ClientError, BotoCoreError) as error:
        who = f"profile {account.profile}" if account.profile else "the default credentials"
        raise UserError(
            f"The bucket list of account {account.account} could not be read with {who} ({error_code(error)}).",
            "scan needs s3:ListAllMyBuckets; to judge one bucket use `s3repl-tui check --source-bucket NAME`.",
        ) from None


class Scanner:
    """Checks the listed buckets of ``accounts``, at most ``concurrency`` at a time."""

    def __init__(
        self,
        accounts: Sequence[ScanAccount],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        window_seconds: int = DEFAULT_WINDOW_SECONDS,
        done: Iterable[ScanRow] = (),
        probe_function: ProbeFunction | None = None,
    ) -> None:
        if concurrency < 1:
            raise UserError("--concurrency must be 1 or more.")
        self.accounts = list(accounts)
        self.concurrency = concurrency
        self.window_seconds = window_seconds
        self.done = {row.bucket: row for row in done}  # bucket names are global: the name is the key
        self._probe = probe_function or self._default_probe
        self._pairs: dict[tuple[str | None, str | None], Connection] = {}
        self._pairs_lock = threading.Lock()

    def _default_probe(self, connection: Connection, bucket: str) -> Snapshot:
        from s3repl_tui.probes import probe

        return probe(connection, bucket, window_seconds=self.window_seconds)

    def run(
        self,
        on_row: Callable[[ScanRow], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> list[ScanRow]:
        """Every row (resumed ones first), calling ``on_row`` for each new one and ``on_progress`` after
        each bucket, both from the calling thread. Ctrl-C cancels what has not started."""
        listed: list[ListedBucket] = []
        for account in self.accounts:
            listed += list_buckets(account)
        owners = {bucket.name: bucket.owner for bucket in listed}
        # Resumed rows count only for buckets that still exist.
        rows = [self.done[bucket.name] for bucket in listed if bucket.name in self.done]
        todo = [bucket for bucket in listed if bucket.name not in self.done]
        checked = len(listed) - len(todo)
        if on_progress is not None:
            on_progress(Progress(checked, len(listed), len(rows)))
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="s3repl-scan")
        try:
            futures: list[Future[ScanRow | None]] = [pool.submit(self._check, b, owners) for b in todo]
            for future in as_completed(futures):
                row = future.result()
                checked += 1
                if row is not None:
                    rows.append(row)
                    if on_row is not None:
                        on_row(row)
                if on_progress is not None:
                    on_progress(Progress(checked, len(listed), len(rows)))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return rows

    def _check(self, bucket: ListedBucket, owners: Mapping[str, ScanAccount]) -> ScanRow | None:
        account = bucket.owner
        try:
            session = account.connection.source
            configuration = session.client("s3", bucket.region).get_bucket_replication(Bucket=bucket.name)
        except ClientError as error:
            code = error_code(error)
            if code in (NOT_CONFIGURED, GONE):
                return None
            return self._unknown(bucket, f"GetBucketReplication answered {code}: {_message(error)}")
        except BotoCoreError as error:
            return self._unknown(bucket, f"GetBucketReplication failed: {error}")
        replication = configuration.get("ReplicationConfiguration") or {}
        connection = self._connection_for(account, replication, owners)
        try:
            snapshot = self._probe(connection, bucket.name)
            return row_from_report(judge(with_observations(snapshot)), account.profile)
        except UserError as error:
            return self._unknown(bucket, error.message)
        except Exception as error:  # one bucket's failure is its row's reason, never the whole scan's end
            return self._unknown(bucket, f"{type(error).__name__}: {error}")

    def _unknown(self, bucket: ListedBucket, reason: str) -> ScanRow:
        return ScanRow(bucket.name, bucket.owner.account, bucket.region, bucket.owner.profile, "unknown",
                       error=reason)

    def _connection_for(
        self, account: ScanAccount, replication: Mapping[str, Any], owners: Mapping[str, ScanAccount]
    ) -> Connection:
        """The account's own connection, or one with a scanned account's credentials as destination."""
        if account.connection.dest is not None:  # --dest-profile: the destination side is given
            return account.connection
        others = set()
        for rule in replication.get("Rules") or ():
            target = (rule.get("Destination") or {}).get("Bucket")
            owner = owners.get(bucket_name(target)) if isinstance(target, str) and target else None
            if owner is not None and owner.account != account.account:
                others.add(owner.profile)
        if len(others) == 1:
            return self._pair(account, others.pop())
        return account.connection

    def _pair(self, account: ScanAccount, dest_profile: str | None) -> Connection:
        """A connection with ``dest_profile`` as destination, made once per pair (proven by its probe)."""
        with self._pairs_lock:
            key = (account.profile, dest_profile)
            connection = self._pairs.get(key)
            if connection is None:
                options = replace(account.connection.options, dest_profile=dest_profile)
                connection = self._pairs[key] = connect(options)
            return connection


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message") or "")


def sort_rows(rows: Iterable[ScanRow]) -> list[ScanRow]:
    """Failing first, then unknown, then passing; by account and name within each."""
    order = {"fail": 0, "unknown": 1, "pass": 2}
    return sorted(rows, key=lambda r: (order[r.verdict], r.account or "", r.bucket))
