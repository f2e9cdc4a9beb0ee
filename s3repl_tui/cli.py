"""Command line entry point. Each subcommand lives in ``s3repl_tui.commands.<name>`` and is imported
only when used, so ``--help`` and ``check`` never import Textual."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from s3repl_tui import __version__
from s3repl_tui.commands.source_bucket import normalise_source_bucket
from s3repl_tui.errors import EXIT_USAGE, UserError

COMMANDS = ("tui", "check", "fix", "undo", "demo", "init", "object", "retry", "scan", "failed")


def _add_common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AWS connection (boto3's credential chain; AWS CLI conventions)")
    group.add_argument("--source-profile", metavar="P", help="profile for the source account (default chain)")
    group.add_argument(
        "--dest-profile",
        metavar="Q",
        help="profile for the destination account; without it, what the source credentials "
        "cannot read is reported as unknown",
    )
    group.add_argument("--region", metavar="R", help="region for API calls before bucket regions are known")
    group.add_argument("--endpoint-url", metavar="URL", help="send every AWS call to this endpoint")


def _window(text: str) -> int:
    from s3repl_tui.commands.check import window_seconds  # the parser stays light: imported when used

    return window_seconds(text)


def _watch_interval(text: str) -> int:
    if not text.isdigit() or not 5 <= int(text) <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 5 to 86400")
    return int(text)


def _add_bucket(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--source-bucket", metavar="B", required=required, type=normalise_source_bucket,
                        help="the replication source bucket (name, s3://name or arn:aws:s3:::name)")


def _add_init_answers(init: argparse.ArgumentParser) -> None:
    """The init subparser's answers: without a terminal, every answer must be a flag."""
    flag = argparse.BooleanOptionalAction
    answers = init.add_argument_group("answers (asked in a terminal when not given; required without one)")
    answers.add_argument("--source-bucket", metavar="B", type=normalise_source_bucket,
                         help="the existing bucket to replicate from")
    answers.add_argument("--dest-bucket", metavar="D", help="the existing bucket to replicate into")
    answers.add_argument("--encryption", choices=("sse-s3", "sse-kms"), help="how objects are encrypted")
    answers.add_argument("--source-key", metavar="ARN|new", help="SSE-KMS: the source bucket's key, or a new one")
    answers.add_argument("--replica-key", metavar="ARN|new", help="SSE-KMS: the key for replicas, or a new one")
    answers.add_argument("--bucket-key", action=flag, default=None, help="SSE-KMS: S3 Bucket Keys (default: off)")
    answers.add_argument(
        "--ownership",
        choices=("override", "enforced", "none"),
        help="replica ownership: owner override, BucketOwnerEnforced on the destination, or as it is",
    )
    answers.add_argument("--rtc", action=flag, default=None, help="Replication Time Control (implies metrics)")
    answers.add_argument("--metrics", action=flag, default=None, help="replication metrics and failure events")
    answers.add_argument("--delete-markers", action=flag, default=None, help="delete marker replication")
    answers.add_argument("--replica-sync", action=flag, default=None, help="replica modification sync")
    answers.add_argument("--role-name", metavar="NAME", help="the replication role (default: s3repl-tui-<source>)")
    mode = init.add_argument_group("what to do with the plan")
    mode.add_argument("--yes", action="store_true", help="apply without asking")
    mode.add_argument(
        "--plan-only",
        action="store_true",
        help="print the plan and change nothing (it still reads both accounts to list buckets and keys)",
    )
    mode.add_argument("--format", choices=("cli", "json", "terraform", "cloudformation"),
                      help="with --plan-only: AWS CLI commands (default), JSON, Terraform or CloudFormation")
    after = init.add_argument_group("after applying")
    after.add_argument("--canary", action=flag, default=True, help="write a test object and watch it replicate")
    after.add_argument(
        "--emulate-replication",
        action="store_true",
        help="for sandboxes that never replicate (moto): the canary's outcome comes from an emulator",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s3repl-tui",
        description="Find out why Amazon S3 replication fails, and fix it with one key.",
    )
    parser.add_argument("--version", action="version", version=f"s3repl-tui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    tui = commands.add_parser("tui", help="the troubleshooter (default)")
    _add_bucket(tui, required=False)
    _add_common(tui)
    tui.add_argument("--read-only", action="store_true", help="hide and refuse every write")
    tui.add_argument("--watch", type=_watch_interval, metavar="SECONDS",
                     help="re-probe every SECONDS from the start (w toggles it; default interval 60)")
    tui.add_argument("--scan", action="store_true",
                     help="start on the table of every bucket with replication (as `s3repl-tui scan`)")
    tui.add_argument("--export-dir", metavar="DIR", help="where `e` writes the report (default: current directory)")
    tui.add_argument(
        "--canary-prefix", metavar="PREFIX", default=".s3repl-tui/canary/", help="where the canary writes its object"
    )
    tui.add_argument(
        "--canary-timeout", metavar="SECONDS", type=float, default=300.0, help="how long the canary waits (default 300)"
    )

    check = commands.add_parser("check", help="diagnose every layer; exit 0 pass, 1 fail, 2 usage, 3 unknown")
    _add_bucket(check, required=False)
    _add_common(check)
    check.add_argument("--format", choices=("text", "json"), default="text", help="report format")
    check.add_argument("--since", type=_window, default=24 * 3600, metavar="WINDOW",
                       help="how far back replication metrics and failure events count (90m, 24h, 7d; default 24h)")
    check.add_argument("--events", type=Path, metavar="FILE",
                       help="JSON lines of S3 replication failure events (as SQS/SNS/Lambda receive them)")
    check.add_argument("--terraform-plan", type=Path, metavar="PLAN.json",
                       help="judge the setup a plan will create (`terraform show -json plan.tfplan`); what it does "
                       "not hold is read live with --source-profile/--dest-profile, else unknown")

    fix = commands.add_parser("fix", help="plan, confirm and apply least-privilege fixes")
    _add_bucket(fix, required=True)
    _add_common(fix)
    mode = fix.add_mutually_exclusive_group()
    mode.add_argument("--yes", action="store_true", help="apply without asking")
    mode.add_argument("--dry-run", action="store_true", help="only print the plan")
    mode.add_argument("--export", choices=("cli", "json", "terraform", "cloudformation"),
                      help="print the plan as AWS CLI commands, JSON, Terraform blocks or CloudFormation templates")
    fix.add_argument("--layer", action="append", metavar="ID", help="only fix this layer (repeatable)")
    fix.add_argument("--include-optional", action="store_true",
                     help="also plan the opt-in changes (enable a disabled rule, metrics, s3:ReplicateDelete)")

    undo = commands.add_parser("undo", help="restore the documents the last applied fix set changed")
    _add_common(undo)
    undo_mode = undo.add_mutually_exclusive_group()
    undo_mode.add_argument("--yes", action="store_true", help="restore without asking")
    undo_mode.add_argument("--dry-run", action="store_true", help="only say what undo would restore")
    undo_mode.add_argument("--list", action="store_true", help="list the fix sets and their state")
    undo.add_argument("--set", metavar="ID", help="undo this fix set (an id from --list), also one marked refused")

    commands.add_parser("demo", help="open the troubleshooter on an embedded two-account sandbox")

    init = commands.add_parser(
        "init",
        help="guided first-time replication setup",
        description="Set replication up between two existing buckets: asks (or takes from flags) every "
        "decision, plans every document as a diff, applies after confirmation, then checks.",
    )
    _add_common(init)
    _add_init_answers(init)

    obj = commands.add_parser("object", help="why did this object (not) replicate")
    _add_bucket(obj, required=True)
    _add_common(obj)
    obj.add_argument("--key", required=True, help="object key")
    obj.add_argument("--version-id", help="object version (default: current)")
    obj.add_argument("--format", choices=("text", "json"), default="text", help="report format")

    retry = commands.add_parser("retry", help="re-replicate FAILED or older objects with S3 Batch Replication")
    _add_bucket(retry, required=True)
    _add_common(retry)
    retry.add_argument("--statuses", default="FAILED,NONE", help="replication statuses to include")
    retry.add_argument("--report-bucket", help="bucket for the completion report")
    retry.add_argument("--yes", action="store_true", help="answer yes to the role changes and the job")
    retry.add_argument("--manifest", type=Path, metavar="FILE.csv",
                       help="re-replicate exactly the objects of this Batch Operations CSV manifest (as `failed "
                       "--manifest-out` writes); it is uploaded under --report-bucket, which it then needs")
    _add_scan(commands)
    _add_failed(commands)
    return parser


def _depth(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 32:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of path segments from 1 to 32")
    return int(text)


def _add_failed(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    failed = commands.add_parser(
        "failed",
        help="count FAILED/PENDING/NONE objects from an S3 Inventory report; exit 0 none failed, 1 some, 2 usage",
        description="Counts replication statuses from an S3 Inventory report that includes ReplicationStatus "
        "(CSV, or Parquet with the s3repl-tui[parquet] extra), overall, by prefix, age and rule, streaming.",
    )
    _add_bucket(failed, required=True)
    _add_common(failed)
    failed.add_argument("--inventory", metavar="MANIFEST",
                        help="s3://bucket/.../manifest.json or a local manifest.json (default: the newest report of "
                        "the bucket's inventory configuration with ReplicationStatus)")
    failed.add_argument("--prefix-depth", type=_depth, default=1, metavar="N",
                        help="count by the first N segments of the key (default 1)")
    failed.add_argument("--format", choices=("text", "json"), default="text", help="report format")
    failed.add_argument("--manifest-out", type=Path, metavar="FILE.csv",
                        help="write the FAILED objects as a Batch Operations CSV manifest for `retry --manifest`")


def _add_scan(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from s3repl_tui.commands.scan_flags import positive, profile_list  # light: no AWS SDK

    scan = commands.add_parser("scan", help="check every replicated bucket of the account(s); exit codes as check")
    _add_common(scan)
    scan.add_argument("--profiles", type=profile_list, metavar="A,B,C",
                      help="scan the source accounts of these profiles (instead of --source-profile)")
    scan.add_argument("--concurrency", type=positive, default=8, metavar="N",
                      help="buckets checked at the same time (default 8)")
    scan.add_argument("--format", choices=("text", "json"), default="text",
                      help="a table (text) or one JSON object per bucket (json lines)")
    scan.add_argument("--since", type=_window, default=24 * 3600, metavar="WINDOW",
                      help="how far back the observed failures (replication metrics) count (90m, 24h, 7d; default 24h)")
    where = scan.add_mutually_exclusive_group()
    where.add_argument("--output", type=Path, metavar="FILE", help="also write the JSON lines to FILE as they come")
    where.add_argument("--resume", type=Path, metavar="FILE",
                       help="keep the rows FILE holds (an earlier --output), check the other buckets, append them")


# Commands that judge one setup and exit: they run without the cycle collector. Start-up allocates
# hundreds of thousands of objects (modules, botocore's service models, a snapshot, a report) and the
# collector would walk them again and again, ~15% of a `check` process's CPU, to free the few cycles
# the exit frees anyway (reference counting still frees everything else at once).
ONE_SHOT_COMMANDS = frozenset({"check"})


def main(argv: Sequence[str] | None = None) -> int:
    collecting = gc.isenabled()
    gc.disable()  # until the command is known (ONE_SHOT_COMMANDS)
    try:
        return _main(argv, collecting)
    finally:
        if collecting:
            gc.enable()


def _main(argv: Sequence[str] | None, collecting: bool) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version")):
        args_list.insert(0, "tui")  # the app is the default command
    args = build_parser().parse_args(args_list)
    command = args.command or "tui"
    if collecting and command not in ONE_SHOT_COMMANDS:
        gc.enable()
    try:
        module = importlib.import_module(f"s3repl_tui.commands.{command}")
    except ModuleNotFoundError as missing:
        if missing.name != f"s3repl_tui.commands.{command}":
            raise
        print(f"s3repl-tui: '{command}' is not available in this version yet.", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(module.run(args))
    except UserError as error:
        print(f"s3repl-tui: {error.message}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt as interrupted:
        print("s3repl-tui: interrupted.", file=sys.stderr)
        landed = getattr(interrupted, "result", None)  # fixes.apply.ApplyInterrupted: a write was under way
        if landed is not None:
            from s3repl_tui.commands.fix import render_applied
            from s3repl_tui.plain_text import printable

            print("\n" + printable(render_applied(landed, args)))
        return 130


if __name__ == "__main__":
    sys.exit(main())
