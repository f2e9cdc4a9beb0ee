"""Reading the stored replication configuration from a plain (unpatched) moto server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from s3repl_tui.moto_compat import _parse_replication_xml, _to_xml, could_be_moto, looks_like_moto_template

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


_PRELUDE = """
import json, boto3
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
url = f"http://{host}:{port}"
s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
for bucket in ("src", "dst"):
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
"""


def _on_plain_moto(body: str, state_dir: Path) -> Any:
    """Run ``body`` in a fresh process (so the sandbox's patch of moto is absent) against an unpatched
    moto server holding two versioned buckets, ``src`` and ``dst``; ``body`` sets ``result``."""
    script = _PRELUDE + textwrap.dedent(body) + "\nserver.stop()\nprint(json.dumps(result))\n"
    env = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_CONFIG_FILE": "/nonexistent",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true",
           "XDG_STATE_HOME": str(state_dir), "PATH": os.environ.get("PATH", "")}
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _put_configuration(configuration: dict[str, Any]) -> str:
    as_python = f"json.loads({json.dumps(json.dumps(configuration))})"  # JSON's literals are not Python's
    return f"s3.put_bucket_replication(Bucket='src', ReplicationConfiguration={as_python})\n"


def test_a_plain_moto_server_is_lossy_and_its_state_api_is_not(tmp_path: Path) -> None:
    out = _on_plain_moto(_put_configuration(CONFIGURATION) + """
from s3repl_tui.moto_compat import stored_configuration
result = {"answered": s3.get_bucket_replication(Bucket="src")["ReplicationConfiguration"],
          "stored": stored_configuration(url, "src"), "other": stored_configuration(url, "nope")}
""", tmp_path)
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


def test_probe_reads_the_stored_configuration_from_a_plain_moto_server(tmp_path: Path) -> None:
    out = _on_plain_moto(_put_configuration(CONFIGURATION) + """
from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.probes import probe
result = probe(Connection.open(ConnectOptions(endpoint_url=url, region="us-east-1")), "src").replication
""", tmp_path)
    assert out == CONFIGURATION


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
    disabled_rule = {"Role": "arn:aws:iam::123456789012:role/r", "Rules": [{
        "ID": "all", "Priority": 1, "Filter": {"Prefix": "logs/"}, "Status": "Disabled",
        "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": "arn:aws:s3:::dst"}}]}
    out = _on_plain_moto(f"""
iam.create_role(RoleName="r", AssumeRolePolicyDocument={json.dumps(json.dumps(trust))})
iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument={json.dumps(json.dumps(role_policy))})
""" + _put_configuration(disabled_rule) + """
from s3repl_tui.cli import main
common = ["--source-bucket", "src", "--endpoint-url", url, "--region", "us-east-1"]
result = {"fixed": main(["fix", *common, "--yes", "--include-optional"]),  # re-enabling is opt-in
           "checked": main(["check", *common, "--format", "json"])}
""", tmp_path)
    assert out == {"fixed": 0, "checked": 0}


def test_only_local_endpoints_are_asked_for_moto_state() -> None:
    assert could_be_moto("http://127.0.0.1:5000") and could_be_moto("http://localhost:4566")
    assert could_be_moto("http://moto:5000") and could_be_moto("http://[::1]:5000")
    assert not could_be_moto("https://s3.us-east-1.amazonaws.com")
    assert not could_be_moto("https://bucket.vpce-1a2b.s3.us-east-1.vpce.amazonaws.com")
    assert not could_be_moto("https://s3-proxy.corp.example.com")
