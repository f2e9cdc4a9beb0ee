"""Judging a plan is core code: it never imports Textual, and without credentials not boto3 either."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _imported(module: str, roots: tuple[str, ...]) -> list[str]:
    script = (f"import importlib, sys\nimportlib.import_module({module!r})\n"
              f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {roots!r})))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return [name for name in result.stdout.strip().split(",") if name]


@pytest.mark.parametrize("module", ["s3repl_tui.terraform_plan.check", "s3repl_tui.terraform_plan.command"])
def test_the_plan_check_imports_neither_textual_nor_boto3(module: str) -> None:
    assert _imported(module, ("textual", "boto3")) == []


def test_the_check_can_fail() -> None:
    assert "boto3" in _imported("s3repl_tui.terraform_plan.live", ("boto3",))
