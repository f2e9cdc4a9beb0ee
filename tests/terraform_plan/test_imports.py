"""Judging a plan is core code: it never imports Textual (tests/test_core_imports.py's contract)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _imported(module: str, roots: tuple[str, ...]) -> list[str]:
    script = (f"import importlib, sys\nimportlib.import_module({module!r})\n"
              f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {roots!r})))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return [name for name in result.stdout.strip().split(",") if name]


@pytest.mark.parametrize("module", ["s3repl_tui.terraform_plan.check", "s3repl_tui.terraform_plan.command",
                                    "s3repl_tui.terraform_plan.live"])
def test_the_plan_check_never_imports_textual(module: str) -> None:
    assert _imported(module, ("textual",)) == []


def test_the_check_can_fail() -> None:
    """Importing the app does pull Textual in, so the test above is able to see it."""
    assert "textual" in _imported("s3repl_tui.app", ("textual",))
