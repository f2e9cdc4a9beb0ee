"""check --terraform-plan with credentials: the source account's plan, the destination account's bucket,
bucket policy and replica key read live from the sandbox (the seed's working destination)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.cli import main
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_PROFILE, Sandbox, SeedSetup
from s3repl_tui.sandbox.server import SOURCE_ACCOUNT
from s3repl_tui.terraform_plan.check import check_plan
from tests.terraform_plan.plans import (
    DEST,
    ROLE_ARN,
    SOURCE,
    add_resource,
    change,
    drop,
    healthy,
    planned,
    role_policy_split,
)

REPLICATION = "aws_s3_bucket_replication_configuration.replication"
DESTINATION_SIDE = ("aws_s3_bucket.destination", "aws_s3_bucket_versioning.destination",
                    "aws_s3_bucket_policy.destination",
                    "aws_s3_bucket_server_side_encryption_configuration.destination", "aws_kms_key.replica")


def source_side_plan(seed: SeedSetup) -> dict[str, Any]:
    """The healthy plan's source account, replicating into the seed's destination (which it does not manage):
    its role is the one the seed's destination bucket policy names."""
    text = json.dumps(healthy())
    for old, new in ((ROLE_ARN, seed.role_arn), (SOURCE, SOURCE_ACCOUNT), ("tf-repl-destination", seed.dest_bucket),
                     ('"s3-replication"', json.dumps(seed.role_name)), ('"path": "/"', '"path": "/service-role/"')):
        text = text.replace(old, new)
    plan: dict[str, Any] = json.loads(text)
    for address in DESTINATION_SIDE:
        plan = drop(plan, address)
    for values in (change(plan, REPLICATION)["after"], planned(plan, REPLICATION)):
        destination = values["rule"][0]["destination"][0]
        destination["bucket"] = f"arn:aws:s3:::{seed.dest_bucket}"
        destination["encryption_configuration"] = [{"replica_kms_key_id": seed.replica_key_arn}]
    unknown = change(plan, REPLICATION)["after_unknown"]["rule"][0]["destination"][0]
    unknown.pop("bucket")
    unknown["encryption_configuration"] = [{}]
    assert seed.dest_account == DEST
    return plan


@pytest.fixture
def plan_file(tmp_path: Path, seed: SeedSetup) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(source_side_plan(seed)))
    return path


def test_the_destination_is_read_live_and_the_setup_passes(sandbox: Sandbox, seed: SeedSetup, plan_file: Path) -> None:
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    report = check_plan(plan_file, None, connection)
    assert report.verdict == "pass", [f.message for f in report.findings if f.severity != "info"]
    assert report.call_count > 0
    note = next(f for f in report.layer("destination-policy").findings if f.code == "from-terraform-plan")
    assert note.evidence["read_live"] == [f"s3://{seed.dest_bucket}"]


def test_a_live_breakage_on_the_other_side_fails(sandbox: Sandbox, seed: SeedSetup, plan_file: Path) -> None:
    dest = sandbox.session(DEST_PROFILE).client("s3", region_name=seed.dest_region)
    dest.delete_bucket_policy(Bucket=seed.dest_bucket)
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    report = check_plan(plan_file, None, connection)
    assert {layer.id for layer in report.layers if layer.status == "fail"} == {"destination-policy"}


def test_without_the_destination_profile_the_other_side_is_unknown(
    sandbox: Sandbox, seed: SeedSetup, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--terraform-plan", str(plan_file), "--source-profile", SOURCE_PROFILE]) == 3
    assert main(["check", "--terraform-plan", str(plan_file), "--source-profile", SOURCE_PROFILE,
                 "--dest-profile", DEST_PROFILE]) == 0
    out = capsys.readouterr().out
    assert "read live where credentials allow: s3://" + seed.dest_bucket in out


def test_a_managed_policy_the_plan_attaches_by_arn_is_read_live(
    sandbox: Sandbox, seed: SeedSetup, tmp_path: Path
) -> None:
    """The seed's console policy exists in the source account and the plan only attaches it: read live, its
    S3 statements name the seed's source bucket, not the plan's, so the role fails (not unknown)."""
    path = tmp_path / "attached.json"
    path.write_text(json.dumps(role_policy_split(source_side_plan(seed), seed.managed_policy_arn)))
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    report = check_plan(path, None, connection)
    assert {layer.id for layer in report.layers if layer.status == "fail"} == {"service-role"}
    assert any("arn:aws:s3:::tf-repl-source" in f.message for f in report.layer("service-role").findings)
    assert check_plan(path, None).layer("service-role").status == "unknown"


def _existing_setup_plan(seed: SeedSetup, deny: bool) -> dict[str, Any]:
    """A plan that only takes over the seed's replication configuration (buckets, role and keys exist and
    are read live) and, with ``deny``, puts an inline policy on the existing role."""
    rule = {"id": seed.rule_id, "status": "Enabled", "priority": 0, "prefix": "",
            "filter": [{"prefix": "", "tag": [], "and": []}], "existing_object_replication": [],
            "delete_marker_replication": [{"status": "Disabled"}],
            "source_selection_criteria": [{"replica_modifications": [],
                                           "sse_kms_encrypted_objects": [{"status": "Enabled"}]}],
            "destination": [{"bucket": f"arn:aws:s3:::{seed.dest_bucket}", "account": seed.dest_account,
                             "storage_class": "", "access_control_translation": [{"owner": "Destination"}],
                             "encryption_configuration": [{"replica_kms_key_id": seed.replica_key_arn}],
                             "metrics": [], "replication_time": []}]}
    values = {"bucket": seed.source_bucket, "role": seed.role_arn, "rule": [rule], "token": None}
    plan: dict[str, Any] = {
        "format_version": "1.2", "planned_values": {"root_module": {"resources": []}}, "resource_changes": [],
        "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {
            "region": {"constant_value": seed.source_region}}}}, "root_module": {"resources": []}}}
    plan = add_resource(plan, "aws_s3_bucket_replication_configuration", "seed", values, {"id": True}, {}, "aws")
    if deny:
        document = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*"}]})
        plan = add_resource(plan, "aws_iam_role_policy", "no_writes", {
            "name": "no-writes", "role": seed.role_name, "policy": document}, {"id": True}, {}, "aws")
    return plan


def test_an_inline_policy_the_plan_puts_on_an_existing_role_counts(
    sandbox: Sandbox, seed: SeedSetup, tmp_path: Path
) -> None:
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    as_is, denied = tmp_path / "as-is.json", tmp_path / "denied.json"
    as_is.write_text(json.dumps(_existing_setup_plan(seed, deny=False)))
    denied.write_text(json.dumps(_existing_setup_plan(seed, deny=True)))
    before = check_plan(as_is, None, connection)
    assert before.layer("service-role").status in ("pass", "warn")
    after = check_plan(denied, None, connection)
    assert after.layer("service-role").status == "fail"
    assert "aws_iam_role_policy.no_writes" in after.layer("service-role").findings[0].evidence["planned"]


def test_an_existing_bucket_in_the_plan_has_what_the_plan_does_not_set_read_live(
    sandbox: Sandbox, seed: SeedSetup, tmp_path: Path
) -> None:
    """The destination bucket is in the plan's state (no-op) but its policy is not managed by it."""
    plan = add_resource(source_side_plan(seed), "aws_s3_bucket", "destination",
                        {"bucket": seed.dest_bucket, "object_lock_enabled": False}, {}, {}, "aws.destination")
    change(plan, "aws_s3_bucket.destination")["actions"] = ["no-op"]
    path = tmp_path / "existing.json"
    path.write_text(json.dumps(plan))
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    report = check_plan(path, None, connection)
    assert report.verdict == "pass", [f.message for f in report.findings if f.severity != "info"]
    assert check_plan(path, None).layer("destination-policy").status == "unknown"
