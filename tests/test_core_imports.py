"""The headless path (cli, check, fix and the core) must never import Textual: it keeps them fast."""

from __future__ import annotations

import subprocess
import sys

CORE = (
    "s3repl_tui",
    "s3repl_tui.cli",
    "s3repl_tui.aws",
    "s3repl_tui.probes",
    "s3repl_tui.policy",
    "s3repl_tui.checks",
    "s3repl_tui.fixes",
    "s3repl_tui.commands.check",
    "s3repl_tui.commands.fix",
    "s3repl_tui.commands.undo",
    "s3repl_tui.canary",
    "s3repl_tui.report_export",
    "s3repl_tui.report_text",
    "s3repl_tui.objects",
    "s3repl_tui.batch",
    "s3repl_tui.commands.object",
    "s3repl_tui.commands.retry",
)


def test_core_modules_import_without_textual() -> None:
    script = (
        "import importlib, sys\n"
        f"for name in {CORE!r}: importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_check_fails_when_textual_is_imported() -> None:
    """The check above can fail: importing the app does pull Textual in."""
    script = "import sys, s3repl_tui.app\nprint('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode != 0 or result.stdout.strip() == "True"
