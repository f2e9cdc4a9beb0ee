"""``s3repl-tui check``: probe both accounts, judge every layer, print the report."""

from __future__ import annotations

import argparse
import json
import re
import sys

from rich.console import Console

from s3repl_tui.aws import Connection
from s3repl_tui.checks import judge
from s3repl_tui.commands.common import connect_options, exit_code
from s3repl_tui.commands.source_bucket import require_visible
from s3repl_tui.errors import UserError
from s3repl_tui.observations import with_observations
from s3repl_tui.probes import probe
from s3repl_tui.probes.snapshot import DEFAULT_WINDOW_SECONDS
from s3repl_tui.report_text import render

_UNITS = {"m": 60, "h": 3600, "d": 86400}


def window_seconds(text: str) -> int:
    """``--since 24h`` / ``90m`` / ``7d`` -> seconds (argparse type: one sentence on bad input)."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhd])\s*", text)
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a window such as 90m, 24h or 7d")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > 63 * 86400:  # CloudWatch keeps 1-hour datapoints for 63 days
        raise argparse.ArgumentTypeError(f"{text!r} is longer than the 63 days CloudWatch keeps hourly datapoints")
    return seconds


def run(args: argparse.Namespace) -> int:
    if getattr(args, "terraform_plan", None) is not None:
        from s3repl_tui.terraform_plan.command import run_plan

        return run_plan(args)
    if not args.source_bucket:
        raise UserError("check needs --source-bucket B (or --terraform-plan PLAN.json).",
                        hint="s3repl-tui check --source-bucket my-bucket")
    errors = Console(stderr=True)
    with errors.status("Connecting…") as status:
        # The identities are proven while the first reads are on the wire (probe raises what open would).
        connection = Connection.start(connect_options(args))
        status.update(f"Reading the replication setup of s3://{args.source_bucket}…")
        window = getattr(args, "since", DEFAULT_WINDOW_SECONDS)
        snapshot = probe(connection, args.source_bucket, window_seconds=window)
        require_visible(snapshot, connection.source.profile)
        report = judge(with_observations(snapshot, getattr(args, "events", None)))
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        render(report, Console())
    return exit_code(report)
