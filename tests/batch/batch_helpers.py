"""Helpers for the Batch Replication tests: a stubbed s3control client (moto has no Batch Operations;
botocore's Stubber checks every request against the service model) and job answers."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

JOB_ID = "5c1b7a8e-0e6f-4c0e-9f62-2a1f7f4d9b10"


def s3control() -> tuple[Any, Stubber]:
    session = boto3.Session(aws_access_key_id="stub", aws_secret_access_key="stub", region_name="us-east-1")
    client = session.client("s3control", region_name="us-east-1")
    return client, Stubber(client)


def job(status: str, total: int | None = None, succeeded: int = 0, failed: int = 0, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"JobId": JOB_ID, "Status": status, **extra}
    if total is not None:
        body["ProgressSummary"] = {"TotalNumberOfTasks": total, "NumberOfTasksSucceeded": succeeded,
                                   "NumberOfTasksFailed": failed}
    return {"Job": body}


def report(bucket: str, prefix: str = "s3repl-tui/batch-replication") -> dict[str, Any]:
    return {"Bucket": f"arn:aws:s3:::{bucket}", "Prefix": prefix, "Enabled": True, "Format": "Report_CSV_20180820",
            "ReportScope": "AllTasks"}
