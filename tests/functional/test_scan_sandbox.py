"""``s3repl-tui scan`` on the sandbox: one JSON line per replicated bucket, judged as ``check`` judges it.

The account holds the seed (healthy), a second source bucket whose rule reuses the seed's role (the role's
policy does not cover it: service-role fails), a bucket without replication (not listed) and one whose
GetBucketReplication is denied (unknown, never pass).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import judge
from s3repl_tui.cli import main
from s3repl_tui.probes import probe
from s3repl_tui.probes.snapshot import Snapshot
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.middleware import FaultResponse, SandboxRequest, error_response
from s3repl_tui.sandbox.observed import publish_failures, turn_metrics_on
from s3repl_tui.scan import Scanner, open_accounts

BROKEN = "scan-broken-src"
PLAIN = "scan-plain"
LOCKED = "scan-locked"
REPLICATION_OPERATION = "s3:GET bucket?replication"


def _bucket(sandbox: Sandbox, seed: SeedSetup, name: str, replicated: bool) -> None:
    s3: Any = sandbox.session(SOURCE_PROFILE).client("s3", region_name=seed.source_region)
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if replicated:
        s3.put_bucket_replication(Bucket=name, ReplicationConfiguration=seed.documents["replication"])


def deny_replication_of(bucket: str) -> Callable[[SandboxRequest], FaultResponse | None]:
    def hook(request: SandboxRequest) -> FaultResponse | None:
        if request.bucket == bucket and request.operation == REPLICATION_OPERATION:
            return error_response(403, "s3", "AccessDenied", "Access Denied")
        return None

    return hook


@pytest.fixture
def account(sandbox: Sandbox, seed: SeedSetup) -> SeedSetup:
    _bucket(sandbox, seed, BROKEN, replicated=True)
    _bucket(sandbox, seed, PLAIN, replicated=False)
    _bucket(sandbox, seed, LOCKED, replicated=True)
    sandbox.middleware.fault_hooks.append(deny_replication_of(LOCKED))
    return seed


def scan_lines(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, dict[str, Any]], str]:
    code = main(["scan", "--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE,
                 "--format", "json", *extra])
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    by_bucket = {row["bucket"]: row for row in rows}
    assert len(by_bucket) == len(rows), "one line per bucket"
    return code, by_bucket, captured.err


def check_report(bucket: str) -> Any:
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    return judge(probe(connection, bucket))


def test_one_json_line_per_replicated_bucket_with_checks_verdict(
    account: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    code, rows, err = scan_lines(capsys)
    assert set(rows) == {account.source_bucket, BROKEN, LOCKED}  # PLAIN has no replication: not listed
    healthy, broken, locked = rows[account.source_bucket], rows[BROKEN], rows[LOCKED]
    for bucket in (account.source_bucket, BROKEN):  # the same engine as check, bucket by bucket
        report = check_report(bucket)
        assert rows[bucket]["verdict"] == report.verdict
        assert rows[bucket]["failing_layers"] == [layer.id for layer in report.layers if layer.status == "fail"]
    assert healthy["verdict"] == "pass" and healthy["failing_layers"] == []
    assert healthy["account"] == account.source_account and healthy["region"] == account.source_region
    assert healthy["destinations"] == [{"bucket": account.dest_bucket, "account": account.dest_account,
                                        "region": account.dest_region, "rules": [account.rule_id]}]
    assert broken["verdict"] == "fail" and "service-role" in broken["failing_layers"]
    assert locked["verdict"] == "unknown" and "AccessDenied" in locked["error"]
    assert code == 1  # a bucket fails
    assert "checked 4 of 4 buckets: 3 with replication: 1 pass, 1 fail, 1 unknown." in err


def test_exit_code_is_3_when_something_is_unknown_and_nothing_fails(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    _bucket(sandbox, seed, LOCKED, replicated=True)
    sandbox.middleware.fault_hooks.append(deny_replication_of(LOCKED))
    code, rows, _ = scan_lines(capsys)
    assert {bucket: row["verdict"] for bucket, row in rows.items()} == {seed.source_bucket: "pass", LOCKED: "unknown"}
    assert code == 3


def test_exit_code_is_0_when_every_bucket_passes(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    _bucket(sandbox, seed, PLAIN, replicated=False)
    code, rows, _ = scan_lines(capsys)
    assert list(rows) == [seed.source_bucket] and code == 0


def test_a_bucket_whose_destination_cannot_be_read_is_unknown_never_pass(
    seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --dest-profile the source credentials cannot read the other account's bucket."""
    code = main(["scan", "--source-profile", SOURCE_PROFILE, "--format", "json"])
    row = json.loads(capsys.readouterr().out)
    assert row["verdict"] == "unknown" and code == 3
    assert row["unknown_layers"] and all(u["reason"] for u in row["unknown_layers"])


def test_profiles_reads_a_destination_of_another_scanned_account_with_its_credentials(
    seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    """--profiles a,b: the seed's destination belongs to b, so b's credentials read it (as --dest-profile)."""
    code = main(["scan", "--profiles", f"{SOURCE_PROFILE},{DEST_PROFILE}", "--format", "json"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(row["bucket"], row["verdict"], row["profile"]) for row in rows] == [
        (seed.source_bucket, "pass", SOURCE_PROFILE)]  # b's bucket has no replication of its own
    assert code == 0


def test_text_table_lines_are_never_wrapped(account: SeedSetup, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["VERDICT", "BUCKET", "ACCOUNT", "REGION", "DESTINATIONS", "OBSERVED", "FAILURES",
                                "FAILING", "LAYERS"]
    broken = next(line for line in lines if line.startswith("fail"))
    assert BROKEN in broken and f"{account.dest_bucket} ({account.dest_account})" in broken
    assert broken.rstrip().endswith("service-role") and len(broken) > 80  # one line, wider than 80 columns
    assert [line.split()[0] for line in lines[1:4]] == ["fail", "unknown", "pass"]
    assert f"  {LOCKED}: GetBucketReplication answered AccessDenied" in out  # why it is unknown
    assert code == 1


def test_resume_checks_only_the_buckets_the_file_does_not_hold(
    account: SeedSetup, sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "scan.jsonl"
    first, rows, _ = scan_lines(capsys, "--output", str(output))
    written = output.read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["bucket"] for line in written) == sorted(rows)
    # An interrupted run: the healthy bucket's line is missing and the last line was cut in half.
    kept = [line for line in written if json.loads(line)["bucket"] != account.source_bucket]
    output.write_text("\n".join(kept) + "\n" + kept[0][:20], encoding="utf-8")
    sandbox.middleware.reset_counts()
    code, resumed, _ = scan_lines(capsys, "--resume", str(output))
    assert resumed == rows and code == first  # stdout holds the whole scan, resumed rows included
    # Only the buckets missing from the file were read: the healthy one and the plain one (no replication).
    assert sandbox.middleware.calls[REPLICATION_OPERATION] == 2 + 1  # the filter twice, the healthy probe once
    lines = output.read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["bucket"] for line in lines) == sorted(rows)  # whole lines, each once


def test_bad_flags_are_one_sentence(seed: SeedSetup, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--profiles", f"{SOURCE_PROFILE},no-such-profile"]) == 2
    err = capsys.readouterr().err
    assert "The AWS profile 'no-such-profile' does not exist." in err and "Traceback" not in err
    assert main(["scan", "--profiles", SOURCE_PROFILE, "--source-profile", SOURCE_PROFILE]) == 2
    assert "either --profiles or --source-profile" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["scan", "--concurrency", "0"])
    assert exited.value.code == 2


def test_concurrency_is_bounded(sandbox: Sandbox, seed: SeedSetup) -> None:
    """Never more than --concurrency probes at once, and that many do run side by side (a barrier that
    only opens when two probes are in flight; its timeout only keeps a broken pool from hanging)."""
    for number in range(5):
        _bucket(sandbox, seed, f"scan-many-{number}", replicated=True)
    lock = threading.Lock()
    running = {"now": 0, "most": 0, "probes": 0}
    both = threading.Barrier(2, timeout=20)

    def counting_probe(connection: Connection, bucket: str) -> Snapshot:
        with lock:
            running["now"] += 1
            running["probes"] += 1
            running["most"] = max(running["most"], running["now"])
            first_two = running["probes"] <= 2
        try:
            if first_two:
                both.wait()
            return probe(connection, bucket)
        finally:
            with lock:
                running["now"] -= 1

    accounts = open_accounts([SOURCE_PROFILE], ConnectOptions(dest_profile=DEST_PROFILE))
    rows = Scanner(accounts, concurrency=2, probe_function=counting_probe).run()
    assert len(rows) == 6 and running["probes"] == 6
    assert running["most"] == 2


def test_a_probe_that_crashes_is_that_buckets_unknown_row(sandbox: Sandbox, seed: SeedSetup) -> None:
    def crashing(connection: Connection, bucket: str) -> Snapshot:
        raise RuntimeError("the probe broke")

    rows = Scanner(open_accounts([SOURCE_PROFILE], ConnectOptions()), probe_function=crashing).run()
    assert [(row.bucket, row.verdict, row.error) for row in rows] == [
        (seed.source_bucket, "unknown", "RuntimeError: the probe broke")]


class _ClosedPipe:
    """stdout whose reader has gone away (`scan --format json | head -1`)."""

    def write(self, _text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_stops_the_scan_without_a_traceback(
    account: SeedSetup, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    code = main(["scan", "--source-profile", SOURCE_PROFILE, "--format", "json"])
    assert code == 141 and "Traceback" not in capsys.readouterr().err


def test_scan_clients_retry_adaptively_and_ride_out_throttling(sandbox: Sandbox, seed: SeedSetup) -> None:
    """Adaptive mode: standard retries plus a client-side rate limiter that slows down after throttling
    (https://docs.aws.amazon.com/boto3/latest/guide/retries.html). Two SlowDown answers to the bucket's
    GetBucketReplication are retried, and the verdict is the one without them."""
    throttled = {"left": 2}

    def slow_down(request: SandboxRequest) -> FaultResponse | None:
        if request.operation == REPLICATION_OPERATION and throttled["left"] > 0:
            throttled["left"] -= 1
            return error_response(503, "s3", "SlowDown", "Please reduce your request rate.")
        return None

    accounts = open_accounts([SOURCE_PROFILE], ConnectOptions(dest_profile=DEST_PROFILE))
    for session in accounts[0].connection.sessions:
        assert session.client("s3").meta.config.retries["mode"] == "adaptive"
    sandbox.middleware.fault_hooks.append(slow_down)
    rows = Scanner(accounts).run()
    assert throttled["left"] == 0
    assert [(row.bucket, row.verdict) for row in rows] == [(seed.source_bucket, "pass")]


def test_observed_failures_come_from_the_monitoring_layer(
    account: SeedSetup, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """The seed's rule with metrics on and 5 x 12 failed operations in CloudWatch; the other rules have
    metrics off: nothing observed is null (and "-" in the table), never 0."""
    turn_metrics_on(sandbox, account)
    publish_failures(sandbox, account)
    code, rows, _ = scan_lines(capsys)
    seed_row = rows[account.source_bucket]
    assert seed_row["observed_failures"] == 60
    assert "monitoring" in seed_row["failing_layers"]  # failures while every other layer passes: evidence wins
    assert rows[BROKEN]["observed_failures"] is None and rows[LOCKED]["observed_failures"] is None
    assert main(["scan", "--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE]) == code == 1
    table = capsys.readouterr().out.splitlines()
    column = table[0].index("OBSERVED FAILURES")
    observed = {line.split()[1]: line[column:].split()[0] for line in table[1:4]}
    assert observed == {account.source_bucket: "60", BROKEN: "-", LOCKED: "-"}


def test_ctrl_c_keeps_the_finished_rows_and_resume_finishes_the_scan(
    account: SeedSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "scan.jsonl"
    real = Scanner._default_probe

    def interrupted_at_broken(self: Scanner, connection: Connection, bucket: str) -> Snapshot:
        if bucket == BROKEN:
            raise KeyboardInterrupt
        return real(self, connection, bucket)

    monkeypatch.setattr(Scanner, "_default_probe", interrupted_at_broken)
    args = ["scan", "--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE, "--concurrency", "1"]
    assert main([*args, "--output", str(output)]) == 130
    err = capsys.readouterr().err
    assert f"--resume {output} checks only the other buckets" in err and "Traceback" not in err
    kept = [json.loads(line)["bucket"] for line in output.read_text(encoding="utf-8").splitlines()]
    assert BROKEN not in kept
    monkeypatch.setattr(Scanner, "_default_probe", real)
    assert main([*args, "--resume", str(output), "--format", "json"]) == 1
    rows = [json.loads(line)["bucket"] for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(rows) == sorted([account.source_bucket, BROKEN, LOCKED]) and rows[: len(kept)] == kept


def test_a_bucket_list_the_credentials_cannot_read_is_one_sentence(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    def deny_list(request: SandboxRequest) -> FaultResponse | None:
        if request.service == "s3" and request.method == "GET" and request.bucket is None:  # ListBuckets
            return error_response(403, "s3", "AccessDenied", "Access Denied")
        return None

    sandbox.middleware.fault_hooks.append(deny_list)
    assert main(["scan", "--source-profile", SOURCE_PROFILE]) == 2
    err = capsys.readouterr().err
    assert f"The bucket list of account {seed.source_account} could not be read with profile {SOURCE_PROFILE} " \
           "(AccessDenied)." in err
    assert "s3:ListAllMyBuckets" in err and "Traceback" not in err
