"""A bucket without a replication configuration is not healthy (issue 11).

The verdict is ``fail`` (exit 1): S3 replicates nothing, and AWS reports no failure for objects that
were never going to replicate. The rule layer holds the one finding, pointing at ``s3repl-tui init``;
the layers that start from the configuration (role, keys, destinations) have nothing to judge and are
``unknown``, never ``pass``. (PutBucketReplication/GetBucketReplication:
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketReplication.html answers
ReplicationConfigurationNotFoundError for such a bucket.)
"""

from __future__ import annotations

from checks_helpers import Seed


def test_no_configuration_fails_with_one_finding_pointing_at_init(seed: Seed) -> None:
    seed.documents["replication"] = None
    report = seed.report()
    assert report.verdict == "fail"
    missing = [f for f in report.findings if f.severity == "error" and not f.unknown]
    assert [f.code for f in missing] == ["replication-configuration-missing"]
    assert "no replication configuration" in missing[0].message
    assert "s3repl-tui init" in missing[0].message
    assert report.layer("rule").status == "fail"


def test_no_configuration_leaves_no_layer_green(seed: Seed) -> None:
    seed.documents["replication"] = None
    report = seed.report()
    statuses = {layer.id: layer.status for layer in report.layers}
    assert "pass" not in statuses.values(), statuses
    for layer_id in ("versioning", "key-policy", "service-role", "role-kms", "destination-policy", "source-policy"):
        assert statuses[layer_id] == "unknown", (layer_id, statuses)
        notes = report.layer(layer_id).findings
        assert any("no replication configuration" in f.message for f in notes if f.unknown), layer_id


def test_no_configuration_still_fails_source_versioning(seed: Seed) -> None:
    """What can be judged without a configuration still is: the source must be versioned."""
    seed.documents["replication"] = None
    seed.source_versioning = "Suspended"
    assert seed.report().layer("versioning").status == "fail"
