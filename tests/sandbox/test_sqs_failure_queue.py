"""The sandbox's failure queue (issue 14): moto keeps a QueueConfiguration for
s3:Replication:OperationFailedReplication and sends it S3's s3:TestEvent; the demo's queue holds the
failures of its broken setup, ``check`` shows them, and after ``fix`` they are history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.cli import main
from s3repl_tui.commands.demo import DEMO_BREAKAGES
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.observed import (
    DEMO_FAILURE_EVENTS,
    FAILURE_QUEUE,
    stage_demo_observations,
    subscribe_failure_queue,
)
from s3repl_tui.sandbox.scenarios import seed_clients


def _messages(sandbox: Sandbox, seed: SeedSetup, url: str) -> int:
    sqs: Any = sandbox.session(SOURCE_PROFILE).client("sqs", region_name=seed.source_region)
    answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(answer["Attributes"]["ApproximateNumberOfMessages"])


def test_moto_keeps_the_failure_subscription_and_sends_the_test_event(sandbox: Sandbox, seed: SeedSetup) -> None:
    url = subscribe_failure_queue(sandbox, seed)

    s3: Any = seed_clients(sandbox, seed)["s3_a"]
    [entry] = s3.get_bucket_notification_configuration(Bucket=seed.source_bucket)["QueueConfigurations"]
    assert entry["Events"] == ["s3:Replication:OperationFailedReplication"]
    assert entry["QueueArn"].endswith(f":{seed.source_account}:{FAILURE_QUEUE}")
    sqs: Any = sandbox.session(SOURCE_PROFILE).client("sqs", region_name=seed.source_region)
    [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    assert json.loads(message["Body"])["Event"] == "s3:TestEvent"


def _monitoring(report: dict[str, Any]) -> dict[str, Any]:
    [layer] = [layer for layer in report["layers"] if layer["id"] == "monitoring"]
    return layer


def test_the_demo_shows_the_queue_failures_and_the_fix_makes_them_history(
    sandbox: Sandbox, seed: SeedSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in DEMO_BREAKAGES:  # as demo_sandbox stages it (one moto per process: not a second server)
        BREAKAGES[name](sandbox, seed)
    stage_demo_observations(sandbox, seed)
    flags = ["--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE,
             "--dest-profile", DEST_PROFILE, "--format", "json"]
    sqs: Any = sandbox.session(SOURCE_PROFILE).client("sqs", region_name=seed.source_region)
    url = str(sqs.get_queue_url(QueueName=FAILURE_QUEUE)["QueueUrl"])
    held = _messages(sandbox, seed, url)

    assert main(["check", *flags]) == 1
    before = _monitoring(json.loads(capsys.readouterr().out))
    # fix's own check after writing knows the set it just wrote: the failures are history there too.
    assert main(["fix", "--yes", *flags[:-2]]) == 0
    assert "The check after fixing says: pass." in capsys.readouterr().out
    assert main(["check", *flags]) == 0
    after = _monitoring(json.loads(capsys.readouterr().out))
    # scan judges each bucket as check does: the same failures are history there as well
    assert main(["scan", "--source-profile", SOURCE_PROFILE, "--dest-profile", DEST_PROFILE, "--format", "json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()
             if json.loads(line).get("bucket") == seed.source_bucket]
    assert row["verdict"] == "pass"

    assert _messages(sandbox, seed, url) == held == sum(DEMO_FAILURE_EVENTS.values()) + 1  # + s3:TestEvent
    observed = {f["aws_failure_reason"]: f["evidence"]["count"] for f in before["findings"]
                if f["code"] == "monitoring-failures-explained"}
    assert observed == DEMO_FAILURE_EVENTS
    history = [f for f in after["findings"] if f["code"] == "monitoring-failures-before-fix"]
    assert sorted(f["aws_failure_reason"] for f in history) == sorted(DEMO_FAILURE_EVENTS)
    assert all(f["evidence"]["source"] == f"queue {FAILURE_QUEUE}" for f in history)
    assert not [f for f in after["findings"] if f["code"] == "monitoring-failures-contradict"]
