"""Where an inventory report is: a local ``manifest.json`` (its data files beside it, as ``aws s3 sync``
copies them), an ``s3://…/manifest.json``, or the newest report of the source bucket's inventory
configuration that includes ``ReplicationStatus`` (found with ListBucketInventoryConfigurations)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError

from s3repl_tui.aws import classify
from s3repl_tui.inventory.manifest import (
    DataFile,
    InventoryError,
    Manifest,
    latest_timestamp_folder,
    parse_manifest,
    report_prefix,
)
from s3repl_tui.inventory.reader import Opener

MAX_MANIFEST_BYTES = 64 << 20  # a manifest lists files, not objects: megabytes at most


def split_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``("bucket", "key")``; anything else is an InventoryError."""
    rest = url[len("s3://"):]
    bucket, _, key = rest.partition("/")
    if not bucket or not key:
        raise InventoryError(f"{url} is not an s3://bucket/key address of a manifest.json.",
                             "For example: --inventory s3://inventory-bucket/prefix/src/config/2024-05-01T01-00Z/"
                             "manifest.json")
    return bucket, key


def _aws_failure(error: Exception, operation: str, what: str) -> InventoryError:
    reason = classify(error, operation, None)
    return InventoryError(f"{what} could not be read: {reason.message}",
                          "Use --source-profile with credentials that can read the inventory's destination bucket.")


@dataclass(frozen=True)
class Located:
    manifest: Manifest
    open_file: Opener
    config_id: str | None = None  # when found from the bucket's inventory configurations


def from_local(path: Path) -> Located:
    manifest_path = path / "manifest.json" if path.is_dir() else path
    try:
        size = manifest_path.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            raise InventoryError(f"{manifest_path} is {size} bytes, too large for an inventory manifest.",
                                 "Give the manifest.json of an inventory report.")
        text = manifest_path.read_bytes()
    except OSError as error:
        raise InventoryError(f"{manifest_path} could not be read ({error.strerror or error}).",
                             "Give the path of a manifest.json, or its s3:// address.") from error
    manifest = parse_manifest(text, str(manifest_path))
    folder = manifest_path.resolve().parent

    @contextlib.contextmanager
    def open_file(file: DataFile) -> Iterator[IO[bytes]]:
        local = _local_data_file(folder, file.key)
        if local is None:
            raise InventoryError(
                f"The data file {file.key} of {manifest_path} is not on this machine next to the manifest.",
                "Copy the report's data/ folder beside it (aws s3 sync), or give the manifest's s3:// address.",
            )
        with local.open("rb") as handle:
            yield handle

    return Located(manifest, open_file)


def _local_data_file(folder: Path, key: str) -> Path | None:
    """``key`` (destination-prefix/source/config/data/x.csv.gz) under the manifest's folder or one of its
    parents, with as many of its leading segments dropped as the copy dropped; also just its file name."""
    parts = [part for part in key.split("/") if part not in ("", ".", "..")]
    for base in (folder, *folder.parents):
        for start in range(len(parts)):
            candidate = base.joinpath(*parts[start:])
            if candidate.is_file():
                return candidate
    return None


def from_s3(s3: Any, url: str) -> Located:
    bucket, key = split_s3_url(url)
    try:
        answer = s3.get_object(Bucket=bucket, Key=key)
        if int(answer.get("ContentLength") or 0) > MAX_MANIFEST_BYTES:
            raise InventoryError(f"{url} is too large for an inventory manifest.",
                                 "Give the manifest.json of an inventory report.")
        text = answer["Body"].read()
    except (ClientError, BotoCoreError) as error:
        raise _aws_failure(error, "s3:GetObject", url) from error
    manifest = parse_manifest(text, url)
    data_bucket = manifest.destination_bucket or bucket

    @contextlib.contextmanager
    def open_file(file: DataFile) -> Iterator[IO[bytes]]:
        try:
            body = s3.get_object(Bucket=data_bucket, Key=file.key)["Body"]
        except (ClientError, BotoCoreError) as error:
            raise _aws_failure(error, "s3:GetObject", f"s3://{data_bucket}/{file.key}") from error
        try:
            yield body
        finally:
            body.close()

    return Located(manifest, open_file)


def _configurations(s3: Any, bucket: str) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    token: str | None = None
    try:
        while True:
            answer = s3.list_bucket_inventory_configurations(
                Bucket=bucket, **({"ContinuationToken": token} if token else {}))
            found += answer.get("InventoryConfigurationList") or []
            token = answer.get("NextContinuationToken")
            if not answer.get("IsTruncated") or not token:
                return found
    except (ClientError, BotoCoreError) as error:
        raise _aws_failure(error, "s3:GetInventoryConfiguration", f"The inventory configurations of {bucket}") \
            from error


def _complete(s3: Any, bucket: str, listed: Mapping[str, Any]) -> Mapping[str, Any]:
    """The configuration as GetBucketInventoryConfiguration answers it, when the listed entry lacks
    ReplicationStatus: a moto server's list answers ``OptionalFields: ["Field"]`` (AWS's lists them all,
    so on AWS this re-reads only configurations that really lack the field)."""
    if "ReplicationStatus" in (listed.get("OptionalFields") or []) or not listed.get("Id"):
        return listed
    try:
        answer = s3.get_bucket_inventory_configuration(Bucket=bucket, Id=listed["Id"])
    except (ClientError, BotoCoreError):
        return listed  # the list's answer stands
    return dict(answer.get("InventoryConfiguration") or listed)


def find_report(s3: Any, source_bucket: str) -> tuple[str, str]:
    """(s3:// address of the newest manifest.json, config id) of an inventory with ReplicationStatus."""
    configurations = _configurations(s3, source_bucket)
    with_status = [c for c in (_complete(s3, source_bucket, c) for c in configurations)
                   if "ReplicationStatus" in (c.get("OptionalFields") or [])]
    add_field = ("Add the ReplicationStatus optional field to an inventory configuration of the bucket "
                 "(aws s3api put-bucket-inventory-configuration), wait for its first report (up to 48 hours), "
                 "or give one with --inventory.")
    if not configurations:
        raise InventoryError(f"The bucket {source_bucket} has no S3 Inventory configuration, so there is no "
                             "report of its objects' replication status.", add_field)
    if not with_status:
        names = ", ".join(str(c.get("Id")) for c in configurations)
        raise InventoryError(f"No inventory configuration of {source_bucket} ({names}) includes the "
                             "ReplicationStatus field.", add_field)
    newest: tuple[str, str, str] | None = None  # (timestamp, url, id)
    for configuration in sorted(with_status, key=lambda c: not c.get("IsEnabled")):
        destination = (configuration.get("Destination") or {}).get("S3BucketDestination") or {}
        bucket = str(destination.get("Bucket", "")).split(":::", 1)[-1]
        config_id = str(configuration.get("Id", ""))
        prefix = report_prefix(destination.get("Prefix"), source_bucket, config_id)
        try:
            listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter="/")
        except (ClientError, BotoCoreError) as error:
            raise _aws_failure(error, "s3:ListBucket", f"s3://{bucket}/{prefix}") from error
        folders = [p["Prefix"][len(prefix):].rstrip("/") for p in listed.get("CommonPrefixes") or []]
        stamp = latest_timestamp_folder(folders)
        if stamp is not None and (newest is None or stamp > newest[0]):
            newest = (stamp, f"s3://{bucket}/{prefix}{stamp}/manifest.json", config_id)
    if newest is None:
        ids = ", ".join(str(c.get("Id")) for c in with_status)
        raise InventoryError(f"The inventory configuration(s) {ids} of {source_bucket} include ReplicationStatus, "
                             "but no report has been delivered yet.",
                             "S3 delivers the first report within 48 hours; or give one with --inventory.")
    return newest[1], newest[2]
