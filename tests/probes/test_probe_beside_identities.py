"""``check`` proves its credentials while the first reads are on the wire (``Connection.start``).

The source's first reads need no account id, so they go out beside GetCallerIdentity and the
destination's AssumeRole instead of after them. Ordering, not time: every STS request is held until the
sandbox has seen the source's GetBucketReplication; a probe that waited for its identities first would
hold them to the timeout. Credentials that do not work still end the probe with the one sentence
``Connection.open`` says."""

from __future__ import annotations

import threading

import pytest

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.checks import judge
from s3repl_tui.errors import UserError
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.faults import access_denied, api_operation, matching
from s3repl_tui.sandbox.middleware import FaultResponse, SandboxRequest

OPTIONS = ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE)
HOLD_SECONDS = 20.0


class HoldStsUntilFirstRead:
    """Holds every STS request until GetBucketReplication arrives; records whether it came in time."""

    def __init__(self) -> None:
        self.first_read = threading.Event()
        self.held: list[tuple[str, bool]] = []
        self._lock = threading.Lock()

    def __call__(self, request: SandboxRequest) -> FaultResponse | None:
        operation = api_operation(request)
        if operation == "s3:GetBucketReplication":
            self.first_read.set()
        elif request.service == "sts":
            arrived = self.first_read.wait(HOLD_SECONDS)
            with self._lock:
                self.held.append((operation, arrived))
        return None


def test_the_first_reads_do_not_wait_for_the_identities(sandbox: Sandbox, seed: SeedSetup) -> None:
    hold = HoldStsUntilFirstRead()
    sandbox.middleware.fault_hooks[:] = [hold]

    snapshot = probe(Connection.start(OPTIONS), seed.source_bucket)

    operations = {operation for operation, _ in hold.held}
    assert {"sts:GetCallerIdentity", "sts:AssumeRole"} <= operations, hold.held
    assert all(arrived for _, arrived in hold.held), hold.held  # none waited for the timeout
    assert snapshot.source_identity.account == seed.source_account
    assert snapshot.dest_identity is not None and snapshot.dest_identity.account == seed.dest_account
    assert judge(snapshot).verdict == "pass"


def test_the_same_report_as_after_open(sandbox: Sandbox, seed: SeedSetup) -> None:
    opened = judge(probe(Connection.open(OPTIONS), seed.source_bucket)).to_json()
    started = judge(probe(Connection.start(OPTIONS), seed.source_bucket)).to_json()
    for report in (opened, started):
        report.pop("calls", None)
    assert started == opened


@pytest.mark.parametrize("operation", ["sts:GetCallerIdentity", "sts:AssumeRole"])
def test_credentials_that_do_not_work_end_the_probe_with_opens_sentence(
    sandbox: Sandbox, seed: SeedSetup, operation: str
) -> None:
    sandbox.middleware.fault_hooks[:] = [lambda r: access_denied(r) if matching(operation)(r) else None]
    with pytest.raises(UserError) as by_open:
        Connection.open(OPTIONS)

    with pytest.raises(UserError) as by_probe:
        probe(Connection.start(OPTIONS), seed.source_bucket)

    assert str(by_probe.value) == str(by_open.value)
    assert by_probe.value.hint == by_open.value.hint


def test_a_read_asks_for_its_account_and_command_only_when_it_fails() -> None:
    """The first reads name their account (the caller identity) only in a failure: a success never waits."""
    from botocore.exceptions import ClientError

    from s3repl_tui.probes.reads import attempt

    asked: list[str] = []

    def account() -> str:
        asked.append("account")
        return "123456789012"

    def command() -> str:
        asked.append("command")
        return "aws s3api get-bucket-policy --bucket b"

    assert attempt("s3:GetBucketPolicy", lambda: {"ok": True}, account=account, command=command).value == {"ok": True}
    assert asked == []

    def denied() -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetBucketPolicy")

    failed = attempt("s3:GetBucketPolicy", denied, account=account, command=command)
    assert failed.error is not None and failed.error.account == "123456789012"
    assert failed.error.command == "aws s3api get-bucket-policy --bucket b"
    assert sorted(asked) == ["account", "command"]
