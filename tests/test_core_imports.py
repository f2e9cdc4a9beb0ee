"""What each part of the package may import. The headless path (cli, check, fix, the core) never imports
Textual, which keeps it fast; the pure parts (policy, checks) import no AWS SDK either."""

from __future__ import annotations

import subprocess
import sys

import pytest

WITHOUT_TEXTUAL = (
    "s3repl_tui",
    "s3repl_tui.cli",
    "s3repl_tui.aws",
    "s3repl_tui.probes.flow",
    "s3repl_tui.fixes",
    "s3repl_tui.setup",
    "s3repl_tui.setup.wizard",
    "s3repl_tui.setup.verify",
    "s3repl_tui.objects",
    "s3repl_tui.batch",
    "s3repl_tui.canary",
    "s3repl_tui.report_export",
    "s3repl_tui.report_text",
    "s3repl_tui.screens.backend",
    "s3repl_tui.commands.check",
    "s3repl_tui.commands.fix",
    "s3repl_tui.commands.undo",
    "s3repl_tui.commands.init",
    "s3repl_tui.commands.object",
    "s3repl_tui.commands.retry",
    "s3repl_tui.commands.demo",
)
PURE = ("s3repl_tui.policy", "s3repl_tui.checks")


def _imported_after(modules: tuple[str, ...], roots: tuple[str, ...]) -> list[str]:
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {roots!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return [name for name in result.stdout.strip().split(",") if name]


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [(WITHOUT_TEXTUAL, ("textual",)), (PURE, ("textual", "boto3", "botocore"))],
    ids=["core-without-textual", "pure-without-sdk"],
)
def test_modules_import_nothing_they_must_not(modules: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    assert _imported_after(modules, forbidden) == []


def test_the_check_can_fail() -> None:
    """Importing the app does pull Textual in, so the test above is able to see it."""
    assert "textual" in _imported_after(("s3repl_tui.app",), ("textual",))
