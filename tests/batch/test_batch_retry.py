"""``retry`` in the sandbox: the role's readiness judged with the policy engine, the missing grants
applied through the fixes' safe-apply path, then the job (a Stubber-checked s3control client)."""

from __future__ import annotations

import argparse
import io
import json
from typing import Any

import pytest
from batch_helpers import JOB_ID, job, report, s3control
from botocore.stub import ANY

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.batch import JobSpec, check, create_job_request, prepare_retry
from s3repl_tui.batch.job import DEFAULT_REPORT_PREFIX
from s3repl_tui.cli import main
from s3repl_tui.commands import retry
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup, build_seed

REPORTS = "s3repl-reports"


@pytest.fixture
def seed(sandbox: Sandbox) -> SeedSetup:
    setup = build_seed(sandbox)
    sandbox.session(SOURCE_PROFILE).client("s3", region_name="us-east-1").create_bucket(Bucket=REPORTS)
    return setup


def connection() -> Connection:
    return Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))


def args(bucket: str, statuses: str = "FAILED,NONE", report_bucket: str | None = REPORTS) -> argparse.Namespace:
    return argparse.Namespace(source_bucket=bucket, statuses=statuses, report_bucket=report_bucket,
                              source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE, region=None,
                              endpoint_url=None)


def statuses_by_id(bucket: str) -> dict[str, str]:
    conn = connection()
    return {c.requirement.id: c.status for c in check(probe(conn, bucket), REPORTS, DEFAULT_REPORT_PREFIX, None,
                                                        conn.source.account)}


def role(sandbox: Sandbox, setup: SeedSetup) -> dict[str, Any]:
    return dict(sandbox.session(SOURCE_PROFILE).client("iam").get_role(RoleName=setup.role_name)["Role"])


def answers(*replies: bool) -> Any:
    asked: list[str] = []
    queue = list(replies)

    def ask(question: str) -> bool:
        asked.append(question)
        return queue.pop(0)

    ask.asked = asked  # type: ignore[attr-defined]
    return ask


def test_the_seed_role_is_not_ready_for_batch_replication(sandbox: Sandbox, seed: SeedSetup) -> None:
    assert statuses_by_id(seed.source_bucket) == {
        "trust-batch-operations": "missing",
        "initiate-replication": "missing",
        "GetReplicationConfiguration": "ok",  # the console policy has it
        "PutInventoryConfiguration": "missing",
        "putobject-report": "missing",
        "getobject-report": "missing",
        "getobjectversion-report": "missing",
    }


def test_a_listed_manifest_asks_the_role_for_nothing_that_generates_one(sandbox: Sandbox, seed: SeedSetup) -> None:
    """``retry --manifest``: the job reads the uploaded list; inventory and replication-configuration rights
    are for a generated manifest only (least privilege)."""
    conn = connection()
    checked = check(probe(conn, seed.source_bucket), REPORTS, DEFAULT_REPORT_PREFIX, None, conn.source.account,
                    generated_manifest=False)
    assert {c.requirement.id: c.status for c in checked} == {
        "trust-batch-operations": "missing",
        "initiate-replication": "missing",
        "putobject-report": "missing",
        "getobject-report": "missing",
        "getobjectversion-report": "missing",
    }
    plan = prepare_retry(conn, probe(conn, seed.source_bucket), ("FAILED",), REPORTS, generated_manifest=False)
    granted = json.dumps([change.after for change in plan.role_changes.changes])
    assert "PutInventoryConfiguration" not in granted and "GetReplicationConfiguration" not in granted


def test_a_deny_is_left_to_a_person(sandbox: Sandbox, seed: SeedSetup) -> None:
    deny = {"Version": "2012-10-17", "Statement": [{"Sid": "NoBatch", "Effect": "Deny", "Principal": "*",
                                                    "Action": "s3:InitiateReplication",
                                                    "Resource": f"arn:aws:s3:::{seed.source_bucket}/*"}]}
    sandbox.session(SOURCE_PROFILE).client("s3").put_bucket_policy(Bucket=seed.source_bucket, Policy=json.dumps(deny))
    conn = connection()
    plan = prepare_retry(conn, probe(conn, seed.source_bucket), ("FAILED",), REPORTS)
    assert any("explicit Deny" in note for note in plan.needs_a_person)
    assert all("InitiateReplication" not in c.summary for c in plan.role_changes.changes)


def test_retry_fixes_the_role_creates_the_job_and_follows_it(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    client, stub = s3control()
    spec = JobSpec("123456789012", "us-east-1", seed.source_bucket, seed.role_arn, ("FAILED", "NONE"), REPORTS)
    expected = create_job_request(spec) | {"ClientRequestToken": ANY}
    stub.add_response("create_job", {"JobId": JOB_ID}, expected_params=expected)
    stub.add_response("describe_job", job("Preparing"))
    stub.add_response("describe_job", job("Active", 10, 4))
    stub.add_response("describe_job", job("Complete", 10, 10, 0, Report=report(REPORTS)))
    ask = answers(True, True)
    with stub:
        code = retry.run(args(seed.source_bucket), s3control=client, ask=ask, poll_seconds=0, settle_seconds=0)
    assert code == 0
    stub.assert_no_pending_responses()
    assert ask.asked == ["Apply these role changes?", "Create the Batch Replication job for FAILED,NONE objects?"]
    out = capsys.readouterr().out
    assert f"Job {JOB_ID} Complete: 10 objects: 10 replicated, 0 failed." in out
    assert f"Report: s3://{REPORTS}/s3repl-tui/batch-replication/job-{JOB_ID}/" in out
    trust = role(sandbox, seed)["AssumeRolePolicyDocument"]
    services = [s["Principal"]["Service"] for s in trust["Statement"]]
    assert services == ["s3.amazonaws.com", "batchoperations.s3.amazonaws.com"]  # the owner's statement kept
    assert set(statuses_by_id(seed.source_bucket).values()) == {"ok"}


def test_a_failed_job_prints_its_failure_reasons(sandbox: Sandbox, seed: SeedSetup,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    client, stub = s3control()
    reasons = [{"FailureCode": "AccessDenied", "FailureReason": "The job report could not be written to your report bucket."}]
    stub.add_response("create_job", {"JobId": JOB_ID})
    stub.add_response("describe_job", job("Failed", 0, FailureReasons=reasons, StatusUpdateReason="Job failed"))
    with stub:
        code = retry.run(args(seed.source_bucket, "FAILED"), s3control=client, ask=answers(True, True),
                         poll_seconds=0, settle_seconds=0)
    assert code == 1
    out = capsys.readouterr().out
    assert f"Job {JOB_ID} Failed: Job failed" in out
    assert "failure AccessDenied: The job report could not be written to your report bucket." in out


def test_declining_the_role_changes_prints_them_as_commands(sandbox: Sandbox, seed: SeedSetup,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    client, stub = s3control()
    with stub:  # no request may be made
        code = retry.run(args(seed.source_bucket), s3control=client, ask=answers(False), settle_seconds=0)
    assert code == 1
    out = capsys.readouterr().out
    assert "aws iam update-assume-role-policy" in out and "aws iam put-role-policy" in out
    assert len(role(sandbox, seed)["AssumeRolePolicyDocument"]["Statement"]) == 1  # nothing written


def test_without_a_terminal_retry_refuses_and_changes_nothing(sandbox: Sandbox, seed: SeedSetup,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["retry", "--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE])
    assert code == 2
    err = capsys.readouterr().err
    assert "no terminal to ask on" in err
    assert "--yes" in err  # the way to run it without a terminal
    assert len(role(sandbox, seed)["AssumeRolePolicyDocument"]["Statement"]) == 1


def test_bad_statuses_and_missing_configuration_are_clear(sandbox: Sandbox, seed: SeedSetup,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["retry", "--source-bucket", seed.source_bucket, "--statuses", "FAILED,PENDING"]) == 2
    assert "--statuses accepts FAILED, NONE, COMPLETED, REPLICA, not PENDING." in capsys.readouterr().err
    sandbox.session(SOURCE_PROFILE).client("s3").delete_bucket_replication(Bucket=seed.source_bucket)
    assert main(["retry", "--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE]) == 1
    assert "has no replication configuration" in capsys.readouterr().err


def test_report_bucket_in_another_region_is_refused(sandbox: Sandbox, seed: SeedSetup,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    sandbox.session(SOURCE_PROFILE).client("s3", region_name="eu-west-1").create_bucket(
        Bucket="far-reports", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    code = main(["retry", "--source-bucket", seed.source_bucket, "--report-bucket", "far-reports",
                 "--source-profile", SOURCE_PROFILE])
    assert code == 2
    assert "is in eu-west-1; the job runs in us-east-1" in capsys.readouterr().err


def test_progress_is_drawn_on_the_given_console() -> None:
    client, stub = s3control()
    stub.add_response("describe_job", job("Active", 10, 4))
    stub.add_response("describe_job", job("Complete", 10, 10))
    screen = io.StringIO()
    console = retry.Console(file=screen, force_terminal=True, width=100)
    with stub:
        final = retry.follow_with_progress(client, "123456789012", JOB_ID, console, 0, 60)
    assert final.status == "Complete"
    assert "10/10" in screen.getvalue() and "Complete" in screen.getvalue()


def test_a_refused_create_job_is_one_sentence(sandbox: Sandbox, seed: SeedSetup,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    client, stub = s3control()
    stub.add_client_error("create_job", "AccessDenied", "Access Denied", 403)
    with stub:
        code = main_with(client, seed.source_bucket)
    assert code == 2
    err = capsys.readouterr().err
    assert "S3 Batch Operations refused to create the job (AccessDenied: Access Denied)." in err
    assert "iam:PassRole" in err


def test_retry_warns_when_live_replication_still_fails(sandbox: Sandbox, seed: SeedSetup,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from s3repl_tui.sandbox import BREAKAGES

    BREAKAGES["destination-policy"](sandbox, seed)
    client, stub = s3control()
    with stub:
        code = retry.run(args(seed.source_bucket), s3control=client, ask=answers(False), settle_seconds=0)
    assert code == 1
    assert "live replication still fails (destination-policy)" in capsys.readouterr().out


def main_with(client: Any, bucket: str) -> int:
    """``cli.main``'s error handling around ``retry.run`` with an injected client and answers."""
    from s3repl_tui.errors import UserError

    try:
        return retry.run(args(bucket, "FAILED"), s3control=client, ask=answers(True, True), settle_seconds=0)
    except UserError as error:
        import sys

        print(f"s3repl-tui: {error.message}\nhint: {error.hint}", file=sys.stderr)
        return error.exit_code


def test_a_yes_flag_answers_every_question(sandbox: Sandbox, seed: SeedSetup) -> None:
    client, stub = s3control()
    stub.add_response("create_job", {"JobId": JOB_ID})
    stub.add_response("describe_job", job("Complete", 3, 3, 0))
    yes = args(seed.source_bucket)
    yes.yes = True
    with stub:
        assert retry.run(yes, s3control=client, poll_seconds=0, settle_seconds=0) == 0


def test_role_changes_are_backed_up_for_undo(sandbox: Sandbox, seed: SeedSetup, private_state_dir: Any) -> None:
    client, stub = s3control()
    stub.add_response("create_job", {"JobId": JOB_ID})
    stub.add_response("describe_job", job("Complete", 1, 1, 0))
    with stub:
        retry.run(args(seed.source_bucket), s3control=client, ask=answers(True, True), poll_seconds=0,
                  settle_seconds=0)
    sets = list((private_state_dir / "s3repl-tui" / "fix-sets").iterdir())
    assert len(sets) == 1  # one fix set: `s3repl-tui undo` restores the trust and inline policies
