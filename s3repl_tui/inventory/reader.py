"""Reading an inventory report's data files into a ``Tally``, streaming: one row (CSV) or one batch of
rows (Parquet, only the columns counted) in memory at a time, however many rows the report holds.

CSV data files are gzip-compressed and their keys URL-encoded (S3 Inventory's CSV format); Parquet is
read with pyarrow, an optional extra (``s3repl-tui[parquet]``); ORC is refused.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO, Any

from s3repl_tui.inventory.manifest import PARQUET_COLUMNS, DataFile, InventoryError, Manifest
from s3repl_tui.inventory.tally import Tally, status_of

Opener = Callable[[DataFile], contextlib.AbstractContextManager[IO[bytes]]]
PARQUET_BATCH_ROWS = 65_536
_CHUNK = 1 << 20
csv.field_size_limit(1 << 24)  # a key is at most 1024 bytes URL-encoded to 3x; other fields are short


class _Hashing(io.RawIOBase):
    """A binary stream that computes the MD5 of what is read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.md5 = hashlib.md5(usedforsecurity=False)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        self.md5.update(data)
        buffer[: len(data)] = data
        return len(data)

    def drain(self) -> str:
        while chunk := self.raw.read(_CHUNK):
            self.md5.update(chunk)
        return self.md5.hexdigest()


def _check_md5(manifest: Manifest, file: DataFile, digest: str) -> None:
    if file.md5 and file.md5.lower() != digest:
        raise InventoryError(
            f"The data file {file.key} of {manifest.where} does not match its MD5 checksum in the manifest "
            "(truncated or replaced since S3 wrote it).",
            "Read the report S3 delivered (not a copy), or a newer report.",
        )


def require_replication_status(manifest: Manifest) -> None:
    """A report without the field cannot answer; a Parquet/ORC schema this does not parse is left to the
    data file's own columns (the Parquet reader checks them)."""
    if manifest.file_format != "CSV" and not manifest.schema:
        return
    if not manifest.has_field("ReplicationStatus"):
        raise InventoryError(
            f"The inventory report {manifest.where} has no ReplicationStatus field, so it cannot say which "
            "objects failed to replicate.",
            "Add the ReplicationStatus optional field to the inventory configuration "
            "(console: Additional metadata fields; API: OptionalFields) and use the next report.",
        )


def read_report(manifest: Manifest, open_file: Opener, tally: Tally) -> None:
    """Every data file of ``manifest`` counted into ``tally``, one after another."""
    require_replication_status(manifest)
    if manifest.file_format == "ORC":
        raise InventoryError(
            f"The inventory report {manifest.where} is ORC, which s3repl-tui does not read.",
            "Change the inventory configuration's output format to CSV or Apache Parquet and use the next report.",
        )
    tally.has_dates = manifest.has_field("LastModifiedDate")
    if manifest.file_format == "Parquet":
        parquet = _pyarrow_parquet(manifest)
        for file in manifest.files:
            _read_parquet(manifest, file, open_file, tally, parquet)
        return
    for file in manifest.files:
        _read_csv(manifest, file, open_file, tally)


def _read_csv(manifest: Manifest, file: DataFile, open_file: Opener, tally: Tally) -> None:
    schema = manifest.schema
    at = {name: index for index, name in enumerate(schema)}
    bucket_at, key_at, status_at = at.get("Bucket"), at.get("Key"), at["ReplicationStatus"]
    version_at, date_at, marker_at = at.get("VersionId"), at.get("LastModifiedDate"), at.get("IsDeleteMarker")
    if key_at is None:
        raise InventoryError(f"The fileSchema of {manifest.where} has no Key column.",
                             "Give the manifest.json of an inventory report as S3 wrote it.")
    width = len(schema)
    default_bucket = manifest.source_bucket
    tally.url_encoded_keys = True
    add = tally.add
    with open_file(file) as raw:
        hashing = _Hashing(raw)
        try:
            text = io.TextIOWrapper(gzip.GzipFile(fileobj=io.BufferedReader(hashing, _CHUNK)),
                                    encoding="utf-8", newline="")
            for number, fields in enumerate(csv.reader(text), start=1):
                if len(fields) != width:
                    if not fields:
                        continue
                    raise InventoryError(
                        f"Row {number} of {file.key} has {len(fields)} columns where the manifest's fileSchema "
                        f"names {width}, so the report cannot be read.",
                        "Give the manifest.json that came with these data files.",
                    )
                add(
                    fields[bucket_at] if bucket_at is not None else default_bucket,
                    fields[key_at],  # URL-encoded: the tally decodes what it needs of it
                    (fields[version_at] or None) if version_at is not None else None,
                    status_of(fields[status_at]),
                    fields[date_at] if date_at is not None else None,
                    marker_at is not None and fields[marker_at] == "true",
                )
        except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as error:
            raise InventoryError(
                f"The data file {file.key} of {manifest.where} is not a gzip-compressed CSV file ({error}).",
                "Give the manifest.json that came with these data files, as S3 delivered them.",
            ) from error
        _check_md5(manifest, file, hashing.drain())


def _pyarrow_parquet(manifest: Manifest) -> Any:
    try:
        import pyarrow.parquet as parquet  # the optional extra
    except ImportError as error:
        raise InventoryError(
            f"The inventory report {manifest.where} is Apache Parquet, and reading Parquet needs pyarrow, "
            "which is not installed.",
            "pip install 's3repl-tui[parquet]' (or pip install pyarrow), or switch the inventory to CSV.",
        ) from error
    return parquet


@contextlib.contextmanager
def _seekable(manifest: Manifest, file: DataFile, open_file: Opener) -> Iterator[IO[bytes]]:
    """The data file as a seekable file (Parquet keeps its footer at the end): a local file as it is,
    anything else copied to a temporary file on disk first. Its MD5 is checked on the way."""
    with open_file(file) as raw:
        seekable = getattr(raw, "seekable", lambda: False)()
        if seekable:
            digest = hashlib.md5(usedforsecurity=False)
            while chunk := raw.read(_CHUNK):
                digest.update(chunk)
            _check_md5(manifest, file, digest.hexdigest())
            raw.seek(0)
            yield raw
            return
        with tempfile.TemporaryFile(prefix="s3repl-inventory-") as copy:
            hashing = _Hashing(raw)
            shutil.copyfileobj(io.BufferedReader(hashing, _CHUNK), copy, _CHUNK)
            _check_md5(manifest, file, hashing.drain())
            copy.seek(0)
            yield copy


def _read_parquet(manifest: Manifest, file: DataFile, open_file: Opener, tally: Tally, parquet: Any) -> None:
    with _seekable(manifest, file, open_file) as handle:
        try:
            reader = parquet.ParquetFile(handle)
            present = set(reader.schema_arrow.names)
        except Exception as error:  # pyarrow raises ArrowInvalid and OSError subclasses for a bad file
            raise InventoryError(f"The data file {file.key} of {manifest.where} is not a Parquet file ({error}).",
                                 "Give the manifest.json that came with these data files.") from error
        wanted = [PARQUET_COLUMNS[name] for name in ("Bucket", "Key", "VersionId", "IsDeleteMarker",
                                                      "LastModifiedDate", "ReplicationStatus")]
        columns = [name for name in wanted if name in present]
        if "key" not in present or "replication_status" not in present:
            missing = "key" if "key" not in present else "replication_status"
            raise InventoryError(f"The Parquet data file {file.key} of {manifest.where} has no {missing} column.",
                                 "Give the manifest.json that came with these data files.")
        tally.url_encoded_keys = False
        add = tally.add
        default_bucket = manifest.source_bucket
        for batch in reader.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            data = {name: batch.column(name).to_pylist() for name in columns}
            count = batch.num_rows
            buckets = data.get("bucket") or [default_bucket] * count
            versions = data.get("version_id") or [None] * count
            dates = data.get("last_modified_date") or [None] * count
            markers = data.get("is_delete_marker") or [False] * count
            for bucket, key, version, status, modified, marker in zip(
                buckets, data["key"], versions, data["replication_status"], dates, markers, strict=True
            ):
                add(bucket or default_bucket, key or "", version or None, status_of(status or ""), modified,
                    bool(marker))
