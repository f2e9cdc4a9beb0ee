"""The ``monitoring`` layer: what S3 says replication is actually doing, against what the check says.

Inputs are the probe's CloudWatch replication metrics (``Snapshot.observed.metrics``, rules with
metrics on), the failure events it peeked at on the source bucket's SQS failure queues
(``observed.queues``; a peek of at most 100 messages each, said in an ``info`` note, as is a queue that
could not be read) and those given with ``check --events FILE``, grouped together. They can only add doubt, never
vouch for a setup: an unreadable metric is an ``info`` note (the six layers still decide), a rule
without metrics says nothing is observed (the rule layer offers the opt-in fix; metrics cost money).

Failures S3 still reports now (within ``RECENT_SECONDS``) while no layer the failure reason points at
fails contradict the check: the observed evidence wins, and the layer fails with both shown. An older
failure, or one from before this tool last changed the layer (``Observations.changed_at``, from its
fix sets), is a warning: it may predate a fix. Metric datapoints are labelled with the start of their
period (30 min over 24 h), so "recent" reaches back up to one period more. Reasons map to layers by
the catalog's §1 table.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from s3repl_tui.checks import rule_notes
from s3repl_tui.checks.facts import RuleFacts, rule_facts
from s3repl_tui.checks.model import Finding, LayerResult
from s3repl_tui.probes.events import parse_time
from s3repl_tui.probes.snapshot import FailureEvent, QueuePeek, RuleMetrics, Snapshot, period_seconds

RECENT_SECONDS = 3600  # a failure this recent is happening now, not before a fix
RTC_THRESHOLD_SECONDS = 15 * 60  # S3 RTC replicates 99.99 % of objects within 15 minutes

_ROLE = "service-role"  # the role's trust and permission policies
_DESTINATION_WRITE = (_ROLE, "destination-policy")
_DESTINATION_KMS_WRITE = (_ROLE, "destination-policy", "key-policy", "role-kms")
# failureReason -> the layers that explain it (catalog §1); () = the object, not the setup
REASON_LAYERS: Mapping[str, tuple[str, ...]] = {
    "AssumeRoleNotPermitted": (_ROLE,),
    "DstBucketNotFound": ("rule",),
    "DstBucketObjectLockConfigMissing": ("rule",),
    "DstBucketUnversioned": ("versioning",),
    "DstDelObjNotPermitted": _DESTINATION_WRITE,
    "DstKmsKeyInvalidState": ("key-policy",),
    "DstKmsKeyNotFound": ("rule",),
    "DstMultipartCompleteNotPermitted": _DESTINATION_KMS_WRITE,
    "DstMultipartInitNotPermitted": _DESTINATION_KMS_WRITE,
    "DstMultipartUploadNotPermitted": _DESTINATION_KMS_WRITE,
    "DstMultipartPartUploadNotPermitted": _DESTINATION_KMS_WRITE,
    "DstPutAclNotPermitted": _DESTINATION_WRITE,
    "DstPutLegalHoldNotPermitted": _DESTINATION_WRITE,
    "DstPutObjectNotPermitted": _DESTINATION_KMS_WRITE,
    "DstPutRetentionNotPermitted": _DESTINATION_WRITE,
    "DstPutTaggingNotPermitted": _DESTINATION_WRITE,
    "SrcBucketReplicationConfigMissing": ("rule",),
    "SrcGetAclNotPermitted": (_ROLE, "source-policy"),
    "SrcGetLegalHoldNotPermitted": (_ROLE,),
    "SrcGetObjectNotPermitted": (_ROLE, "source-policy", "role-kms", "key-policy"),
    "SrcGetRetentionNotPermitted": (_ROLE,),
    "SrcGetTaggingNotPermitted": (_ROLE,),
    "SrcHeadObjectNotPermitted": (_ROLE, "source-policy"),
    "SrcKmsKeyInvalidState": ("key-policy",),
    "SrcObjectNotEligible": ("rule",),
}


def _ago(time: str, now: dt.datetime) -> float | None:
    when = parse_time(time)
    return (now - when).total_seconds() if when is not None else None


_BARS = "▁▂▃▄▅▆▇█"


def failures_per_period(points: Sequence[tuple[str, float]], window: int, now: dt.datetime) -> list[float]:
    """The datapoints summed per period of the window, oldest first (the sparkline's bars)."""
    period = period_seconds(window)
    bins = [0.0] * max(1, window // period)
    for time, value in points:
        age = _ago(time, now)
        if age is not None and 0 <= age < window:
            bins[len(bins) - 1 - int(age // period)] += value
    return bins


def bars(bins: Sequence[float]) -> str:
    """One block character per value, scaled to the largest; nothing is ▁, anything more is at least ▂."""
    top = max(bins, default=0.0)
    if top <= 0:
        return _BARS[0] * len(bins)
    return "".join(_BARS[0] if value <= 0 else _BARS[max(1, round(value / top * (len(_BARS) - 1)))] for value in bins)


def sparkline(points: Sequence[tuple[str, float]], window: int, now: dt.datetime) -> str:
    """Failures per period over the window, oldest first, as bars (the TUI and the text report show it)."""
    return bars(failures_per_period(points, window, now))


def _hours(seconds: int) -> str:
    return f"{seconds // 3600} h" if seconds % 3600 == 0 else f"{seconds // 60} min"


def _fixed_after(last_failure: str, changes: Iterable[str]) -> str:
    """The latest change this tool made after ``last_failure`` ("" if none): failures before a fix are
    history, not a contradiction of the verdict on the fixed setup."""
    failed = parse_time(last_failure)
    latest = max((when for when in changes if when), default="")
    changed = parse_time(latest) if latest else None
    return latest if failed is not None and changed is not None and changed >= failed else ""


def check(snapshot: Snapshot, layers: Sequence[LayerResult], now: dt.datetime | None = None) -> tuple[Finding, ...]:
    moment = now or dt.datetime.now(dt.UTC)
    statuses = {layer.id: layer.status for layer in layers}
    rules = [rule for rule in rule_facts(snapshot.replication) if rule.enabled and rule.destination_bucket]
    observed = snapshot.observed
    measured = {(m.rule_id, m.destination_bucket): m for m in observed.metrics}
    found: list[Finding] = []
    for rule in rules:
        metrics = measured.get((rule.id, rule.destination_bucket or ""))
        if metrics is None:
            found.append(_not_observed(snapshot, rule))
        else:
            found += _from_metrics(snapshot, rule, metrics, statuses, moment, observed.window_seconds)
    found += _from_queues(snapshot, observed.queues, observed.window_seconds)
    if observed.events is not None:
        found += _from_events(snapshot, observed.events, statuses, moment, observed)
    found += rule_notes.failure_events(snapshot, rule_facts(snapshot.replication))
    return tuple(found)


def _not_observed(snapshot: Snapshot, rule: RuleFacts) -> Finding:
    return Finding(
        "monitoring-metrics-off",
        "info",
        f"Nothing is observed for {rule.label}: its replication metrics are off, so S3 publishes no failure "
        "counts and emits no failure events (the rule layer offers turning them on; they are billed as "
        "CloudWatch metrics).",
        snapshot.source.arn,
        None,
        {"rule": rule.id, "destination": rule.destination_bucket, "metrics": False},
    )


def _from_metrics(
    snapshot: Snapshot,
    rule: RuleFacts,
    metrics: RuleMetrics,
    statuses: Mapping[str, str],
    now: dt.datetime,
    window: int,
) -> list[Finding]:
    read = metrics.series
    where = f"{rule.label} to {metrics.destination_bucket}"
    if read.is_error or read.value is None:
        error = read.error
        pending = error is not None and error.kind == "pending"
        if pending:
            return []
        return [
            Finding(
                "monitoring-metrics-unreadable",
                "info",
                f"The replication metrics of {where} could not be read ({error.code if error else 'not read'}); "
                "nothing is observed, so only the layers' verdicts count.",
                snapshot.source.arn,
                None,
                {
                    "rule": rule.id,
                    "error": error.code if error else None,
                    "reason": error.message if error else "",
                    "operation": error.operation if error else None,
                    "command": error.command if error else "",
                },
            )
        ]
    series = read.value
    failed = series.get("OperationsFailedReplication", ())
    total = sum(value for _, value in failed)
    evidence: dict[str, Any] = {
        "rule": rule.id,
        "destination": metrics.destination_bucket,
        "region": metrics.region,
        "window_seconds": window,
        "failed_operations": total,
        "failures_over_time": [value for _, value in failed],
        "failures_per_period": failures_per_period(failed, window, now),  # oldest first: the TUI's sparkline
        "period_seconds": period_seconds(window),
        "sparkline": sparkline(failed, window, now),
        "rtc": _rtc(rule),
        "rtc_threshold_seconds": RTC_THRESHOLD_SECONDS,
    }
    found: list[Finding] = []
    if total > 0:
        last = max((time for time, value in failed if value > 0), default="")
        age = _ago(last, now)
        recent = age is not None and age <= RECENT_SECONDS
        # A layer that fails (or cannot be judged) may explain them; warnings do not.
        all_pass = not any(status in ("fail", "unknown") for layer, status in statuses.items() if layer != "monitoring")
        evidence["last_failure"] = last
        fixed_at = _fixed_after(last, snapshot.observed.changed_at.values())
        if fixed_at:
            evidence["changed_at"] = fixed_at
        if recent and all_pass and not fixed_at:
            found.append(
                Finding(
                    "monitoring-failures-contradict",
                    "error",
                    f"S3 reports {total:g} failed replication operation(s) for {where} in the last {_hours(window)} "
                    f"({evidence['sparkline']}), the latest at {last}, yet no layer fails: something the check "
                    "cannot read blocks it (an "
                    "SCP, an RCP, a VPC endpoint policy, a key in another state). The observed evidence wins: find "
                    "the failure reason in a failure event or with s3repl-tui object --key K.",
                    snapshot.source.arn,
                    None,
                    evidence,
                )
            )
        else:
            when = "still failing now" if recent else "none in the last hour"
            if fixed_at:
                when = f"before this tool changed the setup at {fixed_at}"
            found.append(
                Finding(
                    "monitoring-failures-observed",
                    "warning",
                    f"S3 reports {total:g} failed replication operation(s) for {where} in the last {_hours(window)} "
                    f"({evidence['sparkline']}; latest at {last}, {when}); re-replicate them once the layers "
                    "pass: s3repl-tui retry "
                    f"--source-bucket {snapshot.source_bucket}.",
                    snapshot.source.arn,
                    None,
                    evidence,
                )
            )
    found += _backlog(snapshot, rule, where, series, evidence)
    return found


def _latest(series: Mapping[str, tuple[tuple[str, float], ...]], name: str) -> float | None:
    points = series.get(name) or ()
    return points[-1][1] if points else None


def _rtc(rule: RuleFacts) -> bool:
    return ((rule.raw.get("Destination") or {}).get("ReplicationTime") or {}).get("Status") == "Enabled"


def _backlog(
    snapshot: Snapshot,
    rule: RuleFacts,
    where: str,
    series: Mapping[str, tuple[tuple[str, float], ...]],
    evidence: dict[str, Any],
) -> list[Finding]:
    pending = _latest(series, "OperationsPendingReplication")
    pending_bytes = _latest(series, "BytesPendingReplication")
    latency = max((value for _, value in series.get("ReplicationLatency", ())), default=None)
    evidence = {**evidence, "pending_operations": pending, "pending_bytes": pending_bytes, "max_latency": latency}
    if _rtc(rule) and latency is not None and latency > RTC_THRESHOLD_SECONDS:
        return [
            Finding(
                "monitoring-rtc-threshold-missed",
                "warning",
                f"Replication of {where} fell up to {latency / 60:.0f} min behind, past S3 RTC's 15-minute threshold "
                f"({pending or 0:g} operation(s), {pending_bytes or 0:g} bytes pending at the last datapoint).",
                snapshot.source.arn,
                None,
                evidence,
            )
        ]
    if pending is None and latency is None:
        return [
            Finding(
                "monitoring-no-datapoints",
                "info",
                f"CloudWatch holds no replication datapoints for {where} in the window: nothing was written to "
                "replicate, or the metrics were turned on within the last 15 minutes.",
                snapshot.source.arn,
                None,
                evidence,
            )
        ]
    return [
        Finding(
            "monitoring-backlog",
            "info",
            f"{where}: {pending or 0:g} operation(s) and {pending_bytes or 0:g} bytes pending at the last datapoint"
            + (f"; at most {latency:g} s behind the source." if latency is not None else "."),
            snapshot.source.arn,
            None,
            evidence,
        )
    ]


def _from_events(
    snapshot: Snapshot,
    events: Sequence[FailureEvent],
    statuses: Mapping[str, str],
    now: dt.datetime,
    observed: Any,
) -> list[Finding]:
    where = observed.events_source or "the events"
    if not events:
        return [
            Finding(
                "monitoring-no-failure-events",
                "info",
                f"{where} holds no replication failure event in the last {_hours(observed.window_seconds)}.",
                snapshot.source.arn,
                None,
                {"source": where},
            )
        ]
    found: list[Finding] = []
    for reason, count in Counter(event.reason for event in events).most_common():
        of_reason = [event for event in events if event.reason == reason]
        last = of_reason[-1].time
        age = _ago(last, now)
        recent = age is not None and age <= RECENT_SECONDS
        blamed = REASON_LAYERS.get(reason, ())
        failing = [layer for layer in blamed if statuses.get(layer) in ("fail", "unknown")]
        evidence = {
            "failure_reason": reason,
            "count": count,
            "last": last,
            "layers": list(blamed),
            "keys": sorted({event.key for event in of_reason})[:20],
            "source": where,
        }
        if not blamed:
            message = (
                f"{count} object(s) failed with {reason} (latest at {last}): the object, not the setup "
                "(deleted, expired or not eligible); no layer explains it."
            )
            found.append(Finding("monitoring-object-failures", "info", message, snapshot.source.arn, reason, evidence))
        elif failing:
            message = (
                f"{count} object(s) failed with {reason} (latest at {last}), which the failing or "
                f"unjudged {', '.join(failing)} layer(s) explain; fix them, then re-replicate with s3repl-tui retry."
            )
            found.append(
                Finding("monitoring-failures-explained", "warning", message, snapshot.source.arn, reason, evidence)
            )
        elif recent and not _fixed_after(last, [snapshot.observed.changed_at.get(layer, "") for layer in blamed]):
            message = (
                f"S3 reports {count} object(s) failing with {reason} (latest at {last}), yet the "
                f"{', '.join(blamed)} layer(s) it points at pass: the observed evidence wins (the check "
                "cannot see everything, e.g. an SCP, an RCP or a VPC endpoint policy)."
            )
            found.append(
                Finding("monitoring-failures-contradict", "error", message, snapshot.source.arn, reason, evidence)
            )
        else:
            message = (
                f"{count} object(s) failed with {reason} until {last}, and the {', '.join(blamed)} layer(s) "
                "pass now (fixed since?): re-replicate them with s3repl-tui retry."
            )
            found.append(
                Finding("monitoring-failures-before-fix", "warning", message, snapshot.source.arn, reason, evidence)
            )
    return found


# SQS's answers for a queue that does not exist (JSON protocol, and its query-compatible code)
_NO_SUCH_QUEUE = frozenset({"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"})


def _from_queues(snapshot: Snapshot, queues: Sequence[QueuePeek], window: int) -> list[Finding]:
    """How much of each failure queue was looked at (a peek, never a drain), or why it could not be:
    an ``info`` note either way, since a queue only adds evidence."""
    found: list[Finding] = []
    for queue in queues:
        read = queue.events
        evidence: dict[str, Any] = {"queue": queue.arn, "messages_seen": queue.messages_seen,
                                    "messages_limit": queue.messages_limit, "messages_held": queue.messages_held}
        if read.is_ok:
            count = len(read.value or ())
            held = f" of about {queue.messages_held}" if queue.messages_held is not None else ""
            message = (
                f"Peeked at {queue.messages_seen}{held} message(s) on queue {queue.name} (a peek of at most "
                f"{queue.messages_limit}, none deleted: they stay for the queue's consumers): {count} replication "
                f"failure event(s) in the last {_hours(window)}."
            )
            found.append(Finding("monitoring-failure-queue-peeked", "info", message, queue.arn, None,
                                 {**evidence, "failure_events": count}))
            continue
        error = read.error
        if error is None or error.kind == "pending":
            continue
        needs = "sqs:ReceiveMessage on it"
        if error.code.startswith("Kms") or error.code.startswith("KMS"):
            needs += " and kms:Decrypt on the queue's KMS key"
        if error.kind == "no-credentials":
            why = (f"it is in account {queue.account or 'unknown'}, and no credentials of that account were "
                   f"given; reading it needs {needs}")
        elif error.code in _NO_SUCH_QUEUE:
            why = (f"{error.code}: there is no such queue, so S3 has nowhere to deliver the failure events the "
                   "notification configuration names it for")
        else:
            why = f"{error.code}; reading it needs {needs}"
        message = (
            f"The failure events on queue {queue.name} could not be read ({why}); nothing is observed from it, "
            "so only the layers' verdicts count. Its owner can peek at them without deleting any with the command "
            "below."
        )
        found.append(Finding("monitoring-failure-queue-unreadable", "info", message, queue.arn, None,
                             {**evidence, "error": error.code, "reason": error.message,
                              "operation": error.operation, "permission": needs, "command": error.command}))
    return found
