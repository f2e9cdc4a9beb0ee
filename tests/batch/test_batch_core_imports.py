"""The object forensics and Batch Replication cores (and their commands) never import Textual."""

from __future__ import annotations

import subprocess
import sys

MODULES = ("s3repl_tui.objects", "s3repl_tui.batch", "s3repl_tui.commands.object", "s3repl_tui.commands.retry")


def test_objects_and_batch_import_without_textual() -> None:
    script = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}: importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
