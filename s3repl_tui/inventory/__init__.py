"""S3 Inventory reports with replication status: which objects FAILED, PENDING or were never eligible,
by prefix, age and rule, streamed from CSV (gzip) or Parquet data files. No Textual."""

from s3repl_tui.inventory.batch_manifest import FORMAT as BATCH_MANIFEST_FORMAT
from s3repl_tui.inventory.batch_manifest import BatchManifestWriter
from s3repl_tui.inventory.manifest import DataFile, InventoryError, Manifest, parse_manifest
from s3repl_tui.inventory.reader import read_report, require_replication_status
from s3repl_tui.inventory.rules import NO_CONFIGURATION, NO_RULE, TAG_RULE, RuleMatcher
from s3repl_tui.inventory.source import Located, find_report, from_local, from_s3
from s3repl_tui.inventory.tally import STATUSES, AgeBuckets, Row, Tally

__all__ = [
    "BATCH_MANIFEST_FORMAT",
    "NO_CONFIGURATION",
    "NO_RULE",
    "STATUSES",
    "TAG_RULE",
    "AgeBuckets",
    "BatchManifestWriter",
    "DataFile",
    "InventoryError",
    "Located",
    "Manifest",
    "Row",
    "RuleMatcher",
    "Tally",
    "find_report",
    "from_local",
    "from_s3",
    "parse_manifest",
    "read_report",
    "require_replication_status",
]
