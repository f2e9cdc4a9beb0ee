"""The Markdown and JSON export of a report (core, no Textual)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from s3repl_tui.checks.model import BucketRef
from s3repl_tui.report_export import export_report, report_markdown

from .reports import all_red, mixed


def test_markdown_names_every_layer_the_fault_and_the_fix() -> None:
    text = report_markdown(all_red())
    assert text.startswith("# Replication of s3://orders-src")
    assert "**Verdict: FAIL**" in text
    assert "| Versioning (`versioning`) | ✗ fail |" in text
    assert "S3 reports: `DstBucketUnversioned`" in text
    assert '"Sid": "DenyOutsiders"' in text  # the statement at fault, as JSON
    assert "Manual fix: Exempt the replication role" in text
    assert "- **unknown**:" in report_markdown(mixed())


def test_export_writes_both_files_even_for_dotted_bucket_names(tmp_path: Path) -> None:
    report = all_red()
    report = type(report)(BucketRef("logs.example.com", "1", "us-east-1"), report.destinations, report.layers)
    written = export_report(report, tmp_path / "out", now=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert written.markdown.name == "s3repl-tui-report-logs.example.com-20250102T030405Z.md"
    assert written.json.name == "s3repl-tui-report-logs.example.com-20250102T030405Z.json"
    assert json.loads(written.json.read_text()) == report.to_json()
