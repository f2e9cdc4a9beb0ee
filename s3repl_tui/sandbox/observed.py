"""What S3 would report about a broken setup, staged in the sandbox: replication metrics turned on for
the seed rule, CloudWatch datapoints of the failures the breakages cause, and the failure events S3
would send (written to a JSON lines file, as ``check --events`` reads them, or sent to an SQS queue in
the source account that the source bucket's notification configuration names for them).

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

FAILURE_QUEUE = "s3-replication-failures"
FAILURE_QUEUE_CONFIGURATION = "replication-failures-to-sqs"
# breakage -> the failure reason S3 reports for it (catalog §1)
REASONS = {
    "versioning": "DstBucketUnversioned",
    "destination-policy": "DstPutObjectNotPermitted",
    "role-kms": "DstPutObjectNotPermitted",
}
# The failure events the demo's queue holds for its broken setup (versioning, role-kms, destination-policy).
DEMO_FAILURE_EVENTS = {"DstPutObjectNotPermitted": 5, "DstBucketUnversioned": 3}


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
    """S3 event notifications (one per failed object) as an SQS queue would receive them: the message S3
    sends for s3:Replication:OperationFailedReplication (S3 User Guide, "Receiving replication failure
    events with Amazon S3 Event Notifications")."""
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")
    records = []
    for reason, count in reasons.items():
        for number in range(count):
            key = f"reports/2026/{reason.lower()} {number}.csv"
            records.append({
                "Records": [{
                    "eventVersion": "2.2", "eventSource": "aws:s3", "awsRegion": setup.source_region,
                    "eventTime": when, "eventName": "Replication:OperationFailedReplication",
                    "userIdentity": {"principalId": "s3.amazonaws.com"},
                    "requestParameters": {"sourceIPAddress": "s3.amazonaws.com"},
                    "responseElements": {"x-amz-request-id": f"{number:016X}", "x-amz-id-2": "sandbox"},
                    "s3": {"s3SchemaVersion": "1.0", "configurationId": FAILURE_QUEUE_CONFIGURATION,
                           "bucket": {"name": setup.source_bucket, "ownerIdentity": {"principalId": "s3"},
                                      "arn": f"arn:aws:s3:::{setup.source_bucket}"},
                           "object": {"key": urllib.parse.quote_plus(key), "size": 1024, "eTag": f"{number:032x}",
                                      "versionId": f"v{number}", "sequencer": f"{number:018X}"}},
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


def _sqs(sandbox: Sandbox, setup: SeedSetup) -> Any:
    return sandbox.session(SOURCE_PROFILE).client("sqs", region_name=setup.source_region)


def subscribe_failure_queue(sandbox: Sandbox, setup: SeedSetup, queue: str = FAILURE_QUEUE) -> str:
    """An SQS queue in the source account and Region, receiving the source bucket's
    s3:Replication:OperationFailedReplication events (its other subscriptions stay); its URL. S3 sends
    the queue an s3:TestEvent when the subscription is made, as moto does too."""
    sqs = _sqs(sandbox, setup)
    url = str(sqs.create_queue(QueueName=queue)["QueueUrl"])
    arn = f"arn:aws:sqs:{setup.source_region}:{setup.source_account}:{queue}"
    allow_s3 = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": arn, "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{setup.source_bucket}"},
                                       "StringEquals": {"aws:SourceAccount": setup.source_account}}}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(allow_s3)})
    s3: Any = seed_clients(sandbox, setup)["s3_a"]
    current = {k: v for k, v in s3.get_bucket_notification_configuration(Bucket=setup.source_bucket).items()
               if k != "ResponseMetadata"}
    current["QueueConfigurations"] = [*current.get("QueueConfigurations", []), {
        "Id": FAILURE_QUEUE_CONFIGURATION, "QueueArn": arn, "Events": ["s3:Replication:OperationFailedReplication"]}]
    s3.put_bucket_notification_configuration(Bucket=setup.source_bucket, NotificationConfiguration=current)
    return url


def send_failure_events(
    sandbox: Sandbox, setup: SeedSetup, reasons: dict[str, int], minutes_ago: int = 5, *,
    queue: str = FAILURE_QUEUE, through_sns: bool = False,
) -> None:
    """What S3 would have sent the failure queue (moto never replicates, so it sends none): one message
    per failed object, or each wrapped in an SNS envelope (an SNS topic fanning out to the queue)."""
    sqs = _sqs(sandbox, setup)
    url = str(sqs.get_queue_url(QueueName=queue)["QueueUrl"])
    for number, notification in enumerate(failure_events(setup, reasons, minutes_ago)):
        body = json.dumps(notification)
        if through_sns:
            body = json.dumps({
                "Type": "Notification", "MessageId": f"sandbox-{number}",
                "TopicArn": f"arn:aws:sns:{setup.source_region}:{setup.source_account}:replication-failures",
                "Subject": "Amazon S3 Notification", "Message": body,
                "Timestamp": notification["Records"][0]["eventTime"],
            })
        sqs.send_message(QueueUrl=url, MessageBody=body)


def stage_demo_observations(sandbox: Sandbox, setup: SeedSetup) -> None:
    """What S3 would be reporting about the demo's broken setup: metrics on, the failures they counted
    over the last hours, and the failure events on the source's queue."""
    turn_metrics_on(sandbox, setup)
    publish_failures(sandbox, setup)
    subscribe_failure_queue(sandbox, setup)
    send_failure_events(sandbox, setup, DEMO_FAILURE_EVENTS)
