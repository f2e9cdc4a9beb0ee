"""``s3repl-tui retry``: re-replicate FAILED and older objects with S3 Batch Replication.

S3 never retries a FAILED object and never replicates what existed before the rule. This checks what
the job needs of the replication role, offers the missing grants through the fixes' safe-apply path,
asks, creates the job with a manifest S3 generates from the replication statuses, and follows it:
progress on stderr, the outcome on stdout. Exit codes: 0 the job completed with no failed object;
1 it failed, some objects failed, or nothing was created; 2 usage (or no terminal to ask on).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from s3repl_tui.aws import Connection, classify
from s3repl_tui.batch import JobState, RetryPlan, create_job, follow_job, parse_statuses, prepare_retry
from s3repl_tui.batch.client import s3control_client
from s3repl_tui.batch.job import ManifestFile
from s3repl_tui.batch.statuses import STATUS_MEANINGS
from s3repl_tui.command_line import aws_command
from s3repl_tui.commands.common import connect_options
from s3repl_tui.errors import EXIT_FAIL, EXIT_PASS, UserError
from s3repl_tui.fixes import apply_plan, export_plan
from s3repl_tui.fixes.apply import describe_error
from s3repl_tui.plain_text import printable, printable_line
from s3repl_tui.probes import probe
from s3repl_tui.sandbox.emulation import is_sandbox_endpoint

EXIT_INTERRUPTED = 130
POLL_SECONDS = 5.0
SANDBOX_POLL_SECONDS = 0.5  # the sandbox's stand-in moves one state per DescribeJob
SANDBOX_NOTE = ("sandbox: S3 Batch Operations is the sandbox's stand-in (moto has none); it copies each selected "
                "object to the rule's destination without evaluating permissions or keys, and every object's "
                "replication status is NONE there because moto never replicates.")
TIMEOUT_SECONDS = 6 * 3600.0
# IAM changes take a few seconds to reach every service; a job created at once may not assume the role.
IAM_SETTLE_SECONDS = 10.0
Ask = Callable[[str], bool]
# What botocore's S3 clients accept as a bucket name (their own check; anything else is a
# ParamValidationError before a request is sent). AWS's naming rules are stricter for new buckets
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html), but older buckets
# may hold capitals and underscores.
_BUCKET_NAME = re.compile(r"[a-zA-Z0-9.\-_]{1,255}")


def _say(console: Console, text: str, **style: Any) -> None:
    """Print ``text`` as it is: never markup or an emoji code, every control character spelled out
    (values come from AWS and from the user)."""
    console.print(Text(printable(text)), markup=False, emoji=False, highlight=False, **style)


def ask_on_terminal(console: Console) -> Ask:
    def ask(question: str) -> bool:
        if not sys.stdin.isatty():
            raise UserError(
                "retry asks before it changes the role or creates a Batch Operations job, and there is no "
                "terminal to ask on; nothing was changed.",
                "Run it in a terminal, or pass --yes to apply the role changes and create the job without asking "
                "(what it would do is printed above).",
            )
        answer = console.input(Text(f"{printable_line(question)} [y/N] "))
        return answer.strip().lower() in ("y", "yes")

    return ask


def _show_plan(out: Console, plan: RetryPlan) -> None:
    spec = plan.spec
    _say(out, f"Batch Replication for s3://{spec.source_bucket} (account {spec.account_id}, {spec.region})")
    if spec.manifest is not None:
        _say(out, f"  selects     the {spec.manifest.objects} objects listed in --manifest")
    for status in () if spec.manifest is not None else spec.statuses:
        _say(out, f"  selects     {status}: {STATUS_MEANINGS[status]}")
    _say(out, f"  role        {spec.role_arn}")
    report = f"s3://{spec.report_bucket}/{spec.report_prefix}/" if spec.report_bucket else "none"
    _say(out, f"  report      {report}")
    for item in plan.checked:
        mark = "ok" if item.ok else item.status
        _say(out, f"  [{mark:^13}] {item.requirement.summary}")
    for warning in plan.warnings:
        _say(out, f"  note: {warning}")
    if plan.failing_layers:
        _say(
            out,
            f"  warning: live replication still fails ({', '.join(plan.failing_layers)}); the job would fail those "
            f"objects again. Run s3repl-tui fix --source-bucket {spec.source_bucket} first.",
            style="yellow",
        )


def _fix_role(
    out: Console, errors: Console, plan: RetryPlan, connection: Connection, ask: Ask, settle_seconds: float
) -> bool:
    """Offer the role changes; True when the role is ready afterwards."""
    changes = plan.role_changes
    if plan.needs_a_person:
        _say(out, "The job cannot work until a person does this:", style="red")
        for note in plan.needs_a_person:
            _say(out, f"  - {note}")
        return False
    if not changes.changes:
        return True
    _say(out, "\nThe role needs these changes (applied safely: re-read, backed up, read back; s3repl-tui undo):")
    for change in changes.changes:
        _say(out, f"  {change.api} {change.ref.label}: {change.summary}")
        _say(out, change.diff())
    if not ask("Apply these role changes?"):
        _say(out, "Nothing changed. To apply them yourself:\n")
        _say(out, export_plan(changes, "cli"))
        return False
    result = apply_plan(changes, connection)
    for message in result.messages:
        _say(out, f"  {message}")
    if not result.complete:
        return False
    with errors.status("Waiting for IAM to make the role changes visible to S3 Batch Operations…"):
        time.sleep(settle_seconds)
    return True


def follow_with_progress(
    s3control: Any, account: str, job_id: str, console: Console, poll_seconds: float, timeout_seconds: float
) -> JobState:
    """Follow the job with a progress bar on ``console`` (stderr), until it ends or the timeout passes."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(Text(f"job {printable_line(job_id[:8])} New").markup, total=None)

        def show(state: JobState) -> None:
            description = Text(f"job {printable_line(job_id[:8])} {printable_line(state.status)}").markup
            progress.update(task, description=description, total=state.total, completed=state.done)

        return follow_job(s3control, account, job_id, on_update=show, poll_seconds=poll_seconds,
                          timeout_seconds=timeout_seconds)


def _follow_command(plan: RetryPlan, job_id: str) -> str:
    spec = plan.spec
    return aws_command("s3control", "describe-job", "--account-id", spec.account_id, "--job-id", job_id,
                       profile=plan.profile, region=spec.region, endpoint_url=plan.endpoint_url)


def _undo_command(plan: RetryPlan) -> str:
    words = ["s3repl-tui", "undo"]
    if plan.profile:
        words += ["--source-profile", plan.profile]
    if plan.endpoint_url:
        words += ["--endpoint-url", plan.endpoint_url]
    return " ".join(words)


def create_failure(error: Exception, plan: RetryPlan, endpoint: str | None, role_changed: bool) -> UserError:
    """One sentence for a CreateJob that did not work, after classifying the error: a connection error is
    not blamed on IAM, and changes already applied to the role are named with how to undo them."""
    spec = plan.spec
    kind = classify(error, "s3:CreateJob", spec.account_id).kind
    if kind == "network":
        message = f"Could not reach S3 Batch Operations at {endpoint or 'its AWS endpoint'} ({describe_error(error)})."
        hint = "Check --endpoint-url, the profile's endpoint_url or AWS_ENDPOINT_URL, and the network."
    elif kind == "credentials":
        message = f"The credentials could not be used to create the job ({describe_error(error)})."
        hint = "Refresh them (for IAM Identity Center: aws sso login) and run retry again."
    elif kind == "access-denied":
        message = f"S3 Batch Operations refused to create the job ({describe_error(error)})."
        hint = f"The caller needs s3:CreateJob and iam:PassRole on {spec.role_arn}."
    else:
        message = f"S3 Batch Operations did not create the job ({describe_error(error)})."
        hint = "Nothing was created; run retry again, or read the error above."
    if role_changed:
        hint += f" The role changes retry applied are kept; to restore the role as it was: {_undo_command(plan)}"
    return UserError(message, hint)


def outcome_lines(state: JobState, plan: RetryPlan) -> list[str]:
    spec = plan.spec
    follow = _follow_command(plan, state.job_id)
    total = "?" if state.total is None else str(state.total)
    counts = f"{total} objects: {state.succeeded} replicated, {state.failed} failed"
    lines = []
    if state.timed_out:
        lines.append(f"Stopped following job {state.job_id} ({state.status}, {state.done} of {total} done); "
                     f"it goes on. Follow it with: {follow}")
    elif state.status == "Complete":
        lines.append(f"Job {state.job_id} Complete: {counts}.")
    else:
        why = f": {state.status_update_reason}" if state.status_update_reason else ""
        lines.append(f"Job {state.job_id} {state.status}{why} ({counts}).")
    lines += [f"  failure {code}: {reason}" for code, reason in state.failure_reasons]
    if state.report_location:
        lines.append(f"Report: {state.report_location} (each failed object with its failure reason)")
    if state.manifest_location:
        lines.append(f"Manifest: {state.manifest_location}")
    if state.status in ("Suspended", "Paused"):
        ready = aws_command("s3control", "update-job-status", "--account-id", spec.account_id, "--job-id",
                            state.job_id, "--requested-job-status", "Ready", profile=plan.profile,
                            region=spec.region, endpoint_url=plan.endpoint_url)
        lines.append(f"It waits for a person: {ready}")
    if state.failed or state.status == "Failed":
        lines.append(f"Why objects fail: s3repl-tui check --source-bucket {spec.source_bucket}, or s3repl-tui "
                     f"object --source-bucket {spec.source_bucket} --key KEY for one of them.")
    return lines


def _listed(args: argparse.Namespace) -> ManifestFile | None:
    """``--manifest FILE``: its fields and rows, checked before anything is read from AWS."""
    path: Path | None = getattr(args, "manifest", None)
    if path is None:
        return None
    from s3repl_tui.inventory.batch_manifest import read_manifest_file

    fields, count = read_manifest_file(path, args.source_bucket)
    if args.report_bucket is None:
        raise UserError("--manifest needs --report-bucket: Batch Operations reads the manifest from S3, and retry "
                        "uploads it there (next to the completion report).",
                        "Add --report-bucket with a bucket of the source account in the source region.")
    return ManifestFile("", "", fields, count)


def upload_manifest(connection: Connection, plan: RetryPlan, path: Path) -> ManifestFile:
    """Upload ``--manifest`` under the report prefix (where the role may read what the job reads) and
    return where it is, with the ETag the job's request names."""
    spec = plan.spec
    listed = spec.manifest
    assert listed is not None and spec.report_bucket is not None
    key = f"{spec.report_prefix}/manifests/input-{uuid.uuid4()}.csv"
    s3 = connection.source.client("s3", region=spec.region)
    try:
        with path.open("rb") as body:
            answer = s3.put_object(Bucket=spec.report_bucket, Key=key, Body=body, ExpectedBucketOwner=spec.account_id,
                                   ContentType="text/csv")
    except (ClientError, BotoCoreError, OSError) as error:
        raise UserError(f"The manifest could not be uploaded to s3://{spec.report_bucket}/{key} "
                        f"({describe_error(error) if not isinstance(error, OSError) else error}).",
                        "Nothing was created; check the report bucket and run retry again.") from error
    return replace(listed, object_arn=f"arn:aws:s3:::{spec.report_bucket}/{key}",
                   etag=str(answer["ETag"]).strip('"'))


def run(
    args: argparse.Namespace,
    *,
    s3control: Any = None,
    ask: Ask | None = None,
    poll_seconds: float = POLL_SECONDS,
    timeout_seconds: float = TIMEOUT_SECONDS,
    settle_seconds: float = IAM_SETTLE_SECONDS,
) -> int:
    """``s3control``/``ask``/timings are injectable for tests (moto has no Batch Operations).

    Names, statuses and messages come from the user and from AWS: what is printed of them has its
    control characters spelled out and is never read as markup (``plain_text``)."""
    try:
        return _run(args, s3control, ask, poll_seconds, timeout_seconds, settle_seconds)
    except UserError as error:
        error.message, error.hint = printable(error.message), printable(error.hint)
        error.args = (error.message,)
        raise


def _run(
    args: argparse.Namespace,
    s3control: Any,
    ask: Ask | None,
    poll_seconds: float,
    timeout_seconds: float,
    settle_seconds: float,
) -> int:
    statuses = parse_statuses(args.statuses)
    if args.report_bucket is not None and not _BUCKET_NAME.fullmatch(args.report_bucket):
        raise UserError(f"--report-bucket {args.report_bucket!r} is not a bucket name.",
                        "Give the name of a bucket of the source account in the source region.")
    listed = _listed(args)
    errors = Console(stderr=True)
    out = Console(highlight=False, soft_wrap=True)
    if ask is None:  # a --yes flag, once cli.py has one for retry, answers every question
        ask = (lambda _question: True) if getattr(args, "yes", False) else ask_on_terminal(errors)
    with errors.status("Connecting…") as status:
        connection = Connection.open(connect_options(args))
        status.update(Text(f"Reading the replication setup of s3://{printable_line(args.source_bucket)}…"))
        snapshot = probe(connection, args.source_bucket)
        plan = prepare_retry(connection, snapshot, statuses, args.report_bucket, generated_manifest=listed is None)
    if listed is not None:
        plan = replace(plan, spec=replace(plan.spec, manifest=listed))
    _show_plan(out, plan)
    client = s3control or s3control_client(connection.source, plan.spec.region)
    endpoint = client.meta.endpoint_url
    in_sandbox = s3control is None and is_sandbox_endpoint(endpoint)
    if in_sandbox:
        _say(out, SANDBOX_NOTE, style="yellow")
        poll_seconds = min(poll_seconds, SANDBOX_POLL_SECONDS)
        settle_seconds = 0.0  # the sandbox's IAM is consistent at once
    if not _fix_role(out, errors, plan, connection, ask, settle_seconds):
        return EXIT_FAIL
    role_changed = bool(plan.role_changes.changes)
    selected = f"the {listed.objects} listed" if listed is not None else ",".join(statuses)
    if not ask(f"Create the Batch Replication job for {selected} objects?"):
        _say(out, "No job created." + (f" The role changes are kept; to restore the role: {_undo_command(plan)}"
                                       if role_changed else ""))
        return EXIT_FAIL
    if listed is not None:
        plan = replace(plan, spec=replace(plan.spec, manifest=upload_manifest(connection, plan, args.manifest)))
    try:
        job_id = create_job(client, plan.spec)
    except (ClientError, BotoCoreError) as error:
        raise create_failure(error, plan, endpoint, role_changed) from error
    _say(errors, f"Created job {job_id}.")
    follow = _follow_command(plan, job_id)
    try:
        state = follow_with_progress(client, plan.spec.account_id, job_id, errors, poll_seconds, timeout_seconds)
    except (ClientError, BotoCoreError) as error:
        raise UserError(f"Job {job_id} was created, but following it failed ({describe_error(error)}).",
                        f"Follow it with: {follow}", exit_code=EXIT_FAIL) from error
    except KeyboardInterrupt:
        _say(out, f"Stopped following job {job_id}; it goes on. Follow it with: {follow}")
        return EXIT_INTERRUPTED
    for line in outcome_lines(state, plan):
        _say(out, line)
    return EXIT_PASS if state.succeeded_fully else EXIT_FAIL
