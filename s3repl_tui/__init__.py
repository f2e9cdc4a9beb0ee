"""s3repl-tui: find out why S3 replication fails, and fix it."""

__version__ = "0.1.0"
