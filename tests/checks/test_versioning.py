"""Layer 1: versioning Enabled on source and every destination (catalog #5, §4)."""

from __future__ import annotations

import pytest
from checks_helpers import ACCOUNT_B, DST, DST_REGION, Seed, errors, failed, find, no_credentials

from s3repl_tui.probes.snapshot import Read


@pytest.mark.parametrize(("status", "code"), [("Suspended", "destination-versioning-suspended"),
                                              ("", "destination-versioning-disabled")])
def test_destination_not_enabled_fails(seed: Seed, status: str, code: str) -> None:
    seed.dest_versioning = status
    report = seed.report()
    assert report.layer("versioning").status == "fail"
    finding = find(report, code)
    assert finding.aws_failure_reason == "DstBucketUnversioned"
    assert finding.resource == f"arn:aws:s3:::{DST}"
    assert finding.fix is not None and finding.fix.id == "enable-destination-versioning" and finding.fix.automatic
    assert finding.fix.account == ACCOUNT_B and finding.fix.api == "s3:PutBucketVersioning"
    assert dict(finding.fix.params) == {"bucket": DST, "account": ACCOUNT_B, "region": DST_REGION}


def test_source_not_enabled_fails(seed: Seed) -> None:
    seed.source_versioning = "Suspended"
    report = seed.report()
    assert errors(report, "versioning") == ["source-versioning-suspended"]
    assert find(report, "source-versioning-suspended").fix.id == "enable-source-versioning"  # type: ignore[union-attr]


def test_unreadable_destination_versioning_is_unknown_with_command(seed: Seed) -> None:
    seed.reads["dest.versioning"] = no_credentials("s3:GetBucketVersioning")
    report = seed.report()
    layer = report.layer("versioning")
    assert layer.status == "unknown" and not layer.pending
    finding = layer.findings[0]
    assert finding.unknown and finding.severity == "warning"
    assert finding.evidence["command"] and finding.evidence["reason"]


def test_pending_versioning_is_marked_pending(seed: Seed) -> None:
    seed.reads["source.versioning"] = Read.pending("s3:GetBucketVersioning")
    layer = seed.report().layer("versioning")
    assert layer.status == "unknown" and layer.pending
    assert layer.findings[0].evidence["pending"] is True


@pytest.mark.parametrize("form", ["absent", "not-found error"])
def test_a_missing_destination_fails_like_the_rule_layer(seed: Seed, form: str) -> None:
    """No bucket, no versioning: never a pass over a destination that could not be judged."""
    if form == "absent":
        seed.dest_exists = False
    else:
        seed.reads["dest.exists"] = failed("not-found", "s3:GetBucketLocation", "NoSuchBucket")
    seed.reads["dest.versioning"] = failed("not-found", "s3:GetBucketVersioning", "NoSuchBucket")
    report = seed.report()
    assert report.layer("versioning").status == "fail"
    assert errors(report, "versioning") == ["destination-bucket-not-found"]
    assert "destination-bucket-not-found" in errors(report, "rule")
    finding = find(report, "destination-bucket-not-found")  # the versioning layer's comes first
    assert finding.aws_failure_reason == "DstBucketNotFound" and finding.resource == f"arn:aws:s3:::{DST}"
    assert finding.fix is not None and finding.fix.id == "create-destination-bucket" and not finding.fix.automatic
    assert finding.fix.account == ACCOUNT_B and finding.fix.params == {"bucket": DST}
    assert "create-bucket" in finding.fix.manual_steps
