"""``s3repl-tui [tui]``: the troubleshooter app."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from s3repl_tui.app import S3ReplApp
from s3repl_tui.aws import ConnectOptions
from s3repl_tui.commands.common import connect_options
from s3repl_tui.errors import UserError
from s3repl_tui.scan import Scanner, open_accounts
from s3repl_tui.screens.backend import CanarySettings, LiveBackend


def canary_settings(args: argparse.Namespace) -> CanarySettings:
    """Flags the parser may offer (``--canary-prefix``, ``--canary-timeout``); defaults otherwise."""
    settings = CanarySettings()
    if getattr(args, "canary_prefix", None):
        settings = replace(settings, prefix=str(args.canary_prefix))
    if getattr(args, "canary_timeout", None):
        settings = replace(settings, timeout_seconds=float(args.canary_timeout))
    return settings


def require_terminal(command: str) -> None:
    """The app draws on a terminal and reads keys from it: without one (``</dev/null``, a pipe, cron)
    Textual would spin forever. Say so in one sentence before anything starts (exit 2)."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        return
    missing = " and ".join(name for name, stream in (("input", sys.stdin), ("output", sys.stdout))
                           if not stream.isatty())
    raise UserError(
        f"`s3repl-tui {command}` needs a terminal, but its {missing} is not one.",
        "In scripts and pipes use `s3repl-tui check --source-bucket NAME` (add `--format json` for machines).",
    )


def run(args: argparse.Namespace) -> int:
    require_terminal("tui")
    export_dir = getattr(args, "export_dir", None)
    options = connect_options(args)
    app = S3ReplApp(
        LiveBackend(options, canary_settings=canary_settings(args)),
        source_bucket=getattr(args, "source_bucket", None),
        read_only=bool(getattr(args, "read_only", False)),
        export_dir=Path(export_dir) if export_dir else None,
        make_scanner=lambda: scanner(options),
        scan_first=bool(getattr(args, "scan", False)),
        watch_seconds=getattr(args, "watch", None),
    )
    app.run()
    if app.connection_error is not None:
        raise app.connection_error  # the app closed without a connection: one sentence on stderr, exit 2
    if app.setup_requested:
        return run_setup(args, app.setup_requested)
    if app.reads_in_flight:
        exit_abandoning_reads(0)
    return 0


def scanner(options: ConnectOptions) -> Scanner:
    """The scan screen's scanner: the app's own account (and --dest-profile), as ``s3repl-tui scan``."""
    return Scanner(open_accounts([options.source_profile], options))


def exit_abandoning_reads(code: int) -> None:
    """Quit without waiting for an abandoned probe: its reads change nothing, but the probe's thread pool
    would otherwise be joined at interpreter exit (each call finishing or timing out first). Only reads
    can be in flight here: the app refuses to quit during a write and lets a canary clean up first."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_setup(args: argparse.Namespace, source_bucket: str) -> int:
    """``s3repl-tui init`` for a bucket picked on the start screen, with the same connection flags."""
    from s3repl_tui.cli import build_parser  # the one definition of init's flags and defaults
    from s3repl_tui.commands import init

    argv = ["init", "--source-bucket", source_bucket]
    for flag, value in (("--source-profile", args.source_profile), ("--dest-profile", args.dest_profile),
                        ("--region", args.region), ("--endpoint-url", args.endpoint_url)):
        if value:
            argv += [flag, value]
    return init.run(build_parser().parse_args(argv))
