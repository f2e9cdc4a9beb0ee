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


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def verdict_detail(report: Report) -> str:
    """The verdict in words, counting the layers as listed (every row, extra layers included) and the
    warnings a pass carries: "pass with 2 warnings", never "every layer passes" beside a warning."""
    layers = report.layers
    verdict = report.verdict
    if verdict == "fail":
        failing = sum(layer.status == "fail" for layer in layers)
        return f"{failing} of {_plural(len(layers), 'layer')} fail" if failing != 1 or len(layers) == 1 \
            else f"1 of {len(layers)} layers fails"
    if verdict == "unknown":
        unknown = sum(layer.status == "unknown" for layer in layers)
        return f"nothing fails, but {unknown} of {_plural(len(layers), 'layer')} could not be judged"
    warnings = sum(f.severity == "warning" and not f.unknown for layer in layers for f in layer.findings)
    return f"pass with {_plural(warnings, 'warning')}" if warnings else "every layer passes"


def render(report: Report, console: Console) -> None:
    """Prints the report. When the console is not a terminal (a pipe, a file, a log) nothing is
    hard-wrapped: each finding and each command stays on one line. Commands are never wrapped."""
    wrap = console.is_terminal
    print_line = console.print

    def say(renderable: Text | str = "", *, command: bool = False) -> None:
        print_line(renderable, soft_wrap=command or not wrap)

    source = report.source
    say(
        Text.assemble(
            ("Replication of ", ""),
            (f"s3://{_p(source.bucket)}", "bold"),
            f" (account {_p(source.account or '?')}, {_p(source.region or '?')})",
        )
    )
    for destination in report.destinations:
        rules = ", ".join(_p(rule) for rule in destination.rules) or "no rule"
        say(
            Text(
                f"  → s3://{_p(destination.bucket)} (account {_p(destination.account or '?')}, "
                f"{_p(destination.region or '?')}; rules: {rules})"
            )
        )
    say()
    for layer in report.layers:
        mark, style = STATUS_MARKS[layer.status]
        say(Text.assemble((f"{mark:<10}", f"bold {style}"), (_p(layer.title), "bold"), f"  [{_p(layer.id)}]"))
        for finding in layer.findings:
            label, severity_style = SEVERITY_MARKS[finding.severity]
            if finding.unknown:
                label, severity_style = "unknown", "bright_black"
            line = Text.assemble("    ", (f"{label}: ", severity_style), _p(finding.message))
            if finding.aws_failure_reason:
                line.append(f" (S3 reports {_p(finding.aws_failure_reason)})", style="dim")
            say(line)
            command = finding.evidence.get("command")
            if command:
                say(Text(f"      run: {_p(command)}", style="dim"), command=True)
            if finding.fix is not None:
                how = "fix" if finding.fix.automatic else "manual fix"
                say(Text(f"      {how}: {_p(finding.fix.summary)}", style="dim"))
    say()
    verdict_style = {"pass": "bold green", "fail": "bold red", "unknown": "bold bright_black"}[report.verdict]
    detail = verdict_detail(report)
    detail = detail.removeprefix("pass") if detail.startswith("pass with") else f" — {detail}"
    say(
        Text.assemble(
            ("Verdict: ", "bold"),
            (report.verdict.upper(), verdict_style),
            f"{detail}  ({report.call_count} AWS calls, {report.wall_seconds:.2f} s)",
        )
    )
