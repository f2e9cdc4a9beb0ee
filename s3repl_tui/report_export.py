"""A report as files: Markdown for people, and the JSON of the ``check`` contract for machines.

Core module (the TUI's ``e`` key uses it; no Textual here).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from s3repl_tui.checks.model import Finding, LayerStatus, Report
from s3repl_tui.plain_text import printable
from s3repl_tui.plain_text import printable_line as _p

STATUS_WORDS: dict[LayerStatus, str] = {
    "pass": "✓ pass",
    "warn": "! warn",
    "fail": "✗ fail",
    "unknown": "? unknown",
}


@dataclass(frozen=True)
class ExportedReport:
    markdown: Path
    json: Path


def report_markdown(report: Report) -> str:
    """The whole report in Markdown: verdict, buckets, then every layer with its findings."""
    source = report.source
    lines = [
        f"# Replication of s3://{_p(source.bucket)}",
        "",
        f"**Verdict: {report.verdict.upper()}**",
        "",
        f"- Source: `s3://{_p(source.bucket)}` (account {_p(source.account or '?')}, {_p(source.region or '?')})",
    ]
    for destination in report.destinations:
        rules = ", ".join(f"`{_p(rule)}`" for rule in destination.rules) or "no rule"
        lines.append(
            f"- Destination: `s3://{_p(destination.bucket)}` (account {_p(destination.account or '?')}, "
            f"{_p(destination.region or '?')}; rules {rules})"
        )
    lines += ["", "| Layer | Status |", "|---|---|"]
    lines += [f"| {layer.title} (`{layer.id}`) | {STATUS_WORDS[layer.status]} |" for layer in report.layers]
    for layer in report.layers:
        lines += ["", f"## {STATUS_WORDS[layer.status]} — {layer.title} (`{layer.id}`)", ""]
        if not layer.findings:
            lines.append("Nothing to report.")
        for finding in layer.findings:
            lines += _finding_markdown(finding)
    lines += ["", f"_{report.call_count} AWS calls in {report.wall_seconds:.2f} s._", ""]
    return "\n".join(lines)


def _finding_markdown(finding: Finding) -> list[str]:
    severity = "unknown" if finding.unknown else finding.severity
    lines = [f"- **{severity}**: {_p(finding.message)}"]
    if finding.resource:
        lines.append(f"  - Resource: `{_p(finding.resource)}`")
    if finding.aws_failure_reason:
        lines.append(f"  - S3 reports: `{_p(finding.aws_failure_reason)}`")
    evidence = finding.evidence
    if evidence.get("policy"):
        lines.append(f"  - Policy: `{_p(evidence['policy'])}`")
    for label, name in (("Statement at fault", "statement"), ("Missing statement", "missing")):
        if evidence.get(name):
            lines += [f"  - {label}:", "", _indented_json(evidence[name]), ""]
    if evidence.get("command"):
        lines.append(f"  - Run: `{_p(evidence['command'])}`")
    if finding.fix is not None:
        how = "Automatic fix" if finding.fix.automatic else "Manual fix"
        account = f" in account {_p(finding.fix.account)}" if finding.fix.account else ""
        lines.append(f"  - {how}: {_p(finding.fix.summary)} (`{finding.fix.api}`{account})")
        if finding.fix.manual_steps:
            lines.append(f"    {printable(finding.fix.manual_steps)}")
    return lines


def _indented_json(document: Any) -> str:
    text = json.dumps(document, indent=2, sort_keys=False, default=str)
    fenced = ["```json", *text.splitlines(), "```"]
    return "\n".join(f"    {line}" for line in fenced)


def export_report(report: Report, directory: Path, *, now: datetime | None = None) -> ExportedReport:
    """Write ``s3repl-tui-report-<bucket>-<UTC time>.md`` and ``.json`` into ``directory``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    safe_bucket = re.sub(r"[^A-Za-z0-9.-]", "_", report.source.bucket)
    stem = f"s3repl-tui-report-{safe_bucket}-{stamp}"  # not Path.with_suffix: bucket names have dots
    directory.mkdir(parents=True, exist_ok=True)
    markdown, json_path = directory / f"{stem}.md", directory / f"{stem}.json"
    markdown.write_text(report_markdown(report), encoding="utf-8")
    json_path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    return ExportedReport(markdown=markdown, json=json_path)
