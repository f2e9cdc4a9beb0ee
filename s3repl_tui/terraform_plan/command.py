"""``s3repl-tui check --terraform-plan PLAN.json``: the report and exit codes of ``check``."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console

from s3repl_tui.commands.common import connect_options, exit_code
from s3repl_tui.report_text import render
from s3repl_tui.terraform_plan.check import check_plan


def run_plan(args: argparse.Namespace) -> int:
    connection = None
    if args.source_profile or args.dest_profile or args.endpoint_url:
        from s3repl_tui.aws import Connection

        connection = Connection.open(connect_options(args))
    report = check_plan(args.terraform_plan, args.source_bucket, connection)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        render(report, Console())
    return exit_code(report)
