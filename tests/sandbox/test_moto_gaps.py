"""The sandbox's patches of moto, tested against the real moto."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from s3repl_tui.sandbox import SOURCE_PROFILE, Sandbox, SeedSetup

FULL_CONFIGURATION = {
    "Role": "arn:aws:iam::123456789012:role/service-role/replication",
    "Rules": [
        {
            "ID": "tagged",
            "Priority": 7,
            "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "replicate", "Value": "yes"}]}},
            "Status": "Enabled",
            "SourceSelectionCriteria": {
                "SseKmsEncryptedObjects": {"Status": "Enabled"},
                "ReplicaModifications": {"Status": "Enabled"},
            },
            "DeleteMarkerReplication": {"Status": "Disabled"},
            "Destination": {
                "Bucket": "arn:aws:s3:::dst",
                "Account": "444455556666",
                "StorageClass": "STANDARD_IA",
                "AccessControlTranslation": {"Owner": "Destination"},
                "EncryptionConfiguration": {"ReplicaKmsKeyID": "arn:aws:kms:us-west-2:444455556666:key/k"},
                "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
            },
        },
        {
            "ID": "everything",
            "Priority": 1,
            "Filter": {"Prefix": "data/"},
            "Status": "Disabled",
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {"Bucket": "arn:aws:s3:::dst2"},
        },
    ],
}


def _put(sandbox: Sandbox, configuration: dict[str, object]) -> dict[str, object]:
    s3 = sandbox.session(SOURCE_PROFILE).client("s3")
    s3.create_bucket(Bucket="src")
    s3.put_bucket_versioning(Bucket="src", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket="src", ReplicationConfiguration=configuration)
    answer: dict[str, object] = s3.get_bucket_replication(Bucket="src")["ReplicationConfiguration"]
    return answer


def test_get_bucket_replication_returns_the_configuration_as_stored(sandbox: Sandbox) -> None:
    assert _put(sandbox, FULL_CONFIGURATION) == FULL_CONFIGURATION


def test_a_rule_without_id_gets_one_as_s3_gives_it(sandbox: Sandbox) -> None:
    configuration = json.loads(json.dumps(FULL_CONFIGURATION))
    del configuration["Rules"][1]["ID"]
    rules = _put(sandbox, configuration)["Rules"]
    assert isinstance(rules, list)
    assert rules[0]["ID"] == "tagged"
    assert isinstance(rules[1]["ID"], str) and rules[1]["ID"]
    assert rules[1]["Filter"] == {"Prefix": "data/"}


def test_unpatched_moto_still_loses_the_configuration() -> None:
    """If this fails, moto fixed GetBucketReplication and moto_gaps' patch can go."""
    script = textwrap.dedent(
        f"""
        import json, boto3
        from moto import mock_aws
        with mock_aws():
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="src")
            s3.put_bucket_versioning(Bucket="src", VersioningConfiguration={{"Status": "Enabled"}})
            s3.put_bucket_replication(Bucket="src", ReplicationConfiguration=json.loads({json.dumps(json.dumps(FULL_CONFIGURATION))}))
            print(json.dumps(s3.get_bucket_replication(Bucket="src")["ReplicationConfiguration"]))
        """
    )
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "PATH": ""}
    answer = json.loads(subprocess.run([sys.executable, "-c", script], env=env, check=True,
                                       capture_output=True, text=True).stdout)
    first = answer["Rules"][0]
    assert first["Filter"] == {"Prefix": ""}
    assert "SourceSelectionCriteria" not in first


def test_eventbridge_delivery_is_answered_as_s3_answers_it(sandbox: Sandbox, seed: SeedSetup) -> None:
    s3 = sandbox.session(SOURCE_PROFILE).client("s3", region_name=seed.source_region)
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=seed.source_bucket)
    s3.put_bucket_notification_configuration(Bucket=seed.source_bucket,
                                             NotificationConfiguration={"EventBridgeConfiguration": {}})
    answer = s3.get_bucket_notification_configuration(Bucket=seed.source_bucket)
    assert answer["EventBridgeConfiguration"] == {}
