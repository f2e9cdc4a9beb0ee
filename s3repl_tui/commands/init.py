"""``s3repl-tui init``: guided first-time setup of replication between two existing buckets.

In a terminal the wizard asks what the flags leave open; without one, every answer must be a flag
(the missing ones are named in one sentence, exit 2). Then it reads both accounts, prints ONE plan as
diffs, asks (default No; ``--yes`` skips the question), applies it through the same safe path as
``fix``, and verifies with the check and the canary.

Exit codes: 0 the check afterwards passes (and the canary replicated, or was skipped), or the plan
was printed (``--plan-only``); 1 the plan did not fully apply, the check or the canary fails, the
source already replicates, or the confirmation was declined; 2 usage (bad or missing flags, no
terminal to confirm on, credentials); 3 the check could not judge everything, or the canary was
still pending at its timeout.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from s3repl_tui.aws import Connection
from s3repl_tui.commands.common import connect_options
from s3repl_tui.commands.fix import profile_flags, render_applied, render_plan
from s3repl_tui.errors import EXIT_FAIL, EXIT_PASS, EXIT_UNKNOWN, EXIT_USAGE, UserError
from s3repl_tui.fixes import apply_plan, export_plan
from s3repl_tui.fixes.apply import describe_error
from s3repl_tui.plain_text import printable
from s3repl_tui.setup import Answers, Discovery, Prompter, QuestionaryPrompter, plan_setup, verify, wizard
from s3repl_tui.setup.answers import NEW_KEY, SetupAnswers
from s3repl_tui.setup.discover import BucketInfo
from s3repl_tui.setup.plan import SetupState

PLAN_ONLY_READS = (
    "Made by reading both accounts (sts:GetCallerIdentity, s3:ListAllMyBuckets and the buckets' settings, "
    "kms:ListKeys/DescribeKey/GetKeyPolicy, iam:GetRole); nothing was changed."
)
PLACEHOLDER_NOTE = (
    "A new key's ARN exists only once the key does: the commands keep it in $SOURCE_KEY_ARN / $REPLICA_KEY_ARN "
    "(the JSON form: the create call's 'sets' names the placeholder, '${NAME}' in later calls)."
)


def make_prompter() -> Prompter | None:
    """The terminal's questions, or None without a terminal (then every answer must be a flag)."""
    return QuestionaryPrompter() if sys.stdin.isatty() else None


def _given(args: argparse.Namespace) -> Answers:
    return Answers(
        source_bucket=args.source_bucket,
        dest_bucket=args.dest_bucket,
        encryption=args.encryption,
        source_key=args.source_key,
        replica_key=args.replica_key,
        ownership=args.ownership,
        rtc=args.rtc,
        metrics=args.metrics,
        delete_markers=args.delete_markers,
        replica_sync=args.replica_sync,
        role_name=args.role_name,
        bucket_key=args.bucket_key,
    ).validate()


def _require_flags(args: argparse.Namespace, given: Answers) -> None:
    missing = given.missing()
    if not (args.yes or args.plan_only):
        missing.append("--yes (or --plan-only)")
    if missing:
        raise UserError(
            f"Without a terminal every answer must be a flag, and these are missing: {', '.join(missing)}.",
            hint="Pass them (s3repl-tui init --help lists them all), or run s3repl-tui init in a terminal to be asked.",
            exit_code=EXIT_USAGE,
        )


def describe(answers: SetupAnswers, state: SetupState) -> list[str]:
    """The decisions in a few lines, shown above the plan."""
    kind = "cross-account" if state.cross_account else "same-account"
    if answers.kms:

        def key(choice: str | None, bucket: BucketInfo) -> str:
            return f"a new key ({bucket.account}, {bucket.region})" if choice == NEW_KEY else str(choice)

        keys = f"SSE-KMS; source key: {key(answers.source_key, state.source)}; "
        keys += f"replica key: {key(answers.replica_key, state.dest)}"
        keys += "; S3 Bucket Keys on" if answers.bucket_key else ""
    else:
        keys = "SSE-S3"
    onoff = {True: "on", False: "off"}
    return [
        f"Setup ({kind}): s3://{state.source.name} (account {state.source.account}, {state.source.region}) -> "
        f"s3://{state.dest.name} (account {state.dest.account}, {state.dest.region})",
        f"  encryption: {keys}",
        f"  ownership: {answers.ownership}; role: {state.role.arn}{' (exists)' if state.role.exists else ''}",
        f"  RTC {onoff[answers.rtc]}, metrics {onoff[answers.metrics]}, delete markers "
        f"{onoff[answers.delete_markers]}, replica modification sync {onoff[answers.replica_sync]}",
    ]


def run(args: argparse.Namespace) -> int:
    """Names, keys and messages come from the user and from AWS: what is printed of them has its control
    characters spelled out (``plain_text``), so an escape sequence never reaches the terminal raw."""
    try:
        return _run(args)
    except UserError as error:
        error.message, error.hint = printable(error.message), printable(error.hint)
        error.args = (error.message,)
        raise


def _progress(message: str) -> None:
    print(f"  {printable(message)}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    given = _given(args)
    if args.format and not args.plan_only:
        raise UserError("--format only applies with --plan-only.", hint="Add --plan-only, or drop --format.")
    prompter = make_prompter()
    # With --plan-only stdout carries the plan alone: people's text goes to stderr.
    human: TextIO = sys.stderr if args.plan_only else sys.stdout

    def say(message: str) -> None:
        print(printable(message), file=human)

    if prompter is None:
        _require_flags(args, given)
    else:
        available = list(boto3.session.Session().available_profiles)
        args.source_profile, args.dest_profile = wizard.ask_profiles(
            prompter, available, args.source_profile, args.dest_profile
        )
    flags = profile_flags(args)
    say("Connecting…")
    connection = Connection.open(connect_options(args))
    discovery = Discovery(connection)
    answers = wizard.ask(prompter, discovery, given, say, flags) if prompter is not None else given
    state = wizard.gather(discovery, answers, flags, say)
    done = answers.complete()
    plan = plan_setup(state, done)

    if args.plan_only:
        preamble = (PLAN_ONLY_READS, *(printable(line) for line in describe(done, state)))
        if any(change.creates for change in plan.changes):
            preamble += (PLACEHOLDER_NOTE,)
        exported = export_plan(plan, args.format or "cli", title="s3repl-tui init plan", preamble=preamble)
        sys.stdout.write(printable(exported))  # JSON escapes control characters already: the same text
        return EXIT_PASS

    say("\n".join(describe(done, state)) + "\n")
    say(render_plan(plan) if plan.changes else "Nothing to change: every document already says what is needed.")
    created = [(number, change.creates) for number, change in enumerate(plan.changes, 1) if change.creates]
    if created:
        which = ", ".join(f"${{{name}}} (change {number})" for number, name in created)
        say(f"note: {which} stand for the ARNs of the keys the plan creates; they are filled in as the keys exist.")
    if plan.changes:
        accounts = ", ".join(sorted({change.account for change in plan.changes}))
        question = f"Apply {len(plan.changes)} change(s) to account(s) {accounts}?"
        if not args.yes and not _confirm(prompter, question):
            say("Nothing was changed.")
            return EXIT_FAIL
        result = apply_plan(plan, connection, on_progress=_progress)
        say("\n" + render_applied(result, args))
        if not result.complete:
            say("The setup is incomplete; see above, then run `s3repl-tui check` to see what is missing.")
            return EXIT_FAIL
    return _verify(args, connection, done.source_bucket, say)


def _confirm(prompter: Prompter | None, question: str) -> bool:
    if prompter is None:  # unreachable: without a terminal, --yes or --plan-only is required
        raise UserError("Refusing to change AWS without a confirmation.", hint="Pass --yes.")
    return prompter.confirm(question, False)


def _verify(args: argparse.Namespace, connection: Connection, bucket: str, say: verify.Say) -> int:
    report = verify.check(connection, bucket)
    say(f"\nThe check after setup says: {report.verdict}.")
    remaining = [
        f"  [{layer.id}] {finding.message}"
        for layer in report.layers
        for finding in layer.findings
        if finding.severity == "error" or finding.unknown
    ]
    if remaining:
        say("Still to do:\n" + "\n".join(remaining))
    if report.verdict != "pass":
        return EXIT_FAIL if report.verdict == "fail" else EXIT_UNKNOWN
    if not args.canary:
        return EXIT_PASS
    if not verify.canary_available():
        say("The canary is not available in this version; upload an object and look at its replication status.")
        return EXIT_PASS
    if not args.emulate_replication and verify.never_replicates(connection, report):
        say(verify.SANDBOX_CANARY_SKIPPED)
        return EXIT_PASS
    try:
        result = verify.run_canary(
            connection, report, emulate=args.emulate_replication,
            on_progress=lambda line: print(printable(line), file=sys.stderr),
        )
    except (ClientError, BotoCoreError) as error:
        say(f"The canary could not run ({describe_error(error)}); upload an object and look at its replication status.")
        return EXIT_FAIL
    say(result.message)
    for note in result.cleanup:
        say(f"  {note}")
    if result.outcome == "COMPLETED":
        return EXIT_PASS
    return EXIT_UNKNOWN if result.outcome == "TIMEOUT" else EXIT_FAIL
