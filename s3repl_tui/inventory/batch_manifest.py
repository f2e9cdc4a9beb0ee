"""The S3 Batch Operations CSV manifest of the FAILED objects (format ``S3BatchOperations_CSV_20180820``):
one ``bucket,key`` or ``bucket,key,versionId`` row per object, no header, keys URL-encoded as Batch
Operations requires ("The contents of the manifest must be URL encoded":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/batch-ops-basics.html). Written as rows come."""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import IO
from urllib.parse import quote

from s3repl_tui.inventory.manifest import InventoryError
from s3repl_tui.inventory.tally import Row

FORMAT = "S3BatchOperations_CSV_20180820"


def manifest_row(row: Row, with_versions: bool) -> list[str]:
    encoded = quote(row.key, safe="/")
    if not with_versions:
        return [row.bucket, encoded]
    return [row.bucket, encoded, row.version_id or "null"]  # S3 names the null version "null"


class BatchManifestWriter:
    """``with BatchManifestWriter(path, with_versions) as writer: writer.add(row)``."""

    def __init__(self, path: Path, with_versions: bool) -> None:
        self.path = path
        self.with_versions = with_versions
        self.count = 0
        self._handle: IO[str] | None = None

    def __enter__(self) -> BatchManifestWriter:
        try:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
        except OSError as error:
            raise InventoryError(f"--manifest-out {self.path} could not be written ({error.strerror or error}).",
                                 "Give a path in a folder you can write to.") from error
        self._writer = csv.writer(self._handle, lineterminator="\n")
        return self

    def add(self, row: Row) -> None:
        self._writer.writerow(manifest_row(row, self.with_versions))
        self.count += 1

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._handle is not None:
            self._handle.close()


def read_manifest_file(path: Path, source_bucket: str) -> tuple[tuple[str, ...], int]:
    """(the Batch ``Fields`` of a CSV manifest, its rows), read row by row; an InventoryError (one sentence)
    for a file that is not one, or lists objects of another bucket."""
    width: int | None = None
    count = 0
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, fields in enumerate(csv.reader(handle), start=1):
                if not fields:
                    continue
                if len(fields) not in (2, 3) or (width is not None and len(fields) != width):
                    raise InventoryError(
                        f"Row {number} of {path} has {len(fields)} columns; a Batch Operations manifest has "
                        "bucket,key or bucket,key,versionId on every row.",
                        "Write it with s3repl-tui failed --manifest-out.")
                if fields[0] != source_bucket:
                    raise InventoryError(f"Row {number} of {path} lists an object of bucket {fields[0]}, "
                                         f"not of {source_bucket}.", "Give the manifest of --source-bucket.")
                width = len(fields)
                count += 1
    except OSError as error:
        raise InventoryError(f"--manifest {path} could not be read ({error.strerror or error}).",
                             "Give the CSV file s3repl-tui failed --manifest-out wrote.") from error
    except (UnicodeDecodeError, csv.Error) as error:
        raise InventoryError(f"--manifest {path} is not a CSV file ({error}).",
                             "Give the CSV file s3repl-tui failed --manifest-out wrote.") from error
    if not count:
        raise InventoryError(f"--manifest {path} lists no object, so there is nothing to re-replicate.",
                             "Run s3repl-tui failed --manifest-out again after objects fail.")
    return ("Bucket", "Key", "VersionId") if width == 3 else ("Bucket", "Key"), count
