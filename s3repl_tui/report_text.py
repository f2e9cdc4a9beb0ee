"""The text form of a report: one line per layer, its findings under it. Readable without colour.

Every value from AWS (bucket, rule id, message, command) goes out as a ``Text`` with its control
characters spelled out (``plain_text``): never parsed as markup or emoji, never a raw escape sequence."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from s3repl_tui.checks.model import LayerStatus, Report, Severity
from s3repl_tui.plain_text import printable_line as _p

STATUS_MARKS: dict[LayerStatus, tuple[str, str]] = {
    "pass": ("✓ PASS", "green"),
    "warn": ("! WARN", "yellow"),
    "fail": ("✗ FAIL", "red"),
    "unknown": ("? UNKNOWN", "bright_black"),
}
SEVERITY_MARKS: dict[Severity, tuple[str, str]] = {
    "error": ("error", "red"),
    "warning": ("warning", "yellow"),
    "info": ("info", "cyan"),
}


def render(report: Report, console: Console) -> None:
    source = report.source
    console.print(
        Text.assemble(
            ("Replication of ", ""),
            (f"s3://{_p(source.bucket)}", "bold"),
            f" (account {_p(source.account or '?')}, {_p(source.region or '?')})",
        )
    )
    for destination in report.destinations:
        rules = ", ".join(_p(rule) for rule in destination.rules) or "no rule"
        console.print(
            Text(
                f"  → s3://{_p(destination.bucket)} (account {_p(destination.account or '?')}, "
                f"{_p(destination.region or '?')}; rules: {rules})"
            )
        )
    console.print()
    for layer in report.layers:
        mark, style = STATUS_MARKS[layer.status]
        console.print(Text.assemble((f"{mark:<10}", f"bold {style}"), (_p(layer.title), "bold"), f"  [{_p(layer.id)}]"))
        for finding in layer.findings:
            label, severity_style = SEVERITY_MARKS[finding.severity]
            if finding.unknown:
                label, severity_style = "unknown", "bright_black"
            line = Text.assemble("    ", (f"{label}: ", severity_style), _p(finding.message))
            if finding.aws_failure_reason:
                line.append(f" (S3 reports {_p(finding.aws_failure_reason)})", style="dim")
            console.print(line)
            command = finding.evidence.get("command")
            if command:
                console.print(Text(f"      run: {_p(command)}", style="dim"))
            if finding.fix is not None:
                how = "fix" if finding.fix.automatic else "manual fix"
                console.print(Text(f"      {how}: {_p(finding.fix.summary)}", style="dim"))
    console.print()
    verdict_style = {"pass": "bold green", "fail": "bold red", "unknown": "bold bright_black"}[report.verdict]
    console.print(
        Text.assemble(
            ("Verdict: ", "bold"),
            (report.verdict.upper(), verdict_style),
            f"  ({report.call_count} AWS calls, {report.wall_seconds:.2f} s)",
        )
    )
