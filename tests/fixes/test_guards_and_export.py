"""Size limits, the lockout check and the export formats, without AWS."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.fixes import FixRejected, apply_plan, export_plan
from s3repl_tui.fixes import plan_fixes as plan_default
from s3repl_tui.fixes.guards import admin_keeps_access
from s3repl_tui.fixes.model import Change, DocumentRef, Plan
from s3repl_tui.probes.snapshot import Read

from . import builders as b

# The planner with its opt-in changes too (tests/faults/test_faults_optional.py covers the default).
plan_fixes = functools.partial(plan_default, include_optional=True)


class NoAws:
    """A connection that fails the test if anything reaches AWS."""

    def for_account(self, account_id: str) -> Any:
        raise AssertionError("nothing may reach AWS")


def bucket_policy_change(after: dict[str, Any], **extra: Any) -> Change:
    ref = DocumentRef("bucket-policy", b.B, b.DST_REGION, f"arn:aws:s3:::{b.DST}", b.DST)
    return Change("p", ("amend-destination-bucket-policy",), "destination-policy", ref, "amend", None, after, **extra)


def big_policy(statements: int) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"S3ReplTui{i}",
                "Effect": "Allow",
                "Principal": {"AWS": b.ROLE_ARN},
                "Action": "s3:ReplicateObject",
                "Resource": f"arn:aws:s3:::{b.DST}/prefix-{i:05d}/*",
            }
            for i in range(statements)
        ],
    }


def test_a_bucket_policy_over_20_kb_is_rejected_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(FixRejected, match="over AWS's limit of 20,480") as raised:
        apply_plan(Plan((bucket_policy_change(big_policy(200)),)), NoAws(), state_dir=tmp_path)
    assert raised.value.hint and raised.value.exit_code == 1
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_the_role_inline_quota_counts_the_other_inline_policies(tmp_path: Path) -> None:
    ref = DocumentRef("role-inline-policy", b.A, b.SRC_REGION, b.ROLE_ARN, b.ROLE_NAME, "S3ReplTuiReplication")
    small = big_policy(2)
    fits = Change("r", (), "role-kms", ref, "", None, small, sibling_inline_chars=9_000)
    over = Change("r", (), "role-kms", ref, "", None, small, sibling_inline_chars=10_000)
    with pytest.raises(FixRejected, match="inline policies to 10,"):
        apply_plan(Plan((over,)), NoAws(), state_dir=tmp_path)
    with pytest.raises(AssertionError, match="nothing may reach AWS"):  # past the size check: credentials next
        apply_plan(Plan((fits,)), NoAws(), state_dir=tmp_path)


def test_lockout_check_accepts_root_delegation_or_the_caller_and_refuses_otherwise() -> None:
    caller = f"arn:aws:sts::{b.B}:assumed-role/KeyAdmins/alice"
    assert admin_keeps_access(b.key_policy(b.B), caller, b.DST_KEY, b.B)
    named = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{b.B}:role/KeyAdmins"},
                "Action": ["kms:Put*"],
                "Resource": "*",
            }
        ]
    }
    assert admin_keeps_access(named, caller, b.DST_KEY, b.B)
    only_use = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": b.ROLE_ARN}, "Action": "kms:Encrypt", "Resource": "*"}]
    }
    assert not admin_keeps_access(only_use, caller, b.DST_KEY, b.B)
    denied = b.key_policy(
        b.B, {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:PutKeyPolicy", "Resource": "*"}
    )
    assert not admin_keeps_access(denied, caller, b.DST_KEY, b.B)


def _run_with_fake_aws(script: str, tmp_path: Path) -> list[list[str]]:
    """Run the exported script in a real shell with an ``aws`` that records its arguments."""
    fake = tmp_path / "bin" / "aws"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_cli_export_runs_each_change_with_the_account_profile_region_and_document(tmp_path: Path) -> None:
    dest = b.bucket(
        b.DST,
        b.B,
        b.DST_REGION,
        b.DST_KEY,
        versioning=Read.ok("Suspended"),
        policy=Read.ok({"Version": "2012-10-17", "Statement": [b.PLANTED_DENY]}),
    )
    report = b.report(
        ("versioning", b.finding("enable-destination-versioning", bucket=b.DST)),
        ("destination-policy", b.finding("amend-destination-bucket-policy", bucket=b.DST)),
        ("destination-policy", b.finding("remove-deny-statement", automatic=False)),
    )
    plan = plan_fixes(b.snapshot(dest=dest), report)

    script = export_plan(plan, "cli")

    versioning, policy = _run_with_fake_aws(script, tmp_path)
    assert versioning[:2] == ["s3api", "put-bucket-versioning"]
    assert "Status=Enabled" in versioning
    assert policy[:4] == ["s3api", "put-bucket-policy", "--bucket", b.DST]
    assert policy[policy.index("--profile") + 1] == "dst-profile"
    assert policy[policy.index("--region") + 1] == b.DST_REGION
    assert json.loads(policy[policy.index("--policy") + 1]) == plan.changes[1].after
    assert "do it by hand" in script  # the manual finding's steps, as comments


def test_json_export_carries_before_after_and_manual_steps() -> None:
    report = b.report(
        ("rule", b.finding("rule-enable-metrics", rule_id="rule-1")),
        ("service-role", b.finding("edit-permissions-boundary", automatic=False)),
    )
    plan = plan_fixes(b.snapshot(), report)

    exported = json.loads(export_plan(plan, "json"))

    (change,) = exported["changes"]
    assert change["api"] == "s3:PutBucketReplication" and change["account"] == b.A
    assert change["before"] == b.replication() and change["after"] == plan.changes[0].after
    assert exported["manual"][0]["fix"]["id"] == "edit-permissions-boundary"
    assert exported["manual"][0]["manual_steps"] == "do it by hand"
    with pytest.raises(ValueError):
        export_plan(plan, "yaml")
