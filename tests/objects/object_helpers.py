"""Helpers for the object forensics tests.

moto never sets ReplicationStatus; S3 does. The sandbox's moto runs in this process, and HeadObject
answers every entry of a stored object's metadata as a header, so a test plants the status S3 would
have set (``x-amz-replication-status``) on the stored object itself.
"""

from __future__ import annotations

from typing import Any

from moto.s3.models import s3_backends

from s3repl_tui.aws import Connection, ConnectOptions
from s3repl_tui.objects import ObjectDiagnosis, explain_object
from s3repl_tui.probes import probe
from s3repl_tui.sandbox import DEST_PROFILE, SOURCE_ACCOUNT, SOURCE_PROFILE, Sandbox


def set_replication_status(bucket: str, key: str, status: str, account: str = SOURCE_ACCOUNT) -> None:
    stored = s3_backends[account]["aws"].get_object(bucket, key)
    assert stored is not None, f"s3://{bucket}/{key} is not in the sandbox"
    stored.metadata["x-amz-replication-status"] = status


def source_s3(sandbox: Sandbox) -> Any:
    return sandbox.session(SOURCE_PROFILE).client("s3", region_name="us-east-1")


def diagnose(bucket: str, key: str, version_id: str | None = None) -> ObjectDiagnosis:
    """What ``s3repl-tui object`` computes, with both accounts' profiles, judging statuses as on AWS (the
    tests plant the status S3 would set; ``never_replicates=False`` keeps the sandbox note out)."""
    connection = Connection.open(ConnectOptions(source_profile=SOURCE_PROFILE, dest_profile=DEST_PROFILE))
    return explain_object(connection, probe(connection, bucket), bucket, key, version_id, never_replicates=False)
