"""Issue 13.1: `demo` and `tui` without a terminal (stdin or stdout not a tty) say so and exit 2,
instead of spinning at 100 % CPU. Run as a person runs it: a subprocess with `</dev/null`, piped output."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _run(*args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run([sys.executable, "-m", "s3repl_tui", *args], capture_output=True, text=True, env=env,
                          timeout=60, stdin=stdin)


@pytest.mark.parametrize("command", [["demo"], ["tui"], []])
def test_without_a_terminal_it_says_so_and_exits_2(command: list[str]) -> None:
    result = _run(*command)

    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("s3repl-tui: ")]
    assert len(lines) == 1, result.stderr
    assert "needs a terminal" in lines[0]
    assert "check" in result.stderr  # points at the command that works in a pipe
