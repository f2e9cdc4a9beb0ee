"""More of ``failed``: a local report with credentials that cannot be used (the rules are not judged, the
counts still are), a Parquet report read from S3, the JSON shape, flags, and what importing it loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from inventory_builders import MIXED, report

from s3repl_tui.cli import main
from s3repl_tui.sandbox import SOURCE_PROFILE, Sandbox, SeedSetup

DESTINATION = "inventory-parquet"
JSON_KEYS = {"schema", "source_bucket", "inventory", "ages_measured_from", "rows", "statuses", "prefix_depth",
             "by_prefix", "prefixes_capped", "by_age", "by_rule", "failed_examples", "rules_unread",
             "batch_manifest"}


def test_a_local_report_is_counted_when_the_rules_cannot_be_read(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = report("local-src", MIXED).write_to(tmp_path)
    code = main(["failed", "--source-bucket", "local-src", "--source-profile", "no-such-profile",
                 "--inventory", str(path), "--format", "json", "--prefix-depth", "2"])
    printed = capsys.readouterr()
    assert code == 1, printed.err
    summary = json.loads(printed.out)
    assert set(summary) == JSON_KEYS
    assert summary["by_rule"] is None and "no-such-profile" in summary["rules_unread"]
    assert summary["statuses"]["FAILED"] == 3
    assert summary["prefix_depth"] == 2
    assert {group["prefix"] for group in summary["by_prefix"]} >= {"logs/", "images/", "(top level)"}


def test_a_report_of_another_bucket_is_refused(sandbox: Sandbox, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = report("some-bucket", MIXED).write_to(tmp_path)
    code = main(["failed", "--source-bucket", "other-bucket", "--source-profile", "no-such-profile",
                 "--inventory", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "is of bucket some-bucket, not other-bucket." in err


def test_a_parquet_report_is_read_from_s3(sandbox: Sandbox, seed: SeedSetup,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    s3 = sandbox.session(SOURCE_PROFILE).client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=DESTINATION)
    made = report(seed.source_bucket, MIXED, file_format="Parquet", destination=DESTINATION)
    for key, body in made.files.items():
        s3.put_object(Bucket=DESTINATION, Key=key, Body=body)
    code = main(["failed", "--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE,
                 "--inventory", f"s3://{DESTINATION}/{made.manifest_key}", "--format", "json"])
    printed = capsys.readouterr()
    assert code == 1, printed.err
    summary = json.loads(printed.out)
    assert summary["inventory"]["format"] == "Parquet"
    assert summary["statuses"] == {"FAILED": 3, "PENDING": 1, "COMPLETED": 2, "REPLICA": 1, "NONE": 1, "OTHER": 0}


@pytest.mark.parametrize("depth", ["0", "x", "33"])
def test_a_bad_prefix_depth_is_a_usage_error(depth: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["failed", "--source-bucket", "bucket-b", "--prefix-depth", depth])
    assert raised.value.code == 2
    assert "is not a number of path segments from 1 to 32" in capsys.readouterr().err


def test_failed_imports_neither_textual_nor_pyarrow() -> None:
    script = ("import sys, s3repl_tui.commands.failed, s3repl_tui.inventory\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'pyarrow'}))")
    answer = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert answer.stdout.strip() == "[]"


def test_a_key_with_a_newline_stays_on_its_line(sandbox: Sandbox, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from inventory_builders import Obj

    path = report("local-src", (Obj("evil\nFAILED 0   PENDING 0\x1b[2J", "FAILED"),), parts=1).write_to(tmp_path)
    code = main(["failed", "--source-bucket", "local-src", "--source-profile", "no-such-profile",
                 "--inventory", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "  evil\\nFAILED 0   PENDING 0\\x1b[2J" in out and "\x1b" not in out
