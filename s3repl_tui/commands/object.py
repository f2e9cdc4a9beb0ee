"""``s3repl-tui object``: why did this one object (not) replicate, and what re-replicates it.

Exit codes: 0 the object replicated or is replicating; 1 it failed, will fail or is not replicated;
2 usage (no such object or version, no credentials).
"""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.text import Text

from s3repl_tui.aws import Connection
from s3repl_tui.commands.common import connect_options
from s3repl_tui.errors import EXIT_FAIL, EXIT_PASS, UserError
from s3repl_tui.objects import explain_object
from s3repl_tui.objects.text import render_lines
from s3repl_tui.plain_text import printable, printable_line
from s3repl_tui.probes import probe

_STYLES = {"replicated": "green", "pending": "green", "replica": "yellow", "not-replicated": "yellow"}


def run(args: argparse.Namespace) -> int:
    """Keys and version ids are the user's: what is echoed of them has its control characters spelled
    out (``plain_text``), so a key holding an escape sequence never reaches the terminal raw."""
    try:
        return _run(args)
    except UserError as error:
        raise UserError(printable(error.message), printable(error.hint), error.exit_code) from error


def _run(args: argparse.Namespace) -> int:
    bucket, key = args.source_bucket, args.key
    shown = printable_line(f"s3://{bucket}/{key}")
    errors = Console(stderr=True)
    with errors.status("Connecting…") as status:
        connection = Connection.open(connect_options(args))
        status.update(Text(f"Reading the replication setup of s3://{printable_line(bucket)}…"))
        snapshot = probe(connection, bucket)
        if snapshot.source.exists.is_absent:
            raise UserError(f"The bucket {bucket} does not exist.", "Check --source-bucket.")
        status.update(Text(f"Reading {shown}…"))
        diagnosis = explain_object(connection, snapshot, bucket, key, args.version_id)
    if getattr(args, "format", "text") == "json":  # for when cli.py gives `object` a --format flag
        sys.stdout.write(json.dumps(diagnosis.to_json(), indent=2) + "\n")
        return EXIT_PASS if diagnosis.replicates else EXIT_FAIL
    out = Console(highlight=False, soft_wrap=True)  # long ARNs stay whole in pipes and logs
    style = _STYLES.get(diagnosis.outcome, "red")
    for line in render_lines(diagnosis):
        is_headline = line.split(":", 1)[0] in ("REPLICATED", "PENDING", "WILL FAIL", "FAILED", "NOT REPLICATED",
                                                "REPLICA")
        out.print(Text(printable(line)), markup=False, emoji=False, style=f"bold {style}" if is_headline else None)
    return EXIT_PASS if diagnosis.replicates else EXIT_FAIL
