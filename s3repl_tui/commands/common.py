"""What every subcommand shares: connection options from the flags, and the check's exit codes."""

from __future__ import annotations

import argparse

from s3repl_tui.aws import ConnectOptions
from s3repl_tui.checks.model import Report
from s3repl_tui.errors import EXIT_FAIL, EXIT_PASS, EXIT_UNKNOWN


def connect_options(args: argparse.Namespace) -> ConnectOptions:
    return ConnectOptions(
        source_profile=getattr(args, "source_profile", None),
        dest_profile=getattr(args, "dest_profile", None),
        region=getattr(args, "region", None),
        endpoint_url=getattr(args, "endpoint_url", None),
    )


def exit_code(report: Report) -> int:
    """design.md: 0 pass (warnings allowed), 1 fail, 3 unknown."""
    return {"pass": EXIT_PASS, "fail": EXIT_FAIL, "unknown": EXIT_UNKNOWN}[report.verdict]
