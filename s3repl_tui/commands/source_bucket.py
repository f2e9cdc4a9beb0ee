"""``--source-bucket``: what people paste (``s3://bucket``, ``arn:aws:s3:::bucket``) names the bucket, and a
bucket the source profile cannot see is a usage error in one sentence, not a report of unknown layers.

Bucket ARNs have no Region or account (``arn:aws:s3:::bucket``, any partition):
https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html. A bucket name never holds
``/``, ``:`` or spaces (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html);
legacy us-east-1 names may hold capitals and underscores, so those are let through to S3.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from s3repl_tui.errors import EXIT_USAGE, UserError
from s3repl_tui.probes.snapshot import Read, Snapshot

_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,254}")
_BUCKET_ARN = re.compile(r"arn:aws[a-z-]*:s3:::(?P<name>[^/]*)")


def normalise_source_bucket(text: str) -> str:
    """The bucket name of ``text``; argparse turns the refusal into one line and exit 2."""
    written = text.strip()
    name = written
    if written.lower().startswith("s3://"):
        name = written[5:]
        if name.endswith("/"):
            name = name[:-1]
    elif written.startswith("arn:"):
        match = _BUCKET_ARN.fullmatch(written)
        if match is None:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a bucket ARN (arn:aws:s3:::bucket); give the bucket's name."
            )
        name = match["name"]
    if not _BUCKET.fullmatch(name):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a bucket name; give the name, s3://name or arn:aws:s3:::name (no key or prefix)."
        )
    return name


def _denied(read: Read[Any] | None) -> bool:
    return read is not None and read.error is not None and read.error.kind == "access-denied"


def invisible(snapshot: Snapshot) -> bool:
    """The source bucket does not exist, or every read of it was denied (another account's bucket looks
    like this: S3 answers AccessDenied, not NoSuchBucket, to callers of other accounts)."""
    source = snapshot.source
    if source.exists.is_absent:
        return True
    if source.exists.is_error and source.exists.error is not None and source.exists.error.code == "NoSuchBucket":
        return True
    reads: tuple[Read[Any] | None, ...] = (source.exists, source.replication, source.encryption,
                                              source.versioning, source.policy)
    return all(_denied(read) for read in reads)


def require_visible(snapshot: Snapshot, profile: str | None) -> None:
    """Raise the usage error for a source bucket that does not exist or cannot be seen."""
    if not invisible(snapshot):
        return
    account = snapshot.source_identity.account
    who = f"profile {profile}" if profile else "the default credentials"
    if account:
        hint = (f"Check --source-bucket and --source-profile (these credentials are account {account}); a bucket "
                "of another account is visible only to that account's credentials.")
    else:
        hint = "Check --source-bucket and --source-profile."
    raise UserError(f"The bucket {snapshot.source_bucket} does not exist or is not visible to {who}.", hint,
                    EXIT_USAGE)
