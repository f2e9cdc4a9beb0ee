"""``s3repl-tui failed`` end to end in the moto sandbox: the report found from the bucket's inventory
configuration (or given as s3://…/manifest.json), the rules read from the bucket, the Batch manifest,
and ``retry --manifest`` creating a job over exactly those objects (a Stubber-checked s3control)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import ANY
from inventory_builders import MIXED, Obj, report

from s3repl_tui.batch.job import DEFAULT_REPORT_PREFIX
from s3repl_tui.cli import main
from s3repl_tui.commands import retry
from s3repl_tui.sandbox import SOURCE_PROFILE, Sandbox, SeedSetup

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "batch"))
from batch_helpers import JOB_ID, job, s3control

DESTINATION = "inventory-reports"
REPORTS = "retry-reports"


@pytest.fixture(autouse=True)
def private_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # retry's role backups
    return tmp_path / "state"


def s3(sandbox: Sandbox) -> Any:
    return sandbox.session(SOURCE_PROFILE).client("s3", region_name="us-east-1")


def deliver(sandbox: Sandbox, seed: SeedSetup, objects: tuple[Obj, ...] = MIXED, *,
            fields: tuple[str, ...] = ("Size", "LastModifiedDate", "ReplicationStatus")) -> None:
    """An inventory configuration on the seed's source bucket, and two reports S3 'delivered' for it."""
    client = s3(sandbox)
    client.create_bucket(Bucket=DESTINATION)
    client.put_bucket_inventory_configuration(
        Bucket=seed.source_bucket, Id="replication-status",
        InventoryConfiguration={
            "Id": "replication-status", "IsEnabled": True, "IncludedObjectVersions": "Current",
            "Schedule": {"Frequency": "Daily"}, "OptionalFields": list(fields),
            "Destination": {"S3BucketDestination": {"Bucket": f"arn:aws:s3:::{DESTINATION}", "Format": "CSV",
                                                    "Prefix": "inv"}},
        },
    )
    schema = ("Bucket", "Key", *fields)  # IncludedObjectVersions Current: no VersionId column
    older = report(seed.source_bucket, objects[:1], destination=DESTINATION, stamp="2024-04-30T12-00Z", schema=schema)
    newer = report(seed.source_bucket, objects, destination=DESTINATION, schema=schema)
    for made in (older, newer):
        for key, body in made.files.items():
            client.put_object(Bucket=DESTINATION, Key=key, Body=body)


def rule_id(seed: SeedSetup) -> str:
    return str(seed.documents["replication"]["Rules"][0]["ID"])


def test_failed_finds_the_newest_report_counts_and_writes_the_batch_manifest(
    sandbox: Sandbox, seed: SeedSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(sandbox, seed)
    out = tmp_path / "failed.csv"
    code = main(["failed", "--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE,
                 "--format", "json", "--manifest-out", str(out)])
    printed = capsys.readouterr()
    assert code == 1, printed.err  # FAILED objects exist
    summary = json.loads(printed.out)
    assert summary["inventory"]["manifest"] == (f"s3://{DESTINATION}/inv/{seed.source_bucket}/replication-status/"
                                                "2024-05-01T12-00Z/manifest.json")
    assert summary["inventory"]["config_id"] == "replication-status"
    assert summary["rows"] == len(MIXED)
    assert summary["statuses"]["FAILED"] == 3 and summary["statuses"]["NONE"] == 1
    rules = {group["rule"]: group["statuses"] for group in summary["by_rule"]}
    assert sum(counts["FAILED"] for counts in rules.values()) == 3
    assert rule_id(seed) in rules  # the seed's rule, read from the bucket
    assert summary["batch_manifest"]["objects"] == 3
    assert out.read_text().splitlines()[1] == f"{seed.source_bucket},logs/b%20c%2Bd.txt"
    assert summary["batch_manifest"]["retry_command"] == (
        f"s3repl-tui retry --source-bucket {seed.source_bucket} --manifest {out} --report-bucket REPORT-BUCKET "
        f"--source-profile {SOURCE_PROFILE}")


def test_failed_text_output_and_an_explicit_s3_manifest(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(sandbox, seed, (Obj("logs/ok.txt", "COMPLETED"), Obj("logs/new.txt", "PENDING")))
    url = f"s3://{DESTINATION}/inv/{seed.source_bucket}/replication-status/2024-05-01T12-00Z/manifest.json"
    code = main(["failed", "--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE,
                 "--inventory", url])
    printed = capsys.readouterr()
    assert code == 0, printed.err  # nothing FAILED
    assert "FAILED 0   PENDING 1   COMPLETED 1   REPLICA 0   NONE (not eligible, or older than the rule) 0" in printed.out
    assert "by prefix (first 1 segment):" in printed.out and "  logs/" in printed.out
    assert "Traceback" not in printed.err


def test_without_replication_status_in_any_configuration_it_says_to_add_it(
    sandbox: Sandbox, seed: SeedSetup, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(sandbox, seed, fields=("Size",))
    code = main(["failed", "--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE])
    err = capsys.readouterr().err
    assert code == 2
    assert "No inventory configuration of" in err and "includes the ReplicationStatus field." in err
    assert "hint: Add the ReplicationStatus optional field" in err


def test_a_missing_manifest_in_s3_is_one_sentence(sandbox: Sandbox, seed: SeedSetup,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    s3(sandbox).create_bucket(Bucket=DESTINATION)
    code = main(["failed", "--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE,
                 "--inventory", f"s3://{DESTINATION}/nothing/manifest.json"])
    err = capsys.readouterr().err
    assert code == 2 and "could not be read" in err and "Traceback" not in err


def test_retry_with_the_manifest_uploads_it_and_creates_the_job_over_those_objects(
    sandbox: Sandbox, seed: SeedSetup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3(sandbox).create_bucket(Bucket=REPORTS)
    manifest = tmp_path / "failed.csv"
    manifest.write_text(f"{seed.source_bucket},logs/a.txt\n{seed.source_bucket},logs/b%20c%2Bd.txt\n")
    client, stub = s3control()
    created: dict[str, Any] = {}

    def capture(params: dict[str, Any]) -> None:
        created.update(params)

    stub.add_response("create_job", {"JobId": JOB_ID}, expected_params={
        "AccountId": "123456789012", "ConfirmationRequired": False, "Operation": {"S3ReplicateObject": {}},
        "Report": ANY, "Manifest": ANY, "Priority": 10, "RoleArn": seed.role_arn, "Description": ANY,
        "ClientRequestToken": ANY})
    stub.add_response("describe_job", job("Complete", 2, 2, 0))
    namespace = argparse.Namespace(source_bucket=seed.source_bucket, statuses="FAILED,NONE", report_bucket=REPORTS,
                                   source_profile=SOURCE_PROFILE, dest_profile=None, region=None, endpoint_url=None,
                                   manifest=manifest, yes=True)
    client.meta.events.register("provide-client-params.s3-control.CreateJob",
                                lambda params, **_: capture(params))
    with stub:
        code = retry.run(namespace, s3control=client, poll_seconds=0, settle_seconds=0)
    assert code == 0, capsys.readouterr().err
    assert "selects     the 2 objects listed in --manifest" in capsys.readouterr().out
    location = created["Manifest"]["Location"]
    assert created["Manifest"]["Spec"] == {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]}
    assert "ManifestGenerator" not in created
    key = location["ObjectArn"].split(f"arn:aws:s3:::{REPORTS}/", 1)[1]
    assert key.startswith(f"{DEFAULT_REPORT_PREFIX}/manifests/input-")  # where the role may read it
    uploaded = s3(sandbox).get_object(Bucket=REPORTS, Key=key)
    assert uploaded["Body"].read() == manifest.read_bytes()
    assert location["ETag"] == uploaded["ETag"].strip('"')


def test_retry_manifest_needs_a_report_bucket(sandbox: Sandbox, seed: SeedSetup, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "failed.csv"
    manifest.write_text(f"{seed.source_bucket},k\n")
    code = main(["retry", "--source-bucket", seed.source_bucket, "--source-profile", SOURCE_PROFILE,
                 "--manifest", str(manifest)])
    err = capsys.readouterr().err
    assert code == 2 and "--manifest needs --report-bucket" in err
