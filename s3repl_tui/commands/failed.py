"""``s3repl-tui failed``: which objects failed to replicate, counted from an S3 Inventory report.

Reads a report that includes ``ReplicationStatus`` (given with ``--inventory``, or the newest one of the
bucket's inventory configurations), streams its rows, and counts FAILED / PENDING / COMPLETED / REPLICA
/ NONE overall, by top-level prefix, by age and by replication rule. ``--manifest-out FILE.csv`` writes
the FAILED objects as a Batch Operations manifest and prints the ``retry`` command that re-replicates
exactly those. Exit codes: 0 no FAILED object; 1 FAILED objects exist; 2 bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.text import Text

from s3repl_tui import moto_compat
from s3repl_tui.aws import Connection, classify
from s3repl_tui.commands.common import connect_options
from s3repl_tui.errors import EXIT_FAIL, EXIT_PASS, UserError
from s3repl_tui.inventory import (
    STATUSES,
    AgeBuckets,
    BatchManifestWriter,
    Located,
    RuleMatcher,
    Tally,
    find_report,
    from_local,
    from_s3,
    read_report,
    require_replication_status,
)
from s3repl_tui.plain_text import printable, printable_line

SCHEMA = 1


def run(args: argparse.Namespace) -> int:
    """Keys, rule ids and paths come from AWS and the user: printed with control characters spelled out."""
    try:
        return _run(args)
    except UserError as error:
        raise UserError(printable(error.message), printable(error.hint), error.exit_code) from error


def _replication(connection: Connection, bucket: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the replication configuration or None when there is none, why it could not be read or None)."""
    s3 = connection.source.client("s3")
    try:
        answer = s3.get_bucket_replication(Bucket=bucket)
    except (ClientError, BotoCoreError) as error:
        if isinstance(error, ClientError) and \
                error.response.get("Error", {}).get("Code") == "ReplicationConfigurationNotFoundError":
            return None, None
        return None, classify(error, "s3:GetReplicationConfiguration", connection.source.account).message
    configuration = dict(answer.get("ReplicationConfiguration") or {})
    return moto_compat.as_stored(configuration, s3.meta.endpoint_url, bucket), None


def _locate(args: argparse.Namespace, connection: Connection | None) -> Located:
    inventory: str | None = args.inventory
    if inventory is not None and not inventory.startswith("s3://"):
        return from_local(Path(inventory))
    assert connection is not None
    s3 = connection.source.client("s3")
    if inventory is None:
        url, config_id = find_report(s3, args.source_bucket)
        located = from_s3(s3, url)
        return Located(located.manifest, located.open_file, config_id)
    return from_s3(s3, inventory)


def _open_connection(args: argparse.Namespace) -> tuple[Connection | None, str | None]:
    """The connection; with a local report, a connection that cannot be opened only costs the rules."""
    local = args.inventory is not None and not args.inventory.startswith("s3://")
    try:
        return Connection.open(connect_options(args)), None
    except UserError as error:
        if not local:
            raise
        return None, error.message


def _run(args: argparse.Namespace) -> int:
    bucket: str = args.source_bucket
    errors = Console(stderr=True)
    with errors.status("Connecting…") as status:
        connection, unconnected = _open_connection(args)
        status.update(Text("Reading the inventory manifest…"))
        located = _locate(args, connection)
        manifest = located.manifest
        require_replication_status(manifest)
        if manifest.source_bucket and manifest.source_bucket != bucket:
            raise UserError(f"The inventory report {manifest.where} is of bucket {manifest.source_bucket}, "
                            f"not {bucket}.", "Give a report of --source-bucket, or the matching --source-bucket.")
        configuration, unread = (None, unconnected) if connection is None else _replication(connection, bucket)
        matcher = RuleMatcher(configuration if unread is None else None)
        reference = manifest.created
        tally = Tally(AgeBuckets(reference or dt.datetime.now(dt.UTC)), matcher, prefix_depth=args.prefix_depth)
        status.update(Text(f"Counting {len(manifest.files)} data file(s) of {printable_line(manifest.where)}…"))
        writer = None
        if args.manifest_out is not None:
            writer = BatchManifestWriter(args.manifest_out, manifest.has_field("VersionId"))
            with writer:
                tally.on_failed = writer.add
                read_report(manifest, located.open_file, tally)
        else:
            read_report(manifest, located.open_file, tally)
    summary = _summary(args, located, tally, unread, writer, reference is None)
    if args.format == "json":
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        out = Console(highlight=False, soft_wrap=True)
        for line in render_text(summary):
            out.print(Text(printable_line(line)), markup=False, emoji=False)  # a key's newline stays in it
    return EXIT_FAIL if tally.failed else EXIT_PASS


def retry_command(args: argparse.Namespace, manifest_path: Path) -> str:
    words = ["s3repl-tui", "retry", "--source-bucket", args.source_bucket, "--manifest", str(manifest_path),
             "--report-bucket", "REPORT-BUCKET"]
    for flag, value in (("--source-profile", args.source_profile), ("--region", args.region),
                        ("--endpoint-url", args.endpoint_url)):
        if value:
            words += [flag, value]
    return " ".join(word if word == "REPORT-BUCKET" else shlex.quote(word) for word in words)


def _summary(args: argparse.Namespace, located: Located, tally: Tally, unread: str | None,
             writer: BatchManifestWriter | None, ages_from_now: bool) -> dict[str, Any]:
    manifest = located.manifest
    counted = tally.to_json()
    batch = None
    if writer is not None:
        batch = {"path": str(writer.path), "objects": writer.count, "format": "S3BatchOperations_CSV_20180820",
                 "fields": ["Bucket", "Key", "VersionId"] if writer.with_versions else ["Bucket", "Key"],
                 "retry_command": retry_command(args, writer.path) if writer.count else None}
    return {
        "schema": SCHEMA,
        "source_bucket": args.source_bucket,
        "inventory": {
            "manifest": manifest.where,
            "config_id": located.config_id,
            "format": manifest.file_format,
            "files": len(manifest.files),
            "created": manifest.created.isoformat().replace("+00:00", "Z") if manifest.created else None,
        },
        "ages_measured_from": "now" if ages_from_now else "inventory creation",
        **counted,
        "by_rule": None if unread is not None else counted["by_rule"],
        "rules_unread": unread,
        "batch_manifest": batch,
    }


def _counts(counts: dict[str, int]) -> str:
    shown = [f"{name} {counts[name]}" for name in STATUSES]
    if counts.get("OTHER"):
        shown.append(f"other {counts['OTHER']}")
    return "  ".join(shown)


def render_text(summary: dict[str, Any]) -> list[str]:
    inventory = summary["inventory"]
    created = f", created {inventory['created']}" if inventory["created"] else ""
    config = f" (inventory {inventory['config_id']})" if inventory["config_id"] else ""
    statuses = summary["statuses"]
    lines = [
        f"s3://{summary['source_bucket']}: {summary['rows']} objects in {inventory['manifest']}{config}",
        f"  {inventory['format']}, {inventory['files']} data file(s){created}",
        "",
        f"FAILED {statuses['FAILED']}   PENDING {statuses['PENDING']}   COMPLETED {statuses['COMPLETED']}   "
        f"REPLICA {statuses['REPLICA']}   NONE (not eligible, or older than the rule) {statuses['NONE']}"
        + (f"   other {statuses['OTHER']}" if statuses.get("OTHER") else ""),
        "",
    ]
    depth = summary["prefix_depth"]
    lines.append(f"by prefix (first {depth} segment{'s' if depth > 1 else ''}):")
    groups = summary["by_prefix"]
    width = max([len(group["prefix"]) for group in groups[:20]] + [6])
    lines += [f"  {group['prefix']:<{width}}  {_counts(group['statuses'])}" for group in groups[:20]]
    if len(groups) > 20:
        lines.append(f"  … and {len(groups) - 20} more prefixes (--format json lists them all)")
    if summary["prefixes_capped"]:
        lines.append("  (more distinct prefixes than counted one by one: the rest are under '(other prefixes)')")
    if summary["by_age"] is not None:
        since = "now" if summary["ages_measured_from"] == "now" else "the inventory's creation"
        lines += ["", f"by age (last modified, before {since}):"]
        lines += [f"  {group['age']:<7}  {_counts(group['statuses'])}" for group in summary["by_age"]]
    lines.append("")
    if summary["by_rule"] is None:
        lines.append(f"by rule: not judged, the replication configuration was not read ({summary['rules_unread']})")
    else:
        lines.append("by rule (highest-priority enabled rule whose prefix matches):")
        width = max([len(group["rule"]) for group in summary["by_rule"]] + [6])
        lines += [f"  {group['rule']:<{width}}  {_counts(group['statuses'])}" for group in summary["by_rule"]]
    if summary["failed_examples"]:
        lines += ["", "FAILED, for example:"]
        lines += [f"  {key}" for key in summary["failed_examples"]]
        lines.append(f"  why: s3repl-tui object --source-bucket {summary['source_bucket']} --key KEY; "
                     f"s3repl-tui check --source-bucket {summary['source_bucket']}")
    batch = summary["batch_manifest"]
    if batch is not None:
        lines.append("")
        if batch["objects"]:
            lines.append(f"Wrote {batch['objects']} FAILED object(s) to {batch['path']} (Batch Operations CSV: "
                         f"{','.join(batch['fields'])}). Re-replicate exactly those:")
            lines.append(f"  {batch['retry_command']}")
        else:
            lines.append(f"No FAILED object: {batch['path']} is empty.")
    return lines
