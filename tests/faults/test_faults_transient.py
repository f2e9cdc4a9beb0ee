"""Throttling, 500s, connection resets, read timeouts and latency spikes on a share of the probe's calls.

While the faults stay within botocore's retries (at most 2 failed attempts of one read in a row, of
4), ``check`` reaches exactly the fault-free report. When they outlast the retries, each layer is
either exactly as without faults or ``unknown`` with the reason: never a crash, never a ``pass``
built on an input that was not read. Faults are seeded, so every run fails the same attempts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from botocore.config import Config
from fault_helpers import check, layer_json, open_connection, statuses, unknown_reasons

import s3repl_tui.aws.session as aws_session
from s3repl_tui.aws import Connection
from s3repl_tui.checks.model import Report
from s3repl_tui.probes import run as probe_run
from s3repl_tui.sandbox import Sandbox, SeedSetup
from s3repl_tui.sandbox.faults import (
    CallRecorder,
    Transient,
    connection_resets,
    latency_spikes,
    matching,
    read_timeouts,
    server_errors,
    throttle,
)

READ_TIMEOUT = 0.5  # the client's, shortened for the test (20 s in production: aws/session.py)
FaultMaker = Callable[[int, int | None], Transient]

# kind -> (seed, most faults in a row) -> hook. Timeouts cost READ_TIMEOUT each: fewer, and for good
# only on the KMS reads.
FAULTS: dict[str, FaultMaker] = {
    "throttling": lambda seed, limit: throttle(0.4 if limit else 0.6, seed=seed, max_in_a_row=limit),
    "server-errors": lambda seed, limit: server_errors(0.4 if limit else 0.6, seed=seed, max_in_a_row=limit),
    "connection-resets": lambda seed, limit: connection_resets(0.4 if limit else 0.6, seed=seed, max_in_a_row=limit),
    "read-timeouts": lambda seed, limit: read_timeouts(
        0.15 if limit else 1.0, READ_TIMEOUT * 2, seed=seed, max_in_a_row=limit,
        when=None if limit else matching(service="kms")),
}
OUTCOME_KINDS = {"throttled", "network", "other"}


@pytest.fixture
def short_read_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients made from now on give up on an answer after READ_TIMEOUT (then retry)."""
    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2,
                    read_timeout=READ_TIMEOUT, max_pool_connections=32)
    monkeypatch.setattr(aws_session, "CLIENT_CONFIG", config)


def _baseline(connection: Connection, seed: SeedSetup) -> Report:
    report = check(connection, seed)
    assert report.verdict == "pass", statuses(report)
    return report


def _layers(report: Report) -> list[object]:
    return report.to_json()["layers"]  # type: ignore[no-any-return]


@pytest.mark.usefixtures("fast_retries", "short_read_timeout")
@pytest.mark.parametrize("kind", sorted(FAULTS))
@pytest.mark.parametrize("fault_seed", [11, 12])
def test_faults_within_the_retries_give_the_fault_free_report(
    sandbox: Sandbox, seed: SeedSetup, kind: str, fault_seed: int
) -> None:
    connection = open_connection(sandbox)
    baseline = _baseline(connection, seed)
    hook = FAULTS[kind](fault_seed, 2)
    sandbox.middleware.fault_hooks.append(hook)

    report = check(connection, seed)

    assert hook.total >= 1, "no fault was injected: the test would prove nothing"
    assert _layers(report) == _layers(baseline)
    assert report.verdict == "pass"
    assert report.call_count == baseline.call_count + hook.total  # every fault cost exactly one retry


@pytest.mark.usefixtures("fast_retries", "short_read_timeout")
@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_faults_that_outlast_the_retries_are_unknown_never_pass(
    sandbox: Sandbox, seed: SeedSetup, kind: str
) -> None:
    connection = open_connection(sandbox)
    baseline = _baseline(connection, seed)
    hook = FAULTS[kind](21, None)
    sandbox.middleware.fault_hooks.append(hook)

    report = check(connection, seed)

    exhausted = [key for key, count in hook.injected.items() if count >= 4]
    assert exhausted, "no read failed for good: the test would prove nothing"
    changed = [layer.id for layer in report.layers if layer_json(report, layer.id) != layer_json(baseline, layer.id)]
    for layer_id in changed:
        assert report.layer(layer_id).status == "unknown", (layer_id, statuses(report))
        reasons = unknown_reasons(report, layer_id)
        assert reasons and all(r["kind"] in OUTCOME_KINDS | {"access-denied"} for r in reasons), reasons
    assert report.verdict == ("unknown" if changed else "pass")


def test_a_persistent_throttle_on_one_read_is_reported_as_throttled(
    sandbox: Sandbox, seed: SeedSetup, fast_retries: None
) -> None:
    connection = open_connection(sandbox)
    baseline = _baseline(connection, seed)
    hook = throttle(1.0, max_in_a_row=None, when=matching("kms:GetKeyPolicy", resource=seed.replica_key_arn))
    sandbox.middleware.fault_hooks.append(hook)

    report = check(connection, seed)

    assert hook.total == 4
    assert report.layer("key-policy").status == "unknown" and report.verdict == "unknown"
    reason = unknown_reasons(report, "key-policy")[0]
    assert (reason["kind"], reason["error"], reason["operation"]) == (
        "throttled", "ThrottlingException", "kms:GetKeyPolicy")
    assert statuses(report) == {**statuses(baseline), "key-policy": "unknown"}


def test_latency_spikes_change_nothing_but_the_time(sandbox: Sandbox, seed: SeedSetup) -> None:
    connection = open_connection(sandbox)
    baseline = _baseline(connection, seed)
    recorder = CallRecorder()
    spikes = latency_spikes(0.3, 0.2, seed=5)
    sandbox.middleware.fault_hooks.extend([recorder, spikes])

    report = check(connection, seed)

    assert spikes.total >= 3
    assert _layers(report) == _layers(baseline) and report.call_count == baseline.call_count
    assert recorder.repeated() == {}


def _probe_in_thread(connection: Connection, seed: SeedSetup, timeout: float) -> Report | None:
    result: list[Report] = []
    worker = threading.Thread(target=lambda: result.append(check(connection, seed)), daemon=True)
    worker.start()
    worker.join(timeout)
    return result[0] if result else None


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("faulty", [False, True], ids=["clean", "throttled"])
def test_one_worker_reads_the_same_one_after_another_without_deadlock(
    sandbox: Sandbox, seed: SeedSetup, monkeypatch: pytest.MonkeyPatch, faulty: bool
) -> None:
    connection = open_connection(sandbox)
    recorder = CallRecorder()
    sandbox.middleware.fault_hooks.insert(0, recorder)
    baseline = _baseline(connection, seed)
    baseline_reads, baseline_calls = dict(recorder.calls), recorder.total
    recorder.clear()
    monkeypatch.setattr(probe_run, "MAX_WORKERS", 1)
    if faulty:
        sandbox.middleware.fault_hooks.append(throttle(0.4, seed=3))

    report = _probe_in_thread(connection, seed, timeout=60)

    assert report is not None, "the probe did not finish with MAX_WORKERS=1 (deadlock)"
    assert _layers(report) == _layers(baseline)
    assert set(recorder.calls) == set(baseline_reads)  # the same reads, one after another
    assert (recorder.total > baseline_calls) == faulty
