"""The canary against the sandbox: emulated replication, the real watcher's "no status", cleanup by
version id only, and the choice of key when a rule filters on a prefix."""

from __future__ import annotations

import itertools
from typing import Any

from s3repl_tui.canary import (
    DEFAULT_PREFIX,
    CanaryProgress,
    ReplicationEmulator,
    S3ReplicationWatcher,
    read_target,
    run_canary,
)
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, build_seed

from .reports import all_green, all_red


def _clients(sandbox: Sandbox, setup: SeedSetup) -> tuple[Any, Any]:
    source = sandbox.session(SOURCE_PROFILE).client("s3", region_name=setup.source_region)
    dest = sandbox.session(DEST_PROFILE).client("s3", region_name=setup.dest_region)
    return source, dest


def _versions(s3: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    answer = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
    return [*answer.get("Versions", []), *answer.get("DeleteMarkers", [])]


def test_emulated_replication_completes_checks_the_replica_and_cleans_up(sandbox: Sandbox) -> None:
    setup = build_seed(sandbox)
    source, dest = _clients(sandbox, setup)
    target = read_target(source, setup.source_bucket)
    assert target.key.startswith(DEFAULT_PREFIX) and target.rule_id == setup.rule_id
    assert target.destination_bucket == setup.dest_bucket and target.owner_override
    assert target.put_encryption["SSEKMSKeyId"] == setup.source_key_arn
    progress: list[CanaryProgress] = []
    watcher = ReplicationEmulator(report=all_green(), target=target, source_s3=source, dest_s3=dest,
                                  delay_seconds=0.1)
    result = run_canary(source_s3=source, dest_s3=dest, target=target, watcher=watcher, report=all_green(),
                        poll_seconds=0.05, on_progress=progress.append)
    assert result.outcome == "COMPLETED" and result.emulated and result.blamed_layer is None
    assert {check.name: check.ok for check in result.replica_checks} == {
        "replication status": True, "encryption": True, "owner": True,
    }
    assert progress[0].phase == "writing" and "PENDING" in {p.status for p in progress}
    assert len(result.cleanup) == 2 and all(note.startswith("Deleted") for note in result.cleanup)
    # Deleted by version id: no version and no delete marker is left on either side.
    assert _versions(source, setup.source_bucket, DEFAULT_PREFIX) == []
    assert _versions(dest, setup.dest_bucket, DEFAULT_PREFIX) == []


def test_emulated_failure_blames_the_first_failing_layer(sandbox: Sandbox) -> None:
    setup = build_seed(sandbox)
    source, dest = _clients(sandbox, setup)
    target = read_target(source, setup.source_bucket)
    watcher = ReplicationEmulator(report=all_red(), target=target, source_s3=source, dest_s3=dest,
                                  delay_seconds=0.0)
    result = run_canary(source_s3=source, dest_s3=dest, target=target, watcher=watcher, report=all_red(),
                        poll_seconds=0.01)
    assert result.outcome == "FAILED" and result.blamed_layer == "versioning"
    assert "versioning" in result.message and "emulated" in result.message
    assert _versions(source, setup.source_bucket, DEFAULT_PREFIX) == []
    assert _versions(dest, setup.dest_bucket, DEFAULT_PREFIX) == []


def test_without_any_status_the_object_is_out_of_scope(sandbox: Sandbox) -> None:
    """moto sets no ReplicationStatus, like S3 for an object no rule covers: NOT_REPLICATED."""
    setup = build_seed(sandbox)
    source, dest = _clients(sandbox, setup)
    target = read_target(source, setup.source_bucket)
    result = run_canary(source_s3=source, dest_s3=dest, target=target,
                        watcher=S3ReplicationWatcher(source, setup.source_bucket), report=all_green(),
                        poll_seconds=0.02, no_status_grace_seconds=0.1)
    assert result.outcome == "NOT_REPLICATED" and result.blamed_layer == "rule" and not result.emulated
    assert _versions(source, setup.source_bucket, DEFAULT_PREFIX) == []


def test_a_prefix_filter_moves_the_canary_under_the_rule(sandbox: Sandbox) -> None:
    setup = build_seed(sandbox)
    source, _dest = _clients(sandbox, setup)
    configuration = setup.documents["replication"]
    configuration["Rules"][0]["Filter"] = {"Prefix": "data/"}
    source.put_bucket_replication(Bucket=setup.source_bucket, ReplicationConfiguration=configuration)
    target = read_target(source, setup.source_bucket)
    assert target.key.startswith(f"data/{DEFAULT_PREFIX}") and target.rule_id == setup.rule_id


def test_timeout_reports_the_last_status(sandbox: Sandbox) -> None:
    setup = build_seed(sandbox)
    source, dest = _clients(sandbox, setup)
    target = read_target(source, setup.source_bucket)

    class AlwaysPending(S3ReplicationWatcher):
        def status(self, key: str, version_id: str | None) -> str | None:
            return "PENDING"

    ticks = itertools.count()
    result = run_canary(source_s3=source, dest_s3=dest, target=target,
                        watcher=AlwaysPending(source, setup.source_bucket), timeout_seconds=5,
                        clock=lambda: float(next(ticks)), sleep=lambda _seconds: None)
    assert result.outcome == "TIMEOUT" and "PENDING" in result.message
    assert _versions(source, setup.source_bucket, DEFAULT_PREFIX) == []
