"""Throttling and 500s on STS alone: GetCallerIdentity, and the AssumeRole botocore's credential chain
makes for the destination profile (``role_arn`` + ``source_profile``).

Every STS call retries as every other call does (standard mode, 4 attempts). A transient error is
never a credential error: never exit 2, never a traceback, never a report other than the fault-free
one. When the faults outlast the retries, ``check`` says that AWS did not answer and to try again,
and exits 3 (unknown: nothing failed, nothing could be judged).

STS's throttling error is ``Throttling`` (400) and its internal error a 500; both are retried by
botocore's standard mode ("Transient errors ... Throttling errors", Boto3 docs, Retries:
https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fault_helpers import cli_flags

from s3repl_tui import cli
from s3repl_tui.sandbox import Sandbox, SeedSetup
from s3repl_tui.sandbox.faults import Transient, access_denied, always, matching, server_errors, throttle
from s3repl_tui.sandbox.scenarios import drop_role_kms_statement

SHARES = (0.2, 0.5, 0.9)
SEEDS = range(12)
ON_STS = matching(service="sts")


def _hook(share: float, fault_seed: int) -> Transient:
    """Throttling on even seeds, 500s on odd ones; no limit in a row, so 90 % can outlast the retries."""
    make = throttle if fault_seed % 2 == 0 else server_errors
    return make(share, seed=fault_seed, when=ON_STS, max_in_a_row=None)


def _run(setup: SeedSetup, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    capsys.readouterr()
    code = cli.main(["check", *cli_flags(setup), "--format", "json"])
    out, err = capsys.readouterr()
    report = json.loads(out) if out.strip() else None
    if report is not None:
        report.pop("calls", None)  # counts and wall time change with the retries
    return code, report, err


def _assert_honest(code: int, report: Any, err: str, baseline: tuple[int, Any], hook: Transient) -> None:
    assert "Traceback" not in err, err
    assert code != 2, f"a transient STS error was taken for a credential error: {err}"
    if code == baseline[0] and report == baseline[1]:
        return  # the retries got through: exactly the fault-free report
    assert code == 3 and report is None, (code, report, err)
    assert any(count >= 4 for count in hook.injected.values()), (hook.injected, err)  # only when exhausted
    lines = [line for line in err.splitlines() if line.strip()]
    message = next(line for line in lines if line.startswith("s3repl-tui: "))
    assert "did not answer" in message and "try again" in message.lower(), message
    assert "credential" not in message.lower() and "expired" not in message.lower(), message


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("broken", [False, True], ids=["healthy", "role-kms-missing"])
@pytest.mark.parametrize("share", SHARES)
def test_sts_faults_are_retried_never_a_credential_error(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str], share: float, broken: bool
) -> None:
    if broken:
        drop_role_kms_statement(sandbox, seed)
    code, report, err = _run(seed, capsys)
    baseline = (code, report)
    assert code == (1 if broken else 0) and report is not None, (code, err)

    outcomes: list[int] = []
    injected = 0
    for fault_seed in SEEDS:
        hook = _hook(share, fault_seed)
        sandbox.middleware.fault_hooks[:] = [hook]
        code, report, err = _run(seed, capsys)
        injected += hook.total
        _assert_honest(code, report, err, baseline, hook)
        outcomes.append(code)
    sandbox.middleware.fault_hooks.clear()
    assert injected >= len(SEEDS) * share, "too few STS faults were injected: the test would prove little"

    if share <= 0.2:
        assert set(outcomes) == {baseline[0]}, outcomes  # 4 attempts get through 20 %
    if share >= 0.9:
        assert 3 in outcomes, outcomes  # the test reached the exhausted case too


@pytest.mark.usefixtures("fast_retries")
def test_the_assume_role_of_the_destination_profile_is_retried(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two throttled AssumeRole attempts in a row, then an answer: the check is as without faults."""
    baseline = _run(seed, capsys)
    hook = throttle(1.0, when=matching("sts:AssumeRole"), max_in_a_row=2)
    sandbox.middleware.fault_hooks.append(hook)

    code, report, err = _run(seed, capsys)

    assert hook.total == 2, hook.injected
    assert (code, report) == baseline[:2], err


@pytest.mark.usefixtures("fast_retries")
def test_a_denied_assume_role_is_still_a_credential_error(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.middleware.fault_hooks.append(always(access_denied, matching("sts:AssumeRole")))

    code, report, err = _run(seed, capsys)

    assert code == 2 and report is None, (code, err)
    assert "Traceback" not in err and "could not be used" in err, err
