"""``s3repl-tui check``: probe both accounts, judge every layer, print the report."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console

from s3repl_tui.aws import Connection
from s3repl_tui.checks import judge
from s3repl_tui.commands.common import connect_options, exit_code
from s3repl_tui.commands.source_bucket import require_visible
from s3repl_tui.probes import probe
from s3repl_tui.report_text import render


def run(args: argparse.Namespace) -> int:
    errors = Console(stderr=True)
    with errors.status("Connecting…") as status:
        # The identities are proven while the first reads are on the wire (probe raises what open would).
        connection = Connection.start(connect_options(args))
        status.update(f"Reading the replication setup of s3://{args.source_bucket}…")
        snapshot = probe(connection, args.source_bucket)
        require_visible(snapshot, connection.source.profile)
        report = judge(snapshot)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        render(report, Console())
    return exit_code(report)
