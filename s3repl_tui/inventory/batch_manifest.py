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
