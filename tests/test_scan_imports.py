"""The scan's core and its command never import Textual (the TUI's scan screen is the only Textual part)."""

from __future__ import annotations

import subprocess
import sys


def _textual_after(module: str) -> bool:
    script = f"import importlib, sys\nimportlib.import_module({module!r})\nprint('textual' in sys.modules)\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return result.stdout.strip() == "True"


def test_scan_core_and_command_import_no_textual() -> None:
    assert not _textual_after("s3repl_tui.scan")
    assert not _textual_after("s3repl_tui.commands.scan")
    assert _textual_after("s3repl_tui.screens.scan")  # the check is able to see it
