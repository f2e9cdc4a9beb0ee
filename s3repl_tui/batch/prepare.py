"""Everything ``retry`` settles before it asks: the job, the role's readiness, what live replication
itself still gets wrong. Reads only (the report bucket's location and policy); never writes."""

from __future__ import annotations

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

from s3repl_tui.aws import Connection, classify
from s3repl_tui.batch.job import DEFAULT_REPORT_PREFIX, JobSpec
from s3repl_tui.batch.requirements import Checked, check
from s3repl_tui.batch.role_plan import role_plan
from s3repl_tui.checks import facts as check_facts
from s3repl_tui.checks import judge
from s3repl_tui.errors import EXIT_FAIL, UserError
from s3repl_tui.fixes import Plan
from s3repl_tui.observations import with_observations
from s3repl_tui.probes.snapshot import Document, Read, Snapshot


@dataclass(frozen=True)
class RetryPlan:
    spec: JobSpec
    checked: tuple[Checked, ...]
    role_changes: Plan  # what retry would add to the role (through fixes.apply_plan)
    failing_layers: tuple[str, ...]  # layers of `check` that fail: the job would fail those objects again
    warnings: tuple[str, ...] = ()
    profile: str | None = None  # the source profile, for the commands printed (None: a placeholder)
    endpoint_url: str | None = None  # --endpoint-url, when given

    @property
    def role_ready(self) -> bool:
        return all(item.ok for item in self.checked)

    @property
    def needs_a_person(self) -> tuple[str, ...]:
        """What no change of ours fixes (a Deny, a boundary, another owner's policy, unread inputs)."""
        return self.role_changes.notes


def _source_facts(snapshot: Snapshot, connection: Connection) -> tuple[str, str, str]:
    """(account, region, role ARN) of the job, or a UserError saying what is missing."""
    bucket = snapshot.source_bucket
    if snapshot.source.exists.is_absent:
        raise UserError(f"The bucket {bucket} does not exist.", "Check --source-bucket.")
    read = snapshot.source.replication
    if read is not None and read.is_absent:
        raise UserError(
            f"s3://{bucket} has no replication configuration, and Batch Replication replicates by its rules.",
            "Create a rule first (s3repl-tui init), then run retry.", exit_code=EXIT_FAIL,
        )
    if read is None or not read.is_ok:
        reason = read.error.message if read is not None and read.error else "it was not read"
        raise UserError(f"The replication configuration of {bucket} could not be read: {reason}",
                        "Use --source-profile with credentials of the bucket's account.")
    role = check_facts.role_ref(snapshot)
    if role is None:
        raise UserError(f"The replication configuration of {bucket} names no role.",
                        f"s3repl-tui check --source-bucket {bucket} explains what is missing.", exit_code=EXIT_FAIL)
    if role.exists is False:
        raise UserError(f"The replication role {role.written_arn} does not exist.",
                        f"s3repl-tui fix --source-bucket {bucket} --layer rule", exit_code=EXIT_FAIL)
    region = check_facts.region_of(snapshot.source)
    account = snapshot.source.owner_account or connection.source.account
    if region is None or account is None:
        raise UserError(f"The region or the account of {bucket} could not be read.",
                        "Use --source-profile with credentials of the bucket's account.")
    return account, region, role.arn


def _report_bucket_policy(connection: Connection, bucket: str, account: str, region: str) -> Read[Document]:
    """The report bucket's policy; the bucket must be the source account's, in the source region (the job
    writes its generated manifest there, and a generated manifest must stay in the source region)."""
    s3 = connection.source.client("s3", region=region)
    try:
        location = s3.get_bucket_location(Bucket=bucket, ExpectedBucketOwner=account)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "404"):
            raise UserError(
                f"The report bucket {bucket} does not exist.", "Create it, or drop --report-bucket."
            ) from error
        raise UserError(
            f"The report bucket {bucket} is not readable as a bucket of account {account} ({code}).",
            "Use a bucket of the source account in the source region for --report-bucket.",
        ) from error
    bucket_region = location.get("LocationConstraint") or "us-east-1"
    if bucket_region != region:
        raise UserError(
            f"The report bucket {bucket} is in {bucket_region}; the job runs in {region}, the source's region.",
            f"Use a report bucket in {region}.",
        )
    try:
        return Read.ok(json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchBucketPolicy":
            return Read.absent("NoSuchBucketPolicy")
        return Read.failed(classify(error, "s3:GetBucketPolicy", account))


def prepare_retry(
    connection: Connection, snapshot: Snapshot, statuses: tuple[str, ...], report_bucket: str | None,
    generated_manifest: bool = True,
) -> RetryPlan:
    """``generated_manifest=False``: the job runs over a listed manifest (``retry --manifest``)."""
    account, region, role_arn = _source_facts(snapshot, connection)
    report_policy = _report_bucket_policy(connection, report_bucket, account, region) if report_bucket else None
    spec = JobSpec(account, region, snapshot.source_bucket, role_arn, statuses, report_bucket)
    checked = check(snapshot, report_bucket, DEFAULT_REPORT_PREFIX, report_policy, account, generated_manifest)
    plan = role_plan(snapshot, checked, connection.source.profile, connection.options.endpoint_url)
    report = judge(with_observations(snapshot))
    failing = tuple(layer.id for layer in report.layers if layer.status == "fail")
    warnings = []
    if "COMPLETED" in statuses:
        warnings.append("COMPLETED replicates objects that already replicated again (and is billed again).")
    if report_bucket is None:
        warnings.append("Without --report-bucket there is no completion report: failed objects are counted, "
                        "not named.")
    return RetryPlan(spec, checked, plan, failing, tuple(warnings), connection.source.profile,
                     connection.options.endpoint_url)
