"""Issue 13.6 and 13.11 on the CLI's text report.

13.6: piped text output is never hard-wrapped (a person pastes the `aws …` commands; a log keeps one
finding per line). 13.11: the verdict line counts what is listed ("pass with 2 warnings").
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

from rich.console import Console

from s3repl_tui.checks.model import Finding, LayerResult
from s3repl_tui.report_text import render, verdict_detail
from s3repl_tui.sandbox import BREAKAGES, DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup

from .reports import all_green, all_red


def _check(bucket: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in ("COLUMNS", "LINES")}
    env.update({k: v for k, v in os.environ.items() if k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                                                              "AWS_EC2_METADATA_DISABLED")})
    return subprocess.run([sys.executable, "-m", "s3repl_tui", "check", "--source-bucket", bucket, "--source-profile",
                           SOURCE_PROFILE, "--dest-profile", DEST_PROFILE], capture_output=True, text=True,
                          env=env, timeout=90, stdin=subprocess.DEVNULL)


def test_piped_check_output_is_never_hard_wrapped(sandbox: Sandbox, seed: SeedSetup) -> None:
    for name in ("versioning", "role-kms", "destination-policy", "rule"):
        BREAKAGES[name](sandbox, seed)

    result = _check(seed.source_bucket)

    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert any(len(line) > 120 for line in lines), "the long findings were cut at 80 columns"
    # Every line is a whole line of the report: a mark, a finding, a command or a fix (no continuation).
    allowed = ("Replication of ", "  → ", "✓ ", "! ", "✗ ", "? ", "    ", "Verdict: ")
    stray = [line for line in lines if line and not line.startswith(allowed)]
    assert not stray, stray
    commands = [line.strip() for line in lines if line.strip().startswith("run: aws ")]
    assert commands and all(" --bucket " in command for command in commands)


def test_an_80_column_file_console_keeps_commands_whole() -> None:
    long_command = "aws s3api put-bucket-versioning --bucket " + "b" * 60 + " --versioning-configuration Status=Enabled"
    report = all_red()
    layer = report.layers[0]
    finding = Finding("x", "error", "A long sentence " * 10, evidence={"command": long_command})
    report = _with_layer(report, LayerResult(layer.id, layer.title, (finding,)))
    buffer = io.StringIO()
    render(report, Console(file=buffer, width=80))
    assert f"run: {long_command}" in buffer.getvalue()


def _with_layer(report, layer):  # type: ignore[no-untyped-def]
    import dataclasses

    layers = tuple(layer if old.id == layer.id else old for old in report.layers)
    return dataclasses.replace(report, layers=layers)


def test_the_verdict_counts_warnings_and_what_is_listed() -> None:
    green = all_green()
    warning = Finding("w", "warning", "Metrics are off.")
    first, second = green.layers[0], green.layers[1]
    warned = _with_layer(_with_layer(green, LayerResult(first.id, first.title, (warning,))),
                         LayerResult(second.id, second.title, (warning,)))
    assert warned.verdict == "pass"
    assert verdict_detail(warned) == "pass with 2 warnings"
    assert verdict_detail(green) == "every layer passes"
    red = all_red()
    assert verdict_detail(red) == f"{len(red.layers)} of {len(red.layers)} layers fail"
    buffer = io.StringIO()
    render(warned, Console(file=buffer, width=200))
    assert "PASS with 2 warnings" in buffer.getvalue()
