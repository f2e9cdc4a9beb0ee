"""The text form of a report: one line per layer, its findings under it. Readable without colour."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from s3repl_tui.checks.model import LayerStatus, Report, Severity

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
            (f"s3://{source.bucket}", "bold"),
            f" (account {source.account or '?'}, {source.region or '?'})",
        )
    )
    for destination in report.destinations:
        rules = ", ".join(destination.rules) or "no rule"
        console.print(
            f"  → s3://{destination.bucket} (account {destination.account or '?'}, "
            f"{destination.region or '?'}; rules: {rules})"
        )
    console.print()
    for layer in report.layers:
        mark, style = STATUS_MARKS[layer.status]
        console.print(Text.assemble((f"{mark:<10}", f"bold {style}"), (layer.title, "bold"), f"  [{layer.id}]"))
        for finding in layer.findings:
            label, severity_style = SEVERITY_MARKS[finding.severity]
            if finding.unknown:
                label, severity_style = "unknown", "bright_black"
            line = Text.assemble("    ", (f"{label}: ", severity_style), finding.message)
            if finding.aws_failure_reason:
                line.append(f" (S3 reports {finding.aws_failure_reason})", style="dim")
            console.print(line)
            command = finding.evidence.get("command")
            if command:
                console.print(Text(f"      run: {command}", style="dim"))
            if finding.fix is not None:
                how = "fix" if finding.fix.automatic else "manual fix"
                console.print(Text(f"      {how}: {finding.fix.summary}", style="dim"))
    console.print()
    verdict_style = {"pass": "bold green", "fail": "bold red", "unknown": "bold bright_black"}[report.verdict]
    console.print(
        Text.assemble(
            ("Verdict: ", "bold"),
            (report.verdict.upper(), verdict_style),
            f"  ({report.call_count} AWS calls, {report.wall_seconds:.2f} s)",
        )
    )
