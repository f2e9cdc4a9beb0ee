"""An S3 Inventory report's ``manifest.json``: its format, its schema, its data files.

Layout (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html):
``destination-prefix/source-bucket/config-ID/YYYY-MM-DDTHH-MMZ/manifest.json`` lists data files written
under ``destination-prefix/source-bucket/config-ID/data/``; CSV files are gzip-compressed, and their
column order is the manifest's ``fileSchema``. Pure: text in, a ``Manifest`` or an ``InventoryError`` out.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from s3repl_tui.errors import UserError

FORMATS = ("CSV", "Parquet", "ORC")
# The manifest's timestamp folder: 2016-11-06T21-32Z.
TIMESTAMP_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z$")
# CSV fileSchema field names and their Parquet/ORC column names.
PARQUET_COLUMNS = {
    "Bucket": "bucket",
    "Key": "key",
    "VersionId": "version_id",
    "IsDeleteMarker": "is_delete_marker",
    "LastModifiedDate": "last_modified_date",
    "ReplicationStatus": "replication_status",
}


class InventoryError(UserError):
    """A manifest or data file that cannot be read as an S3 Inventory report (exit 2)."""


@dataclass(frozen=True)
class DataFile:
    key: str  # in the destination bucket
    size: int | None
    md5: str | None


@dataclass(frozen=True)
class Manifest:
    where: str  # s3://bucket/key or the local path, as shown to the person
    source_bucket: str
    destination_bucket: str  # the bucket name (the manifest holds its ARN)
    file_format: str  # CSV | Parquet | ORC
    schema: tuple[str, ...]  # CSV column names in order; for Parquet/ORC the field names the schema names
    files: tuple[DataFile, ...]
    created: dt.datetime | None  # creationTimestamp: when the inventory began scanning

    def has_field(self, name: str) -> bool:
        if self.file_format == "CSV":
            return name in self.schema
        return PARQUET_COLUMNS.get(name, name) in self.schema or name in self.schema


def _schema(file_format: str, text: str) -> tuple[str, ...]:
    if file_format == "CSV":
        return tuple(part.strip() for part in text.split(",") if part.strip())
    # Parquet/ORC: "message s3.inventory { required binary bucket (UTF8); optional binary key ...}" or
    # "struct<bucket:string,key:string,...>": the field names, whichever way they are written.
    names = re.findall(r"(?:binary|int32|int64|boolean|int96|double|float)\s+(\w+)", text)
    names += re.findall(r"[<,]\s*(\w+)\s*:", text)
    return tuple(dict.fromkeys(names))


def _created(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_manifest(text: str | bytes, where: str) -> Manifest:
    """The manifest at ``where``; an InventoryError (one sentence) for anything else."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise InventoryError(f"{where} is not JSON, so it is not an S3 Inventory manifest ({error}).",
                             "Give the manifest.json of an inventory report.") from error
    if not isinstance(document, dict):
        raise InventoryError(f"{where} is JSON but not an S3 Inventory manifest (no object at the top).",
                             "Give the manifest.json of an inventory report.")
    file_format = document.get("fileFormat")
    files = document.get("files")
    if file_format not in FORMATS or not isinstance(files, list):
        missing = "fileFormat" if file_format not in FORMATS else "files"
        raise InventoryError(
            f"{where} is not an S3 Inventory manifest: {missing} is missing or not one S3 writes"
            f"{f' ({file_format!r})' if missing == 'fileFormat' and file_format is not None else ''}.",
            "Give the manifest.json of an inventory report (fileFormat CSV, Parquet or ORC).",
        )
    data_files = []
    for entry in files:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or not entry["key"]:
            raise InventoryError(f"{where} lists a data file without a key, so the report cannot be read.",
                                 "Download the manifest.json again; S3 writes every file's key.")
        size = entry.get("size")
        md5 = entry.get("MD5checksum")
        data_files.append(DataFile(entry["key"], int(size) if isinstance(size, int | str) and str(size).isdigit()
                                   else None, md5 if isinstance(md5, str) and md5 else None))
    schema_text = document.get("fileSchema")
    if not isinstance(schema_text, str) or not schema_text.strip():
        raise InventoryError(f"{where} has no fileSchema, so its columns are not known.",
                             "Give the manifest.json of an inventory report as S3 wrote it.")
    destination = str(document.get("destinationBucket") or "")
    return Manifest(
        where=where,
        source_bucket=str(document.get("sourceBucket") or ""),
        destination_bucket=destination.split(":::", 1)[-1],
        file_format=file_format,
        schema=_schema(file_format, schema_text),
        files=tuple(data_files),
        created=_created(document.get("creationTimestamp")),
    )


def latest_timestamp_folder(folders: list[str]) -> str | None:
    """The newest ``YYYY-MM-DDTHH-MMZ`` among folder names (the format sorts as it reads)."""
    dated = [name for name in folders if TIMESTAMP_FOLDER.match(name)]
    return max(dated) if dated else None


def report_prefix(destination_prefix: str | None, source_bucket: str, config_id: str) -> str:
    """``destination-prefix/source-bucket/config-ID/`` (no leading part when there is no prefix)."""
    parts = [part for part in ((destination_prefix or "").strip("/"), source_bucket, config_id) if part]
    return "/".join(parts) + "/"
