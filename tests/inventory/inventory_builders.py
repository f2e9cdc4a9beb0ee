"""Inventory reports as S3 writes them: manifest.json and gzip CSV (or Parquet) data files, in the
documented layout destination-prefix/source-bucket/config-ID/{YYYY-MM-DDTHH-MMZ/manifest.json,data/…}."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus

CREATED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
CSV_SCHEMA = ("Bucket", "Key", "VersionId", "IsLatest", "IsDeleteMarker", "Size", "LastModifiedDate",
              "ReplicationStatus")
PARQUET_SCHEMA_TEXT = (
    "message s3.inventory { required binary bucket (STRING); required binary key (STRING); "
    "optional binary version_id (STRING); optional boolean is_latest; optional boolean is_delete_marker; "
    "optional int64 size; optional int64 last_modified_date (TIMESTAMP(MILLIS,true)); "
    "optional binary replication_status (STRING);}"
)


@dataclass(frozen=True)
class Obj:
    key: str
    status: str  # "" for not eligible
    age: dt.timedelta = dt.timedelta(days=30)
    version_id: str = ""
    delete_marker: bool = False


def csv_row(bucket: str, obj: Obj, schema: Sequence[str] = CSV_SCHEMA, now: dt.datetime = CREATED) -> list[str]:
    values = {
        "Bucket": bucket,
        "Key": quote_plus(obj.key, safe="/"),  # S3 Inventory URL-encodes CSV keys
        "VersionId": obj.version_id,
        "IsLatest": "true",
        "IsDeleteMarker": "true" if obj.delete_marker else "false",
        "Size": "10",
        "LastModifiedDate": (now - obj.age).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "ReplicationStatus": obj.status,
    }
    return [values[name] for name in schema]


def gzip_csv(rows: Iterable[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    return gzip.compress(text.getvalue().encode("utf-8"))


def parquet_bytes(bucket: str, objects: Sequence[Obj], now: dt.datetime = CREATED) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "bucket": [bucket] * len(objects),
        "key": [o.key for o in objects],  # Parquet keys are not URL-encoded
        "version_id": [o.version_id or None for o in objects],
        "is_latest": [True] * len(objects),
        "is_delete_marker": [o.delete_marker for o in objects],
        "size": [10] * len(objects),
        "last_modified_date": pa.array([now - o.age for o in objects], type=pa.timestamp("ms", tz="UTC")),
        "replication_status": [o.status for o in objects],
    })
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=3)  # several row groups: read one batch at a time
    return sink.getvalue()


@dataclass(frozen=True)
class Report:
    """Files of one inventory report, keyed by their key in the destination bucket."""

    files: dict[str, bytes]
    manifest_key: str

    def write_to(self, root: Path) -> Path:
        for key, body in self.files.items():
            path = root.joinpath(*key.split("/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        return root.joinpath(*self.manifest_key.split("/"))


def report(source: str, objects: Sequence[Obj], *, file_format: str = "CSV", destination: str = "inventory-dest",
           prefix: str = "inv", config_id: str = "replication-status", schema: Sequence[str] = CSV_SCHEMA,
           parts: int = 2, stamp: str = "2024-05-01T12-00Z", created: dt.datetime | None = CREATED) -> Report:
    base = "/".join(p for p in (prefix, source, config_id) if p)
    files: dict[str, bytes] = {}
    entries = []
    chunks = [objects[i::parts] for i in range(parts)]
    for index, chunk in enumerate(chunks):
        if file_format == "CSV":
            body = gzip_csv(csv_row(source, obj, schema, created or CREATED) for obj in chunk)
            key = f"{base}/data/part-{index}.csv.gz"
        else:
            body = parquet_bytes(source, chunk, created or CREATED)
            key = f"{base}/data/part-{index}.parquet"
        files[key] = body
        entries.append({"key": key, "size": len(body), "MD5checksum": hashlib.md5(body).hexdigest()})
    manifest = {
        "sourceBucket": source,
        "destinationBucket": f"arn:aws:s3:::{destination}",
        "version": "2016-11-30",
        "fileFormat": file_format,
        "fileSchema": ", ".join(schema) if file_format == "CSV" else PARQUET_SCHEMA_TEXT,
        "files": entries,
    }
    if created is not None:
        manifest["creationTimestamp"] = str(int(created.timestamp() * 1000))
    manifest_key = f"{base}/{stamp}/manifest.json"
    files[manifest_key] = json.dumps(manifest).encode()
    return Report(files, manifest_key)


MIXED = (
    Obj("logs/a.txt", "FAILED", dt.timedelta(minutes=10)),
    Obj("logs/b c+d.txt", "FAILED", dt.timedelta(hours=5)),  # space and plus: URL-encoded in CSV
    Obj("logs/c.txt", "COMPLETED", dt.timedelta(days=3)),
    Obj("images/x.png", "PENDING", dt.timedelta(minutes=30)),
    Obj("images/y.png", "COMPLETED", dt.timedelta(days=20)),
    Obj("tagged/t.bin", "FAILED", dt.timedelta(days=2)),
    Obj("other/o.bin", "", dt.timedelta(days=40)),
    Obj("top.txt", "REPLICA", dt.timedelta(days=1)),
)
RULES = {
    "Role": "arn:aws:iam::123456789012:role/r",
    "Rules": [
        {"ID": "logs-rule", "Priority": 2, "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Destination": {"Bucket": "arn:aws:s3:::d"}},
        {"ID": "images-rule", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": "images/"},
         "Destination": {"Bucket": "arn:aws:s3:::d"}},
        {"ID": "tag-rule", "Priority": 3, "Status": "Enabled",
         "Filter": {"And": {"Prefix": "tagged/", "Tags": [{"Key": "k", "Value": "v"}]}},
         "Destination": {"Bucket": "arn:aws:s3:::d"}},
        {"ID": "disabled-rule", "Priority": 9, "Status": "Disabled", "Filter": {"Prefix": ""},
         "Destination": {"Bucket": "arn:aws:s3:::d"}},
    ],
}
