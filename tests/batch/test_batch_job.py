"""The CreateJob request and following DescribeJob, checked against the s3control model by Stubber."""

from __future__ import annotations

import pytest
from batch_helpers import JOB_ID, job, report, s3control

from s3repl_tui.batch import JobSpec, JobState, create_job, create_job_request, follow_job, parse_statuses
from s3repl_tui.errors import UserError

SPEC = JobSpec("111122223333", "eu-west-1", "src", "arn:aws:iam::111122223333:role/service-role/r",
               ("FAILED", "NONE"), report_bucket="reports")


def test_statuses_are_validated_and_normalised() -> None:
    assert parse_statuses("failed, none,FAILED") == ("FAILED", "NONE")
    assert parse_statuses("REPLICA") == ("REPLICA",)
    with pytest.raises(UserError, match="accepts FAILED, NONE, COMPLETED, REPLICA, not PENDING"):
        parse_statuses("FAILED,PENDING")
    with pytest.raises(UserError, match="at least one"):
        parse_statuses(" , ")


def test_create_job_request_is_valid_and_selects_by_replication_status() -> None:
    client, stub = s3control()
    expected = create_job_request(SPEC, token="token-1")
    stub.add_response("create_job", {"JobId": JOB_ID}, expected_params=expected)
    with stub:
        assert create_job(client, SPEC, token="token-1") == JOB_ID
    stub.assert_no_pending_responses()
    generator = expected["ManifestGenerator"]["S3JobManifestGenerator"]
    assert expected["Operation"] == {"S3ReplicateObject": {}}
    assert expected["ConfirmationRequired"] is False
    assert generator["SourceBucket"] == "arn:aws:s3:::src"
    assert generator["Filter"] == {"EligibleForReplication": True, "ObjectReplicationStatuses": ["FAILED", "NONE"]}
    assert generator["EnableManifestOutput"] is True
    assert generator["ManifestOutputLocation"]["Bucket"] == "arn:aws:s3:::reports"
    assert expected["Report"]["Bucket"] == "arn:aws:s3:::reports"
    assert expected["Report"]["ReportScope"] == "AllTasks"


def test_without_a_report_bucket_no_report_and_no_stored_manifest() -> None:
    client, stub = s3control()
    spec = JobSpec("111122223333", "us-east-1", "src", "arn:aws:iam::111122223333:role/r", ("FAILED",))
    request = create_job_request(spec)
    assert request["Report"] == {"Enabled": False}
    assert request["ManifestGenerator"]["S3JobManifestGenerator"]["EnableManifestOutput"] is False
    stub.add_response("create_job", {"JobId": JOB_ID}, expected_params=request)
    with stub:
        create_job(client, spec, token=request["ClientRequestToken"])
    assert len(create_job_request(spec)["ClientRequestToken"]) == 36  # a fresh uuid4 per job


def test_follow_job_from_preparing_to_complete() -> None:
    client, stub = s3control()
    expected = {"AccountId": SPEC.account_id, "JobId": JOB_ID}
    for answer in (job("Preparing"), job("Active", 10, 4), job("Complete", 10, 9, 1, Report=report("reports"))):
        stub.add_response("describe_job", answer, expected_params=expected)
    seen: list[JobState] = []
    sleeps: list[float] = []
    with stub:
        final = follow_job(client, SPEC.account_id, JOB_ID, on_update=seen.append, poll_seconds=0,
                           sleep=sleeps.append)
    assert [s.status for s in seen] == ["Preparing", "Active", "Complete"]
    assert (seen[1].total, seen[1].done) == (10, 4)
    assert (final.total, final.succeeded, final.failed) == (10, 9, 1)
    assert not final.succeeded_fully
    assert final.report_location == f"s3://reports/s3repl-tui/batch-replication/job-{JOB_ID}/"
    assert sleeps == [0, 0]


def test_follow_job_failed_with_reasons() -> None:
    client, stub = s3control()
    reasons = [{"FailureCode": "AccessDenied", "FailureReason": "The job report could not be written to your report bucket."}]
    stub.add_response("describe_job", job("Failed", 0, 0, 0, FailureReasons=reasons, StatusUpdateReason="Job failed"))
    with stub:
        final = follow_job(client, SPEC.account_id, JOB_ID, poll_seconds=0, sleep=lambda _: None)
    assert final.status == "Failed" and final.finished
    assert final.failure_reasons == (("AccessDenied", "The job report could not be written to your report bucket."),)


def test_follow_job_gives_up_after_the_timeout() -> None:
    client, stub = s3control()
    for _ in range(3):
        stub.add_response("describe_job", job("Active", 100, 5))
    ticks = iter([0.0, 1.0, 2.0, 3.0])
    with stub:
        final = follow_job(client, SPEC.account_id, JOB_ID, poll_seconds=1, timeout_seconds=2,
                           sleep=lambda _: None, clock=lambda: next(ticks))
    assert final.timed_out and final.status == "Active"
