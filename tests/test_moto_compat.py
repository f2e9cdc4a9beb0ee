"""Reading the stored replication configuration from a plain (unpatched) moto server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from s3repl_tui.moto_compat import _parse_replication_xml, _to_xml, looks_like_moto_template

CONFIGURATION = {
    "Role": "arn:aws:iam::123456789012:role/r",
    "Rules": [
        {
            "ID": "a",
            "Priority": 3,
            "Filter": {"And": {"Prefix": "p/", "Tags": [{"Key": "k", "Value": "v"}, {"Key": "k2", "Value": "v2"}]}},
            "Status": "Enabled",
            "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
            "DeleteMarkerReplication": {"Status": "Disabled"},
            "Destination": {
                "Bucket": "arn:aws:s3:::d",
                "EncryptionConfiguration": {"ReplicaKmsKeyID": "arn:aws:kms:us-east-1:123456789012:key/k"},
                "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
            },
        }
    ],
}


def test_a_plain_moto_server_is_lossy_and_its_state_api_is_not() -> None:
    script = textwrap.dedent(
        f"""
        import json, boto3
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer
        from s3repl_tui.moto_compat import stored_configuration
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{{host}}:{{port}}"
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
        s3.create_bucket(Bucket="src")
        s3.put_bucket_versioning(Bucket="src", VersioningConfiguration={{"Status": "Enabled"}})
        s3.put_bucket_replication(Bucket="src", ReplicationConfiguration=json.loads({json.dumps(json.dumps(CONFIGURATION))}))
        answered = s3.get_bucket_replication(Bucket="src")["ReplicationConfiguration"]
        print(json.dumps({{"answered": answered, "stored": stored_configuration(url, "src"),
                          "other": stored_configuration(url, "nope")}}))
        server.stop()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert looks_like_moto_template(out["answered"])
    assert out["stored"] == CONFIGURATION
    assert out["other"] is None


def test_empty_elements_stay_empty() -> None:
    stored = {"Role": "r", "Rule": {"ID": "a", "Priority": "0", "Filter": {"Prefix": None}, "Status": "Enabled",
                                    "DeleteMarkerReplication": {"Status": "Disabled"},
                                    "Destination": {"Bucket": "arn:aws:s3:::d"}}}
    parsed = _parse_replication_xml(_to_xml(stored, "ReplicationConfiguration"))
    assert parsed["Rules"][0]["Filter"] == {"Prefix": ""}
    assert parsed["Rules"][0]["Priority"] == 0


def test_a_real_configuration_does_not_look_like_the_template() -> None:
    assert not looks_like_moto_template(CONFIGURATION)
    assert not looks_like_moto_template({"Rules": []})


def test_probe_reads_the_stored_configuration_from_a_plain_moto_server() -> None:
    script = textwrap.dedent(
        f"""
        import json, os, boto3
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer
        from s3repl_tui.aws import Connection, ConnectOptions
        from s3repl_tui.probes import probe
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{{host}}:{{port}}"
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
        s3.create_bucket(Bucket="src")
        s3.put_bucket_versioning(Bucket="src", VersioningConfiguration={{"Status": "Enabled"}})
        s3.put_bucket_replication(Bucket="src", ReplicationConfiguration=json.loads({json.dumps(json.dumps(CONFIGURATION))}))
        snapshot = probe(Connection.open(ConnectOptions(endpoint_url=url, region="us-east-1")), "src")
        print(json.dumps(snapshot.replication))
        server.stop()
        """
    )
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_CONFIG_FILE": "/nonexistent",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == CONFIGURATION


def test_fix_then_check_on_a_plain_moto_server(tmp_path: Path) -> None:
    """fix re-reads the configuration before writing and reads it back after: both must see it as stored."""
    role_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": "arn:aws:s3:::src"},
        {"Effect": "Allow", "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                                       "s3:GetObjectVersionTagging"], "Resource": "arn:aws:s3:::src/*"},
        {"Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
         "Resource": "arn:aws:s3:::dst/*"}]}
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    script = textwrap.dedent(
        f"""
        import json, sys, boto3
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer
        from s3repl_tui.cli import main
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{{host}}:{{port}}"
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
        for bucket in ("src", "dst"):
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={{"Status": "Enabled"}})
        arn = iam.create_role(RoleName="r", AssumeRolePolicyDocument={json.dumps(json.dumps(trust))})["Role"]["Arn"]
        iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument={json.dumps(json.dumps(role_policy))})
        s3.put_bucket_replication(Bucket="src", ReplicationConfiguration={{"Role": arn, "Rules": [{{
            "ID": "all", "Priority": 1, "Filter": {{"Prefix": "logs/"}}, "Status": "Disabled",
            "DeleteMarkerReplication": {{"Status": "Disabled"}}, "Destination": {{"Bucket": "arn:aws:s3:::dst"}}}}]}})
        common = ["--source-bucket", "src", "--endpoint-url", url, "--region", "us-east-1"]
        fixed = main(["fix", *common, "--yes"])
        checked = main(["check", *common, "--format", "json"])
        server.stop()
        print(json.dumps({{"fixed": fixed, "checked": checked}}))
        """
    )
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_CONFIG_FILE": "/nonexistent",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true",
           "XDG_STATE_HOME": str(tmp_path), "PATH": os.environ.get("PATH", "")}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"fixed": 0, "checked": 0}, result.stdout[-3000:]
