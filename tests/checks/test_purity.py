"""checks/ is pure: importing it pulls in neither the AWS SDK nor the UI."""

from __future__ import annotations

import subprocess
import sys


def test_checks_import_neither_boto3_nor_textual() -> None:
    script = (
        "import sys, s3repl_tui.checks\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'textual'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
