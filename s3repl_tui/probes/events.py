"""Replication failure events from a file (``check --events FILE``): JSON lines of S3 event
notifications as SQS, SNS or Lambda receive them. The bodies of messages peeked at on an SQS queue
(probes/sqs_events.py) are read by the same ``failure_events``.

Each line is a notification (``{"Records": [...]}``), one record, or an SNS envelope whose ``Message``
holds the notification. A record counts when its ``eventName`` is ``Replication:OperationFailedReplication``;
its ``replicationEventData`` carries ``replicationRuleId``, ``destinationBucket``, ``s3Operation``,
``requestTime`` and ``failureReason`` (S3 User Guide, "Receiving replication failure events with Amazon
S3 Event Notifications"). Object keys arrive URL-encoded, as in every S3 event. Events older than the
window are left out; anything else on a line is one sentence naming the line, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from s3repl_tui.errors import UserError
from s3repl_tui.probes.snapshot import FailureEvent

FAILED_EVENT = "Replication:OperationFailedReplication"


def parse_time(text: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _records(document: Any) -> Iterator[dict[str, Any]]:
    if isinstance(document, dict) and isinstance(document.get("Message"), str):  # SNS envelope
        try:
            document = json.loads(document["Message"])
        except ValueError:
            return
    if isinstance(document, dict) and isinstance(document.get("Records"), list):
        yield from (record for record in document["Records"] if isinstance(record, dict))
    elif isinstance(document, dict):
        yield document


def _event(record: dict[str, Any]) -> FailureEvent | None:
    if not str(record.get("eventName", "")).endswith(FAILED_EVENT):
        return None
    data = record.get("replicationEventData") or {}
    obj = (record.get("s3") or {}).get("object") or {}
    reason = data.get("failureReason")
    if not isinstance(data, dict) or not isinstance(reason, str) or not reason:
        return None
    return FailureEvent(
        time=str(record.get("eventTime") or data.get("requestTime") or ""),
        key=urllib.parse.unquote_plus(str(obj.get("key", ""))),
        version_id=str(obj["versionId"]) if obj.get("versionId") else None,
        rule_id=str(data["replicationRuleId"]) if data.get("replicationRuleId") else None,
        destination_bucket=_bucket(data.get("destinationBucket")),
        reason=reason,
    )


def _bucket(value: Any) -> str | None:
    """Events name the destination by ARN (``arn:aws:s3:::name``) or by name."""
    if not value:
        return None
    text = str(value)
    return text.rsplit(":", 1)[-1] if text.startswith("arn:") else text


def failure_events(document: Any) -> Iterator[FailureEvent]:
    """The failed-replication events of one notification, record or SNS envelope (anything else,
    ``s3:TestEvent`` included, holds none)."""
    for record in _records(document):
        event = _event(record)
        if event is not None:
            yield event


def within_window(
    events: Iterable[FailureEvent], window_seconds: int, now: dt.datetime | None = None
) -> tuple[FailureEvent, ...]:
    """The events that happened within the window (or whose time cannot be read), oldest first."""
    since = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(seconds=window_seconds)
    kept = [event for event in events if (when := parse_time(event.time)) is None or when >= since]
    return tuple(sorted(kept, key=lambda event: event.time))


def load_events(path: Path, window_seconds: int, now: dt.datetime | None = None) -> tuple[FailureEvent, ...]:
    """Every failed-replication event of the file that happened within the window, oldest first."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise UserError(f"Cannot read the events file {path} ({error.strerror or error}).") from error
    except UnicodeDecodeError as error:
        raise UserError(f"The events file {path} is not UTF-8 text.") from error
    found: list[FailureEvent] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as error:
            raise UserError(
                f"Line {number} of {path} is not JSON ({error.msg}).",
                hint="Give one S3 event notification (or one record) per line.",
            ) from error
        found += failure_events(document)
    return within_window(found, window_seconds, now)
