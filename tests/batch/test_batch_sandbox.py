"""``retry`` end to end against the sandbox server: the real s3control client (no Stubber) reaches the
sandbox's Batch Operations stand-in on a custom endpoint, creates the job and follows it to its end."""

from __future__ import annotations

from typing import Any

import pytest

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.batch.client import is_custom_endpoint, s3control_client, without_account_prefix
from s3repl_tui.cli import main
from s3repl_tui.sandbox import SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.middleware import FaultResponse, SandboxRequest

REPORTS = "s3repl-reports"


@pytest.fixture
def objects(sandbox: Sandbox, seed: SeedSetup) -> list[str]:
    s3 = sandbox.session(SOURCE_PROFILE).client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=REPORTS)
    keys = ["a.txt", "dir/b.txt"]
    for key in keys:
        s3.put_object(Bucket=seed.source_bucket, Key=key, Body=b"payload")
    return keys


def dest_keys(sandbox: Sandbox, seed: SeedSetup) -> list[str]:
    from s3repl_tui.sandbox import DEST_PROFILE

    s3 = sandbox.session(DEST_PROFILE).client("s3", region_name="us-west-2")
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=seed.dest_bucket).get("Contents", []))


def retry_args(seed: SeedSetup, *extra: str) -> list[str]:
    return ["retry", "--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE,
            "--report-bucket", REPORTS, "--yes", *extra]


def test_the_account_prefix_is_kept_off_a_custom_endpoint_only() -> None:
    assert without_account_prefix("http://123456789012.127.0.0.1:5/v20180820/jobs", "123456789012") == \
        "http://127.0.0.1:5/v20180820/jobs"
    assert without_account_prefix("http://127.0.0.1:5/v20180820/jobs", "123456789012") == \
        "http://127.0.0.1:5/v20180820/jobs"
    assert is_custom_endpoint("http://127.0.0.1:5") and is_custom_endpoint("https://proxy.corp.example")
    assert not is_custom_endpoint(None) and not is_custom_endpoint("https://s3-control.us-east-1.amazonaws.com")


def test_on_aws_the_client_keeps_the_account_host(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against AWS the job's host is <account>.s3-control.<region>.amazonaws.com (nothing may change)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    monkeypatch.delenv("AWS_CONFIG_FILE")
    import boto3

    from s3repl_tui.aws.session import AccountSession

    session = AccountSession("source", boto3.Session(region_name="us-east-1"))
    client = s3control_client(session, "us-east-1")
    urls: list[str] = []

    def stop(request: Any, **_: Any) -> None:
        urls.append(request.url)
        raise KeyboardInterrupt

    client.meta.events.register("before-send", stop)
    with pytest.raises(KeyboardInterrupt):
        client.list_jobs(AccountId="123456789012")
    assert urls[0].startswith("https://123456789012.s3-control.us-east-1.amazonaws.com/v20180820/jobs")


def test_retry_creates_and_follows_a_real_job_in_the_sandbox(
    sandbox: Sandbox, seed: SeedSetup, objects: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(retry_args(seed))
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Complete: 2 objects: 2 replicated, 0 failed." in out
    assert f"Report: s3://{REPORTS}/s3repl-tui/batch-replication/job-" in out
    assert "sandbox: S3 Batch Operations is the sandbox's stand-in" in out  # says what is emulated
    assert dest_keys(sandbox, seed) == sorted(objects)
    assert sandbox.middleware.calls["s3control:POST /v20180820/jobs"] == 1
    jobs = s3control_client(Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE)).source,
                            "us-east-1").list_jobs(AccountId=seed.source_account)["Jobs"]
    assert [job["Status"] for job in jobs] == ["Complete"]
    report = sandbox.session(SOURCE_PROFILE).client("s3").list_objects_v2(Bucket=REPORTS)["Contents"]
    assert any(item["Key"].endswith("results/sandbox.csv") for item in report)


def test_retry_with_a_listed_manifest_replicates_exactly_those_objects(
    sandbox: Sandbox, seed: SeedSetup, objects: list[str], tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """``retry --manifest`` (as ``failed --manifest-out`` writes it): the stand-in reads the uploaded list,
    replicates the objects it names (keys URL-encoded) and reports a listed key that is gone as failed."""
    s3 = sandbox.session(SOURCE_PROFILE).client("s3", region_name="us-east-1")
    s3.put_object(Bucket=seed.source_bucket, Key="with space+plus.txt", Body=b"payload")
    manifest = tmp_path / "failed.csv"
    manifest.write_text(f"{seed.source_bucket},dir/b.txt\n{seed.source_bucket},with%20space%2Bplus.txt\n"
                        f"{seed.source_bucket},gone.txt\n")
    code = main([*retry_args(seed), "--manifest", str(manifest)])
    out = capsys.readouterr().out
    assert "Complete: 3 objects: 2 replicated, 1 failed." in out, out
    assert dest_keys(sandbox, seed) == ["dir/b.txt", "with space+plus.txt"]  # not a.txt: it is not listed
    assert code == 1  # a failed object


def test_retry_works_with_an_explicit_endpoint_url(
    sandbox: Sandbox, seed: SeedSetup, objects: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*retry_args(seed), "--endpoint-url", sandbox.endpoint_url]) == 0
    out = capsys.readouterr().out
    assert "2 replicated" in out


def test_the_stand_in_fails_a_job_whose_role_batch_operations_cannot_assume(
    sandbox: Sandbox, seed: SeedSetup, objects: list[str]
) -> None:
    from s3repl_tui.batch import JobSpec, create_job, follow_job

    client = s3control_client(Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE)).source, "us-east-1")
    spec = JobSpec(seed.source_account, "us-east-1", seed.source_bucket, seed.role_arn, ("NONE",))
    job_id = create_job(client, spec)
    state = follow_job(client, seed.source_account, job_id, poll_seconds=0, sleep=lambda _: None)
    assert state.status == "Failed"
    assert state.failure_reasons[0][0] == "AssumeRoleNotPermitted"  # the seed's trust has only s3.amazonaws.com
    assert dest_keys(sandbox, seed) == []


def test_a_connection_error_is_not_blamed_on_iam_and_names_the_undo(
    sandbox: Sandbox, seed: SeedSetup, objects: list[str], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batch Operations' endpoint does not answer (a closed port: connection refused) after the role
    changes were applied through the working endpoint."""
    import socket

    from s3repl_tui.commands import retry

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"

    def unreachable(session: Any, region: str) -> Any:
        session.endpoint_url = closed
        return s3control_client(session, region)

    monkeypatch.setattr(retry, "s3control_client", unreachable)
    code = main(retry_args(seed))
    err = capsys.readouterr().err
    assert code == 2
    assert f"Could not reach S3 Batch Operations at {closed}" in err
    assert "iam:PassRole" not in err and "s3:CreateJob" not in err
    assert f"s3repl-tui undo --source-profile {SOURCE_PROFILE}" in err  # the role changes were applied


def test_an_access_denied_create_job_points_at_the_callers_permissions(
    sandbox: Sandbox, seed: SeedSetup, objects: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from s3repl_tui.sandbox.middleware import error_response

    def deny_jobs(request: SandboxRequest) -> FaultResponse | None:
        if request.path == "/v20180820/jobs" and request.method == "POST":
            return error_response(403, "s3", "AccessDenied", "Access Denied")
        return None

    sandbox.middleware.fault_hooks.append(deny_jobs)
    assert main(retry_args(seed)) == 2
    err = capsys.readouterr().err
    assert "refused to create the job (AccessDenied: Access Denied)" in err
    assert "iam:PassRole" in err and "s3repl-tui undo" in err
