"""Reads of what replication is actually doing: CloudWatch replication metrics of each rule that has
them on.

S3 publishes a rule's replication metrics in namespace ``AWS/S3`` with dimensions ``SourceBucket``,
``DestinationBucket`` and ``RuleId``, in the destination bucket's Region, to the source bucket owner's
account (S3 User Guide, "Using S3 Replication metrics"). So one GetMetricData per rule and
destination, with the source credentials in the destination's Region, as soon as that Region is known:
one level after the replication configuration, beside the role and key reads.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from s3repl_tui.probes.buckets import bucket_fact
from s3repl_tui.probes.commands import cli_command, owner_profile
from s3repl_tui.probes.reads import attempt
from s3repl_tui.probes.run import Facts, ProbeRun
from s3repl_tui.probes.snapshot import Read, ReadError, RuleMetrics, Series, period_seconds

OPERATION = "cloudwatch:GetMetricData"
# metric -> the statistic that answers our question over each period
METRICS: dict[str, str] = {
    "OperationsFailedReplication": "Sum",  # failures seen
    "OperationsPendingReplication": "Maximum",  # backlog
    "BytesPendingReplication": "Maximum",
    "ReplicationLatency": "Maximum",  # seconds behind the source
}


def metrics_enabled(rule: Mapping[str, Any]) -> bool:
    destination = rule.get("Destination") or {}
    metrics = destination.get("Metrics") or {}
    return rule.get("Status") == "Enabled" and metrics.get("Status") == "Enabled"


def queries(source_bucket: str, destination_bucket: str, rule_id: str, period: int) -> list[dict[str, Any]]:
    dimensions = [
        {"Name": "SourceBucket", "Value": source_bucket},
        {"Name": "DestinationBucket", "Value": destination_bucket},
        {"Name": "RuleId", "Value": rule_id},
    ]
    return [
        {
            "Id": f"m{number}",
            "Label": name,
            "MetricStat": {
                "Metric": {"Namespace": "AWS/S3", "MetricName": name, "Dimensions": dimensions},
                "Period": period,
                "Stat": stat,
            },
            "ReturnData": True,
        }
        for number, (name, stat) in enumerate(METRICS.items())
    ]


def parse(answer: Mapping[str, Any]) -> dict[str, Series]:
    series: dict[str, Series] = {name: () for name in METRICS}
    for result in answer.get("MetricDataResults") or []:
        name = str(result.get("Label") or "")
        if name not in METRICS:
            continue
        points = sorted(zip(result.get("Timestamps") or [], result.get("Values") or [], strict=False))
        series[name] = tuple((_iso(time), float(value)) for time, value in points)
    return series


def _iso(time: Any) -> str:
    return time.isoformat() if isinstance(time, dt.datetime) else str(time)


def read_rule_metrics(run: ProbeRun, rule: Mapping[str, Any], destination_bucket: str) -> None:
    """Read the rule's metrics once the destination's Region is known (nothing when they are off)."""
    rule_id = str(rule.get("ID") or "")
    if not metrics_enabled(rule) or not run.claim(f"metrics:{rule_id}:{destination_bucket}"):
        return
    fact = bucket_fact("region", destination_bucket)
    run.when([fact], functools.partial(_read, run, rule_id, destination_bucket, fact))


def _read(run: ProbeRun, rule_id: str, destination_bucket: str, fact: str, facts: Facts) -> None:
    region = facts[fact]  # the destination's Region, None when it could not be read
    source = run.connection.source
    if not isinstance(region, str):
        unread: Read[Mapping[str, Series]] = Read.failed(
            ReadError("other", "DestinationRegionUnknown", f"The Region of {destination_bucket} could not be "
                      "read, and S3 publishes the rule's metrics there.", OPERATION, source.account)
        )
        with run.state.edit() as state:
            state.metrics[(rule_id, destination_bucket)] = RuleMetrics(rule_id, destination_bucket, None, unread)
        return
    with run.state.view() as state:
        window = state.window_seconds
    end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    start = end - dt.timedelta(seconds=window)
    period = period_seconds(window)
    wanted = queries(run.source_bucket, destination_bucket, rule_id, period)
    client = source.client("cloudwatch", region)

    def call() -> Mapping[str, Series]:
        answer = client.get_metric_data(
            MetricDataQueries=wanted, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
        )
        return parse(answer)

    command = cli_command(
        OPERATION,
        MetricDataQueries=f"file://metric-queries-{rule_id}.json",
        StartTime=start.isoformat(),
        EndTime=end.isoformat(),
        region=region,
        endpoint_url=run.endpoint_url,
        profile=owner_profile(run.connection, source.account),
    )
    read = attempt(OPERATION, call, account=lambda: source.account, command=command)
    with run.state.edit() as state:
        state.metrics[(rule_id, destination_bucket)] = RuleMetrics(rule_id, destination_bucket, region, read)
