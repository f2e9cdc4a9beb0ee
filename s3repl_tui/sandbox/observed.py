"""What S3 would report about a broken setup, staged in the sandbox: replication metrics turned on for
the seed rule, CloudWatch datapoints of the failures the breakages cause, and the failure events S3
would send (written to a JSON lines file, as ``check --events`` reads them).

Moto never replicates, so nothing here is measured: the datapoints are placed, over the last hours,
for the demo to show what the monitoring layer does with real ones.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from pathlib import Path
from typing import Any

from s3repl_tui.sandbox.scenarios import SeedSetup, seed_clients
from s3repl_tui.sandbox.server import SOURCE_PROFILE, Sandbox

# breakage -> the failure reason S3 reports for it (catalog §1)
REASONS = {
    "versioning": "DstBucketUnversioned",
    "destination-policy": "DstPutObjectNotPermitted",
    "role-kms": "DstPutObjectNotPermitted",
}


def turn_metrics_on(sandbox: Sandbox, setup: SeedSetup) -> None:
    s3: Any = seed_clients(sandbox, setup)["s3_a"]
    configuration = s3.get_bucket_replication(Bucket=setup.source_bucket)["ReplicationConfiguration"]
    for rule in configuration.get("Rules", []):
        rule.setdefault("Destination", {})["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    s3.put_bucket_replication(Bucket=setup.source_bucket, ReplicationConfiguration=configuration)


def publish_failures(
    sandbox: Sandbox, setup: SeedSetup, minutes_ago: tuple[int, ...] = (5, 35, 65, 125, 245), per_point: float = 12
) -> None:
    """OperationsFailedReplication datapoints (and a backlog) for the seed rule, in the destination's
    Region, in the source account: where S3 publishes them."""
    now = dt.datetime.now(dt.UTC)
    dimensions = [
        {"Name": "SourceBucket", "Value": setup.source_bucket},
        {"Name": "DestinationBucket", "Value": setup.dest_bucket},
        {"Name": "RuleId", "Value": setup.rule_id},
    ]
    data: list[dict[str, Any]] = []
    for ago in minutes_ago:
        when = now - dt.timedelta(minutes=ago)
        data += [
            {"MetricName": "OperationsFailedReplication", "Dimensions": dimensions, "Timestamp": when,
             "Value": per_point, "Unit": "Count"},
            {"MetricName": "OperationsPendingReplication", "Dimensions": dimensions, "Timestamp": when,
             "Value": 0.0, "Unit": "Count"},
            {"MetricName": "ReplicationLatency", "Dimensions": dimensions, "Timestamp": when, "Value": 0.0,
             "Unit": "Seconds"},
        ]
    cloudwatch: Any = sandbox.session(SOURCE_PROFILE).client("cloudwatch", region_name=setup.dest_region)
    cloudwatch.put_metric_data(Namespace="AWS/S3", MetricData=data)


def failure_events(setup: SeedSetup, reasons: dict[str, int], minutes_ago: int = 5) -> list[dict[str, Any]]:
    """S3 event notifications (one per failed object) as an SQS queue would receive them."""
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")
    records = []
    for reason, count in reasons.items():
        for number in range(count):
            key = f"reports/2026/{reason.lower()} {number}.csv"
            records.append({
                "Records": [{
                    "eventVersion": "2.2", "eventSource": "aws:s3", "awsRegion": setup.source_region,
                    "eventTime": when, "eventName": "Replication:OperationFailedReplication",
                    "s3": {"bucket": {"name": setup.source_bucket, "arn": f"arn:aws:s3:::{setup.source_bucket}"},
                           "object": {"key": urllib.parse.quote_plus(key), "versionId": f"v{number}"}},
                    "replicationEventData": {
                        "replicationRuleId": setup.rule_id, "destinationBucket": f"arn:aws:s3:::{setup.dest_bucket}",
                        "s3Operation": "OBJECT_PUT", "requestTime": when, "failureReason": reason,
                    },
                }]
            })
    return records


def write_events(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path
