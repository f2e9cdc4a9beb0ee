"""``s3repl-tui fix``: plan least-privilege fixes, show them as diffs, confirm, apply, check again.

Exit codes (design.md: 0 when the check afterwards passes, 1 otherwise, 2 usage error):

- applying (``--yes`` or confirmed): 0 if the check run after applying passes, else 1;
- ``--dry-run`` and a declined confirmation change nothing, so "afterwards" is now: 0 if the check
  passes already (warnings, and the fixes planned for them, allowed), else 1;
- ``--export``: 0 once the export is printed (it is a document for review, not a verdict);
- 2: bad flags, no credentials, or no terminal to confirm on without ``--yes``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from s3repl_tui.aws import Connection
from s3repl_tui.checks import judge
from s3repl_tui.checks.model import LAYER_TITLES, Report
from s3repl_tui.commands.common import connect_options
from s3repl_tui.errors import EXIT_FAIL, EXIT_PASS, EXIT_USAGE, UserError
from s3repl_tui.fixes import ApplyResult, Plan, apply_plan, export_plan, plan_fixes, resolve_state_dir
from s3repl_tui.fixes.lock import setup_lock
from s3repl_tui.fixes.state import check_state_dir
from s3repl_tui.observations import with_observations
from s3repl_tui.plain_text import printable, printable_line
from s3repl_tui.probes import probe


def _layer_ids(args: argparse.Namespace) -> list[str] | None:
    layers: list[str] | None = getattr(args, "layer", None)
    if not layers:
        return None
    unknown = [layer for layer in layers if layer not in LAYER_TITLES]
    if unknown:
        raise UserError(f"Unknown layer {unknown[0]!r}.", hint=f"Use one of: {', '.join(LAYER_TITLES)}.")
    return layers


def confirm(question: str) -> bool:
    """Ask on the terminal (default No). Without a terminal, refuse: a write needs a person or --yes."""
    if not sys.stdin.isatty():
        raise UserError(
            "Refusing to change AWS without a confirmation: there is no terminal to ask on and --yes was not given.",
            hint="Review the plan with --dry-run, then run the same command with --yes.",
            exit_code=EXIT_USAGE,
        )
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def profile_flags(args: argparse.Namespace) -> str:
    """The connection flags as given, to repeat in the commands we suggest."""
    flags = [
        f"--{name.replace('_', '-')} {value}"
        for name in ("source_profile", "dest_profile", "region", "endpoint_url")
        if (value := getattr(args, name, None))
    ]
    return (" " + " ".join(flags)) if flags else ""


def render_plan(plan: Plan) -> str:
    lines: list[str] = []
    if plan.changes:
        lines.append(f"{len(plan.changes)} change(s) to apply, in this order:")
    for number, change in enumerate(plan.changes, start=1):
        lines += [
            "",
            f"{number}. [{change.layer}] {change.summary}",
            f"   {change.api} on {change.resource}",
            f"   account {change.account}, region {change.region}",
        ]
        lines += [f"   note: {note}" for note in change.notes]
        lines += ["   " + line for line in change.diff().splitlines()]
    if plan.manual:
        lines += ["", "Not automatic — a person must do these:"]
        for finding in plan.manual:
            lines.append(f"- {finding.message}")
            steps = finding.fix.manual_steps if finding.fix is not None else ""
            lines += [f"    {line}" for line in (steps or "").splitlines()]
    if plan.notes:
        lines += ["", *[f"note: {note}" for note in plan.notes]]
    if plan.optional:
        lines += ["", "Optional, not in this plan (they change behaviour; add --include-optional to plan them):"]
        lines += [f"- {line}" for line in plan.optional]
    return "\n".join(lines)


def render_result(result: ApplyResult) -> str:
    lines = [f"{len(result.applied)} of {len(result.outcomes)} change(s) applied."]
    lines += [f"  {message}" for message in result.messages]
    return "\n".join(lines)


def render_applied(result: ApplyResult, args: argparse.Namespace) -> str:
    """What landed and how to undo it: after a run, and after Ctrl-C stopped one (cli.main)."""
    lines = [render_result(result)]
    if result.backup_dir is not None:
        lines.append(f"Backup of the previous documents: {result.backup_dir}")
        lines.append(f"Undo with: s3repl-tui undo{profile_flags(args)}")
    return "\n".join(lines)


def _failing(report: Report) -> list[str]:
    return [
        f"  [{layer.id}] {finding.message}"
        for layer in report.layers
        for finding in layer.findings
        if finding.severity == "error" or finding.unknown
    ]


def _verdict_code(report: Report) -> int:
    return EXIT_PASS if report.verdict == "pass" else EXIT_FAIL


def run(args: argparse.Namespace) -> int:
    layer_ids = _layer_ids(args)
    if args.export or args.dry_run:
        return _run(args, layer_ids)
    root = resolve_state_dir()
    check_state_dir(root)  # before planning a write: backups must be possible
    with setup_lock(root, args.source_bucket):  # plan, apply and check again as one run (SetupBusy)
        return _run(args, layer_ids)


def _run(args: argparse.Namespace, layer_ids: list[str] | None) -> int:
    connection = Connection.open(connect_options(args))
    # Observed failures are judged as check judges them: those from before a fix set are history.
    snapshot = with_observations(probe(connection, args.source_bucket))
    report = judge(snapshot)
    include_optional = bool(getattr(args, "include_optional", False))
    plan = plan_fixes(snapshot, report, layer_ids, include_optional=include_optional)
    if args.export:
        sys.stdout.write(export_plan(plan, args.export))
        return EXIT_PASS
    anything = plan.changes or plan.manual or plan.notes or plan.optional
    print(printable(render_plan(plan)) if anything else "Nothing to fix.")
    if not plan.changes or args.dry_run:
        print(f"\nThe check says: {report.verdict}.")
        return _verdict_code(report)
    accounts = sorted({change.account for change in plan.changes})
    if not args.yes and not confirm(f"\nApply {len(plan.changes)} change(s) to account(s) {', '.join(accounts)}?"):
        print("Nothing was changed.")
        return _verdict_code(report)

    def progress(message: str) -> None:
        print(f"  {printable_line(message)}", file=sys.stderr)

    result = apply_plan(plan, connection, on_progress=progress)
    print("\n" + printable(render_applied(result, args)))
    snapshot = with_observations(probe(connection, args.source_bucket))  # with the set just written
    after = judge(snapshot)
    print(f"\nThe check after fixing says: {after.verdict}.")
    remaining: Sequence[str] = _failing(after)
    if remaining:
        print(printable("Still to do:\n" + "\n".join(remaining)))
    # A fixed layer can reveal the next one (a rule that now replicates SSE-KMS needs KMS grants).
    more = plan_fixes(snapshot, after, layer_ids, include_optional=include_optional).changes if result.complete else ()
    if more:
        print(f"{len(more)} more automatic fix(es) became visible; run fix again to review them.")
    return _verdict_code(after)
