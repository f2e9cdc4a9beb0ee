"""What a person decides when setting replication up, from the wizard or from flags.

``Answers`` holds what is known so far (None: not answered yet); ``missing()`` names the flags that
would answer the rest, and ``complete()`` turns it into ``SetupAnswers`` once nothing is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from s3repl_tui.errors import UserError

Encryption = Literal["sse-s3", "sse-kms"]
Ownership = Literal["override", "enforced", "none"]
NEW_KEY = "new"  # --source-key new / --replica-key new: create a customer managed key

ENCRYPTIONS: tuple[Encryption, ...] = ("sse-s3", "sse-kms")
OWNERSHIPS: tuple[Ownership, ...] = ("override", "enforced", "none")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
ROLE_PATH = "/service-role/"  # where the S3 console puts replication roles (catalog §3.4)
KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")


def default_role_name(source_bucket: str) -> str:
    """``s3repl-tui-<bucket>``, cut to IAM's 64 characters."""
    return f"s3repl-tui-{source_bucket}"[:64]


def check_role_name(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise UserError(
            f"The role name {name!r} is not valid in IAM.",
            hint="Use 1 to 64 letters, digits or +=,.@_- characters.",
        )
    return name


def check_key_choice(value: str, flag: str) -> str:
    if value == NEW_KEY or KEY_ARN.match(value):
        return value
    raise UserError(
        f"{flag} {value!r} is neither 'new' nor a full KMS key ARN.",
        hint="Give the key's ARN (arn:aws:kms:<region>:<account>:key/<id>); an alias or a key id is not enough, "
        "because S3 resolves those in the wrong account.",
    )


@dataclass(frozen=True)
class SetupAnswers:
    """Every decision, complete."""

    source_bucket: str
    dest_bucket: str
    encryption: Encryption
    source_key: str | None  # "new", a key ARN, or None with SSE-S3
    replica_key: str | None
    ownership: Ownership
    rtc: bool
    metrics: bool
    delete_markers: bool
    replica_sync: bool
    role_name: str
    bucket_key: bool = False  # S3 Bucket Keys on both buckets' default encryption (SSE-KMS only)

    @property
    def kms(self) -> bool:
        return self.encryption == "sse-kms"


@dataclass(frozen=True)
class Answers:
    """What is known so far; None means not answered yet."""

    source_bucket: str | None = None
    dest_bucket: str | None = None
    encryption: Encryption | None = None
    source_key: str | None = None
    replica_key: str | None = None
    ownership: Ownership | None = None
    rtc: bool | None = None
    metrics: bool | None = None
    delete_markers: bool | None = None
    replica_sync: bool | None = None
    role_name: str | None = None
    bucket_key: bool | None = None

    def with_(self, **values: object) -> Answers:
        return replace(self, **values)  # type: ignore[arg-type]

    def validate(self) -> Answers:
        """Contradictions between answers, one sentence each (UserError, exit 2)."""
        if self.source_bucket and self.source_bucket == self.dest_bucket:
            raise UserError(
                f"The source and the destination are the same bucket ({self.source_bucket}).",
                hint="Replication copies objects into another bucket; pick a different destination.",
            )
        if self.encryption == "sse-s3":
            given = [
                flag
                for flag, value in (("--source-key", self.source_key), ("--replica-key", self.replica_key))
                if value
            ]
            if given:
                raise UserError(
                    f"{' and '.join(given)} only apply with --encryption sse-kms.",
                    hint="Drop them, or choose --encryption sse-kms.",
                )
            if self.bucket_key:
                raise UserError("--bucket-key only applies with --encryption sse-kms.", hint="Drop it.")
        if self.rtc and self.metrics is False:
            raise UserError(
                "Replication Time Control needs replication metrics, but --no-metrics was given.",
                hint="S3 requires Metrics with RTC (both with 15 minutes); drop --no-metrics or --rtc.",
            )
        if self.source_key:
            check_key_choice(self.source_key, "--source-key")
        if self.replica_key:
            check_key_choice(self.replica_key, "--replica-key")
        if self.role_name:
            check_role_name(self.role_name)
        return self

    def missing(self) -> list[str]:
        """The flags that would answer what is still open, in the order the wizard asks."""
        flags: list[tuple[str, object]] = [
            ("--source-bucket", self.source_bucket),
            ("--dest-bucket", self.dest_bucket),
            ("--encryption", self.encryption),
        ]
        if self.encryption == "sse-kms":
            flags += [("--source-key", self.source_key), ("--replica-key", self.replica_key)]
        flags += [
            ("--ownership", self.ownership),
            ("--rtc/--no-rtc", self.rtc),
            ("--metrics/--no-metrics", True if self.rtc else self.metrics),  # RTC implies metrics
            ("--delete-markers/--no-delete-markers", self.delete_markers),
            ("--replica-sync/--no-replica-sync", self.replica_sync),
        ]
        return [flag for flag, value in flags if value is None]

    def complete(self) -> SetupAnswers:
        missing = self.missing()
        if missing:
            raise UserError(f"These answers are missing: {', '.join(missing)}.")
        assert self.source_bucket and self.dest_bucket and self.encryption and self.ownership
        kms = self.encryption == "sse-kms"
        return SetupAnswers(
            source_bucket=self.source_bucket,
            dest_bucket=self.dest_bucket,
            encryption=self.encryption,
            source_key=self.source_key if kms else None,
            replica_key=self.replica_key if kms else None,
            ownership=self.ownership,
            rtc=bool(self.rtc),
            metrics=bool(self.metrics) or bool(self.rtc),
            delete_markers=bool(self.delete_markers),
            replica_sync=bool(self.replica_sync),
            role_name=check_role_name(self.role_name or default_role_name(self.source_bucket)),
            bucket_key=bool(self.bucket_key) and kms,
        )
