"""The canary, the export and the app's backend are core: importing them must not pull in Textual."""

from __future__ import annotations

import subprocess
import sys

CORE = ("s3repl_tui.canary", "s3repl_tui.report_export", "s3repl_tui.screens.backend", "s3repl_tui.commands.demo")


def test_core_of_the_app_imports_without_textual() -> None:
    script = (
        "import importlib, sys\n"
        f"for name in {CORE!r}: importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
